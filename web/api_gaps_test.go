package web_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"takumi/internal/bulkenrol"
	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
	gen "takumi/web/apidoc/apiclientgen"
)

// Tests of the integration API's second round (issue 19): enrolment by
// external id, learning paths in the catalogue. Every call goes through
// the generated client and is validated against the document.

func apiStr(s string) *string { return &s }

// apiPathCourse creates a published self-paced course of the provider
// "apipaths" and returns it.
func apiPathCourse(t *testing.T, ta *testApp, code string) *fixtures.CourseFixture {
	t.Helper()
	c := fixtures.MustCreateCourse(t, ta.DB, fixtures.Course{
		Courses:  ta.App.Server.Courses,
		Provider: fixtures.Org{NameJa: "パス研修機関", Code: "apipaths"},
		Author:   fixtures.User{Email: "author-" + code + "@example.jp"},
		Code:     code,
		Content: catalog.Content{TitleJa: "パス " + code, TitleEn: "Path " + code, SummaryJa: "概要", SkillArea: "digital_literacy",
			Level: catalog.LevelIntroductory, EstimatedHours: 2, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced},
		Draft: true,
	})
	c.MustPublish(t, []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
		{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "はじめに", Required: true, BodyMd: "本文"}}}})
	return c
}

// TestAPIEnrolByExternalID: an HR system names people by the employee
// number its SCIM provisioning gave them; unknown, ambiguous and
// deprovisioned ids are refused; members and enrolments show the id.
func TestAPIEnrolByExternalID(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	admin, _, orgID := orgAdminSignedIn(t, ta, "api-ext-admin@example.jp", "社員番号商事", "employer")
	course := apiCourse(t, ta, "api-ext-101", catalog.DeliverySelfPaced)
	people := map[string]string{}
	for _, p := range []struct {
		email, ext string
		active     bool
	}{{"ext-1@example.jp", "E-1001", true}, {"ext-2@example.jp", "E-DUP", true}, {"ext-3@example.jp", "E-DUP", true}, {"ext-4@example.jp", "E-GONE", false}} {
		id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: p.email})
		fixtures.MustCreateMembership(t, ta.DB, orgID, id, "member", false)
		// As SCIM provisioning stores them (internal/sso, scim_users).
		if err := ta.DB.Gorm.Exec(`INSERT INTO scim_users (org_id, user_id, external_id, active) VALUES (?, ?, ?, ?)`, orgID, id, p.ext, p.active).Error; err != nil {
			t.Fatal(err)
		}
		people[p.email] = id
	}
	api, v := apiClientFor(t, ta)
	id, secret := createAPIClientOnPage(t, admin, orgID, "人事システム", "enrolments:read", "enrolments:write", "members:read")
	auth := bearer(apiToken(t, api, id, secret, ""))
	cid := openapi_types.UUID(mustUUID(t, course))

	res, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{ExternalId: apiStr("E-1001"), CourseId: cid}, auth)
	if err != nil || res.JSON201 == nil {
		t.Fatalf("enrol by external id: %v %d %s", err, res.StatusCode(), res.Body)
	}
	if res.JSON201.UserId.String() != people["ext-1@example.jp"] || res.JSON201.ExternalId == nil || *res.JSON201.ExternalId != "E-1001" {
		t.Errorf("enrolled %+v", res.JSON201)
	}
	for _, c := range []struct {
		ext, code string
		status    int
	}{{"E-404", "api.err_external_id_unknown", 404}, {"E-DUP", "api.err_external_id_ambiguous", 409}, {"E-GONE", "api.err_external_id_unknown", 404}} {
		r, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{ExternalId: apiStr(c.ext), CourseId: cid}, auth)
		if err != nil || r.StatusCode() != c.status || !strings.Contains(string(r.Body), `"code":"`+c.code+`"`) {
			t.Errorf("%s: %d %s", c.ext, r.StatusCode(), r.Body)
		}
	}
	both, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{ExternalId: apiStr("E-1001"), Email: apiStr("ext-1@example.jp"), CourseId: cid}, auth)
	if err != nil || both.ApplicationproblemJSON400 == nil || *both.ApplicationproblemJSON400.Code != "api.err_body" {
		t.Errorf("email and external id: %d %s", both.StatusCode(), both.Body)
	}
	v.loose = true // neither: the document's schema refuses it too
	neither, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{CourseId: cid}, auth)
	v.loose = false
	if err != nil || neither.ApplicationproblemJSON400 == nil {
		t.Errorf("neither: %d %s", neither.StatusCode(), neither.Body)
	}
	var n int
	ta.DB.Gorm.Raw(`SELECT count(*) FROM enrolments WHERE course_id = ?`, course).Row().Scan(&n)
	if n != 1 {
		t.Errorf("%d enrolments, want 1", n)
	}
	members, err := api.ListMembersWithResponse(ctx, nil, auth)
	if err != nil || members.JSON200 == nil {
		t.Fatalf("members: %v %s", err, members.Body)
	}
	found := false
	for _, m := range members.JSON200.Items {
		if m.UserId.String() == people["ext-1@example.jp"] {
			found = m.ExternalId != nil && *m.ExternalId == "E-1001"
		}
	}
	if !found {
		t.Errorf("members do not show the external id: %s", members.Body)
	}
}

