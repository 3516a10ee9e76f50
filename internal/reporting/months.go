package reporting

import (
	"slices"
	"strings"
	"time"
)

// Overlapping periods. The dashboard offers fiscal years, their quarters
// and any range of whole months, and the national progress page the whole
// programme: a figure of one period minus the figures of periods inside
// it is the figure of the remainder. So no period is protected on its
// own. Every count is protected month by month (each month's line or
// table as a whole, as a one-month period would be), and a period's cell,
// line total or total is shown only when it is shown in every month it
// covers: then it is the sum of figures the one-month views publish
// anyway, and no set of periods tells more than the months do. Months
// are disjoint, so what one month hides cannot be had from another. A
// period's hidden cells are hidden in at least one month, so in every
// line at least two are hidden (or the total is): no further
// complementary suppression is needed.

// monthValue is one month's count of one value.
type monthValue struct {
	Month time.Time
	Value string
	N     int64
}

// periodCell adds one month's protected cell to a period's.
func periodCell(sum *Cell, c Cell) {
	sum.N += c.N
	sum.Hidden = sum.Hidden || c.Hidden
}

// finishPeriodCell marks a period's hidden cell "<k" when its sum is
// small and "x" otherwise.
func finishPeriodCell(c *Cell, k int) {
	c.Secondary = c.Hidden && !primary(c.N, k).Hidden
}

// byMonth groups rows by month, in order of month.
func byMonth(rows []monthValue) (months []time.Time, groups map[time.Time][]monthValue) {
	groups = map[time.Time][]monthValue{}
	for _, r := range rows {
		if _, ok := groups[r.Month]; !ok {
			months = append(months, r.Month)
		}
		groups[r.Month] = append(groups[r.Month], r)
	}
	slices.SortFunc(months, func(a, b time.Time) int { return a.Compare(b) })
	return months, groups
}

// protectMonths protects each month's line (value → count) with its
// total, the month's values in order (as the month's cross-tabulations
// are, so that a tie for the complementary cell is broken alike).
func protectMonths(rows []monthValue, k int) (months []time.Time, cells map[time.Time]map[string]Cell, totals map[time.Time]Cell) {
	months, groups := byMonth(rows)
	cells, totals = map[time.Time]map[string]Cell{}, map[time.Time]Cell{}
	for _, m := range months {
		g := groups[m]
		slices.SortFunc(g, func(a, b monthValue) int { return strings.Compare(a.Value, b.Value) })
		counts := make([]int64, len(g))
		for i, r := range g {
			counts[i] = r.N
		}
		mc, mt := Protect(counts, k)
		cells[m] = map[string]Cell{}
		for i, r := range g {
			cells[m][r.Value] = mc[i]
		}
		totals[m] = mt
	}
	return months, cells, totals
}

// protectByMonth protects each month's line with its total
// (protectMonths) and returns the period's line: values sorted, each
// cell and the total the sum of the months', hidden when hidden in any
// month.
func protectByMonth(rows []monthValue, k int) (values []string, cells []Cell, total Cell) {
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.Value] {
			seen[r.Value] = true
			values = append(values, r.Value)
		}
	}
	slices.Sort(values)
	cells = make([]Cell, len(values))
	months, mcells, mtotals := protectMonths(rows, k)
	for _, m := range months {
		for i, v := range values {
			if c, ok := mcells[m][v]; ok {
				periodCell(&cells[i], c)
			}
		}
		periodCell(&total, mtotals[m])
	}
	for i := range cells {
		finishPeriodCell(&cells[i], k)
	}
	finishPeriodCell(&total, k)
	return values, cells, total
}
