package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSCIMDiscovery: ResourceTypes and Schemas (RFC 7644 §4) describe the
// User resource the server accepts; unknown ones are 404; a token is needed.
func TestSCIMDiscovery(t *testing.T) {
	ta := startApp(t)
	orgID, admin := ssoOrg(t, ta, nil, false)
	tok := scimToken(t, admin, orgID)

	if st, _ := scimDo(t, ta, "not-a-token", "GET", "/scim/v2/Schemas", ""); st != http.StatusUnauthorized {
		t.Fatalf("Schemas without a token: %d", st)
	}
	st, rts := scimDo(t, ta, tok, "GET", "/scim/v2/ResourceTypes", "")
	res, _ := rts["Resources"].([]any)
	if st != http.StatusOK || rts["totalResults"] != float64(1) || len(res) != 1 {
		t.Fatalf("ResourceTypes: %d %v", st, rts)
	}
	if rt := res[0].(map[string]any); rt["endpoint"] != "/Users" || rt["schema"] != "urn:ietf:params:scim:schemas:core:2.0:User" {
		t.Fatalf("User resource type: %v", rt)
	}
	if st, rt := scimDo(t, ta, tok, "GET", "/scim/v2/ResourceTypes/User", ""); st != http.StatusOK || rt["id"] != "User" {
		t.Fatalf("ResourceTypes/User: %d %v", st, rt)
	}
	if st, _ := scimDo(t, ta, tok, "GET", "/scim/v2/ResourceTypes/Group", ""); st != http.StatusNotFound {
		t.Fatalf("ResourceTypes/Group: %d, want 404", st)
	}
	st, sch := scimDo(t, ta, tok, "GET", "/scim/v2/Schemas", "")
	if res, _ := sch["Resources"].([]any); st != http.StatusOK || len(res) != 1 {
		t.Fatalf("Schemas: %d %v", st, sch)
	}
	st, user := scimDo(t, ta, tok, "GET", "/scim/v2/Schemas/"+url.PathEscape("urn:ietf:params:scim:schemas:core:2.0:User"), "")
	attrs, _ := user["attributes"].([]any)
	names := map[string]map[string]any{}
	for _, a := range attrs {
		m := a.(map[string]any)
		names[m["name"].(string)] = m
	}
	if st != http.StatusOK || names["userName"]["required"] != true || names["userName"]["uniqueness"] != "server" ||
		names["active"]["type"] != "boolean" || names["externalId"] == nil {
		t.Fatalf("User schema: %d %v", st, user)
	}
	if st, _ := scimDo(t, ta, tok, "GET", "/scim/v2/Schemas/urn:example:nope", ""); st != http.StatusNotFound {
		t.Fatalf("unknown schema: %d, want 404", st)
	}
}

// TestSCIMBulkProvisioning measures provisioning many people the way
// Entra ID pushes them: POST /Users from several connections at once.
// TAKUMI_SCIM_BULK sets the number (default 300; docs/sso.md records the
// 10,000 figure), TAKUMI_SCIM_WORKERS the connections (default 8).
func TestSCIMBulkProvisioning(t *testing.T) {
	n, workers := 300, 8
	if v, err := strconv.Atoi(os.Getenv("TAKUMI_SCIM_BULK")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("TAKUMI_SCIM_WORKERS")); err == nil && v > 0 {
		workers = v
	}
	ta := startApp(t)
	orgID, admin := ssoOrg(t, ta, nil, false)
	tok := scimToken(t, admin, orgID)

	var next, failed atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				st, _ := scimDo(t, ta, tok, "POST", "/scim/v2/Users", fmt.Sprintf(
					`{"userName":"bulk%06d@corp.example.jp","externalId":"B-%d","active":true,"displayName":"一括 %d"}`, i, i, i))
				if st != http.StatusCreated {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(began)
	if failed.Load() > 0 {
		t.Fatalf("%d of %d creates failed", failed.Load(), n)
	}
	var members int
	ta.DB.Gorm.Raw("SELECT count(*) FROM memberships WHERE org_id = ?", orgID).Row().Scan(&members)
	if members != n+1 { // and the admin
		t.Fatalf("%d memberships after provisioning %d people", members, n)
	}
	t.Logf("SCIM: %d people provisioned over HTTP with %d connections in %v (%.1f/s, %.2f ms each); 10,000 at this rate: %v",
		n, workers, took.Round(time.Millisecond), float64(n)/took.Seconds(), float64(took.Milliseconds())/float64(n),
		(took * 10000 / time.Duration(n)).Round(time.Second))
}
