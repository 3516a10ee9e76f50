package learning_test

import (
	"context"
	"encoding/json"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// quizplayFixture is a published course with a required reading and a
// required quiz that must be passed: a single-choice question and a
// numeric one (42 ± 0.5), pass mark 60 %, at most 3 attempts.
type quizplayFixture struct {
	CourseID  string
	ReadingID string
	QuizID    string
	Single    string // question ids
	Numeric   string
	Right     string // option ids of the single-choice question
	Wrong     string
}

func quizplayCourse(t *testing.T, db *database.DB, code string) quizplayFixture {
	t.Helper()
	f := quizplayFixture{ReadingID: catalog.NewID(), QuizID: catalog.NewID(), Single: catalog.NewID(),
		Numeric: catalog.NewID(), Right: catalog.NewID(), Wrong: catalog.NewID()}
	c := fixtures.MustCreateCourse(t, db, fixtures.Course{
		Provider: fixtures.Org{NameJa: "小テスト機関 " + code},
		Author:   fixtures.User{Email: "quizplay-author-" + code + "@example.jp", Name: "講師", NoPassword: true},
		Code:     code,
		Content: catalog.Content{TitleJa: "品質管理の基礎", SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced,
			Modules: []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
				{ID: f.ReadingID, Kind: catalog.LessonReading, TitleJa: "読み物", Required: true, BodyMd: "本文"},
				{ID: f.QuizID, Kind: catalog.LessonQuiz, TitleJa: "確認テスト", Required: true, MustPass: true, Quiz: &catalog.Quiz{
					PassPercent: 60, MaxAttempts: 3, Questions: []catalog.Question{
						{ID: f.Single, Kind: catalog.QuestionSingle, PromptMd: "管理図とは？", FeedbackMd: "工程の**ばらつき**を見る図です。",
							Options: []catalog.Option{{ID: f.Right, Text: "工程のばらつきを見る図", Correct: true}, {ID: f.Wrong, Text: "組織図"}}},
						{ID: f.Numeric, Kind: catalog.QuestionNumeric, PromptMd: "6×7 は？", Answer: 42, Tolerance: 0.5, FeedbackMd: "42 です。"},
					}}},
			}}}},
	})
	f.CourseID = c.ID
	return f
}

// quizplayLearner is a learner in Osaka (27), industry E, from 192.0.2.1
// (privacy_test.go uses it too).
func quizplayLearner(t *testing.T, db *database.DB, name string) learning.Learner {
	t.Helper()
	id := fixtures.MustCreateUser(t, db, fixtures.User{Email: "quizplay-" + name + "@example.jp", Name: "受講者", NoPassword: true,
		Prefecture: "27", Industry: "E"})
	return learning.Learner{UserID: id, IP: "192.0.2.1"}
}

