package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// xapiWorld is an employer with its admin and a member, a training
// provider with an instructor, and another employer's admin.
type xapiWorld struct {
	ta                                  *testApp
	employer, provider, otherEmployer   string
	admin, member, instructor, otherAdm string
}

func xapiSetup(t *testing.T) xapiWorld {
	t.Helper()
	ta := startApp(t)
	w := xapiWorld{ta: ta, admin: "xapi-admin@example.jp", member: "xapi-member@example.jp",
		instructor: "xapi-instructor@example.jp", otherAdm: "xapi-other@example.jp"}
	admin := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.admin, Name: "記録 管理者", TOTPSecret: revokeSecret})
	w.employer = fixtures.MustAddMember(t, ta.DB, "xAPI 採用企業", "employer", admin, "admin", false)
	member := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.member, Name: "記録 社員"})
	fixtures.MustCreateMembership(t, ta.DB, w.employer, member, "member", false)
	inst := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.instructor, Name: "記録 講師"})
	w.provider = fixtures.MustAddMember(t, ta.DB, "xAPI 研修機関", "provider", inst, "instructor", false)
	other := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.otherAdm, Name: "他社 管理者", TOTPSecret: revokeSecret})
	w.otherEmployer = fixtures.MustAddMember(t, ta.DB, "xAPI 別の企業", "employer", other, "admin", false)
	return w
}

// lrs sends one xAPI request with Basic auth (no cookies).
func lrs(t *testing.T, base, method, path, key, secret string, body any) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.SetBasicAuth(key, secret)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func stmt(id, email string) map[string]any {
	s := map[string]any{
		"actor":  map[string]any{"mbox": "mailto:" + email},
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/completed"},
		"object": map[string]any{"id": "https://takumi.example/activities/1"},
	}
	if id != "" {
		s["id"] = id
	}
	return s
}

