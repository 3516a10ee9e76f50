package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"takumi/internal/fixtures"
)

// invitationSend has the org admin b invite email with role and returns the
// link's path from the email.
func invitationSend(t *testing.T, ta *testApp, b *browser, orgID, email, role string) string {
	t.Helper()
	page := "/org/" + orgID
	if r := b.post(page, page+"/invitations", url.Values{"email": {email}, "role": {role}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite %s: %d\n%.400s", email, r.StatusCode, r.Body)
	}
	_, link := ta.waitMail(t, email, "招待")
	if link == "" {
		t.Fatal("invitation email has no link")
	}
	return ta.pathOf(t, link)
}

// TestInvitationJourney: an org admin invites a new address; the invitee
// opens the link, signs up (an account is made for them), signs in,
// accepts, and shows on the organisation page.
func TestInvitationJourney(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	admin, _, orgID := orgAdminSignedIn(t, ta, "inv-admin@example.jp", "招待の旅株式会社", "employer")
	path := invitationSend(t, ta, admin, orgID, "Newcomer@Example.jp", "instructor")
	invitee := ta.newBrowser(t)

	t.Run("AnonymousSeesSignInAndSignUp", func(t *testing.T) {
		r := invitee.get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("invitation page: %d", r.StatusCode)
		}
		doc := r.Doc(t)
		main := doc.Find("main").Text()
		if !strings.Contains(main, "招待の旅株式会社") || !strings.Contains(main, "講師") || !strings.Contains(main, "管理 inv-admin") {
			t.Fatalf("invitation page lacks organisation, role or inviter:\n%s", main)
		}
		if doc.Find(`a[href="/login?next=`+url.QueryEscape(path)+`"]`).Length() != 1 {
			t.Error("no sign-in link coming back to the invitation")
		}
		// Issue 14 item 2: the sign-up form is on the page, the address fixed.
		if doc.Find(`form[action="`+path+`/signup"]`).Length() != 1 || doc.Find(`form[action="`+path+`/signup"] input[name="email"]`).Length() != 0 ||
			strings.TrimSpace(doc.Find("#invitation-email").Text()) != "newcomer@example.jp" {
			t.Error("no sign-up form with the invited address fixed")
		}
		if r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Error("invitation page may leak its token in Referer")
		}
	})
	t.Run("ErrOtherAccount", func(t *testing.T) {
		other := ta.newBrowser(t)
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "someone-else@example.jp"})
		ta.signIn(t, other, "someone-else@example.jp", fixtures.Password, "")
		doc := other.get(path).Doc(t)
		if !strings.Contains(doc.Find(".notice-info").Text(), "someone-else@example.jp") || doc.Find(`form[action$="/accept"]`).Length() != 0 {
			t.Fatal("a different account is not told to sign in as the invited address")
		}
		r := other.post(path, path+"/accept", nil)
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("accept by another account: %d, want 403", r.StatusCode)
		}
	})
	t.Run("Accept", func(t *testing.T) {
		uid := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "newcomer@example.jp", Name: "新人 太郎"})
		ta.signIn(t, invitee, "newcomer@example.jp", fixtures.Password, "")
		r := invitee.post(path, path+"/accept", nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
			t.Fatalf("accept: %d to %q\n%.400s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		var role string
		ta.DB.Gorm.Raw("SELECT role FROM memberships WHERE org_id = ? AND user_id = ?", orgID, uid).Row().Scan(&role)
		if role != "instructor" {
			t.Fatalf("membership role %q, want instructor", role)
		}
		if !strings.Contains(admin.get("/org/"+orgID).Doc(t).Find("#members").Text(), "新人 太郎") {
			t.Fatal("new member not on the organisation page")
		}
		if adminAuditCount(t, ta, "org.invitation_accepted", orgID) != 1 {
			t.Error("org.invitation_accepted not audited")
		}
	})
	t.Run("ErrAlreadyAccepted", func(t *testing.T) {
		r := invitee.get(path)
		if r.StatusCode != http.StatusGone || !strings.Contains(r.Doc(t).Find("h1").Text(), "承諾済み") {
			t.Fatalf("accepted link: %d %q", r.StatusCode, r.Doc(t).Find("h1").Text())
		}
	})
}

func TestInvitationStates(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	admin, _, orgID := orgAdminSignedIn(t, ta, "inv-states@example.jp", "状態テスト株式会社", "employer")
	anon := ta.newBrowser(t)

	t.Run("Expired", func(t *testing.T) {
		path := invitationSend(t, ta, admin, orgID, "late@example.jp", "member")
		ta.DB.Gorm.Exec("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'late@example.jp'")
		r := anon.get(path)
		if r.StatusCode != http.StatusGone || !strings.Contains(r.Doc(t).Find("h1").Text(), "有効期限が切れています") {
			t.Fatalf("expired link: %d %q", r.StatusCode, r.Doc(t).Find("h1").Text())
		}
		// Inviting the same address again replaces the expired invitation.
		invitationSend(t, ta, admin, orgID, "late@example.jp", "member")
	})
	t.Run("Revoked", func(t *testing.T) {
		path := invitationSend(t, ta, admin, orgID, "gone@example.jp", "member")
		ta.DB.Gorm.Exec("UPDATE invitations SET revoked_at = now() WHERE email = 'gone@example.jp'")
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "gone@example.jp"})
		b := ta.signedIn(t, "gone@example.jp", "")
		r := b.post("/", path+"/accept", nil)
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.Doc(t).Find("h1").Text(), "取り消されました") {
			t.Fatalf("accepting a revoked invitation: %d %q", r.StatusCode, r.Doc(t).Find("h1").Text())
		}
	})
	t.Run("Unknown", func(t *testing.T) {
		r := anon.get("/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Doc(t).Find("h1").Text(), "見つかりません") {
			t.Fatalf("unknown token: %d %q", r.StatusCode, r.Doc(t).Find("h1").Text())
		}
	})
}
