package learning

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
)

// Quizzes in the course player: a learner starts an attempt at a quiz
// lesson of their own enrolment, answers the questions in the order drawn
// for that attempt, and submits once. Grading, the stored result, the
// "quiz_attempted" event, the lesson's completion and the enrolment's
// progress all happen in one transaction.

// MachineSpeedPerQuestion is the least time a person plausibly needs per
// question; an attempt submitted faster is flagged as machine speed (an
// integrity flag on the roster), not refused.
const MachineSpeedPerQuestion = 2 * time.Second

// QuizAttempt is one attempt at a quiz, as stored.
type QuizAttempt struct {
	ID          string
	EnrolmentID string
	LessonID    string
	Revision    int // the course revision the questions were drawn from
	StartedAt   time.Time
	SubmittedAt *time.Time
	Seed        int64
	Score       *int
	MaxScore    *int
	Passed      *bool
	Answers     map[string][]string `gorm:"serializer:json"` // question id -> option ids or the typed number
	Results     map[string]bool     `gorm:"serializer:json"` // question id -> correct?
}

// TableName maps QuizAttempt to its table.
func (QuizAttempt) TableName() string { return "quiz_attempts" }

// Submitted reports whether the attempt has been handed in.
func (a *QuizAttempt) Submitted() bool { return a.SubmittedAt != nil }

// IsPassed reports whether the attempt was submitted and passed.
func (a *QuizAttempt) IsPassed() bool { return a.Passed != nil && *a.Passed }

// QuizIntro is what the learner sees before an attempt: the quiz of the
// course's current published revision and their attempts so far.
type QuizIntro struct {
	Enrolment     Enrolment
	CourseTitleJa string
	CourseTitleEn string
	Lesson        catalog.Lesson // a quiz lesson; Lesson.Quiz is set
	Revision      int
	Attempts      []QuizAttempt // oldest first
	Best          *QuizAttempt  // the best submitted attempt, if any
	Open          *QuizAttempt  // an attempt started and not yet submitted
	Completed     bool          // the lesson counts as done
}

// Used is the number of attempts started.
func (q *QuizIntro) Used() int { return len(q.Attempts) }

// AttemptsLeft is how many more attempts may be started; -1 is unlimited.
func (q *QuizIntro) AttemptsLeft() int {
	if q.Lesson.Quiz.MaxAttempts == 0 {
		return -1
	}
	return max(0, q.Lesson.Quiz.MaxAttempts-len(q.Attempts))
}

// CanStart reports whether the learner may start (or resume) an attempt.
func (q *QuizIntro) CanStart() bool {
	return q.Enrolment.Status == StatusActive && len(q.Lesson.Quiz.Questions) > 0 && (q.Open != nil || q.AttemptsLeft() != 0)
}

// QuizAttemptView is one attempt with its questions in the order drawn for
// it and, once submitted, the result of each question.
type QuizAttemptView struct {
	Intro     QuizIntro
	Attempt   QuizAttempt
	Number    int                // 1 for the first attempt at this quiz
	Quiz      catalog.Quiz       // the quiz as it was in the attempt's revision
	Questions []catalog.Question // catalog.DrawOrder(quiz, seed)
	Results   map[string]catalog.QuestionResult
	// RevealAnswers: the correct answers are shown only when they can no
	// longer help a later attempt (passed, or no attempts left).
	RevealAnswers bool
}

// QuizIntro returns the learner's quiz lesson with their attempts.
// SECURITY: another person's enrolment, a lesson of another course, or a
// lesson that is not a quiz of the current published revision answer
// not_found. Errors: not_found.
func (s *Service) QuizIntro(ctx context.Context, l Learner, enrolmentID, lessonID string) (*QuizIntro, error) {
	// PERFORMANCE: no transaction: it would only add BEGIN and COMMIT
	// round trips (under READ COMMITTED each statement reads its own
	// snapshot either way) and nothing is written.
	q, err := quizIntro(ctx, s.db, s.contents, l, enrolmentID, lessonID, false)
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return q, nil
}

