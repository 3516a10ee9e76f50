package learning

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"golang.org/x/text/encoding/japanese"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
	"takumi/internal/i18n"
	mailq "takumi/internal/mail"
)

// Limits of bulk enrolment files.
const (
	// BulkMaxFileBytes is the largest CSV file accepted (20 MB).
	BulkMaxFileBytes = 20 << 20
	// BulkMaxRows is the most data rows one file may hold.
	BulkMaxRows = 200_000
	// bulkBatchRows is how many rows one transaction of the real run
	// handles: short transactions keep the site responsive.
	bulkBatchRows = 5000
	// bulkFileTTL is how long an uploaded file waits for its import.
	bulkFileTTL = 24 * time.Hour
)

// BulkColumns are the CSV columns, in order, as the English header names
// them; BulkColumnsJa is the Japanese header, also accepted.
var (
	BulkColumns   = []string{"email", "name", "prefecture", "industry", "segment", "course", "cohort"}
	BulkColumnsJa = []string{"メールアドレス", "氏名", "都道府県コード", "業種コード", "区分", "講座コード", "日程"}
)

// bulkSegments are the learner segments a row may name.
var bulkSegments = map[string]bool{"engineer": true, "developer": true, "other": true}

// Import statuses.
const (
	ImportQueued  = "queued"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// BulkError is one problem of a CSV file: its line (1-based; the header is
// line 1), the column ("" for the whole line) and a catalogue key with its
// arguments.
type BulkError struct {
	Line   int
	Column string
	Key    string
	Args   []any
}

// BulkReport is the result of a dry run: what the file would do, and every
// problem found. A file with any problem is never imported.
type BulkReport struct {
	SHA256         string // hex; names the stored file for the real run
	Filename       string
	Rows           int // data rows (header excluded)
	RowsOK         int
	RowsWithErrors int
	Enrol          int // rows that would enrol an existing account
	Waitlisted     int // of Enrol: rows that would join a full cohort's waitlist
	Invite         int // rows for people without an account: pending enrolments
	Invitations    int // new invitation emails (one per address)
	Unchanged      int // rows already enrolled or already pending
	Errors         []BulkError
}

// OK reports whether the file passed every check.
func (r *BulkReport) OK() bool { return len(r.Errors) == 0 }

// Import is one real run of a file, processed by a background job.
type Import struct {
	ID         string
	OrgID      string
	CreatedBy  *string
	Filename   string
	Sha256     []byte
	Status     string
	TotalRows  int
	Processed  int
	Enrolled   int
	Invited    int
	Unchanged  int
	Error      *string // catalogue key of why it failed
	CreatedAt  time.Time
	FinishedAt *time.Time
}

// TableName maps Import to its table.
func (Import) TableName() string { return "enrolment_imports" }

// Percent is how much of the file is processed.
func (i Import) Percent() int {
	if i.TotalRows == 0 {
		if i.Status == ImportDone {
			return 100
		}
		return 0
	}
	return i.Processed * 100 / i.TotalRows
}

// Finished reports whether the job has ended (done or failed).
func (i Import) Finished() bool { return i.Status == ImportDone || i.Status == ImportFailed }

// BulkActor is the organisation admin acting.
type BulkActor struct {
	UserID string
	IP     string
}

// Bulk carries out bulk enrolment by CSV: dry runs, starting imports, the
// import job, and turning pending enrolments into enrolments when an
// invited person accepts. It works on the pgx pool directly: staging rows
// go in with COPY and are checked and applied with set-based SQL.
type Bulk struct {
	learning *Service
	pool     *pgxpool.Pool
	db       *gorm.DB
	messages *i18n.Catalog
	baseURL  string
	jobs     *river.Client[*sql.Tx] // queues import jobs in gorm transactions
	mailJobs *river.Client[pgx.Tx]  // queues invitation emails in batch transactions
	now      func() time.Time
	// Trace, when set, is told how long each stage took (the benchmark
	// reports them).
	Trace func(stage string, d time.Duration)
}

// trace reports the time since start for stage and returns now.
func (b *Bulk) trace(stage string, start time.Time) time.Time {
	now := time.Now()
	if b != nil && b.Trace != nil {
		b.Trace(stage, now.Sub(start))
	}
	return now
}

// NewBulk returns the bulk enrolment service on db's pool.
func NewBulk(db *database.DB, learning *Service, messages *i18n.Catalog, baseURL string) (*Bulk, error) {
	jobs, err := river.NewClient(riverdatabasesql.New(db.SQL), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("bulk: river inserter: %w", err)
	}
	mailJobs, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("bulk: river inserter: %w", err)
	}
	return &Bulk{learning: learning, pool: db.Pool, db: db.Gorm, messages: messages, baseURL: baseURL,
		jobs: jobs, mailJobs: mailJobs, now: time.Now}, nil
}

