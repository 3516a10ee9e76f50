package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"takumi/internal/database"
	"takumi/internal/i18n"
	"takumi/internal/mail"
	"takumi/views"
)

// handleHome renders the landing page; in development it lists the demo
// accounts (never in production).
func (s *Server) handleHome(c echo.Context) error {
	var demo []views.DemoAccount
	if !s.Config.Production() && s.DemoAccounts != nil {
		for _, d := range s.DemoAccounts() {
			demo = append(demo, views.DemoAccount{Role: d.RoleKey, Email: d.Email})
		}
	}
	return render(c, http.StatusOK, views.Home(s.page(c, "home.page_title"), demo))
}

// handleLanguage switches the language for this browser and, when signed in,
// saves it on the account; then returns to the page the person was on.
func (s *Server) handleLanguage(c echo.Context) error {
	lang := c.FormValue("lang")
	if !i18n.Supported(lang) {
		lang = i18n.Default
	}
	c.SetCookie(&http.Cookie{
		Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Config.SecureCookies(), SameSite: http.SameSiteLaxMode,
	})
	if a := currentAuth(c); a != nil {
		if err := s.Users.SetLanguage(c.Request().Context(), a.User.ID, lang); err != nil {
			return err
		}
	}
	return redirect(c, safeReturnPath(c.FormValue("return_to")))
}

// handlePrivacy shows the privacy notice people consent to at sign-up.
func (s *Server) handlePrivacy(c echo.Context) error {
	return render(c, http.StatusOK, views.Privacy(s.page(c, "privacy.title")))
}

// handleHealthz answers 200 while the process is alive.
func (s *Server) handleHealthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// handleReadyz answers 200 only when the database answers within 2 seconds
// and accepts writes (a read-only database would fail every sign-in).
func (s *Server) handleReadyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Writable(ctx); err != nil {
		if database.IsReadOnly(err) {
			return c.String(http.StatusServiceUnavailable, "database read-only")
		}
		return c.String(http.StatusServiceUnavailable, "database unavailable")
	}
	return c.String(http.StatusOK, "ready")
}

// MetricsHandler serves Prometheus metrics in the text format, for the
// separate metrics listener (TAKUMI_METRICS_ADDR).
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}))
	return mux
}

// handleMetrics serves the metrics on the main address to a request with
// "Authorization: Bearer <TAKUMI_METRICS_TOKEN>" and answers 404 to any
// other. SECURITY: the public address never shows them without the token
// (compared in constant time); with no token configured the route is not
// registered at all.
func (s *Server) handleMetrics() echo.HandlerFunc {
	h := promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{})
	want := []byte("Bearer " + s.Config.MetricsToken)
	return func(c echo.Context) error {
		got := []byte(c.Request().Header.Get(echo.HeaderAuthorization))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			return echo.NewHTTPError(http.StatusNotFound)
		}
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// handleDevMailbox shows every email the platform sent, newest first.
// Development only: the route does not exist in production.
func (s *Server) handleDevMailbox(c echo.Context) error {
	msgs, err := mail.DevMailbox(c.Request().Context(), s.DB.Gorm, c.QueryParam("to"), 50)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.DevMailbox(s.page(c, "mailbox.title"), msgs))
}
