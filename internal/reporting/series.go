package reporting

import (
	"context"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/database"
)

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
	q := `SELECT date_trunc('` + sqlIdent(period) + `', day)::date AS period, sum(learners) AS n FROM progress_rollup WHERE programme_id = ? AND day BETWEEN ? AND ?`
	if period == "month" && wholeMonths(f) {
		q = `SELECT month AS period, sum(learners) AS n FROM progress_monthly WHERE programme_id = ? AND month BETWEEN ? AND ?`
	}
	args := []any{f.Programme.ID, f.From, f.To}
	switch {
	case f.Dim == "":
		q += ` AND d1 = '' AND d2 = ''`
	case f.Dim == "region":
		q += ` AND d1 = 'prefecture' AND d2 = '' AND v1 = ANY (?)`
		args = append(args, database.Array(regions[f.Value]))
	default:
		q += ` AND d1 = ? AND d2 = '' AND v1 = ?`
		args = append(args, f.Dim, f.Value)
	}
	q += ` GROUP BY 1 ORDER BY 1`
	var rows []struct {
		Period time.Time
		N      int64
	}
	if err := s.reads.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
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

// SeriesLine is a protected series with its total.
type SeriesLine struct {
	Period string // "week" or "month"
	Points []SeriesPoint
	Total  Cell
}
