package learning

import (
	"context"
	"fmt"
	"slices"
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

// TestMyLearningPages: "My learning" shows in-progress and completed
// courses MyLearningPageSize at a time, the most recently studied first (a
// course never studied by its enrolment time), with the totals for the
// pager; a page past the last shows the last, a page below 1 the first;
// withdrawn enrolments are neither shown nor counted, and each shown course
// in progress has its time left.
func TestMyLearningPages(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	s := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	l := playerLearner(t, db, 1)
	const active, completed = MyLearningPageSize + 2, MyLearningPageSize + 1
	var want struct{ active, completed []string }
	for i := range active + completed + 1 {
		c := fixtures.MustCreateCourse(t, db, fixtures.Course{
			Provider: fixtures.Org{NameJa: "ページ機関"},
			Author:   fixtures.User{Email: fmt.Sprintf("mylearning-pages-author%d@example.jp", i), Name: "講師", NoPassword: true},
			Code:     fmt.Sprintf("mylearning-pages-%d", i),
			Content: catalog.Content{TitleJa: fmt.Sprintf("コース%d", i), SummaryJa: "概要", SkillArea: "digital_literacy",
				Level: catalog.LevelIntroductory, EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced,
				Modules: []catalog.Module{{ID: "m1", TitleJa: "第1章", Lessons: []catalog.Lesson{{ID: catalog.NewID(),
					Kind: catalog.LessonReading, TitleJa: "レッスン", Required: true, MinMinutes: 5, BodyMd: "本文"}}}}},
		})
		e, _, err := s.Enrol(ctx, l, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Course i was studied i hours ago; course 1 never (enrolled 90
		// minutes ago: between courses 1 and 2 by activity).
		at := fmt.Sprintf("now() - interval '%d hours'", i)
		switch {
		case i == 1:
			err = db.Gorm.Exec(`UPDATE enrolments SET last_activity_at = NULL, enrolled_at = now() - interval '90 minutes' WHERE id = ?`, e.ID).Error
		case i < active:
			err = db.Gorm.Exec(`UPDATE enrolments SET last_activity_at = `+at+` WHERE id = ?`, e.ID).Error
		case i < active+completed:
			err = db.Gorm.Exec(`UPDATE enrolments SET status = 'completed', progress_percent = 100, completed_at = `+at+`,
				last_activity_at = `+at+` WHERE id = ?`, e.ID).Error
		default:
			err = db.Gorm.Exec(`UPDATE enrolments SET status = 'withdrawn' WHERE id = ?`, e.ID).Error
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i < active:
			want.active = append(want.active, e.ID)
		case i < active+completed:
			want.completed = append(want.completed, e.ID)
		}
	}
	// Course 1, never studied, enrolled 90 minutes ago, keeps its place
	// between the courses studied 0 and 2 hours ago.
	ids := func(cs []MyCourse) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.EnrolmentID)
		}
		return out
	}
	for _, tc := range []struct {
		name                     string
		pages                    MyLearningPages
		activePage, donePage     int
		activeFrom, activeTo     int
		completedFrom, completed int
	}{
		{"First", MyLearningPages{}, 1, 1, 0, MyLearningPageSize, 0, MyLearningPageSize},
		{"Second", MyLearningPages{InProgress: 2, Completed: 2}, 2, 2, MyLearningPageSize, active, MyLearningPageSize, completed},
		{"PastTheLast", MyLearningPages{InProgress: 99, Completed: 1 << 40}, 2, 2, MyLearningPageSize, active, MyLearningPageSize, completed},
		{"BelowTheFirst", MyLearningPages{InProgress: -3, Completed: 2}, 1, 2, 0, MyLearningPageSize, MyLearningPageSize, completed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := s.MyLearningPage(ctx, l, tc.pages)
			if err != nil {
				t.Fatal(err)
			}
			if m.InProgressTotal != active || m.CompletedTotal != completed || m.InProgressPages() != 2 || m.CompletedPages() != 2 {
				t.Errorf("totals %d, %d; pages %d, %d", m.InProgressTotal, m.CompletedTotal, m.InProgressPages(), m.CompletedPages())
			}
			if m.InProgressPage != tc.activePage || m.CompletedPage != tc.donePage {
				t.Errorf("pages shown %d, %d; want %d, %d", m.InProgressPage, m.CompletedPage, tc.activePage, tc.donePage)
			}
			if got, w := ids(m.InProgress), want.active[tc.activeFrom:tc.activeTo]; !slices.Equal(got, w) {
				t.Errorf("in progress\n%v\nwant\n%v", got, w)
			}
			if got, w := ids(m.Completed), want.completed[tc.completedFrom:tc.completed]; !slices.Equal(got, w) {
				t.Errorf("completed\n%v\nwant\n%v", got, w)
			}
			for _, c := range m.InProgress {
				if c.Time == nil || c.Time.NeededMinutes != 5 {
					t.Errorf("%s: time %+v", c.EnrolmentID, c.Time)
				}
			}
		})
	}
}
