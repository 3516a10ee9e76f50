package web

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/sso"
	"takumi/views"
	ssoviews "takumi/views/sso"
)

// Single sign-on per organisation (issue 18, docs/sso.md): "sign in with
// your organisation" (/login/sso and the OpenID Connect callback), the
// confirmation of a domain by its mailbox, the organisation admins'
// settings (/org/:id/sso) and the platform admins' approvals (/admin/sso).

// Session keys of single sign-on.
const (
	sessionSSOStart = "sso_start" // the pending sign-in (sso.Start as JSON)
	sessionSSOAt    = "sso_at"    // unix time it began
	// sessionMFAByIdP marks a session whose sign-in the provider asserted
	// as multi-factor: the two-factor set-up is not demanded again.
	sessionMFAByIdP = "sso_mfa"
)

// ssoStartTTL is how long a person may spend at their provider.
const ssoStartTTL = 10 * time.Minute

// allowFormToProvider widens this page's form-action so that the sign-in
// form's answer may redirect the browser to the organisation's provider
// (Chromium applies form-action to the redirects after a form is sent).
// SECURITY: only /login/sso, whose one form is ours and shows nothing a
// person wrote; https origins only in production.
func (s *Server) allowFormToProvider(c echo.Context) {
	h := c.Response().Header()
	to := "form-action 'self' https:"
	if !s.Config.Production() {
		to += " http:"
	}
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "form-action 'self'", to, 1))
}

// handleSSOLoginForm asks for the work email address.
func (s *Server) handleSSOLoginForm(c echo.Context) error {
	s.allowFormToProvider(c)
	next := safeReturnPath(c.QueryParam("next"))
	return render(c, http.StatusOK, ssoviews.Login(s.page(c, "sso.login_title"), views.NewForm(), next))
}

// handleSSOLogin routes the address's domain to its organisation's
// provider and sends the browser there.
func (s *Server) handleSSOLogin(c echo.Context) error {
	ctx := c.Request().Context()
	s.allowFormToProvider(c)
	f := formFrom(c, "email")
	next := safeReturnPath(c.FormValue("next"))
	if f.Get("email") == "" {
		f.Errors["email"] = "sso.err_email"
		return render(c, http.StatusUnprocessableEntity, ssoviews.Login(s.page(c, "sso.login_title"), f, next))
	}
	link := ""
	if a := currentAuth(c); a != nil {
		link = a.User.ID
	}
	st, err := s.SSO.Begin(ctx, f.Get("email"), link)
	if fieldErrors(err, &f) {
		return render(c, http.StatusUnprocessableEntity, ssoviews.Login(s.page(c, "sso.login_title"), f, next))
	}
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Unavailable {
			return render(c, http.StatusBadGateway, ssoviews.Refused(s.page(c, "sso.refused_title"), e.Key))
		}
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	s.Sessions.Put(ctx, sessionSSOStart, string(b))
	s.Sessions.Put(ctx, sessionSSOAt, time.Now().Unix())
	s.Sessions.Put(ctx, sessionLoginNext, next)
	return c.Redirect(http.StatusSeeOther, st.URL)
}

// handleSSOCallback is the OpenID Connect redirect URI. Public: the state
// kept in this browser's session is its access rule (a GET from the
// provider, so no CSRF token; SECURITY: state is compared in constant
// time and the pending sign-in is dropped before anything else).
func (s *Server) handleSSOCallback(c echo.Context) error {
	ctx := c.Request().Context()
	raw := s.Sessions.PopString(ctx, sessionSSOStart)
	at := s.Sessions.GetInt64(ctx, sessionSSOAt)
	s.Sessions.Remove(ctx, sessionSSOAt)
	refused := func(status int, key string) error {
		return render(c, status, ssoviews.Refused(s.page(c, "sso.refused_title"), key))
	}
	var st sso.Start
	if raw == "" || json.Unmarshal([]byte(raw), &st) != nil || time.Since(time.Unix(at, 0)) > ssoStartTTL {
		return refused(http.StatusBadRequest, "sso.err_expired")
	}
	if subtle.ConstantTimeCompare([]byte(c.QueryParam("state")), []byte(st.State)) != 1 {
		return refused(http.StatusBadRequest, "sso.err_expired")
	}
	if c.QueryParam("error") != "" || c.QueryParam("code") == "" {
		return refused(http.StatusUnauthorized, sso.KeyFailed)
	}
	res, err := s.SSO.Complete(ctx, st, c.QueryParam("code"), s.lang(c), clientIP(c))
	return s.finishSSO(c, res, err)
}

