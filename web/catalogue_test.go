package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
)

// catalogueProvider is a training provider with an instructor who publishes
// courses through the catalog service.
type catalogueProvider struct {
	ID    string
	Actor catalog.Actor
	ta    *testApp
}

// catalogueNewProvider makes a provider organisation (by name) and its
// instructor.
func catalogueNewProvider(t *testing.T, ta *testApp, name string) *catalogueProvider {
	t.Helper()
	email := strings.ReplaceAll(strings.ToLower(name), " ", "-") + "-instructor@example.jp"
	uid := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "講師 " + name})
	id := fixtures.MustAddMember(t, ta.DB, name, "provider", uid, "instructor", false)
	return &catalogueProvider{ID: id, Actor: catalog.Actor{UserID: uid}, ta: ta}
}

// catalogueTestCourse is what catalogueCreate publishes.
type catalogueTestCourse struct {
	Code, TitleJa, TitleEn, SummaryJa, Description string
	Skill, Level, Mode, Lang                       string
	Hours                                          float64
	Draft                                          bool // create only, never publish
}

// catalogueReadingBody and catalogueCorrectOption are lesson content that
// the public course page must never show.
const (
	catalogueReadingBody   = "この本文は受講者だけが読めるレッスンの中身です"
	catalogueCorrectOption = "正解は二十四時間以内の報告"
)

// catalogueCreate creates (and unless Draft, publishes) a course with one
// module holding a reading lesson and a quiz, through the catalog service.
func (p *catalogueProvider) catalogueCreate(t *testing.T, c catalogueTestCourse) string {
	t.Helper()
	ctx := context.Background()
	s := p.ta.App.Server.Courses
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&c.SummaryJa, c.TitleJa+"の概要")
	def(&c.Skill, "ai_data")
	def(&c.Level, catalog.LevelIntroductory)
	def(&c.Mode, catalog.DeliverySelfPaced)
	def(&c.Lang, "ja")
	if c.Hours == 0 {
		c.Hours = 4
	}
	course, err := s.CreateCourse(ctx, p.Actor, catalog.NewCourse{ProviderID: p.ID, Code: c.Code, Content: catalog.Content{
		TitleJa: c.TitleJa, TitleEn: c.TitleEn, SummaryJa: c.SummaryJa, DescriptionMd: c.Description, SkillArea: c.Skill,
		Level: c.Level, DeliveryMode: c.Mode, Language: c.Lang, EstimatedHours: c.Hours}})
	if err != nil {
		t.Fatalf("create %s: %v", c.Code, err)
	}
	_, err = s.EditDraft(ctx, p.Actor, course.ID, 0, func(ct *catalog.Content) error {
		ct.Modules = append(ct.Modules, catalog.Module{ID: catalog.NewID(), TitleJa: "第1章 安全の基本", TitleEn: "Safety basics", Lessons: []catalog.Lesson{
			{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "事故報告の流れ", TitleEn: "Reporting incidents", Required: true, MinMinutes: 10,
				BodyMd: catalogueReadingBody},
			{ID: catalog.NewID(), Kind: catalog.LessonQuiz, TitleJa: "理解度チェック", TitleEn: "Check your understanding", Required: true, MustPass: true,
				Quiz: &catalog.Quiz{PassPercent: 80, Questions: []catalog.Question{{ID: catalog.NewID(), Kind: catalog.QuestionSingle,
					PromptMd: "事故はいつまでに報告しますか", Options: []catalog.Option{
						{ID: catalog.NewID(), Text: catalogueCorrectOption, Correct: true},
						{ID: catalog.NewID(), Text: "一週間後"}}}}}},
		}})
		return nil
	})
	if err != nil {
		t.Fatalf("edit %s: %v", c.Code, err)
	}
	if !c.Draft {
		if _, err := s.Publish(ctx, p.Actor, course.ID); err != nil {
			t.Fatalf("publish %s: %v", c.Code, err)
		}
	}
	return course.ID
}

