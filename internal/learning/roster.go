package learning

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
)

// Roster paging and the integrity-flag thresholds shown in its legend.
// The roster's read model (migration 00048: roster_fast, roster_machine)
// has the two thresholds written in SQL: change them there too
// (TestRosterReadModelMatchesFullQuery compares with these constants).
const (
	// RosterPageSize is how many rows (person × enrolment) a roster page shows.
	RosterPageSize = 50
	// RosterFastShare flags a completion faster than this share of the
	// course's estimated hours.
	RosterFastShare = 0.10
	// RosterMachineSeconds flags a quiz attempt submitted in less than this
	// many seconds per question.
	RosterMachineSeconds = 2.0
	// rosterSearchMax bounds the name/e-mail search (runes).
	rosterSearchMax = 100
)

// Roster sort keys, in the order the sort menu offers them.
const (
	RosterSortName         = "name"
	RosterSortLastActivity = "last_activity"
	RosterSortProgress     = "progress"
	RosterSortCompletedAt  = "completed_at"
)

// RosterSorts are the sort keys the roster accepts.
var RosterSorts = []string{RosterSortName, RosterSortLastActivity, RosterSortProgress, RosterSortCompletedAt}

// Roster statuses beyond an enrolment's own. RosterInvited is the status
// of a person the organisation enrolled in bulk who has no account yet (a
// pending enrolment and an invitation); RosterNotStarted filters for the
// enrolled who have not begun: an active or waitlisted enrolment with no
// activity and no progress, and every invited person.
const (
	RosterInvited    = "invited"
	RosterNotStarted = "not_started"
)

// RosterStatuses are the statuses the roster can filter by.
var RosterStatuses = []string{RosterNotStarted, RosterInvited, StatusActive, StatusWaitlisted, StatusCompleted, StatusWithdrawn}

// rosterOrder maps each sort key to its ORDER BY expression.
// SECURITY: GORM does not escape ORDER BY text; only these constant
// strings ever reach the query, never a request value.
var rosterOrder = map[string]string{
	RosterSortName:         "r.display_name",
	RosterSortLastActivity: "r.last_activity_at",
	RosterSortProgress:     "r.progress_percent",
	RosterSortCompletedAt:  "r.completed_at",
}

//go:embed sql/roster_rows.sql
var rosterRowsSQL string

//go:embed sql/roster_courses.sql
var rosterCoursesSQL string

//go:embed sql/roster_machine.sql
var rosterMachineSQL string

//go:embed sql/roster_page.sql
var rosterPageSQL string

// RosterViewer is the organisation admin looking at the roster.
type RosterViewer struct {
	UserID string
	IP     string
}

// RosterFilter is what the roster shows: filters, sort and page. Values
// outside their allowlists are dropped by Clean, never refused.
type RosterFilter struct {
	CourseID    string // a course uuid, or "" for all
	Status      string // one of RosterStatuses, or ""
	FlaggedOnly bool
	Search      string // part of a name or e-mail address
	Sort        string // one of RosterSorts ("" = name)
	Desc        bool
	Page        int // from 1
}

// Clean returns f with every unknown or malformed value replaced by its
// default: the roster ignores bad filters rather than failing.
func (f RosterFilter) Clean() RosterFilter {
	if f.CourseID != "" && !validID(f.CourseID) {
		f.CourseID = ""
	}
	if !rosterContains(RosterStatuses, f.Status) {
		f.Status = ""
	}
	f.Search = strings.TrimSpace(f.Search)
	if utf8.RuneCountInString(f.Search) > rosterSearchMax {
		f.Search = string([]rune(f.Search)[:rosterSearchMax])
	}
	if _, ok := rosterOrder[f.Sort]; !ok {
		f.Sort, f.Desc = RosterSortName, false
	}
	if f.Page < 1 {
		f.Page = 1
	}
	return f
}

