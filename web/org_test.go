package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// orgAdminSignedIn creates an org admin (with two-factor) of a new or
// existing organisation, signs them in and returns the browser, user id and
// organisation id.
func orgAdminSignedIn(t *testing.T, ta *testApp, email, orgName, kind string) (*browser, string, string) {
	t.Helper()
	id, secret := adminTOTPUser(t, ta, email, false)
	orgID := fixtures.MustAddMember(t, ta.DB, orgName, kind, id, "admin", false)
	b := ta.signedIn(t, email, secret)
	return b, id, orgID
}

func TestOrgIsolation(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	a, _, orgA := orgAdminSignedIn(t, ta, "org-admin-a@example.jp", "A社", "employer")
	_, _, orgB := orgAdminSignedIn(t, ta, "org-admin-b@example.jp", "B社", "employer")
	memberB := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "org-member-b@example.jp"})
	fixtures.MustAddMember(t, ta.DB, "B社", "employer", memberB, "member", false)
	var invB string
	ta.DB.Gorm.Raw(`INSERT INTO invitations (org_id, email, role, token_hash, expires_at)
		VALUES (?, 'someone@example.jp', 'member', '\x01', now() + interval '1 day') RETURNING id`, orgB).Row().Scan(&invB)

	t.Run("OwnOrgRedirect", func(t *testing.T) {
		r := a.get("/org")
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/org/"+orgA {
			t.Fatalf("GET /org: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("ErrOtherOrgHidden", func(t *testing.T) {
		r := a.get("/org/" + orgB)
		if r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "org-member-b@example.jp") {
			t.Fatalf("admin of A viewing B: %d", r.StatusCode)
		}
		posts := map[string]url.Values{
			"/org/" + orgB + "/invitations":                     {"email": {"x@example.jp"}, "role": {"admin"}},
			"/org/" + orgB + "/members/" + memberB + "/role":    {"role": {"admin"}},
			"/org/" + orgB + "/members/" + memberB + "/remove":  nil,
			"/org/" + orgB + "/invitations/" + invB + "/revoke": nil,
			"/org/" + orgB + "/invitations/" + invB + "/resend": nil,
		}
		for path, v := range posts {
			if r := a.post("/org/"+orgA, path, v); r.StatusCode != http.StatusNotFound {
				t.Errorf("admin of A: POST %s: %d, want 404", path, r.StatusCode)
			}
		}
		var role string
		ta.DB.Gorm.Raw("SELECT role FROM memberships WHERE org_id = ? AND user_id = ?", orgB, memberB).Row().Scan(&role)
		var invited, revoked int
		ta.DB.Gorm.Raw("SELECT count(*) FROM invitations WHERE email = 'x@example.jp'").Row().Scan(&invited)
		ta.DB.Gorm.Raw("SELECT count(*) FROM invitations WHERE id = ? AND revoked_at IS NOT NULL", invB).Row().Scan(&revoked)
		if role != "member" || invited != 0 || revoked != 0 {
			t.Fatalf("organisation B changed by A's admin: role=%q invited=%d revoked=%d", role, invited, revoked)
		}
	})
}

