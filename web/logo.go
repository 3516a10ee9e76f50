package web

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/internal/org"
	"takumi/views"
	orgviews "takumi/views/org"
)

// Provider logos (/org/:id/logo): an admin of a training provider uploads
// the PNG that newly issued credentials carry as the issuer image
// (docs/decisions.md, "Provider logos"). The page is a plain multipart
// form; the org domain checks the file and the admin again.

// renderLogo renders the logo page with f (its errors keep the form).
func (s *Server) renderLogo(c echo.Context, status int, f views.Form) error {
	o, logo, err := s.Orgs.LogoOf(c.Request().Context(), orgActor(c), c.Param("id"))
	if err != nil {
		return err
	}
	p := s.page(c, "org.logo_title", s.localizer(c).Pick(o.NameJa, o.NameEn))
	return render(c, status, orgviews.Logo(p, orgviews.LogoState{Org: *o, Logo: logo, Form: f}))
}

// handleOrgLogo shows the provider's current logo and the upload form.
func (s *Server) handleOrgLogo(c echo.Context) error {
	if err := requireAdminOfProvider(c); err != nil {
		return err
	}
	return s.renderLogo(c, http.StatusOK, views.NewForm())
}

// handleOrgLogoUpload stores the uploaded PNG as the provider's logo. A
// refused file (not a PNG, too big, too many pixels) is named next to the
// field and nothing is stored.
func (s *Server) handleOrgLogoUpload(c echo.Context) error {
	if err := requireAdminOfProvider(c); err != nil {
		return err
	}
	f := views.NewForm()
	fh, err := c.FormFile("logo")
	if err != nil || fh.Size == 0 {
		f.Errors["logo"] = "org.logo_err_empty"
		return s.renderLogo(c, http.StatusUnprocessableEntity, f)
	}
	if fh.Size > org.LogoMaxBytes {
		f.Errors["logo"] = "org.logo_err_size"
		return s.renderLogo(c, http.StatusUnprocessableEntity, f)
	}
	file, err := fh.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, org.LogoMaxBytes+1))
	if err != nil {
		return err
	}
	err = s.Orgs.SetLogo(c.Request().Context(), orgActor(c), c.Param("id"), data)
	if fieldErrors(err, &f) {
		return s.renderLogo(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "org.logo_flash_saved")
	return redirect(c, "/org/"+c.Param("id")+"/logo")
}