// requireBulkAdmin checks that userID administers orgID. SECURITY: an admin
// of another organisation gets not_found, as if it did not exist.
func requireBulkAdmin(ctx context.Context, db *gorm.DB, userID, orgID string) error {
	if !validID(orgID) || !validID(userID) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	var ok bool
	if err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = ? AND user_id = ? AND role = 'admin')`,
		orgID, userID).Row().Scan(&ok); err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if !ok {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return nil
}

// ---------------------------------------------------------------------------
// Reading the file

// bulkRow is one data row, normalised.
type bulkRow struct {
	idx        int // 0-based position among data rows
	line       int
	email      string // "" when invalid
	name       string
	prefecture string
	industry   string
	segment    string
	course     string
	cohort     string // a valid uuid, or ""
	hasCohort  bool   // the cohort cell was filled in (valid or not)
	bad        bool   // a problem was found while reading
}

// decodeBulkFile returns the file as text: UTF-8 (a BOM is dropped) when
// it is valid UTF-8, else Shift_JIS (what Excel in Japan writes) when that
// decodes cleanly. Anything else is refused.
func decodeBulkFile(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	var text string
	if utf8.Valid(data) {
		text = string(data)
	} else {
		out, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			return "", apperr.FieldErrors(map[string]string{"file": "bulk.err_encoding"})
		}
		text = string(out)
	}
	if strings.ContainsRune(text, 0) {
		return "", apperr.FieldErrors(map[string]string{"file": "bulk.err_encoding"})
	}
	return text, nil
}

// parseBulkCSV reads the header and every row. Problems of a row are
// returned as BulkErrors; problems of the whole file as an invalid error.
func parseBulkCSV(data []byte) ([]bulkRow, []BulkError, error) {
	if len(data) > BulkMaxFileBytes {
		return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_too_large"})
	}
	text, err := decodeBulkFile(data)
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_empty"})
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, []BulkError{{Line: 1, Key: "bulk.err_header", Args: []any{strings.Join(BulkColumns, ",")}}}, nil
	}
	if !bulkHeaderOK(header) {
		return nil, []BulkError{{Line: 1, Key: "bulk.err_header", Args: []any{strings.Join(BulkColumns, ",")}}}, nil
	}
	var rows []bulkRow
	var errs []BulkError
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs = append(errs, BulkError{Line: pe.StartLine, Key: "bulk.err_csv_syntax"})
			if len(errs) > BulkMaxRows*2 {
				break
			}
			continue
		}
		if err != nil {
			return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_encoding"})
		}
		line, _ := r.FieldPos(0)
		if blankRecord(rec) {
			continue
		}
		if len(rows) >= BulkMaxRows {
			return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_too_many_rows"})
		}
		row, rowErrs := checkBulkRecord(rec, line)
		row.idx = len(rows)
		errs = append(errs, rowErrs...)
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(errs) == 0 {
		return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_no_rows"})
	}
	return rows, errs, nil
}

func bulkHeaderOK(h []string) bool {
	if len(h) != len(BulkColumns) {
		return false
	}
	en, ja := true, true
	for i, name := range h {
		name = strings.TrimSpace(name)
		if !strings.EqualFold(name, BulkColumns[i]) {
			en = false
		}
		if name != BulkColumnsJa[i] {
			ja = false
		}
	}
	return en || ja
}

// blankRecord reports a row of empty cells (spreadsheets write them).
func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// checkBulkRecord normalises one row and checks what can be checked
// without the database.
func checkBulkRecord(rec []string, line int) (bulkRow, []BulkError) {
	row := bulkRow{line: line}
	if len(rec) != len(BulkColumns) {
		row.bad = true
		return row, []BulkError{{Line: line, Key: "bulk.err_field_count", Args: []any{len(rec), len(BulkColumns)}}}
	}
	var errs []BulkError
	fail := func(col, key string, args ...any) {
		row.bad = true
		errs = append(errs, BulkError{Line: line, Column: col, Key: key, Args: args})
	}
	email := strings.ToLower(strings.TrimSpace(rec[0]))
	switch {
	case email == "":
		fail("email", "bulk.err_required")
	case !validEmail(email):
		fail("email", "bulk.err_email", strings.TrimSpace(rec[0]))
	default:
		row.email = email
	}
	row.name = strings.TrimSpace(rec[1])
	switch n := utf8.RuneCountInString(row.name); {
	case n == 0:
		fail("name", "bulk.err_required")
	case n > 100:
		fail("name", "bulk.err_name_long")
	}
	row.prefecture = strings.TrimSpace(rec[2])
	// Spreadsheets drop the leading zero of 01–09: "1" means "01".
	if len(row.prefecture) == 1 && row.prefecture[0] >= '1' && row.prefecture[0] <= '9' {
		row.prefecture = "0" + row.prefecture
	}
	if row.prefecture == "" {
		fail("prefecture", "bulk.err_required")
	}
	row.industry = strings.ToUpper(strings.TrimSpace(rec[3]))
	if row.industry == "" {
		fail("industry", "bulk.err_required")
	}
	row.segment = strings.ToLower(strings.TrimSpace(rec[4]))
	switch {
	case row.segment == "":
		fail("segment", "bulk.err_required")
	case !bulkSegments[row.segment]:
		fail("segment", "bulk.err_segment", strings.TrimSpace(rec[4]))
	}
	row.course = strings.ToLower(strings.TrimSpace(rec[5]))
	if row.course == "" {
		fail("course", "bulk.err_required")
	}
	if c := strings.TrimSpace(rec[6]); c != "" {
		row.hasCohort = true
		if id, err := uuid.Parse(c); err == nil && len(c) == 36 {
			row.cohort = id.String()
		} else {
			fail("cohort", "bulk.err_cohort_format", c)
		}
	}
	return row, errs
}

// validEmail applies the rule of invitations (one plain address), and
// also wants a dot in the domain: "taro@example" is a typo in a
// spreadsheet far more often than a real address.
func validEmail(email string) bool {
	if len(email) > 254 || !strings.Contains(email, "@") || strings.ContainsAny(email, " \t<>\"") {
		return false
	}
	domain := email[strings.LastIndex(email, "@")+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return false
	}
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email
}

// ---------------------------------------------------------------------------
// Checking against the database (set-based, on a staging table)

// pgxRunner is what staging needs: a pgx transaction or connection.
type pgxRunner interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error)
}

// stageBulkRows creates the temporary staging tables on the session of q
// and copies rows into bulk_rows with COPY. bulk_courses resolves each
// distinct course reference: "<provider code>/<course code>", or a bare
// course code when exactly one published course has it.
func stageBulkRows(ctx context.Context, q pgxRunner, rows []bulkRow) error {
	_, err := q.Exec(ctx, `
		DROP TABLE IF EXISTS pg_temp.bulk_rows, pg_temp.bulk_courses, pg_temp.bulk_errors;
		CREATE TEMP TABLE bulk_rows (
			idx int NOT NULL, line int NOT NULL, email text, name text NOT NULL, prefecture text NOT NULL,
			industry text NOT NULL, segment text NOT NULL, course text NOT NULL, cohort text,
			has_cohort boolean NOT NULL, bad boolean NOT NULL);
		CREATE TEMP TABLE bulk_courses (ref text PRIMARY KEY, n_any int NOT NULL, n_pub int NOT NULL,
			course_id uuid, cohort_based boolean, provider_id uuid, skill_area text, next_lesson text);
		CREATE TEMP TABLE bulk_errors (line int NOT NULL, col text NOT NULL, key text NOT NULL, arg text)`)
	if err != nil {
		return fmt.Errorf("bulk staging: %w", err)
	}
	_, err = q.CopyFrom(ctx, pgx.Identifier{"bulk_rows"},
		[]string{"idx", "line", "email", "name", "prefecture", "industry", "segment", "course", "cohort", "has_cohort", "bad"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{r.idx, r.line, nullIfEmpty(r.email), r.name, r.prefecture, r.industry, r.segment, r.course,
				nullIfEmpty(r.cohort), r.hasCohort, r.bad}, nil
		}))
	if err != nil {
		return fmt.Errorf("bulk copy: %w", err)
	}
	_, err = q.Exec(ctx, `
		CREATE INDEX ON bulk_rows (idx);
		CREATE INDEX ON bulk_rows (email);
		ANALYZE bulk_rows;
		INSERT INTO bulk_courses (ref, n_any, n_pub, course_id)
		SELECT f.ref, count(c.id), count(c.id) FILTER (WHERE c.status = 'published'),
		       (array_agg(c.id) FILTER (WHERE c.status = 'published'))[1]
		FROM (SELECT DISTINCT course AS ref FROM bulk_rows WHERE course <> '') f
		LEFT JOIN organisations o ON strpos(f.ref, '/') > 0 AND o.code = split_part(f.ref, '/', 1)
		LEFT JOIN courses c ON c.code = CASE WHEN strpos(f.ref, '/') > 0 THEN substr(f.ref, strpos(f.ref, '/') + 1) ELSE f.ref END
		     AND (strpos(f.ref, '/') = 0 OR c.provider_id = o.id)
		GROUP BY f.ref;
		UPDATE bulk_courses b SET cohort_based = (c.delivery_mode = 'cohort'), provider_id = c.provider_id,
		       skill_area = coalesce(c.skill_area_code, lr.content->>'skill_area'),
		       next_lesson = (SELECT l.les->>'id'
		           FROM jsonb_array_elements(pr.content->'modules') WITH ORDINALITY m(mod, mi),
		                jsonb_array_elements(m.mod->'lessons') WITH ORDINALITY l(les, li)
		           ORDER BY m.mi, l.li LIMIT 1)
		FROM courses c
		LEFT JOIN course_revisions pr ON pr.course_id = c.id AND pr.number = c.published_revision
		LEFT JOIN LATERAL (SELECT content FROM course_revisions WHERE course_id = c.id ORDER BY number DESC LIMIT 1) lr ON true
		WHERE b.n_pub = 1 AND c.id = b.course_id`)
	if err != nil {
		return fmt.Errorf("bulk courses: %w", err)
	}
	return nil
}

// checkStagedRows finds, with set-based joins, every problem that needs the
// database: unknown prefecture and industry codes, unknown, unpublished or
// ambiguous courses, cohorts (required, refused, unknown, past deadline)
// and rows repeating an earlier row's person and course. They are stored in
// bulk_errors and returned.
func checkStagedRows(ctx context.Context, q pgxRunner) ([]BulkError, error) {
	_, err := q.Exec(ctx, `
		INSERT INTO bulk_errors (line, col, key, arg)
		SELECT r.line, 'prefecture', 'bulk.err_prefecture', r.prefecture FROM bulk_rows r
		WHERE r.prefecture <> '' AND NOT EXISTS (SELECT 1 FROM prefectures p WHERE p.code = r.prefecture)
		UNION ALL
		SELECT r.line, 'industry', 'bulk.err_industry', r.industry FROM bulk_rows r
		WHERE r.industry <> '' AND NOT EXISTS (SELECT 1 FROM industries i WHERE i.code = r.industry)
		UNION ALL
		SELECT r.line, 'course',
		       CASE WHEN c.n_any = 0 THEN 'bulk.err_course_unknown'
		            WHEN c.n_pub = 0 THEN 'bulk.err_course_unpublished'
		            ELSE 'bulk.err_course_ambiguous' END, r.course
		FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course WHERE c.n_pub <> 1
		UNION ALL
		SELECT r.line, 'cohort',
		       CASE WHEN c.cohort_based AND NOT r.has_cohort THEN 'bulk.err_cohort_required'
		            WHEN NOT c.cohort_based AND r.has_cohort THEN 'bulk.err_cohort_self_paced'
		            WHEN h.id IS NULL THEN 'bulk.err_cohort_unknown'
		            ELSE 'bulk.err_cohort_deadline' END,
		       CASE WHEN h.id IS NOT NULL THEN to_char(h.enrol_deadline AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI') ELSE r.cohort END
		FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
		LEFT JOIN cohorts h ON h.id = r.cohort::uuid AND h.course_id = c.course_id
		WHERE (c.cohort_based AND NOT r.has_cohort)
		   OR (NOT c.cohort_based AND r.has_cohort)
		   OR (c.cohort_based AND r.cohort IS NOT NULL AND (h.id IS NULL OR h.enrol_deadline <= now()))
		UNION ALL
		SELECT d.line, 'course', 'bulk.err_duplicate', d.first::text FROM (
			SELECT r.line, min(r.line) OVER (PARTITION BY r.email, coalesce(c.course_id::text, r.course)) AS first
			FROM bulk_rows r LEFT JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
			WHERE r.email IS NOT NULL AND r.course <> '') d
		WHERE d.line > d.first`)
	if err != nil {
		return nil, fmt.Errorf("bulk checks: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT line, col, key, coalesce(arg, '') FROM bulk_errors`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BulkError
	for rows.Next() {
		var e BulkError
		var arg string
		if err := rows.Scan(&e.Line, &e.Column, &e.Key, &arg); err != nil {
			return nil, err
		}
		if arg != "" {
			e.Args = []any{arg}
		}
		switch e.Key {
		case "bulk.err_duplicate":
			var first int
			fmt.Sscan(arg, &first)
			e.Args = []any{first}
		case "bulk.err_cohort_required", "bulk.err_cohort_self_paced":
			e.Args = nil
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// summarise counts what the valid rows would do. orgID scopes pending
// enrolments and open invitations.
func summarise(ctx context.Context, q pgxRunner, orgID string, rep *BulkReport) error {
	err := q.QueryRow(ctx, `
		WITH v AS (
			SELECT r.line, r.email, r.cohort, c.course_id, u.id AS user_id,
			       u.id IS NOT NULL AND EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = u.id AND e.course_id = c.course_id AND e.status <> 'withdrawn' AND e.superseded_at IS NULL) AS live,
			       u.id IS NULL AND EXISTS (SELECT 1 FROM pending_enrolments p WHERE p.org_id = $1 AND p.email = r.email AND p.course_id = c.course_id) AS pending
			FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
			LEFT JOIN users u ON u.email = r.email
			WHERE NOT r.bad AND NOT EXISTS (SELECT 1 FROM bulk_errors e WHERE e.line = r.line)
		), seats AS (
			SELECT v.line, row_number() OVER (PARTITION BY v.cohort ORDER BY v.line) > (h.capacity - h.seats_taken) AS waits
			FROM v JOIN cohorts h ON h.id = v.cohort::uuid WHERE v.user_id IS NOT NULL AND NOT v.live
		)
		SELECT count(*),
		       count(*) FILTER (WHERE user_id IS NOT NULL AND NOT live),
		       (SELECT count(*) FROM seats WHERE waits),
		       count(*) FILTER (WHERE user_id IS NULL AND NOT pending),
		       count(DISTINCT email) FILTER (WHERE user_id IS NULL AND NOT EXISTS (SELECT 1 FROM invitations i
		           WHERE i.org_id = $1 AND i.email = v.email AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now())),
		       count(*) FILTER (WHERE live OR pending)
		FROM v`, orgID).Scan(&rep.RowsOK, &rep.Enrol, &rep.Waitlisted, &rep.Invite, &rep.Invitations, &rep.Unchanged)
	if err != nil {
		return fmt.Errorf("bulk summary: %w", err)
	}
	return nil
}

// checkFile reads and checks data inside q's session: the staging tables
// stay there for the caller (the import job uses them).
func (b *Bulk) checkFile(ctx context.Context, q pgxRunner, orgID string, data []byte) (*BulkReport, []bulkRow, error) {
	t := time.Now()
	rows, errs, err := parseBulkCSV(data)
	if err != nil {
		return nil, nil, err
	}
	t = b.trace("parse", t)
	rep := &BulkReport{Rows: len(rows)}
	if len(rows) > 0 || len(errs) == 0 {
		if err := stageBulkRows(ctx, q, rows); err != nil {
			return nil, nil, err
		}
		t = b.trace("stage (COPY)", t)
		dbErrs, err := checkStagedRows(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		t = b.trace("checks", t)
		errs = append(errs, dbErrs...)
		if err := summarise(ctx, q, orgID, rep); err != nil {
			return nil, nil, err
		}
		b.trace("summary", t)
	}
	sortBulkErrors(errs)
	rep.Errors = errs
	lines := map[int]bool{}
	for _, e := range errs {
		lines[e.Line] = true
	}
	rep.RowsWithErrors = len(lines)
	if rep.RowsWithErrors > rep.Rows {
		rep.RowsWithErrors = rep.Rows
	}
	rep.RowsOK = rep.Rows - rep.RowsWithErrors
	if !rep.OK() {
		// Nothing would happen: the file is all-or-nothing.
		rep.Enrol, rep.Waitlisted, rep.Invite, rep.Invitations, rep.Unchanged = 0, 0, 0, 0, 0
	}
	return rep, rows, nil
}

var bulkColumnOrder = map[string]int{"": 0, "email": 1, "name": 2, "prefecture": 3, "industry": 4, "segment": 5, "course": 6, "cohort": 7}

func sortBulkErrors(errs []BulkError) {
	less := func(a, b BulkError) bool {
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return bulkColumnOrder[a.Column] < bulkColumnOrder[b.Column]
	}
	sort.SliceStable(errs, func(i, j int) bool { return less(errs[i], errs[j]) })
}

// DryRun checks a CSV file for orgID without changing anything: every row
// is validated and every problem reported with its line, and the report
// says what the real run would do. The file is kept (keyed by its SHA-256,
// for a day) so that the real run uses exactly the file that was checked.
// Errors: not_found (not an admin of the organisation), invalid (field
// "file": bulk.err_too_large, bulk.err_encoding, bulk.err_empty,
// bulk.err_no_rows, bulk.err_too_many_rows).
func (b *Bulk) DryRun(ctx context.Context, actor BulkActor, orgID, filename string, data []byte) (*BulkReport, error) {
	if err := requireBulkAdmin(ctx, b.db, actor.UserID, orgID); err != nil {
		return nil, err
	}
	rep, err := b.check(ctx, orgID, data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	rep.SHA256 = hex.EncodeToString(sum[:])
	rep.Filename = cleanFilename(filename)
	err = b.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Old files that no import is waiting for are removed.
		if err := tx.Exec(`DELETE FROM enrolment_import_files f WHERE created_at < ? AND NOT EXISTS (
			SELECT 1 FROM enrolment_imports i WHERE i.org_id = f.org_id AND i.sha256 = f.sha256 AND i.status IN ('queued', 'running'))`,
			b.now().Add(-bulkFileTTL)).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO enrolment_import_files (org_id, sha256, filename, content, total_rows, error_count)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, sha256) DO UPDATE SET filename = EXCLUDED.filename, total_rows = EXCLUDED.total_rows,
				error_count = EXCLUDED.error_count, created_at = now()`,
			orgID, sum[:], rep.Filename, data, rep.Rows, len(rep.Errors)).Error
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return rep, nil
}

// check runs the checks in a transaction that is rolled back: the staging
// tables vanish with it and nothing is written.
func (b *Bulk) check(ctx context.Context, orgID string, data []byte) (*BulkReport, error) {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return nil, apperr.Coded(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rep, _, err := b.checkFile(ctx, tx, orgID, data)
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return rep, nil
}

// StoredReport checks again a file kept by an earlier dry run (for the
// download of every error). Errors: not_found (unknown file, or not an
// admin of the organisation).
func (b *Bulk) StoredReport(ctx context.Context, actor BulkActor, orgID, shaHex string) (*BulkReport, error) {
	if err := requireBulkAdmin(ctx, b.db, actor.UserID, orgID); err != nil {
		return nil, err
	}
	f, err := b.storedFile(ctx, b.db, orgID, shaHex)
	if err != nil {
		return nil, err
	}
	rep, err := b.check(ctx, orgID, f.Content)
	if err != nil {
		return nil, err
	}
	rep.SHA256, rep.Filename = shaHex, f.Filename
	return rep, nil
}

type storedFile struct {
	Filename   string
	Content    []byte
	TotalRows  int
	ErrorCount int
}

func (b *Bulk) storedFile(ctx context.Context, db *gorm.DB, orgID, shaHex string) (*storedFile, error) {
	sum, err := hex.DecodeString(shaHex)
	if err != nil || len(sum) != sha256.Size {
		return nil, apperr.New(apperr.NotFound, "bulk.err_file_gone")
	}
	var f storedFile
	err = db.WithContext(ctx).Raw(`SELECT filename, content, total_rows, error_count FROM enrolment_import_files
		WHERE org_id = ? AND sha256 = ?`, orgID, sum).Scan(&f).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if f.Content == nil {
		return nil, apperr.New(apperr.NotFound, "bulk.err_file_gone")
	}
	return &f, nil
}

func cleanFilename(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	if name == "" {
		name = "enrolments.csv"
	}
	return name
}

// ---------------------------------------------------------------------------
// The real run

// BulkEnrolArgs is the River job that runs one import.
type BulkEnrolArgs struct {
	ImportID string `json:"import_id"`
}

// Kind is River's job kind for BulkEnrolArgs.
func (BulkEnrolArgs) Kind() string { return "bulk_enrol" }

// InsertOpts: a few attempts; the job resumes where it stopped.
func (BulkEnrolArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

// BulkEnrolWorker runs bulk enrolment imports.
type BulkEnrolWorker struct {
	river.WorkerDefaults[BulkEnrolArgs]
	Bulk *Bulk
}

// Work runs the import; on its last failed attempt the import is marked
// failed so the page stops waiting.
func (w *BulkEnrolWorker) Work(ctx context.Context, job *river.Job[BulkEnrolArgs]) error {
	err := w.Bulk.RunImport(ctx, job.Args.ImportID)
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.Bulk.failImport(context.WithoutCancel(ctx), job.Args.ImportID, "bulk.err_job_failed")
	}
	return err
}

// Timeout allows a large file the time it needs (River's default is a minute).
func (w *BulkEnrolWorker) Timeout(*river.Job[BulkEnrolArgs]) time.Duration { return 30 * time.Minute }

// StartImport queues the real run of a file that passed its dry run, in
// one transaction with the enrolment_imports row and an audit entry.
// Starting the same file while its import is still queued or running
// returns that import. Errors: not_found (not an admin, or no such file:
// "bulk.err_file_gone"), conflict ("bulk.err_has_errors").
func (b *Bulk) StartImport(ctx context.Context, actor BulkActor, orgID, shaHex string) (*Import, error) {
	var imp Import
	err := b.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireBulkAdmin(ctx, tx, actor.UserID, orgID); err != nil {
			return err
		}
		// Serialise starts per organisation, so a double click starts one import.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('bulk-import:' || ?))`, orgID).Error; err != nil {
			return err
		}
		f, err := b.storedFile(ctx, tx, orgID, shaHex)
		if err != nil {
			return err
		}
		if f.ErrorCount > 0 {
			return apperr.New(apperr.Conflict, "bulk.err_has_errors")
		}
		sum, _ := hex.DecodeString(shaHex)
		var running []Import
		if err := tx.Where("org_id = ? AND sha256 = ? AND status IN ?", orgID, sum, []string{ImportQueued, ImportRunning}).
			Limit(1).Find(&running).Error; err != nil {
			return err
		}
		if len(running) > 0 {
			imp = running[0]
			return nil
		}
		imp = Import{OrgID: orgID, CreatedBy: &actor.UserID, Filename: f.Filename, Sha256: sum, Status: ImportQueued, TotalRows: f.TotalRows}
		if err := tx.Raw(`INSERT INTO enrolment_imports (org_id, created_by, filename, sha256, status, total_rows)
			VALUES (?, ?, ?, ?, 'queued', ?) RETURNING id, created_at`,
			orgID, actor.UserID, f.Filename, sum, f.TotalRows).Row().Scan(&imp.ID, &imp.CreatedAt); err != nil {
			return err
		}
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return errors.New("bulk: StartImport needs a transaction")
		}
		if _, err := b.jobs.InsertTx(ctx, sqlTx, BulkEnrolArgs{ImportID: imp.ID}, nil); err != nil {
			return fmt.Errorf("queue bulk import: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.UserID, Action: "learning.bulk_import_started",
			TargetType: "enrolment_import", TargetID: imp.ID, OrgID: orgID, IP: actor.IP,
			Details: map[string]any{"filename": f.Filename, "rows": f.TotalRows, "sha256": shaHex}})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return &imp, nil
}

// Import returns one import of the organisation. SECURITY: another
// organisation's import is not_found. Errors: not_found.
func (b *Bulk) Import(ctx context.Context, actor BulkActor, orgID, importID string) (*Import, error) {
	if err := requireBulkAdmin(ctx, b.db, actor.UserID, orgID); err != nil {
		return nil, err
	}
	if !validID(importID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var imp Import
	err := b.db.WithContext(ctx).Where("id = ? AND org_id = ?", importID, orgID).Take(&imp).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &imp, nil
}

// Imports lists the organisation's latest imports, newest first. Errors:
// not_found (not an admin of the organisation).
func (b *Bulk) Imports(ctx context.Context, actor BulkActor, orgID string, limit int) ([]Import, error) {
	if err := requireBulkAdmin(ctx, b.db, actor.UserID, orgID); err != nil {
		return nil, err
	}
	var out []Import
	if err := b.db.WithContext(ctx).Where("org_id = ?", orgID).Order("created_at DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

func (b *Bulk) failImport(ctx context.Context, importID, key string) {
	b.db.WithContext(ctx).Exec(`UPDATE enrolment_imports SET status = 'failed', error = ?, finished_at = now()
		WHERE id = ? AND status IN ('queued', 'running')`, key, importID)
}

// RunImport carries out an import (the job's body). It checks the file
// again (courses or cohorts may have changed since the dry run: any problem
// fails the import before anything is written), then applies it in
// batches of bulkBatchRows rows, one short transaction each, recording
// progress in the same transaction; a retried job resumes after the last
// committed batch, so each row is applied once.
func (b *Bulk) RunImport(ctx context.Context, importID string) error {
	if !validID(importID) {
		return nil
	}
	var imp Import
	if err := b.db.WithContext(ctx).Where("id = ?", importID).Take(&imp).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		return err
	}
	if imp.Finished() {
		return nil
	}
	var f storedFile
	if err := b.db.WithContext(ctx).Raw(`SELECT filename, content, total_rows, error_count FROM enrolment_import_files WHERE org_id = ? AND sha256 = ?`,
		imp.OrgID, imp.Sha256).Scan(&f).Error; err != nil {
		return err
	}
	if f.Content == nil {
		b.failImport(ctx, importID, "bulk.err_file_gone")
		return nil
	}
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS pg_temp.bulk_rows, pg_temp.bulk_courses, pg_temp.bulk_errors`); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx)) // never hand back a session with leftovers
		}
		conn.Release()
	}()
	rep, rows, err := b.checkFile(ctx, conn, imp.OrgID, f.Content)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			b.failImport(ctx, importID, "bulk.err_revalidation")
			return nil
		}
		return err
	}
	if !rep.OK() {
		b.failImport(ctx, importID, "bulk.err_revalidation")
		return nil
	}
	if _, err := conn.Exec(ctx, `UPDATE enrolment_imports SET status = 'running', total_rows = $2 WHERE id = $1`, importID, len(rows)); err != nil {
		return err
	}
	o, err := b.orgForMail(ctx, imp)
	if err != nil {
		return err
	}
	for start := imp.Processed; start < len(rows); start += bulkBatchRows {
		end := min(start+bulkBatchRows, len(rows))
		if err := b.applyBatch(ctx, conn, imp, o, start, end); err != nil {
			return err
		}
	}
	now := b.now()
	if err := b.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE enrolment_imports SET status = 'done', finished_at = ?, processed = total_rows WHERE id = ?`, now, importID).Error; err != nil {
			return err
		}
		// The file holds personal data: it goes once it has been applied.
		if err := tx.Exec(`DELETE FROM enrolment_import_files WHERE org_id = ? AND sha256 = ?`, imp.OrgID, imp.Sha256).Error; err != nil {
			return err
		}
		var done Import
		if err := tx.Where("id = ?", importID).Take(&done).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: deref(imp.CreatedBy), Action: "learning.bulk_import_done",
			TargetType: "enrolment_import", TargetID: importID, OrgID: imp.OrgID,
			Details: map[string]any{"rows": done.TotalRows, "enrolled": done.Enrolled, "invited": done.Invited, "unchanged": done.Unchanged}})
	}); err != nil {
		return err
	}
	return nil
}

