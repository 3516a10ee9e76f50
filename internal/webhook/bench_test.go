package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"gorm.io/gorm"

	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/webhook"
)

// BenchmarkWebhookDispatch measures deliveries per second from queued
// events to a local receiver through River with the real worker (signing,
// HTTP POST, recording) with TAKUMI_WEBHOOK_BENCH_WORKERS River workers
// (default 10, as the app): TAKUMI_WEBHOOK_BENCH_N events (default 2,000) are
// queued in one transaction, then the clock runs until the last is recorded
// as delivered. docs/api.md records the figure.
//
//	go test -run xxx -bench WebhookDispatch -benchtime 1x ./internal/webhook/
func BenchmarkWebhookDispatch(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("TAKUMI_WEBHOOK_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	// The app's default queue has 10 workers (internal/app).
	workersN := 10
	if v, err := strconv.Atoi(os.Getenv("TAKUMI_WEBHOOK_BENCH_WORKERS")); err == nil && v > 0 {
		workersN = v
	}
	db := dbtest.New(b)
	ctx := context.Background()
	orgID := fixtures.MustCreateOrg(b, db, fixtures.Org{NameJa: "配信計測", Kind: "employer"})
	admin := fixtures.MustCreateUser(b, db, fixtures.User{Email: "bench-hook@example.jp", NoPassword: true})
	fixtures.MustCreateMembership(b, db, orgID, admin, "admin", false)
	var got atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	inserter, err := db.JobInserter(nil)
	if err != nil {
		b.Fatal(err)
	}
	svc := webhook.NewService(db.Gorm, inserter, false)
	if _, _, err := svc.CreateEndpoint(ctx, webhook.Actor{UserID: admin}, orgID, recv.URL, []string{webhook.EventCourseCompleted}); err != nil {
		b.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, webhook.NewWorker(svc))
	client, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workersN}},
		Workers: workers, FetchCooldown: 10 * time.Millisecond,
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got.Store(0)
		if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
			for i := range n {
				if err := svc.Emit(ctx, tx, orgID, webhook.EventCourseCompleted, map[string]any{"n": i}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := client.Start(ctx); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Minute)
		var delivered int64
		for time.Now().Before(deadline) {
			db.Gorm.Raw(`SELECT count(*) FROM webhook_deliveries WHERE delivered_at IS NOT NULL`).Scan(&delivered)
			if delivered >= int64(n) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		elapsed := time.Since(start)
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = client.Stop(sctx)
		cancel()
		if delivered < int64(n) {
			b.Fatalf("%d of %d delivered in %v", delivered, n, elapsed)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "deliveries/s")
		b.Logf("%d deliveries in %v (receiver saw %d)", n, elapsed.Round(time.Millisecond), got.Load())
	}
}
