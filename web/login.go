package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/org"
	"takumi/views"
	viewsaccount "takumi/views/account"
)

// Session keys of a sign-in waiting for its second factor. The person is
// not signed in (sessionUserID is unset) until the code is checked.
const (
	sessionPendingUser    = "login_2fa_user"    // user id whose password was right
	sessionPendingVersion = "login_2fa_version" // their session_version then
	sessionPendingAt      = "login_2fa_at"      // unix time of the password step
	sessionLoginNext      = "login_next"        // where to go after signing in
)

// pendingTwoFactorTTL is how long the password step stays good while the
// person fetches their code.
const pendingTwoFactorTTL = 5 * time.Minute

// handleLoginForm shows the sign-in form; ?next= is where to go afterwards.
func (s *Server) handleLoginForm(c echo.Context) error {
	next := safeReturnPath(c.QueryParam("next"))
	if currentAuth(c) != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return render(c, http.StatusOK, viewsaccount.Login(s.page(c, "login.title"), views.NewForm(), next))
}

// handleLogin checks the email and password. Success without two-factor
// signs in; with two-factor it remembers the pending sign-in and asks for
// the code.
func (s *Server) handleLogin(c echo.Context) error {
	ctx := c.Request().Context()
	f := formFrom(c, "email")
	next := safeReturnPath(c.FormValue("next"))
	password := c.FormValue("password")
	if f.Get("email") == "" {
		f.Errors["email"] = "login.email_required"
	}
	if password == "" {
		f.Errors["password"] = "login.password_required"
	}
	if f.HasErrors() {
		return render(c, http.StatusUnprocessableEntity, viewsaccount.Login(s.page(c, "login.title"), f, next))
	}
	res, err := s.Accounts.Login(ctx, f.Get("email"), password, clientIP(c))
	if err != nil {
		switch e, _ := apperr.As(err); {
		case e == nil:
			return err
		case e.Key == account.KeyLoginSSORequired:
			// Issue 18: said only after the right password.
			f.Errors["_form"] = e.Key
			return render(c, http.StatusForbidden, viewsaccount.Login(s.page(c, "login.title"), f, next))
		case e.Key == account.KeyLoginUnverified && res != nil:
			return render(c, http.StatusForbidden, viewsaccount.LoginUnverified(s.page(c, "login.unverified_title"), res.User.Email))
		case e.Code == apperr.Unauthorized, e.Code == apperr.TooMany:
			// SECURITY: wrong password, unknown email, locked and disabled
			// accounts all get this same status and message.
			status := http.StatusUnauthorized
			if e.Code == apperr.TooMany {
				status = http.StatusTooManyRequests
				c.Response().Header().Set("Retry-After", "60")
			}
			f.Errors["_form"] = e.Key
			return render(c, status, viewsaccount.Login(s.page(c, "login.title"), f, next))
		}
		return err
	}
	if res.TwoFactor {
		// SECURITY: a new token before anything is stored for this person,
		// so a session id planted before sign-in is worthless.
		if err := s.Sessions.RenewToken(ctx); err != nil {
			return err
		}
		// Not signed in as anyone until the second factor is checked.
		s.Sessions.Remove(ctx, sessionUserID)
		s.Sessions.Remove(ctx, sessionUserVersion)
		s.Sessions.Put(ctx, sessionPendingUser, res.User.ID)
		s.Sessions.Put(ctx, sessionPendingVersion, res.User.SessionVersion)
		s.Sessions.Put(ctx, sessionPendingAt, time.Now().Unix())
		s.Sessions.Put(ctx, sessionLoginNext, next)
		return redirect(c, "/login/2fa")
	}
	if err := s.startSession(c, res.User); err != nil {
		return err
	}
	dest, err := s.landingPath(c, res.User, next)
	if err != nil {
		return err
	}
	return redirect(c, dest)
}

// landingPath is where a person goes after signing in: next when a page
// asked for the sign-in, otherwise their role's home (homePath).
func (s *Server) landingPath(c echo.Context, u *account.User, next string) (string, error) {
	if next = safeReturnPath(next); next != "/" {
		return next, nil
	}
	return s.homePath(c, u)
}

