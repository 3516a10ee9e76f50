package account_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/dbtest"
	"takumi/internal/i18n"
	"takumi/internal/mail"
)

func TestLoginSecondFactorRaces(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	svc := account.NewService(db.Gorm, nil, i18n.MustLoad(), account.Settings{
		LoginMaxFailures: 100, LoginLockDuration: time.Minute, LoginIPLimit: 1000, LoginIPWindow: time.Minute,
	})
	hash, err := account.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at, email_verified_at)
		VALUES ('race@example.jp', ?, 'Race', ?, now(), now()) RETURNING id`, hash, account.PrivacyNoticeVersion).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	setup, err := account.NewTOTPSetup("race@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	code, _ := totp.GenerateCode(setup.Secret, now)
	codes, err := svc.ConfirmTOTP(ctx, id, setup.Secret, code, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}

	// race runs the same second factor from n sign-ins at once and returns
	// how many succeeded.
	race := func(code string, n int) int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.LoginSecondFactor(ctx, id, code, "192.0.2.1")
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if !apperr.Is(err, apperr.Unauthorized) {
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		return ok
	}

	t.Run("ErrSetupCodeNotReusable", func(t *testing.T) {
		if got := race(code, 1); got != 0 {
			t.Fatalf("the code that confirmed set-up signed in %d times", got)
		}
	})
	t.Run("TOTPCodeOnce", func(t *testing.T) {
		next, _ := totp.GenerateCode(setup.Secret, now.Add(30*time.Second))
		if got := race(next, 8); got != 1 {
			t.Fatalf("one TOTP code signed in %d times concurrently, want exactly 1", got)
		}
	})
	t.Run("RecoveryCodeOnce", func(t *testing.T) {
		if got := race(codes[3], 8); got != 1 {
			t.Fatalf("one recovery code signed in %d times concurrently, want exactly 1", got)
		}
		if n, _ := svc.UnusedRecoveryCodes(ctx, id); n != 9 {
			t.Fatalf("%d unused recovery codes, want 9", n)
		}
	})
}

func TestLoginThrottleAndLock(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	svc := account.NewService(db.Gorm, nil, i18n.MustLoad(), account.Settings{
		LoginMaxFailures: 2, LoginLockDuration: time.Hour, LoginIPLimit: 4, LoginIPWindow: time.Minute,
	})
	hash, _ := account.HashPassword("correct horse battery staple")
	if err := db.Gorm.Exec(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at, email_verified_at)
		VALUES ('lock@example.jp', ?, 'Lock', ?, now(), now())`, hash, account.PrivacyNoticeVersion).Error; err != nil {
		t.Fatal(err)
	}
	// Issue 15 finding 6: failures slow the guesser down and lock nobody out.
	t.Run("NoLockAfterFailures", func(t *testing.T) {
		for range 2 {
			if _, err := svc.Login(ctx, "lock@example.jp", "wrong", "192.0.2.2"); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("wrong password: %v", err)
			}
		}
		var lockedUntil *time.Time
		db.Gorm.Raw("SELECT locked_until FROM users WHERE email = 'lock@example.jp'").Row().Scan(&lockedUntil)
		if lockedUntil != nil {
			t.Fatalf("locked_until = %v: the account was locked", lockedUntil)
		}
		// The guessing address must wait; the owner elsewhere signs in.
		if _, err := svc.Login(ctx, "lock@example.jp", "correct horse battery staple", "192.0.2.2"); !apperr.Is(err, apperr.TooMany) {
			t.Fatalf("the guessing address right away: %v, want too_many (backoff)", err)
		}
		if _, err := svc.Login(ctx, "lock@example.jp", "correct horse battery staple", "198.51.100.7"); err != nil {
			t.Fatalf("the owner from another address: %v", err)
		}
	})
	db.Gorm.Exec("DELETE FROM login_attempts")
	db.Gorm.Exec("UPDATE users SET failed_logins = 0, locked_until = NULL")
	t.Run("ErrTooManyFromOneIP", func(t *testing.T) {
		// (A different address each time: the per-address backoff is
		// tested above.)
		for i := range 4 {
			if _, err := svc.Login(ctx, fmt.Sprintf("x%d@example.jp", i), "wrong", "192.0.2.3"); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		if _, err := svc.Login(ctx, "x@example.jp", "wrong", "192.0.2.3"); !apperr.Is(err, apperr.TooMany) {
			t.Fatalf("5th attempt: %v, want too_many", err)
		}
		// Another address is not affected.
		if _, err := svc.Login(ctx, "x@example.jp", "wrong", "192.0.2.4"); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("other IP: %v, want unauthorized", err)
		}
	})
}

