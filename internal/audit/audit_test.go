package audit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"takumi/internal/audit"
	"takumi/internal/dbtest"
)

func TestAuditChain(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	g := db.Gorm

	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := audit.RecordNow(ctx, g, audit.Entry{Action: "test.event", TargetID: "x", Details: map[string]any{"i": i}}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()

	t.Run("UnsealedIsNotTampered", func(t *testing.T) {
		res, err := audit.Check(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		if res.Unsealed != 20 || res.Checked != 0 || res.BadID != 0 {
			t.Fatalf("20 freshly recorded rows: %+v, want 20 unsealed and nothing broken", res)
		}
	})
	t.Run("OK", func(t *testing.T) {
		res, err := audit.Verify(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 20 || res.Unsealed != 0 || res.BadID != 0 {
			t.Fatalf("concurrent writers broke the chain: %+v", res)
		}
	})
	t.Run("SealWaitsForSmallerIDs", func(t *testing.T) {
		// A transaction holds id 21 while id 22 commits: sealing 22 first
		// would leave 21 out of the chain for good.
		open := g.Begin()
		if err := audit.Record(ctx, open, audit.Entry{Action: "test.slow"}); err != nil {
			t.Fatal(err)
		}
		if err := audit.RecordNow(ctx, g, audit.Entry{Action: "test.fast"}); err != nil {
			t.Fatal(err)
		}
		sealed := make(chan int, 1)
		go func() {
			n, err := audit.Seal(ctx, g)
			if err != nil {
				t.Error(err)
			}
			sealed <- n
		}()
		time.Sleep(300 * time.Millisecond)
		select {
		case n := <-sealed:
			t.Fatalf("Seal sealed %d rows while an earlier id was uncommitted", n)
		default:
		}
		if err := open.Commit().Error; err != nil {
			t.Fatal(err)
		}
		if n := <-sealed; n != 2 {
			t.Fatalf("sealed %d rows, want 2", n)
		}
		res, err := audit.Check(ctx, g)
		if err != nil || res.Checked != 22 || res.Unsealed != 0 || res.BadID != 0 {
			t.Fatalf("after sealing: %+v %v", res, err)
		}
	})
	t.Run("ErrUpdateRefused", func(t *testing.T) {
		refused := func(what, sql string) {
			t.Helper()
			if err := g.Exec(sql).Error; err == nil {
				t.Fatalf("the database allowed %s", what)
			}
		}
		refused("an UPDATE of an audit row", "UPDATE audit_events SET action = 'forged' WHERE id = 3")
		refused("re-sealing a sealed row", "UPDATE audit_events SET hash = sha256('x'), prev_hash = sha256('y') WHERE id = 3")
		refused("removing a seal", "UPDATE audit_events SET hash = NULL, prev_hash = NULL WHERE id = 3")
		refused("a DELETE of an audit row", "DELETE FROM audit_events WHERE id = 3")
		refused("TRUNCATE of the audit log", "TRUNCATE audit_events")
		if err := audit.RecordNow(ctx, g, audit.Entry{Action: "test.unsealed"}); err != nil {
			t.Fatal(err)
		}
		refused("sealing a row while changing it",
			"UPDATE audit_events SET details = '{\"i\":1}', hash = sha256('x'), prev_hash = sha256('y') WHERE hash IS NULL")
		refused("half a seal", "UPDATE audit_events SET hash = sha256('x') WHERE hash IS NULL")
		if _, err := audit.Seal(ctx, g); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("TamperingDetected", func(t *testing.T) {
		// A superuser can still bypass triggers; the chain must show it.
		if err := g.Exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete").Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Exec("UPDATE audit_events SET details = '{\"i\":999}' WHERE id = 7").Error; err != nil {
			t.Fatal(err)
		}
		res, err := audit.Verify(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		if res.BadID != 7 {
			t.Fatalf("altered row 7 not detected: %+v", res)
		}
		if err := g.Exec("DELETE FROM audit_events WHERE id = 7").Error; err != nil {
			t.Fatal(err)
		}
		res, _ = audit.Verify(ctx, g)
		if res.BadID != 8 {
			t.Fatalf("removed row 7 not detected at row 8: %+v", res)
		}
		// Removing the seals of a row in the middle does not pass it off
		// as a recent, unsealed entry.
		if err := g.Exec("UPDATE audit_events SET hash = NULL, prev_hash = NULL WHERE id IN (9, 10)").Error; err != nil {
			t.Fatal(err)
		}
		res, _ = audit.Check(ctx, g)
		if res.BadID != 8 {
			t.Fatalf("still broken at row 8 first: %+v", res)
		}
		if err := g.Exec("DELETE FROM audit_events WHERE id <= 8").Error; err != nil {
			t.Fatal(err)
		}
		res, _ = audit.Check(ctx, g)
		if res.BadID != 11 || res.Unsealed != 2 {
			t.Fatalf("unsealed rows 9, 10 followed by sealed row 11 not detected: %+v", res)
		}
	})
}
