package progress_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"takumi/internal/database"
	"takumi/internal/learning"
	"takumi/internal/progress"
)

// The progress engine at scale (issue 6, "Scale data and performance"), on
// the database `takumi seed --events N` fills. Skipped unless
// TAKUMI_SCALE_DATABASE_URL names it; scripts/progress-bench.sh runs them
// in order:
//
//	TestScaleEngineCatchUp        the engine over the whole log (events/s)
//	TestScaleCredentialLatency    a new credential to the flagship's total
//	TestScaleEngineSustained      2,000 events/s appended for 60 s: lag
//
// With TAKUMI_SCALE_ENGINE=external the last two run no engine of their
// own: a `takumi serve` on the same database applies the events with its
// River job every 2 s, as in production. Otherwise they run an engine
// loop that does what that job does (CatchUp every PollInterval).
// TAKUMI_SCALE_RESET_ENGINE=1 makes the catch-up start from an empty
// engine (it truncates the rollups: a benchmark database only).
// docs/scale.md records the figures.

func scaleDB(t *testing.T) *database.DB {
	t.Helper()
	url := os.Getenv("TAKUMI_SCALE_DATABASE_URL")
	if url == "" {
		t.Skip("TAKUMI_SCALE_DATABASE_URL is not set (scripts/progress-bench.sh sets it)")
	}
	quiet := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer slog.SetDefault(quiet)
	db, err := database.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// engineState is the engine's cursor row.
func engineApplied(t *testing.T, g *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := g.Raw(`SELECT applied FROM progress_engine_state WHERE id = 1`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestScaleEngineCatchUp(t *testing.T) {
	db := scaleDB(t)
	g := db.Gorm
	ctx := context.Background()
	if os.Getenv("TAKUMI_SCALE_RESET_ENGINE") == "1" {
		t.Log("resetting the engine: truncating achievements, rollups and learner activity")
		if err := g.Exec(`TRUNCATE programme_achievements, progress_rollup, progress_monthly, activity_rollup, learner_activity`).Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Exec(`UPDATE progress_engine_state SET cursor_xact = '0', cursor_id = 0, applied = 0, updated_at = now()`).Error; err != nil {
			t.Fatal(err)
		}
	}
	var logged int64
	g.Raw(`SELECT count(*) FROM learning_events`).Scan(&logged)
	before := engineApplied(t, g)
	t.Logf("log holds %d events, engine has applied %d", logged, before)
	en := progress.NewEngine(g, 5000)
	start := time.Now()
	last := start
	var applied int64
	for {
		n, err := en.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		applied += int64(n)
		if time.Since(last) > 30*time.Second {
			last = time.Now()
			el := time.Since(start)
			t.Logf("  %d events in %s (%.0f events/s)", applied, el.Round(time.Second), float64(applied)/el.Seconds())
		}
		if n == 0 {
			break
		}
	}
	el := time.Since(start)
	fmt.Printf("SCALE engine catch-up: %d events in %s = %.0f events/s (bulk steps of %d while %d or more wait, then batches of 5000; log %d events)\n",
		applied, el.Round(time.Millisecond), float64(applied)/el.Seconds(), progress.DefaultBulkChunk, progress.DefaultBulkMin, logged)
	var rows struct{ Achievements, ProgressRows, ActivityRows, Learners int64 }
	g.Raw(`SELECT (SELECT count(*) FROM programme_achievements) AS achievements, (SELECT count(*) FROM progress_rollup) AS progress_rows,
		(SELECT count(*) FROM activity_rollup) AS activity_rows, (SELECT count(*) FROM learner_activity) AS learners`).Scan(&rows)
	fmt.Printf("SCALE engine tables: %d achievements, %d progress_rollup rows, %d activity_rollup rows, %d learner_activity rows\n",
		rows.Achievements, rows.ProgressRows, rows.ActivityRows, rows.Learners)
	if engineApplied(t, g) != logged {
		t.Logf("engine applied %d of %d events (the rest belong to transactions still open, or arrived meanwhile)", engineApplied(t, g), logged)
	}
}

// runEngineLoop does what the River job does (Worker.Work every PollInterval)
// until ctx ends, unless a server's engine does it (TAKUMI_SCALE_ENGINE).
func runEngineLoop(ctx context.Context, t *testing.T, g *gorm.DB) *sync.WaitGroup {
	var wg sync.WaitGroup
	if os.Getenv("TAKUMI_SCALE_ENGINE") == "external" {
		t.Log("engine: the server's River job (every 2 s)")
		return &wg
	}
	t.Log("engine: an in-process loop, the worker every 2 s")
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := &progress.Worker{Engine: progress.NewEngine(g, 5000)}
		tick := time.NewTicker(progress.PollInterval)
		defer tick.Stop()
		for {
			w.Work(ctx, nil) // the River job's run
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return &wg
}

// sample are learners and published courses to write events for.
type sample struct {
	learners        []string
	courses         []string
	aiCourses       []string
	flagship        string
	uncountedInFlag []string // learners the flagship does not count yet
}

func loadSample(t *testing.T, g *gorm.DB) sample {
	t.Helper()
	var s sample
	if err := g.Raw(`SELECT id FROM users WHERE email LIKE '%@seed.takumi.localhost' ORDER BY email LIMIT 20000`).Scan(&s.learners).Error; err != nil {
		t.Fatal(err)
	}
	g.Raw(`SELECT id FROM courses WHERE status = 'published' ORDER BY code`).Scan(&s.courses)
	g.Raw(`SELECT id FROM courses WHERE status = 'published' AND skill_area_code IN ('ai_data', 'generative_ai') ORDER BY code`).Scan(&s.aiCourses)
	g.Raw(`SELECT id FROM programmes WHERE flagship`).Scan(&s.flagship)
	if len(s.learners) == 0 || len(s.aiCourses) == 0 || s.flagship == "" {
		t.Fatal("the scale database has no seed learners, AI courses or flagship programme (run takumi seed --events N)")
	}
	g.Raw(`SELECT u.id FROM users u WHERE u.email LIKE 'learner%@seed.takumi.localhost'
		AND NOT EXISTS (SELECT 1 FROM programme_achievements a WHERE a.user_id = u.id AND a.programme_id = ?)
		ORDER BY u.email DESC LIMIT 200`, s.flagship).Scan(&s.uncountedInFlag)
	return s
}

func flagshipTotal(t *testing.T, g *gorm.DB, programme string) int64 {
	t.Helper()
	var n int64
	if err := g.Raw(`SELECT coalesce(sum(learners), 0) FROM progress_rollup WHERE programme_id = ? AND d1 = '' AND d2 = ''`, programme).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestScaleCredentialLatency: a learner earns an AI credential (the event
// committed as the credential service appends it); how long until the
// flagship's national total counts them?
func TestScaleCredentialLatency(t *testing.T) {
	db := scaleDB(t)
	g := db.Gorm
	ctx, cancel := context.WithCancel(context.Background())
	s := loadSample(t, g)
	engine := runEngineLoop(ctx, t, g)
	defer func() { cancel(); engine.Wait() }()
	time.Sleep(3 * time.Second) // let the engine reach the end of the log
	r := rand.New(rand.NewPCG(6, 2030))
	var lat []time.Duration
	for i := range 8 {
		if i >= len(s.uncountedInFlag) {
			break
		}
		time.Sleep(time.Duration(r.IntN(2000)) * time.Millisecond) // a random moment of the 2 s poll
		before := flagshipTotal(t, g, s.flagship)
		user := s.uncountedInFlag[i]
		err := g.Transaction(func(tx *gorm.DB) error {
			return learning.AppendEvent(ctx, tx, learning.Event{Type: learning.EventCredentialIssued, UserID: user,
				CourseID: s.aiCourses[i%len(s.aiCourses)], Details: map[string]any{"credential_id": uuid.NewString()}})
		})
		if err != nil {
			t.Fatal(err)
		}
		committed := time.Now()
		for flagshipTotal(t, g, s.flagship) <= before {
			if time.Since(committed) > 2*time.Minute {
				t.Fatal("the credential did not reach the national total in 2 minutes")
			}
			time.Sleep(20 * time.Millisecond)
		}
		lat = append(lat, time.Since(committed))
	}
	if len(lat) == 0 {
		t.Fatal("no learner without a flagship credential to try with")
	}
	slices.Sort(lat)
	fmt.Printf("SCALE credential to national total (%d credentials): min %s, median %s, max %s\n",
		len(lat), lat[0].Round(time.Millisecond), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
}

// eventMix is the share of each event type the sustained writer appends
// (roughly the seed's natural histories).
var eventMix = []struct {
	typ   string
	share int
}{
	{"enrolled", 15}, {"lesson_completed", 50}, {"quiz_attempted", 25}, {"course_completed", 4}, {"credential_issued", 4}, {"withdrawn", 2},
}

// appendBatch appends n events in one transaction, as learning.AppendEvent
// does each (the dimensions copied from the learner and the course), with
// one INSERT ... SELECT for the batch.
func appendBatch(ctx context.Context, g *gorm.DB, r *rand.Rand, s sample, n int) error {
	types, users, courses, details := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i := range n {
		k := r.IntN(100)
		for _, m := range eventMix {
			if k < m.share {
				types[i] = m.typ
				break
			}
			k -= m.share
		}
		users[i] = s.learners[r.IntN(len(s.learners))]
		courses[i] = s.courses[r.IntN(len(s.courses))]
		details[i] = "{}"
		if types[i] == "credential_issued" {
			details[i] = `{"credential_id":"` + uuid.NewString() + `"}`
		}
	}
	return g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO learning_events (occurred_at, event_type, user_id, course_id, provider_id, skill_area,
				prefecture, industry, segment, details)
			SELECT now(), x.typ, u.id, c.id, c.provider_id, c.skill_area_code, u.prefecture_code, u.industry_code, u.segment, x.details::jsonb
			FROM unnest(?::text[], ?::uuid[], ?::uuid[], ?::text[]) AS x(typ, user_id, course_id, details)
			JOIN users u ON u.id = x.user_id JOIN courses c ON c.id = x.course_id`,
			database.Array(types), database.Array(users), database.Array(courses), database.Array(details)).Error
	})
}

// TestScaleEngineSustained appends 2,000 events per second (a batch of
// what is due every 100 ms: 200 when on time) for TAKUMI_SCALE_SUSTAIN (default 60 s) while the
// engine runs, and reports how far behind the engine falls: the backlog
// in events and the time from a batch's commit to the engine's cursor
// passing it.
func TestScaleEngineSustained(t *testing.T) {
	db := scaleDB(t)
	g := db.Gorm
	s := loadSample(t, g)
	duration := 60 * time.Second
	if v, err := time.ParseDuration(os.Getenv("TAKUMI_SCALE_SUSTAIN")); err == nil {
		duration = v
	}
	const rate, every = 2000, 100 * time.Millisecond
	per := int(rate * every / time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	engine := runEngineLoop(ctx, t, g)
	defer func() { cancel(); engine.Wait() }()
	// Start from a caught-up engine.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		time.Sleep(2500 * time.Millisecond)
		if st := engineStateNow(t, g); st.pending == 0 || time.Now().After(deadline) {
			break
		}
	}
	base := engineApplied(t, g)

	type mark struct {
		upto int64 // events written up to and including this batch
		at   time.Time
	}
	var mu sync.Mutex
	var marks []mark
	var written atomic.Int64
	var writeErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := rand.New(rand.NewPCG(2000, 60))
		tick := time.NewTicker(every)
		defer tick.Stop()
		begin := time.Now()
		end := begin.Add(duration)
		for time.Now().Before(end) {
			<-tick.C
			// Write what is due at the rate so far (a batch that took
			// longer than a tick is made up in the next one), at most
			// five batches' worth at once.
			due := min(int(rate*time.Since(begin)/time.Second)-int(written.Load()), 5*per)
			if due <= 0 {
				continue
			}
			if err := appendBatch(ctx, g, r, s, due); err != nil {
				writeErr = err
				return
			}
			n := written.Add(int64(due))
			mu.Lock()
			marks = append(marks, mark{n, time.Now()})
			mu.Unlock()
		}
	}()
	start := time.Now()
	var lags []time.Duration
	var maxBacklog int64
	next := 0
	sampleLag := func() {
		applied := engineApplied(t, g) - base
		now := time.Now()
		mu.Lock()
		for next < len(marks) && marks[next].upto <= applied {
			lags = append(lags, now.Sub(marks[next].at))
			next++
		}
		mu.Unlock()
		if b := written.Load() - applied; b > maxBacklog {
			maxBacklog = b
		}
	}
	writing := true
	var drained time.Duration
	for {
		time.Sleep(50 * time.Millisecond)
		sampleLag()
		if writing {
			select {
			case <-done:
				writing = false
				drained = time.Since(start)
			default:
			}
			continue
		}
		if engineApplied(t, g)-base >= written.Load() || time.Since(start) > duration+5*time.Minute {
			break
		}
	}
	if writeErr != nil {
		t.Fatal(writeErr)
	}
	writeTime := drained
	drain := time.Since(start) - drained
	slices.Sort(lags)
	if len(lags) == 0 {
		t.Fatal("the engine applied none of the batches")
	}
	pct := func(p float64) time.Duration {
		return lags[min(len(lags)-1, int(float64(len(lags))*p))].Round(time.Millisecond)
	}
	fmt.Printf("SCALE sustained: %d events written in %s (%.0f events/s target %d/s), engine applied %d; lag commit->applied p50 %s p95 %s max %s; max backlog %d events; drained %s after the writer stopped\n",
		written.Load(), writeTime.Round(time.Millisecond), float64(written.Load())/writeTime.Seconds(), rate, engineApplied(t, g)-base,
		pct(0.5), pct(0.95), lags[len(lags)-1].Round(time.Millisecond), maxBacklog, drain.Round(time.Millisecond))
}

type engineNow struct{ pending int64 }

// engineStateNow estimates the events not yet applied (cheap: the newest
// day's events only, where a caught-up engine has nothing pending).
func engineStateNow(t *testing.T, g *gorm.DB) engineNow {
	t.Helper()
	var n int64
	g.Raw(`SELECT count(*) FROM learning_events e, progress_engine_state s
		WHERE e.occurred_at > now() - interval '1 day' AND (e.xact_id, e.id) > (s.cursor_xact, s.cursor_id)`).Scan(&n)
	return engineNow{pending: n}
}

// TestScaleRebuildProgramme times what saving a changed rule of the
// flagship costs at scale (RebuildProgramme recounts it from the whole
// log in the save's transaction), in a transaction rolled back afterwards.
func TestScaleRebuildProgramme(t *testing.T) {
	db := scaleDB(t)
	g := db.Gorm
	var flagship string
	g.Raw(`SELECT id FROM programmes WHERE flagship`).Scan(&flagship)
	if flagship == "" {
		t.Fatal("no flagship programme")
	}
	errRollback := fmt.Errorf("rollback")
	for _, id := range []string{flagship} {
		var counted int
		start := time.Now()
		err := g.Transaction(func(tx *gorm.DB) error {
			var err error
			if counted, err = progress.RebuildProgramme(context.Background(), tx, id); err != nil {
				return err
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatal(err)
		}
		fmt.Printf("SCALE rebuild of the flagship (a changed rule or dates): %d learners counted in %s (rolled back)\n",
			counted, time.Since(start).Round(time.Millisecond))
	}
}

// TestScaleStepCost compares one engine step over fresh events at scale:
// batches (Go, 5,000 events a transaction) against one bulk step (SQL),
// for the same number of events of the sustained-rate mix.
func TestScaleStepCost(t *testing.T) {
	db := scaleDB(t)
	g := db.Gorm
	ctx := context.Background()
	s := loadSample(t, g)
	r := rand.New(rand.NewPCG(3, 3))
	const n = 20000
	for _, mode := range []struct {
		name string
		en   *progress.Engine
	}{
		{"batches of 5000", progress.NewEngine(g, 5000).WithBulk(0, 0)},
		{"one bulk step", progress.NewEngine(g, 5000).WithBulk(1, n)},
		{"batches of 5000 (again)", progress.NewEngine(g, 5000).WithBulk(0, 0)},
		{"one bulk step (again)", progress.NewEngine(g, 5000).WithBulk(1, n)},
	} {
		if _, err := progress.NewEngine(g, 5000).CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i += 1000 {
			if err := appendBatch(ctx, g, r, s, 1000); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		applied, err := mode.en.CatchUp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		fmt.Printf("SCALE step cost, %s: %d events in %s = %.0f events/s\n", mode.name, applied, el.Round(time.Millisecond), float64(applied)/el.Seconds())
	}
}
