package reporting_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"takumi/internal/catalog"
	"takumi/internal/dbtest"
	"takumi/internal/reporting"
)

// TestProviderChoicesFollowTheCatalogueSignal: while the catalogue change
// signal listens, a provider created (or renamed) is a filter choice at
// the next view, without a learner-statistics refresh; while it does not,
// the choices are kept until that refresh, as before the signal.
func TestProviderChoicesFollowTheCatalogueSignal(t *testing.T) {
	db := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mustExec(t, db, `INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('ai-ready', 'AI人材', 'AI-ready', 1000000, '2026-01-01', '2030-12-31', true, '{ai_data}')`)
	mustExec(t, db, `INSERT INTO organisations (name_ja, kind) VALUES ('既存機関', 'provider')`)
	if err := reporting.RefreshLearnerStats(ctx, db.Gorm); err != nil {
		t.Fatal(err)
	}
	if err := reporting.RefreshCourseStats(ctx, db.Gorm); err != nil {
		t.Fatal(err)
	}

	// The signal as the catalogue's listener keeps it: a LISTEN on its
	// channel, a generation raised by every notification (migration
	// 00057's triggers send one at each committed write of organisations).
	conn, err := pgx.Connect(ctx, dbtest.URL(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+catalog.ChangeChannel); err != nil {
		t.Fatal(err)
	}
	var gen atomic.Uint64
	var up atomic.Bool
	up.Store(true)
	go func() {
		for {
			if _, err := conn.WaitForNotification(ctx); err != nil {
				return
			}
			gen.Add(1)
		}
	}()
	svc := reporting.NewService(db.Gorm, 10)
	svc.UseCatalogueSignal(func() (uint64, bool) { return gen.Load(), up.Load() })

	providers := func() []string {
		t.Helper()
		st, err := svc.DashboardState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Cacheable() {
			t.Fatal("state not cacheable after both refreshes")
		}
		refs, err := svc.References(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range refs.Choices.Providers {
			names = append(names, p.NameJa)
		}
		return names
	}
	// write changes organisations and waits for its notification (the
	// catalogue's listener gets it the same way, a moment after commit).
	write := func(q string, args ...any) {
		t.Helper()
		g := gen.Load()
		mustExec(t, db, q, args...)
		for deadline := time.Now().Add(5 * time.Second); gen.Load() == g; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no catalogue notification within 5 s of the write")
			}
		}
	}

	if got := providers(); !slices.Equal(got, []string{"既存機関"}) {
		t.Fatalf("choices %v", got)
	}
	providers() // kept
	write(`INSERT INTO organisations (name_ja, kind) VALUES ('新設機関', 'provider')`)
	if got := providers(); !slices.Contains(got, "新設機関") {
		t.Fatalf("a provider created is not a choice at the next view: %v", got)
	}
	write(`UPDATE organisations SET name_ja = '改称機関' WHERE name_ja = '新設機関'`)
	if got := providers(); !slices.Contains(got, "改称機関") || slices.Contains(got, "新設機関") {
		t.Fatalf("a provider renamed is not renamed at the next view: %v", got)
	}

	// The listener down: kept until the learner-statistics refresh.
	up.Store(false)
	before := providers()
	write(`INSERT INTO organisations (name_ja, kind) VALUES ('停止中機関', 'provider')`)
	if got := providers(); !slices.Equal(got, before) {
		t.Fatalf("listener down: choices %v changed before the learner-statistics refresh (were %v)", got, before)
	}
	time.Sleep(10 * time.Millisecond) // learners_refreshed_at moves
	if err := reporting.RefreshLearnerStats(ctx, db.Gorm); err != nil {
		t.Fatal(err)
	}
	if got := providers(); !slices.Contains(got, "停止中機関") {
		t.Fatalf("listener down: a provider created is not a choice after the learner-statistics refresh: %v", got)
	}
}