func TestOrgMembers(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b, adminID, orgID := orgAdminSignedIn(t, ta, "org-hr@example.jp", "members株式会社", "employer")
	memberID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "org-worker@example.jp", Name: "作業 一郎"})
	fixtures.MustAddMember(t, ta.DB, "members株式会社", "employer", memberID, "member", false)
	page := "/org/" + orgID

	t.Run("ListAudited", func(t *testing.T) {
		before := adminAuditCount(t, ta, "org.members_viewed", orgID)
		doc := b.get(page).Doc(t)
		table := doc.Find("#members").Text()
		if !strings.Contains(table, "作業 一郎") || !strings.Contains(table, "org-worker@example.jp") {
			t.Fatalf("member list: %q", table)
		}
		if adminAuditCount(t, ta, "org.members_viewed", orgID) != before+1 {
			t.Fatal("viewing the member list was not audited")
		}
	})
	t.Run("ErrLastAdminDemotesSelf", func(t *testing.T) {
		r := b.post(page, page+"/members/"+adminID+"/role", url.Values{"role": {"member"}})
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.Doc(t).Find(".notice-error").Text(), "最後の管理者") {
			t.Fatalf("last admin demoting self: %d %q", r.StatusCode, r.Doc(t).Find(".notice-error").Text())
		}
		r = b.post(page, page+"/members/"+adminID+"/remove", nil)
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("last admin removing self: %d", r.StatusCode)
		}
	})
	t.Run("ChangeRole", func(t *testing.T) {
		r := b.post(page, page+"/members/"+memberID+"/role", url.Values{"role": {"instructor"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != page {
			t.Fatalf("change role: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if got := b.follow(r).Doc(t).Find("#member-" + memberID + " .member-role").Text(); got != "講師" {
			t.Fatalf("role shown after change: %q", got)
		}
		if adminAuditCount(t, ta, "org.role_changed", orgID) != 1 {
			t.Error("org.role_changed not audited")
		}
	})
	t.Run("ChangeRoleHTMX", func(t *testing.T) {
		tok := b.csrf(page)
		req, _ := http.NewRequest(http.MethodPost, ta.URL+page+"/members/"+memberID+"/role", strings.NewReader(url.Values{"role": {"member"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", tok)
		r := b.do(req)
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(r.Body), "<tr") || !strings.Contains(r.Body, "メンバー") {
			t.Fatalf("htmx role change: %d\n%.300s", r.StatusCode, r.Body)
		}
	})
	t.Run("SecondAdminThenDemoteSelf", func(t *testing.T) {
		b.post(page, page+"/members/"+memberID+"/role", url.Values{"role": {"admin"}})
		r := b.post(page, page+"/members/"+adminID+"/role", url.Values{"role": {"member"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
			t.Fatalf("demote self with another admin: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
}

func TestOrgInvitations(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b, _, orgID := orgAdminSignedIn(t, ta, "org-inviter@example.jp", "招待テスト株式会社", "provider")
	page := "/org/" + orgID
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "english@example.jp", Language: "en"})

	t.Run("ErrInvalid", func(t *testing.T) {
		r := b.post(page, page+"/invitations", url.Values{"email": {"not-an-email"}, "role": {"boss"}})
		doc := r.Doc(t)
		if r.StatusCode != http.StatusUnprocessableEntity || doc.Find("#f-email-error").Text() == "" || doc.Find("#f-role-error").Text() == "" {
			t.Fatalf("invalid invitation: %d", r.StatusCode)
		}
		if v, _ := doc.Find("#f-email").Attr("value"); v != "not-an-email" {
			t.Errorf("typed email not kept: %q", v)
		}
	})
	t.Run("InviteeLanguage", func(t *testing.T) {
		if r := b.post(page, page+"/invitations", url.Values{"email": {"english@example.jp"}, "role": {"instructor"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("invite: %d", r.StatusCode)
		}
		body, _ := ta.waitMail(t, "english@example.jp", "Invitation")
		if !strings.Contains(body, "as Instructor") || strings.Contains(body, "招待されました") {
			t.Fatalf("email to an English-speaking account not in English only:\n%s", body)
		}
	})
	var invID string
	t.Run("ResendNewLink", func(t *testing.T) {
		_, oldLink := ta.waitMail(t, "english@example.jp", "Invitation")
		ta.DB.Gorm.Raw("SELECT id FROM invitations WHERE email = 'english@example.jp'").Row().Scan(&invID)
		if r := b.post(page, page+"/invitations/"+invID+"/resend", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("resend: %d", r.StatusCode)
		}
		deadline := 0
		var newLink string
		for newLink == "" || newLink == oldLink {
			_, newLink = ta.waitMail(t, "english@example.jp", "Invitation")
			if deadline++; deadline > 200 {
				t.Fatal("no new link after resend")
			}
			time.Sleep(50 * time.Millisecond)
		}
		anon := ta.newBrowser(t)
		if r := anon.get(ta.pathOf(t, oldLink)); r.StatusCode != http.StatusNotFound {
			t.Errorf("old link after resend: %d, want 404", r.StatusCode)
		}
		if r := anon.get(ta.pathOf(t, newLink)); r.StatusCode != http.StatusOK {
			t.Errorf("new link: %d", r.StatusCode)
		}
	})
	t.Run("Revoke", func(t *testing.T) {
		_, link := ta.waitMail(t, "english@example.jp", "Invitation")
		r := b.post(page, page+"/invitations/"+invID+"/revoke", nil)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		if strings.Contains(b.follow(r).Doc(t).Find("main").Text(), "english@example.jp") {
			t.Error("revoked invitation still listed")
		}
		if adminAuditCount(t, ta, "org.invitation_revoked", orgID) != 1 {
			t.Error("org.invitation_revoked not audited")
		}
		res := ta.newBrowser(t).get(ta.pathOf(t, link))
		if res.StatusCode != http.StatusGone || !strings.Contains(res.Doc(t).Find("h1").Text(), "取り消されました") {
			t.Fatalf("revoked link: %d %q", res.StatusCode, res.Doc(t).Find("h1").Text())
		}
		if r := b.post(page, page+"/invitations/"+invID+"/resend", nil); r.StatusCode != http.StatusConflict {
			t.Errorf("resending a revoked invitation: %d, want 409", r.StatusCode)
		}
	})
}

// TestOrgBrowserJourney: an org admin signs in, sees the member list and
// changes a member's role with a plain form submission (no script), then
// again with the htmx-enhanced button.
func TestOrgBrowserJourney(t *testing.T) {
	ta := startApp(t)
	const email = "journey-org@example.jp"
	id, secret := adminTOTPUser(t, ta, email, false)
	orgID := fixtures.MustAddMember(t, ta.DB, "ブラウザ株式会社", "employer", id, "admin", false)
	memberID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "journey-worker@example.jp", Name: "社員 一郎"})
	fixtures.MustAddMember(t, ta.DB, "ブラウザ株式会社", "employer", memberID, "member", false)
	ctx := newChrome(t)

	chromeSignIn(t, ctx, ta, "/org", email, secret, "#members")
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/org/"+orgID) {
		t.Fatalf("after sign-in at %q, want the organisation page", loc)
	}
	if rows := text(t, ctx, "#members tbody"); !strings.Contains(rows, "社員 一郎") || !strings.Contains(rows, "journey-worker@example.jp") {
		t.Fatalf("member list: %q", rows)
	}
	checkAxe(t, ctx, "/org/:id")

	row := "#member-" + memberID
	// form.submit() sends the form as a browser without JavaScript would.
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(row+" select"), "instructor"),
		chromedp.Submit(chromedp.CSS(row+` form[action$="/role"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice-success")),
	)
	if got := text(t, ctx, row+" .member-role"); got != "講師" {
		t.Fatalf("role after plain submit: %q", got)
	}
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(row+" select"), "member"),
		chromedp.Click(chromedp.CSS(row+` form[action$="/role"] button`)),
	)
	deadline := time.Now().Add(5 * time.Second)
	for text(t, ctx, row+" .member-role") != "メンバー" {
		if time.Now().After(deadline) {
			t.Fatalf("role after the enhanced submit: %q", text(t, ctx, row+" .member-role"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	checkAxe(t, ctx, "/org/:id after a role change")
}
