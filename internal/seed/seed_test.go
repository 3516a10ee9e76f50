package seed_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/learning"
	"takumi/internal/progress"
	"takumi/internal/seed"
)

var seedTestOptions = seed.Options{
	Learners:             2000,
	EnrolmentsPerLearner: 5,
	Events:               100_000, // more than the natural histories: padded with retakes
	ProgressShare:        0.3,
	Password:             "seed-test-password",
	Now:                  time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
}

// seedCount runs a count query.
func seedCount(t *testing.T, db *database.DB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestSeedSmallScale(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	res, err := seed.Run(ctx, db, seedTestOptions)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Counts", func(t *testing.T) {
		if res.Learners != 2001 || res.Enrolments != 10_050 || res.Events != 100_000 || res.CoursesCreated != 200 {
			t.Fatalf("result %+v", res)
		}
		for _, c := range []struct {
			sql  string
			want int64
		}{
			{"SELECT count(*) FROM users WHERE email LIKE '%@seed.takumi.localhost'", 2001},
			{"SELECT count(*) FROM enrolments", 10_050},
			{"SELECT count(*) FROM learning_events", 100_000},
			{"SELECT count(*) FROM courses WHERE status = 'published' AND lesson_count = 10", 200},
			{"SELECT count(*) FROM lesson_progress", res.LessonProgress},
			{"SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = '" + seed.BenchLearnerEmail + "'", 50},
			// The counters triggers keep include the seeded rows, although
			// the superuser's COPY skips triggers (the recount step).
			{"SELECT coalesce(sum(enrolments), 0) FROM course_enrolment_stats", 10_050},
		} {
			if got := seedCount(t, db, c.sql); got != c.want {
				t.Errorf("%s = %d, want %d", c.sql, got, c.want)
			}
		}
		if res.LessonProgress == 0 {
			t.Error("no lesson progress written")
		}
		// The median's kept counts (migration 00054) too.
		timed := seedCount(t, db, "SELECT count(*) FROM enrolments WHERE status = 'completed' AND completed_at IS NOT NULL")
		for _, q := range []string{"SELECT coalesce(sum(completions), 0) FROM course_duration_buckets",
			"SELECT coalesce(sum(completions), 0) FROM course_duration_values"} {
			if got := seedCount(t, db, q); got != timed || timed == 0 {
				t.Errorf("%s = %d, want %d", q, got, timed)
			}
		}
	})

	t.Run("Distributions", func(t *testing.T) {
		if n := seedCount(t, db, "SELECT count(DISTINCT prefecture_code) FROM users WHERE email LIKE '%@seed.takumi.localhost'"); n != 47 {
			t.Errorf("%d prefectures among seed learners, want all 47", n)
		}
		var top string
		db.Pool.QueryRow(ctx, `SELECT prefecture_code FROM users GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).Scan(&top)
		if top != "13" {
			t.Errorf("most learners live in %s, want Tokyo (13), the most populous", top)
		}
		if n := seedCount(t, db, "SELECT count(DISTINCT segment) FROM users"); n != 3 {
			t.Errorf("%d segments, want 3", n)
		}
		if n := seedCount(t, db, "SELECT count(DISTINCT industry_code) FROM users"); n < 15 {
			t.Errorf("%d industries, want most of the 20", n)
		}
		for status, share := range map[string][2]float64{"active": {0.55, 0.65}, "completed": {0.2, 0.3}, "withdrawn": {0.1, 0.2}} {
			n := float64(seedCount(t, db, "SELECT count(*) FROM enrolments WHERE status = $1", status))
			if n/10_050 < share[0] || n/10_050 > share[1] {
				t.Errorf("%s: %.0f enrolments (%.2f), want a share in %v", status, n, n/10_050, share)
			}
		}
		if n := seedCount(t, db, `SELECT count(*) FROM enrolments WHERE enrolled_at < '2024-01-01' OR enrolled_at > '2026-11-01'
			OR last_activity_at < enrolled_at OR completed_at < enrolled_at OR withdrawn_at < enrolled_at`); n != 0 {
			t.Errorf("%d enrolments with times out of order or outside 2024-01..2026-11", n)
		}
		if n := seedCount(t, db, "SELECT count(*) FROM (SELECT user_id, course_id FROM enrolments GROUP BY 1, 2 HAVING count(*) > 1) d"); n != 0 {
			t.Errorf("%d learners enrolled twice in a course", n)
		}
	})

	t.Run("ReferencesRealLessons", func(t *testing.T) {
		if n := seedCount(t, db, `
			SELECT count(*) FROM enrolments e
			JOIN courses c ON c.id = e.course_id
			JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
			WHERE e.next_lesson_id IS NOT NULL AND NOT EXISTS (
				SELECT 1 FROM jsonb_array_elements(r.content->'modules') m, jsonb_array_elements(m->'lessons') l
				WHERE l->>'id' = e.next_lesson_id)`); n != 0 {
			t.Errorf("%d enrolments whose next lesson is not a lesson of their course", n)
		}
		if n := seedCount(t, db, "SELECT count(*) FROM enrolments WHERE status = 'active' AND next_lesson_id IS NULL"); n != 0 {
			t.Errorf("%d active enrolments without a next lesson", n)
		}
		if n := seedCount(t, db, "SELECT count(*) FROM enrolments WHERE status = 'completed' AND (next_lesson_id IS NOT NULL OR progress_percent <> 100 OR completed_at IS NULL)"); n != 0 {
			t.Errorf("%d completed enrolments not at 100%% with a completion time", n)
		}
		if n := seedCount(t, db, `
			SELECT count(*) FROM lesson_progress p
			JOIN enrolments e ON e.id = p.enrolment_id
			JOIN course_revisions r ON r.course_id = e.course_id AND r.number = 1
			WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(r.content->'modules') m, jsonb_array_elements(m->'lessons') l
				WHERE l->>'id' = p.lesson_id)`); n != 0 {
			t.Errorf("%d lesson progress rows for lessons not in the course", n)
		}
		rows, _ := db.Pool.Query(ctx, "SELECT content FROM course_revisions")
		for rows.Next() {
			var raw []byte
			rows.Scan(&raw)
			var ct catalog.Content
			if err := json.Unmarshal(raw, &ct); err != nil {
				t.Fatal(err)
			}
			if ps := ct.PublishProblems(func(string) bool { return true }); len(ps) > 0 {
				t.Fatalf("generated course %q could not be published: %+v", ct.TitleJa, ps)
			}
		}
	})

	t.Run("ProgressAsTheEngineDerivesIt", func(t *testing.T) {
		// For every bench enrolment (all have lesson-by-lesson rows), the
		// core's RecomputeProgress must find nothing to change.
		type row struct {
			ID              string
			Status          string
			ProgressPercent int
			NextLessonID    *string
		}
		var before []row
		db.Gorm.Raw(`SELECT e.id, e.status, e.progress_percent, e.next_lesson_id FROM enrolments e JOIN users u ON u.id = e.user_id
			WHERE u.email = ? ORDER BY e.id`, seed.BenchLearnerEmail).Scan(&before)
		if len(before) != 50 {
			t.Fatalf("bench learner has %d enrolments", len(before))
		}
		stages := map[int]bool{}
		errRollback := errors.New("rollback")
		err := db.Gorm.Transaction(func(tx *gorm.DB) error {
			for _, b := range before {
				if b.Status == "active" {
					stages[b.ProgressPercent] = true
				}
				if err := learning.RecomputeProgress(ctx, tx, b.ID, time.Now()); err != nil {
					return err
				}
				var after row
				tx.Raw("SELECT id, status, progress_percent, next_lesson_id FROM enrolments WHERE id = ?", b.ID).Scan(&after)
				if after.ProgressPercent != b.ProgressPercent || after.Status != b.Status || (after.NextLessonID == nil) != (b.NextLessonID == nil) ||
					(after.NextLessonID != nil && *after.NextLessonID != *b.NextLessonID) {
					t.Errorf("enrolment %s: generated %+v, recomputed %+v", b.ID, b, after)
				}
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if len(stages) < 8 {
			t.Errorf("bench learner's courses in progress are at %d different stages, want many", len(stages))
		}
	})

	t.Run("EventsCarryDimensions", func(t *testing.T) {
		if n := seedCount(t, db, "SELECT count(*) FROM learning_events WHERE prefecture IS NULL OR industry IS NULL OR segment IS NULL OR skill_area IS NULL"); n != 0 {
			t.Errorf("%d events without their dimensions", n)
		}
		if n := seedCount(t, db, "SELECT count(*) FROM learning_events_default"); n != 0 {
			t.Errorf("%d events fell into the default partition", n)
		}
		if n := seedCount(t, db, "SELECT count(DISTINCT enrolment_id) FROM learning_events WHERE event_type = 'enrolled'"); n != 10_050 {
			t.Errorf("%d enrolments have an enrolled event, want every one", n)
		}
	})

	t.Run("CredentialEvents", func(t *testing.T) {
		completed := seedCount(t, db, "SELECT count(*) FROM enrolments WHERE status = 'completed'")
		if res.Credentials != completed || completed == 0 {
			t.Errorf("%d credential events reported, %d completed enrolments", res.Credentials, completed)
		}
		if n := seedCount(t, db, `SELECT count(DISTINCT (details->>'credential_id')::uuid) FROM learning_events e
			JOIN enrolments en ON en.id = e.enrolment_id AND en.status = 'completed' AND en.completed_at = e.occurred_at
			WHERE e.event_type = 'credential_issued'`); n != completed {
			t.Errorf("%d distinct credentials issued at their enrolment's completion, want one per completed enrolment (%d)", n, completed)
		}
		if n := seedCount(t, db, "SELECT count(*) FROM learning_events WHERE event_type = 'credential_issued'"); n != completed {
			t.Errorf("%d credential events, want %d", n, completed)
		}
		if n := seedCount(t, db, "SELECT count(*) FROM credentials"); n != 0 {
			t.Errorf("%d credentials rows: the seed's credentials are events only", n)
		}
		if n := seedCount(t, db, "SELECT count(*) FROM learning_events WHERE occurred_at < '2026-01-01'"); n != 0 {
			t.Errorf("%d events before the history starts (2026)", n)
		}
	})

	t.Run("ProgrammesCountAndReconcile", func(t *testing.T) {
		if res.ProgrammesCreated != 2 {
			t.Fatalf("%d programmes created, want the 2 national ones", res.ProgrammesCreated)
		}
		var flagship string
		db.Pool.QueryRow(ctx, "SELECT code FROM programmes WHERE flagship").Scan(&flagship)
		if flagship != "ai-ready-2030" {
			t.Fatalf("flagship %q", flagship)
		}
		en := progress.NewEngine(db.Gorm, 5000)
		deadline := time.Now().Add(time.Minute)
		for seedCount(t, db, "SELECT applied FROM progress_engine_state") < 100_000 {
			if _, err := en.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatal("engine did not catch up in a minute")
			}
			time.Sleep(20 * time.Millisecond) // other databases' transactions hold the cluster's xmin back
		}
		rec, err := progress.Reconcile(ctx, db.Gorm)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Differences) > 0 {
			t.Fatalf("reconcile: %d differences, first %v", len(rec.Differences), rec.Differences[0])
		}
		counted := seedCount(t, db, `SELECT coalesce(sum(r.learners), 0) FROM progress_rollup r JOIN programmes p ON p.id = r.programme_id
			WHERE p.flagship AND r.d1 = '' AND r.d2 = ''`)
		direct := seedCount(t, db, `SELECT count(DISTINCT user_id) FROM learning_events WHERE event_type = 'credential_issued'
			AND skill_area IN ('ai_data', 'generative_ai')`)
		if counted != direct || counted == 0 {
			t.Fatalf("flagship counts %d, the log has %d learners with an AI credential", counted, direct)
		}
	})

	t.Run("RerunDoesNothing", func(t *testing.T) {
		again, err := seed.Run(ctx, db, seedTestOptions)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Skipped {
			t.Fatal("second run not skipped")
		}
		if n := seedCount(t, db, "SELECT count(*) FROM enrolments"); n != 10_050 {
			t.Errorf("%d enrolments after the second run", n)
		}
	})

	t.Run("Deterministic", func(t *testing.T) {
		other := dbtest.New(t)
		if _, err := seed.Run(ctx, other, seedTestOptions); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"SELECT md5(string_agg(id::text || email || prefecture_code || industry_code || segment, ',' ORDER BY id)) FROM users WHERE email LIKE '%@seed.takumi.localhost'",
			"SELECT md5(string_agg(id::text || user_id::text || course_id::text || status || progress_percent || coalesce(next_lesson_id, ''), ',' ORDER BY id)) FROM enrolments",
			"SELECT md5(string_agg(event_type || user_id::text || occurred_at::text, ',' ORDER BY occurred_at, event_type, user_id, enrolment_id)) FROM learning_events",
		} {
			var a, b string
			db.Pool.QueryRow(ctx, q).Scan(&a)
			other.Pool.QueryRow(ctx, q).Scan(&b)
			if a == "" || a != b {
				t.Errorf("two runs differ: %s\n%s vs %s", q, a, b)
			}
		}
	})
}

func TestSeedFewerEventsThanHistory(t *testing.T) {
	db := dbtest.New(t)
	o := seedTestOptions
	o.Learners, o.Events = 1000, 3000 // the histories hold about 30,000: thinned evenly
	res, err := seed.Run(context.Background(), db, o)
	if err != nil {
		t.Fatal(err)
	}
	if n := seedCount(t, db, "SELECT count(*) FROM learning_events"); n != 3000 || res.Events != 3000 {
		t.Errorf("%d events written (reported %d), want exactly 3000", n, res.Events)
	}
	if n := seedCount(t, db, "SELECT count(DISTINCT event_type) FROM learning_events"); n < 5 {
		t.Errorf("%d event types among the thinned events, want every kind", n)
	}
}

func TestSeedRefusesProduction(t *testing.T) {
	o := seedTestOptions
	o.Env = "production"
	if _, err := seed.Run(context.Background(), nil, o); !errors.Is(err, seed.ErrProduction) {
		t.Fatalf("err = %v, want ErrProduction", err)
	}
}
