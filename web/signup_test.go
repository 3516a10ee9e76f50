package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/account"
	"takumi/internal/fixtures"
)

// signupValues is a complete, valid sign-up form for email.
func signupValues(email string) url.Values {
	return url.Values{
		"email": {email}, "password": {"sakura-fuji-tsuru-kame"}, "password_confirm": {"sakura-fuji-tsuru-kame"},
		"display_name": {"佐藤 健"}, "prefecture": {"27"}, "industry": {"E"}, "segment": {"engineer"},
		"birth_year": {"1988"}, "gender": {"unspecified"}, "consent": {"yes"},
	}
}

// signupMainText is the visible text of the page's main landmark with email
// replaced by a placeholder, so two answers can be compared.
func signupMainText(t *testing.T, r *response, email string) string {
	t.Helper()
	txt := r.Doc(t).Find("main").Text()
	return strings.Join(strings.Fields(strings.ReplaceAll(txt, email, "EMAIL")), " ")
}

// signupHasLogin reports whether the sign-in routes exist yet (they are
// built alongside this area).
func signupHasLogin(b *browser) bool {
	return b.get("/login").StatusCode == http.StatusOK
}

// signupMailCount counts the emails delivered to `to`.
func signupMailCount(ta *testApp, to string) int64 {
	var n int64
	ta.DB.Gorm.Raw("SELECT count(*) FROM dev_mail WHERE to_addr = ?", to).Scan(&n)
	return n
}

