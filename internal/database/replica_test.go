package database_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"takumi/internal/database"
	"takumi/internal/dbtest"
)

// syncBuffer is a log destination the monitor's goroutine may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// inRecovery asks, through the reader, whether the server answering is a
// standby: true means the read was served by the replica.
func inRecovery(t *testing.T, db *database.DB) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r bool
	if err := db.Reader(ctx).Raw(`SELECT pg_is_in_recovery()`).Scan(&r).Error; err != nil {
		t.Fatalf("read through the reader: %v", err)
	}
	return r
}

// TestReplicaRouting runs against a real streaming replica: reads through
// db.Reader are served by the standby; they go to the primary, with a log
// line and a metric, when replay is paused for longer than the maximum lag,
// and when the standby stops; and they come back when it recovers. It logs
// the fallback times (docs/deployment.md quotes them).
func TestReplicaRouting(t *testing.T) {
	pair := dbtest.NewPair(t)
	ctx := context.Background()
	db, err := database.Open(ctx, pair.PrimaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Gorm.Exec(`CREATE TABLE replica_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`).Error; err != nil {
		t.Fatal(err)
	}
	// Without a replica the reader is the primary.
	if inRecovery(t, db) {
		t.Fatal("without a replica, the reader reached a standby")
	}
	if st := db.ReplicaState(); st.Configured {
		t.Fatalf("no replica attached, state %+v", st)
	}

	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	maxLag := database.DefaultReplicaMaxLag
	if err := db.AttachReplica(ctx, pair.StandbyURL, maxLag, logger); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(database.ReplicaCollector(db))

	dbtest.Eventually(t, 10*time.Second, "replica healthy", func() bool { return db.ReplicaState().Healthy })
	if !inRecovery(t, db) {
		t.Fatal("the reader did not reach the standby")
	}
	// The primary (db.Gorm) stays the primary.
	var primaryRecovery bool
	if err := db.Gorm.Raw(`SELECT pg_is_in_recovery()`).Scan(&primaryRecovery).Error; err != nil || primaryRecovery {
		t.Fatalf("db.Gorm: in recovery %v, %v", primaryRecovery, err)
	}
	// A write on the primary reaches the reader through streaming.
	if err := db.Gorm.Exec(`INSERT INTO replica_probe DEFAULT VALUES`).Error; err != nil {
		t.Fatal(err)
	}
	dbtest.Eventually(t, 10*time.Second, "write replicated", func() bool {
		var n int64
		db.Reader(ctx).Raw(`SELECT count(*) FROM replica_probe`).Scan(&n)
		return n == 1
	})
	// A transaction through the reader runs wholly on the standby, and a
	// write there is refused as read-only (the reader is for reads).
	err = db.Reader(ctx).Exec(`INSERT INTO replica_probe DEFAULT VALUES`).Error
	if !database.IsReadOnly(err) {
		t.Fatalf("a write through the reader: %v, want read-only", err)
	}

	// Lag: replay paused while the primary keeps writing.
	t.Run("lag", func(t *testing.T) {
		stopWrites := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := time.NewTicker(200 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-stopWrites:
					return
				case <-tk.C:
					db.Gorm.Exec(`INSERT INTO replica_probe DEFAULT VALUES`)
				}
			}
		}()
		defer func() { close(stopWrites); wg.Wait() }()
		pair.PauseReplay()
		took := dbtest.Eventually(t, maxLag+5*time.Second, "fall back on lag", func() bool { return !inRecovery(t, db) })
		st := db.ReplicaState()
		if st.Healthy || st.Reason != database.ReasonLag || st.Lag <= maxLag {
			t.Fatalf("state after pausing replay: %+v", st)
		}
		t.Logf("FIGURE replica lag fallback: reads on the primary %s after replay paused (max lag %s, check every %s)",
			took.Round(10*time.Millisecond), maxLag, database.ReplicaCheckInterval)
		if took > maxLag+2*database.ReplicaCheckInterval+time.Second {
			t.Errorf("fallback on lag took %s, want at most max lag + two checks", took)
		}
		pair.ResumeReplay()
		back := dbtest.Eventually(t, 15*time.Second, "back on the standby", func() bool { return inRecovery(t, db) })
		t.Logf("FIGURE replica lag recovery: reads on the standby %s after replay resumed", back.Round(10*time.Millisecond))
	})

	// Down: the standby stops as if it crashed.
	t.Run("down", func(t *testing.T) {
		pair.StopStandby()
		stopped := time.Now()
		// The very first read after the crash already succeeds, on the primary.
		if inRecovery(t, db) {
			t.Fatal("a read after the standby stopped reached a standby")
		}
		first := time.Since(stopped)
		took := dbtest.Eventually(t, 5*time.Second, "state down", func() bool {
			st := db.ReplicaState()
			return !st.Healthy && st.Reason == database.ReasonDown
		})
		t.Logf("FIGURE replica down fallback: first read after the crash answered by the primary in %s; state down after %s",
			first.Round(time.Millisecond), (first + took).Round(10*time.Millisecond))
		// While it is down, reads keep working, each without waiting for it.
		for i := 0; i < 5; i++ {
			start := time.Now()
			if inRecovery(t, db) {
				t.Fatal("read reached a standby that is down")
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("read while the standby is down took %s", d)
			}
		}
		pair.StartStandby()
		back := dbtest.Eventually(t, 30*time.Second, "back after restart", func() bool { return inRecovery(t, db) })
		t.Logf("FIGURE replica restart: reads on the standby %s after it started", back.Round(10*time.Millisecond))
	})

	// Each fallback was logged and counted.
	out := logs.String()
	for _, want := range []string{"reason=lag", "reason=down", "reads go to the primary", "reads go to the standby again"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	got := gather(t, reg)
	for _, want := range []string{`takumi_replica_fallbacks_total{reason="down"}=1`, `takumi_replica_fallbacks_total{reason="lag"}=1`,
		`takumi_replica_fallbacks_total{reason="not_standby"}=0`, `takumi_replica_healthy=1`} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("metrics lack %s:\n%s", want, got)
		}
	}
}

// gather renders reg's metrics one a line, name{label="value"}=value.
func gather(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			b.WriteString(mf.GetName())
			if len(m.Label) > 0 {
				b.WriteString("{")
				for i, l := range m.Label {
					if i > 0 {
						b.WriteString(",")
					}
					fmt.Fprintf(&b, "%s=%q", l.GetName(), l.GetValue())
				}
				b.WriteString("}")
			}
			v := m.GetCounter().GetValue()
			if m.Gauge != nil {
				v = m.GetGauge().GetValue()
			}
			fmt.Fprintf(&b, "=%v\n", v)
		}
	}
	return b.String()
}

// TestReplicaNotStandby: a replica URL that reaches a primary (not in
// recovery) is not used.
func TestReplicaNotStandby(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	if err := db.AttachReplica(ctx, dbtest.URL(t, db), time.Second, slog.New(slog.NewTextHandler(&syncBuffer{}, nil))); err != nil {
		t.Fatal(err)
	}
	if st := db.ReplicaState(); st.Healthy || st.Reason != database.ReasonNotStandby {
		t.Fatalf("state %+v, want not_standby", st)
	}
}
