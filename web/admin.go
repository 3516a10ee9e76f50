package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"takumi/internal/account"
	"takumi/internal/audit"
	"takumi/internal/org"
	"takumi/views"
	adminviews "takumi/views/admin"
)

// SECURITY: every handler in this file is mounted behind
// requirePlatformAdmin in routes.go, and the domain functions check the
// actor's platform-admin flag again in their transaction.

// orgActor is the signed-in person as the org domain's actor.
func orgActor(c echo.Context) org.Actor {
	return org.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

// handleAdminOverview shows headline counts and links.
func (s *Server) handleAdminOverview(c echo.Context) error {
	ctx := c.Request().Context()
	users, err := s.Accounts.CountUsers(ctx)
	if err != nil {
		return err
	}
	orgs, err := s.Orgs.CountAll(ctx)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, adminviews.Overview(s.page(c, "admin.title"), users, orgs))
}

// handleAdminOrgs lists every organisation.
func (s *Server) handleAdminOrgs(c echo.Context) error {
	list, err := s.Orgs.List(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, adminviews.Orgs(s.page(c, "admin.orgs_title"), list))
}

// adminOrgFields are the fields of the new-organisation form.
var adminOrgFields = []string{"name_ja", "name_en", "kind", "prefecture", "industry", "code"}

// handleAdminOrgNew shows the new-organisation form.
func (s *Server) handleAdminOrgNew(c echo.Context) error {
	return s.renderAdminOrgForm(c, http.StatusOK, views.NewForm())
}

// handleAdminOrgCreate creates an organisation, or re-renders the form with
// what was typed and each problem next to its field.
func (s *Server) handleAdminOrgCreate(c echo.Context) error {
	f := formFrom(c, adminOrgFields...)
	o, err := s.Orgs.Create(c.Request().Context(), orgActor(c), org.NewOrganisation{
		NameJa: f.Get("name_ja"), NameEn: f.Get("name_en"), Kind: f.Get("kind"),
		PrefectureCode: f.Get("prefecture"), IndustryCode: f.Get("industry"), Code: f.Get("code"),
	})
	if fieldErrors(err, &f) {
		return s.renderAdminOrgForm(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "admin.flash_org_created")
	return redirect(c, "/admin/orgs/"+o.ID)
}

func (s *Server) renderAdminOrgForm(c echo.Context, status int, f views.Form) error {
	ctx := c.Request().Context()
	l := s.localizer(c)
	prefs, err := s.Orgs.Prefectures(ctx)
	if err != nil {
		return err
	}
	inds, err := s.Orgs.Industries(ctx)
	if err != nil {
		return err
	}
	var opts adminviews.OrgFormOptions
	for _, k := range org.Kinds {
		opts.Kinds = append(opts.Kinds, views.Option{Value: k, Label: l.T(org.KindKey(k))})
	}
	for _, p := range prefs {
		opts.Prefectures = append(opts.Prefectures, views.Option{Value: p.Code, Label: l.Pick(p.NameJa, p.NameEn)})
	}
	for _, i := range inds {
		opts.Industries = append(opts.Industries, views.Option{Value: i.Code, Label: i.Code + " " + l.Pick(i.NameJa, i.NameEn)})
	}
	return render(c, status, adminviews.OrgNew(s.page(c, "admin.org_new_title"), f, opts))
}

// handleAdminOrgShow shows an organisation's members, open invitations and
// the invite form (viewing named members is audited by the domain).
func (s *Server) handleAdminOrgShow(c echo.Context) error {
	f := views.NewForm()
	f.Values["role"] = org.RoleMember
	return s.renderAdminOrg(c, http.StatusOK, f, views.Form{})
}

// renderAdminOrg shows the organisation page with the invite form and the
// provider code form; a code form without values shows the current code.
func (s *Server) renderAdminOrg(c echo.Context, status int, invite, code views.Form) error {
	r, err := s.Orgs.ViewRoster(c.Request().Context(), orgActor(c), c.Param("id"), org.MemberPage{After: c.QueryParam("after")})
	if err != nil {
		return err
	}
	if code.Values == nil {
		code = views.NewForm()
		if r.Org.Code != nil {
			code.Values["code"] = *r.Org.Code
		}
	}
	p := s.page(c, "admin.org_title", r.Org.NameJa)
	return render(c, status, adminviews.OrgShow(p, r, invite, code))
}

// handleAdminOrgCode sets or clears a training provider's code (used in
// course page URLs), or re-renders the page with the problem (422).
func (s *Server) handleAdminOrgCode(c echo.Context) error {
	f := formFrom(c, "code")
	err := s.Orgs.SetCode(c.Request().Context(), orgActor(c), c.Param("id"), f.Get("code"))
	if fieldErrors(err, &f) {
		invite := views.NewForm()
		invite.Values["role"] = org.RoleMember
		return s.renderAdminOrg(c, http.StatusUnprocessableEntity, invite, f)
	}
	if err != nil {
		return err
	}
	// Course pages' addresses name the code: this instance forgets its
	// kept pages now, the others on the change's notification.
	s.Courses.CatalogueChanged()
	s.flash(c, "catalogue.org_code_flash_saved")
	return redirect(c, "/admin/orgs/"+c.Param("id"))
}

// handleAdminOrgInvite invites someone into an organisation.
func (s *Server) handleAdminOrgInvite(c echo.Context) error {
	f := formFrom(c, "email", "role", "analyst")
	_, err := s.Orgs.Invite(c.Request().Context(), orgActor(c), c.Param("id"), org.NewInvitation{
		Email: f.Get("email"), Role: f.Get("role"), Analyst: f.Get("analyst") == "1",
	})
	if fieldErrors(err, &f) {
		return s.renderAdminOrg(c, http.StatusUnprocessableEntity, f, views.Form{})
	}
	if err != nil {
		return err
	}
	s.flash(c, "org.flash_invited")
	return redirect(c, "/admin/orgs/"+c.Param("id"))
}

// handleAdminOrgAnalyst grants (grant=1) or revokes the analyst flag of a
// member of a ministry organisation.
func (s *Server) handleAdminOrgAnalyst(c echo.Context) error {
	grant := c.FormValue("grant") == "1"
	if err := s.Orgs.SetAnalyst(c.Request().Context(), orgActor(c), c.Param("id"), c.Param("userID"), grant); err != nil {
		return err
	}
	if grant {
		s.flash(c, "admin.flash_analyst_granted")
	} else {
		s.flash(c, "admin.flash_analyst_revoked")
	}
	return redirect(c, "/admin/orgs/"+c.Param("id"))
}

// handleAdminUsers lists accounts with search, allowlisted sort and pages.
func (s *Server) handleAdminUsers(c echo.Context) error {
	pageNo, _ := strconv.Atoi(c.QueryParam("page"))
	a := currentAuth(c)
	page, err := s.Accounts.ListUsers(c.Request().Context(), a.User.ID, clientIP(c), account.UserQuery{
		Search: c.QueryParam("q"), Sort: c.QueryParam("sort"), Page: pageNo,
	})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, adminviews.Users(s.page(c, "admin.users_title"), page, a.User.ID))
}