// quizIntro loads the enrolment (locked when lock is set), the quiz lesson
// of the course's current published revision (its content from contents:
// shared, read-only; Lesson.Quiz points into it) and the attempts.
func quizIntro(ctx context.Context, tx *gorm.DB, contents *catalog.ContentCache, l Learner, enrolmentID, lessonID string, lock bool) (*QuizIntro, error) {
	notFound := apperr.New(apperr.NotFound, "error.not_found")
	// The enrolment, the number of the course's published revision and
	// whether the lesson is completed: one round trip to read; two to act
	// (the enrolment locked first, the rest read once the lock is held).
	var st struct {
		Enrolment
		PublishedRevision *int
		LessonCompleted   bool
	}
	const revisionAndDone = `c.published_revision, EXISTS (SELECT 1 FROM lesson_progress p
		WHERE p.enrolment_id = e.id AND p.lesson_id = ? AND p.completed_at IS NOT NULL) AS lesson_completed`
	if lock {
		e, err := ownEnrolment(ctx, tx, l, enrolmentID, true)
		if err != nil {
			return nil, err
		}
		if err := tx.WithContext(ctx).Raw(`SELECT `+revisionAndDone+` FROM enrolments e JOIN courses c ON c.id = e.course_id WHERE e.id = ?`,
			lessonID, e.ID).Scan(&st).Error; err != nil {
			return nil, err
		}
		st.Enrolment = *e
	} else {
		if !validID(enrolmentID) {
			return nil, notFound
		}
		var rows []struct {
			Enrolment
			PublishedRevision *int
			LessonCompleted   bool
		}
		if err := tx.WithContext(ctx).Raw(`SELECT e.*, `+revisionAndDone+` FROM enrolments e JOIN courses c ON c.id = e.course_id
			WHERE e.id = ? AND e.user_id = ?`, lessonID, enrolmentID, l.UserID).Scan(&rows).Error; err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, notFound
		}
		st = rows[0]
	}
	e := &st.Enrolment
	if st.PublishedRevision == nil {
		return nil, notFound
	}
	revision := *st.PublishedRevision
	content, err := contents.Revision(ctx, tx, e.CourseID, revision)
	if apperr.Is(err, apperr.NotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	_, _, lesson := content.FindLesson(lessonID)
	if lesson == nil || lesson.Kind != catalog.LessonQuiz || lesson.Quiz == nil {
		return nil, notFound
	}
	q := &QuizIntro{Enrolment: *e, CourseTitleJa: content.TitleJa, CourseTitleEn: content.TitleEn, Lesson: *lesson, Revision: revision,
		Completed: st.LessonCompleted}
	if err := tx.WithContext(ctx).Where("enrolment_id = ? AND lesson_id = ?", e.ID, lessonID).
		Order("started_at, id").Find(&q.Attempts).Error; err != nil {
		return nil, err
	}
	for i := range q.Attempts {
		a := &q.Attempts[i]
		switch {
		case !a.Submitted():
			q.Open = a
		case q.Best == nil || *a.Score > *q.Best.Score:
			q.Best = a
		}
	}
	return q, nil
}

