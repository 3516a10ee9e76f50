package web_test

import (
	"context"
	"encoding/xml"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"takumi/internal/credential"
	"takumi/internal/fixtures"
	"takumi/internal/jst"
	walletviews "takumi/views/wallet"
)

// walletComplete enrols b's learner in pc (a playerPublish course with no
// minimum time and no quiz) and completes its two required readings
// through the player, so the real completion hook issues the credential.
// It returns the credential's id.
func walletComplete(t *testing.T, ta *testApp, b *browser, pc playerCourse) string {
	t.Helper()
	enrolment, _ := playerEnrol(t, ta, b, pc)
	for _, lesson := range pc.Lessons[:2] {
		p := "/learn/" + enrolment + "/lessons/" + lesson
		if r := b.post(p, p+"/complete", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("complete %s: status %d\n%.300s", p, r.StatusCode, r.Body)
		}
	}
	var id string
	ta.DB.Gorm.Raw(`SELECT id FROM credentials WHERE enrolment_id = ?`, enrolment).Row().Scan(&id)
	if id == "" {
		t.Fatalf("completing %s issued no credential", pc.ID)
	}
	return id
}

// walletSection is the wallet's entry of credential id.
func walletSection(d *goquery.Document, id string) *goquery.Selection {
	return d.Find(`#wallet section[data-credential="` + id + `"]`)
}

var walletPathData = regexp.MustCompile(`<path fill="#000" d="([^"]*)"`)

// walletPrintPDF prints the current page to PDF as the browser's print
// command would, on the paper the page's @page rule asks for.
func walletPrintPDF(t *testing.T, ctx context.Context) []byte {
	t.Helper()
	yes := true
	return get(t, ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
		return r.Data, err
	}))
}

