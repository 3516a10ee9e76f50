package learning_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// analyticsFixture is a published course (two readings, then a quiz of two
// questions) of its own provider, with its instructor.
type analyticsFixture struct {
	courses    *catalog.Service
	author     catalog.Actor
	courseID   string
	lessons    []string // reading 1, reading 2, quiz
	questions  []string
	providerID string
}

func analyticsCourse(t *testing.T, db *database.DB, tag string) analyticsFixture {
	t.Helper()
	f := analyticsFixture{lessons: []string{catalog.NewID(), catalog.NewID(), catalog.NewID()},
		questions: []string{catalog.NewID(), catalog.NewID()}}
	quiz := &catalog.Quiz{PassPercent: 50, Questions: []catalog.Question{
		{ID: f.questions[0], Kind: catalog.QuestionTrueFalse, PromptMd: "第一問", Options: []catalog.Option{
			{ID: catalog.NewID(), Text: "正", Correct: true}, {ID: catalog.NewID(), Text: "誤"}}},
		{ID: f.questions[1], Kind: catalog.QuestionTrueFalse, PromptMd: "第二問", Options: []catalog.Option{
			{ID: catalog.NewID(), Text: "正"}, {ID: catalog.NewID(), Text: "誤", Correct: true}}},
	}}
	c := fixtures.MustCreateCourse(t, db, fixtures.Course{
		Provider: fixtures.Org{NameJa: "分析テスト機関" + tag},
		Author:   fixtures.User{Email: "analytics-author-" + tag + "@example.jp", Name: "講師", NoPassword: true},
		Code:     "analytics-" + tag,
		Content: catalog.Content{TitleJa: "分析の基礎", SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 10, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced,
			Modules: []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
				{ID: f.lessons[0], Kind: catalog.LessonReading, TitleJa: "一", Required: true, BodyMd: "本文"},
				{ID: f.lessons[1], Kind: catalog.LessonReading, TitleJa: "二", Required: true, BodyMd: "本文"},
				{ID: f.lessons[2], Kind: catalog.LessonQuiz, TitleJa: "確認", Required: true, Quiz: quiz},
			}}}},
	})
	f.courses, f.author, f.courseID, f.providerID = c.Courses, c.Author, c.ID, c.ProviderID
	return f
}

