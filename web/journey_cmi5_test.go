package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"takumi/internal/token"
)

// auEval runs js in the AU's frame (its own browser target on the content
// origin) until the answer satisfies ok, and returns it with the frame's URL.
func auEval(t *testing.T, ctx context.Context, js string, ok func(string) bool) (string, string) {
	t.Helper()
	out, frame, done := frameEval(t, ctx, "/au/index.html", js, ok)
	if !done {
		t.Fatalf("in the AU, %s stayed %q", js, out)
	}
	return out, frame
}

// TestJourneyCmi5 is issue 17's cmi5 "done when" in Chromium: an
// instructor imports a cmi5 course package on the studio's import page and
// publishes it; a learner enrols and opens the AU, which runs on the
// content origin, reads its launch parameters, gets its auth token from the
// fetch URL, reads LMS.LaunchData and sends "initialized"; the learner
// finishes, the AU sends "completed", "passed" and "terminated" to the
// LRS, the lesson (moveOn CompletedAndPassed) and so the course complete,
// and the credential is issued. Then the session's limits over HTTP: the
// fetch URL answers once, and an auth token writes only its registration.
func TestJourneyCmi5(t *testing.T) {
	ta := startScormApp(t)
	ctx := newChrome(t)
	c := publishPackageAndEnrol(t, ctx, ta, "cmi5", "cmi5", zipTestPackage(t, "cmi5/course"))
	learner, courseID, providerID := c.Learner, c.ID, c.ProviderID
	waitDB(t, ta, "cmi5", `SELECT version FROM scorm_packages WHERE course_id = ?`, courseID)
	var enrolmentID string
	ta.DB.Gorm.Raw(`SELECT id FROM enrolments WHERE user_id = ? AND course_id = ?`, learner, courseID).Row().Scan(&enrolmentID)

	// The AU is on the content origin, with the cmi5 launch parameters.
	_, auURL := auEval(t, ctx, `document.getElementById('state').textContent`, is("initialized"))
	u, err := url.Parse(auURL)
	if err != nil || !strings.HasPrefix(auURL, ta.Cfg.ContentBaseURL+"/c/") {
		t.Fatalf("AU URL %q is not on the content origin %s", auURL, ta.Cfg.ContentBaseURL)
	}
	q := u.Query()
	if q.Get("endpoint") != ta.URL+"/xapi/" || q.Get("registration") != enrolmentID ||
		q.Get("activityId") != "https://takumi.example/cmi5/test-course/au1" || !strings.Contains(q.Get("actor"), learner) ||
		!strings.HasPrefix(q.Get("fetch"), ta.URL+"/xapi/cmi5/fetch/") {
		t.Fatalf("AU launch parameters: %v", q)
	}
	auEval(t, ctx, `document.getElementById('launch-mode').textContent`, is("Normal"))
	auEval(t, ctx, `document.getElementById('move-on').textContent`, is("CompletedAndPassed"))
	waitDB(t, ta, "active", `SELECT status FROM enrolments WHERE id = ?`, enrolmentID)

	// The learner finishes: completed, passed, terminated; the lesson and
	// the course complete, the credential is issued.
	auEval(t, ctx, `(document.getElementById('finish').click(), 'clicked')`, is("clicked"))
	auEval(t, ctx, `document.getElementById('state').textContent`, is("terminated"))
	waitDB(t, ta, "completed", `SELECT status FROM enrolments WHERE id = ?`, enrolmentID)
	waitDB(t, ta, "1", `SELECT count(*)::text FROM credentials WHERE user_id = ? AND course_id = ?`, learner, courseID)
	waitDB(t, ta, "launched,initialized,completed,passed,terminated", `SELECT string_agg(substr(verb_id, 32), ',' ORDER BY seq)
		FROM xapi_statements WHERE org_id = ? AND registration = ?`, providerID, enrolmentID)

	// The fetch URL answers once.
	res, err := http.Post(q.Get("fetch"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var fetched map[string]string
	_ = json.NewDecoder(res.Body).Decode(&fetched)
	res.Body.Close()
	if fetched["error-code"] != "1" || fetched["auth-token"] != "" {
		t.Fatalf("second fetch: %v", fetched)
	}

	// A new launch of the same attempt: its auth token writes statements of
	// its own registration only, and reads no statements.
	launch, hash := token.New()
	if err := ta.DB.Gorm.Exec(`UPDATE scorm_attempts SET launch_token_hash = ? WHERE enrolment_id = ?`, hash, enrolmentID).Error; err != nil {
		t.Fatal(err)
	}
	res, err = http.Get(ta.Cfg.ContentBaseURL + "/launch/" + launch)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	fetchURL, _ := url.Parse(res.Request.URL.String())
	res, err = http.Post(fetchURL.Query().Get("fetch"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	fetched = nil
	_ = json.NewDecoder(res.Body).Decode(&fetched)
	res.Body.Close()
	auth := fetched["auth-token"]
	if auth == "" {
		t.Fatalf("fetch after a new launch: %v", fetched)
	}
	lrs := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, ta.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Basic "+auth)
		req.Header.Set("X-Experience-API-Version", "1.0.3")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	other := `{"actor":{"mbox":"mailto:x@example.jp"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},
		"object":{"id":"https://takumi.example/cmi5/test-course/au1"},"context":{"registration":"6f1d3c39-3c56-4e1b-9b0b-9d3b2f0c1a11"}}`
	if st, body := lrs("POST", "/xapi/statements", other); st != http.StatusForbidden || !strings.Contains(body, "registration") {
		t.Errorf("statement of another registration: %d %s", st, body)
	}
	if st, body := lrs("GET", "/xapi/statements", ""); st != http.StatusForbidden {
		t.Errorf("cmi5 token reading statements: %d %s", st, body)
	}
	// The cmi5 rules on the AU's statements: the session id, initialized
	// first and once, nothing after terminated.
	var sessionID string
	ta.DB.Gorm.Raw(`SELECT id FROM cmi5_sessions WHERE enrolment_id = ? ORDER BY created_at DESC LIMIT 1`, enrolmentID).Row().Scan(&sessionID)
	mine := func(verb string, withSession bool) string {
		ctx := `{"registration":"` + enrolmentID + `"}`
		if withSession {
			ctx = `{"registration":"` + enrolmentID + `","extensions":{"https://w3id.org/xapi/cmi5/context/extensions/sessionid":"` + sessionID + `"}}`
		}
		return `{"actor":{"mbox":"mailto:x@example.jp"},"verb":{"id":"http://adlnet.gov/expapi/verbs/` + verb + `"},
			"object":{"id":"https://takumi.example/cmi5/test-course/au1"},"context":` + ctx + `}`
	}
	for _, c := range []struct {
		body   string
		status int
		says   string
	}{
		{mine("initialized", false), http.StatusForbidden, "sessionid"},
		{mine("experienced", true), http.StatusForbidden, "must be initialized"},
		{mine("initialized", true), http.StatusOK, ""},
		{mine("initialized", true), http.StatusForbidden, "already initialized"},
		{mine("terminated", true), http.StatusOK, ""},
		{mine("experienced", true), http.StatusForbidden, "after terminated"},
	} {
		if st, body := lrs("POST", "/xapi/statements", c.body); st != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d %s, want %d %q", c.body, st, body, c.status, c.says)
		}
	}
	own := mine("experienced", true)
	auth = base64.StdEncoding.EncodeToString([]byte("cmi5_" + strings.Repeat("a", 20) + ":nope"))
	if st, _ := lrs("POST", "/xapi/statements", own); st != http.StatusUnauthorized {
		t.Errorf("a wrong cmi5 token: %d", st)
	}
}
