package web

// SCORM (issue 16): the studio's import of a SCORM package, the player's
// SCO frame and commit endpoint on the app's origin, and the content
// origin (a separate listener and origin, served by the same binary) that
// serves the launcher page, scorm-again and the packages' files.
// docs/scorm.md explains the security model.

import (
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/learning"
	"takumi/static"
	"takumi/views"
	"takumi/views/studio"
)

// scormPlaceKeys name the places of a package's problems.
var scormPlaceKeys = map[string]string{
	"zip": "scorm.place_zip", "manifest": "scorm.place_manifest", "metadata": "scorm.place_metadata",
	"organization": "scorm.place_organization", "item": "scorm.place_item", "resource": "scorm.place_resource",
	"file": "scorm.place_file", "dependency": "scorm.place_dependency",
}

// handleScormImport imports an uploaded SCORM package as a new draft
// course; a refused package re-renders the import form (422) listing every
// problem with its place in the package.
func (s *Server) handleScormImport(c echo.Context, f views.Form, providers []views.Option, req catalog.ImportRequest) error {
	res, err := s.Courses.ImportScorm(c.Request().Context(), portableActor(c), req)
	if err == nil {
		if len(res.Warnings) > 0 {
			s.flashWith(c, "scorm.flash_imported_warnings", strings.Join(res.Warnings, ", "))
		} else {
			s.flash(c, "scorm.flash_imported")
		}
		return redirect(c, "/studio/courses/"+res.Course.ID)
	}
	if !fieldErrors(err, &f) {
		return err
	}
	l := s.localizer(c)
	msgs := map[string]string{}
	var problems []string
	var sr *catalog.ScormRefusal
	var ie *catalog.ImportError
	switch {
	case errors.As(err, &sr):
		msgs["file"] = l.T("scorm.err_refused", len(sr.Problems))
		problems = s.scormProblems(c, sr)
	case errors.As(err, &ie):
		msgs[ie.Field] = l.T(ie.Key, ie.Args...)
	}
	for k, v := range f.Errors {
		if msgs[k] == "" {
			msgs[k] = l.T(v)
		}
	}
	return render(c, http.StatusUnprocessableEntity, studio.Import(s.page(c, "portable.import_title"),
		studio.ImportProps{Form: f, Messages: msgs, Problems: problems, Providers: providers, MaxMiB: catalog.MaxImportBytes >> 20,
			ScormMaxMiB: s.Courses.ScormMaxBytes() >> 20}))
}

// scormPlayer prepares a scorm lesson's page: a fresh launch of the
// learner's attempt, and a CSP that lets this page (and no other) frame
// the content origin. Nothing for other kinds, or when no content origin
// is configured (the page then says the lesson cannot be played).
func (s *Server) scormPlayer(c echo.Context, pp *learning.PlayerPage) error {
	if pp.Lesson.Kind != catalog.LessonScorm || !s.Config.ContentOrigin() {
		return nil
	}
	sl, err := s.Learning.LaunchScorm(c.Request().Context(), playerLearner(c), pp)
	if err != nil {
		return err
	}
	pp.Scorm, pp.ContentOrigin = sl, s.Config.ContentBaseURL
	h := c.Response().Header()
	h.Set("Content-Security-Policy", h.Get("Content-Security-Policy")+"; frame-src 'self' "+s.Config.ContentBaseURL)
	return nil
}

// handleScormCommit stores run-time data the player page relays from the
// SCO and answers JSON: whether the SCO is done, and a message (with the
// next step when the lesson is now complete). Authorisation: requireUser,
// the page's CSRF token, and the attempt's live launch token, which must
// belong to the signed-in learner.
func (s *Server) handleScormCommit(c echo.Context) error {
	l := s.localizer(c)
	res, err := s.Learning.CommitScorm(c.Request().Context(), playerLearner(c), c.FormValue("token"),
		[]byte(c.FormValue("cmi")), c.FormValue("terminate") == "1")
	var ve *learning.ScormValueError
	switch {
	case errors.As(err, &ve):
		return c.JSON(http.StatusUnprocessableEntity, map[string]any{"error": ve.Code, "element": ve.Element,
			"message": l.T("scorm.err_value", ve.Element, ve.Code)})
	case apperr.Is(err, apperr.NotFound):
		return c.JSON(http.StatusNotFound, map[string]any{"message": l.T("scorm.err_launch")})
	case apperr.Is(err, apperr.Invalid):
		return c.JSON(http.StatusUnprocessableEntity, map[string]any{"message": l.T("scorm.err_commit_body")})
	case err != nil:
		return err
	}
	out := map[string]any{"done": res.Done, "lesson_completed": res.LessonCompleted, "course_completed": res.CourseCompleted,
		"message": l.T("scorm.status_saved")}
	switch {
	case res.CourseCompleted:
		out["message"] = l.T("scorm.status_course_completed")
		out["next_url"], out["next_label"] = "/learn/"+res.EnrolmentID, l.T("scorm.go_course")
	case res.LessonCompleted && res.NextLessonID != "":
		out["message"] = l.T("scorm.status_lesson_completed")
		out["next_url"], out["next_label"] = playerLessonPath(res.EnrolmentID, res.NextLessonID), l.T("scorm.go_next")
	case res.LessonCompleted:
		out["message"] = l.T("scorm.status_lesson_completed")
		out["next_url"], out["next_label"] = "/learn/"+res.EnrolmentID, l.T("scorm.go_course")
	case res.RemainingMinutes > 0:
		out["message"] = l.T("player.too_early", res.RemainingMinutes)
	}
	return c.JSON(http.StatusOK, out)
}

