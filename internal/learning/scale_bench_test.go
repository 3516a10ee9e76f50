package learning_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/learning"
	"takumi/internal/seed"
)

// The learner pages at scale (issue 4's quality bar): "My learning" and the
// course player's next lesson for a learner with 50 enrolments, in the
// database `takumi seed` fills with 1,000,000 learners and 5,000,000
// enrolments. They measure the domain functions the handlers call (the
// server's time apart from rendering). Skipped unless
// TAKUMI_SCALE_DATABASE_URL names a seeded database; scripts/scale-bench.sh
// makes one and runs
//
//	TAKUMI_SCALE_DATABASE_URL=... go test -run Scale -bench Scale -benchtime 2000x -v ./internal/learning/
//
// docs/scale.md records the figures and plans.

var scale struct {
	once    sync.Once
	db      *database.DB
	svc     *learning.Service
	learner learning.Learner
	// next lessons of the bench learner's enrolments in progress
	targets []scaleTarget
	err     error
}

type scaleTarget struct{ enrolmentID, lessonID string }

// scaleSetup opens the scale database and finds the bench learner.
func scaleSetup(tb testing.TB) {
	tb.Helper()
	url := os.Getenv("TAKUMI_SCALE_DATABASE_URL")
	if url == "" {
		tb.Skip("TAKUMI_SCALE_DATABASE_URL is not set (scripts/scale-bench.sh sets it)")
	}
	scale.once.Do(func() {
		ctx := context.Background()
		quiet := slog.Default()
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
		defer slog.SetDefault(quiet)
		if scale.db, scale.err = database.Open(ctx, url); scale.err != nil {
			return
		}
		var id string
		if scale.err = scale.db.Pool.QueryRow(ctx, "SELECT id FROM users WHERE email = $1", seed.BenchLearnerEmail).Scan(&id); scale.err != nil {
			scale.err = fmt.Errorf("bench learner %s: %w (run takumi seed)", seed.BenchLearnerEmail, scale.err)
			return
		}
		scale.learner = learning.Learner{UserID: id, IP: "127.0.0.1"}
		rows, err := scale.db.Pool.Query(ctx, `SELECT id, next_lesson_id FROM enrolments
			WHERE user_id = $1 AND status = 'active' AND next_lesson_id IS NOT NULL ORDER BY enrolled_at`, id)
		if err != nil {
			scale.err = err
			return
		}
		defer rows.Close()
		for rows.Next() {
			var t scaleTarget
			if scale.err = rows.Scan(&t.enrolmentID, &t.lessonID); scale.err != nil {
				return
			}
			scale.targets = append(scale.targets, t)
		}
		if len(scale.targets) == 0 {
			scale.err = fmt.Errorf("the bench learner has no enrolment in progress")
			return
		}
		// The course cards come from memory only while the catalogue's
		// change listener listens, as in each instance.
		courses := catalog.NewService(scale.db.Gorm, nil)
		courses.ListenForChanges(scale.db.Pool.Config().ConnConfig, nil)
		for start := time.Now(); !courses.Listening(); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				scale.err = fmt.Errorf("the catalogue listener does not listen")
				return
			}
		}
		scale.svc = learning.NewService(scale.db.Gorm, courses, nil, nil, "http://localhost")
	})
	if scale.err != nil {
		tb.Fatalf("scale database: %v", scale.err)
	}
}

// scaleMyLearning is one "My learning" page's data.
func scaleMyLearning(tb testing.TB, svc *learning.Service) {
	m, err := svc.MyLearning(context.Background(), scale.learner)
	if err != nil {
		tb.Fatal(err)
	}
	if n := m.InProgressTotal + m.CompletedTotal + len(m.Waitlisted); n != seed.BenchEnrolments-5 {
		tb.Fatalf("my learning counts %d courses, want %d (50 less the 5 withdrawn)", n, seed.BenchEnrolments-5)
	}
	if len(m.InProgress) != min(m.InProgressTotal, learning.MyLearningPageSize) || len(m.Completed) != min(m.CompletedTotal, learning.MyLearningPageSize) {
		tb.Fatalf("my learning shows %d of %d in progress and %d of %d completed, want a page of each",
			len(m.InProgress), m.InProgressTotal, len(m.Completed), m.CompletedTotal)
	}
}

// scalePlayer is one course-player page: the next lesson of enrolment i.
func scalePlayer(tb testing.TB, svc *learning.Service, i int) {
	t := scale.targets[i%len(scale.targets)]
	p, err := svc.Player(context.Background(), scale.learner, t.enrolmentID, t.lessonID)
	if err != nil {
		tb.Fatal(err)
	}
	if p.Lesson == nil || p.Lesson.ID != t.lessonID {
		tb.Fatalf("player shows %+v, want lesson %s", p.Lesson, t.lessonID)
	}
}