// TestXAPIClientsHTTP: an organisation's admin creates an LRS client, sees
// its secret once, uses it, revokes it; others are refused.
func TestXAPIClientsHTTP(t *testing.T) {
	t.Parallel()
	w := xapiSetup(t)
	ta := w.ta
	page := "/org/" + w.employer + "/xapi"
	b := ta.signedIn(t, w.admin, revokeSecret)

	if href, _ := b.get("/org/" + w.employer).Doc(t).Find("#xapi-link").Attr("href"); href != page {
		t.Fatalf("org page links %q for the xAPI clients", href)
	}
	if r := b.get(page); r.StatusCode != 200 || r.Doc(t).Find("#no-clients").Length() != 1 {
		t.Fatalf("clients page: %d", r.StatusCode)
	}
	t.Run("CSRF", func(t *testing.T) {
		if r := b.postRaw(page, url.Values{"name": {"x"}, "scope": {"rw"}, "version": {"2.0.0"}}); r.StatusCode != http.StatusForbidden {
			t.Fatalf("create without a CSRF token: %d", r.StatusCode)
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		r := b.post(page, page, url.Values{"name": {" "}, "scope": {"all"}, "version": {"0.9"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d", r.StatusCode)
		}
		d := r.Doc(t)
		for _, want := range []string{"200 文字以内で名前を入力してください。", "クライアントの権限を選んでください。", "xAPI 2.0.0 か 1.0.3 を選んでください。"} {
			if !strings.Contains(d.Find("#error-summary").Text(), want) {
				t.Errorf("error summary lacks %q", want)
			}
		}
	})

	r := b.post(page, page, url.Values{"name": {"社内 LMS"}, "scope": {"rw"}, "version": {"2.0.0"}})
	if r.StatusCode != 200 {
		t.Fatalf("create: %d", r.StatusCode)
	}
	d := r.Doc(t)
	key, secret := d.Find("#new-key").Text(), d.Find("#new-secret").Text()
	if key == "" || len(secret) < 40 {
		t.Fatalf("key %q secret %q", key, secret)
	}
	if again := b.get(page); strings.Contains(again.Body, secret) || again.Doc(t).Find("#new-secret").Length() != 0 {
		t.Fatal("the secret is shown again")
	}
	var stored []byte
	ta.DB.Gorm.Raw(`SELECT secret_hash FROM xapi_clients WHERE key = ?`, key).Row().Scan(&stored)
	if len(stored) != 32 || bytes.Contains(stored, []byte(secret)) {
		t.Fatalf("secret stored as %x", stored)
	}

	if code, body, _ := lrs(t, ta.URL, "POST", "/xapi/statements", key, secret, stmt("", "learner@example.jp")); code != 200 {
		t.Fatalf("POST statement with the new client: %d %s", code, body)
	}

	t.Run("OthersRefused", func(t *testing.T) {
		other := ta.signedIn(t, w.otherAdm, revokeSecret)
		if r := other.get(page); r.StatusCode != http.StatusNotFound {
			t.Fatalf("another organisation's admin: %d", r.StatusCode)
		}
		var id string
		ta.DB.Gorm.Raw(`SELECT id FROM xapi_clients WHERE key = ?`, key).Row().Scan(&id)
		otherPage := "/org/" + w.otherEmployer + "/xapi"
		if r := other.post(otherPage, page+"/"+id+"/revoke", nil); r.StatusCode != http.StatusNotFound {
			t.Fatalf("another organisation's admin revokes: %d", r.StatusCode)
		}
		if r := other.post(otherPage, otherPage+"/"+id+"/revoke", nil); r.StatusCode != http.StatusNotFound {
			t.Fatalf("revoking a client of another organisation through one's own: %d", r.StatusCode)
		}
		member := ta.signedIn(t, w.member, "")
		if r := member.get(page); r.StatusCode == 200 {
			t.Fatalf("a member sees the clients page")
		}
		inst := ta.signedIn(t, w.instructor, "")
		if r := inst.get("/studio/providers/" + w.employer + "/xapi"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("an instructor of a provider on an employer's page: %d", r.StatusCode)
		}
		if r := inst.get("/studio/xapi"); r.StatusCode != 200 || !strings.Contains(r.Body, "/studio/providers/"+w.provider+"/xapi") {
			t.Fatalf("studio xAPI index: %d", r.StatusCode)
		}
		sp := "/studio/providers/" + w.provider + "/xapi"
		if r := inst.post(sp, sp, url.Values{"name": {"教材ツール"}, "scope": {"write"}, "version": {"1.0.3"}}); r.StatusCode != 200 ||
			r.Doc(t).Find("#new-secret").Length() != 1 {
			t.Fatalf("instructor creates a provider client: %d", r.StatusCode)
		}
	})

	t.Run("PlatformAdmin", func(t *testing.T) {
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "xapi-platform@example.jp", Name: "基盤 管理者", PlatformAdmin: true, TOTPSecret: revokeSecret})
		pa := ta.signedIn(t, "xapi-platform@example.jp", revokeSecret)
		ap := "/admin/orgs/" + w.employer + "/xapi"
		if href, _ := pa.get("/admin/orgs/" + w.employer).Doc(t).Find("#xapi-link").Attr("href"); href != ap {
			t.Fatalf("admin org page links %q", href)
		}
		r := pa.post(ap, ap, url.Values{"name": {"基盤の連携"}, "scope": {"read"}, "version": {"2.0.0"}})
		if r.StatusCode != 200 || r.Doc(t).Find("#new-secret").Length() != 1 || !strings.Contains(r.Body, "社内 LMS") {
			t.Fatalf("platform admin creates a client: %d", r.StatusCode)
		}
		if r := b.get("/admin/orgs/" + w.employer + "/xapi"); r.StatusCode == 200 {
			t.Fatal("an organisation admin opens the platform admin's page")
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		var id string
		ta.DB.Gorm.Raw(`SELECT id FROM xapi_clients WHERE key = ?`, key).Row().Scan(&id)
		r := b.post(page, page+"/"+id+"/revoke", nil)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		if code, _, h := lrs(t, ta.URL, "GET", "/xapi/statements", key, secret, nil); code != 401 || h.Get("WWW-Authenticate") == "" {
			t.Fatalf("a revoked client: %d", code)
		}
		var n int64
		ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'xapi.auth_refused' AND target_id = ? AND details LIKE '%revoked%'`, id).Row().Scan(&n)
		if n != 1 {
			t.Fatalf("%d audit entries for the refused revoked client", n)
		}
		ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action IN ('xapi.client_created', 'xapi.client_revoked') AND target_id = ?`, id).Row().Scan(&n)
		if n != 2 {
			t.Fatalf("%d audit entries for creating and revoking", n)
		}
	})
}

// TestXAPIBadInput: refusals name the problem and store nothing; statements
// are immutable; scopes and tenants hold.
func TestXAPIBadInput(t *testing.T) {
	t.Parallel()
	w := xapiSetup(t)
	ta := w.ta
	b := ta.signedIn(t, w.admin, revokeSecret)
	page := "/org/" + w.employer + "/xapi"
	create := func(scope string) (string, string) {
		d := b.post(page, page, url.Values{"name": {"c-" + scope}, "scope": {scope}, "version": {"2.0.0"}}).Doc(t)
		return d.Find("#new-key").Text(), d.Find("#new-secret").Text()
	}
	key, secret := create("rw")
	count := func() int64 {
		var n int64
		ta.DB.Gorm.Raw(`SELECT count(*) FROM xapi_statements`).Row().Scan(&n)
		return n
	}

	bad := stmt("", "a@example.jp")
	bad["verb"] = map[string]any{"id": "completed"}
	code, body, _ := lrs(t, ta.URL, "POST", "/xapi/statements", key, secret, []any{stmt("", "b@example.jp"), bad})
	if code != 400 || !strings.Contains(body, "statement.verb.id") || !strings.Contains(body, "statement 1") {
		t.Fatalf("a batch with a bad verb id: %d %s", code, body)
	}
	if n := count(); n != 0 {
		t.Fatalf("a refused batch stored %d statements", n)
	}

	id := "0b5e7b36-3c3e-4d77-9b8c-111111111111"
	if code, body, _ := lrs(t, ta.URL, "PUT", "/xapi/statements?statementId="+id, key, secret, stmt(id, "c@example.jp")); code != 204 {
		t.Fatalf("PUT: %d %s", code, body)
	}
	if code, _, _ := lrs(t, ta.URL, "PUT", "/xapi/statements?statementId="+id, key, secret, stmt(id, "c@example.jp")); code != 204 {
		t.Fatalf("the same statement again: %d", code)
	}
	if code, body, _ := lrs(t, ta.URL, "PUT", "/xapi/statements?statementId="+id, key, secret, stmt(id, "other@example.jp")); code != 409 || !strings.Contains(body, id) {
		t.Fatalf("another statement with the same id: %d %s", code, body)
	}

	if code, _, _ := lrs(t, ta.URL, "GET", "/xapi/statements", key, "wrong", nil); code != 401 {
		t.Fatalf("a wrong secret: %d", code)
	}
	var n int64
	ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'xapi.auth_refused' AND details LIKE '%wrong_secret%'`).Row().Scan(&n)
	if n != 1 {
		t.Fatalf("%d audit entries for a wrong secret", n)
	}

	rkey, rsecret := create("read")
	if code, body, _ := lrs(t, ta.URL, "POST", "/xapi/statements", rkey, rsecret, stmt("", "d@example.jp")); code != 403 || !strings.Contains(body, "may not write") {
		t.Fatalf("a read-only client writes: %d %s", code, body)
	}
	if code, body, _ := lrs(t, ta.URL, "GET", "/xapi/statements?statementId="+id, rkey, rsecret, nil); code != 200 || !strings.Contains(body, "c@example.jp") {
		t.Fatalf("a read-only client reads: %d %s", code, body)
	}

	// Another organisation's client sees none of these statements.
	ob := ta.signedIn(t, w.otherAdm, revokeSecret)
	op := "/org/" + w.otherEmployer + "/xapi"
	d := ob.post(op, op, url.Values{"name": {"other"}, "scope": {"rw"}, "version": {"2.0.0"}}).Doc(t)
	if code, _, _ := lrs(t, ta.URL, "GET", "/xapi/statements?statementId="+id, d.Find("#new-key").Text(), d.Find("#new-secret").Text(), nil); code != 404 {
		t.Fatalf("another organisation's client reads the statement: %d", code)
	}

	// Bounds and unknown paths answer in JSON with a message.
	big := []any{}
	for i := 0; i < 20000; i++ {
		big = append(big, stmt("", "bulk@example.jp"))
	}
	if code, body, _ := lrs(t, ta.URL, "POST", "/xapi/statements", key, secret, big); code != 413 || !strings.Contains(body, "larger than the LRS accepts") {
		t.Fatalf("a 20,000-statement body (3 MB): %d %.200s", code, body)
	}
	if code, body, h := lrs(t, ta.URL, "GET", "/xapi/statement", key, secret, nil); code != 404 || !strings.Contains(body, "no such xAPI resource") ||
		h.Get("X-Experience-API-Version") == "" {
		t.Fatalf("an unknown LRS path: %d %s", code, body)
	}

	// No session cookie reaches the LRS: a signed-in browser without Basic auth is refused.
	if r := b.get("/xapi/statements"); r.StatusCode != 401 {
		t.Fatalf("the LRS with only a session cookie: %d", r.StatusCode)
	}
}

// TestXAPIClientsBrowser: the org admin's journey in Chromium: create a
// client, see the secret once, revoke it.
func TestXAPIClientsBrowser(t *testing.T) {
	t.Parallel()
	w := xapiSetup(t)
	ta := w.ta
	ctx := newChrome(t)
	chromeSignIn(t, ctx, ta, "/org/"+w.employer, w.admin, revokeSecret, "#xapi-link")
	clickAndWaitNewPage(t, ctx, "#xapi-link")
	if h1 := text(t, ctx, "h1"); h1 != "xAPI 採用企業 の xAPI クライアント" {
		t.Fatalf("h1 %q", h1)
	}
	checkAxe(t, ctx, "xAPI clients (ja)")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-name"), "社内 LMS"),
		chromedp.SetValue(chromedp.CSS("#f-scope"), "rw"),
		chromedp.SetValue(chromedp.CSS("#f-version"), "2.0.0"),
	)
	clickAndWaitNewPage(t, ctx, `#client-form button[type="submit"]`)
	secret := text(t, ctx, "#new-secret")
	key := text(t, ctx, "#new-key")
	if len(secret) < 40 || !strings.HasPrefix(key, "lrs_") {
		t.Fatalf("key %q secret %q", key, secret)
	}
	checkAxe(t, ctx, "xAPI client created (ja)")
	if code, _, _ := lrs(t, ta.URL, "GET", "/xapi/statements", key, secret, nil); code != 200 {
		t.Fatalf("the new client reads: %d", code)
	}
	do(t, ctx, chromedp.Navigate(ta.URL+"/org/"+w.employer+"/xapi"), chromedp.WaitVisible(chromedp.CSS("#clients")))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#new-secret').length`)); n != 0 {
		t.Fatal("the secret is shown again after reloading")
	}
	clickAndWaitNewPage(t, ctx, `#clients button[type="submit"]`)
	if txt := text(t, ctx, "#clients .badge"); !strings.Contains(txt, "無効化") {
		t.Fatalf("status after revoking %q", txt)
	}
	checkAxe(t, ctx, "xAPI client revoked (ja)")
	if code, _, _ := lrs(t, ta.URL, "GET", "/xapi/statements", key, secret, nil); code != 401 {
		t.Fatalf("the revoked client reads: %d", code)
	}
}
