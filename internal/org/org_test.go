package org_test

import (
	"context"
	"reflect"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/i18n"
	"takumi/internal/mail"
	"takumi/internal/org"
	"takumi/internal/token"
)

func newService(t *testing.T, db *database.DB) *org.Service {
	t.Helper()
	inserter, err := db.JobInserter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return org.NewService(db.Gorm, mail.NewQueue(inserter), i18n.MustLoad(), "https://takumi.example")
}

func newUser(t *testing.T, db *database.DB, email string, platformAdmin bool) string {
	t.Helper()
	var id string
	err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at, is_platform_admin)
		VALUES (?, 'x', 'テスト', 'v', now(), ?) RETURNING id`, email, platformAdmin).Row().Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func wantCode(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key && e.Fields["email"] != key && e.Fields["name_ja"] != key) {
		t.Fatalf("error %v, want %s %s", err, code, key)
	}
}

func TestOrgDomain(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := newService(t, db)
	adminID := newUser(t, db, "platform@example.jp", true)
	platform := org.Actor{UserID: adminID, IP: "192.0.2.1"}
	hrID := newUser(t, db, "hr@example.jp", false)
	hr := org.Actor{UserID: hrID}

	emp, err := s.Create(ctx, platform, org.NewOrganisation{NameJa: "雇用主", Kind: org.KindEmployer, PrefectureCode: "13"})
	if err != nil {
		t.Fatal(err)
	}
	min, err := s.Create(ctx, platform, org.NewOrganisation{NameJa: "省", Kind: org.KindMinistry})
	if err != nil {
		t.Fatal(err)
	}
	db.Gorm.Exec("INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'admin')", emp.ID, hrID)

	t.Run("ErrCreateInvalid", func(t *testing.T) {
		_, err := s.Create(ctx, platform, org.NewOrganisation{NameJa: "雇用主", Kind: org.KindEmployer})
		wantCode(t, err, apperr.Invalid, "org.err_name_taken")
		_, err = s.Create(ctx, platform, org.NewOrganisation{NameJa: "x", Kind: "club", PrefectureCode: "99"})
		e, _ := apperr.As(err)
		if e == nil || e.Fields["kind"] == "" || e.Fields["prefecture"] == "" {
			t.Fatalf("kind and prefecture not refused: %v", err)
		}
		_, err = s.Create(ctx, hr, org.NewOrganisation{NameJa: "勝手な組織", Kind: org.KindEmployer})
		wantCode(t, err, apperr.Forbidden, "")
	})
	t.Run("InviteQueuesEmail", func(t *testing.T) {
		inv, err := s.Invite(ctx, hr, emp.ID, org.NewInvitation{Email: " Worker@Example.jp ", Role: org.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		if inv.Email != "worker@example.jp" {
			t.Fatalf("email not normalised: %q", inv.Email)
		}
		var jobs int
		db.Gorm.Raw("SELECT count(*) FROM river_job WHERE kind = 'send_email' AND args->>'to' = 'worker@example.jp'").Row().Scan(&jobs)
		if jobs != 1 {
			t.Fatalf("%d email jobs queued, want 1", jobs)
		}
		_, err = s.Invite(ctx, hr, emp.ID, org.NewInvitation{Email: "worker@example.jp", Role: org.RoleAdmin})
		wantCode(t, err, apperr.Invalid, "org.err_already_invited")
	})
	t.Run("ErrInviteAddressWithoutDot", func(t *testing.T) {
		// Sign-up refuses "taro@example" (emailaddr.Valid); an invitation
		// to it could never be accepted, so it is refused too.
		_, err := s.Invite(ctx, hr, emp.ID, org.NewInvitation{Email: "taro@example", Role: org.RoleMember})
		e, _ := apperr.As(err)
		if e == nil || e.Fields["email"] != "org.err_email" {
			t.Fatalf("invitation to taro@example: %v", err)
		}
	})
	t.Run("InvitationHashIsTokenHash", func(t *testing.T) {
		// Existing invitation links keep working: the stored hash is the
		// one scheme's (token.Hash of the link's text).
		var body string
		db.Gorm.Raw("SELECT args->>'body' FROM river_job WHERE args->>'to' = 'worker@example.jp'").Row().Scan(&body)
		var n int
		db.Gorm.Raw("SELECT count(*) FROM invitations WHERE token_hash = ?", token.Hash(tokenFrom(body))).Row().Scan(&n)
		if n != 1 {
			t.Fatalf("%d invitations under token.Hash of the link", n)
		}
	})
	t.Run("ErrAnalystInvite", func(t *testing.T) {
		_, err := s.Invite(ctx, platform, emp.ID, org.NewInvitation{Email: "a@example.jp", Role: org.RoleMember, Analyst: true})
		e, _ := apperr.As(err)
		if e == nil || e.Fields["analyst"] != "org.err_analyst_ministry_only" {
			t.Fatalf("analyst invitation into an employer: %v", err)
		}
	})
	t.Run("ErrOtherOrg", func(t *testing.T) {
		_, err := s.ViewRoster(ctx, hr, min.ID, org.MemberPage{})
		wantCode(t, err, apperr.NotFound, "")
		_, err = s.Invite(ctx, hr, min.ID, org.NewInvitation{Email: "b@example.jp", Role: org.RoleAdmin})
		wantCode(t, err, apperr.NotFound, "")
	})
	t.Run("AcceptOnlyByInvitee", func(t *testing.T) {
		// Accept needs the token, which only the email carries: read it
		// back from the queued job.
		var body string
		db.Gorm.Raw("SELECT args->>'body' FROM river_job WHERE args->>'to' = 'worker@example.jp'").Row().Scan(&body)
		token := tokenFrom(body)
		if token == "" {
			t.Fatalf("no link in the email body:\n%s", body)
		}
		other := newUser(t, db, "other@example.jp", false)
		_, err := s.Accept(ctx, org.Actor{UserID: other}, token)
		wantCode(t, err, apperr.Forbidden, "org.invitation_wrong_account")
		worker := newUser(t, db, "worker@example.jp", false)
		v, err := s.Accept(ctx, org.Actor{UserID: worker}, token)
		if err != nil || v.OrgID != emp.ID {
			t.Fatalf("accept: %v", err)
		}
		_, err = s.Accept(ctx, org.Actor{UserID: worker}, token)
		wantCode(t, err, apperr.Conflict, "org.invitation_accepted")
		ms, _ := org.MembershipsOf(ctx, db.Gorm, worker)
		if len(ms) != 1 || ms[0].Role != org.RoleMember {
			t.Fatalf("memberships after accepting: %+v", ms)
		}
	})
	t.Run("LastAdmin", func(t *testing.T) {
		err := s.ChangeRole(ctx, hr, emp.ID, hrID, org.RoleMember)
		wantCode(t, err, apperr.Conflict, "org.err_last_admin")
		err = s.RemoveMember(ctx, hr, emp.ID, hrID)
		wantCode(t, err, apperr.Conflict, "org.err_last_admin")
	})
	t.Run("Analyst", func(t *testing.T) {
		uid := newUser(t, db, "analyst@example.jp", false)
		db.Gorm.Exec("INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member'), (?, ?, 'member')", emp.ID, uid, min.ID, uid)
		wantCode(t, s.SetAnalyst(ctx, platform, emp.ID, uid, true), apperr.Conflict, "org.err_analyst_ministry_only")
		wantCode(t, s.SetAnalyst(ctx, hr, min.ID, uid, true), apperr.Forbidden, "")
		if err := s.SetAnalyst(ctx, platform, min.ID, uid, true); err != nil {
			t.Fatal(err)
		}
		ms, _ := org.MembershipsOf(ctx, db.Gorm, uid)
		if !org.Summarise(ms).Analyst {
			t.Fatal("analyst flag not granted in the ministry")
		}
		// SignedIn: the same account and memberships in one query.
		u, both, err := org.SignedIn(ctx, db.Pool, uid)
		if err != nil || u.ID != uid || u.Email != "analyst@example.jp" || !reflect.DeepEqual(both, ms) || len(both) != 2 {
			t.Fatalf("SignedIn: %v %+v\n%+v\nwant %+v", err, u, both, ms)
		}
		lonely := newUser(t, db, "lonely@example.jp", true)
		if u, none, err := org.SignedIn(ctx, db.Pool, lonely); err != nil || u.ID != lonely || !u.IsPlatformAdmin || len(none) != 0 {
			t.Fatalf("SignedIn without memberships: %v %+v %+v", err, u, none)
		}
		_, _, err = org.SignedIn(ctx, db.Pool, "00000000-0000-0000-0000-000000000000")
		wantCode(t, err, apperr.NotFound, "error.not_found")
	})
}

// tokenFrom extracts the invitation token from an email body.
func tokenFrom(body string) string {
	const marker = "/invitations/"
	for i := 0; i+len(marker) <= len(body); i++ {
		if body[i:i+len(marker)] == marker {
			j := i + len(marker)
			k := j
			for k < len(body) && body[k] != '\n' && body[k] != ' ' {
				k++
			}
			return body[j:k]
		}
	}
	return ""
}
