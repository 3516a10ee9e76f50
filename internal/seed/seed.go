// Package seed generates the reference data set for scale work (DESIGN.md,
// "Scale"): a million learners with plausible prefectures, industries and
// segments, published courses, millions of enrolments with their progress,
// lesson progress and, on request, tens of millions of learning events
// (with a credential_issued event for every completion, and the national
// programmes they count toward). It writes with PostgreSQL COPY in
// parallel chunks and is deterministic: the same options give the same
// rows.
//
// Every seed account's email ends in @seed.takumi.localhost, so seed data is
// recognisable, and a second run finds it and does nothing. One learner,
// bench-learner@seed.takumi.localhost, has exactly 50 enrolments scattered
// through the enrolment table: the learner the page benchmarks measure.
package seed

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"

	"takumi/internal/account"
	"takumi/internal/database"
	"takumi/internal/progress"
	"takumi/internal/recount"
)

// EmailDomain marks every account the generator creates.
const EmailDomain = "seed.takumi.localhost"

// BenchLearnerEmail is the learner with exactly BenchEnrolments enrolments.
const BenchLearnerEmail = "bench-learner@" + EmailDomain

// BenchEnrolments is the benchmark learner's number of enrolments.
const BenchEnrolments = 50

// Options says how much to generate.
type Options struct {
	// Learners is the number of learner accounts (besides the bench learner).
	Learners int
	// EnrolmentsPerLearner is the average; the total is exactly
	// Learners × EnrolmentsPerLearner (plus the bench learner's 50).
	EnrolmentsPerLearner int
	// Events is the exact number of learning events to write (0: none).
	Events int64
	// ProgressShare is the share (0..1) of enrolments whose lesson-by-lesson
	// progress rows are written; the others carry only their derived
	// progress (percent, next lesson). The bench learner always has rows.
	ProgressShare float64
	// Courses is the number of courses to create when fewer than
	// MinPublishedCourses are published.
	Courses int
	// Workers is the number of parallel COPY streams.
	Workers int
	// Env is TAKUMI_ENV: the generator refuses to run in production.
	Env string
	// Password is every seed account's password ("" makes a random one,
	// reported in Result.Password).
	Password string
	// Now is the end of the generated history (zero: today, midnight UTC).
	Now time.Time
	// RandomSeed fixes the pseudo-random streams (0: DefaultRandomSeed).
	RandomSeed uint64
	// Log receives progress lines (nil: discarded).
	Log io.Writer
}

// Defaults of the reference data set (DESIGN.md, "Scale").
const (
	DefaultLearners             = 1_000_000
	DefaultEnrolmentsPerLearner = 5
	DefaultProgressShare        = 0.2
	DefaultCourses              = 200
	DefaultRandomSeed           = 2030
	// MinPublishedCourses: with fewer published courses the generator
	// creates its own (Options.Courses of them).
	MinPublishedCourses = 50
)

// HistoryStart is when the generated history begins: the national
// programme's first day (learners sign up, enrol, complete and earn
// credentials from then to Options.Now).
var HistoryStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Result reports what a run wrote.
type Result struct {
	// Skipped: seed data was already present and nothing was written.
	Skipped        bool
	Learners       int64 // seed accounts, the bench learner included
	Enrolments     int64
	LessonProgress int64
	Events         int64
	// Credentials is the number of credential_issued events among Events
	// (synthetic: no credentials rows, see credentialID).
	Credentials int64
	CoursesUsed int
	// ProgrammesCreated is the number of national programmes created
	// (progress.NationalProgrammes that were missing).
	ProgrammesCreated int
	CoursesCreated    int
	BenchLearnerID    string
	Password          string
	Steps             []Step
	Elapsed           time.Duration
}

// Step is one timed phase of a run.
type Step struct {
	Name    string
	Rows    int64
	Elapsed time.Duration
}

