package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/org"
	"takumi/views"
	orgviews "takumi/views/org"
)

// requireAdminOfOrg refuses, with 404, anyone who is not an admin of the
// organisation in the URL. SECURITY: an admin of one organisation can
// neither see nor change another; the domain checks again in its
// transaction.
func requireAdminOfOrg(c echo.Context) error {
	id := c.Param("id")
	for _, m := range currentAuth(c).Memberships {
		if m.OrgID == id && m.Role == org.RoleAdmin {
			return nil
		}
	}
	return echo.NewHTTPError(http.StatusNotFound)
}

// handleOrgIndex lists the organisations the person administers, or goes
// straight to the only one.
func (s *Server) handleOrgIndex(c echo.Context) error {
	orgs, err := s.Orgs.AdministeredBy(c.Request().Context(), currentAuth(c).User.ID)
	if err != nil {
		return err
	}
	if len(orgs) == 1 {
		return c.Redirect(http.StatusSeeOther, "/org/"+orgs[0].ID)
	}
	return render(c, http.StatusOK, orgviews.Index(s.page(c, "org.index_title"), orgs))
}

// handleOrgShow shows the organisation's members and invitations (the view
// of named people is audited by the domain).
func (s *Server) handleOrgShow(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	return s.renderOrg(c, http.StatusOK, orgInviteForm(), "")
}

func orgInviteForm() views.Form {
	f := views.NewForm()
	f.Values["role"] = org.RoleMember
	return f
}

func (s *Server) renderOrg(c echo.Context, status int, invite views.Form, problem string) error {
	r, err := s.Orgs.ViewRoster(c.Request().Context(), orgActor(c), c.Param("id"), org.MemberPage{After: c.QueryParam("after")})
	if err != nil {
		return err
	}
	return render(c, status, orgviews.Show(s.page(c, "org.show_title", r.Org.NameJa), r, invite, problem))
}

// handleOrgInvite invites someone into the organisation.
func (s *Server) handleOrgInvite(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	f := formFrom(c, "email", "role")
	_, err := s.Orgs.Invite(c.Request().Context(), orgActor(c), c.Param("id"), org.NewInvitation{
		Email: f.Get("email"), Role: f.Get("role"),
	})
	if fieldErrors(err, &f) {
		return s.renderOrg(c, http.StatusUnprocessableEntity, f, "")
	}
	if err != nil {
		return err
	}
	s.flash(c, "org.flash_invited")
	return redirect(c, "/org/"+c.Param("id"))
}

// handleOrgInvitationRevoke cancels an open invitation.
func (s *Server) handleOrgInvitationRevoke(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	err := s.Orgs.Revoke(c.Request().Context(), orgActor(c), c.Param("id"), c.Param("invID"))
	return s.afterOrgChange(c, err, "org.flash_revoked")
}

// handleOrgInvitationResend sends an open invitation again with a new link.
func (s *Server) handleOrgInvitationResend(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	err := s.Orgs.Resend(c.Request().Context(), orgActor(c), c.Param("id"), c.Param("invID"))
	return s.afterOrgChange(c, err, "org.flash_resent")
}

// handleOrgMemberRole changes a member's role. With htmx it answers with
// the member's updated row; without JavaScript it redirects to the page.
func (s *Server) handleOrgMemberRole(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	err := s.Orgs.ChangeRole(ctx, orgActor(c), c.Param("id"), c.Param("userID"), c.FormValue("role"))
	if isHTMX(c) {
		problem := ""
		if e, ok := apperr.As(err); ok && (e.Code == apperr.Conflict || e.Code == apperr.Invalid) {
			problem = e.Key
		} else if err != nil {
			return err
		}
		r, verr := s.Orgs.ViewRoster(ctx, orgActor(c), c.Param("id"), org.MemberPage{UserID: c.Param("userID")})
		if isNotFound(verr) {
			return redirect(c, "/account") // no longer an admin here
		}
		if verr != nil {
			return verr
		}
		for _, m := range r.Members {
			if m.UserID == c.Param("userID") {
				return render(c, http.StatusOK, orgviews.MemberRow(s.page(c, "org.show_title", r.Org.NameJa), r.Org, m, problem))
			}
		}
	}
	return s.afterOrgChange(c, err, "org.flash_role_changed")
}

// handleOrgMemberRemove takes a person out of the organisation.
func (s *Server) handleOrgMemberRemove(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	err := s.Orgs.RemoveMember(c.Request().Context(), orgActor(c), c.Param("id"), c.Param("userID"))
	return s.afterOrgChange(c, err, "org.flash_member_removed")
}

// afterOrgChange redirects to the organisation page with a notice, or
// shows the page again with the refusal (a conflict such as "last admin").
// A person who just demoted themself is no longer an admin: they go to
// their account page.
func (s *Server) afterOrgChange(c echo.Context, err error, flashKey string) error {
	if e, ok := apperr.As(err); ok && (e.Code == apperr.Conflict || e.Code == apperr.Invalid) {
		status, _ := statusOf(err)
		return s.renderOrg(c, status, orgInviteForm(), e.Key)
	}
	if err != nil {
		return err
	}
	s.flash(c, flashKey)
	ms, merr := org.MembershipsOf(c.Request().Context(), s.DB.Gorm, currentAuth(c).User.ID)
	if merr != nil {
		return merr
	}
	for _, m := range ms {
		if m.OrgID == c.Param("id") && m.Role == org.RoleAdmin {
			return redirect(c, "/org/"+c.Param("id"))
		}
	}
	return redirect(c, "/account")
}
