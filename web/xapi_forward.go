package web

// Forwarding an organisation's xAPI statements to its own external LRS
// (issue 17, internal/xapi/forward.go): a section of the organisation's
// LRS clients page, for its admins.

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/internal/org"
	"takumi/internal/xapi"
	"takumi/views"
	xapiviews "takumi/views/xapi"
)

// xapiForwardState fills the forwarding section (the organisation's page
// only: /org/:id/xapi).
func (s *Server) xapiForwardState(c echo.Context, m org.Membership, at int, st *xapiviews.ClientsState) error {
	if at != xapiAtOrg {
		return nil
	}
	ctx := c.Request().Context()
	fw, err := s.XAPI.ForwardOf(ctx, m.OrgID)
	if err != nil {
		return err
	}
	status, err := s.XAPI.ForwardStatusOf(ctx, m.OrgID)
	if err != nil {
		return err
	}
	st.ForwardOn, st.Forward, st.ForwardStatus = true, fw, status
	return nil
}

// handleXAPIForwardSave tests the target (is it an LRS, does it take the
// credentials) and saves it only when the test passes; a failure is named
// on the form (422). Authorisation: admins of THAT organisation
// (xapiMembership), CSRF.
func (s *Server) handleXAPIForwardSave(c echo.Context) error {
	m, err := s.xapiMembership(c, xapiAtOrg)
	if err != nil {
		return err
	}
	f := formFrom(c, "endpoint", "username")
	password := c.FormValue("password") // never trimmed, never sent back
	for _, k := range []string{"endpoint", "username"} {
		if f.Get(k) == "" {
			f.Errors[k] = "xapi.forward_err_required"
		}
	}
	if password == "" {
		f.Errors["password"] = "xapi.forward_err_required"
	}
	ctx := c.Request().Context()
	if !f.HasErrors() {
		if err := s.XAPI.TestForward(ctx, f.Get("endpoint"), f.Get("username"), password); err != nil {
			if xe, ok := err.(*xapi.Error); ok {
				f.Errors["endpoint"] = xe.Msg
			} else {
				return err
			}
		}
	}
	if f.HasErrors() {
		list, err := s.XAPI.Clients(ctx, m.OrgID)
		if err != nil {
			return err
		}
		name := s.localizer(c).Pick(m.NameJa, m.NameEn)
		base, back := xapiBase(m, xapiAtOrg)
		nf := views.NewForm()
		nf.Values["scope"], nf.Values["version"] = "rw", string(xapi.V200)
		st := xapiviews.ClientsState{OrgName: name, Base: base, Back: back, Endpoint: s.Config.BaseURL + "/xapi/", Clients: list, Form: nf}
		if err := s.xapiForwardState(c, m, xapiAtOrg, &st); err != nil {
			return err
		}
		st.ForwardForm = f
		return render(c, http.StatusUnprocessableEntity, xapiviews.Clients(s.page(c, "xapi.title", name), st))
	}
	if err := s.XAPI.SetForward(ctx, m.OrgID, f.Get("endpoint"), f.Get("username"), password); err != nil {
		return err
	}
	s.flash(c, "xapi.flash_forward_saved")
	base, _ := xapiBase(m, xapiAtOrg)
	return redirect(c, base+"#forward")
}