// TestAnalyticsCourseNumbers: six enrolments (two completed in 2 and 4
// days, two active of which one is recent, one withdrawn, one waitlisted),
// lesson progress and three quiz attempts give exact counts and shares.
func TestAnalyticsCourseNumbers(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	f := analyticsCourse(t, db, "a")
	s := learning.NewService(db.Gorm, f.courses, nil, nil, "http://127.0.0.1")
	now := time.Now()
	day := 24 * time.Hour

	ids := make([]string, 6)
	for i := range ids {
		e, err := s.EnrolSelfPaced(ctx, learning.Learner{UserID: fixtures.MustCreateUser(t, db, fixtures.User{
			Email: fmt.Sprintf("analytics-learner%d@example.jp", i), Name: "受講者", NoPassword: true})}, f.courseID)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = e.ID
	}
	set := func(id, sql string, args ...any) {
		t.Helper()
		if err := db.Gorm.Exec(`UPDATE enrolments SET `+sql+` WHERE id = ?`, append(args, id)...).Error; err != nil {
			t.Fatal(err)
		}
	}
	// 0, 1: completed in 2 and 4 days (median 3 days); 2: active, seen
	// today; 3: active, last seen 40 days ago; 4: withdrawn; 5: waitlisted.
	set(ids[0], `status = 'completed', enrolled_at = ?, completed_at = ?, last_activity_at = ?`, now.Add(-10*day), now.Add(-8*day), now.Add(-8*day))
	set(ids[1], `status = 'completed', enrolled_at = ?, completed_at = ?, last_activity_at = ?`, now.Add(-10*day), now.Add(-6*day), now.Add(-6*day))
	set(ids[2], `last_activity_at = ?`, now)
	set(ids[3], `last_activity_at = ?`, now.Add(-40*day))
	set(ids[4], `status = 'withdrawn', withdrawn_at = now(), last_activity_at = ?`, now.Add(-45*day))
	set(ids[5], `status = 'waitlisted'`)
	progress := func(enrolment, lesson string, done bool) {
		t.Helper()
		var completed any
		if done {
			completed = now
		}
		if err := db.Gorm.Exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, completed_at) VALUES (?, ?, ?)`, enrolment, lesson, completed).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Lesson 1: reached by 0-4, completed by 0-3. Lesson 2: reached by 0-2,
	// completed by 0, 1. Quiz: reached and completed by 0, 1.
	for i := 0; i < 5; i++ {
		progress(ids[i], f.lessons[0], i < 4)
	}
	for i := 0; i < 3; i++ {
		progress(ids[i], f.lessons[1], i < 2)
	}
	progress(ids[0], f.lessons[2], true)
	progress(ids[1], f.lessons[2], true)
	attempt := func(enrolment string, q1, q2, passed bool, submitted bool) {
		t.Helper()
		var sub any
		if submitted {
			sub = now
		}
		results := fmt.Sprintf(`{%q: %t, %q: %t}`, f.questions[0], q1, f.questions[1], q2)
		if err := db.Gorm.Exec(`INSERT INTO quiz_attempts (enrolment_id, lesson_id, revision, started_at, submitted_at, seed, passed, results)
			VALUES (?, ?, 1, ?, ?, 1, ?, ?::jsonb)`, enrolment, f.lessons[2], now.Add(-time.Minute), sub, passed, results).Error; err != nil {
			t.Fatal(err)
		}
	}
	attempt(ids[0], true, false, true, true)
	attempt(ids[1], false, false, false, true)
	attempt(ids[1], true, true, true, true)
	attempt(ids[2], true, true, true, false) // not submitted: not counted

	a, err := s.CourseAnalytics(ctx, f.author, f.courseID)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Summary", func(t *testing.T) {
		got := []int{a.Enrolments, a.Active, a.Waitlisted, a.Completed, a.Withdrawn, a.Started, a.ActiveLearners}
		want := []int{6, 2, 1, 2, 1, 5, 3} // active learners: 0, 1 (6 and 8 days ago) and 2 (today)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("enrolments/active/waitlisted/completed/withdrawn/started/activeLearners = %v, want %v", got, want)
		}
		if math.Abs(a.CompletionRate-0.4) > 1e-9 {
			t.Errorf("completion rate %v, want 0.4 (2 of 5 started)", a.CompletionRate)
		}
		if a.MedianCompletion == nil || *a.MedianCompletion != 3*day {
			t.Errorf("median time to complete %v, want 72h", a.MedianCompletion)
		}
	})
	t.Run("DropOffByLesson", func(t *testing.T) {
		type row struct {
			pos, reached, completed int
			reach, done             float64
		}
		want := []row{{1, 5, 4, 1.0, 0.8}, {2, 3, 2, 0.6, 0.4}, {3, 2, 2, 0.4, 0.4}}
		if len(a.Lessons) != len(want) {
			t.Fatalf("%d lessons, want %d", len(a.Lessons), len(want))
		}
		for i, w := range want {
			l := a.Lessons[i]
			if l.Lesson.ID != f.lessons[i] || l.Position != w.pos || l.Reached != w.reached || l.Completed != w.completed ||
				math.Abs(l.Reach-w.reach) > 1e-9 || math.Abs(l.Done-w.done) > 1e-9 {
				t.Errorf("lesson %d: pos %d reached %d (%.2f) completed %d (%.2f), want %+v", i+1, l.Position, l.Reached, l.Reach, l.Completed, l.Done, w)
			}
		}
	})
	t.Run("QuestionShares", func(t *testing.T) {
		if len(a.Quizzes) != 1 {
			t.Fatalf("%d quizzes, want 1", len(a.Quizzes))
		}
		q := a.Quizzes[0]
		if q.Attempts != 3 || q.Passed != 2 {
			t.Errorf("attempts %d passed %d, want 3 and 2", q.Attempts, q.Passed)
		}
		// Question 1: right in 2 of 3 attempts; question 2: 1 of 3.
		if q1 := q.Questions[0]; q1.Number != 1 || q1.Answered != 3 || q1.Correct != 2 || math.Abs(q1.Share-2.0/3) > 1e-9 {
			t.Errorf("question 1: %+v", q1)
		}
		if q2 := q.Questions[1]; q2.Number != 2 || q2.Answered != 3 || q2.Correct != 1 || math.Abs(q2.Share-1.0/3) > 1e-9 {
			t.Errorf("question 2: %+v", q2)
		}
	})
	// The page's head (catalog.CourseHead, one statement) says what
	// LatestRevision says, for the published revision and for an open
	// draft, whose title is the draft's while the figures stay the
	// published revision's. It opens a draft: after the figures' subtests.
	t.Run("HeadAsLatestRevision", func(t *testing.T) {
		check := func(t *testing.T, a *learning.CourseAnalytics) {
			t.Helper()
			c, rev, err := f.courses.LatestRevision(ctx, f.author, f.courseID)
			if err != nil {
				t.Fatal(err)
			}
			h := a.Head
			if a.Course.ID != c.ID || a.Course.Code != c.Code || a.Course.Status != c.Status ||
				fmt.Sprint(*a.Course.PublishedRevision) != fmt.Sprint(*c.PublishedRevision) {
				t.Errorf("course %+v, want %+v", a.Course, c)
			}
			if h.Number != rev.Number || h.IsDraft() != rev.IsDraft() || h.EditLockVersion() != rev.EditLockVersion() ||
				!h.UpdatedAt.Equal(rev.UpdatedAt) || h.Title("ja") != rev.Content.Title("ja") || h.Title("en") != rev.Content.Title("en") {
				t.Errorf("head %+v, want revision %d (draft %t, lock %d, %v, %q)", h, rev.Number, rev.IsDraft(),
					rev.EditLockVersion(), rev.UpdatedAt, rev.Content.Title("ja"))
			}
		}
		check(t, a)
		if _, err := f.courses.EditDraft(ctx, f.author, f.courseID, 0, func(ct *catalog.Content) error {
			ct.TitleJa, ct.TitleEn = "分析の基礎 改訂", "Analytics, revised"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		b, err := s.CourseAnalytics(ctx, f.author, f.courseID)
		if err != nil {
			t.Fatal(err)
		}
		check(t, b)
		if !b.Head.IsDraft() || b.Head.Title("en") != "Analytics, revised" || b.Content.TitleJa != "分析の基礎" || b.Revision != a.Revision {
			t.Errorf("with a draft: head %+v, content title %q, revision %d (want the draft's head and revision %d's content)",
				b.Head, b.Content.TitleJa, b.Revision, a.Revision)
		}
	})
	t.Run("ErrOtherProvider", func(t *testing.T) {
		other := analyticsCourse(t, db, "b")
		if _, err := s.CourseAnalytics(ctx, other.author, f.courseID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another provider's instructor: %v, want not_found", err)
		}
		if _, err := s.CourseAnalytics(ctx, f.author, "not-a-uuid"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("malformed id: %v, want not_found", err)
		}
	})
}
