package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
)

// studioAuthor is an instructor signed in through the real sign-in form.
type studioAuthor struct {
	b          *browser
	userID     string
	providerID string
	actor      catalog.Actor
}

// studioNewAuthor creates an instructor of the provider named provider and
// signs them in.
func studioNewAuthor(t *testing.T, ta *testApp, email, provider string) studioAuthor {
	t.Helper()
	id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email})
	org := fixtures.MustAddMember(t, ta.DB, provider, "provider", id, "instructor", false)
	b := ta.signedIn(t, email, "")
	return studioAuthor{b: b, userID: id, providerID: org, actor: catalog.Actor{UserID: id}}
}

// studioValidCourse is a complete details form.
func studioValidCourse(code string) url.Values {
	return url.Values{"code": {code}, "title_ja": {"生成AI入門"}, "title_en": {"Generative AI basics"},
		"summary_ja": {"業務で生成AIを安全に使う"}, "summary_en": {""}, "description_md": {"## 概要\n業務での活用"},
		"skill_area": {"generative_ai"}, "level": {"introductory"}, "estimated_hours": {"6"},
		"language": {"ja"}, "delivery_mode": {"self_paced"}}
}

// studioCreate creates a course through the form and returns its id.
func studioCreate(t *testing.T, a studioAuthor, code string) string {
	t.Helper()
	r := a.b.post("/studio/courses/new", "/studio/courses/new", studioValidCourse(code))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create course: status %d\n%.600s", r.StatusCode, r.Body)
	}
	id := strings.TrimPrefix(r.Header.Get("Location"), "/studio/courses/")
	if len(id) != 36 {
		t.Fatalf("create course redirected to %q", r.Header.Get("Location"))
	}
	return id
}

// studioLock is the lock version carried by the first edit form of page.
func studioLock(t *testing.T, doc *goquery.Document) string {
	t.Helper()
	v, ok := doc.Find(`input[name="lock_version"]`).First().Attr("value")
	if !ok {
		t.Fatal("no lock_version on the page")
	}
	return v
}

// studioPost posts an edit form of the course page with its current lock
// version.
func studioPost(t *testing.T, a studioAuthor, page, path string, values url.Values) *response {
	t.Helper()
	if values == nil {
		values = url.Values{}
	}
	if values.Get("lock_version") == "" {
		values.Set("lock_version", studioLock(t, a.b.get(page).Doc(t)))
	}
	return a.b.post(page, path, values)
}

// studioStructureText lists the course page's modules and their lessons as
// "M1[L1,L2] M2[]".
func studioStructureText(t *testing.T, doc *goquery.Document) string {
	t.Helper()
	var parts []string
	doc.Find("li.studio-module").Each(func(_ int, m *goquery.Selection) {
		title := strings.TrimSpace(m.Find("h3").First().Text())
		title = title[strings.Index(title, ": ")+2:]
		var ls []string
		m.Find("table.studio-lessons tbody tr").Each(func(_ int, r *goquery.Selection) {
			ls = append(ls, strings.TrimSpace(r.Find("td").Eq(2).Text()))
		})
		parts = append(parts, title+"["+strings.Join(ls, ",")+"]")
	})
	return strings.Join(parts, " ")
}

func studioModuleID(t *testing.T, doc *goquery.Document, title string) string {
	t.Helper()
	var id string
	doc.Find("li.studio-module").Each(func(_ int, m *goquery.Selection) {
		if strings.HasSuffix(strings.TrimSpace(m.Find("h3").First().Text()), ": "+title) {
			id = strings.TrimPrefix(m.AttrOr("id", ""), "module-")
		}
	})
	if id == "" {
		t.Fatalf("no module %q on the page", title)
	}
	return id
}

func studioLessonID(t *testing.T, doc *goquery.Document, title string) string {
	t.Helper()
	var id string
	doc.Find("table.studio-lessons tbody tr").Each(func(_ int, r *goquery.Selection) {
		if strings.TrimSpace(r.Find("td").Eq(2).Text()) == title {
			id = strings.TrimPrefix(r.AttrOr("id", ""), "lesson-")
		}
	})
	if id == "" {
		t.Fatalf("no lesson %q on the page", title)
	}
	return id
}

