package reporting

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

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
	// The rollup's value columns of the filter's dimension and of dim:
	// dim is d1 when byFirst.
	outer, inner := "v1", "v2"
	if byFirst {
		outer, inner = "v2", "v1"
	}
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
	err := s.scanRows(ctx, `SELECT `+sqlIdent(outer)+` AS outer, `+sqlIdent(inner)+` AS inner,
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