// finishSSO signs in the person of a completed single sign-on (either
// protocol), or shows why it was refused.
func (s *Server) finishSSO(c echo.Context, res *sso.Result, err error) error {
	ctx := c.Request().Context()
	refused := func(status int, key string) error {
		return render(c, status, ssoviews.Refused(s.page(c, "sso.refused_title"), key))
	}
	if err != nil {
		e, ok := apperr.As(err)
		if ok && (e.Code == apperr.Unauthorized || e.Code == apperr.Forbidden) {
			status := http.StatusUnauthorized
			if e.Code == apperr.Forbidden {
				status = http.StatusForbidden
			}
			return refused(status, e.Key)
		}
		return err
	}
	next := safeReturnPath(s.Sessions.GetString(ctx, sessionLoginNext))
	u := res.User
	// MFA once: the provider's multi-factor counts; otherwise an account
	// with two-factor sign-in gives its code, and a privileged role
	// without one is sent to set it up (requireTwoFactorSetup).
	if !res.MFA && u.TOTPEnabled() {
		if err := s.Sessions.RenewToken(ctx); err != nil {
			return err
		}
		s.Sessions.Remove(ctx, sessionUserID)
		s.Sessions.Remove(ctx, sessionUserVersion)
		s.Sessions.Put(ctx, sessionPendingUser, u.ID)
		s.Sessions.Put(ctx, sessionPendingVersion, u.SessionVersion)
		s.Sessions.Put(ctx, sessionPendingAt, time.Now().Unix())
		s.Sessions.Put(ctx, sessionLoginNext, next)
		return c.Redirect(http.StatusSeeOther, "/login/2fa")
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	if res.MFA {
		s.Sessions.Put(ctx, sessionMFAByIdP, true)
	}
	dest, err := s.landingPath(c, u, next)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, dest)
}

// handleSAMLMetadata serves the organisation's SAML service provider
// metadata at its stable URL (public: public keys and URLs only).
func (s *Server) handleSAMLMetadata(c echo.Context) error {
	b, err := s.SSO.SPMetadata(c.Request().Context(), c.Param("org"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `inline; filename="takumi-sp-metadata.xml"`)
	return c.Blob(http.StatusOK, "application/samlmetadata+xml", b)
}

// handleSAMLACS is the organisation's assertion consumer service: the
// provider's HTTP-POST of its signed response. Public and exempt from the
// CSRF token and the cross-origin check (it is a cross-site POST by
// design); SECURITY: its access rule is the response's signature, its
// audience and its InResponseTo, which must name a request Takumi sent
// and has not seen answered (internal/sso CompleteSAML).
func (s *Server) handleSAMLACS(c echo.Context) error {
	if err := c.Request().ParseForm(); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	res, err := s.SSO.CompleteSAML(c.Request().Context(), c.Param("org"), c.Request(), s.lang(c), clientIP(c))
	return s.finishSSO(c, res, err)
}

// isSAMLACS reports whether p is an assertion consumer service path.
func isSAMLACS(p string) bool {
	return strings.HasPrefix(p, "/sso/saml/") && strings.HasSuffix(p, "/acs") && strings.Count(p, "/") == 4
}

// handleSSOSAMLSave saves a SAML provider from its metadata.
func (s *Server) handleSSOSAMLSave(c echo.Context) error {
	f := formFrom(c, "metadata_url", "metadata_xml", "saml_mfa", "saml_require_sso")
	err := s.SSO.SaveSAMLProvider(c.Request().Context(), ssoActor(c), c.Param("id"), sso.SAMLInput{
		MetadataURL: f.Get("metadata_url"), MetadataXML: c.FormValue("metadata_xml"),
		MFAACRValues: f.Get("saml_mfa"), RequireSSO: f.Get("saml_require_sso") == "1"})
	if fieldErrors(err, &f) {
		return s.renderSSOSettings(c, http.StatusUnprocessableEntity, views.NewForm(), f, true)
	}
	if err != nil {
		return err
	}
	s.flash(c, "sso.flash_provider_saved")
	return redirect(c, "/org/"+c.Param("id")+"/sso")
}

// handleSSODomainConfirmForm shows the confirm button of a domain's link
// (public: the token is the access rule).
func (s *Server) handleSSODomainConfirmForm(c echo.Context) error {
	return render(c, http.StatusOK, ssoviews.Confirm(s.page(c, "sso.confirm_title"), c.QueryParam("token")))
}

// handleSSODomainConfirm confirms the domain (public: the token is the
// access rule).
func (s *Server) handleSSODomainConfirm(c echo.Context) error {
	d, err := s.SSO.ConfirmDomain(c.Request().Context(), c.FormValue("token"), clientIP(c))
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return render(c, http.StatusNotFound, ssoviews.Refused(s.page(c, "sso.confirm_title"), "sso.err_link"))
		}
		return err
	}
	return render(c, http.StatusOK, ssoviews.Confirmed(s.page(c, "sso.confirmed_title"), d.Domain))
}

