package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
)

// bulkWorld is an app with two employers (an admin each, with TOTP) and a
// provider "bulk-web" publishing the self-paced course "bulk-web-101".
type bulkWorld struct {
	ta             *testApp
	secret         string
	adminA, adminB string
	orgA, orgB     string
	courseID       string
}

func bulkWebSetup(t *testing.T) *bulkWorld {
	t.Helper()
	ta := startApp(t)
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Takumi", AccountName: "bulk"})
	if err != nil {
		t.Fatal(err)
	}
	w := &bulkWorld{ta: ta, secret: key.Secret(), adminA: "bulk-admin-a@example.jp", adminB: "bulk-admin-b@example.jp"}
	a := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.adminA, Name: "管理 エー", TOTPSecret: w.secret})
	b := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.adminB, Name: "管理 ビー", TOTPSecret: w.secret})
	w.orgA = fixtures.MustAddMember(t, ta.DB, "一括商事", "employer", a, "admin", false)
	w.orgB = fixtures.MustAddMember(t, ta.DB, "別の工業", "employer", b, "admin", false)

	author := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "bulk-author@example.jp", Name: "講師"})
	provider := fixtures.MustAddMember(t, ta.DB, "一括研修機関", "provider", author, "instructor", false)
	ta.DB.Gorm.Exec(`UPDATE organisations SET code = 'bulk-web' WHERE id = ?`, provider)
	ctx := context.Background()
	actor := catalog.Actor{UserID: author}
	c, err := ta.App.Server.Courses.CreateCourse(ctx, actor, catalog.NewCourse{ProviderID: provider, Code: "bulk-web-101", Content: catalog.Content{
		TitleJa: "生成AI入門", SummaryJa: "概要", SkillArea: "ai_data", Level: catalog.LevelIntroductory,
		EstimatedHours: 2, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.App.Server.Courses.EditDraft(ctx, actor, c.ID, 0, func(ct *catalog.Content) error {
		ct.Modules = []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
			{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "はじめに", Required: true, BodyMd: "本文"}}}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.App.Server.Courses.Publish(ctx, actor, c.ID); err != nil {
		t.Fatal(err)
	}
	w.courseID = c.ID
	return w
}

// bulkUpload posts a CSV to the dry run as the upload form would.
func bulkUpload(t *testing.T, b *browser, orgID, name string, content []byte) *response {
	t.Helper()
	tok := b.csrf("/org/" + orgID + "/enrolments")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", tok)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/org/"+orgID+"/enrolments/dry-run", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

const bulkWebHeader = "email,name,prefecture,industry,segment,course,cohort\n"

func TestBulkHTTPOtherOrganisation(t *testing.T) {
	t.Parallel()
	w := bulkWebSetup(t)
	ta := w.ta
	ba := ta.signedIn(t, w.adminA, w.secret)
	bb := ta.signedIn(t, w.adminB, w.secret)

	// Admin B checks and imports a file for organisation B.
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "worker-b@example.jp"})
	r := bulkUpload(t, bb, w.orgB, "b.csv", []byte(bulkWebHeader+"worker-b@example.jp,作業 ビー,13,G,engineer,bulk-web-101,\n"))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("dry run for B: %d\n%.500s", r.StatusCode, r.Body)
	}
	sha, _ := r.Doc(t).Find(`input[name="sha256"]`).Attr("value")
	r = bb.post("/org/"+w.orgB+"/enrolments", "/org/"+w.orgB+"/enrolments/import", url.Values{"sha256": {sha}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("import for B: %d", r.StatusCode)
	}
	progress := r.Header.Get("Location")

	t.Run("ProgressFragment", func(t *testing.T) {
		// Without JavaScript: the whole page. htmx's polling: the region only,
		// and once the import is done it no longer asks to be polled.
		deadline := time.Now().Add(10 * time.Second)
		for {
			r := bb.get(progress)
			if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "<html") {
				t.Fatalf("progress page: %d", r.StatusCode)
			}
			if st, _ := r.Doc(t).Find("#bulk-status").Attr("data-status"); st == "done" {
				break
			}
			if r.Doc(t).Find("#bulk-refresh").Length() != 1 || r.Doc(t).Find(`#bulk-progress[hx-trigger="every 2s"]`).Length() != 1 {
				t.Fatal("a running import's page has no refresh link or no polling")
			}
			if time.Now().After(deadline) {
				t.Fatal("the import did not finish")
			}
			time.Sleep(100 * time.Millisecond)
		}
		req, _ := http.NewRequest(http.MethodGet, bb.base+progress, nil)
		req.Header.Set("HX-Request", "true")
		r := bb.do(req)
		if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="bulk-progress"`) {
			t.Fatalf("htmx fragment: %d %.300s", r.StatusCode, r.Body)
		}
		if strings.Contains(r.Body, "hx-trigger") || !strings.Contains(r.Body, `id="count-enrolled">1<`) {
			t.Fatalf("finished import fragment: %.600s", r.Body)
		}
	})
	t.Run("ErrSeeOtherImport", func(t *testing.T) {
		if r := ba.get(progress); r.StatusCode != http.StatusNotFound {
			t.Fatalf("admin A sees B's import: %d", r.StatusCode)
		}
		// The same import id under A's own organisation is not found either.
		if r := ba.get(strings.Replace(progress, w.orgB, w.orgA, 1)); r.StatusCode != http.StatusNotFound {
			t.Fatalf("B's import under A's path: %d", r.StatusCode)
		}
	})
	t.Run("ErrOtherPages", func(t *testing.T) {
		if r := ba.get("/org/" + w.orgB + "/enrolments"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("B's bulk page for A: %d", r.StatusCode)
		}
		if r := ba.get("/org/" + w.orgB + "/enrolments/dry-run/" + sha + "/errors.csv"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("B's error file for A: %d", r.StatusCode)
		}
	})
	t.Run("ErrRunOtherImport", func(t *testing.T) {
		tok := ba.csrf("/org/" + w.orgA + "/enrolments")
		var before int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM enrolment_imports`).Row().Scan(&before)
		r := ba.postRaw("/org/"+w.orgB+"/enrolments/import", url.Values{"_csrf": {tok}, "sha256": {sha}})
		if r.StatusCode != http.StatusNotFound {
			t.Fatalf("A runs B's import: %d", r.StatusCode)
		}
		// B's file under A's organisation: not A's file.
		r = ba.postRaw("/org/"+w.orgA+"/enrolments/import", url.Values{"_csrf": {tok}, "sha256": {sha}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("A runs B's file in A: %d", r.StatusCode)
		}
		var after int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM enrolment_imports`).Row().Scan(&after)
		if after != before {
			t.Fatal("an import was recorded")
		}
	})
	t.Run("ErrUploadOtherOrg", func(t *testing.T) {
		tok := ba.csrf("/org/" + w.orgA + "/enrolments")
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("_csrf", tok)
		fw, _ := mw.CreateFormFile("file", "x.csv")
		fw.Write([]byte(bulkWebHeader))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, ba.base+"/org/"+w.orgB+"/enrolments/dry-run", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if r := ba.do(req); r.StatusCode != http.StatusNotFound {
			t.Fatalf("A uploads to B: %d", r.StatusCode)
		}
	})
	t.Run("ErrLearner", func(t *testing.T) {
		lb := ta.newBrowser(t)
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "bulk-learner@example.jp"})
		ta.signIn(t, lb, "bulk-learner@example.jp", fixtures.Password, "")
		if r := lb.get("/org/" + w.orgA + "/enrolments"); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a learner on the bulk page: %d", r.StatusCode)
		}
	})
}

// bulkCountingReader is an endless body that counts what was read of it.
type bulkCountingReader struct{ n atomic.Int64 }

func (r *bulkCountingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	r.n.Add(int64(len(p)))
	return len(p), nil
}

func TestBulkHTTPTooLarge(t *testing.T) {
	t.Parallel()
	w := bulkWebSetup(t)
	ta := w.ta
	b := ta.signedIn(t, w.adminA, w.secret)
	const size = 200 << 20
	src := &bulkCountingReader{}
	req, _ := http.NewRequest(http.MethodPost, ta.URL+"/org/"+w.orgA+"/enrolments/dry-run", io.LimitReader(src, size))
	req.ContentLength = size
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("200 MB upload: %v (read %d bytes)", err, src.n.Load())
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("200 MB upload: status %d", res.StatusCode)
	}
	if !strings.Contains(string(body), "20 MB") {
		t.Fatalf("the refusal does not say the limit: %.600s", body)
	}
	if n := src.n.Load(); n > 32<<20 {
		t.Fatalf("the server read %d MB of a 200 MB body before refusing", n>>20)
	}
	var files int
	ta.DB.Gorm.Raw(`SELECT count(*) FROM enrolment_import_files`).Row().Scan(&files)
	if files != 0 {
		t.Fatal("something was stored")
	}
}

// TestBulkBrowserJourney: an organisation admin signs in with two-factor,
// opens bulk enrolment from the organisation page, checks a file with two
// bad rows (both errors shown with their line numbers, no "run" button),
// then a good file (dry run OK), runs the import, and watches the progress
// page reach "done" with its counts.
func TestBulkBrowserJourney(t *testing.T) {
	w := bulkWebSetup(t)
	ta := w.ta
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "staff1@example.jp"})
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "staff2@example.jp"})
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(bad, []byte(bulkWebHeader+
		"staff1@example.jp,職員 一,13,G,engineer,bulk-web-101,\n"+
		"staff2@example.jp,職員 二,48,G,engineer,bulk-web-101,\n"+
		"newcomer@example,新人,13,G,engineer,bulk-web-101,\n"), 0o600)
	os.WriteFile(good, []byte(bulkWebHeader+
		"staff1@example.jp,職員 一,13,G,engineer,bulk-web-101,\n"+
		"staff2@example.jp,職員 二,47,G,engineer,bulk-web/bulk-web-101,\n"+
		"newcomer@example.jp,新人,13,G,engineer,bulk-web-101,\n"), 0o600)

	ctx := newChrome(t)
	do(t, ctx,
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), w.adminA),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
	)
	clickAndWaitNewPage(t, ctx, `form[action="/login"] button[type="submit"]`)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-code"), ta.totpCode(t, w.adminA, w.secret)))
	clickAndWaitNewPage(t, ctx, `form[action="/login/2fa"] button[type="submit"]`)
	do(t, ctx, chromedp.Navigate(ta.URL+"/org/"+w.orgA), chromedp.WaitVisible(chromedp.CSS("#bulk-link")))
	clickAndWaitNewPage(t, ctx, "#bulk-link")
	if h1 := text(t, ctx, "h1"); h1 != "一括受講登録" {
		t.Fatalf("bulk page h1 %q", h1)
	}
	checkAxe(t, ctx, "bulk upload page")

	// Two bad rows: both errors with their line numbers, nothing to run.
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{bad}))
	clickAndWaitNewPage(t, ctx, `#bulk-form button[type="submit"]`)
	errs := text(t, ctx, "#bulk-errors tbody")
	if !strings.Contains(errs, "3") || !strings.Contains(errs, "「48」は都道府県コード") ||
		!strings.Contains(errs, "4") || !strings.Contains(errs, "「newcomer@example」は正しいメールアドレスではありません") {
		t.Fatalf("errors table: %q", errs)
	}
	lines := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#bulk-errors td.bulk-line')].map(e => e.textContent)`))
	if strings.Join(lines, ",") != "3,4" {
		t.Fatalf("error lines %v, want 3,4", lines)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#bulk-run').length`)); n != 0 {
		t.Fatal("a file with errors offers to run the import")
	}
	checkAxe(t, ctx, "dry run with errors")
	var enrolments int
	ta.DB.Gorm.Raw(`SELECT count(*) FROM enrolments`).Row().Scan(&enrolments)
	if enrolments != 0 {
		t.Fatal("the dry run enrolled someone")
	}

	// A good file: the summary, then the import.
	do(t, ctx, chromedp.Navigate(ta.URL+"/org/"+w.orgA+"/enrolments"), chromedp.WaitVisible(chromedp.CSS("#f-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{good}))
	clickAndWaitNewPage(t, ctx, `#bulk-form button[type="submit"]`)
	// One count for people with and without an account (issue 15 finding 3).
	if got := text(t, ctx, "#sum-enrol"); got != "3" {
		t.Fatalf("summary: %s to enrol or invite, want 3", got)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#sum-invite, #sum-invitations').length`)); n != 0 {
		t.Fatal("the summary counts people without an account separately")
	}
	checkAxe(t, ctx, "dry run OK")
	clickAndWaitNewPage(t, ctx, "#bulk-run")
	deadline := time.Now().Add(20 * time.Second)
	for text(t, ctx, "#bulk-status") != "完了" {
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish: %q", text(t, ctx, "#bulk-progress"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	if got := text(t, ctx, "#count-enrolled"); got != "3" {
		t.Fatalf("counts enrolled/invited/unchanged %s", got)
	}
	if !strings.Contains(text(t, ctx, "#bulk-progress-text"), "3 / 3") {
		t.Fatalf("progress text %q", text(t, ctx, "#bulk-progress-text"))
	}
	checkAxe(t, ctx, "import progress")
	ta.DB.Gorm.Raw(`SELECT count(*) FROM enrolments WHERE org_id = ?`, w.orgA).Row().Scan(&enrolments)
	if enrolments != 2 {
		t.Fatalf("%d enrolments after the import", enrolments)
	}
	ta.waitMail(t, "newcomer@example.jp", "一括商事")
}

// TestRosterConsent (issue 15 finding 2): an organisation bulk-enrols an
// existing account that belongs to another organisation. Until the person
// consents — on their account page, which names the organisation and what
// it will see — the roster and its CSV show "awaiting consent" and nothing
// of their progress, and the status filter does not find them; after
// consent the progress shows; withdrawn, it is hidden again.
func TestRosterConsent(t *testing.T) {
	t.Parallel()
	w := bulkWebSetup(t)
	ta := w.ta
	const email = "outsider@example.jp"
	outsider := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "社外 花子"})
	fixtures.MustCreateMembership(t, ta.DB, w.orgB, outsider, "member", false)
	ba := ta.signedIn(t, w.adminA, w.secret)
	r := bulkUpload(t, ba, w.orgA, "a.csv", []byte(bulkWebHeader+email+",社外 花子,13,G,engineer,bulk-web-101,\n"))
	sha, _ := r.Doc(t).Find(`input[name="sha256"]`).Attr("value")
	if r = ba.post("/org/"+w.orgA+"/enrolments", "/org/"+w.orgA+"/enrolments/import", url.Values{"sha256": {sha}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: %d", r.StatusCode)
	}
	var enrolment string
	for deadline := time.Now().Add(15 * time.Second); enrolment == ""; time.Sleep(100 * time.Millisecond) {
		ta.DB.Gorm.Raw(`SELECT id FROM enrolments WHERE user_id = ? AND org_id = ?`, outsider, w.orgA).Row().Scan(&enrolment)
		if time.Now().After(deadline) {
			t.Fatal("the import did not enrol the existing account")
		}
	}
	// The person studied: 60 % progress, active.
	ta.DB.Gorm.Exec(`UPDATE enrolments SET progress_percent = 60, last_activity_at = now() WHERE id = ?`, enrolment)

	roster := func() (row, csv string) {
		t.Helper()
		doc := ba.get("/org/" + w.orgA + "/roster").Doc(t)
		row = strings.Join(strings.Fields(doc.Find("#enrolment-"+enrolment).Text()), " ")
		return row, ba.get("/org/" + w.orgA + "/roster.csv").Body
	}
	hidden := func(when string) {
		t.Helper()
		row, csv := roster()
		if !strings.Contains(row, "本人の同意待ち") || strings.Contains(row, "60") || strings.Contains(row, "受講中") {
			t.Fatalf("%s: roster row %q, want awaiting consent and no progress", when, row)
		}
		if !strings.Contains(csv, "本人の同意待ち") || strings.Contains(csv, ",60,") {
			t.Fatalf("%s: CSV shows progress:\n%s", when, csv)
		}
		doc := ba.get("/org/" + w.orgA + "/roster?status=active").Doc(t)
		if doc.Find("#enrolment-"+enrolment).Length() != 0 {
			t.Fatalf("%s: the status filter reveals the person's status", when)
		}
	}
	hidden("before consent")

	// The person is told by email, with the link to answer.
	if body, _ := ta.waitMail(t, email, "同意"); !strings.Contains(body, "一括商事") || !strings.Contains(body, "/account#account-consents") {
		t.Fatalf("consent request email:\n%s", body)
	}
	lb := ta.signedIn(t, email, "")
	page := lb.get("/account").Doc(t)
	item := page.Find(`#account-consents li[data-org="` + w.orgA + `"]`)
	if st, _ := item.Attr("data-state"); st != "requested" || !strings.Contains(item.Text(), "一括商事") || !strings.Contains(item.Text(), "進捗率") {
		t.Fatalf("account page request: state %q text %q", st, item.Text())
	}
	consent := func(decision string) {
		t.Helper()
		if r := lb.post("/account", "/account/consents/"+w.orgA, url.Values{"decision": {decision}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", decision, r.StatusCode)
		}
	}
	consent("grant")
	if row, _ := roster(); strings.Contains(row, "本人の同意待ち") || !strings.Contains(row, "60") {
		t.Fatalf("after consent: roster row %q, want progress", row)
	}
	consent("withdraw")
	hidden("after withdrawal")
	var audits int64
	ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action IN ('org.progress_consent_granted', 'org.progress_consent_withdrawn') AND actor_id = ?`, outsider).Scan(&audits)
	if audits != 2 {
		t.Fatalf("%d consent decisions audited, want 2", audits)
	}
	// Another organisation's request cannot be answered by someone else.
	if r := ba.post("/account", "/account/consents/"+w.orgA, url.Values{"decision": {"grant"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("the admin answering for the person: %d, want 404", r.StatusCode)
	}
}
