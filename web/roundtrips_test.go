package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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
	// The session store reads with the request's context (it carries
	// the mark); statements without it are recognised by their text.
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

// startCountedApp is startApp on a database whose every statement sent
// for an HTTP request is recorded by the counter (the job workers' own
// statements carry no request's mark and are not counted).
func startCountedApp(t *testing.T) (*testApp, *statementCounter) {
	t.Helper()
	counter := &statementCounter{}
	db, err := database.OpenTraced(context.Background(), dbtest.URL(t, dbtest.New(t)), counter)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	mark := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), countMark{}, true)))
		})
	}
	return startAppWrapped(t, db, mark), counter
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
		// The session and the sign-in check are one statement since
		// migration 00056 (internal/app/sessionstore.go); the catalogue
		// search needs no transaction (no SET LOCAL random_page_cost).
		// The course page's listing and the catalogue search's counts
		// and page come from memory while the catalogue change listener
		// listens (internal/catalog/signal.go): the course page reads the
		// session and the learner's enrolment, the search the session.
		{"CoursePage", pc.Path, 2},
		// The player: the session, then the enrolment read and the visit
		// in one statement once the enrolment's course and revision are
		// remembered (internal/learning/visit.go; the warm-up request
		// remembers them).
		{"Player", "/learn/" + enrolment + "/lessons/" + pc.Lessons[0], 2},
		{"QuizIntro", "/learn/" + enrolment + "/quiz/" + pc.Lessons[3], 3},
		{"MyLearning", "/learn", 2},
		{"CatalogueSearch", "/courses?q=" + url.QueryEscape("現場"), 1},
		{"CatalogueFiltered", "/courses?q=" + url.QueryEscape("現場") + "&skill=digital_literacy&sort=title", 1},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			// A notification of the set-up's catalogue writes that
			// arrives after the warming request empties the memory it
			// filled: warm again (a few times at most).
			var stmts []string
			for range 5 {
				if r := b.get(p.path); r.StatusCode != http.StatusOK { // warm: caches filled
					t.Fatalf("GET %s: %d", p.path, r.StatusCode)
				}
				counter.take()
				if r := b.get(p.path); r.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d", p.path, r.StatusCode)
				}
				if stmts = counter.take(); len(stmts) <= p.max {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			for i, s := range stmts {
				t.Logf("%d: %.140s", i+1, s)
			}
			if len(stmts) > p.max {
				t.Errorf("GET %s sent %d statements, at most %d expected", p.path, len(stmts), p.max)
			}
		})
	}
}
