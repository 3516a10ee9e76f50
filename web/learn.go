package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/learning"
	learnviews "takumi/views/learn"
)

// The learner's own journey (/learn): enrolling in a self-paced course,
// "My learning", the course player with server-measured time on task,
// marking lessons complete, withdrawing, and "My history". Every route is
// requireUser; the learning domain answers not_found for anyone else's
// enrolment, so learners can only ever reach their own.

// playerLearner is the signed-in person as a learner.
func playerLearner(c echo.Context) learning.Learner {
	return learning.Learner{UserID: currentAuth(c).User.ID, IP: c.RealIP()}
}

// playerLessonPath is the player's address of a lesson.
func playerLessonPath(enrolmentID, lessonID string) string {
	return "/learn/" + enrolmentID + "/lessons/" + lessonID
}

// playerContinuePath is where "Continue" goes: the next lesson to do, or the
// course's page in the player when none is left.
func playerContinuePath(e *learning.Enrolment) string {
	if e.NextLessonID != nil && *e.NextLessonID != "" {
		return playerLessonPath(e.ID, *e.NextLessonID)
	}
	return "/learn/" + e.ID
}

// handlePlayerEnrol enrols the learner in a self-paced course (form field
// course_id) and sends them to its first lesson. Enrolling again is not an
// error: it leads to the course they already follow.
func (s *Server) handlePlayerEnrol(c echo.Context) error {
	e, already, err := s.Learning.Enrol(c.Request().Context(), playerLearner(c), c.FormValue("course_id"))
	if err != nil {
		return err
	}
	if already {
		s.flash(c, "player.flash_already_enrolled")
	} else {
		s.flash(c, "player.flash_enrolled")
	}
	return redirect(c, playerContinuePath(e))
}

// handlePlayerMyLearning is "My learning": the learner's courses in
// progress, on a waiting list and completed.
func (s *Server) handlePlayerMyLearning(c echo.Context) error {
	// ?page= is the page of courses in progress, ?completed= of completed
	// ones (learning.MyLearningPageSize each); anything not a number is
	// the first page, a page past the last the last.
	page, _ := strconv.Atoi(c.QueryParam("page"))
	done, _ := strconv.Atoi(c.QueryParam("completed"))
	m, err := s.Learning.MyLearningPage(c.Request().Context(), playerLearner(c), learning.MyLearningPages{InProgress: page, Completed: done})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, learnviews.MyLearning(s.page(c, "player.my_learning_title"), m))
}

// handlePlayerHistory is "My history": the learner's own learning events,
// newest first, a page at a time (?before= cursor).
func (s *Server) handlePlayerHistory(c echo.Context) error {
	h, err := s.Learning.History(c.Request().Context(), playerLearner(c), c.QueryParam("before"), s.lang(c))
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return echo.NewHTTPError(http.StatusBadRequest)
		}
		return err
	}
	return render(c, http.StatusOK, learnviews.History(s.page(c, "player.history_title"), h, c.QueryParam("before") != ""))
}

// handlePlayerCourse is the learner's page of one enrolled course: progress,
// lessons, completion.
func (s *Server) handlePlayerCourse(c echo.Context) error {
	v, err := s.Learning.CourseOverview(c.Request().Context(), playerLearner(c), c.Param("enrolment"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, learnviews.CourseOverview(s.page(c, "player.course_title", v.Course.Title(s.lang(c))), v))
}

// handlePlayerWithdrawConfirm asks the learner to confirm withdrawing.
func (s *Server) handlePlayerWithdrawConfirm(c echo.Context) error {
	v, err := s.Learning.CourseOverview(c.Request().Context(), playerLearner(c), c.Param("enrolment"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, learnviews.WithdrawConfirm(s.page(c, "player.withdraw_title", v.Course.Title(s.lang(c))), v))
}

// handlePlayerWithdraw withdraws the learner from the course.
func (s *Server) handlePlayerWithdraw(c echo.Context) error {
	if err := s.Learning.Withdraw(c.Request().Context(), playerLearner(c), c.Param("enrolment")); err != nil {
		return err
	}
	s.flash(c, "player.flash_withdrawn")
	return redirect(c, "/learn")
}

// handlePlayerLesson shows a lesson in the course player and records the
// visit (time on task is measured on the server). ?too_early=1 is where a
// refused "Mark as complete" lands: the page then says how long remains.
func (s *Server) handlePlayerLesson(c echo.Context) error {
	pp, err := s.Learning.Player(c.Request().Context(), playerLearner(c), c.Param("enrolment"), c.Param("lesson"))
	if err != nil {
		return err
	}
	if err := s.scormPlayer(c, pp); err != nil { // SCORM lessons (web/scorm.go)
		return err
	}
	tooEarly := 0
	if c.QueryParam("too_early") == "1" {
		tooEarly = pp.Time().RemainingMinutes()
	}
	p := s.page(c, "player.lesson_title", pp.Lesson.Title(s.lang(c)), pp.Course.Title(s.lang(c)))
	return render(c, http.StatusOK, learnviews.Player(p, pp, tooEarly))
}

// handlePlayerHeartbeat adds the time a lesson page stays open (sent by
// htmx every 30 seconds while the page is visible) and answers the lesson's
// time block, so the minutes done and remaining change without a reload.
func (s *Server) handlePlayerHeartbeat(c echo.Context) error {
	eid, lid := c.Param("enrolment"), c.Param("lesson")
	lt, err := s.Learning.Heartbeat(c.Request().Context(), playerLearner(c), eid, lid)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, learnviews.LessonTimeUpdate(s.page(c, "player.my_learning_title"), eid, lid, *lt))
}

// handlePlayerComplete marks a lesson complete ("Mark as complete") and
// goes on to the next lesson, or to the course page when the course is now
// complete. Too early (below the lesson's minimum time on task): back to the
// lesson page (POST/redirect/GET, so a reload does not send the form again),
// which says how many minutes remain.
func (s *Server) handlePlayerComplete(c echo.Context) error {
	ctx := c.Request().Context()
	l, eid, lid := playerLearner(c), c.Param("enrolment"), c.Param("lesson")
	done, err := s.Learning.CompleteLesson(ctx, l, eid, lid)
	var early *learning.TooEarlyError
	if errors.As(err, &early) {
		return redirect(c, playerLessonPath(eid, lid)+"?too_early=1")
	}
	if err != nil {
		return err
	}
	switch {
	case done.CourseCompleted:
		s.flash(c, "player.flash_course_completed")
		return redirect(c, "/learn/"+eid)
	case done.NextLessonID == "":
		s.flash(c, "player.flash_lesson_completed")
		return redirect(c, "/learn/"+eid)
	case !done.AlreadyDone:
		s.flash(c, "player.flash_lesson_completed")
	}
	return redirect(c, playerLessonPath(eid, done.NextLessonID))
}