func TestStudioAccess(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	t.Run("AnonymousToLogin", func(t *testing.T) {
		r := ta.newBrowser(t).get("/studio")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=%2Fstudio") {
			t.Fatalf("anonymous /studio: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("LearnerForbidden", func(t *testing.T) {
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "studio-learner@example.jp"})
		b := ta.signedIn(t, "studio-learner@example.jp", "")
		for _, path := range []string{"/studio", "/studio/courses/new"} {
			if r := b.get(path); r.StatusCode != http.StatusForbidden {
				t.Errorf("learner %s: status %d, want 403", path, r.StatusCode)
			}
		}
		if r := b.postRaw("/studio/courses/new", url.Values{"_csrf": {b.csrf("/")}, "title_ja": {"x"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("learner POST /studio/courses/new: status %d", r.StatusCode)
		}
		if b.get("/").Doc(t).Find(`nav a[href="/studio"]`).Length() != 0 {
			t.Error("a learner sees the studio link")
		}
	})
	t.Run("ProviderMemberForbidden", func(t *testing.T) {
		id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "studio-member@example.jp"})
		fixtures.MustAddMember(t, ta.DB, "研修機関メンバー", "provider", id, "member", false)
		emp := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "studio-employer-admin@example.jp", TOTPSecret: "JBSWY3DPEHPK3PXP"})
		fixtures.MustAddMember(t, ta.DB, "雇用主", "employer", emp, "instructor", false)
		b := ta.signedIn(t, "studio-member@example.jp", "")
		if r := b.get("/studio"); r.StatusCode != http.StatusForbidden {
			t.Errorf("provider member /studio: status %d, want 403", r.StatusCode)
		}
		b2 := ta.signedIn(t, "studio-employer-admin@example.jp", "JBSWY3DPEHPK3PXP")
		if r := b2.get("/studio"); r.StatusCode != http.StatusForbidden {
			t.Errorf("employer instructor /studio: status %d, want 403", r.StatusCode)
		}
	})
	t.Run("InstructorSeesStudio", func(t *testing.T) {
		a := studioNewAuthor(t, ta, "studio-inst@example.jp", "研修機関アクセス")
		doc := a.b.get("/").Doc(t)
		if link := doc.Find(`nav a[href="/studio"]`); link.Length() != 1 || strings.TrimSpace(link.Text()) != "スタジオ" {
			t.Fatalf("header has no スタジオ link for an instructor")
		}
		r := a.b.get("/studio")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Doc(t).Find("#no-courses").Text(), "まだコースがありません") {
			t.Fatalf("empty studio: %d\n%.400s", r.StatusCode, r.Body)
		}
	})
}

// TestStudioOtherProvider walks every route under /studio/courses/:id
// (including other people's) as an instructor of provider A against
// provider B's course: each must answer 404 (or 403) and B's draft must not
// change.
func TestStudioOtherProvider(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	a := studioNewAuthor(t, ta, "studio-a@example.jp", "研修機関A")
	bAuthor := studioNewAuthor(t, ta, "studio-b@example.jp", "研修機関B")
	courseB := studioCreate(t, bAuthor, "b-course")
	svc := ta.App.Server.Courses
	_, mid, err := svc.AddModule(ctx, bAuthor.actor, courseB, 0, catalog.ModuleTitles{TitleJa: "Bの章"})
	if err != nil {
		t.Fatal(err)
	}
	_, lid, err := svc.AddLesson(ctx, bAuthor.actor, courseB, 0, mid, catalog.NewLesson{Kind: catalog.LessonReading, TitleJa: "Bの読み物"})
	if err != nil {
		t.Fatal(err)
	}
	_, before, err := svc.LatestRevision(ctx, bAuthor.actor, courseB)
	if err != nil {
		t.Fatal(err)
	}
	fill := func(path string) string {
		parts := strings.Split(path, "/")
		for i, p := range parts {
			switch {
			case p == ":id":
				parts[i] = courseB
			case p == ":lid":
				parts[i] = lid
			case p == ":mid":
				parts[i] = mid
			case strings.HasPrefix(p, ":"):
				parts[i] = "0b6f8a3e-2f1c-4d5e-9a7b-1c2d3e4f5a6b"
			}
		}
		return strings.Join(parts, "/")
	}
	token := a.b.csrf("/studio")
	checked := 0
	for _, r := range ta.App.Server.Echo().Routes() {
		if !strings.HasPrefix(r.Path, "/studio/courses/:id") || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
			continue
		}
		checked++
		path := fill(r.Path)
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			var res *response
			if r.Method == http.MethodGet {
				res = a.b.get(path)
			} else {
				res = a.b.postRaw(path, url.Values{"_csrf": {token}, "lock_version": {"0"}, "title_ja": {"乗っ取り"},
					"kind": {"reading"}, "direction": {"up"}, "module": {mid}, "action": {"save"}, "body_md": {"乗っ取り"}})
			}
			if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
				t.Errorf("instructor of A: %s %s answered %d, want 404", r.Method, path, res.StatusCode)
			}
			if strings.Contains(res.Body, "Bの章") || strings.Contains(res.Body, "生成AI入門") {
				t.Errorf("%s %s shows B's course", r.Method, path)
			}
		})
	}
	if checked < 15 {
		t.Fatalf("only %d studio course routes found", checked)
	}
	_, after, err := svc.LatestRevision(ctx, bAuthor.actor, courseB)
	if err != nil {
		t.Fatal(err)
	}
	if after.LockVersion != before.LockVersion || after.Number != before.Number || after.Content.TitleJa != "生成AI入門" ||
		len(after.Content.Modules) != 1 || after.Content.Modules[0].Lessons[0].BodyMd != "" {
		t.Fatalf("B's draft changed: lock %d→%d, %+v", before.LockVersion, after.LockVersion, after.Content)
	}
	if strings.Contains(a.b.get("/studio").Body, "b-course") {
		t.Fatal("A's course list shows B's course")
	}
}

