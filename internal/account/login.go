package account

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	mailq "takumi/internal/mail"
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
	email = NormalizeEmail(email)
	attempt, err := s.throttle(ctx, ip, email)
	if err != nil {
		return nil, err
	}
	if err := s.backoff(ctx, email, ip); err != nil {
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
		s.markFailed(ctx, attempt)
		s.recordFailure(ctx, "", ip, "unknown_email")
		return nil, apperr.New(apperr.Unauthorized, KeyLoginFailed)
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	switch {
	case u.Disabled():
		s.markFailed(ctx, attempt)
		s.recordFailure(ctx, u.ID, ip, "disabled")
		return nil, apperr.New(apperr.Unauthorized, KeyLoginFailed)
	case !ok:
		if err := s.registerFailure(ctx, u, attempt, ip, "bad_password"); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.Unauthorized, KeyLoginFailed)
	case u.EmailVerifiedAt == nil:
		s.recordFailure(ctx, u.ID, ip, "unverified")
		return &LoginResult{User: u}, apperr.New(apperr.Forbidden, KeyLoginUnverified)
	}
	// Issue 18: an organisation that requires single sign-on refuses its
	// members' passwords (docs/sso.md, break-glass for its admins).
	if s.passwordPolicy != nil {
		if err := s.passwordPolicy(ctx, u); err != nil {
			s.recordFailure(ctx, u.ID, ip, "sso_required")
			return nil, err
		}
	}
	if u.TOTPEnabled() {
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
	u, err := byID(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	attempt, err := s.throttle(ctx, ip, u.Email)
	if err != nil {
		return nil, err
	}
	if err := s.backoff(ctx, u.Email, ip); err != nil {
		return nil, err
	}
	if u.Disabled() || !u.TOTPEnabled() || u.TOTPSecret == nil {
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
	if err := s.registerFailure(ctx, u, attempt, ip, "bad_second_factor"); err != nil {
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

// throttle records a sign-in attempt from ip for email (returning its id)
// and refuses it when ip made more than LoginIPLimit attempts within
// LoginIPWindow. SECURITY: slows password guessing across many accounts
// from one address; the count lives in PostgreSQL so every app instance
// sees the same numbers.
func (s *Service) throttle(ctx context.Context, ip, email string) (int64, error) {
	db := s.db.WithContext(ctx)
	now := s.now()
	var attempt int64
	if err := db.Raw("INSERT INTO login_attempts (ip, email, attempted_at, succeeded) VALUES (?, ?, ?, false) RETURNING id",
		ip, email, now).Scan(&attempt).Error; err != nil {
		return 0, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	// Opportunistic clean-up: about one request in fifty removes rows that
	// no window can need any more (successes are kept for TrustedIPFor:
	// they make an address trusted for the account).
	if rand.IntN(50) == 0 {
		_ = db.Exec("DELETE FROM login_attempts WHERE (attempted_at < ? AND NOT succeeded) OR attempted_at < ?",
			now.Add(-24*time.Hour), now.Add(-TrustedIPFor)).Error
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

// KeyLoginSlowDown is the message of a sign-in refused by the backoff.
const KeyLoginSlowDown = "login.slow_down"

// Throttling rules (issue 15 finding 6). Failures count within the window
// LoginLockDuration, since the last success for the same pair (or the
// address).
const (
	// AccountFailureFactor × LoginMaxFailures failures of one address from
	// any IP start the account-wide backoff, and email the owner once.
	AccountFailureFactor = 2
	// AccountBackoffMax caps the account-wide wait: the owner on a new
	// network waits at most this long.
	AccountBackoffMax = time.Minute
	// TrustedIPFor: an IP address the account signed in from within this
	// long is exempt from the account-wide backoff.
	TrustedIPFor = 30 * 24 * time.Hour
)

// backoff refuses an attempt (before any password or code is checked)
// while the address email is cooling down. SECURITY: replaces the hard
// lockout, which let anyone lock a named person out for 15 minutes:
//
//   - per address and IP: after LoginMaxFailures failures from ip, each
//     next attempt from ip waits 1, 2, 4, … seconds after the last failure,
//     up to LoginLockDuration — the guesser is slowed, the owner elsewhere
//     is not;
//   - per address: after AccountFailureFactor × LoginMaxFailures failures
//     from any IPs, attempts from IPs the account has not signed in from
//     within TrustedIPFor wait 1, 2, 4, … seconds, at most
//     AccountBackoffMax — a distributed guess is slowed to about one try a
//     minute, the owner waits at most a minute and not at all from a
//     network they used before;
//   - the per-IP limit (throttle) stays.
//
// It depends only on the address as typed, never on whether an account
// has it, so it reveals no registrations. Errors: too_many
// (KeyLoginSlowDown).
func (s *Service) backoff(ctx context.Context, email, ip string) error {
	n := s.settings.LoginMaxFailures
	window := s.settings.LoginLockDuration
	if n <= 0 || window <= 0 {
		return nil
	}
	now := s.now()
	var st struct {
		PairFails    int
		PairLast     *time.Time
		AccountFails int
		AccountLast  *time.Time
		Trusted      bool
	}
	// Failures count within the window and since the last success: of the
	// pair for the pair's backoff, of the address for the account-wide one.
	err := s.db.WithContext(ctx).Raw(`
		SELECT (SELECT count(*) FROM login_attempts a WHERE a.email = @email AND a.ip = @ip AND a.failed
		          AND a.attempted_at > GREATEST(CAST(@since AS timestamptz), COALESCE((SELECT max(o.attempted_at) FROM login_attempts o
		              WHERE o.email = @email AND o.ip = @ip AND o.succeeded), '-infinity'))) AS pair_fails,
		       (SELECT max(a.attempted_at) FROM login_attempts a WHERE a.email = @email AND a.ip = @ip AND a.failed
		          AND a.attempted_at > @since) AS pair_last,
		       (SELECT count(*) FROM login_attempts a WHERE a.email = @email AND a.failed
		          AND a.attempted_at > GREATEST(CAST(@since AS timestamptz), COALESCE((SELECT max(o.attempted_at) FROM login_attempts o
		              WHERE o.email = @email AND o.succeeded), '-infinity'))) AS account_fails,
		       (SELECT max(a.attempted_at) FROM login_attempts a WHERE a.email = @email AND a.failed
		          AND a.attempted_at > @since) AS account_last,
		       EXISTS (SELECT 1 FROM login_attempts o WHERE o.email = @email AND o.ip = @ip AND o.succeeded
		               AND o.attempted_at > @trusted) AS trusted`,
		map[string]any{"email": email, "ip": ip, "since": now.Add(-window), "trusted": now.Add(-TrustedIPFor)}).
		Scan(&st).Error
	if err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	wait := func(fails, from int, last *time.Time, max time.Duration) bool {
		if fails < from || last == nil {
			return false
		}
		d := time.Duration(1<<min(fails-from, 20)) * time.Second
		return now.Before(last.Add(min(d, max)))
	}
	if wait(st.PairFails, n, st.PairLast, window) ||
		(!st.Trusted && wait(st.AccountFails, AccountFailureFactor*n, st.AccountLast, AccountBackoffMax)) {
		return apperr.New(apperr.TooMany, KeyLoginSlowDown)
	}
	return nil
}

// markFailed marks attempt as a wrong password or code (it then counts in
// the backoff).
func (s *Service) markFailed(ctx context.Context, attempt int64) {
	_ = s.db.WithContext(ctx).Exec("UPDATE login_attempts SET failed = true WHERE id = ?", attempt).Error
}

// recordFailure audits a refused sign-in that has no account to count
// against (unknown email, disabled, unverified).
func (s *Service) recordFailure(ctx context.Context, userID, ip, reason string) {
	_ = audit.RecordNow(ctx, s.db, audit.Entry{ActorID: userID, Action: "auth.login_failed",
		TargetType: "user", TargetID: userID, IP: ip, Details: map[string]any{"reason": reason}})
}

// registerFailure counts a wrong password or code against the account:
// the attempt (0: a new one, for a password re-check) is marked failed and
// audited; when the address's failures reach the account-wide threshold,
// the owner is emailed (at most once a day) and "auth.login_throttled"
// audited. Nobody is locked out (backoff).
func (s *Service) registerFailure(ctx context.Context, u *User, attempt int64, ip, reason string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		if attempt == 0 {
			if err := tx.Exec("INSERT INTO login_attempts (ip, email, attempted_at, succeeded, failed) VALUES (?, ?, ?, false, true)",
				ip, u.Email, now).Error; err != nil {
				return err
			}
		} else if err := tx.Exec("UPDATE login_attempts SET failed = true WHERE id = ?", attempt).Error; err != nil {
			return err
		}
		var failures int
		if err := tx.Raw(`SELECT count(*) FROM login_attempts WHERE email = ? AND failed AND attempted_at > ?
			AND attempted_at > COALESCE((SELECT max(attempted_at) FROM login_attempts WHERE email = ? AND succeeded), '-infinity')`,
			u.Email, now.Add(-s.settings.LoginLockDuration), u.Email).Scan(&failures).Error; err != nil {
			return err
		}
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Update("failed_logins", gorm.Expr("failed_logins + 1")).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "auth.login_failed",
			TargetType: "user", TargetID: u.ID, IP: ip, Details: map[string]any{"reason": reason, "failures": failures}}); err != nil {
			return err
		}
		threshold := AccountFailureFactor * s.settings.LoginMaxFailures
		if s.settings.LoginMaxFailures <= 0 || failures < threshold {
			return nil
		}
		var notified bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM audit_events WHERE action = 'auth.login_throttled'
			AND target_id = ? AND occurred_at > ?)`, u.ID, now.Add(-24*time.Hour)).Scan(&notified).Error; err != nil {
			return err
		}
		if notified {
			return nil
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "auth.login_throttled",
			TargetType: "user", TargetID: u.ID, IP: ip, Details: map[string]any{"failures": failures}}); err != nil {
			return err
		}
		if s.mail == nil {
			return nil
		}
		l := s.catalog.For(u.Language)
		return s.mail.EnqueueTx(ctx, tx, mailq.Message{
			To:      u.Email,
			Subject: l.T("login.mail_failed_attempts_subject"),
			Body: l.T("login.mail_failed_attempts_body", u.DisplayName, failures,
				s.settings.BaseURL+"/account", s.settings.BaseURL+"/password/forgot"),
		})
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
		if err := tx.Exec("UPDATE login_attempts SET succeeded = true, failed = false WHERE id = ?", attempt).Error; err != nil {
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
