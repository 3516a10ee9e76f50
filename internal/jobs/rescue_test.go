package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"takumi/internal/dbtest"
	"takumi/internal/jobs"
)

// TestRescue: which running jobs Rescue puts back in the queue, and how.
func TestRescue(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	live := &jobs.Recovery{Pool: db.Pool, ClientID: "live_instance", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Timeouts: jobs.Timeouts{"send_email": 30 * time.Second, "bulk_enrol": 30 * time.Minute}}
	if err := live.Beat(ctx); err != nil {
		t.Fatal(err)
	}
	insert := func(kind, by string, age time.Duration, attempt, maxAttempts int) int64 {
		t.Helper()
		var id int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO river_job (kind, args, queue, max_attempts, priority, state, attempt, attempted_at, attempted_by, scheduled_at)
			VALUES ($1, '{}', 'default', $2, 1, 'running', $3, now() - make_interval(secs => $4), ARRAY[$5], now()) RETURNING id`,
			kind, maxAttempts, attempt, age.Seconds(), by).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	deadJob := insert("bulk_enrol", "dead_instance", time.Minute, 1, 3)
	deadLastAttempt := insert("send_email", "dead_instance", time.Minute, 8, 8)
	justTaken := insert("bulk_enrol", "dead_instance", 5*time.Second, 1, 3) // too young to judge
	liveWorking := insert("bulk_enrol", "live_instance", 10*time.Minute, 1, 3)
	liveWithinGrace := insert("send_email", "live_instance", 45*time.Second, 1, 8)
	livePastTimeout := insert("send_email", "live_instance", 2*time.Minute, 1, 8)

	rescued, err := live.Rescue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]jobs.Rescued{}
	for _, r := range rescued {
		got[r.ID] = r
	}
	want := map[int64]jobs.Rescued{
		deadJob:         {ID: deadJob, Kind: "bulk_enrol", State: "retryable", Reason: "instance_gone"},
		deadLastAttempt: {ID: deadLastAttempt, Kind: "send_email", State: "discarded", Reason: "instance_gone"},
		livePastTimeout: {ID: livePastTimeout, Kind: "send_email", State: "retryable", Reason: "timeout"},
	}
	if len(got) != len(want) {
		t.Errorf("rescued %v, want %v", rescued, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("job %d: %+v, want %+v", id, got[id], w)
		}
	}
	for _, id := range []int64{justTaken, liveWorking, liveWithinGrace} {
		var state string
		db.Pool.QueryRow(ctx, `SELECT state::text FROM river_job WHERE id = $1`, id).Scan(&state)
		if state != "running" {
			t.Errorf("job %d was rescued (%s)", id, state)
		}
	}
	var errs int
	var finalized bool
	db.Pool.QueryRow(ctx, `SELECT cardinality(errors), finalized_at IS NOT NULL FROM river_job WHERE id = $1`, deadLastAttempt).Scan(&errs, &finalized)
	if errs != 1 || !finalized {
		t.Errorf("discarded job: %d errors, finalized %v", errs, finalized)
	}
	if again, _ := live.Rescue(ctx); len(again) != 0 {
		t.Errorf("a second rescue found %v", again)
	}
}
