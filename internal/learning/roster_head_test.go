package learning

import (
	"strings"
	"testing"
)

// TestRosterUnfilteredText: each page's statement has the parameters of
// the filters it uses and no other (rosterRows), so that its cached
// generic plan is the plan of its shape (docs/performance.md, "Roster: one
// statement per filter shape"); the unfiltered pages' statement is the
// organisation's rows only, and only the sorted shape of a search asks the
// trigram indexes for its key, as a subquery.
func TestRosterUnfilteredText(t *testing.T) {
	params := []string{"@course", "@status", "@search", "@search_key"}
	for _, c := range []struct {
		f     RosterFilter
		shape rosterShape
		want  []string
	}{
		{RosterFilter{}, rosterWalk, nil},
		{RosterFilter{Sort: RosterSortLastActivity, Desc: true}, rosterWalk, nil},
		{RosterFilter{CourseID: "00000000-0000-0000-0000-000000000001"}, rosterWalk, []string{"@course"}},
		{RosterFilter{CourseID: "00000000-0000-0000-0000-000000000001", Status: StatusCompleted}, rosterSorted, []string{"@course", "@status"}},
		{RosterFilter{Status: RosterNotStarted, FlaggedOnly: true}, rosterSorted, nil},
		{RosterFilter{Search: "abc"}, rosterSorted, []string{"@search", "@search_key"}},
		{RosterFilter{Search: "abc"}, rosterWalk, []string{"@search"}},
	} {
		for _, cursor := range []bool{false, true} {
			q := rosterPageQuery(c.f.Clean(), cursor, false, RosterPageSize+1, c.shape)
			for _, p := range params {
				// "@search" is also the start of "@search_key".
				has := strings.Contains(strings.ReplaceAll(q, "@search_key", "@key"), p)
				if p == "@search_key" {
					has = strings.Contains(q, p)
				}
				if want := contains(c.want, p); has != want {
					t.Errorf("filter %+v, shape %d, cursor %v: has %s = %v, want %v\n%s", c.f, c.shape, cursor, p, has, want, q)
				}
			}
			if sorted := strings.Contains(q, "\n  OFFSET 0) r"); sorted != (c.shape == rosterSorted) {
				t.Errorf("filter %+v, shape %d: reads every match first = %v", c.f, c.shape, sorted)
			}
		}
	}
	if q := rosterPageQuery(RosterFilter{Search: "abc"}.Clean(), false, false, 51, rosterSorted); !strings.Contains(q, "ILIKE (SELECT CAST(@search_key AS text))") {
		t.Errorf("the sorted search does not ask the trigram indexes for its key as a subquery:\n%s", q)
	}
	// A word of two characters asks the pair index; alone, its rows are
	// the matches (no pattern checked on each), with another word not.
	for _, c := range []struct {
		search        string
		pair, pattern bool
	}{{"山田", true, false}, {"山田 x", true, true}, {"受講者 山田", false, true}} {
		q := rosterPageQuery(RosterFilter{Search: c.search}.Clean(), false, false, 51, rosterSorted)
		if strings.Contains(q, "@search_word") != c.pair || strings.Contains(q, "ILIKE (SELECT CAST(@search AS text))") != c.pattern {
			t.Errorf("search %q, sorted: want pair index %v, pattern checked %v:\n%s", c.search, c.pair, c.pattern, q)
		}
	}
}

// TestRosterShapeFor: the shape follows the count.
func TestRosterShapeFor(t *testing.T) {
	course := RosterFilter{CourseID: "00000000-0000-0000-0000-000000000001"}
	for _, c := range []struct {
		f                 RosterFilter
		matching, orgRows int
		capped            bool
		want              rosterShape
	}{
		{RosterFilter{}, 200000, 200000, false, rosterWalk},
		{course, 33334, 200014, false, rosterWalk},
		{course, 3000, 200014, false, rosterSorted},
		{course, 3300, 200014, false, rosterWalk},
		{course, 1, 200014, false, rosterSorted},
		{RosterFilter{FlaggedOnly: true}, 500, 200014, false, rosterSorted},
		{RosterFilter{Search: "xyz"}, 1000, 200014, false, rosterSorted},
		{RosterFilter{Search: "xyz"}, 1001, 200014, true, rosterWalk},
		{RosterFilter{Search: "xyz"}, 10, 2000, false, rosterWalk},   // a small organisation: its rows
		{RosterFilter{Search: "xyz"}, 10, 2001, false, rosterSorted}, // a larger one: the trigram candidates
		{RosterFilter{Search: "受講者 山田"}, 10, 200014, false, rosterSorted},
		{RosterFilter{Search: "山田"}, 10, 200014, false, rosterSorted}, // a pair: migration 00060's index
		{RosterFilter{Search: "山田"}, 10, 2000, false, rosterWalk},     // a small organisation: its rows
		{RosterFilter{Search: "x y"}, 10, 200014, false, rosterWalk},  // one character: no index
	} {
		if got := rosterShapeFor(c.f, c.matching, c.orgRows, c.capped); got != c.want {
			t.Errorf("%+v: %d of %d rows (capped %v): shape %d, want %d", c.f, c.matching, c.orgRows, c.capped, got, c.want)
		}
	}
}

// TestSQLCode: comments go, quoted text and the code's lines stay.
func TestSQLCode(t *testing.T) {
	in := "-- a comment\nSELECT 'a -- b' AS x, -- trailing\n  y ESCAPE '\\' -- after a quote\n\n  AND z -- end"
	want := "SELECT 'a -- b' AS x,\n  y ESCAPE '\\'\n  AND z\n"
	if got := sqlCode(in); got != want {
		t.Errorf("sqlCode = %q, want %q", got, want)
	}
}
