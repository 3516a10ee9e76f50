package catalog_test

import (
	"context"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
)

// TestContentCache: a published revision is read from the database once
// and then served from memory; a draft is read every time (never kept); a
// new publication is seen at once by the course page; the bound drops
// what does not fit.
func TestContentCache(t *testing.T) {
	db, s, a, provider := catalogueService(t)
	ctx := context.Background()
	id := cataloguePublish(t, s, a, provider, catalogueCourse{code: "cache-101", titleJa: "キャッシュ入門", description: "初版の説明"})
	c := s.Contents()
	rev1 := catalog.RevisionKey{CourseID: id, Number: 1}

	t.Run("PublishedOnce", func(t *testing.T) {
		h0, m0 := c.Stats()
		first, err := c.Revision(ctx, db.Gorm, id, 1)
		if err != nil || first.DescriptionMd != "初版の説明" || len(first.Modules) != 1 {
			t.Fatalf("revision 1: %v %+v", err, first)
		}
		second, err := c.Revision(ctx, db.Gorm, id, 1)
		if err != nil || second != first {
			t.Fatalf("second read is not the kept content: %v", err)
		}
		if h, m := c.Stats(); h-h0 != 1 || m-m0 != 1 {
			t.Fatalf("hits %d misses %d, want 1 and 1", h-h0, m-m0)
		}
	})

	t.Run("DraftNeverKept", func(t *testing.T) {
		if _, err := s.EditDraft(ctx, a, id, 0, func(ct *catalog.Content) error { ct.DescriptionMd = "下書きの説明"; return nil }); err != nil {
			t.Fatal(err)
		}
		rev2 := catalog.RevisionKey{CourseID: id, Number: 2}
		_, m0 := c.Stats()
		for i := 0; i < 2; i++ {
			got, err := c.Revisions(ctx, db.Gorm, []catalog.RevisionKey{rev1, rev2})
			if err != nil || got[rev1].DescriptionMd != "初版の説明" || got[rev2].DescriptionMd != "下書きの説明" {
				t.Fatalf("revisions: %v %+v", err, got)
			}
		}
		if _, m := c.Stats(); m-m0 != 2 {
			t.Fatalf("the draft was read %d times from the database, want 2 (never kept)", m-m0)
		}
		// The course page still shows the published revision.
		cp, err := s.PublishedCourse(ctx, provider, "cache-101")
		if err != nil || cp.DescriptionMd != "初版の説明" || cp.Revision != 1 {
			t.Fatalf("course page before publishing: %v %+v", err, cp)
		}
	})

	t.Run("NewPublicationSeenAtOnce", func(t *testing.T) {
		if _, err := s.Publish(ctx, a, id); err != nil {
			t.Fatal(err)
		}
		cp, err := s.PublishedCourse(ctx, provider, "cache-101")
		if err != nil || cp.DescriptionMd != "下書きの説明" || cp.Revision != 2 {
			t.Fatalf("course page after publishing revision 2: %v %+v", err, cp)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		for _, k := range []catalog.RevisionKey{{CourseID: id, Number: 9}, {CourseID: "00000000-0000-0000-0000-000000000000", Number: 1}, {CourseID: "not-a-uuid", Number: 1}} {
			if _, err := c.Revision(ctx, db.Gorm, k.CourseID, k.Number); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("%+v: %v", k, err)
			}
		}
	})

	t.Run("Bounded", func(t *testing.T) {
		small := catalog.NewContentCache(10) // smaller than any revision's JSON
		for i := 0; i < 2; i++ {
			if _, err := small.Revision(ctx, db.Gorm, id, 1); err != nil {
				t.Fatal(err)
			}
		}
		if h, m := small.Stats(); h != 0 || m != 2 {
			t.Fatalf("a revision larger than the bound was kept: hits %d misses %d", h, m)
		}
		var nilCache *catalog.ContentCache // no cache: reads every time
		if got, err := nilCache.Revision(ctx, db.Gorm, id, 2); err != nil || got.DescriptionMd != "下書きの説明" {
			t.Fatalf("nil cache: %v", err)
		}
	})
}
