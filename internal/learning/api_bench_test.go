package learning_test

import (
	"context"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"takumi/internal/catalog"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// BenchmarkAPIOrgEnrolments measures the integration API's enrolment list
// (OrgEnrolments: one page of 50 by change time, with progress) for an
// organisation with TAKUMI_API_BENCH_ENROLMENTS enrolments (default
// 100,000) among as many learners, first page and a page deep in the
// cursor, and reports the p95 of the runs (docs/api.md records figures).
//
//	go test -run xxx -bench APIOrgEnrolments -benchtime 200x ./internal/learning/
func BenchmarkAPIOrgEnrolments(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("TAKUMI_API_BENCH_ENROLMENTS")); err == nil && v > 0 {
		n = v
	}
	db := dbtest.New(b)
	ctx := context.Background()
	orgID := fixtures.MustCreateOrg(b, db, fixtures.Org{NameJa: "計測商事", Kind: "employer"})
	c := fixtures.MustCreateCourse(b, db, fixtures.Course{Code: "bench-api", Author: fixtures.User{Email: "bench-author@example.jp"}, Provider: fixtures.Org{NameJa: "計測研修機関"}, Draft: true, Content: catalog.Content{TitleJa: "計測", SummaryJa: "計測",
		SkillArea: "digital_literacy", Level: catalog.LevelIntroductory, EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced}})
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
		 SELECT 'bench' || i || '@example.jp', 'x', '計測 ' || i, '1', now() FROM generate_series(1, ?) i`,
		`INSERT INTO memberships (org_id, user_id, role) SELECT ?, id, 'member' FROM users WHERE email LIKE 'bench%@example.jp'`,
		`INSERT INTO enrolments (user_id, course_id, org_id, status, enrolled_at, last_activity_at, progress_percent)
		 SELECT u.id, ?, ?, 'active', now() - interval '300 days' + (random() * interval '299 days'),
		        now() - (random() * interval '200 days'), (random() * 100)::int
		 FROM users u WHERE u.email LIKE 'bench%@example.jp'`,
		`ANALYZE users`, `ANALYZE memberships`, `ANALYZE enrolments`,
	} {
		var args []any
		switch {
		case strings.HasPrefix(q, "INSERT INTO users "):
			args = []any{n}
		case strings.HasPrefix(q, "INSERT INTO memberships"):
			args = []any{orgID}
		case strings.HasPrefix(q, "INSERT INTO enrolments "):
			args = []any{c.ID, orgID}
		}
		if err := db.Gorm.Exec(q, args...).Error; err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d learners and enrolments in %v", n, time.Since(start).Round(time.Millisecond))
	svc := learning.NewService(db.Gorm, catalog.NewService(db.Gorm, nil), nil, nil, "http://localhost")
	// A cursor half way through.
	var mid learning.OrgEnrolmentCursor
	if err := db.Gorm.Raw(`SELECT GREATEST(enrolled_at, completed_at, withdrawn_at, last_activity_at) AS changed_at, id::text AS id
		FROM enrolments WHERE org_id = ? ORDER BY 1, 2 OFFSET ? LIMIT 1`, orgID, n/2).Scan(&mid).Error; err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		after *learning.OrgEnrolmentCursor
	}{{"FirstPage", nil}, {"MidCursor", &mid}} {
		b.Run(c.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				rows, err := svc.OrgEnrolments(ctx, orgID, time.Time{}, c.after, 51)
				if err != nil || len(rows) != 51 {
					b.Fatalf("%d rows, %v", len(rows), err)
				}
				times = append(times, time.Since(t0))
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			p95 := times[len(times)*95/100]
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95_ms")
		})
	}
}
