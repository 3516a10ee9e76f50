package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"takumi/internal/fixtures"
)

func TestSkillsAdmin(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	admin, adminID := adminSignedIn(t, ta, "skills-admin@example.jp")

	t.Run("LearnerForbidden", func(t *testing.T) {
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "skills-learner@example.jp"})
		learner := ta.signedIn(t, "skills-learner@example.jp", "")
		tok := learner.csrf("/")
		for _, r := range []*response{
			learner.get("/admin/skills"),
			learner.get("/admin/skills/cloud"),
			learner.postRaw("/admin/skills/cloud", url.Values{"_csrf": {tok}, "name_ja": {"乗っ取り"}, "name_en": {"x"}, "sort_order": {"1"}}),
			learner.postRaw("/admin/skills", url.Values{"_csrf": {tok}, "code": {"evil"}, "name_ja": {"x"}, "name_en": {"x"}, "sort_order": {"1"}}),
		} {
			if r.StatusCode != http.StatusForbidden {
				t.Fatalf("learner got %d on %s, want 403", r.StatusCode, r.Request.URL.Path)
			}
		}
	})
	t.Run("List", func(t *testing.T) {
		d := admin.get("/admin/skills").Doc(t)
		if n := d.Find("#skill-areas tbody tr").Length(); n != 9 {
			t.Fatalf("%d skill areas listed", n)
		}
		if !strings.Contains(d.Find("#skill-areas").Text(), "DXリテラシー標準（すべての働く人）") {
			t.Fatal("DSS alignment not shown by name")
		}
		if !strings.Contains(d.Text(), "削除できません") {
			t.Fatal("the page does not say that codes cannot be deleted")
		}
	})
	t.Run("ErrEditKeepsValues", func(t *testing.T) {
		r := admin.post("/admin/skills/cloud", "/admin/skills/cloud", url.Values{
			"name_ja": {""}, "name_en": {"Cloud platforms"}, "description_ja": {"新しい説明"},
			"dss": {"software_engineer", "cyber_security"}, "sort_order": {"thirty"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		d := r.Doc(t)
		if v, _ := d.Find("#f-name_en").Attr("value"); v != "Cloud platforms" {
			t.Fatalf("name_en not kept: %q", v)
		}
		if d.Find("#f-description_ja").Text() != "新しい説明" {
			t.Fatal("description not kept")
		}
		if _, ok := d.Find("#f-dss-cyber_security").Attr("checked"); !ok {
			t.Fatal("ticked DSS box not kept")
		}
		if _, ok := d.Find("#f-dss-dss_l").Attr("checked"); ok {
			t.Fatal("unticked DSS box came back ticked")
		}
		if v, _ := d.Find("#f-sort_order").Attr("value"); v != "thirty" {
			t.Fatalf("sort order not kept: %q", v)
		}
		if d.Find("#f-name_ja-error").Text() == "" || d.Find("#f-sort_order-error").Text() == "" {
			t.Fatal("errors not shown next to their fields")
		}
	})
	t.Run("Edit", func(t *testing.T) {
		r := admin.post("/admin/skills/cloud", "/admin/skills/cloud", url.Values{
			"name_ja": {"クラウド基盤"}, "name_en": {"Cloud platforms"}, "dss": {"software_engineer", "cyber_security"}, "sort_order": {"35"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%.500s", r.StatusCode, r.Body)
		}
		if !strings.Contains(admin.follow(r).Doc(t).Find("#skill-areas").Text(), "クラウド基盤") {
			t.Fatal("new name not listed")
		}
		var n int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'catalog.skill_area_updated' AND target_id = 'cloud' AND actor_id = ?`, adminID).Row().Scan(&n)
		if n != 1 {
			t.Fatalf("%d audit rows, want 1", n)
		}
	})
	t.Run("Create", func(t *testing.T) {
		r := admin.post("/admin/skills", "/admin/skills", url.Values{"code": {"quantum"}, "name_ja": {"量子技術"}, "name_en": {"Quantum technology"},
			"dss": {"software_engineer"}, "sort_order": {"100"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%.500s", r.StatusCode, r.Body)
		}
		r = admin.post("/admin/skills", "/admin/skills", url.Values{"code": {"quantum"}, "name_ja": {"重複"}, "name_en": {"Duplicate"}, "sort_order": {"1"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#f-code-error").Text(), "すでに使われています") {
			t.Fatalf("duplicate code: status %d", r.StatusCode)
		}
		if v, _ := r.Doc(t).Find("#f-name_en").Attr("value"); v != "Duplicate" {
			t.Fatal("typed values lost")
		}
	})
	t.Run("ErrUnknownCode", func(t *testing.T) {
		if r := admin.get("/admin/skills/no_such_area"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d", r.StatusCode)
		}
	})
}

func TestCatalogueOrgCode(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	admin, _ := adminSignedIn(t, ta, "orgcode-admin@example.jp")
	t.Run("CreateWithCode", func(t *testing.T) {
		r := admin.post("/admin/orgs/new", "/admin/orgs/new", url.Values{"name_ja": {"コード研修所"}, "kind": {"provider"}, "code": {"code-institute"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%.600s", r.StatusCode, r.Body)
		}
		if !strings.Contains(admin.follow(r).Doc(t).Find("#org-code-current").Text(), "code-institute") {
			t.Fatal("code not shown on the organisation page")
		}
	})
	t.Run("ErrCreateCodeTaken", func(t *testing.T) {
		r := admin.post("/admin/orgs/new", "/admin/orgs/new", url.Values{"name_ja": {"別の研修所"}, "kind": {"provider"}, "code": {"code-institute"}})
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#f-code-error").Text() == "" {
			t.Fatalf("taken code: status %d", r.StatusCode)
		}
	})
	id := adminCreateOrg(t, admin, "後でコード研修所", "provider")
	t.Run("ErrSetBadCode", func(t *testing.T) {
		r := admin.post("/admin/orgs/"+id, "/admin/orgs/"+id+"/code", url.Values{"code": {"Bad Code!"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", r.StatusCode)
		}
		d := r.Doc(t)
		if v, _ := d.Find("#org-code-form #f-code").Attr("value"); v != "bad code!" && v != "Bad Code!" {
			t.Fatalf("typed code not kept: %q", v)
		}
		if d.Find("#f-code-error").Text() == "" {
			t.Fatal("no error next to the code")
		}
	})
	t.Run("SetCode", func(t *testing.T) {
		r := admin.post("/admin/orgs/"+id, "/admin/orgs/"+id+"/code", url.Values{"code": {"later-institute"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%.500s", r.StatusCode, r.Body)
		}
		if adminAuditCount(t, ta, "org.code_set", id) != 1 {
			t.Fatal("code change not audited")
		}
	})
}
