package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// TestCatalogueSearchMissRoundTrips: a catalogue search no request has
// made since the last catalogue change (here a new page number each time,
// past the end: the last page is shown) reads only the session, once the
// search index of the catalogue's generation is loaded
// (internal/catalog/searchindex.go). It was three statements (session,
// counts, page) before the index.
func TestCatalogueSearchMissRoundTrips(t *testing.T) {
	ta, counter := startCountedApp(t)
	playerPublish(t, ta, "miss-trips", "現場の安全入門", 0, true)
	b, _ := ta.signedInLearner(t, "miss-trips@example.jp")
	path := func(page int) string {
		return "/courses?q=" + url.QueryEscape("現場") + "&page=" + strconv.Itoa(page)
	}
	var stmts []string
	// A notification of the set-up's catalogue writes that arrives after
	// the warming request drops the index it loaded: warm again.
	for i := range 5 {
		if r := b.get(path(100 + 2*i)); r.StatusCode != http.StatusOK { // warm: the index loaded
			t.Fatalf("GET: %d", r.StatusCode)
		}
		counter.take()
		if r := b.get(path(101 + 2*i)); r.StatusCode != http.StatusOK { // a search not kept
			t.Fatalf("GET: %d", r.StatusCode)
		}
		if stmts = counter.take(); len(stmts) <= 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i, s := range stmts {
		t.Logf("%d: %.140s", i+1, s)
	}
	if len(stmts) > 1 {
		t.Errorf("a search not kept sent %d statements, at most 1 expected", len(stmts))
	}
}
