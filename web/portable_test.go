package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
	"takumi/internal/storage"
)

// portableAuthor makes an instructor of the provider orgName (with provider
// code code) and returns the user's and the provider's ids.
func portableAuthor(t *testing.T, ta *testApp, email, orgName, code string) (userID, providerID string) {
	t.Helper()
	userID = fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "講師 " + code})
	providerID = fixtures.MustAddMember(t, ta.DB, orgName, "provider", userID, "instructor", false)
	if err := ta.DB.Gorm.Exec("UPDATE organisations SET code = ? WHERE id = ?", code, providerID).Error; err != nil {
		t.Fatal(err)
	}
	return userID, providerID
}

// portableCourseWithMedia creates a published course of providerID with a
// reading, a quiz with every question kind and a resource lesson whose
// file (data, stored directly in the app's media storage) it returns the
// media id of.
func portableCourseWithMedia(t *testing.T, ta *testApp, userID, providerID, code string, data []byte) (courseID, mediaID string) {
	t.Helper()
	ctx := context.Background()
	files, err := storage.NewDir(filepath.Join(ta.Cfg.DataDir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	key, n, err := files.Put(ctx, bytes.NewReader(data), 0)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if err := ta.DB.Gorm.Raw(`INSERT INTO media (provider_id, filename, content_type, size_bytes, sha256, storage_key)
		VALUES (?, 'handout.pdf', 'application/pdf', ?, ?, ?) RETURNING id`, providerID, n, sum[:], key).Row().Scan(&mediaID); err != nil {
		t.Fatal(err)
	}
	id := catalog.NewID
	content := catalog.Content{TitleJa: "クラウド基礎", TitleEn: "Cloud fundamentals", SummaryJa: "クラウドの基本を学ぶ",
		DescriptionMd: "クラウドの**基本**", SkillArea: "cloud", Level: catalog.LevelIntroductory, EstimatedHours: 3,
		Language: "ja", DeliveryMode: catalog.DeliverySelfPaced, Modules: []catalog.Module{{ID: id(), TitleJa: "第1章", Lessons: []catalog.Lesson{
			{ID: id(), Kind: catalog.LessonReading, TitleJa: "クラウドとは", Required: true, MinMinutes: 5, BodyMd: "# クラウド\n\n本文"},
			{ID: id(), Kind: catalog.LessonResource, TitleJa: "配布資料", MediaID: mediaID},
			{ID: id(), Kind: catalog.LessonQuiz, TitleJa: "確認", Required: true, MustPass: true, Quiz: &catalog.Quiz{PassPercent: 80, MaxAttempts: 2,
				Questions: []catalog.Question{
					{ID: id(), Kind: catalog.QuestionSingle, PromptMd: "IaaS は？", Options: []catalog.Option{{ID: id(), Text: "基盤", Correct: true}, {ID: id(), Text: "アプリ"}}},
					{ID: id(), Kind: catalog.QuestionMultiple, PromptMd: "クラウドの利点", Options: []catalog.Option{{ID: id(), Text: "拡張性", Correct: true}, {ID: id(), Text: "従量課金", Correct: true}, {ID: id(), Text: "無料"}}},
					{ID: id(), Kind: catalog.QuestionTrueFalse, PromptMd: "クラウドは常に安い", Options: []catalog.Option{{ID: id(), Text: "正"}, {ID: id(), Text: "誤", Correct: true}}},
					{ID: id(), Kind: catalog.QuestionNumeric, PromptMd: "1 GiB は何 MiB？", Answer: 1024, FeedbackMd: "2の10乗"},
				}}},
		}}}}
	svc := ta.App.Server.Courses
	c, err := svc.CreateCourse(ctx, catalog.Actor{UserID: userID}, catalog.NewCourse{ProviderID: providerID, Code: code, Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(ctx, catalog.Actor{UserID: userID}, c.ID); err != nil {
		t.Fatal(err)
	}
	return c.ID, mediaID
}

// portablePDF is a resource file larger than the site-wide 2 MiB body
// limit, so an import of it proves the import route has its own limit.
func portablePDF() []byte {
	b := []byte("%PDF-1.4\n")
	for i := 0; len(b) < 3<<20; i++ {
		b = append(b, byte(i*7919>>3), byte(i))
	}
	return append(b, "\n%%EOF\n"...)
}

// portableImport posts a file to /studio/import as the form does.
func portableImport(t *testing.T, b *browser, fields map[string]string, file []byte) *response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", b.csrf("/studio/import"))
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "course.takumi.zip")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/studio/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// portableManifest returns course.json of a portable file.
func portableManifest(t *testing.T, file []byte) (map[string]any, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var m map[string]any
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "course.json" {
			rc, _ := f.Open()
			raw, _ := io.ReadAll(rc)
			rc.Close()
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return m, names
}

// portableComparable is course.json without exported_at and source, with
// media ids replaced by their position: what a round trip keeps.
func portableComparable(t *testing.T, m map[string]any) string {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"format": m["format"], "code": m["code"], "content": m["content"], "media": m["media"]})
	s := string(raw)
	for i, md := range m["media"].([]any) {
		s = strings.ReplaceAll(s, md.(map[string]any)["id"].(string), "media-"+string(rune('A'+i)))
	}
	return s
}

// portableCounts counts courses, revisions, media rows and stored files.
func portableCounts(t *testing.T, ta *testApp) [4]int64 {
	t.Helper()
	var c [4]int64
	ta.DB.Gorm.Raw("SELECT count(*) FROM courses").Row().Scan(&c[0])
	ta.DB.Gorm.Raw("SELECT count(*) FROM course_revisions").Row().Scan(&c[1])
	ta.DB.Gorm.Raw("SELECT count(*) FROM media").Row().Scan(&c[2])
	filepath.Walk(filepath.Join(ta.Cfg.DataDir, "media"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			c[3]++
		}
		return nil
	})
	return c
}

// portableRewrite returns file with course.json changed by edit.
func portableRewrite(t *testing.T, file []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		raw, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "course.json" {
			var m map[string]any
			json.Unmarshal(raw, &m)
			edit(m)
			raw, _ = json.Marshal(m)
		}
		w, _ := zw.Create(f.Name)
		w.Write(raw)
	}
	zw.Close()
	return out.Bytes()
}

