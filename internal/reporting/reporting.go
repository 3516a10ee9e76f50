package reporting

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/jst"
	"takumi/internal/progress"
)

// Service reads the rollups.
type Service struct {
	db  *gorm.DB
	k   int
	now func() time.Time
	// public caches the national progress page's figures (public.go).
	public publicCache
	// ministry caches the dashboard's filter-independent figures (cache.go).
	ministry ministryCache
}

// NewService returns the reporting service with disclosure threshold k
// (DefaultK when k < 2).
func NewService(db *gorm.DB, k int) *Service {
	if k < 2 {
		k = DefaultK
	}
	return &Service{db: db, k: k, now: time.Now}
}

// K is the disclosure threshold.
func (s *Service) K() int { return s.k }

// Programmes returns every programme, the flagship first.
func (s *Service) Programmes(ctx context.Context) ([]progress.Programme, error) {
	return progress.All(ctx, s.db)
}

// Programme returns the programme with the given code, or the flagship
// when code is empty. Errors: not_found.
func (s *Service) Programme(ctx context.Context, code string) (*progress.Programme, error) {
	ps, err := s.Programmes(ctx)
	if err != nil {
		return nil, err
	}
	return programmeIn(ps, code)
}

// programmeIn finds the programme with code in ps (the flagship when code
// is empty). Errors: not_found.
func programmeIn(ps []progress.Programme, code string) (*progress.Programme, error) {
	for i := range ps {
		if (code == "" && ps[i].Flagship) || (code != "" && ps[i].Code == code) {
			return &ps[i], nil
		}
	}
	return nil, apperr.New(apperr.NotFound, "reporting.err_unknown_programme")
}

// AsOf is when the engine last applied events (the numbers' freshness).
func (s *Service) AsOf(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.db.WithContext(ctx).Raw(`SELECT updated_at FROM progress_engine_state WHERE id = 1`).Scan(&t).Error
	return t, err
}

// Point is one day of a cumulative series.
type Point struct {
	Day        time.Time
	Cumulative int64
}

// Progress is a programme's headline and trajectory.
type Progress struct {
	Programme *progress.Programme
	AsOf      time.Time
	Learners  int64   // unique learners counted toward the target
	Percent   float64 // Learners / Target * 100
	Series    []Point // cumulative learners by day (days with a change)
	// RunRate is learners per week over the last 4 weeks; NeededRate the
	// learners per week needed from today to reach the target by the end
	// date; Projected the date the target is reached at RunRate (nil when
	// the rate is zero or the date is after 2100).
	RunRate, NeededRate float64
	Projected           *time.Time
	Reached             bool
}

