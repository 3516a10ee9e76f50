// Package learn holds the learner's pages (/learn): "My learning", the
// course player, the learner's course page, withdrawal, "My history", and
// the quiz and privacy pages of the learning issue.
package learn

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"takumi/internal/catalog"
	"takumi/internal/learning"
	"takumi/internal/markdown"
	"takumi/views"
)

func playerItoa(n int) string { return strconv.Itoa(n) }

// playerLessonURL is a lesson's address in the player.
func playerLessonURL(enrolmentID, lessonID string) templ.SafeURL {
	return templ.SafeURL("/learn/" + enrolmentID + "/lessons/" + lessonID)
}

// playerCourseURL is the learner's page of an enrolled course.
func playerCourseURL(enrolmentID string) templ.SafeURL {
	return templ.SafeURL("/learn/" + enrolmentID)
}

// playerQuizURL is the quiz page of a quiz lesson.
func playerQuizURL(enrolmentID, lessonID string) templ.SafeURL {
	return templ.SafeURL("/learn/" + enrolmentID + "/quiz/" + lessonID)
}

// playerContinueURL is where "Continue where you left off" goes.
func playerContinueURL(enrolmentID string, next *string) templ.SafeURL {
	if next != nil && *next != "" {
		return playerLessonURL(enrolmentID, *next)
	}
	return playerCourseURL(enrolmentID)
}

func playerKindKey(kind string) string { return "catalog.kind_" + kind }

// playerMinutes is whole minutes of time on task (rounded down).
func playerMinutes(seconds int) int { return seconds / 60 }

// playerSize writes a file size for people (KB/MB, one decimal).
func playerSize(p views.Page, n int64) string {
	switch {
	case n >= 1<<20:
		return p.T("player.size_mb", fmt.Sprintf("%.1f", float64(n)/(1<<20)))
	case n >= 1<<10:
		return p.T("player.size_kb", fmt.Sprintf("%.1f", float64(n)/(1<<10)))
	}
	return p.T("player.size_bytes", n)
}

var playerHeadingTag = regexp.MustCompile(`<(/?)h([1-6])(\s[^>]*)?>`)

// playerDemoteHeadings moves the headings of a rendered (already sanitised)
// lesson body down so that the highest is an h2: the lesson's title is the
// page's only h1.
func playerDemoteHeadings(html string) string {
	return markdown.Memo("player-demote", html, playerDemoteHeadingsOnce)
}

func playerDemoteHeadingsOnce(html string) string {
	top := 7
	for _, m := range playerHeadingTag.FindAllStringSubmatch(html, -1) {
		top = min(top, int(m[2][0]-'0'))
	}
	if top >= 2 {
		return html
	}
	return playerHeadingTag.ReplaceAllStringFunc(html, func(tag string) string {
		m := playerHeadingTag.FindStringSubmatch(tag)
		level := min(int(m[2][0]-'0')+2-top, 6)
		return "<" + m[1] + "h" + strconv.Itoa(level) + m[3] + ">"
	})
}

// playerLessonDone reports whether a lesson counts as done: completed, or
// (for quizzes) passed.
func playerLessonDone(v *learning.CourseView, l *catalog.Lesson) bool {
	return v.State(l.ID).Done()
}

// playerEventKey is the catalogue key of an event type in words.
func playerEventKey(eventType string) string { return "player.event_" + eventType }

// playerStatusKey is the catalogue key of an enrolment status.
func playerStatusKey(status string) string { return "player.status_" + status }

// playerModuleTitleLang is the lang attribute of a module title.
func playerModuleTitleLang(p views.Page, m *catalog.Module) string { return p.FallbackLang(m.TitleEn) }

// playerLessonTitleLang is the lang attribute of a lesson title.
func playerLessonTitleLang(p views.Page, l *catalog.Lesson) string { return p.FallbackLang(l.TitleEn) }

// playerOlderURL is the next (older) page of the history.
func playerOlderURL(next string) templ.SafeURL {
	return templ.SafeURL("/learn/history?before=" + next)
}

// splitLines splits a transcript into its non-empty lines (paragraphs).
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// myLearningURL is "My learning" at the given pages of courses in progress
// and completed courses (the first pages are left out of the query), at
// the section anchor.
func myLearningURL(inProgress, completed int, anchor string) templ.SafeURL {
	q := url.Values{}
	if inProgress > 1 {
		q.Set("page", strconv.Itoa(inProgress))
	}
	if completed > 1 {
		q.Set("completed", strconv.Itoa(completed))
	}
	u := "/learn"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return templ.SafeURL(u + "#" + anchor)
}