// mailOrg is what invitation emails say about the organisation.
type mailOrg struct {
	NameJa, NameEn, Inviter string
}

func (b *Bulk) orgForMail(ctx context.Context, imp Import) (mailOrg, error) {
	var o mailOrg
	err := b.db.WithContext(ctx).Raw(`SELECT o.name_ja, o.name_en, coalesce(u.display_name, '') AS inviter
		FROM organisations o LEFT JOIN users u ON u.id = ? WHERE o.id = ?`, imp.CreatedBy, imp.OrgID).Scan(&o).Error
	return o, err
}

// applyBatch applies the rows idx in [start, end) in one transaction:
// enrolments of existing accounts (seats taken under the cohorts' row
// locks, so never more than capacity; the rest waitlisted in file order)
// with their learning events, pending enrolments and one invitation per
// new address with its email, and the import's progress.
func (b *Bulk) applyBatch(ctx context.Context, conn *pgxpool.Conn, imp Import, o mailOrg, start, end int) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	now := b.now()
	// The batch touches a few thousand rows of tables that this very job
	// makes grow (enrolments, invitations), faster than autovacuum
	// refreshes their statistics; with stale statistics the planner may
	// scan all of the organisation's rows for every row of the batch. The
	// look-ups below are LATERAL ... LIMIT 1 subqueries, which PostgreSQL
	// always runs per row as an index look-up, whatever the statistics say.
	// Lock the batch's cohorts (in a fixed order: no deadlocks with other
	// batches or with learners enrolling one by one).
	if _, err := tx.Exec(ctx, `SELECT h.id FROM cohorts h WHERE h.id IN (
			SELECT DISTINCT r.cohort::uuid FROM bulk_rows r WHERE r.idx >= $1 AND r.idx < $2 AND r.cohort IS NOT NULL)
		ORDER BY h.id FOR UPDATE`, start, end); err != nil {
		return fmt.Errorf("bulk lock cohorts: %w", err)
	}
	t := time.Now()
	details := fmt.Sprintf(`{"import_id": %q}`, imp.ID)
	var enrolled int
	err = tx.QueryRow(ctx, `
		WITH todo AS (
			SELECT r.idx, u.id AS user_id, c.course_id, r.cohort::uuid AS cohort_id, c.next_lesson
			FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
			JOIN users u ON u.email = r.email
			LEFT JOIN LATERAL (SELECT 1 AS found FROM enrolments e
				WHERE e.user_id = u.id AND e.course_id = c.course_id AND e.status <> 'withdrawn' AND e.superseded_at IS NULL LIMIT 1) live ON true
			WHERE r.idx >= $1 AND r.idx < $2 AND live.found IS NULL
		), cand AS (
			SELECT t.*, CASE WHEN t.cohort_id IS NULL THEN 'active'
			                 WHEN row_number() OVER (PARTITION BY t.cohort_id ORDER BY t.idx) <= h.capacity - h.seats_taken THEN 'active'
			                 ELSE 'waitlisted' END AS status
			FROM todo t LEFT JOIN cohorts h ON h.id = t.cohort_id
		), ins AS (
			INSERT INTO enrolments (user_id, course_id, cohort_id, org_id, status, waitlist_pos, enrolled_at, progress_percent, next_lesson_id)
			SELECT user_id, course_id, cohort_id, $3, status,
			       CASE WHEN status = 'waitlisted' THEN nextval('waitlist_order') END, $4, 0,
			       CASE WHEN status = 'active' THEN next_lesson END
			FROM (SELECT * FROM cand ORDER BY idx) o
			ON CONFLICT (user_id, course_id) WHERE status <> 'withdrawn' AND superseded_at IS NULL DO NOTHING
			RETURNING id, user_id, course_id, cohort_id, status
		), ev AS (
			INSERT INTO learning_events (occurred_at, event_type, user_id, enrolment_id, course_id, provider_id, skill_area,
				cohort_id, org_id, prefecture, industry, segment, details)
			SELECT $4, t.type, i.user_id, i.id, i.course_id, c.provider_id, c.skill_area, i.cohort_id, $3,
			       u.prefecture_code, u.industry_code, u.segment, $5::jsonb
			FROM ins i JOIN users u ON u.id = i.user_id
			JOIN bulk_courses c ON c.course_id = i.course_id AND c.n_pub = 1
			CROSS JOIN LATERAL (VALUES (1, 'enrolled'),
				(2, CASE WHEN i.cohort_id IS NULL THEN NULL WHEN i.status = 'active' THEN 'seat_taken' ELSE 'waitlisted' END)) t(n, type)
			WHERE t.type IS NOT NULL
		), seats AS (
			UPDATE cohorts h SET seats_taken = h.seats_taken + n.taken
			FROM (SELECT cohort_id, count(*) AS taken FROM ins WHERE status = 'active' AND cohort_id IS NOT NULL GROUP BY cohort_id) n
			WHERE h.id = n.cohort_id
		)
		SELECT count(*) FROM ins`, start, end, imp.OrgID, now, details).Scan(&enrolled)
	if err != nil {
		return fmt.Errorf("bulk enrol: %w", err)
	}
	t = b.trace("batch: enrol", t)
	tag, err := tx.Exec(ctx, `
		INSERT INTO pending_enrolments (org_id, email, course_id, cohort_id, import_id, display_name, prefecture_code, industry_code, segment)
		SELECT $3, r.email, c.course_id, r.cohort::uuid, $4, r.name, r.prefecture, r.industry, r.segment
		FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
		WHERE r.idx >= $1 AND r.idx < $2 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = r.email)
		ON CONFLICT (org_id, email, course_id) DO NOTHING`, start, end, imp.OrgID, imp.ID)
	if err != nil {
		return fmt.Errorf("bulk pending: %w", err)
	}
	invited := int(tag.RowsAffected())
	t = b.trace("batch: pending", t)
	if err := b.inviteBatch(ctx, tx, imp, o, start, end, now); err != nil {
		return err
	}
	t = b.trace("batch: invitations and emails", t)
	unchanged := (end - start) - enrolled - invited
	if _, err := tx.Exec(ctx, `UPDATE enrolment_imports SET processed = $2, enrolled = enrolled + $3, invited = invited + $4,
		unchanged = unchanged + $5, status = 'running' WHERE id = $1`, imp.ID, end, enrolled, invited, unchanged); err != nil {
		return err
	}
	err = tx.Commit(ctx)
	b.trace("batch: commit", t)
	return err
}

