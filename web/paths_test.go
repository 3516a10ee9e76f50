package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
)

// pathsEnv is a training provider (code "paths-academy") with three
// published courses and a draft, its instructor signed in, and a second
// provider with a published course of its own.
type pathsEnv struct {
	ta      *testApp
	prov    *catalogueProvider
	b       *browser // the instructor
	courses []string // ids: paths-one, paths-two, paths-three
	draft   string
	other   *catalogueProvider
	otherC  string
}

func pathsSetup(t *testing.T) *pathsEnv {
	t.Helper()
	ta := startApp(t)
	e := &pathsEnv{ta: ta, prov: catalogueNewProvider(t, ta, "paths academy")}
	ta.DB.Gorm.Exec(`UPDATE organisations SET code = 'paths-academy' WHERE id = ?`, e.prov.ID)
	for _, c := range []struct{ code, ja, en string }{
		{"paths-one", "データ活用の基礎", "Data basics"},
		{"paths-two", "機械学習の実践", "Machine learning in practice"},
		{"paths-three", "生成AIと業務", "Generative AI at work"},
	} {
		e.courses = append(e.courses, e.prov.catalogueCreate(t, catalogueTestCourse{Code: c.code, TitleJa: c.ja, TitleEn: c.en}))
	}
	e.draft = e.prov.catalogueCreate(t, catalogueTestCourse{Code: "paths-draft", TitleJa: "下書きの講座", Draft: true})
	e.other = catalogueNewProvider(t, ta, "other academy")
	e.otherC = e.other.catalogueCreate(t, catalogueTestCourse{Code: "other-course", TitleJa: "他機関の講座"})
	e.b = ta.signedIn(t, "paths-academy-instructor@example.jp", "")
	return e
}

// pathValues is a complete path form ticking courses in the given order
// (numbered 1, 2, ...).
func pathValues(code string, courses ...string) url.Values {
	v := url.Values{"code": {code}, "title_ja": {"データ活用パス"}, "title_en": {"Data path"},
		"description_ja": {"データを仕事に生かす二つの講座"}, "description_en": {""}, "valid_months": {""}}
	for i, id := range courses {
		v.Add("course", id)
		v.Set("position_"+id, string(rune('1'+i)))
	}
	return v
}

// pathLinks lists the hrefs of the links matching sel.
func pathLinks(doc *goquery.Document, sel string) []string {
	var out []string
	doc.Find(sel).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("href", "")) })
	return out
}

