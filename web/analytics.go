package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/views/studio"
)

// handleStudioAnalytics shows a course's aggregates to its instructors:
// enrolments, active learners, completions, drop-off by lesson and
// per-question quiz statistics. SECURITY: the catalog domain answers
// not_found for another provider's course (catalog.CourseHead, called by
// the learning domain before it reads anything).
func (s *Server) handleStudioAnalytics(c echo.Context) error {
	a, err := s.Learning.CourseAnalytics(c.Request().Context(), s.actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	p := s.page(c, "analytics.title", a.Head.Title(s.lang(c)))
	return render(c, http.StatusOK, studio.Analytics(p, studio.NewCourseHeadOf(p, a.Course, a.Head), a))
}
