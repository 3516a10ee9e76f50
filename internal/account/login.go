package account

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
	"takumi/internal/audit"
)

// KeyLoginFailed is the one message for every refused sign-in: wrong
// password, unknown email, locked or disabled account.
// SECURITY: a single message (and the same status) for all of these keeps
// the sign-in form from telling which emails are registered.
const KeyLoginFailed = "login.failed"

// KeyLoginUnverified marks a sign-in refused because the email address is
// not yet verified (only said after the right password was given).
const KeyLoginUnverified = "login.unverified"

// KeyLoginTooMany is the per-IP throttle's message.
const KeyLoginTooMany = "login.too_many"

// LoginResult is the outcome of the password step.
type LoginResult struct {
	User *User
	// TwoFactor is true when the password was right and the account has
	// two-factor sign-in: the person is not signed in until the second step.
	TwoFactor bool
}

// Login checks an email and password from ip. On success without two-factor
// the sign-in is complete (failed_logins reset, audited). Errors: too_many
// (per-IP limit), unauthorized with KeyLoginFailed (wrong password, unknown
// email, locked, disabled), forbidden with KeyLoginUnverified (right
// password, email not verified).
func (s *Service) Login(ctx context.Context, email, password, ip string) (*LoginResult, error) {
	attempt, err := s.throttle(ctx, ip)
	if err != nil {
		return nil, err
	}
	u, err := byEmail(ctx, s.db, email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if u == nil {
		// SECURITY: spend the same time as a real password check so unknown
		// emails cannot be told apart by response time.
		_, _ = CheckPassword(dummyHash, password)
		s.recordFailure(ctx, "", ip, "unknown_email")
		return nil, apperr.New(apperr.Unauthorized, KeyLoginFailed)
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	switch {
	case u.Disabled():
		s.recordFailure(ctx, u.ID, ip, "disabled")
		return nil, apperr.New(apperr.Unauthorized, KeyLoginFailed)
	case s.locked(u):
		// SECURITY: while locked even the right password is refused, with
		// the same message as a wrong one.
		s.recordFailure(ctx, u.ID, ip, "locked")
		return nil, apperr.New(apperr.Unauthorized, KeyLoginFailed)
	case !ok:
		if err := s.registerFailure(ctx, u.ID, ip, "bad_password"); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.Unauthorized, KeyLoginFailed)
	case u.EmailVerifiedAt == nil:
		s.recordFailure(ctx, u.ID, ip, "unverified")
		return &LoginResult{User: u}, apperr.New(apperr.Forbidden, KeyLoginUnverified)
	case u.TOTPEnabled():
		return &LoginResult{User: u, TwoFactor: true}, nil
	}
	if err := s.completeLogin(ctx, u, ip, attempt, "password", nil); err != nil {
		return nil, err
	}
	return &LoginResult{User: u}, nil
}

// LoginSecondFactor completes a sign-in whose password step succeeded, with
// a TOTP code or a recovery code. Errors: too_many (per-IP limit),
// unauthorized with KeyLoginFailed (wrong or replayed code, locked,
// disabled), invalid (no code given).
func (s *Service) LoginSecondFactor(ctx context.Context, userID, code, ip string) (*User, error) {
	attempt, err := s.throttle(ctx, ip)
	if err != nil {
		return nil, err
	}
	u, err := byID(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled() || s.locked(u) || !u.TOTPEnabled() || u.TOTPSecret == nil {
		s.recordFailure(ctx, u.ID, ip, "locked_or_disabled")
		return nil, apperr.New(apperr.Unauthorized, KeyLoginFailed)
	}
	code = normalizeCode(code)
	if code == "" {
		return nil, apperr.FieldErrors(map[string]string{"code": "login.code_required"})
	}
	if isTOTPCode(code) {
		step, ok := matchTOTPStep(*u.TOTPSecret, code, s.now(), u.TOTPLastStep)
		if ok {
			err := s.completeLogin(ctx, u, ip, attempt, "totp", func(tx *gorm.DB) error {
				return claimTOTPStep(ctx, tx, u.ID, step)
			})
			if err == nil {
				return u, nil
			}
			if !errors.Is(err, errStepUsed) {
				return nil, err
			}
		}
	} else {
		var codeID int64
		err := s.completeLogin(ctx, u, ip, attempt, "recovery_code", func(tx *gorm.DB) error {
			id, err := useRecoveryCode(ctx, tx, u.ID, code)
			if err != nil {
				return err
			}
			codeID = id
			return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "auth.recovery_code_used",
				TargetType: "user", TargetID: u.ID, IP: ip, Details: map[string]any{"recovery_code_id": codeID}})
		})
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, errNoRecoveryCode) {
			return nil, err
		}
	}
	if err := s.registerFailure(ctx, u.ID, ip, "bad_second_factor"); err != nil {
		return nil, err
	}
	return nil, apperr.New(apperr.Unauthorized, KeyLoginFailed)
}

