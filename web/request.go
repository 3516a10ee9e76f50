package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/i18n"
	"takumi/views"
)

const langCookie = "takumi_lang"

// lang is the request's language: the signed-in person's choice, else the
// language cookie, else Japanese.
func (s *Server) lang(c echo.Context) string {
	if a := currentAuth(c); a != nil {
		return a.User.Language
	}
	if ck, err := c.Cookie(langCookie); err == nil && i18n.Supported(ck.Value) {
		return ck.Value
	}
	return i18n.Default
}

// localizer returns the request's translator.
func (s *Server) localizer(c echo.Context) i18n.Localizer { return s.Catalog.For(s.lang(c)) }

// page builds the props every full page needs. titleKey is a catalogue key.
func (s *Server) page(c echo.Context, titleKey string, args ...any) views.Page {
	l := s.localizer(c)
	p := views.Page{
		L:     l,
		Path:  c.Request().URL.RequestURI(),
		Dev:   !s.Config.Production(),
		Title: l.T(titleKey, args...),
	}
	if tok, ok := c.Get("csrf").(string); ok {
		p.CSRF = tok
	}
	if a := currentAuth(c); a != nil {
		p.User = &views.CurrentUser{
			ID: a.User.ID, DisplayName: a.User.DisplayName, Email: a.User.Email,
			IsPlatformAdmin: a.User.IsPlatformAdmin, IsOrgAdmin: a.Roles.OrgAdmin, IsAnalyst: a.Roles.Analyst,
		}
		for _, m := range a.Memberships {
			if m.Kind == "provider" && (m.Role == "instructor" || m.Role == "admin") {
				p.User.IsAuthor = true
			}
		}
	}
	if !isInfraPath(c.Request().URL.Path) {
		p.Flash = s.Sessions.PopString(c.Request().Context(), "flash")
		if args, ok := s.Sessions.Pop(c.Request().Context(), "flash_args").([]string); ok && p.Flash != "" {
			for _, a := range args {
				p.FlashArgs = append(p.FlashArgs, a)
			}
		}
	}
	return p
}

// flash stores a one-time notice (a catalogue key) for the next page.
func (s *Server) flash(c echo.Context, key string) {
	s.Sessions.Put(c.Request().Context(), "flash", key)
	s.Sessions.Remove(c.Request().Context(), "flash_args")
}

// flashWith stores a one-time notice whose message takes arguments (shown
// with %s verbs).
func (s *Server) flashWith(c echo.Context, key string, args ...string) {
	s.Sessions.Put(c.Request().Context(), "flash", key)
	s.Sessions.Put(c.Request().Context(), "flash_args", args)
}

// render writes a templ component with status. The page is rendered into
// a buffer first and sent in one write with its length: written straight
// to the response, net/http sends a chunk (a system call) every 4 kB, 8 %
// of a long course page's CPU (docs/performance.md, "Learner pages' CPU").
// A component that fails now fails before anything is sent, so the error
// page replaces it instead of ending a half-written page.
func render(c echo.Context, status int, comp templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= renderBufferKeep {
			renderBuffers.Put(buf)
		}
	}()
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// renderBuffers are render's buffers; one that grew past renderBufferKeep
// (a very long page) is left to the garbage collector.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const renderBufferKeep = 1 << 20

// redirect answers a POST with 303 See Other (or HX-Redirect for htmx).
func redirect(c echo.Context, to string) error {
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// formFrom copies the named fields of the request into a views.Form.
// Passwords are never copied back.
func formFrom(c echo.Context, fields ...string) views.Form {
	f := views.NewForm()
	f.Order = fields
	for _, name := range fields {
		if strings.Contains(name, "password") {
			continue
		}
		if numericFields[name] {
			f.Values[name] = numericValue(c.FormValue(name))
			continue
		}
		f.Values[name] = strings.TrimSpace(c.FormValue(name))
	}
	return f
}

// fieldErrors moves an Invalid domain error's per-field keys into f and
// reports whether err was such an error.
func fieldErrors(err error, f *views.Form) bool {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		return false
	}
	for k, v := range e.Fields {
		f.Errors[k] = v
	}
	if len(e.Fields) == 0 {
		f.Errors["_form"] = e.Key
	}
	return true
}

// safeReturnPath accepts only local absolute paths, so a "next" parameter
// cannot send people to another site. SECURITY: prevents open redirects.
func safeReturnPath(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return p
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
