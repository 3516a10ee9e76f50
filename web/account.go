package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/i18n"
	"takumi/internal/jst"
	"takumi/views"
	viewsaccount "takumi/views/account"
)

// sessionPendingTOTPSecret keeps a newly generated two-factor secret until
// the person confirms it; it reaches the users table only then.
const sessionPendingTOTPSecret = "totp_pending_secret"

// accountProfileFields are the fields of the profile form.
var accountProfileFields = []string{"display_name", "prefecture", "industry", "segment", "birth_year", "gender", "language"}

// handleAccount shows the person's own account page.
func (s *Server) handleAccount(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, s.accountProfileForm(c), views.NewForm())
}

// renderAccount renders the account page with the given profile and
// password forms (either may carry errors).
func (s *Server) renderAccount(c echo.Context, status int, profile, password views.Form) error {
	ctx := c.Request().Context()
	a := currentAuth(c)
	l := s.localizer(c)
	prefs, err := s.Accounts.Prefectures(ctx)
	if err != nil {
		return err
	}
	inds, err := s.Accounts.Industries(ctx)
	if err != nil {
		return err
	}
	events, err := s.Accounts.SignInHistory(ctx, a.User.ID, 20)
	if err != nil {
		return err
	}
	props := viewsaccount.AccountProps{
		Email:             a.User.Email,
		Profile:           profile,
		Password:          password,
		TwoFactorOn:       a.User.TOTPEnabled(),
		TwoFactorRequired: a.RequiresTwoFactor(),
	}
	for _, p := range prefs {
		props.Prefectures = append(props.Prefectures, views.Option{Value: p.Code, Label: l.Pick(p.NameJA, p.NameEN)})
	}
	for _, i := range inds {
		props.Industries = append(props.Industries, views.Option{Value: i.Code, Label: i.Code + " " + l.Pick(i.NameJA, i.NameEN)})
	}
	for _, v := range account.Segments {
		props.Segments = append(props.Segments, views.Option{Value: v, Label: l.T(accountLabelKey("signup.segment_", v))})
	}
	for _, v := range account.Genders {
		props.Genders = append(props.Genders, views.Option{Value: v, Label: l.T(accountLabelKey("signup.gender_", v))})
	}
	for _, v := range i18n.Languages {
		props.Languages = append(props.Languages, views.Option{Value: v, Label: l.T(accountLabelKey("account.language_", v))})
	}
	for _, e := range events {
		props.History = append(props.History, viewsaccount.AccountHistoryRow{
			When:     jst.DateTimeSec(e.OccurredAt) + " JST",
			Datetime: jst.In(e.OccurredAt).Format(time.RFC3339),
			Event:    accountEventWords(l, e.Action),
			IP:       e.IP,
		})
	}
	consents, err := s.Orgs.Consents(ctx, a.User.ID)
	if err != nil {
		return err
	}
	for _, k := range consents {
		props.Consents = append(props.Consents, viewsaccount.AccountConsentRow{
			OrgID: k.OrgID, OrgName: l.Pick(k.OrgNameJa, k.OrgNameEn), State: k.State(),
			StateKey: "account.consent_state_" + k.State(),
		})
	}
	return render(c, status, viewsaccount.Account(s.page(c, "account.title"), props))
}

// handleAccountConsent records the person's answer to an organisation's
// request to see their progress: grant, or decline / withdraw.
func (s *Server) handleAccountConsent(c echo.Context) error {
	grant := c.FormValue("decision") == "grant"
	if err := s.Orgs.DecideConsent(c.Request().Context(), orgActor(c), c.Param("org"), grant); err != nil {
		return err
	}
	if grant {
		s.flash(c, "account.flash_consent_granted")
	} else {
		s.flash(c, "account.flash_consent_withdrawn")
	}
	return redirect(c, "/account#account-consents")
}

// accountEventWords says what a sign-in event was, in the page language.
func accountEventWords(l i18n.Localizer, action string) string {
	switch action {
	case "auth.login_succeeded":
		return l.T("account.event_login_succeeded")
	case "auth.login_failed":
		return l.T("account.event_login_failed")
	case "auth.account_locked":
		return l.T("account.event_account_locked")
	case "auth.login_throttled":
		return l.T("account.event_login_throttled")
	case "auth.logout":
		return l.T("account.event_logout")
	case "auth.recovery_code_used":
		return l.T("account.event_recovery_code_used")
	}
	return action
}

// accountLabelKey builds the catalogue key of a choice's label.
func accountLabelKey(prefix, value string) string { return prefix + value }

