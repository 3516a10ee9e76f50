package credential_test

import (
	"context"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/credential"
)

func TestParseRef(t *testing.T) {
	const id = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
	for _, c := range []struct {
		name, in, want string
		ok             bool
	}{
		{"ID", id, id, true},
		{"UpperCase", "1B4E28BA-2FA1-41D2-883F-0016D3CCA427", id, true},
		{"URN", "urn:uuid:" + id, id, true},
		{"PageURL", " https://takumi.example.jp/credentials/" + id + "\n", id, true},
		{"JSONURL", "https://takumi.example.jp/credentials/" + id + "/credential.json", id, true},
		{"ErrEmpty", "", "", false},
		{"ErrNotAnID", "hello", "", false},
		{"ErrTwoIDs", id + " " + id, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := credential.ParseRef(c.in)
			if got != c.want || ok != c.ok {
				t.Fatalf("ParseRef(%q) = %q, %v", c.in, got, ok)
			}
		})
	}
}

func TestListIssued(t *testing.T) {
	is := newIssuing(t)
	ctx := context.Background()
	courseID, lessons := is.course(t, "issued")
	user := is.learner(t, 7)
	is.complete(t, user, courseID, lessons)
	admin := credential.Actor{UserID: is.author, AdminOf: []string{is.provider}, IP: "192.0.2.1"}

	l, err := is.creds.ListIssued(ctx, admin, is.provider, credential.IssuedFilter{})
	if err != nil || l.Total != 1 || len(l.Rows) != 1 || l.Rows[0].HolderName != "受講者" || l.Pages != 1 {
		t.Fatalf("list: %+v, %v", l, err)
	}
	if n := is.count(t, `SELECT count(*) FROM audit_events WHERE action = 'credential.issued_viewed' AND actor_id = ?`, is.author); n != 1 {
		t.Fatalf("%d audit rows for the view, want 1", n)
	}
	id := l.Rows[0].ID
	if l, _ := is.creds.ListIssued(ctx, admin, is.provider, credential.IssuedFilter{CredentialID: "urn:uuid:" + id}); len(l.Rows) != 1 {
		t.Fatalf("filtered by id: %d rows", len(l.Rows))
	}
	if l, _ := is.creds.ListIssued(ctx, admin, is.provider, credential.IssuedFilter{CredentialID: "nothing"}); len(l.Rows) != 0 {
		t.Fatalf("filtered by garbage: %d rows", len(l.Rows))
	}
	if got, err := is.creds.GetIssued(ctx, admin, id); err != nil || got.HolderName != "受講者" {
		t.Fatalf("GetIssued: %+v %v", got, err)
	}

	stranger := credential.Actor{UserID: user, AdminOf: []string{"00000000-0000-0000-0000-000000000000"}}
	if _, err := is.creds.ListIssued(ctx, stranger, is.provider, credential.IssuedFilter{}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("list by a non-admin: %v, want not_found", err)
	}
	if _, err := is.creds.GetIssued(ctx, stranger, id); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("get by a non-admin: %v, want not_found", err)
	}
	platform := credential.Actor{UserID: user, IsPlatformAdmin: true}
	if _, err := is.creds.GetIssued(ctx, platform, id); err != nil {
		t.Fatalf("get by a platform admin: %v", err)
	}
	// An employer is no issuer, even to its own admin.
	var employer string
	is.db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('雇用主', 'employer') RETURNING id`).Row().Scan(&employer)
	if _, err := is.creds.ListIssued(ctx, credential.Actor{UserID: is.author, AdminOf: []string{employer}}, employer, credential.IssuedFilter{}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("employer list: %v, want not_found", err)
	}
	if _, err := is.creds.ListIssued(ctx, admin, "not-a-uuid", credential.IssuedFilter{}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("bad id: %v", err)
	}
}
