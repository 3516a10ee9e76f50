package reporting

import (
	"context"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"takumi/internal/apperr"
	"takumi/internal/progress"
)

// The ministry dashboard puts together the learner funnel (funnel.go),
// course and provider statistics (course_stats.go), the breakdowns
// (breakdown.go, crosstab.go), the series (series.go) and the two-area
// comparison (comparison.go), under one filter (filters.go). Its read
// models are refreshed by read_models.go, run as River jobs (jobs.go).
// Every count leaves through disclosure control (disclosure.go).

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
	// TableAnswer is the answer to a two-filter question.
	TableAnswer = "answer"
)

// BreakdownDims are the breakdowns shown under f: every dimension but the
// one filtered (under a region filter, prefectures stay: the region's
// prefectures are listed).
//
// Under two filters they are the breakdown by the second filter's
// dimension under the place alone, and by prefecture under the second
// filter alone: the row and the column of the cross-tabulation the answer
// is a cell of.
func BreakdownDims(f Filter) []string {
	if f.TwoFilters() {
		return []string{f.Dim2, "prefecture"}
	}
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
	if f.TwoFilters() {
		names := []string{TableAnswer}
		for _, d := range BreakdownDims(f) {
			names = append(names, TableBreakdownPrefix+d)
		}
		return names
	}
	names := []string{TableFunnel, TableCourses}
	if f.Dim != "skill_area" {
		names = append(names, TableProviders)
	}
	names = append(names, TableSeriesMonth)
	if f.Dim == "" {
		// Under a filter the weekly series is not offered (Series).
		names = append(names, TableSeriesWeek)
	}
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
	Filter  Filter
	Compare Compare
	// AsOf is the time the page and its exports state: the progress
	// engine's last run, or, on a one-filter page, the oldest of it and
	// the funnel's and the course tables' refreshes if older.
	AsOf        time.Time
	Funnel      *Funnel
	Courses     *CourseStats
	Month, Week *SeriesLine
	Breakdowns  []*Breakdown
	Comparison  *Comparison
	// TwoWay answers a two-filter question; the funnel, course tables,
	// series and comparison are not computed then (nil).
	TwoWay *TwoWay
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
			d.Breakdowns[i], err = s.breakdown(gctx, breakdownFilter(q.Filter, dim), dim, q.Regions, &key)
			return err
		})
	}
	if q.Filter.TwoFilters() {
		if want(TableAnswer) {
			g.Go(func() error {
				key, err := state()
				if err != nil {
					return err
				}
				d.TwoWay, err = s.twoWay(gctx, q.Filter, q.Regions, &key)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		return d, nil
	}
	for _, period := range []string{"week", "month"} {
		if !want("series_"+period) || !slices.Contains(TableNames(q.Filter, q.Compare), "series_"+period) {
			continue
		}
		line := &SeriesLine{Period: period}
		if period == "month" {
			d.Month = line
		} else {
			d.Week = line
		}
		g.Go(func() error {
			key, err := state()
			if err != nil {
				return err
			}
			line.Points, line.Total, err = s.series(gctx, q.Filter, period, q.Regions, &key)
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
		g.Go(func() error {
			key, err := state()
			if err != nil {
				return err
			}
			d.Comparison, err = s.comparison(gctx, q.Filter, q.Compare, &key)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// One as-of time for the page and every export of it: the oldest of
	// the read models the one-filter page shows (the funnel's learner
	// counts, the course statistics), whichever table was asked for.
	// (A page that computed both has their times already: no query.)
	var st struct{ LearnersRefreshedAt, CoursesRefreshedAt *time.Time }
	if d.Funnel == nil || d.Courses == nil {
		if err := s.reads.WithContext(ctx).Raw(`SELECT learners_refreshed_at, courses_refreshed_at FROM ministry_stats_state WHERE id = 1`).Scan(&st).Error; err != nil {
			return nil, err
		}
	}
	parts := []*time.Time{st.LearnersRefreshedAt, st.CoursesRefreshedAt}
	if d.Funnel != nil {
		parts[0] = &d.Funnel.LearnersAsOf
	}
	if d.Courses != nil {
		parts[1] = &d.Courses.RefreshedAt
	}
	for _, at := range parts {
		if at != nil && !at.IsZero() && at.Before(d.AsOf) {
			d.AsOf = *at
		}
	}
	return d, nil
}

// breakdownFilter is the one filter the breakdown by dim is read under:
// under two filters, the place for the second filter's dimension and the
// second filter for prefectures (BreakdownDims); otherwise f.
func breakdownFilter(f Filter, dim string) Filter {
	if !f.TwoFilters() {
		return f
	}
	g := f
	g.Dim2, g.Value2 = "", ""
	if dim == "prefecture" {
		g.Dim, g.Value = f.Dim2, f.Value2
	}
	return g
}
