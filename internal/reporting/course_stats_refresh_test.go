package reporting_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/reporting"
)

// logCourseRefreshes records every write of courses_refreshed_at in the
// test's database (a trigger), so a test counts refreshes, not only
// compares the last one's time.
func logCourseRefreshes(t *testing.T, db *database.DB) func() int {
	t.Helper()
	mustExec(t, db, `CREATE TABLE test_course_refreshes (at timestamptz NOT NULL)`)
	mustExec(t, db, `CREATE FUNCTION test_log_course_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.courses_refreshed_at IS DISTINCT FROM OLD.courses_refreshed_at THEN
				INSERT INTO test_course_refreshes VALUES (NEW.courses_refreshed_at);
			END IF;
			RETURN NEW;
		END $$`)
	mustExec(t, db, `CREATE TRIGGER test_log_course_refresh AFTER UPDATE ON ministry_stats_state
		FOR EACH ROW EXECUTE FUNCTION test_log_course_refresh()`)
	return func() int {
		var n int
		if err := db.Gorm.Raw(`SELECT count(*) FROM test_course_refreshes`).Row().Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}

func coursesRefreshedAt(t *testing.T, db *database.DB) *time.Time {
	t.Helper()
	var at *time.Time
	if err := db.Gorm.Raw(`SELECT courses_refreshed_at FROM ministry_stats_state WHERE id = 1`).Row().Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

// TestRefreshCourseStatsIfOlder: the course statistics are counted when
// absent or old, not when fresh, and once however many ask at the same
// time.
func TestRefreshCourseStatsIfOlder(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	courseFixture(t, db)
	refreshes := logCourseRefreshes(t, db)
	const maxAge = 9 * time.Minute

	did, err := reporting.RefreshCourseStatsIfOlder(ctx, db.Gorm, maxAge)
	if err != nil || !did {
		t.Fatalf("absent statistics: refreshed %v, %v", did, err)
	}
	first := coursesRefreshedAt(t, db)
	if first == nil || refreshes() != 1 {
		t.Fatalf("absent statistics: refreshed at %v, %d refreshes", first, refreshes())
	}
	var rows int64
	db.Gorm.Raw(`SELECT count(*) FROM course_stats`).Scan(&rows)
	if rows != 5 {
		t.Fatalf("%d course rows after the first refresh, want 5", rows)
	}

	for _, age := range []time.Duration{maxAge, 0} { // fresh; "absent only"
		did, err = reporting.RefreshCourseStatsIfOlder(ctx, db.Gorm, age)
		if err != nil || did {
			t.Fatalf("fresh statistics (max age %s): refreshed %v, %v", age, did, err)
		}
	}
	if at := coursesRefreshedAt(t, db); !at.Equal(*first) || refreshes() != 1 {
		t.Fatalf("fresh statistics: refreshed at %v (was %v), %d refreshes", at, first, refreshes())
	}

	// Stale: counted again, once, by one of several callers at the same time.
	mustExec(t, db, `UPDATE ministry_stats_state SET courses_refreshed_at = now() - interval '10 minutes'`)
	before := refreshes()
	var wg sync.WaitGroup
	results := make([]bool, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = reporting.RefreshCourseStatsIfOlder(ctx, db.Gorm, maxAge)
		}()
	}
	wg.Wait()
	n := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if r {
			n++
		}
	}
	if n != 1 || refreshes()-before != 1 {
		t.Fatalf("stale statistics, 4 callers at once: %d said they refreshed, %d refreshes, want 1", n, refreshes()-before)
	}
	if at := coursesRefreshedAt(t, db); !at.After(*first) {
		t.Fatalf("stale statistics: refreshed at %v, not after %v", at, first)
	}
}

// TestCourseStatsCountsAbsentStatisticsOnce: a new database's first views
// at the same time count the course statistics once, and each shows them.
func TestCourseStatsCountsAbsentStatisticsOnce(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	courseFixture(t, db)
	refreshes := logCourseRefreshes(t, db)
	svc := reporting.NewService(db.Gorm, 10)
	var wg sync.WaitGroup
	got := make([]*reporting.CourseStats, 3)
	errs := make([]error, 3)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = svc.CourseStats(ctx, reporting.Filter{})
		}()
	}
	wg.Wait()
	for i, cs := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if cs.RefreshedAt.IsZero() || len(cs.Courses) != 5 {
			t.Fatalf("view %d: refreshed at %v, %d courses, want the counted 5", i, cs.RefreshedAt, len(cs.Courses))
		}
	}
	if n := refreshes(); n != 1 {
		t.Fatalf("%d refreshes for 3 first views at once, want 1", n)
	}
}
