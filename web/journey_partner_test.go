package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// TestJourneyPartnerCredential (issue 19, learning done elsewhere): in
// Chromium, a platform admin registers a did:key partner issuer and maps
// its achievement to a skill area; a learner adds the partner's credential
// (signed by Digital Bazaar's libraries) in the wallet and sees it; the
// programme's count rises by one; /verify verifies the credential; axe on
// every screen.
func TestJourneyPartnerCredential(t *testing.T) {
	ta := startApp(t)
	fx := loadPartnerFixture(t, "partner.json")
	if err := ta.DB.Gorm.Exec(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('journey-partner', 'AI人材', 'AI-ready workers', 1000, '2026-01-01', '2030-12-31', true, '{ai_data}')`).Error; err != nil {
		t.Fatal(err)
	}
	adminEmail := "partner-journey-admin@example.jp"
	_, secret := adminTOTPUser(t, ta, adminEmail, true)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "partner.learner@example.jp", Name: "提携 花子"})

	admin := newChrome(t)
	chromeSignIn(t, admin, ta, "/admin/partners", adminEmail, secret, "#partner-new-form")
	checkAxe(t, admin, "partner issuers, none yet")
	do(t, admin,
		chromedp.SetValue(chromedp.CSS("#f-did"), fx.DID),
		chromedp.SetValue(chromedp.CSS("#f-name_ja"), "提携大学"),
		chromedp.SetValue(chromedp.CSS("#f-name_en"), "Partner University"),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "university"),
	)
	clickAndWaitNewPage(t, admin, `#partner-new-form button[type="submit"]`)
	do(t, admin, chromedp.WaitVisible(chromedp.CSS("#partner-map-form")))
	if !strings.Contains(text(t, admin, "#partner-did"), fx.DID) {
		t.Fatal("the partner page does not show the DID")
	}
	checkAxe(t, admin, "partner issuer")
	do(t, admin,
		chromedp.SetValue(chromedp.CSS("#f-achievement_id"), "https://univ.example/achievements/ai-101"),
		chromedp.SetValue(chromedp.CSS("#f-skill_area"), "ai_data"),
	)
	clickAndWaitNewPage(t, admin, `#partner-map-form button[type="submit"]`)
	do(t, admin, chromedp.WaitVisible(chromedp.CSS("#mappings")))
	checkAxe(t, admin, "partner issuer with a mapped achievement")

	before := programmeCount(t, ta, "journey-partner")
	learner := newChrome(t)
	chromeSignIn(t, learner, ta, "/learn/credentials", "partner.learner@example.jp", "", "#partner-add-link")
	clickAndWaitNewPage(t, learner, "#partner-add-link")
	do(t, learner, chromedp.WaitVisible(chromedp.CSS("#partner-add-form")))
	checkAxe(t, learner, "add a partner credential")
	do(t, learner, chromedp.SetValue(chromedp.CSS("#f-credential"), string(fx.Credentials[0])))
	clickAndWaitNewPage(t, learner, `#partner-add-form button[type="submit"]`)
	do(t, learner, chromedp.WaitVisible(chromedp.CSS("#partner-held .partner-credential")))
	if !strings.Contains(text(t, learner, "#partner-held"), "Applied AI 101") {
		t.Fatal("the wallet does not show the partner credential")
	}
	checkAxe(t, learner, "wallet with a partner credential")
	if after := programmeCount(t, ta, "journey-partner"); after != before+1 {
		t.Fatalf("programme count %d → %d, want +1", before, after)
	}

	do(t, learner, chromedp.Navigate(ta.URL+"/verify"), chromedp.WaitVisible(chromedp.CSS("#verify-form")),
		chromedp.SetValue(chromedp.CSS("#f-credential"), string(fx.Credentials[0])))
	clickAndWaitNewPage(t, learner, `#verify-form button[type="submit"]`)
	do(t, learner, chromedp.WaitVisible(chromedp.CSS("#verify-result")))
	if n := len(get(t, learner, chromedp.Nodes(chromedp.CSS(`#checks [data-check="credential.check.signature"][data-ok="true"]`)))); n != 1 {
		t.Fatal("/verify did not verify the partner credential's signature")
	}
	checkAxe(t, learner, "verify a partner credential")
}
