package catalog_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// catalogueCourse describes a course to publish in a catalogue test.
type catalogueCourse struct {
	code, titleJa, titleEn, summaryJa, summaryEn, description string
	skill, level, mode, lang                                  string
	hours                                                     float64
}

// catalogueService returns the catalog service on a fresh database with a
// provider and its instructor.
func catalogueService(t *testing.T) (*database.DB, *catalog.Service, catalog.Actor, string) {
	t.Helper()
	db := dbtest.New(t)
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	provider, instructor := catalogFixture(t, db, "catalogue-provider")
	return db, catalog.NewService(db.Gorm, files), catalog.Actor{UserID: instructor}, provider
}

// catalogueContent is publishable content with one module holding a reading
// lesson and a quiz.
func catalogueContent(c catalogueCourse) catalog.Content {
	ct := catalog.Content{TitleJa: c.titleJa, TitleEn: c.titleEn, SummaryJa: c.summaryJa, SummaryEn: c.summaryEn,
		DescriptionMd: c.description, SkillArea: c.skill, Level: c.level, DeliveryMode: c.mode, Language: c.lang, EstimatedHours: c.hours}
	if ct.SummaryJa == "" {
		ct.SummaryJa = "概要"
	}
	for _, def := range []struct {
		v    *string
		name string
	}{{&ct.SkillArea, "ai_data"}, {&ct.Level, catalog.LevelIntroductory}, {&ct.DeliveryMode, catalog.DeliverySelfPaced}, {&ct.Language, "ja"}} {
		if *def.v == "" {
			*def.v = def.name
		}
	}
	if ct.EstimatedHours == 0 {
		ct.EstimatedHours = 3
	}
	return ct
}

// catalogueStructure adds a module with a reading lesson and a quiz.
func catalogueStructure(ct *catalog.Content) {
	ct.Modules = append(ct.Modules, catalog.Module{ID: catalog.NewID(), TitleJa: "第1章 基礎", TitleEn: "Basics", Lessons: []catalog.Lesson{
		{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "はじめに", TitleEn: "Introduction", Required: true, MinMinutes: 5,
			BodyMd: "秘密の本文: この文章は受講者だけが読めます。"},
		{ID: catalog.NewID(), Kind: catalog.LessonQuiz, TitleJa: "確認テスト", TitleEn: "Check", Required: true, MustPass: true,
			Quiz: &catalog.Quiz{PassPercent: 60, Questions: []catalog.Question{{ID: catalog.NewID(), Kind: catalog.QuestionSingle,
				PromptMd: "正しいものは?", Options: []catalog.Option{{ID: catalog.NewID(), Text: "正解の選択肢", Correct: true},
					{ID: catalog.NewID(), Text: "誤りの選択肢"}}}}}},
	}})
}

// cataloguePublish creates and publishes a course through the service and
// returns its id.
func cataloguePublish(t *testing.T, s *catalog.Service, a catalog.Actor, providerID string, c catalogueCourse) string {
	t.Helper()
	ctx := context.Background()
	course, err := s.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: providerID, Code: c.code, Content: catalogueContent(c)})
	if err != nil {
		t.Fatalf("create %s: %v", c.code, err)
	}
	if _, err := s.EditDraft(ctx, a, course.ID, 0, func(ct *catalog.Content) error { catalogueStructure(ct); return nil }); err != nil {
		t.Fatalf("edit %s: %v", c.code, err)
	}
	if _, err := s.Publish(ctx, a, course.ID); err != nil {
		t.Fatalf("publish %s: %v", c.code, err)
	}
	return course.ID
}

// catalogueCodes runs a search and returns the codes found, sorted.
func catalogueCodes(t *testing.T, s *catalog.Service, f catalog.Filter) []string {
	t.Helper()
	res, err := s.Search(context.Background(), f)
	if err != nil {
		t.Fatalf("search %+v: %v", f, err)
	}
	var codes []string
	for _, l := range res.Items {
		codes = append(codes, l.Code)
	}
	sort.Strings(codes)
	return codes
}

