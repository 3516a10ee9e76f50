package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"takumi/internal/fixtures"
)

// scimDo sends one SCIM request with the bearer token and decodes the JSON
// answer.
func scimDo(t *testing.T, ta *testApp, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, ta.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &out)
	return res.StatusCode, out
}

// scimToken creates a provisioning token through the settings page.
func scimToken(t *testing.T, admin *browser, orgID string) string {
	t.Helper()
	r := admin.post("/org/"+orgID+"/sso", "/org/"+orgID+"/sso/scim-tokens", nil)
	tok := strings.TrimSpace(r.Doc(t).Find("#scim-new-token").Text())
	if r.StatusCode != http.StatusOK || tok == "" {
		t.Fatalf("create token: %d\n%.600s", r.StatusCode, r.Body)
	}
	if again := admin.get("/org/" + orgID + "/sso"); strings.Contains(again.Body, tok) {
		t.Fatal("the token is shown a second time")
	}
	return tok
}

// TestSCIM (issue 18): create → sign in → deactivate → session ended, with
// Entra ID's quirks ("Replace", "False"), list with filter, and a token
// that cannot reach another organisation's people; all over real HTTP.
func TestSCIM(t *testing.T) {
	ta := startApp(t)
	idp := startIdP(t, ta.URL, []idpUser{
		{ID: "u-kana", Username: "kana", Password: "idp-pass", FirstName: "香奈", LastName: "中村", Email: "kana@corp.example.jp", EmailVerified: true},
	})
	orgID, admin := ssoOrg(t, ta, idp, true)
	tok := scimToken(t, admin, orgID)

	if st, _ := scimDo(t, ta, "not-a-token", "GET", "/scim/v2/Users", ""); st != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", st)
	}
	st, created := scimDo(t, ta, tok, "POST", "/scim/v2/Users",
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"kana@corp.example.jp","externalId":"E-100",
		  "active":"True","name":{"givenName":"香奈","familyName":"中村"}}`)
	if st != http.StatusCreated || created["id"] == "" || created["active"] != true {
		t.Fatalf("create: %d %v", st, created)
	}
	id := created["id"].(string)
	if st, _ := scimDo(t, ta, tok, "POST", "/scim/v2/Users", `{"userName":"kana@corp.example.jp"}`); st != http.StatusConflict {
		t.Fatalf("second create: %d, want 409", st)
	}
	if st, _ := scimDo(t, ta, tok, "POST", "/scim/v2/Users", `{"userName":"x@elsewhere.example.jp"}`); st != http.StatusBadRequest {
		t.Fatalf("address outside the domains: %d, want 400", st)
	}
	for _, f := range []string{`userName eq "kana@corp.example.jp"`, `externalId eq "E-100"`} {
		st, list := scimDo(t, ta, tok, "GET", "/scim/v2/Users?filter="+url.QueryEscape(f), "")
		if st != http.StatusOK || list["totalResults"] != float64(1) {
			t.Fatalf("list %s: %d %v", f, st, list)
		}
	}
	if st, list := scimDo(t, ta, tok, "GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "nobody@corp.example.jp"`), ""); st != http.StatusOK || list["totalResults"] != float64(0) {
		t.Fatalf("empty list: %d %v", st, list)
	}

	// The person signs in through the organisation's provider.
	b := ta.newBrowser(t)
	if r := b.get(idpSignIn(t, startSSO(t, b, "kana@corp.example.jp"), "kana", "idp-pass")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("SSO of the provisioned person: %d\n%.600s", r.StatusCode, r.Body)
	}
	if r := b.get("/learn"); r.StatusCode != http.StatusOK {
		t.Fatalf("/learn: %d", r.StatusCode)
	}

	// Another organisation's token cannot see or change them.
	otherOrg := fixtures.MustCreateOrg(t, ta.DB, fixtures.Org{NameJa: "別会社", Kind: "employer"})
	otherAdmin := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "boss@else.example.jp", TOTPSecret: adminTOTP})
	fixtures.MustCreateMembership(t, ta.DB, otherOrg, otherAdmin, "admin", false)
	otherTok := scimToken(t, ta.signedIn(t, "boss@else.example.jp", adminTOTP), otherOrg)
	if st, _ := scimDo(t, ta, otherTok, "PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"replace","path":"active","value":false}]}`); st != http.StatusNotFound {
		t.Fatalf("other organisation's token: %d, want 404", st)
	}

	// Deactivation (as Entra ID sends it) ends the membership and the session.
	st, patched := scimDo(t, ta, tok, "PATCH", "/scim/v2/Users/"+id,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
	if st != http.StatusOK || patched["active"] != false {
		t.Fatalf("deactivate: %d %v", st, patched)
	}
	if r := b.get("/learn"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("after deactivation /learn: %d %q, want a redirect to sign in", r.StatusCode, r.Header.Get("Location"))
	}
	var n int
	ta.DB.Gorm.Raw("SELECT count(*) FROM memberships WHERE org_id = ? AND user_id = ?", orgID, id).Row().Scan(&n)
	if n != 0 {
		t.Fatal("the membership survived deactivation")
	}
	// Signing in again through the provider does not bring it back.
	if r := b.get(idpSignIn(t, startSSO(t, b, "kana@corp.example.jp"), "kana", "idp-pass")); r.StatusCode != http.StatusForbidden {
		t.Fatalf("SSO after deactivation: %d, want 403", r.StatusCode)
	}
	// Reactivation gives it back; DELETE ends it for good.
	if st, _ := scimDo(t, ta, tok, "PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"replace","value":{"active":true}}]}`); st != http.StatusOK {
		t.Fatalf("reactivate: %d", st)
	}
	if st, _ := scimDo(t, ta, tok, "DELETE", "/scim/v2/Users/"+id, ""); st != http.StatusNoContent {
		t.Fatalf("delete: %d", st)
	}
	if st, _ := scimDo(t, ta, tok, "GET", "/scim/v2/Users/"+id, ""); st != http.StatusNotFound {
		t.Fatalf("get after delete: %d", st)
	}
	// Speed: people provisioned one by one over HTTP, as a client sends them.
	const people = 200
	start := time.Now()
	for i := 0; i < people; i++ {
		body := fmt.Sprintf(`{"userName":"p%04d@corp.example.jp","externalId":"X-%d","active":true,"displayName":"利用者 %d"}`, i, i, i)
		if st, _ := scimDo(t, ta, tok, "POST", "/scim/v2/Users", body); st != http.StatusCreated {
			t.Fatalf("create %d: %d", i, st)
		}
	}
	took := time.Since(start)
	t.Logf("SCIM: %d users created in %v (%.1f ms each, %.0f per second, sequential)", people, took, float64(took.Microseconds())/1000/people, people/took.Seconds())
	start = time.Now()
	for i := 0; i < 50; i++ {
		if st, _ := scimDo(t, ta, tok, "GET", "/scim/v2/Users?filter="+url.QueryEscape(fmt.Sprintf(`userName eq "p%04d@corp.example.jp"`, i)), ""); st != http.StatusOK {
			t.Fatalf("filter: %d", st)
		}
	}
	t.Logf("SCIM: filter userName eq, %v per request over HTTP (%d users)", time.Since(start)/50, people)
	// A revoked token stops working.
	r := admin.get("/org/" + orgID + "/sso")
	action, _ := r.Doc(t).Find(`#scim-tokens form`).First().Attr("action")
	if rr := admin.post("/org/"+orgID+"/sso", action, nil); rr.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", rr.StatusCode)
	}
	if st, _ := scimDo(t, ta, tok, "GET", "/scim/v2/Users", ""); st != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d, want 401", st)
	}
}
