package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apiclient"
	"takumi/internal/apperr"
	"takumi/internal/i18n"
	"takumi/web/apidoc"
)

// The integration API (issue 19): /api/v1, described by web/apidoc/openapi.yaml.
//
// SECURITY: API routes authenticate with OAuth 2.0 bearer tokens
// (apiclient), never with the session cookie: they run outside the session
// middleware and are exempt from CSRF (isInfraPath), because a browser
// cannot attach the bearer token by itself, so a cross-site request carries
// no authority. Every authenticated call is recorded in the audit log.

// apiPrefix is the API's path prefix.
const apiPrefix = "/api/v1"

// isAPIPath reports whether p is under the API.
func isAPIPath(p string) bool { return strings.HasPrefix(p, apiPrefix+"/") }

const ctxAPICaller = "api_caller"

func apiCaller(c echo.Context) *apiclient.Caller {
	cl, _ := c.Get(ctxAPICaller).(*apiclient.Caller)
	return cl
}

// apiLocalizer answers in the language of Accept-Language (ja or en),
// Japanese by default.
func (s *Server) apiLocalizer(c echo.Context) i18n.Localizer {
	lang := i18n.Default
	for _, part := range strings.Split(c.Request().Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		if tag == "ja" || strings.HasPrefix(tag, "ja-") {
			lang = "ja"
			break
		}
		if tag == "en" || strings.HasPrefix(tag, "en-") {
			lang = "en"
			break
		}
	}
	return s.Catalog.For(lang)
}

// apiBadRequestKeys are refusals of a malformed request (400, not 422).
var apiBadRequestKeys = map[string]bool{
	"api.err_cursor": true, "api.err_param": true, "api.err_body": true, "api.err_idempotency_key": true,
}

// apiProblem writes err as RFC 9457 problem details.
func (s *Server) apiProblem(c echo.Context, err error) {
	status, key := statusOf(err)
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed {
		status = http.StatusMethodNotAllowed
	}
	if e, ok := apperr.As(err); ok {
		key = e.Key
		if apiBadRequestKeys[key] {
			status = http.StatusBadRequest
		}
	}
	if status >= 500 && !isBusy(err) {
		s.Logger.Error("api request failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"path", c.Request().URL.Path, "status", status, "error", err.Error())
		key = "error.internal"
	}
	l := s.apiLocalizer(c)
	p := map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status,
		"detail": l.T(key), "code": key, "instance": c.Request().URL.Path,
	}
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		var fields []map[string]string
		for f, k := range e.Fields {
			fields = append(fields, map[string]string{"field": f, "detail": l.T(k)})
		}
		p["errors"] = fields
	}
	switch status {
	case http.StatusUnauthorized:
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="takumi"`)
	case http.StatusForbidden:
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="takumi", error="insufficient_scope"`)
	case http.StatusServiceUnavailable:
		c.Response().Header().Set("Retry-After", "5")
	}
	b, _ := json.Marshal(p)
	_ = c.Blob(status, "application/problem+json", b)
}

// apiAuth authenticates the bearer token, applies the client's rate limit
// and records the call in the audit log once it is answered.
func (s *Server) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		h := c.Request().Header.Get("Authorization")
		bearer, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return apperr.New(apperr.Unauthorized, "api.err_token")
		}
		caller, err := s.APIClients.Authenticate(ctx, strings.TrimSpace(bearer))
		if err != nil {
			return err
		}
		c.Set(ctxAPICaller, caller)
		defer func() {
			call := apiclient.Call{Method: c.Request().Method, Route: c.Path(), Status: c.Response().Status, IP: clientIP(c), Target: c.Param("id")}
			if err := s.APIClients.RecordCall(context.WithoutCancel(ctx), caller, call); err != nil {
				s.Logger.Error("api call audit", "error", err.Error())
			}
		}()
		allowed, retry, err := s.APIClients.Allow(ctx, caller)
		if err != nil {
			return err
		}
		if !allowed {
			c.Response().Header().Set("Retry-After", strconv.Itoa(retry))
			s.apiProblem(c, apperr.New(apperr.TooMany, "api.err_rate_limited"))
			return nil
		}
		if err := next(c); err != nil {
			s.apiProblem(c, err)
		}
		return nil
	}
}

// apiScope refuses a token without scope (403).
func apiScope(scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cl := apiCaller(c); cl == nil || !cl.Has(scope) {
				return apperr.New(apperr.Forbidden, "api.err_scope_missing")
			}
			return next(c)
		}
	}
}

// captureWriter keeps a copy of what a handler writes.
type captureWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

