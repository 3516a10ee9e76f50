package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"takumi/internal/config"
	"takumi/internal/fixtures"
	"takumi/web"
)

// loginPost submits the sign-in form.
func loginPost(b *browser, email, password string) *response {
	b.t.Helper()
	return b.post("/login", "/login", url.Values{"email": {email}, "password": {password}})
}

// loginErrorText is the refused sign-in message on a page.
func loginErrorText(t *testing.T, r *response) string {
	t.Helper()
	return strings.TrimSpace(r.Doc(t).Find("#login-error").Text())
}

// loginSessionCookie is the browser's session cookie value ("" if none).
func loginSessionCookie(t *testing.T, ta *testApp, b *browser) string {
	t.Helper()
	u, _ := url.Parse(ta.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == web.SessionCookieName(ta.Cfg) {
			return c.Value
		}
	}
	return ""
}

// loginAuditCount counts audit events with action for the user with email.
func loginAuditCount(t *testing.T, ta *testApp, email, action string) int {
	t.Helper()
	var n int
	ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events a JOIN users u ON u.id = a.actor_id
		WHERE u.email = ? AND a.action = ?`, email, action).Row().Scan(&n)
	return n
}

// loginSignedIn reports whether b is signed in (the account page answers).
func loginSignedIn(t *testing.T, b *browser) bool {
	t.Helper()
	return b.get("/account").StatusCode == http.StatusOK
}

func TestLoginPasswordStep(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "login-ok@example.jp"})

	t.Run("FormHasFieldsAndLinks", func(t *testing.T) {
		doc := ta.newBrowser(t).get("/login?next=/account").Doc(t)
		for _, sel := range []string{`input[name="email"]`, `input[name="password"][type="password"]`,
			`input[type="hidden"][name="next"][value="/account"]`, `a[href="/password/forgot"]`, `main a[href="/signup"]`} {
			if doc.Find(sel).Length() == 0 {
				t.Errorf("login page lacks %s", sel)
			}
		}
	})
	t.Run("ErrOpenRedirectNext", func(t *testing.T) {
		doc := ta.newBrowser(t).get("/login?next=//evil.example/").Doc(t)
		if v, _ := doc.Find(`input[name="next"]`).Attr("value"); v != "/" {
			t.Fatalf("next = %q, want /", v)
		}
	})
	t.Run("OK", func(t *testing.T) {
		b := ta.newBrowser(t)
		// An anonymous session exists before sign-in (signing out while not
		// signed in leaves a notice in one), as a planted session id would.
		b.post("/", "/logout", nil)
		before := loginSessionCookie(t, ta, b)
		if before == "" {
			t.Fatal("no anonymous session to compare with")
		}
		r := b.post("/login", "/login", url.Values{"email": {"Login-OK@example.jp"}, "password": {fixtures.Password}, "next": {"/account"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
			t.Fatalf("sign-in: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		after := loginSessionCookie(t, ta, b)
		if after == "" || after == before {
			t.Fatalf("session token not renewed at sign-in: before %q after %q", before, after)
		}
		if !loginSignedIn(t, b) {
			t.Fatal("not signed in after a successful sign-in")
		}
		// SECURITY: the session id known before sign-in is worthless after it.
		planted := ta.newBrowser(t)
		u, _ := url.Parse(ta.URL)
		planted.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookieName(ta.Cfg), Value: before, Path: "/"}})
		if loginSignedIn(t, planted) {
			t.Fatal("the pre-sign-in session id is signed in (session fixation)")
		}
		if n := loginAuditCount(t, ta, "login-ok@example.jp", "auth.login_succeeded"); n != 1 {
			t.Fatalf("auth.login_succeeded audited %d times", n)
		}
	})
	t.Run("ErrSameAnswerForWrongPasswordAndUnknownEmail", func(t *testing.T) {
		b := ta.newBrowser(t)
		wrong := loginPost(b, "login-ok@example.jp", "wrong password here")
		unknown := loginPost(b, "nobody-here@example.jp", "wrong password here")
		if wrong.StatusCode != http.StatusUnauthorized || unknown.StatusCode != wrong.StatusCode {
			t.Fatalf("statuses: wrong password %d, unknown email %d; want both 401", wrong.StatusCode, unknown.StatusCode)
		}
		w, u := loginErrorText(t, wrong), loginErrorText(t, unknown)
		if w == "" || w != u {
			t.Fatalf("messages differ:\nwrong password: %q\nunknown email:  %q", w, u)
		}
		if !strings.Contains(w, "メールアドレスまたはパスワードが正しくない") {
			t.Fatalf("message %q does not say the credentials are wrong", w)
		}
		if v, _ := wrong.Doc(t).Find(`input[name="email"]`).Attr("value"); v != "login-ok@example.jp" {
			t.Errorf("typed email not kept: %q", v)
		}
		if strings.Contains(wrong.Body, "wrong password here") {
			t.Error("the password was sent back in the page")
		}
		if loginSignedIn(t, b) {
			t.Fatal("signed in after wrong password")
		}
	})
	t.Run("ErrEmptyFields", func(t *testing.T) {
		r := loginPost(ta.newBrowser(t), "", "")
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#f-email-error").Length() == 0 {
			t.Fatalf("empty form: status %d, want 422 with an error next to the email", r.StatusCode)
		}
	})
	t.Run("ErrDisabled", func(t *testing.T) {
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "login-disabled@example.jp"})
		ta.DB.Gorm.Exec("UPDATE users SET disabled_at = now() WHERE email = 'login-disabled@example.jp'")
		b := ta.newBrowser(t)
		r := loginPost(b, "login-disabled@example.jp", fixtures.Password)
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(loginErrorText(t, r), "パスワードが正しくない") {
			t.Fatalf("disabled account: status %d, message %q", r.StatusCode, loginErrorText(t, r))
		}
		if loginSignedIn(t, b) {
			t.Fatal("disabled account signed in")
		}
	})
	t.Run("ErrUnverified", func(t *testing.T) {
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "login-unverified@example.jp", Unverified: true})
		b := ta.newBrowser(t)
		r := loginPost(b, "login-unverified@example.jp", fixtures.Password)
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("unverified: status %d, want 403", r.StatusCode)
		}
		href, _ := r.Doc(t).Find("#resend-link").Attr("href")
		if href != "/verify-email/resend?email=login-unverified%40example.jp" {
			t.Fatalf("resend link = %q", href)
		}
		if loginSignedIn(t, b) {
			t.Fatal("unverified account signed in")
		}
		// With a wrong password the page must not reveal the account at all.
		if r := loginPost(b, "login-unverified@example.jp", "wrong password here"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("unverified with wrong password: status %d, want 401", r.StatusCode)
		}
	})
}

// loginAgeAttempts moves every recorded sign-in attempt d into the past,
// as if the backoff had been waited out.
func loginAgeAttempts(t *testing.T, ta *testApp, d time.Duration) {
	t.Helper()
	if err := ta.DB.Gorm.Exec("UPDATE login_attempts SET attempted_at = attempted_at - make_interval(secs => ?)", d.Seconds()).Error; err != nil {
		t.Fatal(err)
	}
}

// loginBackoffHeld is how far loginHoldBackoff moves the attempts ahead.
const loginBackoffHeld = time.Minute

// loginHoldBackoff moves every recorded sign-in attempt loginBackoffHeld
// into the future, so that the next attempts count as coming right after
// the failures however long the test took to send them: the first step of
// the backoff is one second after the last failure, which three more
// argon2id checks on a loaded machine (or the race detector) outlast
// (TestLoginLockout failed so, 2 runs in 10, with 1.2 s and 1.8 s between
// the last failure and the checked sign-in).
func loginHoldBackoff(t *testing.T, ta *testApp) {
	t.Helper()
	loginAgeAttempts(t, ta, -loginBackoffHeld)
}

// TestLoginLockout (issue 15 finding 6): wrong passwords no longer lock
// the account; the guessing address is slowed down (429, the same for a
// registered and an unknown address), and once the backoff has passed the
// right password signs in.
func TestLoginLockout(t *testing.T) {
	t.Parallel()
	ta := startApp(t, func(c *config.Config) { c.LoginMaxFailures = 3; c.LoginLockDuration = time.Hour })
	const email = "login-lock@example.jp"
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email})
	b := ta.newBrowser(t)
	for _, e := range []string{email, "login-nobody@example.jp"} {
		for i := range 3 {
			r := loginPost(b, e, "wrong password here")
			if r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s failure %d: status %d", e, i+1, r.StatusCode)
			}
		}
	}
	loginHoldBackoff(t, ta)

	var slowMsg string
	t.Run("ErrGuesserSlowedDown", func(t *testing.T) {
		r := loginPost(b, email, fixtures.Password)
		if r.StatusCode != http.StatusTooManyRequests || loginSignedIn(t, b) {
			t.Fatalf("right password right after the failures: status %d, want 429 and not signed in", r.StatusCode)
		}
		slowMsg = loginErrorText(t, r)
		if !strings.Contains(slowMsg, "ロックされていません") {
			t.Fatalf("backoff message %q", slowMsg)
		}
		u := loginPost(b, "login-nobody@example.jp", fixtures.Password)
		if u.StatusCode != r.StatusCode || loginErrorText(t, u) != slowMsg {
			t.Fatalf("an unknown address is throttled differently: %d %q", u.StatusCode, loginErrorText(t, u))
		}
		var locked *time.Time
		ta.DB.Gorm.Raw("SELECT locked_until FROM users WHERE email = ?", email).Row().Scan(&locked)
		if locked != nil || loginAuditCount(t, ta, email, "auth.account_locked") != 0 {
			t.Fatal("the account was locked")
		}
	})
	t.Run("OKAfterBackoff", func(t *testing.T) {
		loginAgeAttempts(t, ta, loginBackoffHeld+5*time.Second)
		ta.signIn(t, b, email, fixtures.Password, "")
		if !loginSignedIn(t, b) {
			t.Fatal("not signed in after the backoff")
		}
		var failures int
		ta.DB.Gorm.Raw("SELECT failed_logins FROM users WHERE email = ?", email).Row().Scan(&failures)
		if failures != 0 {
			t.Fatalf("failed_logins = %d after a successful sign-in", failures)
		}
	})
}

func TestLoginIPThrottle(t *testing.T) {
	t.Parallel()
	ta := startApp(t, func(c *config.Config) { c.LoginIPLimit = 3 })
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "login-throttle@example.jp"})
	b := ta.newBrowser(t)
	for i := range 3 {
		if r := loginPost(b, "someone-else@example.jp", "guess"+string(rune('a'+i))); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, r.StatusCode)
		}
	}
	t.Run("ErrTooMany", func(t *testing.T) {
		r := loginPost(b, "login-throttle@example.jp", fixtures.Password)
		if r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("4th attempt from one IP: status %d, want 429", r.StatusCode)
		}
		if loginSignedIn(t, b) {
			t.Fatal("throttled attempt signed in")
		}
		var n int
		ta.DB.Gorm.Raw("SELECT count(*) FROM login_attempts WHERE ip = '127.0.0.1'").Row().Scan(&n)
		if n != 4 {
			t.Fatalf("login_attempts has %d rows, want every attempt (4)", n)
		}
	})
}

// loginTOTPUser makes a user with two-factor sign-in and recovery codes
// set up through the real set-up page; it returns the secret and codes.
func loginTOTPUser(t *testing.T, ta *testApp, email string, admin bool) (secret string, codes []string) {
	t.Helper()
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, PlatformAdmin: admin})
	b := ta.signedIn(t, email, "")
	secret, codes = loginSetUpTwoFactor(t, ta, b, email)
	return secret, codes
}

// loginSetUpTwoFactor completes the set-up page for a signed-in browser.
func loginSetUpTwoFactor(t *testing.T, ta *testApp, b *browser, email string) (string, []string) {
	t.Helper()
	page := b.get("/account/2fa")
	doc := page.Doc(t)
	secret := strings.TrimSpace(doc.Find("#totp-secret").Text())
	if secret == "" {
		t.Fatalf("set-up page shows no secret (status %d)", page.StatusCode)
	}
	if src, _ := doc.Find(`img[src^="data:image/png;base64,"]`).Attr("src"); len(src) < 200 {
		t.Fatal("set-up page shows no QR code image")
	}
	if alt, _ := doc.Find("main img").Attr("alt"); alt == "" {
		t.Error("QR code has no alt text")
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	r := b.post("/account/2fa", "/account/2fa", url.Values{"code": {code}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("confirm two-factor: status %d\n%.500s", r.StatusCode, r.Body)
	}
	var codes []string
	r.Doc(t).Find("#recovery-codes code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	return secret, codes
}

func TestLoginTwoFactor(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	const email = "login-2fa@example.jp"
	secret, codes := loginTOTPUser(t, ta, email, false)

	t.Run("PasswordAloneDoesNotSignIn", func(t *testing.T) {
		b := ta.newBrowser(t)
		r := loginPost(b, email, fixtures.Password)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/2fa" {
			t.Fatalf("password step: %d to %q, want 303 to /login/2fa", r.StatusCode, r.Header.Get("Location"))
		}
		if loginSignedIn(t, b) {
			t.Fatal("signed in before the second factor")
		}
		if b.get("/login/2fa").Doc(t).Find(`input[name="code"]`).Length() != 1 {
			t.Fatal("two-factor page has no code field")
		}
	})
	t.Run("OKWithTOTPThenReplayRefused", func(t *testing.T) {
		b := ta.newBrowser(t)
		loginPost(b, email, fixtures.Password)
		code := ta.totpCode(t, email, secret)
		r := b.post("/login/2fa", "/login/2fa", url.Values{"code": {code}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
			t.Fatalf("two-factor step: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if !loginSignedIn(t, b) {
			t.Fatal("not signed in after the right code")
		}
		// Someone who saw the code tries it in another browser.
		other := ta.newBrowser(t)
		loginPost(other, email, fixtures.Password)
		r = other.post("/login/2fa", "/login/2fa", url.Values{"code": {code}})
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("replayed code: status %d, want 401", r.StatusCode)
		}
		if loginSignedIn(t, other) {
			t.Fatal("a replayed TOTP code signed in")
		}
	})
	t.Run("RecoveryCodeWorksOnce", func(t *testing.T) {
		b := ta.newBrowser(t)
		loginPost(b, email, fixtures.Password)
		r := b.post("/login/2fa", "/login/2fa", url.Values{"code": {strings.ToUpper(codes[0])}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("recovery code: status %d", r.StatusCode)
		}
		if !loginSignedIn(t, b) {
			t.Fatal("not signed in with a recovery code")
		}
		if n := loginAuditCount(t, ta, email, "auth.recovery_code_used"); n != 1 {
			t.Fatalf("auth.recovery_code_used audited %d times", n)
		}
		again := ta.newBrowser(t)
		loginPost(again, email, fixtures.Password)
		if r := again.post("/login/2fa", "/login/2fa", url.Values{"code": {codes[0]}}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("recovery code used twice: status %d, want 401", r.StatusCode)
		}
		if loginSignedIn(t, again) {
			t.Fatal("a used recovery code signed in again")
		}
	})
	t.Run("ErrNoPendingSignIn", func(t *testing.T) {
		b := ta.newBrowser(t)
		r := b.get("/login/2fa")
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("two-factor page without the password step: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("ErrCodeWithoutPasswordStep", func(t *testing.T) {
		// A browser that never gave the password cannot submit a code.
		other := ta.newBrowser(t)
		r := other.post("/", "/login/2fa", url.Values{"code": {"123456"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" || loginSignedIn(t, other) {
			t.Fatalf("code without a pending sign-in: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("WrongCodesSlowDownNotLock", func(t *testing.T) {
		ta2 := startApp(t, func(c *config.Config) { c.LoginMaxFailures = 2 })
		s2, _ := loginTOTPUser(t, ta2, "login-2fa-lock@example.jp", false)
		b := ta2.newBrowser(t)
		loginPost(b, "login-2fa-lock@example.jp", fixtures.Password)
		for range 2 {
			if r := b.post("/login/2fa", "/login/2fa", url.Values{"code": {"000000"}}); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong code: status %d", r.StatusCode)
			}
		}
		loginHoldBackoff(t, ta2)
		r := b.post("/login/2fa", "/login/2fa", url.Values{"code": {ta2.totpCode(t, "login-2fa-lock@example.jp", s2)}})
		if r.StatusCode != http.StatusTooManyRequests || loginSignedIn(t, b) {
			t.Fatalf("right code right after the failures: status %d, want 429 and not signed in", r.StatusCode)
		}
		loginAgeAttempts(t, ta2, loginBackoffHeld+5*time.Second)
		r = b.post("/login/2fa", "/login/2fa", url.Values{"code": {ta2.totpCode(t, "login-2fa-lock@example.jp", s2)}})
		if r.StatusCode != http.StatusSeeOther || !loginSignedIn(t, b) {
			t.Fatalf("right code after the backoff: status %d, want signed in", r.StatusCode)
		}
	})
}

func TestLoginPlatformAdminMustSetUpTwoFactor(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	const email = "login-admin@example.jp"
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, PlatformAdmin: true})
	b := ta.signedIn(t, email, "")

	t.Run("ForcedToSetUpPage", func(t *testing.T) {
		for _, p := range []string{"/account", "/"} {
			r := b.get(p)
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account/2fa" {
				t.Fatalf("GET %s: %d to %q, want 303 to /account/2fa", p, r.StatusCode, r.Header.Get("Location"))
			}
		}
	})
	t.Run("ErrWrongCodeKeepsSecret", func(t *testing.T) {
		secret := strings.TrimSpace(b.get("/account/2fa").Doc(t).Find("#totp-secret").Text())
		r := b.post("/account/2fa", "/account/2fa", url.Values{"code": {"12345"}})
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#f-code-error").Length() == 0 {
			t.Fatalf("wrong code: status %d, want 422 with an error next to the code", r.StatusCode)
		}
		if got := strings.TrimSpace(r.Doc(t).Find("#totp-secret").Text()); got != secret {
			t.Fatalf("secret changed after a wrong code: %q then %q", secret, got)
		}
	})
	var secret string
	t.Run("SetUp", func(t *testing.T) {
		secret, _ = loginSetUpTwoFactor(t, ta, b, email)
		if r := b.get("/account"); r.StatusCode != http.StatusOK {
			t.Fatalf("account page after set-up: status %d", r.StatusCode)
		}
		if n := loginAuditCount(t, ta, email, "account.totp_enabled"); n != 1 {
			t.Fatalf("account.totp_enabled audited %d times", n)
		}
	})
	t.Run("ErrCannotDisable", func(t *testing.T) {
		r := b.post("/account/2fa", "/account/2fa/disable", url.Values{"disable_password": {fixtures.Password}})
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("admin turning off two-factor: status %d, want 403", r.StatusCode)
		}
	})
	t.Run("NextSignInAsksForCode", func(t *testing.T) {
		nb := ta.signedIn(t, email, secret)
		if !loginSignedIn(t, nb) {
			t.Fatal("admin not signed in with two-factor")
		}
	})
}

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "login-out@example.jp"})
	b := ta.signedIn(t, "login-out@example.jp", "")
	r := b.post("/account", "/logout", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("logout: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if !strings.Contains(b.follow(r).Doc(t).Find("main .notice-success").Text(), "ログアウトしました") {
		t.Error("no signed-out notice after logout")
	}
	r = b.get("/account")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("/account after logout: %d to %q, want a redirect to /login", r.StatusCode, r.Header.Get("Location"))
	}
	if n := loginAuditCount(t, ta, "login-out@example.jp", "auth.logout"); n != 1 {
		t.Fatalf("auth.logout audited %d times", n)
	}
}

// TestLoginBrowserJourney: a verified learner tries to open their account,
// is sent to sign in, mistypes the password, signs in, switches the site to
// English from the header, turns on two-step verification, and signs out.
func TestLoginBrowserJourney(t *testing.T) {
	ta := startApp(t)
	const email = "journey-login@example.jp"
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "旅路 太郎"})
	ctx := newChrome(t)

	do(t, ctx, chromedp.Navigate(ta.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/login?next=%2Faccount") {
		t.Fatalf("anonymous /account went to %q, want the sign-in form", loc)
	}
	checkAxe(t, ctx, "login")

	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "not the password"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#login-error")),
	)
	if msg := text(t, ctx, "#login-error"); !strings.Contains(msg, "パスワードが正しくない") {
		t.Fatalf("error message %q", msg)
	}
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector("#f-email").value`)); v != email {
		t.Fatalf("email not kept after a failed sign-in: %q", v)
	}
	checkAxe(t, ctx, "login with error")

	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#account-email")),
	)
	if got := text(t, ctx, "#account-email"); got != email {
		t.Fatalf("account page shows %q", got)
	}
	if h1 := text(t, ctx, "h1"); h1 != "アカウント" {
		t.Fatalf("account page h1 = %q", h1)
	}
	checkAxe(t, ctx, "account (ja)")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form.lang-switch button[value="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="ja"]`)),
	)
	if lang, h1 := attr(t, ctx, "html", "lang"), text(t, ctx, "h1"); lang != "en" || h1 != "My account" {
		t.Fatalf("after switching to English: lang=%q h1=%q", lang, h1)
	}
	page := text(t, ctx, "body")
	for _, want := range []string{"Profile", "Change password", "Two-step verification", "My sign-in history", "Signed in", "Sign out"} {
		if !strings.Contains(page, want) {
			t.Errorf("English account page lacks %q", want)
		}
	}
	for _, ja := range []string{"プロフィール", "パスワードの変更", "ログイン履歴", "ログアウト"} {
		if strings.Contains(page, ja) {
			t.Errorf("English account page still shows %q", ja)
		}
	}
	checkAxe(t, ctx, "account (en)")

	do(t, ctx, chromedp.Navigate(ta.URL+"/account/2fa"), chromedp.WaitVisible(chromedp.CSS("#totp-secret")))
	if alt := attr(t, ctx, "main img", "alt"); alt == "" {
		t.Error("QR code without alt text")
	}
	checkAxe(t, ctx, "two-factor set-up")

	secret := text(t, ctx, "#totp-secret")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-code"), code),
		chromedp.Click(chromedp.CSS(`form[action="/account/2fa"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#recovery-codes")),
	)
	checkAxe(t, ctx, "recovery codes")
	do(t, ctx, chromedp.Navigate(ta.URL+"/account/2fa"), chromedp.WaitVisible(chromedp.CSS("#recovery-left")))
	checkAxe(t, ctx, "two-factor management")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.header-actions a[href="/login"]`)),
	)
	if msg := text(t, ctx, "main .notice-success"); !strings.Contains(msg, "signed out") {
		t.Errorf("after signing out the notice is %q", msg)
	}
	do(t, ctx, chromedp.Navigate(ta.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	if loc := location(t, ctx); !strings.Contains(loc, "/login") {
		t.Fatalf("/account after signing out went to %q, want /login", loc)
	}
}

// TestLoginLandsOnRoleHome (issue 14 item 6): after signing in, each role
// lands on its own home — learner /learn, instructor /studio, organisation
// admin /org, analyst /ministry, platform admin /admin — unless next names
// another page.
func TestLoginLandsOnRoleHome(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "home-learner@example.jp"})
	instructor := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "home-instructor@example.jp"})
	fixtures.MustAddMember(t, ta.DB, "ホーム研修機関", "provider", instructor, "instructor", false)
	hr := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "home-hr@example.jp", TOTPSecret: "JBSWY3DPEHPK3PXP"})
	fixtures.MustAddMember(t, ta.DB, "ホーム企業", "employer", hr, "admin", false)
	analyst := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "home-analyst@example.jp", TOTPSecret: "JBSWY3DPEHPK3PXQ"})
	fixtures.MustAddMember(t, ta.DB, "ホーム省", "ministry", analyst, "member", true)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "home-admin@example.jp", PlatformAdmin: true, TOTPSecret: "JBSWY3DPEHPK3PXR"})

	for _, c := range []struct {
		name, email, secret, next, want string
	}{
		{"Learner", "home-learner@example.jp", "", "", "/learn"},
		{"Instructor", "home-instructor@example.jp", "", "", "/studio"},
		{"OrgAdmin", "home-hr@example.jp", "JBSWY3DPEHPK3PXP", "", "/org"},
		{"Analyst", "home-analyst@example.jp", "JBSWY3DPEHPK3PXQ", "", "/ministry"},
		{"PlatformAdmin", "home-admin@example.jp", "JBSWY3DPEHPK3PXR", "", "/admin"},
		{"NextWins", "home-instructor@example.jp", "", "/courses", "/courses"},
		{"NextWinsAfterTwoFactor", "home-hr@example.jp", "JBSWY3DPEHPK3PXP", "/account", "/account"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := ta.newBrowser(t)
			r := b.post("/login", "/login", url.Values{"email": {c.email}, "password": {fixtures.Password}, "next": {c.next}})
			if c.secret != "" {
				if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/2fa" {
					t.Fatalf("password step: %d to %q", r.StatusCode, r.Header.Get("Location"))
				}
				r = b.post("/login/2fa", "/login/2fa", url.Values{"code": {ta.totpCode(t, c.email, c.secret)}})
			}
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != c.want {
				t.Fatalf("signed in: %d to %q, want %s", r.StatusCode, r.Header.Get("Location"), c.want)
			}
			// (/org sends an admin of one organisation on to its page.)
			if got := b.get(c.want); got.StatusCode != http.StatusOK &&
				!(got.StatusCode == http.StatusSeeOther && strings.HasPrefix(got.Header.Get("Location"), c.want+"/")) {
				t.Fatalf("%s answers %d to its role", c.want, got.StatusCode)
			}
		})
	}
}
