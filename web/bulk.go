package web

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/bulkenrol"
	"takumi/internal/csvexport"
	"takumi/internal/org"
	"takumi/views"
	orgviews "takumi/views/org"
)

// bulkDryRunRoute receives the CSV upload: exempt from the global 2 MB body
// limit, with its own (uploadLimit, web/uploads.go).
const bulkDryRunRoute = "/org/:id/enrolments/dry-run"

// bulkErrorsShown is how many errors the dry-run page lists; the CSV
// download has every one.
const bulkErrorsShown = 1000

// bulkUploadTime is how long a CSV upload may take to arrive.
const bulkUploadTime = 2 * time.Minute

// isBulkUpload reports whether the request uploads a bulk enrolment CSV.
func isBulkUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == bulkDryRunRoute
}

// bulkTooLarge answers 413 with a page that says what the limit is.
func (s *Server) bulkTooLarge(c echo.Context) error {
	c.Response().Header().Set("Connection", "close")
	p := s.safePage(c, http.StatusRequestEntityTooLarge)
	p.Title = p.T("bulk.title")
	return render(c, http.StatusRequestEntityTooLarge, views.ErrorPage(p, http.StatusRequestEntityTooLarge, "bulk.err_body_too_large"))
}

// bulkActor is the signed-in organisation admin as the bulk service sees them.
func bulkActor(c echo.Context) bulkenrol.Actor {
	return bulkenrol.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

// bulkOrg returns the organisation in the URL when the person administers
// it. SECURITY: any other organisation is 404.
func (s *Server) bulkOrg(c echo.Context) (*org.Organisation, error) {
	if err := requireAdminOfOrg(c); err != nil {
		return nil, err
	}
	orgs, err := s.Orgs.AdministeredBy(c.Request().Context(), currentAuth(c).User.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if o.ID == c.Param("id") {
			return &o, nil
		}
	}
	return nil, echo.NewHTTPError(http.StatusNotFound)
}

// handleBulkForm shows the upload form, the file format and recent imports.
func (s *Server) handleBulkForm(c echo.Context) error {
	o, err := s.bulkOrg(c)
	if err != nil {
		return err
	}
	return s.renderBulkForm(c, http.StatusOK, o, views.NewForm(), "")
}

func (s *Server) renderBulkForm(c echo.Context, status int, o *org.Organisation, f views.Form, problem string) error {
	imports, err := s.Bulk.Imports(c.Request().Context(), bulkActor(c), o.ID, 10)
	if err != nil {
		return err
	}
	return render(c, status, orgviews.BulkPage(s.page(c, "bulk.title"),
		orgviews.BulkState{Org: *o, Form: f, Imports: imports, Problem: problem}))
}

// handleBulkDryRun checks an uploaded CSV and shows every error with its
// line, or what the import would do. Nothing is written (the file is kept
// for the real run).
func (s *Server) handleBulkDryRun(c echo.Context) error {
	o, err := s.bulkOrg(c)
	if err != nil {
		return err
	}
	f := views.NewForm()
	fh, err := c.FormFile("file")
	if err != nil || fh.Size == 0 {
		f.Errors["file"] = "bulk.err_file_required"
		return s.renderBulkForm(c, http.StatusUnprocessableEntity, o, f, "")
	}
	if fh.Size > bulkenrol.MaxFileBytes {
		f.Errors["file"] = "bulk.err_too_large"
		return s.renderBulkForm(c, http.StatusRequestEntityTooLarge, o, f, "")
	}
	file, err := fh.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, bulkenrol.MaxFileBytes+1))
	if err != nil {
		return err
	}
	rep, err := s.Bulk.DryRun(c.Request().Context(), bulkActor(c), o.ID, fh.Filename, data)
	if fieldErrors(err, &f) {
		return s.renderBulkForm(c, http.StatusUnprocessableEntity, o, f, "")
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !rep.OK() {
		status = http.StatusUnprocessableEntity
	}
	return render(c, status, orgviews.BulkReportPage(s.page(c, "bulk.report_title", rep.Filename),
		orgviews.BulkReportState{Org: *o, Report: rep, Shown: bulkErrorsShown}))
}

// handleBulkErrorsCSV downloads every error of a checked file as CSV
// (UTF-8 with a BOM, so that Excel opens it correctly).
func (s *Server) handleBulkErrorsCSV(c echo.Context) error {
	o, err := s.bulkOrg(c)
	if err != nil {
		return err
	}
	rep, err := s.Bulk.StoredReport(c.Request().Context(), bulkActor(c), o.ID, c.Param("sha"))
	if err != nil {
		return err
	}
	p := s.page(c, "bulk.title")
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="errors.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csvexport.NewWriter(c.Response())
	w.Write([]string{p.T("bulk.col_line"), p.T("bulk.col_column"), p.T("bulk.col_problem")})
	for _, e := range rep.Errors {
		w.Write([]string{strconv.Itoa(e.Line), orgviews.BulkColumnName(p, e.Column), orgviews.BulkErrorText(p, e)})
	}
	return w.Flush()
}

// handleBulkImport starts the real run of a file that passed its dry run
// and goes to its progress page.
func (s *Server) handleBulkImport(c echo.Context) error {
	o, err := s.bulkOrg(c)
	if err != nil {
		return err
	}
	imp, err := s.Bulk.StartImport(c.Request().Context(), bulkActor(c), o.ID, c.FormValue("sha256"))
	if e, ok := apperr.As(err); ok && (e.Key == "bulk.err_file_gone" || e.Key == "bulk.err_has_errors") {
		return s.renderBulkForm(c, http.StatusUnprocessableEntity, o, views.NewForm(), e.Key)
	}
	if err != nil {
		return err
	}
	return redirect(c, orgviews.BulkProgressPath(*imp))
}

// handleBulkProgress shows an import's progress: the whole page, or for
// htmx's polling only the progress region.
func (s *Server) handleBulkProgress(c echo.Context) error {
	o, err := s.bulkOrg(c)
	if err != nil {
		return err
	}
	imp, err := s.Bulk.Import(c.Request().Context(), bulkActor(c), o.ID, c.Param("importID"))
	if err != nil {
		return err
	}
	p := s.page(c, "bulk.progress_title", imp.Filename)
	return renderPartial(c, http.StatusOK, orgviews.BulkProgress(p, *imp), orgviews.BulkProgressPage(p, *o, *imp))
}
