package catalog_test

import (
	"context"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// catalogFixture makes a provider with an instructor and returns their ids.
func catalogFixture(t *testing.T, db *database.DB, name string) (providerID, userID string) {
	t.Helper()
	if err := db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES (?, 'provider') RETURNING id`, name).Row().Scan(&providerID); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
		VALUES (?, 'x', '講師', '2026-11', now()) RETURNING id`, name+"@example.jp").Row().Scan(&userID); err != nil {
		t.Fatal(err)
	}
	db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'instructor')`, providerID, userID)
	return providerID, userID
}

func validDetails() catalog.Content {
	return catalog.Content{TitleJa: "機械学習入門", SummaryJa: "製造現場のデータで学ぶ", SkillArea: "ai_data",
		Level: catalog.LevelIntroductory, EstimatedHours: 6, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced}
}

func TestCatalogLifecycle(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := catalog.NewService(db.Gorm, files)
	provA, instA := catalogFixture(t, db, "provider-a")
	_, instB := catalogFixture(t, db, "provider-b")
	a := catalog.Actor{UserID: instA}

	c, err := s.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: provA, Code: "ml-101", Content: validDetails()})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ErrCodeTaken", func(t *testing.T) {
		_, err := s.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: provA, Code: "ml-101", Content: validDetails()})
		if e, ok := apperr.As(err); !ok || e.Fields["code"] != "catalog.err_code_taken" {
			t.Fatalf("duplicate code: %v", err)
		}
	})
	t.Run("ErrOtherProvider", func(t *testing.T) {
		if _, _, err := s.Draft(ctx, catalog.Actor{UserID: instB}, c.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("instructor of B opened A's draft: %v", err)
		}
		_, err := s.EditDraft(ctx, catalog.Actor{UserID: instB}, c.ID, 0, func(ct *catalog.Content) error { ct.TitleJa = "乗っ取り"; return nil })
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("instructor of B edited A's draft: %v", err)
		}
	})
	t.Run("ErrPublishEmpty", func(t *testing.T) {
		if _, err := s.Publish(ctx, a, c.ID); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("published a course without lessons: %v", err)
		}
	})
	quiz := &catalog.Quiz{PassPercent: 60, Questions: []catalog.Question{{ID: catalog.NewID(), Kind: catalog.QuestionSingle, PromptMd: "1+1?",
		Options: []catalog.Option{{ID: catalog.NewID(), Text: "2"}, {ID: catalog.NewID(), Text: "3"}}}}}
	lessonID := catalog.NewID()
	rev, err := s.EditDraft(ctx, a, c.ID, 1, func(ct *catalog.Content) error {
		ct.Modules = append(ct.Modules, catalog.Module{ID: catalog.NewID(), TitleJa: "基礎", Lessons: []catalog.Lesson{
			{ID: lessonID, Kind: catalog.LessonReading, TitleJa: "はじめに", Required: true, MinMinutes: 5, BodyMd: "本文"},
			{ID: catalog.NewID(), Kind: catalog.LessonQuiz, TitleJa: "確認テスト", Required: true, MustPass: true, Quiz: quiz},
		}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ErrStaleSave", func(t *testing.T) {
		_, err := s.EditDraft(ctx, a, c.ID, 1, func(ct *catalog.Content) error { return nil })
		if e, ok := apperr.As(err); !ok || e.Key != "catalog.err_stale" {
			t.Fatalf("save over a newer version: %v", err)
		}
	})
	t.Run("ErrQuizWithoutCorrectAnswer", func(t *testing.T) {
		if _, err := s.Publish(ctx, a, c.ID); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("published a quiz with no correct answer: %v", err)
		}
	})
	if _, err := s.EditDraft(ctx, a, c.ID, rev.LockVersion, func(ct *catalog.Content) error {
		ct.Modules[0].Lessons[1].Quiz.Questions[0].Options[0].Correct = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	t.Run("PublishAndRevise", func(t *testing.T) {
		pub, err := s.Publish(ctx, a, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pub.Number != 1 {
			t.Fatalf("first publication is revision %d", pub.Number)
		}
		var status, title string
		db.Gorm.Raw("SELECT status, title_ja FROM courses WHERE id = ?", c.ID).Row().Scan(&status, &title)
		if status != "published" || title != "機械学習入門" {
			t.Fatalf("course row after publishing: %s %s", status, title)
		}
		_, draft, err := s.Draft(ctx, a, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if draft.Number != 2 || draft.Content.Modules[0].Lessons[0].ID != lessonID {
			t.Fatalf("new draft %d does not keep lesson ids", draft.Number)
		}
		if _, err := s.EditDraft(ctx, a, c.ID, draft.LockVersion, func(ct *catalog.Content) error { ct.TitleJa = "機械学習入門 第2版"; return nil }); err != nil {
			t.Fatal(err)
		}
		db.Gorm.Raw("SELECT title_ja FROM courses WHERE id = ?", c.ID).Row().Scan(&title)
		if title != "機械学習入門" {
			t.Fatalf("an unpublished draft changed the catalogue: %q", title)
		}
		pub, err = s.Publish(ctx, a, c.ID)
		if err != nil || pub.Number != 2 {
			t.Fatalf("second publication: %v %v", pub, err)
		}
		var audits int64
		db.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'course.published' AND target_id = ?", c.ID).Row().Scan(&audits)
		if audits != 2 {
			t.Fatalf("%d publish audit rows", audits)
		}
	})
	t.Run("Archive", func(t *testing.T) {
		if err := s.Archive(ctx, a, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PublishedRevision(ctx, c.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatal("archived course still has a public revision")
		}
	})
}
