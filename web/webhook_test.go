package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
	gen "takumi/web/apidoc/apiclientgen"
)

// received is one webhook delivery as the receiver saw it.
type received struct {
	Headers http.Header
	Body    []byte
}

// hookReceiver is an HTTP receiver on 127.0.0.1 that records deliveries
// and answers fail (then 200 once fail is false).
type hookReceiver struct {
	mu   sync.Mutex
	got  []received
	fail bool
	URL  string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	r := &hookReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{Headers: req.Header.Clone(), Body: b})
		fail := r.fail
		r.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hooks"
	return r
}

func (r *hookReceiver) setFail(f bool) {
	r.mu.Lock()
	r.fail = f
	r.mu.Unlock()
}

// wait returns the first delivery of eventType after skip deliveries.
func (r *hookReceiver) wait(t *testing.T, eventType string, skip int) received {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for i := skip; i < len(r.got); i++ {
			var p struct{ Type string }
			_ = json.Unmarshal(r.got[i].Body, &p)
			if p.Type == eventType {
				d := r.got[i]
				r.mu.Unlock()
				return d
			}
		}
		r.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s delivery within 20 s", eventType)
	return received{}
}

func (r *hookReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// checkSignature verifies a delivery as the Standard Webhooks specification
// says, in Go, and with the specification's own library (npm
// standardwebhooks, pinned in web/testdata/webhooks) when installed: CI
// installs it and there a missing library fails the test.
func checkSignature(t *testing.T, secret string, d received) {
	t.Helper()
	id, ts, sig := d.Headers.Get("webhook-id"), d.Headers.Get("webhook-timestamp"), d.Headers.Get("webhook-signature")
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + string(d.Body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)); sig != want {
		t.Errorf("signature %q, want %q", sig, want)
	}
	if n, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(n, 0)) > time.Minute {
		t.Errorf("webhook-timestamp %q", ts)
	}
	dir := filepath.Join("testdata", "webhooks")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "standardwebhooks")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("standardwebhooks is not installed (cd web/testdata/webhooks && npm ci)")
		}
		t.Log("standardwebhooks not installed: signature checked in Go only (cd web/testdata/webhooks && npm ci)")
		return
	}
	in, _ := json.Marshal(map[string]any{"secret": secret, "body": string(d.Body),
		"headers": map[string]string{"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig}})
	verify := func(body []byte) (string, error) {
		cmd := exec.Command("node", "verify.mjs")
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(string(body))
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := verify(in); err != nil {
		t.Errorf("standardwebhooks refuses the delivery: %v %s", err, out)
	}
	// A forged body is refused by the same library (the check is real).
	forged, _ := json.Marshal(map[string]any{"secret": secret, "body": strings.Replace(string(d.Body), "\"type\"", "\"typ\"", 1),
		"headers": map[string]string{"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig}})
	if _, err := verify(forged); err == nil {
		t.Error("standardwebhooks accepts a forged body")
	}
}

// TestWebhooks: an organisation subscribes an endpoint on its page; an
// enrolment made through the API and then its completion reach the
// receiver signed as Standard Webhooks says; a failing receiver shows in the
// delivery log, and replay from the log delivers.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	admin, _, orgID := orgAdminSignedIn(t, ta, "hook-admin@example.jp", "フック商事", "employer")
	m1 := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "hook-m1@example.jp"})
	m2 := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "hook-m2@example.jp"})
	fixtures.MustCreateMembership(t, ta.DB, orgID, m1, "member", false)
	fixtures.MustCreateMembership(t, ta.DB, orgID, m2, "member", false)
	lesson := catalog.NewID()
	c := fixtures.MustCreateCourse(t, ta.DB, fixtures.Course{
		Courses: ta.App.Server.Courses, Provider: fixtures.Org{NameJa: "フック研修機関"}, Author: fixtures.User{Email: "hook-author@example.jp"},
		Code: "hook-101", Draft: true,
		Content: catalog.Content{TitleJa: "フック入門", SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced},
	})
	c.MustPublish(t, []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
		{ID: lesson, Kind: catalog.LessonReading, TitleJa: "はじめに", Required: true, BodyMd: "本文"}}}})

	recv := newHookReceiver(t)
	page := "/org/" + orgID + "/api-clients"
	r := admin.post(page, "/org/"+orgID+"/webhooks", url.Values{"url": {recv.URL}, "event_enrolment_created": {"on"}, "event_course_completed": {"on"}, "event_credential_issued": {"on"}})
	secret := strings.TrimSpace(r.Doc(t).Find("#issued-hook-secret").Text())
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("add endpoint: %d secret %q\n%.600s", r.StatusCode, secret, r.Body)
	}
	if strings.Contains(admin.get(page).Body, secret) {
		t.Fatal("the page shows the signing secret again")
	}
	bad := admin.post(page, "/org/"+orgID+"/webhooks", url.Values{"url": {"ftp://example.jp/x"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.Doc(t).Find("#f-events-error").Length() != 1 {
		t.Errorf("bad endpoint form: %d", bad.StatusCode)
	}

	api, _ := apiClientFor(t, ta)
	id, sec := createAPIClientOnPage(t, admin, orgID, "HR", "enrolments:write")
	auth := bearer(apiToken(t, api, id, sec, ""))
	res, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{Email: apiStr("hook-m1@example.jp"), CourseId: mustUUID(t, c.ID)}, auth)
	if err != nil || res.JSON201 == nil {
		t.Fatalf("enrol: %v %s", err, res.Body)
	}
	enrolment := res.JSON201.Id.String()

	t.Run("EnrolmentCreatedSigned", func(t *testing.T) {
		d := recv.wait(t, "enrolment.created", 0)
		checkSignature(t, secret, d)
		var p struct {
			Data map[string]string
		}
		if err := json.Unmarshal(d.Body, &p); err != nil || p.Data["enrolment_id"] != enrolment || p.Data["email"] != "hook-m1@example.jp" {
			t.Errorf("payload %s", d.Body)
		}
	})
	t.Run("CourseCompletedSigned", func(t *testing.T) {
		if _, err := ta.App.Server.Learning.CompleteLesson(ctx, learning.Learner{UserID: m1}, enrolment, lesson); err != nil {
			t.Fatal(err)
		}
		d := recv.wait(t, "course.completed", 0)
		checkSignature(t, secret, d)
		if !strings.Contains(string(d.Body), enrolment) {
			t.Errorf("payload %s", d.Body)
		}
		issued := recv.wait(t, "credential.issued", 0)
		checkSignature(t, secret, issued)
		var credID string
		ta.DB.Gorm.Raw(`SELECT id::text FROM credentials WHERE enrolment_id = ?`, enrolment).Scan(&credID)
		if credID == "" || !strings.Contains(string(issued.Body), credID) {
			t.Errorf("credential.issued payload %s, credential %q", issued.Body, credID)
		}
	})
	t.Run("Credentials", func(t *testing.T) {
		// The employer reads its member's credential; only the issuing
		// provider's client revokes it.
		rid, rsec := createAPIClientOnPage(t, admin, orgID, "HR credentials", "credentials:read", "credentials:revoke")
		emp := bearer(apiToken(t, api, rid, rsec, ""))
		list, err := api.ListCredentialsWithResponse(ctx, nil, emp)
		if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Revoked {
			t.Fatalf("credentials: %v %s", err, list.Body)
		}
		cred := list.JSON200.Items[0]
		if cred.EnrolmentId == nil || cred.EnrolmentId.String() != enrolment || !strings.HasSuffix(cred.JsonUrl, "/credential.json") {
			t.Errorf("credential %+v", cred)
		}
		one, err := api.GetCredentialWithResponse(ctx, cred.Id, emp)
		if err != nil || one.JSON200 == nil {
			t.Fatalf("get credential: %v %s", err, one.Body)
		}
		reason := gen.RevokeRequest{Reason: "誤って発行したため"}
		notIssuer, err := api.RevokeCredentialWithResponse(ctx, cred.Id, nil, reason, emp)
		if err != nil || notIssuer.ApplicationproblemJSON404 == nil {
			t.Errorf("an employer revoked a credential it did not issue: %d", notIssuer.StatusCode())
		}
		pc, psec, err := ta.App.Server.APIClients.CreateForDemo(ctx, c.ProviderID, "LMS")
		if err != nil {
			t.Fatal(err)
		}
		prov := bearer(apiToken(t, api, pc.ID, psec, "credentials:revoke"))
		empty, err := api.RevokeCredentialWithResponse(ctx, cred.Id, nil, gen.RevokeRequest{Reason: " "}, prov)
		if err != nil || empty.ApplicationproblemJSON422 == nil {
			t.Errorf("blank reason: %d %s", empty.StatusCode(), empty.Body)
		}
		rev, err := api.RevokeCredentialWithResponse(ctx, cred.Id, nil, reason, prov)
		if err != nil || rev.JSON200 == nil || !rev.JSON200.Revoked || rev.JSON200.RevokedAt == nil {
			t.Fatalf("revoke: %v %d %s", err, rev.StatusCode(), rev.Body)
		}
		again, err := api.RevokeCredentialWithResponse(ctx, cred.Id, nil, reason, prov)
		if err != nil || again.ApplicationproblemJSON409 == nil {
			t.Errorf("revoke twice: %d", again.StatusCode())
		}
		// The provider's own courses, in every state; an employer has none.
		own, err := api.ListProviderCoursesWithResponse(ctx, nil, bearer(apiToken(t, api, pc.ID, psec, "courses:read")))
		if err != nil || own.JSON200 == nil || len(own.JSON200.Items) != 1 || own.JSON200.Items[0].Code != "hook-101" ||
			own.JSON200.Items[0].Status != gen.Published || own.JSON200.Items[0].HasDraft {
			t.Errorf("provider courses: %v %s", err, own.Body)
		}
	})
	t.Run("FailureLoggedThenReplayed", func(t *testing.T) {
		recv.setFail(true)
		before := recv.count()
		res, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{Email: apiStr("hook-m2@example.jp"), CourseId: mustUUID(t, c.ID)}, auth)
		if err != nil || res.JSON201 == nil {
			t.Fatalf("enrol: %v %s", err, res.Body)
		}
		recv.wait(t, "enrolment.created", before)
		var endpoint, delivery string
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			var row struct {
				EndpointID, ID string
				LastStatus     *int
			}
			ta.DB.Gorm.Raw(`SELECT endpoint_id::text AS endpoint_id, id::text AS id, last_status FROM webhook_deliveries
				WHERE payload LIKE ? ORDER BY created_at DESC LIMIT 1`, "%"+res.JSON201.Id.String()+"%").Scan(&row)
			if row.LastStatus != nil && *row.LastStatus == 500 {
				endpoint, delivery = row.EndpointID, row.ID
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if delivery == "" {
			t.Fatal("the failed attempt is not in the delivery log")
		}
		logPage := "/org/" + orgID + "/webhooks/" + endpoint
		d := admin.get(logPage).Doc(t)
		if st := strings.TrimSpace(d.Find("#delivery-" + delivery + " .delivery-state").Text()); st != "送信待ち" {
			t.Errorf("the log shows the failed delivery as %q", st)
		}
		recv.setFail(false)
		before = recv.count()
		if r := admin.post(logPage, logPage+"/deliveries/"+delivery+"/replay", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("replay: %d", r.StatusCode)
		}
		got := recv.wait(t, "enrolment.created", before)
		checkSignature(t, secret, got)
		if got.Headers.Get("webhook-id") != delivery {
			t.Errorf("replayed webhook-id %q, want the delivery's %q", got.Headers.Get("webhook-id"), delivery)
		}
		deadline = time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if strings.TrimSpace(admin.get(logPage).Doc(t).Find("#delivery-"+delivery+" .delivery-state").Text()) == "配信済み" {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Error("the replayed delivery is not shown as delivered")
	})
}
