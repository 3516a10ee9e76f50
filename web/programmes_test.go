package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// programmeFixture is a published AI course with one learner holding a
// credential for it (as a credential_issued event), and a cloud course.
type programmeFixture struct {
	aiCourse, cloudCourse, learner string
}

func newProgrammeFixture(t *testing.T, ta *testApp) programmeFixture {
	t.Helper()
	g := ta.DB.Gorm
	var f programmeFixture
	var provider string
	if err := g.Raw(`INSERT INTO organisations (name_ja, kind, code) VALUES ('目標テスト研修所', 'provider', 'target-academy') RETURNING id`).Row().Scan(&provider); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dst        *string
		code, area string
		title, en  string
	}{
		{&f.aiCourse, "ai-basics", "ai_data", "AI入門", "AI basics"},
		{&f.cloudCourse, "cloud-basics", "cloud", "クラウド入門", "Cloud basics"},
	} {
		if err := g.Raw(`INSERT INTO courses (provider_id, code, status, skill_area_code, title_ja, title_en) VALUES (?, ?, 'published', ?, ?, ?) RETURNING id`,
			provider, c.code, c.area, c.title, c.en).Row().Scan(c.dst); err != nil {
			t.Fatal(err)
		}
	}
	f.learner = fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "programme-learner@example.jp"})
	g.Exec(`UPDATE users SET prefecture_code = '13', industry_code = 'G', segment = 'engineer' WHERE id = ?`, f.learner)
	err := g.Transaction(func(tx *gorm.DB) error {
		return learning.AppendEvent(context.Background(), tx, learning.Event{Type: learning.EventCredentialIssued, UserID: f.learner,
			CourseID: f.aiCourse, At: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), Details: map[string]any{"credential_id": uuid.NewString()}})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// programmeValues is a valid programme form.
func programmeValues(code string, flagship bool, areas ...string) url.Values {
	v := url.Values{"code": {code}, "name_ja": {"テスト目標 " + code}, "name_en": {"Test target " + code}, "target": {"1,000"},
		"starts_on": {"2026-01-01"}, "ends_on": {"2030-12-31"}, "skill_areas": areas}
	if flagship {
		v.Set("flagship", "on")
	}
	return v
}

// programmeID is the id of the programme with code.
func programmeID(t *testing.T, ta *testApp, code string) string {
	t.Helper()
	var id string
	ta.DB.Gorm.Raw(`SELECT id FROM programmes WHERE code = ?`, code).Row().Scan(&id)
	if id == "" {
		t.Fatalf("no programme %s", code)
	}
	return id
}

func TestAdminProgrammes(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	fx := newProgrammeFixture(t, ta)
	admin, adminID := adminSignedIn(t, ta, "programmes-admin@example.jp")

	t.Run("NonAdminsRefused", func(t *testing.T) {
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "programmes-learner2@example.jp"})
		learner := ta.signedIn(t, "programmes-learner2@example.jp", "")
		analystID, secret := adminTOTPUser(t, ta, "programmes-analyst@example.jp", false)
		fixtures.MustAddMember(t, ta.DB, "経済産業省テスト", "ministry", analystID, "member", true)
		analyst := ta.signedIn(t, "programmes-analyst@example.jp", secret)
		some := uuid.NewString()
		for name, b := range map[string]*browser{"learner": learner, "analyst": analyst} {
			tok := b.csrf("/")
			for _, r := range []*response{
				b.get("/admin/programmes"),
				b.get("/admin/programmes/new"),
				b.get("/admin/programmes/" + some),
				b.postRaw("/admin/programmes/new", withCSRF(programmeValues("stolen", true, "ai_data"), tok)),
				b.postRaw("/admin/programmes/"+some, withCSRF(programmeValues("", true, "ai_data"), tok)),
			} {
				if r.StatusCode != http.StatusForbidden {
					t.Fatalf("%s got %d on %s %s, want 403", name, r.StatusCode, r.Request.Method, r.Request.URL.Path)
				}
			}
		}
		anon := ta.newBrowser(t)
		if r := anon.get("/admin/programmes"); r.StatusCode == http.StatusOK {
			t.Fatal("anonymous visitor saw the programmes")
		}
		var n int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM programmes`).Row().Scan(&n)
		if n != 0 {
			t.Fatalf("%d programmes after refused requests", n)
		}
	})

	t.Run("ErrValidationJa", func(t *testing.T) {
		v := url.Values{"code": {"Bad Code"}, "name_ja": {""}, "name_en": {"Kept name"}, "target": {"0"},
			"starts_on": {"2027-01-01"}, "ends_on": {"2026-01-01"}, "description_en": {"kept description"}}
		r := admin.post("/admin/programmes/new", "/admin/programmes/new", v)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		d := r.Doc(t)
		for field, want := range map[string]string{
			"code": "半角英小文字", "name_ja": "名称を入力", "target": "1以上の整数", "ends_on": "開始日より後", "rule": "1つ以上選んで",
		} {
			if got := d.Find("#f-" + field + "-error").Text(); !strings.Contains(got, want) {
				t.Errorf("%s error %q, want %q", field, got, want)
			}
		}
		if v, _ := d.Find("#f-name_en").Attr("value"); v != "Kept name" {
			t.Errorf("name_en not kept: %q", v)
		}
		if v, _ := d.Find("#f-target").Attr("value"); v != "0" {
			t.Errorf("target not kept: %q", v)
		}
		if d.Find("#f-description_en").Text() != "kept description" {
			t.Error("description not kept")
		}
		if d.Find("#error-summary").Length() != 1 {
			t.Error("no error summary")
		}
	})

	t.Run("ErrValidationEn", func(t *testing.T) {
		en, _ := adminSignedIn(t, ta, "programmes-admin-en@example.jp")
		en.post("/", "/language", url.Values{"lang": {"en"}, "return_to": {"/admin/programmes"}})
		v := url.Values{"code": {"ok-code"}, "name_ja": {"名前"}, "name_en": {"Name"}, "target": {"lots"},
			"starts_on": {"2026-13-01"}, "ends_on": {"2030-12-31"}, "skill_areas": {"cybersecurity", "astrology"},
			"course_ids": {fx.cloudCourse}}
		r := en.post("/admin/programmes/new", "/admin/programmes/new", v)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		d := r.Doc(t)
		for field, want := range map[string]string{
			"target": "whole number", "starts_on": "year-month-day", "skill_areas": "does not exist",
		} {
			if got := d.Find("#f-" + field + "-error").Text(); !strings.Contains(got, want) {
				t.Errorf("%s error %q, want %q", field, got, want)
			}
		}
		if _, ok := d.Find("#f-skill-cybersecurity").Attr("checked"); !ok {
			t.Error("ticked skill area not kept")
		}
		if _, ok := d.Find(`#f-course_ids input[type=checkbox][value="` + fx.cloudCourse + `"]`).Attr("checked"); !ok {
			t.Error("chosen course not kept")
		}
		if !strings.Contains(d.Find(`#f-course_ids`).Text(), "Cloud basics") {
			t.Error("courses not listed by their English titles")
		}
		// Courses are checkboxes in one disclosure per provider (usable
		// with hundreds of courses, no script); a group with a chosen
		// course stays open and says how many are chosen.
		chosen := d.Find(`#f-course_ids details.course-group`).FilterFunction(func(_ int, g *goquery.Selection) bool {
			return g.Find(`input[value="`+fx.cloudCourse+`"]`).Length() == 1
		})
		if _, open := chosen.Attr("open"); !open || !strings.Contains(chosen.Find("summary").Text(), "1 chosen") {
			t.Errorf("the group of the chosen course is not open or does not count it: %q", chosen.Find("summary").Text())
		}
		if d.Find(`#f-course_ids select`).Length() != 0 {
			t.Error("the course list is still a multi-select")
		}
	})

	t.Run("CreateCountsExistingCredentials", func(t *testing.T) {
		r := admin.post("/admin/programmes/new", "/admin/programmes/new", programmeValues("ai-test", true, "ai_data", "generative_ai"))
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/programmes" {
			t.Fatalf("status %d to %q\n%.600s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		d := admin.follow(r).Doc(t)
		row := d.Find(`#programmes tr[data-code="ai-test"]`)
		if v, _ := row.Find("[data-learners]").Attr("data-learners"); v != "1" {
			t.Fatalf("new programme counts %q learners, want the 1 who already holds an AI credential", v)
		}
		if row.Find("[data-flagship]").Length() != 1 || !strings.Contains(row.Text(), "1,000") || !strings.Contains(row.Text(), "2026-01-01") {
			t.Fatalf("row: %q", row.Text())
		}
		if adminAuditCountBy(t, ta, "programme.create", adminID) != 1 {
			t.Fatal("creation not audited")
		}
	})

	t.Run("ErrCodeTaken", func(t *testing.T) {
		r := admin.post("/admin/programmes/new", "/admin/programmes/new", programmeValues("ai-test", false, "cloud"))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#f-code-error").Text(), "すでに使われて") {
			t.Fatalf("duplicate code: status %d", r.StatusCode)
		}
	})

	t.Run("FlagshipIsUnique", func(t *testing.T) {
		r := admin.post("/admin/programmes/new", "/admin/programmes/new", programmeValues("cloud-test", true, "cloud"))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%.600s", r.StatusCode, r.Body)
		}
		d := admin.follow(r).Doc(t)
		if n := d.Find("#programmes [data-flagship]").Length(); n != 1 {
			t.Fatalf("%d flagship badges, want 1", n)
		}
		if d.Find(`#programmes tr[data-code="cloud-test"] [data-flagship]`).Length() != 1 {
			t.Fatal("the new flagship is not marked")
		}
		var flagships []string
		ta.DB.Gorm.Raw(`SELECT code FROM programmes WHERE flagship`).Scan(&flagships)
		if len(flagships) != 1 || flagships[0] != "cloud-test" {
			t.Fatalf("flagships %v", flagships)
		}
		// Unticking the flagship is refused with the reason.
		id := programmeID(t, ta, "cloud-test")
		r = admin.post("/admin/programmes/"+id, "/admin/programmes/"+id, programmeValues("", false, "cloud"))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#f-flagship-error").Text(), "旗艦") {
			t.Fatalf("unticking the flagship: status %d", r.StatusCode)
		}
	})

	t.Run("EditRuleRecounts", func(t *testing.T) {
		id := programmeID(t, ta, "ai-test")
		d := admin.get("/admin/programmes/" + id).Doc(t)
		if _, ok := d.Find("#f-skill-ai_data").Attr("checked"); !ok {
			t.Fatal("edit form does not show the programme's skill areas")
		}
		if v, _ := d.Find("#f-target").Attr("value"); v != "1000" {
			t.Fatalf("edit form target %q", v)
		}
		// By course instead: the cloud course, which nobody completed.
		v := programmeValues("", false)
		v["course_ids"] = []string{fx.cloudCourse}
		r := admin.post("/admin/programmes/"+id, "/admin/programmes/"+id, v)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%.600s", r.StatusCode, r.Body)
		}
		row := admin.follow(r).Doc(t).Find(`#programmes tr[data-code="ai-test"]`)
		if v, _ := row.Find("[data-learners]").Attr("data-learners"); v != "0" {
			t.Fatalf("after the rule changed to the cloud course: %q learners, want 0", v)
		}
		// Back to the AI course: counted again.
		v["course_ids"] = []string{fx.aiCourse}
		admin.post("/admin/programmes/"+id, "/admin/programmes/"+id, v)
		if d := admin.get("/admin/programmes/" + id).Doc(t); !strings.HasPrefix(strings.TrimSpace(d.Find("#programme-learners").Text()), "1人") {
			t.Fatalf("after the rule changed to the AI course: %q", d.Find("#programme-learners").Text())
		}
		if adminAuditCountBy(t, ta, "programme.update", adminID) != 2 {
			t.Fatal("updates not audited")
		}
	})

	t.Run("ErrUnknownProgramme", func(t *testing.T) {
		for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
			if r := admin.get("/admin/programmes/" + id); r.StatusCode != http.StatusNotFound {
				t.Fatalf("%s: status %d", id, r.StatusCode)
			}
		}
	})

	t.Run("AdminOverviewLinks", func(t *testing.T) {
		if admin.get("/admin").Doc(t).Find(`a[href="/admin/programmes"]`).Length() != 1 {
			t.Fatal("no link to the programmes in the admin console")
		}
	})
}

