package learning_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
	"takumi/internal/privacy"
)

// The privacy coordinator (internal/privacy) is tested here, beside the
// learning fixtures (courses, quizzes, learners) it needs.

// person is the learner as the privacy coordinator takes them.
func person(l learning.Learner) privacy.Person { return privacy.Person{UserID: l.UserID, IP: l.IP} }

// privacyRecheck stands in for account.Service.RecheckPassword: "secret"
// is the password.
func privacyRecheck(_ context.Context, _, password, field, _ string) error {
	if password != "secret" {
		return apperr.FieldErrors(map[string]string{field: "account.password_current_wrong"})
	}
	return nil
}

func TestPrivacyDeleteAccount(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := learning.NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	ps := privacy.NewService(db.Gorm, s)
	f := quizplayCourse(t, db, "privacy-delete")
	l := quizplayLearner(t, db, "privacy")
	e, err := s.EnrolSelfPaced(ctx, l, f.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	a := quizplayStartBackdated(t, db, s, l, e.ID, f.QuizID)
	if _, err := s.SubmitQuizAttempt(ctx, l, e.ID, f.QuizID, a.ID, map[string][]string{f.Single: {f.Right}}); err != nil {
		t.Fatal(err)
	}
	var org string
	db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('削除テスト社', 'employer') RETURNING id`).Row().Scan(&org)
	db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')`, org, l.UserID)
	db.Gorm.Exec(`INSERT INTO invitations (org_id, email, role, token_hash, expires_at) VALUES (?, 'quizplay-privacy@example.jp', 'member', 'h1', now() + interval '1 day')`, org)
	db.Gorm.Exec(`INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, 'c')`, l.UserID)
	db.Gorm.Exec(`INSERT INTO dev_mail (to_addr, subject, body) VALUES ('quizplay-privacy@example.jp', '件名', '本文')`)
	eventsBefore := quizplayCount(t, db, `SELECT count(*) FROM learning_events WHERE user_id = ?`, l.UserID)

	t.Run("ErrConfirmationOrPassword", func(t *testing.T) {
		err := ps.DeleteAccount(ctx, person(l), privacy.DeleteAccountInput{Password: "secret", Confirmation: "はい"}, privacyRecheck)
		if e, ok := apperr.As(err); !ok || e.Fields["confirmation"] != "privacy_rights.err_confirmation" {
			t.Fatalf("wrong word: %v", err)
		}
		err = ps.DeleteAccount(ctx, person(l), privacy.DeleteAccountInput{Password: "guess", Confirmation: "削除"}, privacyRecheck)
		if e, ok := apperr.As(err); !ok || e.Fields["password"] == "" {
			t.Fatalf("wrong password: %v", err)
		}
		if quizplayCount(t, db, `SELECT count(*) FROM users WHERE id = ? AND email = 'quizplay-privacy@example.jp' AND disabled_at IS NULL`, l.UserID) != 1 {
			t.Fatal("a refused deletion changed the account")
		}
	})
	t.Run("ErrLastPlatformAdmin", func(t *testing.T) {
		admin := quizplayLearner(t, db, "admin")
		db.Gorm.Exec(`UPDATE users SET is_platform_admin = true WHERE id = ?`, admin.UserID)
		err := ps.DeleteAccount(ctx, person(admin), privacy.DeleteAccountInput{Password: "secret", Confirmation: "delete"}, privacyRecheck)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Conflict || e.Key != "privacy_rights.err_last_admin" {
			t.Fatalf("last admin deletes themselves: %v", err)
		}
		second := quizplayLearner(t, db, "admin2")
		db.Gorm.Exec(`UPDATE users SET is_platform_admin = true WHERE id = ?`, second.UserID)
		if err := ps.DeleteAccount(ctx, person(admin), privacy.DeleteAccountInput{Password: "secret", Confirmation: "ＤＥＬＥＴＥ"}, privacyRecheck); err != nil {
			t.Fatalf("an admin with another admin left: %v", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		if err := ps.DeleteAccount(ctx, person(l), privacy.DeleteAccountInput{Password: "secret", Confirmation: " 削除 "}, privacyRecheck); err != nil {
			t.Fatal(err)
		}
		var u struct {
			Email, DisplayName, PasswordHash string
			Prefecture, Segment              *string
			Disabled                         bool
		}
		db.Gorm.Raw(`SELECT email, display_name, password_hash, prefecture_code AS prefecture, segment, disabled_at IS NOT NULL AS disabled
			FROM users WHERE id = ?`, l.UserID).Scan(&u)
		if u.Email != "deleted-"+l.UserID+"@deleted.invalid" || u.DisplayName != privacy.DeletedDisplayName || u.PasswordHash != "!" ||
			u.Prefecture != nil || u.Segment != nil || !u.Disabled {
			t.Fatalf("users row after deletion: %+v", u)
		}
		for what, n := range map[string]int{
			"memberships":        quizplayCount(t, db, `SELECT count(*) FROM memberships WHERE user_id = ?`, l.UserID),
			"invitations":        quizplayCount(t, db, `SELECT count(*) FROM invitations WHERE email = 'quizplay-privacy@example.jp'`),
			"recovery codes":     quizplayCount(t, db, `SELECT count(*) FROM recovery_codes WHERE user_id = ?`, l.UserID),
			"dev mail":           quizplayCount(t, db, `SELECT count(*) FROM dev_mail WHERE to_addr = 'quizplay-privacy@example.jp'`),
			"quiz answers":       quizplayCount(t, db, `SELECT count(*) FROM quiz_attempts WHERE enrolment_id = ? AND answers IS NOT NULL`, e.ID),
			"live enrolments":    quizplayCount(t, db, `SELECT count(*) FROM enrolments WHERE user_id = ? AND status IN ('active', 'waitlisted')`, l.UserID),
			"scores lost (want)": 1 - quizplayCount(t, db, `SELECT count(*) FROM quiz_attempts WHERE enrolment_id = ? AND score = 1 AND max_score = 2`, e.ID),
		} {
			if n != 0 {
				t.Errorf("%s: %d left", what, n)
			}
		}
		// The event log keeps every row, attributed to the same random id,
		// plus one "withdrawn" for the enrolment that was in progress.
		after := quizplayCount(t, db, `SELECT count(*) FROM learning_events WHERE user_id = ?`, l.UserID)
		withdrawn := quizplayCount(t, db, `SELECT count(*) FROM learning_events WHERE user_id = ? AND event_type = 'withdrawn' AND details->>'reason' = 'account_deleted'`, l.UserID)
		if after != eventsBefore+1 || withdrawn != 1 {
			t.Fatalf("events %d → %d (%d withdrawn); want every earlier event kept and one withdrawal", eventsBefore, after, withdrawn)
		}
		if quizplayCount(t, db, `SELECT count(*) FROM audit_events WHERE action = 'account.deleted' AND actor_id = ? AND details NOT LIKE '%@%'`, l.UserID) != 1 {
			t.Fatal("no account.deleted audit event")
		}
	})
	t.Run("ErrAlreadyDeleted", func(t *testing.T) {
		if err := ps.DeleteAccount(ctx, person(l), privacy.DeleteAccountInput{Password: "secret", Confirmation: "削除"}, privacyRecheck); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
	})
}

func TestPrivacyExportMyData(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := learning.NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	ps := privacy.NewService(db.Gorm, s)
	f := quizplayCourse(t, db, "privacy-export")
	l := quizplayLearner(t, db, "export")
	db.Gorm.Exec(`UPDATE users SET display_name = '=HYPERLINK("x")', password_hash = 'SECRET-HASH', totp_secret = 'TOTPSECRET' WHERE id = ?`, l.UserID)
	e, err := s.EnrolSelfPaced(ctx, l, f.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	a := quizplayStartBackdated(t, db, s, l, e.ID, f.QuizID)
	if _, err := s.SubmitQuizAttempt(ctx, l, e.ID, f.QuizID, a.ID, map[string][]string{f.Numeric: {"41.9"}}); err != nil {
		t.Fatal(err)
	}
	// An employer asked to see the person's progress and they agreed: the
	// answer is personal data and belongs in the export.
	consentOrg := fixtures.MustCreateOrg(t, db, fixtures.Org{NameJa: "同意を求めた会社", Kind: "employer"})
	if err := db.Gorm.Exec(`INSERT INTO progress_consents (org_id, user_id, requested_at, granted_at) VALUES (?, ?, now(), now())`,
		consentOrg, l.UserID).Error; err != nil {
		t.Fatal(err)
	}
	// A SCORM attempt (issue 16) is the learner's data too, its launch
	// token's hash is not.
	if err := db.Gorm.Exec(`INSERT INTO scorm_attempts (enrolment_id, lesson_id, package_id, version, launch_path, launch_token_hash,
		launch_expires_at, suspend_data, location, completion_status, score_scaled, cmi, commits)
		VALUES (?, 'sco-1', gen_random_uuid(), '2004', 'index.html', 'TOKENHASHSECRET'::bytea, now(), 'SUSPEND-MARK', 'page-7',
		'incomplete', 0.625, '{"interactions":[{"id":"q1","learner_response":"INTERACTION-MARK"}]}', 3)`, e.ID).Error; err != nil {
		t.Fatal(err)
	}
	out, err := ps.ExportMyData(ctx, person(l))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(out.Zip), int64(len(out.Zip)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[zf.Name] = string(b)
	}
	for _, name := range []string{"data.json", "profile.csv", "enrolments.csv", "quiz_attempts.csv", "learning_events.csv", "memberships.csv", "invitations.csv", "audit_events.csv", "lesson_progress.csv", "progress_consents.csv"} {
		if _, ok := files[name]; !ok {
			t.Errorf("%s missing from the archive", name)
		}
	}
	all := strings.Join([]string{files["data.json"], files["profile.csv"], files["quiz_attempts.csv"]}, "\n")
	if strings.Contains(all, "SECRET-HASH") || strings.Contains(all, "TOTPSECRET") || strings.Contains(all, "password_hash") {
		t.Fatal("the export contains the password hash or the two-factor secret")
	}
	if !strings.Contains(files["data.json"], "41.9") || !strings.Contains(files["quiz_attempts.csv"], "41.9") {
		t.Fatal("the quiz answer is not in the export")
	}
	if !strings.HasPrefix(files["profile.csv"], "\uFEFFid,email,display_name") || !strings.Contains(files["profile.csv"], `'=HYPERLINK`) {
		t.Fatalf("profile.csv: BOM, header and formula guard expected:\n%s", files["profile.csv"])
	}
	if !strings.Contains(files["progress_consents.csv"], consentOrg) || !strings.Contains(files["data.json"], `"progress_consents"`) {
		t.Fatalf("the progress consent is not in the export:\n%s", files["progress_consents.csv"])
	}
	sa := files["scorm_attempts.csv"]
	for _, want := range []string{"SUSPEND-MARK", "page-7", "0.625", "INTERACTION-MARK", "sco-1"} {
		if !strings.Contains(sa, want) || !strings.Contains(files["data.json"], want) {
			t.Fatalf("the SCORM attempt's %s is not in the export:\n%s", want, sa)
		}
	}
	if strings.Contains(sa+files["data.json"], "launch_token") || strings.Contains(sa+files["data.json"], "TOKENHASHSECRET") {
		t.Fatal("the export contains the SCORM launch token's hash")
	}
	if quizplayCount(t, db, `SELECT count(*) FROM audit_events WHERE action = 'account.data_exported' AND actor_id = ?`, l.UserID) != 1 {
		t.Fatal("the export is not in the audit log")
	}
}