// TestLoginBackoff (issue 15 finding 6): per address-and-IP backoff grows
// with each failure and ends when it has run out; failures spread over many
// IPs start an account-wide backoff that spares addresses the owner signed
// in from; the owner is emailed once and it is audited; an unknown address
// is throttled exactly like a registered one.
func TestLoginBackoff(t *testing.T) {
	svc, db := signupService(t)
	ctx := context.Background()
	u, err := svc.Register(ctx, signupInput("guessed@example.jp"))
	if err != nil {
		t.Fatal(err)
	}
	db.Gorm.Exec("UPDATE users SET email_verified_at = now() WHERE id = ?", u.ID)
	password := signupInput("guessed@example.jp").Password
	inserter, err := db.JobInserter(nil)
	if err != nil {
		t.Fatal(err)
	}
	svc = account.NewService(db.Gorm, mail.NewQueue(inserter), i18n.MustLoad(), account.Settings{
		BaseURL: signupBaseURL, LoginMaxFailures: 3, LoginLockDuration: 15 * time.Minute, LoginIPLimit: 1000, LoginIPWindow: time.Minute,
	})
	// The owner signs in once from home: that address is trusted.
	if _, err := svc.Login(ctx, "guessed@example.jp", password, "203.0.113.1"); err != nil {
		t.Fatal(err)
	}
	age := func(d time.Duration) {
		db.Gorm.Exec("UPDATE login_attempts SET attempted_at = attempted_at - ?::interval", d.String())
	}
	for i := range 3 {
		if _, err := svc.Login(ctx, "guessed@example.jp", "wrong", "192.0.2.50"); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	if _, err := svc.Login(ctx, "guessed@example.jp", "wrong", "192.0.2.50"); !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("4th guess at once: %v, want too_many", err)
	}
	age(2 * time.Second)
	if _, err := svc.Login(ctx, "guessed@example.jp", "wrong", "192.0.2.50"); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("guess after the 1 s backoff: %v, want checked (unauthorized)", err)
	}
	age(1500 * time.Millisecond)
	if _, err := svc.Login(ctx, "guessed@example.jp", "wrong", "192.0.2.50"); !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("guess 1.5 s later: %v, want too_many (the backoff doubled to 2 s)", err)
	}
	// Guesses from two more IPs reach the account-wide threshold (6).
	for _, ip := range []string{"192.0.2.51", "192.0.2.52"} {
		if _, err := svc.Login(ctx, "guessed@example.jp", "wrong", ip); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("guess from %s: %v", ip, err)
		}
	}
	if _, err := svc.Login(ctx, "guessed@example.jp", "wrong", "192.0.2.53"); !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("a new IP after 6 failures: %v, want too_many (account-wide backoff)", err)
	}
	if _, err := svc.Login(ctx, "guessed@example.jp", password, "203.0.113.1"); err != nil {
		t.Fatalf("the owner from home during the attack: %v", err)
	}
	var notices, audits int64
	db.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'auth.login_throttled' AND target_id = ?", u.ID).Scan(&audits)
	for _, m := range signupMails(t, db, "guessed@example.jp") {
		if strings.Contains(m.Subject, "ログインの失敗") || strings.Contains(m.Subject, "failed sign-ins") {
			notices++
		}
	}
	if audits != 1 || notices != 1 {
		t.Fatalf("owner emailed %d times, auth.login_throttled audited %d times; want 1 and 1", notices, audits)
	}
	// An unknown address behaves the same way.
	for range 3 {
		if _, err := svc.Login(ctx, "nobody-here@example.jp", "wrong", "192.0.2.60"); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatal(err)
		}
	}
	if _, err := svc.Login(ctx, "nobody-here@example.jp", "wrong", "192.0.2.60"); !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("unknown address: %v, want too_many like a registered one", err)
	}
}