// --- the content origin ---

// ContentHandler serves the content origin (TAKUMI_CONTENT_ADDR): the
// launcher page of an attempt, scorm-again and the launcher's script, and
// the files of the package the attempt's launch token opens. SECURITY: it
// has no session, reads no cookie and shares nothing with the app but the
// database; every package file is reached only through a live launch
// token, and every response carries this origin's own CSP (see
// docs/scorm.md).
func (s *Server) ContentHandler() http.Handler {
	mux := http.NewServeMux()
	assets, _ := fs.Sub(static.ContentFS, "scorm")
	files := http.FileServerFS(assets)
	mux.HandleFunc("GET /assets/{file}", func(w http.ResponseWriter, r *http.Request) {
		contentHeaders(w, "default-src 'none'; frame-ancestors 'none'")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + r.PathValue("file")
		files.ServeHTTP(w, r2)
	})
	mux.HandleFunc("GET /launch/{token}", s.contentLaunch)
	mux.HandleFunc("GET /c/{token}/{path...}", s.contentFile)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		contentHeaders(w, "default-src 'none'")
		http.NotFound(w, r)
	})
	return mux
}

// contentHeaders sets what every content-origin response carries.
func contentHeaders(w http.ResponseWriter, csp string) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	// SECURITY: the launch token is in the path; no page of a package
	// sends it elsewhere as a referrer.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

