package reporting

import (
	"cmp"
	"context"
	"database/sql"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/i18n"
	"takumi/internal/jst"
	"takumi/internal/progress"
)

// This file holds the ministry dashboard's read models: the learner funnel,
// course and provider statistics, the two-area comparison, and the
// dashboard that puts them together with the breakdowns and series of
// reporting.go. Every count leaves through disclosure control.

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
	c := &Choices{regionOf: map[string]string{}}
	seen := map[string]bool{}
	err := s.scanRows(ctx, `SELECT kind, value, name_ja, name_en, region_en FROM (
		SELECT 1 AS kind, row_number() OVER (ORDER BY code) AS ord, code::text AS value, name_ja, name_en, region_en FROM prefectures
		UNION ALL SELECT 2, row_number() OVER (ORDER BY code), code::text, name_ja, name_en, '' FROM industries
		UNION ALL SELECT 3, row_number() OVER (ORDER BY sort_order, code), code, name_ja, name_en, '' FROM skill_areas
		UNION ALL SELECT 4, row_number() OVER (ORDER BY name_ja), id::text, name_ja, name_en, '' FROM organisations WHERE kind = 'provider'
	) r ORDER BY kind, ord`, nil, func(rows *sql.Rows) error {
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

// Funnel stages.
const (
	StageRegistered   = "registered"
	StageEnrolled     = "enrolled"
	StageActive       = "active_30d"
	StageCompleted    = "completed"
	StageCredentialed = "credentialed"
)

// FunnelStages in order.
var FunnelStages = []string{StageRegistered, StageEnrolled, StageActive, StageCompleted, StageCredentialed}

// ActiveDays is the window of "active" learners.
const ActiveDays = 30

// FunnelStage is one stage's protected count of unique people. Available is
// false when the stage cannot be counted honestly for the filter (accounts
// and activity have no skill area or provider).
type FunnelStage struct {
	Stage     string
	Available bool
	Cell      Cell
}

// Funnel is registered → enrolled → active → completed → credentialed.
// Registered counts accounts created in the date range; enrolled, completed
// and credentialed count learners whose first enrolment, completion or
// credential on the platform fell in the range (for a skill area or
// provider filter: whose first one was in that area or with that
// provider); active counts learners with any learning event in the last
// ActiveDays days, whatever the range.
type Funnel struct {
	Stages []FunnelStage
	// LearnersAsOf is when the funnel's read models (registrations,
	// activity, monthly first-time learners) were last counted.
	LearnersAsOf time.Time
	// FirstInDimension marks a skill area or provider filter (see above).
	FirstInDimension bool
}

// funnelMetrics are the activity_rollup metrics of the funnel's stages.
var funnelMetrics = map[string]string{
	StageEnrolled:     progress.MetricLearnersEnrolled,
	StageCompleted:    progress.MetricLearnersCompleted,
	StageCredentialed: progress.MetricLearnersCredentialed,
}

// firstTimeMetrics are the metrics activity_monthly sums.
var firstTimeMetrics = []string{progress.MetricLearnersEnrolled, progress.MetricLearnersCompleted, progress.MetricLearnersCredentialed}

// learnerDims are the dimensions accounts and activity are counted by.
var learnerDims = []string{"", "prefecture", "industry", "segment"}

// Funnel returns the protected funnel for f. Each stage is one cell of the
// breakdown by f's dimension, protected as a whole line (so a small cell
// cannot be recovered as the national total minus the other values); a
// region is a cell of the region line, hidden too when exactly one of its
// prefectures is.
func (s *Service) Funnel(ctx context.Context, f Filter, regions Regions) (*Funnel, error) {
	state, err := s.learnerStatsAsOf(ctx)
	if err != nil {
		return nil, err
	}
	lineDim := f.Dim
	if f.Dim == "region" {
		lineDim = "prefecture"
	}
	out := &Funnel{LearnersAsOf: state.At, FirstInDimension: f.Dim == "skill_area" || f.Dim == "provider"}
	learnerDim := slices.Contains(learnerDims, lineDim)
	// The lines by lineDim do not depend on the filter's value: they are
	// kept until the read models are counted again.
	fk := funnelKey{dim: lineDim, from: f.From, to: f.To}
	lines := s.ministry.funnel(state, fk)
	if lines == nil {
		if lines, err = s.funnelLines(ctx, f, lineDim, learnerDim); err != nil {
			return nil, err
		}
		s.ministry.putFunnel(state, fk, lines)
	}
	for _, stage := range FunnelStages {
		st := FunnelStage{Stage: stage, Available: learnerDim || funnelMetrics[stage] != ""}
		if st.Available {
			st.Cell = s.lineCell(lines[stage], f, regions)
		}
		out.Stages = append(out.Stages, st)
	}
	return out, nil
}

// funnelLines reads each stage's line by lineDim (value → people) over f's
// months: registrations and recent activity only for the dimensions
// accounts have.
func (s *Service) funnelLines(ctx context.Context, f Filter, lineDim string, learnerDim bool) (map[string]map[string]int64, error) {
	db := s.db.WithContext(ctx)
	type kv struct {
		Metric, Value string
		N             int64
	}
	lines := map[string]map[string]int64{}
	add := func(stage string, rows []kv) {
		m := map[string]int64{}
		for _, r := range rows {
			m[r.Value] += r.N
		}
		lines[stage] = m
	}
	if learnerDim {
		var reg, act []kv
		if err := db.Raw(`SELECT value, sum(n) AS n FROM registration_rollup WHERE dim = ? AND month BETWEEN ? AND ?
			GROUP BY value`, lineDim, f.From, f.To).Scan(&reg).Error; err != nil {
			return nil, err
		}
		if err := db.Raw(`SELECT value, n FROM active_learners WHERE dim = ?`, lineDim).Scan(&act).Error; err != nil {
			return nil, err
		}
		add(StageRegistered, reg)
		add(StageActive, act)
	}
	var acts []kv
	if err := db.Raw(`SELECT metric, v1 AS value, sum(n) AS n FROM activity_monthly
		WHERE metric = ANY (?) AND d1 = ? AND month BETWEEN ? AND ? GROUP BY 1, 2`,
		pgArray(firstTimeMetrics), lineDim, f.From, f.To).Scan(&acts).Error; err != nil {
		return nil, err
	}
	for stage, metric := range funnelMetrics {
		var rows []kv
		for _, r := range acts {
			if r.Metric == metric {
				rows = append(rows, r)
			}
		}
		add(stage, rows)
	}
	return lines, nil
}

// lineCell is f's cell of a breakdown line (value → count), protected as a
// line; the national total when f has no dimension.
func (s *Service) lineCell(line map[string]int64, f Filter, regions Regions) Cell {
	if f.Dim == "" {
		return primary(line[""], s.k)
	}
	values := make([]string, 0, len(line)+1)
	for v := range line {
		values = append(values, v)
	}
	if f.Dim != "region" && !slices.Contains(values, f.Value) {
		values = append(values, f.Value)
	}
	slices.Sort(values)
	counts := make([]int64, len(values))
	for i, v := range values {
		counts[i] = line[v]
	}
	cells, _ := Protect(counts, s.k)
	if f.Dim != "region" {
		return cells[slices.Index(values, f.Value)]
	}
	prefCell := map[string]Cell{}
	for i, v := range values {
		prefCell[v] = cells[i]
	}
	// The region line: every region, plus prefecture "not stated" so the
	// line adds up to the national total.
	names := make([]string, 0, len(regions)+1)
	for name := range regions {
		names = append(names, name)
	}
	slices.Sort(names)
	names = append(names, "")
	rcounts := make([]int64, len(names))
	for i, name := range names {
		if name == "" {
			rcounts[i] = line[""]
			continue
		}
		for _, code := range regions[name] {
			rcounts[i] += line[code]
		}
	}
	rcells, _ := Protect(rcounts, s.k)
	for i, name := range names {
		hidden := 0
		for _, code := range regions[name] {
			if prefCell[code].Hidden {
				hidden++
			}
		}
		if name == "" && prefCell[""].Hidden {
			hidden = 1
		}
		// A visible region total would give back its one hidden prefecture.
		if hidden == 1 && !rcells[i].Hidden {
			rcells[i].Hidden, rcells[i].Secondary = true, true
		}
	}
	complement(rcells)
	return rcells[slices.Index(names, f.Value)]
}

// CourseStat is one course's protected statistics.
type CourseStat struct {
	CourseID, ProviderID   string
	Code, TitleJa, TitleEn string
	SkillArea              string
	Enrolments             Cell
	Completions            Cell
	// Rate is completions / enrolments, nil unless both are shown;
	// MedianSeconds is nil unless at least k people completed.
	Rate          *float64
	MedianSeconds *float64
}

// Title returns the course's title in lang (its code before publication).
func (c CourseStat) Title(lang string) string {
	return cmp.Or(i18n.Pick(lang, c.TitleJa, c.TitleEn), c.Code)
}

// ProviderStat is one provider's (or the nation's) protected statistics.
type ProviderStat struct {
	ProviderID     string
	NameJa, NameEn string
	Courses        int64
	Enrolments     Cell
	Completions    Cell
	Flagged        Cell // enrolments flagged as suspiciously fast
	Rate           *float64
	MedianSeconds  *float64
}

// Name returns the provider's name in lang.
func (p ProviderStat) Name(lang string) string {
	return i18n.Pick(lang, p.NameJa, p.NameEn)
}

// Course statistics scopes: what the filter did to the tables.
const (
	ScopeAll       = "all"        // no filter: every course and provider
	ScopeProvider  = "provider"   // one provider's courses and its row
	ScopeSkillArea = "skill_area" // the skill area's courses; providers not available
	ScopeNational  = "national"   // the filter cannot narrow these tables
)

// CourseStats are completion statistics by course and by provider from the
// course_stats read model (all dates), protected.
type CourseStats struct {
	RefreshedAt time.Time
	Scope       string
	Courses     []CourseStat   // ordered by shown enrolments, hidden last
	Providers   []ProviderStat // nil when Scope is ScopeSkillArea
	Total       ProviderStat
}

// CourseStats returns the statistics under f, computing the read model
// first if it never was. Cells are protected on the national tables before
// f picks rows, so a filter never shows what the national table hides.
func (s *Service) CourseStats(ctx context.Context, f Filter) (*CourseStats, error) {
	var st struct {
		CoursesRefreshedAt      *time.Time
		Enrolments, Completions int64
		FlaggedFast             int64
		MedianSeconds           *float64
	}
	load := func() error {
		return s.db.WithContext(ctx).Raw(`SELECT courses_refreshed_at, enrolments, completions, flagged_fast, median_seconds
			FROM ministry_stats_state WHERE id = 1`).Scan(&st).Error
	}
	if err := load(); err != nil {
		return nil, err
	}
	if st.CoursesRefreshedAt == nil {
		if err := RefreshCourseStats(ctx, s.db); err != nil {
			return nil, err
		}
		if err := load(); err != nil {
			return nil, err
		}
	}
	type courseRow struct {
		CourseID, ProviderID, Code, TitleJa, TitleEn, SkillArea string
		Enrolments, Completions                                 int64
		MedianSeconds                                           *float64
	}
	type providerRow struct {
		ProviderID, NameJa, NameEn       string
		Courses, Enrolments, Completions int64
		FlaggedFast                      int64
		MedianSeconds                    *float64
	}
	var crows []courseRow
	var prows []providerRow
	// Scanned by hand: every course is read on every request, and gorm's
	// reflection over them was most of this function's time.
	if err := s.scanRows(ctx, `SELECT cs.course_id::text, cs.provider_id::text, c.code, coalesce(c.title_ja, ''),
		coalesce(c.title_en, ''), coalesce(c.skill_area_code, ''), cs.enrolments, cs.completions, cs.median_seconds
		FROM course_stats cs JOIN courses c ON c.id = cs.course_id ORDER BY cs.provider_id, cs.course_id`, nil,
		func(rows *sql.Rows) error {
			var r courseRow
			err := rows.Scan(&r.CourseID, &r.ProviderID, &r.Code, &r.TitleJa, &r.TitleEn, &r.SkillArea, &r.Enrolments, &r.Completions, &r.MedianSeconds)
			crows = append(crows, r)
			return err
		}); err != nil {
		return nil, err
	}
	if err := s.scanRows(ctx, `SELECT ps.provider_id::text, o.name_ja, o.name_en, ps.courses, ps.enrolments, ps.completions,
		ps.flagged_fast, ps.median_seconds
		FROM provider_stats ps JOIN organisations o ON o.id = ps.provider_id ORDER BY ps.provider_id`, nil,
		func(rows *sql.Rows) error {
			var r providerRow
			err := rows.Scan(&r.ProviderID, &r.NameJa, &r.NameEn, &r.Courses, &r.Enrolments, &r.Completions, &r.FlaggedFast, &r.MedianSeconds)
			prows = append(prows, r)
			return err
		}); err != nil {
		return nil, err
	}
	out := &CourseStats{Scope: ScopeAll}
	if st.CoursesRefreshedAt != nil {
		out.RefreshedAt = *st.CoursesRefreshedAt
	}
	out.Total = ProviderStat{Enrolments: primary(st.Enrolments, s.k), Completions: primary(st.Completions, s.k),
		Flagged: primary(st.FlaggedFast, s.k)}
	out.Total.Rate, out.Total.MedianSeconds = s.rateAndMedian(out.Total.Enrolments, out.Total.Completions, st.MedianSeconds)

	// Providers: each column is a line adding up to the national total.
	column := func(n int, get func(i int) int64) []Cell {
		counts := make([]int64, n)
		for i := range counts {
			counts[i] = get(i)
		}
		cells, _ := Protect(counts, s.k)
		return cells
	}
	pe := column(len(prows), func(i int) int64 { return prows[i].Enrolments })
	pc := column(len(prows), func(i int) int64 { return prows[i].Completions })
	pf := column(len(prows), func(i int) int64 { return prows[i].FlaggedFast })
	providers := make([]ProviderStat, len(prows))
	byProvider := map[string]int{}
	for i, r := range prows {
		providers[i] = ProviderStat{ProviderID: r.ProviderID, NameJa: r.NameJa, NameEn: r.NameEn, Courses: r.Courses,
			Enrolments: pe[i], Completions: pc[i], Flagged: pf[i]}
		providers[i].Rate, providers[i].MedianSeconds = s.rateAndMedian(pe[i], pc[i], r.MedianSeconds)
		byProvider[r.ProviderID] = i
	}

	// Courses: within each provider, each column is a line adding up to the
	// provider's row; when that row is hidden, at least one of its courses
	// is too, so the courses cannot add back up to it.
	courses := make([]CourseStat, len(crows))
	for start := 0; start < len(crows); {
		end := start
		for end < len(crows) && crows[end].ProviderID == crows[start].ProviderID {
			end++
		}
		group := crows[start:end]
		ce := column(len(group), func(i int) int64 { return group[i].Enrolments })
		cc := column(len(group), func(i int) int64 { return group[i].Completions })
		if pi, ok := byProvider[crows[start].ProviderID]; ok {
			hideOneIfParentHidden(ce, providers[pi].Enrolments)
			hideOneIfParentHidden(cc, providers[pi].Completions)
		}
		for i, r := range group {
			c := CourseStat{CourseID: r.CourseID, ProviderID: r.ProviderID, Code: r.Code, TitleJa: r.TitleJa,
				TitleEn: r.TitleEn, SkillArea: r.SkillArea, Enrolments: ce[i], Completions: cc[i]}
			c.Rate, c.MedianSeconds = s.rateAndMedian(ce[i], cc[i], r.MedianSeconds)
			courses[start+i] = c
		}
		start = end
	}

	switch f.Dim {
	case "":
	case "provider":
		out.Scope = ScopeProvider
		courses = slices.DeleteFunc(courses, func(c CourseStat) bool { return c.ProviderID != f.Value })
		providers = slices.DeleteFunc(providers, func(p ProviderStat) bool { return p.ProviderID != f.Value })
	case "skill_area":
		out.Scope = ScopeSkillArea
		courses = slices.DeleteFunc(courses, func(c CourseStat) bool { return c.SkillArea != f.Value })
		providers = nil
	default:
		out.Scope = ScopeNational
	}
	// Order by the shown count, hidden cells last (by name), so a row's
	// place never hints at a hidden number. The ids make the order total,
	// so an unstable sort gives the one order there is.
	slices.SortFunc(courses, func(a, b CourseStat) int {
		return cmp.Or(byShown(a.Enrolments, b.Enrolments), cmp.Compare(a.Title("ja"), b.Title("ja")), cmp.Compare(a.CourseID, b.CourseID))
	})
	slices.SortFunc(providers, func(a, b ProviderStat) int {
		return cmp.Or(byShown(a.Enrolments, b.Enrolments), cmp.Compare(a.NameJa, b.NameJa), cmp.Compare(a.ProviderID, b.ProviderID))
	})
	out.Courses, out.Providers = courses, providers
	return out, nil
}

// byShown orders cells by their shown number, largest first, hidden last.
func byShown(a, b Cell) int {
	switch {
	case a.Hidden && b.Hidden:
		return 0
	case a.Hidden:
		return 1
	case b.Hidden:
		return -1
	}
	return cmp.Compare(b.N, a.N)
}

// hideOneIfParentHidden hides the smallest non-zero visible cell of a line
// whose total (parent) is hidden but none of whose cells is.
func hideOneIfParentHidden(cells []Cell, parent Cell) {
	if !parent.Hidden {
		return
	}
	best := -1
	for i, c := range cells {
		if c.Hidden {
			return
		}
		if c.N > 0 && (best < 0 || c.N < cells[best].N) {
			best = i
		}
	}
	if best >= 0 {
		cells[best].Hidden, cells[best].Secondary = true, true
	}
}

// rateAndMedian: the rate only when both counts are shown (either would
// otherwise follow from the other), the median only over at least k
// completions (a median of a few people describes those people).
func (s *Service) rateAndMedian(enrolments, completions Cell, median *float64) (*float64, *float64) {
	var rate *float64
	if !enrolments.Hidden && !completions.Hidden && enrolments.N > 0 {
		r := float64(completions.N) / float64(enrolments.N)
		rate = &r
	}
	if completions.N < int64(s.k) {
		median = nil
	}
	return rate, median
}

// Read-model refresh locks (pg_advisory_xact_lock keys).
const (
	courseStatsLockKey  = 7_245_201
	learnerStatsLockKey = 7_245_202
)

// Read models are computed in a read-only transaction and written in a
// short one. A transaction that writes takes a transaction id, and the
// progress engine applies no event of a later transaction until every
// transaction of this database holding an id has ended (its safe
// horizon): a refresh that deleted first and then aggregated five million
// enrolments for a minute stopped the national numbers for that minute
// (measured at full scale: the engine fell minutes behind). A read-only
// transaction never takes an id, however long it runs.

// courseStatsSQL computes course_stats, provider_stats and the national
// totals in one pass over enrolments (grouping sets; level 0 = course,
// 2 = provider, 3 = nation). Waitlisted enrolments have not started and
// are left out; time to complete is enrolled_at to completed_at.
const courseStatsSQL = `
SELECT e.course_id, c.provider_id,
       grouping(e.course_id, c.provider_id) AS level,
       count(DISTINCT e.course_id) AS courses,
       count(*) AS enrolments,
       count(*) FILTER (WHERE e.status = 'completed') AS completions,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.completed_at - e.enrolled_at))
           FILTER (WHERE e.status = 'completed' AND e.completed_at IS NOT NULL) AS median_seconds,
       count(*) FILTER (WHERE e.flagged_fast) AS flagged_fast
FROM enrolments e JOIN courses c ON c.id = e.course_id
WHERE e.status <> 'waitlisted'
GROUP BY GROUPING SETS ((c.provider_id, e.course_id), (c.provider_id), ())`

// courseStatsWriteSQL writes the rows of courseStatsSQL (as JSON).
const courseStatsWriteSQL = `
WITH s AS (
    SELECT * FROM json_to_recordset(?::json) AS x(course_id uuid, provider_id uuid, level int, courses bigint,
        enrolments bigint, completions bigint, median_seconds double precision, flagged_fast bigint)
), ins_courses AS (
    INSERT INTO course_stats (course_id, provider_id, enrolments, completions, median_seconds, flagged_fast, refreshed_at)
    SELECT s.course_id, s.provider_id, s.enrolments, s.completions, s.median_seconds, s.flagged_fast, now()
    FROM s JOIN courses c ON c.id = s.course_id WHERE s.level = 0
), ins_providers AS (
    INSERT INTO provider_stats (provider_id, courses, enrolments, completions, median_seconds, flagged_fast, refreshed_at)
    SELECT provider_id, courses, enrolments, completions, median_seconds, flagged_fast, now() FROM s WHERE level = 2
)
UPDATE ministry_stats_state st SET courses_refreshed_at = now(),
       enrolments = t.enrolments, completions = t.completions, median_seconds = t.median_seconds, flagged_fast = t.flagged_fast
FROM (SELECT enrolments, completions, median_seconds, flagged_fast FROM s WHERE level = 3) t
WHERE st.id = 1`

// readOnly runs read in a repeatable-read, read-only transaction (one
// snapshot, no transaction id).
func readOnly(ctx context.Context, db *gorm.DB, read func(tx *gorm.DB) error) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`).Error; err != nil {
			return err
		}
		return read(tx)
	})
}

// jsonRows returns the rows of query as one JSON array (small read models:
// at most thousands of rows).
func jsonRows(tx *gorm.DB, query string, args ...any) (string, error) {
	var out string
	err := tx.Raw(`SELECT coalesce(json_agg(x), '[]')::text FROM (`+query+`) x`, args...).Row().Scan(&out)
	return out, err
}

// RefreshCourseStats recomputes the course and provider statistics: read
// in one snapshot, then replaced in one short transaction (readers see the
// old tables until it commits).
func RefreshCourseStats(ctx context.Context, db *gorm.DB) error {
	var rows string
	if err := readOnly(ctx, db, func(tx *gorm.DB) (err error) {
		rows, err = jsonRows(tx, courseStatsSQL)
		return err
	}); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, courseStatsLockKey).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM course_stats`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM provider_stats`).Error; err != nil {
			return err
		}
		return tx.Exec(courseStatsWriteSQL, rows).Error
	})
}

// ActivityFullEvery is how often RefreshLearnerStats recomputes all of
// activity_monthly. In between it recomputes the months from that of the
// earliest event the engine applied since the last refresh, which keeps the
// sums exact; the full pass is a safeguard.
const ActivityFullEvery = time.Hour

// RefreshLearnerStats recomputes registrations by month and learners
// active in the last ActiveDays days (each in total and by prefecture,
// industry and segment), and the monthly sums of the first-time learner
// metrics: read in one snapshot, then written in one short transaction,
// unless a refresh that read a later engine position has written since.
func RefreshLearnerStats(ctx context.Context, db *gorm.DB) error {
	var since string
	var cursor engineCursor
	var regs, active, monthly string
	dims := append([]string{""}, progress.Dimensions...)
	err := readOnly(ctx, db, func(tx *gorm.DB) (err error) {
		// The engine's position is read before the rollups (the same
		// snapshot), so the sums include every event up to it.
		if since, cursor, err = activitySince(tx); err != nil {
			return err
		}
		// grouping(p, i, s): 3 = by prefecture, 5 = by industry, 6 = by segment, 7 = total.
		if regs, err = jsonRows(tx, `
			SELECT CASE grouping(p, i, sg) WHEN 3 THEN 'prefecture' WHEN 5 THEN 'industry' WHEN 6 THEN 'segment' ELSE '' END AS dim,
			       month,
			       CASE grouping(p, i, sg) WHEN 3 THEN p WHEN 5 THEN i WHEN 6 THEN sg ELSE '' END AS value,
			       count(*) AS n
			FROM (SELECT date_trunc('month', created_at AT TIME ZONE 'Asia/Tokyo')::date AS month,
			             coalesce(prefecture_code::text, '') AS p, coalesce(industry_code::text, '') AS i,
			             coalesce(segment, '') AS sg FROM users) u
			GROUP BY GROUPING SETS ((month), (month, p), (month, i), (month, sg))`); err != nil {
			return err
		}
		if active, err = jsonRows(tx, `
			SELECT CASE grouping(p, i, sg) WHEN 3 THEN 'prefecture' WHEN 5 THEN 'industry' WHEN 6 THEN 'segment' ELSE '' END AS dim,
			       CASE grouping(p, i, sg) WHEN 3 THEN p WHEN 5 THEN i WHEN 6 THEN sg ELSE '' END AS value,
			       count(*) AS n
			FROM (SELECT prefecture AS p, industry AS i, segment AS sg FROM learner_activity
			      WHERE last_active_at >= now() - make_interval(days => ?)) a
			GROUP BY GROUPING SETS ((), (p), (i), (sg))`, ActiveDays); err != nil {
			return err
		}
		monthly, err = jsonRows(tx, `
			SELECT metric, d1, date_trunc('month', day)::date AS month, v1, sum(n) AS n FROM activity_rollup
			WHERE metric = ANY (?) AND d1 = ANY (?) AND d2 = '' AND day >= ?::date
			GROUP BY 1, 2, 3, 4`, pgArray(firstTimeMetrics), pgArray(dims), since)
		return err
	})
	if err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, learnerStatsLockKey).Error; err != nil {
			return err
		}
		var newer bool
		if err := tx.Raw(`SELECT (activity_cursor_xact, activity_cursor_id) > (?::xid8, ?) FROM ministry_stats_state WHERE id = 1`,
			cursor.xact, cursor.id).Row().Scan(&newer); err != nil {
			return err
		}
		if newer && since != activityEpoch { // another refresh read a later state and wrote it
			return nil
		}
		steps := []struct {
			q    string
			args []any
		}{
			{`DELETE FROM registration_rollup`, nil},
			{`DELETE FROM active_learners`, nil},
			{`INSERT INTO registration_rollup (dim, month, value, n)
			 SELECT dim, month, value, n FROM json_to_recordset(?::json) AS x(dim text, month date, value text, n bigint)`, []any{regs}},
			{`INSERT INTO active_learners (dim, value, n)
			 SELECT dim, value, n FROM json_to_recordset(?::json) AS x(dim text, value text, n bigint)`, []any{active}},
			{`DELETE FROM activity_monthly WHERE month >= ?::date`, []any{since}},
			{`INSERT INTO activity_monthly (metric, d1, month, v1, n)
			 SELECT metric, d1, month, v1, n FROM json_to_recordset(?::json) AS x(metric text, d1 text, month date, v1 text, n bigint)`, []any{monthly}},
			{`UPDATE ministry_stats_state SET learners_refreshed_at = now(),
			 activity_full_at = CASE WHEN ? THEN now() ELSE activity_full_at END,
			 activity_cursor_xact = ?::xid8, activity_cursor_id = ? WHERE id = 1`, []any{since == activityEpoch, cursor.xact, cursor.id}},
		}
		for _, st := range steps {
			if err := tx.Exec(st.q, st.args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// activityEpoch is before every activity day: "recompute everything".
const activityEpoch = "2000-01-01"

// activitySince is the first month of activity_monthly to recompute: all
// of it when it never was, an ActivityFullEvery ago, or the engine's cursor
// went back (the rollups were rebuilt); otherwise the month of the
// earliest event the engine applied since the last refresh (found through
// the event log's (xact_id, id) index: only those events are read), and
// at least the current month.
func activitySince(tx *gorm.DB) (since string, cursor engineCursor, err error) {
	var st struct {
		Full      bool
		Behind    bool
		FromXact  string
		FromID    int64
		ToXact    string
		ToID      int64
		ThisMonth string
	}
	if err := tx.Raw(`SELECT s.activity_full_at IS NULL OR s.activity_full_at < now() - make_interval(secs => ?) AS full,
		(e.cursor_xact, e.cursor_id) < (s.activity_cursor_xact, s.activity_cursor_id) AS behind,
		s.activity_cursor_xact::text AS from_xact, s.activity_cursor_id AS from_id,
		e.cursor_xact::text AS to_xact, e.cursor_id AS to_id,
		to_char(date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo'), 'YYYY-MM-DD') AS this_month
		FROM ministry_stats_state s, progress_engine_state e WHERE s.id = 1 AND e.id = 1`, ActivityFullEvery.Seconds()).Scan(&st).Error; err != nil {
		return "", cursor, err
	}
	cursor = engineCursor{xact: st.ToXact, id: st.ToID}
	if st.Full || st.Behind {
		return activityEpoch, cursor, nil
	}
	var earliest *string
	if err := tx.Raw(`SELECT to_char(date_trunc('month', min(occurred_at) AT TIME ZONE 'Asia/Tokyo'), 'YYYY-MM-DD')
		FROM learning_events WHERE (xact_id, id) > (?::xid8, ?) AND (xact_id, id) <= (?::xid8, ?)`,
		st.FromXact, st.FromID, st.ToXact, st.ToID).Row().Scan(&earliest); err != nil {
		return "", cursor, err
	}
	if earliest != nil && *earliest < st.ThisMonth {
		return *earliest, cursor, nil
	}
	return st.ThisMonth, cursor, nil
}

// engineCursor is the progress engine's position in the event log.
type engineCursor struct {
	xact string
	id   int64
}

// learnerStatsAsOf returns when registrations and activity were counted
// (with the activity cursor of that count: the state the funnel's lines
// are kept for), counting them first if they never were.
func (s *Service) learnerStatsAsOf(ctx context.Context) (learnerState, error) {
	var st struct {
		At         *time.Time
		CursorXact string
		CursorID   int64
	}
	row := s.db.WithContext(ctx).Raw(`SELECT learners_refreshed_at, activity_cursor_xact::text, activity_cursor_id
		FROM ministry_stats_state WHERE id = 1`).Row()
	if err := row.Scan(&st.At, &st.CursorXact, &st.CursorID); err != nil {
		return learnerState{}, err
	}
	if st.At != nil {
		return learnerState{At: *st.At, CursorXact: st.CursorXact, CursorID: st.CursorID}, nil
	}
	if err := RefreshLearnerStats(ctx, s.db); err != nil {
		return learnerState{}, err
	}
	return s.learnerStatsAsOf(ctx)
}

// SeriesLine is a protected series with its total.
type SeriesLine struct {
	Period string // "week" or "month"
	Points []SeriesPoint
	Total  Cell
}

// Comparison is two protected monthly series, each protected as its own
// line with its total, over the same months.
type Comparison struct {
	Compare
	Periods        []time.Time
	CellsA, CellsB []Cell // by Periods; a period missing from a line counts 0
	TotalA, TotalB Cell
}

// Comparison returns c's two monthly series under f's programme and months
// (f's own dimension filter does not apply: each side is a one-value
// filter of its own).
func (s *Service) Comparison(ctx context.Context, f Filter, c Compare) (*Comparison, error) {
	out := &Comparison{Compare: c}
	lines := make([][]SeriesPoint, 2)
	totals := make([]Cell, 2)
	for i, v := range []string{c.A, c.B} {
		g := Filter{Programme: f.Programme, From: f.From, To: f.To, Dim: c.Dim, Value: v}
		pts, total, err := s.Series(ctx, g, "month", nil)
		if err != nil {
			return nil, err
		}
		lines[i], totals[i] = pts, total
	}
	out.TotalA, out.TotalB = totals[0], totals[1]
	seen := map[time.Time]bool{}
	for _, l := range lines {
		for _, p := range l {
			if !seen[p.Period] {
				seen[p.Period] = true
				out.Periods = append(out.Periods, p.Period)
			}
		}
	}
	slices.SortFunc(out.Periods, func(a, b time.Time) int { return a.Compare(b) })
	cellsOf := func(l []SeriesPoint) []Cell {
		m := map[time.Time]Cell{}
		for _, p := range l {
			m[p.Period] = p.Cell
		}
		cells := make([]Cell, len(out.Periods))
		for i, p := range out.Periods {
			cells[i] = m[p]
		}
		return cells
	}
	out.CellsA, out.CellsB = cellsOf(lines[0]), cellsOf(lines[1])
	return out, nil
}

// Dashboard table names (also the export's table parameter).
const (
	TableFunnel      = "funnel"
	TableCourses     = "courses"
	TableProviders   = "providers"
	TableSeriesWeek  = "series_week"
	TableSeriesMonth = "series_month"
	TableCompare     = "compare"
	// TableBreakdownPrefix + dimension, e.g. "breakdown_industry".
	TableBreakdownPrefix = "breakdown_"
)

// BreakdownDims are the breakdowns shown under f: every dimension but the
// one filtered (under a region filter, prefectures stay: the region's
// prefectures are listed).
func BreakdownDims(f Filter) []string {
	var out []string
	for _, d := range progress.Dimensions {
		if d != f.Dim {
			out = append(out, d)
		}
	}
	return out
}

// TableNames lists the dashboard's tables under f and c.
func TableNames(f Filter, c Compare) []string {
	names := []string{TableFunnel, TableCourses}
	if f.Dim != "skill_area" {
		names = append(names, TableProviders)
	}
	names = append(names, TableSeriesMonth, TableSeriesWeek)
	if c.Chosen() {
		names = append(names, TableCompare)
	}
	for _, d := range BreakdownDims(f) {
		names = append(names, TableBreakdownPrefix+d)
	}
	return names
}

// DashboardQuery asks for the dashboard (or one of its tables).
type DashboardQuery struct {
	Filter  Filter
	Compare Compare
	Regions Regions
	// Only, when set, computes just that table (see TableNames); the
	// export uses it. Errors: invalid ministry.err_unknown_table.
	Only string
}

// Dashboard is everything the ministry dashboard shows.
type Dashboard struct {
	Filter      Filter
	Compare     Compare
	AsOf        time.Time // the progress engine's last run
	Funnel      *Funnel
	Courses     *CourseStats
	Month, Week *SeriesLine
	Breakdowns  []*Breakdown
	Comparison  *Comparison
}

// dashboardParallel bounds the queries one dashboard runs at once.
const dashboardParallel = 4

// Dashboard computes the dashboard for q, its independent parts
// concurrently. Errors: invalid ministry.err_unknown_table (q.Only not a
// table of this dashboard).
func (s *Service) Dashboard(ctx context.Context, q DashboardQuery) (*Dashboard, error) {
	if q.Only != "" && !slices.Contains(TableNames(q.Filter, q.Compare), q.Only) {
		return nil, apperr.New(apperr.Invalid, "ministry.err_unknown_table")
	}
	want := func(names ...string) bool {
		return q.Only == "" || slices.Contains(names, q.Only)
	}
	d := &Dashboard{Filter: q.Filter, Compare: q.Compare}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(dashboardParallel)
	// The rollups' state, read once before any breakdown: the engine's last
	// run for the page, and the key under which the breakdowns' whole lines
	// and cross-tabulations are kept (cache.go).
	state := sync.OnceValues(func() (publicKey, error) {
		key, at, err := s.rollupState(gctx)
		d.AsOf = at
		return key, err
	})
	g.Go(func() error {
		_, err := state()
		return err
	})
	// The breakdowns first: read afresh (a new state), the whole
	// cross-tabulations are the longest reads, and the group runs at most
	// dashboardParallel at once.
	var dims []string
	for _, dim := range BreakdownDims(q.Filter) {
		if want(TableBreakdownPrefix + dim) {
			dims = append(dims, dim)
		}
	}
	d.Breakdowns = make([]*Breakdown, len(dims)) // allocated before the goroutines write their slots
	for i, dim := range dims {
		g.Go(func() error {
			key, err := state()
			if err != nil {
				return err
			}
			d.Breakdowns[i], err = s.breakdown(gctx, q.Filter, dim, q.Regions, &key)
			return err
		})
	}
	for _, period := range []string{"week", "month"} {
		if !want("series_" + period) {
			continue
		}
		line := &SeriesLine{Period: period}
		if period == "month" {
			d.Month = line
		} else {
			d.Week = line
		}
		g.Go(func() (err error) {
			line.Points, line.Total, err = s.Series(gctx, q.Filter, period, q.Regions)
			return err
		})
	}
	if want(TableCourses, TableProviders) {
		g.Go(func() (err error) {
			d.Courses, err = s.CourseStats(gctx, q.Filter)
			return err
		})
	}
	if want(TableFunnel) {
		g.Go(func() (err error) {
			d.Funnel, err = s.Funnel(gctx, q.Filter, q.Regions)
			return err
		})
	}
	if q.Compare.Chosen() && want(TableCompare) {
		g.Go(func() (err error) {
			d.Comparison, err = s.Comparison(gctx, q.Filter, q.Compare)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return d, nil
}

// ExportRecord describes one export of a dashboard table, for the audit log.
type ExportRecord struct {
	ActorID, IP   string
	Table, Format string
	Filter        Filter
	Compare       Compare
}

// RecordExport writes a "ministry.export" row to the audit log: the tables
// hold aggregates only, but exports of national statistics are traced.
func (s *Service) RecordExport(ctx context.Context, r ExportRecord) error {
	details := map[string]any{
		"table": r.Table, "format": r.Format,
		"from": r.Filter.From.Format(jst.MonthLayout), "to": r.Filter.To.Format(jst.MonthLayout),
	}
	if r.Filter.Programme != nil {
		details["programme"] = r.Filter.Programme.Code
	}
	if r.Filter.Dim != "" {
		details["filter"] = r.Filter.Dim + "=" + r.Filter.Value
	}
	if r.Compare.Chosen() {
		details["compare"] = r.Compare.Dim + ":" + r.Compare.A + "," + r.Compare.B
	}
	return audit.RecordNow(ctx, s.db, audit.Entry{ActorID: r.ActorID, Action: "ministry.export",
		TargetType: "ministry_table", TargetID: r.Table, IP: r.IP, Details: details})
}

// Refresh intervals of the read models.
const (
	CourseStatsInterval  = 10 * time.Minute
	LearnerStatsInterval = time.Minute
)

// CourseStatsArgs is the River job that recomputes course_stats.
type CourseStatsArgs struct{}

// Kind names the job.
func (CourseStatsArgs) Kind() string { return "ministry_course_stats" }

// InsertOpts: one pending run at a time is enough.
func (CourseStatsArgs) InsertOpts() river.InsertOpts { return uniqueJob() }

// LearnerStatsArgs is the River job that recomputes registration_rollup
// and active_learners.
type LearnerStatsArgs struct{}

// Kind names the job.
func (LearnerStatsArgs) Kind() string { return "ministry_learner_stats" }

// InsertOpts: one pending run at a time is enough.
func (LearnerStatsArgs) InsertOpts() river.InsertOpts { return uniqueJob() }

func uniqueJob() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// CourseStatsWorker runs RefreshCourseStats.
type CourseStatsWorker struct {
	river.WorkerDefaults[CourseStatsArgs]
	DB *gorm.DB
}

// Work recomputes the course statistics.
func (w *CourseStatsWorker) Work(ctx context.Context, _ *river.Job[CourseStatsArgs]) error {
	return RefreshCourseStats(ctx, w.DB)
}

// readModelTimeout bounds one refresh. At the national scale (5 M
// enrolments, 1 M learners) a refresh reads for tens of seconds on two
// cores, beyond River's default minute under load; the read holds no
// transaction id, so its length delays nothing else.
const readModelTimeout = 10 * time.Minute

// Timeout: see readModelTimeout.
func (w *CourseStatsWorker) Timeout(*river.Job[CourseStatsArgs]) time.Duration {
	return readModelTimeout
}

// Timeout: see readModelTimeout.
func (w *LearnerStatsWorker) Timeout(*river.Job[LearnerStatsArgs]) time.Duration {
	return readModelTimeout
}

// LearnerStatsWorker runs RefreshLearnerStats.
type LearnerStatsWorker struct {
	river.WorkerDefaults[LearnerStatsArgs]
	DB *gorm.DB
}

// Work recomputes registrations and activity.
func (w *LearnerStatsWorker) Work(ctx context.Context, _ *river.Job[LearnerStatsArgs]) error {
	return RefreshLearnerStats(ctx, w.DB)
}

// AddWorkers registers the read-model workers.
func AddWorkers(workers *river.Workers, db *gorm.DB) {
	river.AddWorker(workers, &CourseStatsWorker{DB: db})
	river.AddWorker(workers, &LearnerStatsWorker{DB: db})
}

// PeriodicJobs schedules both refreshes, each starting at once.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(CourseStatsInterval),
			func() (river.JobArgs, *river.InsertOpts) { return CourseStatsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(LearnerStatsInterval),
			func() (river.JobArgs, *river.InsertOpts) { return LearnerStatsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
