package web_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"takumi/internal/fixtures"
)

// The identity provider in these tests is zitadel/oidc's example OpenID
// Provider (github.com/zitadel/oidc/v3, example/server: the library's own
// op package with its example in-memory storage and login page), started
// on a free port: an implementation Takumi did not write. Two settings are
// ours, through the library's storage interface: whether it asserts
// multi-factor (amr), and the department and employee-number claims.

// idpUser is one person at the test provider.
type idpUser struct {
	ID, Username, Password, FirstName, LastName, Email string
	EmailVerified                                      bool
	PreferredLanguage                                  string
}

// testIdP is a running provider.
type testIdP struct {
	Issuer, ClientID, Secret string
	MFA                      *atomic.Bool // assert amr "mfa" for sign-ins from now on
}

// idpStorage is the example storage with the two settings above.
type idpStorage struct {
	*storage.Storage
	mfa *atomic.Bool
}

type idpAuthRequest struct {
	op.AuthRequest
	mfa bool
}

func (r idpAuthRequest) GetAMR() []string {
	if r.mfa {
		return []string{"pwd", "otp", "mfa"}
	}
	return r.AuthRequest.GetAMR()
}

func (s idpStorage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return idpAuthRequest{r, s.mfa.Load()}, nil
}

func (s idpStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	return idpAuthRequest{r, s.mfa.Load()}, nil
}

func (s idpStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	ui.AppendClaims("department", "開発部")
	ui.AppendClaims("employee_number", "E-"+ui.Subject)
	return nil
}

// startIdP starts the provider on 127.0.0.1 with users and one web client
// whose redirect URI is Takumi's callback at base.
func startIdP(t *testing.T, base string, users []idpUser) *testIdP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	m := map[string]idpUser{}
	for _, u := range users {
		if u.PreferredLanguage == "" {
			u.PreferredLanguage = "ja"
		}
		m[u.ID] = u
	}
	b, _ := json.Marshal(m)
	path := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	us, err := storage.StoreFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	idp := &testIdP{Issuer: issuer, ClientID: "takumi-" + strings.ReplaceAll(ln.Addr().String(), ":", "-"), Secret: "s3cret-" + t.Name(), MFA: &atomic.Bool{}}
	storage.RegisterClients(storage.WebClient(idp.ClientID, idp.Secret, base+"/sso/oidc/callback"))
	st := idpStorage{Storage: storage.NewStorage(us), mfa: idp.MFA}
	mux := http.NewServeMux()
	mux.Handle("/", exampleop.SetupServer(issuer, st, nil, false))
	// The example has no icon: answer the browser's request for one.
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return idp
}