// inviteBatch invites, as members, the batch's addresses that have no
// account and no open invitation from the organisation, and queues their
// emails (in Japanese with the English below: their language is not known).
func (b *Bulk) inviteBatch(ctx context.Context, tx pgx.Tx, imp Import, o mailOrg, start, end int, now time.Time) error {
	t := time.Now()
	// Addresses of the batch without an account and without an open,
	// unexpired invitation; an open but expired one is closed first (it
	// holds the one-open-invitation-per-address slot).
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT ON (r.email) r.email, open.id::text
		FROM bulk_rows r
		LEFT JOIN LATERAL (SELECT i.id, i.expires_at FROM invitations i WHERE i.org_id = $3 AND i.email = r.email
			AND i.accepted_at IS NULL AND i.revoked_at IS NULL LIMIT 1) open ON true
		WHERE r.idx >= $1 AND r.idx < $2 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = r.email)
		  AND (open.id IS NULL OR open.expires_at <= $4)
		ORDER BY r.email`, start, end, imp.OrgID, now)
	if err != nil {
		return fmt.Errorf("bulk invitees: %w", err)
	}
	var emails, expired []string
	for rows.Next() {
		var email string
		var old *string
		if err := rows.Scan(&email, &old); err != nil {
			rows.Close()
			return err
		}
		emails = append(emails, email)
		if old != nil {
			expired = append(expired, *old)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(emails) == 0 {
		return nil
	}
	t = b.trace("invite: select", t)
	if len(expired) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE invitations SET revoked_at = $2 WHERE id = ANY($1::uuid[])`, expired, now); err != nil {
			return err
		}
	}
	t = b.trace("invite: revoke expired", t)
	tokens := make(map[string]string, len(emails))
	hashes := make([][]byte, len(emails))
	for i, e := range emails {
		tok, hash, err := bulkToken()
		if err != nil {
			return err
		}
		tokens[e], hashes[i] = tok, hash
	}
	expires := now.Add(7 * 24 * time.Hour)
	rows, err = tx.Query(ctx, `
		INSERT INTO invitations (org_id, email, role, token_hash, invited_by, expires_at)
		SELECT $1, t.email, 'member', t.hash, $4, $5 FROM unnest($2::text[], $3::bytea[]) AS t(email, hash)
		ON CONFLICT (org_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL DO NOTHING
		RETURNING email`, imp.OrgID, emails, hashes, imp.CreatedBy, expires)
	if err != nil {
		return fmt.Errorf("bulk invitations: %w", err)
	}
	created, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	t = b.trace("invite: tokens and insert", t)
	if len(created) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(created))
	for i, e := range created {
		params[i] = river.InsertManyParams{Args: b.invitationMail(o, e, tokens[e], expires)}
	}
	t = b.trace("invite: compose emails", t)
	if _, err := b.mailJobs.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("bulk invitation emails: %w", err)
	}
	b.trace("invite: queue emails", t)
	return nil
}

