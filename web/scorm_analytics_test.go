package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestScormAnalytics: the course analytics page shows, per SCO, how many
// learners opened it, how many the package reported done or failed, their
// mean score and the score distribution; another provider's instructor
// does not see it.
func TestScormAnalytics(t *testing.T) {
	ta := startScormApp(t)
	courseID, _, _ := publishedScormCourse(t, ta, "scorm2004", "scorm-analytics@example.jp")
	for i, cmi := range []string{
		`{"completion_status":"completed","success_status":"passed","score":{"scaled":"0.9"}}`,
		`{"completion_status":"incomplete","success_status":"failed","score":{"scaled":"0.3"}}`,
		``, // opened, never committed
	} {
		b, _ := ta.signedInLearner(t, "scorm-analytics-"+string(rune('a'+i))+"@example.jp")
		r := b.post("/learn", "/learn/enrol", url.Values{"course_id": {courseID}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("enrol: %d", r.StatusCode)
		}
		m := scormTokenRe.FindStringSubmatch(b.get(r.Header.Get("Location")).Body)
		if m == nil {
			t.Fatal("no launch token")
		}
		if cmi != "" {
			if c := b.post("/learn", "/learn/scorm/commit", url.Values{"token": {m[1]}, "cmi": {cmi}}).StatusCode; c != 200 {
				t.Fatalf("commit %d: %d", i, c)
			}
		}
	}
	instructor := ta.signedIn(t, "scorm-analytics@example.jp", "")
	page := instructor.get("/studio/courses/" + courseID + "/analytics")
	if page.StatusCode != 200 {
		t.Fatalf("analytics: %d", page.StatusCode)
	}
	for _, want := range []string{
		`id="analytics-scorm"`, "SCORM 教材",
		`class="a-sco-attempts">3<`, `class="a-sco-done">1 (33%)<`, `class="a-sco-failed">1<`,
		`class="a-sco-mean">60% (2件)<`, `class="a-sco-band0">0<`, `class="a-sco-band1">1<`, `class="a-sco-band4">1<`,
	} {
		if !strings.Contains(page.Body, want) {
			i := strings.Index(page.Body, `id="analytics-scorm"`)
			t.Errorf("analytics page lacks %s in %s", want, page.Body[max(i, 0):min(len(page.Body), max(i, 0)+3000)])
		}
	}
	_, _, _ = publishedScormCourse(t, ta, "scorm12", "scorm-analytics-other@example.jp")
	other := ta.signedIn(t, "scorm-analytics-other@example.jp", "")
	if r := other.get("/studio/courses/" + courseID + "/analytics"); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "analytics-scorm") {
		t.Errorf("another provider's instructor: %d", r.StatusCode)
	}
}
