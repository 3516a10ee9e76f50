package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/views"
	"takumi/views/studio"
)

// Quiz editor (/studio/courses/:id/lessons/:lid/quiz): settings, questions
// (add, edit, move, delete) and "Try the quiz". Every change goes through
// the catalog domain, which checks that the person authors the course's
// provider (SECURITY: other providers' courses answer 404) and saves with
// the draft's lock version.

// quizActor is the signed-in author, for the catalog domain.
func quizActor(c echo.Context) catalog.Actor {
	return catalog.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

// quizLockVersion reads the lock_version a form was loaded with.
func quizLockVersion(c echo.Context) int {
	n, _ := strconv.Atoi(c.FormValue("lock_version"))
	if n < 1 {
		// A form without a version must not skip the stale check: -1
		// matches no draft, so the save is refused as stale.
		return -1
	}
	return n
}

// quizIsConflict reports whether err is a conflict with the draft's state:
// someone saved since (catalog.err_stale) or the course is archived.
func quizIsConflict(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == apperr.Conflict
}

func quizConflictKey(err error) string {
	e, _ := apperr.As(err)
	return e.Key
}

// renderQuizEditor loads the quiz and renders the editor with status; typed
// settings (nil: the saved ones), the add form and a problem key.
func (s *Server) renderQuizEditor(c echo.Context, status int, settings *views.Form, add views.Form, errKey string) error {
	course, rev, l, err := s.Courses.QuizLesson(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"))
	if err != nil {
		return err
	}
	p := s.page(c, "quiz.editor_title", l.Title(s.lang(c)))
	f := views.NewForm()
	if settings != nil {
		f = *settings
	} else {
		f.Values["pass_percent"] = strconv.Itoa(l.Quiz.PassPercent)
		f.Values["max_attempts"] = strconv.Itoa(l.Quiz.MaxAttempts)
		if l.Quiz.Shuffle {
			f.Values["shuffle"] = "on"
		}
	}
	// The version the page's forms send back is always the current one: a
	// stale save shows the message and what was typed, and saving again
	// applies it to the newest draft.
	f.Values["lock_version"] = strconv.Itoa(rev.EditLockVersion())
	st := studio.QuizState{Head: studio.NewCourseHead(p, course, rev), Lesson: *l, Settings: f, Add: add, ErrKey: errKey,
		Drawn: catalog.DrawOrder(l.Quiz, time.Now().UnixNano())}
	return render(c, status, studio.QuizEditor(p, st))
}

// handleQuizEditor shows a quiz lesson's editor (404 unless the lesson is a
// quiz of a course the person authors).
func (s *Server) handleQuizEditor(c echo.Context) error {
	return s.renderQuizEditor(c, http.StatusOK, nil, views.NewForm(), "")
}

// handleQuizSettings saves the pass mark, attempt limit and shuffle.
func (s *Server) handleQuizSettings(c echo.Context) error {
	f := formFrom(c, "pass_percent", "max_attempts", "shuffle")
	_, err := s.Courses.UpdateQuizSettings(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"), quizLockVersion(c),
		catalog.QuizSettingsInput{PassPercent: f.Get("pass_percent"), MaxAttempts: f.Get("max_attempts"), Shuffle: f.Get("shuffle") != ""})
	if fieldErrors(err, &f) {
		return s.renderQuizEditor(c, http.StatusUnprocessableEntity, &f, views.NewForm(), "")
	}
	if quizIsConflict(err) {
		return s.renderQuizEditor(c, http.StatusConflict, &f, views.NewForm(), quizConflictKey(err))
	}
	if err != nil {
		return err
	}
	s.flash(c, "quiz.flash_settings_saved")
	return redirect(c, string(studio.QuizPath(c.Param("id"), c.Param("lid"), "")))
}

// handleQuizQuestionAdd adds a question of the chosen kind and opens its
// form. A true/false question starts with its two options in the author's
// language.
func (s *Server) handleQuizQuestionAdd(c echo.Context) error {
	add := formFrom(c, "kind")
	l := s.localizer(c)
	_, qid, err := s.Courses.AddQuestion(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"), quizLockVersion(c),
		catalog.NewQuestion{Kind: add.Get("kind"), TrueLabel: l.T("quiz.true"), FalseLabel: l.T("quiz.false")})
	if fieldErrors(err, &add) {
		return s.renderQuizEditor(c, http.StatusUnprocessableEntity, nil, add, "")
	}
	if quizIsConflict(err) {
		return s.renderQuizEditor(c, http.StatusConflict, nil, add, quizConflictKey(err))
	}
	if err != nil {
		return err
	}
	s.flash(c, "quiz.flash_question_added")
	return redirect(c, string(studio.QuizPath(c.Param("id"), c.Param("lid"), "/questions/"+qid)))
}

// quizQuestionPage loads the quiz and the question of the URL.
func (s *Server) quizQuestionPage(c echo.Context) (studio.QuestionState, views.Page, error) {
	course, rev, l, err := s.Courses.QuizLesson(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"))
	if err != nil {
		return studio.QuestionState{}, views.Page{}, err
	}
	for i, q := range l.Quiz.Questions {
		if q.ID == c.Param("qid") {
			p := s.page(c, "quiz.question_title", i+1)
			f := views.NewForm()
			f.Values["lock_version"] = strconv.Itoa(rev.EditLockVersion())
			return studio.QuestionState{Head: studio.NewCourseHead(p, course, rev), Lesson: *l, Number: i + 1, Question: q,
				Input: catalog.InputOf(&q), Form: f}, p, nil
		}
	}
	return studio.QuestionState{}, views.Page{}, apperr.New(apperr.NotFound, "error.not_found")
}

// handleQuizQuestionForm shows one question's form.
func (s *Server) handleQuizQuestionForm(c echo.Context) error {
	st, p, err := s.quizQuestionPage(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, studio.QuestionForm(p, st))
}

// quizQuestionInputFrom reads the question form as typed.
func quizQuestionInputFrom(c echo.Context, kind string) catalog.QuestionInput {
	in := catalog.QuestionInput{PromptMd: c.FormValue("prompt_md"), FeedbackMd: c.FormValue("feedback_md"),
		Answer: strings.TrimSpace(c.FormValue("answer")), Tolerance: strings.TrimSpace(c.FormValue("tolerance"))}
	if kind == catalog.QuestionNumeric {
		return in
	}
	n, _ := strconv.Atoi(c.FormValue("option_count"))
	n = min(max(n, 0), catalog.MaxQuestionOptions+1)
	correct := map[string]bool{}
	if form, err := c.FormParams(); err == nil {
		for _, v := range form["correct"] {
			correct[v] = true
		}
	}
	for i := range n {
		k := strconv.Itoa(i)
		in.Options = append(in.Options, catalog.OptionInput{ID: c.FormValue("option_id_" + k),
			Text: c.FormValue("option_text_" + k), Correct: correct[k]})
	}
	return in
}

// handleQuizQuestionSave saves a question, or (action add_option /
// remove_<i>) re-renders the form with an option added or removed and
// everything typed kept, saving nothing.
func (s *Server) handleQuizQuestionSave(c echo.Context) error {
	st, p, err := s.quizQuestionPage(c)
	if err != nil {
		return err
	}
	st.Input = quizQuestionInputFrom(c, st.Question.Kind)
	action := c.FormValue("action")
	switch {
	case action == "add_option":
		if st.Question.Kind != catalog.QuestionTrueFalse && len(st.Input.Options) < catalog.MaxQuestionOptions {
			st.Input.Options = append(st.Input.Options, catalog.OptionInput{})
		}
		st.Form.Values["lock_version"] = c.FormValue("lock_version")
		return render(c, http.StatusOK, studio.QuestionForm(p, st))
	case strings.HasPrefix(action, "remove_"):
		i, err := strconv.Atoi(strings.TrimPrefix(action, "remove_"))
		if err == nil && i >= 0 && i < len(st.Input.Options) && st.Question.Kind != catalog.QuestionTrueFalse {
			st.Input.Options = append(st.Input.Options[:i], st.Input.Options[i+1:]...)
		}
		st.Form.Values["lock_version"] = c.FormValue("lock_version")
		return render(c, http.StatusOK, studio.QuestionForm(p, st))
	}
	current := st.Form.Get("lock_version")
	_, err = s.Courses.SaveQuestion(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"), c.Param("qid"),
		quizLockVersion(c), st.Input)
	if fieldErrors(err, &st.Form) {
		st.Form.Values["lock_version"] = c.FormValue("lock_version")
		return render(c, http.StatusUnprocessableEntity, studio.QuestionForm(p, st))
	}
	if quizIsConflict(err) {
		// What was typed is kept; the form now carries the current
		// version, so saving again replaces this question on purpose.
		st.ErrKey = quizConflictKey(err)
		st.Form.Values["lock_version"] = current
		return render(c, http.StatusConflict, studio.QuestionForm(p, st))
	}
	if err != nil {
		return err
	}
	s.flash(c, "quiz.flash_question_saved")
	return redirect(c, string(studio.QuizPath(c.Param("id"), c.Param("lid"), "#question-"+c.Param("qid"))))
}

// handleQuizQuestionMove moves a question up or down.
func (s *Server) handleQuizQuestionMove(c echo.Context) error {
	delta := 1
	if c.FormValue("direction") == "up" {
		delta = -1
	}
	_, err := s.Courses.MoveQuestion(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"), c.Param("qid"), quizLockVersion(c), delta)
	if quizIsConflict(err) {
		return s.renderQuizEditor(c, http.StatusConflict, nil, views.NewForm(), quizConflictKey(err))
	}
	if err != nil {
		return err
	}
	return redirect(c, string(studio.QuizPath(c.Param("id"), c.Param("lid"), "#question-"+c.Param("qid"))))
}

// handleQuizQuestionDelete deletes a question.
func (s *Server) handleQuizQuestionDelete(c echo.Context) error {
	_, err := s.Courses.DeleteQuestion(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"), c.Param("qid"), quizLockVersion(c))
	if quizIsConflict(err) {
		return s.renderQuizEditor(c, http.StatusConflict, nil, views.NewForm(), quizConflictKey(err))
	}
	if err != nil {
		return err
	}
	s.flash(c, "quiz.flash_question_deleted")
	return redirect(c, string(studio.QuizPath(c.Param("id"), c.Param("lid"), "")))
}

// handleQuizPreview grades "Try the quiz" with the learner's rules and shows
// the score and each question's feedback. Nothing is stored.
func (s *Server) handleQuizPreview(c echo.Context) error {
	course, rev, l, err := s.Courses.QuizLesson(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"))
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	answers := map[string][]string{}
	for _, q := range l.Quiz.Questions {
		answers[q.ID] = form["q_"+q.ID]
	}
	score, maxScore, per := catalog.GradeAttempt(l.Quiz, answers)
	results := make(map[string]catalog.QuestionResult, len(per))
	for _, r := range per {
		results[r.QuestionID] = r
	}
	p := s.page(c, "quiz.try_result_title", l.Title(s.lang(c)))
	st := studio.QuizTryState{Head: studio.NewCourseHead(p, course, rev), Lesson: *l, Questions: l.Quiz.Questions,
		Answers: answers, Graded: true, Score: score, Max: maxScore, Passed: l.Quiz.Passed(score, maxScore), Results: results}
	return render(c, http.StatusOK, studio.QuizTryResult(p, st))
}
