package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/privacy"
	"takumi/views"
	"takumi/views/learn"
)

// The learner's privacy rights (/account/privacy): download everything the
// platform holds about them, and delete the account. requireUser; each
// handler acts only on the signed-in person's own data.

// sessionAccountDeleted marks the (new, signed-out) session of someone who
// has just deleted their account, so the confirmation page shows once.
const sessionAccountDeleted = "account_deleted"

// handlePrivacyRights shows the privacy page: export and the way to delete.
func (s *Server) handlePrivacyRights(c echo.Context) error {
	return render(c, http.StatusOK, learn.PrivacyRights(s.page(c, "privacy_rights.title")))
}

// handlePrivacyExport sends the zip of everything held about the person.
func (s *Server) handlePrivacyExport(c echo.Context) error {
	a, err := s.Privacy.ExportMyData(c.Request().Context(), privacy.Person{UserID: currentAuth(c).User.ID, IP: clientIP(c)})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+a.Filename+`"`)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(a.Zip)))
	return c.Blob(http.StatusOK, "application/zip", a.Zip)
}

// handlePrivacyDeleteForm says what deleting the account does and asks
// for the password and the confirmation word.
func (s *Server) handlePrivacyDeleteForm(c echo.Context) error {
	return s.renderPrivacyDelete(c, http.StatusOK, views.NewForm(), "")
}

func (s *Server) renderPrivacyDelete(c echo.Context, status int, f views.Form, errKey string) error {
	p := s.page(c, "privacy_rights.delete_page_title")
	return render(c, status, learn.PrivacyDelete(p, learn.PrivacyDeleteProps{Form: f, Error: errKey}))
}

// handlePrivacyDelete deletes the account, signs the person out and shows
// the confirmation. A wrong password or word comes back as 422 with the
// word kept; the last platform admin is refused (409).
func (s *Server) handlePrivacyDelete(c echo.Context) error {
	ctx := c.Request().Context()
	user := currentAuth(c).User
	f := formFrom(c, "confirmation")
	err := s.Privacy.DeleteAccount(ctx, privacy.Person{UserID: user.ID, IP: clientIP(c)},
		privacy.DeleteAccountInput{Password: c.FormValue("password"), Confirmation: c.FormValue("confirmation")},
		s.Accounts.RecheckPassword)
	if fieldErrors(err, &f) {
		return s.renderPrivacyDelete(c, http.StatusUnprocessableEntity, f, "")
	}
	if apperr.Is(err, apperr.Conflict) {
		e, _ := apperr.As(err)
		return s.renderPrivacyDelete(c, http.StatusConflict, f, e.Key)
	}
	if err != nil {
		return err
	}
	// SECURITY: the account's session_version moved, so every other
	// session ends at its next request; this one ends now.
	if err := s.Sessions.Destroy(ctx); err != nil {
		return err
	}
	// The confirmation is shown in the language the person used.
	c.SetCookie(&http.Cookie{Name: langCookie, Value: user.Language, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Config.SecureCookies(), SameSite: http.SameSiteLaxMode})
	s.Sessions.Put(ctx, sessionAccountDeleted, true)
	return redirect(c, "/account/privacy/deleted")
}

// handlePrivacyDeleted confirms the deletion, once, to the browser that
// did it; anyone else is sent to the home page.
func (s *Server) handlePrivacyDeleted(c echo.Context) error {
	if !s.Sessions.PopBool(c.Request().Context(), sessionAccountDeleted) {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return render(c, http.StatusOK, learn.PrivacyDeleted(s.page(c, "privacy_rights.deleted_title")))
}