func TestPortableHTTPRoundTrip(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	instA, provA := portableAuthor(t, ta, "author-a@example.jp", "研修機関A", "provider-a")
	portableAuthor(t, ta, "author-b@example.jp", "研修機関B", "provider-b")
	pdf := portablePDF()
	courseID, _ := portableCourseWithMedia(t, ta, instA, provA, "cloud-101", pdf)

	a := ta.signedIn(t, "author-a@example.jp", "")
	r := a.get("/studio/courses/" + courseID + "/export")
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %s\n%.300s", r.StatusCode, r.Header.Get("Content-Type"), r.Body)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename=cloud-101-r1.takumi.zip` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	first := []byte(r.Body)
	m1, names := portableManifest(t, first)
	if len(names) != 2 || names[0] != "course.json" || m1["format"] != "takumi-course/1" {
		t.Fatalf("export entries %v", names)
	}

	b := ta.signedIn(t, "author-b@example.jp", "")
	r = portableImport(t, b, map[string]string{"code": ""}, first)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("import of a %d-byte file: %d\n%.600s", len(first), r.StatusCode, r.Body)
	}
	newID := strings.TrimPrefix(r.Header.Get("Location"), "/studio/courses/")
	var status, code, provider string
	ta.DB.Gorm.Raw("SELECT status, code, provider_id FROM courses WHERE id = ?", newID).Row().Scan(&status, &code, &provider)
	if status != "draft" || code != "cloud-101" || provider == provA {
		t.Fatalf("imported course: %s %s %s", status, code, provider)
	}

	r = b.get("/studio/courses/" + newID + "/export")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("export of the imported course: %d", r.StatusCode)
	}
	m2, names2 := portableManifest(t, []byte(r.Body))
	if got, want := portableComparable(t, m2), portableComparable(t, m1); got != want {
		t.Fatalf("export → import → export changed course.json:\n%s\n----\n%s", got, want)
	}
	if names2[1] == names[1] {
		t.Fatal("the imported media kept the source's id")
	}
	if !strings.Contains(r.Body, string(pdf[:200])) {
		t.Fatal("second export lacks the media bytes")
	}
	if src := m2["source"].(map[string]any); src["provider_code"] != "provider-b" || src["base_url"] != ta.URL {
		t.Fatalf("source of the second export: %v", src)
	}
}