// idpSignIn follows the provider's pages for the authorization URL at
// with the username and password, and returns Takumi's callback path
// (with code and state).
func idpSignIn(t *testing.T, authURL, username, password string) string {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loginURL, err := res.Location()
	if err != nil {
		t.Fatalf("provider's authorize: status %d, no redirect to its login page", res.StatusCode)
	}
	id := loginURL.Query().Get("authRequestID")
	res, err = c.PostForm(loginURL.Scheme+"://"+loginURL.Host+"/login/username", url.Values{"id": {id}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for i := 0; i < 5; i++ {
		loc, err := res.Location()
		if err != nil {
			t.Fatalf("provider's login: status %d, no redirect", res.StatusCode)
		}
		if loc.Path == "/sso/oidc/callback" {
			return loc.RequestURI()
		}
		if res, err = c.Get(loc.String()); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	t.Fatal("the provider never sent the browser back to Takumi")
	return ""
}

// startSSO posts the work email on /login/sso and returns the provider's
// authorization URL.
func startSSO(t *testing.T, b *browser, email string) string {
	t.Helper()
	r := b.post("/login/sso", "/login/sso", url.Values{"email": {email}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login/sso as %s: status %d\n%.600s", email, r.StatusCode, r.Body)
	}
	return r.Header.Get("Location")
}

// ssoOrg sets up an employer whose domain corp.example.jp is confirmed,
// approved and routed to idp, through the pages its admin and a platform
// admin use (idp nil: no provider yet). It returns the organisation's id
// and the admin's browser.
func ssoOrg(t *testing.T, ta *testApp, idp *testIdP, requireSSO bool) (string, *browser) {
	t.Helper()
	orgID := fixtures.MustCreateOrg(t, ta.DB, fixtures.Org{NameJa: "株式会社サンプル", Kind: "employer"})
	adminID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "admin@corp.example.jp", Name: "管理 一郎", TOTPSecret: adminTOTP})
	fixtures.MustCreateMembership(t, ta.DB, orgID, adminID, "admin", false)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "root@platform.example.jp", PlatformAdmin: true, TOTPSecret: rootTOTP})

	admin := ta.signedIn(t, "admin@corp.example.jp", adminTOTP)
	r := admin.post("/org/"+orgID+"/sso", "/org/"+orgID+"/sso/domains", url.Values{"email": {"it@corp.example.jp"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim domain: status %d\n%.600s", r.StatusCode, r.Body)
	}
	_, link := ta.waitMail(t, "it@corp.example.jp", "corp.example.jp")
	anyone := ta.newBrowser(t)
	confirmPage := ta.pathOf(t, link)
	token := strings.TrimPrefix(confirmPage, "/sso/domains/confirm?token=")
	if r := anyone.post(confirmPage, "/sso/domains/confirm", url.Values{"token": {token}}); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "corp.example.jp") {
		t.Fatalf("confirm domain: status %d\n%.600s", r.StatusCode, r.Body)
	}
	// Not routed before a platform admin approves.
	if r := anyone.post("/login/sso", "/login/sso", url.Values{"email": {"x@corp.example.jp"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unapproved domain: status %d, want 422", r.StatusCode)
	}
	var domainID string
	ta.DB.Gorm.Raw("SELECT id FROM org_email_domains WHERE domain = 'corp.example.jp'").Row().Scan(&domainID)
	root := ta.signedIn(t, "root@platform.example.jp", rootTOTP)
	if r := root.post("/admin/sso", "/admin/sso/domains/"+domainID+"/approve", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: status %d\n%.600s", r.StatusCode, r.Body)
	}
	if idp == nil {
		return orgID, admin
	}
	form := url.Values{"issuer": {idp.Issuer}, "client_id": {idp.ClientID}, "client_secret": {idp.Secret},
		"department_claim": {"department"}, "employee_no_claim": {"employee_number"}}
	if requireSSO {
		form.Set("require_sso", "1")
	}
	if r := admin.post("/org/"+orgID+"/sso", "/org/"+orgID+"/sso/provider", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save provider: status %d\n%.900s", r.StatusCode, r.Body)
	}
	return orgID, admin
}

const (
	adminTOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	rootTOTP  = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
)

func TestSSOOIDC(t *testing.T) {
	ta := startApp(t)
	idp := startIdP(t, ta.URL, []idpUser{
		{ID: "u-hanako", Username: "hanako", Password: "idp-pass", FirstName: "花子", LastName: "山田", Email: "hanako@corp.example.jp", EmailVerified: true},
		{ID: "u-jiro", Username: "jiro", Password: "idp-pass", FirstName: "次郎", LastName: "鈴木", Email: "jiro@corp.example.jp", EmailVerified: true},
		{ID: "u-admin", Username: "admin", Password: "idp-pass", FirstName: "一郎", LastName: "管理", Email: "admin@corp.example.jp", EmailVerified: true},
		{ID: "u-other", Username: "other", Password: "idp-pass", FirstName: "他", LastName: "社", Email: "someone@elsewhere.example.jp", EmailVerified: true},
	})
	orgID, admin := ssoOrg(t, ta, idp, false)

	t.Run("SettingsNeverShowSecret", func(t *testing.T) {
		r := admin.get("/org/" + orgID + "/sso")
		if r.StatusCode != http.StatusOK || strings.Contains(r.Body, idp.Secret) || !strings.Contains(r.Body, idp.ClientID) {
			t.Fatalf("settings page: status %d, secret shown %v", r.StatusCode, strings.Contains(r.Body, idp.Secret))
		}
		// Another organisation's admin gets 404.
		otherOrg := fixtures.MustCreateOrg(t, ta.DB, fixtures.Org{NameJa: "別会社", Kind: "employer"})
		otherID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "boss@else.example.jp", TOTPSecret: adminTOTP})
		fixtures.MustCreateMembership(t, ta.DB, otherOrg, otherID, "admin", false)
		other := ta.signedIn(t, "boss@else.example.jp", adminTOTP)
		if r := other.get("/org/" + orgID + "/sso"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("another organisation's admin: %d, want 404", r.StatusCode)
		}
	})

	var callback string
	t.Run("FirstSignInCreatesAccountAndMembership", func(t *testing.T) {
		b := ta.newBrowser(t)
		auth := startSSO(t, b, "hanako@corp.example.jp")
		u, _ := url.Parse(auth)
		q := u.Query()
		if !strings.HasPrefix(auth, idp.Issuer) || q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || q.Get("nonce") == "" {
			t.Fatalf("authorization URL lacks PKCE S256, state or nonce: %s", auth)
		}
		callback = idpSignIn(t, auth, "hanako", "idp-pass")
		began := time.Now()
		r := b.get(callback)
		t.Logf("OIDC callback (code exchange, ID token check, userinfo, account and membership): %v", time.Since(began))
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
			t.Fatalf("callback: status %d location %q\n%.900s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		if r := b.get("/learn"); r.StatusCode != http.StatusOK {
			t.Fatalf("/learn after SSO: %d", r.StatusCode)
		}
		var row struct {
			DisplayName, Role, Department, EmployeeNumber string
			Verified                                      bool
		}
		ta.DB.Gorm.Raw(`SELECT u.display_name, m.role, i.department, i.employee_number, u.email_verified_at IS NOT NULL AS verified
			FROM users u JOIN memberships m ON m.user_id = u.id JOIN sso_identities i ON i.user_id = u.id
			WHERE u.email = 'hanako@corp.example.jp' AND m.org_id = ?`, orgID).Scan(&row)
		if row.Role != "member" || !row.Verified || row.Department != "開発部" || row.EmployeeNumber != "E-u-hanako" || row.DisplayName != "花子 山田" {
			t.Fatalf("account, membership and claims: %+v", row)
		}
	})

	t.Run("ErrReplayedCallback", func(t *testing.T) {
		// The same callback again: its state was used up.
		b := ta.newBrowser(t)
		if r := b.get(callback); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("replayed callback: %d, want 400", r.StatusCode)
		}
		// A used code with a fresh state (and so another PKCE verifier).
		auth := startSSO(t, b, "hanako@corp.example.jp")
		u, _ := url.Parse(auth)
		old, _ := url.Parse(callback)
		r := b.get("/sso/oidc/callback?code=" + url.QueryEscape(old.Query().Get("code")) + "&state=" + url.QueryEscape(u.Query().Get("state")))
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("replayed code: %d, want 401", r.StatusCode)
		}
		var n int
		ta.DB.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'sso.login_refused' AND details::jsonb->>'reason' = 'code_exchange'").Row().Scan(&n)
		if n == 0 {
			t.Fatal("no audit entry for the replayed code")
		}
	})

	t.Run("ErrAddressOutsideApprovedDomains", func(t *testing.T) {
		b := ta.newBrowser(t)
		cb := idpSignIn(t, startSSO(t, b, "hanako@corp.example.jp"), "other", "idp-pass")
		if r := b.get(cb); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("foreign address: %d, want 401", r.StatusCode)
		}
	})

	t.Run("ExistingPasswordAccountLinksOnlyWhenSignedIn", func(t *testing.T) {
		jiroID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "jiro@corp.example.jp"})
		b := ta.newBrowser(t)
		cb := idpSignIn(t, startSSO(t, b, "jiro@corp.example.jp"), "jiro", "idp-pass")
		if r := b.get(cb); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Doc(t).Find("#sso-error").Text(), "パスワード") {
			t.Fatalf("unlinked account: %d, want 403 with the link message", r.StatusCode)
		}
		ta.signIn(t, b, "jiro@corp.example.jp", fixtures.Password, "")
		cb = idpSignIn(t, startSSO(t, b, "jiro@corp.example.jp"), "jiro", "idp-pass")
		if r := b.get(cb); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("linking: %d\n%.600s", r.StatusCode, r.Body)
		}
		var linked string
		ta.DB.Gorm.Raw("SELECT user_id FROM sso_identities WHERE subject = 'u-jiro'").Row().Scan(&linked)
		if linked != jiroID {
			t.Fatalf("linked to %q, want %q", linked, jiroID)
		}
	})

	t.Run("MFAOnce", func(t *testing.T) {
		// The admin links their account, signed in with password and TOTP.
		cb := idpSignIn(t, startSSO(t, admin, "admin@corp.example.jp"), "admin", "idp-pass")
		if r := admin.get(cb); r.Header.Get("Location") != "/login/2fa" {
			t.Fatalf("admin links: %d %q\n%.600s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		if r := admin.post("/login/2fa", "/login/2fa", url.Values{"code": {ta.totpCode(t, "admin@corp.example.jp", adminTOTP)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("admin's code after SSO: %d", r.StatusCode)
		}
		// The admin has TOTP; the provider asserted only a password.
		b := ta.newBrowser(t)
		cb = idpSignIn(t, startSSO(t, b, "admin@corp.example.jp"), "admin", "idp-pass")
		if r := b.get(cb); r.Header.Get("Location") != "/login/2fa" {
			t.Fatalf("password-only provider sign-in of an admin: location %q, want /login/2fa", r.Header.Get("Location"))
		}
		// The provider asserts multi-factor: no second code.
		idp.MFA.Store(true)
		defer idp.MFA.Store(false)
		b = ta.newBrowser(t)
		cb = idpSignIn(t, startSSO(t, b, "admin@corp.example.jp"), "admin", "idp-pass")
		if r := b.get(cb); r.Header.Get("Location") != "/org" {
			t.Fatalf("multi-factor provider sign-in of an admin: location %q, want /org", r.Header.Get("Location"))
		}
	})

	t.Run("RequireSSO", func(t *testing.T) {
		form := url.Values{"issuer": {idp.Issuer}, "client_id": {idp.ClientID}, "require_sso": {"1"}}
		if r := admin.post("/org/"+orgID+"/sso", "/org/"+orgID+"/sso/provider", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save provider: %d\n%.600s", r.StatusCode, r.Body)
		}
		b := ta.newBrowser(t)
		r := b.post("/login", "/login", url.Values{"email": {"jiro@corp.example.jp"}, "password": {fixtures.Password}})
		if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "組織のログイン画面") {
			t.Fatalf("password sign-in under require-SSO: %d, want 403", r.StatusCode)
		}
		// Break-glass: the organisation's admin, with TOTP.
		ta.signedIn(t, "admin@corp.example.jp", adminTOTP)
		// The secret was kept (the form left it empty): SSO still works.
		b = ta.newBrowser(t)
		cb := idpSignIn(t, startSSO(t, b, "hanako@corp.example.jp"), "hanako", "idp-pass")
		if r := b.get(cb); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("SSO after the settings were saved without a secret: %d", r.StatusCode)
		}
	})
}
