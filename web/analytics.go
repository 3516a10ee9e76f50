package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/views/studio"
)

// handleStudioAnalytics shows a course's aggregates to its instructors:
// enrolments, active learners, completions, drop-off by lesson and
// per-question quiz statistics. SECURITY: the catalog domain answers
// not_found for another provider's course (checked twice: for the page
// head and in the learning domain).
func (s *Server) handleStudioAnalytics(c echo.Context) error {
	ctx := c.Request().Context()
	course, rev, err := s.Courses.LatestRevision(ctx, s.actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	a, err := s.Learning.CourseAnalytics(ctx, s.actor(c), course.ID)
	if err != nil {
		return err
	}
	p := s.page(c, "analytics.title", rev.Content.Title(s.lang(c)))
	return render(c, http.StatusOK, studio.Analytics(p, studio.NewCourseHead(p, course, rev), a))
}
