package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/internal/apiclient"
	"takumi/internal/org"
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

// Where the API client pages are: under /org (an organisation's admins)
// and /studio (a training provider's admins). The same handlers and
// template serve both; only the access rule, the links and the webhook
// section (under /org only) differ. The domain checks again that the
// person manages the organisation (org.RequireManager).
const (
	apiAtOrg = iota
	apiAtStudio
)

// apiClientsAccess refuses, with 404, anyone who may not manage the API
// clients of organisation :id here: an admin of it under /org, an admin of
// the training provider under /studio.
func apiClientsAccess(c echo.Context, at int) error {
	if at == apiAtOrg {
		return requireAdminOfOrg(c)
	}
	for _, m := range currentAuth(c).Memberships {
		if m.OrgID == c.Param("id") && m.Kind == org.KindProvider && m.Role == org.RoleAdmin {
			return nil
		}
	}
	return echo.NewHTTPError(http.StatusNotFound)
}

// apiClientsBase is the clients page of organisation id here.
func apiClientsBase(at int, id string) string {
	if at == apiAtStudio {
		return "/studio/providers/" + id + "/api-clients"
	}
	return "/org/" + id + "/api-clients"
}

func (s *Server) renderAPIClients(c echo.Context, at, status int, f views.Form, issued *apiviews.Issued) error {
	return s.renderAPIPageAt(c, at, status, apiviews.ClientsState{Form: f, Issued: issued, HookForm: views.NewForm()})
}

func (s *Server) renderAPIPage(c echo.Context, status int, st apiviews.ClientsState) error {
	return s.renderAPIPageAt(c, apiAtOrg, status, st)
}

// renderAPIPageAt fills st with the organisation, its clients and (under
// /org) its webhook endpoints and renders the page.
func (s *Server) renderAPIPageAt(c echo.Context, at, status int, st apiviews.ClientsState) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	o, err := s.Orgs.ByID(ctx, id)
	if err != nil {
		return err
	}
	if st.Clients, err = s.APIClients.List(ctx, apiActor(c), id); err != nil {
		return err
	}
	st.Hooks = at == apiAtOrg
	if st.Hooks {
		if st.Endpoints, err = s.Webhooks.Endpoints(ctx, webhook.Actor(apiActor(c)), id); err != nil {
			return err
		}
	}
	st.Org = *o
	st.Base = apiClientsBase(at, id)
	l := s.localizer(c)
	st.Back, st.BackLabel = "/org/"+id, l.T("api.clients_back", l.Pick(o.NameJa, o.NameEn))
	if at == apiAtStudio {
		st.Back, st.BackLabel = "/studio/api-clients", l.T("api.studio_back")
	}
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
func (s *Server) handleAPIClients(at int) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := apiClientsAccess(c, at); err != nil {
			return err
		}
		return s.renderAPIClients(c, at, http.StatusOK, apiClientForm(), nil)
	}
}

// handleAPIClientCreate makes a client and shows its secret once.
func (s *Server) handleAPIClientCreate(at int) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := apiClientsAccess(c, at); err != nil {
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
			return s.renderAPIClients(c, at, http.StatusUnprocessableEntity, f, nil)
		}
		if err != nil {
			return err
		}
		return s.renderAPIClients(c, at, http.StatusOK, apiClientForm(), &apiviews.Issued{ClientID: cl.ID, Name: cl.Name, Secret: secret})
	}
}

// handleAPIClientRotate gives a client a new secret and shows it once.
func (s *Server) handleAPIClientRotate(at int) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := apiClientsAccess(c, at); err != nil {
			return err
		}
		cl, secret, err := s.APIClients.Rotate(c.Request().Context(), apiActor(c), c.Param("id"), c.Param("cid"))
		if err != nil {
			return err
		}
		return s.renderAPIClients(c, at, http.StatusOK, apiClientForm(), &apiviews.Issued{ClientID: cl.ID, Name: cl.Name, Secret: secret})
	}
}

// handleAPIClientRevoke ends a client for good.
func (s *Server) handleAPIClientRevoke(at int) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := apiClientsAccess(c, at); err != nil {
			return err
		}
		if err := s.APIClients.Revoke(c.Request().Context(), apiActor(c), c.Param("id"), c.Param("cid")); err != nil {
			return err
		}
		s.flash(c, "api.flash_revoked")
		return redirect(c, apiClientsBase(at, c.Param("id")))
	}
}

// handleStudioAPIClients lists the training providers whose API clients
// the person manages in the studio, or goes straight to the only one.
func (s *Server) handleStudioAPIClients(c echo.Context) error {
	var providers []views.Option
	l := s.localizer(c)
	for _, m := range currentAuth(c).Memberships {
		if m.Kind == org.KindProvider && m.Role == org.RoleAdmin {
			providers = append(providers, views.Option{Value: m.OrgID, Label: l.Pick(m.NameJa, m.NameEn)})
		}
	}
	if len(providers) == 1 {
		return redirect(c, apiClientsBase(apiAtStudio, providers[0].Value))
	}
	return render(c, http.StatusOK, apiviews.StudioIndex(s.page(c, "api.studio_title"), providers))
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