// Headline returns the programme's progress. National totals are not
// suppressed: they are not small, and they count no attribute of anyone.
func (s *Service) Headline(ctx context.Context, p *progress.Programme) (*Progress, error) {
	out := &Progress{Programme: p}
	var err error
	if out.AsOf, err = s.AsOf(ctx); err != nil {
		return nil, err
	}
	var rows []struct {
		Day time.Time
		N   int64
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT day, learners AS n FROM progress_rollup
		WHERE programme_id = ? AND d1 = '' AND d2 = '' AND learners <> 0 ORDER BY day`, p.ID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	today := jst.In(s.now())
	todayDay := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var cum, recent int64
	since := todayDay.AddDate(0, 0, -28)
	for _, r := range rows {
		cum += r.N
		out.Series = append(out.Series, Point{Day: r.Day, Cumulative: cum})
		if r.Day.After(since) {
			recent += r.N
		}
	}
	out.Learners = cum
	out.Percent = float64(cum) / float64(p.Target) * 100
	out.RunRate = float64(recent) / 4
	out.Reached = cum >= p.Target
	remaining := float64(p.Target - cum)
	weeksLeft := p.EndsOn.Sub(todayDay).Hours() / (24 * 7)
	if remaining > 0 && weeksLeft > 0 {
		out.NeededRate = remaining / weeksLeft
	} else if remaining > 0 {
		out.NeededRate = math.Inf(1)
	}
	if remaining > 0 && out.RunRate > 0 {
		weeks := remaining / out.RunRate
		if weeks < 52*80 {
			d := todayDay.Add(time.Duration(weeks * 7 * 24 * float64(time.Hour)))
			out.Projected = &d
		}
	}
	return out, nil
}

// Filter narrows a breakdown or a series: one programme, a date range
// (whole months), and at most one dimension filter. See docs/reporting.md
// for why filters cannot be combined.
type Filter struct {
	Programme *progress.Programme
	From, To  time.Time // first day of From's month .. last day of To's month (UTC dates)
	Dim       string    // "" or one of progress.Dimensions, or "region"
	Value     string    // the dimension's value (a region name for "region")
}

// Row is one line of a breakdown.
type Row struct {
	Value string // the dimension value ('' = not stated)
	Cell  Cell
}

// Breakdown is a protected breakdown of learners by one dimension.
type Breakdown struct {
	Dim   string
	Rows  []Row
	Total Cell
}

// pairKey returns the (d1, v1, d2, v2) rollup key columns for a breakdown by
// dim under the filter (a filter on another dimension makes it a
// cross-tabulation row).
func pairKey(filterDim, dim string) (d1, d2 string, byFirst bool) {
	if filterDim == "" || filterDim == dim {
		return dim, "", true
	}
	if filterDim < dim {
		return filterDim, dim, false
	}
	return dim, filterDim, true
}

// Regions maps each region name (English, as in prefectures.csv) to its
// prefecture codes; set by LoadRegions.
type Regions map[string][]string

// LoadRegions reads the prefecture → region mapping from the database.
func (s *Service) LoadRegions(ctx context.Context) (Regions, error) {
	var rows []struct{ Code, RegionEn string }
	if err := s.db.WithContext(ctx).Raw(`SELECT code, region_en FROM prefectures ORDER BY code`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := Regions{}
	for _, r := range rows {
		out[r.RegionEn] = append(out[r.RegionEn], r.Code)
	}
	return out, nil
}

// Breakdown returns learners counted toward f.Programme by dim, within the
// filter's months, protected. It reads the monthly rollups.
//
// Without a filter (or filtered on dim itself) the breakdown is one line
// protected with its total. Filtered on another dimension it is one row of
// the whole cross-tabulation (every value of the filter's dimension × dim,
// regions aggregated from prefectures), protected as a table: the same
// table, whichever row is asked for, so a hidden cell cannot be recovered
// by adding up the other rows against the unfiltered breakdown. The row's
// total is the filter value's cell of the breakdown by the filter's
// dimension, protected as that line is.
func (s *Service) Breakdown(ctx context.Context, f Filter, dim string, regions Regions) (*Breakdown, error) {
	return s.breakdown(ctx, f, dim, regions, nil)
}

// breakdown is Breakdown; with a state key (read before the call) the
// national line or the whole protected cross-tabulation it picks from is
// kept for that state and shared by every filter value.
func (s *Service) breakdown(ctx context.Context, f Filter, dim string, regions Regions, key *publicKey) (*Breakdown, error) {
	if !slices.Contains(progress.Dimensions, dim) {
		return nil, apperr.New(apperr.Invalid, "reporting.err_unknown_dimension")
	}
	filterDim := f.Dim
	if f.Dim == "region" {
		filterDim = "prefecture"
	}
	if filterDim == "" || filterDim == dim {
		line, err := s.nationalLine(ctx, f, dim, key)
		if err != nil {
			return nil, err
		}
		if filterDim != dim {
			return line, nil
		}
		// A region's prefectures (or one value): the national line's cells,
		// so each is hidden as it is nationally, then protected again as a
		// line of its own with the subset's total.
		keep := map[string]bool{f.Value: true}
		if f.Dim == "region" {
			keep = map[string]bool{}
			for _, code := range regions[f.Value] {
				keep[code] = true
			}
		}
		sub := &Breakdown{Dim: dim}
		var total int64
		cells := []Cell{}
		for _, r := range line.Rows {
			if keep[r.Value] {
				sub.Rows = append(sub.Rows, r)
				cells = append(cells, r.Cell)
				total += r.Cell.N
			}
		}
		sub.Total = primary(total, s.k)
		if sub.Total.Hidden {
			for i := range cells {
				if cells[i].N > 0 {
					cells[i].Hidden = true
				}
			}
		} else {
			complement(cells)
		}
		for i := range sub.Rows {
			sub.Rows[i].Cell = cells[i]
		}
		return sub, nil
	}

	t, err := s.crossTab(ctx, f, dim, regions, key)
	if err != nil {
		return nil, err
	}
	out := &Breakdown{Dim: dim}
	i, ok := t.outerIdx[f.Value]
	if !ok {
		return out, nil // nobody counted under this filter value
	}
	out.Total = t.totals[i]
	for j, v := range t.inners {
		out.Rows = append(out.Rows, Row{Value: v, Cell: t.cells[i][j]})
	}
	// A row whose total is hidden shows no cell either.
	if out.Total.Hidden {
		for j := range out.Rows {
			if out.Rows[j].Cell.N > 0 {
				out.Rows[j].Cell.Hidden = true
			}
		}
	}
	return out, nil
}

// nationalLine is the breakdown by dim over f's programme and months,
// protected as one line with its total (kept for key when key is set).
// The caller gets its own copy of the rows.
func (s *Service) nationalLine(ctx context.Context, f Filter, dim string, key *publicKey) (*Breakdown, error) {
	read := func(ctx context.Context) (*Breakdown, error) {
		rows, err := s.monthlyLine(ctx, f, dim)
		if err != nil {
			return nil, err
		}
		return s.protectLine(dim, rows), nil
	}
	var line *Breakdown
	var err error
	if key == nil {
		line, err = read(ctx)
	} else {
		lk := lineKey{programme: f.Programme.ID, dim: dim, from: f.From, to: f.To}
		if line = s.ministry.line(*key, lk); line == nil {
			line, err = computeOnce(ctx, &s.ministry, fmt.Sprintf("line %v %v", *key, lk), func(ctx context.Context) (*Breakdown, error) {
				line, err := read(ctx)
				if err == nil {
					s.ministry.putLine(*key, lk, line)
				}
				return line, err
			})
		}
	}
	if err != nil {
		return nil, err
	}
	return &Breakdown{Dim: line.Dim, Rows: slices.Clone(line.Rows), Total: line.Total}, nil
}

// crossTab reads the whole cross-tabulation of f's dimension (prefectures
// aggregated into regions for a region filter) × dim over f's programme
// and months, and protects it as a table; the row totals are protected as
// the line by f's dimension. Kept for key when key is set.
//
//	SELECT v_outer, v_inner, sum(learners) FROM progress_monthly
//	WHERE programme_id = ? AND d1 = ? AND d2 = ? AND month BETWEEN ? AND ? GROUP BY v1, v2
func (s *Service) crossTab(ctx context.Context, f Filter, dim string, regions Regions, key *publicKey) (*crossTab, error) {
	filterDim := f.Dim
	if f.Dim == "region" {
		filterDim = "prefecture"
	}
	tk := tableKey{programme: f.Programme.ID, outer: f.Dim, dim: dim, from: f.From, to: f.To}
	if f.Dim == "region" {
		tk.regions = regionsKey(regions)
	}
	if key == nil {
		return s.readCrossTab(ctx, f, dim, filterDim, regions)
	}
	if t := s.ministry.table(*key, tk); t != nil {
		return t, nil
	}
	// Every filter value of a dimension shares the table.
	return computeOnce(ctx, &s.ministry, fmt.Sprintf("table %v %v", *key, tk), func(ctx context.Context) (*crossTab, error) {
		t, err := s.readCrossTab(ctx, f, dim, filterDim, regions)
		if err == nil {
			s.ministry.putTable(*key, tk, t)
		}
		return t, err
	})
}

// readCrossTab reads and protects the cross-tabulation crossTab names.
func (s *Service) readCrossTab(ctx context.Context, f Filter, dim, filterDim string, regions Regions) (*crossTab, error) {
	d1, d2, byFirst := pairKey(filterDim, dim)
	// A region filter's rows are its regions: prefectures are added up
	// into them as they are read.
	outerOf := func(v string) string { return v }
	if f.Dim == "region" {
		regionOf := map[string]string{}
		for name, codes := range regions {
			for _, code := range codes {
				regionOf[code] = name
			}
		}
		outerOf = func(v string) string { return regionOf[v] }
	}
	type pair struct {
		Outer, Inner string
		N            int64
	}
	var pairs []pair
	outerIdx, innerIdx := map[string]int{}, map[string]int{}
	var outers, inners []string
	// Scanned by hand: a large cross-tabulation is thousands of rows, and
	// gorm's reflection was most of this function's time.
	err := s.scanRows(ctx, `SELECT `+pick(byFirst, "v2", "v1")+` AS outer, `+pick(byFirst, "v1", "v2")+` AS inner,
		sum(learners) AS n FROM progress_monthly
		WHERE programme_id = ? AND d1 = ? AND d2 = ? AND month BETWEEN ? AND ? GROUP BY v1, v2`,
		[]any{f.Programme.ID, d1, d2, f.From, f.To}, func(rows *sql.Rows) error {
			var p pair
			if err := rows.Scan(&p.Outer, &p.Inner, &p.N); err != nil {
				return err
			}
			p.Outer = outerOf(p.Outer)
			if _, ok := outerIdx[p.Outer]; !ok {
				outerIdx[p.Outer] = -1
				outers = append(outers, p.Outer)
			}
			if _, ok := innerIdx[p.Inner]; !ok {
				innerIdx[p.Inner] = -1
				inners = append(inners, p.Inner)
			}
			pairs = append(pairs, p)
			return nil
		})
	if err != nil {
		return nil, err
	}
	slices.Sort(outers)
	slices.Sort(inners)
	for i, o := range outers {
		outerIdx[o] = i
	}
	for j, v := range inners {
		innerIdx[v] = j
	}
	table := make([][]int64, len(outers))
	for i := range table {
		table[i] = make([]int64, len(inners))
	}
	for _, p := range pairs {
		table[outerIdx[p.Outer]][innerIdx[p.Inner]] += p.N
	}
	rowTotals := make([]int64, len(outers))
	for i, row := range table {
		for _, n := range row {
			rowTotals[i] += n
		}
	}
	t := &crossTab{outerIdx: outerIdx, inners: inners, cells: ProtectTable(table, s.k)}
	t.totals, _ = Protect(rowTotals, s.k)
	return t, nil
}

type valueCount struct {
	Value string
	N     int64
}

// monthlyLine sums the monthly rollup by dim over the filter's months.
func (s *Service) monthlyLine(ctx context.Context, f Filter, dim string) ([]valueCount, error) {
	var rows []valueCount
	err := s.db.WithContext(ctx).Raw(`SELECT v1 AS value, sum(learners) AS n FROM progress_monthly
		WHERE programme_id = ? AND d1 = ? AND d2 = '' AND month BETWEEN ? AND ? GROUP BY 1 ORDER BY 1`,
		f.Programme.ID, dim, f.From, f.To).Scan(&rows).Error
	return rows, err
}

func (s *Service) protectLine(dim string, rows []valueCount) *Breakdown {
	counts := make([]int64, len(rows))
	for i, r := range rows {
		counts[i] = r.N
	}
	cells, total := Protect(counts, s.k)
	out := &Breakdown{Dim: dim, Total: total}
	for i, r := range rows {
		out.Rows = append(out.Rows, Row{Value: r.Value, Cell: cells[i]})
	}
	return out
}

// SeriesPoint is one period of a protected series.
type SeriesPoint struct {
	Period time.Time // first day of the week (Monday) or month
	Cell   Cell
}

// Series returns learners newly counted per week or month within the
// filter, protected as one line with its total (so a hidden period cannot be
// recovered from the range's total). Months of a range of whole months are
// read from the monthly rollup, which the engine keeps beside the daily one
// (a month has a row there exactly when it has a day in the daily one, with
// their sum); weeks from the daily rollup.
func (s *Service) Series(ctx context.Context, f Filter, period string, regions Regions) ([]SeriesPoint, Cell, error) {
	if period != "week" && period != "month" {
		return nil, Cell{}, apperr.New(apperr.Invalid, "reporting.err_unknown_period")
	}
	q := `SELECT date_trunc('` + period + `', day)::date AS period, sum(learners) AS n FROM progress_rollup WHERE programme_id = ? AND day BETWEEN ? AND ?`
	if period == "month" && wholeMonths(f) {
		q = `SELECT month AS period, sum(learners) AS n FROM progress_monthly WHERE programme_id = ? AND month BETWEEN ? AND ?`
	}
	args := []any{f.Programme.ID, f.From, f.To}
	switch {
	case f.Dim == "":
		q += ` AND d1 = '' AND d2 = ''`
	case f.Dim == "region":
		q += ` AND d1 = 'prefecture' AND d2 = '' AND v1 = ANY (?)`
		args = append(args, pgArray(regions[f.Value]))
	default:
		q += ` AND d1 = ? AND d2 = '' AND v1 = ?`
		args = append(args, f.Dim, f.Value)
	}
	q += ` GROUP BY 1 ORDER BY 1`
	var rows []struct {
		Period time.Time
		N      int64
	}
	if err := s.db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, Cell{}, err
	}
	counts := make([]int64, len(rows))
	for i, r := range rows {
		counts[i] = r.N
	}
	cells, total := Protect(counts, s.k)
	out := make([]SeriesPoint, len(rows))
	for i, r := range rows {
		out[i] = SeriesPoint{Period: r.Period, Cell: cells[i]}
	}
	return out, total, nil
}

// wholeMonths reports whether f's range starts on the first day of a month
// and ends on the last day of one (as ParseFilter makes it).
func wholeMonths(f Filter) bool {
	return f.From.Day() == 1 && f.To.AddDate(0, 0, 1).Day() == 1
}

func pick(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// Limits of a date range.
var (
	EarliestDate = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxRangeDays = 366 * 15
)

// ParseFilter reads a filter from query parameters: programme (code; the
// flagship when empty), from and to (YYYY-MM or YYYY-MM-DD; snapped to whole
// months; default: the programme's start to this month), and at most one of
// prefecture, region, industry, skill_area, segment, provider. valid
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
	from, err := parseMonth(q.Get("from"), p.StartsOn)
	if err != nil {
		return f, apperr.New(apperr.Invalid, "reporting.err_bad_date")
	}
	to, err := parseMonth(q.Get("to"), today)
	if err != nil {
		return f, apperr.New(apperr.Invalid, "reporting.err_bad_date")
	}
	f.From = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	f.To = time.Date(to.Year(), to.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	switch {
	case f.To.Before(f.From):
		return f, apperr.New(apperr.Invalid, "reporting.err_reversed_dates")
	case f.From.Before(EarliestDate) || f.To.After(today.AddDate(5, 0, 0)) || f.To.Sub(f.From) > time.Duration(MaxRangeDays)*24*time.Hour:
		return f, apperr.New(apperr.Invalid, "reporting.err_absurd_dates")
	}
	dims := append([]string{"region"}, progress.Dimensions...)
	for _, d := range dims {
		v := strings.TrimSpace(q.Get(d))
		if v == "" {
			continue
		}
		if f.Dim != "" {
			return f, apperr.New(apperr.Invalid, "reporting.err_one_filter")
		}
		if valid != nil && !valid(d, v) {
			return f, apperr.New(apperr.Invalid, "reporting.err_unknown_value")
		}
		f.Dim, f.Value = d, v
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