// apiIdempotent makes a POST with an Idempotency-Key act once: a repeat
// with the same key and request replays the first answer.
func (s *Server) apiIdempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get("Idempotency-Key")
		if key == "" {
			return next(c)
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return apperr.New(apperr.Invalid, "api.err_body")
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		caller := apiCaller(c)
		ctx := c.Request().Context()
		stored, err := s.APIClients.BeginIdempotent(ctx, caller, key, apiclient.RequestHash(c.Request().Method, c.Request().URL.Path, body))
		if err != nil {
			return err
		}
		if stored != nil {
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.Blob(stored.Status, stored.ContentType, stored.Body)
		}
		w := &captureWriter{ResponseWriter: c.Response().Writer}
		c.Response().Writer = w
		if err := next(c); err != nil {
			s.apiProblem(c, err)
		}
		c.Response().Writer = w.ResponseWriter
		st := apiclient.Stored{Status: c.Response().Status, ContentType: c.Response().Header().Get("Content-Type"), Body: w.buf.Bytes()}
		if err := s.APIClients.FinishIdempotent(context.WithoutCancel(ctx), caller, key, st); err != nil {
			s.Logger.Error("api idempotency", "error", err.Error())
		}
		return nil
	}
}

// apiJSON answers v as JSON; a GET answer carries an ETag and answers 304
// when If-None-Match names it.
func apiJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	if c.Request().Method == http.MethodGet {
		sum := sha256.Sum256(b)
		etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
		h.Set("ETag", etag)
		h.Set("Cache-Control", "private, no-cache")
		for _, t := range strings.Split(c.Request().Header.Get("If-None-Match"), ",") {
			if t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")); t == etag || t == "*" {
				return c.NoContent(http.StatusNotModified)
			}
		}
	}
	return c.Blob(status, "application/json", b)
}

var (
	openAPIOnce sync.Once
	openAPIJSON []byte
	openAPIErr  error
)

// handleAPIOpenAPI serves the OpenAPI document (public).
func (s *Server) handleAPIOpenAPI(c echo.Context) error {
	openAPIOnce.Do(func() { openAPIJSON, openAPIErr = apidoc.JSON() })
	if openAPIErr != nil {
		return openAPIErr
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/json", openAPIJSON)
}

// oauthErrorKeys are the token endpoint's error descriptions.
var oauthErrorKeys = map[string]string{
	"invalid_request":        "api.oauth_invalid_request",
	"invalid_client":         "api.oauth_invalid_client",
	"invalid_scope":          "api.oauth_invalid_scope",
	"unsupported_grant_type": "api.oauth_unsupported_grant_type",
}

// handleAPIToken is the OAuth 2.0 token endpoint (client credentials,
// RFC 6749 §4.4). Public: the client's id and secret are its access rule.
func (s *Server) handleAPIToken(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	oauthErr := func(status int, code string) error {
		if status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", `Basic realm="takumi"`)
		}
		return c.JSON(status, map[string]string{"error": code, "error_description": s.apiLocalizer(c).T(oauthErrorKeys[code])})
	}
	// Every request counts against its client id's and its address's
	// limits before anything is checked (bounds guessing a secret).
	id, secret, basic := c.Request().BasicAuth()
	form := strings.HasPrefix(c.Request().Header.Get("Content-Type"), "application/x-www-form-urlencoded")
	if !basic && form {
		id, secret = c.FormValue("client_id"), c.FormValue("client_secret")
	}
	allowed, retry, err := s.APIClients.AllowToken(c.Request().Context(), id, clientIP(c))
	if err != nil {
		return err
	}
	if !allowed {
		h.Set("Retry-After", strconv.Itoa(retry))
		s.apiProblem(c, apperr.New(apperr.TooMany, "api.err_token_rate_limited"))
		return nil
	}
	if !form {
		return oauthErr(http.StatusBadRequest, "invalid_request")
	}
	if c.FormValue("grant_type") != "client_credentials" {
		if c.FormValue("grant_type") == "" {
			return oauthErr(http.StatusBadRequest, "invalid_request")
		}
		return oauthErr(http.StatusBadRequest, "unsupported_grant_type")
	}
	tok, err := s.APIClients.IssueToken(c.Request().Context(), id, secret, c.FormValue("scope"), clientIP(c))
	var oe *apiclient.OAuthError
	if errors.As(err, &oe) {
		if oe.Code == "invalid_client" {
			return oauthErr(http.StatusUnauthorized, oe.Code)
		}
		return oauthErr(http.StatusBadRequest, oe.Code)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"access_token": tok.Token, "token_type": "Bearer", "expires_in": tok.ExpiresIn, "scope": strings.Join(tok.Scopes, " "),
	})
}

// apiLimit reads the limit parameter (default 50, at most 200).
func apiLimit(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, apperr.New(apperr.Invalid, "api.err_param")
	}
	return n, nil
}

// encodeCursor and decodeCursor make a cursor opaque (base64url of the
// position); a cursor that does not decode is refused (400).
func encodeCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeCursor(s string) (string, error) {
	if len(s) > 200 {
		return "", apperr.New(apperr.Invalid, "api.err_cursor")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", apperr.New(apperr.Invalid, "api.err_cursor")
	}
	return string(b), nil
}

// apiTime formats a time for the API (RFC 3339, UTC).
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func apiTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiTime(*t)
	return &s
}
