package reporting

import (
	"context"
	"fmt"
	"time"

	"takumi/internal/apperr"
)

// SeriesPoint is one period of a protected series.
type SeriesPoint struct {
	Period time.Time // first day of the week (Monday) or month
	Cell   Cell
}

// Series returns learners newly counted per week or month within the
// filter, with the range's total. Every figure is one the months'
// protected tables show (months.go), so that no series tells what a
// breakdown hides:
//
//   - a month's point is the month's total, or under a filter the
//     value's cell of the month's line by the filter's dimension,
//     protected with every other value (a region's: its prefectures'
//     cells added up, hidden when any is), exactly as the breakdown of
//     that one month shows it;
//   - a week's point (without a filter only) is protected with the other
//     weeks of its month as a line adding up to the month's total; a week
//     across two months of the range adds up its two parts and is hidden
//     when either is;
//   - the total is the sum of the months', hidden when any month's is.
//
// The weekly series under a filter would need each month's table of
// values × weeks protected as a whole: it is not offered
// (reporting.err_week_filtered). Months of a range of whole months are
// read from the monthly rollup, which the engine keeps beside the daily
// one (a month has a row there exactly when it has a day in the daily
// one, with their sum); weeks from the daily rollup.
func (s *Service) Series(ctx context.Context, f Filter, period string, regions Regions) ([]SeriesPoint, Cell, error) {
	return s.series(ctx, f, period, regions, nil)
}

// monthLines are each month's line by one dimension, protected with its
// total (protectMonths): what the monthly series picks from, the same for
// every value of the dimension.
type monthLines struct {
	months []time.Time
	cells  map[time.Time]map[string]Cell
	totals map[time.Time]Cell
}

// series is Series; with a state key (read before the call) the months'
// protected lines are kept for that state and shared by every filter value.
func (s *Service) series(ctx context.Context, f Filter, period string, regions Regions, key *publicKey) ([]SeriesPoint, Cell, error) {
	if period != "week" && period != "month" {
		return nil, Cell{}, apperr.New(apperr.Invalid, "reporting.err_unknown_period")
	}
	if period == "week" {
		if f.Dim != "" {
			return nil, Cell{}, apperr.New(apperr.Invalid, "reporting.err_week_filtered")
		}
		return s.weeklySeries(ctx, f)
	}
	dim := f.Dim
	values := []string{f.Value}
	switch f.Dim {
	case "":
		values = []string{""}
	case "region":
		dim, values = "prefecture", regions[f.Value]
	}
	read := func(ctx context.Context) (*monthLines, error) {
		q := `SELECT month, v1 AS value, sum(learners) AS n FROM progress_monthly WHERE programme_id = ? AND month BETWEEN ? AND ?`
		if !wholeMonths(f) {
			q = `SELECT date_trunc('month', day)::date AS month, v1 AS value, sum(learners) AS n FROM progress_rollup WHERE programme_id = ? AND day BETWEEN ? AND ?`
		}
		q += ` AND d1 = ? AND d2 = '' GROUP BY 1, 2`
		var rows []monthValue
		if err := s.reads.WithContext(ctx).Raw(q, f.Programme.ID, f.From, f.To, dim).Scan(&rows).Error; err != nil {
			return nil, err
		}
		m := &monthLines{}
		m.months, m.cells, m.totals = protectMonths(rows, s.k)
		return m, nil
	}
	var ml *monthLines
	var err error
	if key == nil || !wholeMonths(f) {
		ml, err = read(ctx)
	} else {
		lk := lineKey{programme: f.Programme.ID, dim: dim, from: f.From, to: f.To}
		if ml = s.ministry.monthLines(*key, lk); ml == nil {
			ml, err = computeOnce(ctx, &s.ministry, fmt.Sprintf("months %v %v", *key, lk), func(ctx context.Context) (*monthLines, error) {
				ml, err := read(ctx)
				if err == nil {
					s.ministry.putMonthLines(*key, lk, ml)
				}
				return ml, err
			})
		}
	}
	if err != nil {
		return nil, Cell{}, err
	}
	months, cells, totals := ml.months, ml.cells, ml.totals
	var out []SeriesPoint
	var total Cell
	for _, m := range months {
		var c Cell
		found := false
		for _, v := range values {
			if vc, ok := cells[m][v]; ok {
				found = true
				periodCell(&c, vc)
			}
		}
		if f.Dim == "" {
			c, found = totals[m], true
		}
		if !found {
			continue
		}
		c.Hidden = c.Hidden || primary(c.N, s.k).Hidden
		finishPeriodCell(&c, s.k)
		out = append(out, SeriesPoint{Period: m, Cell: c})
		periodCell(&total, c)
	}
	finishPeriodCell(&total, s.k)
	return out, total, nil
}

// weeklySeries is the weekly series without a filter (see Series).
func (s *Service) weeklySeries(ctx context.Context, f Filter) ([]SeriesPoint, Cell, error) {
	var rows []monthValue
	if err := s.reads.WithContext(ctx).Raw(`SELECT date_trunc('month', day)::date AS month, to_char(date_trunc('week', day), 'YYYY-MM-DD') AS value,
		sum(learners) AS n FROM progress_rollup WHERE programme_id = ? AND day BETWEEN ? AND ? AND d1 = '' AND d2 = '' GROUP BY 1, 2`,
		f.Programme.ID, f.From, f.To).Scan(&rows).Error; err != nil {
		return nil, Cell{}, err
	}
	weeks, cells, total := protectByMonth(rows, s.k)
	out := make([]SeriesPoint, len(weeks))
	for i, w := range weeks {
		day, err := time.Parse(time.DateOnly, w)
		if err != nil {
			return nil, Cell{}, err
		}
		out[i] = SeriesPoint{Period: day, Cell: cells[i]}
	}
	return out, total, nil
}

// wholeMonths reports whether f's range starts on the first day of a month
// and ends on the last day of one (as ParseFilter makes it).
func wholeMonths(f Filter) bool {
	return f.From.Day() == 1 && f.To.AddDate(0, 0, 1).Day() == 1
}

// SeriesLine is a protected series with its total.
type SeriesLine struct {
	Period string // "week" or "month"
	Points []SeriesPoint
	Total  Cell
}
