package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/internal/apiclient"
	"takumi/internal/webhook"
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
	return s.renderAPIPage(c, status, apiviews.ClientsState{Form: f, Issued: issued, HookForm: views.NewForm()})
}

// renderAPIPage fills st with the organisation, its clients and its
// webhook endpoints and renders the page.
func (s *Server) renderAPIPage(c echo.Context, status int, st apiviews.ClientsState) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	o, err := s.Orgs.ByID(ctx, id)
	if err != nil {
		return err
	}
	if st.Clients, err = s.APIClients.List(ctx, apiActor(c), id); err != nil {
		return err
	}
	if st.Endpoints, err = s.Webhooks.Endpoints(ctx, webhook.Actor(apiActor(c)), id); err != nil {
		return err
	}
	st.Org = *o
	if st.Form.Values == nil {
		st.Form = apiClientForm()
	}
	if st.HookForm.Values == nil {
		st.HookForm = views.NewForm()
	}
	return render(c, status, apiviews.Clients(s.page(c, "api.clients_title"), st))
}

// handleWebhookCreate subscribes an endpoint and shows its signing secret
// once.
func (s *Server) handleWebhookCreate(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	fields := []string{"url"}
	for _, ev := range webhook.Events {
		fields = append(fields, apiviews.EventField(ev))
	}
	f := formFrom(c, fields...)
	f.Order = []string{"url", "events"}
	var events []string
	for _, ev := range webhook.Events {
		if f.Get(apiviews.EventField(ev)) != "" {
			events = append(events, ev)
		}
	}
	ep, secret, err := s.Webhooks.CreateEndpoint(c.Request().Context(), webhook.Actor(apiActor(c)), c.Param("id"), f.Get("url"), events)
	if fieldErrors(err, &f) {
		return s.renderAPIPage(c, http.StatusUnprocessableEntity, apiviews.ClientsState{HookForm: f})
	}
	if err != nil {
		return err
	}
	return s.renderAPIPage(c, http.StatusOK, apiviews.ClientsState{IssuedHook: &apiviews.IssuedHook{URL: ep.URL, Secret: secret}})
}

// handleWebhook shows an endpoint's delivery log.
func (s *Server) handleWebhook(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	o, err := s.Orgs.ByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	ep, ds, err := s.Webhooks.Endpoint(ctx, webhook.Actor(apiActor(c)), c.Param("id"), c.Param("wid"), 100)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, apiviews.Hook(s.page(c, "webhook.log_page_title"), apiviews.HookState{Org: *o, Endpoint: *ep, Deliveries: ds}))
}

// handleWebhookDisable stops deliveries to an endpoint.
func (s *Server) handleWebhookDisable(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	if err := s.Webhooks.DisableEndpoint(c.Request().Context(), webhook.Actor(apiActor(c)), c.Param("id"), c.Param("wid")); err != nil {
		return err
	}
	return redirect(c, "/org/"+c.Param("id")+"/webhooks/"+c.Param("wid"))
}

// handleWebhookReplay sends a delivery again.
func (s *Server) handleWebhookReplay(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	if err := s.Webhooks.Replay(c.Request().Context(), webhook.Actor(apiActor(c)), c.Param("id"), c.Param("did")); err != nil {
		return err
	}
	s.flash(c, "webhook.flash_replayed")
	return redirect(c, "/org/"+c.Param("id")+"/webhooks/"+c.Param("wid"))
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
		Tags: []string{"auth", "catalogue", "enrolments", "members", "credentials", "progress"}}
	return render(c, http.StatusOK, apiviews.Docs(s.page(c, "api.docs_title"), st))
}