// ErrProduction is returned when the generator is asked to run in production.
var ErrProduction = errors.New("seed: refusing to generate data in production (TAKUMI_ENV=production)")

// Run generates the data set into db, whose schema must be migrated. When
// seed data is already present it does nothing and reports Skipped. A run
// that fails half-way leaves its rows; generate into a fresh database.
func Run(ctx context.Context, db *database.DB, o Options) (*Result, error) {
	if o.Env == "production" {
		return nil, ErrProduction
	}
	o = withDefaults(o)
	if o.Learners < 0 || o.EnrolmentsPerLearner < 0 || o.Events < 0 || o.ProgressShare < 0 || o.ProgressShare > 1 {
		return nil, errors.New("seed: counts must not be negative and the progress share must be between 0 and 1")
	}
	g := &generator{db: db, o: o, log: o.Log, res: &Result{}}
	start := time.Now()
	var existing int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM users WHERE email LIKE '%@`+EmailDomain+`' LIMIT 1) s`).
		Scan(&existing); err != nil {
		return nil, fmt.Errorf("seed: look for seed data: %w", err)
	}
	if existing > 0 {
		n, err := progress.EnsureProgrammes(ctx, db.Gorm, progress.NationalProgrammes)
		if err != nil {
			return nil, fmt.Errorf("seed: programmes: %w", err)
		}
		g.logf("seed data already present (accounts @%s): nothing done (%d missing programmes created)", EmailDomain, n)
		return &Result{Skipped: true, ProgrammesCreated: n}, nil
	}
	if o.Password == "" {
		p, err := randomPassword()
		if err != nil {
			return nil, err
		}
		g.o.Password = p
	}
	g.res.Password = g.o.Password
	steps := []struct {
		name string
		fn   func(context.Context) (int64, error)
	}{
		{"reference data and courses", g.prepare},
		{"learners", g.copyLearners},
		{"enrolments, lesson progress and events", g.copyEnrolments},
		{"counters and read models", g.recount},
		{"vacuum and analyze", g.vacuum},
	}
	for _, s := range steps {
		t := time.Now()
		g.logf("== %s", s.name)
		n, err := s.fn(ctx)
		if err != nil {
			return nil, fmt.Errorf("seed: %s: %w", s.name, err)
		}
		g.res.Steps = append(g.res.Steps, Step{Name: s.name, Rows: n, Elapsed: time.Since(t)})
		g.logf("   %s done in %s", s.name, time.Since(t).Round(time.Millisecond))
	}
	g.res.Elapsed = time.Since(start)
	return g.res, nil
}

// recount fills the counters and read models that triggers keep in normal
// running (course analytics, the employer roster, member counts, issued
// credential counts): as a superuser the COPY transactions skip every
// trigger (session_replication_role), so without this step the analytics,
// the roster and the counts would not include the seeded rows. Each
// owner's repair function does it, with its tables locked meanwhile, as
// `takumi recount` does.
func (g *generator) recount(ctx context.Context) (int64, error) {
	return 0, recount.All(ctx, g.db.Gorm, nil, func(d recount.Done) {
		g.logf("   %s recounted in %s", d.Counter.Name, d.Elapsed.Round(time.Millisecond))
	})
}

func withDefaults(o Options) Options {
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Courses <= 0 {
		o.Courses = DefaultCourses
	}
	if o.RandomSeed == 0 {
		o.RandomSeed = DefaultRandomSeed
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC().Truncate(24 * time.Hour)
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

// generator carries one run's state.
type generator struct {
	db  *database.DB
	o   Options
	res *Result

	logMu sync.Mutex
	log   io.Writer

	hash     string        // the one argon2 hash every seed account shares
	courses  []courseInfo  // published courses enrolments go to
	popular  *weighted     // course popularity
	learners learnerTable  // per-learner attributes, computed once
	bench    benchLearner  // the benchmark learner
	prefs    []string      // prefecture codes, in table order
	chunks   []learnerSpan // learner ranges written by one COPY each

	skipForeignKeyChecks bool
	walCompression       string // SET LOCAL wal_compression for COPY ("" = the server's)
}

func (g *generator) logf(format string, args ...any) {
	g.logMu.Lock()
	defer g.logMu.Unlock()
	fmt.Fprintf(g.log, format+"\n", args...)
}

// prepare hashes the shared password, makes sure there are published
// courses and the event-log partitions, and computes every learner's
// attributes.
func (g *generator) prepare(ctx context.Context) (int64, error) {
	hash, err := account.HashPassword(g.o.Password)
	if err != nil {
		return 0, err
	}
	g.hash = hash
	if err := g.ensureCourses(ctx); err != nil {
		return 0, err
	}
	// The national programmes, before any event exists: the engine then
	// counts toward them as it catches up.
	n, err := progress.EnsureProgrammes(ctx, g.db.Gorm, progress.NationalProgrammes)
	if err != nil {
		return 0, fmt.Errorf("programmes: %w", err)
	}
	g.res.ProgrammesCreated = n
	if g.o.Events > 0 {
		// Partitions from HistoryStart's month to three months ahead.
		back := monthsBetween(HistoryStart, time.Now().UTC()) + 1
		if _, err := g.db.Pool.Exec(ctx, "SELECT ensure_learning_event_partitions($1, 3)", back); err != nil {
			return 0, fmt.Errorf("event partitions: %w", err)
		}
	}
	if err := g.planLearners(ctx); err != nil {
		return 0, err
	}
	g.skipForeignKeyChecks = g.mayReplicate(ctx)
	if !g.skipForeignKeyChecks {
		g.logf("   not a superuser: COPY checks foreign keys (about three times slower)")
	}
	g.walCompression = g.mayCompressWAL(ctx)
	return int64(g.res.CoursesCreated), nil
}

func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// vacuum does what autovacuum would do after a bulk load, at once: sets the
// visibility map (index-only scans) and gathers planner statistics.
func (g *generator) vacuum(ctx context.Context) (int64, error) {
	for _, t := range []string{"users", "courses", "course_revisions", "enrolments", "lesson_progress", "learning_events"} {
		t0 := time.Now()
		if _, err := g.db.Pool.Exec(ctx, "VACUUM (ANALYZE) "+t); err != nil {
			return 0, fmt.Errorf("vacuum %s: %w", t, err)
		}
		g.logf("   vacuum (analyze) %s: %s", t, time.Since(t0).Round(time.Millisecond))
	}
	return 0, nil
}

// randomPassword makes a 16-character password for the seed accounts.
func randomPassword() (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b), nil
}

// TableSize is the size of one table with its indexes (and partitions).
type TableSize struct {
	Table string
	Rows  int64 // planner estimate after ANALYZE
	Bytes int64 // heap, TOAST and indexes
}

// Sizes reports the row estimates and on-disk sizes of the tables the
// generator fills, and of the whole database.
func Sizes(ctx context.Context, db *database.DB) ([]TableSize, int64, error) {
	var out []TableSize
	for _, t := range []string{"users", "courses", "course_revisions", "enrolments", "lesson_progress", "learning_events"} {
		var s TableSize
		s.Table = t
		// A plain table is its own only leaf; a partitioned one sums its partitions.
		err := db.Pool.QueryRow(ctx, `
			SELECT coalesce(sum(c.reltuples) FILTER (WHERE c.reltuples > 0), 0)::bigint,
			       coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
			FROM pg_class c
			WHERE c.oid = $1::regclass AND c.relkind = 'r'
			   OR c.oid IN (SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf)`, t).Scan(&s.Rows, &s.Bytes)
		if err != nil {
			return nil, 0, fmt.Errorf("size of %s: %w", t, err)
		}
		out = append(out, s)
	}
	var total int64
	if err := db.Pool.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&total); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
