package learning

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"takumi/internal/catalog"
	"takumi/internal/database"
)

// The roster and course analytics at 1,000 and 100,000 learners (issue 20):
// skipped unless TAKUMI_PAGE_DATABASE_URL names a database that
// `takumi demo` and scripts/page-bench-data.sql filled (scripts/page-bench.sh
// makes them). They measure the domain functions the handlers call and print
// the EXPLAIN (ANALYZE, BUFFERS) plan of each roster and analytics query:
//
//	TAKUMI_PAGE_DATABASE_URL=... go test -run xxx -bench 'Roster|Analytics' -benchtime 200x ./internal/learning/
//
// docs/performance.md records the figures and plans.

var pageBench struct {
	once       sync.Once
	db         *database.DB
	svc        *Service
	viewer     RosterViewer
	orgID      string
	courseID   string
	instructor catalog.Actor
	err        error
}

func pageBenchSetup(tb testing.TB) {
	tb.Helper()
	url := os.Getenv("TAKUMI_PAGE_DATABASE_URL")
	if url == "" {
		tb.Skip("TAKUMI_PAGE_DATABASE_URL is not set (scripts/page-bench.sh sets it)")
	}
	pageBench.once.Do(func() {
		ctx := context.Background()
		quiet := slog.Default()
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
		defer slog.SetDefault(quiet)
		if pageBench.db, pageBench.err = database.Open(ctx, url); pageBench.err != nil {
			return
		}
		var ids struct{ Admin, Org, Course, Instructor string }
		pageBench.err = pageBench.db.Gorm.Raw(`SELECT
			(SELECT id FROM users WHERE email = 'hr@demo.takumi.localhost') AS admin,
			(SELECT id FROM organisations WHERE name_en = 'Tokai Precision Works (demo)') AS org,
			(SELECT id FROM courses WHERE code = 'cloud-basics-101') AS course,
			(SELECT id FROM users WHERE email = 'instructor1@demo.takumi.localhost') AS instructor`).Scan(&ids).Error
		if pageBench.err == nil && (ids.Admin == "" || ids.Org == "" || ids.Course == "") {
			pageBench.err = fmt.Errorf("not a demo database (run takumi demo and scripts/page-bench-data.sql)")
		}
		pageBench.viewer = RosterViewer{UserID: ids.Admin, IP: "127.0.0.1"}
		pageBench.orgID, pageBench.courseID = ids.Org, ids.Course
		pageBench.instructor = catalog.Actor{UserID: ids.Instructor, IP: "127.0.0.1"}
		pageBench.svc = NewService(pageBench.db.Gorm, catalog.NewService(pageBench.db.Gorm, nil), nil, nil, "http://localhost")
	})
	if pageBench.err != nil {
		tb.Fatalf("page database: %v", pageBench.err)
	}
}

// pageExplain prints the EXPLAIN (ANALYZE, BUFFERS) plan of query once.
func pageExplain(tb testing.TB, title, query string, args map[string]any) {
	tb.Helper()
	if os.Getenv("TAKUMI_BENCH_EXPLAIN") == "" {
		return
	}
	var lines []string
	err := pageBench.db.Gorm.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL jit = off").Error; err != nil { // as Roster and CourseAnalytics run
			return err
		}
		rows, err := tx.Raw("EXPLAIN (ANALYZE, BUFFERS) "+query, args).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				return err
			}
			lines = append(lines, l)
		}
		return rows.Err()
	})
	if err != nil {
		tb.Fatalf("explain %s: %v", title, err)
	}
	fmt.Fprintf(os.Stderr, "\n== %s\n%s\n", title, strings.Join(lines, "\n"))
}