// invitationMail is the invitation email for a person without an account:
// the organisation's invitation text in Japanese with the English below.
func (b *Bulk) invitationMail(o mailOrg, email, token string, expires time.Time) mailq.Message {
	link := strings.TrimRight(b.baseURL, "/") + "/invitations/" + token
	at := expires.In(tokyo).Format("2006-01-02 15:04")
	text := func(lang string) (string, string) {
		l := b.messages.For(lang)
		name := l.Pick(o.NameJa, o.NameEn)
		return l.T("org.invite_mail_subject", name),
			l.T("org.invite_mail_body", o.Inviter, name, l.T("org.role_member"), link, at) + "\n\n" + l.T("bulk.mail_courses_note")
	}
	sj, bj := text("ja")
	se, be := text("en")
	return mailq.Message{To: email, Subject: sj + " / " + se,
		Body: bj + "\n\n----------------------------------------\n\n" + be}
}

// tokyo is Japan Standard Time, for dates in emails.
var tokyo = time.FixedZone("JST", 9*3600)

// bulkToken returns a random invitation token and the SHA-256 stored for
// it. SECURITY: as for every invitation, only the hash is kept.
func bulkToken() (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(tok))
	return tok, sum[:], nil
}

// ---------------------------------------------------------------------------
// Invitation acceptance

