package learning_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// coreCourse publishes a course with two required readings and returns its
// id and lesson ids.
func coreCourse(t *testing.T, db *database.DB, mode string) (string, []string) {
	t.Helper()
	ids := []string{catalog.NewID(), catalog.NewID()}
	c := fixtures.MustCreateCourse(t, db, fixtures.Course{
		Provider: fixtures.Org{NameJa: "学習テスト機関" + mode},
		Author:   fixtures.User{Email: "author-" + mode + "@example.jp", Name: "講師", NoPassword: true},
		Code:     "core-" + strings.ReplaceAll(mode, "_", "-"),
		Content: catalog.Content{TitleJa: "学習の基礎", SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 1, Language: "ja", DeliveryMode: mode,
			Modules: []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
				{ID: ids[0], Kind: catalog.LessonReading, TitleJa: "一", Required: true, BodyMd: "本文"},
				{ID: ids[1], Kind: catalog.LessonReading, TitleJa: "二", Required: true, BodyMd: "本文"},
			}}}},
	})
	return c.ID, ids
}

// coreLearner is learner n, in Aichi (23), industry E.
func coreLearner(n int) fixtures.User {
	return fixtures.User{Email: fmt.Sprintf("core-learner%d@example.jp", n), Name: "受講者", NoPassword: true, Prefecture: "23", Industry: "E"}
}

func TestLearningCore(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	s := learning.NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	courseID, lessons := coreCourse(t, db, catalog.DeliverySelfPaced)
	l := learning.Learner{UserID: fixtures.MustCreateUser(t, db, coreLearner(1))}

	e, err := s.EnrolSelfPaced(ctx, l, courseID)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ErrEnrolTwice", func(t *testing.T) {
		if _, err := s.EnrolSelfPaced(ctx, l, courseID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second enrolment: %v", err)
		}
	})
	t.Run("EventCarriesDimensions", func(t *testing.T) {
		var ev struct{ Prefecture, Industry, Segment, SkillArea string }
		db.Gorm.Raw(`SELECT prefecture, industry, segment, skill_area FROM learning_events WHERE enrolment_id = ? AND event_type = 'enrolled'`, e.ID).Scan(&ev)
		if ev.Prefecture != "23" || ev.Industry != "E" || ev.Segment != "engineer" || ev.SkillArea != "digital_literacy" {
			t.Fatalf("event dimensions %+v", ev)
		}
		if err := db.Gorm.Exec(`UPDATE learning_events SET segment = 'other'`).Error; err == nil {
			t.Fatal("the event log accepted an UPDATE")
		}
	})
	t.Run("CompletesOnceWhenRequiredDone", func(t *testing.T) {
		for _, id := range lessons {
			db.Gorm.Exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, completed_at) VALUES (?, ?, now())`, e.ID, id)
		}
		for i := 0; i < 2; i++ {
			tx := db.Gorm.Begin()
			if err := learning.RecomputeProgress(ctx, tx, e.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			tx.Commit()
		}
		var status string
		var percent, completions int
		db.Gorm.Raw(`SELECT status, progress_percent FROM enrolments WHERE id = ?`, e.ID).Row().Scan(&status, &percent)
		db.Gorm.Raw(`SELECT count(*) FROM learning_events WHERE enrolment_id = ? AND event_type = 'course_completed'`, e.ID).Row().Scan(&completions)
		if status != "completed" || percent != 100 || completions != 1 {
			t.Fatalf("after all lessons: %s %d%%, %d completion events", status, percent, completions)
		}
	})
}

func TestLearningCohortSeats(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	s := learning.NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	courseID, _ := coreCourse(t, db, catalog.DeliveryCohort)
	var cohort string
	db.Gorm.Raw(`INSERT INTO cohorts (course_id, name_ja, starts_on, ends_on, enrol_deadline, capacity)
		VALUES (?, '第1期', current_date + 30, current_date + 60, now() + interval '20 days', 10) RETURNING id`, courseID).Row().Scan(&cohort)
	const n = 60
	learners := make([]string, n)
	for i := range learners {
		learners[i] = fixtures.MustCreateUser(t, db, coreLearner(100+i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, u := range learners {
		wg.Add(1)
		go func(u string) {
			defer wg.Done()
			if _, err := s.EnrolCohort(ctx, learning.Learner{UserID: u}, courseID, cohort); err != nil {
				errs <- err
			}
		}(u)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("enrol: %v", err)
	}
	var seated, waiting, taken int
	db.Gorm.Raw(`SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'waitlisted') FROM enrolments WHERE cohort_id = ?`, cohort).Row().Scan(&seated, &waiting)
	db.Gorm.Raw(`SELECT seats_taken FROM cohorts WHERE id = ?`, cohort).Row().Scan(&taken)
	if seated != 10 || waiting != n-10 || taken != 10 {
		t.Fatalf("%d seated, %d waiting, seats_taken %d; want 10, %d, 10", seated, waiting, taken, n-10)
	}
}
