package web_test

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"html"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml/samlidp"
)

// The SAML identity provider in these tests is crewjam/saml's samlidp (an
// implementation Takumi did not write), started on a free port, with a
// user and Takumi's service provider registered through its own HTTP API.

var hiddenInputRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// startSAMLIdP starts samlidp on 127.0.0.1 and returns its base URL.
func startSAMLIdP(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test IdP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	u, _ := url.Parse(base)
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Certificate: cert, Store: &samlidp.MemoryStore{}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", idp)
	// samlidp has no icon: answer the browser's request for one.
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return base
}

// idpPut PUTs body to the provider's administrative API.
func idpPut(t *testing.T, url, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode >= 300 {
		t.Fatalf("PUT %s: %d", url, res.StatusCode)
	}
}

// samlSignIn follows the provider's login form for the authorization URL
// and returns the form it answers with: SAMLResponse, RelayState, and the
// action (Takumi's assertion consumer service).
func samlSignIn(t *testing.T, authURL, user, password string) (url.Values, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	form := url.Values{"user": {user}, "password": {password}}
	for _, m := range hiddenInputRe.FindAllStringSubmatch(string(body), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	loginAction := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(string(body))
	if loginAction == nil {
		t.Fatalf("no login form at the provider:\n%.600s", body)
	}
	res, err = c.PostForm(html.UnescapeString(loginAction[1]), form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	out := url.Values{}
	for _, m := range hiddenInputRe.FindAllStringSubmatch(string(body), -1) {
		out.Set(m[1], html.UnescapeString(m[2]))
	}
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(string(body))
	if out.Get("SAMLResponse") == "" || action == nil {
		t.Fatalf("the provider did not answer with a SAML response:\n%.800s", body)
	}
	return out, html.UnescapeString(action[1])
}

func TestSSOSAML(t *testing.T) {
	ta := startApp(t)
	idpURL := startSAMLIdP(t)
	orgID, admin := ssoOrg(t, ta, nil, false)

	// The admin saves the provider from its metadata URL.
	if r := admin.post("/org/"+orgID+"/sso", "/org/"+orgID+"/sso/saml", url.Values{"metadata_url": {idpURL + "/metadata"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save SAML provider: %d\n%.900s", r.StatusCode, r.Body)
	}
	if r := admin.post("/org/"+orgID+"/sso", "/org/"+orgID+"/sso/saml", url.Values{"metadata_xml": {"<html>not metadata</html>"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad metadata: %d, want 422", r.StatusCode)
	}
	// The SP metadata at its stable URL, registered at the provider.
	md := ta.newBrowser(t).get("/sso/saml/" + orgID + "/metadata")
	if md.StatusCode != http.StatusOK || !strings.Contains(md.Body, "/sso/saml/"+orgID+"/acs") {
		t.Fatalf("SP metadata: %d\n%.600s", md.StatusCode, md.Body)
	}
	idpPut(t, idpURL+"/services/takumi", md.Body)
	idpPut(t, idpURL+"/users/hanako", `{"password":"idp-pass","email":"hanako@corp.example.jp","common_name":"山田 花子","given_name":"花子","surname":"山田"}`)
	idpPut(t, idpURL+"/users/mallory", `{"password":"idp-pass","email":"mallory@evil.example.jp","common_name":"Mallory"}`)

	var resp url.Values
	var acs string
	t.Run("SignInCreatesAccount", func(t *testing.T) {
		b := ta.newBrowser(t)
		auth := startSSO(t, b, "hanako@corp.example.jp")
		if !strings.HasPrefix(auth, idpURL+"/sso?") {
			t.Fatalf("sent to %s, want the provider's SSO endpoint", auth)
		}
		u, _ := url.Parse(auth)
		raw, _ := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
		req, _ := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
		if !strings.Contains(string(req), "AuthnRequest") || strings.Contains(string(req), "RequestedAuthnContext") {
			t.Fatalf("AuthnRequest (must have no RequestedAuthnContext):\n%s", req)
		}
		resp, acs = samlSignIn(t, auth, "hanako", "idp-pass")
		if acs != ta.URL+"/sso/saml/"+orgID+"/acs" {
			t.Fatalf("provider posts to %s", acs)
		}
		r := b.postRaw(strings.TrimPrefix(acs, ta.URL), resp)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
			t.Fatalf("ACS: %d %q\n%.900s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		if r := b.get("/learn"); r.StatusCode != http.StatusOK {
			t.Fatalf("/learn after SAML sign-in: %d", r.StatusCode)
		}
		var n int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM users u JOIN memberships m ON m.user_id = u.id AND m.org_id = ?
			JOIN sso_identities i ON i.user_id = u.id WHERE u.email = 'hanako@corp.example.jp' AND u.display_name = '山田 花子'`, orgID).Row().Scan(&n)
		if n != 1 {
			t.Fatal("no account, membership and identity after the SAML sign-in")
		}
	})

	refused := func(t *testing.T, form url.Values) {
		t.Helper()
		before := 0
		ta.DB.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'sso.login_refused'").Row().Scan(&before)
		r := ta.newBrowser(t).postRaw("/sso/saml/"+orgID+"/acs", form)
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401\n%.600s", r.StatusCode, r.Body)
		}
		after := 0
		ta.DB.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'sso.login_refused'").Row().Scan(&after)
		if after != before+1 {
			t.Fatal("no audit entry for the refused response")
		}
		var details string
		ta.DB.Gorm.Raw("SELECT details FROM audit_events WHERE action = 'sso.login_refused' ORDER BY id DESC LIMIT 1").Row().Scan(&details)
		t.Log("refused:", details)
	}
	t.Run("ErrReplayed", func(t *testing.T) { refused(t, resp) })
	// From here the provider sends plain (unencrypted) assertions, so the
	// tests can alter them: Takumi's metadata without its encryption key.
	plain := regexp.MustCompile(`(?s)<KeyDescriptor use="encryption">.*?</KeyDescriptor>`).ReplaceAllString(md.Body, "")
	if plain == md.Body {
		t.Fatal("no encryption key in the SP metadata")
	}
	idpPut(t, idpURL+"/services/takumi", plain)
	fresh := func(t *testing.T) string {
		t.Helper()
		form, _ := samlSignIn(t, startSSO(t, ta.newBrowser(t), "hanako@corp.example.jp"), "hanako", "idp-pass")
		raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
		if strings.Contains(string(raw), "EncryptedAssertion") || !strings.Contains(string(raw), "hanako@corp.example.jp") {
			t.Fatalf("want a plain assertion:\n%.600s", raw)
		}
		return string(raw)
	}
	t.Run("ErrTampered", func(t *testing.T) {
		bad := strings.ReplaceAll(fresh(t), "hanako@corp.example.jp", "boss@corp.example.jp")
		refused(t, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString([]byte(bad))}})
	})
	t.Run("ErrUnsigned", func(t *testing.T) {
		raw := fresh(t)
		unsigned := regexp.MustCompile(`(?s)<ds:Signature.*?</ds:Signature>`).ReplaceAllString(raw, "")
		if unsigned == raw {
			t.Fatal("the test found no signature to remove")
		}
		refused(t, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString([]byte(unsigned))}})
	})
	t.Run("ErrSignatureWrapping", func(t *testing.T) {
		// The signed assertion kept (moved into an Extensions element) and
		// a forged, unsigned one put where the SP reads.
		raw := fresh(t)
		i, j := strings.Index(raw, "<saml:Assertion"), strings.Index(raw, "</saml:Assertion>")+len("</saml:Assertion>")
		if i < 0 || j < i {
			t.Fatalf("no assertion:\n%.600s", raw)
		}
		signed := raw[i:j]
		forged := regexp.MustCompile(`(?s)<ds:Signature.*?</ds:Signature>`).ReplaceAllString(signed, "")
		forged = strings.ReplaceAll(strings.Replace(forged, `ID="`, `ID="forged`, 1), "hanako@corp.example.jp", "boss@corp.example.jp")
		wrapped := raw[:i] + "<samlp:Extensions>" + signed + "</samlp:Extensions>" + forged + raw[j:]
		refused(t, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString([]byte(wrapped))}})
	})
	t.Run("ErrAddressOutsideApprovedDomains", func(t *testing.T) {
		b := ta.newBrowser(t)
		form, _ := samlSignIn(t, startSSO(t, b, "hanako@corp.example.jp"), "mallory", "idp-pass")
		refused(t, form)
	})
}
