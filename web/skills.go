package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"takumi/internal/catalog"
	"takumi/views"
	adminviews "takumi/views/admin"
)

// SECURITY: the skills taxonomy handlers are mounted behind
// requirePlatformAdmin, and the catalog domain checks the platform-admin
// flag again in its transaction.

// skillFields are the fields of the skill area forms.
var skillFields = []string{"code", "name_ja", "name_en", "description_ja", "description_en", "sort_order"}

// catalogActor is the signed-in person as the catalog domain's actor.
func catalogActor(c echo.Context) catalog.Actor {
	return catalog.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

// skillForm reads a skill area form; the ticked DSS codes are kept
// comma-separated in the "dss" value.
func skillForm(c echo.Context) (views.Form, catalog.SkillAreaInput) {
	f := formFrom(c, skillFields...)
	form, _ := c.FormParams()
	dss := form["dss"]
	f.Values["dss"] = strings.Join(dss, ",")
	return f, catalog.SkillAreaInput{NameJa: f.Get("name_ja"), NameEn: f.Get("name_en"),
		DescriptionJa: f.Get("description_ja"), DescriptionEn: f.Get("description_en"),
		DSSAlignment: dss, SortOrder: f.Get("sort_order")}
}

// handleSkills lists the skills taxonomy with the form to add an area.
func (s *Server) handleSkills(c echo.Context) error {
	f := views.NewForm()
	f.Values["sort_order"] = "100"
	return s.renderSkills(c, http.StatusOK, f)
}

func (s *Server) renderSkills(c echo.Context, status int, f views.Form) error {
	areas, err := s.Courses.SkillAreas(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, status, adminviews.Skills(s.page(c, "catalogue.skills_title"), areas, f))
}

// handleSkillCreate adds a skill area, or re-renders the page with what
// was typed and each problem next to its field.
func (s *Server) handleSkillCreate(c echo.Context) error {
	f, in := skillForm(c)
	err := s.Courses.CreateSkillArea(c.Request().Context(), catalogActor(c), f.Get("code"), in)
	if fieldErrors(err, &f) {
		return s.renderSkills(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "catalogue.skills_flash_created")
	return redirect(c, "/admin/skills")
}

// handleSkillEdit shows the form that edits one skill area.
func (s *Server) handleSkillEdit(c echo.Context) error {
	a, err := s.Courses.SkillArea(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	f := views.NewForm()
	f.Values = map[string]string{"name_ja": a.Name.Ja, "name_en": a.Name.En, "description_ja": a.Description.Ja,
		"description_en": a.Description.En, "dss": strings.Join(a.DSSAlignment, ","), "sort_order": strconv.Itoa(a.SortOrder)}
	return render(c, http.StatusOK, adminviews.SkillEdit(s.page(c, "catalogue.skills_edit_title", a.Code), a, f))
}

// handleSkillUpdate saves a skill area, or re-renders its form with what
// was typed (422).
func (s *Server) handleSkillUpdate(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := s.Courses.SkillArea(ctx, c.Param("code"))
	if err != nil {
		return err
	}
	f, in := skillForm(c)
	err = s.Courses.UpdateSkillArea(ctx, catalogActor(c), a.Code, in)
	if fieldErrors(err, &f) {
		return render(c, http.StatusUnprocessableEntity, adminviews.SkillEdit(s.page(c, "catalogue.skills_edit_title", a.Code), a, f))
	}
	if err != nil {
		return err
	}
	s.flash(c, "catalogue.skills_flash_updated")
	return redirect(c, "/admin/skills")
}
