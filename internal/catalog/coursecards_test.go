package catalog_test

import (
	"context"
	"testing"
	"time"

	"takumi/internal/catalog"
	"takumi/internal/dbtest"
)

// TestCourseCards runs two catalog services on one database, as two
// instances, and checks the course cards a learner's list shows: kept in
// memory between changes, a change of a course or its provider (by the
// catalog, or any other writer) seen on the other instance within a
// notification's delay, an archived course still carded, and everything
// read from the database while the listener is down or never started.
func TestCourseCards(t *testing.T) {
	db := dbtest.New(t)
	provider, instructor := catalogFixture(t, db, "カード提供者")
	a, b := listeningService(t, db), listeningService(t, db)
	actor := catalog.Actor{UserID: instructor}
	ctx := context.Background()
	id := cataloguePublish(t, a, actor, provider, catalogueCourse{code: "card-one", titleJa: "カード講座", titleEn: "Card course", hours: 6})
	card := func(s *catalog.Service) *catalog.CourseCard {
		t.Helper()
		cards, err := s.CourseCards(ctx, []string{id, "00000000-0000-0000-0000-000000000000"})
		if err != nil {
			t.Fatal(err)
		}
		if len(cards) != 1 {
			t.Fatalf("got %d cards for one course and an unknown id, want 1", len(cards))
		}
		return cards[id]
	}
	titled := func(s *catalog.Service, ja string) func() bool {
		return func() bool { return card(s).TitleJa == ja }
	}
	dbtest.Eventually(t, 5*time.Second, "B has the course's card", titled(b, "カード講座"))
	if c := card(b); c.TitleEn != "Card course" || c.EstimatedHours != 6 || c.ProviderNameJa != "カード提供者" ||
		c.ProviderID != provider || c.PublishedRevision == nil || *c.PublishedRevision != 1 || c.Code != "card-one" {
		t.Fatalf("card = %+v", *c)
	}

	t.Run("ServedFromMemory", func(t *testing.T) {
		time.Sleep(300 * time.Millisecond) // the publication's notifications arrive
		card(b)
		dbtest.ExecUnnotified(t, db, `UPDATE courses SET title_ja = '通知なしの変更' WHERE id = ?`, id)
		time.Sleep(100 * time.Millisecond)
		if got := card(b).TitleJa; got != "カード講座" {
			t.Fatalf("B's card shows %q: read the database, not its memory", got)
		}
	})
	t.Run("NeverListening", func(t *testing.T) {
		// A service whose listener never started keeps nothing.
		s := catalog.NewService(db.Gorm, nil)
		if got := card(s).TitleJa; got != "通知なしの変更" {
			t.Fatalf("a service without its listener shows %q", got)
		}
	})
	t.Run("CourseAndProviderRenamed", func(t *testing.T) {
		// Other packages' writes (org's rename), as plain SQL.
		if err := db.Gorm.Exec(`UPDATE courses SET title_ja = 'カード講座 改' WHERE id = ?`, id).Error; err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, 5*time.Second, "B shows the new title", titled(b, "カード講座 改"))
		if err := db.Gorm.Exec(`UPDATE organisations SET name_ja = '新しい提供者名', name_en = 'Renamed provider' WHERE id = ?`, provider).Error; err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, 5*time.Second, "B shows the provider's new name", func() bool {
			c := card(b)
			return c.ProviderNameJa == "新しい提供者名" && c.ProviderNameEn == "Renamed provider"
		})
	})
	t.Run("Archived", func(t *testing.T) {
		if err := a.Archive(ctx, actor, id); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if c := card(b); c == nil || c.TitleJa != "カード講座 改" {
			t.Fatalf("an archived course's card = %+v, want it kept (its learners still list it)", c)
		}
	})
	t.Run("ListenerDown", func(t *testing.T) {
		card(b)
		endListeners(t, db, 2, b)
		dbtest.ExecUnnotified(t, db, `UPDATE courses SET title_ja = '断線中の変更' WHERE id = ?`, id)
		if got := card(b).TitleJa; got != "断線中の変更" {
			t.Fatalf("B's card shows %q after the listener's connection ended", got)
		}
	})
}