func ssoActor(c echo.Context) sso.Actor {
	return sso.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

// renderSSOSettings renders the organisation's settings page; the sso
// domain checks that the person administers it (else 404).
func (s *Server) renderSSOSettings(c echo.Context, status int, domainForm, form views.Form, keepForm bool, newToken ...string) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	ds, err := s.SSO.Domains(ctx, ssoActor(c), id)
	if err != nil {
		return err
	}
	pv, err := s.SSO.ProviderOf(ctx, ssoActor(c), id)
	if err != nil {
		return err
	}
	tokens, err := s.SSO.SCIMTokens(ctx, ssoActor(c), id)
	if err != nil {
		return err
	}
	o, err := s.Orgs.ByID(ctx, id)
	if err != nil {
		return err
	}
	if !keepForm && pv != nil && pv.Protocol == "oidc" {
		form.Values["issuer"] = pv.Issuer
		form.Values["client_id"] = pv.ClientID
		form.Values["mfa_acr_values"] = pv.MFAACRValues
		form.Values["department_claim"] = pv.DepartmentClaim
		form.Values["employee_no_claim"] = pv.EmployeeNoClaim
		if pv.RequireSSO {
			form.Values["require_sso"] = "1"
		}
	}
	name := s.localizer(c).Pick(o.NameJa, o.NameEn)
	return render(c, status, ssoviews.Settings(s.page(c, "sso.settings_title", name), ssoviews.SettingsState{
		OrgID: id, OrgName: name, Domains: ds, Provider: pv, RedirectURL: s.SSO.RedirectURL(),
		SPMetadataURL: s.SSO.SPMetadataURL(id), SPACSURL: s.SSO.SPACSURL(id),
		DomainForm: domainForm, Form: form, Now: time.Now(), Tokens: tokens, NewToken: strings.Join(newToken, ""),
		SCIMURL: strings.TrimRight(s.Config.BaseURL, "/") + "/scim/v2"}))
}

// handleSSOSettings shows an organisation's single sign-on settings.
func (s *Server) handleSSOSettings(c echo.Context) error {
	return s.renderSSOSettings(c, http.StatusOK, views.NewForm(), views.NewForm(), false)
}

// handleSSODomainRequest claims the domain of the address given and mails
// the confirmation link to it.
func (s *Server) handleSSODomainRequest(c echo.Context) error {
	f := formFrom(c, "email")
	err := s.SSO.RequestDomain(c.Request().Context(), ssoActor(c), c.Param("id"), f.Get("email"), s.lang(c))
	if fieldErrors(err, &f) {
		return s.renderSSOSettings(c, http.StatusUnprocessableEntity, f, views.NewForm(), false)
	}
	if err != nil {
		return err
	}
	s.flash(c, "sso.flash_domain_requested")
	return redirect(c, "/org/"+c.Param("id")+"/sso")
}

// handleSSOProviderSave saves the organisation's provider.
func (s *Server) handleSSOProviderSave(c echo.Context) error {
	f := formFrom(c, "issuer", "client_id", "client_secret", "mfa_acr_values", "department_claim", "employee_no_claim", "require_sso")
	err := s.SSO.SaveProvider(c.Request().Context(), ssoActor(c), c.Param("id"), sso.ProviderInput{
		Issuer: f.Get("issuer"), ClientID: f.Get("client_id"), ClientSecret: c.FormValue("client_secret"),
		MFAACRValues: f.Get("mfa_acr_values"), DepartmentClaim: f.Get("department_claim"),
		EmployeeNoClaim: f.Get("employee_no_claim"), RequireSSO: f.Get("require_sso") == "1"})
	if fieldErrors(err, &f) {
		return s.renderSSOSettings(c, http.StatusUnprocessableEntity, views.NewForm(), f, true)
	}
	if err != nil {
		return err
	}
	s.flash(c, "sso.flash_provider_saved")
	return redirect(c, "/org/"+c.Param("id")+"/sso")
}

// handleAdminSSO lists the confirmed domains waiting for approval.
func (s *Server) handleAdminSSO(c echo.Context) error {
	ds, err := s.SSO.DomainsToApprove(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, ssoviews.Approvals(s.page(c, "sso.approvals_title"), ds, ""))
}

// handleAdminSSOApprove approves one domain.
func (s *Server) handleAdminSSOApprove(c echo.Context) error {
	ctx := c.Request().Context()
	err := s.SSO.ApproveDomain(ctx, ssoActor(c), c.Param("id"))
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
		ds, lerr := s.SSO.DomainsToApprove(ctx)
		if lerr != nil {
			return lerr
		}
		return render(c, http.StatusConflict, ssoviews.Approvals(s.page(c, "sso.approvals_title"), ds, e.Key))
	}
	if err != nil {
		return err
	}
	s.flash(c, "sso.flash_domain_approved")
	return redirect(c, "/admin/sso")
}

// handleSCIMTokenCreate makes a provisioning token and shows it on the
// settings page, once (a rendered answer, never stored in the session).
func (s *Server) handleSCIMTokenCreate(c echo.Context) error {
	tok, err := s.SSO.CreateSCIMToken(c.Request().Context(), ssoActor(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.renderSSOSettings(c, http.StatusOK, views.NewForm(), views.NewForm(), false, tok)
}

// handleSCIMTokenRevoke revokes a provisioning token.
func (s *Server) handleSCIMTokenRevoke(c echo.Context) error {
	if err := s.SSO.RevokeSCIMToken(c.Request().Context(), ssoActor(c), c.Param("id"), c.Param("tokenID")); err != nil {
		return err
	}
	s.flash(c, "sso.flash_token_revoked")
	return redirect(c, "/org/"+c.Param("id")+"/sso")
}
