package web_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// logoWorld is a training provider with its admin, another provider's
// admin, an employer's admin and a member of the provider.
type logoWorld struct {
	ta                                       *testApp
	provider, otherProvider, employer        string
	admin, otherAdmin, employerAdmin, member string
}

func logoSetup(t *testing.T) logoWorld {
	t.Helper()
	ta := startApp(t)
	w := logoWorld{ta: ta, admin: "logo-admin@example.jp", otherAdmin: "logo-other@example.jp",
		employerAdmin: "logo-employer@example.jp", member: "logo-member@example.jp"}
	admin := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.admin, Name: "ロゴ 管理者", TOTPSecret: revokeSecret})
	w.provider = fixtures.MustAddMember(t, ta.DB, "ロゴ研修機関", "provider", admin, "admin", false)
	member := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.member, Name: "ロゴ 職員"})
	fixtures.MustCreateMembership(t, ta.DB, w.provider, member, "member", false)
	other := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.otherAdmin, Name: "他機関 管理者", TOTPSecret: revokeSecret})
	w.otherProvider = fixtures.MustAddMember(t, ta.DB, "別のロゴ研修機関", "provider", other, "admin", false)
	emp := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.employerAdmin, Name: "企業 管理者", TOTPSecret: revokeSecret})
	w.employer = fixtures.MustAddMember(t, ta.DB, "ロゴ採用企業", "employer", emp, "admin", false)
	return w
}

// testPNG is a w×h PNG.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{G: 128, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// logoUpload posts content as the logo of orgID through the page's form.
func logoUpload(t *testing.T, b *browser, orgID, name string, content []byte) *response {
	t.Helper()
	tok := b.csrf("/org/" + orgID + "/logo")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", tok)
	fw, _ := mw.CreateFormFile("logo", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/org/"+orgID+"/logo", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func TestLogoHTTPUpload(t *testing.T) {
	t.Parallel()
	w := logoSetup(t)
	ta := w.ta
	b := ta.signedIn(t, w.admin, revokeSecret)

	r := b.get("/org/" + w.provider)
	if href, _ := r.Doc(t).Find("#logo-link").Attr("href"); href != "/org/"+w.provider+"/logo" {
		t.Fatalf("the organisation page links the logo page at %q", href)
	}
	r = b.get("/org/" + w.provider + "/logo")
	if r.StatusCode != http.StatusOK || r.Doc(t).Find("#no-logo").Length() != 1 {
		t.Fatalf("logo page: %d, no-logo notice missing\n%.500s", r.StatusCode, r.Body)
	}

	refused := []struct {
		name    string
		content []byte
		message string
	}{
		{"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "PNG 画像ではありません"},
		{"fake.png", append([]byte("\x89PNG\r\n\x1a\n"), []byte("<html>not really</html>")...), "PNG 画像ではありません"},
		{"big.png", append(testPNG(t, 4, 4), make([]byte, 300*1024)...), "256 KB 以下"},
		{"wide.png", testPNG(t, 1025, 10), "1024 ピクセル以下"},
	}
	for _, c := range refused {
		r := logoUpload(t, b, w.provider, c.name, c.content)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422", c.name, r.StatusCode)
		}
		doc := r.Doc(t)
		if msg := doc.Find("#f-logo-error").Text(); !strings.Contains(msg, c.message) {
			t.Fatalf("%s: error %q, want %q", c.name, msg, c.message)
		}
		if doc.Find("#logo-form").Length() != 1 || doc.Find("#error-summary").Length() != 1 {
			t.Fatalf("%s: the form or the error summary is missing", c.name)
		}
	}
	var n int64
	ta.DB.Gorm.Raw("SELECT count(*) FROM organisation_logos").Row().Scan(&n)
	if n != 0 {
		t.Fatalf("%d logos stored after refusals", n)
	}

	logo := testPNG(t, 64, 64)
	r = logoUpload(t, b, w.provider, "logo.png", logo)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%.500s", r.StatusCode, r.Body)
	}
	r = b.follow(r)
	src, _ := r.Doc(t).Find("#current-logo").Attr("src")
	if src != "data:image/png;base64,"+base64.StdEncoding.EncodeToString(logo) {
		t.Fatalf("current logo src = %.60q", src)
	}
	var action, orgID string
	ta.DB.Gorm.Raw(`SELECT action, org_id FROM audit_events WHERE action = 'org.logo_set' ORDER BY id DESC LIMIT 1`).Row().Scan(&action, &orgID)
	if action != "org.logo_set" || orgID != w.provider {
		t.Fatalf("audit: %q for %q", action, orgID)
	}

	// English page and message.
	b.post("/", "/language", url.Values{"lang": {"en"}, "return_to": {"/"}})
	r = logoUpload(t, b, w.provider, "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))
	if msg := r.Doc(t).Find("#f-logo-error").Text(); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, "This is not a PNG image") {
		t.Fatalf("English refusal: %d %q", r.StatusCode, msg)
	}
	if h1 := r.Doc(t).Find("h1").Text(); !strings.HasPrefix(h1, "Logo: ") {
		t.Fatalf("English title %q", h1)
	}
}