func benchRoster(b *testing.B, f RosterFilter, wantRows bool) {
	pageBenchSetup(b)
	ctx := context.Background()
	v, err := pageBench.svc.Roster(ctx, pageBench.viewer, pageBench.orgID, f)
	if err != nil {
		b.Fatal(err)
	}
	if wantRows && len(v.Rows) == 0 {
		b.Fatalf("roster %+v shows no rows", f)
	}
	var orgRows int
	if err := pageBench.svc.db.Raw(`SELECT rows FROM roster_counts WHERE org_id = ?`, pageBench.orgID).Scan(&orgRows).Error; err != nil {
		b.Fatal(err)
	}
	shape := rosterShapeFor(v.Filter, v.TotalRows, orgRows, v.CountCapped)
	for _, q := range rosterQueries(pageBench.orgID, v.Filter, shape) {
		pageExplain(b, b.Name()+": "+q.name, q.sql, q.args)
	}
	b.ReportMetric(float64(v.TotalRows), "rows")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := pageBench.svc.Roster(ctx, pageBench.viewer, pageBench.orgID, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRosterFirstPage: page 1, sorted by name.
func BenchmarkRosterFirstPage(b *testing.B) { benchRoster(b, RosterFilter{}, true) }

// BenchmarkRosterDeepPage: a page 60 rows from the end of the roster
// (1,000 learners: page 39 of 41; 100,000: page ~3,999), sorted by last
// activity, newest first: its keyset cursor (the row before it) is read
// once with OFFSET, then every call starts after it.
func BenchmarkRosterDeepPage(b *testing.B) {
	pageBenchSetup(b)
	f := RosterFilter{Sort: RosterSortLastActivity, Desc: true}.Clean()
	var r RosterRow
	if err := pageBench.db.Gorm.Raw(rosterRows(f, rosterWalk)+rosterOrderBy(f, false)+
		" OFFSET (SELECT rows - 61 FROM roster_counts WHERE org_id = @org) LIMIT 1", rosterArgs(pageBench.orgID, f)).Scan(&r).Error; err != nil {
		b.Fatal(err)
	}
	f.After = rosterRowCursor(f, r)
	benchRoster(b, f, true)
}

// BenchmarkRosterDeepPageBefore: the page before the deep page's cursor
// (the previous-page link), read backwards.
func BenchmarkRosterDeepPageBefore(b *testing.B) {
	pageBenchSetup(b)
	f := RosterFilter{Sort: RosterSortLastActivity, Desc: true}.Clean()
	var r RosterRow
	if err := pageBench.db.Gorm.Raw(rosterRows(f, rosterWalk)+rosterOrderBy(f, false)+
		" OFFSET (SELECT rows - 61 FROM roster_counts WHERE org_id = @org) LIMIT 1", rosterArgs(pageBench.orgID, f)).Scan(&r).Error; err != nil {
		b.Fatal(err)
	}
	f.Before = rosterRowCursor(f, r)
	benchRoster(b, f, true)
}

// BenchmarkRosterSearchBroad: a search every learner matches (an address
// part): the count stops at RosterSearchCountMax+1.
func BenchmarkRosterSearchBroad(b *testing.B) { benchRoster(b, RosterFilter{Search: "bench"}, true) }

// BenchmarkRosterCourseStatus: one course, completed only, by progress.
func BenchmarkRosterCourseStatus(b *testing.B) {
	pageBenchSetup(b)
	benchRoster(b, RosterFilter{CourseID: pageBench.courseID, Status: StatusCompleted, Sort: RosterSortCompletedAt}, true)
}

// BenchmarkRosterFlagged: integrity flags only.
func BenchmarkRosterFlagged(b *testing.B) { benchRoster(b, RosterFilter{FlaggedOnly: true}, true) }

// BenchmarkRosterSearch: a name search that matches one person.
func BenchmarkRosterSearch(b *testing.B) {
	benchRoster(b, RosterFilter{Search: "受講者 000" + strconv.Itoa(123)}, true)
}

// BenchmarkRosterSearchSurname: a two-character surname that 0.5 % of the
// learners have (scripts/page-bench-data.sql; 1,000 rows at 100,000
// learners), through migration 00060's index of character pairs.
func BenchmarkRosterSearchSurname(b *testing.B) { benchRoster(b, RosterFilter{Search: "佐藤"}, true) }

// BenchmarkAnalyticsBigCourse: course analytics of the course every bench
// learner is enrolled in.
func BenchmarkAnalyticsBigCourse(b *testing.B) {
	pageBenchSetup(b)
	ctx := context.Background()
	a, err := pageBench.svc.CourseAnalytics(ctx, pageBench.instructor, pageBench.courseID)
	if err != nil {
		b.Fatal(err)
	}
	if a.Enrolments == 0 {
		b.Fatal("the big course has no enrolments")
	}
	for _, q := range analyticsQueries(pageBench.courseID, pageBench.svc.now()) {
		pageExplain(b, b.Name()+": "+q.name, q.sql, q.args)
	}
	b.ReportMetric(float64(a.Enrolments), "enrolments")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := pageBench.svc.CourseAnalytics(ctx, pageBench.instructor, pageBench.courseID); err != nil {
			b.Fatal(err)
		}
	}
}
