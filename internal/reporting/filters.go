package reporting

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/i18n"
	"takumi/internal/progress"
)

// Filter narrows a breakdown or a series: one programme, a date range
// (whole months), and at most one dimension filter, or two: a place
// (prefecture or region) in Dim and one of SecondDims in Dim2. Two
// filters are answered only from the place × Dim2 cross-tabulation,
// protected as a whole table (TwoWay); see docs/ministry-dashboard.md.
type Filter struct {
	Programme *progress.Programme
	From, To  time.Time // first day of From's month .. last day of To's month (UTC dates)
	Dim       string    // "" or one of progress.Dimensions, or "region"
	Value     string    // the dimension's value (a region name for "region")
	Dim2      string    // "" or one of SecondDims (then Dim is a place)
	Value2    string
	// Term is the period chosen from the lists (parameter term) ("fy2026", "fy2026q3"),
	// "" for a month range.
	Term string
}

// TwoFilters reports whether f combines a place with a second filter.
func (f Filter) TwoFilters() bool { return f.Dim2 != "" }

// PlaceDims are the filters that can come first in a two-filter question;
// SecondDims those that can be combined with a place.
var (
	PlaceDims  = []string{"prefecture", "region"}
	SecondDims = []string{"industry", "skill_area", "segment", "provider"}
)

// Limits of a date range.
var (
	EarliestDate = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxRangeDays = 366 * 15
)

// ParseFilter reads a filter from query parameters: programme (code; the
// flagship when empty), term (a fiscal year or quarter, see Periods) or
// else from and to (YYYY-MM or YYYY-MM-DD; snapped to whole months;
// default: the programme's start to this month), and at most one of
// prefecture, region, industry, skill_area, segment, provider, or a place
// (prefecture or region) with one of the others. The form's place and by
// selects ("prefecture:27", "industry:E") name the same filters. valid
// reports whether a dimension value exists. Errors are invalid with a
// message key; the page shows it instead of an empty chart.
func (s *Service) ParseFilter(ctx context.Context, q url.Values, valid func(dim, value string) bool) (Filter, error) {
	ps, err := s.Programmes(ctx)
	if err != nil {
		return Filter{}, err
	}
	return s.ParseFilterAmong(q, ps, valid)
}

// ParseFilterAmong is ParseFilter with the programmes already read (the
// filter points into ps). Errors: as ParseFilter's.
func (s *Service) ParseFilterAmong(q url.Values, ps []progress.Programme, valid func(dim, value string) bool) (Filter, error) {
	var f Filter
	p, err := programmeIn(ps, strings.TrimSpace(q.Get("programme")))
	if err != nil {
		return f, err
	}
	f.Programme = p
	today := s.now().UTC()
	var from, to time.Time
	if period := strings.TrimSpace(q.Get("term")); period != "" {
		if from, to, err = parsePeriod(period); err != nil {
			return f, err
		}
		f.Term = period
	} else {
		if from, err = parseMonth(q.Get("from"), p.StartsOn); err != nil {
			return f, apperr.New(apperr.Invalid, "reporting.err_bad_date")
		}
		if to, err = parseMonth(q.Get("to"), today); err != nil {
			return f, apperr.New(apperr.Invalid, "reporting.err_bad_date")
		}
	}
	f.From = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	f.To = time.Date(to.Year(), to.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	switch {
	case f.To.Before(f.From):
		return f, apperr.New(apperr.Invalid, "reporting.err_reversed_dates")
	case f.From.Before(EarliestDate) || f.To.After(today.AddDate(5, 0, 0)) || f.To.Sub(f.From) > time.Duration(MaxRangeDays)*24*time.Hour:
		return f, apperr.New(apperr.Invalid, "reporting.err_absurd_dates")
	}
	chosen := map[string]string{}
	for _, d := range append([]string{"region"}, progress.Dimensions...) {
		if v := strings.TrimSpace(q.Get(d)); v != "" {
			chosen[d] = v
		}
	}
	// The form's two selects, "dimension:value" each.
	for _, name := range []string{"place", "by"} {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			continue
		}
		d, val, ok := strings.Cut(v, ":")
		allowed := SecondDims
		if name == "place" {
			allowed = PlaceDims
		}
		if !ok || !slices.Contains(allowed, d) || val == "" {
			return f, apperr.New(apperr.Invalid, "reporting.err_unknown_value")
		}
		if prev, dup := chosen[d]; dup && prev != val {
			return f, apperr.New(apperr.Invalid, "reporting.err_filter_pair")
		}
		chosen[d] = val
	}
	var place, second []string
	for _, d := range append([]string{"region"}, progress.Dimensions...) {
		if _, ok := chosen[d]; !ok {
			continue
		}
		if slices.Contains(PlaceDims, d) {
			place = append(place, d)
		} else {
			second = append(second, d)
		}
	}
	switch {
	case len(place)+len(second) > 2 || len(place) > 1 || len(second) > 1:
		return f, apperr.New(apperr.Invalid, "reporting.err_filter_pair")
	case len(place) == 1:
		f.Dim, f.Value = place[0], chosen[place[0]]
		if len(second) == 1 {
			f.Dim2, f.Value2 = second[0], chosen[second[0]]
		}
	case len(second) == 1:
		f.Dim, f.Value = second[0], chosen[second[0]]
	}
	for _, dv := range [][2]string{{f.Dim, f.Value}, {f.Dim2, f.Value2}} {
		if dv[0] != "" && valid != nil && !valid(dv[0], dv[1]) {
			return f, apperr.New(apperr.Invalid, "reporting.err_unknown_value")
		}
	}
	return f, nil
}