func TestStudioPaths(t *testing.T) {
	t.Parallel()
	e := pathsSetup(t)
	ta, b := e.ta, e.b
	var pathID string

	t.Run("ListEmpty", func(t *testing.T) {
		r := b.get("/studio/paths")
		doc := r.Doc(t)
		if r.StatusCode != http.StatusOK || doc.Find("#no-paths").Length() != 1 || doc.Find(`a[href="/studio/paths/new"]`).Length() != 1 {
			t.Fatalf("empty list: %d\n%.500s", r.StatusCode, r.Body)
		}
		if b.get("/studio").Doc(t).Find(`nav a[href="/studio/paths"]`).Length() != 1 {
			t.Fatal("the studio has no link to learning paths")
		}
	})
	t.Run("NewFormOffersPublishedCoursesOnly", func(t *testing.T) {
		doc := b.get("/studio/paths/new").Doc(t)
		var offered []string
		doc.Find(`#path-course-choices input[name="course"]`).Each(func(_ int, s *goquery.Selection) { offered = append(offered, s.AttrOr("value", "")) })
		if len(offered) != 3 {
			t.Fatalf("offered %d courses, want the 3 published ones", len(offered))
		}
		for _, id := range []string{e.draft, e.otherC} {
			if strings.Contains(doc.Text(), id) || doc.Find(`input[value="`+id+`"]`).Length() > 0 {
				t.Fatalf("offered course %s", id)
			}
		}
	})
	t.Run("ErrKeepsWhatWasTyped", func(t *testing.T) {
		v := pathValues("data-path", e.courses[0])
		v.Set("valid_months", "十二")
		v.Set("position_"+e.courses[1], "二")
		v.Add("course", e.courses[1])
		r := b.post("/studio/paths/new", "/studio/paths/new", v)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		doc := r.Doc(t)
		if doc.Find("#error-summary").Length() != 1 || !strings.Contains(doc.Find("#path-courses-error").Text(), "順番は1〜999") ||
			!strings.Contains(doc.Find("#f-valid_months-error").Text(), "有効期間") {
			t.Fatalf("errors not shown:\n%s", doc.Find("main").Text())
		}
		if doc.Find("#f-title_ja").AttrOr("value", "") != "データ活用パス" || doc.Find("#f-valid_months").AttrOr("value", "") != "十二" ||
			doc.Find("#position-"+e.courses[1]).AttrOr("value", "") != "二" {
			t.Fatal("typed values lost")
		}
		if _, checked := doc.Find("#course-" + e.courses[1]).Attr("checked"); !checked {
			t.Fatal("ticked course lost")
		}
		r = b.post("/studio/paths/new", "/studio/paths/new", pathValues("data-path", e.courses[0]))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#path-courses-error").Text(), "2つ以上") {
			t.Fatalf("one course: %d", r.StatusCode)
		}
		var n int64
		ta.DB.Gorm.Raw(`SELECT count(*) FROM learning_paths`).Scan(&n)
		if n != 0 {
			t.Fatal("a path was stored from a form with errors")
		}
	})
	t.Run("ErrTamperedCourse", func(t *testing.T) {
		r := b.post("/studio/paths/new", "/studio/paths/new", pathValues("data-path", e.courses[0], e.otherC))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#path-courses-error").Text(), "公開中のコースだけ") {
			t.Fatalf("another provider's course: status %d", r.StatusCode)
		}
		r = b.post("/studio/paths/new", "/studio/paths/new", pathValues("data-path", e.courses[0], e.draft))
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a draft course: status %d", r.StatusCode)
		}
	})
	t.Run("Create", func(t *testing.T) {
		// Blank position goes after the numbered ones.
		v := pathValues("Data-Path", e.courses[2], e.courses[0])
		v.Add("course", e.courses[1])
		r := b.post("/studio/paths/new", "/studio/paths/new", v)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/studio/paths/") {
			t.Fatalf("create: %d %s\n%.800s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		pathID = strings.TrimPrefix(r.Header.Get("Location"), "/studio/paths/")
		doc := b.follow(r).Doc(t)
		if doc.Find(".notice-success").Length() != 1 || doc.Find("#path-public-link").AttrOr("href", "") != "/paths/paths-academy/data-path" {
			t.Fatalf("edit page after create:\n%s", doc.Find("main").Text())
		}
		for i, id := range []string{e.courses[2], e.courses[0], e.courses[1]} {
			if got := doc.Find("#position-"+id).AttrOr("value", ""); got != string(rune('1'+i)) {
				t.Errorf("course %d stored at position %q", i+1, got)
			}
		}
		list := b.get("/studio/paths").Doc(t)
		if got := strings.TrimSpace(list.Find("#studio-paths tbody tr td").First().Text()); got != "データ活用パス" {
			t.Fatalf("list row %q", got)
		}
	})
	t.Run("PublicPage", func(t *testing.T) {
		r := ta.newBrowser(t).get("/paths/paths-academy/data-path")
		doc := r.Doc(t)
		if r.StatusCode != http.StatusOK || strings.TrimSpace(doc.Find("h1").Text()) != "データ活用パス" {
			t.Fatalf("public page: %d\n%.500s", r.StatusCode, r.Body)
		}
		want := []string{"/courses/paths-academy/paths-three", "/courses/paths-academy/paths-one", "/courses/paths-academy/paths-two"}
		if got := pathLinks(doc, "#path-courses ol a"); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("course links %v", got)
		}
		if !strings.Contains(doc.Find("#path-credential").Text(), "3コースすべてを修了すると") || !strings.Contains(doc.Find("#path-validity").Text(), "有効期限はありません") {
			t.Fatalf("credential section %q", doc.Find("#path-credential").Text())
		}
	})
	t.Run("Edit", func(t *testing.T) {
		page := "/studio/paths/" + pathID
		v := pathValues("ignored", e.courses[1], e.courses[2])
		v.Set("valid_months", "２４") // full-width digits, as a Japanese input method types them
		v.Set("title_en", "Data in practice")
		r := b.post(page, page, v)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d\n%.800s", r.StatusCode, r.Body)
		}
		doc := b.follow(r).Doc(t)
		if doc.Find("#f-valid_months").AttrOr("value", "") != "24" || doc.Find("#f-code").Length() != 0 {
			t.Fatal("validity not saved, or the code is editable")
		}
		pub := ta.newBrowser(t)
		pub.postRaw("/language", url.Values{"_csrf": {pub.csrf("/")}, "lang": {"en"}, "return_to": {"/"}})
		doc = pub.get("/paths/paths-academy/data-path").Doc(t)
		if got := pathLinks(doc, "#path-courses ol a"); len(got) != 2 || got[0] != "/courses/paths-academy/paths-two" {
			t.Fatalf("course links after edit %v", got)
		}
		if h1 := strings.TrimSpace(doc.Find("h1").Text()); h1 != "Data in practice" {
			t.Fatalf("English h1 %q", h1)
		}
		if !strings.Contains(doc.Find("#path-credential").Text(), "Completing all 2 courses earns the learning path credential") ||
			!strings.Contains(doc.Find("#path-validity").Text(), "valid for 24 months") {
			t.Fatalf("English credential section %q", doc.Find("#path-credential").Text())
		}
		r = b.post(page, page, url.Values{"title_ja": {""}, "valid_months": {"121"}})
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find(".error-message").Length() < 3 {
			t.Fatalf("bad save: %d", r.StatusCode)
		}
	})
	t.Run("CoursePageLinksThePath", func(t *testing.T) {
		doc := ta.newBrowser(t).get("/courses/paths-academy/paths-three").Doc(t)
		if got := pathLinks(doc, "#course-paths a"); len(got) != 1 || got[0] != "/paths/paths-academy/data-path" {
			t.Fatalf("course page path links %v", got)
		}
		if !strings.Contains(doc.Find("#course-paths").Text(), "2コース中2番目") {
			t.Fatalf("course page path text %q", doc.Find("#course-paths").Text())
		}
		if doc := ta.newBrowser(t).get("/courses/paths-academy/paths-one").Doc(t); doc.Find("#course-paths").Length() != 0 {
			t.Fatal("a course taken out of the path still links it")
		}
	})
	t.Run("ErrOtherProvider", func(t *testing.T) {
		ob := ta.signedIn(t, "other-academy-instructor@example.jp", "")
		if r := ob.get("/studio/paths/" + pathID); r.StatusCode != http.StatusNotFound {
			t.Fatalf("other provider's instructor opened the path: %d", r.StatusCode)
		}
		r := ob.post("/studio/paths", "/studio/paths/"+pathID, pathValues("x", e.otherC, e.courses[0]))
		if r.StatusCode != http.StatusNotFound {
			t.Fatalf("other provider's instructor saved the path: %d", r.StatusCode)
		}
		if ob.get("/studio/paths").Doc(t).Find("#studio-paths").Length() != 0 {
			t.Fatal("other provider's instructor lists the path")
		}
		// The hidden provider field cannot create a path for someone else.
		r = ob.post("/studio/paths/new", "/studio/paths/new", func() url.Values {
			v := pathValues("stolen", e.courses[0], e.courses[1])
			v.Set("provider", e.prov.ID)
			return v
		}())
		if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", r.StatusCode)
		}
		var n int64
		ta.DB.Gorm.Raw(`SELECT count(*) FROM learning_paths WHERE provider_id = ?`, e.prov.ID).Scan(&n)
		if n != 1 {
			t.Fatalf("provider has %d paths", n)
		}
	})
	t.Run("ErrAccess", func(t *testing.T) {
		if r := ta.newBrowser(t).get("/studio/paths"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("anonymous: %d", r.StatusCode)
		}
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "paths-learner@example.jp"})
		lb := ta.signedIn(t, "paths-learner@example.jp", "")
		for _, path := range []string{"/studio/paths", "/studio/paths/new", "/studio/paths/" + pathID} {
			if r := lb.get(path); r.StatusCode != http.StatusForbidden {
				t.Errorf("learner %s: %d", path, r.StatusCode)
			}
		}
		if r := b.postRaw("/studio/paths/"+pathID, pathValues("x", e.courses[0], e.courses[1])); r.StatusCode != http.StatusForbidden {
			t.Fatalf("save without CSRF token: %d", r.StatusCode)
		}
	})
}

