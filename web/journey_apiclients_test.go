package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// TestJourneyAPIClients (issue 19): an organisation admin, in Chromium,
// goes from the organisation page to its API clients, creates one for the
// HR system (the secret is on that answer only, and works), sees the list
// without the secret, and revokes it (its token stops working); axe on
// every screen, no console error, the documentation page linked.
func TestJourneyAPIClients(t *testing.T) {
	ta := startApp(t)
	email := "api-journey@example.jp"
	adminID, secret := adminTOTPUser(t, ta, email, false)
	orgID := fixtures.MustAddMember(t, ta.DB, "ジャーニー商事", "employer", adminID, "admin", false)

	ctx := newChrome(t)
	chromeSignIn(t, ctx, ta, "/org/"+orgID, email, secret, "#api-clients-link")
	clickAndWaitNewPage(t, ctx, "#api-clients-link")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#create-client-form")))
	if text(t, ctx, "#no-clients") == "" {
		t.Fatal("a new organisation's page does not say it has no clients")
	}
	checkAxe(t, ctx, "API clients, none yet")

	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-name"), "人事システム"),
		chromedp.Click(chromedp.CSS("#f-scope_enrolments_read")),
		chromedp.Click(chromedp.CSS("#f-scope_members_read")),
	)
	clickAndWaitNewPage(t, ctx, `#create-client-form button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#issued-secret")))
	clientID := strings.TrimSpace(text(t, ctx, "#issued-client-id"))
	clientSecret := strings.TrimSpace(text(t, ctx, "#issued-secret-value"))
	if clientID == "" || len(clientSecret) < 40 {
		t.Fatalf("issued id %q secret %q", clientID, clientSecret)
	}
	checkAxe(t, ctx, "API clients, secret shown once")

	api, _ := apiClientFor(t, ta)
	tok := apiToken(t, api, clientID, clientSecret, "")
	if res, err := api.ListMembersWithResponse(context.Background(), nil, bearer(tok)); err != nil || res.JSON200 == nil {
		t.Fatalf("the new client's token: %v", err)
	}

	// The list page again: the client is there, the secret is not.
	do(t, ctx, chromedp.Navigate(ta.URL+"/org/"+orgID+"/api-clients"), chromedp.WaitVisible(chromedp.CSS("#api-clients")))
	page := get(t, ctx, chromedp.Evaluate[string](`document.body.innerHTML`))
	if strings.Contains(page, clientSecret) || !strings.Contains(page, clientID) {
		t.Fatal("the list page shows the secret, or not the client")
	}
	clickAndWaitNewPage(t, ctx, "#client-"+clientID+` form[action$="/revoke"] button`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#client-"+clientID+" .badge-warn")))
	checkAxe(t, ctx, "API clients, one revoked")
	if res, err := api.ListMembersWithResponse(context.Background(), nil, bearer(tok)); err != nil || res.ApplicationproblemJSON401 == nil {
		t.Fatalf("a revoked client's token still works: %d", res.StatusCode())
	}

	// A webhook endpoint: the secret once, then its delivery log (one
	// delivery, refused by the receiver) with replay and disable.
	recv := newHookReceiver(t)
	recv.setFail(true)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-url"), recv.URL), chromedp.Click(chromedp.CSS("#f-event_course_completed")),
		chromedp.Click(chromedp.CSS("#f-event_enrolment_created")))
	clickAndWaitNewPage(t, ctx, `#create-hook-form button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#issued-hook-secret")))
	checkAxe(t, ctx, "API clients, webhook secret shown once")
	var hookID string
	ta.DB.Gorm.Raw(`SELECT id::text FROM webhook_endpoints WHERE org_id = ?`, orgID).Scan(&hookID)
	if err := ta.DB.Gorm.Exec(`INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, attempts, last_status, last_error)
		VALUES (?, 'course.completed', '{}', 1, 500, 'answered 500')`, hookID).Error; err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(ta.URL+"/org/"+orgID+"/webhooks/"+hookID), chromedp.WaitVisible(chromedp.CSS("#deliveries")))
	checkAxe(t, ctx, "webhook delivery log")
	clickAndWaitNewPage(t, ctx, "#hook-disable")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#hook-disabled")))

	do(t, ctx, chromedp.Navigate(ta.URL+"/developers/api"), chromedp.WaitVisible(chromedp.CSS("#op-listEnrolments")))
	checkAxe(t, ctx, "API documentation")
}