func TestSignupForm(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b := ta.newBrowser(t)

	t.Run("PrefillFromInvitation", func(t *testing.T) {
		r := b.get("/signup?email=" + url.QueryEscape("invited@example.jp"))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		doc := r.Doc(t)
		if v, _ := doc.Find(`input[name="email"]`).Attr("value"); v != "invited@example.jp" {
			t.Fatalf("email not prefilled: %q", v)
		}
		if n := doc.Find(`select[name="prefecture"] option[value]`).Length(); n != 48 { // 47 + "choose"
			t.Fatalf("prefecture options: %d", n)
		}
		if doc.Find(`select[name="prefecture"] option[value="13"]`).Text() != "東京都" {
			t.Fatal("prefectures not labelled in Japanese")
		}
		if strings.Contains(doc.Find("main").Text(), "[signup.") {
			t.Fatal("a sign-up label is missing from the catalogue")
		}
		if n := doc.Find(`input[name="segment"]`).Length(); n != 3 || doc.Find(`select[name="gender"] option`).Length() != 4 {
			t.Fatalf("segment radios %d, gender options %d", n, doc.Find(`select[name="gender"] option`).Length())
		}
		if v, _ := doc.Find(`select[name="gender"] option[selected]`).Attr("value"); v != "unspecified" {
			t.Fatalf("gender default %q, want unspecified", v)
		}
		if doc.Find(`form[action="/signup"] a[href="/privacy"]`).Length() != 1 {
			t.Fatal("no link to the privacy notice next to the consent box")
		}
		if !strings.Contains(doc.Find("#f-password-hint").Text(), "10文字以上") ||
			!strings.Contains(doc.Find("#f-password-hint").Text(), "メールアドレスと同じ") {
			t.Fatalf("password hint: %q", doc.Find("#f-password-hint").Text())
		}
	})
	t.Run("ErrFieldsKeptAndExplained", func(t *testing.T) {
		v := signupValues("kept@example.jp")
		v.Set("password", "short")
		v.Set("password_confirm", "short")
		v.Set("display_name", "佐藤 健")
		v.Set("birth_year", "1850")
		v.Set("segment", "developer")
		v.Del("consent")
		r := b.post("/signup", "/signup", v)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		doc := r.Doc(t)
		for name, want := range map[string]string{"email": "kept@example.jp", "display_name": "佐藤 健", "birth_year": "1850"} {
			if got, _ := doc.Find(`input[name="` + name + `"]`).Attr("value"); got != want {
				t.Errorf("%s kept as %q, want %q", name, got, want)
			}
		}
		for _, name := range []string{"password", "password_confirm"} {
			if got, has := doc.Find(`input[name="` + name + `"]`).Attr("value"); has || got != "" {
				t.Errorf("%s sent back to the browser: %q", name, got)
			}
		}
		if v, _ := doc.Find(`select[name="prefecture"] option[selected]`).Attr("value"); v != "27" {
			t.Errorf("prefecture kept as %q", v)
		}
		if v, _ := doc.Find(`select[name="industry"] option[selected]`).Attr("value"); v != "E" {
			t.Errorf("industry kept as %q", v)
		}
		if v, _ := doc.Find(`input[name="segment"][checked]`).Attr("value"); v != "developer" {
			t.Errorf("segment kept as %q", v)
		}
		for id, want := range map[string]string{
			"#f-password-error":   "10文字以上",
			"#f-birth_year-error": "1900年",
			"#f-consent-error":    "同意のチェック",
		} {
			if got := doc.Find(id).Text(); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want it to contain %q", id, got, want)
			}
		}
		if inv, _ := doc.Find("#f-password").Attr("aria-invalid"); inv != "true" {
			t.Error("password input not marked invalid")
		}
		if doc.Find("#f-email-error").Length() != 0 || doc.Find("#error-summary").Length() != 1 {
			t.Error("error summary missing or a valid field marked wrong")
		}
	})
	t.Run("ErrPasswordIsEmailAndMismatch", func(t *testing.T) {
		v := signupValues("same@example.jp")
		v.Set("password", "same@example.jp")
		r := b.post("/signup", "/signup", v)
		doc := r.Doc(t)
		if r.StatusCode != 422 || !strings.Contains(doc.Find("#f-password-error").Text(), "メールアドレスと同じ") {
			t.Fatalf("password equal to email: %d %q", r.StatusCode, doc.Find("#f-password-error").Text())
		}
		v = signupValues("mismatch@example.jp")
		v.Set("password_confirm", "something different")
		doc = b.post("/signup", "/signup", v).Doc(t)
		if !strings.Contains(doc.Find("#f-password_confirm-error").Text(), "一致しません") {
			t.Fatal("mismatched confirmation not explained")
		}
	})
	t.Run("OK", func(t *testing.T) {
		r := b.post("/signup", "/signup", signupValues("Ken.Sato@Example.jp"))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d\n%.600s", r.StatusCode, r.Body)
		}
		doc := r.Doc(t)
		if h := doc.Find("h1").Text(); h != "メールをご確認ください" {
			t.Fatalf("h1 %q", h)
		}
		if !strings.Contains(doc.Find("main").Text(), "ken.sato@example.jp") {
			t.Fatal("the page does not say where the email went")
		}
		if doc.Find(`main a[href="/dev/mailbox"]`).Length() != 1 {
			t.Fatal("no link to the development mailbox")
		}
		var u struct {
			Language, Gender string
			Verified         *time.Time `gorm:"column:email_verified_at"`
		}
		ta.DB.Gorm.Raw("SELECT language, gender, email_verified_at FROM users WHERE email = 'ken.sato@example.jp'").Scan(&u)
		if u.Language != "ja" || u.Gender != "unspecified" || u.Verified != nil {
			t.Fatalf("stored account: %+v", u)
		}

		body, link := ta.waitMail(t, "ken.sato@example.jp", "メールアドレスの確認")
		if !strings.HasPrefix(link, ta.Cfg.BaseURL+"/verify-email?token=") || !strings.Contains(body, "佐藤 健") {
			t.Fatalf("verification email:\n%s", body)
		}
		// The link signs the person in (issue 14 item 6) and lands on My
		// learning with a notice; this browser signs out again for the
		// tests below.
		vb := ta.newBrowser(t)
		r = vb.get(ta.pathOf(t, link))
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
			t.Fatalf("verify: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		r = vb.get("/learn")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Doc(t).Find("main").Text(), "メールアドレスを確認しました。ログインしています。") {
			t.Fatalf("after verifying: %d, not signed in on My learning with the notice", r.StatusCode)
		}
		ta.DB.Gorm.Raw("SELECT email_verified_at FROM users WHERE email = 'ken.sato@example.jp'").Scan(&u)
		if u.Verified == nil {
			t.Fatal("email_verified_at not set")
		}

		t.Run("ErrLinkReused", func(t *testing.T) {
			r := b.get(ta.pathOf(t, link))
			if r.StatusCode != http.StatusGone || !strings.Contains(r.Doc(t).Find("#token-problem").Text(), "すでに使われています") {
				t.Fatalf("reused link: %d %q", r.StatusCode, r.Doc(t).Find("#token-problem").Text())
			}
			if r.Doc(t).Find(`form[action="/verify-email/resend"] input[name="email"]`).Length() != 1 {
				t.Fatal("no form for a new link")
			}
		})
		t.Run("ErrLinkInvalid", func(t *testing.T) {
			r := b.get("/verify-email?token=not-a-token")
			if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Doc(t).Find("#token-problem").Text(), "無効") {
				t.Fatalf("invalid link: %d %q", r.StatusCode, r.Doc(t).Find("#token-problem").Text())
			}
		})
	})
	t.Run("DuplicateLooksLikeSuccess", func(t *testing.T) {
		fresh := b.post("/signup", "/signup", signupValues("fresh@example.jp"))
		v := signupValues("KEN.SATO@example.jp")
		v.Set("display_name", "なりすまし")
		dup := b.post("/signup", "/signup", v)
		if dup.StatusCode != fresh.StatusCode {
			t.Fatalf("duplicate status %d, new account status %d", dup.StatusCode, fresh.StatusCode)
		}
		if a, b := signupMainText(t, fresh, "fresh@example.jp"), signupMainText(t, dup, "ken.sato@example.jp"); a != b {
			t.Fatalf("the duplicate answer differs from a new account's:\nnew: %s\ndup: %s", a, b)
		}
		body, link := ta.waitMail(t, "ken.sato@example.jp", "登録が試みられました")
		if !strings.Contains(body, ta.Cfg.BaseURL+"/password/forgot") || link != ta.Cfg.BaseURL+"/login" {
			t.Fatalf("warning email lacks sign-in and reset links:\n%s", body)
		}
		var n int64
		ta.DB.Gorm.Raw("SELECT count(*) FROM users WHERE display_name = 'なりすまし'").Scan(&n)
		if n != 0 {
			t.Fatal("a second account was created for a registered email")
		}
	})
	t.Run("EnglishPageMakesEnglishAccount", func(t *testing.T) {
		eb := ta.newBrowser(t)
		eb.post("/", "/language", url.Values{"lang": {"en"}, "return_to": {"/signup"}})
		doc := eb.get("/signup").Doc(t)
		if doc.Find(`label[for="f-email"]`).Text() == "" || !strings.Contains(doc.Find(`label[for="f-email"]`).Text(), "Email address") ||
			doc.Find(`select[name="prefecture"] option[value="13"]`).Text() != "Tokyo" {
			t.Fatal("sign-up form not in English")
		}
		eb.post("/signup", "/signup", signupValues("english@example.jp"))
		if _, link := ta.waitMail(t, "english@example.jp", "Confirm your email"); link == "" {
			t.Fatal("no link in the English email")
		}
	})
}