// catalogueGet fetches path, as htmx when hx is true.
func catalogueGet(t *testing.T, b *browser, path string, headers map[string]string) *response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.do(req)
}

func TestCatalogueHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	prov := catalogueNewProvider(t, ta, "匠アカデミー")
	prov.catalogueCreate(t, catalogueTestCourse{Code: "mfg-data", TitleJa: "製造現場のデータ分析", TitleEn: "Data Analysis on the Factory Floor",
		Skill: "advanced_manufacturing", Level: catalog.LevelIntermediate, Mode: catalog.DeliveryCohort, Hours: 12,
		Description: "## この講座で学ぶこと\n\n品質データを**読み解く**力を身につけます。"})
	prov.catalogueCreate(t, catalogueTestCourse{Code: "mfg-dx", TitleJa: "製造業のためのDX入門", Skill: "dx_business_design"})
	prov.catalogueCreate(t, catalogueTestCourse{Code: "cloud-101", TitleJa: "クラウド入門", TitleEn: "Cloud Basics", Skill: "cloud", Lang: "en"})
	prov.catalogueCreate(t, catalogueTestCourse{Code: "mfg-draft", TitleJa: "製造の下書き講座", Draft: true})
	archived := prov.catalogueCreate(t, catalogueTestCourse{Code: "mfg-old", TitleJa: "製造の旧講座"})
	if err := ta.App.Server.Courses.Archive(context.Background(), prov.Actor, archived); err != nil {
		t.Fatal(err)
	}
	b := ta.newBrowser(t)

	t.Run("FiltersInURL", func(t *testing.T) {
		r := b.get("/courses?q=" + url.QueryEscape("製造") + "&level=intermediate")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		d := r.Doc(t)
		if got := strings.TrimSpace(d.Find("#result-count").Text()); !strings.Contains(got, "1件のコース") {
			t.Fatalf("result count %q", got)
		}
		if titles := d.Find("#course-list h3").Text(); !strings.Contains(titles, "製造現場のデータ分析") || strings.Contains(titles, "DX入門") {
			t.Fatalf("results %q", titles)
		}
		if v, _ := d.Find("#f-q").Attr("value"); v != "製造" {
			t.Fatalf("search box lost the query: %q", v)
		}
		if v, _ := d.Find("#f-level option[selected]").Attr("value"); v != "intermediate" {
			t.Fatalf("level select shows %q", v)
		}
		if label := d.Find(`#f-level option[value="introductory"]`).Text(); !strings.Contains(label, "(1)") {
			t.Fatalf("introductory facet %q, want the one other 製造 course counted", label)
		}
		if href, _ := d.Find("#course-list h3 a").Attr("href"); href != "/courses/"+prov.ID+"/mfg-data" {
			t.Fatalf("course link %q", href)
		}
	})
	t.Run("DraftAndArchivedInvisible", func(t *testing.T) {
		body := b.get("/courses?q=" + url.QueryEscape("製造")).Body
		if strings.Contains(body, "下書き講座") || strings.Contains(body, "旧講座") {
			t.Fatal("a draft or archived course is listed")
		}
		for _, code := range []string{"mfg-draft", "mfg-old", "no-such-course"} {
			if r := b.get("/courses/" + prov.ID + "/" + code); r.StatusCode != http.StatusNotFound {
				t.Fatalf("%s: status %d, want 404", code, r.StatusCode)
			}
		}
	})
	t.Run("HTMXFragment", func(t *testing.T) {
		r := catalogueGet(t, b, "/courses?q="+url.QueryEscape("製造"), map[string]string{"HX-Request": "true"})
		if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="result-count"`) {
			t.Fatalf("htmx answer is not the results fragment (status %d):\n%.300s", r.StatusCode, r.Body)
		}
		if vary := strings.Join(r.Header.Values("Vary"), ", "); !strings.Contains(vary, "HX-Request") {
			t.Fatalf("Vary %q: caches could serve the fragment as the page", vary)
		}
		full := b.get("/courses?q=" + url.QueryEscape("製造"))
		if !strings.Contains(full.Body, "<html") || !strings.Contains(full.Body, `id="catalogue-filters"`) {
			t.Fatal("plain request did not get the full page")
		}
		restore := catalogueGet(t, b, "/courses?q="+url.QueryEscape("製造"), map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"})
		if !strings.Contains(restore.Body, "<html") {
			t.Fatal("htmx history restore did not get the full page")
		}
	})
	t.Run("InvalidFiltersIgnored", func(t *testing.T) {
		r := b.get("/courses?level=expert&page=abc&sort=" + url.QueryEscape("id; DROP TABLE courses") + "&hours=1-2&skill=" + url.QueryEscape("' OR 1=1"))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200 with the filters ignored", r.StatusCode)
		}
		d := r.Doc(t)
		notice := d.Find("#ignored-filters").Text()
		for _, name := range []string{"レベル", "ページ番号", "並び順", "学習時間の目安", "スキル領域"} {
			if !strings.Contains(notice, name) {
				t.Fatalf("notice %q does not name %s", notice, name)
			}
		}
		if got := d.Find("#result-count").Text(); !strings.Contains(got, "3件のコース") {
			t.Fatalf("result count %q, want all 3 published courses", got)
		}
	})
	t.Run("NoResults", func(t *testing.T) {
		d := b.get("/courses?q=" + url.QueryEscape("量子コンピュータ")).Doc(t)
		if d.Find("#no-results").Length() == 0 || d.Find(`#no-results a[href="/courses"]`).Length() == 0 {
			t.Fatal("no helpful empty message with a link to clear the filters")
		}
		if !strings.Contains(d.Find("#result-count").Text(), "0件") {
			t.Fatalf("count %q", d.Find("#result-count").Text())
		}
	})
	t.Run("EnglishPage", func(t *testing.T) {
		en := ta.newBrowser(t)
		en.post("/", "/language", url.Values{"lang": {"en"}, "return_to": {"/courses"}})
		d := en.get("/courses?lang=en").Doc(t)
		if got := d.Find("#course-list h3").Text(); !strings.Contains(got, "Cloud Basics") {
			t.Fatalf("English title not shown: %q", got)
		}
		if got := strings.TrimSpace(d.Find("#result-count").Text()); got != "1 course" {
			t.Fatalf("count %q, want 1 course", got)
		}
		// A course without an English title falls back to Japanese, marked as such.
		d = en.get("/courses?skill=dx_business_design").Doc(t)
		if lang, _ := d.Find("#course-list h3 a").Attr("lang"); lang != "ja" || !strings.Contains(d.Find("#course-list h3").Text(), "DX入門") {
			t.Fatalf("fallback title lang=%q text=%q", lang, d.Find("#course-list h3").Text())
		}
	})
	t.Run("CoursePage", func(t *testing.T) {
		r := b.get("/courses/" + prov.ID + "/mfg-data")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		d := r.Doc(t)
		if h1 := d.Find("h1").Text(); h1 != "製造現場のデータ分析" {
			t.Fatalf("h1 %q", h1)
		}
		syllabus := d.Find("#syllabus").Text()
		for _, want := range []string{"第1章 安全の基本", "事故報告の流れ", "理解度チェック", "読み物", "確認テスト"} {
			if !strings.Contains(syllabus, want) && !strings.Contains(r.Body, want) {
				t.Fatalf("syllabus lacks %q: %s", want, syllabus)
			}
		}
		for _, secret := range []string{catalogueReadingBody, catalogueCorrectOption, "一週間後", "事故はいつまでに報告しますか", `"correct"`} {
			if strings.Contains(r.Body, secret) {
				t.Fatalf("course page shows lesson content %q", secret)
			}
		}
		if d.Find("#description strong").Text() != "読み解く" {
			t.Fatal("description Markdown not rendered")
		}
		if d.Find("h1").Length() != 1 || d.Find("#description h3").Text() != "この講座で学ぶこと" {
			t.Fatal("the description's headings are not placed under the page's own")
		}
		if !strings.Contains(d.Find("#skill-alignment").Text(), "DX推進スキル標準：ビジネスアーキテクト") {
			t.Fatalf("DSS alignment: %q", d.Find("#skill-alignment").Text())
		}
		if d.Find("#sessions").Length() == 0 || d.Find("#credential").Length() == 0 || d.Find("#enrol").Length() == 0 {
			t.Fatal("sessions, credential or enrolment section missing")
		}
		if d.Find("#enrol button, #enrol [disabled]").Length() > 0 {
			t.Fatal("enrolment area has a (disabled) control instead of text")
		}
	})
	t.Run("ProviderCodeURL", func(t *testing.T) {
		admin, _ := adminSignedIn(t, ta, "catalogue-admin@example.jp")
		r := admin.post("/admin/orgs/"+prov.ID, "/admin/orgs/"+prov.ID+"/code", url.Values{"code": {"takumi-academy"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("set code: status %d\n%.500s", r.StatusCode, r.Body)
		}
		if href, _ := b.get("/courses?q=" + url.QueryEscape("データ分析")).Doc(t).Find("#course-list h3 a").Attr("href"); href != "/courses/takumi-academy/mfg-data" {
			t.Fatalf("course link %q", href)
		}
		if r := b.get("/courses/takumi-academy/mfg-data"); r.StatusCode != http.StatusOK {
			t.Fatalf("by code: %d", r.StatusCode)
		}
		r = b.get("/courses/" + prov.ID + "/mfg-data")
		if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/courses/takumi-academy/mfg-data" {
			t.Fatalf("id URL: status %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		d := b.get("/courses?provider=takumi-academy").Doc(t)
		if !strings.Contains(d.Find("#result-count").Text(), "3件") || d.Find("#ignored-filters").Length() > 0 {
			t.Fatalf("provider filter by code: %q", d.Find("#result-count").Text())
		}
	})
}

func TestCataloguePagination(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	prov := catalogueNewProvider(t, ta, "ページ研修所")
	for i := 1; i <= 23; i++ {
		prov.catalogueCreate(t, catalogueTestCourse{Code: fmt.Sprintf("robot-%02d", i), TitleJa: fmt.Sprintf("ロボット講座 %02d", i), Skill: "robotics"})
	}
	prov.catalogueCreate(t, catalogueTestCourse{Code: "other", TitleJa: "別の講座", Skill: "cloud"})
	b := ta.newBrowser(t)
	d := b.get("/courses?q=" + url.QueryEscape("ロボット") + "&skill=robotics").Doc(t)
	if got := d.Find("#result-count").Text(); !strings.Contains(got, "23件のコース") || !strings.Contains(got, "1〜20") {
		t.Fatalf("count %q", got)
	}
	if n := d.Find("#course-list > li").Length(); n != 20 {
		t.Fatalf("%d courses on page 1", n)
	}
	next, ok := d.Find(`#pagination a[rel="next"]`).Attr("href")
	if !ok {
		t.Fatal("no next page link")
	}
	u, _ := url.Parse(next)
	if q := u.Query(); q.Get("q") != "ロボット" || q.Get("skill") != "robotics" || q.Get("page") != "2" {
		t.Fatalf("next link %q does not keep the filters", next)
	}
	d = b.get(next).Doc(t)
	if n := d.Find("#course-list > li").Length(); n != 3 || !strings.Contains(d.Find("#course-list").Text(), "ロボット講座 01") {
		t.Fatalf("page 2 has %d courses", n)
	}
	if prev, _ := d.Find(`#pagination a[rel="prev"]`).Attr("href"); !strings.Contains(prev, "skill=robotics") || strings.Contains(prev, "page=") {
		t.Fatalf("previous link %q", prev)
	}
}
