// Package web is Takumi's HTTP layer: server setup, middleware, the one route
// table, and thin handlers (one file per area) that parse input, call one
// domain function and render a view.
package web

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"takumi/internal/account"
	"takumi/internal/apiclient"
	"takumi/internal/bulkenrol"
	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/i18n"
	"takumi/internal/learning"
	"takumi/internal/mail"
	"takumi/internal/org"
	"takumi/internal/partner"
	"takumi/internal/privacy"
	"takumi/internal/reporting"
	"takumi/internal/sso"
	"takumi/internal/webhook"
	"takumi/internal/xapi"
)

// Deps is everything the HTTP layer needs, built in one place (internal/app).
type Deps struct {
	Config      config.Config
	DB          *database.DB
	Catalog     *i18n.Catalog
	Sessions    *scs.SessionManager
	Mail        *mail.Queue
	Metrics     *prometheus.Registry
	Logger      *slog.Logger
	Users       *account.Store
	Accounts    *account.Service
	Orgs        *org.Service
	Courses     *catalog.Service
	Learning    *learning.Service
	Bulk        *bulkenrol.Service  // bulk enrolment by CSV
	Privacy     *privacy.Service    // the learner's data export and account deletion
	Credentials *credential.Service // issuing, revoking and verifying credentials
	Reporting   *reporting.Service  // national progress read models, disclosure control
	XAPI        *xapi.Service       // the xAPI learning record store (issue 17)
	SSO         *sso.Service        // single sign-on per organisation (issue 18)
	// Integration API (issue 19): API clients and tokens, and the API's
	// cross-domain writes.
	APIClients  *apiclient.Service
	APIEnroller *apiclient.Enroller
	Webhooks    *webhook.Service
	// Partners are partner issuers and their credentials (issue 19 item 4).
	Partners *partner.Service
	// DemoAccounts are listed on the development home page (never in production).
	DemoAccounts func() []DemoAccount
}

// DemoAccount is one demo sign-in to list on the development home page.
type DemoAccount struct {
	RoleKey string
	Email   string
}

// Server holds the dependencies handlers use.
type Server struct {
	Deps
	echo      *echo.Echo
	metrics   *httpMetrics
	admission *admission // nil: no bound (web/admission.go)
	// ministryContents keeps the ministry dashboard's rendered content
	// (web/ministry.go).
	ministryContents ministryContentCache
}

// New builds the echo router with all middleware and routes.
func New(d Deps) *Server {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	s := &Server{Deps: d, echo: e, metrics: newHTTPMetrics(d.Metrics),
		admission: newAdmission(d.Config.MaxRequests, d.Config.RequestQueueWait, d.Metrics)}

	// SECURITY: client IPs feed the per-IP sign-in limit. X-Forwarded-For is
	// believed only from configured proxies; echo would otherwise trust it
	// from anyone, and loopback/private ranges by default.
	if len(d.Config.TrustedProxies) == 0 {
		e.IPExtractor = echo.ExtractIPDirect()
	} else {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range d.Config.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	e.HTTPErrorHandler = s.handleError

	d.Sessions.ErrorFunc = s.sessionError

	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(s.logAndMeasure)
	e.Use(s.admit) // a bound on requests worked on at once (web/admission.go)
	// Upload routes (media, course import, bulk CSV) are exempt from the 2 MB
	// limit and capped by their own before the CSRF check reads the form.
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "2M", Skipper: func(c echo.Context) bool { return s.uploadRouteOf(c) != nil }}))
	e.Use(s.uploadLimit) // upload routes: their own limits (web/uploads.go)
	e.Use(s.securityHeaders)
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: 20 * time.Second, Skipper: func(c echo.Context) bool { return isMediaTransfer(c) || isCourseTransfer(c) }}))
	e.Use(echo.WrapMiddleware(func(next http.Handler) http.Handler {
		withSession := d.Sessions.LoadAndSave(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isInfraPath(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			// Issue 20: the session store reads the signed-in account with
			// the session and leaves it here for loadUser.
			withSession.ServeHTTP(w, r.WithContext(org.WithSessionAccount(r.Context())))
		})
	}))
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		// Issue 18: a SAML assertion consumer service is a cross-site POST
		// by design; the signed response is its access rule (web/sso.go).
		// SCIM is an API with its own bearer tokens and no cookies (web/scim.go).
		Skipper: func(c echo.Context) bool {
			return isInfraPath(c.Request().URL.Path) || isSAMLACS(c.Request().URL.Path) || isSCIM(c.Request().URL.Path)
		},
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     cookieName(d.Config, "csrf"),
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   d.Config.SecureCookies(),
		CookieSameSite: http.SameSiteStrictMode,
		CookieMaxAge:   12 * 3600,
		ErrorHandler: func(err error, c echo.Context) error {
			return &echo.HTTPError{Code: http.StatusForbidden, Message: "csrf", Internal: err}
		},
	}))
	e.Use(s.loadUser)
	e.Use(s.requireTwoFactorSetup)

	s.routes()
	return s
}

// Handler returns the HTTP handler to serve. SECURITY: Go's
// CrossOriginProtection refuses cross-origin browser POSTs as a second layer
// beside the CSRF tokens.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	// Issue 18: the SAML assertion consumer service (web/sso.go).
	cop.AddInsecureBypassPattern("POST /sso/saml/{org}/acs")
	protected := cop.Handler(s.echo)
	// The xAPI LRS (issue 17) authenticates each request by its own
	// credentials, never by cookie, and serves content on other origins.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isXAPIPath(r.URL.Path) {
			s.echo.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// Echo exposes the router (tests use it to list routes).
func (s *Server) Echo() *echo.Echo { return s.echo }

// cookieName gives a cookie the __Host- prefix when the site runs on https:
// such a cookie is bound to this host, path / and Secure.
func cookieName(c config.Config, name string) string {
	if c.SecureCookies() {
		return "__Host-takumi_" + name
	}
	return "takumi_" + name
}

// SessionCookieName is the session cookie's name for c.
func SessionCookieName(c config.Config) string { return cookieName(c, "session") }

// isInfraPath reports whether p is served without the session (and so
// without CSRF): infrastructure, static files, and the integration API,
// whose bearer tokens are its access rule (web/api.go).
func isInfraPath(p string) bool {
	if isAPIPath(p) {
		return true
	}
	switch p {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	if isXAPIPath(p) { // issue 17: the LRS has its own auth (web/xapi.go)
		return true
	}
	return len(p) >= 8 && p[:8] == "/static/"
}

// clientIP returns the request's client address as the IP extractor sees it.
func clientIP(c echo.Context) string {
	ip := c.RealIP()
	if h, _, err := net.SplitHostPort(ip); err == nil {
		return h
	}
	return ip
}
