package reporting_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"takumi/internal/dbtest"
	"takumi/internal/reporting"
)

// TestOverlappingPeriodsResistDifferencing: the dashboard offers every
// range of whole months (and fiscal quarters and years, which are such
// ranges). An attacker reads, for every range within one quarter, the
// national lines by prefecture and industry, the breakdown by industry
// under every prefecture and region, by prefecture under every industry
// and region, every two-filter answer, and the monthly series without a
// filter and under every prefecture, region and industry. Each shown
// number is a linear equation over the month × prefecture × industry
// counts; no count hidden in its month's own view, and no hidden line
// cell of a month, may lie in their span.
//
// The data are built so that protecting each period on its own (the code
// before months.go) gives cells back: Osaka × E is 3 in April (hidden)
// and 12 and 14 in May and June, so the breakdown by industry under Osaka
// showed 29 for April–June and 26 for May–June, and 29 − 26 = 3. And
// Kyoto is small (4 in April), so Osaka (21) was hidden as the
// complementary cell of April's line by prefecture while the monthly
// series filtered to Osaka showed 21: Kyoto = total − the others.
func TestOverlappingPeriodsResistDifferencing(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	db.Gorm.Exec(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('op', 'x', 'x', 1000, '2026-01-01', '2030-12-31', true, '{ai_data}')`)
	var programme string
	db.Gorm.Raw(`SELECT id FROM programmes WHERE code = 'op'`).Row().Scan(&programme)
	months := []string{"2026-04", "2026-05", "2026-06"}
	prefs := []string{"13", "14", "23", "26", "27"}
	inds := []string{"E", "G"}
	// counts[month][prefecture][industry]
	counts := [][][]int64{
		{{20, 25}, {15, 12}, {11, 14}, {2, 2}, {3, 18}},
		{{22, 30}, {14, 16}, {13, 12}, {1, 0}, {12, 20}},
		{{25, 20}, {18, 11}, {10, 15}, {0, 3}, {14, 19}},
	}
	for m, month := range months {
		ins := func(d1, v1, d2, v2 string, n int64) {
			if n == 0 {
				return
			}
			if err := db.Gorm.Exec(`INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (programme_id, d1, d2, month, v1, v2) DO UPDATE SET learners = progress_monthly.learners + excluded.learners`,
				programme, d1, d2, month+"-01", v1, v2, n).Error; err != nil {
				t.Fatal(err)
			}
		}
		for p, pref := range prefs {
			for i, ind := range inds {
				n := counts[m][p][i]
				ins("", "", "", "", n)
				ins("prefecture", pref, "", "", n)
				ins("industry", ind, "", "", n)
				ins("industry", ind, "prefecture", pref, n)
			}
		}
	}
	s := reporting.NewService(db.Gorm, 10)
	regions, err := s.LoadRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	placeRegions := []string{"Kanto", "Chubu", "Kinki"}
	prefIdx := func(codes []string) []int {
		var out []int
		for _, c := range codes {
			if i := slices.Index(prefs, c); i >= 0 {
				out = append(out, i)
			}
		}
		return out
	}
	// Unknowns: x[(m*len(prefs)+p)*len(inds)+i].
	n := len(months) * len(prefs) * len(inds)
	unknown := func(m, p, i int) int { return (m*len(prefs)+p)*len(inds) + i }
	cover := func(ms, ps, is []int) []int {
		var out []int
		for _, m := range ms {
			for _, p := range ps {
				for _, i := range is {
					out = append(out, unknown(m, p, i))
				}
			}
		}
		return out
	}
	allPrefs, allInds := prefIdx(prefs), []int{0, 1}
	var eqs [][]float64
	shown := 0
	publish := func(c reporting.Cell, cells []int) {
		if c.Hidden {
			if c.Value() != nil {
				t.Fatal("a hidden cell carries its value")
			}
			return
		}
		shown++
		eqs = append(eqs, indicator(n, cells))
	}
	// What each single month shows, to compare the series with and to
	// know which counts are hidden.
	single := map[string]reporting.Cell{}
	for a := range months {
		for b := a; b < len(months); b++ {
			ms := []int{}
			for m := a; m <= b; m++ {
				ms = append(ms, m)
			}
			filter := func(kv ...string) reporting.Filter {
				t.Helper()
				q := url.Values{"from": {months[a]}, "to": {months[b]}}
				for i := 0; i < len(kv); i += 2 {
					q.Set(kv[i], kv[i+1])
				}
				f, err := s.ParseFilter(ctx, q, nil)
				if err != nil {
					t.Fatalf("filter %v: %v", kv, err)
				}
				return f
			}
			note := func(key string, c reporting.Cell) {
				if a == b {
					single[fmt.Sprintf("%d/%s", a, key)] = c
				}
			}
			breakdown := func(f reporting.Filter, dim string) map[string]reporting.Cell {
				t.Helper()
				bd, err := s.Breakdown(ctx, f, dim, regions)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]reporting.Cell{"": bd.Total}
				for _, r := range bd.Rows {
					out[r.Value] = r.Cell
				}
				return out
			}
			// National lines.
			np, ni := breakdown(filter(), "prefecture"), breakdown(filter(), "industry")
			publish(np[""], cover(ms, allPrefs, allInds))
			for p, code := range prefs {
				publish(np[code], cover(ms, []int{p}, allInds))
				note("p:"+code, np[code])
			}
			for i, ind := range inds {
				publish(ni[ind], cover(ms, allPrefs, []int{i}))
				note("i:"+ind, ni[ind])
			}
			// Rows and columns of the cross-tabulation, and the answers.
			for _, place := range append(slices.Clone(prefs), placeRegions...) {
				placeDim, ps := "prefecture", prefIdx([]string{place})
				if slices.Contains(placeRegions, place) {
					placeDim, ps = "region", prefIdx(regions[place])
					sub := breakdown(filter("region", place), "prefecture")
					publish(sub[""], cover(ms, ps, allInds))
					for _, p := range ps {
						publish(sub[prefs[p]], cover(ms, []int{p}, allInds))
					}
				}
				row := breakdown(filter(placeDim, place), "industry")
				publish(row[""], cover(ms, ps, allInds))
				for i, ind := range inds {
					publish(row[ind], cover(ms, ps, []int{i}))
					if placeDim == "prefecture" {
						note("x:"+place+ind, row[ind])
					}
					tw, err := s.TwoWay(ctx, filter(placeDim, place, "industry", ind), regions)
					if err != nil {
						t.Fatal(err)
					}
					publish(tw.Cell, cover(ms, ps, []int{i}))
					publish(tw.PlaceTotal, cover(ms, ps, allInds))
					publish(tw.ValueTotal, cover(ms, allPrefs, []int{i}))
				}
			}
			for i, ind := range inds {
				col := breakdown(filter("industry", ind), "prefecture")
				publish(col[""], cover(ms, allPrefs, []int{i}))
				for p, code := range prefs {
					publish(col[code], cover(ms, []int{p}, []int{i}))
				}
			}
			// The monthly series, without a filter and under each value.
			series := func(f reporting.Filter, ps, is []int, key string) {
				t.Helper()
				pts, total, err := s.Series(ctx, f, "month", regions)
				if err != nil {
					t.Fatal(err)
				}
				publish(total, cover(ms, ps, is))
				for _, pt := range pts {
					m := slices.Index(months, pt.Period.Format("2006-01"))
					publish(pt.Cell, cover([]int{m}, ps, is))
					if c, ok := single[fmt.Sprintf("%d/%s", m, key)]; ok && key != "" && (c.Hidden != pt.Cell.Hidden || c.N != pt.Cell.N && !c.Hidden) {
						t.Errorf("%s: the series shows %s for %s, its month's breakdown %s", key, pt.Cell.Text(10), months[m], c.Text(10))
					}
				}
			}
			series(filter(), allPrefs, allInds, "")
			for p, code := range prefs {
				series(filter("prefecture", code), []int{p}, allInds, "p:"+code)
			}
			for _, region := range placeRegions {
				series(filter("region", region), prefIdx(regions[region]), allInds, "")
			}
			for i, ind := range inds {
				series(filter("industry", ind), allPrefs, []int{i}, "i:"+ind)
			}
			if _, _, err := s.Series(ctx, filter("prefecture", "27"), "week", regions); err == nil {
				t.Error("the weekly series under a filter is offered")
			}
		}
	}
	// The two cells the data were built around are hidden in April.
	if !single["0/x:27E"].Hidden || !single["0/p:27"].Hidden || !single["0/p:26"].Hidden {
		t.Fatalf("April hides Osaka × E %s, Osaka %s, Kyoto %s: the data prove nothing",
			single["0/x:27E"].Text(10), single["0/p:27"].Text(10), single["0/p:26"].Text(10))
	}
	hidden := 0
	for m := range months {
		for p, code := range prefs {
			if c := single[fmt.Sprintf("%d/p:%s", m, code)]; c.Hidden && inSpan(eqs, indicator(n, cover([]int{m}, []int{p}, allInds))) {
				t.Errorf("%s in %s is hidden but follows from the shown figures", code, months[m])
			}
			for i, ind := range inds {
				c := single[fmt.Sprintf("%d/x:%s%s", m, code, ind)]
				if !c.Hidden {
					continue
				}
				hidden++
				if inSpan(eqs, unit(n, unknown(m, p, i))) {
					t.Errorf("%s × %s in %s is hidden but follows from the shown figures", code, ind, months[m])
				}
			}
		}
	}
	t.Logf("%d figures shown, %d month cells hidden", shown, hidden)
}
