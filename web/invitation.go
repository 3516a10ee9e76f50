package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/org"
	"takumi/views"
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
	return s.renderInvitation(c, http.StatusOK, "", nil)
}

// renderInvitation renders the invitation page; signup is the sign-up form
// as submitted (with errors), or nil for a fresh one.
func (s *Server) renderInvitation(c echo.Context, status int, problem string, signup *views.Form) error {
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
	if v != nil && st.State == org.InvitationOpen {
		if err := s.invitationDetails(c, &st, signup); err != nil {
			return err
		}
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
		return s.renderInvitation(c, status, e.Key, nil)
	}
	if err != nil {
		return err
	}
	s.flash(c, "org.flash_invitation_accepted")
	if v.Role == org.RoleAdmin {
		return redirect(c, "/org/"+v.OrgID)
	}
	// Issue 14 item 2: one click, then My learning with the courses.
	return redirect(c, "/learn")
}

// invitationDetails fills in what an open invitation's page shows besides
// the invitation: the courses the organisation enrolled the address in,
// whether the address has an account, and the sign-up form.
func (s *Server) invitationDetails(c echo.Context, st *orgviews.InvitationState, signup *views.Form) error {
	ctx := c.Request().Context()
	l := s.localizer(c)
	courses, err := s.Bulk.PendingCourses(ctx, st.View.OrgID, st.View.Email)
	if err != nil {
		return err
	}
	for _, pc := range courses {
		st.Courses = append(st.Courses, pc.Title(l.Lang))
	}
	if st.SignedIn {
		return nil
	}
	// SECURITY: only the holder of the link (sent to this address) learns
	// whether the address has an account.
	if _, err := s.Users.ByEmail(ctx, st.View.Email); err == nil {
		st.HasAccount = true
		return nil
	} else if !isNotFound(err) {
		return err
	}
	st.Signup = views.NewForm()
	if signup != nil {
		st.Signup = *signup
	}
	o, err := s.signupOptions(c)
	if err != nil {
		return err
	}
	st.Options = o
	return nil
}

// handleInvitationSignup creates the account of an invited person without
// one — the address is the invitation's, already proven by the link, so no
// second verification — accepts the invitation (its pending enrolments
// become enrolments), signs the person in and sends them to My learning.
func (s *Server) handleInvitationSignup(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	if currentAuth(c) != nil {
		return redirect(c, "/invitations/"+token)
	}
	v, err := s.Orgs.InvitationByToken(ctx, token)
	if err != nil {
		return err
	}
	if v.State != org.InvitationOpen {
		return s.renderInvitation(c, http.StatusGone, "", nil)
	}
	f := formFrom(c, "display_name", "prefecture", "industry", "segment", "consent")
	u, err := s.Accounts.RegisterInvited(ctx, account.RegisterInput{
		Email:           v.Email, // SECURITY: from the invitation, never the form
		Password:        c.FormValue("password"),
		PasswordConfirm: c.FormValue("password_confirm"),
		DisplayName:     c.FormValue("display_name"),
		PrefectureCode:  c.FormValue("prefecture"),
		IndustryCode:    c.FormValue("industry"),
		Segment:         c.FormValue("segment"),
		Gender:          "unspecified",
		Consent:         c.FormValue("consent") == "yes",
		Language:        s.lang(c),
		IP:              clientIP(c),
	})
	if fieldErrors(err, &f) {
		return s.renderInvitation(c, http.StatusUnprocessableEntity, "", &f)
	}
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
		return s.renderInvitation(c, http.StatusConflict, e.Key, nil)
	}
	if err != nil {
		return err
	}
	if _, err := s.Orgs.Accept(ctx, org.Actor{UserID: u.ID, IP: clientIP(c)}, token); err != nil {
		return err
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	s.flash(c, "org.flash_invitation_signed_up")
	return redirect(c, "/learn")
}
