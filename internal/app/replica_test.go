package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
)

// TestReplicaPages: with a real streaming replica attached, the pages issue
// 13 names (catalogue search, /progress and its open data, public
// credential pages) read from the standby, and a page that is not one of
// them does not.
func TestReplicaPages(t *testing.T) {
	pair := dbtest.NewPair(t)
	ctx := context.Background()
	url, err := database.WithDatabase(pair.PrimaryURL, "takumi")
	if err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	standbyURL, _ := database.WithDatabase(pair.StandbyURL, "takumi")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.AttachReplica(ctx, standbyURL, database.DefaultReplicaMaxLag, logger); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !db.ReplicaState().Healthy {
		if time.Now().After(deadline) {
			t.Fatalf("replica not healthy: %+v", db.ReplicaState())
		}
		time.Sleep(100 * time.Millisecond)
		db.CheckReplica(ctx)
	}
	cfg := config.Config{Env: config.EnvDevelopment, BaseURL: "http://127.0.0.1", DataDir: t.TempDir(),
		LoginMaxFailures: 5, LoginLockDuration: time.Minute, LoginIPLimit: 50, LoginIPWindow: time.Minute, DisclosureK: 10}
	a, err := app.New(cfg, db, logger)
	if err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	// A platform admin's session (admins may open /ministry), made with the
	// app's own session manager.
	adminID := fixtures.MustCreateUser(t, db, fixtures.User{Email: "admin@example.jp", NoPassword: true, PlatformAdmin: true,
		TOTPSecret: "JBSWY3DPEHPK3PXP"})
	sctx, err := a.Sessions.Load(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	a.Sessions.Put(sctx, "user_id", adminID)
	a.Sessions.Put(sctx, "session_version", 1)
	token, _, err := a.Sessions.Commit(sctx)
	if err != nil {
		t.Fatal(err)
	}
	metrics := a.Server.MetricsHandler()
	re := regexp.MustCompile(`(?m)^takumi_replica_reads_total\{target="replica"\} (\d+)`)
	replicaReads := func() int {
		rec := httptest.NewRecorder()
		metrics.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		m := re.FindStringSubmatch(rec.Body.String())
		if m == nil {
			t.Fatalf("no takumi_replica_reads_total in the metrics")
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	for _, c := range []struct {
		path    string
		replica bool
	}{
		{"/courses?q=go", true},
		{"/progress", true},
		{"/progress/data.json", true},
		{"/credentials/0b4f3f1e-5d7c-4a6e-9d38-9f1f3c1a2b3c", true},
		{"/credentials/status/0b4f3f1e-5d7c-4a6e-9d38-9f1f3c1a2b3c", true},
		{"/ministry", true},
		{"/login", false},
		{"/learn", false}, // the learner's own page: the primary
	} {
		before := replicaReads()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, c.path, nil)
		req.AddCookie(&http.Cookie{Name: a.Sessions.Cookie.Name, Value: token})
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 || (c.path == "/ministry" || c.path == "/learn") && rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", c.path, rec.Code, rec.Body.String())
		}
		if got := replicaReads() > before; got != c.replica {
			t.Errorf("%s (status %d): read from the replica %v, want %v", c.path, rec.Code, got, c.replica)
		}
	}
}