func TestLogoHTTPAuthz(t *testing.T) {
	t.Parallel()
	w := logoSetup(t)
	ta := w.ta
	logo := testPNG(t, 8, 8)

	// Another provider's admin and an employer's admin: 404 for the page and the upload.
	for _, who := range []string{w.otherAdmin, w.employerAdmin} {
		b := ta.signedIn(t, who, revokeSecret)
		if r := b.get("/org/" + w.provider + "/logo"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("%s GET: %d, want 404", who, r.StatusCode)
		}
		tok := b.csrf("/")
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("_csrf", tok)
		fw, _ := mw.CreateFormFile("logo", "logo.png")
		fw.Write(logo)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, b.base+"/org/"+w.provider+"/logo", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if r := b.do(req); r.StatusCode != http.StatusNotFound {
			t.Fatalf("%s POST: %d, want 404", who, r.StatusCode)
		}
	}
	// An employer has no logo page.
	eb := ta.signedIn(t, w.employerAdmin, revokeSecret)
	if r := eb.get("/org/" + w.employer + "/logo"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("employer's own logo page: %d, want 404", r.StatusCode)
	}
	// A member of the provider who is not its admin, and a learner: 403.
	mb := ta.signedIn(t, w.member, "")
	if r := mb.get("/org/" + w.provider + "/logo"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("member GET: %d, want 403", r.StatusCode)
	}
	lb, _ := ta.signedInLearner(t, "logo-learner@example.jp")
	if r := lb.get("/org/" + w.provider + "/logo"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("learner GET: %d, want 403", r.StatusCode)
	}
	var n int64
	ta.DB.Gorm.Raw("SELECT count(*) FROM organisation_logos").Row().Scan(&n)
	if n != 0 {
		t.Fatalf("%d logos stored by people who may not", n)
	}
}

// TestLogoBrowser uploads a logo in a real browser: a refused file in
// Japanese (the message next to the field, the form kept), then a PNG in
// English, shown as the current logo; axe on each page.
func TestLogoBrowser(t *testing.T) {
	t.Parallel()
	w := logoSetup(t)
	ta := w.ta
	dir := t.TempDir()
	bad := filepath.Join(dir, "logo.svg")
	good := filepath.Join(dir, "logo.png")
	os.WriteFile(bad, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 0o600)
	os.WriteFile(good, testPNG(t, 32, 32), 0o600)

	ctx := newChrome(t)
	chromeSignIn(t, ctx, ta, "/org/"+w.provider, w.admin, revokeSecret, "#logo-link")
	clickAndWaitNewPage(t, ctx, "#logo-link")
	if h1 := text(t, ctx, "h1"); h1 != "ロゴ：ロゴ研修機関" {
		t.Fatalf("logo page h1 %q", h1)
	}
	checkAxe(t, ctx, "logo page (ja)")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-logo"), []string{bad}))
	clickAndWaitNewPage(t, ctx, `#logo-form button[type="submit"]`)
	if msg := text(t, ctx, "#f-logo-error"); !strings.Contains(msg, "PNG 画像ではありません") {
		t.Fatalf("refusal message %q", msg)
	}
	checkAxe(t, ctx, "logo refused (ja)")

	clickAndWaitNewPage(t, ctx, `form[action="/language"] button[value="en"]`)
	if h1 := text(t, ctx, "h1"); !strings.HasPrefix(h1, "Logo: ") {
		t.Fatalf("English logo page h1 %q", h1)
	}
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-logo"), []string{good}))
	clickAndWaitNewPage(t, ctx, `#logo-form button[type="submit"]`)
	if src := attr(t, ctx, "#current-logo", "src"); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("current logo src %.40q", src)
	}
	if alt := attr(t, ctx, "#current-logo", "alt"); !strings.HasPrefix(alt, "Logo of ") {
		t.Fatalf("current logo alt %q", alt)
	}
	checkAxe(t, ctx, "logo uploaded (en)")
}
