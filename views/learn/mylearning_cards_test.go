package learn

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"takumi/internal/catalog"
	"takumi/internal/i18n"
	"takumi/internal/learning"
	"takumi/views"
)

// TestInProgressCardsMatchTemplate: the course cards written directly
// (inProgressCards) are byte for byte the reference component's
// (inProgressCourse), in both languages, for cards with and without a
// cohort, time figures, a next lesson, its minimum and an English title,
// with text that needs escaping, and percentages outside 0–100.
func TestInProgressCardsMatchTemplate(t *testing.T) {
	msgs, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	seen := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	next := &catalog.Lesson{ID: "l2", TitleJa: "次の<レッスン>", TitleEn: "Next & \"last\"", MinMinutes: 5}
	nextJa := &catalog.Lesson{ID: "l3", TitleJa: "日本語だけ", MinMinutes: 0}
	courses := []learning.MyCourse{
		{CourseHead: learning.CourseHead{TitleJa: "講座 <b>&</b>", TitleEn: "Course 'one' <b>", ProviderNameJa: "機関\"甲\"", ProviderNameEn: "Org A"},
			EnrolmentID: "e1", ProgressPercent: 40, NextLessonID: str("l2"), EnrolledAt: seen, LastActivityAt: &seen,
			CohortNameJa: str("第1期 <2026>"), CohortNameEn: str("Cohort 1"),
			Time: &learning.CourseTime{NeededMinutes: 30, RemainingMinutes: 12, Percent: 60, NextLesson: next, NextRemainingMinutes: 3}},
		{CourseHead: learning.CourseHead{TitleJa: "講座二", ProviderNameJa: "機関乙"},
			EnrolmentID: "e2", ProgressPercent: 0, EnrolledAt: seen, CohortNameJa: str("期"),
			Time: &learning.CourseTime{NeededMinutes: 10, Percent: 99, NextLesson: nextJa}},
		{CourseHead: learning.CourseHead{TitleJa: "講座三", TitleEn: "Three", ProviderNameJa: "機関丙"},
			EnrolmentID: "e3", ProgressPercent: 100, NextLessonID: str(""), EnrolledAt: seen,
			Time: &learning.CourseTime{Percent: 100}},
		{CourseHead: learning.CourseHead{TitleJa: "講座四", ProviderNameJa: "機関丁"},
			EnrolmentID: "e4", ProgressPercent: 120, EnrolledAt: seen},
		{CourseHead: learning.CourseHead{TitleJa: "講座五", ProviderNameJa: "機関戊"},
			EnrolmentID: "e5", ProgressPercent: -1, EnrolledAt: seen,
			Time: &learning.CourseTime{NeededMinutes: 8, RemainingMinutes: 0, Percent: 101, NextLesson: next, NextRemainingMinutes: 0}},
	}
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			p := views.Page{L: msgs.For(lang)}
			var want, got bytes.Buffer
			ref := newMyLearningText(p)
			for i := range courses {
				if err := inProgressCourse(&courses[i], ref.card(&courses[i]), ref).Render(context.Background(), &want); err != nil {
					t.Fatal(err)
				}
			}
			if err := inProgressCards(courses, newMyLearningText(p)).Render(context.Background(), &got); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Fatalf("cards differ:\n got %s\nwant %s", got.String(), want.String())
			}
			if strings.Contains(got.String(), "<b>") || !strings.Contains(got.String(), "&lt;b&gt;") {
				t.Errorf("text not escaped: %s", got.String())
			}
		})
	}
}