var (
	walletPDFPage     = regexp.MustCompile(`/Type\s*/Page[^s]`)
	walletPDFMediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]`)
)

func TestWalletHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	robots := playerPublish(t, ta, "wallet-robots", "ロボット安全の基礎", 0, false)
	cloud := playerPublish(t, ta, "wallet-cloud", "クラウド入門", 0, false)
	alice, _ := ta.signedInLearner(t, "wallet-alice@example.jp")
	bob, _ := ta.signedInLearner(t, "wallet-bob@example.jp")
	admin := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "wallet-admin@example.jp", PlatformAdmin: true})

	t.Run("EmptyState", func(t *testing.T) {
		r := bob.get("/learn/credentials")
		d := r.Doc(t)
		empty := d.Find("#wallet-empty")
		if r.StatusCode != http.StatusOK || empty.Length() != 1 || d.Find("#wallet").Length() != 0 {
			t.Fatalf("empty wallet: %d\n%s", r.StatusCode, d.Find("main").Text())
		}
		for _, href := range []string{"/learn", "/courses"} {
			if empty.Find(`a[href="`+href+`"]`).Length() != 1 {
				t.Errorf("empty wallet has no link to %s", href)
			}
		}
		if !strings.Contains(empty.Text(), "自動で発行") {
			t.Errorf("empty wallet does not say credentials are issued automatically: %s", empty.Text())
		}
	})
	t.Run("SignedOutGoesToSignIn", func(t *testing.T) {
		r := ta.newBrowser(t).get("/learn/credentials")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("signed out: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
	})

	aRobots := walletComplete(t, ta, alice, robots)
	aCloud := walletComplete(t, ta, alice, cloud)
	bRobots := walletComplete(t, ta, bob, robots)
	// Issued within the same second; make the order certain.
	ta.DB.Gorm.Exec(`UPDATE credentials SET issued_at = issued_at - interval '1 day' WHERE id = ?`, aRobots)

	t.Run("ListsOnlyOwnCredentialsNewestFirst", func(t *testing.T) {
		d := alice.get("/learn/credentials").Doc(t)
		var got []string
		d.Find("#wallet section[data-credential]").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-credential", "")) })
		if strings.Join(got, " ") != aCloud+" "+aRobots {
			t.Fatalf("alice's wallet lists %v, want [%s %s]", got, aCloud, aRobots)
		}
		sec := walletSection(d, aRobots)
		if sec.Find("h2").Text() != "ロボット安全の基礎" || sec.AttrOr("data-status", "") != "valid" || !strings.Contains(sec.Find(".badge").Text(), "有効") {
			t.Fatalf("alice's robots entry:\n%s", sec.Text())
		}
		if !strings.Contains(sec.Text(), "提供機関 wallet-robots") || !strings.Contains(sec.Text(), "なし（無期限）") {
			t.Fatalf("provider or validity missing:\n%s", sec.Text())
		}
		if strings.Contains(alice.get("/learn/credentials").Body, bRobots) {
			t.Fatal("alice's wallet shows bob's credential")
		}
		if got := bob.get("/learn/credentials").Doc(t).Find("#wallet section[data-credential]"); got.Length() != 1 || got.AttrOr("data-credential", "") != bRobots {
			t.Fatalf("bob's wallet: %d entries", got.Length())
		}
	})
	t.Run("ActionsDownloadCertificateShare", func(t *testing.T) {
		sec := walletSection(alice.get("/learn/credentials").Doc(t), aRobots)
		if sec.Find(`a[href="/credentials/`+aRobots+`/credential.json?download=1"]`).Length() != 1 {
			t.Error("no download link")
		}
		if sec.Find(`a[href="/learn/credentials/`+aRobots+`/certificate"]`).Length() != 1 {
			t.Error("no certificate link")
		}
		share := sec.Find("#share-" + aRobots)
		_, readonly := share.Attr("readonly")
		if share.AttrOr("value", "") != ta.URL+"/credentials/"+aRobots || !readonly || sec.Find(`label[for="share-`+aRobots+`"]`).Length() != 1 {
			t.Fatalf("share field: value %q readonly %v", share.AttrOr("value", ""), readonly)
		}
	})
	t.Run("LinkedInURL", func(t *testing.T) {
		until := time.Date(2029, 3, 15, 0, 0, 0, 0, time.UTC)
		if err := ta.DB.Gorm.Exec(`UPDATE credentials SET valid_until = ? WHERE id = ?`, until, aCloud).Error; err != nil {
			t.Fatal(err)
		}
		d := alice.get("/learn/credentials").Doc(t)
		for _, tc := range []struct {
			id, name, provider string
			until              *time.Time
		}{{aRobots, "ロボット安全の基礎", "提供機関 wallet-robots", nil}, {aCloud, "クラウド入門", "提供機関 wallet-cloud", &until}} {
			a := walletSection(d, tc.id).Find("a.wallet-linkedin")
			raw := a.AttrOr("href", "")
			if a.Length() != 1 || a.AttrOr("rel", "") != "noopener" || a.AttrOr("target", "") != "" {
				t.Fatalf("LinkedIn link of %s: %d links, rel %q", tc.id, a.Length(), a.AttrOr("rel", ""))
			}
			if strings.Contains(raw, "+") || !strings.Contains(raw, "%20") {
				t.Errorf("spaces not written as %%20: %s", raw)
			}
			u, err := url.Parse(raw)
			if err != nil || u.Scheme != "https" || u.Host != "www.linkedin.com" || u.Path != "/profile/add" {
				t.Fatalf("LinkedIn URL %q (%v)", raw, err)
			}
			var issued time.Time
			ta.DB.Gorm.Raw(`SELECT issued_at FROM credentials WHERE id = ?`, tc.id).Row().Scan(&issued)
			issued = jst.In(issued)
			want := url.Values{"startTask": {"CERTIFICATION_NAME"}, "name": {tc.name}, "organizationName": {tc.provider},
				"issueYear": {strconv.Itoa(issued.Year())}, "issueMonth": {strconv.Itoa(int(issued.Month()))},
				"certUrl": {ta.URL + "/credentials/" + tc.id}, "certId": {tc.id}}
			if tc.until != nil {
				want.Set("expirationYear", "2029")
				want.Set("expirationMonth", "3")
			}
			if got := u.Query(); got.Encode() != want.Encode() {
				t.Errorf("LinkedIn parameters of %s:\n got %v\nwant %v", tc.id, got, want)
			}
		}
		if got := walletSection(d, aCloud).Text(); !strings.Contains(got, "2029年3月15日") {
			t.Errorf("valid until not shown:\n%s", got)
		}
	})
	t.Run("LinkedInNameInEnglish", func(t *testing.T) {
		ta.DB.Gorm.Exec(`UPDATE users SET language = 'en' WHERE email = 'wallet-bob@example.jp'`)
		defer ta.DB.Gorm.Exec(`UPDATE users SET language = 'ja' WHERE email = 'wallet-bob@example.jp'`)
		d := bob.get("/learn/credentials").Doc(t)
		u, _ := url.Parse(walletSection(d, bRobots).Find("a.wallet-linkedin").AttrOr("href", ""))
		if q := u.Query(); q.Get("name") != "ロボット安全の基礎 (en)" || q.Get("organizationName") != "提供機関 wallet-robots (en)" {
			t.Fatalf("English LinkedIn parameters: %v", q)
		}
		if h1 := d.Find("main h1").Text(); h1 != "My credentials" {
			t.Fatalf("English wallet h1 %q", h1)
		}
	})

	t.Run("CertificateOfOwnCredential", func(t *testing.T) {
		r := alice.get("/learn/credentials/" + aRobots + "/certificate")
		d := r.Doc(t)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("certificate: %d", r.StatusCode)
		}
		cert := d.Find("#certificate")
		if h1 := d.Find("main h1"); h1.Length() != 1 || !strings.Contains(h1.Text(), "修了証") || !strings.Contains(h1.Text(), "Certificate of Completion") {
			t.Fatalf("certificate h1 %q", h1.Text())
		}
		if got := cert.Find("#certificate-recipient").Text(); got != "受講 太郎 殿" {
			t.Errorf("recipient %q", got)
		}
		if got := cert.Find("#certificate-achievement").Text(); !strings.Contains(got, "ロボット安全の基礎") || !strings.Contains(got, "ロボット安全の基礎 (en)") {
			t.Errorf("achievement %q", got)
		}
		var issued time.Time
		ta.DB.Gorm.Raw(`SELECT issued_at FROM credentials WHERE id = ?`, aRobots).Row().Scan(&issued)
		for _, want := range []string{jst.LongDate("ja", issued), jst.LongDate("en", issued), aRobots, "提供機関 wallet-robots", "Operated by Takumi", "運営：Takumi", ta.URL + "/credentials/" + aRobots} {
			if !strings.Contains(cert.Text(), want) {
				t.Errorf("certificate lacks %q", want)
			}
		}
		if cert.Find("#certificate-revoked, #certificate-expired").Length() != 0 {
			t.Error("a valid credential's certificate carries a mark")
		}
		// The course's learning time and skill area, in both languages.
		if got := cert.Find("#certificate-hours").Text(); !strings.Contains(got, "2時間") || !strings.Contains(got, "2 hours") {
			t.Errorf("certificate hours %q", got)
		}
		if got := cert.Find("#certificate-skill").Text(); !strings.Contains(got, "デジタルリテラシー") || !strings.Contains(got, "Digital literacy") {
			t.Errorf("certificate skill area %q", got)
		}
		svg := cert.Find("#certificate-qr svg")
		if svg.Length() != 1 || svg.AttrOr("shape-rendering", "") != "crispEdges" || svg.Find("title").Text() == "" {
			t.Fatalf("inline QR code: %d svg", svg.Length())
		}
		if d.Find(`link[href="/static/css/certificate.css"]`).Length() != 1 || d.Find("#print-hint").Length() != 1 {
			t.Error("certificate stylesheet or print instructions missing")
		}
		if strings.Contains(r.Body, "style=") {
			t.Error("a style attribute on the certificate page (the CSP forbids them)")
		}
		// The inline code is the same drawing as the public QR route.
		qr := alice.get("/credentials/" + aRobots + "/qr.svg")
		inline, _ := goquery.OuterHtml(svg)
		a, b := walletPathData.FindStringSubmatch(inline), walletPathData.FindStringSubmatch(qr.Body)
		if a == nil || b == nil || a[1] != b[1] {
			t.Fatal("the certificate's QR code differs from /qr.svg")
		}
	})
	t.Run("ErrCertificateOfAnotherLearner404", func(t *testing.T) {
		for _, p := range []string{
			"/learn/credentials/" + aRobots + "/certificate",                      // alice's
			"/learn/credentials/00000000-0000-4000-8000-000000000000/certificate", // unknown
			"/learn/credentials/not-a-uuid/certificate",
		} {
			r := bob.get(p)
			if r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "ロボット安全の基礎 (en)") {
				t.Errorf("bob GET %s: %d", p, r.StatusCode)
			}
		}
		if r := ta.newBrowser(t).get("/learn/credentials/" + aRobots + "/certificate"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("signed out: %d", r.StatusCode)
		}
	})

	t.Run("Revoked", func(t *testing.T) {
		if err := ta.App.Server.Credentials.Revoke(ctx, credential.Actor{UserID: admin, IsPlatformAdmin: true}, aCloud, "誤って発行したため"); err != nil {
			t.Fatal(err)
		}
		d := alice.get("/learn/credentials").Doc(t)
		sec := walletSection(d, aCloud)
		if sec.AttrOr("data-status", "") != "revoked" || !strings.Contains(sec.Find(".badge").Text(), "失効") || !strings.Contains(sec.Text(), "誤って発行したため") {
			t.Fatalf("revoked entry:\n%s", sec.Text())
		}
		if sec.Find("a.wallet-linkedin").Length() != 0 || sec.Find("#share-"+aCloud).Length() != 0 {
			t.Fatal("a revoked credential still offers LinkedIn or the share link")
		}
		if sec.Find(`a[href="/learn/credentials/`+aCloud+`/certificate"]`).Length() != 1 {
			t.Fatal("a revoked credential lost its certificate link")
		}
		if walletSection(d, aRobots).Find("a.wallet-linkedin").Length() != 1 {
			t.Fatal("revoking one credential hid another's actions")
		}
		cd := alice.get("/learn/credentials/" + aCloud + "/certificate").Doc(t)
		mark := cd.Find("#certificate #certificate-revoked")
		if mark.Length() != 1 || !strings.Contains(mark.Text(), "失効") || !strings.Contains(mark.Text(), "REVOKED") {
			t.Fatalf("revoked certificate mark: %q", mark.Text())
		}
	})
	t.Run("Expired", func(t *testing.T) {
		if err := ta.DB.Gorm.Exec(`UPDATE credentials SET issued_at = now() - interval '400 days', valid_from = now() - interval '400 days',
			valid_until = now() - interval '1 day' WHERE id = ?`, aRobots).Error; err != nil {
			t.Fatal(err)
		}
		sec := walletSection(alice.get("/learn/credentials").Doc(t), aRobots)
		if sec.AttrOr("data-status", "") != "expired" || !strings.Contains(sec.Find(".badge").Text(), "期限切れ") {
			t.Fatalf("expired entry:\n%s", sec.Text())
		}
		if sec.Find("a.wallet-linkedin").Length() != 1 {
			t.Fatal("an expired credential lost its LinkedIn link (LinkedIn records the expiry)")
		}
		cd := alice.get("/learn/credentials/" + aRobots + "/certificate").Doc(t)
		if mark := cd.Find("#certificate-expired"); mark.Length() != 1 || !strings.Contains(mark.Text(), "EXPIRED") {
			t.Fatalf("expired certificate mark: %q", mark.Text())
		}
	})
	t.Run("MyLearningLinksToTheWallet", func(t *testing.T) {
		d := alice.get("/learn").Doc(t)
		if d.Find(`main a[href="/learn/credentials"]`).Length() != 1 || d.Find(`nav.main-nav a[href="/learn/credentials"]`).Length() != 1 {
			t.Fatal("no link to the wallet on /learn or in the header")
		}
	})
}

func TestCredentialQR(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	pc := playerPublish(t, ta, "wallet-qr", "品質管理の基礎", 0, false)
	b, _ := ta.signedInLearner(t, "wallet-qr@example.jp")
	id := walletComplete(t, ta, b, pc)

	t.Run("OK", func(t *testing.T) {
		r := ta.newBrowser(t).get("/credentials/" + id + "/qr.svg") // public: no sign-in
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/svg+xml" || r.Header.Get("Cache-Control") != "public, max-age=86400" {
			t.Fatalf("qr.svg: %d %q %q", r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"))
		}
		var doc struct {
			XMLName        xml.Name
			ShapeRendering string `xml:"shape-rendering,attr"`
		}
		if err := xml.Unmarshal([]byte(r.Body), &doc); err != nil || doc.XMLName.Local != "svg" || doc.XMLName.Space != "http://www.w3.org/2000/svg" || doc.ShapeRendering != "crispEdges" {
			t.Fatalf("not an SVG document (%v): %.200s", err, r.Body)
		}
		if strings.Contains(r.Body, "style") {
			t.Fatal("style attribute in the SVG")
		}
		// It encodes the verification page: the same modules as a code
		// drawn for that URL.
		want, err := walletviews.QRCodeSVG(ta.URL+"/credentials/"+id, "")
		if err != nil {
			t.Fatal(err)
		}
		got, exp := walletPathData.FindStringSubmatch(r.Body), walletPathData.FindStringSubmatch(want)
		if got == nil || got[1] != exp[1] {
			t.Fatal("the QR code does not encode the verification page's URL")
		}
	})
	t.Run("ErrUnknown404", func(t *testing.T) {
		for _, p := range []string{"/credentials/00000000-0000-4000-8000-000000000000/qr.svg", "/credentials/nonsense/qr.svg"} {
			if r := ta.newBrowser(t).get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d", p, r.StatusCode)
			}
		}
	})
}

// TestWalletBrowserJourney is the learner's journey to their certificate
// clicked through in Chromium: an empty wallet first, then a small course
// completed in the player, the credential in the wallet (reached from the
// header), its printable certificate with the QR code, and both pages again
// in English. axe checks every page.
func TestWalletBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	pc := playerPublish(t, ta, "wallet-journey", "ロボット安全の基礎", 0, false)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "wallet-journey@example.jp", Name: "佐藤 花子"})

	do(t, ctx,
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "wallet-journey@example.jp"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Navigate(ta.URL+"/learn"),
		chromedp.WaitVisible(chromedp.CSS("#wallet-link")),
	)
	clickAndWaitNewPage(t, ctx, "#wallet-link")
	if got := text(t, ctx, "#wallet-empty"); !strings.Contains(got, "自動で発行") {
		t.Fatalf("empty wallet: %q", got)
	}
	checkAxe(t, ctx, "wallet (empty, ja)")

	// Complete the course in the player.
	do(t, ctx, chromedp.Navigate(ta.URL+pc.Path), chromedp.WaitVisible(chromedp.CSS("#enrol-form")))
	clickAndWaitNewPage(t, ctx, `#enrol-form button[type="submit"]`)
	clickAndWaitNewPage(t, ctx, `#complete-form button[type="submit"]`)
	clickAndWaitNewPage(t, ctx, `#complete-form button[type="submit"]`)
	if got := text(t, ctx, "#course-completed"); !strings.Contains(got, "コースを修了しました") {
		t.Fatalf("course page after the last lesson: %q", got)
	}

	// The wallet, from the header.
	clickAndWaitNewPage(t, ctx, `nav.main-nav a[href="/learn/credentials"]`)
	var id string
	ta.DB.Gorm.Raw(`SELECT id FROM credentials`).Row().Scan(&id)
	entry := `#wallet section[data-credential="` + id + `"]`
	if got := text(t, ctx, entry+" h2"); got != "ロボット安全の基礎" {
		t.Fatalf("wallet entry %q", got)
	}
	if got := text(t, ctx, entry+" .badge"); got != "有効" {
		t.Fatalf("status %q", got)
	}
	checkAxe(t, ctx, "wallet (ja)")

	// The share link's copy button appears once its script has run, and
	// copies the link (or, when the clipboard is refused, selects it).
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(entry+" .copy-button")), chromedp.Click(chromedp.CSS(entry+" .copy-button")))
	copied := get(t, ctx, chromedp.Evaluate[bool](`new Promise(r => setTimeout(() => {
		const s = document.querySelector('`+entry+` .copy-status'), f = document.querySelector('`+entry+` input[readonly]');
		r(s.textContent.includes('コピーしました') || (document.activeElement === f && f.selectionEnd - f.selectionStart === f.value.length));
	}, 300))`, chromedp.EvalAwaitPromise))
	if !copied {
		t.Error("copy button neither copied nor selected the share link")
	}

	clickAndWaitNewPage(t, ctx, entry+` a[href$="/certificate"]`)
	if got := text(t, ctx, "#certificate-achievement"); !strings.Contains(got, "ロボット安全の基礎") {
		t.Fatalf("certificate achievement %q", got)
	}
	if got := text(t, ctx, "#certificate-recipient"); got != "佐藤 花子 殿" {
		t.Fatalf("certificate recipient %q", got)
	}
	if got := attr(t, ctx, "#certificate-qr svg", "shape-rendering"); got != "crispEdges" {
		t.Fatalf("QR svg shape-rendering %q", got)
	}
	// The QR code is drawn at its CSS size, and the print button shows
	// once its script has run.
	if w := get(t, ctx, chromedp.Evaluate[float64](`document.querySelector('#certificate-qr svg').getBoundingClientRect().width`)); w < 100 {
		t.Fatalf("QR code drawn %.0f px wide", w)
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#print-certificate")))
	// English lines fall back to a Mincho face, never a Latin font's dash
	// for a ー in a Japanese name.
	if ff := get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('#certificate [lang="en"]')).fontFamily`)); !strings.Contains(ff, "Mincho") {
		t.Errorf("English certificate text has no Japanese serif fallback: %s", ff)
	}
	checkAxe(t, ctx, "certificate (ja)")
	// Printed: one sheet of A4 landscape (841.89 x 595.28 pt).
	pdf := walletPrintPDF(t, ctx)
	if n := len(walletPDFPage.FindAll(pdf, -1)); n != 1 {
		t.Fatalf("the certificate prints on %d pages, want 1", n)
	}
	m := walletPDFMediaBox.FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no page size in the printed PDF")
	}
	w, _ := strconv.ParseFloat(string(m[1]), 64)
	h, _ := strconv.ParseFloat(string(m[2]), 64)
	if math.Abs(w-841.89) > 2 || math.Abs(h-595.28) > 2 { // Chromium rounds to whole pixels
		t.Fatalf("printed paper %.2f x %.2f pt, want A4 landscape (841.89 x 595.28)", w, h)
	}
	// A long achievement name in both languages still fits on the sheet.
	if err := ta.DB.Gorm.Exec(`UPDATE courses SET title_ja = ?, title_en = ? WHERE id = ?`,
		"生成AIを活用した業務改善のための実践的プロンプトエンジニアリングとリスク管理 応用編 第二版",
		"Practical prompt engineering and risk management for business improvement with generative AI, advanced course, second edition", pc.ID).Error; err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#certificate-qr")))
	if got := text(t, ctx, "#certificate-achievement"); !strings.Contains(got, "第二版") {
		t.Fatalf("renamed achievement %q", got)
	}
	if n := len(walletPDFPage.FindAll(walletPrintPDF(t, ctx), -1)); n != 1 {
		t.Fatalf("with a long name the certificate prints on %d pages, want 1", n)
	}
	ta.DB.Gorm.Exec(`UPDATE courses SET title_ja = ?, title_en = ? WHERE id = ?`, "ロボット安全の基礎", "ロボット安全の基礎 (en)", pc.ID)
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#certificate-qr")))

	// English.
	clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
	if got := text(t, ctx, ".certificate-tools a"); got != "Back to my credentials" {
		t.Fatalf("English certificate page: %q", got)
	}
	if got := text(t, ctx, "#certificate-achievement"); !strings.Contains(got, "ロボット安全の基礎 (en)") {
		t.Fatalf("English achievement name missing: %q", got)
	}
	checkAxe(t, ctx, "certificate (en)")
	clickAndWaitNewPage(t, ctx, ".certificate-tools a")
	if got := text(t, ctx, "main h1"); got != "My credentials" {
		t.Fatalf("English wallet h1 %q", got)
	}
	if got := text(t, ctx, entry+" h2"); got != "ロボット安全の基礎 (en)" {
		t.Fatalf("English wallet entry %q", got)
	}
	checkAxe(t, ctx, "wallet (en)")
}
