package learning

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
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
	// RosterSearchCountMax bounds the count of a search: up to this many
	// matching rows are counted exactly (through the trigram indexes of
	// migration 00053); beyond it the roster says "more than" this many.
	// Every other filter's counts are kept exact in roster_filter_counts.
	RosterSearchCountMax = 1000
)

// rosterSearchScanRows: a search in an organisation with at most this
// many roster rows reads the organisation's rows (an index on org_id) and
// checks the pattern on each; in a larger one it reads the trigram
// indexes' candidates for its longest word, wherever they are, and checks
// the organisation on each (rosterRows, rosterCountQuery, rosterShapeFor;
// docs/performance.md, "Roster search: cached plans, no per-request planning").
const rosterSearchScanRows = 2000

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

//go:embed sql/roster_courses.sql
var rosterCoursesSQL string

//go:embed sql/roster_machine.sql
var rosterMachineSQL string

//go:embed sql/roster_page.sql
var rosterPageSQL string

//go:embed sql/roster_head.sql
var rosterHeadSQL string

// The roster's queries as sent: without their comments (sqlCode).
var (
	rosterPageCode    = sqlCode(rosterPageSQL)
	rosterMachineCode = sqlCode(rosterMachineSQL)
	rosterHeadCode    = sqlCode(rosterHeadSQL)
	rosterCoursesCode = sqlCode(rosterCoursesSQL)
)

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
	// After and Before are keyset cursors (RosterView.NextCursor,
	// PrevCursor): the page starts after, or ends before, that row in
	// this sort; both empty is the first page. A cursor of another sort,
	// or malformed, is dropped (the first page).
	After, Before string
	// scanRows, if not 0, is rosterSearchScanRows for this filter (tests:
	// -1 reads a search's trigram candidates in any organisation, a large
	// number the organisation's rows).
	scanRows int
}

// searchScanRows is the roster rows up to which an organisation's search
// reads the organisation's rows (rosterSearchRows).
func (f RosterFilter) searchScanRows() int {
	if f.scanRows != 0 {
		return f.scanRows
	}
	return rosterSearchScanRows
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
	if _, ok := rosterCursorKeys(f, f.After); !ok {
		f.After = ""
	}
	if _, ok := rosterCursorKeys(f, f.Before); !ok || f.After != "" {
		f.Before = ""
	}
	return f
}

// auditDetails is the filter as recorded in the audit log.
func (f RosterFilter) auditDetails() map[string]any {
	return map[string]any{"course": f.CourseID, "status": f.Status, "flagged": f.FlaggedOnly,
		"search": f.Search, "sort": f.Sort, "desc": f.Desc, "page": f.pageKind()}
}

