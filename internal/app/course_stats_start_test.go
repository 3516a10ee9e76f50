package app_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
)

// TestStartRefreshesCourseStatsOnlyWhenDue: starting the workers (what
// takumi serve does) counts the ministry's course statistics when they are
// absent or stale, not when they are fresh, and two instances starting
// together count them once. Refreshes are counted by a trigger on the
// state row (courses_refreshed_at).
func TestStartRefreshesCourseStatsOnlyWhenDue(t *testing.T) {
	db := dbtest.New(t)
	g := db.Gorm
	exec := func(q string, args ...any) {
		t.Helper()
		if err := g.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var provider, course, user string
	g.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('統計起動テスト機関', 'provider') RETURNING id`).Row().Scan(&provider)
	g.Raw(`INSERT INTO courses (provider_id, code, status, skill_area_code) VALUES (?, 'start', 'published', 'ai_data') RETURNING id`, provider).Row().Scan(&course)
	g.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
		VALUES ('start@example.jp', 'x', '受講者', '2026-11', now()) RETURNING id`).Row().Scan(&user)
	exec(`INSERT INTO enrolments (user_id, course_id, status) VALUES (?, ?, 'active')`, user, course)
	exec(`CREATE TABLE test_course_refreshes (at timestamptz NOT NULL)`)
	exec(`CREATE FUNCTION test_log_course_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.courses_refreshed_at IS DISTINCT FROM OLD.courses_refreshed_at THEN
				INSERT INTO test_course_refreshes VALUES (NEW.courses_refreshed_at);
			END IF;
			RETURN NEW;
		END $$`)
	exec(`CREATE TRIGGER test_log_course_refresh AFTER UPDATE ON ministry_stats_state
		FOR EACH ROW EXECUTE FUNCTION test_log_course_refresh()`)
	refreshes := func() (n int, at *time.Time) {
		t.Helper()
		if err := g.Raw(`SELECT (SELECT count(*) FROM test_course_refreshes), courses_refreshed_at FROM ministry_stats_state`).
			Row().Scan(&n, &at); err != nil {
			t.Fatal(err)
		}
		return n, at
	}

	cfg := config.Config{Env: config.EnvDevelopment, BaseURL: "http://127.0.0.1", DataDir: t.TempDir(),
		LoginMaxFailures: 5, LoginLockDuration: time.Minute, LoginIPLimit: 50, LoginIPWindow: time.Minute, DisclosureK: 10}
	// start starts one instance's workers on its own pools (as a process
	// of its own would); the returned func stops it.
	start := func() func() {
		t.Helper()
		own, err := database.Open(context.Background(), dbtest.URL(t, db))
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(cfg, own, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.StartWorkers(context.Background()); err != nil {
			t.Fatal(err)
		}
		return func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = a.StopWorkers(ctx)
			own.Close()
		}
	}
	// lastJob is the newest job's id: jobs after it were inserted later.
	lastJob := func() (id int64) {
		t.Helper()
		if err := g.Raw(`SELECT coalesce(max(id), 0) FROM river_job`).Row().Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	// checked waits until a course-statistics job inserted after job since
	// has completed (the start's check, whatever it decided).
	checked := func(since int64) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var n int
			g.Raw(`SELECT count(*) FROM river_job WHERE kind = 'ministry_course_stats' AND state = 'completed'
				AND id > ?`, since).Row().Scan(&n)
			if n > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("no course-statistics job completed within 30 s of the start")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// Absent: the first start counts them.
	since := lastJob()
	stop := start()
	checked(since)
	stop()
	n, first := refreshes()
	if n != 1 || first == nil {
		t.Fatalf("absent statistics: %d refreshes at start, refreshed at %v; want 1", n, first)
	}

	// Fresh: a second start does not.
	since = lastJob()
	stop = start()
	checked(since)
	stop()
	if n, at := refreshes(); n != 1 || !at.Equal(*first) {
		t.Fatalf("fresh statistics: %d refreshes (want 1), refreshed at %v (was %v)", n, at, first)
	}

	// Stale: two instances starting together count them once.
	exec(`UPDATE ministry_stats_state SET courses_refreshed_at = now() - interval '10 minutes'`)
	before, _ := refreshes()
	since = lastJob()
	var wg sync.WaitGroup
	stops := make([]func(), 2)
	for i := range stops {
		wg.Add(1)
		go func() { defer wg.Done(); stops[i] = start() }()
	}
	wg.Wait()
	checked(since)
	time.Sleep(2 * time.Second) // a second refresh would be under way or done by now
	for _, s := range stops {
		s()
	}
	if n, at := refreshes(); n-before != 1 || !at.After(*first) {
		t.Fatalf("stale statistics, two starts: %d refreshes (want 1), refreshed at %v (first %v)", n-before, at, first)
	}
}
