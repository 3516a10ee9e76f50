// Package bulkenrol is bulk enrolment by CSV: an organisation admin uploads
// a file of people and courses, a dry run checks every row and says what
// would happen, and a background job applies it in batches. It is a
// coordinator: it owns its own tables (enrolment_imports,
// enrolment_import_files, pending_enrolments) and asks the owners for the
// rest: learning enrols (learning.EnrolStaged, EnrolCohortFor,
// EnrolSelfPacedFor) and org invites (org.CreateMemberInvitations), each
// inside the batch's transaction.
//
// The files say what they hold: parse.go reads the CSV, check.go checks it
// against the database on staging tables, files.go keeps checked files for
// the real run, job.go starts and runs imports, apply.go applies one batch,
// claim.go turns pending enrolments into enrolments on acceptance.
package bulkenrol

import (
	"context"
	"fmt"
	"takumi/internal/apperr"
	"takumi/internal/database"
	"takumi/internal/i18n"
	"takumi/internal/learning"
	"time"

	"github.com/google/uuid"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"gorm.io/gorm"
)

// Limits of bulk enrolment files.
const (
	// MaxFileBytes is the largest CSV file accepted (20 MB).
	MaxFileBytes = 20 << 20
	// MaxRows is the most data rows one file may hold.
	MaxRows = 200_000
	// bulkBatchRows is how many rows one transaction of the real run
	// handles: short transactions keep the site responsive.
	bulkBatchRows = 5000
	// bulkFileTTL is how long an uploaded file waits for its import.
	bulkFileTTL = 24 * time.Hour
)

// Columns are the CSV columns, in order, as the English header names
// them; ColumnsJa is the Japanese header, also accepted.
var (
	Columns   = []string{"email", "name", "prefecture", "industry", "segment", "course", "cohort"}
	ColumnsJa = []string{"メールアドレス", "氏名", "都道府県コード", "業種コード", "区分", "講座コード", "日程"}
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

// RowError is one problem of a CSV file: its line (1-based; the header is
// line 1), the column ("" for the whole line) and a catalogue key with its
// arguments.
type RowError struct {
	Line   int
	Column string
	Key    string
	Args   []any
}

// Report is the result of a dry run: what the file would do, and every
// problem found. A file with any problem is never imported.
type Report struct {
	SHA256         string // hex; names the stored file for the real run
	Filename       string
	Rows           int // data rows (header excluded)
	RowsOK         int
	RowsWithErrors int
	// SECURITY: the counts never tell which addresses have an account
	// (summarise).
	Enrol      int // rows that would enrol or invite a person (account or not)
	Waitlisted int // of Enrol: rows beyond a cohort's free seats (may wait for a seat)
	Unchanged  int // rows this organisation already enrolled or has pending
	Errors     []RowError
}

// OK reports whether the file passed every check.
func (r *Report) OK() bool { return len(r.Errors) == 0 }

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

// Actor is the organisation admin acting.
type Actor struct {
	UserID string
	IP     string
}

// Service carries out bulk enrolment by CSV: dry runs, starting imports,
// the import job, and turning pending enrolments into enrolments when an
// invited person accepts. It works on the pgx pool directly: staging rows
// go in with COPY and are checked and applied with set-based SQL.
type Service struct {
	learning *learning.Service
	pool     *pgxpool.Pool
	db       *gorm.DB
	messages *i18n.Catalog
	baseURL  string
	jobs     *database.JobInserter // queues import jobs in gorm transactions
	mailJobs *river.Client[pgx.Tx] // queues invitation emails in batch transactions
	now      func() time.Time
	// Trace, when set, is told how long each stage took (the benchmark
	// reports them).
	Trace func(stage string, d time.Duration)
	// onFinished runs inside the transaction that ends an import.
	onFinished FinishedHook
}

// trace reports the time since start for stage and returns now.
func (b *Service) trace(stage string, start time.Time) time.Time {
	now := time.Now()
	if b != nil && b.Trace != nil {
		b.Trace(stage, now.Sub(start))
	}
	return now
}

// NewService returns the bulk enrolment service on db's pool.
func NewService(db *database.DB, lrn *learning.Service, messages *i18n.Catalog, baseURL string) (*Service, error) {
	jobs, err := db.JobInserter(nil)
	if err != nil {
		return nil, fmt.Errorf("bulk: river inserter: %w", err)
	}
	mailJobs, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("bulk: river inserter: %w", err)
	}
	return &Service{learning: lrn, pool: db.Pool, db: db.Gorm, messages: messages, baseURL: baseURL,
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

// validID reports whether every id is a well-formed UUID, so a typo is not
// found rather than an error that aborts the transaction.
func validID(ids ...string) bool {
	for _, id := range ids {
		if _, err := uuid.Parse(id); err != nil {
			return false
		}
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
