package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAccessibilityStatement: /accessibility is public and states the
// standard, the target level, the scope, the method (automated and manual
// checks), the results by page and the date, from the published results
// file, in both languages.
func TestAccessibilityStatement(t *testing.T) {
	ta := startApp(t)
	b := ta.newBrowser(t)
	r := b.get("/accessibility")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	doc := r.Doc(t)
	if got := doc.Find("#a11y-summary").Text(); !strings.Contains(got, "JIS X 8341-3:2016") || !strings.Contains(got, "AA") {
		t.Errorf("statement summary %q", got)
	}
	if doc.Find("#a11y-manual li").Length() < 5 || !strings.Contains(doc.Find("main").Text(), "axe-core") {
		t.Error("method does not name axe-core and the manual checks")
	}
	res := b.get("/static/accessibility/results.json")
	var file struct {
		Pages []struct{ Path, Lang string }
	}
	if err := json.Unmarshal([]byte(res.Body), &file); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("results file: %d %v", res.StatusCode, err)
	}
	if rows := doc.Find("#a11y-pages tbody tr").Length(); rows != len(file.Pages) || rows == 0 {
		t.Errorf("results table has %d rows, the results file %d pages", rows, len(file.Pages))
	}
	if doc.Find("#a11y-date time").Length() != 1 {
		t.Error("no test date")
	}
	if doc.Find(`footer a[href="/accessibility"]`).Length() != 1 {
		t.Error("the footer does not link the statement")
	}
	en := ta.newBrowser(t)
	en.post("/", "/language", map[string][]string{"lang": {"en"}, "return_to": {"/accessibility"}})
	if got := en.get("/accessibility").Doc(t).Find("h1").Text(); got != "Accessibility statement and test results" {
		t.Errorf("English title %q", got)
	}
}

// TestAccessibilityStatementBrowser: the statement itself passes axe.
func TestAccessibilityStatementBrowser(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	do(t, ctx, chromedp.Navigate(ta.URL+"/accessibility"), chromedp.WaitVisible(chromedp.CSS("#a11y-summary")))
	checkAxe(t, ctx, "accessibility statement (ja)")
}
