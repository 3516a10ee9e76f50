package web_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/config"
)

// startScormApp starts Takumi with its content origin on another site:
// the app on 127.0.0.1, the content origin on localhost (both loopback,
// different hosts, so the browser treats them as different sites).
func startScormApp(t *testing.T) *testApp {
	t.Helper()
	cln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(cln.Addr().String())
	ta := startApp(t, func(c *config.Config) {
		c.ContentAddr = ""
		c.ContentBaseURL = "http://localhost:" + port
	})
	srv := &http.Server{Handler: ta.App.Server.ContentHandler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(cln)
	t.Cleanup(func() { srv.Close() })
	return ta
}

// scoEval runs js in the launcher frame of the SCO on the current page
// (the content origin's frame is its own browser target) and returns the
// result as text, waiting until the frame exists and js gives a non-empty
// answer that satisfies ok.
func scoEval(t *testing.T, ctx context.Context, js string, ok func(string) bool) string {
	t.Helper()
	last, _, done := frameEval(t, ctx, "/launch/", js, ok)
	if done {
		return last
	}
	if js != scoText("body") {
		t.Logf("the SCO's page: %s", scoEval(t, ctx, `document.getElementById('sco').contentDocument.body.innerText`, func(string) bool { return true }))
	}
	t.Fatalf("in the SCO, %s stayed %q", js, last)
	return ""
}

// scoText is the text of an element of the SCO (inside the launcher).
func scoText(id string) string {
	return `document.getElementById('sco').contentDocument.getElementById('` + id + `').textContent`
}

// scoClick clicks a button of the SCO.
func scoClick(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	scoEval(t, ctx, `(document.getElementById('sco').contentDocument.getElementById('`+id+`').click(), 'clicked')`,
		func(s string) bool { return s == "clicked" })
}

func is(want string) func(string) bool { return func(s string) bool { return s == want } }

// waitDB polls a query until it answers want.
func waitDB(t *testing.T, ta *testApp, want string, q string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	got := ""
	for time.Now().Before(deadline) {
		var v *string
		if err := ta.DB.Gorm.Raw(q, args...).Row().Scan(&v); err == nil && v != nil {
			got = *v
			if got == want {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: got %q, want %q", q, got, want)
}

// TestJourneyScorm is issue 16's journey in Chromium: an instructor imports
// a SCORM 1.2 package on the studio's import page, completes its details
// and publishes it; a learner enrols, opens the first SCO (served by the
// content origin, with scorm-again as its API), steps through it
// (LMSInitialize, LMSSetValue, LMSCommit), leaves suspended (LMSFinish),
// comes back and resumes with the suspend_data restored, completes both
// SCOs (the second with a mastery score) and so the course, and the
// credential is issued.
func TestJourneyScorm(t *testing.T) {
	ta := startScormApp(t)
	ctx := newChrome(t)
	c := publishPackageAndEnrol(t, ctx, ta, "scorm", "SCORM", zipTestPackage(t, "scorm/scorm12"))
	learner, courseID := c.Learner, c.ID
	lessonURL := location(t, ctx)
	scoEval(t, ctx, scoText("entry"), is("ab-initio"))
	scoEval(t, ctx, scoText("result"), is("initialised true"))
	checkAxe(t, ctx, "SCORM lesson")

	scoClick(t, ctx, "step")
	scoEval(t, ctx, scoText("result"), is("step 1 commit true"))
	scoClick(t, ctx, "step")
	scoEval(t, ctx, scoText("result"), is("step 2 commit true"))
	// A value outside the data model: refused by the API with SCORM 1.2
	// error 405, nothing sent.
	scoClick(t, ctx, "bad")
	scoEval(t, ctx, scoText("result"), is("bad false error 405"))
	waitDB(t, ta, "steps=2", `SELECT a.suspend_data FROM scorm_attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = ?`, learner)
	scoClick(t, ctx, "leave")
	scoEval(t, ctx, scoText("result"), is("left true"))
	waitDB(t, ta, "suspend", `SELECT a.exit_mode FROM scorm_attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = ?`, learner)

	// The learner leaves, comes back, and resumes where they were.
	clickAndWaitNewPage(t, ctx, `a[href="/learn"]`)
	do(t, ctx, chromedp.Navigate(lessonURL), chromedp.WaitVisible(chromedp.CSS("#scorm-resume")))
	scoEval(t, ctx, scoText("entry"), is("resume"))
	scoEval(t, ctx, scoText("suspend"), is("steps=2"))
	scoEval(t, ctx, scoText("location"), is("page-2"))

	// Completing the SCO completes the lesson; on to the second SCO.
	scoClick(t, ctx, "complete")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#scorm-next")))
	waitDB(t, ta, "passed", `SELECT a.lesson_status FROM scorm_attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = ?`, learner)
	clickAndWaitNewPage(t, ctx, "#scorm-next")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#scorm-frame")))
	scoEval(t, ctx, scoText("entry"), is("ab-initio"))
	scoClick(t, ctx, "complete")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#scorm-next[href^="/learn/"]`)))
	waitDB(t, ta, "completed", `SELECT status FROM enrolments WHERE user_id = ? AND course_id = ?`, learner, courseID)
	waitDB(t, ta, "1", `SELECT count(*)::text FROM credentials WHERE user_id = ? AND course_id = ?`, learner, courseID)
	clickAndWaitNewPage(t, ctx, "#scorm-next")
	if got := text(t, ctx, "main"); !strings.Contains(got, "修了") {
		t.Errorf("course page after completion: %q", got)
	}
}
