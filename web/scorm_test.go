package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
)

// publishedScormCourse imports a test package as instructor of a new
// provider through the catalog service, fills its details and publishes
// it, and returns the course id and code.
func publishedScormCourse(t *testing.T, ta *testApp, pkg, email string) (courseID, providerID, code string) {
	t.Helper()
	ctx := context.Background()
	uid := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "講師"})
	providerID = fixtures.MustAddMember(t, ta.DB, "SCORM 研修 "+email, "provider", uid, "instructor", false)
	b, err := os.ReadFile(zipTestPackage(t, "scorm/"+pkg))
	if err != nil {
		t.Fatal(err)
	}
	a := catalog.Actor{UserID: uid}
	res, err := ta.App.Server.Courses.ImportScorm(ctx, a, catalog.ImportRequest{ProviderID: providerID, File: bytes.NewReader(b), Size: int64(len(b))})
	if err != nil {
		t.Fatal(err)
	}
	_, rev, err := ta.App.Server.Courses.Draft(ctx, a, res.Course.ID)
	if err != nil {
		t.Fatal(err)
	}
	d := catalog.DetailsOf(&rev.Content)
	d.SummaryJa, d.SkillArea, d.Level, d.EstimatedHours = "SCORM の試験用コース", "robotics", catalog.LevelIntroductory, 1
	if _, err := ta.App.Server.Courses.UpdateDetails(ctx, a, res.Course.ID, rev.LockVersion, d); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.App.Server.Courses.Publish(ctx, a, res.Course.ID); err != nil {
		t.Fatal(err)
	}
	return res.Course.ID, providerID, res.Course.Code
}

var scormTokenRe = regexp.MustCompile(`name="token" value="([A-Za-z0-9_-]{43})"`)

