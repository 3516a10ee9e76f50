package learning

import (
	"context"
	"testing"

	"takumi/internal/catalog"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
)

// TestMyLearningTimeAfterCompletionAndRepublish checks the time figures of
// "My learning" (time left, minutes needed, time-weighted percentage, next
// lesson) against hand-computed values and against the course overview
// (its own statement) after time on task, after a lesson is completed and
// after the course is published again with changed minimums and a new
// required lesson. Another learner's page never shows the enrolment.
func TestMyLearningTimeAfterCompletionAndRepublish(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	s := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	c := fixtures.MustCreateCourse(t, db, fixtures.Course{
		Provider: fixtures.Org{NameJa: "残り時間機関"},
		Author:   fixtures.User{Email: "mylearning-time-author@example.jp", Name: "講師", NoPassword: true},
		Code:     "mylearning-time",
		Content: catalog.Content{TitleJa: "残り時間", TitleEn: "Time left", SummaryJa: "概要", SkillArea: "digital_literacy",
			Level: catalog.LevelIntroductory, EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced},
		Draft: true,
	})
	ids := []string{catalog.NewID(), catalog.NewID(), catalog.NewID(), catalog.NewID()}
	lesson := func(i, minutes int, required bool) catalog.Lesson {
		return catalog.Lesson{ID: ids[i], Kind: catalog.LessonReading, TitleJa: "レッスン", TitleEn: "Lesson", Required: required,
			MinMinutes: minutes, BodyMd: "本文"}
	}
	module := func(ls ...catalog.Lesson) []catalog.Module {
		return []catalog.Module{{ID: "m1", TitleJa: "第1章", Lessons: ls}}
	}
	// Revision 1: two required lessons of 2 and 3 minutes, one optional.
	c.MustPublish(t, module(lesson(0, 2, true), lesson(1, 3, true), lesson(2, 10, false)))
	l := playerLearner(t, db, 1)
	other := playerLearner(t, db, 2)
	e, _, err := s.Enrol(ctx, l, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, needed, remaining, percent int, next string, nextLeft int) {
		t.Helper()
		m, err := s.MyLearning(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.InProgress) != 1 || m.InProgress[0].EnrolmentID != e.ID || m.InProgress[0].Time == nil {
			t.Fatalf("in progress %+v", m.InProgress)
		}
		got := *m.InProgress[0].Time
		gotNext := ""
		if got.NextLesson != nil {
			gotNext = got.NextLesson.ID
		}
		if got.NeededMinutes != needed || got.RemainingMinutes != remaining || got.Percent != percent || gotNext != next ||
			got.NextRemainingMinutes != nextLeft {
			t.Errorf("time %+v (next %q), want needed %d, remaining %d, %d %%, next %q with %d min", got, gotNext,
				needed, remaining, percent, next, nextLeft)
		}
		ov, err := s.CourseOverview(ctx, l, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := ov.Time()
		if want.NeededMinutes != got.NeededMinutes || want.RemainingMinutes != got.RemainingMinutes || want.Percent != got.Percent ||
			want.NextRemainingMinutes != got.NextRemainingMinutes || (want.NextLesson == nil) != (got.NextLesson == nil) ||
			(want.NextLesson != nil && want.NextLesson.ID != got.NextLesson.ID) {
			t.Errorf("my learning's time %+v, the overview's %+v", got, want)
		}
		if om, err := s.MyLearning(ctx, other); err != nil || !om.Empty() {
			t.Errorf("another learner's page %+v, %v", om, err)
		}
	}
	t.Run("Enrolled", func(t *testing.T) {
		// weights 120 + 180 s, nothing done.
		check(t, 5, 5, 0, ids[0], 2)
	})
	t.Run("TimeOnTask", func(t *testing.T) {
		if err := db.Gorm.Exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, seconds_on_task) VALUES (?, ?, 90), (?, ?, 60)`,
			e.ID, ids[0], e.ID, ids[2]).Error; err != nil {
			t.Fatal(err)
		}
		// 90 s of 120 on the first: 1 min left (rounded up); 90/300 = 30 %.
		// The optional lesson's time counts for nothing.
		check(t, 5, 4, 30, ids[0], 1)
	})
	t.Run("AfterCompletingALesson", func(t *testing.T) {
		if err := db.Gorm.Exec(`UPDATE lesson_progress SET seconds_on_task = 125 WHERE enrolment_id = ? AND lesson_id = ?`, e.ID, ids[0]).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompleteLesson(ctx, l, e.ID, ids[0]); err != nil {
			t.Fatal(err)
		}
		// The first lesson counts in full (120 s); the second is next.
		check(t, 5, 3, 40, ids[1], 3)
	})
	t.Run("AfterARepublish", func(t *testing.T) {
		// Revision 2: the second lesson needs 1 minute, a new required
		// lesson 4 minutes; the completed first lesson now needs 6.
		c.MustPublish(t, module(lesson(0, 6, true), lesson(1, 1, true), lesson(2, 10, false), lesson(3, 4, true)))
		// needed 6 + 1 + 4 = 11; left 0 + 1 + 4 = 5; weights 360 + 60 +
		// 240 = 660, credit 360: 54 %.
		check(t, 11, 5, 54, ids[1], 1)
	})
	t.Run("AfterCompletingTheNewLesson", func(t *testing.T) {
		if err := db.Gorm.Exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, seconds_on_task) VALUES (?, ?, 300)`, e.ID, ids[3]).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompleteLesson(ctx, l, e.ID, ids[3]); err != nil {
			t.Fatal(err)
		}
		// credit 360 + 240 = 600 of 660: 90 %; the second lesson is left.
		check(t, 11, 1, 90, ids[1], 1)
	})
}