// TestAPIPaths: the catalogue's learning paths, with their courses in
// order, paged; a path with an unpublished course is not shown.
func TestAPIPaths(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	admin, _, orgID := orgAdminSignedIn(t, ta, "api-paths-admin@example.jp", "パス商事", "employer")
	a, b, c := apiPathCourse(t, ta, "path-a"), apiPathCourse(t, ta, "path-b"), apiPathCourse(t, ta, "path-c")
	months := 24
	mk := func(code string, ids ...string) string {
		p, err := ta.App.Server.Courses.CreatePath(ctx, a.Author, catalog.PathInput{ProviderID: a.ProviderID, Code: code,
			TitleJa: "パス " + code, TitleEn: "Path " + code, DescriptionJa: "説明", ValidMonths: &months, CourseIDs: ids})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	p1 := mk("ai-basics", b.ID, a.ID)
	p2 := mk("ai-more", a.ID, c.ID)
	hidden := mk("ai-hidden", a.ID, b.ID)
	if err := ta.DB.Gorm.Exec(`UPDATE courses SET status = 'archived' WHERE id = ?`, b.ID).Error; err != nil {
		t.Fatal(err)
	}
	_ = hidden
	api, _ := apiClientFor(t, ta)
	id, secret := createAPIClientOnPage(t, admin, orgID, "ポータル", "catalogue:read")
	auth := bearer(apiToken(t, api, id, secret, ""))

	one := 1
	var seen []string
	params := &gen.ListPathsParams{Limit: &one}
	for range 4 {
		res, err := api.ListPathsWithResponse(ctx, params, auth)
		if err != nil || res.JSON200 == nil {
			t.Fatalf("paths: %v %d %s", err, res.StatusCode(), res.Body)
		}
		for _, p := range res.JSON200.Items {
			seen = append(seen, p.Code)
		}
		if res.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = res.JSON200.NextCursor
	}
	// p1 and hidden contain the archived course b.
	if strings.Join(seen, ",") != "ai-more" {
		t.Errorf("paths listed %v, want [ai-more]", seen)
	}
	got, err := api.GetPathWithResponse(ctx, openapi_types.UUID(mustUUID(t, p2)), auth)
	if err != nil || got.JSON200 == nil {
		t.Fatalf("path: %v %d %s", err, got.StatusCode(), got.Body)
	}
	p := got.JSON200
	if len(p.Courses) != 2 || p.Courses[0].Id.String() != a.ID || p.Courses[1].Id.String() != c.ID || p.Courses[1].Position != 2 ||
		p.EstimatedHours != 4 || p.CredentialValidMonths == nil || *p.CredentialValidMonths != 24 || !strings.HasSuffix(p.Url, "/paths/apipaths/ai-more") {
		t.Errorf("path %s", got.Body)
	}
	etag := got.HTTPResponse.Header.Get("ETag")
	again, err := api.GetPathWithResponse(ctx, openapi_types.UUID(mustUUID(t, p2)), auth, header("If-None-Match", etag))
	if err != nil || again.StatusCode() != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", again.StatusCode())
	}
	gone, err := api.GetPathWithResponse(ctx, openapi_types.UUID(mustUUID(t, p1)), auth)
	if err != nil || gone.ApplicationproblemJSON404 == nil {
		t.Errorf("a path with an archived course: %d %s", gone.StatusCode(), gone.Body)
	}
}

