package jobs_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"takumi/internal/dbtest"
)

// client is a cookie-keeping HTTP client that does not follow redirects.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(req *http.Request) (int, string) {
	c.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()

	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf loads path and returns the CSRF token of its forms.
func (c *client) csrf(path string) string {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	status, body := c.do(req)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s (%d)", path, status)
	}
	return m[1]
}

func (c *client) postForm(formPage, path string, v url.Values) (int, string) {
	c.t.Helper()
	v.Set("_csrf", c.csrf(formPage))
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// TestBulkImportRecoversAfterKill9: the instance that took a bulk
// enrolment import is killed with -9; a second instance finishes it with
// exact counts.
func TestBulkImportRecoversAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // each test waits on its own instances and database
	db := dbtest.New(t)
	dbURL := dbtest.URL(t, db)
	const password = "demo-password-for-recovery"
	demo := exec.Command(takumiBinary(t), "demo")
	demo.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "TAKUMI_ENV=development", "TAKUMI_DATA_DIR="+t.TempDir(),
		"TAKUMI_DEMO_PASSWORD="+password)
	if out, err := demo.CombinedOutput(); err != nil {
		t.Fatalf("takumi demo: %v\n%s", err, out)
	}
	var orgID, course string
	if err := db.Pool.QueryRow(t.Context(), `SELECT m.org_id FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE u.email = 'hr@demo.takumi.localhost' AND m.role = 'admin'`).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(t.Context(), `SELECT o.code || '/' || c.code FROM courses c JOIN organisations o ON o.id = c.provider_id
		WHERE c.status = 'published' AND c.delivery_mode = 'self_paced' ORDER BY c.code LIMIT 1`).Scan(&course); err != nil {
		t.Fatal(err)
	}

	a := startInstance(t, "a", dbURL, "TAKUMI_TEST_JOB_DELAY=bulk_enrol=10m")
	c := newClient(t, a.url)
	// Organisation admins sign in with a second factor.
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	if _, err := db.Pool.Exec(t.Context(), `UPDATE users SET totp_secret = $1, totp_enabled_at = now()
		WHERE email = 'hr@demo.takumi.localhost'`, secret); err != nil {
		t.Fatal(err)
	}
	if status, body := c.postForm("/login", "/login", url.Values{"email": {"hr@demo.takumi.localhost"}, "password": {password}}); status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %.300s", status, body)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if status, body := c.postForm("/login/2fa", "/login/2fa", url.Values{"code": {code}}); status != http.StatusSeeOther {
		t.Fatalf("second factor: %d %.300s", status, body)
	}
	const rows = 300
	var csv bytes.Buffer
	csv.WriteString("email,name,prefecture,industry,segment,course,cohort\n")
	for i := range rows {
		fmt.Fprintf(&csv, "recovery%03d@example.co.jp,復旧 太郎%d,13,E,engineer,%s,\n", i, i, course)
	}
	form := "/org/" + orgID + "/enrolments"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", c.csrf(form))
	fw, _ := mw.CreateFormFile("file", "recovery.csv")
	fw.Write(csv.Bytes())
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, a.url+form+"/dry-run", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	status, page := c.do(req)
	if status != http.StatusOK {
		t.Fatalf("dry run: %d %.500s", status, page)
	}
	sha := regexp.MustCompile(`name="sha256" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if sha == nil {
		t.Fatalf("dry run page has no import form: %.500s", page)
	}
	if status, page := c.postForm(form, form+"/import", url.Values{"sha256": {sha[1]}}); status != http.StatusSeeOther {
		t.Fatalf("import: %d %.300s", status, page)
	}
	dbtest.Eventually(t, 30*time.Second, "instance a takes the import", func() bool {
		return scalar[int](t, db, `SELECT count(*) FROM river_job WHERE kind = 'bulk_enrol' AND state = 'running'`) > 0
	})

	a.kill9(t)
	killed := time.Now()
	startInstance(t, "b", dbURL)
	dbtest.Eventually(t, 120*time.Second, "the import finishes on the surviving instance", func() bool {
		return scalar[string](t, db, `SELECT status FROM enrolment_imports WHERE org_id = $1`, orgID) == "done"
	})
	t.Logf("bulk import: %d rows done %.1f s after kill -9 of the instance running it", rows, time.Since(killed).Seconds())
	var processed, pending int
	db.Pool.QueryRow(t.Context(), `SELECT processed FROM enrolment_imports WHERE org_id = $1`, orgID).Scan(&processed)
	db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM pending_enrolments WHERE org_id = $1`, orgID).Scan(&pending)
	if processed != rows || pending != rows {
		t.Fatalf("processed %d, pending enrolments %d; want %d each", processed, pending, rows)
	}
}
