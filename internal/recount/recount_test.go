package recount_test

import (
	"context"
	"fmt"
	"testing"

	"takumi/internal/catalog"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
	"takumi/internal/recount"
)

// TestRecountRepairsDriftedCounters: counters that drifted from their rows
// (a course's enrolment counter slots, an organisation's member count) show
// wrong figures until All recounts them; then the course analytics and the
// count are right again, and a recount of one counter leaves the others.
func TestRecountRepairsDriftedCounters(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	c := fixtures.MustCreateCourse(t, db, fixtures.Course{
		Provider: fixtures.Org{NameJa: "再集計テスト機関"},
		Author:   fixtures.User{Email: "recount-author@example.jp", Name: "講師", NoPassword: true},
		Code:     "recount-101",
		Content: catalog.Content{TitleJa: "再集計", SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced,
			Modules: []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
				{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "一", Required: true, BodyMd: "本文"}}}}},
	})
	lrn := learning.NewService(db.Gorm, c.Courses, nil, nil, "http://127.0.0.1")
	for i := range 3 {
		u := fixtures.MustCreateUser(t, db, fixtures.User{Email: fmt.Sprintf("recount%d@example.jp", i), Name: "受講者", NoPassword: true})
		if _, err := lrn.EnrolSelfPaced(ctx, learning.Learner{UserID: u}, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	enrolments := func() (all, active int) {
		t.Helper()
		a, err := lrn.CourseAnalytics(ctx, c.Author, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a.Enrolments, a.Active
	}
	members := func() (kept, rows int) {
		t.Helper()
		if err := db.Gorm.Raw(`SELECT (SELECT COALESCE(sum(members), 0) FROM org_member_counts WHERE org_id = ?),
			(SELECT count(*) FROM memberships WHERE org_id = ?)`, c.ProviderID, c.ProviderID).Row().Scan(&kept, &rows); err != nil {
			t.Fatal(err)
		}
		return kept, rows
	}
	// registrations: the users kept in registration_counts and counted.
	registrations := func() (kept, rows int) {
		t.Helper()
		if err := db.Gorm.Raw(`SELECT (SELECT COALESCE(sum(n), 0) FROM registration_counts), (SELECT count(*) FROM users)`).Row().Scan(&kept, &rows); err != nil {
			t.Fatal(err)
		}
		return kept, rows
	}
	if all, active := enrolments(); all != 3 || active != 3 {
		t.Fatalf("before the drift: %d enrolments, %d active, want 3 and 3", all, active)
	}
	if kept, rows := registrations(); kept != rows {
		t.Fatalf("before the drift: %d registrations kept, %d users", kept, rows)
	}
	drift := func() {
		t.Helper()
		// One slot row off by 7, a slot row no transaction wrote, and an
		// organisation's member count off by 5.
		for _, q := range []struct {
			sql string
			arg string
		}{
			{`UPDATE course_enrolment_stats SET enrolments = enrolments + 7, active = active + 7 WHERE course_id = ?`, c.ID},
			{`INSERT INTO course_enrolment_stats (course_id, slot, enrolments, active, waitlisted, completed, withdrawn, timed)
			  VALUES (?, 7, 2, 2, 0, 0, 0, 0) ON CONFLICT (course_id, slot) DO UPDATE SET enrolments = 2, active = 2`, c.ID},
			{`UPDATE org_member_counts SET members = members + 5 WHERE org_id = ?`, c.ProviderID},
			{`INSERT INTO registration_counts (month, prefecture, industry, segment, slot, n) VALUES ('2001-01-01', '13', '', ?, 5, 4)
			  ON CONFLICT DO NOTHING`, ""},
		} {
			if err := db.Gorm.Exec(q.sql, q.arg).Error; err != nil {
				t.Fatal(err)
			}
		}
		if all, _ := enrolments(); all == 3 {
			t.Fatal("the drift did not show in the analytics")
		}
		if kept, rows := members(); kept == rows {
			t.Fatal("the drift did not show in the member count")
		}
		if kept, rows := registrations(); kept == rows {
			t.Fatal("the drift did not show in the registrations")
		}
	}

	t.Run("All", func(t *testing.T) {
		drift()
		var done []string
		if err := recount.All(ctx, db.Gorm, nil, func(d recount.Done) { done = append(done, d.Counter.Key) }); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(done) != "[analytics roster members credentials registrations]" {
			t.Fatalf("recounted %v", done)
		}
		if all, active := enrolments(); all != 3 || active != 3 {
			t.Fatalf("after the recount: %d enrolments, %d active, want 3 and 3", all, active)
		}
		if kept, rows := members(); kept != rows {
			t.Fatalf("after the recount: member count %d, %d members", kept, rows)
		}
		if kept, rows := registrations(); kept != rows {
			t.Fatalf("after the recount: %d registrations kept, %d users", kept, rows)
		}
	})

	t.Run("OnlyAnalytics", func(t *testing.T) {
		drift()
		if err := recount.All(ctx, db.Gorm, []string{"analytics"}, nil); err != nil {
			t.Fatal(err)
		}
		if all, _ := enrolments(); all != 3 {
			t.Fatalf("after the recount: %d enrolments, want 3", all)
		}
		if kept, rows := members(); kept == rows {
			t.Fatal("a recount of the analytics alone recounted the members too")
		}
	})

	t.Run("UnknownCounter", func(t *testing.T) {
		if err := recount.All(ctx, db.Gorm, []string{"analytics", "nonsense"}, nil); err == nil {
			t.Fatal("an unknown counter was accepted")
		}
	})
}
