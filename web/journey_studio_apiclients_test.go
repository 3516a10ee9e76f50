package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
	gen "takumi/web/apidoc/apiclientgen"
)

// TestJourneyStudioAPIClients (issue 19): a training provider's admin, in
// Chromium and in both languages, goes from the studio to the provider's
// API clients (the same page as /org's, without the webhook section),
// creates a client (the secret shown once, and working), rotates it (the
// old secret stops, the new one works) and revokes it; axe on every
// screen. An instructor of the provider, and an admin of another
// organisation, get 404.
func TestJourneyStudioAPIClients(t *testing.T) {
	ta := startApp(t)
	email := "studio-api-journey@example.jp"
	adminID, secret := adminTOTPUser(t, ta, email, false)
	provID := fixtures.MustAddMember(t, ta.DB, "ジャーニー研修機関", "provider", adminID, "admin", false)
	ctx := newChrome(t) // skips (locally) before anything else without Chromium
	api, _ := apiClientFor(t, ta)
	works := func(id, sec string) bool {
		res, err := api.IssueTokenWithFormdataBodyWithResponse(context.Background(),
			gen.TokenRequest{GrantType: gen.ClientCredentials, ClientId: &id, ClientSecret: &sec})
		return err == nil && res.JSON200 != nil
	}

	chromeSignIn(t, ctx, ta, "/studio/paths", email, secret, `a[href="/studio/api-clients"]`)
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			if lang == "en" {
				do(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ta.URL+"/studio/paths"),
					chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="en"]`)))
				clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
			}
			do(t, ctx, chromedp.Navigate(ta.URL+"/studio/paths"), chromedp.WaitVisible(chromedp.CSS(`a[href="/studio/api-clients"]`)))
			// One provider: the studio goes straight to its page.
			clickAndWaitNewPage(t, ctx, `a[href="/studio/api-clients"]`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#create-client-form")))
			want := map[string]string{"ja": "APIクライアント", "en": "API clients"}[lang]
			if got := attr(t, ctx, "html", "lang"); got != lang || !strings.Contains(text(t, ctx, "h1"), want) {
				t.Fatalf("page language %q, h1 %q", got, text(t, ctx, "h1"))
			}
			if !strings.HasSuffix(location(t, ctx), "/studio/providers/"+provID+"/api-clients") || text(t, ctx, "#webhooks-elsewhere") == "" {
				t.Fatalf("at %s", location(t, ctx))
			}
			checkAxe(t, ctx, "studio API clients "+lang)

			do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-name"), "LMS "+lang), chromedp.Click(chromedp.CSS("#f-scope_credentials_revoke")),
				chromedp.Click(chromedp.CSS("#f-scope_courses_read")))
			clickAndWaitNewPage(t, ctx, `#create-client-form button[type="submit"]`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#issued-secret")))
			id := strings.TrimSpace(text(t, ctx, "#issued-client-id"))
			first := strings.TrimSpace(text(t, ctx, "#issued-secret-value"))
			if id == "" || !works(id, first) {
				t.Fatalf("the new client %q does not get a token", id)
			}
			checkAxe(t, ctx, "studio API clients, secret shown once "+lang)

			clickAndWaitNewPage(t, ctx, "#client-"+id+` form[action$="/rotate"] button`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#issued-secret")))
			second := strings.TrimSpace(text(t, ctx, "#issued-secret-value"))
			if second == "" || second == first || works(id, first) || !works(id, second) {
				t.Fatalf("after rotation: old secret works %v, new works %v", works(id, first), works(id, second))
			}
			checkAxe(t, ctx, "studio API clients, rotated "+lang)

			do(t, ctx, chromedp.Navigate(ta.URL+"/studio/providers/"+provID+"/api-clients"), chromedp.WaitVisible(chromedp.CSS("#api-clients")))
			if page := get(t, ctx, chromedp.Evaluate[string](`document.body.innerHTML`)); strings.Contains(page, second) {
				t.Fatal("the list page shows the secret")
			}
			clickAndWaitNewPage(t, ctx, "#client-"+id+` form[action$="/revoke"] button`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#client-"+id+" .badge-warn")))
			if works(id, second) {
				t.Fatal("a revoked client still gets tokens")
			}
			checkAxe(t, ctx, "studio API clients, revoked "+lang)
		})
	}

	t.Run("OthersGet404", func(t *testing.T) {
		inst := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "studio-api-instructor@example.jp"})
		fixtures.MustCreateMembership(t, ta.DB, provID, inst, "instructor", false)
		b := ta.signedIn(t, "studio-api-instructor@example.jp", "")
		if r := b.get("/studio/providers/" + provID + "/api-clients"); r.StatusCode != http.StatusNotFound {
			t.Errorf("an instructor sees the provider's API clients: %d", r.StatusCode)
		}
		other, _, _ := orgAdminSignedIn(t, ta, "studio-api-other@example.jp", "他社研修機関", "provider")
		if r := other.get("/studio/providers/" + provID + "/api-clients"); r.StatusCode != http.StatusNotFound {
			t.Errorf("another provider's admin sees the clients: %d", r.StatusCode)
		}
	})
}
