package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
)

// TestReadyReadOnlyDatabase: with the database read-only (as after a
// failover to a standby not yet promoted) reads work, /readyz says 503, and a
// sign-in, which writes, answers 503 with the outage page, never 500.
func TestReadyReadOnlyDatabase(t *testing.T) {
	direct := dbtest.New(t)
	name := direct.Pool.Config().ConnConfig.Database
	setReadOnly := func(on bool) {
		t.Helper()
		v := "off"
		if on {
			v = "on"
		}
		if err := direct.Gorm.Exec("ALTER DATABASE " + pgx.Identifier{name}.Sanitize() +
			" SET default_transaction_read_only = " + v).Error; err != nil {
			t.Fatal(err)
		}
	}
	// A pool opened after the change: every connection is read-only.
	openNew := func() *database.DB {
		t.Helper()
		db, err := database.Open(context.Background(), dbtest.URL(t, direct))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		return db
	}
	writable := startAppOn(t, direct)
	fixtures.MustCreateUser(t, writable.DB, fixtures.User{Email: "readonly@example.jp"})

	setReadOnly(true)
	t.Cleanup(func() { setReadOnly(false) })
	ro := startHandlerOn(t, openNew())
	b := ro.newBrowser(t)
	t.Run("Readyz503", func(t *testing.T) {
		r := b.get("/readyz")
		if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "read-only") {
			t.Fatalf("readyz on a read-only database: %d %q, want 503", r.StatusCode, r.Body)
		}
		if r := b.get("/healthz"); r.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %d", r.StatusCode)
		}
	})
	t.Run("ReadsWork", func(t *testing.T) {
		if r := b.get("/login"); r.StatusCode != http.StatusOK {
			t.Fatalf("sign-in page on a read-only database: %d", r.StatusCode)
		}
	})
	t.Run("WriteIs503", func(t *testing.T) {
		r := b.post("/login", "/login", url.Values{"email": {"readonly@example.jp"}, "password": {fixtures.Password}})
		if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "一時的に利用できません") {
			t.Fatalf("sign-in on a read-only database: %d %.300s, want 503 and the outage page", r.StatusCode, r.Body)
		}
	})

	setReadOnly(false)
	rw := startAppOn(t, openNew())
	if r := rw.newBrowser(t).get("/readyz"); r.StatusCode != http.StatusOK {
		t.Fatalf("readyz once writable again: %d", r.StatusCode)
	}
}

// startHandlerOn serves the app on db without starting the job workers
// (River's start writes, which a read-only database refuses).
func startHandlerOn(t *testing.T, db *database.DB) *testApp {
	t.Helper()
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Env = config.EnvDevelopment
	cfg.DataDir = t.TempDir()
	cfg.SMTPHost = ""
	a, err := app.New(cfg, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &testApp{URL: srv.URL, DB: db, App: a, Cfg: cfg}
}
