package privacy_test

import (
	"context"
	"testing"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/dbtest"
	"takumi/internal/learning"
	"takumi/internal/privacy"
)

// The full journey (enrolments, quiz answers, the event log, the export's
// contents) is tested in internal/learning/privacy_test.go beside the
// course fixtures it needs; this test checks that each owner erases its
// own rows when the coordinator asks.

func recheck(_ context.Context, _, password, field, _ string) error {
	if password != "secret" {
		return apperr.FieldErrors(map[string]string{field: "account.password_current_wrong"})
	}
	return nil
}

func TestDeleteAccountAsksEveryOwner(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	ps := privacy.NewService(db.Gorm, learning.NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1"))
	var user, org string
	db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, birth_year, privacy_notice_version, consented_at)
		VALUES ('erase@example.jp', 'x', '消去 太郎', 1990, 'v', now()) RETURNING id`).Row().Scan(&user)
	db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('消去社', 'employer') RETURNING id`).Row().Scan(&org)
	db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')`, org, user)
	db.Gorm.Exec(`INSERT INTO invitations (org_id, email, role, token_hash, expires_at, accepted_at)
		VALUES (?, 'erase@example.jp', 'member', 'accepted', now() + interval '1 day', now())`, org)
	var other string
	db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('別社', 'employer') RETURNING id`).Row().Scan(&other)
	db.Gorm.Exec(`INSERT INTO invitations (org_id, email, role, token_hash, expires_at)
		VALUES (?, 'erase@example.jp', 'member', 'pending', now() + interval '1 day')`, other)
	db.Gorm.Exec(`INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, 'c')`, user)
	db.Gorm.Exec(`INSERT INTO email_tokens (user_id, purpose, token_hash, expires_at) VALUES (?, 'reset_password', 't', now() + interval '1 hour')`, user)
	db.Gorm.Exec(`INSERT INTO dev_mail (to_addr, subject, body) VALUES ('erase@example.jp', '件名', '本文')`)

	if err := ps.DeleteAccount(ctx, privacy.Person{UserID: user}, privacy.DeleteAccountInput{Password: "secret", Confirmation: "削除"}, recheck); err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.Gorm.Raw(q, args...).Row().Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for what, n := range map[string]int{
		"users row not anonymised (account)": 1 - count(`SELECT count(*) FROM users WHERE id = ? AND display_name = ? AND birth_year IS NULL
			AND email LIKE 'deleted-%@deleted.invalid' AND disabled_at IS NOT NULL`, user, account.DeletedDisplayName),
		"recovery codes left (account)":      count(`SELECT count(*) FROM recovery_codes WHERE user_id = ?`, user),
		"email tokens left (account)":        count(`SELECT count(*) FROM email_tokens WHERE user_id = ?`, user),
		"memberships left (org)":             count(`SELECT count(*) FROM memberships WHERE user_id = ?`, user),
		"invitations naming the email (org)": count(`SELECT count(*) FROM invitations WHERE email = 'erase@example.jp'`),
		"pending invitation kept (org)":      count(`SELECT count(*) FROM invitations WHERE token_hash = 'pending'`),
		"accepted invitation lost (org)":     1 - count(`SELECT count(*) FROM invitations WHERE token_hash = 'accepted' AND email LIKE 'deleted-%'`),
		"dev mail left (mail)":               count(`SELECT count(*) FROM dev_mail WHERE to_addr = 'erase@example.jp'`),
		"audit entry missing (audit)":        1 - count(`SELECT count(*) FROM audit_events WHERE action = 'account.deleted' AND actor_id = ?`, user),
	} {
		if n != 0 {
			t.Errorf("%s: %d", what, n)
		}
	}
}
