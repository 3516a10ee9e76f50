package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/learning"
	"takumi/views"
	catalogueviews "takumi/views/catalogue"
	"takumi/views/studio"
)

// studioCohortFrom reads the session form.
func studioCohortFrom(c echo.Context) (views.Form, learning.CohortInput) {
	f := formFrom(c, studio.CohortFormFields...)
	return f, learning.CohortInput{NameJa: f.Get("name_ja"), NameEn: f.Get("name_en"), StartsOn: f.Get("starts_on"),
		EndsOn: f.Get("ends_on"), EnrolDeadline: f.Get("enrol_deadline"), Capacity: f.Get("capacity")}
}

// handleStudioCohorts lists a course's sessions (seats taken, waiting
// list) with an edit form for each and the add form. SECURITY: the catalog
// domain answers not_found unless the author edits for the course's provider.
func (s *Server) handleStudioCohorts(c echo.Context) error {
	return s.renderStudioCohorts(c, http.StatusOK, views.NewForm(), "", views.NewForm())
}

// renderStudioCohorts renders the sessions page with the add form newForm
// and, when editID is set, that session's refused edit form.
func (s *Server) renderStudioCohorts(c echo.Context, status int, newForm views.Form, editID string, edit views.Form) error {
	ctx := c.Request().Context()
	course, rev, err := s.Courses.LatestRevision(ctx, s.actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	sessions, err := s.Learning.StudioCohorts(ctx, s.actor(c), course.ID)
	if err != nil {
		return err
	}
	p := s.page(c, "cohorts.studio_title")
	return render(c, status, studio.Cohorts(p, studio.CohortsPage{
		Head: studio.NewCourseHead(p, course, rev), CohortBased: rev.Content.DeliveryMode == catalog.DeliveryCohort,
		Sessions: sessions, New: newForm, EditID: editID, Edit: edit,
	}))
}

// handleStudioCohortCreate adds a session; a refused form comes back (422)
// with what was typed and each problem next to its field.
func (s *Server) handleStudioCohortCreate(c echo.Context) error {
	f, in := studioCohortFrom(c)
	h, err := s.Learning.CreateCohort(c.Request().Context(), s.actor(c), c.Param("id"), in)
	if fieldErrors(err, &f) {
		return s.renderStudioCohorts(c, http.StatusUnprocessableEntity, f, "", views.NewForm())
	}
	if err != nil {
		return err
	}
	s.flashWith(c, "cohorts.flash_created", h.Name(s.lang(c)))
	return redirect(c, "/studio/courses/"+url.PathEscape(c.Param("id"))+"/cohorts")
}

// handleStudioCohortUpdate saves a session; raising its capacity seats the
// first people on its waiting list (the domain does it in the same
// transaction). A refused form comes back (422) open, with its problems.
func (s *Server) handleStudioCohortUpdate(c echo.Context) error {
	f, in := studioCohortFrom(c)
	h, promoted, err := s.Learning.UpdateCohort(c.Request().Context(), s.actor(c), c.Param("id"), c.Param("cid"), in)
	if fieldErrors(err, &f) {
		return s.renderStudioCohorts(c, http.StatusUnprocessableEntity, views.NewForm(), c.Param("cid"), f)
	}
	if err != nil {
		return err
	}
	if promoted > 0 {
		s.flashWith(c, "cohorts.flash_updated_promoted", h.Name(s.lang(c)), strconv.Itoa(promoted))
	} else {
		s.flashWith(c, "cohorts.flash_updated", h.Name(s.lang(c)))
	}
	return redirect(c, "/studio/courses/"+url.PathEscape(c.Param("id"))+"/cohorts")
}

// handleCohortEnrol enrols the signed-in learner in a session: a seat when
// one is free, else the waiting list in arrival order; then on to /learn
// with a notice saying which, and the position on the waiting list.
func (s *Server) handleCohortEnrol(c echo.Context) error {
	l := learning.Learner{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
	place, err := s.Learning.EnrolInCohort(c.Request().Context(), l, c.Param("cid"))
	if err != nil {
		return err
	}
	name := place.CohortName(s.lang(c))
	if place.Waitlisted() {
		s.flashWith(c, "cohorts.flash_waitlisted", name, strconv.Itoa(place.Position))
	} else {
		s.flashWith(c, "cohorts.flash_seated", name)
	}
	return redirect(c, "/learn")
}

// cohortSessionsView builds the sessions part of a cohort-based course's
// public page (catalogue.CohortSessions): the sessions not yet ended and,
// for a signed-in learner, their own place in one of them.
func (s *Server) cohortSessionsView(c echo.Context, cp *catalog.CoursePage) (catalogueviews.CohortSessionsView, error) {
	ctx := c.Request().Context()
	v := catalogueviews.CohortSessionsView{CoursePath: "/courses/" + url.PathEscape(cp.ProviderRef()) + "/" + url.PathEscape(cp.Code)}
	sessions, err := s.Learning.CourseCohorts(ctx, cp.ID)
	if err != nil {
		return v, err
	}
	v.Sessions = sessions
	if a := currentAuth(c); a != nil {
		mine, err := s.Learning.MyCohortPlace(ctx, learning.Learner{UserID: a.User.ID, IP: clientIP(c)}, cp.ID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return v, err
		}
		v.Mine = mine
	}
	return v, nil
}
