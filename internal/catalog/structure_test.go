package catalog_test

import (
	"context"
	"strings"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// structureEnv is a catalog service with one course of provider A, an
// instructor of A and an instructor of another provider.
type structureEnv struct {
	s        *catalog.Service
	a, other catalog.Actor
	courseID string
}

func structureSetup(t *testing.T) structureEnv {
	t.Helper()
	db := dbtest.New(t)
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := catalog.NewService(db.Gorm, files)
	provA, instA := catalogFixture(t, db, "structure-a")
	_, instB := catalogFixture(t, db, "structure-b")
	a := catalog.Actor{UserID: instA}
	c, err := s.CreateCourse(context.Background(), a, catalog.NewCourse{ProviderID: provA, Code: "st-101", Content: validDetails()})
	if err != nil {
		t.Fatal(err)
	}
	return structureEnv{s: s, a: a, other: catalog.Actor{UserID: instB}, courseID: c.ID}
}

// structureDraft returns the course's newest revision.
func (e structureEnv) draft(t *testing.T) *catalog.Revision {
	t.Helper()
	_, rev, err := e.s.LatestRevision(context.Background(), e.a, e.courseID)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func structureModuleTitles(rev *catalog.Revision) string {
	var ts []string
	for _, m := range rev.Content.Modules {
		ts = append(ts, m.TitleJa)
	}
	return strings.Join(ts, ",")
}

func structureLessonTitles(m catalog.Module) string {
	var ts []string
	for _, l := range m.Lessons {
		ts = append(ts, l.TitleJa)
	}
	return strings.Join(ts, ",")
}

func structureFieldErr(t *testing.T, err error, field, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid || e.Fields[field] != key {
		t.Fatalf("want %s=%s, got %v", field, key, err)
	}
}

func TestStructureModules(t *testing.T) {
	e := structureSetup(t)
	ctx := context.Background()
	ids := map[string]string{}
	for _, title := range []string{"一", "二", "三"} {
		_, id, err := e.s.AddModule(ctx, e.a, e.courseID, e.draft(t).LockVersion, catalog.ModuleTitles{TitleJa: " " + title + " "})
		if err != nil {
			t.Fatal(err)
		}
		ids[title] = id
	}
	if got := structureModuleTitles(e.draft(t)); got != "一,二,三" {
		t.Fatalf("modules after adding: %s", got)
	}
	t.Run("ErrTitleRequired", func(t *testing.T) {
		_, _, err := e.s.AddModule(ctx, e.a, e.courseID, 0, catalog.ModuleTitles{TitleJa: "  ", TitleEn: "Only English"})
		structureFieldErr(t, err, "title_ja", "catalog.err_title_required")
		_, _, err = e.s.AddModule(ctx, e.a, e.courseID, 0, catalog.ModuleTitles{TitleJa: "x", TitleEn: strings.Repeat("a", 201)})
		structureFieldErr(t, err, "title_en", "catalog.err_too_long")
	})
	t.Run("MoveAtEdges", func(t *testing.T) {
		if _, err := e.s.MoveModule(ctx, e.a, e.courseID, e.draft(t).LockVersion, ids["一"], catalog.MoveUp); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.MoveModule(ctx, e.a, e.courseID, e.draft(t).LockVersion, ids["三"], catalog.MoveDown); err != nil {
			t.Fatal(err)
		}
		if got := structureModuleTitles(e.draft(t)); got != "一,二,三" {
			t.Fatalf("moving past the ends changed the order: %s", got)
		}
	})
	t.Run("Move", func(t *testing.T) {
		if _, err := e.s.MoveModule(ctx, e.a, e.courseID, e.draft(t).LockVersion, ids["三"], catalog.MoveUp); err != nil {
			t.Fatal(err)
		}
		if got := structureModuleTitles(e.draft(t)); got != "一,三,二" {
			t.Fatalf("after moving 三 up: %s", got)
		}
		if _, err := e.s.MoveModule(ctx, e.a, e.courseID, e.draft(t).LockVersion, ids["一"], catalog.MoveDown); err != nil {
			t.Fatal(err)
		}
		if got := structureModuleTitles(e.draft(t)); got != "三,一,二" {
			t.Fatalf("after moving 一 down: %s", got)
		}
		if _, err := e.s.MoveModule(ctx, e.a, e.courseID, 0, ids["一"], "sideways"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("unknown direction: %v", err)
		}
	})
	t.Run("Rename", func(t *testing.T) {
		if _, err := e.s.UpdateModule(ctx, e.a, e.courseID, e.draft(t).LockVersion, ids["二"], catalog.ModuleTitles{TitleJa: "第二章", TitleEn: "Chapter 2"}); err != nil {
			t.Fatal(err)
		}
		_, m := e.draft(t).Content.FindModule(ids["二"])
		if m.TitleJa != "第二章" || m.TitleEn != "Chapter 2" {
			t.Fatalf("renamed module: %+v", m)
		}
		_, err := e.s.UpdateModule(ctx, e.a, e.courseID, 0, catalog.NewID(), catalog.ModuleTitles{TitleJa: "x"})
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("renaming an unknown module: %v", err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if _, _, err := e.s.AddLesson(ctx, e.a, e.courseID, 0, ids["三"], catalog.NewLesson{Kind: catalog.LessonReading, TitleJa: "読み物"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.DeleteModule(ctx, e.a, e.courseID, e.draft(t).LockVersion, ids["三"]); err != nil {
			t.Fatal(err)
		}
		rev := e.draft(t)
		if got := structureModuleTitles(rev); got != "一,第二章" || rev.Content.LessonCount() != 0 {
			t.Fatalf("after deleting 三 (with its lesson): %s, %d lessons", got, rev.Content.LessonCount())
		}
	})
}

func TestStructureLessons(t *testing.T) {
	e := structureSetup(t)
	ctx := context.Background()
	_, m1, err := e.s.AddModule(ctx, e.a, e.courseID, 0, catalog.ModuleTitles{TitleJa: "基礎"})
	if err != nil {
		t.Fatal(err)
	}
	_, m2, err := e.s.AddModule(ctx, e.a, e.courseID, 0, catalog.ModuleTitles{TitleJa: "応用"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, k := range catalog.LessonKinds {
		_, id, err := e.s.AddLesson(ctx, e.a, e.courseID, e.draft(t).LockVersion, m1, catalog.NewLesson{Kind: k, TitleJa: k})
		if err != nil {
			t.Fatal(err)
		}
		ids[k] = id
	}
	lesson := func(id string) *catalog.Lesson {
		_, _, l := e.draft(t).Content.FindLesson(id)
		if l == nil {
			t.Fatalf("lesson %s missing", id)
		}
		return l
	}
	module := func(id string) catalog.Module {
		_, m := e.draft(t).Content.FindModule(id)
		return *m
	}
	t.Run("Defaults", func(t *testing.T) {
		q := lesson(ids[catalog.LessonQuiz])
		if !q.Required || !q.MustPass || q.Quiz == nil || q.Quiz.PassPercent != 70 || len(q.Quiz.Questions) != 0 {
			t.Fatalf("new quiz: %+v %+v", q, q.Quiz)
		}
		if r := lesson(ids[catalog.LessonReading]); !r.Required || r.Quiz != nil {
			t.Fatalf("new reading: %+v", r)
		}
	})
	t.Run("ErrKind", func(t *testing.T) {
		_, _, err := e.s.AddLesson(ctx, e.a, e.courseID, 0, m1, catalog.NewLesson{Kind: "podcast", TitleJa: "x"})
		structureFieldErr(t, err, "kind", "studio.err_lesson_kind")
		_, _, err = e.s.AddLesson(ctx, e.a, e.courseID, 0, catalog.NewID(), catalog.NewLesson{Kind: catalog.LessonReading, TitleJa: "x"})
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("adding to an unknown module: %v", err)
		}
	})
	t.Run("MoveWithinModule", func(t *testing.T) {
		if _, err := e.s.MoveLesson(ctx, e.a, e.courseID, 0, ids[catalog.LessonReading], catalog.MoveUp); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.MoveLesson(ctx, e.a, e.courseID, 0, ids[catalog.LessonQuiz], catalog.MoveDown); err != nil {
			t.Fatal(err)
		}
		if got := structureLessonTitles(module(m1)); got != "reading,video,resource,quiz" {
			t.Fatalf("moving past the ends changed the order: %s", got)
		}
		if _, err := e.s.MoveLesson(ctx, e.a, e.courseID, 0, ids[catalog.LessonQuiz], catalog.MoveUp); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.MoveLesson(ctx, e.a, e.courseID, 0, ids[catalog.LessonReading], catalog.MoveDown); err != nil {
			t.Fatal(err)
		}
		if got := structureLessonTitles(module(m1)); got != "video,reading,quiz,resource" {
			t.Fatalf("after moves: %s", got)
		}
	})
	t.Run("MoveToModule", func(t *testing.T) {
		if _, err := e.s.MoveLessonToModule(ctx, e.a, e.courseID, 0, ids[catalog.LessonVideo], m2); err != nil {
			t.Fatal(err)
		}
		if got := structureLessonTitles(module(m1)) + "|" + structureLessonTitles(module(m2)); got != "reading,quiz,resource|video" {
			t.Fatalf("after moving video to 応用: %s", got)
		}
		if _, err := e.s.MoveLessonToModule(ctx, e.a, e.courseID, 0, ids[catalog.LessonVideo], m2); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.MoveLessonToModule(ctx, e.a, e.courseID, 0, ids[catalog.LessonVideo], catalog.NewID()); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("moving to an unknown module: %v", err)
		}
		if got := structureLessonTitles(module(m2)); got != "video" {
			t.Fatalf("moving into the same module changed it: %s", got)
		}
	})
	t.Run("Update", func(t *testing.T) {
		id := ids[catalog.LessonReading]
		_, err := e.s.UpdateLesson(ctx, e.a, e.courseID, 0, id, catalog.LessonEdit{TitleJa: "", MinMinutes: 601})
		structureFieldErr(t, err, "title_ja", "catalog.err_title_required")
		structureFieldErr(t, err, "min_minutes", "studio.err_min_minutes")
		_, err = e.s.UpdateLesson(ctx, e.a, e.courseID, 0, id, catalog.LessonEdit{TitleJa: "x", MinMinutes: -1})
		structureFieldErr(t, err, "min_minutes", "studio.err_min_minutes")
		if _, err := e.s.UpdateLesson(ctx, e.a, e.courseID, 0, id, catalog.LessonEdit{TitleJa: " はじめに ", TitleEn: "Intro",
			Required: false, MinMinutes: 10, MustPass: true, BodyMd: "# 見出し\n本文"}); err != nil {
			t.Fatal(err)
		}
		l := lesson(id)
		if l.TitleJa != "はじめに" || l.TitleEn != "Intro" || l.Required || l.MinMinutes != 10 || l.MustPass || l.BodyMd != "# 見出し\n本文" {
			t.Fatalf("saved reading: %+v", l)
		}
		q := ids[catalog.LessonQuiz]
		if _, err := e.s.UpdateLesson(ctx, e.a, e.courseID, 0, q, catalog.LessonEdit{TitleJa: "確認", Required: true, MinMinutes: 30, MustPass: false, BodyMd: "ignored"}); err != nil {
			t.Fatal(err)
		}
		if l := lesson(q); l.MinMinutes != 0 || l.MustPass || l.BodyMd != "" || l.Quiz == nil {
			t.Fatalf("saved quiz keeps only its own rule: %+v", l)
		}
		if _, err := e.s.UpdateLesson(ctx, e.a, e.courseID, 0, catalog.NewID(), catalog.LessonEdit{TitleJa: "x"}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("updating an unknown lesson: %v", err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if _, err := e.s.DeleteLesson(ctx, e.a, e.courseID, 0, ids[catalog.LessonResource]); err != nil {
			t.Fatal(err)
		}
		if got := structureLessonTitles(module(m1)); got != "はじめに,確認" {
			t.Fatalf("after deleting: %s", got)
		}
		if _, err := e.s.DeleteLesson(ctx, e.a, e.courseID, 0, ids[catalog.LessonResource]); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
	})
}

func TestStructureDetails(t *testing.T) {
	e := structureSetup(t)
	ctx := context.Background()
	d := catalog.DetailsOf(&e.draft(t).Content)
	t.Run("ErrInvalid", func(t *testing.T) {
		bad := d
		bad.TitleJa, bad.SkillArea, bad.EstimatedHours = "", "astrology", 0
		_, err := e.s.UpdateDetails(ctx, e.a, e.courseID, 0, bad)
		structureFieldErr(t, err, "title_ja", "catalog.err_title_required")
		structureFieldErr(t, err, "skill_area", "catalog.err_skill_area")
		structureFieldErr(t, err, "estimated_hours", "catalog.err_hours")
		if e.draft(t).Content.TitleJa != "機械学習入門" {
			t.Fatal("an invalid details form changed the draft")
		}
	})
	t.Run("OK", func(t *testing.T) {
		_, m, err := e.s.AddModule(ctx, e.a, e.courseID, 0, catalog.ModuleTitles{TitleJa: "残る章"})
		if err != nil {
			t.Fatal(err)
		}
		d.TitleJa, d.TitleEn, d.Level, d.EstimatedHours = "機械学習 実践", "Applied ML", catalog.LevelAdvanced, 12.5
		if _, err := e.s.UpdateDetails(ctx, e.a, e.courseID, e.draft(t).LockVersion, d); err != nil {
			t.Fatal(err)
		}
		ct := e.draft(t).Content
		if ct.TitleJa != "機械学習 実践" || ct.TitleEn != "Applied ML" || ct.Level != catalog.LevelAdvanced || ct.EstimatedHours != 12.5 {
			t.Fatalf("details not saved: %+v", ct)
		}
		if i, _ := ct.FindModule(m); i != 0 {
			t.Fatal("saving details lost the modules")
		}
	})
}

func TestStructureStaleLock(t *testing.T) {
	e := structureSetup(t)
	ctx := context.Background()
	loaded := e.draft(t).LockVersion
	_, mid, err := e.s.AddModule(ctx, e.a, e.courseID, loaded, catalog.ModuleTitles{TitleJa: "先に保存"})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]func() error{
		"AddModule": func() error {
			_, _, err := e.s.AddModule(ctx, e.a, e.courseID, loaded, catalog.ModuleTitles{TitleJa: "後から"})
			return err
		},
		"UpdateModule": func() error {
			_, err := e.s.UpdateModule(ctx, e.a, e.courseID, loaded, mid, catalog.ModuleTitles{TitleJa: "後から"})
			return err
		},
		"UpdateDetails": func() error {
			_, err := e.s.UpdateDetails(ctx, e.a, e.courseID, loaded, catalog.DetailsOf(&e.draft(t).Content))
			return err
		},
		"DeleteModule": func() error {
			_, err := e.s.DeleteModule(ctx, e.a, e.courseID, loaded, mid)
			return err
		},
	}
	for name, f := range checks {
		t.Run(name, func(t *testing.T) {
			if e, ok := apperr.As(f()); !ok || e.Key != "catalog.err_stale" {
				t.Fatalf("stale save: %v", f())
			}
		})
	}
	if got := structureModuleTitles(e.draft(t)); got != "先に保存" {
		t.Fatalf("a stale save changed the draft: %s", got)
	}
}

func TestStructureOtherProvider(t *testing.T) {
	e := structureSetup(t)
	ctx := context.Background()
	_, mid, err := e.s.AddModule(ctx, e.a, e.courseID, 0, catalog.ModuleTitles{TitleJa: "章"})
	if err != nil {
		t.Fatal(err)
	}
	_, lid, err := e.s.AddLesson(ctx, e.a, e.courseID, 0, mid, catalog.NewLesson{Kind: catalog.LessonReading, TitleJa: "読み物"})
	if err != nil {
		t.Fatal(err)
	}
	before := e.draft(t)
	o := e.other
	ops := map[string]func() error{
		"LatestRevision": func() error { _, _, err := e.s.LatestRevision(ctx, o, e.courseID); return err },
		"RevisionHistory": func() error {
			_, err := e.s.RevisionHistory(ctx, o, e.courseID)
			return err
		},
		"UpdateDetails": func() error {
			_, err := e.s.UpdateDetails(ctx, o, e.courseID, 0, catalog.DetailsOf(&before.Content))
			return err
		},
		"AddModule": func() error {
			_, _, err := e.s.AddModule(ctx, o, e.courseID, 0, catalog.ModuleTitles{TitleJa: "乗っ取り"})
			return err
		},
		"UpdateModule": func() error {
			_, err := e.s.UpdateModule(ctx, o, e.courseID, 0, mid, catalog.ModuleTitles{TitleJa: "乗っ取り"})
			return err
		},
		"DeleteModule": func() error { _, err := e.s.DeleteModule(ctx, o, e.courseID, 0, mid); return err },
		"MoveModule": func() error {
			_, err := e.s.MoveModule(ctx, o, e.courseID, 0, mid, catalog.MoveUp)
			return err
		},
		"AddLesson": func() error {
			_, _, err := e.s.AddLesson(ctx, o, e.courseID, 0, mid, catalog.NewLesson{Kind: catalog.LessonReading, TitleJa: "x"})
			return err
		},
		"UpdateLesson": func() error {
			_, err := e.s.UpdateLesson(ctx, o, e.courseID, 0, lid, catalog.LessonEdit{TitleJa: "乗っ取り"})
			return err
		},
		"MoveLesson": func() error {
			_, err := e.s.MoveLesson(ctx, o, e.courseID, 0, lid, catalog.MoveDown)
			return err
		},
		"MoveLessonToModule": func() error {
			_, err := e.s.MoveLessonToModule(ctx, o, e.courseID, 0, lid, mid)
			return err
		},
		"DeleteLesson": func() error { _, err := e.s.DeleteLesson(ctx, o, e.courseID, 0, lid); return err },
	}
	for name, f := range ops {
		t.Run(name, func(t *testing.T) {
			if err := f(); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("instructor of another provider: %v, want not_found", err)
			}
		})
	}
	after := e.draft(t)
	if after.LockVersion != before.LockVersion || structureModuleTitles(after) != "章" {
		t.Fatal("another provider's instructor changed the draft")
	}
}

func TestStructureLatestRevision(t *testing.T) {
	e := structureSetup(t)
	ctx := context.Background()
	rev := e.draft(t)
	if !rev.IsDraft() || rev.Number != 1 || rev.EditLockVersion() != rev.LockVersion {
		t.Fatalf("new course's latest revision: %+v", rev)
	}
	hist, err := e.s.RevisionHistory(ctx, e.a, e.courseID)
	if err != nil || len(hist) != 1 || hist[0].PublishedAt != nil {
		t.Fatalf("history of a new course: %+v %v", hist, err)
	}
	labels, err := e.s.SkillAreaLabels(ctx)
	if err != nil || len(labels) < 9 || labels[0].Code != "ai_data" {
		t.Fatalf("skill areas: %+v %v", labels, err)
	}
}
