package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"takumi/internal/fixtures"
)

// publicRoutes are the only routes an anonymous visitor may use. Every other
// route must refuse anonymous visitors; this test walks the whole route table,
// so a new route without an access check fails here.
var publicRoutes = map[string]bool{
	"/": true, "/healthz": true, "/readyz": true, "/metrics": true, "/static/*": true, "/favicon.ico": true, "/accessibility": true,
	"/language": true, "/privacy": true, "/courses": true, "/progress": true, "/dev/mailbox": true,
	"/signup": true, "/verify-email": true, "/verify-email/resend": true,
	"/password/forgot": true, "/password/reset": true,
	"/login": true, "/login/2fa": true, "/logout": true,
	"/invitations/:token":              true,
	"/media/:id":                       true,
	"/captions/:course/:lesson/:file":  true, // caption tracks of a published course's videos (TestCaptions) // anonymous: 404 unless the file belongs to a published course (TestMediaUploadAndServe)
	"/courses/:provider/:code":         true, // public course page
	"/account/privacy/deleted":         true,
	"/credentials/:id":                 true, // public verification page of a credential (random id)
	"/credentials/issuer":              true, // issuer information for registries (TestIssuerInfoPage)
	"/credentials/:id/credential.json": true, // the signed credential itself
	"/credentials/:id/qr.svg":          true, // QR code of the verification page URL
	"/credentials/status/:list":        true, // signed Bitstring Status List credential
	"/.well-known/did.json":            true, // the issuer's DID document
	"/verify":                          true, // verify any credential (paste or upload)
	"/progress/methodology":            true, // the published counting method (TestMethodologyPage)
	"/progress/data.json":              true, // open data: the national page's protected figures (TestOpenDataMatchesPage)
	"/progress/data.csv":               true,
	"/xapi/about":                      true, // xAPI: the versions the LRS speaks, public by the spec (the other /xapi routes answer 401)
	"/xapi/cmi5/fetch/:token":          true, // issue 17 cmi5: the one-time fetch token is the authorisation; an unknown one gets the cmi5 error document (TestJourneyCmi5)
	"/login/sso":                       true, // issue 18: sign in with your organisation
	"/sso/oidc/callback":               true, // issue 18: the state in the browser's session is the access rule
	"/sso/domains/confirm":             true, // issue 18: the emailed token is the access rule
	"/sso/saml/:org/metadata":          true, // issue 18: SAML SP metadata (public keys and URLs)
	"/sso/saml/:org/acs":               true, // issue 18: the signed SAML response is the access rule
	"/api/v1/oauth/token":              true, // OAuth token endpoint: the client's id and secret are its access rule (TestAPIJourney)
	"/api/v1/openapi.json":             true, // the API's OpenAPI document
	"/developers/api":                  true, // the API's documentation page
	"/paths/:provider/:code":           true, // public learning path page // confirmation after deleting one's account: shown once to that browser, else a redirect home (TestPrivacyDelete)
}

// concretePath fills route parameters with a well-formed random UUID.
func concretePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "0b6f8a3e-2f1c-4d5e-9a7b-1c2d3e4f5a6b"
		}
	}
	return strings.Join(parts, "/")
}

func TestAuthzEveryRoute(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	routes := ta.App.Server.Echo().Routes()
	learner := ta.newBrowser(t)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "authz-learner@example.jp"})
	ta.signIn(t, learner, "authz-learner@example.jp", fixtures.Password, "")
	anon := ta.newBrowser(t)
	anonToken := anon.csrf("/")
	learnerToken := learner.csrf("/")

	checked := 0
	for _, r := range routes {
		if publicRoutes[r.Path] || strings.HasPrefix(r.Path, "/invitations/:token") || r.Method == "echo_route_not_found" {
			continue
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			continue
		}
		path := concretePath(r.Path)
		checked++
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			var res *response
			if r.Method == http.MethodGet {
				res = anon.get(path)
			} else {
				res = anon.postRaw(path, url.Values{"_csrf": {anonToken}})
			}
			switch {
			case res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login"):
			case res.StatusCode == http.StatusUnauthorized:
			default:
				t.Errorf("anonymous %s %s: status %d (Location %q), want a redirect to /login or 401",
					r.Method, path, res.StatusCode, res.Header.Get("Location"))
			}
			if strings.HasPrefix(r.Path, "/admin") || strings.HasPrefix(r.Path, "/org") {
				if r.Method == http.MethodGet {
					res = learner.get(path)
				} else {
					res = learner.postRaw(path, url.Values{"_csrf": {learnerToken}})
				}
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("learner %s %s: status %d, want 403", r.Method, path, res.StatusCode)
				}
			}
		})
	}
	if checked < 5 {
		t.Fatalf("only %d protected routes found; the route table looks wrong", checked)
	}
}
