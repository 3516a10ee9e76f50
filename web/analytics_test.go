package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAnalyticsStudioPage: the course's instructor sees the aggregates of
// the roster fixture's course 1 (five enrolments: two completed, three
// active; per-question shares from three submitted attempts) and no
// learner's name; another provider's instructor gets 404, a learner and an
// organisation admin who authors nothing get 403.
func TestAnalyticsStudioPage(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := rosterSetup(t, ta)
	path := "/studio/courses/" + w.course1 + "/analytics"

	t.Run("OK", func(t *testing.T) {
		b := ta.signedIn(t, w.instructor, "")
		r := b.get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d\n%.500s", r.StatusCode, r.Body)
		}
		doc := r.Doc(t)
		checks := map[string]string{
			"#a-enrolments":  "5",
			"#a-by-status":   "受講中 3・キャンセル待ち 0・修了 2・取り消し 0",
			"#a-active":      "3", // carol 1 hour ago, alice 2 days ago, bob 10 days ago
			"#a-completions": "2",
		}
		for sel, want := range checks {
			if got := strings.TrimSpace(doc.Find(sel).Text()); got != want {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		if got := doc.Find("#a-rate").Text(); !strings.Contains(got, "40%") {
			t.Errorf("completion rate %q, want 40%% (2 of 5)", got)
		}
		// Quiz: bob, carol and dave each submitted one attempt; question 1
		// right in all three, question 2 in one.
		q := doc.Find("#quiz-" + w.quizLesson)
		if got := q.Find(".a-attempts").Text(); !strings.Contains(got, "3回") || !strings.Contains(got, "合格 3回") {
			t.Errorf("quiz attempts %q", got)
		}
		for i, want := range [][3]string{{"3", "3", "100%"}, {"3", "1", "33%"}} {
			row := q.Find("#question-" + w.questions[i])
			got := [3]string{strings.TrimSpace(row.Find(".a-answered").Text()), strings.TrimSpace(row.Find(".a-correct").Text()),
				strings.TrimSpace(row.Find(".a-share").Text())}
			if got[0] != want[0] || got[1] != want[1] || !strings.HasPrefix(got[2], want[2]) {
				t.Errorf("question %d: answered/correct/share %v, want %v", i+1, got, want)
			}
		}
		if got := q.Find("#question-" + w.questions[0] + " .analytics-prompt p").Text(); got != "安全帯は必要か" {
			t.Errorf("question 1 prompt rendered as %q, want a paragraph of the Markdown", got)
		}
		if doc.Find("#analytics-lessons meter").Length() != 2 {
			t.Errorf("drop-off table has %d bars, want one per lesson (2)", doc.Find("#analytics-lessons meter").Length())
		}
		for _, name := range []string{"青木", "馬場", "加藤", "大和", "松井", "roster-alice@example.jp"} {
			if strings.Contains(r.Body, name) {
				t.Errorf("the analytics page names a learner: %q", name)
			}
		}
		if strings.Contains(r.Body, `style="`) {
			t.Error("inline style attribute (refused by the CSP)")
		}
		if b.get("/studio/courses/"+w.course1).Doc(t).Find(`nav.studio-course-nav a[href="`+path+`"]`).Length() != 1 {
			t.Error("the studio course navigation does not link the analytics")
		}
	})
	t.Run("ErrOtherProvider", func(t *testing.T) {
		b := ta.signedIn(t, w.otherInstructor, "")
		if r := b.get(path); r.StatusCode != http.StatusNotFound {
			t.Fatalf("another provider's instructor: status %d, want 404", r.StatusCode)
		}
	})
	t.Run("ErrLearner", func(t *testing.T) {
		b := ta.signedIn(t, "roster-carol@example.jp", "")
		if r := b.get(path); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a learner: status %d, want 403", r.StatusCode)
		}
		admin := ta.signedIn(t, w.adminA, rosterSecret)
		if r := admin.get(path); r.StatusCode != http.StatusForbidden {
			t.Fatalf("an employer's admin: status %d, want 403", r.StatusCode)
		}
	})
}
