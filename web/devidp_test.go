package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/devidp"
)

// TestDevIdP is the README's "try single sign-on locally" (issue 18 item
// 6): `takumi dev-idp` (devidp.Run) answers discovery, `takumi demo`
// (app.LoadDemo) points the demo employer at it, and a person of the demo
// employer signs in through it and gets an account and membership.
func TestDevIdP(t *testing.T) {
	const password = "demo-pass-for-dev-idp"
	ta := startApp(t, func(c *config.Config) { c.DemoPassword = password })

	if err := devidp.Run(context.Background(), devidp.Options{Production: true}, io.Discard); err == nil {
		t.Fatal("dev-idp ran in production")
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- devidp.Run(ctx, devidp.Options{Addr: "127.0.0.1:0", BaseURL: ta.URL, DataDir: t.TempDir(), Password: password,
			Ready: func(a string) { ready <- a }}, io.Discard)
	}()
	t.Cleanup(func() { cancel(); <-done })
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(30 * time.Second):
		t.Fatal("dev-idp did not start")
	}
	issuer := devidp.Issuer(addr)

	res, err := http.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc struct {
		Issuer string `json:"issuer"`
	}
	_ = json.NewDecoder(res.Body).Decode(&disc)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || disc.Issuer != issuer {
		t.Fatalf("discovery: status %d issuer %q, want %q", res.StatusCode, disc.Issuer, issuer)
	}

	t.Setenv("TAKUMI_DEV_IDP_ADDR", addr)
	var out strings.Builder
	if err := app.LoadDemo(context.Background(), ta.Cfg, ta.DB, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), devidp.Users[0].Username) || !strings.Contains(out.String(), "takumi dev-idp") {
		t.Fatalf("takumi demo does not say how to try single sign-on:\n%s", out.String())
	}
	var orgID, got string
	ta.DB.Gorm.Raw(`SELECT p.org_id, p.issuer FROM identity_providers p JOIN organisations o ON o.id = p.org_id
		JOIN org_email_domains d ON d.org_id = o.id AND d.approved_at IS NOT NULL
		WHERE o.name_en = 'Tokai Precision Works (demo)' AND d.domain = ?`, devidp.Domain).Row().Scan(&orgID, &got)
	if got != issuer {
		t.Fatalf("demo employer's provider: issuer %q, want %q", got, issuer)
	}

	// The README's steps: /login/sso with a demo employer address, the
	// provider's login page, back signed in with a membership.
	b := ta.newBrowser(t)
	email := devidp.Users[0].Username
	auth := startSSO(t, b, email)
	if !strings.HasPrefix(auth, issuer) {
		t.Fatalf("sign-in went to %s, not the dev provider", auth)
	}
	r := b.get(idpSignIn(t, auth, email, password))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
		t.Fatalf("callback: status %d location %q\n%.900s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	var role string
	ta.DB.Gorm.Raw(`SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ? AND m.org_id = ?`,
		email, orgID).Row().Scan(&role)
	if role != "member" {
		t.Fatalf("membership after the first sign-in: %q", role)
	}
}
