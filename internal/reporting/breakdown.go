package reporting

import (
	"context"
	"fmt"
	"slices"

	"takumi/internal/apperr"
	"takumi/internal/progress"
)

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

// Regions maps each region name (English, as in prefectures.csv) to its
// prefecture codes; set by LoadRegions.
type Regions map[string][]string

// LoadRegions reads the prefecture → region mapping from the database.
func (s *Service) LoadRegions(ctx context.Context) (Regions, error) {
	var rows []struct{ Code, RegionEn string }
	if err := s.reads.WithContext(ctx).Raw(`SELECT code, region_en FROM prefectures ORDER BY code`).Scan(&rows).Error; err != nil {
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
		// so each is hidden as it is nationally, with the subset's total,
		// hidden when any of its parts is (as a region's row of a
		// cross-tabulation is): it then adds up cells the national line
		// shows, and hiding a second cell here would not help, since the
		// national line shows it.
		keep := map[string]bool{f.Value: true}
		if f.Dim == "region" {
			keep = map[string]bool{}
			for _, code := range regions[f.Value] {
				keep[code] = true
			}
		}
		sub := &Breakdown{Dim: dim}
		for _, r := range line.Rows {
			if keep[r.Value] {
				sub.Rows = append(sub.Rows, r)
				periodCell(&sub.Total, r.Cell)
			}
		}
		sub.Total.Hidden = sub.Total.Hidden || primary(sub.Total.N, s.k).Hidden
		finishPeriodCell(&sub.Total, s.k)
		return sub, nil
	}

	t, err := s.pairTable(ctx, f, filterDim, dim, key)
	if err != nil {
		return nil, err
	}
	out := &Breakdown{Dim: dim}
	values := []string{f.Value}
	if f.Dim == "region" {
		values = regions[f.Value]
	}
	inners, cells, total, ok := t.slice(filterDim, values, s.k)
	if !ok {
		return out, nil // nobody counted under this filter value
	}
	out.Total = total
	for j, v := range inners {
		out.Rows = append(out.Rows, Row{Value: v, Cell: cells[j]})
	}
	return out, nil
}

// nationalLine is the breakdown by dim over f's programme and months,
// protected month by month as lines with their totals (kept for key when key is set).
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

// monthlyLine reads the monthly rollup by dim over the filter's months,
// month by month.
func (s *Service) monthlyLine(ctx context.Context, f Filter, dim string) ([]monthValue, error) {
	var rows []monthValue
	err := s.reads.WithContext(ctx).Raw(`SELECT month, v1 AS value, sum(learners) AS n FROM progress_monthly
		WHERE programme_id = ? AND d1 = ? AND d2 = '' AND month BETWEEN ? AND ? GROUP BY 1, 2`,
		f.Programme.ID, dim, f.From, f.To).Scan(&rows).Error
	return rows, err
}

// protectLine protects the line month by month (months.go): a value's
// cell is shown only when every month shows it.
func (s *Service) protectLine(dim string, rows []monthValue) *Breakdown {
	values, cells, total := protectByMonth(rows, s.k)
	out := &Breakdown{Dim: dim, Total: total}
	for i, v := range values {
		out.Rows = append(out.Rows, Row{Value: v, Cell: cells[i]})
	}
	return out
}