// TestSignupSignedIn: a signed-in person is sent to their account page
// instead of the sign-up form.
func TestSignupSignedIn(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b := ta.newBrowser(t)
	if !signupHasLogin(b) {
		t.Skip("the sign-in routes are not there yet")
	}
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "member@example.jp"})
	ta.signIn(t, b, "member@example.jp", fixtures.Password, "")
	r := b.get("/signup")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("GET /signup signed in: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = b.post("/account", "/signup", signupValues("another@example.jp"))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /signup signed in: %d", r.StatusCode)
	}
}

func TestSignupResendVerification(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b := ta.newBrowser(t)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "pending@example.jp", Unverified: true})

	t.Run("PrefillFromQuery", func(t *testing.T) {
		doc := b.get("/verify-email/resend?email=pending%40example.jp").Doc(t)
		if v, _ := doc.Find(`input[name="email"]`).Attr("value"); v != "pending@example.jp" {
			t.Fatalf("email not prefilled: %q", v)
		}
	})
	t.Run("SameAnswerForEveryone", func(t *testing.T) {
		known := b.post("/verify-email/resend", "/verify-email/resend", url.Values{"email": {"pending@example.jp"}})
		unknown := b.post("/verify-email/resend", "/verify-email/resend", url.Values{"email": {"nobody@example.jp"}})
		if known.StatusCode != 200 || unknown.StatusCode != 200 {
			t.Fatalf("statuses %d %d", known.StatusCode, unknown.StatusCode)
		}
		if a, b := signupMainText(t, known, "pending@example.jp"), signupMainText(t, unknown, "nobody@example.jp"); a != b {
			t.Fatalf("answers differ:\n%s\n%s", a, b)
		}
		_, link := ta.waitMail(t, "pending@example.jp", "メールアドレスの確認")
		if r := ta.newBrowser(t).get(ta.pathOf(t, link)); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
			t.Fatalf("resent link: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("ErrEmailInvalid", func(t *testing.T) {
		r := b.post("/verify-email/resend", "/verify-email/resend", url.Values{"email": {"nope"}})
		if r.StatusCode != 422 || r.Doc(t).Find("#f-email-error").Length() != 1 {
			t.Fatalf("invalid email: %d", r.StatusCode)
		}
	})
}

