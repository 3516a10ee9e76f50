package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/markdown"
	"takumi/views"
	"takumi/views/studio"
)

// ctxAuthorProviders holds the provider ids the signed-in author edits for.
const ctxAuthorProviders = "takumi.author_providers"

// requireAuthor allows instructors and admins of at least one training
// provider; everyone else signed in gets 403. SECURITY: this only opens the
// studio; every course is checked again in the catalog domain, which
// answers not_found for other providers' courses.
func (s *Server) requireAuthor(next echo.HandlerFunc) echo.HandlerFunc {
	return requireUser(func(c echo.Context) error {
		ids, err := s.Courses.EditableProviders(c.Request().Context(), currentAuth(c).User.ID)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return echo.NewHTTPError(http.StatusForbidden)
		}
		c.Set(ctxAuthorProviders, ids)
		return next(c)
	})
}

// actor is the signed-in person as the catalog domain sees them.
func (s *Server) actor(c echo.Context) catalog.Actor {
	return catalog.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

func authorProviders(c echo.Context) []string {
	ids, _ := c.Get(ctxAuthorProviders).([]string)
	return ids
}

// handleStudioCourses lists the author's courses.
func (s *Server) handleStudioCourses(c echo.Context) error {
	rows, err := s.Courses.StudioCourses(c.Request().Context(), s.actor(c))
	if err != nil {
		return err
	}
	p := s.page(c, "studio.title")
	list := make([]studio.CourseListRow, 0, len(rows))
	for _, r := range rows {
		list = append(list, studio.CourseListRow{StudioCourse: r,
			Title: r.DraftTitle.In(p.Lang()), Provider: r.ProviderName.In(p.Lang())})
	}
	return render(c, http.StatusOK, studio.Courses(p, list, len(authorProviders(c)) > 1))
}

// studioDetailFields are the fields of the details form.
var studioDetailFields = []string{"title_ja", "title_en", "summary_ja", "summary_en", "description_md",
	"skill_area", "level", "estimated_hours", "language", "delivery_mode"}

// studioFormOptions builds the course forms' choices in the page's language.
func (s *Server) studioFormOptions(c echo.Context, p views.Page, withProviders bool) (studio.CourseFormOptions, error) {
	var o studio.CourseFormOptions
	areas, err := s.Courses.SkillAreaLabels(c.Request().Context())
	if err != nil {
		return o, err
	}
	for _, a := range areas {
		o.SkillAreas = append(o.SkillAreas, views.Option{Value: a.Code, Label: a.Name.In(p.Lang())})
	}
	for _, v := range catalog.Levels {
		o.Levels = append(o.Levels, views.Option{Value: v, Label: p.T(studio.LevelKey(v))})
	}
	for _, v := range catalog.Languages {
		o.Languages = append(o.Languages, views.Option{Value: v, Label: p.T(studio.LanguageKey(v))})
	}
	for _, v := range catalog.DeliveryModes {
		o.DeliveryModes = append(o.DeliveryModes, views.Option{Value: v, Label: p.T(studio.DeliveryKey(v))})
	}
	if ids := authorProviders(c); withProviders && len(ids) > 1 {
		for _, m := range currentAuth(c).Memberships {
			if containsString(ids, m.OrgID) {
				o.Providers = append(o.Providers, views.Option{Value: m.OrgID, Label: p.L.Pick(m.NameJa, m.NameEn)})
			}
		}
	}
	return o, nil
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// studioDetailsFrom reads the details form.
func studioDetailsFrom(c echo.Context) (views.Form, catalog.Details) {
	f := formFrom(c, studioDetailFields...)
	// Markdown keeps its leading indentation and line breaks as typed.
	f.Values["description_md"] = c.FormValue("description_md")
	return f, catalog.Details{
		TitleJa: f.Get("title_ja"), TitleEn: f.Get("title_en"), SummaryJa: f.Get("summary_ja"), SummaryEn: f.Get("summary_en"),
		DescriptionMd: f.Get("description_md"), SkillArea: f.Get("skill_area"), Level: f.Get("level"),
		EstimatedHours: studioParseHours(f.Get("estimated_hours")), Language: f.Get("language"), DeliveryMode: f.Get("delivery_mode"),
	}
}

// studioParseHours reads estimated hours; anything but a finite number
// reads as 0, which the domain refuses with its own message.
func studioParseHours(v string) float64 {
	h, err := strconv.ParseFloat(strings.ReplaceAll(numericValue(v), ",", "."), 64)
	if err != nil || math.IsNaN(h) || math.IsInf(h, 0) {
		return 0
	}
	return h
}

func studioDetailsForm(d catalog.Details) views.Form {
	f := views.NewForm()
	f.Values = map[string]string{"title_ja": d.TitleJa, "title_en": d.TitleEn, "summary_ja": d.SummaryJa,
		"summary_en": d.SummaryEn, "description_md": d.DescriptionMd, "skill_area": d.SkillArea, "level": d.Level,
		"language": d.Language, "delivery_mode": d.DeliveryMode}
	if d.EstimatedHours > 0 {
		f.Values["estimated_hours"] = strconv.FormatFloat(d.EstimatedHours, 'f', -1, 64)
	}
	return f
}

// handleStudioCourseNew shows the new-course form.
func (s *Server) handleStudioCourseNew(c echo.Context) error {
	p := s.page(c, "studio.new_course_title")
	opts, err := s.studioFormOptions(c, p, true)
	if err != nil {
		return err
	}
	f := views.NewForm()
	f.Values["language"] = "ja"
	f.Values["delivery_mode"] = catalog.DeliverySelfPaced
	return render(c, http.StatusOK, studio.CourseNew(p, f, opts))
}

// handleStudioCourseCreate creates a course and opens its overview.
func (s *Server) handleStudioCourseCreate(c echo.Context) error {
	f, d := studioDetailsFrom(c)
	f.Values["code"] = strings.TrimSpace(c.FormValue("code"))
	ids := authorProviders(c)
	provider := ids[0]
	if len(ids) > 1 {
		provider = strings.TrimSpace(c.FormValue("provider"))
		f.Values["provider"] = provider
	}
	if len(ids) > 1 && !containsString(ids, provider) {
		// SECURITY: only the providers the person authors for can be
		// chosen; the domain would answer not_found, shown here as a choice
		// to make, with the other fields checked as usual.
		ct := studioContentOf(d)
		for k, v := range ct.CheckDetails(s.Courses.SkillAreaExists(c.Request().Context())) {
			f.Errors[k] = v
		}
		if k := catalog.CodeProblem(strings.ToLower(f.Get("code"))); k != "" {
			f.Errors["code"] = k
		}
		f.Errors["provider"] = "studio.err_provider"
		return s.studioCourseNewAgain(c, f)
	}
	course, err := s.Courses.CreateCourse(c.Request().Context(), s.actor(c), catalog.NewCourse{
		ProviderID: provider, Code: f.Get("code"), Content: studioContentOf(d)})
	if err != nil {
		if !fieldErrors(err, &f) {
			return err
		}
		return s.studioCourseNewAgain(c, f)
	}
	s.flash(c, "studio.flash_created")
	return redirect(c, "/studio/courses/"+course.ID)
}

// studioCourseNewAgain shows the new-course form again with what was typed
// and its problems.
func (s *Server) studioCourseNewAgain(c echo.Context, f views.Form) error {
	p := s.page(c, "studio.new_course_title")
	opts, err := s.studioFormOptions(c, p, true)
	if err != nil {
		return err
	}
	return render(c, http.StatusUnprocessableEntity, studio.CourseNew(p, f, opts))
}

func studioContentOf(d catalog.Details) catalog.Content {
	return catalog.Content{TitleJa: d.TitleJa, TitleEn: d.TitleEn, SummaryJa: d.SummaryJa, SummaryEn: d.SummaryEn,
		DescriptionMd: d.DescriptionMd, SkillArea: d.SkillArea, Level: d.Level, EstimatedHours: d.EstimatedHours,
		Language: d.Language, DeliveryMode: d.DeliveryMode, Modules: []catalog.Module{}}
}

// studioLoad loads the course and its newest revision (not_found for
// courses of providers the person does not author for).
func (s *Server) studioLoad(c echo.Context, p views.Page) (studio.CourseHead, *catalog.Revision, error) {
	course, rev, err := s.Courses.LatestRevision(c.Request().Context(), s.actor(c), c.Param("id"))
	if err != nil {
		return studio.CourseHead{}, nil, err
	}
	return studio.NewCourseHead(p, course, rev), rev, nil
}

// handleStudioDetails shows the details form of a course.
func (s *Server) handleStudioDetails(c echo.Context) error {
	p := s.page(c, "studio.details_title")
	h, rev, err := s.studioLoad(c, p)
	if err != nil {
		return err
	}
	opts, err := s.studioFormOptions(c, p, false)
	if err != nil {
		return err
	}
	f := studioDetailsForm(catalog.DetailsOf(&rev.Content))
	f.Values["lock_version"] = strconv.Itoa(h.LockVersion)
	months, err := s.Courses.CourseValidity(c.Request().Context(), s.actor(c), h.ID)
	if err != nil {
		return err
	}
	if months != nil {
		f.Values["credential_valid_months"] = strconv.Itoa(*months)
	}
	return render(c, http.StatusOK, studio.CourseDetails(p, h, f, opts, ""))
}

// handleStudioDetailsSave saves the details form; errors and stale saves
// come back with everything typed.
func (s *Server) handleStudioDetailsSave(c echo.Context) error {
	p := s.page(c, "studio.details_title")
	h, _, err := s.studioLoad(c, p)
	if err != nil {
		return err
	}
	f, d := studioDetailsFrom(c)
	f.Values["lock_version"] = c.FormValue("lock_version")
	// Credential validity is a column of the course, saved beside the
	// draft's details (see catalog/validity.go); a value that is not a
	// number saves nothing and is shown with the details' own problems.
	f.Values["credential_valid_months"] = numericValue(c.FormValue("credential_valid_months"))
	months, monthsErr := parseValidMonths(f.Get("credential_valid_months"))
	status, errKey := http.StatusUnprocessableEntity, ""
	if monthsErr == "" {
		_, err = s.Courses.UpdateDetails(c.Request().Context(), s.actor(c), h.ID, studioLock(c), d)
		if err == nil {
			err = s.Courses.SetCourseValidity(c.Request().Context(), s.actor(c), h.ID, months)
		}
		if err == nil {
			s.flash(c, "studio.flash_saved")
			return redirect(c, "/studio/courses/"+h.ID+"/details")
		}
		var ok bool
		if status, errKey, ok = studioEditProblem(err, &f); !ok {
			return err
		}
	} else {
		ct := studioContentOf(d)
		for k, v := range ct.CheckDetails(s.Courses.SkillAreaExists(c.Request().Context())) {
			f.Errors[k] = v
		}
		f.Errors["credential_valid_months"] = monthsErr
	}
	opts, oerr := s.studioFormOptions(c, p, false)
	if oerr != nil {
		return oerr
	}
	return render(c, status, studio.CourseDetails(p, h, f, opts, errKey))
}

// studioLock reads the lock version an edit form carries; a missing or
// malformed one can never match, so the save is refused as stale.
func studioLock(c echo.Context) int {
	v, err := strconv.Atoi(c.FormValue("lock_version"))
	if err != nil || v < 1 {
		return -1
	}
	return v
}

// studioEditProblem sorts a failed edit: field errors (422, into f), a
// conflict such as a stale save or an archived course (409 with its
// message), or anything else (ok false: let the error handler answer).
func studioEditProblem(err error, f *views.Form) (status int, errKey string, ok bool) {
	e, isApp := apperr.As(err)
	if !isApp {
		return 0, "", false
	}
	switch e.Code {
	case apperr.Invalid:
		if len(e.Fields) == 0 {
			return http.StatusUnprocessableEntity, e.Key, true
		}
		fieldErrors(err, f)
		return http.StatusUnprocessableEntity, "", true
	case apperr.Conflict:
		return http.StatusConflict, e.Key, true
	}
	return 0, "", false
}

// handleStudioCourse shows a course's overview and structure editor.
func (s *Server) handleStudioCourse(c echo.Context) error {
	st, p, err := s.studioStructureState(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, studio.CourseOverview(p, st))
}

func (s *Server) studioStructureState(c echo.Context) (studio.StructureState, views.Page, error) {
	course, rev, err := s.Courses.LatestRevision(c.Request().Context(), s.actor(c), c.Param("id"))
	if err != nil {
		return studio.StructureState{}, views.Page{}, err
	}
	p := s.page(c, "studio.course_title", rev.Content.Title(s.lang(c)))
	return studio.StructureState{Head: studio.NewCourseHead(p, course, rev), Content: &rev.Content}, p, nil
}

// studioStructureEdit runs one structure edit posted from the overview.
// The course is loaded (and so authorised) first, so another provider's
// course answers 404 whatever was posted. On success a plain form is
// redirected back to the overview (at anchor) and htmx gets the new
// structure; on a problem the overview comes back with the message and what
// was typed in form formFor.
func (s *Server) studioStructureEdit(c echo.Context, formFor string, fields []string, edit func(lock int) (anchor string, err error)) error {
	if _, _, err := s.Courses.LatestRevision(c.Request().Context(), s.actor(c), c.Param("id")); err != nil {
		return err
	}
	anchor, err := edit(studioLock(c))
	f := formFrom(c, fields...)
	status, errKey := http.StatusOK, ""
	if err != nil {
		var ok bool
		status, errKey, ok = studioEditProblem(err, &f)
		if !ok {
			return err
		}
	}
	if err == nil && !isHTMX(c) {
		return redirect(c, "/studio/courses/"+c.Param("id")+anchor)
	}
	st, p, lerr := s.studioStructureState(c)
	if lerr != nil {
		return lerr
	}
	if err == nil {
		st.OKKey = "studio.saved"
	} else {
		st.ErrKey, st.Form, st.FormFor = errKey, f, formFor
		if errKey == "" && f.HasErrors() {
			st.ErrKey = "form.has_errors"
		}
	}
	if isHTMX(c) {
		// htmx 2 swaps only 2xx answers: the message goes in the fragment.
		return render(c, http.StatusOK, studio.Structure(p, st))
	}
	return render(c, status, studio.CourseOverview(p, st))
}

// handleStudioModuleAdd adds a module.
func (s *Server) handleStudioModuleAdd(c echo.Context) error {
	return s.studioStructureEdit(c, "module-new", []string{"title_ja", "title_en"}, func(lock int) (string, error) {
		_, id, err := s.Courses.AddModule(c.Request().Context(), s.actor(c), c.Param("id"), lock,
			catalog.ModuleTitles{TitleJa: c.FormValue("title_ja"), TitleEn: c.FormValue("title_en")})
		return "#module-" + id, err
	})
}

// handleStudioModuleRename renames a module.
func (s *Server) handleStudioModuleRename(c echo.Context) error {
	mid := c.Param("mid")
	return s.studioStructureEdit(c, "module:"+mid, []string{"title_ja", "title_en"}, func(lock int) (string, error) {
		_, err := s.Courses.UpdateModule(c.Request().Context(), s.actor(c), c.Param("id"), lock, mid,
			catalog.ModuleTitles{TitleJa: c.FormValue("title_ja"), TitleEn: c.FormValue("title_en")})
		return "#module-" + mid, err
	})
}

// handleStudioModuleMove moves a module up or down.
func (s *Server) handleStudioModuleMove(c echo.Context) error {
	mid := c.Param("mid")
	return s.studioStructureEdit(c, "", nil, func(lock int) (string, error) {
		_, err := s.Courses.MoveModule(c.Request().Context(), s.actor(c), c.Param("id"), lock, mid, c.FormValue("direction"))
		return "#module-" + mid, err
	})
}

// handleStudioLessonAdd adds a lesson to a module.
func (s *Server) handleStudioLessonAdd(c echo.Context) error {
	mid := c.Param("mid")
	return s.studioStructureEdit(c, "lesson-new:"+mid, []string{"kind", "title_ja", "title_en"}, func(lock int) (string, error) {
		_, id, err := s.Courses.AddLesson(c.Request().Context(), s.actor(c), c.Param("id"), lock, mid,
			catalog.NewLesson{Kind: c.FormValue("kind"), TitleJa: c.FormValue("title_ja"), TitleEn: c.FormValue("title_en")})
		return "#lesson-" + id, err
	})
}

// handleStudioLessonMove moves a lesson up or down in its module, or to
// another module (field "module").
func (s *Server) handleStudioLessonMove(c echo.Context) error {
	lid := c.Param("lid")
	return s.studioStructureEdit(c, "", nil, func(lock int) (string, error) {
		ctx, a, id := c.Request().Context(), s.actor(c), c.Param("id")
		var err error
		if to := c.FormValue("module"); to != "" {
			_, err = s.Courses.MoveLessonToModule(ctx, a, id, lock, lid, to)
		} else {
			_, err = s.Courses.MoveLesson(ctx, a, id, lock, lid, c.FormValue("direction"))
		}
		return "#lesson-" + lid, err
	})
}

// handleStudioModuleDeleteConfirm asks before deleting a module.
func (s *Server) handleStudioModuleDeleteConfirm(c echo.Context) error {
	p := s.page(c, "studio.delete_module_title")
	h, rev, err := s.studioLoad(c, p)
	if err != nil {
		return err
	}
	_, m := rev.Content.FindModule(c.Param("mid"))
	if m == nil || h.Archived() {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	detail := ""
	if len(m.Lessons) > 0 {
		detail = p.T("studio.delete_module_lessons", len(m.Lessons))
	}
	return render(c, http.StatusOK, studio.ConfirmDelete(p, h, p.T("studio.delete_module_question", m.Title(p.Lang())), detail,
		studio.CoursePath(h.ID, "/modules/"+m.ID+"/delete")))
}

// handleStudioModuleDelete deletes a module with its lessons.
func (s *Server) handleStudioModuleDelete(c echo.Context) error {
	return s.studioDelete(c, func(lock int) error {
		_, err := s.Courses.DeleteModule(c.Request().Context(), s.actor(c), c.Param("id"), lock, c.Param("mid"))
		return err
	})
}

// handleStudioLessonDeleteConfirm asks before deleting a lesson.
func (s *Server) handleStudioLessonDeleteConfirm(c echo.Context) error {
	p := s.page(c, "studio.delete_lesson_title")
	h, rev, err := s.studioLoad(c, p)
	if err != nil {
		return err
	}
	_, _, l := rev.Content.FindLesson(c.Param("lid"))
	if l == nil || h.Archived() {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return render(c, http.StatusOK, studio.ConfirmDelete(p, h, p.T("studio.delete_lesson_question", l.Title(p.Lang())), "",
		studio.CoursePath(h.ID, "/lessons/"+l.ID+"/delete")))
}

// handleStudioLessonDelete deletes a lesson.
func (s *Server) handleStudioLessonDelete(c echo.Context) error {
	return s.studioDelete(c, func(lock int) error {
		_, err := s.Courses.DeleteLesson(c.Request().Context(), s.actor(c), c.Param("id"), lock, c.Param("lid"))
		return err
	})
}

// studioDelete runs a confirmed delete and returns to the overview; a
// stale or refused delete shows the overview with the message.
func (s *Server) studioDelete(c echo.Context, del func(lock int) error) error {
	if _, _, err := s.Courses.LatestRevision(c.Request().Context(), s.actor(c), c.Param("id")); err != nil {
		return err
	}
	err := del(studioLock(c))
	if err == nil {
		s.flash(c, "studio.flash_deleted")
		return redirect(c, "/studio/courses/"+c.Param("id"))
	}
	f := views.NewForm()
	status, errKey, ok := studioEditProblem(err, &f)
	if !ok {
		return err
	}
	st, p, lerr := s.studioStructureState(c)
	if lerr != nil {
		return lerr
	}
	st.ErrKey = errKey
	return render(c, status, studio.CourseOverview(p, st))
}

// studioLessonFields are the lesson editor's fields.
var studioLessonFields = []string{"title_ja", "title_en", "required", "min_minutes", "must_pass", "lock_version"}

// studioLessonState loads the lesson editor's data (not_found for a lesson
// that is not in the course's newest revision).
func (s *Server) studioLessonState(c echo.Context) (studio.LessonState, views.Page, error) {
	p := s.page(c, "studio.lesson_title")
	h, rev, err := s.studioLoad(c, p)
	if err != nil {
		return studio.LessonState{}, p, err
	}
	mi, _, l := rev.Content.FindLesson(c.Param("lid"))
	if l == nil || h.Archived() {
		return studio.LessonState{}, p, apperr.New(apperr.NotFound, "error.not_found")
	}
	return studio.LessonState{Head: h, ModuleTitle: rev.Content.Modules[mi].Title(p.Lang()), Lesson: *l}, p, nil
}

// handleStudioLesson shows the lesson editor with the saved lesson.
func (s *Server) handleStudioLesson(c echo.Context) error {
	st, p, err := s.studioLessonState(c)
	if err != nil {
		return err
	}
	l := st.Lesson
	f := views.NewForm()
	f.Values = map[string]string{"title_ja": l.TitleJa, "title_en": l.TitleEn, "body_md": l.BodyMd,
		"min_minutes": strconv.Itoa(l.MinMinutes), "lock_version": strconv.Itoa(st.Head.LockVersion)}
	if l.Required {
		f.Values["required"] = "on"
	}
	if l.MustPass {
		f.Values["must_pass"] = "on"
	}
	st.Form = f
	st.PreviewTitle, st.PreviewHTML = l.Title(p.Lang()), markdown.Render(l.BodyMd)
	return render(c, http.StatusOK, studio.LessonEditor(p, st))
}

// handleStudioLessonSave previews (action=preview: nothing saved) or saves
// the lesson editor. Every outcome but a successful save shows the editor
// again with everything typed.
func (s *Server) handleStudioLessonSave(c echo.Context) error {
	st, p, err := s.studioLessonState(c)
	if err != nil {
		return err
	}
	f := formFrom(c, studioLessonFields...)
	f.Values["body_md"] = c.FormValue("body_md")
	st.Form = f
	st.PreviewTitle = p.L.Pick(f.Get("title_ja"), f.Get("title_en"))
	st.PreviewHTML = markdown.Render(f.Get("body_md"))
	if c.FormValue("action") == "preview" {
		return render(c, http.StatusOK, studio.LessonEditor(p, st))
	}
	minutes := 0
	if v := f.Get("min_minutes"); v != "" {
		if minutes, err = strconv.Atoi(v); err != nil {
			minutes = -1 // refused by the domain with the minutes message
		}
	}
	_, err = s.Courses.UpdateLesson(c.Request().Context(), s.actor(c), st.Head.ID, studioLock(c), st.Lesson.ID, catalog.LessonEdit{
		TitleJa: f.Get("title_ja"), TitleEn: f.Get("title_en"), Required: f.Get("required") != "",
		MinMinutes: minutes, MustPass: f.Get("must_pass") != "", BodyMd: f.Get("body_md")})
	if err == nil {
		s.flash(c, "studio.flash_saved")
		return redirect(c, "/studio/courses/"+st.Head.ID+"/lessons/"+st.Lesson.ID)
	}
	status, errKey, ok := studioEditProblem(err, &st.Form)
	if !ok {
		return err
	}
	st.ErrKey = errKey
	return render(c, status, studio.LessonEditor(p, st))
}

// handleStudioPreview renders Markdown as the learner will see it, for the
// editor's live preview (htmx). SECURITY: markdown.Render drops raw HTML and
// sanitises the output; nothing typed is echoed unescaped.
func (s *Server) handleStudioPreview(c echo.Context) error {
	p := s.page(c, "studio.preview")
	title := p.L.Pick(strings.TrimSpace(c.FormValue("title_ja")), strings.TrimSpace(c.FormValue("title_en")))
	return render(c, http.StatusOK, studio.LessonPreview(p, title, markdown.Render(c.FormValue("body_md"))))
}

// studioPublishState loads what the publish page shows.
func (s *Server) studioPublishState(c echo.Context) (studio.PublishState, views.Page, error) {
	p := s.page(c, "studio.publish_title")
	h, rev, err := s.studioLoad(c, p)
	if err != nil {
		return studio.PublishState{}, p, err
	}
	ctx := c.Request().Context()
	hist, err := s.Courses.RevisionHistory(ctx, s.actor(c), h.ID)
	if err != nil {
		return studio.PublishState{}, p, err
	}
	st := studio.PublishState{Head: h, Content: &rev.Content, History: hist}
	if rev.IsDraft() {
		st.Problems = rev.Content.PublishProblems(s.Courses.SkillAreaExists(ctx))
	}
	return st, p, nil
}

// handleStudioPublishPage shows what blocks publishing, or the button.
func (s *Server) handleStudioPublishPage(c echo.Context) error {
	st, p, err := s.studioPublishState(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, studio.Publish(p, st))
}

// handleStudioPublish publishes the draft; a refusal shows the problems.
func (s *Server) handleStudioPublish(c echo.Context) error {
	if _, _, err := s.Courses.LatestRevision(c.Request().Context(), s.actor(c), c.Param("id")); err != nil {
		return err
	}
	_, err := s.Courses.PublishWithNote(c.Request().Context(), s.actor(c), c.Param("id"), c.FormValue("publish_note"))
	return s.studioPublishOutcome(c, err, "studio.flash_published")
}

// handleStudioArchive withdraws a published course from the catalogue.
func (s *Server) handleStudioArchive(c echo.Context) error {
	if _, _, err := s.Courses.LatestRevision(c.Request().Context(), s.actor(c), c.Param("id")); err != nil {
		return err
	}
	err := s.Courses.Archive(c.Request().Context(), s.actor(c), c.Param("id"))
	return s.studioPublishOutcome(c, err, "studio.flash_archived")
}

func (s *Server) studioPublishOutcome(c echo.Context, err error, okKey string) error {
	if err == nil {
		s.flash(c, okKey)
		return redirect(c, "/studio/courses/"+c.Param("id")+"/publish")
	}
	f := views.NewForm()
	status, errKey, ok := studioEditProblem(err, &f)
	if !ok {
		return err
	}
	st, p, lerr := s.studioPublishState(c)
	if lerr != nil {
		return lerr
	}
	st.ErrKey = errKey
	return render(c, status, studio.Publish(p, st))
}
