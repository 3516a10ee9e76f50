package web_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Hostile OpenID Connect answers (issue 18): a provider that misbehaves on
// purpose. zitadel's example provider only issues correct tokens, so this
// test serves its own discovery document, JWKS and token endpoint and
// signs real RS256 JWTs (and an unsigned alg "none" one); Takumi's go-oidc
// verifier and nonce check must refuse each, with an audit entry naming
// the reason. A correct token from the same server is the control: it
// signs in.

// rogueOP is the misbehaving provider. Next builds the ID token for the
// next token request from the nonce Takumi sent.
type rogueOP struct {
	Issuer string
	key    *rsa.PrivateKey
	mu     sync.Mutex
	next   func(nonce string) string
	nonce  string
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign makes a JWT with header alg/kid over claims, signed with key (alg
// "none": no signature).
func sign(t *testing.T, key *rsa.PrivateKey, alg, kid string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"})
	p, _ := json.Marshal(claims)
	in := b64(h) + "." + b64(p)
	if alg == "none" {
		return in + "."
	}
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64(sig)
}

func startRogueOP(t *testing.T) *rogueOP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &rogueOP{Issuer: "http://" + ln.Addr().String(), key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": o.Issuer, "authorization_endpoint": o.Issuer + "/authorize",
			"token_endpoint": o.Issuer + "/token", "jwks_uri": o.Issuer + "/keys", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported": []string{"S256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, _ *http.Request) {
		o.mu.Lock()
		idt := o.next(o.nonce)
		o.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": idt})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return o
}

func TestSSOOIDCHostileTokens(t *testing.T) {
	ta := startApp(t)
	op := startRogueOP(t)
	idp := &testIdP{Issuer: op.Issuer, ClientID: "takumi-client", Secret: "rogue-secret"}
	orgID, _ := ssoOrg(t, ta, idp, false)

	good := func(nonce string) map[string]any {
		now := time.Now()
		return map[string]any{"iss": op.Issuer, "aud": idp.ClientID, "sub": "u-1", "nonce": nonce, "iat": now.Unix(),
			"exp": now.Add(5 * time.Minute).Unix(), "email": "hanako@corp.example.jp", "email_verified": true, "name": "山田 花子",
			"department": "開発部", "employee_number": "E-1"}
	}
	with := func(k string, v any) func(string) map[string]any {
		return func(nonce string) map[string]any { c := good(nonce); c[k] = v; return c }
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := []struct {
		name, reason, errText string
		token                 func(nonce string) string
	}{
		{"WrongIssuer", "id_token", "different provider", func(n string) string {
			return sign(t, op.key, "RS256", "k1", with("iss", "http://evil.example")(n))
		}},
		{"WrongAudience", "id_token", "audience", func(n string) string {
			return sign(t, op.key, "RS256", "k1", with("aud", "someone-else")(n))
		}},
		{"WrongNonce", "nonce", "", func(n string) string { return sign(t, op.key, "RS256", "k1", with("nonce", "not-"+n)(n)) }},
		{"AlgNone", "id_token", `algorithm "none"`, func(n string) string { return sign(t, nil, "none", "k1", good(n)) }},
		{"Expired", "id_token", "expired", func(n string) string {
			return sign(t, op.key, "RS256", "k1", with("exp", time.Now().Add(-2*time.Minute).Unix())(n))
		}},
		{"KeyNotPublished", "id_token", "signature", func(n string) string { return sign(t, other, "RS256", "k1", good(n)) }},
	}
	// callback starts a sign-in and answers Takumi's callback with the
	// token tok builds.
	callback := func(t *testing.T, tok func(string) string) *response {
		b := ta.newBrowser(t)
		auth := startSSO(t, b, "hanako@corp.example.jp")
		u, err := url.Parse(auth)
		if err != nil || !strings.HasPrefix(auth, op.Issuer) {
			t.Fatalf("authorization URL %q", auth)
		}
		op.mu.Lock()
		op.nonce, op.next = u.Query().Get("nonce"), tok
		op.mu.Unlock()
		return b.get("/sso/oidc/callback?code=c0de&state=" + url.QueryEscape(u.Query().Get("state")))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before int
			ta.DB.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'sso.login_refused'").Row().Scan(&before)
			if r := callback(t, tc.token); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401\n%.600s", r.StatusCode, r.Body)
			}
			var rows []struct{ Reason, Err string }
			ta.DB.Gorm.Raw(`SELECT details::jsonb->>'reason' AS reason, coalesce(details::jsonb->>'error', '') AS err FROM audit_events
				WHERE action = 'sso.login_refused' AND org_id = ? ORDER BY id DESC LIMIT 1`, orgID).Scan(&rows)
			var after int
			ta.DB.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'sso.login_refused'").Row().Scan(&after)
			if after != before+1 || len(rows) != 1 || rows[0].Reason != tc.reason || !strings.Contains(rows[0].Err, tc.errText) {
				t.Fatalf("audit: %d new entries, last %+v; want reason %q mentioning %q", after-before, rows, tc.reason, tc.errText)
			}
			t.Logf("refused: %s %s", rows[0].Reason, rows[0].Err)
		})
	}
	var n int
	ta.DB.Gorm.Raw("SELECT count(*) FROM users WHERE email = 'hanako@corp.example.jp'").Row().Scan(&n)
	if n != 0 {
		t.Fatal("a refused token made an account")
	}
	t.Run("ControlCorrectTokenSignsIn", func(t *testing.T) {
		r := callback(t, func(n string) string { return sign(t, op.key, "RS256", "k1", good(n)) })
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
			t.Fatalf("correct token: status %d location %q\n%.600s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
	})
}
