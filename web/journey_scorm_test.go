package web_test

import (
	"archive/zip"
	"context"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/config"
	"takumi/internal/fixtures"
)

// scormTestPackage zips a test package of internal/catalog/testdata/scorm
// into a file and returns its path.
func scormTestPackage(t *testing.T, name string) string {
	t.Helper()
	root := filepath.Join("..", "internal", "catalog", "testdata", "scorm", name)
	out := filepath.Join(t.TempDir(), name+".zip")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

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
	deadline := time.Now().Add(stepTimeout)
	last := ""
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type != "iframe" || !strings.Contains(info.URL, "/launch/") {
				continue
			}
			fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
			sctx, scancel := context.WithTimeout(fctx, 5*time.Second)
			out, err := chromedp.Run(sctx, chromedp.Evaluate[string](`(function(){ try { return String(`+js+`); } catch (e) { return ''; } })()`))
			scancel()
			cancel()
			if err == nil {
				last = out
				if out != "" && ok(out) {
					return out
				}
			}
		}
		time.Sleep(150 * time.Millisecond)
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
	instructor := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "scorm-instructor@example.jp", Name: "伊藤 講師"})
	fixtures.MustAddMember(t, ta.DB, "関西安全教育センター", "provider", instructor, "instructor", false)
	learner := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "scorm-learner@example.jp", Name: "佐藤 受講者"})
	pkg := scormTestPackage(t, "scorm12")

	// The studio: import, details, publish.
	chromeSignIn(t, ctx, ta, "/studio/import", "scorm-instructor@example.jp", "", "#import-form")
	checkAxe(t, ctx, "import page")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{pkg}))
	clickAndWaitNewPage(t, ctx, `#import-form button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#structure")))
	courseID := strings.Split(strings.TrimPrefix(location(t, ctx), ta.URL+"/studio/courses/"), "/")[0]
	do(t, ctx,
		chromedp.Navigate(ta.URL+"/studio/courses/"+courseID+"/details"),
		chromedp.WaitVisible(chromedp.CSS("#details-form")),
		chromedp.SendKeys(chromedp.CSS("#f-summary_ja"), "工場の安全の基本を SCORM 教材で学びます。"),
		chromedp.SetValue(chromedp.CSS("#f-skill_area"), "robotics"),
		chromedp.SetValue(chromedp.CSS("#f-level"), "introductory"),
		chromedp.SetValue(chromedp.CSS("#f-estimated_hours"), "1"),
	)
	clickAndWaitNewPage(t, ctx, `#details-form button[type="submit"]`)
	do(t, ctx, chromedp.Navigate(ta.URL+"/studio/courses/"+courseID+"/publish"), chromedp.WaitVisible(chromedp.CSS("#publish-form")))
	clickAndWaitNewPage(t, ctx, `#publish-form button[type="submit"]`)
	waitDB(t, ta, "published", `SELECT status FROM courses WHERE id = ?`, courseID)
	clickAndWaitNewPage(t, ctx, `form[action="/logout"] button`)

	// The learner enrols and opens the first SCO.
	var providerID, code string
	ta.DB.Gorm.Raw(`SELECT provider_id, code FROM courses WHERE id = ?`, courseID).Row().Scan(&providerID, &code)
	chromeSignIn(t, ctx, ta, "/login?next=/courses/"+providerID+"/"+code, "scorm-learner@example.jp", "", "#enrol-form")
	clickAndWaitNewPage(t, ctx, `#enrol-form button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#scorm-frame")))
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