// BenchmarkScaleMyLearning50: "My learning" of the learner with 50
// enrolments (45 live: a page of twelve in progress and one of twelve
// completed, the seed's heaviest). allocs/op and B/op are the app's alone
// and do not move with the machine's noise; app-µs/op is this process's
// CPU per call (PostgreSQL's is not in it), steadier than ms/call, which
// is mostly the wait for the statement.
func BenchmarkScaleMyLearning50(b *testing.B) {
	scaleSetup(b)
	for range 20 { // the cards and contents in memory, the generic plan
		scaleMyLearning(b, scale.svc)
	}
	b.ReportAllocs()
	cpu0 := processCPU(b)
	b.ResetTimer()
	for b.Loop() {
		scaleMyLearning(b, scale.svc)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/call")
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "app-µs/op")
}

// processCPU is the user + system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScalePlayerNextLesson: the course player on the next lesson of
// each of the learner's courses in progress in turn (each call records the
// visit, as the page does).
func BenchmarkScalePlayerNextLesson(b *testing.B) {
	scaleSetup(b)
	scalePlayer(b, scale.svc, 0)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		scalePlayer(b, scale.svc, i)
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/call")
}

// BenchmarkScaleHistory: the first page of "My history" (the learner's
// events, across the monthly partitions of the event log).
func BenchmarkScaleHistory(b *testing.B) {
	scaleSetup(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := scale.svc.History(ctx, scale.learner, "", "ja"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/call")
}

// TestScaleLearnerPages measures 1,000 calls of each page after a warm-up,
// reports p50/p95/p99, fails when the median of "My learning" or the
// player misses the 10 ms bar, and logs
// the EXPLAIN (ANALYZE, BUFFERS) plan of every statement the pages run.
func TestScaleLearnerPages(t *testing.T) {
	scaleSetup(t)
	pages := []struct {
		name string
		bar  bool // held to the 10 ms bar (the history is measured for information)
		call func(tb testing.TB, svc *learning.Service, i int)
	}{
		{"my learning (50 enrolments)", true, func(tb testing.TB, svc *learning.Service, _ int) { scaleMyLearning(tb, svc) }},
		{"player, next lesson", true, scalePlayer},
		{"my history, first page", false, func(tb testing.TB, svc *learning.Service, _ int) {
			if _, err := svc.History(context.Background(), scale.learner, "", "ja"); err != nil {
				tb.Fatal(err)
			}
		}},
	}
	for _, p := range pages {
		first := time.Now()
		p.call(t, scale.svc, 0)
		firstCall := time.Since(first)
		for i := range 50 {
			p.call(t, scale.svc, i)
		}
		d := make([]time.Duration, 1000)
		for i := range d {
			t0 := time.Now()
			p.call(t, scale.svc, i)
			d[i] = time.Since(t0)
		}
		slices.Sort(d)
		pct := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000 }
		line := fmt.Sprintf("%-28s first call %6.2f ms; 1,000 calls: p50 %5.2f ms, p95 %5.2f ms, p99 %5.2f ms, max %6.2f ms",
			p.name, float64(firstCall.Microseconds())/1000, pct(0.50), pct(0.95), pct(0.99), pct(1))
		t.Log(line)
		fmt.Fprintln(os.Stderr, "SCALE "+line)
		if p.bar && pct(0.50) >= 10 {
			t.Errorf("%s: median %.2f ms, the bar is 10 ms", p.name, pct(0.50))
		}

		// The plans of the statements this page runs, captured from gorm.
		rec := &scaleRecorder{}
		svc := learning.NewService(scale.db.Gorm.Session(&gorm.Session{Logger: rec}), nil, nil, nil, "http://localhost")
		p.call(t, svc, 1)
		for _, q := range rec.statements {
			scaleExplain(t, p.name, q)
		}
	}
}

// scaleExplain prints EXPLAIN (ANALYZE, BUFFERS) of one statement, in a
// transaction that is rolled back (the player's statement writes).
func scaleExplain(t *testing.T, page, sql string) {
	t.Helper()
	var lines []string
	err := scale.db.Gorm.Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw("EXPLAIN (ANALYZE, BUFFERS) " + sql).Scan(&lines).Error; err != nil {
			return err
		}
		return errScaleRollback
	})
	if err != errScaleRollback {
		t.Fatalf("explain: %v\n%s", err, sql)
	}
	fmt.Fprintf(os.Stderr, "\n--- query plan (%s):\n%s\n\n%s\n", page, strings.TrimSpace(sql), strings.Join(lines, "\n"))
}

var errScaleRollback = fmt.Errorf("rollback")

// scaleRecorder is a gorm logger that keeps every statement run, with its
// arguments written in.
type scaleRecorder struct {
	mu         sync.Mutex
	statements []string
}

func (r *scaleRecorder) LogMode(logger.LogLevel) logger.Interface      { return r }
func (r *scaleRecorder) Info(context.Context, string, ...interface{})  {}
func (r *scaleRecorder) Warn(context.Context, string, ...interface{})  {}
func (r *scaleRecorder) Error(context.Context, string, ...interface{}) {}
func (r *scaleRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	r.mu.Lock()
	r.statements = append(r.statements, sql)
	r.mu.Unlock()
}
