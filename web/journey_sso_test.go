package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// TestJourneySSOSignIn (issue 18): a person of an organisation with single
// sign-on chooses "sign in with your organisation" on the sign-in page,
// types their work email, signs in at their organisation's provider (the
// real zitadel/oidc example OpenID Provider, with its own login page), and
// comes back signed in to My learning with an account and a membership
// made on the way — in Japanese and in English, with axe on Takumi's
// pages and no console error.
func TestJourneySSOSignIn(t *testing.T) {
	ta := startApp(t)
	idp := startIdP(t, ta.URL, []idpUser{
		{ID: "u-ja", Username: "sakura", Password: "idp-pass", FirstName: "さくら", LastName: "佐藤", Email: "sakura@corp.example.jp", EmailVerified: true},
		{ID: "u-en", Username: "ken", Password: "idp-pass", FirstName: "Ken", LastName: "Ito", Email: "ken@corp.example.jp", EmailVerified: true},
	})
	orgID, _ := ssoOrg(t, ta, idp, true)
	for _, c := range []struct{ lang, user, email, link, learn string }{
		{"ja", "sakura", "sakura@corp.example.jp", "組織のアカウントでログイン", "マイラーニング"},
		{"en", "ken", "ken@corp.example.jp", "Sign in with your organisation", "My learning"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			ctx := newChrome(t)
			if c.lang == "en" {
				do(t, ctx, chromedp.Navigate(ta.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="en"]`)))
				clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
			}
			do(t, ctx, chromedp.Navigate(ta.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#sso-link")))
			if got := strings.TrimSpace(text(t, ctx, "#sso-link")); got != c.link {
				t.Fatalf("link on the sign-in page %q, want %q", got, c.link)
			}
			clickAndWaitNewPage(t, ctx, "#sso-link")
			checkAxe(t, ctx, "sign in with your organisation ("+c.lang+")")
			do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-email"), c.email))
			clickAndWaitNewPage(t, ctx, `#sso-login-form button[type="submit"]`)
			// At the organisation's provider: its own sign-in page.
			if loc := location(t, ctx); !strings.HasPrefix(loc, idp.Issuer+"/login/username") {
				t.Fatalf("at %s, want the provider's login page", loc)
			}
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#username"), c.user),
				chromedp.SendKeys(chromedp.CSS("#password"), "idp-pass"),
			)
			clickAndWaitNewPage(t, ctx, `button[type="submit"]`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("h1")))
			if loc := location(t, ctx); !strings.HasSuffix(loc, "/learn") {
				t.Fatalf("back from the provider at %s, want /learn", loc)
			}
			if h1 := text(t, ctx, "h1"); !strings.Contains(h1, c.learn) {
				t.Fatalf("h1 %q, want %q", h1, c.learn)
			}
			checkAxe(t, ctx, "My learning after single sign-on ("+c.lang+")")
			var n int
			ta.DB.Gorm.Raw(`SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
				WHERE u.email = ? AND m.org_id = ? AND u.email_verified_at IS NOT NULL`, c.email, orgID).Row().Scan(&n)
			if n != 1 {
				t.Fatalf("%s has no membership after signing in", c.email)
			}
		})
		t.Run("settings_"+c.lang, func(t *testing.T) {
			ctx := newChrome(t)
			if c.lang == "en" {
				do(t, ctx, chromedp.Navigate(ta.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="en"]`)))
				clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
			}
			// Break-glass: the organisation's admin signs in with password and TOTP.
			chromeSignIn(t, ctx, ta, "/login", "admin@corp.example.jp", adminTOTP, "#sso-settings-link")
			clickAndWaitNewPage(t, ctx, "#sso-settings-link")
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#provider-form")))
			if got := text(t, ctx, "#domains"); !strings.Contains(got, "corp.example.jp") {
				t.Fatalf("domains table %q", got)
			}
			if v := attr(t, ctx, "#f-client_secret", "value"); v != "" {
				t.Fatalf("the client secret is shown: %q", v)
			}
			checkAxe(t, ctx, "single sign-on settings ("+c.lang+")")
		})
	}
}

// TestJourneySSOSAML (issue 18): the same journey through crewjam's samlidp:
// Takumi's redirect to the provider, its login form, its auto-posted
// response to Takumi's assertion consumer service (a cross-site POST: the
// session cookie is set on that answer), and My learning, signed in.
func TestJourneySSOSAML(t *testing.T) {
	ta := startApp(t)
	idpURL := startSAMLIdP(t)
	orgID, admin := ssoOrg(t, ta, nil, false)
	if r := admin.post("/org/"+orgID+"/sso", "/org/"+orgID+"/sso/saml", url.Values{"metadata_url": {idpURL + "/metadata"}}); r.StatusCode != 303 {
		t.Fatalf("save SAML provider: %d", r.StatusCode)
	}
	idpPut(t, idpURL+"/services/takumi", ta.newBrowser(t).get("/sso/saml/"+orgID+"/metadata").Body)
	idpPut(t, idpURL+"/users/yui", `{"password":"idp-pass","email":"yui@corp.example.jp","common_name":"小林 結衣"}`)

	ctx := newChrome(t)
	do(t, ctx, chromedp.Navigate(ta.URL+"/login/sso"), chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "yui@corp.example.jp"))
	clickAndWaitNewPage(t, ctx, `#sso-login-form button[type="submit"]`)
	if loc := location(t, ctx); !strings.HasPrefix(loc, idpURL) {
		t.Fatalf("at %s, want the SAML provider", loc)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), "yui"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "idp-pass"),
		chromedp.Click(chromedp.CSS(`input[type="submit"]`)),
	)
	// The provider's page posts the response to Takumi by itself.
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("h1")))
	deadline := time.Now().Add(20 * time.Second)
	for !strings.HasSuffix(location(t, ctx), "/learn") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/learn") {
		t.Fatalf("after the SAML provider at %s, want /learn", loc)
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("h1")))
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "マイラーニング") {
		t.Fatalf("h1 %q", h1)
	}
	checkAxe(t, ctx, "My learning after SAML sign-in")
}