// ClaimPending turns the pending enrolments an organisation made for email
// into enrolments of userID, inside tx (the invitation acceptance's
// transaction; org.Service calls it through its accept hook). The ordinary
// rules apply at this moment: a self-paced course enrols; a cohort takes a
// seat or joins the waitlist, and its enrolment deadline must not have
// passed. A course that can no longer be enrolled in (unpublished, deadline
// passed, already enrolled) is skipped without failing the acceptance. The
// pending rows are removed either way.
func (b *Bulk) ClaimPending(ctx context.Context, tx *gorm.DB, orgID, userID, email string) error {
	var pending []struct {
		CourseID string
		CohortID *string
	}
	if err := tx.WithContext(ctx).Raw(`SELECT course_id, cohort_id FROM pending_enrolments WHERE org_id = ? AND email = ?
		ORDER BY created_at, course_id FOR UPDATE`, orgID, strings.ToLower(email)).Scan(&pending).Error; err != nil {
		return err
	}
	for _, p := range pending {
		var err error
		if p.CohortID != nil {
			_, err = b.learning.enrolCohort(ctx, tx, userID, p.CourseID, *p.CohortID, orgID)
		} else {
			err = tx.WithContext(ctx).Transaction(func(stx *gorm.DB) error {
				return b.learning.enrolSelfPacedFor(ctx, stx, userID, p.CourseID, orgID)
			})
		}
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
				continue // this course can no longer be enrolled in: skipped
			}
			return err
		}
	}
	return tx.WithContext(ctx).Exec(`DELETE FROM pending_enrolments WHERE org_id = ? AND email = ?`, orgID, strings.ToLower(email)).Error
}

// enrolSelfPacedFor enrols userID in a published self-paced course on
// behalf of orgID inside tx, with the "enrolled" event.
func (s *Service) enrolSelfPacedFor(ctx context.Context, tx *gorm.DB, userID, courseID, orgID string) error {
	c, err := publishedCourse(ctx, tx, courseID)
	if err != nil {
		return err
	}
	if c.DeliveryMode != nil && *c.DeliveryMode == "cohort" {
		return apperr.New(apperr.Conflict, "learning.err_needs_cohort")
	}
	e, err := insertEnrolment(ctx, tx, Enrolment{UserID: userID, CourseID: c.ID, OrgID: &orgID, Status: StatusActive, EnrolledAt: s.now()})
	if err != nil {
		return err
	}
	if err := AppendEvent(ctx, tx, Event{Type: EventEnrolled, UserID: userID, EnrolmentID: e.ID, CourseID: c.ID, OrgID: orgID}); err != nil {
		return err
	}
	return s.recompute(ctx, tx, e.ID, s.now())
}