func TestStudioPathCourseValidity(t *testing.T) {
	t.Parallel()
	e := pathsSetup(t)
	ta, b := e.ta, e.b
	page := "/studio/courses/" + e.courses[0] + "/details"
	details := func(months string) url.Values {
		v := studioValidCourse("")
		v.Del("code")
		v.Set("credential_valid_months", months)
		v.Set("lock_version", studioLock(t, b.get(page).Doc(t)))
		return v
	}
	if b.get(page).Doc(t).Find("#f-credential_valid_months").Length() != 1 {
		t.Fatal("details form has no validity field")
	}
	t.Run("ErrNotANumber", func(t *testing.T) {
		v := details("三年")
		v.Set("title_ja", "")
		r := b.post(page, page, v)
		doc := r.Doc(t)
		if r.StatusCode != http.StatusUnprocessableEntity || doc.Find("#f-credential_valid_months-error").Length() != 1 ||
			doc.Find("#f-title_ja-error").Length() != 1 || doc.Find("#f-credential_valid_months").AttrOr("value", "") != "三年" {
			t.Fatalf("status %d\n%s", r.StatusCode, doc.Find("main").Text())
		}
	})
	t.Run("ErrOutOfRange", func(t *testing.T) {
		r := b.post(page, page, details("0"))
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", r.StatusCode)
		}
	})
	t.Run("Save", func(t *testing.T) {
		r := b.post(page, page, details("6"))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%.800s", r.StatusCode, r.Body)
		}
		if v := b.get(page).Doc(t).Find("#f-credential_valid_months").AttrOr("value", ""); v != "6" {
			t.Fatalf("form shows %q", v)
		}
		// Validity applies without publishing the draft the details went to.
		doc := ta.newBrowser(t).get("/courses/paths-academy/paths-one").Doc(t)
		if got := doc.Find("#course-validity").Text(); !strings.Contains(got, "6か月") {
			t.Fatalf("course page validity %q", got)
		}
		r = b.post(page, page, details(""))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("clear: %d", r.StatusCode)
		}
		if ta.newBrowser(t).get("/courses/paths-academy/paths-one").Doc(t).Find("#course-validity").Length() != 0 {
			t.Fatal("cleared validity still shown")
		}
	})
	t.Run("ErrOtherProvider", func(t *testing.T) {
		ob := ta.signedIn(t, "other-academy-instructor@example.jp", "")
		r := ob.post("/studio", page, url.Values{"credential_valid_months": {"1"}, "lock_version": {"1"}})
		if r.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d", r.StatusCode)
		}
	})
}

