package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestHomeAndInfrastructure(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b := ta.newBrowser(t)

	t.Run("JapaneseByDefault", func(t *testing.T) {
		r := b.get("/")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		doc := r.Doc(t)
		if lang, _ := doc.Find("html").Attr("lang"); lang != "ja" {
			t.Fatalf("html lang = %q, want ja", lang)
		}
		if !strings.Contains(doc.Find("h1").Text(), "100万人") {
			t.Fatalf("home heading not Japanese: %q", doc.Find("h1").Text())
		}
		for _, href := range []string{"/courses", "/progress", "/login"} {
			if doc.Find(`main a[href="`+href+`"]`).Length() == 0 {
				t.Errorf("home page has no link to %s", href)
			}
		}
	})
	t.Run("SecurityHeaders", func(t *testing.T) {
		r := b.get("/")
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP allows inline code: %q", csp)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") == "" {
			t.Errorf("missing nosniff or referrer policy: %v", r.Header)
		}
		if strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, " style=") {
			t.Error("page contains inline script or style, which the CSP would block")
		}
	})
	t.Run("SwitchToEnglish", func(t *testing.T) {
		r := b.post("/", "/language", url.Values{"lang": {"en"}, "return_to": {"/privacy"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/privacy" {
			t.Fatalf("language switch: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		doc := b.follow(r).Doc(t)
		if lang, _ := doc.Find("html").Attr("lang"); lang != "en" {
			t.Fatalf("html lang = %q after switching to English", lang)
		}
		if !strings.Contains(doc.Find("h1").Text(), "Privacy notice") {
			t.Fatalf("privacy page not in English: %q", doc.Find("h1").Text())
		}
	})
	t.Run("ErrOpenRedirect", func(t *testing.T) {
		r := b.post("/", "/language", url.Values{"lang": {"ja"}, "return_to": {"//evil.example/"}})
		if loc := r.Header.Get("Location"); loc != "/" {
			t.Fatalf("language switch redirected to %q", loc)
		}
	})
	t.Run("ErrNoCSRFToken", func(t *testing.T) {
		r := b.postRaw("/language", url.Values{"lang": {"en"}})
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("POST without CSRF token: status %d, want 403", r.StatusCode)
		}
	})
	t.Run("NotFoundPage", func(t *testing.T) {
		r := b.get("/no-such-page")
		if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, "見つかりません") {
			t.Fatalf("404 page: %d", r.StatusCode)
		}
	})
	t.Run("HealthReadyMetrics", func(t *testing.T) {
		if r := b.get("/healthz"); r.StatusCode != 200 {
			t.Fatalf("healthz %d", r.StatusCode)
		}
		if r := b.get("/readyz"); r.StatusCode != 200 {
			t.Fatalf("readyz %d", r.StatusCode)
		}
		r := ta.scrapeMetrics(t)
		if r.StatusCode != 200 || !strings.Contains(r.Body, `takumi_http_requests_total{method="GET",route="/",status="200"}`) {
			t.Fatalf("metrics do not count home page requests:\n%.500s", r.Body)
		}
	})
	t.Run("ErrOversizedBody", func(t *testing.T) {
		big := strings.Repeat("x", 3<<20)
		r := b.postRaw("/language", url.Values{"lang": {big}})
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("3 MiB body: status %d, want 413", r.StatusCode)
		}
	})
}
