package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"takumi/internal/fixtures"
)

// accountProfileValues is a valid profile form.
func accountProfileValues() url.Values {
	return url.Values{
		"display_name": {"山田 花子"}, "prefecture": {"27"}, "industry": {"E"}, "segment": {"developer"},
		"birth_year": {"1990"}, "gender": {"female"}, "language": {"ja"},
	}
}

func TestAccountRequiresSignIn(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b := ta.newBrowser(t)
	for _, p := range []string{"/account", "/account/2fa"} {
		r := b.get(p)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next="+url.QueryEscape(p) {
			t.Errorf("anonymous GET %s: %d to %q, want 303 to the sign-in form", p, r.StatusCode, r.Header.Get("Location"))
		}
	}
	for _, p := range []string{"/account", "/account/password", "/account/2fa", "/account/2fa/disable", "/account/2fa/recovery"} {
		if r := b.post("/", p, url.Values{}); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous POST %s: status %d, want 401", p, r.StatusCode)
		}
	}
	t.Run("LearnerForbiddenAdmin", func(t *testing.T) {
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "account-learner@example.jp"})
		lb := ta.signedIn(t, "account-learner@example.jp", "")
		if r := lb.get("/admin"); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
			t.Fatalf("learner GET /admin: status %d, want 403 (or 404 while /admin does not exist)", r.StatusCode)
		}
	})
}

func TestAccountProfile(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	const email = "account-profile@example.jp"
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "元の 名前"})
	b := ta.signedIn(t, email, "")

	t.Run("ShowsSavedProfile", func(t *testing.T) {
		doc := b.get("/account").Doc(t)
		if v, _ := doc.Find("#f-display_name").Attr("value"); v != "元の 名前" {
			t.Errorf("display name field = %q", v)
		}
		if v, _ := doc.Find("#f-prefecture option[selected]").Attr("value"); v != "13" {
			t.Errorf("selected prefecture = %q, want 13", v)
		}
		if doc.Find(`#f-segment-engineer[checked]`).Length() != 1 {
			t.Error("saved segment not checked")
		}
	})
	t.Run("ErrInvalidKeepsValues", func(t *testing.T) {
		v := accountProfileValues()
		v.Set("display_name", "")
		v.Set("birth_year", "1800")
		v.Set("prefecture", "99")
		r := b.post("/account", "/account", v)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid profile: status %d, want 422", r.StatusCode)
		}
		doc := r.Doc(t)
		for _, f := range []string{"display_name", "birth_year", "prefecture"} {
			if doc.Find("#f-"+f+"-error").Length() == 0 {
				t.Errorf("no error next to %s", f)
			}
		}
		if v, _ := doc.Find("#f-birth_year").Attr("value"); v != "1800" {
			t.Errorf("typed birth year not kept: %q", v)
		}
		if doc.Find(`#f-segment-developer[checked]`).Length() != 1 || doc.Find(`#f-gender-female[checked]`).Length() != 1 {
			t.Error("typed segment or gender not kept")
		}
		if v, _ := doc.Find("#f-industry option[selected]").Attr("value"); v != "E" {
			t.Errorf("typed industry not kept: %q", v)
		}
	})
	t.Run("OK", func(t *testing.T) {
		r := b.post("/account", "/account", accountProfileValues())
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
			t.Fatalf("save profile: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		doc := b.follow(r).Doc(t)
		if v, _ := doc.Find("#f-display_name").Attr("value"); v != "山田 花子" {
			t.Fatalf("display name after save = %q", v)
		}
		if !strings.Contains(doc.Find(".notice-success").Text(), "保存しました") {
			t.Error("no saved notice")
		}
		var details string
		ta.DB.Gorm.Raw("SELECT details FROM audit_events WHERE action = 'account.profile_updated' ORDER BY id DESC LIMIT 1").Row().Scan(&details)
		if !strings.Contains(details, "display_name") || !strings.Contains(details, "birth_year") || strings.Contains(details, "花子") {
			t.Fatalf("audit details %q should name the changed fields and never their values", details)
		}
	})
	t.Run("LanguageSwitchesInterface", func(t *testing.T) {
		v := accountProfileValues()
		v.Set("language", "en")
		r := b.post("/account", "/account", v)
		doc := b.follow(r).Doc(t)
		if lang, _ := doc.Find("html").Attr("lang"); lang != "en" || !strings.Contains(doc.Find("h1").Text(), "My account") {
			t.Fatalf("after choosing English: lang=%q h1=%q", lang, doc.Find("h1").Text())
		}
	})
}