func TestStudioCreateCourse(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	a := studioNewAuthor(t, ta, "studio-create@example.jp", "研修機関作成")
	t.Run("ErrKeepsValues", func(t *testing.T) {
		v := studioValidCourse("Bad Code!")
		v.Set("summary_ja", "")
		v.Set("estimated_hours", "たくさん")
		v.Set("description_md", "# 見出し\n\n  字下げ <b>そのまま</b>")
		r := a.b.post("/studio/courses/new", "/studio/courses/new", v)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		doc := r.Doc(t)
		if got := doc.Find("#f-title_ja").AttrOr("value", ""); got != "生成AI入門" {
			t.Errorf("title not kept: %q", got)
		}
		if got := doc.Find("#f-description_md").Text(); got != "# 見出し\n\n  字下げ <b>そのまま</b>" {
			t.Errorf("description not kept exactly: %q", got)
		}
		if got := doc.Find("#f-skill_area option[selected]").AttrOr("value", ""); got != "generative_ai" {
			t.Errorf("skill area not kept: %q", got)
		}
		for field, msg := range map[string]string{"code": "英小文字", "summary_ja": "概要", "estimated_hours": "0.5"} {
			if got := doc.Find("#f-" + field + "-error").Text(); !strings.Contains(got, msg) {
				t.Errorf("error next to %s: %q, want it to mention %q", field, got, msg)
			}
		}
		if doc.Find("#f-provider").Length() != 0 {
			t.Error("a provider choice is shown to someone with one provider")
		}
	})
	var id string
	t.Run("OK", func(t *testing.T) {
		id = studioCreate(t, a, "gen-ai-101")
		doc := a.b.get("/studio/courses/" + id).Doc(t)
		if h1 := strings.TrimSpace(doc.Find("h1").Text()); h1 != "生成AI入門" {
			t.Fatalf("course page h1 %q", h1)
		}
		if !strings.Contains(doc.Find(".notice-success").Text(), "コースを作成しました") {
			t.Error("no confirmation after creating")
		}
		if got := doc.Find(`nav.studio-course-nav a[href="/studio/courses/` + id + `/export"]`).Length(); got != 1 {
			t.Error("course navigation has no Export link")
		}
		list := a.b.get("/studio").Doc(t)
		row := list.Find("#studio-courses tbody tr")
		if row.Length() != 1 || !strings.Contains(row.Text(), "生成AI入門") || !strings.Contains(row.Find(".course-status").Text(), "下書き") {
			t.Fatalf("course list: %q", row.Text())
		}
		if list.Find(`th:contains("研修機関")`).Length() != 0 {
			t.Error("provider column shown for an author of one provider")
		}
	})
	t.Run("ErrCodeTaken", func(t *testing.T) {
		r := a.b.post("/studio/courses/new", "/studio/courses/new", studioValidCourse("gen-ai-101"))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#f-code-error").Text(), "すでに") {
			t.Fatalf("duplicate code: %d %q", r.StatusCode, r.Doc(t).Find("#f-code-error").Text())
		}
	})
	t.Run("SeveralProviders", func(t *testing.T) {
		other := fixtures.MustAddMember(t, ta.DB, "研修機関第二", "provider", a.userID, "instructor", false)
		form := a.b.get("/studio/courses/new").Doc(t)
		if form.Find(`#f-provider option[value="`+other+`"]`).Length() != 1 {
			t.Fatal("no provider choice for an author of two providers")
		}
		v := studioValidCourse("second-1")
		v.Set("provider", "0b6f8a3e-2f1c-4d5e-9a7b-1c2d3e4f5a6b")
		r := a.b.post("/studio/courses/new", "/studio/courses/new", v)
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#f-provider-error").Length() != 1 {
			t.Fatalf("unknown provider: %d", r.StatusCode)
		}
		v.Set("provider", other)
		if r := a.b.post("/studio/courses/new", "/studio/courses/new", v); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create for the second provider: %d", r.StatusCode)
		}
		list := a.b.get("/studio").Doc(t)
		if !strings.Contains(list.Find("#studio-courses").Text(), "研修機関第二") {
			t.Error("the course list does not name the provider for an author of several")
		}
	})
	t.Run("DetailsStale", func(t *testing.T) {
		page := "/studio/courses/" + id + "/details"
		old := studioLock(t, a.b.get(page).Doc(t))
		v := studioValidCourse("")
		v.Set("title_ja", "先に保存した題名")
		if r := studioPost(t, a, page, page, v); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save details: %d\n%.400s", r.StatusCode, r.Body)
		}
		v.Set("title_ja", "後から入力した題名")
		v.Set("lock_version", old)
		r := a.b.post(page, page, v)
		doc := r.Doc(t)
		if r.StatusCode != http.StatusConflict || !strings.Contains(doc.Find(".notice-error").Text(), "別の人") {
			t.Fatalf("stale details save: %d %q", r.StatusCode, doc.Find(".notice-error").Text())
		}
		if doc.Find("#f-title_ja").AttrOr("value", "") != "後から入力した題名" {
			t.Error("the stale save lost what was typed")
		}
		if h := a.b.get("/studio/courses/" + id).Doc(t).Find("h1").Text(); strings.TrimSpace(h) != "先に保存した題名" {
			t.Errorf("stale save overwrote the other save: %q", h)
		}
	})
}

