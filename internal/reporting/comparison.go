package reporting

import (
	"context"
	"slices"
	"time"
)

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
	return s.comparison(ctx, f, c, nil)
}

// comparison is Comparison; with a state key the months' lines are kept
// (series).
func (s *Service) comparison(ctx context.Context, f Filter, c Compare, key *publicKey) (*Comparison, error) {
	out := &Comparison{Compare: c}
	lines := make([][]SeriesPoint, 2)
	totals := make([]Cell, 2)
	for i, v := range []string{c.A, c.B} {
		g := Filter{Programme: f.Programme, From: f.From, To: f.To, Dim: c.Dim, Value: v}
		pts, total, err := s.series(ctx, g, "month", nil, key)
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
