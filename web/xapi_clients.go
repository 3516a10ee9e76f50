package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/internal/org"
	"takumi/internal/xapi"
	"takumi/views"
	xapiviews "takumi/views/xapi"
)

// LRS clients (issue 17): an organisation's admins manage them at
// /org/:id/xapi; the admins and instructors of a training provider at
// /studio/providers/:id/xapi; platform admins at /admin/orgs/:id/xapi.
// Creating a client shows its secret once, on the answer to the POST
// (never stored, never in a redirect).

// Where the LRS client pages are: under /org (organisation admins), /studio
// (a training provider's admins and instructors) and /admin (platform admins).
const (
	xapiAtOrg = iota
	xapiAtStudio
	xapiAtAdmin
)

// xapiMembership returns the organisation :id with its name when the
// signed-in person may manage its LRS clients at this place: an admin of it
// under /org, an admin or instructor of the training provider under
// /studio, any organisation for a platform admin under /admin (the group's
// requirePlatformAdmin). Otherwise 404.
func (s *Server) xapiMembership(c echo.Context, at int) (org.Membership, error) {
	id := c.Param("id")
	if at == xapiAtAdmin {
		o, err := s.Orgs.ByID(c.Request().Context(), id)
		if err != nil {
			return org.Membership{}, echo.NewHTTPError(http.StatusNotFound)
		}
		return org.Membership{OrgID: o.ID, Kind: o.Kind, NameJa: o.NameJa, NameEn: o.NameEn}, nil
	}
	for _, m := range currentAuth(c).Memberships {
		if m.OrgID != id {
			continue
		}
		if at == xapiAtOrg && m.Role == org.RoleAdmin {
			return m, nil
		}
		if at == xapiAtStudio && m.Kind == org.KindProvider && (m.Role == org.RoleAdmin || m.Role == org.RoleInstructor) {
			return m, nil
		}
	}
	return org.Membership{}, echo.NewHTTPError(http.StatusNotFound)
}

func xapiBase(m org.Membership, at int) (base, back string) {
	switch at {
	case xapiAtStudio:
		return "/studio/providers/" + m.OrgID + "/xapi", "/studio/xapi"
	case xapiAtAdmin:
		return "/admin/orgs/" + m.OrgID + "/xapi", "/admin/orgs/" + m.OrgID
	}
	return "/org/" + m.OrgID + "/xapi", "/org/" + m.OrgID
}

// renderXAPIClients renders the clients page of m's organisation.
func (s *Server) renderXAPIClients(c echo.Context, status int, m org.Membership, at int, f views.Form, created *xapiviews.NewClient) error {
	list, err := s.XAPI.Clients(c.Request().Context(), m.OrgID)
	if err != nil {
		return err
	}
	name := s.localizer(c).Pick(m.NameJa, m.NameEn)
	base, back := xapiBase(m, at)
	p := s.page(c, "xapi.title", name)
	st := xapiviews.ClientsState{OrgName: name, Base: base, Back: back,
		Endpoint: s.Config.BaseURL + "/xapi/", Clients: list, Form: f, New: created, ForwardForm: views.NewForm()}
	if err := s.xapiForwardState(c, m, at, &st); err != nil {
		return err
	}
	return render(c, status, xapiviews.Clients(p, st))
}

// handleXAPIClients shows an organisation's LRS clients and the create form.
func (s *Server) handleXAPIClients(at int) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, err := s.xapiMembership(c, at)
		if err != nil {
			return err
		}
		f := views.NewForm()
		f.Values["scope"], f.Values["version"] = "rw", string(xapi.V200)
		return s.renderXAPIClients(c, http.StatusOK, m, at, f, nil)
	}
}

// handleXAPIClientCreate creates an LRS client and shows its key and secret
// once. A missing name, scope or version is named next to its field.
func (s *Server) handleXAPIClientCreate(at int) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, err := s.xapiMembership(c, at)
		if err != nil {
			return err
		}
		f := formFrom(c, "name", "scope", "version")
		read, write := false, false
		switch f.Get("scope") {
		case "rw":
			read, write = true, true
		case "read":
			read = true
		case "write":
			write = true
		default:
			f.Errors["scope"] = "xapi.client_err_scope"
		}
		v := xapi.Version(f.Get("version"))
		if v != xapi.V200 && v != xapi.V103 {
			f.Errors["version"] = "xapi.client_err_version"
		}
		if f.Get("name") == "" || len([]rune(f.Get("name"))) > 200 {
			f.Errors["name"] = "xapi.client_err_name"
		}
		if f.HasErrors() {
			return s.renderXAPIClients(c, http.StatusUnprocessableEntity, m, at, f, nil)
		}
		cl, secret, err := s.XAPI.NewClient(c.Request().Context(), m.OrgID, f.Get("name"), read, write, v, currentAuth(c).User.ID, clientIP(c))
		var xe *xapi.Error
		if errors.As(err, &xe) && xe.Kind == xapi.KindInvalid {
			f.Errors[views.FormError] = xe.Msg
			return s.renderXAPIClients(c, http.StatusUnprocessableEntity, m, at, f, nil)
		}
		if err != nil {
			return err
		}
		f = views.NewForm()
		f.Values["scope"], f.Values["version"] = "rw", string(xapi.V200)
		return s.renderXAPIClients(c, http.StatusOK, m, at, f, &xapiviews.NewClient{Name: cl.Name, Key: cl.Key, Secret: secret})
	}
}

// handleXAPIClientRevoke revokes an LRS client of the organisation.
func (s *Server) handleXAPIClientRevoke(at int) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, err := s.xapiMembership(c, at)
		if err != nil {
			return err
		}
		err = s.XAPI.RevokeClient(c.Request().Context(), m.OrgID, c.Param("cid"), currentAuth(c).User.ID, clientIP(c))
		if xapi.KindOf(err) == xapi.KindNotFound {
			return echo.NewHTTPError(http.StatusNotFound)
		}
		if err != nil {
			return err
		}
		s.flash(c, "xapi.flash_revoked")
		base, _ := xapiBase(m, at)
		return redirect(c, base)
	}
}

// handleStudioXAPI lists the training providers whose LRS clients the
// author may manage (admin or instructor of the provider).
func (s *Server) handleStudioXAPI(c echo.Context) error {
	var providers []views.Option
	l := s.localizer(c)
	for _, m := range currentAuth(c).Memberships {
		if m.Kind == org.KindProvider && (m.Role == org.RoleAdmin || m.Role == org.RoleInstructor) {
			providers = append(providers, views.Option{Value: m.OrgID, Label: l.Pick(m.NameJa, m.NameEn)})
		}
	}
	return render(c, http.StatusOK, xapiviews.StudioIndex(s.page(c, "xapi.studio_title"), providers))
}
