package reporting

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"takumi/internal/apperr"
)

// pairTab is the whole cross-tabulation of two dimensions over a
// programme's months, protected once as a table. It is kept in one
// orientation (d1 < d2, as the rollup stores the pair), whichever of the
// two a view filters on: the breakdown by industry under a prefecture
// filter, the breakdown by prefecture under an industry filter and the
// two-filter answer "prefecture × industry" all read the same protected
// cells, so no combination of them gives back a hidden one.
type pairTab struct {
	dims   [2]string         // d1, d2
	values [2][]string       // each dimension's values, sorted
	idx    [2]map[string]int // value → position
	cells  [][]Cell          // [d1 value][d2 value]
	// totals are the lines by d1 and by d2 (the table's row and column
	// sums), each protected as a line with its total.
	totals [2][]Cell
}

// side is 0 when dim is the table's first dimension, 1 for its second.
func (t *pairTab) side(dim string) int {
	if dim == t.dims[0] {
		return 0
	}
	return 1
}

// slice is the breakdown by the other dimension under dim = one of values
// (several for a region: its prefectures added up), with its total. A
// cell or total of several values is hidden when any of its parts is (or
// when it is small): it then tells nothing the parts do not. ok is false
// when none of values occurs.
func (t *pairTab) slice(dim string, values []string, k int) (inners []string, cells []Cell, total Cell, ok bool) {
	s := t.side(dim)
	inners = t.values[1-s]
	cells = make([]Cell, len(inners))
	var totalHidden bool
	for _, v := range values {
		i, found := t.idx[s][v]
		if !found {
			continue
		}
		ok = true
		total.N += t.totals[s][i].N
		totalHidden = totalHidden || t.totals[s][i].Hidden
		for j := range inners {
			var c Cell
			if s == 0 {
				c = t.cells[i][j]
			} else {
				c = t.cells[j][i]
			}
			cells[j].N += c.N
			cells[j].Hidden = cells[j].Hidden || c.Hidden
			cells[j].Secondary = cells[j].Secondary || c.Secondary
		}
	}
	if len(values) > 1 {
		for j := range cells {
			if primary(cells[j].N, k).Hidden {
				cells[j].Hidden, cells[j].Secondary = true, false
			} else {
				cells[j].Secondary = cells[j].Hidden
			}
		}
		p := primary(total.N, k)
		total.Hidden = totalHidden || p.Hidden
		total.Secondary = totalHidden && !p.Hidden
	} else if len(values) == 1 && ok {
		total = t.totals[s][t.idx[s][values[0]]]
	}
	// A slice whose total is hidden shows no cell either.
	if total.Hidden {
		for j := range cells {
			if cells[j].N > 0 && !cells[j].Hidden {
				cells[j].Hidden, cells[j].Secondary = true, true
			}
		}
	}
	return inners, cells, total, ok
}

// pairTable reads the protected cross-tabulation of dims a and b over f's
// programme and months (kept for key when key is set: every filter value
// and both orientations share it).
//
//	SELECT v1, v2, sum(learners) FROM progress_monthly
//	WHERE programme_id = ? AND d1 = ? AND d2 = ? AND month BETWEEN ? AND ? GROUP BY v1, v2
func (s *Service) pairTable(ctx context.Context, f Filter, a, b string, key *publicKey) (*pairTab, error) {
	d1, d2 := min(a, b), max(a, b)
	if key == nil {
		return s.readPairTable(ctx, f, d1, d2)
	}
	tk := tableKey{programme: f.Programme.ID, outer: d1, dim: d2, from: f.From, to: f.To}
	if t := s.ministry.table(*key, tk); t != nil {
		return t, nil
	}
	return computeOnce(ctx, &s.ministry, fmt.Sprintf("table %v %v", *key, tk), func(ctx context.Context) (*pairTab, error) {
		t, err := s.readPairTable(ctx, f, d1, d2)
		if err == nil {
			s.ministry.putTable(*key, tk, t)
		}
		return t, err
	})
}