// pageKind names the page for the audit log without its cursor (which
// holds a person's name and address): "first", "after" or "before".
func (f RosterFilter) pageKind() string {
	switch {
	case f.After != "":
		return "after"
	case f.Before != "":
		return "before"
	}
	return "first"
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
	Filter      RosterFilter // as applied (cleaned; a cursor past every row dropped)
	Rows        []RosterRow
	TotalRows   int
	TotalPeople int
	// CountCapped: a search matched more than RosterSearchCountMax rows;
	// TotalRows is that bound and TotalPeople unknown.
	CountCapped bool
	// PrevCursor and NextCursor are the Before and After of the pages on
	// either side ("" when there is none).
	PrevCursor, NextCursor string
	Courses                []RosterCourse
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

// rosterShape is how a page reads its rows from roster_entries.
type rosterShape int

const (
	// rosterWalk reads the sort's index in order and checks the filters on
	// each row, stopping at the page's end: the rows read grow with the
	// share of rows that do not match (about RosterPageSize × rows / matches).
	rosterWalk rosterShape = iota
	// rosterSorted reads every matching row through the filter's index
	// (the course, status or flag index, or the trigram indexes) and sorts
	// them: the rows read are the matches.
	rosterSorted
)

// rosterShapeFor picks f's shape from its count, read before the page
// (roster_head.sql): matching rows of the organisation's orgRows, capped
// for a search matching more than RosterSearchCountMax. A search that is
// not capped reads its matches (at most RosterSearchCountMax); a course,
// status or flag filter reads its matches when there are fewer of them
// than a walk would read (matching² < page × orgRows: at 200,000 rows
// up to ~3,200 matches), and walks otherwise — so neither reads more than
// about √(page × orgRows) rows, and each shape's statement text has a plan
// that is right for every value it is used with (docs/performance.md,
// "Roster: one statement per filter shape").
func rosterShapeFor(f RosterFilter, matching, orgRows int, capped bool) rosterShape {
	switch {
	case rosterUnfiltered(f):
		return rosterWalk
	case f.Search != "":
		if capped || orgRows <= f.searchScanRows() || !rosterSearchIndexed(f.Search) {
			return rosterWalk
		}
		return rosterSorted
	case int64(matching)*int64(matching) < int64(RosterPageSize+1)*int64(orgRows):
		return rosterSorted
	}
	return rosterWalk
}

// rosterRows is the statement of organisation org's roster rows matching
// f, read from its read model roster_entries (migration 00048: one row per
// person × enrolment its admin may see, one empty row for a person without
// any, one row per course for a person it enrolled in bulk who has no
// account yet; consent withdrawn or not granted already hides progress
// there), with only the conditions of the filters f uses, so that each
// combination of filters is a statement of its own whose cached generic
// plan is the plan of its shape (the visibility rules live in the
// migration's roster_person and in sql/roster_rows_full.sql, the query the
// model replaced; TestRosterReadModelMatchesFullQuery keeps the two equal,
// TestRosterShapesMatchFullQuery every filter in both shapes):
//
//   - course (a uuid); status (an enrolment status, or 'invited' for
//     invited people: no enrolment status is 'invited'); not started
//     (active or waitlisted with no activity and no progress, and every
//     invited person); flagged (fast completion or a machine-speed attempt,
//     consent given — never an invited person);
//   - search: search (an ILIKE pattern, already escaped) is checked on
//     every row through an expression no index matches (but for a search
//     that is one word of two characters, see below). In rosterSorted
//     the rows are found by the trigram indexes asked for search_key, the
//     pattern of the search's longest word (rosterSearchKey: every trigram
//     of a common word such as 受講者 is in most rows, and the index would
//     read all of them), or, when that word has two characters, by the
//     index of the organisation's character pairs asked for search_word
//     (rosterSearchPair; migration 00060), whose rows, for a search of
//     that word alone, are exactly its matches. The patterns are given as
//     subqueries, so that the plan, custom or generic, is made for an
//     unknown pattern and is the same: with a pattern's own estimate the
//     custom plans looked cheaper
//     than the cached one, and each request was planned again
//     (pg_prepared_statements: 0 generic plans of 8). In rosterWalk (a
//     search matching more than RosterSearchCountMax rows) the sort's
//     index is walked and the pattern checked on each row.
//
// The caller adds the keyset condition, ORDER BY (rosterOrderBy) and LIMIT.
// SECURITY: only constant text reaches the statement; the values are
// parameters.
func rosterRows(f RosterFilter, shape rosterShape) string {
	var b strings.Builder
	if f.Search != "" && shape == rosterSorted {
		// Not an index condition (IS TRUE): the trigram indexes find the
		// rows, and the organisation is checked on each.
		b.WriteString("SELECT r.* FROM roster_entries r\nWHERE (r.org_id = @org) IS TRUE\n")
	} else {
		b.WriteString("SELECT r.* FROM roster_entries r\nWHERE r.org_id = @org\n")
	}
	if f.CourseID != "" {
		b.WriteString("  AND r.course_id = CAST(@course AS uuid)\n")
	}
	switch f.Status {
	case "":
	case RosterNotStarted:
		b.WriteString("  AND (r.status = 'invited' OR (r.status IN ('active', 'waitlisted') AND r.last_activity_at IS NULL AND COALESCE(r.progress_percent, 0) = 0))\n")
	default:
		b.WriteString("  AND r.status = @status\n")
	}
	if f.Search != "" {
		exact := false
		switch {
		case shape != rosterSorted:
		case rosterSearchPair(f.Search):
			// The word's one key comes from the index's own function,
			// so the organisation's prefix and lower() have one definition.
			b.WriteString("  AND roster_search_bigrams(r.org_id, r.display_name, r.email) @> (SELECT roster_search_bigrams(CAST(@org AS uuid), CAST(@search_word AS text), NULL))\n")
			// A search that is the pair alone: the index's rows of the
			// organisation are exactly its matches (ILIKE is LIKE on
			// lower() of both sides), and checking each again was half
			// of the statement's time (docs/performance.md).
			exact = f.Search == rosterSearchKey(f.Search)
		default:
			b.WriteString("  AND (r.display_name ILIKE (SELECT CAST(@search_key AS text)) ESCAPE '\\' OR r.email ILIKE (SELECT CAST(@search_key AS text)) ESCAPE '\\')\n")
		}
		if !exact {
			b.WriteString("  AND ((r.display_name || '') ILIKE (SELECT CAST(@search AS text)) ESCAPE '\\' OR (r.email || '') ILIKE (SELECT CAST(@search AS text)) ESCAPE '\\')\n")
		}
	}
	if f.FlaggedOnly {
		b.WriteString("  AND r.flagged\n")
	}
	return b.String()
}

// rosterArgs are the named arguments of rosterRows for f.
func rosterArgs(orgID string, f RosterFilter) map[string]any {
	search, searchKey, searchWord := "", "", ""
	if f.Search != "" {
		searchWord = rosterSearchKey(f.Search)
		search = "%" + database.EscapeLike(f.Search) + "%"
		searchKey = "%" + database.EscapeLike(rosterSearchKey(f.Search)) + "%"
	}
	// status is an enrolment status or "invited" (the status of every
	// invited person's row); "not started" is a condition, not a status
	// (rosterRows writes it as such).
	status := f.Status
	if f.Status == RosterNotStarted {
		status = ""
	}
	return map[string]any{
		"org": orgID, "course": f.CourseID, "status": status,
		"search": search, "search_key": searchKey, "search_word": searchWord, "flagged": f.FlaggedOnly, "machine_seconds": RosterMachineSeconds,
		"status_key": f.Status, // roster_filter_counts.status
	}
}

// rosterSearchKey is the part of a search the trigram indexes look up:
// its longest word (by characters; the last of equals), which has the
// most trigrams and, in names such as "受講者 000123" where the first
// word is shared by most people, is the selective one. A row holding the
// whole search holds each of its words, so the rows found are a superset,
// and roster_rows.sql checks the whole search on them.
func rosterSearchKey(search string) string {
	key := search
	best := 0
	for _, w := range strings.Fields(search) {
		if n := utf8.RuneCountInString(w); n >= best {
			key, best = w, n
		}
	}
	return key
}

// rosterSearchIndexed reports whether an index can narrow search: its key
// (rosterSearchKey) has at least 3 characters (the trigram indexes) or
// exactly 2 (rosterSearchPair). A one-character key ("%山%") is in too
// many rows for either, and the search reads the organisation's rows
// instead, whatever its size (rosterSearchRows, rosterShapeFor).
func rosterSearchIndexed(search string) bool {
	return utf8.RuneCountInString(rosterSearchKey(search)) >= 2
}

// rosterSearchPair reports whether search's key is a word of two
// characters, such as the surname 山田: it has no trigram of its own
// ("%山田%"), so its candidates are the rows of the organisation holding
// the pair, read from migration 00060's index of character pairs.
func rosterSearchPair(search string) bool {
	return utf8.RuneCountInString(rosterSearchKey(search)) == 2
}

// The roster's order (migration 00053's indexes, every column NOT NULL
// and ascending, so a keyset page starts with one row comparison): the
// sort key, then name, address, user id (an invited person, who has none,
// last), enrolment date (none last), then the enrolment, else the course,
// else the greatest uuid — together one row's unique place in the
// organisation's roster. A sort key without a value (no activity, no
// completion, progress hidden) comes last in either direction; a
// descending key is turned into an ascending one (progress negated, a time
// as its distance to 3000-01-01), so ties stay in name order.
const (
	rosterMaxUUID = "'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid"
	rosterFarTime = "'3000-01-01 00:00:00+00'::timestamptz"
	// rosterNone is a cursor's value for a column without one.
	rosterNone = "none"
)

// rosterKey is one column of the roster's order: its expression over r's
// columns (%[1]s … as listed in cols), the same over a cursor's value
// (%[1]s: the parameter, already cast to typ, NULL for rosterNone), and the
// cursor value's type.
type rosterKey struct {
	expr  string // with %s for the column
	col   string
	typ   string // text, uuid, timestamptz or integer
	maybe bool   // the value may be rosterNone
}

func (k rosterKey) column() string { return fmt.Sprintf(k.expr, k.col) }

func (k rosterKey) param(name string) string {
	v := "CAST(" + name + " AS " + k.typ + ")"
	if k.maybe {
		v = "CAST(NULLIF(" + name + ", '" + rosterNone + "') AS " + k.typ + ")"
	}
	return fmt.Sprintf(k.expr, v)
}

var rosterTieBreak = []rosterKey{
	{"%s", "r.display_name", "text", false},
	{"%s", "r.email", "text", false},
	{"COALESCE(%s, " + rosterMaxUUID + ")", "r.user_id", "uuid", true},
	{"COALESCE(%s, 'infinity'::timestamptz)", "r.enrolled_at", "timestamptz", true},
	{"COALESCE(%s, " + rosterMaxUUID + ")", "COALESCE(r.enrolment_id, r.course_id)", "uuid", true},
}

// rosterKeys are f's order's columns.
// SECURITY: only these constant strings reach the query.
func rosterKeys(f RosterFilter) []rosterKey {
	var k []rosterKey
	switch f.Sort {
	case RosterSortLastActivity, RosterSortCompletedAt:
		expr := "COALESCE(%s, 'infinity'::timestamptz)"
		if f.Desc {
			expr = "COALESCE(" + rosterFarTime + " - %s, '1000000 days'::interval)"
		}
		k = append(k, rosterKey{expr, rosterOrder[f.Sort], "timestamptz", true})
	case RosterSortProgress:
		expr := "COALESCE(%s, 2147483647)"
		if f.Desc {
			expr = "COALESCE(-%s, 1)"
		}
		k = append(k, rosterKey{expr, rosterOrder[f.Sort], "integer", true})
	}
	return append(k, rosterTieBreak...)
}

// rosterBackwards reports whether f's order is its columns descending:
// names from the end of the alphabet (text has no negation), with the
// tie-break reversed too — its index read backwards.
func rosterBackwards(f RosterFilter) bool { return f.Sort == RosterSortName && f.Desc }

// rosterOrderBy is the ORDER BY clause for f (from the allowlist only):
// every column ascending (descending for rosterBackwards); reverse turns
// it around (a page before a cursor is read backwards, then put in order).
func rosterOrderBy(f RosterFilter, reverse bool) string {
	dir := ""
	if reverse != rosterBackwards(f) {
		dir = " DESC"
	}
	var b strings.Builder
	b.WriteString(" ORDER BY ")
	for i, k := range rosterKeys(f) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.column() + dir)
	}
	return b.String()
}

