package learning

import (
	_ "embed"

	"gorm.io/gorm"

	"takumi/internal/database"
)

// The roster as it was read before its read model (migration 00048), from
// every row of the tables, for TestRosterReadModelMatchesFullQuery.
var (
	//go:embed sql/roster_rows_full.sql
	rosterRowsFullSQL string
	//go:embed sql/roster_pending.sql
	rosterPendingFullSQL string
	//go:embed sql/roster_courses_full.sql
	rosterCoursesFullSQL string
)

// rosterAllFullSQL is every roster row before migration 00048: the
// registered people's rows, narrowed to those who have not started for
// RosterNotStarted, then the invited people's.
var rosterAllFullSQL = `SELECT reg.*, NULL::uuid AS invitation_id, NULL::timestamptz AS invited_at
FROM (` + rosterRowsFullSQL + `) reg
WHERE CAST(@registered AS boolean)
  AND (NOT CAST(@not_started AS boolean)
       OR (reg.status IN ('active', 'waitlisted') AND reg.last_activity_at IS NULL AND COALESCE(reg.progress_percent, 0) = 0))
UNION ALL
` + rosterPendingFullSQL

// rosterFullArgs are the named arguments of the full query for f.
func rosterFullArgs(orgID string, f RosterFilter) map[string]any {
	search := ""
	if f.Search != "" {
		search = "%" + database.EscapeLike(f.Search) + "%"
	}
	status, registered, notStarted, pending := f.Status, true, false, !f.FlaggedOnly
	switch f.Status {
	case RosterInvited:
		status, registered = "", false
	case RosterNotStarted:
		status, notStarted = "", true
	case "":
	default:
		pending = false
	}
	return map[string]any{
		"org": orgID, "course": f.CourseID, "status": status, "search": search, "flagged": f.FlaggedOnly,
		"fast_share": RosterFastShare, "machine_seconds": RosterMachineSeconds,
		"registered": registered, "not_started": notStarted, "pending": pending,
	}
}

// RosterQuerySet is what the roster reads for one filter: every row (in
// order, with flags), the counts and the course list, with their arguments.
type RosterQuerySet struct {
	Rows, Count, Courses string
	Args                 map[string]any
}

// RosterReadModelQueries are the queries Roster and ExportRoster run now.
func RosterReadModelQueries(orgID string, f RosterFilter) RosterQuerySet {
	f = f.Clean()
	return RosterQuerySet{Rows: rosterExportQuery(f), Count: rosterCountQuery(f), Courses: rosterCoursesSQL, Args: rosterArgs(orgID, f)}
}

// RosterFullQueries are the queries the roster ran before migration 00048.
func RosterFullQueries(orgID string, f RosterFilter) RosterQuerySet {
	f = f.Clean()
	rows := "SELECT r.*, COALESCE(ma.attempts, 0) AS machine_attempts, ma.seconds AS fastest_seconds, ma.questions AS fastest_questions FROM (" +
		rosterAllFullSQL + ") r LEFT JOIN LATERAL (" + rosterMachineSQL + ") ma ON true" + rosterOrderBy(f, false)
	count := "SELECT count(*) AS total_rows, count(DISTINCT r.user_id) + count(DISTINCT r.email) FILTER (WHERE r.user_id IS NULL) AS people FROM (" + rosterAllFullSQL + ") r"
	return RosterQuerySet{Rows: rows, Count: count, Courses: rosterCoursesFullSQL, Args: rosterFullArgs(orgID, f)}
}

// RosterKeysetPage is one keyset page of size rows of organisation orgID's
// roster for f (After or Before set from an earlier page's cursors), with
// the cursors of the pages on either side, as Roster reads it: reading
// every match and sorting it when sorted, else walking the sort's index
// (a search: checked on each row, not through the trigram indexes).
func RosterKeysetPage(tx *gorm.DB, orgID string, f RosterFilter, size int, sorted bool) (rows []RosterRow, prev, next string, err error) {
	shape := rosterWalk
	if sorted {
		shape = rosterSorted
	}
	rows, _, prev, next, err = rosterPage(tx, orgID, f.Clean(), size, shape)
	return rows, prev, next, err
}

// RosterFilterScanRows is f with n in place of rosterSearchScanRows: -1
// reads a search's trigram candidates in any organisation, a large n the
// organisation's rows.
func RosterFilterScanRows(f RosterFilter, n int) RosterFilter {
	f.scanRows = n
	return f
}
