package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"takumi/internal/fixtures"
	"takumi/internal/xapi"
)

// TestXAPIForward: an organisation of one Takumi forwards its statements
// to a second Takumi's LRS. The way there fails twice (503) before it
// works: the statements are delivered after the retries, every one once,
// a statement sent twice to the first LRS is forwarded once, and the
// organisation's delivery status says all are delivered.
func TestXAPIForward(t *testing.T) {
	a := startApp(t)
	b := startApp(t)
	ctx := context.Background()
	adminID := fixtures.MustCreateUser(t, a.DB, fixtures.User{Email: "forward-admin@example.jp", Name: "転送 管理者", TOTPSecret: revokeSecret})
	orgA := fixtures.MustAddMember(t, a.DB, "転送元工業", "employer", adminID, "admin", false)
	orgB := fixtures.MustCreateOrg(t, b.DB, fixtures.Org{NameJa: "転送先分析", Kind: "employer"})
	clA, secretA, err := a.App.Server.XAPI.NewClient(ctx, orgA, "sender", true, true, xapi.V200, "", "")
	if err != nil {
		t.Fatal(err)
	}
	clB, secretB, err := b.App.Server.XAPI.NewClient(ctx, orgB, "forward target", true, true, xapi.V200, "", "")
	if err != nil {
		t.Fatal(err)
	}

	// The way to the second LRS refuses twice, then passes requests on.
	target, _ := url.Parse(b.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var calls atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	// The organisation's admin sets the target on the LRS clients page; it
	// is tested before it is saved.
	page := "/org/" + orgA + "/xapi"
	br := a.signedIn(t, "forward-admin@example.jp", revokeSecret)
	if d := br.get(page).Doc(t); d.Find("#forward-none").Length() != 1 {
		t.Fatal("the page shows no forwarding section")
	}
	if r := br.postRaw(page+"/forward", url.Values{"endpoint": {b.URL + "/xapi/"}, "username": {clB.Key}, "password": {secretB}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("save without a CSRF token: %d", r.StatusCode)
	}
	for _, c := range []struct{ endpoint, user, pass, says string }{
		{b.URL + "/xapi/", clB.Key, "wrong", "LRS がキーとシークレットを受け付けませんでした。"},
		{b.URL + "/nothing/", clB.Key, secretB, "xAPI の LRS として応答しませんでした"},
		{"ftp://x", clB.Key, secretB, "http または https"},
		{"", "", "", "入力してください。"},
	} {
		r := br.post(page, page+"/forward", url.Values{"endpoint": {c.endpoint}, "username": {c.user}, "password": {c.pass}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#forward").Text(), c.says) {
			t.Errorf("save %q/%q: %d, want 422 saying %q", c.endpoint, c.pass, r.StatusCode, c.says)
		}
	}
	var saved int
	a.DB.Gorm.Raw(`SELECT count(*) FROM xapi_forwards`).Row().Scan(&saved)
	if saved != 0 {
		t.Fatal("a target that failed its test was saved")
	}
	// The test goes straight to the second LRS; delivery goes through the
	// way that fails twice.
	if r := br.post(page, page+"/forward", url.Values{"endpoint": {b.URL + "/xapi/"}, "username": {clB.Key}, "password": {secretB}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, r.Doc(t).Find("main").Text())
	}
	if err := a.DB.Gorm.Exec(`UPDATE xapi_forwards SET endpoint = ?`, "http://"+ln.Addr().String()+"/xapi/").Error; err != nil {
		t.Fatal(err)
	}

	post := func(body string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/xapi/statements", strings.NewReader(body))
		req.SetBasicAuth(clA.Key, secretA)
		req.Header.Set("X-Experience-API-Version", "2.0.0")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("POST statements: %d", res.StatusCode)
		}
	}
	st := func(id, verb string) string {
		return fmt.Sprintf(`{"id":"%s","actor":{"mbox":"mailto:learner@example.jp"},"verb":{"id":"http://adlnet.gov/expapi/verbs/%s"},
			"object":{"id":"https://takumi.example/activities/safety"}}`, id, verb)
	}
	batch := "[" + st("0a6e7a8e-4b51-4c1f-9d9e-000000000001", "experienced") + "," +
		st("0a6e7a8e-4b51-4c1f-9d9e-000000000002", "completed") + "," + st("0a6e7a8e-4b51-4c1f-9d9e-000000000003", "passed") + "]"
	post(batch)
	post(batch) // the same statements again: stored once, forwarded once
	post(st("0a6e7a8e-4b51-4c1f-9d9e-000000000004", "terminated"))

	deadline := time.Now().Add(60 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		b.DB.Gorm.Raw(`SELECT string_agg(id::text, ',' ORDER BY id) FROM xapi_statements WHERE org_id = ?`, orgB).Row().Scan(&got)
		if strings.Count(got, ",") == 3 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	want := "0a6e7a8e-4b51-4c1f-9d9e-000000000001,0a6e7a8e-4b51-4c1f-9d9e-000000000002,0a6e7a8e-4b51-4c1f-9d9e-000000000003,0a6e7a8e-4b51-4c1f-9d9e-000000000004"
	if got != want {
		t.Fatalf("statements at the second LRS: %q, want %q", got, want)
	}
	if n := calls.Load(); n < 3 {
		t.Errorf("%d requests to the second LRS: the two refusals were not retried", n)
	}
	var status xapi.ForwardStatus
	for time.Now().Before(deadline) {
		if status, err = a.App.Server.XAPI.ForwardStatusOf(ctx, orgA); err != nil {
			t.Fatal(err)
		}
		if status.Delivered == 4 && status.Waiting == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status.Delivered != 4 || status.Waiting != 0 {
		t.Errorf("delivery status: %+v", status)
	}
	if got := br.get(page).Doc(t).Find("#forward-status").Text(); got != "配信済み 4 件、待機中 0 件" {
		t.Errorf("delivery status on the page: %q", got)
	}
	var authority string
	b.DB.Gorm.Raw(`SELECT statement->'authority'->'account'->>'name' FROM xapi_statements WHERE org_id = ? LIMIT 1`, orgB).Row().Scan(&authority)
	if authority != clB.Key {
		t.Errorf("authority at the second LRS: %q, want its own client %q", authority, clB.Key)
	}
}