// StartQuizAttempt starts an attempt at a quiz lesson of the learner's
// active enrolment, drawing the question order from a fresh random seed.
// An attempt already started and not submitted is returned instead of a new
// one, so a second click does not use up an attempt. Errors: not_found (as
// QuizIntro), conflict ("quizplay.err_not_active",
// "quizplay.err_no_attempts_left", "quizplay.err_no_questions").
func (s *Service) StartQuizAttempt(ctx context.Context, l Learner, enrolmentID, lessonID string) (*QuizAttempt, error) {
	var a *QuizAttempt
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The enrolment row is locked, so two simultaneous starts cannot
		// both squeeze under the attempt limit.
		q, err := quizIntro(ctx, tx, s.contents, l, enrolmentID, lessonID, true)
		if err != nil {
			return err
		}
		if q.Enrolment.Status != StatusActive {
			return apperr.New(apperr.Conflict, "quizplay.err_not_active")
		}
		if q.Open != nil {
			a = q.Open
			return nil
		}
		if len(q.Lesson.Quiz.Questions) == 0 {
			return apperr.New(apperr.Conflict, "quizplay.err_no_questions")
		}
		if q.AttemptsLeft() == 0 {
			return apperr.New(apperr.Conflict, "quizplay.err_no_attempts_left")
		}
		now := s.now()
		a = &QuizAttempt{EnrolmentID: q.Enrolment.ID, LessonID: lessonID, Revision: q.Revision, StartedAt: now, Seed: rand.Int64()}
		if err := tx.WithContext(ctx).Raw(`INSERT INTO quiz_attempts (enrolment_id, lesson_id, revision, started_at, seed)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, a.EnrolmentID, a.LessonID, a.Revision, a.StartedAt, a.Seed).Scan(&a.ID).Error; err != nil {
			return err
		}
		return tx.WithContext(ctx).Exec(`UPDATE enrolments SET last_activity_at = ? WHERE id = ?`, now, q.Enrolment.ID).Error
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return a, nil
}

// QuizAttempt returns one of the learner's attempts with its questions in
// the order drawn and, once submitted, each question's result. Errors:
// not_found (as QuizIntro, or an attempt of another quiz or enrolment).
func (s *Service) QuizAttempt(ctx context.Context, l Learner, enrolmentID, lessonID, attemptID string) (*QuizAttemptView, error) {
	var v *QuizAttemptView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q, err := quizIntro(ctx, tx, s.contents, l, enrolmentID, lessonID, false)
		if err != nil {
			return err
		}
		v, err = quizAttemptView(ctx, tx, q, attemptID)
		return err
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return v, nil
}

// quizAttemptView finds attemptID among q's attempts and draws its
// questions from the revision the attempt was started on.
func quizAttemptView(ctx context.Context, tx *gorm.DB, q *QuizIntro, attemptID string) (*QuizAttemptView, error) {
	v := &QuizAttemptView{Intro: *q}
	for i, a := range q.Attempts {
		if a.ID == attemptID {
			v.Attempt, v.Number = a, i+1
		}
	}
	if v.Number == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	quiz := q.Lesson.Quiz
	if v.Attempt.Revision != q.Revision {
		var rev catalog.Revision
		if err := tx.WithContext(ctx).Where("course_id = ? AND number = ?", q.Enrolment.CourseID, v.Attempt.Revision).
			Take(&rev).Error; err != nil {
			return nil, err
		}
		_, _, old := rev.Content.FindLesson(q.Lesson.ID)
		if old == nil || old.Quiz == nil {
			return nil, apperr.New(apperr.NotFound, "error.not_found")
		}
		quiz = old.Quiz
	}
	v.Quiz = *quiz
	v.Questions = catalog.DrawOrder(quiz, v.Attempt.Seed)
	if v.Attempt.Submitted() {
		v.Results = map[string]catalog.QuestionResult{}
		_, _, per := catalog.GradeAttempt(quiz, v.Attempt.Answers)
		for _, r := range per {
			if v.Attempt.Answers == nil { // answers erased: keep the stored verdict
				r.Correct, r.Answered = v.Attempt.Results[r.QuestionID], true
			}
			v.Results[r.QuestionID] = r
		}
		v.RevealAnswers = v.Attempt.IsPassed() || q.AttemptsLeft() == 0
	}
	return v, nil
}

// SubmitQuizAttempt hands in an attempt, once. answers maps question ids
// to the chosen option ids, or to the typed number for a numeric question.
// An answer for a question not in the quiz, or an option that is not the
// question's own, refuses the whole submission and stores nothing. The
// attempt is graded with catalog.GradeAttempt and stored with its answers
// and per-question results; a "quiz_attempted" event is appended (flagged
// machine_speed, and the enrolment flagged, when it was handed in faster
// than MachineSpeedPerQuestion per question); and when the quiz is passed,
// or it need not be passed, the lesson is completed (once, with a
// "lesson_completed" event) and the enrolment's progress recomputed — all
// in one transaction. Errors: not_found (as QuizAttempt), invalid
// ("quizplay.err_unknown_question", "quizplay.err_unknown_option",
// "quizplay.err_one_option", or field q_<question id> "quizplay.err_number"),
// conflict ("quizplay.err_already_submitted", "quizplay.err_not_active").
func (s *Service) SubmitQuizAttempt(ctx context.Context, l Learner, enrolmentID, lessonID, attemptID string, answers map[string][]string) (*QuizAttemptView, error) {
	var v *QuizAttemptView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q, err := quizIntro(ctx, tx, s.contents, l, enrolmentID, lessonID, true)
		if err != nil {
			return err
		}
		v, err = quizAttemptView(ctx, tx, q, attemptID)
		if err != nil {
			return err
		}
		if v.Attempt.Submitted() {
			return apperr.New(apperr.Conflict, "quizplay.err_already_submitted")
		}
		if q.Enrolment.Status != StatusActive {
			return apperr.New(apperr.Conflict, "quizplay.err_not_active")
		}
		clean, err := checkQuizAnswers(&v.Quiz, answers)
		if err != nil {
			return err
		}
		now := s.now()
		score, maxScore, per := catalog.GradeAttempt(&v.Quiz, clean)
		passed := v.Quiz.Passed(score, maxScore)
		results := make(map[string]bool, len(per))
		for _, r := range per {
			results[r.QuestionID] = r.Correct
		}
		answersJSON, err := json.Marshal(clean)
		if err != nil {
			return err
		}
		resultsJSON, err := json.Marshal(results)
		if err != nil {
			return err
		}
		// The row is claimed only while still unsubmitted: a concurrent
		// second submission of the same attempt finds nothing to update.
		res := tx.WithContext(ctx).Exec(`UPDATE quiz_attempts SET submitted_at = ?, score = ?, max_score = ?, passed = ?,
			answers = ?::jsonb, results = ?::jsonb WHERE id = ? AND submitted_at IS NULL`,
			now, score, maxScore, passed, string(answersJSON), string(resultsJSON), v.Attempt.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.Conflict, "quizplay.err_already_submitted")
		}
		duration := now.Sub(v.Attempt.StartedAt)
		machine := duration < time.Duration(len(v.Quiz.Questions))*MachineSpeedPerQuestion
		details := map[string]any{"score": score, "max": maxScore, "passed": passed, "attempt": v.Number,
			"duration_ms": duration.Milliseconds(), "revision": v.Attempt.Revision}
		if machine {
			details["machine_speed"] = true
		}
		e := q.Enrolment
		if err := AppendEvent(ctx, tx, Event{Type: EventQuizAttempted, UserID: e.UserID, EnrolmentID: e.ID, CourseID: e.CourseID,
			CohortID: deref(e.CohortID), OrgID: deref(e.OrgID), LessonID: lessonID, Details: details, At: now}); err != nil {
			return err
		}
		updates := map[string]any{"last_activity_at": now}
		if machine {
			updates["flagged_fast"] = true
		}
		if err := tx.WithContext(ctx).Model(&Enrolment{}).Where("id = ?", e.ID).Updates(updates).Error; err != nil {
			return err
		}
		if passed || !q.Lesson.MustPass {
			if err := s.completeQuizLesson(ctx, tx, e, lessonID, v.Number, now); err != nil {
				return err
			}
		}
		// Show the stored result.
		fresh, err := quizIntro(ctx, tx, s.contents, l, enrolmentID, lessonID, false)
		if err != nil {
			return err
		}
		v, err = quizAttemptView(ctx, tx, fresh, attemptID)
		return err
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return v, nil
}

// completeQuizLesson marks the quiz lesson done, once: only the first
// completion appends "lesson_completed" and recomputes progress (which may
// complete the course, once).
func (s *Service) completeQuizLesson(ctx context.Context, tx *gorm.DB, e Enrolment, lessonID string, attempt int, now time.Time) error {
	tx = tx.WithContext(ctx)
	res := tx.Exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, first_seen_at, last_seen_at, completed_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (enrolment_id, lesson_id) DO NOTHING`, e.ID, lessonID, now, now, now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		res = tx.Exec(`UPDATE lesson_progress SET completed_at = ?, last_seen_at = greatest(last_seen_at, ?)
			WHERE enrolment_id = ? AND lesson_id = ? AND completed_at IS NULL`, now, now, e.ID, lessonID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // already done
		}
	}
	if err := AppendEvent(ctx, tx, Event{Type: EventLessonCompleted, UserID: e.UserID, EnrolmentID: e.ID, CourseID: e.CourseID,
		CohortID: deref(e.CohortID), OrgID: deref(e.OrgID), LessonID: lessonID, At: now,
		Details: map[string]any{"via": "quiz", "attempt": attempt}}); err != nil {
		return err
	}
	if err := s.lessonDone(ctx, tx, e, lessonID, now); err != nil {
		return err
	}
	return s.recompute(ctx, tx, e.ID, now)
}

