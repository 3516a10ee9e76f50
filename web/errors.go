package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/database"
	"takumi/internal/i18n"
	"takumi/views"
)

// statusOf maps an error to an HTTP status and a catalogue key: the one place
// where domain error codes become HTTP.
func statusOf(err error) (int, string) {
	if isUnavailable(err) {
		return http.StatusServiceUnavailable, "error.unavailable"
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			return http.StatusNotFound, "error.not_found"
		case http.StatusForbidden:
			if he.Message == "csrf" {
				return http.StatusForbidden, "error.csrf"
			}
			return http.StatusForbidden, "error.forbidden"
		case http.StatusUnauthorized:
			return http.StatusUnauthorized, "error.unauthorized"
		case http.StatusRequestEntityTooLarge:
			return he.Code, "error.too_large"
		case http.StatusBadRequest:
			if m, ok := he.Message.(string); ok && strings.Contains(m, "csrf") {
				return http.StatusForbidden, "error.csrf"
			}
			return he.Code, "error.bad_request"
		case http.StatusServiceUnavailable:
			if isBusy(err) {
				return he.Code, "error.busy"
			}
			return he.Code, "error.unavailable"
		}
		if he.Code < 500 {
			return he.Code, "error.bad_request"
		}
		return http.StatusInternalServerError, "error.internal"
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		e, _ := apperr.As(err)
		return http.StatusUnprocessableEntity, e.Key
	case apperr.NotFound:
		return http.StatusNotFound, "error.not_found"
	case apperr.Conflict:
		e, _ := apperr.As(err)
		return http.StatusConflict, e.Key
	case apperr.Forbidden:
		return http.StatusForbidden, "error.forbidden"
	case apperr.Unauthorized:
		return http.StatusUnauthorized, "error.unauthorized"
	case apperr.TooMany:
		return http.StatusTooManyRequests, "error.too_many"
	case apperr.Unavailable:
		return http.StatusServiceUnavailable, "error.unavailable"
	}
	return http.StatusInternalServerError, "error.internal"
}

// StatusClientClosedRequest is the status recorded for a request whose
// client went away before the answer was ready (nginx's 499; never sent to
// anyone, only logged and counted).
const StatusClientClosedRequest = 499

// ctxClientGone marks a request whose client went away (set by
// logAndMeasure, read by handleError).
const ctxClientGone = "takumi.client_gone"

// clientGone reports whether a request failed because its client went away:
// ctx, the request's context as the server made it (net/http cancels it
// when the connection closes), was cancelled. It must be the context from
// before the timeout middleware, which cancels its own context on the way
// out of every request. A deadline is not this: it stays a 503.
func clientGone(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// isUnavailable reports whether err means the database cannot be reached.
func isUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ce) || errors.As(err, &oe) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || pgconn.Timeout(err) {
		return true
	}
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// 08xxx connection exceptions; 57P01-57P03 the server shutting down,
	// crashed or starting; 53300 too many connections; 25006 a write on a
	// read-only database (a standby not yet promoted); 57014 a statement
	// cancelled because its request's deadline passed (the database pools
	// send a cancel request instead of closing the connection, so this is
	// what a timed-out statement returns: database/pools.go).
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" ||
		pe.Code == "57P03" || pe.Code == "53300" || database.IsReadOnly(err) || database.IsQueryCanceled(err)) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "failed to connect") || strings.Contains(msg, "conn closed") || strings.Contains(msg, "closed pool")
}

func isNotFound(err error) bool { return apperr.Is(err, apperr.NotFound) }

// handleError renders every error as a page in the person's language. Only
// internal and unavailable errors are logged with their cause; people see a
// plain message, never a stack or SQL.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if gone, _ := c.Get(ctxClientGone).(bool); gone {
		// Nobody is left to read a page: record 499 (nginx's "client closed
		// request") so the request is logged at INFO by logAndMeasure and
		// stays out of the 5xx metrics an operator's error alert watches.
		s.Logger.Info("request abandoned by the client", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"path", c.Request().URL.Path, "status", StatusClientClosedRequest, "error", err.Error())
		_ = c.NoContent(StatusClientClosedRequest)
		return
	}
	if isAPIPath(c.Request().URL.Path) { // integration API: RFC 9457 problem details (web/api.go)
		s.apiProblem(c, err)
		return
	}
	status, key := statusOf(err)
	if status >= 500 && !isBusy(err) { // turned away by admit: counted, not logged one by one
		s.Logger.Error("request failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"path", c.Request().URL.Path, "status", status, "error", err.Error())
	}
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "5")
	}
	if isXAPIPath(c.Request().URL.Path) { // issue 17: the LRS answers machines, in JSON (web/xapi.go)
		xapiCORS(c)
		c.Response().Header().Set("X-Experience-API-Version", "2.0.0")
		_ = c.JSON(status, map[string]string{"error": xapiStatusMessage(status)})
		return
	}
	if strings.HasPrefix(c.Request().Header.Get("Accept"), "application/json") {
		_ = c.JSON(status, map[string]string{"error": s.localizer(c).T(key)})
		return
	}
	p := s.safePage(c, status)
	// The request's context may already be cancelled (timeout middleware);
	// the error page must still be written.
	c.SetRequest(c.Request().WithContext(context.WithoutCancel(c.Request().Context())))
	if err := render(c, status, views.ErrorPage(p, status, key)); err != nil {
		s.Logger.Error("render error page", "error", err)
	}
}

// safePage builds page props without touching the database (which may be
// the very thing that failed).
func (s *Server) safePage(c echo.Context, status int) views.Page {
	lang := i18n.Default
	if a := currentAuth(c); a != nil {
		lang = a.User.Language
	} else if ck, err := c.Cookie(langCookie); err == nil && i18n.Supported(ck.Value) {
		lang = ck.Value
	}
	l := s.Catalog.For(lang)
	p := views.Page{L: l, Path: c.Request().URL.RequestURI(), Dev: !s.Config.Production()}
	if tok, ok := c.Get("csrf").(string); ok {
		p.CSRF = tok
	}
	p.Title = l.T(titleForStatus(status))
	return p
}

func titleForStatus(status int) string {
	switch status {
	case http.StatusNotFound:
		return "error.title_not_found"
	case http.StatusForbidden:
		return "error.title_forbidden"
	case http.StatusUnauthorized:
		return "error.title_unauthorized"
	case http.StatusServiceUnavailable:
		return "error.title_unavailable"
	case http.StatusTooManyRequests:
		return "error.title_too_many"
	}
	if status >= 500 {
		return "error.title_internal"
	}
	return "error.title_bad_request"
}

// sessionError renders a 503 when the session store (the database) fails,
// instead of scs's bare 500.
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	s.Logger.Error("session store", "path", r.URL.Path, "error", err.Error())
	lang := i18n.Default
	if ck, err := r.Cookie(langCookie); err == nil && i18n.Supported(ck.Value) {
		lang = ck.Value
	}
	l := s.Catalog.For(lang)
	p := views.Page{L: l, Path: r.URL.RequestURI(), Dev: !s.Config.Production(), Title: l.T("error.title_unavailable")}
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = views.ErrorPage(p, http.StatusServiceUnavailable, "error.unavailable").Render(r.Context(), w)
}