func TestSignupPasswordReset(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b := ta.newBrowser(t)
	id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "forgetful@example.jp"})
	ta.DB.Gorm.Exec("UPDATE users SET failed_logins = 5, locked_until = now() + interval '15 minutes' WHERE id = ?", id)

	known := b.post("/password/forgot", "/password/forgot", url.Values{"email": {"forgetful@example.jp"}})
	unknown := b.post("/password/forgot", "/password/forgot", url.Values{"email": {"stranger@example.jp"}})
	t.Run("SameAnswerKnownAndUnknown", func(t *testing.T) {
		if known.StatusCode != 200 || unknown.StatusCode != 200 {
			t.Fatalf("statuses %d %d", known.StatusCode, unknown.StatusCode)
		}
		if a, b := signupMainText(t, known, "forgetful@example.jp"), signupMainText(t, unknown, "stranger@example.jp"); a != b {
			t.Fatalf("answers differ:\n%s\n%s", a, b)
		}
	})
	_, link := ta.waitMail(t, "forgetful@example.jp", "パスワードの再設定")
	t.Run("NoMailToUnknown", func(t *testing.T) {
		var n int64
		ta.DB.Gorm.Raw("SELECT count(*) FROM dev_mail WHERE to_addr = 'stranger@example.jp'").Scan(&n)
		if n != 0 {
			t.Fatal("an unknown address was emailed")
		}
	})
	resetPath := ta.pathOf(t, link)
	t.Run("ErrWeakPasswordKeepsToken", func(t *testing.T) {
		doc := b.get(resetPath).Doc(t)
		tok, _ := doc.Find(`form[action="/password/reset"] input[name="token"]`).Attr("value")
		if tok == "" {
			t.Fatal("reset form has no token")
		}
		r := b.post(resetPath, "/password/reset", url.Values{"token": {tok}, "password": {"short"}, "password_confirm": {"short"}})
		doc = r.Doc(t)
		if r.StatusCode != 422 || !strings.Contains(doc.Find("#f-password-error").Text(), "10文字以上") {
			t.Fatalf("weak password: %d", r.StatusCode)
		}
		if v, _ := doc.Find(`input[name="token"]`).Attr("value"); v != tok {
			t.Fatal("token lost on the re-rendered form")
		}
	})
	t.Run("OK", func(t *testing.T) {
		tok := strings.TrimPrefix(resetPath, "/password/reset?token=")
		r := b.post(resetPath, "/password/reset", url.Values{"token": {tok}, "password": {"a whole new password"}, "password_confirm": {"a whole new password"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("reset: %d to %q\n%.500s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		next := b.follow(r)
		if next.StatusCode != http.StatusOK {
			next = b.get("/") // the sign-in page is not there yet; the flash shows on any page
		}
		if !strings.Contains(next.Doc(t).Find(".notice-success").Text(), "パスワードを変更しました") {
			t.Fatal("no notice that the password was changed")
		}
		var u struct {
			PasswordHash   string
			FailedLogins   int
			LockedUntil    *time.Time
			SessionVersion int
		}
		ta.DB.Gorm.Raw("SELECT password_hash, failed_logins, locked_until, session_version FROM users WHERE id = ?", id).Scan(&u)
		if ok, _ := account.CheckPassword(u.PasswordHash, "a whole new password"); !ok {
			t.Fatal("the new password does not work")
		}
		if ok, _ := account.CheckPassword(u.PasswordHash, fixtures.Password); ok {
			t.Fatal("the old password still works")
		}
		if u.FailedLogins != 0 || u.LockedUntil != nil || u.SessionVersion != 2 {
			t.Fatalf("after reset: %+v", u)
		}
		if signupHasLogin(ta.newBrowser(t)) {
			ta.signIn(t, ta.newBrowser(t), "forgetful@example.jp", "a whole new password", "")
			old := ta.newBrowser(t)
			r := old.post("/login", "/login", url.Values{"email": {"forgetful@example.jp"}, "password": {fixtures.Password}})
			if r.StatusCode == http.StatusSeeOther {
				t.Fatal("the old password still signs in")
			}
		}
	})
	t.Run("ErrLinkReused", func(t *testing.T) {
		r := b.get(resetPath)
		doc := r.Doc(t)
		if r.StatusCode != http.StatusGone || !strings.Contains(doc.Find("#token-problem").Text(), "すでに使われています") {
			t.Fatalf("reused reset link: %d %q", r.StatusCode, doc.Find("#token-problem").Text())
		}
		if doc.Find(`main a[href="/password/forgot"]`).Length() != 1 {
			t.Fatal("no link to ask for a new reset link")
		}
	})
	t.Run("ErrLinkExpired", func(t *testing.T) {
		before := signupMailCount(ta, "forgetful@example.jp")
		b.post("/password/forgot", "/password/forgot", url.Values{"email": {"forgetful@example.jp"}})
		for deadline := time.Now().Add(10 * time.Second); signupMailCount(ta, "forgetful@example.jp") == before; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no second reset email")
			}
		}
		_, link := ta.waitMail(t, "forgetful@example.jp", "パスワードの再設定")
		ta.DB.Gorm.Exec("UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = ? AND used_at IS NULL", id)
		r := b.get(ta.pathOf(t, link))
		if r.StatusCode != http.StatusGone || !strings.Contains(r.Doc(t).Find("#token-problem").Text(), "有効期限") {
			t.Fatalf("expired reset link: %d %q", r.StatusCode, r.Doc(t).Find("#token-problem").Text())
		}
	})
}

func TestSignupCSRF(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b := ta.newBrowser(t)
	b.get("/signup") // a session and CSRF cookie, but no token in the form
	for _, path := range []string{"/signup", "/verify-email/resend", "/password/forgot", "/password/reset"} {
		t.Run("ErrNoToken"+path, func(t *testing.T) {
			v := signupValues("csrf@example.jp")
			r := b.postRaw(path, v)
			if r.StatusCode != http.StatusForbidden {
				t.Fatalf("POST %s without CSRF token: %d, want 403", path, r.StatusCode)
			}
		})
	}
	var n int64
	ta.DB.Gorm.Raw("SELECT count(*) FROM users WHERE email = 'csrf@example.jp'").Scan(&n)
	if n != 0 {
		t.Fatal("an account was created without a CSRF token")
	}
}

// signupValue is the current value of a form control.
func signupValue(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return get(t, ctx, chromedp.Value(chromedp.CSS(sel)))
}

// signupMailboxLink opens the development mailbox until a link to path
// appears for the recipient, and returns it.
func signupMailboxLink(t *testing.T, ctx context.Context, base, to, path string) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(base+path) + `\?token=[A-Za-z0-9_-]+`)
	deadline := time.Now().Add(15 * time.Second)
	for {
		do(t, ctx, chromedp.Navigate(base+"/dev/mailbox?to="+to), chromedp.WaitVisible(chromedp.CSS("h1")))
		if link := re.FindString(text(t, ctx, "main")); link != "" {
			return link
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s link for %s in the mailbox", path, to)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestSignupBrowserJourney: a person signs up in Japanese, forgets the
// consent box, sees why next to it with everything typed kept (but not the
// password), fixes it, follows the link from the mailbox and is confirmed.
// Then the same form in English.
func TestSignupBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	const email, password, name = "yui.tanaka@example.jp", "hikari-no-michi-2030", "田中 結衣"
	submit := chromedp.CSS(`form[action="/signup"] button[type="submit"]`)

	do(t, ctx, chromedp.Navigate(ta.URL+"/signup"), chromedp.WaitVisible(chromedp.CSS(`form[action="/signup"]`)))
	if lang, h1 := attr(t, ctx, "html", "lang"), text(t, ctx, "h1"); lang != "ja" || h1 != "アカウント登録" {
		t.Fatalf("sign-up page not in Japanese: lang=%q h1=%q", lang, h1)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), password),
		chromedp.SendKeys(chromedp.CSS("#f-display_name"), name),
		chromedp.SetValue(chromedp.CSS("#f-prefecture"), "01"),
		chromedp.SetValue(chromedp.CSS("#f-industry"), "G"),
		chromedp.Click(chromedp.CSS("#f-segment-developer")),
		chromedp.SendKeys(chromedp.CSS("#f-birth_year"), "1992"),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS("#f-consent-error")),
	)
	if msg := text(t, ctx, "#f-consent-error"); !strings.Contains(msg, "同意のチェック") {
		t.Fatalf("consent message %q", msg)
	}
	for sel, want := range map[string]string{
		"#f-email": email, "#f-display_name": name, "#f-prefecture": "01", "#f-industry": "G", "#f-birth_year": "1992",
		"#f-password": "", "#f-password_confirm": "",
	} {
		if got := signupValue(t, ctx, sel); got != want {
			t.Errorf("%s = %q after the error, want %q", sel, got, want)
		}
	}
	if checked := get(t, ctx, chromedp.JavascriptAttribute[bool](chromedp.CSS("#f-segment-developer"), "checked")); !checked {
		t.Error("segment choice lost after the error")
	}
	if text(t, ctx, "#error-summary") == "" {
		t.Error("no error summary")
	}
	checkAxe(t, ctx, "sign-up form with errors (ja)")

	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), password),
		chromedp.Click(chromedp.CSS("#f-consent")),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS(`main a[href="/dev/mailbox"]`)),
	)
	if h1, main := text(t, ctx, "h1"), text(t, ctx, "main"); h1 != "メールをご確認ください" || !strings.Contains(main, email) {
		t.Fatalf("check-email page: h1=%q main=%q", h1, main)
	}
	checkAxe(t, ctx, "check-email page")

	link := signupMailboxLink(t, ctx, ta.URL, email, "/verify-email")
	// The link signs the person in and lands on My learning (issue 14 item 6).
	do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/learn") {
		t.Fatalf("after following the link: at %s, want /learn", loc)
	}
	checkAxe(t, ctx, "My learning after verifying")
	clickAndWaitNewPage(t, ctx, `form[action="/logout"] button`)

	t.Run("English", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(ta.URL+"/signup"),
			chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="en"]`)),
			chromedp.Click(chromedp.CSS(`form.lang-switch button[value="en"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="ja"]`)),
		)
		if lang, h1 := attr(t, ctx, "html", "lang"), text(t, ctx, "h1"); lang != "en" || h1 != "Create an account" {
			t.Fatalf("sign-up page after switching: lang=%q h1=%q", lang, h1)
		}
		for sel, want := range map[string]string{
			`label[for="f-email"]`:        "Email address",
			`label[for="f-password"]`:     "Password",
			`label[for="f-display_name"]`: "Display name",
			`label[for="f-prefecture"]`:   "Prefecture",
			`label[for="f-consent"]`:      "I have read and agree to the privacy notice",
		} {
			if got := text(t, ctx, sel); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		if got := get(t, ctx, chromedp.TextContent(chromedp.CSS(`#f-prefecture option[value="13"]`))); got != "Tokyo" {
			t.Errorf("prefecture 13 labelled %q, want Tokyo", got)
		}
		do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Alex"),
			chromedp.Click(submit),
			chromedp.WaitVisible(chromedp.CSS("#f-consent-error")),
		)
		if msg := text(t, ctx, "#f-email-error"); msg != "Enter your email address." {
			t.Fatalf("English error next to the email field: %q", msg)
		}
		if got := signupValue(t, ctx, "#f-display_name"); got != "Alex" {
			t.Fatalf("display name kept as %q", got)
		}
		checkAxe(t, ctx, "sign-up form with errors (en)")
	})
}