func TestCatalogueSearch(t *testing.T) {
	db, s, a, provider := catalogueService(t)
	ctx := context.Background()
	for _, c := range []catalogueCourse{
		{code: "ml-intro", titleJa: "機械学習入門", titleEn: "Introduction to Machine Learning", summaryJa: "製造データで学ぶ", skill: "ai_data", hours: 6},
		{code: "machine-tools", titleJa: "工作機械の保全", summaryJa: "現場の保全計画", skill: "advanced_manufacturing", level: catalog.LevelIntermediate, mode: catalog.DeliveryCohort, hours: 12},
		{code: "career", titleJa: "新しい機会をつかむ", summaryJa: "キャリアの機会", skill: "digital_literacy", hours: 2},
		{code: "cloud-sec", titleJa: "クラウドのセキュリティ", titleEn: "Cloud Security Basics", summaryJa: "安全な運用", summaryEn: "Secure CLOUD workloads",
			skill: "cloud", level: catalog.LevelIntermediate, lang: "en", hours: 25},
		{code: "genai", titleJa: "生成AI活用", summaryJa: "業務でAIを使う", skill: "generative_ai", hours: 4},
		{code: "snake", titleJa: "命名規則", summaryJa: "snake_case の使い方", skill: "software_engineering", hours: 1},
		{code: "snake-x", titleJa: "命名の基本", summaryJa: "snakeXcase は誤り", skill: "software_engineering", hours: 1},
	} {
		cataloguePublish(t, s, a, provider, c)
	}
	// A draft and an archived course that would match 機械.
	if _, err := s.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: provider, Code: "draft-machine",
		Content: catalogueContent(catalogueCourse{titleJa: "機械の下書き"})}); err != nil {
		t.Fatal(err)
	}
	archived := cataloguePublish(t, s, a, provider, catalogueCourse{code: "archived-machine", titleJa: "機械の旧講座"})
	if err := s.Archive(ctx, a, archived); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		f    catalog.Filter
		want string
	}{
		{"JapaneseTwoCharacterWord", catalog.Filter{Q: "機械"}, "machine-tools ml-intro"},
		{"JapaneseWordInSummary", catalog.Filter{Q: "製造"}, "ml-intro"},
		{"EnglishCaseInsensitive", catalog.Filter{Q: "cloud SECURITY"}, "cloud-sec"},
		{"EnglishSummary", catalog.Filter{Q: "workloads"}, "cloud-sec"},
		{"FullWidthLatin", catalog.Filter{Q: "ＡＩ"}, "genai"},
		{"UnderscoreIsLiteral", catalog.Filter{Q: "snake_case"}, "snake"},
		{"LoneUnderscoreIsLiteral", catalog.Filter{Q: "_"}, "snake"},
		{"PercentAndUnderscoreNotWildcards", catalog.Filter{Q: "%_%"}, "snake"},
		{"WordsAreAnded", catalog.Filter{Q: "機械 保全"}, "machine-tools"},
		{"SkillAndLevel", catalog.Filter{Skill: "advanced_manufacturing", Level: catalog.LevelIntermediate}, "machine-tools"},
		{"QueryAndFilters", catalog.Filter{Q: "機械", Mode: catalog.DeliveryCohort}, "machine-tools"},
		{"Language", catalog.Filter{Language: "en"}, "cloud-sec"},
		{"HoursUnder5", catalog.Filter{Hours: "0-5"}, "career genai snake snake-x"},
		{"Hours5To20", catalog.Filter{Hours: "5-20"}, "machine-tools ml-intro"},
		{"Hours20Plus", catalog.Filter{Hours: "20-"}, "cloud-sec"},
		{"ProviderByID", catalog.Filter{Provider: provider, Q: "機械"}, "machine-tools ml-intro"},
		{"UnknownSkillIgnored", catalog.Filter{Q: "機械", Skill: "no_such"}, "machine-tools ml-intro"},
		{"NoMatch", catalog.Filter{Q: "量子"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(catalogueCodes(t, s, c.f), " "); got != c.want {
				t.Fatalf("search %+v found %q, want %q", c.f, got, c.want)
			}
		})
	}

	t.Run("DraftAndArchivedNeverListed", func(t *testing.T) {
		res, err := s.Search(ctx, catalog.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 7 {
			t.Fatalf("total %d, want the 7 published courses", res.Total)
		}
		for _, l := range res.Items {
			if strings.Contains(l.Code, "draft") || strings.Contains(l.Code, "archived") {
				t.Fatalf("%s listed", l.Code)
			}
		}
	})
	t.Run("InvalidValuesIgnored", func(t *testing.T) {
		res, err := s.Search(ctx, catalog.Filter{Level: "expert'; DROP TABLE courses;--", Mode: "x", Language: "fr", Hours: "1-2", Sort: "id", Provider: "nobody"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 7 || len(res.Ignored) != 6 {
			t.Fatalf("total %d, ignored %v", res.Total, res.Ignored)
		}
		if res.Filter.Level != "" || res.Filter.Sort != "newest" {
			t.Fatalf("invalid values kept: %+v", res.Filter)
		}
	})
	t.Run("Facets", func(t *testing.T) {
		res, err := s.Search(ctx, catalog.Filter{Q: "機械", Level: catalog.LevelIntermediate})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || res.Facets["level"]["introductory"] != 1 || res.Facets["level"]["intermediate"] != 1 ||
			res.Facets["skill"]["advanced_manufacturing"] != 1 || res.Facets["skill"]["ai_data"] != 0 {
			t.Fatalf("total %d facets %v", res.Total, res.Facets)
		}
	})
	t.Run("SortByTitleAndHours", func(t *testing.T) {
		res, err := s.Search(ctx, catalog.Filter{Sort: "hours"})
		if err != nil {
			t.Fatal(err)
		}
		if first, last := res.Items[0].EstimatedHours, res.Items[len(res.Items)-1].EstimatedHours; first != 1 || last != 25 {
			t.Fatalf("hours order %v..%v", first, last)
		}
		res, err = s.Search(ctx, catalog.Filter{Sort: "title", DisplayLang: "en", Language: "en"})
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("title sort: %v", err)
		}
	})
	t.Run("ProviderByCode", func(t *testing.T) {
		db.Gorm.Exec("UPDATE organisations SET code = 'cat-prov' WHERE id = ?", provider)
		res, err := s.Search(ctx, catalog.Filter{Provider: "cat-prov"})
		if err != nil || res.Total != 7 || len(res.Ignored) != 0 {
			t.Fatalf("provider by code: %v %+v", err, res)
		}
		if res.Items[0].ProviderRef() != "cat-prov" {
			t.Fatalf("course URL names provider %q", res.Items[0].ProviderRef())
		}
		db.Gorm.Exec("UPDATE organisations SET code = NULL WHERE id = ?", provider)
	})
}

func TestCataloguePagination(t *testing.T) {
	_, s, a, provider := catalogueService(t)
	ctx := context.Background()
	for i := 1; i <= 23; i++ {
		cataloguePublish(t, s, a, provider, catalogueCourse{code: fmt.Sprintf("course-%02d", i), titleJa: fmt.Sprintf("講座 %02d", i)})
	}
	page := func(n int) *catalog.Results {
		t.Helper()
		res, err := s.Search(ctx, catalog.Filter{Page: n})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	t.Run("FirstPage", func(t *testing.T) {
		res := page(1)
		if res.Total != 23 || res.Pages != 2 || len(res.Items) != 20 {
			t.Fatalf("total %d pages %d items %d", res.Total, res.Pages, len(res.Items))
		}
		if res.Items[0].Code != "course-23" {
			t.Fatalf("newest first: got %s", res.Items[0].Code)
		}
	})
	t.Run("LastPage", func(t *testing.T) {
		res := page(2)
		if len(res.Items) != 3 || res.Items[2].Code != "course-01" {
			t.Fatalf("page 2 has %d items", len(res.Items))
		}
	})
	t.Run("PastTheEndShowsLastPage", func(t *testing.T) {
		res := page(99)
		if res.Filter.Page != 2 || len(res.Items) != 3 {
			t.Fatalf("page 99 became %d with %d items", res.Filter.Page, len(res.Items))
		}
	})
}

func TestCataloguePublishedCourse(t *testing.T) {
	db, s, a, provider := catalogueService(t)
	ctx := context.Background()
	id := cataloguePublish(t, s, a, provider, catalogueCourse{code: "robot-101", titleJa: "ロボット入門", description: "## 内容\n\n産業用ロボットの基礎",
		skill: "robotics", mode: catalog.DeliveryCohort})
	t.Run("ByProviderID", func(t *testing.T) {
		cp, err := s.PublishedCourse(ctx, provider, "robot-101")
		if err != nil {
			t.Fatal(err)
		}
		if cp.Title.Ja != "ロボット入門" || cp.Skill == nil || cp.Skill.Code != "robotics" || len(cp.Skill.DSSAlignment) == 0 {
			t.Fatalf("course page: %+v", cp)
		}
		if len(cp.Syllabus) != 1 || len(cp.Syllabus[0].Lessons) != 2 || cp.Syllabus[0].Lessons[1].Kind != catalog.LessonQuiz {
			t.Fatalf("syllabus: %+v", cp.Syllabus)
		}
		if !strings.Contains(cp.DescriptionMd, "産業用ロボット") {
			t.Fatalf("description %q", cp.DescriptionMd)
		}
	})
	t.Run("ByProviderCode", func(t *testing.T) {
		db.Gorm.Exec("UPDATE organisations SET code = 'robo-academy' WHERE id = ?", provider)
		cp, err := s.PublishedCourse(ctx, "robo-academy", "robot-101")
		if err != nil || cp.ProviderRef() != "robo-academy" {
			t.Fatalf("by code: %v", err)
		}
	})
	t.Run("OnlyThePublishedRevision", func(t *testing.T) {
		if _, err := s.EditDraft(ctx, a, id, 0, func(ct *catalog.Content) error { ct.TitleJa = "未公開の新しい題名"; return nil }); err != nil {
			t.Fatal(err)
		}
		cp, err := s.PublishedCourse(ctx, "robo-academy", "robot-101")
		if err != nil || cp.Title.Ja != "ロボット入門" {
			t.Fatalf("draft leaked into the public page: %v %+v", err, cp)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := s.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: provider, Code: "draft-only", Content: catalogueContent(catalogueCourse{titleJa: "下書き"})}); err != nil {
			t.Fatal(err)
		}
		for _, c := range [][2]string{{"robo-academy", "draft-only"}, {"robo-academy", "nothing"}, {"other", "robot-101"},
			{"../../etc", "robot-101"}, {"robo-academy", "ROBOT'101"}} {
			if _, err := s.PublishedCourse(ctx, c[0], c[1]); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("%v: %v", c, err)
			}
		}
		if err := s.Archive(ctx, a, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PublishedCourse(ctx, "robo-academy", "robot-101"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("archived course shown: %v", err)
		}
	})
}