func quizplayCount(t *testing.T, db *database.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Gorm.Raw(sql, args...).Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// quizplayStartBackdated starts an attempt and moves its start a minute
// back, so a submission is at human speed (and earlier attempts two
// minutes back).
func quizplayStartBackdated(t *testing.T, db *database.DB, s *learning.Service, l learning.Learner, enrolmentID, quizID string) *learning.QuizAttempt {
	t.Helper()
	// Earlier attempts move further back, so the order of attempts stays.
	db.Gorm.Exec(`UPDATE quiz_attempts SET started_at = started_at - interval '2 minutes',
		submitted_at = submitted_at - interval '2 minutes' WHERE enrolment_id = ?`, enrolmentID)
	a, err := s.StartQuizAttempt(context.Background(), l, enrolmentID, quizID)
	if err != nil {
		t.Fatal(err)
	}
	db.Gorm.Exec(`UPDATE quiz_attempts SET started_at = started_at - interval '1 minute' WHERE id = ?`, a.ID)
	return a
}

func TestQuizplayAttempts(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	s := learning.NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	f := quizplayCourse(t, db, "quizplay-attempts")
	learnerA, learnerB := quizplayLearner(t, db, "a"), quizplayLearner(t, db, "b")
	e, err := s.EnrolSelfPaced(ctx, learnerA, f.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	eventsOf := func(kind string) int {
		return quizplayCount(t, db, `SELECT count(*) FROM learning_events WHERE enrolment_id = ? AND event_type = ?`, e.ID, kind)
	}

	t.Run("ErrOtherLearnersEnrolment", func(t *testing.T) {
		if _, err := s.QuizIntro(ctx, learnerB, e.ID, f.QuizID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B reads A's quiz: %v", err)
		}
		if _, err := s.StartQuizAttempt(ctx, learnerB, e.ID, f.QuizID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B starts A's quiz: %v", err)
		}
		if n := quizplayCount(t, db, `SELECT count(*) FROM quiz_attempts`); n != 0 {
			t.Fatalf("%d attempts stored", n)
		}
	})
	t.Run("ErrNotAQuizLesson", func(t *testing.T) {
		for _, id := range []string{f.ReadingID, catalog.NewID(), "not-a-lesson"} {
			if _, err := s.StartQuizAttempt(ctx, learnerA, e.ID, id); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("lesson %s: %v", id, err)
			}
		}
	})

	first, err := s.StartQuizAttempt(ctx, learnerA, e.ID, f.QuizID)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("StartAgainResumesOpenAttempt", func(t *testing.T) {
		again, err := s.StartQuizAttempt(ctx, learnerA, e.ID, f.QuizID)
		if err != nil || again.ID != first.ID {
			t.Fatalf("second start: %v, %v (want the open attempt %s)", again, err, first.ID)
		}
		v, err := s.QuizAttempt(ctx, learnerA, e.ID, f.QuizID, first.ID)
		if err != nil || v.Number != 1 || len(v.Questions) != 2 || v.Attempt.Submitted() {
			t.Fatalf("open attempt view: %+v, %v", v, err)
		}
	})
	t.Run("ErrUnknownQuestion", func(t *testing.T) {
		_, err := s.SubmitQuizAttempt(ctx, learnerA, e.ID, f.QuizID, first.ID, map[string][]string{
			f.Single: {f.Right}, catalog.NewID(): {"1"}})
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || e.Key != "quizplay.err_unknown_question" {
			t.Fatalf("answer to a foreign question: %v", err)
		}
	})
	t.Run("ErrUnknownOption", func(t *testing.T) {
		_, err := s.SubmitQuizAttempt(ctx, learnerA, e.ID, f.QuizID, first.ID, map[string][]string{f.Single: {catalog.NewID()}})
		if e, ok := apperr.As(err); !ok || e.Key != "quizplay.err_unknown_option" {
			t.Fatalf("foreign option: %v", err)
		}
		_, err = s.SubmitQuizAttempt(ctx, learnerA, e.ID, f.QuizID, first.ID, map[string][]string{f.Single: {f.Right, f.Wrong}})
		if e, ok := apperr.As(err); !ok || e.Key != "quizplay.err_one_option" {
			t.Fatalf("two options for a single-choice question: %v", err)
		}
	})
	t.Run("ErrNumberTyped", func(t *testing.T) {
		_, err := s.SubmitQuizAttempt(ctx, learnerA, e.ID, f.QuizID, first.ID, map[string][]string{f.Numeric: {"forty-two"}})
		if e, ok := apperr.As(err); !ok || e.Fields["q_"+f.Numeric] != "quizplay.err_number" {
			t.Fatalf("a word for a number: %v", err)
		}
	})
	t.Run("RefusedAnswersStoreNothing", func(t *testing.T) {
		if n := quizplayCount(t, db, `SELECT count(*) FROM quiz_attempts WHERE submitted_at IS NOT NULL OR answers IS NOT NULL`); n != 0 {
			t.Fatalf("%d attempts were stored", n)
		}
		if n := eventsOf("quiz_attempted"); n != 0 {
			t.Fatalf("%d quiz_attempted events", n)
		}
	})
	t.Run("ErrOtherLearnerSubmits", func(t *testing.T) {
		if _, err := s.SubmitQuizAttempt(ctx, learnerB, e.ID, f.QuizID, first.ID, map[string][]string{f.Single: {f.Right}}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B submits A's attempt: %v", err)
		}
	})
	t.Run("FailIsGradedAndStoredAtMachineSpeed", func(t *testing.T) {
		v, err := s.SubmitQuizAttempt(ctx, learnerA, e.ID, f.QuizID, first.ID, map[string][]string{
			f.Single: {f.Wrong}, f.Numeric: {"４２"}}) // full-width digits count
		if err != nil {
			t.Fatal(err)
		}
		if *v.Attempt.Score != 1 || *v.Attempt.MaxScore != 2 || v.Attempt.IsPassed() || v.Intro.Completed {
			t.Fatalf("graded %d/%d passed=%v completed=%v; want 1/2, failed, lesson not done", *v.Attempt.Score, *v.Attempt.MaxScore, v.Attempt.IsPassed(), v.Intro.Completed)
		}
		if v.RevealAnswers {
			t.Fatal("correct answers revealed after a failed attempt with attempts left")
		}
		var answers, results string
		db.Gorm.Raw(`SELECT answers::text, results::text FROM quiz_attempts WHERE id = ?`, first.ID).Row().Scan(&answers, &results)
		var res map[string]bool
		json.Unmarshal([]byte(results), &res)
		if res[f.Single] || !res[f.Numeric] || answers == "" {
			t.Fatalf("stored answers %s results %s", answers, results)
		}
		var details map[string]any
		var raw string
		db.Gorm.Raw(`SELECT details::text FROM learning_events WHERE enrolment_id = ? AND event_type = 'quiz_attempted'`, e.ID).Row().Scan(&raw)
		json.Unmarshal([]byte(raw), &details)
		if details["score"] != 1.0 || details["max"] != 2.0 || details["passed"] != false || details["attempt"] != 1.0 ||
			details["machine_speed"] != true || details["duration_ms"] == nil {
			t.Fatalf("event details %s", raw)
		}
		if quizplayCount(t, db, `SELECT count(*) FROM enrolments WHERE id = ? AND flagged_fast`, e.ID) != 1 {
			t.Fatal("the enrolment is not flagged after a machine-speed attempt")
		}
		if n := quizplayCount(t, db, `SELECT count(*) FROM lesson_progress WHERE enrolment_id = ? AND completed_at IS NOT NULL`, e.ID); n != 0 {
			t.Fatalf("a failed must-pass quiz completed %d lessons", n)
		}
	})
	t.Run("ErrSubmitTwice", func(t *testing.T) {
		_, err := s.SubmitQuizAttempt(ctx, learnerA, e.ID, f.QuizID, first.ID, map[string][]string{f.Single: {f.Right}, f.Numeric: {"42"}})
		if e, ok := apperr.As(err); !ok || e.Key != "quizplay.err_already_submitted" {
			t.Fatalf("second submission: %v", err)
		}
		if n := eventsOf("quiz_attempted"); n != 1 {
			t.Fatalf("%d quiz_attempted events", n)
		}
	})
	t.Run("PassCompletesLessonAndCourseOnce", func(t *testing.T) {
		db.Gorm.Exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, completed_at) VALUES (?, ?, now())`, e.ID, f.ReadingID)
		a := quizplayStartBackdated(t, db, s, learnerA, e.ID, f.QuizID)
		v, err := s.SubmitQuizAttempt(ctx, learnerA, e.ID, f.QuizID, a.ID, map[string][]string{f.Single: {f.Right}, f.Numeric: {"42.3"}})
		if err != nil {
			t.Fatal(err)
		}
		if !v.Attempt.IsPassed() || *v.Attempt.Score != 2 || !v.Intro.Completed || !v.RevealAnswers || v.Number != 2 {
			t.Fatalf("second attempt: passed=%v score=%d completed=%v reveal=%v number=%d", v.Attempt.IsPassed(), *v.Attempt.Score, v.Intro.Completed, v.RevealAnswers, v.Number)
		}
		var raw string
		db.Gorm.Raw(`SELECT details::text FROM learning_events WHERE enrolment_id = ? AND event_type = 'quiz_attempted' ORDER BY id DESC LIMIT 1`, e.ID).Row().Scan(&raw)
		var details map[string]any
		json.Unmarshal([]byte(raw), &details)
		if details["machine_speed"] != nil || details["attempt"] != 2.0 {
			t.Fatalf("human-speed attempt details %s", raw)
		}
		if eventsOf("lesson_completed") != 1 || eventsOf("course_completed") != 1 {
			t.Fatalf("%d lesson_completed, %d course_completed events; want 1 each", eventsOf("lesson_completed"), eventsOf("course_completed"))
		}
		var status string
		var percent int
		db.Gorm.Raw(`SELECT status, progress_percent FROM enrolments WHERE id = ?`, e.ID).Row().Scan(&status, &percent)
		if status != learning.StatusCompleted || percent != 100 {
			t.Fatalf("enrolment %s %d%%", status, percent)
		}
	})
	t.Run("ErrNotActiveAfterCompletion", func(t *testing.T) {
		_, err := s.StartQuizAttempt(ctx, learnerA, e.ID, f.QuizID)
		if e, ok := apperr.As(err); !ok || e.Key != "quizplay.err_not_active" {
			t.Fatalf("start on a completed enrolment: %v", err)
		}
		if eventsOf("course_completed") != 1 || eventsOf("lesson_completed") != 1 {
			t.Fatal("completion events repeated")
		}
	})
}

func TestQuizplayAttemptLimit(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	s := learning.NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	f := quizplayCourse(t, db, "quizplay-limit")
	l := quizplayLearner(t, db, "limit")
	e, err := s.EnrolSelfPaced(ctx, l, f.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		a := quizplayStartBackdated(t, db, s, l, e.ID, f.QuizID)
		if _, err := s.SubmitQuizAttempt(ctx, l, e.ID, f.QuizID, a.ID, map[string][]string{f.Single: {f.Wrong}}); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	t.Run("ErrNoAttemptsLeft", func(t *testing.T) {
		_, err := s.StartQuizAttempt(ctx, l, e.ID, f.QuizID)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Conflict || e.Key != "quizplay.err_no_attempts_left" {
			t.Fatalf("fourth start: %v", err)
		}
		if n := quizplayCount(t, db, `SELECT count(*) FROM quiz_attempts WHERE enrolment_id = ?`, e.ID); n != 3 {
			t.Fatalf("%d attempts stored, want 3", n)
		}
	})
	t.Run("AnswersRevealedWhenNoAttemptsLeft", func(t *testing.T) {
		q, err := s.QuizIntro(ctx, l, e.ID, f.QuizID)
		if err != nil || q.CanStart() || q.AttemptsLeft() != 0 {
			t.Fatalf("intro after 3 attempts: can start %v, left %d, %v", q.CanStart(), q.AttemptsLeft(), err)
		}
		v, err := s.QuizAttempt(ctx, l, e.ID, f.QuizID, q.Attempts[2].ID)
		if err != nil || !v.RevealAnswers {
			t.Fatalf("last attempt reveal=%v, %v", v.RevealAnswers, err)
		}
		if n := quizplayCount(t, db, `SELECT count(*) FROM enrolments WHERE id = ? AND flagged_fast`, e.ID); n != 0 {
			t.Fatal("human-speed attempts flagged the enrolment")
		}
	})
}

// TestQuizplayPlayerShowsPassed: the player marks a quiz lesson passed
// once an attempt of it passed, on an instance that has not seen the
// enrolment (two statements) and on one that has (one statement, visit.go),
// and not before.
func TestQuizplayPlayerShowsPassed(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	f := quizplayCourse(t, db, "player-passed")
	l := quizplayLearner(t, db, "player-passed")
	s := learning.NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	e, _, err := s.Enrol(ctx, l, f.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	passed := func(s *learning.Service, lesson string) bool {
		t.Helper()
		p, err := s.Player(ctx, l, e.ID, lesson)
		if err != nil {
			t.Fatal(err)
		}
		return p.QuizPassed[lesson]
	}
	// Twice: the first visit through two statements, the second through one.
	for i := range 2 {
		if passed(s, f.QuizID) {
			t.Fatalf("visit %d: quiz marked passed before any attempt", i+1)
		}
	}
	a := quizplayStartBackdated(t, db, s, l, e.ID, f.QuizID)
	if _, err := s.SubmitQuizAttempt(ctx, l, e.ID, f.QuizID, a.ID, map[string][]string{f.Single: {f.Right}, f.Numeric: {"42"}}); err != nil {
		t.Fatal(err)
	}
	fresh := learning.NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	for _, c := range []struct {
		name string
		s    *learning.Service
	}{{"SeenInstance", s}, {"NewInstance", fresh}, {"NewInstanceAgain", fresh}} {
		if !passed(c.s, f.QuizID) {
			t.Errorf("%s: passed quiz not marked passed", c.name)
		}
	}
	if p, err := s.Player(ctx, l, e.ID, f.ReadingID); err != nil || p.QuizPassed[f.ReadingID] {
		t.Fatalf("reading lesson: %v, marks %v", err, p.QuizPassed)
	}
}