// auditDetails is the filter as recorded in the audit log.
func (f RosterFilter) auditDetails() map[string]any {
	return map[string]any{"course": f.CourseID, "status": f.Status, "flagged": f.FlaggedOnly,
		"search": f.Search, "sort": f.Sort, "desc": f.Desc, "page": f.Page}
}

// RosterRow is one person and one of their enrolments (the enrolment
// fields are nil for a person without any) with its integrity flags.
type RosterRow struct {
	UserID      string
	DisplayName string
	Email       string
	IsMember    bool // a member of the organisation (else only enrolled by it)
	// AwaitingConsent: the person has not granted (or withdrew) consent to
	// the organisation seeing their progress; every progress field is nil.
	AwaitingConsent bool
	EnrolmentID     *string
	CourseID        *string
	TitleJa         *string
	TitleEn         *string
	Status          *string
	ProgressPercent *int
	EnrolledAt      *time.Time
	CompletedAt     *time.Time
	LastActivityAt  *time.Time
	// EstimatedHours is the course's estimate; CompletionSeconds the time
	// from enrolment to completion.
	EstimatedHours    *float64
	CompletionSeconds *float64
	// FastCompletion: completed in less than RosterFastShare of the
	// estimated hours.
	FastCompletion bool
	// MachineAttempts counts quiz attempts faster than RosterMachineSeconds
	// per question; FastestSeconds and FastestQuestions describe the
	// quickest of them.
	MachineAttempts  int
	FastestSeconds   *float64
	FastestQuestions *int
	// InvitationID is the open invitation of an invited person (Status
	// RosterInvited; nil once it was revoked); InvitedAt when they were
	// invited.
	InvitationID *string
	InvitedAt    *time.Time
}

// IsInvited reports whether the row is a person enrolled in bulk who has
// no account yet: a course, no enrolment, no progress.
func (r RosterRow) IsInvited() bool { return r.Status != nil && *r.Status == RosterInvited }

// HasEnrolment reports whether the row carries an enrolment (an invited
// person's row carries a course but no enrolment).
func (r RosterRow) HasEnrolment() bool { return r.EnrolmentID != nil }

// Flagged reports whether the row has any integrity flag.
func (r RosterRow) Flagged() bool { return r.FastCompletion || r.MachineAttempts > 0 }

// CourseTitle is the course's title in lang (Japanese when no English).
func (r RosterRow) CourseTitle(lang string) string {
	return rosterPick(lang, r.TitleJa, r.TitleEn)
}

// RosterCourse is a course the roster can be filtered by.
type RosterCourse struct {
	ID      string
	Code    string
	TitleJa *string
	TitleEn *string
}

// Title is the course's title in lang (Japanese when no English).
func (c RosterCourse) Title(lang string) string {
	t := rosterPick(lang, c.TitleJa, c.TitleEn)
	if t == "" {
		return c.Code
	}
	return t
}

// RosterView is one page of an organisation's roster.
type RosterView struct {
	OrgID       string
	OrgNameJa   string
	OrgNameEn   string
	Filter      RosterFilter // as applied (cleaned, page clamped)
	Rows        []RosterRow
	TotalRows   int
	TotalPeople int
	Pages       int
	Courses     []RosterCourse
}

type rosterOrgRow struct {
	ID     string
	NameJa string
	NameEn string
}

