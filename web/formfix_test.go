package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
)

// TestNumericFieldsAcceptFullWidth: a birth year typed with a Japanese
// input method (１９９０) is accepted and stored as 1990.
func TestNumericFieldsAcceptFullWidth(t *testing.T) {
	ta := startApp(t)
	b := ta.newBrowser(t)
	v := signupValues("zenkaku@example.jp")
	v.Set("birth_year", "１９９０")
	r := b.post("/signup", "/signup", v)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("full-width birth year refused: %d %q", r.StatusCode, r.Doc(t).Find("#error-summary").Text())
	}
	var year int
	if err := ta.DB.SQL.QueryRowContext(context.Background(),
		`SELECT birth_year FROM users WHERE email = 'zenkaku@example.jp'`).Scan(&year); err != nil || year != 1990 {
		t.Fatalf("birth year stored as %d (%v)", year, err)
	}
}

// TestErrorSummaryLinksToFields: a form with problems starts with a
// summary that lists each problem, in the order of the form, as a link to
// its field.
func TestErrorSummaryLinksToFields(t *testing.T) {
	ta := startApp(t)
	b := ta.newBrowser(t)
	v := signupValues("summary@example.jp")
	v.Set("password", "short")
	v.Set("password_confirm", "short")
	v.Set("birth_year", "1850")
	v.Del("consent")
	r := b.post("/signup", "/signup", v)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.StatusCode)
	}
	doc := r.Doc(t)
	sum := doc.Find("#error-summary")
	if ti, _ := sum.Attr("tabindex"); ti != "-1" || sum.AttrOr("autofocus", "x") == "x" {
		t.Fatalf("summary does not take focus: tabindex=%q", ti)
	}
	var hrefs []string
	sum.Find("li a").Each(func(_ int, a *goquery.Selection) { hrefs = append(hrefs, a.AttrOr("href", "")) })
	got := strings.Join(hrefs, " ")
	if got != "#f-password #f-birth_year #f-consent" {
		t.Fatalf("summary links %q, want password, birth year, consent in form order", got)
	}
	for _, h := range hrefs {
		if doc.Find(h).Length() != 1 {
			t.Errorf("summary link %s points at nothing", h)
		}
	}
	if !strings.Contains(sum.Text(), "1900年") {
		t.Errorf("summary does not repeat the field message: %q", sum.Text())
	}
}

// TestErrorSummaryFocusBrowser: in a real browser focus lands on the
// summary after a failed submit, and its link moves focus to the field.
func TestErrorSummaryFocusBrowser(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	do(t, ctx, chromedp.Navigate(ta.URL+"/signup"), chromedp.WaitVisible(chromedp.CSS(`form[action="/signup"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "focus@example.jp"),
		chromedp.SendKeys(chromedp.CSS("#f-birth_year"), "1850"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#error-summary")),
	)
	if id := get(t, ctx, chromedp.Evaluate[string](`document.activeElement.id`)); id != "error-summary" {
		t.Fatalf("focus on %q after the error, want the error summary", id)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`#error-summary a[href="#f-birth_year"]`)))
	if id := get(t, ctx, chromedp.Evaluate[string](`document.activeElement.id`)); id != "f-birth_year" {
		t.Fatalf("summary link moved focus to %q, want the birth year field", id)
	}
	checkAxe(t, ctx, "sign-up with error summary (ja)")
}
