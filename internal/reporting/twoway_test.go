package reporting_test

import (
	"context"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"testing"
	"time"

	"takumi/internal/dbtest"
	"takumi/internal/progress"
	"takumi/internal/reporting"
)

// TestTwoFiltersResistDifferencing: for every second dimension of a
// two-filter question (industry, skill area, segment, provider), an
// attacker reads every view the dashboard allows about it: the national
// lines, the breakdown by that dimension under every prefecture and
// region, the breakdown by prefecture under every value (and the
// prefectures of every region), and the two-filter answer for every place
// × value. Each shown number is a linear equation over the unknown
// prefecture × value counts; a hidden cell is recoverable by differencing
// exactly when its unit vector lies in the span of those equations. None
// may be, and the two-filter answer must be the very cell the one-filter
// views show.
func TestTwoFiltersResistDifferencing(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var programme string
	db.Gorm.Raw(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('tw', 'x', 'x', 1000, '2026-01-01', '2030-12-31', true, '{ai_data}') RETURNING id`).Row().Scan(&programme)
	values := map[string][]string{
		"prefecture": {"13", "14", "23", "26", "27", "28"},
		"industry":   {"E", "G", "I"},
		"segment":    {"developer", "engineer", "other"},
		"skill_area": {"ai_data", "cloud"},
		"provider":   {"p1", "p2", "p3"},
	}
	dims := progress.Dimensions // sorted: the rollup's pair order
	// People by every dimension at once: mostly small groups, so that
	// small cells and small lines occur in every table.
	rng := rand.New(rand.NewPCG(14, 15))
	type key [5]string
	people := map[key]int{}
	var walk func(i int, k key)
	walk = func(i int, k key) {
		if i == len(dims) {
			if n := rng.IntN(10); n >= 7 {
				people[k] = n - 6
			}
			return
		}
		for _, v := range values[dims[i]] {
			k[i] = v
			walk(i+1, k)
		}
	}
	walk(0, key{})
	// Osaka × E is small, and Aichi is small as a whole.
	for k := range people {
		if k[1] == "23" && people[k] > 1 {
			people[k] = 1
		}
	}
	type rollupKey struct{ d1, v1, d2, v2 string }
	rollup := map[rollupKey]int{}
	for k, n := range people {
		for i := range dims {
			rollup[rollupKey{dims[i], k[i], "", ""}] += n
			for j := i + 1; j < len(dims); j++ {
				rollup[rollupKey{dims[i], k[i], dims[j], k[j]}] += n
			}
		}
	}
	for k, n := range rollup {
		if err := db.Gorm.Exec(`INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners) VALUES (?, ?, ?, '2026-05-01', ?, ?, ?)`,
			programme, k.d1, k.d2, k.v1, k.v2, n).Error; err != nil {
			t.Fatal(err)
		}
	}
	s := reporting.NewService(db.Gorm, 10)
	regions, err := s.LoadRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	placeRegions := []string{"Kanto", "Chubu", "Kinki"}
	filter := func(kv ...string) reporting.Filter {
		t.Helper()
		q := url.Values{"term": {"fy2026q1"}}
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		f, err := s.ParseFilter(ctx, q, nil)
		if err != nil {
			t.Fatalf("filter %v: %v", kv, err)
		}
		return f
	}
	breakdown := func(f reporting.Filter, dim string) map[string]reporting.Cell {
		t.Helper()
		b, err := s.Breakdown(ctx, f, dim, regions)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]reporting.Cell{"": b.Total}
		for _, r := range b.Rows {
			if r.Cell.Hidden && r.Cell.Value() != nil {
				t.Fatal("a hidden cell carries its value")
			}
			out["v:"+r.Value] = r.Cell
		}
		return out
	}
	prefs := values["prefecture"]
	for _, dim := range reporting.SecondDims {
		t.Run(dim, func(t *testing.T) {
			vals := values[dim]
			// Unknowns: the prefecture × value counts, x[p*len(vals)+v].
			n := len(prefs) * len(vals)
			unknown := func(p, v int) int { return p*len(vals) + v }
			var eqs [][]float64
			publish := func(c reporting.Cell, cells ...int) {
				if c.Hidden {
					return
				}
				row := make([]float64, n)
				for _, i := range cells {
					row[i] = 1
				}
				eqs = append(eqs, row)
			}
			allOfPref := func(p int) []int {
				var out []int
				for v := range vals {
					out = append(out, unknown(p, v))
				}
				return out
			}
			allOfValue := func(v int, ps []int) []int {
				var out []int
				for _, p := range ps {
					out = append(out, unknown(p, v))
				}
				return out
			}
			prefIdx := func(codes []string) []int {
				var out []int
				for _, c := range codes {
					if i := slices.Index(prefs, c); i >= 0 { // others count nobody
						out = append(out, i)
					}
				}
				return out
			}
			all := prefIdx(prefs)
			// The national lines.
			natPref, natDim := breakdown(filter(), "prefecture"), breakdown(filter(), dim)
			var everything []int
			for p := range prefs {
				everything = append(everything, allOfPref(p)...)
				publish(natPref["v:"+prefs[p]], allOfPref(p)...)
			}
			publish(natPref[""], everything...)
			for v := range vals {
				publish(natDim["v:"+vals[v]], allOfValue(v, all)...)
			}
			// Rows: the breakdown by dim under each prefecture and region.
			rows := map[string]map[string]reporting.Cell{}
			for p, code := range prefs {
				r := breakdown(filter("prefecture", code), dim)
				rows[code] = r
				publish(r[""], allOfPref(p)...)
				for v := range vals {
					publish(r["v:"+vals[v]], unknown(p, v))
				}
			}
			for _, region := range placeRegions {
				ps := prefIdx(regions[region])
				r := breakdown(filter("region", region), dim)
				rows[region] = r
				var total []int
				for _, p := range ps {
					total = append(total, allOfPref(p)...)
				}
				publish(r[""], total...)
				for v := range vals {
					publish(r["v:"+vals[v]], allOfValue(v, ps)...)
				}
				// The region's prefectures, as the region filter lists them.
				sub := breakdown(filter("region", region), "prefecture")
				publish(sub[""], total...)
				for _, p := range ps {
					publish(sub["v:"+prefs[p]], allOfPref(p)...)
				}
			}
			// Columns: the breakdown by prefecture under each value.
			cols := map[string]map[string]reporting.Cell{}
			for v, val := range vals {
				c := breakdown(filter(dim, val), "prefecture")
				cols[val] = c
				publish(c[""], allOfValue(v, all)...)
				for p := range prefs {
					publish(c["v:"+prefs[p]], unknown(p, v))
				}
			}
			// The two-filter answers: the same cells as the row, the
			// column and the lines, and equations of their own.
			same := func(what string, a, b reporting.Cell) {
				t.Helper()
				if a.Hidden != b.Hidden || (!a.Hidden && a.N != b.N) {
					t.Fatalf("%s: two-filter answer %s, one-filter view %s", what, a.Text(10), b.Text(10))
				}
			}
			for _, place := range append(slices.Clone(prefs), placeRegions...) {
				placeDim, ps := "prefecture", prefIdx([]string{place})
				if slices.Contains(placeRegions, place) {
					placeDim, ps = "region", prefIdx(regions[place])
				}
				for v, val := range vals {
					f := filter(placeDim, place, dim, val)
					if f.Dim != placeDim || f.Dim2 != dim {
						t.Fatalf("filter %+v", f)
					}
					tw, err := s.TwoWay(ctx, f, regions)
					if err != nil {
						t.Fatal(err)
					}
					same(place+"×"+val, tw.Cell, rows[place]["v:"+val])
					if placeDim == "prefecture" {
						same(place+"×"+val+" (column)", tw.Cell, cols[val]["v:"+place])
					}
					same(place+" total", tw.PlaceTotal, rows[place][""])
					same(val+" total", tw.ValueTotal, natDim["v:"+val])
					publish(tw.Cell, allOfValue(v, ps)...)
					// The dashboard under two filters shows exactly those.
					d, err := s.Dashboard(ctx, reporting.DashboardQuery{Filter: f, Regions: regions})
					if err != nil {
						t.Fatal(err)
					}
					if d.Funnel != nil || d.Courses != nil || d.Month != nil || d.Week != nil || len(d.Breakdowns) != 2 {
						t.Fatalf("two-filter dashboard shows more than its cross-tabulation: %+v", d)
					}
					same(place+"×"+val+" (dashboard)", d.TwoWay.Cell, tw.Cell)
				}
			}
			// Every hidden count: no combination of the shown ones gives it.
			hiddenSomewhere := 0
			for p, code := range prefs {
				for v, val := range vals {
					if rows[code]["v:"+val].Hidden != cols[val]["v:"+code].Hidden {
						t.Fatalf("%s×%s hidden in one orientation and not the other", code, val)
					}
					if !rows[code]["v:"+val].Hidden {
						continue
					}
					hiddenSomewhere++
					if inSpan(eqs, unit(n, unknown(p, v))) {
						t.Errorf("%s×%s (%s) is hidden but follows from the shown figures", code, val, rows[code]["v:"+val].Text(10))
					}
				}
				if natPref["v:"+code].Hidden && inSpan(eqs, indicator(n, allOfPref(p))) {
					t.Errorf("prefecture %s's total is hidden but follows from the shown figures", code)
				}
			}
			for v, val := range vals {
				if natDim["v:"+val].Hidden && inSpan(eqs, indicator(n, allOfValue(v, all))) {
					t.Errorf("%s's total is hidden but follows from the shown figures", val)
				}
			}
			if hiddenSomewhere < 2 {
				t.Fatalf("the data hide only %d cells: the test proves nothing", hiddenSomewhere)
			}
		})
	}
}

func unit(n, i int) []float64 {
	v := make([]float64, n)
	v[i] = 1
	return v
}

func indicator(n int, idx []int) []float64 {
	v := make([]float64, n)
	for _, i := range idx {
		v[i] = 1
	}
	return v
}

// inSpan reports whether target is a linear combination of eqs (so its
// value follows from theirs), by comparing ranks.
func inSpan(eqs [][]float64, target []float64) bool {
	return rank(eqs) == rank(append(slices.Clone(eqs), target))
}

func rank(rows [][]float64) int {
	m := make([][]float64, len(rows))
	for i := range rows {
		m[i] = slices.Clone(rows[i])
	}
	r := 0
	for c := 0; len(m) > 0 && c < len(m[0]) && r < len(m); c++ {
		best := r
		for i := r; i < len(m); i++ {
			if math.Abs(m[i][c]) > math.Abs(m[best][c]) {
				best = i
			}
		}
		if math.Abs(m[best][c]) < 1e-9 {
			continue
		}
		m[r], m[best] = m[best], m[r]
		for i := range m {
			if i != r && math.Abs(m[i][c]) > 1e-12 {
				f := m[i][c] / m[r][c]
				for j := c; j < len(m[i]); j++ {
					m[i][j] -= f * m[r][j]
				}
			}
		}
		r++
	}
	return r
}

func TestParseFilterPairsAndPeriods(t *testing.T) {
	db := dbtest.New(t)
	db.Gorm.Exec(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('pp', 'x', 'x', 1000, '2026-01-01', '2030-12-31', true, '{ai_data}')`)
	s := reporting.NewService(db.Gorm, 10)
	parse := func(q string) (reporting.Filter, error) {
		v, _ := url.ParseQuery(q)
		return s.ParseFilter(context.Background(), v, nil)
	}
	for _, q := range []string{"prefecture=27&industry=E", "place=prefecture:27&by=industry:E", "region=Kinki&by=provider:p1", "by=segment:other&prefecture=13"} {
		if f, err := parse(q); err != nil || !f.TwoFilters() || !slices.Contains(reporting.PlaceDims, f.Dim) {
			t.Errorf("%s: %+v %v", q, f, err)
		}
	}
	for _, q := range []string{"prefecture=27&region=Kinki", "industry=E&segment=other", "prefecture=27&industry=E&segment=other", "place=industry:E", "by=prefecture:27", "place=prefecture:27&prefecture=13"} {
		if _, err := parse(q); err == nil {
			t.Errorf("%s accepted", q)
		}
	}
	f, err := parse("term=fy2026q4")
	if err != nil || f.From.Format("2006-01-02") != "2027-01-01" || f.To.Format("2006-01-02") != "2027-03-31" {
		t.Fatalf("fy2026q4: %v – %v %v", f.From, f.To, err)
	}
	f, err = parse("term=fy2026&from=2020-01")
	if err != nil || f.From.Format("2006-01-02") != "2026-04-01" || f.To.Format("2006-01-02") != "2027-03-31" {
		t.Fatalf("fy2026: %v – %v %v", f.From, f.To, err)
	}
	for _, p := range []string{"fy2026q5", "2026q1", "fy2026q1x"} {
		if _, err := parse("term=" + p); err == nil {
			t.Errorf("period %s accepted", p)
		}
	}
	quarters, years := reporting.Periods(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	if len(years) != 2 || years[0].Value != "fy2026" || quarters[0].Value != "fy2026q3" || quarters[len(quarters)-1].Value != "fy2025q4" {
		t.Fatalf("periods %v %v", quarters, years)
	}
}
