package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserHomeLanguage: a visitor opens the site in Japanese, switches to
// English with the header button (no JavaScript needed), and back.
func TestBrowserHomeLanguage(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	do(t, ctx, chromedp.Navigate(ta.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if lang, h1 := attr(t, ctx, "html", "lang"), text(t, ctx, "h1"); lang != "ja" || !strings.Contains(h1, "100万人") {
		t.Fatalf("home not in Japanese: lang=%q h1=%q", lang, h1)
	}
	checkAxe(t, ctx, "home (ja)")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form.lang-switch button[value="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="ja"]`)),
	)
	if lang, h1 := attr(t, ctx, "html", "lang"), text(t, ctx, "h1"); lang != "en" || !strings.Contains(h1, "million") {
		t.Fatalf("home not in English after switching: lang=%q h1=%q", lang, h1)
	}
	checkAxe(t, ctx, "home (en)")
}
