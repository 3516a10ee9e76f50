package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
	"takumi/web/apidoc"
	gen "takumi/web/apidoc/apiclientgen"
)

// The integration API is tested from outside: the client generated from
// the OpenAPI document (oapi-codegen) calls the real server, and every
// request and answer is checked against the document with kin-openapi's
// openapi3filter (OpenAPI 3.1, JSON Schema 2020-12), including that each
// status is one the document lists.

// apiDoc loads the served document with kin-openapi and validates it.
func apiDoc(t *testing.T, serverURL string) routers.Router {
	t.Helper()
	b, err := apidoc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("kin-openapi cannot load the document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("the document is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: serverURL + "/api/v1"}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// validatingDoer sends requests and checks each request and answer
// against the document.
type validatingDoer struct {
	t        *testing.T
	router   routers.Router
	c        *http.Client
	answered int
	// loose skips request validation for a request a test makes malformed
	// on purpose (the answer is still validated).
	loose bool
}

func (v *validatingDoer) Do(req *http.Request) (*http.Response, error) {
	t := v.t
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	res, err := v.c.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))

	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := v.router.FindRoute(vreq)
	if err != nil {
		t.Errorf("%s %s is not in the document: %v", req.Method, req.URL, err)
		return res, nil
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	if !v.loose {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("request %s %s does not match the document: %v", req.Method, req.URL.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("answer %d to %s %s does not match the document: %v\n%.400s", res.StatusCode, req.Method, req.URL.Path, err, body)
	}
	v.answered++
	return res, nil
}

// apiClientFor returns the generated client on a validating doer.
func apiClientFor(t *testing.T, ta *testApp) (*gen.ClientWithResponses, *validatingDoer) {
	t.Helper()
	v := &validatingDoer{t: t, router: apiDoc(t, ta.URL), c: &http.Client{Timeout: 15 * time.Second}}
	c, err := gen.NewClientWithResponses(ta.URL+"/api/v1", gen.WithHTTPClient(v))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if v.answered == 0 {
			t.Error("no API answer was validated")
		}
	})
	return c, v
}

// bearer adds the access token to a request.
func bearer(tok string) gen.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
}

func header(name, value string) gen.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set(name, value)
		return nil
	}
}

// createAPIClientOnPage creates a client on the organisation's page and
// returns its id and the secret the page shows once.
func createAPIClientOnPage(t *testing.T, b *browser, orgID, name string, scopes ...string) (string, string) {
	t.Helper()
	vals := url.Values{"name": {name}}
	for _, sc := range scopes {
		vals.Set("scope_"+strings.ReplaceAll(sc, ":", "_"), "on")
	}
	page := "/org/" + orgID + "/api-clients"
	r := b.post(page, page, vals)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("create client: status %d\n%.800s", r.StatusCode, r.Body)
	}
	d := r.Doc(t)
	id, secret := strings.TrimSpace(d.Find("#issued-client-id").Text()), strings.TrimSpace(d.Find("#issued-secret-value").Text())
	if id == "" || secret == "" {
		t.Fatalf("the page does not show the new client's id and secret:\n%.800s", r.Body)
	}
	return id, secret
}

func apiToken(t *testing.T, c *gen.ClientWithResponses, id, secret, scope string) string {
	t.Helper()
	req := gen.TokenRequest{GrantType: gen.ClientCredentials, ClientId: &id, ClientSecret: &secret}
	if scope != "" {
		req.Scope = &scope
	}
	res, err := c.IssueTokenWithFormdataBodyWithResponse(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("token: status %d %s", res.StatusCode(), res.Body)
	}
	if res.JSON200.ExpiresIn != 900 || res.HTTPResponse.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("token answer: expires_in %d, Cache-Control %q", res.JSON200.ExpiresIn, res.HTTPResponse.Header.Get("Cache-Control"))
	}
	return res.JSON200.AccessToken
}

func apiCourse(t *testing.T, ta *testApp, code string, mode string) string {
	t.Helper()
	c := fixtures.MustCreateCourse(t, ta.DB, fixtures.Course{
		Courses:  ta.App.Server.Courses,
		Provider: fixtures.Org{NameJa: "API研修機関", Code: "apiprov"},
		Author:   fixtures.User{Email: "author-" + code + "@example.jp"},
		Code:     code,
		Content: catalog.Content{TitleJa: "API連携 " + code, TitleEn: "API " + code, SummaryJa: "連携のためのコースです。", SkillArea: "digital_literacy",
			Level: catalog.LevelIntroductory, EstimatedHours: 2, Language: "ja", DeliveryMode: mode},
		Draft: true,
	})
	c.MustPublish(t, []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
		{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "はじめに", Required: true, BodyMd: "本文"}}}})
	return c.ID
}