// checkQuizAnswers refuses answers that do not belong to quiz and returns
// them trimmed, without empty values and duplicates. SECURITY: question and
// option ids come from the form; anything that is not this quiz's own is
// refused rather than ignored, so tampering is visible and nothing is stored.
func checkQuizAnswers(quiz *catalog.Quiz, answers map[string][]string) (map[string][]string, error) {
	questions := make(map[string]*catalog.Question, len(quiz.Questions))
	for i := range quiz.Questions {
		questions[quiz.Questions[i].ID] = &quiz.Questions[i]
	}
	clean := make(map[string][]string, len(answers))
	fields := map[string]string{}
	for qid, values := range answers {
		qu := questions[qid]
		if qu == nil {
			return nil, apperr.New(apperr.Invalid, "quizplay.err_unknown_question")
		}
		var given []string
		seen := map[string]bool{}
		for _, v := range values {
			v = strings.TrimSpace(v)
			if v != "" && !seen[v] {
				seen[v] = true
				given = append(given, v)
			}
		}
		if len(given) == 0 {
			continue
		}
		switch qu.Kind {
		case catalog.QuestionNumeric:
			if len(given) > 1 {
				return nil, apperr.New(apperr.Invalid, "quizplay.err_one_option")
			}
			if _, ok := quizplayNumber(given[0]); !ok {
				fields["q_"+qid] = "quizplay.err_number"
			}
		default:
			own := map[string]bool{}
			for _, o := range qu.Options {
				own[o.ID] = true
			}
			for _, v := range given {
				if !own[v] {
					return nil, apperr.New(apperr.Invalid, "quizplay.err_unknown_option")
				}
			}
			if qu.Kind != catalog.QuestionMultiple && len(given) > 1 {
				return nil, apperr.New(apperr.Invalid, "quizplay.err_one_option")
			}
		}
		clean[qid] = given
	}
	if len(fields) > 0 {
		return nil, apperr.FieldErrors(fields)
	}
	return clean, nil
}

// quizplayNumber reads a number as typed, folding full-width digits (a
// Japanese input method) to ASCII, as catalog.GradeAttempt does.
func quizplayNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(norm.NFKC.String(s)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
