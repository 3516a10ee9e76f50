package web_test

import (
	"bytes"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"takumi/internal/jst"
)

// TestFaviconServed: /favicon.ico is the embedded icon, not a 404.
func TestFaviconServed(t *testing.T) {
	ta := startApp(t)
	r := ta.newBrowser(t).get("/favicon.ico")
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/vnd.microsoft.icon" {
		t.Fatalf("favicon: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if !bytes.HasPrefix([]byte(r.Body), []byte{0, 0, 1, 0}) {
		t.Fatal("favicon is not an ICO file")
	}
}

// TestDevMailboxShowsJST: the development mailbox shows when each message
// was sent in Japan's time, marked JST.
func TestDevMailboxShowsJST(t *testing.T) {
	ta := startApp(t)
	b := ta.newBrowser(t)
	before := time.Now()
	b.post("/signup", "/signup", signupValues("mailbox-jst@example.jp"))
	ta.waitMail(t, "mailbox-jst@example.jp", "")
	doc := b.get("/dev/mailbox").Doc(t)
	got := doc.Find("main time").First().Text()
	if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} JST$`).MatchString(got) {
		t.Fatalf("mailbox time %q, want YYYY-MM-DD hh:mm:ss JST", got)
	}
	if want := jst.DateTimeSec(before)[:13]; got[:13] != want && got[:13] != jst.DateTimeSec(time.Now())[:13] {
		t.Fatalf("mailbox time %q is not Japan's time (now %s)", got, jst.DateTimeSec(time.Now()))
	}
}

// TestTOTPSecretGrouped: the secret to type by hand is shown in blocks of
// four characters, and its text (what a copy gives) is still the secret.
func TestTOTPSecretGrouped(t *testing.T) {
	ta := startApp(t)
	b, _ := ta.signedInLearner(t, "totp-groups@example.jp")
	doc := b.get("/account/2fa").Doc(t)
	code := doc.Find("#totp-secret")
	secret := code.Text()
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(secret) {
		t.Fatalf("secret text %q, want 32 base32 characters with no spaces", secret)
	}
	groups := code.Find("span")
	if groups.Length() != 8 {
		t.Fatalf("secret shown in %d blocks, want 8 of four", groups.Length())
	}
	groups.Each(func(i int, s *goquery.Selection) {
		if s.Text() != secret[i*4:i*4+4] {
			t.Errorf("block %d is %q, want %q", i+1, s.Text(), secret[i*4:i*4+4])
		}
	})
}