// rosterOrg returns the organisation if userID is one of its admins.
// SECURITY: an admin of another organisation, or anyone else, gets
// not_found — the same answer as for an organisation that does not exist.
func rosterOrg(ctx context.Context, db *gorm.DB, userID, orgID string) (*rosterOrgRow, error) {
	if !validID(orgID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var o rosterOrgRow
	err := db.WithContext(ctx).Raw(`SELECT o.id, o.name_ja, o.name_en FROM organisations o
		JOIN memberships m ON m.org_id = o.id AND m.user_id = ? AND m.role = 'admin'
		WHERE o.id = ?`, userID, orgID).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &o, nil
}

// rosterArgs are the named arguments of roster_rows.sql for f.
func rosterArgs(orgID string, f RosterFilter) map[string]any {
	search := ""
	if f.Search != "" {
		search = "%" + rosterEscapeLike(f.Search) + "%"
	}
	// status is an enrolment status or "invited" (the status of every
	// invited person's row); "not started" is a condition, not a status.
	status, notStarted := f.Status, false
	if f.Status == RosterNotStarted {
		status, notStarted = "", true
	}
	return map[string]any{
		"org": orgID, "course": f.CourseID, "status": status, "not_started": notStarted,
		"search": search, "flagged": f.FlaggedOnly, "machine_seconds": RosterMachineSeconds,
	}
}

// rosterEscapeLike escapes ILIKE's wildcards so a search for "50%" or
// "a_b" matches those characters literally (ESCAPE '\' in the query).
func rosterEscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// rosterOrderBy is the ORDER BY clause for f (from the allowlist only),
// with a stable tie-break so pages never overlap. Each sort key and
// direction has its index on roster_entries (migration 00048) in exactly
// this order.
func rosterOrderBy(f RosterFilter) string {
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	return " ORDER BY " + rosterOrder[f.Sort] + dir + " NULLS LAST, r.display_name, r.email, r.user_id, r.enrolled_at, r.enrolment_id, r.course_id"
}

// rosterUnfiltered reports whether f shows every row (any sort and page):
// its counts are kept in roster_counts.
func rosterUnfiltered(f RosterFilter) bool {
	return f.CourseID == "" && f.Status == "" && !f.FlaggedOnly && f.Search == ""
}

// rosterCountQuery counts the rows and people matching f (an invited
// person, who has no user id, counts once by address): read from
// roster_counts for the unfiltered view, else counted on roster_entries
// through the filter's index (a cost that grows with the matching rows).
func rosterCountQuery(f RosterFilter) string {
	if rosterUnfiltered(f) {
		return `SELECT COALESCE(max(c.rows), 0) AS total_rows, COALESCE(max(c.people), 0) AS people
FROM roster_counts c WHERE c.org_id = @org`
	}
	return "SELECT count(*) AS total_rows, count(DISTINCT r.user_id) + count(DISTINCT r.email) FILTER (WHERE r.user_id IS NULL) AS people FROM (" + rosterRowsSQL + ") r"
}

// rosterPageQuery is page f.Page of the rows matching f, in f's order:
// the page's rows are read in index order (LIMIT … OFFSET on
// roster_entries), and only then joined to their courses, invitations and
// machine-speed attempts.
func rosterPageQuery(f RosterFilter) string {
	return rosterWithDetails(rosterRowsSQL+rosterOrderBy(f)+
		" LIMIT "+strconv.Itoa(RosterPageSize)+" OFFSET "+strconv.Itoa((f.Page-1)*RosterPageSize), f)
}

// rosterExportQuery is every row matching f, in f's order, with flags.
func rosterExportQuery(f RosterFilter) string {
	return rosterWithDetails(rosterRowsSQL+rosterOrderBy(f), f)
}

// rosterWithDetails adds roster_page.sql's columns to rows, in f's order.
func rosterWithDetails(rows string, f RosterFilter) string {
	return fmt.Sprintf(rosterPageSQL, rows, rosterMachineSQL) + rosterOrderBy(f)
}

// namedQuery is one query a page runs, for the benchmarks' EXPLAIN output.
type namedQuery struct {
	name, sql string
	args      map[string]any
}

// rosterQueries are the queries Roster runs for f (already cleaned).
func rosterQueries(orgID string, f RosterFilter) []namedQuery {
	args := rosterArgs(orgID, f)
	return []namedQuery{
		{"courses", rosterCoursesSQL, map[string]any{"org": orgID}},
		{"count", rosterCountQuery(f), args},
		{"page", rosterPageQuery(f), args},
	}
}

// RebuildRoster recomputes every organisation's roster read model
// (roster_entries, roster_counts) from the tables it is kept from, with
// them locked against writes (a repair: the triggers of migration 00048
// keep it in normal running).
func (s *Service) RebuildRoster(ctx context.Context) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`LOCK TABLE memberships, enrolments, users, progress_consents, pending_enrolments, quiz_attempts, courses IN SHARE MODE`).Error; err != nil {
			return err
		}
		return tx.Exec(`SELECT roster_rebuild()`).Error
	})
}

