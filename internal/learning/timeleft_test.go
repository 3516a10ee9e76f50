package learning

import (
	"testing"
	"time"

	"takumi/internal/catalog"
)

func TestCourseTimeCountsMinutes(t *testing.T) {
	done := time.Now()
	v := &CourseView{Content: catalog.Content{Modules: []catalog.Module{{Lessons: []catalog.Lesson{
		{ID: "a", Kind: catalog.LessonReading, Required: true, MinMinutes: 4},
		{ID: "b", Kind: catalog.LessonReading, Required: true, MinMinutes: 2},
		{ID: "opt", Kind: catalog.LessonReading, MinMinutes: 30},
		{ID: "q", Kind: catalog.LessonQuiz, Required: true},
	}}}}}
	cases := []struct {
		name      string
		progress  map[string]LessonState
		remaining int
		percent   int
		next      string
	}{
		{"NotStarted", nil, 6, 0, "a"},
		// 90 s of lesson a: 1.5 of its 4 minutes; weights 240 + 120 + 60.
		{"TimeCountsBeforeAnyLessonIsDone", map[string]LessonState{"a": {SecondsOnTask: 90}}, 5, 21, "a"},
		{"DoneLessonCountsInFull", map[string]LessonState{"a": {SecondsOnTask: 300, CompletedAt: &done}}, 2, 57, "b"},
		{"MinutesMetButQuizLeft", map[string]LessonState{"a": {CompletedAt: &done}, "b": {CompletedAt: &done}}, 0, 85, "q"},
		{"AllRequiredDone", map[string]LessonState{"a": {CompletedAt: &done}, "b": {CompletedAt: &done}, "q": {CompletedAt: &done}}, 0, 100, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v.Progress = c.progress
			got := v.Time()
			next := ""
			if got.NextLesson != nil {
				next = got.NextLesson.ID
			}
			if got.NeededMinutes != 6 || got.RemainingMinutes != c.remaining || got.Percent != c.percent || next != c.next {
				t.Fatalf("course time %+v (next %q), want remaining %d, percent %d, next %q", got, next, c.remaining, c.percent, c.next)
			}
		})
	}
}