func TestPortableHTTPAccess(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	instA, provA := portableAuthor(t, ta, "author-a@example.jp", "研修機関A", "provider-a")
	portableAuthor(t, ta, "author-b@example.jp", "研修機関B", "provider-b")
	courseID, _ := portableCourseWithMedia(t, ta, instA, provA, "cloud-101", []byte("%PDF-1.4\nx\n%%EOF\n"))
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "learner@example.jp"})

	t.Run("ErrOtherProviderExport", func(t *testing.T) {
		b := ta.signedIn(t, "author-b@example.jp", "")
		for _, q := range []string{"", "?revision=draft", "?revision=published"} {
			if r := b.get("/studio/courses/" + courseID + "/export" + q); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "クラウド基礎") {
				t.Fatalf("instructor of B exporting A's course%s: %d", q, r.StatusCode)
			}
		}
	})
	t.Run("ErrLearnerImport", func(t *testing.T) {
		b := ta.signedIn(t, "learner@example.jp", "")
		if r := b.get("/studio/import"); r.StatusCode != http.StatusForbidden {
			t.Fatalf("learner opened /studio/import: %d", r.StatusCode)
		}
		if r := b.postRaw("/studio/import", url.Values{"_csrf": {b.csrf("/account")}}); r.StatusCode != http.StatusForbidden {
			t.Fatalf("learner posted to /studio/import: %d", r.StatusCode)
		}
		if r := b.get("/studio/courses/" + courseID + "/export"); r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusForbidden {
			t.Fatalf("learner exported a course: %d", r.StatusCode)
		}
	})
	t.Run("ErrAnonymous", func(t *testing.T) {
		b := ta.newBrowser(t)
		if r := b.get("/studio/import"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("anonymous /studio/import: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		if r := b.get("/studio/courses/" + courseID + "/export"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("anonymous export: %d", r.StatusCode)
		}
	})
}

func TestPortableHTTPRefused(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	instA, provA := portableAuthor(t, ta, "author-a@example.jp", "研修機関A", "provider-a")
	courseID, _ := portableCourseWithMedia(t, ta, instA, provA, "cloud-101", []byte("%PDF-1.4\nx\n%%EOF\n"))
	b := ta.signedIn(t, "author-a@example.jp", "")
	good := []byte(b.get("/studio/courses/" + courseID + "/export").Body)

	cases := []struct {
		name string
		file []byte
		code string
		want string // what the person reads (Japanese)
	}{
		{"ErrUnknownVersion", portableRewrite(t, good, func(m map[string]any) { m["format"] = "takumi-course/9" }), "copy-1",
			"このファイルの形式「takumi-course/9」は、この Takumi では読み込めません。対応している形式：takumi-course/1"},
		{"ErrMalformedZip", []byte("PK\x03\x04 broken"), "copy-1", "正しい .zip ファイルではありません"},
		{"ErrUnknownSkillArea", portableRewrite(t, good, func(m map[string]any) { m["content"].(map[string]any)["skill_area"] = "weaving" }), "copy-1",
			"スキル分野「weaving」"},
		{"ErrCodeTaken", good, "cloud-101", "コード「cloud-101」はこの研修機関のコースですでに使われています"},
		{"ErrNoFile", nil, "copy-1", "コースファイルを選んでください"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := portableCounts(t, ta)
			r := portableImport(t, b, map[string]string{"code": tc.code}, tc.file)
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n%.400s", r.StatusCode, r.Body)
			}
			doc := r.Doc(t)
			if msg := doc.Find(".field-error .error-message").Text(); !strings.Contains(msg, tc.want) {
				t.Fatalf("message next to the field: %q, want %q\n%s", msg, tc.want, r.Body)
			}
			if v, _ := doc.Find(`input[name="code"]`).Attr("value"); v != tc.code {
				t.Fatalf("typed code not kept: %q", v)
			}
			if after := portableCounts(t, ta); after != before {
				t.Fatalf("a refused import wrote something: %v -> %v", before, after)
			}
		})
	}
}