// Roster returns one page of organisation orgID's roster — its members,
// the people it enrolled and those it enrolled in bulk who have no account
// yet (status RosterInvited, with the invitation), with their enrolments, progress, completion, last
// activity and integrity flags — to an admin of that organisation, and
// records the view with its filters in the audit log ("org.roster_viewed"):
// every view of named people is audited. Bad filter values are ignored.
// Errors: not_found (no such organisation, or the viewer is not its admin).
func (s *Service) Roster(ctx context.Context, v RosterViewer, orgID string, f RosterFilter) (*RosterView, error) {
	f = f.Clean()
	var out RosterView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := rosterOrg(ctx, tx, v.UserID, orgID)
		if err != nil {
			return err
		}
		out.OrgID, out.OrgNameJa, out.OrgNameEn = o.ID, o.NameJa, o.NameEn
		// The roster's queries are a few milliseconds of index work, but a
		// filtered count over a large organisation can look costly enough
		// for JIT compilation, which costs ~1 s per query.
		if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
			return err
		}
		args := rosterArgs(o.ID, f)
		if err := tx.Raw(rosterCoursesSQL, map[string]any{"org": o.ID}).Scan(&out.Courses).Error; err != nil {
			return err
		}
		var totals struct{ TotalRows, People int }
		if err := tx.Raw(rosterCountQuery(f), args).Scan(&totals).Error; err != nil {
			return err
		}
		out.TotalRows, out.TotalPeople = totals.TotalRows, totals.People
		out.Pages = (totals.TotalRows + RosterPageSize - 1) / RosterPageSize
		if out.Pages > 0 && f.Page > out.Pages {
			f.Page = out.Pages
		}
		out.Filter = f
		if err := tx.Raw(rosterPageQuery(f), args).Scan(&out.Rows).Error; err != nil {
			return err
		}
		details := f.auditDetails()
		details["rows"] = len(out.Rows)
		return audit.Record(ctx, tx, audit.Entry{ActorID: v.UserID, Action: "org.roster_viewed",
			TargetType: "organisation", TargetID: o.ID, OrgID: o.ID, IP: v.IP, Details: details})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return &out, nil
}

// ExportRoster streams every row of organisation orgID's roster matching
// f (all pages, in f's order) to each, for an admin of that organisation.
// The export is recorded in the audit log ("org.roster_exported", with the
// filters) before the first row leaves, so even an interrupted download is
// on record. Errors: not_found (as Roster), or each's error.
func (s *Service) ExportRoster(ctx context.Context, v RosterViewer, orgID string, f RosterFilter, each func(RosterRow) error) error {
	f = f.Clean()
	f.Page = 0 // all pages
	var o *rosterOrgRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if o, err = rosterOrg(ctx, tx, v.UserID, orgID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: v.UserID, Action: "org.roster_exported",
			TargetType: "organisation", TargetID: o.ID, OrgID: o.ID, IP: v.IP, Details: f.auditDetails()})
	})
	if err != nil {
		return apperr.Coded(err)
	}
	db := s.db.WithContext(ctx)
	rows, err := db.Raw(rosterExportQuery(f), rosterArgs(o.ID, f)).Rows()
	if err != nil {
		return apperr.Coded(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r RosterRow
		if err := db.ScanRows(rows, &r); err != nil {
			return apperr.Coded(err)
		}
		if err := each(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return apperr.Coded(fmt.Errorf("roster export: %w", err))
	}
	return nil
}

func rosterContains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func rosterPick(lang string, ja, en *string) string {
	if lang == "en" && en != nil && strings.TrimSpace(*en) != "" {
		return *en
	}
	if ja != nil {
		return *ja
	}
	return ""
}
