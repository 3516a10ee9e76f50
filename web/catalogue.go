package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	catalogueviews "takumi/views/catalogue"
)

// handleCatalogue is the public catalogue: published courses filtered by
// the URL query (q, skill, level, mode, lang, provider, hours, sort, page).
// An htmx request gets the results fragment; everyone else the full page.
// Filter values that are not valid are ignored and named on the page.
func (s *Server) handleCatalogue(c echo.Context) error {
	q := c.QueryParams()
	f := catalog.Filter{
		Q: q.Get("q"), Skill: q.Get("skill"), Level: q.Get("level"), Mode: q.Get("mode"),
		Language: q.Get("lang"), Provider: q.Get("provider"), Hours: q.Get("hours"), Sort: q.Get("sort"),
		DisplayLang: s.lang(c),
	}
	badPage := false
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			badPage = true
		} else {
			f.Page = n
		}
	}
	res, err := s.Courses.Search(c.Request().Context(), f)
	if err != nil {
		return err
	}
	if badPage {
		res.Ignored = append(res.Ignored, "page")
	}
	// The same URL answers a fragment or a full page: caches must keep them apart.
	c.Response().Header().Add("Vary", "HX-Request")
	p := s.page(c, "catalogue.title")
	return renderPartial(c, http.StatusOK, catalogueviews.Results(p, res), catalogueviews.Index(p, res))
}

// handleCourseShow is a published course's public page. A course addressed
// by its provider's id when the provider has a code is redirected to its
// readable address.
func (s *Server) handleCourseShow(c echo.Context) error {
	cp, err := s.Courses.PublishedCourse(c.Request().Context(), c.Param("provider"), c.Param("code"))
	if err != nil {
		return err
	}
	if ref := cp.ProviderRef(); ref != c.Param("provider") {
		return c.Redirect(http.StatusMovedPermanently, "/courses/"+ref+"/"+cp.Code)
	}
	es, err := s.courseEnrolState(c, cp.ID)
	if err != nil {
		return err
	}
	if cp.DeliveryMode == catalog.DeliveryCohort {
		cv, err := s.cohortSessionsView(c, cp)
		if err != nil {
			return err
		}
		es.Cohorts = &cv
	}
	return render(c, http.StatusOK, catalogueviews.Course(s.page(c, "catalogue.course_title", cp.Title.In(s.lang(c))), cp, es, &cp.Credential))
}

// courseEnrolState is the visitor's enrolment in the course, for the
// course page's enrolment section.
func (s *Server) courseEnrolState(c echo.Context, courseID string) (catalogueviews.EnrolState, error) {
	if currentAuth(c) == nil {
		return catalogueviews.EnrolState{}, nil
	}
	es := catalogueviews.EnrolState{SignedIn: true}
	e, renewable, err := s.Learning.CourseEnrolment(c.Request().Context(), playerLearner(c), courseID)
	switch {
	case err == nil:
		es.EnrolmentID, es.Status, es.ContinuePath = e.ID, e.Status, playerContinuePath(e)
		es.Renewable = renewable
	case !apperr.Is(err, apperr.NotFound):
		return es, err
	}
	return es, nil
}