// Logout records that the person signed out.
func (s *Service) Logout(ctx context.Context, userID, ip string) error {
	if err := audit.RecordNow(ctx, s.db, audit.Entry{ActorID: userID, Action: "auth.logout",
		TargetType: "user", TargetID: userID, IP: ip}); err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return nil
}

// SignInHistory returns the person's own sign-in events (actions "auth."),
// newest first.
func (s *Service) SignInHistory(ctx context.Context, userID string, limit int) ([]audit.Event, error) {
	return audit.List(ctx, s.db, audit.Filter{ActorID: userID, Actions: []string{"auth."}, Limit: limit})
}

func (s *Service) locked(u *User) bool {
	return u.LockedUntil != nil && u.LockedUntil.After(s.now())
}

// throttle records a sign-in attempt from ip (returning its id) and refuses it when ip made more
// than LoginIPLimit attempts within LoginIPWindow. SECURITY: slows password
// guessing across many accounts from one address; the count lives in
// PostgreSQL so every app instance sees the same numbers.
func (s *Service) throttle(ctx context.Context, ip string) (int64, error) {
	db := s.db.WithContext(ctx)
	now := s.now()
	var attempt int64
	if err := db.Raw("INSERT INTO login_attempts (ip, attempted_at, succeeded) VALUES (?, ?, false) RETURNING id", ip, now).Scan(&attempt).Error; err != nil {
		return 0, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	// Opportunistic clean-up: about one request in fifty removes rows that
	// no window can need any more.
	if rand.IntN(50) == 0 {
		_ = db.Exec("DELETE FROM login_attempts WHERE attempted_at < ?", now.Add(-24*time.Hour)).Error
	}
	if s.settings.LoginIPLimit <= 0 {
		return attempt, nil
	}
	var n int64
	if err := db.Raw("SELECT count(*) FROM login_attempts WHERE ip = ? AND attempted_at > ?",
		ip, now.Add(-s.settings.LoginIPWindow)).Scan(&n).Error; err != nil {
		return 0, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if n > int64(s.settings.LoginIPLimit) {
		return 0, apperr.New(apperr.TooMany, KeyLoginTooMany)
	}
	return attempt, nil
}

// recordFailure audits a refused sign-in that does not count toward the
// account's lock (unknown email, already locked, disabled, unverified).
func (s *Service) recordFailure(ctx context.Context, userID, ip, reason string) {
	_ = audit.RecordNow(ctx, s.db, audit.Entry{ActorID: userID, Action: "auth.login_failed",
		TargetType: "user", TargetID: userID, IP: ip, Details: map[string]any{"reason": reason}})
}

// registerFailure counts a wrong password or code against the account and
// locks it for LoginLockDuration once LoginMaxFailures is reached (the count
// then starts again). SECURITY: limits guessing against one account.
func (s *Service) registerFailure(ctx context.Context, userID, ip, reason string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u User
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", userID).Take(&u).Error; err != nil {
			return err
		}
		failures := u.FailedLogins + 1
		updates := map[string]any{"failed_logins": failures}
		lock := s.settings.LoginMaxFailures > 0 && failures >= s.settings.LoginMaxFailures
		until := s.now().Add(s.settings.LoginLockDuration)
		if lock {
			updates["failed_logins"] = 0
			updates["locked_until"] = until
		}
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(updates).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: userID, Action: "auth.login_failed",
			TargetType: "user", TargetID: userID, IP: ip, Details: map[string]any{"reason": reason, "failures": failures}}); err != nil {
			return err
		}
		if lock {
			return audit.Record(ctx, tx, audit.Entry{ActorID: userID, Action: "auth.account_locked",
				TargetType: "user", TargetID: userID, IP: ip,
				Details: map[string]any{"until": until.UTC().Format(time.RFC3339), "failures": failures}})
		}
		return nil
	})
	if err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return nil
}

// completeLogin finishes a sign-in in one transaction: extra (the second
// factor's bookkeeping) runs first, then failures reset, the attempt is
// marked successful and auth.login_succeeded audited.
func (s *Service) completeLogin(ctx context.Context, u *User, ip string, attempt int64, method string, extra func(tx *gorm.DB) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		if err := tx.Model(&User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"failed_logins": 0, "locked_until": nil}).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE login_attempts SET succeeded = true WHERE id = ?", attempt).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "auth.login_succeeded",
			TargetType: "user", TargetID: u.ID, IP: ip, Details: map[string]any{"method": method}})
	})
	if errors.Is(err, errStepUsed) || errors.Is(err, errNoRecoveryCode) {
		return err
	}
	if err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	u.FailedLogins, u.LockedUntil = 0, nil
	return nil
}
