package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourneyNewLearner is the whole first visit of a new learner, clicked
// through in Chromium: home page in Japanese → sign-up → the verification
// email in the development mailbox → verify → sign in → switch to English →
// sign out. Each page is checked with axe-core.
func TestJourneyNewLearner(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	const email, password = "haruto.sato@example.jp", "kaizen-every-day-2030"

	// Home, in Japanese, with the way to sign up.
	do(t, ctx, chromedp.Navigate(ta.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if lang := attr(t, ctx, "html", "lang"); lang != "ja" {
		t.Fatalf("home lang=%q", lang)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`.header-actions a[href="/signup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signup"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), password),
		chromedp.SendKeys(chromedp.CSS("#f-display_name"), "佐藤 陽翔"),
		chromedp.SetValue(chromedp.CSS("#f-prefecture"), "23"),
		chromedp.SetValue(chromedp.CSS("#f-industry"), "E"),
		chromedp.Click(chromedp.CSS("#f-segment-engineer")),
		chromedp.Click(chromedp.CSS("#f-consent")),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main a[href="/dev/mailbox"]`)),
	)

	// Not signed in yet: the address must be verified first.
	if got := text(t, ctx, ".header-actions"); !strings.Contains(got, "ログイン") {
		t.Fatalf("signed in before verifying? header: %q", got)
	}

	// The development mailbox has the verification email; follow its link.
	do(t, ctx, chromedp.Click(chromedp.CSS(`main a[href="/dev/mailbox"]`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	checkAxe(t, ctx, "development mailbox")
	link := signupMailboxLink(t, ctx, ta.URL, email, "/verify-email")
	// The link signs the person in and lands on My learning (issue 14 item 6).
	do(t, ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/learn") {
		t.Fatalf("after the verification link: at %s, want /learn", loc)
	}
	if got := text(t, ctx, ".main-nav"); !strings.Contains(got, "アカウント") {
		t.Fatalf("after sign-in the menu has no account link: %q", got)
	}

	// Switch to English from the header: the page and <html lang> follow.
	do(t, ctx,
		chromedp.Navigate(ta.URL+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="en"]`)),
		chromedp.Click(chromedp.CSS(`form.lang-switch button[value="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="ja"]`)),
	)
	if lang, nav := attr(t, ctx, "html", "lang"), text(t, ctx, ".main-nav"); lang != "en" || !strings.Contains(nav, "Account") {
		t.Fatalf("after switching: lang=%q nav=%q", lang, nav)
	}
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/account") {
		t.Fatalf("language switch did not return to the account page: %s", loc)
	}
	checkAxe(t, ctx, "account page (en)")
	var saved string
	ta.DB.Gorm.Raw("SELECT language FROM users WHERE email = ?", email).Row().Scan(&saved)
	if saved != "en" {
		t.Fatalf("language saved on the account: %q, want en", saved)
	}

	// Sign out: the header offers sign-in again, and /account needs it.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.header-actions a[href="/login"]`)),
		chromedp.Navigate(ta.URL+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
	)
	if loc := location(t, ctx); !strings.Contains(loc, "/login") {
		t.Fatalf("after signing out /account went to %s", loc)
	}
}