// TestJourneySSOEnforcedAndSCIM (issue 18): with SSO required, a member's
// password sign-in is refused with the way to their organisation; a person
// provisioned through SCIM signs in through the provider in the browser,
// and deactivating them through SCIM ends that browser's session at once.
func TestJourneySSOEnforcedAndSCIM(t *testing.T) {
	ta := startApp(t)
	idp := startIdP(t, ta.URL, []idpUser{
		{ID: "u-mio", Username: "mio", Password: "idp-pass", FirstName: "美緒", LastName: "高橋", Email: "mio@corp.example.jp", EmailVerified: true},
	})
	orgID, admin := ssoOrg(t, ta, idp, true)
	tok := scimToken(t, admin, orgID)
	st, created := scimDo(t, ta, tok, "POST", "/scim/v2/Users", `{"userName":"mio@corp.example.jp","externalId":"E-7","active":true}`)
	if st != 201 {
		t.Fatalf("SCIM create: %d", st)
	}
	id, _ := created["id"].(string)
	ctx := newChrome(t)
	// A member with the right password: refused, told to use the organisation.
	memberID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "member@corp.example.jp"})
	fixtures.MustCreateMembership(t, ta.DB, orgID, memberID, "member", false)
	do(t, ctx, chromedp.Navigate(ta.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "member@corp.example.jp"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password))
	clickAndWaitNewPage(t, ctx, `form[action="/login"] button[type="submit"]`)
	if msg := text(t, ctx, "#login-error"); !strings.Contains(msg, "組織のログイン画面") {
		t.Fatalf("refusal message %q", msg)
	}
	checkAxe(t, ctx, "password refused under required SSO")
	clickAndWaitNewPage(t, ctx, "#sso-link")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-email"), "mio@corp.example.jp"))
	clickAndWaitNewPage(t, ctx, `#sso-login-form button[type="submit"]`)
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#username"), "mio"),
		chromedp.SendKeys(chromedp.CSS("#password"), "idp-pass"),
	)
	clickAndWaitNewPage(t, ctx, `button[type="submit"]`)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/learn") {
		t.Fatalf("the provisioned person after SSO at %s, want /learn", loc)
	}
	// Deactivated through SCIM: the next page in the same browser asks to sign in.
	if st, _ := scimDo(t, ta, tok, "PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`); st != 200 {
		t.Fatalf("deactivate: %d", st)
	}
	do(t, ctx, chromedp.Navigate(ta.URL+"/learn"), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	if loc := location(t, ctx); !strings.Contains(loc, "/login") {
		t.Fatalf("after deactivation at %s, want the sign-in page", loc)
	}
}
