package account_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/i18n"
	"takumi/internal/mail"
)

const signupBaseURL = "https://takumi.example"

// signupService returns an account service on a fresh database whose
// emails are queued as River jobs (read back with signupMails).
func signupService(t *testing.T) (*account.Service, *database.DB) {
	t.Helper()
	db := dbtest.New(t)
	inserter, err := db.JobInserter(nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := account.NewService(db.Gorm, mail.NewQueue(inserter), i18n.MustLoad(), account.Settings{BaseURL: signupBaseURL})
	return svc, db
}

// signupMails returns the queued emails to `to`, oldest first.
func signupMails(t *testing.T, db *database.DB, to string) []mail.Message {
	t.Helper()
	var rows []struct{ Args []byte }
	if err := db.Gorm.Raw("SELECT args FROM river_job WHERE kind = 'send_email' ORDER BY id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []mail.Message
	for _, r := range rows {
		var m mail.Message
		if err := json.Unmarshal(r.Args, &m); err != nil {
			t.Fatal(err)
		}
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

var signupTokenRe = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// signupLastToken returns the token of the newest email to `to` whose link
// goes to path.
func signupLastToken(t *testing.T, db *database.DB, to, path string) string {
	t.Helper()
	ms := signupMails(t, db, to)
	for i := len(ms) - 1; i >= 0; i-- {
		if strings.Contains(ms[i].Body, signupBaseURL+path+"?token=") {
			return signupTokenRe.FindStringSubmatch(ms[i].Body)[1]
		}
	}
	t.Fatalf("no email to %s with a %s link", to, path)
	return ""
}

// signupInput is a valid registration for email.
func signupInput(email string) account.RegisterInput {
	return account.RegisterInput{
		Email: email, Password: "a long enough secret", PasswordConfirm: "a long enough secret",
		DisplayName: "山田 花子", PrefectureCode: "13", IndustryCode: "G", Segment: "developer",
		BirthYear: "1990", Gender: "female", Consent: true, Language: "en", IP: "192.0.2.7",
	}
}

func signupFieldErr(t *testing.T, err error) map[string]string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		t.Fatalf("want an invalid error with fields, got %v", err)
	}
	return e.Fields
}

func TestSignupRegister(t *testing.T) {
	svc, db := signupService(t)
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		in := signupInput("  Hanako@Example.JP ")
		u, err := svc.Register(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if u == nil || u.ID == "" || u.Email != "hanako@example.jp" {
			t.Fatalf("registered user: %+v", u)
		}
		stored, err := svc.Store().ByEmail(ctx, "hanako@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		if stored.Language != "en" || stored.PrivacyNoticeVersion != account.PrivacyNoticeVersion || stored.ConsentedAt.IsZero() ||
			stored.EmailVerifiedAt != nil || *stored.PrefectureCode != "13" || *stored.IndustryCode != "G" ||
			*stored.Segment != "developer" || *stored.BirthYear != 1990 || stored.Gender != "female" {
			t.Fatalf("stored user: %+v", stored)
		}
		if ok, _ := account.CheckPassword(stored.PasswordHash, in.Password); !ok {
			t.Fatal("stored hash does not match the password")
		}
		var audits int64
		db.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'account.registered' AND actor_id = ? AND ip = '192.0.2.7'", u.ID).Scan(&audits)
		if audits != 1 {
			t.Fatalf("account.registered audit rows: %d", audits)
		}
		ms := signupMails(t, db, "hanako@example.jp")
		if len(ms) != 1 || !strings.Contains(ms[0].Subject, "Confirm your email") ||
			!strings.Contains(ms[0].Body, signupBaseURL+"/verify-email?token=") {
			t.Fatalf("verification email (in English): %+v", ms)
		}
		var hashes []struct {
			TokenHash []byte
			ExpiresAt time.Time
		}
		db.Gorm.Raw("SELECT token_hash, expires_at FROM email_tokens WHERE user_id = ? AND purpose = 'verify_email'", u.ID).Scan(&hashes)
		token := signupTokenRe.FindStringSubmatch(ms[0].Body)[1]
		if len(hashes) != 1 || strings.Contains(string(hashes[0].TokenHash), token) || len(hashes[0].TokenHash) != 32 {
			t.Fatalf("token row: %+v", hashes)
		}
		if d := time.Until(hashes[0].ExpiresAt); d < 47*time.Hour || d > 49*time.Hour {
			t.Fatalf("verification link valid for %s, want 48h", d)
		}
	})
	t.Run("DefaultsForOptionalFields", func(t *testing.T) {
		in := signupInput("optional@example.jp")
		in.BirthYear, in.Gender, in.Language = "", "", "fr"
		if _, err := svc.Register(ctx, in); err != nil {
			t.Fatal(err)
		}
		u, _ := svc.Store().ByEmail(ctx, "optional@example.jp")
		if u.BirthYear != nil || u.Gender != "unspecified" || u.Language != "ja" {
			t.Fatalf("defaults: birth %v gender %q lang %q", u.BirthYear, u.Gender, u.Language)
		}
	})
	t.Run("ErrDuplicateEmailNotRevealed", func(t *testing.T) {
		in := signupInput("HANAKO@example.jp")
		in.DisplayName = "誰か"
		u, err := svc.Register(ctx, in)
		if err != nil || u != nil {
			t.Fatalf("duplicate: user %v, err %v; want nil, nil (same answer as success)", u, err)
		}
		ms := signupMails(t, db, "hanako@example.jp")
		if len(ms) != 2 || !strings.Contains(ms[1].Subject, "tried to sign up") ||
			!strings.Contains(ms[1].Body, signupBaseURL+"/login") || !strings.Contains(ms[1].Body, signupBaseURL+"/password/forgot") {
			t.Fatalf("existing owner not warned: %+v", ms)
		}
		var n int64
		db.Gorm.Raw("SELECT count(*) FROM users WHERE email = 'hanako@example.jp'").Scan(&n)
		if n != 1 {
			t.Fatalf("%d accounts for one email", n)
		}
	})

	thisYear := time.Now().Year()
	cases := []struct {
		name  string
		edit  func(*account.RegisterInput)
		field string
		key   string
	}{
		{"ErrEmailRequired", func(in *account.RegisterInput) { in.Email = " " }, "email", "signup.err_email_required"},
		{"ErrEmailInvalid", func(in *account.RegisterInput) { in.Email = "not-an-email" }, "email", "signup.err_email_invalid"},
		{"ErrEmailWithName", func(in *account.RegisterInput) { in.Email = "Bob <bob@example.jp>" }, "email", "signup.err_email_invalid"},
		{"ErrPasswordRequired", func(in *account.RegisterInput) { in.Password, in.PasswordConfirm = "", "" }, "password", "signup.err_password_required"},
		{"ErrPasswordShort", func(in *account.RegisterInput) { in.Password, in.PasswordConfirm = "123456789", "123456789" }, "password", "signup.err_password_short"},
		{"ErrPasswordLong", func(in *account.RegisterInput) {
			in.Password = strings.Repeat("x", 129)
			in.PasswordConfirm = in.Password
		}, "password", "signup.err_password_long"},
		{"ErrPasswordIsEmail", func(in *account.RegisterInput) {
			in.Email, in.Password, in.PasswordConfirm = "same@example.jp", "Same@Example.jp", "Same@Example.jp"
		}, "password", "signup.err_password_is_email"},
		{"ErrPasswordMismatch", func(in *account.RegisterInput) { in.PasswordConfirm = "something else entirely" }, "password_confirm", "signup.err_password_mismatch"},
		{"ErrDisplayNameRequired", func(in *account.RegisterInput) { in.DisplayName = "   " }, "display_name", "signup.err_display_name_required"},
		{"ErrDisplayNameLong", func(in *account.RegisterInput) { in.DisplayName = strings.Repeat("名", 101) }, "display_name", "signup.err_display_name_long"},
		{"ErrPrefectureRequired", func(in *account.RegisterInput) { in.PrefectureCode = "" }, "prefecture", "signup.err_prefecture_required"},
		{"ErrPrefectureUnknown", func(in *account.RegisterInput) { in.PrefectureCode = "48" }, "prefecture", "signup.err_prefecture_invalid"},
		{"ErrIndustryRequired", func(in *account.RegisterInput) { in.IndustryCode = "" }, "industry", "signup.err_industry_required"},
		{"ErrIndustryUnknown", func(in *account.RegisterInput) { in.IndustryCode = "Z" }, "industry", "signup.err_industry_invalid"},
		{"ErrSegmentRequired", func(in *account.RegisterInput) { in.Segment = "" }, "segment", "signup.err_segment_required"},
		{"ErrSegmentUnknown", func(in *account.RegisterInput) { in.Segment = "manager" }, "segment", "signup.err_segment_invalid"},
		{"ErrBirthYearTooOld", func(in *account.RegisterInput) { in.BirthYear = "1899" }, "birth_year", "signup.err_birth_year"},
		{"ErrBirthYearTooYoung", func(in *account.RegisterInput) { in.BirthYear = strconv.Itoa(thisYear - 14) }, "birth_year", "signup.err_birth_year"},
		{"ErrBirthYearNotNumber", func(in *account.RegisterInput) { in.BirthYear = "nineteen" }, "birth_year", "signup.err_birth_year"},
		{"ErrGenderUnknown", func(in *account.RegisterInput) { in.Gender = "robot" }, "gender", "signup.err_gender_invalid"},
		{"ErrNoConsent", func(in *account.RegisterInput) { in.Consent = false }, "consent", "signup.err_consent_required"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := signupInput("case" + strconv.Itoa(i) + "@example.jp")
			tc.edit(&in)
			_, err := svc.Register(ctx, in)
			fields := signupFieldErr(t, err)
			if fields[tc.field] != tc.key || len(fields) != 1 {
				t.Fatalf("field errors %v, want only %s=%s", fields, tc.field, tc.key)
			}
		})
	}
	t.Run("BirthYearBoundsAccepted", func(t *testing.T) {
		for i, y := range []string{"1900", strconv.Itoa(thisYear - 15)} {
			in := signupInput("bound" + strconv.Itoa(i) + "@example.jp")
			in.BirthYear = y
			if _, err := svc.Register(ctx, in); err != nil {
				t.Fatalf("birth year %s refused: %v", y, err)
			}
		}
	})
	t.Run("ErrEveryFieldAtOnce", func(t *testing.T) {
		_, err := svc.Register(ctx, account.RegisterInput{Gender: "x", BirthYear: "1"})
		fields := signupFieldErr(t, err)
		for _, f := range []string{"email", "password", "display_name", "prefecture", "industry", "segment", "birth_year", "gender", "consent"} {
			if fields[f] == "" {
				t.Errorf("no error for %s: %v", f, fields)
			}
		}
	})
}

func TestSignupVerifyEmail(t *testing.T) {
	svc, db := signupService(t)
	ctx := context.Background()
	u, err := svc.Register(ctx, signupInput("verify@example.jp"))
	if err != nil {
		t.Fatal(err)
	}
	first := signupLastToken(t, db, "verify@example.jp", "/verify-email")

	t.Run("ErrUnknownToken", func(t *testing.T) {
		for _, tok := range []string{"", "nonsense!", strings.Repeat("A", 43)} {
			_, err := svc.VerifyEmail(ctx, tok, "")
			if account.TokenProblem(err) != account.KeyTokenInvalid {
				t.Fatalf("token %q: %v", tok, err)
			}
		}
	})
	t.Run("ResendLimitedAndOldLinkEnds", func(t *testing.T) {
		// Registration sent one; two more are allowed within the hour.
		for i := 0; i < 4; i++ {
			if err := svc.ResendVerification(ctx, "Verify@Example.jp"); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(signupMails(t, db, "verify@example.jp")); n != account.EmailTokensPerHour {
			t.Fatalf("%d verification emails in an hour, want %d", n, account.EmailTokensPerHour)
		}
		_, err := svc.VerifyEmail(ctx, first, "")
		if account.TokenProblem(err) != account.KeyTokenExpired {
			t.Fatalf("superseded link: %v, want expired", err)
		}
	})
	t.Run("LinkOfTheOldSchemeSaysExpired", func(t *testing.T) {
		// Before migration 00017 a link's raw bytes were hashed; that
		// migration expired the open ones, and such a link says "expired".
		raw := bytes.Repeat([]byte{7}, 32)
		sum := sha256.Sum256(raw)
		db.Gorm.Exec(`INSERT INTO email_tokens (user_id, purpose, token_hash, expires_at) VALUES (?, 'verify_email', ?, now())`, u.ID, sum[:])
		_, err := svc.VerifyEmail(ctx, base64.RawURLEncoding.EncodeToString(raw), "")
		if account.TokenProblem(err) != account.KeyTokenExpired {
			t.Fatalf("old-scheme link: %v, want expired", err)
		}
		db.Gorm.Exec(`DELETE FROM email_tokens WHERE token_hash = ?`, sum[:])
	})
	t.Run("ResendUnknownEmailIsSilent", func(t *testing.T) {
		if err := svc.ResendVerification(ctx, "nobody@example.jp"); err != nil {
			t.Fatal(err)
		}
		if n := len(signupMails(t, db, "nobody@example.jp")); n != 0 {
			t.Fatalf("%d emails to an unknown address", n)
		}
	})
	latest := signupLastToken(t, db, "verify@example.jp", "/verify-email")
	t.Run("ErrExpired", func(t *testing.T) {
		db.Gorm.Exec("UPDATE email_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = ? AND used_at IS NULL", u.ID)
		_, err := svc.VerifyEmail(ctx, latest, "")
		if account.TokenProblem(err) != account.KeyTokenExpired {
			t.Fatalf("expired link: %v", err)
		}
		db.Gorm.Exec("UPDATE email_tokens SET expires_at = now() + interval '1 hour' WHERE token_hash = (SELECT token_hash FROM email_tokens WHERE user_id = ? ORDER BY id DESC LIMIT 1)", u.ID)
	})
	t.Run("OK", func(t *testing.T) {
		got, err := svc.VerifyEmail(ctx, latest, "192.0.2.9")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.EmailVerifiedAt == nil {
			t.Fatalf("verified user: %+v", got)
		}
		var n int64
		db.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'account.email_verified' AND target_id = ?", u.ID).Scan(&n)
		if n != 1 {
			t.Fatalf("email_verified audit rows: %d", n)
		}
	})
	t.Run("ErrReused", func(t *testing.T) {
		_, err := svc.VerifyEmail(ctx, latest, "")
		if account.TokenProblem(err) != account.KeyTokenUsed || !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("reused link: %v", err)
		}
	})
	t.Run("ResendAfterVerifiedIsSilent", func(t *testing.T) {
		db.Gorm.Exec("DELETE FROM email_tokens WHERE user_id = ?", u.ID) // lift the hourly limit
		before := len(signupMails(t, db, "verify@example.jp"))
		if err := svc.ResendVerification(ctx, "verify@example.jp"); err != nil {
			t.Fatal(err)
		}
		if after := len(signupMails(t, db, "verify@example.jp")); after != before {
			t.Fatal("a verified account was sent another verification link")
		}
	})
}

func TestSignupPasswordReset(t *testing.T) {
	svc, db := signupService(t)
	ctx := context.Background()
	u, err := svc.Register(ctx, signupInput("reset@example.jp"))
	if err != nil {
		t.Fatal(err)
	}
	// A locked, unverified account with a live session version.
	db.Gorm.Exec("UPDATE users SET failed_logins = 5, locked_until = now() + interval '10 minutes' WHERE id = ?", u.ID)

	t.Run("UnknownEmailIsSilent", func(t *testing.T) {
		if err := signupRequestReset(t, svc, db, "ghost@example.jp", ""); err != nil {
			t.Fatal(err)
		}
		if len(signupMails(t, db, "ghost@example.jp")) != 0 {
			t.Fatal("an unknown address was emailed")
		}
	})
	t.Run("DisabledAccountGetsNothing", func(t *testing.T) {
		d, _ := svc.Register(ctx, signupInput("disabled@example.jp"))
		db.Gorm.Exec("UPDATE users SET disabled_at = now() WHERE id = ?", d.ID)
		if err := signupRequestReset(t, svc, db, "disabled@example.jp", ""); err != nil {
			t.Fatal(err)
		}
		for _, m := range signupMails(t, db, "disabled@example.jp") {
			if strings.Contains(m.Body, "/password/reset") {
				t.Fatal("a disabled account was sent a reset link")
			}
		}
	})
	if err := signupRequestReset(t, svc, db, "RESET@example.jp", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	token := signupLastToken(t, db, "reset@example.jp", "/password/reset")
	var ttl time.Duration
	var exp time.Time
	db.Gorm.Raw("SELECT expires_at FROM email_tokens WHERE user_id = ? AND purpose = 'reset_password' ORDER BY id DESC LIMIT 1", u.ID).Row().Scan(&exp)
	if ttl = time.Until(exp); ttl < 59*time.Minute || ttl > 61*time.Minute {
		t.Fatalf("reset link valid for %s, want 1h", ttl)
	}

	t.Run("ErrWeakPassword", func(t *testing.T) {
		err := svc.ResetPassword(ctx, token, "short", "short", "")
		if f := signupFieldErr(t, err); f["password"] != "signup.err_password_short" {
			t.Fatalf("fields %v", f)
		}
		err = svc.ResetPassword(ctx, token, "a brand new password", "another one", "")
		if f := signupFieldErr(t, err); f["password_confirm"] != "signup.err_password_mismatch" {
			t.Fatalf("fields %v", f)
		}
		if err := svc.CheckResetToken(ctx, token); err != nil {
			t.Fatalf("a refused attempt used up the link: %v", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		if err := svc.ResetPassword(ctx, token, "a brand new password", "a brand new password", "192.0.2.2"); err != nil {
			t.Fatal(err)
		}
		got, _ := svc.Store().ByID(ctx, u.ID)
		if ok, _ := account.CheckPassword(got.PasswordHash, "a brand new password"); !ok {
			t.Fatal("new password not set")
		}
		if ok, _ := account.CheckPassword(got.PasswordHash, "a long enough secret"); ok {
			t.Fatal("old password still works")
		}
		if got.SessionVersion != u.SessionVersion+1 {
			t.Fatalf("session_version %d, want %d (sign out everywhere)", got.SessionVersion, u.SessionVersion+1)
		}
		if got.FailedLogins != 0 || got.LockedUntil != nil {
			t.Fatalf("lockout not cleared: %d failures, locked until %v", got.FailedLogins, got.LockedUntil)
		}
		if got.EmailVerifiedAt == nil {
			t.Fatal("a reset through the mailbox should verify the address")
		}
		var n int64
		db.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'account.password_reset' AND actor_id = ? AND ip = '192.0.2.2'", u.ID).Scan(&n)
		if n != 1 {
			t.Fatalf("password_reset audit rows: %d", n)
		}
	})
	t.Run("ErrReused", func(t *testing.T) {
		err := svc.ResetPassword(ctx, token, "yet another password", "yet another password", "")
		if account.TokenProblem(err) != account.KeyTokenUsed {
			t.Fatalf("reused reset link: %v", err)
		}
		if account.TokenProblem(svc.CheckResetToken(ctx, token)) != account.KeyTokenUsed {
			t.Fatal("check of a used link does not say used")
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		if err := signupRequestReset(t, svc, db, "reset@example.jp", ""); err != nil {
			t.Fatal(err)
		}
		tok := signupLastToken(t, db, "reset@example.jp", "/password/reset")
		db.Gorm.Exec("UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = ? AND used_at IS NULL", u.ID)
		err := svc.ResetPassword(ctx, tok, "yet another password", "yet another password", "")
		if account.TokenProblem(err) != account.KeyTokenExpired {
			t.Fatalf("expired reset link: %v", err)
		}
	})
	t.Run("ErrVerifyTokenIsNotAResetToken", func(t *testing.T) {
		db.Gorm.Exec("DELETE FROM email_tokens WHERE user_id = ?", u.ID)
		db.Gorm.Exec("UPDATE users SET email_verified_at = NULL WHERE id = ?", u.ID)
		if err := svc.ResendVerification(ctx, "reset@example.jp"); err != nil {
			t.Fatal(err)
		}
		tok := signupLastToken(t, db, "reset@example.jp", "/verify-email")
		if account.TokenProblem(svc.CheckResetToken(ctx, tok)) != account.KeyTokenInvalid {
			t.Fatal("a verification link was accepted as a reset link")
		}
	})
	t.Run("ResetLimitPerHour", func(t *testing.T) {
		db.Gorm.Exec("DELETE FROM email_tokens WHERE user_id = ?", u.ID)
		for i := 0; i < 5; i++ {
			if err := signupRequestReset(t, svc, db, "reset@example.jp", ""); err != nil {
				t.Fatal(err)
			}
		}
		var n int64
		db.Gorm.Raw("SELECT count(*) FROM email_tokens WHERE user_id = ? AND purpose = 'reset_password'", u.ID).Scan(&n)
		if n != account.EmailTokensPerHour {
			t.Fatalf("%d reset links in an hour, want %d", n, account.EmailTokensPerHour)
		}
	})
}

func TestSignupReferenceData(t *testing.T) {
	svc, _ := signupService(t)
	prefs, err := svc.Prefectures(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	inds, err := svc.Industries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(prefs) != 47 || prefs[12].Code != "13" || prefs[12].NameJA != "東京都" || prefs[12].NameEN != "Tokyo" {
		t.Fatalf("prefectures: %d, [12]=%+v", len(prefs), prefs[12])
	}
	if len(inds) != 20 || inds[0].Code != "A" || inds[19].Code != "T" {
		t.Fatalf("industries: %d %+v", len(inds), inds)
	}
}

// signupRequestReset asks for a reset link as the form does, then runs the
// queued request job as the worker would (SendPasswordReset), so the email
// is queued when it returns.
func signupRequestReset(t *testing.T, svc *account.Service, db *database.DB, email, ip string) error {
	t.Helper()
	if err := svc.RequestPasswordReset(context.Background(), email, ip); err != nil {
		return err
	}
	var jobs []struct {
		ID   int64
		Args []byte
	}
	if err := db.Gorm.Raw("SELECT id, args FROM river_job WHERE kind = 'password_reset_request' ORDER BY id").Scan(&jobs).Error; err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		var a account.ResetRequestArgs
		if err := json.Unmarshal(j.Args, &a); err != nil {
			t.Fatal(err)
		}
		if err := svc.SendPasswordReset(context.Background(), a.Email, a.IP); err != nil {
			return err
		}
		db.Gorm.Exec("DELETE FROM river_job WHERE id = ?", j.ID)
	}
	return nil
}

// TestPasswordResetSameWork (issue 15 finding 5): a reset request does the
// same work for a registered and an unknown address — one queued job each,
// and nothing else (no link, no email) before the job runs.
func TestPasswordResetSameWork(t *testing.T) {
	svc, db := signupService(t)
	ctx := context.Background()
	u, err := svc.Register(ctx, signupInput("known@example.jp"))
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int64 {
		var n int64
		if err := db.Gorm.Raw(q, args...).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	mailsBefore := count("SELECT count(*) FROM river_job WHERE kind = 'send_email'")
	for i, email := range []string{"known@example.jp", "nobody@example.jp"} {
		if err := svc.RequestPasswordReset(ctx, email, "192.0.2.9"); err != nil {
			t.Fatal(err)
		}
		if n := count("SELECT count(*) FROM river_job WHERE kind = 'password_reset_request'"); n != int64(i+1) {
			t.Fatalf("after requesting for %s: %d request jobs, want %d", email, n, i+1)
		}
	}
	if n := count("SELECT count(*) FROM email_tokens WHERE user_id = ? AND purpose = 'reset_password'", u.ID); n != 0 {
		t.Fatalf("the request itself made %d reset links (work only a registered address causes)", n)
	}
	if n := count("SELECT count(*) FROM river_job WHERE kind = 'send_email'"); n != mailsBefore {
		t.Fatal("the request itself queued an email")
	}
	// The jobs then send the link to the registered address only.
	if err := signupRequestReset(t, svc, db, "known@example.jp", ""); err != nil {
		t.Fatal(err)
	}
	if len(signupMails(t, db, "nobody@example.jp")) != 0 {
		t.Fatal("an unknown address was emailed")
	}
	if !strings.Contains(strings.Join(mailBodies(signupMails(t, db, "known@example.jp")), "\n"), "/password/reset") {
		t.Fatal("no reset link for the registered address")
	}
}

func mailBodies(ms []mail.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Body)
	}
	return out
}
