package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"takumi/internal/catalog"
	"takumi/views"
	catalogueviews "takumi/views/catalogue"
	"takumi/views/studio"
)

// Learning paths: authored in the studio (/studio/paths, requireAuthor; the
// catalog domain answers not_found for other providers' paths and courses)
// and shown publicly at /paths/:provider/:code, the achievement id of the
// path's credential.

// pathTextFields are the path form's text fields.
var pathTextFields = []string{"code", "title_ja", "title_en", "description_ja", "description_en", "valid_months"}

// maxPathPosition bounds a typed position number.
const maxPathPosition = 999

// parseValidMonths reads a credential validity in months: empty is no
// expiry (nil); full-width digits (a Japanese input method) count. Anything
// that is not a whole number in range gives the message key to show.
func parseValidMonths(v string) (*int, string) {
	v = numericValue(v)
	if v == "" {
		return nil, ""
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, "paths.err_validity"
	}
	if k := catalog.ValidityProblem(&n); k != "" {
		return nil, k
	}
	return &n, ""
}

// pathFormFrom reads the path form against the courses it offered: the
// typed values (kept for a re-rendered form), the domain input with the
// ticked courses ordered by their position numbers (blank positions after
// the numbered ones, in list order), and the problems only the form can
// see (a position or validity that is not a number).
func pathFormFrom(c echo.Context, choices []catalog.PathCourse) (views.Form, catalog.PathInput, map[string]string) {
	f := formFrom(c, pathTextFields...)
	problems := map[string]string{}
	in := catalog.PathInput{Code: f.Get("code"), TitleJa: f.Get("title_ja"), TitleEn: f.Get("title_en"),
		DescriptionJa: f.Get("description_ja"), DescriptionEn: f.Get("description_en")}
	var k string
	if in.ValidMonths, k = parseValidMonths(f.Get("valid_months")); k != "" {
		problems["valid_months"] = k
	}
	form, _ := c.FormParams()
	ticked := form["course"]
	type pick struct {
		id       string
		position int // maxPathPosition+1 when blank
		listed   int
	}
	var picks []pick
	offered := map[string]bool{}
	for i, ch := range choices {
		offered[ch.ID] = true
		pos := numericValue(c.FormValue("position_" + ch.ID))
		f.Values["position_"+ch.ID] = pos
		if !slices.Contains(ticked, ch.ID) {
			continue
		}
		f.Values["course_"+ch.ID] = "on"
		n := maxPathPosition + 1
		if pos != "" {
			v, err := strconv.Atoi(pos)
			if err != nil || v < 1 || v > maxPathPosition {
				problems["courses"] = "paths.err_position"
			} else {
				n = v
			}
		}
		picks = append(picks, pick{id: ch.ID, position: n, listed: i})
	}
	slices.SortStableFunc(picks, func(a, b pick) int { return a.position - b.position })
	for _, p := range picks {
		in.CourseIDs = append(in.CourseIDs, p.id)
	}
	// A ticked id the form did not offer (tampering, or a course
	// unpublished meanwhile) goes to the domain, which refuses it.
	for _, id := range ticked {
		if !offered[id] {
			in.CourseIDs = append(in.CourseIDs, id)
		}
	}
	return f, in, problems
}

// pathCourseRows are the form's course rows in the page's language.
func pathCourseRows(p views.Page, choices []catalog.PathCourse) []studio.PathCourseRow {
	rows := make([]studio.PathCourseRow, 0, len(choices))
	for _, ch := range choices {
		rows = append(rows, studio.PathCourseRow{ID: ch.ID, Code: ch.Code, Title: ch.Title.In(p.Lang()), Published: ch.Published()})
	}
	return rows
}

// pathProviderName is the name of a provider the author works for.
func pathProviderName(c echo.Context, p views.Page, providerID string) string {
	for _, m := range currentAuth(c).Memberships {
		if m.OrgID == providerID {
			return p.L.Pick(m.NameJa, m.NameEn)
		}
	}
	return ""
}

// handleStudioPaths lists the author's learning paths.
func (s *Server) handleStudioPaths(c echo.Context) error {
	rows, err := s.Courses.StudioPaths(c.Request().Context(), s.actor(c))
	if err != nil {
		return err
	}
	p := s.page(c, "paths.studio_list_title")
	list := make([]studio.PathListRow, 0, len(rows))
	for _, r := range rows {
		list = append(list, studio.PathListRow{StudioPath: r, Title: r.Title.In(p.Lang()),
			Provider: r.ProviderName.In(p.Lang())})
	}
	return render(c, http.StatusOK, studio.Paths(p, list, len(authorProviders(c)) > 1))
}

// pathNewProvider is the provider a new path is for: the author's only
// provider, or the one chosen (?provider= or the form's hidden field).
// ok is false when an author of several providers has not chosen one of
// theirs.
func pathNewProvider(c echo.Context, chosen string) (string, bool) {
	ids := authorProviders(c)
	if len(ids) == 1 {
		return ids[0], true
	}
	// SECURITY: only a provider the person authors for can be chosen.
	return chosen, slices.Contains(ids, chosen)
}

