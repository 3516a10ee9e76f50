package progress_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"takumi/internal/jst"
	"takumi/internal/learning"
	"takumi/internal/progress"
)

// TestEngineScormEventsAreActivityOnly: SCORM learning events (issue 16)
// move a learner's last activity but count toward no metric, in both
// engine modes, and reconcile (which recomputes from the log) agrees.
func TestEngineScormEventsAreActivityOnly(t *testing.T) {
	engineModes(t, func(t *testing.T, newEngine engineMode) {
		w := newWorld(t, 2)
		ctx := context.Background()
		g := w.db.Gorm
		at := time.Date(2026, 6, 1, 10, 0, 0, 0, jst.Location)
		last := at.Add(50 * time.Hour)
		if err := g.Transaction(func(tx *gorm.DB) error {
			if err := appendEvent(ctx, tx, learning.EventEnrolled, w.learners[0], w.courses[0], at, ""); err != nil {
				return err
			}
			for i, typ := range []string{learning.EventScormLaunched, learning.EventScormStatusChanged, learning.EventScormScored,
				learning.EventScormLaunched, learning.EventScormStatusChanged} {
				if err := appendEvent(ctx, tx, typ, w.learners[0], w.courses[0], at.Add(time.Duration(i+1)*10*time.Hour), ""); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := newEngine(g, 2).CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		var counts []struct {
			Metric string
			N      int64
		}
		if err := g.Raw(`SELECT metric, sum(n) AS n FROM activity_rollup WHERE d1 = '' AND d2 = '' GROUP BY metric ORDER BY metric`).Scan(&counts).Error; err != nil {
			t.Fatal(err)
		}
		if len(counts) != 2 || counts[0].Metric != "enrolments" || counts[0].N != 1 || counts[1].Metric != "learners_enrolled" || counts[1].N != 1 {
			t.Fatalf("activity counts %+v, want only 1 enrolment and 1 learner enrolled", counts)
		}
		var lastActive time.Time
		if err := g.Raw(`SELECT last_active_at FROM learner_activity WHERE user_id = ?`, w.learners[0]).Row().Scan(&lastActive); err != nil {
			t.Fatal(err)
		}
		if !lastActive.Equal(last) {
			t.Fatalf("last active %s, want the last SCORM event's %s", lastActive, last)
		}
		res, err := progress.Reconcile(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Differences) != 0 {
			t.Fatalf("reconcile: %v", res.Differences)
		}
	})
}