func withCSRF(v url.Values, tok string) url.Values {
	v.Set("_csrf", tok)
	return v
}

// adminAuditCountBy counts audit events with action by actor.
func adminAuditCountBy(t *testing.T, ta *testApp, action, actorID string) int {
	t.Helper()
	var n int
	ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = ? AND actor_id = ?`, action, actorID).Row().Scan(&n)
	return n
}

// TestProgrammeBrowserJourney: a platform admin finds the programmes in the
// admin console, sends the new-programme form with mistakes (and sees
// what was typed kept), creates a flagship programme, then edits it in
// English; axe checks every page.
func TestProgrammeBrowserJourney(t *testing.T) {
	ta := startApp(t)
	newProgrammeFixture(t, ta)
	const email = "programme-journey@example.jp"
	_, secret := adminTOTPUser(t, ta, email, true)
	ctx := newChrome(t)

	chromeSignIn(t, ctx, ta, "/admin", email, secret, "#overview-counts")
	clickAndWaitNewPage(t, ctx, `a[href="/admin/programmes"]`)
	if h1 := text(t, ctx, "h1"); h1 != "プログラムと目標" {
		t.Fatalf("h1 %q", h1)
	}
	checkAxe(t, ctx, "/admin/programmes (empty)")

	clickAndWaitNewPage(t, ctx, "#programme-new-link")
	checkAxe(t, ctx, "/admin/programmes/new")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-code"), "ai-journey"),
		chromedp.SendKeys(chromedp.CSS("#f-name_ja"), "AI人材テスト"),
		chromedp.SendKeys(chromedp.CSS("#f-name_en"), "AI journey target"),
		chromedp.SendKeys(chromedp.CSS("#f-target"), "-5"),
		chromedp.SetValue(chromedp.CSS("#f-starts_on"), "2026-01-01"),
		chromedp.SetValue(chromedp.CSS("#f-ends_on"), "2030-12-31"),
	)
	clickAndWaitNewPage(t, ctx, `#programme-form button[type="submit"]`)
	if e := text(t, ctx, "#f-target-error"); !strings.Contains(e, "1以上の整数") {
		t.Fatalf("target error %q", e)
	}
	if e := text(t, ctx, "#f-rule-error"); e == "" {
		t.Fatal("no error for the missing rule")
	}
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#f-name_en"))); v != "AI journey target" {
		t.Fatalf("typed name not kept: %q", v)
	}
	checkAxe(t, ctx, "/admin/programmes/new with errors")

	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#f-target"), "1000000"),
		chromedp.Click(chromedp.CSS("#f-skill-ai_data")),
		chromedp.Click(chromedp.CSS("#f-skill-generative_ai")),
		chromedp.Click(chromedp.CSS("#f-flagship")),
	)
	clickAndWaitNewPage(t, ctx, `#programme-form button[type="submit"]`)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/admin/programmes") {
		t.Fatalf("after creating at %s", loc)
	}
	row := text(t, ctx, `#programmes tr[data-code="ai-journey"]`)
	for _, want := range []string{"AI人材テスト", "1,000,000", "旗艦", "1人"} {
		if !strings.Contains(row, want) {
			t.Fatalf("row %q lacks %q", row, want)
		}
	}
	checkAxe(t, ctx, "/admin/programmes")

	// In English: the edit form, a mistake, then a save.
	clickAndWaitNewPage(t, ctx, `.lang-switch button`)
	if h1 := text(t, ctx, "h1"); h1 != "Programmes and targets" {
		t.Fatalf("English h1 %q", h1)
	}
	checkAxe(t, ctx, "/admin/programmes (en)")
	clickAndWaitNewPage(t, ctx, `#programmes tr[data-code="ai-journey"] a`)
	checkAxe(t, ctx, "edit programme (en)")
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-ends_on"), "2025-12-31"))
	clickAndWaitNewPage(t, ctx, `#programme-form button[type="submit"]`)
	if e := text(t, ctx, "#f-ends_on-error"); !strings.Contains(e, "after the start date") {
		t.Fatalf("English date error %q", e)
	}
	checkAxe(t, ctx, "edit programme with an error (en)")
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-ends_on"), "2030-12-31"), chromedp.SetValue(chromedp.CSS("#f-target"), "2,000,000"))
	clickAndWaitNewPage(t, ctx, `#programme-form button[type="submit"]`)
	if row := text(t, ctx, `#programmes tr[data-code="ai-journey"]`); !strings.Contains(row, "2,000,000") || !strings.Contains(row, "Flagship") {
		t.Fatalf("row after saving %q", row)
	}
}