func parseMonth(s string, def time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	for _, layout := range []string{"2006-01", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("bad date")
}

// Segments are the learner segments (users.segment).
var Segments = []string{"engineer", "developer", "other"}

// Choice is one value a filter can take, with its names.
type Choice struct {
	Value          string
	NameJa, NameEn string
}

// Name returns the choice's name in lang.
func (c Choice) Name(lang string) string {
	return i18n.Pick(lang, c.NameJa, c.NameEn)
}

// Choices are the values of every filter dimension, from the reference
// tables and the provider organisations. Region and segment names come from
// the message catalogues (NameJa and NameEn hold the code).
type Choices struct {
	Prefectures, Regions, Industries, SkillAreas, Segments, Providers []Choice
	index                                                             map[string]map[string]Choice
	regionOf                                                          map[string]string // prefecture code → region
}

// Valid reports whether value is one of dim's choices.
func (c *Choices) Valid(dim, value string) bool {
	_, ok := c.index[dim][value]
	return ok
}

// Lookup returns the choice of dim with value.
func (c *Choices) Lookup(dim, value string) (Choice, bool) {
	ch, ok := c.index[dim][value]
	return ch, ok
}

// Of returns the choices of dim.
func (c *Choices) Of(dim string) []Choice {
	switch dim {
	case "prefecture":
		return c.Prefectures
	case "region":
		return c.Regions
	case "industry":
		return c.Industries
	case "skill_area":
		return c.SkillAreas
	case "segment":
		return c.Segments
	case "provider":
		return c.Providers
	}
	return nil
}

// Choices loads the filter values in one round trip, each kind in its own
// order (prefectures and industries by code, skill areas as the catalogue
// orders them, providers by name).
func (s *Service) Choices(ctx context.Context) (*Choices, error) {
	return s.choicesOn(ctx, s.reads)
}

// choicesOn is Choices read on db.
func (s *Service) choicesOn(ctx context.Context, db *gorm.DB) (*Choices, error) {
	c := &Choices{regionOf: map[string]string{}}
	seen := map[string]bool{}
	err := scanRowsOn(ctx, db, query("choices"), nil, func(rows *sql.Rows) error {
		var kind int
		var ch Choice
		var region string
		if err := rows.Scan(&kind, &ch.Value, &ch.NameJa, &ch.NameEn, &region); err != nil {
			return err
		}
		switch kind {
		case 1:
			c.Prefectures = append(c.Prefectures, ch)
			c.regionOf[ch.Value] = region
			if !seen[region] {
				seen[region] = true
				c.Regions = append(c.Regions, Choice{Value: region, NameJa: region, NameEn: region})
			}
		case 2:
			c.Industries = append(c.Industries, ch)
		case 3:
			c.SkillAreas = append(c.SkillAreas, ch)
		case 4:
			c.Providers = append(c.Providers, ch)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, seg := range Segments {
		c.Segments = append(c.Segments, Choice{Value: seg, NameJa: seg, NameEn: seg})
	}
	c.index = map[string]map[string]Choice{}
	for _, dim := range append([]string{"region"}, progress.Dimensions...) {
		m := map[string]Choice{}
		for _, ch := range c.Of(dim) {
			m[ch.Value] = ch
		}
		c.index[dim] = m
	}
	return c, nil
}

// RegionMap is the prefecture → region mapping the choices were read with
// (as LoadRegions reads it).
func (c *Choices) RegionMap() Regions {
	out := Regions{}
	for _, p := range c.Prefectures { // in code order
		out[c.regionOf[p.Value]] = append(out[c.regionOf[p.Value]], p.Value)
	}
	return out
}

// CompareDims are the dimensions two areas can be compared by.
var CompareDims = []string{"prefecture", "industry"}

// Compare asks for two monthly series side by side: two values of one
// dimension (prefecture or industry). The zero value asks for none.
type Compare struct {
	Dim, A, B string
}

// ParseCompare reads compare_a and compare_b ("prefecture:13",
// "industry:G"). Both empty: no comparison. Errors (invalid):
// ministry.err_compare_pair (only one chosen), ministry.err_compare_mixed
// (a prefecture with an industry), ministry.err_compare_same,
// reporting.err_unknown_value.
func ParseCompare(q url.Values, valid func(dim, value string) bool) (Compare, error) {
	a, b := strings.TrimSpace(q.Get("compare_a")), strings.TrimSpace(q.Get("compare_b"))
	if a == "" && b == "" {
		return Compare{}, nil
	}
	if a == "" || b == "" {
		return Compare{}, apperr.New(apperr.Invalid, "ministry.err_compare_pair")
	}
	da, va, okA := strings.Cut(a, ":")
	db, vb, okB := strings.Cut(b, ":")
	if !okA || !okB || !slices.Contains(CompareDims, da) || !slices.Contains(CompareDims, db) {
		return Compare{}, apperr.New(apperr.Invalid, "reporting.err_unknown_value")
	}
	if da != db {
		return Compare{}, apperr.New(apperr.Invalid, "ministry.err_compare_mixed")
	}
	if va == vb {
		return Compare{}, apperr.New(apperr.Invalid, "ministry.err_compare_same")
	}
	if valid != nil && (!valid(da, va) || !valid(db, vb)) {
		return Compare{}, apperr.New(apperr.Invalid, "reporting.err_unknown_value")
	}
	return Compare{Dim: da, A: va, B: vb}, nil
}

// Chosen reports whether a comparison was asked for.
func (c Compare) Chosen() bool { return c.Dim != "" }
