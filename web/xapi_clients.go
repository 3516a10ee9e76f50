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
// /studio/providers/:id/xapi. Creating a client shows its secret once, on
// the answer to the POST (never stored, never in a redirect).

// xapiMembership returns the signed-in person's membership of the
// organisation :id when it lets them manage LRS clients here: an admin of
// any organisation under /org, an admin or instructor of a training
// provider under /studio. Otherwise 404.
func xapiMembership(c echo.Context, studio bool) (org.Membership, error) {
	id := c.Param("id")
	for _, m := range currentAuth(c).Memberships {
		if m.OrgID != id {
			continue
		}
		if !studio && m.Role == org.RoleAdmin {
			return m, nil
		}
		if studio && m.Kind == org.KindProvider && (m.Role == org.RoleAdmin || m.Role == org.RoleInstructor) {
			return m, nil
		}
	}
	return org.Membership{}, echo.NewHTTPError(http.StatusNotFound)
}

func xapiBase(m org.Membership, studio bool) (base, back string) {
	if studio {
		return "/studio/providers/" + m.OrgID + "/xapi", "/studio/xapi"
	}
	return "/org/" + m.OrgID + "/xapi", "/org/" + m.OrgID
}

// renderXAPIClients renders the clients page of m's organisation.
func (s *Server) renderXAPIClients(c echo.Context, status int, m org.Membership, studio bool, f views.Form, created *xapiviews.NewClient) error {
	list, err := s.XAPI.Clients(c.Request().Context(), m.OrgID)
	if err != nil {
		return err
	}
	name := s.localizer(c).Pick(m.NameJa, m.NameEn)
	base, back := xapiBase(m, studio)
	p := s.page(c, "xapi.title", name)
	return render(c, status, xapiviews.Clients(p, xapiviews.ClientsState{OrgName: name, Base: base, Back: back,
		Endpoint: s.Config.BaseURL + "/xapi/", Clients: list, Form: f, New: created}))
}

// handleXAPIClients shows an organisation's LRS clients and the create form.
func (s *Server) handleXAPIClients(studio bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, err := xapiMembership(c, studio)
		if err != nil {
			return err
		}
		f := views.NewForm()
		f.Values["scope"], f.Values["version"] = "rw", string(xapi.V200)
		return s.renderXAPIClients(c, http.StatusOK, m, studio, f, nil)
	}
}

// handleXAPIClientCreate creates an LRS client and shows its key and secret
// once. A missing name, scope or version is named next to its field.
func (s *Server) handleXAPIClientCreate(studio bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, err := xapiMembership(c, studio)
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
			return s.renderXAPIClients(c, http.StatusUnprocessableEntity, m, studio, f, nil)
		}
		cl, secret, err := s.XAPI.NewClient(c.Request().Context(), m.OrgID, f.Get("name"), read, write, v, currentAuth(c).User.ID, clientIP(c))
		var xe *xapi.Error
		if errors.As(err, &xe) && xe.Kind == xapi.KindInvalid {
			f.Errors[views.FormError] = xe.Msg
			return s.renderXAPIClients(c, http.StatusUnprocessableEntity, m, studio, f, nil)
		}
		if err != nil {
			return err
		}
		f = views.NewForm()
		f.Values["scope"], f.Values["version"] = "rw", string(xapi.V200)
		return s.renderXAPIClients(c, http.StatusOK, m, studio, f, &xapiviews.NewClient{Name: cl.Name, Key: cl.Key, Secret: secret})
	}
}

// handleXAPIClientRevoke revokes an LRS client of the organisation.
func (s *Server) handleXAPIClientRevoke(studio bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, err := xapiMembership(c, studio)
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
		base, _ := xapiBase(m, studio)
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
