package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/org"
)

// securityHeaders sets the headers every response carries.
// SECURITY: a strict CSP (no inline script, nothing from another origin),
// no MIME sniffing, no framing, and a tight referrer policy.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.Config.SecureCookies() {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "takumi_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "takumi_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// logAndMeasure writes one structured log line per request (with its request
// id) and records Prometheus metrics by route pattern (never raw paths, which
// would carry ids and blow up cardinality).
func (s *Server) logAndMeasure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		reqCtx := c.Request().Context() // before the timeout middleware replaces it
		err := next(c)
		if err != nil {
			if clientGone(reqCtx) {
				c.Set(ctxClientGone, true)
			}
			c.Error(err)
		}
		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(c.Request().Method, route).Observe(elapsed.Seconds())
		if route != "/healthz" && route != "/metrics" && !strings.HasPrefix(route, "/static") {
			// Typed attributes: the same line as Info's key-value pairs,
			// without boxing each value (issue 20).
			s.Logger.LogAttrs(context.Background(), slog.LevelInfo, "request",
				slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
				slog.String("method", c.Request().Method), slog.String("path", c.Request().URL.Path), slog.String("route", route),
				slog.Int("status", status), slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.String("ip", clientIP(c)))
		}
		return nil
	}
}

// auth is the signed-in person and their organisation roles, loaded once
// per request.
type auth struct {
	User        *account.User
	Memberships []org.Membership
	Roles       org.RoleSummary
}

// RequiresTwoFactor reports whether the person's roles make two-factor
// sign-in mandatory: platform admins, ministry analysts and org admins.
func (a *auth) RequiresTwoFactor() bool {
	return a.User.IsPlatformAdmin || a.Roles.OrgAdmin || a.Roles.Analyst
}

const ctxAuth = "takumi.auth"

// Session keys of a signed-in session.
const (
	sessionUserID      = "user_id"         // the signed-in user's id
	sessionUserVersion = "session_version" // users.session_version at sign-in
)

// SessionUserKey is the session key of the signed-in user's id: the
// session store (internal/app/sessionstore.go) keeps its value in the
// session row, to read the account with the session in one statement.
const SessionUserKey = sessionUserID

// loadUser puts the signed-in person, if any, into the context. A disabled
// account's session ends at its next request.
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isInfraPath(c.Request().URL.Path) {
			return next(c)
		}
		ctx := c.Request().Context()
		id := s.Sessions.GetString(ctx, sessionUserID)
		if id == "" {
			return next(c)
		}
		u, ms, err := s.signedIn(ctx, id)
		// SECURITY: a session ends when the account is disabled or its
		// password changed after the session began (session_version moved).
		if err != nil || u.Disabled() || s.Sessions.GetInt(ctx, sessionUserVersion) != u.SessionVersion {
			if err != nil && !isNotFound(err) {
				return err
			}
			_ = s.Sessions.Destroy(ctx)
			return next(c)
		}
		a := &auth{User: u, Memberships: ms, Roles: org.Summarise(ms)}
		c.Set(ctxAuth, a)
		err = next(c)
		s.forgetAfterWrite(c, a)
		return err
	}
}

// userForgetter is a session store that keeps sessions with their account
// in memory (internal/app/sessioncache.go): ForgetUser drops every session
// of a user this instance keeps; AwaitSessionSignal returns once this
// instance has handled every session notification committed before it.
type userForgetter interface {
	ForgetUser(userID string)
	AwaitSessionSignal(ctx context.Context)
}

// forgetAfterWrite runs after a request that may have written (any method
// but GET, HEAD and OPTIONS), before its answer leaves: the signed-in
// person's sessions kept in memory are dropped, so a change to their own
// profile, language, password or memberships is seen on their next
// request here; and when the person can change other people's accounts
// or memberships (a platform or organisation administrator), the
// instance waits until it has handled the database's notifications of
// the request's writes, so that, say, an account just disabled is
// refused on its next request here (issue 20).
//
// A route marked writesNoAccount is left out: it writes learning records
// only, never anything the session keeps.
func (s *Server) forgetAfterWrite(c echo.Context, a *auth) {
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return
	}
	if c.Get(ctxWritesNoAccount) == true {
		return
	}
	f, ok := s.Sessions.Store.(userForgetter)
	if !ok {
		return
	}
	f.ForgetUser(a.User.ID)
	if a.User.IsPlatformAdmin || a.Roles.OrgAdmin {
		f.AwaitSessionSignal(c.Request().Context())
	}
}

const ctxWritesNoAccount = "takumi.writes_no_account"