func TestStudioStructure(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	a := studioNewAuthor(t, ta, "studio-structure@example.jp", "研修機関構成")
	id := studioCreate(t, a, "structure-1")
	page := "/studio/courses/" + id
	t.Run("ErrModuleTitle", func(t *testing.T) {
		r := studioPost(t, a, page, page+"/modules", url.Values{"title_ja": {""}, "title_en": {"English only"}})
		doc := r.Doc(t)
		if r.StatusCode != http.StatusUnprocessableEntity || doc.Find("#module-new-ja-error").Length() != 1 {
			t.Fatalf("module without title: %d", r.StatusCode)
		}
		if doc.Find("#module-new-en").AttrOr("value", "") != "English only" {
			t.Error("typed English title not kept")
		}
	})
	for _, m := range []string{"基礎", "応用", "発展"} {
		if r := studioPost(t, a, page, page+"/modules", url.Values{"title_ja": {m}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add module %s: %d\n%.300s", m, r.StatusCode, r.Body)
		}
	}
	doc := a.b.get(page).Doc(t)
	basics, applied, advanced := studioModuleID(t, doc, "基礎"), studioModuleID(t, doc, "応用"), studioModuleID(t, doc, "発展")
	for _, l := range []struct{ module, kind, title string }{
		{basics, "reading", "はじめに"}, {basics, "video", "動画で見る"}, {basics, "quiz", "確認テスト"}, {applied, "resource", "配布資料"},
	} {
		r := studioPost(t, a, page, page+"/modules/"+l.module+"/lessons", url.Values{"kind": {l.kind}, "title_ja": {l.title}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add lesson %s: %d", l.title, r.StatusCode)
		}
	}
	want := "基礎[はじめに,動画で見る,確認テスト] 応用[配布資料] 発展[]"
	if got := studioStructureText(t, a.b.get(page).Doc(t)); got != want {
		t.Fatalf("structure %q, want %q", got, want)
	}
	doc = a.b.get(page).Doc(t)
	intro, quiz := studioLessonID(t, doc, "はじめに"), studioLessonID(t, doc, "確認テスト")
	if rule := doc.Find("#lesson-" + quiz + " td").Eq(3).Text(); !strings.Contains(rule, "合格が必要") || !strings.Contains(rule, "修了に必須") {
		t.Errorf("quiz completion rule shown as %q", rule)
	}
	steps := []struct {
		name, path string
		values     url.Values
		want       string
	}{
		{"MoveModuleUp", page + "/modules/" + advanced + "/move", url.Values{"direction": {"up"}}, "基礎[はじめに,動画で見る,確認テスト] 発展[] 応用[配布資料]"},
		{"MoveModuleUpAtTop", page + "/modules/" + basics + "/move", url.Values{"direction": {"up"}}, "基礎[はじめに,動画で見る,確認テスト] 発展[] 応用[配布資料]"},
		{"MoveLessonDown", page + "/lessons/" + intro + "/move", url.Values{"direction": {"down"}}, "基礎[動画で見る,はじめに,確認テスト] 発展[] 応用[配布資料]"},
		{"MoveLessonToModule", page + "/lessons/" + quiz + "/move", url.Values{"module": {advanced}}, "基礎[動画で見る,はじめに] 発展[確認テスト] 応用[配布資料]"},
		{"RenameModule", page + "/modules/" + applied, url.Values{"title_ja": {"実践"}, "title_en": {"Practice"}}, "基礎[動画で見る,はじめに] 発展[確認テスト] 実践[配布資料]"},
		{"DeleteModule", page + "/modules/" + applied + "/delete", nil, "基礎[動画で見る,はじめに] 発展[確認テスト]"},
		{"DeleteLesson", page + "/lessons/" + intro + "/delete", nil, "基礎[動画で見る] 発展[確認テスト]"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := studioPost(t, a, page, s.path, s.values)
			if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), page) {
				t.Fatalf("status %d (Location %q)\n%.400s", r.StatusCode, r.Header.Get("Location"), r.Body)
			}
			if got := studioStructureText(t, a.b.get(page).Doc(t)); got != s.want {
				t.Fatalf("structure %q, want %q", got, s.want)
			}
		})
	}
	t.Run("DeleteConfirmPage", func(t *testing.T) {
		r := a.b.get(page + "/modules/" + advanced + "/delete")
		doc := r.Doc(t)
		if r.StatusCode != http.StatusOK || !strings.Contains(doc.Find("#confirm-question").Text(), "発展") ||
			doc.Find(`form[action="`+page+`/modules/`+advanced+`/delete"] button.button-danger`).Length() != 1 {
			t.Fatalf("confirm page: %d %q", r.StatusCode, doc.Find("#confirm-question").Text())
		}
	})
	t.Run("HTMXFragment", func(t *testing.T) {
		v := url.Values{"title_ja": {"htmxの章"}, "lock_version": {studioLock(t, a.b.get(page).Doc(t))}, "_csrf": {a.b.csrf(page)}}
		req, _ := http.NewRequest(http.MethodPost, a.b.base+page+"/modules", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		r := a.b.do(req)
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(r.Body), `<div id="structure">`) || strings.Contains(r.Body, "<html") {
			t.Fatalf("htmx add module: %d\n%.300s", r.StatusCode, r.Body)
		}
		if !strings.Contains(r.Body, "htmxの章") || !strings.Contains(r.Body, "保存しました") {
			t.Fatal("the fragment does not show the new module and a confirmation")
		}
	})
	t.Run("ErrStale", func(t *testing.T) {
		old := studioLock(t, a.b.get(page).Doc(t))
		if r := studioPost(t, a, page, page+"/modules", url.Values{"title_ja": {"先に追加"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatal(r.StatusCode)
		}
		r := a.b.post(page, page+"/modules", url.Values{"title_ja": {"古い画面から"}, "lock_version": {old}})
		doc := r.Doc(t)
		if r.StatusCode != http.StatusConflict || !strings.Contains(doc.Find(".notice-error").Text(), "別の人") {
			t.Fatalf("stale structure edit: %d %q", r.StatusCode, doc.Find(".notice-error").Text())
		}
		if doc.Find("#module-new-ja").AttrOr("value", "") != "古い画面から" {
			t.Error("the stale edit lost the typed title")
		}
		if strings.Contains(studioStructureText(t, a.b.get(page).Doc(t)), "古い画面から") {
			t.Error("the stale edit was saved")
		}
	})
}

var studioScriptRe = regexp.MustCompile(`(?i)<script|onerror|javascript:`)

func TestStudioLessonPreview(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	a := studioNewAuthor(t, ta, "studio-lesson@example.jp", "研修機関レッスン")
	id := studioCreate(t, a, "lesson-1")
	page := "/studio/courses/" + id
	studioPost(t, a, page, page+"/modules", url.Values{"title_ja": {"基礎"}})
	mid := studioModuleID(t, a.b.get(page).Doc(t), "基礎")
	studioPost(t, a, page, page+"/modules/"+mid+"/lessons", url.Values{"kind": {"reading"}, "title_ja": {"読み物"}})
	studioPost(t, a, page, page+"/modules/"+mid+"/lessons", url.Values{"kind": {"quiz"}, "title_ja": {"小テスト"}})
	studioPost(t, a, page, page+"/modules/"+mid+"/lessons", url.Values{"kind": {"video"}, "title_ja": {"動画"}})
	doc := a.b.get(page).Doc(t)
	lesson := page + "/lessons/" + studioLessonID(t, doc, "読み物")
	body := "# 見出し\n\n**太字**の本文\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[危険なリンク](javascript:alert(1)) と [安全なリンク](https://example.jp/)"

	t.Run("PreviewWithoutSaving", func(t *testing.T) {
		r := studioPost(t, a, lesson, lesson, url.Values{"action": {"preview"}, "title_ja": {"新しい題名"}, "required": {"on"},
			"min_minutes": {"15"}, "body_md": {body}})
		if r.StatusCode != http.StatusOK {
			t.Fatalf("preview: %d", r.StatusCode)
		}
		doc := r.Doc(t)
		prev := doc.Find("#lesson-preview")
		if prev.Find("h3").Text() != "新しい題名" || prev.Find("strong").Text() != "太字" || prev.Find("h1").Text() != "見出し" {
			t.Fatalf("preview not rendered: %q", prev.Text())
		}
		html, _ := prev.Html()
		if studioScriptRe.MatchString(html) {
			t.Fatalf("preview is not inert:\n%s", html)
		}
		if prev.Find(`a[href="https://example.jp/"]`).Length() != 1 {
			t.Error("a safe link was dropped")
		}
		if got := doc.Find("#f-body_md").Text(); got != body {
			t.Errorf("typed text not kept:\n%q", got)
		}
		if doc.Find("#f-min_minutes").AttrOr("value", "") != "15" || doc.Find("#f-title_ja").AttrOr("value", "") != "新しい題名" {
			t.Error("typed fields not kept on preview")
		}
		saved := a.b.get(lesson).Doc(t)
		if saved.Find("#f-title_ja").AttrOr("value", "") != "読み物" || saved.Find("#f-body_md").Text() != "" {
			t.Fatal("preview saved the lesson")
		}
	})
	t.Run("LivePreviewFragment", func(t *testing.T) {
		r := a.b.post(lesson, "/studio/preview", url.Values{"title_ja": {"題"}, "body_md": {body}})
		if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, "<strong>太字</strong>") {
			t.Fatalf("live preview: %d\n%.300s", r.StatusCode, r.Body)
		}
		if studioScriptRe.MatchString(r.Body) {
			t.Fatalf("live preview is not inert:\n%s", r.Body)
		}
		if a.b.get(lesson).Doc(t).Find(`form#lesson-form[hx-post="/studio/preview"]`).Length() != 1 {
			t.Error("the editor does not ask for a live preview")
		}
	})
	t.Run("ErrMinutesKeepsText", func(t *testing.T) {
		r := studioPost(t, a, lesson, lesson, url.Values{"action": {"save"}, "title_ja": {"読み物"}, "min_minutes": {"九十"}, "body_md": {body}})
		doc := r.Doc(t)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find("#f-min_minutes-error").Text(), "600") {
			t.Fatalf("bad minutes: %d %q", r.StatusCode, doc.Find("#f-min_minutes-error").Text())
		}
		if doc.Find("#f-body_md").Text() != body || doc.Find("#f-min_minutes").AttrOr("value", "") != "九十" {
			t.Error("typed text lost on a validation error")
		}
	})
	t.Run("Save", func(t *testing.T) {
		r := studioPost(t, a, lesson, lesson, url.Values{"action": {"save"}, "title_ja": {"はじめに"}, "title_en": {"Introduction"},
			"min_minutes": {"10"}, "body_md": {body}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d\n%.400s", r.StatusCode, r.Body)
		}
		doc := a.b.follow(r).Doc(t)
		if doc.Find("#f-body_md").Text() != body || doc.Find(`input[name="required"]`).AttrOr("checked", "none") != "none" {
			t.Fatal("saved lesson: body or required box wrong (required was unticked)")
		}
		if !strings.Contains(doc.Find(".notice-success").Text(), "保存しました") {
			t.Error("no confirmation after saving")
		}
		rule := a.b.get(page).Doc(t).Find("table.studio-lessons tbody tr").First().Find("td").Eq(3).Text()
		if !strings.Contains(rule, "任意") || !strings.Contains(rule, "最低10分") {
			t.Errorf("structure shows rule %q", rule)
		}
	})
	t.Run("ErrStaleKeepsText", func(t *testing.T) {
		old := studioLock(t, a.b.get(lesson).Doc(t))
		studioPost(t, a, page, page+"/modules", url.Values{"title_ja": {"別の人の章"}})
		r := a.b.post(lesson, lesson, url.Values{"action": {"save"}, "title_ja": {"はじめに"}, "body_md": {"古い画面で書いた文"}, "lock_version": {old}})
		doc := r.Doc(t)
		if r.StatusCode != http.StatusConflict || !strings.Contains(doc.Find(".notice-error").Text(), "別の人") || doc.Find("#f-body_md").Text() != "古い画面で書いた文" {
			t.Fatalf("stale lesson save: %d %q", r.StatusCode, doc.Find(".notice-error").Text())
		}
	})
	t.Run("KindLinks", func(t *testing.T) {
		doc := a.b.get(page).Doc(t)
		quiz := a.b.get(page + "/lessons/" + studioLessonID(t, doc, "小テスト")).Doc(t)
		if quiz.Find("#quiz-link").Length() != 1 || quiz.Find(`input[name="must_pass"]`).Length() != 1 || quiz.Find("#f-body_md").Length() != 0 {
			t.Error("quiz editor: needs the questions link and the must-pass box, no body")
		}
		video := a.b.get(page + "/lessons/" + studioLessonID(t, doc, "動画")).Doc(t)
		if video.Find("#media-link").Length() != 1 || video.Find("#f-min_minutes").Length() != 1 || video.Find(`input[name="must_pass"]`).Length() != 0 {
			t.Error("video editor: needs the upload link and minimum minutes")
		}
	})
}

