package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/internal/apiclient"
	"takumi/views"
	"takumi/views/apiviews"
	"takumi/web/apidoc"
)

// An organisation's API clients (issue 19), under /org behind
// requireOrgAdmin; each handler checks admin of THAT organisation
// (requireAdminOfOrg) and the domain checks again. The secret is shown only
// on the answer to a create or rotate, never stored in clear.

func apiActor(c echo.Context) apiclient.Actor {
	return apiclient.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

func apiClientForm() views.Form {
	f := views.NewForm()
	f.Order = []string{"name", "scopes"}
	return f
}

func (s *Server) renderAPIClients(c echo.Context, status int, f views.Form, issued *apiviews.Issued) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	o, err := s.Orgs.ByID(ctx, id)
	if err != nil {
		return err
	}
	list, err := s.APIClients.List(ctx, apiActor(c), id)
	if err != nil {
		return err
	}
	st := apiviews.ClientsState{Org: *o, Clients: list, Form: f, Issued: issued}
	return render(c, status, apiviews.Clients(s.page(c, "api.clients_title"), st))
}

// handleAPIClients lists the organisation's API clients.
func (s *Server) handleAPIClients(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	return s.renderAPIClients(c, http.StatusOK, apiClientForm(), nil)
}

// handleAPIClientCreate makes a client and shows its secret once.
func (s *Server) handleAPIClientCreate(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	fields := []string{"name"}
	for _, sc := range apiclient.Scopes {
		fields = append(fields, apiviews.ScopeField(sc))
	}
	f := formFrom(c, fields...)
	f.Order = []string{"name", "scopes"}
	var scopes []string
	for _, sc := range apiclient.Scopes {
		if f.Get(apiviews.ScopeField(sc)) != "" {
			scopes = append(scopes, sc)
		}
	}
	cl, secret, err := s.APIClients.Create(c.Request().Context(), apiActor(c), c.Param("id"), f.Get("name"), scopes)
	if fieldErrors(err, &f) {
		return s.renderAPIClients(c, http.StatusUnprocessableEntity, f, nil)
	}
	if err != nil {
		return err
	}
	return s.renderAPIClients(c, http.StatusOK, apiClientForm(), &apiviews.Issued{ClientID: cl.ID, Name: cl.Name, Secret: secret})
}

// handleAPIClientRotate gives a client a new secret and shows it once.
func (s *Server) handleAPIClientRotate(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	cl, secret, err := s.APIClients.Rotate(c.Request().Context(), apiActor(c), c.Param("id"), c.Param("cid"))
	if err != nil {
		return err
	}
	return s.renderAPIClients(c, http.StatusOK, apiClientForm(), &apiviews.Issued{ClientID: cl.ID, Name: cl.Name, Secret: secret})
}

// handleAPIClientRevoke ends a client for good.
func (s *Server) handleAPIClientRevoke(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	if err := s.APIClients.Revoke(c.Request().Context(), apiActor(c), c.Param("id"), c.Param("cid")); err != nil {
		return err
	}
	s.flash(c, "api.flash_revoked")
	return redirect(c, "/org/"+c.Param("id")+"/api-clients")
}

// handleAPIDocs is the API's documentation page (public).
func (s *Server) handleAPIDocs(c echo.Context) error {
	ops, err := apidoc.Operations()
	if err != nil {
		return err
	}
	st := apiviews.DocsState{BaseURL: s.Config.BaseURL, Operations: ops,
		Tags: []string{"auth", "catalogue", "enrolments", "members", "progress"}}
	return render(c, http.StatusOK, apiviews.Docs(s.page(c, "api.docs_title"), st))
}
