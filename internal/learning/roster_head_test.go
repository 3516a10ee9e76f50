package learning

import (
	"strings"
	"testing"
)

// TestRosterUnfilteredText: the unfiltered pages' statement is
// roster_rows.sql cut before its first filter — the organisation's rows
// and no filter parameter — so its cached generic plan is the sort's index
// walk (docs/performance.md, "Roster and analytics CPU per request"); a
// filtered page keeps every filter (and is planned for its values).
func TestRosterUnfilteredText(t *testing.T) {
	if !strings.HasSuffix(rosterOrgRowsSQL, "WHERE r.org_id = @org\n") {
		t.Fatalf("rosterOrgRowsSQL does not end at the organisation's condition:\n%s", rosterOrgRowsSQL)
	}
	q := rosterPageQuery(RosterFilter{}.Clean(), true, false, RosterPageSize+1)
	for _, p := range []string{"@course", "@status", "@not_started", "@search", "@flagged"} {
		if strings.Contains(q, p) {
			t.Errorf("the unfiltered page's statement uses %s", p)
		}
	}
	for _, f := range []RosterFilter{{CourseID: "00000000-0000-0000-0000-000000000001"}, {Status: StatusActive}, {FlaggedOnly: true}, {Search: "abc"}} {
		q := rosterPageQuery(f.Clean(), false, false, RosterPageSize+1)
		for _, p := range []string{"@course", "@status", "@not_started", "@search", "@flagged"} {
			if !strings.Contains(q, p) {
				t.Errorf("filter %+v: the page's statement lacks %s", f, p)
			}
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
