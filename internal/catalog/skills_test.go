package catalog_test

import (
	"context"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

func TestSkillsTaxonomy(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := catalog.NewService(db.Gorm, files)
	var adminID string
	if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at, is_platform_admin)
		VALUES ('skills-admin@example.jp', 'x', '管理者', '2026-11', now(), true) RETURNING id`).Row().Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	_, instructor := catalogFixture(t, db, "skills-provider")
	admin := catalog.Actor{UserID: adminID, IP: "192.0.2.1"}
	valid := catalog.SkillAreaInput{NameJa: "量子コンピューティング", NameEn: "Quantum computing", DSSAlignment: []string{"software_engineer", "dss_l"}, SortOrder: "95"}

	t.Run("SeededTaxonomy", func(t *testing.T) {
		areas, err := s.SkillAreas(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(areas) != 9 || areas[0].Code != "ai_data" || areas[8].Code != "digital_literacy" {
			t.Fatalf("seeded areas: %+v", areas)
		}
		if got := areas[8].DSSAlignment; len(got) != 1 || got[0] != "dss_l" {
			t.Fatalf("digital literacy DSS: %v", got)
		}
	})
	t.Run("ErrLearnerForbidden", func(t *testing.T) {
		err := s.UpdateSkillArea(ctx, catalog.Actor{UserID: instructor}, "cloud", valid)
		if !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("instructor edited the taxonomy: %v", err)
		}
		if err := s.CreateSkillArea(ctx, catalog.Actor{UserID: instructor}, "quantum", valid); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("instructor added a skill area: %v", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		bad := catalog.SkillAreaInput{NameJa: " ", NameEn: "Cloud", DSSAlignment: []string{"wizard"}, SortOrder: "first"}
		err := s.UpdateSkillArea(ctx, admin, "cloud", bad)
		e, ok := apperr.As(err)
		if !ok || e.Fields["name_ja"] == "" || e.Fields["dss"] == "" || e.Fields["sort_order"] == "" || e.Fields["name_en"] != "" {
			t.Fatalf("invalid update: %v", err)
		}
		a, _ := s.SkillArea(ctx, "cloud")
		if a.Name.Ja != "クラウド・インフラ" {
			t.Fatalf("invalid update saved: %q", a.Name.Ja)
		}
	})
	t.Run("ErrUnknownCode", func(t *testing.T) {
		if err := s.UpdateSkillArea(ctx, admin, "nothing_here", valid); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("update of unknown area: %v", err)
		}
	})
	t.Run("Update", func(t *testing.T) {
		in := catalog.SkillAreaInput{NameJa: "クラウド基盤", NameEn: "Cloud platforms", DescriptionJa: "説明", DescriptionEn: "About",
			DSSAlignment: []string{"software_engineer", "cyber_security"}, SortOrder: "35"}
		if err := s.UpdateSkillArea(ctx, admin, "cloud", in); err != nil {
			t.Fatal(err)
		}
		a, err := s.SkillArea(ctx, "cloud")
		if err != nil {
			t.Fatal(err)
		}
		if a.Name.Ja != "クラウド基盤" || a.SortOrder != 35 || len(a.DSSAlignment) != 2 || a.DSSAlignment[1] != "cyber_security" {
			t.Fatalf("after update: %+v", a)
		}
		var n int
		db.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'catalog.skill_area_updated' AND target_id = 'cloud' AND actor_id = ?`, adminID).Row().Scan(&n)
		if n != 1 {
			t.Fatalf("%d audit rows", n)
		}
	})
	t.Run("Create", func(t *testing.T) {
		if err := s.CreateSkillArea(ctx, admin, "quantum", valid); err != nil {
			t.Fatal(err)
		}
		a, err := s.SkillArea(ctx, "quantum")
		if err != nil || a.DSSAlignment[0] != "dss_l" {
			t.Fatalf("created: %+v %v", a, err)
		}
	})
	t.Run("ErrCodeTakenOrMalformed", func(t *testing.T) {
		for code, key := range map[string]string{"quantum": "catalogue.skills_err_code_taken", "Quantum!": "catalogue.skills_err_code_format",
			"": "catalogue.skills_err_code_required", "9lives": "catalogue.skills_err_code_format"} {
			err := s.CreateSkillArea(ctx, admin, code, valid)
			if e, ok := apperr.As(err); !ok || e.Fields["code"] != key {
				t.Fatalf("code %q: %v", code, err)
			}
		}
	})
}