func TestAccountPasswordChange(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	const email = "account-password@example.jp"
	const newPassword = "a brand new long password"
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email})
	b := ta.signedIn(t, email, "")
	other := ta.signedIn(t, email, "")

	t.Run("ErrWrongCurrentPassword", func(t *testing.T) {
		r := b.post("/account", "/account/password", url.Values{"current_password": {"not my password"},
			"new_password": {newPassword}, "confirm_password": {newPassword}})
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#f-current_password-error").Length() == 0 {
			t.Fatalf("wrong current password: status %d, want 422 with an error next to it", r.StatusCode)
		}
	})
	t.Run("ErrMismatch", func(t *testing.T) {
		r := b.post("/account", "/account/password", url.Values{"current_password": {fixtures.Password},
			"new_password": {newPassword}, "confirm_password": {newPassword + "x"}})
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#f-confirm_password-error").Length() == 0 {
			t.Fatalf("mismatched confirmation: status %d", r.StatusCode)
		}
	})
	t.Run("OKOtherSessionsEnd", func(t *testing.T) {
		r := b.post("/account", "/account/password", url.Values{"current_password": {fixtures.Password},
			"new_password": {newPassword}, "confirm_password": {newPassword}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("change password: status %d\n%.400s", r.StatusCode, r.Body)
		}
		if !loginSignedIn(t, b) {
			t.Fatal("the session that changed the password was signed out")
		}
		if r := other.get("/account"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("other browser after the change: %d to %q, want a redirect to /login", r.StatusCode, r.Header.Get("Location"))
		}
		if r := loginPost(ta.newBrowser(t), email, fixtures.Password); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("old password still works: status %d", r.StatusCode)
		}
		ta.signIn(t, ta.newBrowser(t), email, newPassword, "")
		if n := loginAuditCount(t, ta, email, "account.password_changed"); n != 1 {
			t.Fatalf("account.password_changed audited %d times", n)
		}
		ta.waitMail(t, email, "パスワードが変更されました")
	})
}

func TestAccountSignInHistory(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	const email = "account-history@example.jp"
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email})
	loginPost(ta.newBrowser(t), email, "wrong password here")
	b := ta.signedIn(t, email, "")
	rows := b.get("/account").Doc(t).Find("#signin-history tbody tr")
	if rows.Length() != 2 {
		t.Fatalf("history has %d rows, want 2 (failed attempt and sign-in)", rows.Length())
	}
	newest := rows.First().Text()
	if !strings.Contains(newest, "ログイン") || !strings.Contains(newest, "127.0.0.1") || !strings.Contains(newest, "JST") {
		t.Fatalf("newest row %q should be the sign-in, with IP and Japan time", newest)
	}
	if !strings.Contains(rows.Eq(1).Text(), "ログイン失敗") {
		t.Fatalf("older row %q should be the failed attempt", rows.Eq(1).Text())
	}
	// Another person's events are not shown.
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "account-history-other@example.jp"})
	ta.signIn(t, ta.newBrowser(t), "account-history-other@example.jp", fixtures.Password, "")
	if n := b.get("/account").Doc(t).Find("#signin-history tbody tr").Length(); n != 2 {
		t.Fatalf("history shows %d rows after someone else signed in, want 2", n)
	}
}

func TestAccountTwoFactorOptional(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	const email = "account-2fa@example.jp"
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email})
	b := ta.signedIn(t, email, "")
	if r := b.get("/account"); r.StatusCode != http.StatusOK {
		t.Fatalf("a learner without two-factor is not forced to set it up: status %d", r.StatusCode)
	}
	loginSetUpTwoFactor(t, ta, b, email)

	t.Run("RegenerateRecoveryCodes", func(t *testing.T) {
		if r := b.post("/account/2fa", "/account/2fa/recovery", url.Values{"recovery_password": {"wrong"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password: status %d, want 422", r.StatusCode)
		}
		r := b.post("/account/2fa", "/account/2fa/recovery", url.Values{"recovery_password": {fixtures.Password}})
		if r.StatusCode != http.StatusOK || r.Doc(t).Find("#recovery-codes code").Length() != 10 {
			t.Fatalf("regenerate: status %d", r.StatusCode)
		}
	})
	t.Run("ErrDisableWrongPassword", func(t *testing.T) {
		r := b.post("/account/2fa", "/account/2fa/disable", url.Values{"disable_password": {"wrong"}})
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#f-disable_password-error").Length() == 0 {
			t.Fatalf("disable with wrong password: status %d", r.StatusCode)
		}
	})
	t.Run("Disable", func(t *testing.T) {
		r := b.post("/account/2fa", "/account/2fa/disable", url.Values{"disable_password": {fixtures.Password}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: status %d", r.StatusCode)
		}
		if n := loginAuditCount(t, ta, email, "account.totp_disabled"); n != 1 {
			t.Fatalf("account.totp_disabled audited %d times", n)
		}
		nb := ta.newBrowser(t)
		r = loginPost(nb, email, fixtures.Password)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
			t.Fatalf("sign-in after turning off two-factor: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
}