// homePath is the home of the person's main role: platform admin /admin,
// ministry analyst /ministry, organisation admin /org, instructor /studio,
// everyone else My learning (/learn).
func (s *Server) homePath(c echo.Context, u *account.User) (string, error) {
	ctx := c.Request().Context()
	if u.IsPlatformAdmin {
		return "/admin", nil
	}
	ms, err := org.MembershipsOf(ctx, s.DB.Gorm, u.ID)
	if err != nil {
		return "", err
	}
	switch r := org.Summarise(ms); {
	case r.Analyst:
		return "/ministry", nil
	case r.OrgAdmin:
		return "/org", nil
	}
	providers, err := s.Courses.EditableProviders(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if len(providers) > 0 {
		return "/studio", nil
	}
	return "/learn", nil
}

// startSession signs the person in on this browser. SECURITY: the session
// token is renewed at sign-in (no session fixation), and the session keeps
// the account's session_version so a password change elsewhere ends it.
func (s *Server) startSession(c echo.Context, u *account.User) error {
	ctx := c.Request().Context()
	if err := s.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	for _, k := range []string{sessionPendingUser, sessionPendingVersion, sessionPendingAt, sessionLoginNext, sessionPendingTOTPSecret, sessionMFAByIdP} {
		s.Sessions.Remove(ctx, k)
	}
	s.Sessions.Put(ctx, sessionUserID, u.ID)
	s.Sessions.Put(ctx, sessionUserVersion, u.SessionVersion)
	return nil
}

// pendingTwoFactor returns the user id of a sign-in waiting for its second
// factor, or "" when there is none or it is older than five minutes.
func (s *Server) pendingTwoFactor(c echo.Context) string {
	ctx := c.Request().Context()
	id := s.Sessions.GetString(ctx, sessionPendingUser)
	at := s.Sessions.GetInt64(ctx, sessionPendingAt)
	if id == "" || time.Since(time.Unix(at, 0)) > pendingTwoFactorTTL {
		return ""
	}
	return id
}

// clearPendingTwoFactor forgets a pending sign-in.
func (s *Server) clearPendingTwoFactor(c echo.Context) {
	ctx := c.Request().Context()
	for _, k := range []string{sessionPendingUser, sessionPendingVersion, sessionPendingAt} {
		s.Sessions.Remove(ctx, k)
	}
}

// handleLoginTwoFactorForm asks for the second factor of a pending sign-in.
func (s *Server) handleLoginTwoFactorForm(c echo.Context) error {
	if s.pendingTwoFactor(c) == "" {
		return s.twoFactorExpired(c)
	}
	return render(c, http.StatusOK, viewsaccount.LoginTwoFactor(s.page(c, "login.twofactor_title"), views.NewForm()))
}

// twoFactorExpired sends a person whose pending sign-in is missing or too
// old back to the sign-in form.
func (s *Server) twoFactorExpired(c echo.Context) error {
	s.clearPendingTwoFactor(c)
	s.flash(c, "login.twofactor_expired")
	return redirect(c, "/login")
}

// handleLoginTwoFactor checks a TOTP or recovery code and completes the
// sign-in.
func (s *Server) handleLoginTwoFactor(c echo.Context) error {
	ctx := c.Request().Context()
	id := s.pendingTwoFactor(c)
	if id == "" {
		return s.twoFactorExpired(c)
	}
	// SECURITY: a password change (or disabling) since the password step
	// voids the pending sign-in.
	u, err := s.Users.ByID(ctx, id)
	if err != nil && !isNotFound(err) {
		return err
	}
	if u == nil || u.SessionVersion != s.Sessions.GetInt(ctx, sessionPendingVersion) {
		return s.twoFactorExpired(c)
	}
	f := views.NewForm()
	u, err = s.Accounts.LoginSecondFactor(ctx, id, strings.TrimSpace(c.FormValue("code")), clientIP(c))
	if err != nil {
		e, ok := apperr.As(err)
		switch {
		case fieldErrors(err, &f):
			return render(c, http.StatusUnprocessableEntity, viewsaccount.LoginTwoFactor(s.page(c, "login.twofactor_title"), f))
		case ok && (e.Code == apperr.Unauthorized || e.Code == apperr.TooMany):
			status := http.StatusUnauthorized
			f.Errors["_form"] = "login.twofactor_failed"
			if e.Code == apperr.TooMany {
				status = http.StatusTooManyRequests
				f.Errors["_form"] = e.Key
			}
			return render(c, status, viewsaccount.LoginTwoFactor(s.page(c, "login.twofactor_title"), f))
		}
		return err
	}
	next := safeReturnPath(s.Sessions.GetString(ctx, sessionLoginNext))
	if err := s.startSession(c, u); err != nil {
		return err
	}
	dest, err := s.landingPath(c, u, next)
	if err != nil {
		return err
	}
	return redirect(c, dest)
}

// handleLogout ends the session on the server (not only the cookie).
func (s *Server) handleLogout(c echo.Context) error {
	ctx := c.Request().Context()
	if a := currentAuth(c); a != nil {
		if err := s.Accounts.Logout(ctx, a.User.ID, clientIP(c)); err != nil {
			return err
		}
	}
	if err := s.Sessions.Destroy(ctx); err != nil {
		return err
	}
	s.flash(c, "login.signed_out")
	return redirect(c, "/")
}