// TestWebhookEventsMore: lesson.completed, credential.revoked and
// bulk.finished reach a subscribed endpoint, signed as Standard Webhooks
// says (checked with the standardwebhooks npm package when installed), and
// an endpoint not subscribed to an event does not get it.
func TestWebhookEventsMore(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	admin, adminID, orgID := orgAdminSignedIn(t, ta, "hook2-admin@example.jp", "フック2商事", "employer")
	m1 := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "hook2-m1@example.jp"})
	fixtures.MustCreateMembership(t, ta.DB, orgID, m1, "member", false)
	lesson := catalog.NewID()
	c := fixtures.MustCreateCourse(t, ta.DB, fixtures.Course{
		Courses: ta.App.Server.Courses, Provider: fixtures.Org{NameJa: "フック2研修機関"}, Author: fixtures.User{Email: "hook2-author@example.jp"},
		Code: "hook2-101", Draft: true,
		Content: catalog.Content{TitleJa: "フック2入門", SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced},
	})
	c.MustPublish(t, []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
		{ID: lesson, Kind: catalog.LessonReading, TitleJa: "はじめに", Required: true, BodyMd: "本文"}}}})

	subscribe := func(recv *hookReceiver, events ...string) string {
		vals := url.Values{"url": {recv.URL}}
		for _, ev := range events {
			vals.Set("event_"+strings.ReplaceAll(ev, ".", "_"), "on")
		}
		r := admin.post("/org/"+orgID+"/api-clients", "/org/"+orgID+"/webhooks", vals)
		secret := strings.TrimSpace(r.Doc(t).Find("#issued-hook-secret").Text())
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("add endpoint: %d\n%.600s", r.StatusCode, r.Body)
		}
		return secret
	}
	recv := newHookReceiver(t)
	secret := subscribe(recv, "lesson.completed", "credential.revoked", "bulk.finished")
	other := newHookReceiver(t) // subscribed to enrolment.created only
	subscribe(other, "enrolment.created")

	api, _ := apiClientFor(t, ta)
	id, sec := createAPIClientOnPage(t, admin, orgID, "HR", "enrolments:write")
	res, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{Email: apiStr("hook2-m1@example.jp"), CourseId: mustUUID(t, c.ID)},
		bearer(apiToken(t, api, id, sec, "")))
	if err != nil || res.JSON201 == nil {
		t.Fatalf("enrol: %v %s", err, res.Body)
	}
	enrolment := res.JSON201.Id.String()

	t.Run("LessonCompleted", func(t *testing.T) {
		if _, err := ta.App.Server.Learning.CompleteLesson(ctx, learning.Learner{UserID: m1}, enrolment, lesson); err != nil {
			t.Fatal(err)
		}
		d := recv.wait(t, "lesson.completed", 0)
		checkSignature(t, secret, d)
		var p struct{ Data map[string]string }
		if err := json.Unmarshal(d.Body, &p); err != nil || p.Data["enrolment_id"] != enrolment || p.Data["lesson_id"] != lesson || p.Data["user_id"] != m1 {
			t.Errorf("payload %s", d.Body)
		}
	})
	t.Run("CredentialRevoked", func(t *testing.T) {
		var credID string
		ta.DB.Gorm.Raw(`SELECT id::text FROM credentials WHERE enrolment_id = ?`, enrolment).Scan(&credID)
		if credID == "" {
			t.Fatal("no credential was issued")
		}
		pc, psec, err := ta.App.Server.APIClients.CreateForDemo(ctx, c.ProviderID, "LMS")
		if err != nil {
			t.Fatal(err)
		}
		rev, err := api.RevokeCredentialWithResponse(ctx, mustUUID(t, credID), nil, gen.RevokeRequest{Reason: "誤発行"},
			bearer(apiToken(t, api, pc.ID, psec, "credentials:revoke")))
		if err != nil || rev.JSON200 == nil {
			t.Fatalf("revoke: %v %d %s", err, rev.StatusCode(), rev.Body)
		}
		d := recv.wait(t, "credential.revoked", 0)
		checkSignature(t, secret, d)
		var p struct{ Data map[string]string }
		if err := json.Unmarshal(d.Body, &p); err != nil || p.Data["credential_id"] != credID || p.Data["reason"] != "誤発行" || p.Data["enrolment_id"] != enrolment {
			t.Errorf("payload %s", d.Body)
		}
	})
	t.Run("BulkFinished", func(t *testing.T) {
		actor := bulkenrol.Actor{UserID: adminID}
		csv := "email,name,prefecture,industry,segment,course,cohort\nhook2-bulk@example.jp,一括 太郎,13,G,engineer,hook2-101,\n"
		rep, err := ta.App.Server.Bulk.DryRun(ctx, actor, orgID, "hook2.csv", []byte(csv))
		if err != nil || !rep.OK() {
			t.Fatalf("dry run: %v %+v", err, rep)
		}
		imp, err := ta.App.Server.Bulk.StartImport(ctx, actor, orgID, rep.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		d := recv.wait(t, "bulk.finished", 0)
		checkSignature(t, secret, d)
		var p struct{ Data map[string]any }
		if err := json.Unmarshal(d.Body, &p); err != nil || p.Data["import_id"] != imp.ID || p.Data["status"] != "done" || p.Data["rows"] != float64(1) {
			t.Errorf("payload %s", d.Body)
		}
	})
	t.Run("OnlySubscribedEvents", func(t *testing.T) {
		other.wait(t, "enrolment.created", 0)
		other.mu.Lock()
		defer other.mu.Unlock()
		if len(other.got) != 1 {
			t.Errorf("the endpoint subscribed to enrolment.created got %d deliveries", len(other.got))
		}
		var n int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE e.org_id = ? AND d.event_type = 'course.completed'`, orgID).Row().Scan(&n)
		if n != 0 {
			t.Errorf("%d course.completed deliveries to endpoints not subscribed to it", n)
		}
	})
}

// TestAPITokenRateLimit: the token endpoint limits requests per client id
// and per address (429, Retry-After, problem+json), counting failed
// attempts too; another client id from another address is unaffected.
func TestAPITokenRateLimit(t *testing.T) {
	t.Parallel()
	// The test's requests come through a "proxy" on loopback, which names
	// the address in X-Forwarded-For.
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	ta := startApp(t, func(c *config.Config) { c.TrustedProxies = []*net.IPNet{loopback} })
	ctx := context.Background()
	admin, _, orgID := orgAdminSignedIn(t, ta, "api-tokrate-admin@example.jp", "トークン商事", "employer")
	api, _ := apiClientFor(t, ta)
	id, secret := createAPIClientOnPage(t, admin, orgID, "HR", "members:read")
	id2, secret2 := createAPIClientOnPage(t, admin, orgID, "HR2", "members:read")
	ta.App.Server.APIClients.SetTokenLimits(3, 6)
	from := func(ip string) gen.RequestEditorFn { return header("X-Forwarded-For", ip) }
	wrong := "x" + secret[1:]
	issue := func(id, sec, ip string) *gen.IssueTokenResponse {
		res, err := api.IssueTokenWithFormdataBodyWithResponse(ctx, gen.TokenRequest{GrantType: gen.ClientCredentials, ClientId: &id, ClientSecret: &sec}, from(ip))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Per client id: two wrong secrets and one right use up 3; the 4th,
	// even with the right secret, is refused.
	issue(id, wrong, "203.0.113.1")
	issue(id, wrong, "203.0.113.2")
	if r := issue(id, secret, "203.0.113.3"); r.JSON200 == nil {
		t.Fatalf("third request: %d %s", r.StatusCode(), r.Body)
	}
	r := issue(id, secret, "203.0.113.4")
	if r.ApplicationproblemJSON429 == nil || r.HTTPResponse.Header.Get("Retry-After") == "" || *r.ApplicationproblemJSON429.Code != "api.err_token_rate_limited" {
		t.Fatalf("over the client limit: %d Retry-After %q %s", r.StatusCode(), r.HTTPResponse.Header.Get("Retry-After"), r.Body)
	}
	// The refused attempts naming the client are in the audit log.
	var refused int
	ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'api.token_refused' AND target_id = ?`, id).Row().Scan(&refused)
	if refused != 2 {
		t.Errorf("%d api.token_refused rows, want 2", refused)
	}
	if r := issue(id2, secret2, "203.0.113.5"); r.JSON200 == nil {
		t.Fatalf("another client: %d %s", r.StatusCode(), r.Body)
	}
	// Per address: 6 requests from one address, whatever client id.
	for i := range 5 {
		issue("00000000-0000-4000-8000-00000000000"+string(rune('0'+i)), "nope", "198.51.100.7")
	}
	if r := issue(id2, secret2, "198.51.100.7"); r.JSON200 == nil {
		t.Fatalf("sixth from the address: %d %s", r.StatusCode(), r.Body)
	}
	if r := issue(id2, secret2, "198.51.100.7"); r.ApplicationproblemJSON429 == nil {
		t.Fatalf("over the address limit: %d %s", r.StatusCode(), r.Body)
	}
}