func TestPathPublicPage(t *testing.T) {
	t.Parallel()
	e := pathsSetup(t)
	ctx := context.Background()
	s := e.ta.App.Server.Courses
	p, err := s.CreatePath(ctx, e.prov.Actor, catalog.PathInput{ProviderID: e.prov.ID, Code: "two-step", TitleJa: "二段階パス",
		CourseIDs: []string{e.courses[0], e.courses[1]}})
	if err != nil {
		t.Fatal(err)
	}
	pub := e.ta.newBrowser(t)
	t.Run("ByProviderID", func(t *testing.T) {
		r := pub.get("/paths/" + e.prov.ID + "/two-step")
		if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/paths/paths-academy/two-step" {
			t.Fatalf("%d %s", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("EnglishFallsBackToJapanese", func(t *testing.T) {
		pub.postRaw("/language", url.Values{"_csrf": {pub.csrf("/")}, "lang": {"en"}, "return_to": {"/"}})
		doc := pub.get("/paths/paths-academy/two-step").Doc(t)
		if h1 := doc.Find("h1"); h1.Text() != "二段階パス" || h1.AttrOr("lang", "") != "ja" {
			t.Fatalf("h1 %q lang %q", h1.Text(), h1.AttrOr("lang", ""))
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{"/paths/paths-academy/nope", "/paths/nobody/two-step", "/paths/other-academy/two-step",
			"/paths/paths-academy/TWO-STEP", "/paths/%2e%2e/two-step"} {
			if r := pub.get(path); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", path, r.StatusCode)
			}
		}
	})
	t.Run("ErrHiddenWhenACourseIsArchived", func(t *testing.T) {
		if err := s.Archive(ctx, e.prov.Actor, e.courses[1]); err != nil {
			t.Fatal(err)
		}
		if r := pub.get("/paths/paths-academy/two-step"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d", r.StatusCode)
		}
		doc := e.b.get("/studio/paths/" + p.ID).Doc(t)
		if doc.Find("main .notice-error").Length() != 1 || doc.Find("#path-public-link").Length() != 0 {
			t.Fatal("the studio does not say the public page is hidden")
		}
	})
}

func TestPathBrowserJourney(t *testing.T) {
	e := pathsSetup(t)
	ctx := newChrome(t)
	do(t, ctx,
		chromedp.Navigate(e.ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "paths-academy-instructor@example.jp"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Click(chromedp.CSS(`nav.main-nav a[href="/studio"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#studio-courses`)),
	)
	clickAndWaitNewPage(t, ctx, `nav a[href="/studio/paths"]`)
	if h1 := text(t, ctx, "h1"); h1 != "学習パス" {
		t.Fatalf("paths h1 %q", h1)
	}
	checkAxe(t, ctx, "studio learning paths (ja)")
	clickAndWaitNewPage(t, ctx, `a[href="/studio/paths/new"]`)
	checkAxe(t, ctx, "new learning path form (ja)")

	// One course only: the form comes back with the problem and what was typed.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-code"), "ml-path"),
		chromedp.SendKeys(chromedp.CSS("#f-title_ja"), "機械学習への道"),
		chromedp.SendKeys(chromedp.CSS("#f-title_en"), "Road to machine learning"),
		chromedp.Click(chromedp.CSS("#course-"+e.courses[1])),
	)
	clickAndWaitNewPage(t, ctx, `#path-form button[type="submit"]`)
	if got := text(t, ctx, "#path-courses-error"); !strings.Contains(got, "2つ以上") {
		t.Fatalf("error %q", got)
	}
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#f-title_ja"))); v != "機械学習への道" {
		t.Fatalf("title lost: %q", v)
	}
	checkAxe(t, ctx, "learning path form with errors (ja)")

	// Two courses, the second listed first by its number.
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#course-"+e.courses[0])),
		chromedp.SendKeys(chromedp.CSS("#position-"+e.courses[1]), "1"),
		chromedp.SendKeys(chromedp.CSS("#position-"+e.courses[0]), "2"),
		chromedp.SendKeys(chromedp.CSS("#f-valid_months"), "36"),
	)
	clickAndWaitNewPage(t, ctx, `#path-form button[type="submit"]`)
	if got := text(t, ctx, "main .notice-success"); got != "学習パスを作成しました。" {
		t.Fatalf("notice %q", got)
	}
	checkAxe(t, ctx, "learning path edit form (ja)")

	clickAndWaitNewPage(t, ctx, "#path-public-link")
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/paths/paths-academy/ml-path") {
		t.Fatalf("public page at %s", loc)
	}
	if h1 := text(t, ctx, "h1"); h1 != "機械学習への道" {
		t.Fatalf("public h1 %q", h1)
	}
	if first := text(t, ctx, "#path-courses ol li a"); first != "機械学習の実践" {
		t.Fatalf("first course %q", first)
	}
	if got := text(t, ctx, "#path-validity"); !strings.Contains(got, "36か月") {
		t.Fatalf("validity %q", got)
	}
	checkAxe(t, ctx, "public learning path page (ja)")

	// The course page links back to the path.
	clickAndWaitNewPage(t, ctx, "#path-courses ol li a")
	if got := text(t, ctx, "#course-paths a"); got != "機械学習への道" {
		t.Fatalf("course page path link %q", got)
	}

	// English.
	clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
	clickAndWaitNewPage(t, ctx, "#course-paths a")
	if h1 := text(t, ctx, "h1"); h1 != "Road to machine learning" {
		t.Fatalf("English public h1 %q", h1)
	}
	if got := text(t, ctx, "#path-credential"); !strings.Contains(got, "Completing all 2 courses earns the learning path credential") {
		t.Fatalf("English credential text %q", got)
	}
	checkAxe(t, ctx, "public learning path page (en)")
	do(t, ctx, chromedp.Navigate(e.ta.URL+"/studio/paths"), chromedp.WaitVisible(chromedp.CSS("#studio-paths")))
	checkAxe(t, ctx, "studio learning paths (en)")
	clickAndWaitNewPage(t, ctx, "#studio-paths tbody a")
	checkAxe(t, ctx, "learning path edit form (en)")
}