var launcherPage = template.Must(template.New("launcher").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>SCORM</title>
<link rel="stylesheet" href="/assets/launcher.css"></head>
<body data-version="{{.Version}}" data-app-origin="{{.AppOrigin}}" data-token="{{.Token}}" data-sco="{{.SCO}}">
<iframe id="sco" title="SCORM"></iframe>
<script src="/assets/scorm-again.min.js"></script>
<script src="/assets/launcher.js"></script>
</body></html>
`))

// contentLaunch is the launcher page of an attempt: framed only by the
// app's origin, it creates the run-time API and frames the SCO.
func (s *Server) contentLaunch(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	t, err := s.Learning.ScormTargetOf(r.Context(), tok)
	if err != nil {
		contentHeaders(w, "default-src 'none'")
		http.NotFound(w, r)
		return
	}
	if t.Version == catalog.ScormCmi5 {
		s.contentLaunchCmi5(w, r, tok)
		return
	}
	contentHeaders(w, "default-src 'none'; script-src 'self'; style-src 'self'; frame-src 'self'; "+
		"frame-ancestors "+s.Config.BaseURL+"; base-uri 'none'; form-action 'none'")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = launcherPage.Execute(w, map[string]string{"Version": t.Version, "AppOrigin": s.Config.BaseURL, "Token": tok,
		"SCO": "/c/" + tok + "/" + t.LaunchPath})
}

// scormFileCSP is the policy of a package's own files. SECURITY: the
// package's scripts run (inline and eval included, as SCORM content
// expects), but only this origin's files load, connect-src 'self' keeps
// every fetch and XHR on this origin (never the app's), and only the
// launcher and the app's player page may frame it.
func (s *Server) scormFileCSP() string {
	return "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; " +
		"frame-src 'self'; frame-ancestors 'self' " + s.Config.BaseURL + "; form-action 'self'; base-uri 'self'; object-src 'none'"
}

// contentFile serves one file of the package a live launch token opens.
func (s *Server) contentFile(w http.ResponseWriter, r *http.Request) {
	t, err := s.Learning.ScormTargetOf(r.Context(), r.PathValue("token"))
	if err != nil {
		contentHeaders(w, "default-src 'none'")
		http.NotFound(w, r)
		return
	}
	f, rc, err := s.Courses.ScormFileOf(r.Context(), t.PackageID, r.PathValue("path"))
	if err != nil {
		contentHeaders(w, "default-src 'none'")
		if apperr.Is(err, apperr.NotFound) {
			http.NotFound(w, r)
			return
		}
		s.Logger.Error("scorm file", "error", err.Error())
		http.Error(w, "error", http.StatusInternalServerError)
		return
	}
	defer rc.Close()
	csp := s.scormFileCSP()
	if t.Version == catalog.ScormCmi5 {
		// a cmi5 AU talks to the LRS and the fetch URL on the app's origin
		csp = strings.Replace(csp, "connect-src 'self'", "connect-src 'self' "+s.Config.BaseURL, 1)
	}
	contentHeaders(w, csp)
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", time.Time{}, rc)
}

// --- a SCORM package added to an existing course ---

// scormAddRoute adds a package's SCOs to an existing course.
const scormAddRoute = "/studio/courses/:id/scorm"

// isScormAdd reports whether the request uploads a package to add to a
// course (an upload route with its own limit, web/uploads.go).
func isScormAdd(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == scormAddRoute
}

// scormAddPage renders the "add a SCORM package" page of a course the
// person authors (not_found otherwise).
func (s *Server) scormAddPage(c echo.Context, status int, message string, problems []string) error {
	ctx := c.Request().Context()
	course, rev, err := s.Courses.Draft(ctx, s.actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	title := rev.Content.Title(s.lang(c))
	return render(c, status, studio.AddScorm(s.page(c, "scorm.add_title"), studio.AddScormProps{CourseID: course.ID, CourseTitle: title,
		LockVersion: rev.LockVersion, Message: message, Problems: problems, MaxMiB: s.Courses.ScormMaxBytes() >> 20}))
}

// handleStudioScormAddForm shows the form that adds a SCORM package to a
// course. Authorisation: requireAuthor, and the catalog answers not_found
// for a course of a provider the person does not author for.
func (s *Server) handleStudioScormAddForm(c echo.Context) error {
	return s.scormAddPage(c, http.StatusOK, "", nil)
}

// handleStudioScormAdd adds an uploaded package's SCOs to the course's
// draft and opens the course; a refused package re-renders the form (422)
// with every problem and its place.
func (s *Server) handleStudioScormAdd(c echo.Context) error {
	lock, _ := strconv.Atoi(c.FormValue("lock_version"))
	req := catalog.ImportRequest{}
	// No file, or not a multipart form at all: AddScormPackage answers
	// not_found for someone else's course first, else "file required".
	if fh, ferr := c.FormFile("file"); ferr == nil {
		file, oerr := fh.Open()
		if oerr != nil {
			return oerr
		}
		defer file.Close()
		req.File, req.Size = file, fh.Size
	}
	res, err := s.Courses.AddScormPackage(c.Request().Context(), s.actor(c), c.Param("id"), lock, req)
	if err == nil {
		if len(res.Warnings) > 0 {
			s.flashWith(c, "scorm.flash_imported_warnings", strings.Join(res.Warnings, ", "))
		} else {
			s.flash(c, "scorm.flash_added")
		}
		return redirect(c, "/studio/courses/"+res.Course.ID)
	}
	l := s.localizer(c)
	var sr *catalog.ScormRefusal
	var ie *catalog.ImportError
	switch {
	case errors.As(err, &sr):
		return s.scormAddPage(c, http.StatusUnprocessableEntity, l.T("scorm.err_refused", len(sr.Problems)), s.scormProblems(c, sr))
	case errors.As(err, &ie):
		return s.scormAddPage(c, http.StatusUnprocessableEntity, l.T(ie.Key, ie.Args...), nil)
	}
	return err
}

// scormProblems translates a refusal's problems, each with its place.
func (s *Server) scormProblems(c echo.Context, sr *catalog.ScormRefusal) []string {
	l := s.localizer(c)
	var out []string
	for _, p := range sr.Problems {
		place := l.T("scorm.place_package")
		if k := scormPlaceKeys[p.Where]; k != "" && p.At != "" {
			place = l.T(k, p.At)
		}
		out = append(out, l.T("scorm.problem", place, l.T(p.Key, p.Args...)))
	}
	return out
}
