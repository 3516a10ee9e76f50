package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// newChromeUnwatched is newChrome without the console watcher: a hostile
// SCO's blocked requests are Content-Security-Policy violations that
// Chromium logs as errors on purpose, so the test asserts their outcome
// instead.
func newChromeUnwatched(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromePath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); acancel() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// TestScormHostilePackage plays a hostile SCO in Chromium: it cannot read
// the app's cookies or document, and every request it tries toward the
// app (fetch, a credentialed POST to the commit endpoint, XHR, an image)
// is blocked by the content origin's policy; then it floods
// LMSSetValue/LMSCommit 1,000 times, which reaches the server as a handful
// of commits (one in flight at a time) and loses nothing: the last state
// is what is stored.
func TestScormHostilePackage(t *testing.T) {
	ta := startScormApp(t)
	ctx := newChromeUnwatched(t)
	courseID, providerID, code := publishedScormCourse(t, ta, "hostile", "scorm-hostile@example.jp")
	learner := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "scorm-hostile-learner@example.jp", Name: "佐藤 受講者"})
	chromeSignIn(t, ctx, ta, "/login?next=/courses/"+providerID+"/"+code, "scorm-hostile-learner@example.jp", "", "#enrol-form")
	clickAndWaitNewPage(t, ctx, `#enrol-form button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#scorm-frame")))

	raw := scoEval(t, ctx, scoText("probes"), func(s string) bool { return strings.HasPrefix(s, "{") })
	var probes map[string]any
	if err := json.Unmarshal([]byte(raw), &probes); err != nil {
		t.Fatalf("probes %q: %v", raw, err)
	}
	if probes["app"] != ta.URL {
		t.Fatalf("the SCO did not find the app's origin: %v (want %s)", probes["app"], ta.URL)
	}
	for _, k := range []string{"topCookie", "fetch", "post", "xhr", "img"} {
		if probes[k] != "blocked" {
			t.Errorf("hostile probe %s: %v, want blocked", k, probes[k])
		}
	}
	if c, _ := probes["cookie"].(string); c != "" {
		t.Errorf("the SCO reads cookies: %q", c)
	}
	t.Logf("probes: %s", raw)

	scoEval(t, ctx, scoText("flood"), is("flooded"))
	q := `SELECT a.lesson_status || '/' || a.location || '/' || a.score_raw::text FROM scorm_attempts a
		JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = ? AND e.course_id = ?`
	waitDB(t, ta, "incomplete/loc-1000/0", q, learner, courseID)
	time.Sleep(500 * time.Millisecond) // anything still in flight
	var commits int
	var suspend string
	ta.DB.Gorm.Raw(`SELECT a.commits, a.suspend_data FROM scorm_attempts a JOIN enrolments e ON e.id = a.enrolment_id
		WHERE e.user_id = ?`, learner).Row().Scan(&commits, &suspend)
	if commits < 1 || commits > 50 {
		t.Errorf("1,001 LMSCommit calls reached the server as %d commits, want a handful", commits)
	}
	if suspend != raw {
		t.Errorf("suspend_data set before the flood was lost: %q", suspend)
	}
	waitDB(t, ta, "incomplete/loc-1000/0", q, learner, courseID)
	t.Logf("1,001 LMSCommit calls → %d commits on the server", commits)
}
