package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
)

// statementCounter records the SQL statements sent for requests that
// carry its mark in their context (so River's polling and other
// background work are not counted).
type statementCounter struct {
	mu    sync.Mutex
	stmts []string
}

type countMark struct{}

// TraceQueryStart implements pgx.QueryTracer.
func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	// The session store reads without the request's context: its one
	// statement is recognised by its text.
	if ctx.Value(countMark{}) != nil || strings.Contains(d.SQL, "FROM sessions WHERE token") {
		c.mu.Lock()
		c.stmts = append(c.stmts, strings.Join(strings.Fields(d.SQL), " "))
		c.mu.Unlock()
	}
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *statementCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.stmts
	c.stmts = nil
	return out
}

// startCountedApp is startApp (without the job workers) on a database whose
// every statement sent for an HTTP request is recorded by the counter.
func startCountedApp(t *testing.T) (*testApp, *statementCounter) {
	t.Helper()
	counter := &statementCounter{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db, err := database.OpenTraced(ctx, dbtest.URL(t, dbtest.New(t)), counter)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Env = config.EnvDevelopment
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.DataDir = t.TempDir()
	cfg.SMTPHost = ""
	a, err := app.New(cfg, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), countMark{}, true)))
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &testApp{URL: srv.URL, DB: db, App: a, Cfg: cfg}, counter
}

// TestLearnerPageRoundTrips keeps the number of SQL statements — round
// trips to PostgreSQL, each a socket write and read on both sides — that a
// signed-in learner's page sends, once warm (content and catalogue
// reference data in memory): issue 20 and docs/performance.md ("Fewer round
// trips per learner page"). The session read and the sign-in check count;
// BEGIN and COMMIT count. A change that adds one must raise the number here
// on purpose.
func TestLearnerPageRoundTrips(t *testing.T) {
	ta, counter := startCountedApp(t)
	pc := playerPublish(t, ta, "round-trips", "現場の安全入門", 0, true)
	b, _ := ta.signedInLearner(t, "round-trips@example.jp")
	enrolment, _ := playerEnrol(t, ta, b, pc)
	pages := []struct {
		name string
		path string
		max  int
	}{
		{"CoursePage", pc.Path, 4},
		{"Player", "/learn/" + enrolment + "/lessons/" + pc.Lessons[0], 4},
		{"QuizIntro", "/learn/" + enrolment + "/quiz/" + pc.Lessons[3], 4},
		{"MyLearning", "/learn", 3},
		{"CatalogueSearch", "/courses?q=" + url.QueryEscape("現場"), 7},
		{"CatalogueFiltered", "/courses?q=" + url.QueryEscape("現場") + "&skill=digital_literacy&sort=title", 7},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			if r := b.get(p.path); r.StatusCode != http.StatusOK { // warm: caches filled
				t.Fatalf("GET %s: %d", p.path, r.StatusCode)
			}
			counter.take()
			if r := b.get(p.path); r.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", p.path, r.StatusCode)
			}
			stmts := counter.take()
			for i, s := range stmts {
				t.Logf("%d: %.140s", i+1, s)
			}
			if len(stmts) > p.max {
				t.Errorf("GET %s sent %d statements, at most %d expected", p.path, len(stmts), p.max)
			}
		})
	}
}
