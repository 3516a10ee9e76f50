package audit_test

import (
	"context"
	"sync"
	"testing"

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

	t.Run("OK", func(t *testing.T) {
		res, err := audit.Verify(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 20 || res.BadID != 0 {
			t.Fatalf("concurrent writers broke the chain: %+v", res)
		}
	})
	t.Run("ErrUpdateRefused", func(t *testing.T) {
		if err := g.Exec("UPDATE audit_events SET action = 'forged' WHERE id = 3").Error; err == nil {
			t.Fatal("the database allowed an UPDATE of an audit row")
		}
		if err := g.Exec("DELETE FROM audit_events WHERE id = 3").Error; err == nil {
			t.Fatal("the database allowed a DELETE of an audit row")
		}
		if err := g.Exec("TRUNCATE audit_events").Error; err == nil {
			t.Fatal("the database allowed TRUNCATE of the audit log")
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
	})
}
