package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/org"
	orgviews "takumi/views/org"
)

// invitationTitles are the page titles for each invitation state.
var invitationTitles = map[string]string{
	"unknown":              "org.invitation_title_unknown",
	org.InvitationOpen:     "org.invitation_title",
	org.InvitationExpired:  "org.invitation_title_expired",
	org.InvitationRevoked:  "org.invitation_title_revoked",
	org.InvitationAccepted: "org.invitation_title_accepted",
}

// handleInvitationShow is the public page an invitation link opens: what
// the invitation is for and how to accept it, or why it no longer works.
func (s *Server) handleInvitationShow(c echo.Context) error {
	return s.renderInvitation(c, http.StatusOK, "")
}

func (s *Server) renderInvitation(c echo.Context, status int, problem string) error {
	token := c.Param("token")
	st := orgviews.InvitationState{Token: token, ProblemKey: problem}
	v, err := s.Orgs.InvitationByToken(c.Request().Context(), token)
	switch {
	case isNotFound(err):
		st.State = "unknown"
		status = http.StatusNotFound
	case err != nil:
		return err
	default:
		st.View, st.State = v, v.State
		if v.State != org.InvitationOpen && status == http.StatusOK {
			status = http.StatusGone
		}
	}
	if a := currentAuth(c); a != nil {
		st.SignedIn, st.SignedInEmail = true, a.User.Email
		st.EmailMatches = v != nil && account.NormalizeEmail(a.User.Email) == v.Email
	}
	var args []any
	if v != nil && st.State == org.InvitationOpen {
		args = append(args, s.localizer(c).Pick(v.Org.NameJa, v.Org.NameEn))
	}
	p := s.page(c, invitationTitles[st.State], args...)
	// SECURITY: the token is in the URL; keep it out of Referer headers.
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return render(c, status, orgviews.Invitation(p, st))
}

// handleInvitationAccept makes the signed-in person a member of the
// organisation they were invited to, when the invitation is for their
// email address.
func (s *Server) handleInvitationAccept(c echo.Context) error {
	v, err := s.Orgs.Accept(c.Request().Context(), orgActor(c), c.Param("token"))
	if e, ok := apperr.As(err); ok && (e.Code == apperr.Conflict || e.Code == apperr.Forbidden) {
		status, _ := statusOf(err)
		return s.renderInvitation(c, status, e.Key)
	}
	if err != nil {
		return err
	}
	s.flash(c, "org.flash_invitation_accepted")
	if v.Role == org.RoleAdmin {
		return redirect(c, "/org/"+v.OrgID)
	}
	return redirect(c, "/account")
}
