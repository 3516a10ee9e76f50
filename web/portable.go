package web

import (
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/views"
	"takumi/views/studio"
)

// Routes that move whole courses, and how long such a transfer may take.
const (
	courseImportRoute  = "/studio/import"
	courseExportRoute  = "/studio/courses/:id/export"
	courseTransferTime = time.Hour
)

// isCourseImport reports whether the request uploads a course file: exempt
// from the global 2 MB body limit, with its own (uploadLimit, web/uploads.go).
func isCourseImport(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == courseImportRoute
}

// isCourseTransfer reports whether the request uploads or downloads a
// course file, which may outlast the 20-second request timeout.
func isCourseTransfer(c echo.Context) bool {
	return isCourseImport(c) || isScormAdd(c) || (c.Request().Method == http.MethodGet && c.Path() == courseExportRoute)
}

// portableActor is the signed-in person as the catalog service sees them.
func portableActor(c echo.Context) catalog.Actor {
	return catalog.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

// handleStudioExport downloads a course's portable file (.takumi.zip):
// ?revision=draft|published, by default the published revision if any,
// else the draft. SECURITY: Export answers not_found for a course of a
// provider the person does not author for.
func (s *Server) handleStudioExport(c echo.Context) error {
	ctx := c.Request().Context()
	ex, err := s.Courses.Export(ctx, portableActor(c), catalog.ExportRequest{
		CourseID: c.Param("id"), Revision: c.QueryParam("revision"), BaseURL: s.Config.BaseURL})
	if err != nil {
		return err
	}
	// A course with large videos takes longer than the server's default
	// write timeout to download.
	_ = http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Now().Add(courseTransferTime))
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": ex.Filename}))
	c.Response().WriteHeader(http.StatusOK)
	if err := ex.WriteZip(ctx, c.Response()); err != nil {
		// The download has started: all that is left is to cut it short
		// (the person gets an incomplete file, which import refuses).
		s.Logger.Error("export failed midway", "course", c.Param("id"), "error", err.Error())
	}
	return nil
}

// portableProviders are the training providers the person authors for, as
// options in their language.
func (s *Server) portableProviders(c echo.Context) []views.Option {
	a := currentAuth(c)
	l := s.localizer(c)
	var out []views.Option
	for _, m := range a.Memberships {
		if m.Kind == "provider" && (m.Role == "instructor" || m.Role == "admin") {
			out = append(out, views.Option{Value: m.OrgID, Label: l.Pick(m.NameJa, m.NameEn)})
		}
	}
	return out
}

// handleStudioImportForm shows the import form. Only authors (instructors
// and admins of a training provider) may import.
func (s *Server) handleStudioImportForm(c echo.Context) error {
	providers := s.portableProviders(c)
	if len(providers) == 0 {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return render(c, http.StatusOK, studio.Import(s.page(c, "portable.import_title"),
		studio.ImportProps{Form: views.NewForm(), Providers: providers, MaxMiB: catalog.MaxImportBytes >> 20, ScormMaxMiB: s.Courses.ScormMaxBytes() >> 20}))
}

// handleStudioImport imports an uploaded portable file as a new draft
// course and opens it; a refused file re-renders the form (422) with the
// reason next to the field it concerns.
func (s *Server) handleStudioImport(c echo.Context) error {
	providers := s.portableProviders(c)
	if len(providers) == 0 {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	f := formFrom(c, "provider_id", "code")
	if f.Get("provider_id") == "" && len(providers) == 1 {
		f.Values["provider_id"] = providers[0].Value
	}
	req := catalog.ImportRequest{ProviderID: f.Get("provider_id"), Code: f.Get("code")}
	fh, ferr := c.FormFile("file")
	switch {
	case ferr != nil && errors.Is(ferr, http.ErrMissingFile):
		// Import reports the missing file with the other checks.
	case ferr != nil:
		return ferr
	default:
		file, oerr := fh.Open()
		if oerr != nil {
			return oerr
		}
		defer file.Close()
		req.File, req.Size = file, fh.Size
		// A SCORM package (issue 16) is told apart by its imsmanifest.xml.
		if catalog.IsScormPackage(file, fh.Size) {
			return s.handleScormImport(c, f, providers, req)
		}
	}
	course, err := s.Courses.Import(c.Request().Context(), portableActor(c), req)
	if err == nil {
		s.flash(c, "portable.flash_imported")
		return redirect(c, "/studio/courses/"+course.ID)
	}
	if !fieldErrors(err, &f) {
		return err
	}
	msgs := map[string]string{}
	l := s.localizer(c)
	var ie *catalog.ImportError
	if errors.As(err, &ie) {
		msgs[ie.Field] = l.T(ie.Key, ie.Args...)
	}
	for k, v := range f.Errors {
		if msgs[k] == "" {
			msgs[k] = l.T(v)
		}
	}
	return render(c, http.StatusUnprocessableEntity, studio.Import(s.page(c, "portable.import_title"),
		studio.ImportProps{Form: f, Messages: msgs, Providers: providers, MaxMiB: catalog.MaxImportBytes >> 20, ScormMaxMiB: s.Courses.ScormMaxBytes() >> 20}))
}