func TestStudioPublish(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	a := studioNewAuthor(t, ta, "studio-publish@example.jp", "研修機関公開")
	id := studioCreate(t, a, "publish-1")
	page := "/studio/courses/" + id
	pub := page + "/publish"
	studioPost(t, a, page, page+"/modules", url.Values{"title_ja": {"基礎"}})
	mid := studioModuleID(t, a.b.get(page).Doc(t), "基礎")
	studioPost(t, a, page, page+"/modules/"+mid+"/lessons", url.Values{"kind": {"reading"}, "title_ja": {"読み物"}})
	lid := studioLessonID(t, a.b.get(page).Doc(t), "読み物")
	catalogueTitle := func() string {
		var title *string
		ta.DB.Gorm.Raw("SELECT title_ja FROM courses WHERE id = ?", id).Row().Scan(&title)
		if title == nil {
			return ""
		}
		return *title
	}

	t.Run("ErrProblems", func(t *testing.T) {
		doc := a.b.get(pub).Doc(t)
		item := doc.Find("#publish-problems li")
		if item.Length() != 1 || !strings.Contains(item.Text(), "本文のない") || item.Find("a").AttrOr("href", "") != page+"/lessons/"+lid {
			t.Fatalf("problems listed: %q (link %q)", item.Text(), item.Find("a").AttrOr("href", ""))
		}
		if doc.Find("#publish-form").Length() != 0 {
			t.Error("publish button shown despite problems")
		}
		r := a.b.post(pub, pub, nil)
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#publish-problems li").Length() != 1 {
			t.Fatalf("refused publish: %d", r.StatusCode)
		}
		if catalogueTitle() != "" {
			t.Fatal("refused publish reached the catalogue")
		}
	})
	t.Run("PublishRevision1", func(t *testing.T) {
		lesson := page + "/lessons/" + lid
		if r := studioPost(t, a, lesson, lesson, url.Values{"action": {"save"}, "title_ja": {"読み物"}, "required": {"on"}, "body_md": {"本文です"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatal(r.StatusCode)
		}
		doc := a.b.get(pub).Doc(t)
		if doc.Find("#publish-problems").Length() != 0 || doc.Find("#publish-form").Length() != 1 {
			t.Fatal("no publish button after fixing")
		}
		r := a.b.post(pub, pub, nil)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d\n%.400s", r.StatusCode, r.Body)
		}
		doc = a.b.follow(r).Doc(t)
		if !strings.Contains(doc.Find("#course-status").Text(), "第1版") || !strings.Contains(doc.Find(".notice-success").Text(), "公開しました") {
			t.Fatalf("after publishing: %q", doc.Find("#course-status").Text())
		}
		if !strings.Contains(doc.Find("#revisions tbody tr").First().Text(), "テスト 利用者") {
			t.Error("revision history does not name the publisher")
		}
		if !strings.Contains(doc.Text(), "進捗") {
			t.Error("publish page does not say learners keep their progress")
		}
		if catalogueTitle() != "生成AI入門" {
			t.Fatalf("catalogue title %q", catalogueTitle())
		}
	})
	t.Run("Revision2", func(t *testing.T) {
		details := page + "/details"
		v := studioValidCourse("")
		v.Set("title_ja", "生成AI入門 第2版")
		if r := studioPost(t, a, details, details, v); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit published course: %d\n%.400s", r.StatusCode, r.Body)
		}
		if catalogueTitle() != "生成AI入門" {
			t.Fatalf("the catalogue shows the draft's title before publishing: %q", catalogueTitle())
		}
		row := a.b.get("/studio").Doc(t).Find("#studio-courses tbody tr")
		if !strings.Contains(row.Text(), "第2版") || !strings.Contains(row.Find(".course-status").Text(), "未公開の変更あり") {
			t.Fatalf("course list: %q", row.Text())
		}
		if a.b.get(pub).Doc(t).Find("#publish-form textarea[name=publish_note]").Length() != 1 {
			t.Error("no change note field on the publish form")
		}
		if r := a.b.post(pub, pub, url.Values{"publish_note": {"タイトルを第2版に変更"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish revision 2: %d", r.StatusCode)
		}
		doc := a.b.get(pub).Doc(t)
		if !strings.Contains(doc.Find("#course-status").Text(), "第2版") || doc.Find("#revisions tbody tr").Length() != 2 {
			t.Fatalf("after revision 2: %q", doc.Find("#course-status").Text())
		}
		// Only the revision learners see is labelled published; the
		// earlier one says it was replaced; the change note is shown.
		rows := doc.Find("#revisions tbody tr")
		if st := rows.Eq(0).Find("td").Eq(1).Text(); st != "公開中" {
			t.Errorf("revision 2 labelled %q, want 公開中", st)
		}
		if st := rows.Eq(1).Find("td").Eq(1).Text(); !strings.Contains(st, "置き換え済み") {
			t.Errorf("revision 1 labelled %q, want it marked as replaced", st)
		}
		if note := rows.Eq(0).Find(".revision-note").Text(); note != "タイトルを第2版に変更" {
			t.Errorf("change note shown as %q", note)
		}
		if doc.Find("#nothing-to-publish").Length() != 1 {
			t.Error("publish page does not say there is nothing left to publish")
		}
		if catalogueTitle() != "生成AI入門 第2版" {
			t.Fatalf("catalogue title after revision 2: %q", catalogueTitle())
		}
	})
	t.Run("Archive", func(t *testing.T) {
		r := a.b.post(pub, page+"/archive", nil)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("archive: %d", r.StatusCode)
		}
		var status string
		ta.DB.Gorm.Raw("SELECT status FROM courses WHERE id = ?", id).Row().Scan(&status)
		if status != "archived" {
			t.Fatalf("status %s", status)
		}
		doc := a.b.get(page).Doc(t)
		if doc.Find(`form[action$="/modules"]`).Length() != 0 || !strings.Contains(doc.Text(), "アーカイブされている") {
			t.Error("an archived course still offers editing")
		}
		var n int64
		ta.DB.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action IN ('course.published', 'course.archived') AND target_id = ?", id).Row().Scan(&n)
		if n != 3 {
			t.Errorf("audit rows for publish and archive: %d, want 3", n)
		}
	})
}

