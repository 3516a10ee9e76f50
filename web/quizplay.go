package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/jst"
	"takumi/internal/learning"
	"takumi/views"
	"takumi/views/learn"
)

// Quizzes in the course player (/learn/:enrolment/quiz/:lesson). Every
// route is requireUser; the learning domain answers not_found for another
// person's enrolment and for a lesson that is not a quiz of the course's
// current published revision.

func quizplayLearner(c echo.Context) learning.Learner {
	return learning.Learner{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

// quizplayHead is what every quiz page shows about the quiz.
func (s *Server) quizplayHead(c echo.Context, q *learning.QuizIntro) learn.QuizplayHead {
	lang := s.lang(c)
	return learn.QuizplayHead{
		EnrolmentID: q.Enrolment.ID, LessonID: q.Lesson.ID,
		CourseTitle: s.localizer(c).Pick(q.CourseTitleJa, q.CourseTitleEn), LessonTitle: q.Lesson.Title(lang),
		PassPercent: q.Lesson.Quiz.PassPercent, MustPass: q.Lesson.MustPass, Questions: len(q.Lesson.Quiz.Questions),
		MaxAttempts: q.Lesson.Quiz.MaxAttempts, Used: q.Used(), Completed: q.Completed,
	}
}

// handleQuizplayIntro shows the quiz lesson: facts, best score, Start and
// the earlier attempts.
func (s *Server) handleQuizplayIntro(c echo.Context) error {
	q, err := s.Learning.QuizIntro(c.Request().Context(), quizplayLearner(c), c.Param("enrolment"), c.Param("lesson"))
	if err != nil {
		return err
	}
	return s.renderQuizplayIntro(c, http.StatusOK, q, "")
}

func (s *Server) renderQuizplayIntro(c echo.Context, status int, q *learning.QuizIntro, errKey string) error {
	st := learn.QuizplayIntroProps{Head: s.quizplayHead(c, q), CanStart: q.CanStart(), Resume: q.Open != nil,
		Active: q.Enrolment.Status == learning.StatusActive, Error: errKey}
	if q.Best != nil {
		st.HasBest, st.BestScore, st.BestMax = true, *q.Best.Score, *q.Best.MaxScore
	}
	for i := len(q.Attempts) - 1; i >= 0; i-- {
		a := q.Attempts[i]
		row := learn.QuizplayAttemptRow{Number: i + 1, ID: a.ID, When: jst.DateTime(a.StartedAt) + " JST",
			Datetime: jst.In(a.StartedAt).Format(time.RFC3339), Submitted: a.Submitted(), Passed: a.IsPassed()}
		if a.Submitted() {
			row.Score, row.Max = *a.Score, *a.MaxScore
		}
		st.Attempts = append(st.Attempts, row)
	}
	p := s.page(c, "quizplay.title", q.Lesson.Title(s.lang(c)))
	return render(c, status, learn.QuizplayIntro(p, st))
}

// handleQuizplayStart starts (or resumes) an attempt and opens it. A
// refusal (no attempts left, enrolment not active) shows the quiz page
// again with the reason, as 409.
func (s *Server) handleQuizplayStart(c echo.Context) error {
	ctx := c.Request().Context()
	l := quizplayLearner(c)
	a, err := s.Learning.StartQuizAttempt(ctx, l, c.Param("enrolment"), c.Param("lesson"))
	if apperr.Is(err, apperr.Conflict) {
		q, qerr := s.Learning.QuizIntro(ctx, l, c.Param("enrolment"), c.Param("lesson"))
		if qerr != nil {
			return qerr
		}
		e, _ := apperr.As(err)
		return s.renderQuizplayIntro(c, http.StatusConflict, q, e.Key)
	}
	if err != nil {
		return err
	}
	return redirect(c, string(learn.QuizplayPath(a.EnrolmentID, a.LessonID, "/attempts/"+a.ID)))
}

// handleQuizplayAttempt shows an open attempt as a form, or a submitted
// one's result.
func (s *Server) handleQuizplayAttempt(c echo.Context) error {
	v, err := s.Learning.QuizAttempt(c.Request().Context(), quizplayLearner(c), c.Param("enrolment"), c.Param("lesson"), c.Param("attempt"))
	if err != nil {
		return err
	}
	return s.renderQuizplayAttempt(c, http.StatusOK, v, v.Attempt.Answers, views.NewForm())
}

// handleQuizplaySubmit hands in an attempt (fields q_<question id>) and
// shows its result. Answers that do not belong to the quiz are refused
// with 422 and nothing is stored; a number typed wrongly comes back with
// everything chosen kept.
func (s *Server) handleQuizplaySubmit(c echo.Context) error {
	ctx := c.Request().Context()
	l := quizplayLearner(c)
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	answers := map[string][]string{}
	for k, vs := range form {
		if id, ok := strings.CutPrefix(k, "q_"); ok {
			answers[id] = vs
		}
	}
	v, err := s.Learning.SubmitQuizAttempt(ctx, l, c.Param("enrolment"), c.Param("lesson"), c.Param("attempt"), answers)
	if apperr.Is(err, apperr.Invalid) {
		open, verr := s.Learning.QuizAttempt(ctx, l, c.Param("enrolment"), c.Param("lesson"), c.Param("attempt"))
		if verr != nil {
			return verr
		}
		f := views.NewForm()
		fieldErrors(err, &f)
		return s.renderQuizplayAttempt(c, http.StatusUnprocessableEntity, open, answers, f)
	}
	if err != nil {
		return err
	}
	return redirect(c, string(learn.QuizplayPath(v.Intro.Enrolment.ID, v.Intro.Lesson.ID, "/attempts/"+v.Attempt.ID)))
}

// renderQuizplayAttempt renders the attempt form (with answers chosen so
// far) or, when submitted, the result with the stored answers.
func (s *Server) renderQuizplayAttempt(c echo.Context, status int, v *learning.QuizAttemptView, answers map[string][]string, f views.Form) error {
	head := s.quizplayHead(c, &v.Intro)
	head.PassPercent, head.Questions = v.Quiz.PassPercent, len(v.Quiz.Questions)
	st := learn.QuizplayAttemptProps{Head: head, AttemptID: v.Attempt.ID, Number: v.Number, Questions: v.Questions,
		Chosen: map[string]map[string]bool{}, Typed: map[string]string{}, Form: f,
		Submitted: v.Attempt.Submitted(), Results: v.Results, Reveal: v.RevealAnswers}
	for _, q := range v.Questions {
		given := answers[q.ID]
		if q.Kind == catalog.QuestionNumeric {
			if len(given) > 0 {
				st.Typed[q.ID] = given[0]
			}
			continue
		}
		st.Chosen[q.ID] = map[string]bool{}
		for _, o := range given {
			st.Chosen[q.ID][o] = true
		}
	}
	title := "quizplay.attempt_title"
	if st.Submitted {
		title = "quizplay.result_title"
		st.Score, st.Max, st.Passed = *v.Attempt.Score, *v.Attempt.MaxScore, v.Attempt.IsPassed()
		st.CanRetry = v.Intro.CanStart()
	}
	p := s.page(c, title, v.Intro.Lesson.Title(s.lang(c)), v.Number)
	return render(c, status, learn.QuizplayAttempt(p, st))
}
