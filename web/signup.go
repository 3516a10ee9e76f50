package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"takumi/internal/account"
	"takumi/views"
	accountview "takumi/views/account"
)

// signupFields are the sign-up form fields kept when the form comes back
// with errors (formFrom never copies passwords).
var signupFields = []string{"email", "password", "password_confirm", "display_name", "prefecture", "industry", "segment", "birth_year", "gender", "consent"}

// handleSignupForm shows the registration form; ?email= (from an
// invitation) fills in the address.
func (s *Server) handleSignupForm(c echo.Context) error {
	if currentAuth(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	f := views.NewForm()
	f.Values["email"] = strings.TrimSpace(c.QueryParam("email"))
	f.Values["gender"] = "unspecified"
	return s.renderSignup(c, http.StatusOK, f)
}

// handleSignup registers an account and shows "check your email".
// SECURITY: an address that is already registered gets exactly the same
// page (the owner is emailed instead), so sign-up reveals no accounts.
func (s *Server) handleSignup(c echo.Context) error {
	if currentAuth(c) != nil {
		return redirect(c, "/account")
	}
	f := formFrom(c, signupFields...)
	in := account.RegisterInput{
		Email:           c.FormValue("email"),
		Password:        c.FormValue("password"),
		PasswordConfirm: c.FormValue("password_confirm"),
		DisplayName:     c.FormValue("display_name"),
		PrefectureCode:  c.FormValue("prefecture"),
		IndustryCode:    c.FormValue("industry"),
		Segment:         c.FormValue("segment"),
		BirthYear:       f.Get("birth_year"),
		Gender:          c.FormValue("gender"),
		Consent:         c.FormValue("consent") == "yes",
		Language:        s.lang(c),
		IP:              clientIP(c),
	}
	_, err := s.Accounts.Register(c.Request().Context(), in)
	if fieldErrors(err, &f) {
		return s.renderSignup(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, accountview.CheckEmail(s.page(c, "signup.check_title"), account.NormalizeEmail(in.Email)))
}

// renderSignup renders the form with its choices in the page language.
func (s *Server) renderSignup(c echo.Context, status int, f views.Form) error {
	o, err := s.signupOptions(c)
	if err != nil {
		return err
	}
	return render(c, status, accountview.Signup(s.page(c, "signup.title"), f, o))
}

// signupOptions are the sign-up form's choices in the page language.
func (s *Server) signupOptions(c echo.Context) (accountview.SignupOptions, error) {
	ctx := c.Request().Context()
	l := s.localizer(c)
	prefs, err := s.Accounts.Prefectures(ctx)
	if err != nil {
		return accountview.SignupOptions{}, err
	}
	inds, err := s.Accounts.Industries(ctx)
	if err != nil {
		return accountview.SignupOptions{}, err
	}
	var o accountview.SignupOptions
	for _, r := range prefs {
		o.Prefectures = append(o.Prefectures, views.Option{Value: r.Code, Label: l.Pick(r.NameJA, r.NameEN)})
	}
	for _, r := range inds {
		o.Industries = append(o.Industries, views.Option{Value: r.Code, Label: r.Code + " " + l.Pick(r.NameJA, r.NameEN)})
	}
	// Keys signup.segment_<value> and signup.gender_<value> exist for every
	// value of account.Segments and account.Genders (TestSignupForm checks).
	for _, v := range account.Segments {
		key := "signup.segment_" + v
		o.Segments = append(o.Segments, views.Option{Value: v, Label: l.T(key)})
	}
	for _, v := range account.Genders {
		key := "signup.gender_" + v
		o.Genders = append(o.Genders, views.Option{Value: v, Label: l.T(key)})
	}
	return o, nil
}

// handleVerifyEmail uses a confirmation link. A link that is unknown,
// expired or already used gets a page saying which, with a form for a new
// link.
func (s *Server) handleVerifyEmail(c echo.Context) error {
	u, err := s.Accounts.VerifyEmail(c.Request().Context(), c.QueryParam("token"), clientIP(c))
	if key := account.TokenProblem(err); key != "" {
		f := views.NewForm()
		if a := currentAuth(c); a != nil {
			f.Values["email"] = a.User.Email
		}
		return render(c, tokenProblemStatus(key), accountview.VerifyLinkProblem(s.page(c, "signup.token_title_verify"), key, f))
	}
	if err != nil {
		return err
	}
	// The link proves the person reads the mailbox, as a reset link does:
	// they are signed in and go to their home. SECURITY: not an account
	// with two-factor sign-in (a mailbox alone must not pass it), nor a
	// disabled one; those get the page that sends them to sign in.
	if u.TOTPEnabled() || u.Disabled() {
		return render(c, http.StatusOK, accountview.EmailVerified(s.page(c, "signup.verified_title")))
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	dest, err := s.homePath(c, u)
	if err != nil {
		return err
	}
	s.flash(c, "signup.flash_verified_signed_in")
	return redirect(c, dest)
}

// tokenProblemStatus is 404 for a link that was never ours and 410 Gone for
// one that expired or was used.
func tokenProblemStatus(key string) int {
	if key == account.KeyTokenInvalid {
		return http.StatusNotFound
	}
	return http.StatusGone
}

// handleResendVerificationForm asks for the address to send a new
// confirmation link to; ?email= fills it in (sign-in sends unverified
// people here).
func (s *Server) handleResendVerificationForm(c echo.Context) error {
	f := views.NewForm()
	f.Values["email"] = strings.TrimSpace(c.QueryParam("email"))
	return render(c, http.StatusOK, accountview.ResendVerification(s.page(c, "signup.resend_title"), f))
}

// handleResendVerification sends a new confirmation link when an
// unconfirmed account exists, and answers the same neutral page either way.
func (s *Server) handleResendVerification(c echo.Context) error {
	f := formFrom(c, "email")
	if k := account.EmailProblem(f.Get("email")); k != "" {
		f.Errors["email"] = k
		return render(c, http.StatusUnprocessableEntity, accountview.ResendVerification(s.page(c, "signup.resend_title"), f))
	}
	if err := s.Accounts.ResendVerification(c.Request().Context(), f.Get("email")); err != nil {
		return err
	}
	return render(c, http.StatusOK, accountview.ResendSent(s.page(c, "signup.resend_sent_title"), account.NormalizeEmail(f.Get("email"))))
}

// handleForgotPasswordForm asks for the address to send a reset link to.
func (s *Server) handleForgotPasswordForm(c echo.Context) error {
	f := views.NewForm()
	f.Values["email"] = strings.TrimSpace(c.QueryParam("email"))
	return render(c, http.StatusOK, accountview.ForgotPassword(s.page(c, "signup.forgot_title"), f))
}

// handleForgotPassword emails a reset link when the account exists and
// answers the same neutral page either way. SECURITY: no enumeration.
func (s *Server) handleForgotPassword(c echo.Context) error {
	f := formFrom(c, "email")
	if k := account.EmailProblem(f.Get("email")); k != "" {
		f.Errors["email"] = k
		return render(c, http.StatusUnprocessableEntity, accountview.ForgotPassword(s.page(c, "signup.forgot_title"), f))
	}
	if err := s.Accounts.RequestPasswordReset(c.Request().Context(), f.Get("email"), clientIP(c)); err != nil {
		return err
	}
	return render(c, http.StatusOK, accountview.ForgotSent(s.page(c, "signup.forgot_sent_title"), account.NormalizeEmail(f.Get("email"))))
}

// handleResetPasswordForm shows the new-password form for a usable reset
// link, or says why the link cannot be used.
func (s *Server) handleResetPasswordForm(c echo.Context) error {
	token := c.QueryParam("token")
	err := s.Accounts.CheckResetToken(c.Request().Context(), token)
	if key := account.TokenProblem(err); key != "" {
		return render(c, tokenProblemStatus(key), accountview.ResetLinkProblem(s.page(c, "signup.token_title_reset"), key))
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, accountview.ResetPassword(s.page(c, "signup.reset_title"), views.NewForm(), token))
}

// handleResetPassword sets the new password and sends the person to sign
// in; every existing session of the account ends.
func (s *Server) handleResetPassword(c echo.Context) error {
	token := c.FormValue("token")
	err := s.Accounts.ResetPassword(c.Request().Context(), token, c.FormValue("password"), c.FormValue("password_confirm"), clientIP(c))
	if key := account.TokenProblem(err); key != "" {
		return render(c, tokenProblemStatus(key), accountview.ResetLinkProblem(s.page(c, "signup.token_title_reset"), key))
	}
	f := views.NewForm()
	if fieldErrors(err, &f) {
		return render(c, http.StatusUnprocessableEntity, accountview.ResetPassword(s.page(c, "signup.reset_title"), f, token))
	}
	if err != nil {
		return err
	}
	if currentAuth(c) != nil {
		// This browser's session belongs to an old session version and would
		// end at the next request, taking the notice with it: end it now.
		if err := s.Sessions.Destroy(c.Request().Context()); err != nil {
			return err
		}
	}
	s.flash(c, "signup.flash_password_reset")
	return redirect(c, "/login")
}