// TestStudioBrowserJourney: an instructor creates a course in Japanese
// through the form (first with a mistake), adds a module and a reading
// lesson with htmx, writes Markdown and watches the live preview, saves,
// publishes, and sees the course published in the list; axe checks each
// page.
func TestStudioBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "studio-journey@example.jp", Name: "山田 講師"})
	fixtures.MustAddMember(t, ta.DB, "匠研修センター", "provider", id, "instructor", false)
	do(t, ctx,
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "studio-journey@example.jp"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Click(chromedp.CSS(`nav.main-nav a[href="/studio"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/studio/courses/new"]`)),
	)
	if h1 := text(t, ctx, "h1"); h1 != "スタジオ" {
		t.Fatalf("studio h1 %q", h1)
	}
	checkAxe(t, ctx, "studio course list")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href="/studio/courses/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#course-form")),
		chromedp.SendKeys(chromedp.CSS("#f-title_ja"), "製造現場のデータ分析入門"),
		chromedp.SendKeys(chromedp.CSS("#f-code"), "品質"),
		chromedp.Click(chromedp.CSS(`#course-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#error-summary")),
	)
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#f-title_ja"))); v != "製造現場のデータ分析入門" {
		t.Fatalf("title lost after an error: %q", v)
	}
	checkAxe(t, ctx, "new course form with errors")
	do(t, ctx,
		chromedp.Clear(chromedp.CSS("#f-code")),
		chromedp.SendKeys(chromedp.CSS("#f-code"), "quality-data-101"),
		chromedp.SendKeys(chromedp.CSS("#f-summary_ja"), "品質データを使って不良の原因を探る方法を学びます。"),
		chromedp.SendKeys(chromedp.CSS("#f-description_md"), "## 対象\n製造業の品質管理担当者"),
		chromedp.SetValue(chromedp.CSS("#f-skill_area"), "advanced_manufacturing"),
		chromedp.SetValue(chromedp.CSS("#f-level"), "introductory"),
		chromedp.SendKeys(chromedp.CSS("#f-estimated_hours"), "4.5"),
		chromedp.Click(chromedp.CSS(`#course-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#structure")),
	)
	if h1 := text(t, ctx, "h1"); h1 != "製造現場のデータ分析入門" {
		t.Fatalf("course page h1 %q", h1)
	}

	// With JavaScript, structure edits replace the structure in place.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#module-new-ja"), "品質データの基礎"),
		chromedp.Click(chromedp.CSS(`form.add-module button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("li.studio-module form.add-lesson")),
		chromedp.SetValue(chromedp.CSS("li.studio-module form.add-lesson select"), "reading"),
		chromedp.SendKeys(chromedp.CSS(`li.studio-module form.add-lesson input[name="title_ja"]`), "不良率を読む"),
		chromedp.Click(chromedp.CSS(`li.studio-module form.add-lesson button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.studio-lessons tbody tr a")),
	)
	if got := text(t, ctx, "table.studio-lessons tbody tr a"); got != "不良率を読む" {
		t.Fatalf("lesson row %q", got)
	}
	if got := text(t, ctx, "#structure .notice-success"); got != "保存しました。" {
		t.Fatalf("the structure was not updated in place by htmx (notice %q)", got)
	}
	checkAxe(t, ctx, "course page with structure")

	body := "# 不良率とは\n\n**不良率**は検査数に対する不良品の割合です。\n\n- 日ごとに記録する\n- 工程ごとに分ける"
	do(t, ctx,
		chromedp.Click(chromedp.CSS("table.studio-lessons tbody tr a")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-form")),
		chromedp.SendKeys(chromedp.CSS("#f-body_md"), body),
		chromedp.WaitVisible(chromedp.CSS("#lesson-preview strong")),
	)
	if got := text(t, ctx, "#lesson-preview h1"); got != "不良率とは" {
		t.Fatalf("live preview heading %q", got)
	}
	// The Preview button (no JavaScript needed) keeps the text too.
	clickAndWaitNewPage(t, ctx, `button[name="action"][value="preview"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#lesson-preview li")))
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#f-body_md"))); !strings.Contains(v, "工程ごとに分ける") {
		t.Fatalf("text lost on preview: %q", v)
	}
	checkAxe(t, ctx, "lesson editor with preview")
	do(t, ctx,
		chromedp.Clear(chromedp.CSS("#f-min_minutes")),
		chromedp.SendKeys(chromedp.CSS("#f-min_minutes"), "5"),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS("main .notice-success")),
		chromedp.Click(chromedp.CSS(`nav.studio-course-nav a[href$="/publish"]`)),
		chromedp.WaitVisible(chromedp.CSS("#revisions")),
	)
	checkAxe(t, ctx, "publish page")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#publish-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("main .notice-success")),
	)
	if got := text(t, ctx, "#course-status"); !strings.Contains(got, "公開中") || !strings.Contains(got, "第1版") {
		t.Fatalf("status after publishing %q", got)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.studio-course-nav a[href="/studio"]`)),
		chromedp.WaitVisible(chromedp.CSS("#studio-courses")),
	)
	if got := text(t, ctx, "#studio-courses tbody tr"); !strings.Contains(got, "製造現場のデータ分析入門") || !strings.Contains(got, "公開中") {
		t.Fatalf("course list after publishing %q", got)
	}
}