// writesNoAccount marks a route whose writes are the learner's learning
// records only (lesson time, SCORM run-time data), never an account,
// language, membership or session: forgetAfterWrite then keeps the
// person's session in memory. It is for the frequent machine-sent writes
// of the player: its heartbeat every 30 s per learner online, which
// otherwise dropped the learner's session so that every heartbeat and
// the next page read it from the database again (issue 20,
// docs/performance.md "My learning's statement taken apart; heartbeats
// keep the session").
func writesNoAccount(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(ctxWritesNoAccount, true)
		return next(c)
	}
}

// signedIn returns the account with id and its memberships. The session
// store read them with the session row, in the same statement, when the
// row carries the same user id (org.SessionAccount; issue 20,
// docs/performance.md "Session and sign-in check in one round trip");
// otherwise (a row written before migration 00056, a store without the
// join) they are read here, in one round trip. Errors: not_found, internal.
func (s *Server) signedIn(ctx context.Context, id string) (*account.User, []org.Membership, error) {
	if sa := org.SessionAccountOf(ctx); sa != nil && sa.Read && sa.UserID == id {
		if sa.User == nil {
			return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
		}
		return sa.User, sa.Memberships, nil
	}
	return org.SignedIn(ctx, s.DB.Pool, id)
}

// currentAuth returns the signed-in person, or nil.
func currentAuth(c echo.Context) *auth {
	a, _ := c.Get(ctxAuth).(*auth)
	return a
}

// twoFactorSetupPath is where a person whose role demands two-factor
// sign-in is sent until they have set it up.
const twoFactorSetupPath = "/account/2fa"

// requireTwoFactorSetup keeps people whose role demands two-factor sign-in
// on the set-up page until it is done. SECURITY: privileged roles cannot act
// with a password alone.
func (s *Server) requireTwoFactorSetup(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := currentAuth(c)
		// Issue 18: a sign-in the organisation's provider asserted as
		// multi-factor needs no second factor of Takumi's own.
		if a == nil || a.User.TOTPEnabled() || !a.RequiresTwoFactor() || s.Sessions.GetBool(c.Request().Context(), sessionMFAByIdP) {
			return next(c)
		}
		p := c.Request().URL.Path
		if strings.HasPrefix(p, twoFactorSetupPath) || p == "/logout" || p == "/language" || isInfraPath(p) || p == "/dev/mailbox" {
			return next(c)
		}
		return c.Redirect(http.StatusSeeOther, twoFactorSetupPath)
	}
}

// requireUser sends anonymous visitors to sign in, then back.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentAuth(c) == nil {
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/login?next="+urlQueryEscape(c.Request().URL.RequestURI()))
			}
			return echo.NewHTTPError(http.StatusUnauthorized)
		}
		return next(c)
	}
}

// requirePlatformAdmin allows platform admins only. SECURITY: checked on the
// server for every /admin route.
func requirePlatformAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return requireUser(func(c echo.Context) error {
		if !currentAuth(c).User.IsPlatformAdmin {
			return echo.NewHTTPError(http.StatusForbidden)
		}
		return next(c)
	})
}

// requireOrgAdmin allows admins of at least one organisation; handlers check
// the specific organisation.
func requireOrgAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return requireUser(func(c echo.Context) error {
		if !currentAuth(c).Roles.OrgAdmin {
			return echo.NewHTTPError(http.StatusForbidden)
		}
		return next(c)
	})
}

// requireAnalyst allows ministry analysts (the analyst role is granted only
// to members of ministry organisations) and platform admins. SECURITY:
// checked on the server for every /ministry route; those routes read only
// aggregates, never a person.
func requireAnalyst(next echo.HandlerFunc) echo.HandlerFunc {
	return requireUser(func(c echo.Context) error {
		a := currentAuth(c)
		if !a.Roles.Analyst && !a.User.IsPlatformAdmin {
			return echo.NewHTTPError(http.StatusForbidden)
		}
		return next(c)
	})
}

// refusePrefetch answers a speculative request (Chromium's omnibox
// prerender and prefetch send "Sec-Purpose: prefetch…", older ones
// "Purpose: prefetch") with 503, so the browser makes the real request when
// the person actually opens the page. SECURITY: pages of named people audit
// every view; without this a typed URL is fetched (and audited) twice, once
// for a view nobody may ever see.
func refusePrefetch(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if strings.HasPrefix(h.Get("Sec-Purpose"), "prefetch") || h.Get("Purpose") == "prefetch" {
			c.Response().Header().Set("Cache-Control", "no-store")
			return c.NoContent(http.StatusServiceUnavailable)
		}
		return next(c)
	}
}