// rosterCursor is a keyset cursor: the sort it belongs to and one row's
// values of the columns rosterKeys orders by, as text.
type rosterCursor struct {
	Sort string   `json:"s"`
	Desc bool     `json:"d,omitempty"`
	Keys []string `json:"k"`
}

// rosterCursorKeys decodes token ("" is no cursor: ok, nil) and checks it
// belongs to f's sort and each value parses as its column's type, so a
// forged or stale cursor can drop to the first page but never fail the
// query.
func rosterCursorKeys(f RosterFilter, token string) ([]string, bool) {
	if token == "" {
		return nil, true
	}
	if len(token) > 2048 {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, false
	}
	var c rosterCursor
	if json.Unmarshal(raw, &c) != nil || c.Sort != f.Sort || c.Desc != f.Desc {
		return nil, false
	}
	keys := rosterKeys(f)
	if len(c.Keys) != len(keys) {
		return nil, false
	}
	for i, k := range keys {
		v := c.Keys[i]
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return nil, false
		}
		if k.maybe && v == rosterNone {
			continue
		}
		ok := true
		switch k.typ {
		case "uuid":
			ok = validID(v)
		case "integer":
			n, err := strconv.Atoi(v)
			ok = err == nil && n >= 0 && n <= 100
		case "timestamptz":
			_, err := time.Parse(time.RFC3339Nano, v)
			ok = err == nil
		}
		if !ok {
			return nil, false
		}
	}
	return c.Keys, true
}

