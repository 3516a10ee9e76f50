package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestScormLearningEvents: a SCO launch, each change of the status the SCO
// reports and each new score are learning events, written with the
// attempt (a refused commit writes none, an unchanged commit none), and
// the learner sees them in their history.
func TestScormLearningEvents(t *testing.T) {
	ta := startScormApp(t)
	courseID, _, _ := publishedScormCourse(t, ta, "scorm2004", "scorm-events@example.jp")
	learner, uid := ta.signedInLearner(t, "scorm-events-learner@example.jp")
	r := learner.post("/learn", "/learn/enrol", url.Values{"course_id": {courseID}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("enrol: %d", r.StatusCode)
	}
	page := learner.get(r.Header.Get("Location"))
	m := scormTokenRe.FindStringSubmatch(page.Body)
	if page.StatusCode != 200 || m == nil {
		t.Fatalf("player page %d without a launch token", page.StatusCode)
	}
	tok := m[1]
	type ev struct {
		EventType string
		LessonID  *string
		Details   string
	}
	events := func() []ev {
		var out []ev
		if err := ta.DB.Gorm.Raw(`SELECT event_type, lesson_id, details::text AS details FROM learning_events
			WHERE user_id = ? AND course_id = ? AND event_type LIKE 'scorm%' ORDER BY id`, uid, courseID).Scan(&out).Error; err != nil {
			t.Fatal(err)
		}
		return out
	}
	types := func() string {
		var s []string
		for _, e := range events() {
			s = append(s, e.EventType)
		}
		return strings.Join(s, ",")
	}
	if got := types(); got != "scorm_launched" {
		t.Fatalf("after opening the lesson: %q, want one scorm_launched", got)
	}
	if e := events()[0]; e.LessonID == nil || *e.LessonID == "" || !strings.Contains(e.Details, `"entry": "ab-initio"`) {
		t.Fatalf("launch event: %+v", e)
	}
	commit := func(cmi string) int {
		return learner.post("/learn", "/learn/scorm/commit", url.Values{"token": {tok}, "cmi": {cmi}}).StatusCode
	}
	if c := commit(`{"completion_status":"incomplete","location":"p1"}`); c != 200 {
		t.Fatalf("commit: %d", c)
	}
	if c := commit(`{"completion_status":"incomplete","location":"p2"}`); c != 200 {
		t.Fatalf("commit: %d", c)
	}
	if c := commit(`{"completion_status":"completed","score":{"scaled":"1.5"}}`); c != http.StatusUnprocessableEntity {
		t.Fatalf("bad commit: %d", c)
	}
	if got := types(); got != "scorm_launched,scorm_status_changed" {
		t.Fatalf("after two commits (one status change) and a refused one: %q", got)
	}
	if c := commit(`{"completion_status":"incomplete","score":{"scaled":"0.4","raw":"4","max":"10"}}`); c != 200 {
		t.Fatalf("commit: %d", c)
	}
	if got := types(); got != "scorm_launched,scorm_status_changed,scorm_scored" {
		t.Fatalf("after a score: %q", got)
	}
	if e := events()[2]; !strings.Contains(e.Details, `"scaled": 0.4`) || !strings.Contains(e.Details, `"raw": 4`) {
		t.Fatalf("score event details: %s", e.Details)
	}
	if c := commit(`{"completion_status":"completed","success_status":"passed","score":{"scaled":"0.9","raw":"9","max":"10"}}`); c != 200 {
		t.Fatalf("commit: %d", c)
	}
	gotEv := events()
	if got := types(); got != "scorm_launched,scorm_status_changed,scorm_scored,scorm_status_changed,scorm_scored" {
		t.Fatalf("after completing: %q", got)
	}
	if d := gotEv[3].Details; !strings.Contains(d, `"from": "incomplete"`) || !strings.Contains(d, `"to": "completed"`) || !strings.Contains(d, `"success_to": "passed"`) {
		t.Fatalf("status event details: %s", d)
	}
	// A second launch is another event.
	learner.get(r.Header.Get("Location"))
	if n := len(events()); n != 6 {
		t.Fatalf("after reopening: %d scorm events, want 6", n)
	}
	h := learner.get("/learn/history")
	if h.StatusCode != 200 || !strings.Contains(h.Body, "SCORM 教材を開始") || !strings.Contains(h.Body, "SCORM 教材の得点") {
		t.Fatalf("history %d does not show the SCORM events", h.StatusCode)
	}
}
