package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAxeCanFail proves the accessibility check is live: a page with an
// image without alt text must produce a violation.
func TestAxeCanFail(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	do(t, ctx, chromedp.Navigate(ta.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	get(t, ctx, chromedp.Evaluate[bool](`(() => { const i = document.createElement('img'); document.querySelector('main').appendChild(i); return true })()`))
	got := axeViolations(t, ctx)
	found := false
	for _, v := range got {
		if v.ID == "image-alt" {
			found = true
		}
	}
	if !found {
		t.Fatalf("axe did not report an image without alt text: %+v", got)
	}
}