// TestPortableBrowserJourney: an instructor opens the import page, uploads
// a file from an unknown format version and reads why it was refused, then
// uploads a valid export and lands on the imported draft. axe-core checks
// the page with the error and after the import.
func TestPortableBrowserJourney(t *testing.T) {
	ta := startApp(t)
	instA, provA := portableAuthor(t, ta, "author-a@example.jp", "研修機関A", "provider-a")
	courseID, _ := portableCourseWithMedia(t, ta, instA, provA, "cloud-101", []byte("%PDF-1.4\nhandout\n%%EOF\n"))
	ctx := newChrome(t)

	// The export, made through the app as the instructor would download it.
	hb := ta.signedIn(t, "author-a@example.jp", "")
	good := []byte(hb.get("/studio/courses/" + courseID + "/export").Body)
	dir := t.TempDir()
	goodPath, badPath := filepath.Join(dir, "cloud-101-r1.takumi.zip"), filepath.Join(dir, "future.takumi.zip")
	os.WriteFile(goodPath, good, 0o600)
	os.WriteFile(badPath, portableRewrite(t, good, func(m map[string]any) { m["format"] = "takumi-course/9" }), 0o600)

	do(t, ctx,
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "author-a@example.jp"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Navigate(ta.URL+"/studio/import"),
		chromedp.WaitVisible(chromedp.CSS(`form#import-form`)),
	)
	if h1 := text(t, ctx, "h1"); h1 != "コースのインポート" {
		t.Fatalf("import page h1 %q", h1)
	}
	checkAxe(t, ctx, "import page")

	// A file from a newer format: refused, with the reason next to the file field.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-code"), "cloud-101-copy"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{badPath}),
		chromedp.Click(chromedp.CSS(`#import-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-file-error")),
	)
	if msg := text(t, ctx, "#f-file-error"); !strings.Contains(msg, "takumi-course/9") || !strings.Contains(msg, "takumi-course/1") {
		t.Fatalf("refusal message %q does not name the versions", msg)
	}
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#f-code"))); v != "cloud-101-copy" {
		t.Fatalf("typed code lost after the error: %q", v)
	}
	if got := attr(t, ctx, "#f-file", "aria-invalid"); got != "true" {
		t.Fatalf("file input aria-invalid=%q", got)
	}
	checkAxe(t, ctx, "import page with an error")
	var n int64
	ta.DB.Gorm.Raw("SELECT count(*) FROM courses").Row().Scan(&n)
	if n != 1 {
		t.Fatalf("%d courses after a refused import", n)
	}

	// The real export: imported as a draft, and the studio opens it.
	do(t, ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{goodPath}),
		chromedp.Click(chromedp.CSS(`#import-form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#import-form")),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
	var newID, status string
	ta.DB.Gorm.Raw("SELECT id, status FROM courses WHERE code = 'cloud-101-copy'").Row().Scan(&newID, &status)
	if newID == "" || status != "draft" {
		t.Fatalf("imported course: %q %q", newID, status)
	}
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/studio/courses/"+newID) {
		t.Fatalf("after importing the browser is at %s", loc)
	}
	if body := text(t, ctx, "main"); !strings.Contains(body, "下書きとしてインポートしました") || !strings.Contains(body, "クラウド基礎") {
		t.Fatalf("imported course page lacks the notice or title: %.300s", body)
	}
	checkAxe(t, ctx, "imported course")
}
