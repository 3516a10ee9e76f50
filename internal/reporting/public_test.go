package reporting_test

import (
	"context"
	"testing"

	"takumi/internal/dbtest"
	"takumi/internal/reporting"
)

// TestPublicCountsTheFirstMonthOfAMidMonthProgramme: a programme that
// starts on the 15th counts learners from that day; its published
// breakdowns (read from the monthly rollup) must include that first month,
// so that they add up to the headline.
func TestPublicCountsTheFirstMonthOfAMidMonthProgramme(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var id string
	if err := db.Gorm.Raw(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('mid-month', '月途中開始', 'Starts mid-month', 1000, '2026-04-15', '2027-03-31', true, '{cybersecurity}') RETURNING id`).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	// 30 learners on 20 April (the first month), 25 on 3 June, all in Tokyo.
	for _, r := range []struct {
		day, month string
		n          int
	}{{"2026-04-20", "2026-04-01", 30}, {"2026-06-03", "2026-06-01", 25}} {
		for _, k := range [][4]string{{"", "", "", ""}, {"prefecture", "", "13", ""}} {
			mustExec(t, db, `INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, k[0], k[1], r.day, k[2], k[3], r.n)
			mustExec(t, db, `INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, k[0], k[1], r.month, k[2], k[3], r.n)
		}
	}
	figs, err := reporting.NewService(db.Gorm, 10).Public(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := figs.Progress.Learners; got != 55 {
		t.Fatalf("headline %d, want 55", got)
	}
	b := figs.Breakdown("prefecture")
	if b == nil || b.Withheld {
		t.Fatalf("prefecture breakdown missing or withheld: %+v", b)
	}
	for _, r := range b.Rows {
		if r.Code == "13" && r.Cell.N != 55 {
			t.Fatalf("Tokyo counts %d in the published breakdown, want 55 (the first month left out?)", r.Cell.N)
		}
	}
}
