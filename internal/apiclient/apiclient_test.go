package apiclient_test

import (
	"context"
	"testing"

	"takumi/internal/apiclient"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
)

// TestClientLifecycle: a client's secret gets a token carrying the asked
// scopes; rotation ends the old secret and its tokens; revocation ends
// everything; the rate limit counts per window.
func TestClientLifecycle(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	svc := apiclient.NewService(db.Gorm)
	orgID := fixtures.MustCreateOrg(t, db, fixtures.Org{NameJa: "連携社", Kind: "employer"})
	c, secret, err := svc.CreateForDemo(ctx, orgID, "demo")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := svc.IssueToken(ctx, c.ID, secret, "", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.Scopes) != len(apiclient.Scopes) {
		t.Errorf("scopes %v", tok.Scopes)
	}
	narrow, err := svc.IssueToken(ctx, c.ID, secret, "members:read", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	caller, err := svc.Authenticate(ctx, narrow.Token)
	if err != nil || caller.OrgID != orgID || !caller.Has("members:read") || caller.Has("enrolments:read") {
		t.Fatalf("caller %+v %v", caller, err)
	}
	if _, err := svc.IssueToken(ctx, c.ID, secret+"x", "", ""); err == nil {
		t.Error("a wrong secret got a token")
	}
}

func TestRotateRevokeRate(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	svc := apiclient.NewService(db.Gorm)
	orgID := fixtures.MustCreateOrg(t, db, fixtures.Org{NameJa: "連携社2", Kind: "employer"})
	adminID := fixtures.MustCreateUser(t, db, fixtures.User{Email: "rot-admin@example.jp", NoPassword: true})
	fixtures.MustCreateMembership(t, db, orgID, adminID, "admin", false)
	a := apiclient.Actor{UserID: adminID}
	c, secret, err := svc.Create(ctx, a, orgID, "HR", []string{"members:read"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := svc.IssueToken(ctx, c.ID, secret, "", "")
	if err != nil {
		t.Fatal(err)
	}
	_, secret2, err := svc.Rotate(ctx, a, orgID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, tok.Token); err == nil {
		t.Error("a token of the old secret still works after rotation")
	}
	if _, err := svc.IssueToken(ctx, c.ID, secret, "", ""); err == nil {
		t.Error("the old secret still works after rotation")
	}
	tok2, err := svc.IssueToken(ctx, c.ID, secret2, "", "")
	if err != nil {
		t.Fatal(err)
	}
	caller, err := svc.Authenticate(ctx, tok2.Token)
	if err != nil {
		t.Fatal(err)
	}
	caller.RatePerMinute = 2
	for i := range 3 {
		ok, retry, err := svc.Allow(ctx, caller)
		if err != nil {
			t.Fatal(err)
		}
		if want := i < 2; ok != want || (!ok && (retry < 1 || retry > 60)) {
			t.Errorf("call %d: allowed %v retry %d", i+1, ok, retry)
		}
	}
	other := fixtures.MustCreateUser(t, db, fixtures.User{Email: "rot-other@example.jp", NoPassword: true})
	if err := svc.Revoke(ctx, apiclient.Actor{UserID: other}, orgID, c.ID); err == nil {
		t.Error("someone who is not an admin of the organisation revoked its client")
	}
	if err := svc.Revoke(ctx, a, orgID, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, tok2.Token); err == nil {
		t.Error("a token still works after revocation")
	}
	if _, _, err := svc.Rotate(ctx, a, orgID, c.ID); err == nil {
		t.Error("a revoked client was rotated")
	}
}
