package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// TestHeaderFitsOneLine: for a person with every role (studio, organisation,
// ministry, admin) in development mode (mailbox link too), the header is one
// row at 1280 px in both languages, and on a 390 px phone it is one short
// row whose menu opens without JavaScript.
func TestHeaderFitsOneLine(t *testing.T) {
	ta := startApp(t)
	const email = "header-admin@example.jp"
	id, secret := adminTOTPUser(t, ta, email, true)
	fixtures.MustAddMember(t, ta.DB, "ヘッダー研修機関", "provider", id, "admin", true)
	ctx := newChrome(t)
	chromeSignIn(t, ctx, ta, "/admin", email, secret, "#overview-counts")

	height := func() float64 {
		return get(t, ctx, chromedp.Evaluate[float64](`document.querySelector('.site-header').getBoundingClientRect().height`))
	}
	for _, lang := range []string{"ja", "en"} {
		do(t, ctx, chromedp.EmulateViewport(1280, 900))
		if lang == "en" {
			clickAndWaitNewPage(t, ctx, `.lang-switch button[value="en"]`)
		}
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.main-nav a[href="/admin"]`)))
		for _, href := range []string{"/studio", "/org", "/ministry", "/admin", "/dev/mailbox"} {
			if !get(t, ctx, chromedp.Evaluate[bool](`(() => { const a = document.querySelector('.main-nav a[href="`+href+`"]'); return !!a && a.getBoundingClientRect().height > 0 })()`)) {
				t.Errorf("%s: nav link %s not visible at 1280 px", lang, href)
			}
		}
		// One row: every nav link and the header actions share a top edge.
		rows := get(t, ctx, chromedp.Evaluate[int](`new Set([...document.querySelectorAll('.main-nav a, .header-actions button, .brand')].map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2))).size`))
		if h := height(); rows != 1 || h > 72 {
			t.Errorf("%s at 1280 px: header %.0f px tall with %d rows of items, want one row under 72 px", lang, h, rows)
		}
		do(t, ctx, chromedp.EmulateViewport(390, 844))
		if h := height(); h > 64 {
			t.Errorf("%s at 390 px: header %.0f px tall, want at most 64", lang, h)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS(".nav-toggle")), chromedp.WaitVisible(chromedp.CSS(`.main-nav a[href="/admin"]`)))
		checkAxe(t, ctx, "header menu open on a phone ("+lang+")")
		do(t, ctx, chromedp.Click(chromedp.CSS(".nav-toggle")))
	}
}