// readPairTable reads and protects the table pairTable names: each
// month's table protected as a whole (protectPair), then added up; a
// cell, row or column total of the period is hidden when it is hidden in
// any month (months.go).
func (s *Service) readPairTable(ctx context.Context, f Filter, d1, d2 string) (*pairTab, error) {
	type pair struct {
		Month  time.Time
		V1, V2 string
		N      int64
	}
	var pairs []pair
	seen := [2]map[string]bool{{}, {}}
	t := &pairTab{dims: [2]string{d1, d2}}
	// Scanned by hand: a large cross-tabulation is thousands of rows, and
	// gorm's reflection was most of this function's time.
	err := s.scanRows(ctx, `SELECT month, v1, v2, sum(learners) AS n FROM progress_monthly
		WHERE programme_id = ? AND d1 = ? AND d2 = ? AND month BETWEEN ? AND ? GROUP BY month, v1, v2`,
		[]any{f.Programme.ID, d1, d2, f.From, f.To}, func(rows *sql.Rows) error {
			var p pair
			if err := rows.Scan(&p.Month, &p.V1, &p.V2, &p.N); err != nil {
				return err
			}
			for side, v := range []string{p.V1, p.V2} {
				if !seen[side][v] {
					seen[side][v] = true
					t.values[side] = append(t.values[side], v)
				}
			}
			pairs = append(pairs, p)
			return nil
		})
	if err != nil {
		return nil, err
	}
	for side := range t.values {
		slices.Sort(t.values[side])
		t.idx[side] = map[string]int{}
		for i, v := range t.values[side] {
			t.idx[side][v] = i
		}
	}
	rows, cols := len(t.values[0]), len(t.values[1])
	t.cells = make([][]Cell, rows)
	for i := range t.cells {
		t.cells[i] = make([]Cell, cols)
	}
	t.totals = [2][]Cell{make([]Cell, rows), make([]Cell, cols)}
	byMonth := map[time.Time][]pair{}
	for _, p := range pairs {
		byMonth[p.Month] = append(byMonth[p.Month], p)
	}
	for _, ps := range byMonth {
		// The month's own values, so that its table is the one a
		// one-month period protects.
		// In order of value (as the period's), so that a tie for the
		// complementary cell is broken as in the month's lines.
		var mv [2][]int // month position → period position
		in := [2]map[int]bool{{}, {}}
		for _, p := range ps {
			for side, v := range []string{p.V1, p.V2} {
				if i := t.idx[side][v]; !in[side][i] {
					in[side][i] = true
					mv[side] = append(mv[side], i)
				}
			}
		}
		mi := [2]map[string]int{{}, {}}
		for side := range mv {
			slices.Sort(mv[side])
			for i, pos := range mv[side] {
				mi[side][t.values[side][pos]] = i
			}
		}
		counts := make([][]int64, len(mv[0]))
		for i := range counts {
			counts[i] = make([]int64, len(mv[1]))
		}
		for _, p := range ps {
			counts[mi[0][p.V1]][mi[1][p.V2]] += p.N
		}
		cells, rowLine, colLine := protectPair(counts, s.k)
		for i, row := range cells {
			for j, c := range row {
				periodCell(&t.cells[mv[0][i]][mv[1][j]], c)
			}
		}
		for i, c := range rowLine {
			periodCell(&t.totals[0][mv[0][i]], c)
		}
		for j, c := range colLine {
			periodCell(&t.totals[1][mv[1][j]], c)
		}
	}
	for i := range t.cells {
		for j := range t.cells[i] {
			finishPeriodCell(&t.cells[i][j], s.k)
		}
	}
	for side := range t.totals {
		for i := range t.totals[side] {
			finishPeriodCell(&t.totals[side][i], s.k)
		}
	}
	return t, nil
}

// protectPair protects a two-way table whose row and column sums are
// published as lines (each protected with its total by Protect):
// primary suppression of every cell; every non-zero cell of a row or
// column whose line cell is hidden is hidden too (its cells would add up
// to it); then complementary suppression along every row and column
// whose line cell is shown, repeated until none has exactly one hidden
// cell. The result does not depend on which dimension a view filters on.
func protectPair(counts [][]int64, k int) (cells [][]Cell, rowLine, colLine []Cell) {
	rows := len(counts)
	cols := 0
	if rows > 0 {
		cols = len(counts[0])
	}
	rowSums, colSums := make([]int64, rows), make([]int64, cols)
	cells = make([][]Cell, rows)
	for i, row := range counts {
		cells[i] = make([]Cell, cols)
		for j, n := range row {
			cells[i][j] = primary(n, k)
			rowSums[i] += n
			colSums[j] += n
		}
	}
	rowLine, _ = Protect(rowSums, k)
	colLine, _ = Protect(colSums, k)
	hide := func(c *Cell) {
		if c.N > 0 && !c.Hidden {
			c.Hidden, c.Secondary = true, true
		}
	}
	for i := range cells {
		for j := range cells[i] {
			if rowLine[i].Hidden || colLine[j].Hidden {
				hide(&cells[i][j])
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for i := range cells {
			if !rowLine[i].Hidden && complement(cells[i]) {
				changed = true
			}
		}
		for j := range cols {
			if colLine[j].Hidden {
				continue
			}
			col := make([]Cell, rows)
			for i := range cells {
				col[i] = cells[i][j]
			}
			if complement(col) {
				changed = true
				for i := range cells {
					cells[i][j] = col[i]
				}
			}
		}
	}
	return cells, rowLine, colLine
}

// TwoWay answers a two-filter question: the cell of the place × second
// dimension cross-tabulation (a region's prefectures added up, as the
// breakdown under the region adds them), with the place's total and the
// second value's total: the same protected cells the one-filter
// breakdowns show, so the answer tells nothing they do not.
type TwoWay struct {
	Cell, PlaceTotal, ValueTotal Cell
}

// TwoWay returns the answer to f's two filters (f.TwoFilters()).
func (s *Service) TwoWay(ctx context.Context, f Filter, regions Regions) (*TwoWay, error) {
	return s.twoWay(ctx, f, regions, nil)
}

func (s *Service) twoWay(ctx context.Context, f Filter, regions Regions, key *publicKey) (*TwoWay, error) {
	if !f.TwoFilters() {
		return nil, apperr.New(apperr.Invalid, "reporting.err_filter_pair")
	}
	t, err := s.pairTable(ctx, f, "prefecture", f.Dim2, key)
	if err != nil {
		return nil, err
	}
	values := []string{f.Value}
	if f.Dim == "region" {
		values = regions[f.Value]
	}
	out := &TwoWay{}
	inners, cells, total, ok := t.slice("prefecture", values, s.k)
	if ok {
		out.PlaceTotal = total
		if j := slices.Index(inners, f.Value2); j >= 0 {
			out.Cell = cells[j]
		}
	}
	side := t.side(f.Dim2)
	if j, ok := t.idx[side][f.Value2]; ok {
		out.ValueTotal = t.totals[side][j]
	}
	return out, nil
}