// rosterRowCursor is the cursor of row r in f's order.
func rosterRowCursor(f RosterFilter, r RosterRow) string {
	ts := func(t *time.Time) string {
		if t == nil {
			return rosterNone
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	id := func(ids ...*string) string {
		for _, s := range ids {
			if s != nil && *s != "" {
				return *s
			}
		}
		return rosterNone
	}
	var keys []string
	switch f.Sort {
	case RosterSortLastActivity:
		keys = append(keys, ts(r.LastActivityAt))
	case RosterSortCompletedAt:
		keys = append(keys, ts(r.CompletedAt))
	case RosterSortProgress:
		if r.ProgressPercent == nil {
			keys = append(keys, rosterNone)
		} else {
			keys = append(keys, strconv.Itoa(*r.ProgressPercent))
		}
	}
	keys = append(keys, r.DisplayName, r.Email, id(&r.UserID), ts(r.EnrolledAt), id(r.EnrolmentID, r.CourseID))
	b, _ := json.Marshal(rosterCursor{Sort: f.Sort, Desc: f.Desc, Keys: keys})
	return base64.RawURLEncoding.EncodeToString(b)
}

// rosterUnfiltered reports whether f shows every row (any sort and page):
// its counts are kept in roster_counts.
func rosterUnfiltered(f RosterFilter) bool {
	return f.CourseID == "" && f.Status == "" && !f.FlaggedOnly && f.Search == ""
}

// rosterCountQuery counts the rows and people matching f (an invited
// person, who has no user id, counts once by address): read from
// roster_counts for the unfiltered view and from roster_filter_counts for
// any course, status and flag filter (kept exact by migration 00053's
// triggers); a search is counted on roster_entries (rosterSearchRows: the
// trigram or pair indexes' candidates or the organisation's rows), at most
// RosterSearchCountMax+1 rows (more: "more than").
func rosterCountQuery(f RosterFilter) string {
	if rosterUnfiltered(f) {
		return `SELECT COALESCE(max(c.rows), 0) AS total_rows, COALESCE(max(c.people), 0) AS people
FROM roster_counts c WHERE c.org_id = @org`
	}
	if f.Search == "" {
		return `SELECT COALESCE(max(c.rows), 0) AS total_rows, COALESCE(max(c.people), 0) AS people
FROM roster_filter_counts c
WHERE c.org_id = @org AND c.course_id = COALESCE(CAST(NULLIF(@course, '') AS uuid), '00000000-0000-0000-0000-000000000000')
  AND c.status = @status_key AND c.flagged = CAST(@flagged AS boolean)`
	}
	return "SELECT count(*) AS total_rows, count(DISTINCT r.user_id) + count(DISTINCT r.email) FILTER (WHERE r.user_id IS NULL) AS people FROM (" +
		rosterSearchRows(f) + " LIMIT " + strconv.Itoa(RosterSearchCountMax+1) + ") r"
}

// rosterSearchRows is every row of search f (rosterRows), in two branches
// of which one runs (a one-time filter on the organisation's kept row
// count, the same rosterShapeFor picks the page's shape from): in an
// organisation of at most rosterSearchScanRows rows its rows, read through
// an index on org_id, with the pattern checked on each; in a larger one
// the trigram (or, for a word of two characters, the pair) index's
// candidates for the search's longest word, with the
// organisation and the whole pattern checked on each. Each branch has a
// plan that is right for every organisation of its size, so the
// statement's cached generic plan is. A search whose key is too short for
// either index (rosterSearchIndexed) is the organisation's rows
// only (docs/performance.md, "Roster search:
// cached plans, no per-request planning").
func rosterSearchRows(f RosterFilter) string {
	if !rosterSearchIndexed(f.Search) {
		return rosterRows(f, rosterWalk)
	}
	rows := "(SELECT COALESCE(max(oc.rows), 0) FROM roster_counts oc WHERE oc.org_id = @org)"
	n := strconv.Itoa(f.searchScanRows())
	return "(SELECT b.* FROM (" + rosterRows(f, rosterSorted) + "  OFFSET 0) b WHERE " + rows + " > " + n + ")\nUNION ALL\n" +
		"(SELECT b.* FROM (" + rosterRows(f, rosterWalk) + "  OFFSET 0) b WHERE " + rows + " <= " + n + ")"
}

// rosterPageQuery is up to limit rows matching f in f's order, after (or,
// before, backwards from) the cursor whose values are in args k0, k1, …
// (none: from the start), read from roster_entries in shape (rosterWalk:
// in the sort's index order; rosterSorted: every match, behind OFFSET 0 so
// the planner cannot turn it into a walk, then sorted), and only then
// joined to their courses, invitations and machine-speed attempts.
func rosterPageQuery(f RosterFilter, cursor bool, before bool, limit int, shape rosterShape) string {
	q := rosterRows(f, shape)
	if cursor {
		op := " > "
		if before != rosterBackwards(f) {
			op = " < "
		}
		var cols, vals []string
		for i, k := range rosterKeys(f) {
			cols = append(cols, k.column())
			vals = append(vals, k.param("@k"+strconv.Itoa(i)))
		}
		q += "  AND (" + strings.Join(cols, ", ") + ")" + op + "(" + strings.Join(vals, ", ") + ")\n"
	}
	if shape == rosterSorted {
		q = "SELECT r.* FROM (" + q + "  OFFSET 0) r\n"
	}
	return fmt.Sprintf(rosterPageCode, q+rosterOrderBy(f, before)+" LIMIT "+strconv.Itoa(limit), rosterMachineCode) +
		rosterOrderBy(f, before)
}

// rosterExportQuery is every row matching f, in f's order, with flags:
// the unfiltered roster in its sort's index order, a filtered one as its
// matches read through the filter's index (every one is wanted), sorted.
func rosterExportQuery(f RosterFilter) string {
	q := rosterRows(f, rosterWalk)
	switch {
	case f.Search != "":
		q = "SELECT r.* FROM (" + rosterSearchRows(f) + "\n  OFFSET 0) r\n"
	case !rosterUnfiltered(f):
		q = "SELECT r.* FROM (" + rosterRows(f, rosterSorted) + "  OFFSET 0) r\n"
	}
	return fmt.Sprintf(rosterPageCode, q+rosterOrderBy(f, false), rosterMachineCode) + rosterOrderBy(f, false)
}

// rosterPageArgs are rosterArgs plus the cursor's values (k0, k1, …).
func rosterPageArgs(orgID string, f RosterFilter, keys []string) map[string]any {
	args := rosterArgs(orgID, f)
	for i, k := range keys {
		args["k"+strconv.Itoa(i)] = k
	}
	return args
}

// rosterPage reads one page of up to size rows of f (already cleaned) and
// the cursors of the pages on either side; a cursor past every row (the
// rows behind it were removed) gives the first page instead, with f's
// cursors cleared.
func rosterPage(tx *gorm.DB, orgID string, f RosterFilter, size int, shape rosterShape) (rows []RosterRow, out RosterFilter, prev, next string, err error) {
	token, before := f.After, false
	if f.Before != "" {
		token, before = f.Before, true
	}
	keys, _ := rosterCursorKeys(f, token)
	q := rosterPageQuery(f, keys != nil, before, size+1, shape)
	if rows, err = rosterScan(tx, q, rosterPageArgs(orgID, f, keys), size+1); err != nil {
		return nil, f, "", "", err
	}
	if len(rows) == 0 && keys != nil {
		f.After, f.Before = "", ""
		return rosterPage(tx, orgID, f, size, shape)
	}
	more := len(rows) > size
	if more {
		rows = rows[:size]
	}
	if before {
		slices.Reverse(rows)
	}
	if len(rows) == 0 {
		return rows, f, "", "", nil
	}
	first, last := rosterRowCursor(f, rows[0]), rosterRowCursor(f, rows[len(rows)-1])
	switch {
	case before:
		next = last
		if more {
			prev = first
		}
	case keys != nil:
		prev = first
		if more {
			next = last
		}
	default:
		if more {
			next = last
		}
	}
	return rows, f, prev, next, nil
}

// rosterScan runs q (roster_page.sql's columns) and reads its rows, up to
// capacity of them expected. The columns are read in order into the
// row's fields (rosterScanRow) rather than by gorm's reflection, which
// was the larger part of the app's time on the page's statement.
func rosterScan(db *gorm.DB, q string, args map[string]any, capacity int) ([]RosterRow, error) {
	rows, err := db.Raw(q, args).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]RosterRow, 0, capacity)
	for rows.Next() {
		r, err := rosterScanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// rosterScanRow reads one row of roster_page.sql's columns, in its order.
func rosterScanRow(rows *sql.Rows) (RosterRow, error) {
	var r RosterRow
	var userID sql.NullString
	var progress, questions sql.NullInt64
	err := rows.Scan(&userID, &r.DisplayName, &r.Email, &r.IsMember, &r.AwaitingConsent,
		&r.EnrolmentID, &r.CourseID, &r.TitleJa, &r.TitleEn,
		&r.Status, &progress, &r.EnrolledAt, &r.CompletedAt, &r.LastActivityAt,
		&r.EstimatedHours, &r.CompletionSeconds, &r.FastCompletion,
		&r.InvitationID, &r.InvitedAt, &r.MachineAttempts, &r.FastestSeconds, &questions)
	if err != nil {
		return r, fmt.Errorf("roster row: %w", err)
	}
	r.UserID = userID.String
	if progress.Valid {
		n := int(progress.Int64)
		r.ProgressPercent = &n
	}
	if questions.Valid {
		n := int(questions.Int64)
		r.FastestQuestions = &n
	}
	return r, nil
}

// namedQuery is one query a page runs, for the benchmarks' EXPLAIN output.
type namedQuery struct {
	name, sql string
	args      map[string]any
}

// rosterQueries are the queries Roster runs for f (already cleaned) in
// shape.
func rosterQueries(orgID string, f RosterFilter, shape rosterShape) []namedQuery {
	token, before := f.After, false
	if f.Before != "" {
		token, before = f.Before, true
	}
	keys, _ := rosterCursorKeys(f, token)
	return []namedQuery{
		{"courses", rosterCoursesCode, map[string]any{"org": orgID}},
		{"count", rosterCountQuery(f), rosterArgs(orgID, f)},
		{"page", rosterPageQuery(f, keys != nil, before, RosterPageSize+1, shape), rosterPageArgs(orgID, f, keys)},
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
	if !validID(orgID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	// Every page's statements have cached plans that are right for any
	// value (docs/performance.md, "Roster: one statement per filter
	// shape" and "Roster search: cached plans, no per-request planning"):
	// the head reads the page's count first (kept, or a search's bounded
	// count), and the page's statement is the one of its shape
	// (rosterShapeFor) with only the filters in use. A search runs in a
	// transaction with, local to it, generic plans from the first
	// execution (force_generic_plan: a custom plan of the head's count
	// looks cheaper to the planner, which then plans it on every request,
	// ~0.5 ms; its generic plan is right for every organisation,
	// rosterSearchRows) and jit = off: the cached plans are made for an
	// unknown pattern, whose estimate (the trigram candidates) grows with
	// roster_entries as a whole and would pass jit_above_cost at about 5
	// million rows (JIT compilation costs ~1 s per query).
	// Every other page runs without one: their statements cost at most a
	// LIMIT's share of a walk, or a key read of the kept counts. Either
	// way the reads see the same data: in READ COMMITTED each statement
	// takes its own snapshot, in a transaction or not, and the audit row
	// is the last statement, so a failing read records nothing.
	db := s.db.WithContext(ctx)
	if f.Search == "" {
		out, err := rosterView(ctx, db, v, orgID, f)
		if err != nil {
			return nil, apperr.Coded(err)
		}
		return out, nil
	}
	var out *RosterView
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)`).Error; err != nil {
			return err
		}
		var err error
		out, err = rosterView(ctx, tx, v, orgID, f)
		return err
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return out, nil
}

// rosterView reads Roster's page for f (cleaned) through tx and records
// the view in the audit log.
func rosterView(ctx context.Context, tx *gorm.DB, v RosterViewer, orgID string, f RosterFilter) (*RosterView, error) {
	var out RosterView
	o, err := rosterHead(ctx, tx, v.UserID, orgID, f)
	if err != nil {
		return nil, err
	}
	out.OrgID, out.OrgNameJa, out.OrgNameEn, out.Courses = o.ID, o.NameJa, o.NameEn, o.Courses
	out.TotalRows, out.TotalPeople = o.TotalRows, o.People
	if f.Search != "" && o.TotalRows > RosterSearchCountMax {
		out.TotalRows, out.TotalPeople, out.CountCapped = RosterSearchCountMax, 0, true
	}
	if o.TotalRows == 0 {
		// Nothing matches: no page to read (and no cursor to keep).
		f.After, f.Before = "", ""
		out.Rows = []RosterRow{}
	} else {
		shape := rosterShapeFor(f, o.TotalRows, o.OrgRows, out.CountCapped)
		if out.Rows, f, out.PrevCursor, out.NextCursor, err = rosterPage(tx, o.ID, f, RosterPageSize, shape); err != nil {
			return nil, err
		}
	}
	out.Filter = f
	details := f.auditDetails()
	details["rows"] = len(out.Rows)
	if err := audit.Record(ctx, tx, audit.Entry{ActorID: v.UserID, Action: "org.roster_viewed",
		TargetType: "organisation", TargetID: o.ID, OrgID: o.ID, IP: v.IP, Details: details}); err != nil {
		return nil, err
	}
	return &out, nil
}

// rosterHeadRow is what roster_head.sql reads.
type rosterHeadRow struct {
	ID, NameJa, NameEn string
	Courses            []RosterCourse
	// TotalRows and People are f's counts (a search's: up to
	// RosterSearchCountMax+1 rows); OrgRows the organisation's rows.
	TotalRows, People, OrgRows int
}

// rosterHead reads, in one statement (roster_head.sql), organisation orgID
// if userID is one of its admins, the courses of its roster, the counts
// of f (a search's bounded count too) and the organisation's row count.
// SECURITY: as rosterOrg, not_found for anyone but the organisation's
// admins.
func rosterHead(ctx context.Context, db *gorm.DB, userID, orgID string, f RosterFilter) (*rosterHeadRow, error) {
	args := rosterArgs(orgID, f)
	args["viewer"] = userID
	var r struct {
		ID, NameJa                 string
		NameEn, Courses            sql.NullString
		TotalRows, People, OrgRows sql.NullInt64
	}
	row := db.WithContext(ctx).Raw(fmt.Sprintf(rosterHeadCode, rosterCoursesCode, rosterCountQuery(f)), args).Row()
	err := row.Scan(&r.ID, &r.NameJa, &r.NameEn, &r.Courses, &r.TotalRows, &r.People, &r.OrgRows)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	out := &rosterHeadRow{ID: r.ID, NameJa: r.NameJa, NameEn: r.NameEn.String,
		TotalRows: int(r.TotalRows.Int64), People: int(r.People.Int64), OrgRows: int(r.OrgRows.Int64)}
	if err := json.Unmarshal([]byte(r.Courses.String), &out.Courses); err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", fmt.Errorf("roster courses: %w", err))
	}
	return out, nil
}

// ExportRoster streams every row of organisation orgID's roster matching
// f (all pages, in f's order) to each, for an admin of that organisation.
// The export is recorded in the audit log ("org.roster_exported", with the
// filters) before the first row leaves, so even an interrupted download is
// on record. Errors: not_found (as Roster), or each's error.
func (s *Service) ExportRoster(ctx context.Context, v RosterViewer, orgID string, f RosterFilter, each func(RosterRow) error) error {
	f = f.Clean()
	f.After, f.Before = "", "" // all pages
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
		r, err := rosterScanRow(rows)
		if err != nil {
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