// TestScormRuntimeHTTP covers the commit endpoint and the content origin
// from outside: malformed data-model values are refused with the SCORM
// error code and nothing is stored; another learner's token, a made-up one
// and an old one are refused; the content origin serves only the live
// token's package, with its own CSP, and never the app's pages; the
// player page alone may frame the content origin.
func TestScormRuntimeHTTP(t *testing.T) {
	ta := startScormApp(t)
	courseID, _, _ := publishedScormCourse(t, ta, "scorm2004", "scorm-http@example.jp")
	learner, _ := ta.signedInLearner(t, "scorm-http-learner@example.jp")
	other, _ := ta.signedInLearner(t, "scorm-http-other@example.jp")
	r := learner.post("/learn", "/learn/enrol", url.Values{"course_id": {courseID}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("enrol: %d", r.StatusCode)
	}
	lessonPath := r.Header.Get("Location")
	page := learner.get(lessonPath)
	m := scormTokenRe.FindStringSubmatch(page.Body)
	if page.StatusCode != 200 || m == nil {
		t.Fatalf("player page %d without a launch token", page.StatusCode)
	}
	tok := m[1]
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self' "+ta.Cfg.ContentBaseURL) || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("player CSP: %s", csp)
	}
	if csp := learner.get("/learn").Header.Get("Content-Security-Policy"); strings.Contains(csp, "frame-src") {
		t.Errorf("another page may frame the content origin: %s", csp)
	}
	commit := func(b *browser, tok, cmi string) *response {
		return b.post("/learn", "/learn/scorm/commit", url.Values{"token": {tok}, "cmi": {cmi}})
	}
	stored := func() string {
		var s string
		ta.DB.Gorm.Raw(`SELECT completion_status || '/' || suspend_data FROM scorm_attempts`).Row().Scan(&s)
		return s
	}

	t.Run("OK", func(t *testing.T) {
		r := commit(learner, tok, `{"cmi":{"completion_status":"incomplete","suspend_data":"`+strings.Repeat("x", 64000)+`","location":"p3"}}`)
		if r.StatusCode != 200 || stored() != "incomplete/"+strings.Repeat("x", 64000) {
			t.Fatalf("%d %s", r.StatusCode, r.Body[:min(200, len(r.Body))])
		}
	})
	for _, tc := range []struct{ name, cmi, element string }{
		{"BadVocabulary", `{"completion_status":"finished"}`, "cmi.completion_status"},
		{"SuspendDataTooLong", `{"suspend_data":"` + strings.Repeat("y", 64001) + `"}`, "cmi.suspend_data"},
		{"ScaledOutOfRange", `{"score":{"scaled":"1.5"}}`, "cmi.score.scaled"},
		{"ScoreNotANumber", `{"score":{"raw":"lots"}}`, "cmi.score.raw"},
		{"BadSessionTime", `{"session_time":"90 seconds"}`, "cmi.session_time"},
		{"BadExit", `{"exit":"crash"}`, "cmi.exit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := commit(learner, tok, tc.cmi)
			var out struct {
				Error   int    `json:"error"`
				Element string `json:"element"`
			}
			json.Unmarshal([]byte(r.Body), &out)
			if r.StatusCode != http.StatusUnprocessableEntity || out.Element != tc.element || out.Error == 0 {
				t.Errorf("%d %s", r.StatusCode, r.Body)
			}
			if stored() != "incomplete/"+strings.Repeat("x", 64000) {
				t.Error("a refused commit changed the stored data")
			}
		})
	}
	t.Run("NotJSON", func(t *testing.T) {
		if r := commit(learner, tok, `{"completion_status":`); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%d", r.StatusCode)
		}
	})
	t.Run("AnotherLearnersToken", func(t *testing.T) {
		if r := commit(other, tok, `{"completion_status":"completed"}`); r.StatusCode != http.StatusNotFound {
			t.Errorf("%d", r.StatusCode)
		}
	})
	t.Run("MadeUpToken", func(t *testing.T) {
		if r := commit(learner, strings.Repeat("A", 43), `{"completion_status":"completed"}`); r.StatusCode != http.StatusNotFound {
			t.Errorf("%d", r.StatusCode)
		}
	})
	t.Run("NoCSRF", func(t *testing.T) {
		if r := learner.postRaw("/learn/scorm/commit", url.Values{"token": {tok}, "cmi": {`{}`}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("%d", r.StatusCode)
		}
	})

	cget := func(p string) (*http.Response, string) {
		res, err := http.Get(ta.Cfg.ContentBaseURL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	t.Run("ContentOrigin", func(t *testing.T) {
		res, body := cget("/c/" + tok + "/shared/sco.js")
		if res.StatusCode != 200 || !strings.Contains(body, "API_1484_11") {
			t.Fatalf("package file: %d", res.StatusCode)
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"connect-src 'self'", "form-action 'self'", "frame-ancestors 'self' " + ta.URL} {
			if !strings.Contains(csp, want) {
				t.Errorf("package CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, ta.URL+";") && !strings.Contains(csp, "frame-ancestors 'self' "+ta.URL) {
			t.Errorf("the package may reach the app: %s", csp)
		}
		if res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("Set-Cookie") != "" {
			t.Error("referrer policy or cookie")
		}
		res, body = cget("/launch/" + tok)
		if res.StatusCode != 200 || !strings.Contains(body, `data-app-origin="`+ta.URL+`"`) || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors "+ta.URL) {
			t.Errorf("launcher: %d %s", res.StatusCode, res.Header.Get("Content-Security-Policy"))
		}
		for _, p := range []string{
			"/c/" + strings.Repeat("A", 43) + "/index.html", // unknown token
			"/c/" + tok + "/../../etc/passwd",               // traversal
			"/c/" + tok + "/%2e%2e/imsmanifest.xml",
			"/c/" + tok + "/missing.html",
			"/learn", // the app's pages are not here
			"/static/js/scorm-player.js",
		} {
			if res, _ := cget(p); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, res.StatusCode)
			}
		}
		// The app's origin does not serve the content origin's assets.
		if r := learner.get("/static/scorm/launcher.js"); r.StatusCode != http.StatusNotFound {
			t.Errorf("app serves the launcher: %d", r.StatusCode)
		}
	})
	t.Run("ErasedWithTheAccount", func(t *testing.T) {
		var uid string
		ta.DB.Gorm.Raw(`SELECT id FROM users WHERE email = 'scorm-http-learner@example.jp'`).Row().Scan(&uid)
		err := ta.DB.Gorm.Transaction(func(tx *gorm.DB) error {
			_, err := ta.App.Server.Learning.EraseLearner(context.Background(), tx, uid)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var left string
		ta.DB.Gorm.Raw(`SELECT cmi::text || suspend_data || location || coalesce(completion_status, '') FROM scorm_attempts`).Row().Scan(&left)
		if left != "{}incomplete" {
			t.Errorf("after erasure: %q", left)
		}
		if res, _ := cget("/c/" + tok + "/index.html"); res.StatusCode != http.StatusNotFound {
			t.Errorf("token still live after erasure: %d", res.StatusCode)
		}
	})
	t.Run("TokenReplacedOnReopen", func(t *testing.T) {
		learner.get(lessonPath)
		if res, _ := cget("/c/" + tok + "/index.html"); res.StatusCode != http.StatusNotFound {
			t.Errorf("old token still serves: %d", res.StatusCode)
		}
		if r := commit(learner, tok, `{"completion_status":"completed"}`); r.StatusCode != http.StatusNotFound {
			t.Errorf("old token still commits: %d", r.StatusCode)
		}
	})
}

// TestJourneyScorm2004 plays the SCORM 2004 4th edition package in
// Chromium: Initialize, SetValue, Commit, Terminate through
// window.API_1484_11; completing it with a scaled score above the passing
// score completes the course.
func TestJourneyScorm2004(t *testing.T) {
	ta := startScormApp(t)
	ctx := newChrome(t)
	courseID, providerID, code := publishedScormCourse(t, ta, "scorm2004", "scorm2004-instructor@example.jp")
	learner := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "scorm2004-learner@example.jp", Name: "山田 受講者"})
	chromeSignIn(t, ctx, ta, "/login?next=/courses/"+providerID+"/"+code, "scorm2004-learner@example.jp", "", "#enrol-form")
	clickAndWaitNewPage(t, ctx, `#enrol-form button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#scorm-frame")))
	lessonURL := location(t, ctx)
	scoEval(t, ctx, scoText("entry"), is("ab-initio"))
	scoClick(t, ctx, "step")
	scoEval(t, ctx, scoText("result"), is("step 1 commit true"))
	scoClick(t, ctx, "bad")
	scoEval(t, ctx, scoText("result"), is("bad false error 406"))
	scoClick(t, ctx, "leave")
	waitDB(t, ta, "suspend", `SELECT a.exit_mode FROM scorm_attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = ?`, learner)
	do(t, ctx, chromedp.Navigate(ta.URL+"/learn"), chromedp.WaitVisible(chromedp.CSS("main")))
	do(t, ctx, chromedp.Navigate(lessonURL), chromedp.WaitVisible(chromedp.CSS("#scorm-resume")))
	scoEval(t, ctx, scoText("entry"), is("resume"))
	scoEval(t, ctx, scoText("suspend"), is("steps=1"))
	scoClick(t, ctx, "complete")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#scorm-next")))
	waitDB(t, ta, "completed", `SELECT status FROM enrolments WHERE user_id = ? AND course_id = ?`, learner, courseID)
	waitDB(t, ta, "0.9", `SELECT a.score_scaled::text FROM scorm_attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = ?`, learner)
}

// TestScormCommitSpeed measures commits of 64 KB of suspend_data through
// the real HTTP stack (issue 16 asks < 20 ms p95 on the server). The
// figure is logged; the test fails only far above it, so a busy machine
// does not make it flaky.
func TestScormCommitSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("speed measurement")
	}
	ta := startScormApp(t)
	courseID, _, _ := publishedScormCourse(t, ta, "scorm2004", "scorm-speed@example.jp")
	learner, _ := ta.signedInLearner(t, "scorm-speed-learner@example.jp")
	r := learner.post("/learn", "/learn/enrol", url.Values{"course_id": {courseID}})
	lesson := r.Header.Get("Location")
	const n = 100
	pages := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if res := learner.get(lesson); res.StatusCode != 200 {
			t.Fatalf("player page: %d", res.StatusCode)
		}
		pages = append(pages, time.Since(start))
	}
	slices.Sort(pages)
	t.Logf("%d SCORM player pages over HTTP: p50 %v, p95 %v", n, pages[n/2], pages[n*95/100])
	m := scormTokenRe.FindStringSubmatch(learner.get(lesson).Body)
	if m == nil {
		t.Fatal("no launch token")
	}
	csrf := learner.csrf("/learn")
	times := make([]time.Duration, 0, n)
	for i := range n {
		sd := strings.Repeat(string(rune('a'+i%26)), 64000)
		v := url.Values{"_csrf": {csrf}, "token": {m[1]}, "cmi": {`{"completion_status":"incomplete","location":"p` + strconv.Itoa(i) + `","suspend_data":"` + sd + `"}`}}
		start := time.Now()
		res := learner.postRaw("/learn/scorm/commit", v)
		times = append(times, time.Since(start))
		if res.StatusCode != 200 {
			t.Fatalf("commit %d: %d", i, res.StatusCode)
		}
	}
	slices.Sort(times)
	p50, p95 := times[n/2], times[n*95/100]
	t.Logf("%d commits of 64,000 characters of suspend_data over HTTP: p50 %v, p95 %v, max %v", n, p50, p95, times[n-1])
	if p95 > 500*time.Millisecond {
		t.Errorf("p95 %v", p95)
	}
}

// TestScormAddToCourse adds a SCORM 1.2 package to an existing course
// through the studio form (multipart, real HTTP): its SCOs become new
// modules after the course's own; a broken package is refused with its
// problems listed and the draft unchanged; another provider's instructor
// cannot reach the page.
func TestScormAddToCourse(t *testing.T) {
	ta := startScormApp(t)
	courseID, _, _ := publishedScormCourse(t, ta, "scorm2004", "scorm-add@example.jp")
	author := ta.signedIn(t, "scorm-add@example.jp", "")
	upload := func(b *browser, zipBytes []byte) *response {
		page := b.get("/studio/courses/" + courseID + "/scorm")
		if page.StatusCode != 200 {
			return page
		}
		doc := page.Doc(t)
		csrf, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
		lock, _ := doc.Find(`input[name="lock_version"]`).Attr("value")
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("_csrf", csrf)
		mw.WriteField("lock_version", lock)
		fw, _ := mw.CreateFormFile("file", "pkg.zip")
		fw.Write(zipBytes)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, b.base+"/studio/courses/"+courseID+"/scorm", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return b.do(req)
	}
	modules := func() int {
		var n int
		ta.DB.Gorm.Raw(`SELECT jsonb_array_length(content->'modules') FROM course_revisions WHERE course_id = ? ORDER BY number DESC LIMIT 1`, courseID).Row().Scan(&n)
		return n
	}
	good, _ := os.ReadFile(zipTestPackage(t, "scorm/scorm12"))
	before := modules()

	t.Run("Refused", func(t *testing.T) {
		r := upload(author, []byte("not a zip"))
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#scorm-problems li").Length() != 1 || modules() != before {
			t.Fatalf("%d, modules %d", r.StatusCode, modules())
		}
	})
	t.Run("OtherProvider", func(t *testing.T) {
		uid := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "scorm-add-other@example.jp", Name: "他社 講師"})
		fixtures.MustAddMember(t, ta.DB, "他社研修", "provider", uid, "instructor", false)
		other := ta.signedIn(t, "scorm-add-other@example.jp", "")
		if r := other.get("/studio/courses/" + courseID + "/scorm"); r.StatusCode != http.StatusNotFound {
			t.Errorf("%d", r.StatusCode)
		}
	})
	t.Run("OK", func(t *testing.T) {
		r := upload(author, good)
		if r.StatusCode != http.StatusSeeOther || modules() != before+2 {
			t.Fatalf("%d, modules %d → %d", r.StatusCode, before, modules())
		}
		var packages int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM scorm_packages WHERE course_id = ?`, courseID).Row().Scan(&packages)
		if packages != 2 {
			t.Errorf("%d packages", packages)
		}
	})
}