func accountStr(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// handleAccountProfile saves the profile; a changed language switches the
// interface at once.
func (s *Server) handleAccountProfile(c echo.Context) error {
	a := currentAuth(c)
	f := formFrom(c, accountProfileFields...)
	err := s.Accounts.UpdateProfile(c.Request().Context(), a.User.ID, account.ProfileInput{
		DisplayName:    f.Get("display_name"),
		PrefectureCode: f.Get("prefecture"),
		IndustryCode:   f.Get("industry"),
		Segment:        f.Get("segment"),
		BirthYear:      f.Get("birth_year"),
		Gender:         f.Get("gender"),
		Language:       f.Get("language"),
	}, clientIP(c))
	if fieldErrors(err, &f) {
		return s.renderAccount(c, http.StatusUnprocessableEntity, f, views.NewForm())
	}
	if err != nil {
		return err
	}
	// The browser keeps the language after signing out too.
	c.SetCookie(&http.Cookie{
		Name: langCookie, Value: f.Get("language"), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Config.SecureCookies(), SameSite: http.SameSiteLaxMode,
	})
	s.flash(c, "account.profile_saved")
	return redirect(c, "/account")
}

// handleAccountPassword changes the password. Other sessions end; this one
// stays signed in with the new session version.
func (s *Server) handleAccountPassword(c echo.Context) error {
	ctx := c.Request().Context()
	a := currentAuth(c)
	version, err := s.Accounts.ChangePassword(ctx, a.User.ID, c.FormValue("current_password"),
		c.FormValue("new_password"), c.FormValue("confirm_password"), clientIP(c))
	f := views.NewForm()
	if fieldErrors(err, &f) {
		return s.renderAccount(c, http.StatusUnprocessableEntity, s.accountProfileForm(c), f)
	}
	if err != nil {
		return err
	}
	// SECURITY: a fresh token for the session that survives the change.
	if err := s.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.Sessions.Put(ctx, sessionUserVersion, version)
	s.flash(c, "account.password_changed")
	return redirect(c, "/account")
}

// accountProfileForm is the profile form filled from the saved account.
func (s *Server) accountProfileForm(c echo.Context) views.Form {
	u := currentAuth(c).User
	f := views.NewForm()
	f.Values["display_name"] = u.DisplayName
	f.Values["prefecture"] = accountStr(u.PrefectureCode)
	f.Values["industry"] = accountStr(u.IndustryCode)
	f.Values["segment"] = accountStr(u.Segment)
	if u.BirthYear != nil {
		f.Values["birth_year"] = strconv.Itoa(*u.BirthYear)
	}
	f.Values["gender"] = u.Gender
	f.Values["language"] = u.Language
	return f
}

// handleTwoFactorPage shows the set-up (QR code and secret) when two-factor
// sign-in is off, and its management page when it is on.
func (s *Server) handleTwoFactorPage(c echo.Context) error {
	if currentAuth(c).User.TOTPEnabled() {
		return s.renderTwoFactorManage(c, http.StatusOK, views.NewForm())
	}
	return s.renderTwoFactorSetup(c, http.StatusOK, views.NewForm())
}

// renderTwoFactorSetup shows the pending secret, generating one when the
// session has none (reloading the page keeps the same secret).
func (s *Server) renderTwoFactorSetup(c echo.Context, status int, f views.Form) error {
	ctx := c.Request().Context()
	a := currentAuth(c)
	var setup *account.TOTPSetup
	if secret := s.Sessions.GetString(ctx, sessionPendingTOTPSecret); secret != "" {
		setup = account.SetupFor(a.User.Email, secret)
	}
	if setup == nil {
		var err error
		if setup, err = account.NewTOTPSetup(a.User.Email); err != nil {
			return err
		}
		s.Sessions.Put(ctx, sessionPendingTOTPSecret, setup.Secret)
	}
	qr, err := setup.QRCodeDataURI()
	if err != nil {
		return err
	}
	return render(c, status, viewsaccount.TwoFactorSetup(s.page(c, "twofactor.setup_title"), f,
		viewsaccount.TwoFactorSetupProps{Secret: setup.Secret, QRCode: qr, Required: a.RequiresTwoFactor()}))
}

func (s *Server) renderTwoFactorManage(c echo.Context, status int, f views.Form) error {
	a := currentAuth(c)
	left, err := s.Accounts.UnusedRecoveryCodes(c.Request().Context(), a.User.ID)
	if err != nil {
		return err
	}
	return render(c, status, viewsaccount.TwoFactorManage(s.page(c, "twofactor.manage_title"), f,
		viewsaccount.TwoFactorManageProps{Required: a.RequiresTwoFactor(), RecoveryLeft: left}))
}

// handleTwoFactorConfirm turns two-factor sign-in on when the code matches
// the pending secret, and shows the recovery codes once.
func (s *Server) handleTwoFactorConfirm(c echo.Context) error {
	ctx := c.Request().Context()
	a := currentAuth(c)
	if a.User.TOTPEnabled() {
		return redirect(c, twoFactorSetupPath)
	}
	secret := s.Sessions.GetString(ctx, sessionPendingTOTPSecret)
	if secret == "" {
		return redirect(c, twoFactorSetupPath)
	}
	f := formFrom(c, "code")
	codes, err := s.Accounts.ConfirmTOTP(ctx, a.User.ID, secret, f.Get("code"), clientIP(c))
	if fieldErrors(err, &f) {
		f.Values["code"] = ""
		return s.renderTwoFactorSetup(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	s.Sessions.Remove(ctx, sessionPendingTOTPSecret)
	return render(c, http.StatusOK, viewsaccount.TwoFactorRecoveryCodes(s.page(c, "twofactor.codes_title"), codes))
}

// handleTwoFactorDisable turns two-factor sign-in off for people whose role
// does not require it.
func (s *Server) handleTwoFactorDisable(c echo.Context) error {
	a := currentAuth(c)
	err := s.Accounts.DisableTOTP(c.Request().Context(), a.User.ID, c.FormValue("disable_password"), clientIP(c), a.RequiresTwoFactor())
	f := views.NewForm()
	if fieldErrors(err, &f) {
		return s.renderTwoFactorManage(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "twofactor.disabled")
	return redirect(c, "/account")
}

// handleTwoFactorRecovery replaces the recovery codes and shows the new ones.
func (s *Server) handleTwoFactorRecovery(c echo.Context) error {
	a := currentAuth(c)
	codes, err := s.Accounts.RegenerateRecoveryCodes(c.Request().Context(), a.User.ID, c.FormValue("recovery_password"), clientIP(c))
	f := views.NewForm()
	if fieldErrors(err, &f) {
		return s.renderTwoFactorManage(c, http.StatusUnprocessableEntity, f)
	}
	if apperr.Is(err, apperr.Conflict) {
		return redirect(c, twoFactorSetupPath)
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, viewsaccount.TwoFactorRecoveryCodes(s.page(c, "twofactor.codes_title"), codes))
}
