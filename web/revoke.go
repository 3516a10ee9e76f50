package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/credential"
	"takumi/internal/org"
	"takumi/views"
	revokeviews "takumi/views/revoke"
)

// credentialActor is the signed-in person as the credential domain sees
// them: platform admin or not, and the organisations they administer.
func credentialActor(c echo.Context) credential.Actor {
	a := currentAuth(c)
	act := credential.Actor{UserID: a.User.ID, IP: clientIP(c), IsPlatformAdmin: a.User.IsPlatformAdmin}
	for _, m := range a.Memberships {
		if m.Role == org.RoleAdmin {
			act.AdminOf = append(act.AdminOf, m.OrgID)
		}
	}
	return act
}

// requireAdminOfProvider refuses, with 404, anyone who is not an admin of
// the training provider in the URL (an employer's admins too: only a
// provider issues credentials). SECURITY: the credential domain checks
// again; this keeps other organisations' admins from learning anything.
func requireAdminOfProvider(c echo.Context) error {
	id := c.Param("id")
	for _, m := range currentAuth(c).Memberships {
		if m.OrgID == id && m.Role == org.RoleAdmin && m.Kind == org.KindProvider {
			return nil
		}
	}
	return echo.NewHTTPError(http.StatusNotFound)
}

// handleOrgCredentials lists the credentials the provider issued, with
// their holders' names, to an admin of that provider; the domain records
// the view in the audit log. ?q= narrows it to one credential (its id or
// verification URL); ?after= and ?before= (a credential id, from the
// previous and next links) page through it by key.
func (s *Server) handleOrgCredentials(c echo.Context) error {
	if err := requireAdminOfProvider(c); err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	list, err := s.Credentials.ListIssued(c.Request().Context(), credentialActor(c), c.Param("id"),
		credential.IssuedFilter{CredentialID: q, After: c.QueryParam("after"), Before: c.QueryParam("before")})
	if err != nil {
		return err
	}
	p := s.page(c, "revoke.org_title")
	return render(c, http.StatusOK, revokeviews.OrgCredentials(p, revokeviews.OrgList{List: list, Query: q, Now: time.Now()}))
}

// orgRevokeTarget is the credential of the URL if the provider in the URL
// issued it and the signed-in person administers that provider (else 404).
func (s *Server) orgRevokeTarget(c echo.Context) (revokeviews.Target, error) {
	if err := requireAdminOfProvider(c); err != nil {
		return revokeviews.Target{}, err
	}
	is, err := s.Credentials.GetIssued(c.Request().Context(), credentialActor(c), c.Param("cid"))
	if err != nil {
		return revokeviews.Target{}, err
	}
	// SECURITY: an admin of two providers revokes through the issuing
	// provider's pages only.
	if is.ProviderID == nil || *is.ProviderID != c.Param("id") {
		return revokeviews.Target{}, echo.NewHTTPError(http.StatusNotFound)
	}
	base := "/org/" + c.Param("id") + "/credentials"
	return revokeviews.Target{Issued: is, Action: base + "/" + is.ID + "/revoke", BackURL: base,
		BackKey: "revoke.back_to_list", Now: time.Now()}, nil
}

// handleOrgRevokeForm shows what will be revoked and asks for the reason.
func (s *Server) handleOrgRevokeForm(c echo.Context) error {
	t, err := s.orgRevokeTarget(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, revokeviews.RevokeForm(s.page(c, "revoke.form_title"), t, views.NewForm(), ""))
}

// handleOrgRevoke revokes the credential with the typed reason and returns
// to the provider's list.
func (s *Server) handleOrgRevoke(c echo.Context) error {
	t, err := s.orgRevokeTarget(c)
	if err != nil {
		return err
	}
	return s.revoke(c, t, "/org/"+c.Param("id")+"/credentials")
}

// adminRevokeTarget is the credential of the URL, for a platform admin.
func (s *Server) adminRevokeTarget(c echo.Context) (revokeviews.Target, error) {
	is, err := s.Credentials.GetIssued(c.Request().Context(), credentialActor(c), c.Param("cid"))
	if err != nil {
		return revokeviews.Target{}, err
	}
	return revokeviews.Target{Issued: is, Action: "/admin/credentials/" + is.ID + "/revoke",
		BackURL: adminLookupURL(is.ID), BackKey: "revoke.back_to_lookup", Now: time.Now()}, nil
}

func adminLookupURL(id string) string { return "/admin/credentials?q=" + url.QueryEscape(id) }

// handleAdminCredentials looks up one credential by its id or verification
// URL (?q=) for a platform admin, with a revoke action.
func (s *Server) handleAdminCredentials(c echo.Context) error {
	f := views.NewForm()
	f.Values["q"] = strings.TrimSpace(c.QueryParam("q"))
	v := revokeviews.AdminLookup{Form: f, Now: time.Now()}
	if q := f.Get("q"); q != "" {
		id, ok := credential.ParseRef(q)
		if !ok {
			f.Errors["q"] = "revoke.err_bad_ref"
		} else {
			is, err := s.Credentials.GetIssued(c.Request().Context(), credentialActor(c), id)
			switch {
			case isNotFound(err):
				f.Errors["q"] = "revoke.err_not_found"
			case err != nil:
				return err
			default:
				v.Found = is
			}
		}
	}
	return render(c, http.StatusOK, revokeviews.AdminCredentials(s.page(c, "revoke.admin_title"), v))
}

// handleAdminRevokeForm shows what will be revoked and asks for the reason.
func (s *Server) handleAdminRevokeForm(c echo.Context) error {
	t, err := s.adminRevokeTarget(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, revokeviews.RevokeForm(s.page(c, "revoke.form_title"), t, views.NewForm(), ""))
}

// handleAdminRevoke revokes the credential with the typed reason and
// returns to the lookup, which shows it revoked.
func (s *Server) handleAdminRevoke(c echo.Context) error {
	t, err := s.adminRevokeTarget(c)
	if err != nil {
		return err
	}
	return s.revoke(c, t, t.BackURL)
}

// revoke asks the domain to revoke t's credential with the typed reason.
// A problem with the reason shows the form again with the reason kept; a
// credential revoked meanwhile shows the page with that said; success
// goes to done with a notice.
func (s *Server) revoke(c echo.Context, t revokeviews.Target, done string) error {
	ctx := c.Request().Context()
	f := views.NewForm()
	f.Values["reason"] = c.FormValue("reason")
	err := s.Credentials.Revoke(ctx, credentialActor(c), t.Issued.ID, f.Get("reason"))
	if fieldErrors(err, &f) {
		return render(c, http.StatusUnprocessableEntity, revokeviews.RevokeForm(s.page(c, "revoke.form_title"), t, f, ""))
	}
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
		fresh, gerr := s.Credentials.GetIssued(ctx, credentialActor(c), t.Issued.ID)
		if gerr != nil {
			return gerr
		}
		t.Issued = fresh
		return render(c, http.StatusConflict, revokeviews.RevokeForm(s.page(c, "revoke.form_title"), t, views.NewForm(), e.Key))
	}
	if err != nil {
		return err
	}
	s.flashWith(c, "revoke.flash_revoked", t.Issued.Name.In(s.lang(c)), t.Issued.HolderName)
	return redirect(c, done)
}
