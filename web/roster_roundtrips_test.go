package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestRosterAnalyticsRoundTrips keeps the number of SQL statements the org
// admin's roster and the instructor's course analytics send per request,
// once warm (course content in memory): issue 20 and docs/performance.md
// ("Roster and analytics CPU per request"). As TestLearnerPageRoundTrips,
// the session read, the sign-in check, BEGIN and COMMIT count. A change
// that adds one must raise the number here on purpose.
func TestRosterAnalyticsRoundTrips(t *testing.T) {
	ta, counter := startCountedApp(t)
	w := rosterSetup(t, ta)
	admin := ta.signedIn(t, w.adminA, rosterSecret)
	instructor := ta.signedIn(t, w.instructor, "")
	roster := "/org/" + w.orgA + "/roster"
	pages := []struct {
		name string
		b    *browser
		path string
		max  int
	}{
		{"Roster", admin, roster, 5},
		// A filter: no transaction (the page's statement has the plan of
		// its shape, docs/performance.md "Roster: one statement per filter
		// shape"); a search: its count in the head, in a transaction with
		// jit off and generic plans (BEGIN, settings, head, page, audit, COMMIT), its plans
		// cached ("Roster search: cached plans, no per-request planning").
		{"RosterFiltered", admin, roster + "?course=" + w.course1 + "&status=completed", 4},
		{"RosterSearch", admin, roster + "?q=" + url.QueryEscape("アリス"), 7},
		{"Analytics", instructor, "/studio/courses/" + w.course1 + "/analytics", 9},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			if r := p.b.get(p.path); r.StatusCode != http.StatusOK { // warm: caches filled
				t.Fatalf("GET %s: %d", p.path, r.StatusCode)
			}
			counter.take()
			if r := p.b.get(p.path); r.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", p.path, r.StatusCode)
			}
			stmts := counter.take()
			for i, s := range stmts {
				t.Logf("%d: %.160s", i+1, s)
			}
			if len(stmts) > p.max {
				t.Errorf("GET %s sent %d statements, at most %d expected", p.path, len(stmts), p.max)
			}
		})
	}
}
