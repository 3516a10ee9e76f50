package progress_test

import (
	"context"
	"testing"

	"takumi/internal/progress"
)

// TestEngineOrdersByTransactionIDNotText: the engine must read events in
// (xact_id, id) order as numbers. Ordered by their text ("10" < "9"), a
// batch would take a later transaction's events first, move the cursor
// past an earlier one and never apply it (and catch-up would sort the whole
// remaining log for every batch).
func TestEngineOrdersByTransactionIDNotText(t *testing.T) {
	w := newWorld(t, 2)
	ctx := context.Background()
	g := w.db.Gorm
	// Two committed transactions whose ids have different numbers of digits
	// (explicit ids, below every running transaction's).
	for _, x := range []struct{ xact, user string }{{"9", w.learners[0]}, {"10", w.learners[1]}} {
		if err := g.Exec(`INSERT INTO learning_events (occurred_at, xact_id, event_type, user_id, course_id, provider_id, skill_area)
			SELECT '2026-06-01 10:00+09', ?::xid8, 'enrolled', ?, c.id, c.provider_id, c.skill_area_code FROM courses c WHERE c.id = ?`,
			x.xact, x.user, w.courses[0]).Error; err != nil {
			t.Fatal(err)
		}
	}
	en := progress.NewEngine(g, 1)
	if _, err := en.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	var applied int64
	g.Raw(`SELECT applied FROM progress_engine_state`).Scan(&applied)
	if applied != 2 {
		t.Fatalf("engine applied %d of 2 events (read in text order of xact_id?)", applied)
	}
	res, err := progress.Reconcile(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Differences) != 0 {
		t.Fatalf("reconcile: %v", res.Differences)
	}
}