// handleStudioPathNew shows the new-path form (after asking which provider,
// for an author of several).
func (s *Server) handleStudioPathNew(c echo.Context) error {
	p := s.page(c, "paths.new_title")
	provider, ok := pathNewProvider(c, c.QueryParam("provider"))
	if !ok {
		var opts []views.Option
		for _, m := range currentAuth(c).Memberships {
			if slices.Contains(authorProviders(c), m.OrgID) {
				opts = append(opts, views.Option{Value: m.OrgID, Label: p.L.Pick(m.NameJa, m.NameEn)})
			}
		}
		return render(c, http.StatusOK, studio.PathChooseProvider(p, opts))
	}
	choices, err := s.Courses.PathCourseChoices(c.Request().Context(), s.actor(c), provider, "")
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, studio.PathForm(p, studio.PathFormState{New: true, ProviderID: provider,
		ProviderName: pathProviderName(c, p, provider), Form: views.NewForm(), Courses: pathCourseRows(p, choices)}))
}

// handleStudioPathCreate creates a path and opens it; problems come back
// with everything typed.
func (s *Server) handleStudioPathCreate(c echo.Context) error {
	ctx := c.Request().Context()
	provider, ok := pathNewProvider(c, c.FormValue("provider"))
	if !ok {
		return echo.ErrNotFound
	}
	choices, err := s.Courses.PathCourseChoices(ctx, s.actor(c), provider, "")
	if err != nil {
		return err
	}
	f, in, problems := pathFormFrom(c, choices)
	in.ProviderID = provider
	p := s.page(c, "paths.new_title")
	st := studio.PathFormState{New: true, ProviderID: provider, ProviderName: pathProviderName(c, p, provider),
		Form: f, Courses: pathCourseRows(p, choices)}
	if len(problems) == 0 {
		path, err := s.Courses.CreatePath(ctx, s.actor(c), in)
		if err == nil {
			s.flash(c, "paths.flash_created")
			return redirect(c, "/studio/paths/"+path.ID)
		}
		if !fieldErrors(err, &st.Form) {
			return err
		}
	} else {
		// Show every problem at once: the domain's own checks too.
		for k, v := range in.Check(true) {
			st.Form.Errors[k] = v
		}
		for k, v := range problems {
			st.Form.Errors[k] = v
		}
	}
	return render(c, http.StatusUnprocessableEntity, studio.PathForm(p, st))
}

// pathEditState loads a path for its edit form (not_found for paths of
// providers the person does not author for).
func (s *Server) pathEditState(c echo.Context, p views.Page) (studio.PathFormState, []catalog.PathCourse, *catalog.PathDetail, error) {
	ctx := c.Request().Context()
	d, err := s.Courses.Path(ctx, s.actor(c), c.Param("id"))
	if err != nil {
		return studio.PathFormState{}, nil, nil, err
	}
	choices, err := s.Courses.PathCourseChoices(ctx, s.actor(c), d.ProviderID, d.ID)
	if err != nil {
		return studio.PathFormState{}, nil, nil, err
	}
	st := studio.PathFormState{PathID: d.ID, Code: d.Code, ProviderName: d.ProviderName.In(p.Lang()), ProviderRef: d.ProviderRef(),
		Hidden: d.UnpublishedCourseCount, Courses: pathCourseRows(p, choices)}
	return st, choices, d, nil
}

// handleStudioPath shows a path's edit form.
func (s *Server) handleStudioPath(c echo.Context) error {
	p := s.page(c, "paths.edit_title")
	st, _, d, err := s.pathEditState(c, p)
	if err != nil {
		return err
	}
	f := views.NewForm()
	f.Values = map[string]string{"title_ja": d.Title.Ja, "title_en": d.Title.En, "description_ja": d.Description.Ja,
		"description_en": d.Description.En}
	if d.CredentialValidMonths != nil {
		f.Values["valid_months"] = strconv.Itoa(*d.CredentialValidMonths)
	}
	for _, pc := range d.Courses {
		f.Values["course_"+pc.ID] = "on"
		f.Values["position_"+pc.ID] = strconv.Itoa(pc.Position)
	}
	st.Form = f
	return render(c, http.StatusOK, studio.PathForm(p, st))
}

// handleStudioPathSave saves a path's edit form; problems come back with
// everything typed.
func (s *Server) handleStudioPathSave(c echo.Context) error {
	p := s.page(c, "paths.edit_title")
	st, choices, d, err := s.pathEditState(c, p)
	if err != nil {
		return err
	}
	f, in, problems := pathFormFrom(c, choices)
	st.Form = f
	if len(problems) == 0 {
		_, err := s.Courses.UpdatePath(c.Request().Context(), s.actor(c), d.ID, in)
		if err == nil {
			s.flash(c, "paths.flash_saved")
			return redirect(c, "/studio/paths/"+d.ID)
		}
		if !fieldErrors(err, &st.Form) {
			return err
		}
	} else {
		for k, v := range in.Check(false) {
			st.Form.Errors[k] = v
		}
		for k, v := range problems {
			st.Form.Errors[k] = v
		}
	}
	return render(c, http.StatusUnprocessableEntity, studio.PathForm(p, st))
}

// handlePathShow is a learning path's public page. A path addressed by its
// provider's id when the provider has a code is redirected to its readable
// address (the one in the credential's achievement id).
func (s *Server) handlePathShow(c echo.Context) error {
	d, err := s.Courses.PublishedPath(c.Request().Context(), c.Param("provider"), c.Param("code"))
	if err != nil {
		return err
	}
	if ref := d.ProviderRef(); ref != c.Param("provider") {
		return c.Redirect(http.StatusMovedPermanently, "/paths/"+ref+"/"+d.Code)
	}
	return render(c, http.StatusOK, catalogueviews.Path(s.page(c, "paths.public_title", d.Title.In(s.lang(c))), d))
}