// TestAPIJourney is an HR system's day: a client made on the organisation
// page, a token, the catalogue, enrolling members by email (once, however
// often the request is sent), following enrolments by change, reading
// progress with ETags, withdrawing, members, national progress; and the
// refusals (no token, wrong scope, not a member, bad cursor, a revoked
// client, the rate limit), all as the document says.
func TestAPIJourney(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	admin, _, orgID := orgAdminSignedIn(t, ta, "api-admin@example.jp", "API商事", "employer")
	m1 := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "api-m1@example.jp", Name: "連携 一郎"})
	m2 := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "api-m2@example.jp", Name: "連携 二郎"})
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "api-outsider@example.jp"})
	fixtures.MustCreateMembership(t, ta.DB, orgID, m1, "member", false)
	fixtures.MustCreateMembership(t, ta.DB, orgID, m2, "member", false)
	course := apiCourse(t, ta, "api-101", catalog.DeliverySelfPaced)
	if err := ta.DB.Gorm.Exec(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('api-prog', 'AI人材', 'AI-ready workers', 1000000, '2026-01-01', '2030-12-31', true, '{digital_literacy}')`).Error; err != nil {
		t.Fatal(err)
	}

	api, v := apiClientFor(t, ta)
	id, secret := createAPIClientOnPage(t, admin, orgID, "人事システム",
		"catalogue:read", "enrolments:read", "enrolments:write", "members:read", "progress:read")
	tok := apiToken(t, api, id, secret, "")
	auth := bearer(tok)

	t.Run("OpenAPIDocument", func(t *testing.T) {
		res, err := api.GetOpenAPIWithResponse(ctx)
		if err != nil || res.StatusCode() != http.StatusOK || !strings.Contains(string(res.Body), `"openapi":"3.1.0"`) && !strings.Contains(string(res.Body), `"openapi": "3.1.0"`) {
			t.Fatalf("openapi.json: %v %d %.200s", err, res.StatusCode(), res.Body)
		}
	})

	t.Run("Catalogue", func(t *testing.T) {
		res, err := api.ListCoursesWithResponse(ctx, &gen.ListCoursesParams{}, auth)
		if err != nil || res.JSON200 == nil {
			t.Fatalf("courses: %v %d %s", err, res.StatusCode(), res.Body)
		}
		if res.JSON200.Total != 1 || len(res.JSON200.Items) != 1 || res.JSON200.Items[0].Id.String() != course || res.JSON200.NextCursor != nil {
			t.Errorf("courses: %+v", res.JSON200)
		}
		areas, err := api.ListSkillAreasWithResponse(ctx, auth)
		if err != nil || areas.JSON200 == nil || len(areas.JSON200.Items) == 0 {
			t.Fatalf("skill areas: %v %s", err, areas.Body)
		}
		bad := gen.Level("expert")
		v.loose = true
		res, err = api.ListCoursesWithResponse(ctx, &gen.ListCoursesParams{Level: &bad}, auth)
		v.loose = false
		if err != nil || res.ApplicationproblemJSON400 == nil || res.ApplicationproblemJSON400.Code == nil || *res.ApplicationproblemJSON400.Code != "api.err_param" {
			t.Errorf("unknown level: %d %s", res.StatusCode(), res.Body)
		}
	})

	var enrolment string
	t.Run("EnrolOnceWithIdempotencyKey", func(t *testing.T) {
		key := "c0ffee00-0000-4000-8000-000000000001"
		body := gen.EnrolmentRequest{Email: apiStr("API-M1@example.jp"), CourseId: openapi_types.UUID(mustUUID(t, course))}
		first, err := api.CreateEnrolmentWithResponse(ctx, &gen.CreateEnrolmentParams{IdempotencyKey: &key}, body, auth)
		if err != nil || first.JSON201 == nil {
			t.Fatalf("enrol: %v %d %s", err, first.StatusCode(), first.Body)
		}
		enrolment = first.JSON201.Id.String()
		if first.HTTPResponse.Header.Get("Location") != "/api/v1/enrolments/"+enrolment || first.JSON201.Status == nil || *first.JSON201.Status != gen.Active {
			t.Errorf("enrol: Location %q, %+v", first.HTTPResponse.Header.Get("Location"), first.JSON201)
		}
		again, err := api.CreateEnrolmentWithResponse(ctx, &gen.CreateEnrolmentParams{IdempotencyKey: &key}, body, auth)
		if err != nil || again.StatusCode() != http.StatusCreated || !bytes.Equal(again.Body, first.Body) || again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %d replayed=%q\n%s\n%s", again.StatusCode(), again.HTTPResponse.Header.Get("Idempotent-Replayed"), first.Body, again.Body)
		}
		other := gen.EnrolmentRequest{Email: apiStr("api-m2@example.jp"), CourseId: body.CourseId}
		reuse, err := api.CreateEnrolmentWithResponse(ctx, &gen.CreateEnrolmentParams{IdempotencyKey: &key}, other, auth)
		if err != nil || reuse.ApplicationproblemJSON422 == nil || *reuse.ApplicationproblemJSON422.Code != "api.err_idempotency_mismatch" {
			t.Errorf("same key, other request: %d %s", reuse.StatusCode(), reuse.Body)
		}
		var n int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM enrolments WHERE user_id = ? AND course_id = ?`, m1, course).Row().Scan(&n)
		if n != 1 {
			t.Errorf("%d enrolments after three requests, want 1", n)
		}
		dup, err := api.CreateEnrolmentWithResponse(ctx, nil, body, auth)
		if err != nil || dup.ApplicationproblemJSON409 == nil {
			t.Errorf("enrolling twice without a key: %d %s", dup.StatusCode(), dup.Body)
		}
		out, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{Email: apiStr("api-outsider@example.jp"), CourseId: body.CourseId},
			auth, header("Accept-Language", "en"))
		if err != nil || out.ApplicationproblemJSON404 == nil || *out.ApplicationproblemJSON404.Code != "api.err_not_member" ||
			!strings.Contains(*out.ApplicationproblemJSON404.Detail, "Invite them") || out.HTTPResponse.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("not a member: %d %s", out.StatusCode(), out.Body)
		}
		if _, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{Email: apiStr("api-m2@example.jp"), CourseId: body.CourseId}, auth); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ListByChangeWithCursor", func(t *testing.T) {
		one := 1
		var seen []string
		params := &gen.ListEnrolmentsParams{Limit: &one}
		for range 5 {
			res, err := api.ListEnrolmentsWithResponse(ctx, params, auth)
			if err != nil || res.JSON200 == nil {
				t.Fatalf("list: %v %d %s", err, res.StatusCode(), res.Body)
			}
			for _, e := range res.JSON200.Items {
				seen = append(seen, e.Email)
			}
			if res.JSON200.NextCursor == nil {
				break
			}
			params.Cursor = res.JSON200.NextCursor
		}
		if strings.Join(seen, ",") != "api-m1@example.jp,api-m2@example.jp" {
			t.Errorf("pages gave %v", seen)
		}
		future := time.Now().Add(time.Hour)
		res, err := api.ListEnrolmentsWithResponse(ctx, &gen.ListEnrolmentsParams{UpdatedSince: &future}, auth)
		if err != nil || res.JSON200 == nil || len(res.JSON200.Items) != 0 {
			t.Errorf("updated_since in the future: %s", res.Body)
		}
		bad := "not-a-cursor!"
		res, err = api.ListEnrolmentsWithResponse(ctx, &gen.ListEnrolmentsParams{Cursor: &bad}, auth)
		if err != nil || res.ApplicationproblemJSON400 == nil || *res.ApplicationproblemJSON400.Code != "api.err_cursor" {
			t.Errorf("bad cursor: %d %s", res.StatusCode(), res.Body)
		}
	})

	t.Run("ProgressWithETag", func(t *testing.T) {
		eid := openapi_types.UUID(mustUUID(t, enrolment))
		res, err := api.GetEnrolmentWithResponse(ctx, eid, auth)
		if err != nil || res.JSON200 == nil {
			t.Fatalf("get: %v %s", err, res.Body)
		}
		e := res.JSON200
		if e.AwaitingConsent || e.LessonsDone == nil || *e.LessonsDone != 0 || e.MinutesOnTask == nil || e.ProgressPercent == nil {
			t.Errorf("progress: %s", res.Body)
		}
		etag := res.HTTPResponse.Header.Get("ETag")
		again, err := api.GetEnrolmentWithResponse(ctx, eid, auth, header("If-None-Match", etag))
		if err != nil || again.StatusCode() != http.StatusNotModified || etag == "" {
			t.Errorf("If-None-Match %q: %d", etag, again.StatusCode())
		}
		missing, err := api.GetEnrolmentWithResponse(ctx, openapi_types.UUID(mustUUID(t, course)), auth)
		if err != nil || missing.ApplicationproblemJSON404 == nil {
			t.Errorf("another id: %d", missing.StatusCode())
		}
	})

	t.Run("Withdraw", func(t *testing.T) {
		eid := openapi_types.UUID(mustUUID(t, enrolment))
		res, err := api.WithdrawEnrolmentWithResponse(ctx, eid, nil, auth)
		if err != nil || res.JSON200 == nil || res.JSON200.Status == nil || *res.JSON200.Status != gen.Withdrawn || res.JSON200.WithdrawnAt == nil {
			t.Fatalf("withdraw: %v %d %s", err, res.StatusCode(), res.Body)
		}
		twice, err := api.WithdrawEnrolmentWithResponse(ctx, eid, nil, auth)
		if err != nil || twice.ApplicationproblemJSON409 == nil {
			t.Errorf("withdraw twice: %d %s", twice.StatusCode(), twice.Body)
		}
		var events int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM learning_events WHERE enrolment_id = ? AND event_type = 'withdrawn'`, enrolment).Row().Scan(&events)
		if events != 1 {
			t.Errorf("%d withdrawn events, want 1", events)
		}
	})

	t.Run("Members", func(t *testing.T) {
		two := 2
		res, err := api.ListMembersWithResponse(ctx, &gen.ListMembersParams{Limit: &two}, auth)
		if err != nil || res.JSON200 == nil || len(res.JSON200.Items) != 2 || res.JSON200.NextCursor == nil {
			t.Fatalf("members page 1: %v %s", err, res.Body)
		}
		res, err = api.ListMembersWithResponse(ctx, &gen.ListMembersParams{Limit: &two, Cursor: res.JSON200.NextCursor}, auth)
		if err != nil || res.JSON200 == nil || len(res.JSON200.Items) != 1 || res.JSON200.NextCursor != nil {
			t.Fatalf("members page 2: %v %s", err, res.Body)
		}
	})

	t.Run("NationalProgress", func(t *testing.T) {
		res, err := api.GetNationalProgressWithResponse(ctx, &gen.GetNationalProgressParams{}, auth)
		if err != nil || res.JSON200 == nil || res.JSON200.Programme.Code != "api-prog" || res.JSON200.Target != 1000000 {
			t.Fatalf("progress: %v %d %s", err, res.StatusCode(), res.Body)
		}
		nope := "no-such"
		missing, err := api.GetNationalProgressWithResponse(ctx, &gen.GetNationalProgressParams{Programme: &nope}, auth)
		if err != nil || missing.ApplicationproblemJSON404 == nil {
			t.Errorf("unknown programme: %d %s", missing.StatusCode(), missing.Body)
		}
	})

	t.Run("Refusals", func(t *testing.T) {
		none, err := api.ListMembersWithResponse(ctx, nil)
		if err != nil || none.ApplicationproblemJSON401 == nil || !strings.HasPrefix(none.HTTPResponse.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("no token: %d %s", none.StatusCode(), none.Body)
		}
		narrow := apiToken(t, api, id, secret, "catalogue:read")
		res, err := api.ListMembersWithResponse(ctx, nil, bearer(narrow))
		if err != nil || res.ApplicationproblemJSON403 == nil {
			t.Errorf("without the scope: %d %s", res.StatusCode(), res.Body)
		}
		wrong := secret[:len(secret)-1] + "A"
		if wrong == secret {
			wrong = secret[:len(secret)-1] + "B"
		}
		bad, err := api.IssueTokenWithFormdataBodyWithResponse(ctx, gen.TokenRequest{GrantType: gen.ClientCredentials, ClientId: &id, ClientSecret: &wrong})
		if err != nil || bad.JSON401 == nil || bad.JSON401.Error != gen.InvalidClient {
			t.Errorf("wrong secret: %d %s", bad.StatusCode(), bad.Body)
		}
		scope := "members:write"
		bad, err = api.IssueTokenWithFormdataBodyWithResponse(ctx, gen.TokenRequest{GrantType: gen.ClientCredentials, ClientId: &id, ClientSecret: &secret, Scope: &scope})
		if err != nil || bad.JSON400 == nil || bad.JSON400.Error != gen.InvalidScope {
			t.Errorf("unknown scope: %d %s", bad.StatusCode(), bad.Body)
		}
	})

	t.Run("RateLimit", func(t *testing.T) {
		if err := ta.DB.Gorm.Exec(`UPDATE api_clients SET rate_per_minute = 1 WHERE id = ?`, id).Error; err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ta.DB.Gorm.Exec(`UPDATE api_clients SET rate_per_minute = 600 WHERE id = ?`, id) })
		var res *gen.ListSkillAreasResponse
		for range 3 {
			var err error
			if res, err = api.ListSkillAreasWithResponse(ctx, auth); err != nil {
				t.Fatal(err)
			}
		}
		if res.ApplicationproblemJSON429 == nil || res.HTTPResponse.Header.Get("Retry-After") == "" {
			t.Errorf("over the limit: %d Retry-After %q", res.StatusCode(), res.HTTPResponse.Header.Get("Retry-After"))
		}
	})

	t.Run("EveryCallAudited", func(t *testing.T) {
		var calls, issued int
		ta.DB.Gorm.Raw(`SELECT count(*) FILTER (WHERE action = 'api.call'), count(*) FILTER (WHERE action = 'api.token_issued')
			FROM audit_events WHERE target_id = ?`, id).Row().Scan(&calls, &issued)
		if calls < 20 || issued != 2 {
			t.Errorf("audit: %d calls, %d tokens issued", calls, issued)
		}
	})

	t.Run("RevokedClient", func(t *testing.T) {
		page := "/org/" + orgID + "/api-clients"
		r := admin.post(page, page+"/"+id+"/revoke", nil)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		res, err := api.ListCoursesWithResponse(ctx, nil, auth)
		if err != nil || res.ApplicationproblemJSON401 == nil {
			t.Errorf("token of a revoked client: %d", res.StatusCode())
		}
		bad, err := api.IssueTokenWithFormdataBodyWithResponse(ctx, gen.TokenRequest{GrantType: gen.ClientCredentials, ClientId: &id, ClientSecret: &secret})
		if err != nil || bad.JSON401 == nil {
			t.Errorf("token for a revoked client: %d", bad.StatusCode())
		}
	})
}

func mustUUID(t *testing.T, s string) [16]byte {
	t.Helper()
	var u openapi_types.UUID
	if err := json.Unmarshal([]byte(`"`+s+`"`), &u); err != nil {
		t.Fatalf("uuid %q: %v", s, err)
	}
	return u
}

// TestAPIClientsPage: another organisation's admin cannot see or revoke a
// client; the secret is not on the list page; the documentation page
// renders in both languages.
func TestAPIClientsPage(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	a, _, orgA := orgAdminSignedIn(t, ta, "api-page-a@example.jp", "API甲社", "employer")
	b, _, _ := orgAdminSignedIn(t, ta, "api-page-b@example.jp", "API乙社", "employer")
	id, secret := createAPIClientOnPage(t, a, orgA, "人事システム", "members:read")
	list := a.get("/org/" + orgA + "/api-clients")
	if list.StatusCode != http.StatusOK || strings.Contains(list.Body, secret) || !strings.Contains(list.Body, id) {
		t.Errorf("list page: %d, shows secret %v", list.StatusCode, strings.Contains(list.Body, secret))
	}
	if r := b.get("/org/" + orgA + "/api-clients"); r.StatusCode != http.StatusNotFound {
		t.Errorf("another org's admin sees the clients: %d", r.StatusCode)
	}
	r := b.postRaw("/org/"+orgA+"/api-clients/"+id+"/revoke", url.Values{"_csrf": {b.csrf("/")}})
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("another org's admin revokes: %d", r.StatusCode)
	}
	empty := a.post("/org/"+orgA+"/api-clients", "/org/"+orgA+"/api-clients", url.Values{"name": {""}})
	if empty.StatusCode != http.StatusUnprocessableEntity || empty.Doc(t).Find("#f-scopes-error").Length() != 1 {
		t.Errorf("empty form: %d", empty.StatusCode)
	}
	for lang, want := range map[string]string{"ja": "連携API", "en": "Integration API"} {
		anon := ta.newBrowser(t)
		anon.postRaw("/language", url.Values{"lang": {lang}, "_csrf": {anon.csrf("/")}})
		d := anon.get("/developers/api")
		if d.StatusCode != http.StatusOK || !strings.Contains(d.Doc(t).Find("h1").Text(), want) || d.Doc(t).Find("#op-createEnrolment").Length() != 1 {
			t.Errorf("docs page in %s: %d %q", lang, d.StatusCode, d.Doc(t).Find("h1").Text())
		}
	}
}