// handleAdminUserDisable disables an account and ends its sessions.
func (s *Server) handleAdminUserDisable(c echo.Context) error {
	if err := s.Accounts.DisableUser(c.Request().Context(), currentAuth(c).User.ID, clientIP(c), c.Param("id")); err != nil {
		return err
	}
	s.flash(c, "admin.flash_user_disabled")
	return redirect(c, adminUsersReturn(c))
}

// handleAdminUserEnable lets a disabled account sign in again.
func (s *Server) handleAdminUserEnable(c echo.Context) error {
	if err := s.Accounts.EnableUser(c.Request().Context(), currentAuth(c).User.ID, clientIP(c), c.Param("id")); err != nil {
		return err
	}
	s.flash(c, "admin.flash_user_enabled")
	return redirect(c, adminUsersReturn(c))
}

// adminUsersReturn is the users listing page to return to. SECURITY: only
// local paths under /admin/users are accepted (no open redirect).
func adminUsersReturn(c echo.Context) string {
	p := safeReturnPath(c.FormValue("return_to"))
	if p != "/admin/users" && (len(p) < len("/admin/users?") || p[:len("/admin/users?")] != "/admin/users?") {
		return "/admin/users"
	}
	return p
}

// handleAdminAudit lists the audit log, filtered and paged.
func (s *Server) handleAdminAudit(c echo.Context) error {
	return s.renderAdminAudit(c, nil)
}

// handleAdminAuditVerify checks the audit log's hash chain and shows the
// result above the log.
func (s *Server) handleAdminAuditVerify(c echo.Context) error {
	res, err := s.Accounts.VerifyAuditLog(c.Request().Context(), currentAuth(c).User.ID, clientIP(c))
	if err != nil {
		return err
	}
	return s.renderAdminAudit(c, &res)
}

func (s *Server) renderAdminAudit(c echo.Context, verify *audit.VerifyResult) error {
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	log, err := s.Accounts.AuditLog(c.Request().Context(), currentAuth(c).User.ID, account.AuditQuery{
		Action: c.QueryParam("action"), ActorEmail: account.NormalizeEmail(c.QueryParam("actor")), BeforeID: before,
	})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, adminviews.Audit(s.page(c, "admin.audit_title"), adminviews.AuditState{Log: log, Verify: verify}))
}
