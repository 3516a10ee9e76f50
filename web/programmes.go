package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/progress"
	"takumi/views"
	adminviews "takumi/views/admin"
)

// SECURITY: the programme handlers are mounted behind requirePlatformAdmin
// in routes.go, and the progress domain checks the platform-admin flag
// again in its transaction.

// programmeFields are the text fields of the programme forms.
var programmeFields = []string{"code", "name_ja", "name_en", "description_ja", "description_en", "target", "starts_on", "ends_on"}

// programmes is the programme service (stateless, over the app's database).
func (s *Server) programmes() *progress.Programmes { return progress.NewProgrammes(s.DB.Gorm) }

// programmeActor is the signed-in person as the progress domain's actor.
func programmeActor(c echo.Context) progress.Actor {
	return progress.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

// programmeForm reads a programme form. The ticked skill areas and chosen
// courses are kept comma-separated in the "skill_areas" and "course_ids"
// values, so a failed form comes back with them still chosen.
func programmeForm(c echo.Context) (views.Form, progress.ProgrammeInput) {
	f := formFrom(c, programmeFields...)
	form, _ := c.FormParams()
	skills, courses := form["skill_areas"], form["course_ids"]
	f.Values["skill_areas"] = strings.Join(skills, ",")
	f.Values["course_ids"] = strings.Join(courses, ",")
	if c.FormValue("flagship") != "" {
		f.Values["flagship"] = "on"
	}
	return f, progress.ProgrammeInput{Code: f.Get("code"), NameJa: f.Get("name_ja"), NameEn: f.Get("name_en"),
		DescriptionJa: f.Get("description_ja"), DescriptionEn: f.Get("description_en"), Target: f.Get("target"),
		StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"), Flagship: f.Get("flagship") == "on",
		SkillAreas: skills, CourseIDs: courses}
}

// handleAdminProgrammes lists the programmes with their current counts.
func (s *Server) handleAdminProgrammes(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := s.programmes().List(ctx)
	if err != nil {
		return err
	}
	areas, err := s.Courses.SkillAreas(ctx)
	if err != nil {
		return err
	}
	lang := s.lang(c)
	names := make(map[string]string, len(areas))
	for i := range areas {
		names[areas[i].Code] = areas[i].Name.In(lang)
	}
	return render(c, http.StatusOK, adminviews.Programmes(s.page(c, "programmes.title"), list, names))
}

// programmeOptions are the skill areas and published courses a rule can name.
func (s *Server) programmeOptions(c echo.Context) (adminviews.ProgrammeFormOptions, error) {
	ctx := c.Request().Context()
	lang := s.lang(c)
	var opts adminviews.ProgrammeFormOptions
	areas, err := s.Courses.SkillAreas(ctx)
	if err != nil {
		return opts, err
	}
	for i := range areas {
		opts.SkillAreas = append(opts.SkillAreas, views.Option{Value: areas[i].Code, Label: areas[i].Name.In(lang)})
	}
	courses, err := s.programmes().Courses(ctx)
	if err != nil {
		return opts, err
	}
	// One collapsible group per provider (courses come ordered by
	// provider), so 200 courses are a short list of providers to open;
	// the browser's find-in-page searches inside closed groups too.
	for i := range courses {
		co := &courses[i]
		n := len(opts.Courses)
		if n == 0 || opts.Courses[n-1].Provider != co.ProviderName {
			opts.Courses = append(opts.Courses, adminviews.CourseGroup{Provider: co.ProviderName})
			n++
		}
		opts.Courses[n-1].Courses = append(opts.Courses[n-1].Courses, views.Option{Value: co.ID, Label: co.Title(lang) + " (" + co.Code + ")"})
	}
	return opts, nil
}

// handleAdminProgrammeNew shows the form that creates a programme.
func (s *Server) handleAdminProgrammeNew(c echo.Context) error {
	return s.renderProgrammeNew(c, http.StatusOK, views.NewForm())
}

func (s *Server) renderProgrammeNew(c echo.Context, status int, f views.Form) error {
	opts, err := s.programmeOptions(c)
	if err != nil {
		return err
	}
	return render(c, status, adminviews.ProgrammeNew(s.page(c, "programmes.new_title"), f, opts))
}

// handleAdminProgrammeCreate creates a programme, or re-renders the form
// with what was typed and each problem next to its field (422).
func (s *Server) handleAdminProgrammeCreate(c echo.Context) error {
	f, in := programmeForm(c)
	_, err := s.programmes().Create(c.Request().Context(), programmeActor(c), in)
	if fieldErrors(err, &f) {
		return s.renderProgrammeNew(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "programmes.flash_created")
	return redirect(c, "/admin/programmes")
}

// handleAdminProgramme shows the form that edits one programme.
func (s *Server) handleAdminProgramme(c echo.Context) error {
	g, err := s.programmes().Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	f := views.NewForm()
	f.Values = map[string]string{"name_ja": g.NameJa, "name_en": g.NameEn, "description_ja": g.DescriptionJa,
		"description_en": g.DescriptionEn, "target": strconv.FormatInt(g.Target, 10),
		"starts_on": g.StartsOn.Format(time.DateOnly), "ends_on": g.EndsOn.Format(time.DateOnly),
		"skill_areas": strings.Join(g.SkillAreas, ","), "course_ids": strings.Join(g.CourseIDs, ",")}
	if g.Flagship {
		f.Values["flagship"] = "on"
	}
	return s.renderProgrammeEdit(c, http.StatusOK, g, f)
}

func (s *Server) renderProgrammeEdit(c echo.Context, status int, g *progress.Programme, f views.Form) error {
	opts, err := s.programmeOptions(c)
	if err != nil {
		return err
	}
	return render(c, status, adminviews.ProgrammeEdit(s.page(c, "programmes.edit_title", g.Name(s.lang(c))), g, f, opts))
}

// handleAdminProgrammeSave saves a programme (recounting it when its rule
// or dates changed), or re-renders its form with what was typed (422).
func (s *Server) handleAdminProgrammeSave(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.programmes().Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	f, in := programmeForm(c)
	err = s.programmes().Update(ctx, programmeActor(c), g.ID, in)
	if fieldErrors(err, &f) {
		return s.renderProgrammeEdit(c, http.StatusUnprocessableEntity, g, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "programmes.flash_updated")
	return redirect(c, "/admin/programmes")
}
