// Package reporting reads the progress engine's rollups for the national
// progress page and the ministry dashboard, and applies disclosure control:
// aggregates only, small counts hidden, complementary cells hidden so that a
// hidden count cannot be recovered from a total.
package reporting

import (
	"sort"
	"strconv"
)

// DefaultK is the default disclosure threshold: counts from 1 to K-1 are
// hidden.
const DefaultK = 10

// Cell is one published count.
type Cell struct {
	N      int64
	Hidden bool // suppressed: shown as "<k" (primary) or "x" (complementary)
	// Secondary marks a cell hidden only so that another hidden cell cannot
	// be recovered from the total.
	Secondary bool
}

// Text is the cell as shown: the number, "<k" for a small count, "x" for a
// complementary suppression.
func (c Cell) Text(k int) string {
	switch {
	case c.Hidden && c.Secondary:
		return "x"
	case c.Hidden:
		return "<" + strconv.Itoa(k)
	}
	return strconv.FormatInt(c.N, 10)
}

// Value is the number for charts and JSON: nil when hidden.
func (c Cell) Value() *int64 {
	if c.Hidden {
		return nil
	}
	n := c.N
	return &n
}

// primary hides 1..k-1.
func primary(n int64, k int) Cell {
	return Cell{N: n, Hidden: n > 0 && n < int64(k)}
}

// Protect applies disclosure control to counts that add up to a published
// total (a breakdown, or one line of a time series): primary suppression of
// 1..k-1 in every cell and in the total, then, when exactly one cell is
// hidden (so total minus the visible cells would reveal it), the smallest
// other non-zero visible cell is hidden too. The total is returned as a
// Cell; when the total itself is small it is hidden and so is every
// non-zero cell.
func Protect(counts []int64, k int) ([]Cell, Cell) {
	var total int64
	for _, n := range counts {
		total += n
	}
	cells := make([]Cell, len(counts))
	for i, n := range counts {
		cells[i] = primary(n, k)
	}
	tot := primary(total, k)
	if tot.Hidden {
		for i := range cells {
			if cells[i].N > 0 {
				cells[i].Hidden = true
			}
		}
		return cells, tot
	}
	complement(cells)
	return cells, tot
}

// complement hides a second cell in a line where exactly one is hidden.
func complement(cells []Cell) bool {
	hidden := 0
	for _, c := range cells {
		if c.Hidden {
			hidden++
		}
	}
	if hidden != 1 {
		return false
	}
	idx := make([]int, 0, len(cells))
	for i, c := range cells {
		if !c.Hidden && c.N > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return false
	}
	sort.SliceStable(idx, func(a, b int) bool { return cells[idx[a]].N < cells[idx[b]].N })
	cells[idx[0]].Hidden, cells[idx[0]].Secondary = true, true
	return true
}

// ProtectTable applies disclosure control to a two-way table whose rows and
// columns both add up to published totals: primary suppression, then
// complementary suppression along every row and every column, repeated
// until no row or column has exactly one hidden cell.
func ProtectTable(counts [][]int64, k int) [][]Cell {
	cells := make([][]Cell, len(counts))
	for i, row := range counts {
		cells[i] = make([]Cell, len(row))
		for j, n := range row {
			cells[i][j] = primary(n, k)
		}
	}
	for changed := true; changed; {
		changed = false
		for i := range cells {
			if complement(cells[i]) {
				changed = true
			}
		}
		if len(cells) == 0 {
			break
		}
		for j := range cells[0] {
			col := make([]Cell, len(cells))
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
	return cells
}
