package catalog_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"takumi/internal/catalog"
	"takumi/internal/storage"
)

// TestCatalogueRefData checks the catalogue's skill areas and providers kept
// in memory: this instance's own changes show at once, another instance's
// within RefDataTTL, a filter by a value not yet known is read again (never
// ignored), and a provider with only drafts or archived courses is not
// listed once the change is seen.
func TestCatalogueRefData(t *testing.T) {
	db, s1, a, provA := catalogueService(t)
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s2 := catalog.NewService(db.Gorm, files) // a second instance on the same database
	clock := time.Now()
	catalog.SetRefDataClock(s2, func() time.Time { return clock })
	ctx := context.Background()
	search := func(t *testing.T, s *catalog.Service, f catalog.Filter) *catalog.Results {
		t.Helper()
		res, err := s.Search(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	lists := func(res *catalog.Results, providerID string) bool {
		return slices.ContainsFunc(res.Providers, func(p catalog.CatalogueProvider) bool { return p.ID == providerID })
	}
	cataloguePublish(t, s1, a, provA, catalogueCourse{code: "ref-a", titleJa: "参照データ A"})
	if res := search(t, s2, catalog.Filter{}); !lists(res, provA) || len(res.SkillAreas) == 0 {
		t.Fatalf("second instance: providers %+v, %d skill areas", res.Providers, len(res.SkillAreas))
	}
	provB, instrB := catalogFixture(t, db, "ref-provider-b")
	bID := cataloguePublish(t, s1, catalog.Actor{UserID: instrB}, provB, catalogueCourse{code: "ref-b", titleJa: "参照データ B"})

	t.Run("OwnPublishShowsAtOnce", func(t *testing.T) {
		if res := search(t, s1, catalog.Filter{}); !lists(res, provB) {
			t.Fatalf("the publishing instance does not list the new provider: %+v", res.Providers)
		}
	})
	t.Run("OtherInstanceFilterByNewProvider", func(t *testing.T) {
		if res := search(t, s2, catalog.Filter{}); lists(res, provB) {
			t.Fatal("expected the second instance's copy to be stale within the TTL (is the cache in use?)")
		}
		res := search(t, s2, catalog.Filter{Provider: provB})
		if res.Total != 1 || len(res.Ignored) != 0 || !lists(res, provB) {
			t.Fatalf("filter by a provider the copy did not know: total %d, ignored %v", res.Total, res.Ignored)
		}
	})
	t.Run("OtherInstanceAfterTTL", func(t *testing.T) {
		db.Gorm.Exec(`UPDATE skill_areas SET name_ja = '改名した分野' WHERE code = 'ai_data'`)
		name := func(res *catalog.Results) string {
			for _, sa := range res.SkillAreas {
				if sa.Code == "ai_data" {
					return sa.Name.Ja
				}
			}
			return ""
		}
		if got := name(search(t, s2, catalog.Filter{})); got == "改名した分野" {
			t.Fatal("expected the old name within the TTL")
		}
		clock = clock.Add(catalog.RefDataTTL)
		if got := name(search(t, s2, catalog.Filter{})); got != "改名した分野" {
			t.Fatalf("skill area name after the TTL: %q", got)
		}
	})
	t.Run("ArchivedAndDraftsNotListed", func(t *testing.T) {
		if err := s1.Archive(ctx, catalog.Actor{UserID: instrB}, bID); err != nil {
			t.Fatal(err)
		}
		provC, instrC := catalogFixture(t, db, "ref-provider-c")
		if _, err := s1.CreateCourse(ctx, catalog.Actor{UserID: instrC}, catalog.NewCourse{ProviderID: provC, Code: "ref-c-draft",
			Content: catalogueContent(catalogueCourse{titleJa: "下書きだけ"})}); err != nil {
			t.Fatal(err)
		}
		res := search(t, s1, catalog.Filter{})
		if lists(res, provB) || lists(res, provC) {
			t.Fatalf("providers without published courses listed: %+v", res.Providers)
		}
		res = search(t, s1, catalog.Filter{Provider: provC})
		if !slices.Contains(res.Ignored, "provider") || slices.ContainsFunc(res.Items, func(l catalog.Listing) bool { return l.ProviderID == provC }) {
			t.Fatalf("filter by a provider with only a draft: ignored %v, items %+v", res.Ignored, res.Items)
		}
		clock = clock.Add(catalog.RefDataTTL)
		if res := search(t, s2, catalog.Filter{}); lists(res, provB) || lists(res, provC) {
			t.Fatalf("second instance after the TTL lists providers without published courses: %+v", res.Providers)
		}
	})
}
