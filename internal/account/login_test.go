package account_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/dbtest"
	"takumi/internal/i18n"
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
	t.Run("LockAfterFailures", func(t *testing.T) {
		for range 2 {
			if _, err := svc.Login(ctx, "lock@example.jp", "wrong", "192.0.2.2"); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("wrong password: %v", err)
			}
		}
		var lockedUntil *time.Time
		db.Gorm.Raw("SELECT locked_until FROM users WHERE email = 'lock@example.jp'").Row().Scan(&lockedUntil)
		if lockedUntil == nil || time.Until(*lockedUntil) < 59*time.Minute {
			t.Fatalf("locked_until = %v, want about an hour from now", lockedUntil)
		}
		if _, err := svc.Login(ctx, "lock@example.jp", "correct horse battery staple", "192.0.2.2"); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("right password while locked: %v", err)
		}
	})
	t.Run("ErrTooManyFromOneIP", func(t *testing.T) {
		for i := range 4 {
			if _, err := svc.Login(ctx, "x@example.jp", "wrong", "192.0.2.3"); !apperr.Is(err, apperr.Unauthorized) {
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
