package reporting_test

import (
	"context"
	"net/url"
	"testing"

	"takumi/internal/dbtest"
	"takumi/internal/reporting"
)

// TestBreakdownCrossTabResistsDifferencing: an attacker reads the breakdown
// by industry under every prefecture filter, and the unfiltered breakdown
// by industry. Adding up the filtered rows against the national line must
// never give back a hidden cell: in every industry column, the hidden cells
// across the prefectures are none or at least two.
func TestBreakdownCrossTabResistsDifferencing(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var programme string
	db.Gorm.Raw(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('xt', 'x', 'x', 1000, '2026-01-01', '2030-12-31', true, '{ai_data}') RETURNING id`).Row().Scan(&programme)
	// prefecture × industry counts, one month.
	cells := map[[2]string]int{
		{"13", "E"}: 3, {"13", "G"}: 40, {"13", "I"}: 25,
		{"27", "E"}: 30, {"27", "G"}: 12, {"27", "I"}: 50,
		{"23", "E"}: 20, {"23", "G"}: 33, {"23", "I"}: 45,
	}
	add := func(d1, v1, d2, v2 string, n int) {
		if err := db.Gorm.Exec(`INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners) VALUES (?, ?, ?, '2026-05-01', ?, ?, ?)
			ON CONFLICT (programme_id, d1, d2, month, v1, v2) DO UPDATE SET learners = progress_monthly.learners + EXCLUDED.learners`,
			programme, d1, d2, v1, v2, n).Error; err != nil {
			t.Fatal(err)
		}
	}
	for k, n := range cells {
		add("industry", k[1], "prefecture", k[0], n)
		add("industry", k[1], "", "", n)
		add("prefecture", k[0], "", "", n)
	}
	s := reporting.NewService(db.Gorm, 10)
	hiddenByIndustry := map[string]int{}
	for _, pref := range []string{"13", "27", "23"} {
		f, err := s.ParseFilter(ctx, url.Values{"from": {"2026-01"}, "to": {"2026-12"}, "prefecture": {pref}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Breakdown(ctx, f, "industry", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range b.Rows {
			if r.Cell.Hidden {
				hiddenByIndustry[r.Value]++
			}
			if r.Cell.Hidden && r.Cell.Value() != nil {
				t.Fatal("hidden cell carries its value")
			}
		}
		if pref == "13" {
			if len(b.Rows) != 3 || !b.Rows[0].Cell.Hidden || b.Total.Text(10) != "68" {
				t.Fatalf("Tokyo: %+v total %s", b.Rows, b.Total.Text(10))
			}
		}
	}
	for ind, n := range hiddenByIndustry {
		if n == 1 {
			t.Fatalf("industry %s has exactly one hidden cell across prefectures: recoverable from the national line", ind)
		}
	}
	if hiddenByIndustry["E"] < 2 {
		t.Fatalf("the small Tokyo×E cell is not protected across prefectures: %v", hiddenByIndustry)
	}
}
