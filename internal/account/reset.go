package account

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	mailq "takumi/internal/mail"
)

// ResetRequestArgs is the background job behind a "forgot password"
// request: the address as typed (normalised) and the requester's IP.
type ResetRequestArgs struct {
	Email string `json:"email"`
	IP    string `json:"ip"`
}

// Kind is River's job kind for ResetRequestArgs.
func (ResetRequestArgs) Kind() string { return "password_reset_request" }

// InsertOpts runs reset requests on the email queue.
func (ResetRequestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: "email", MaxAttempts: 5}
}

// ResetWorker carries out queued reset requests (SendPasswordReset).
type ResetWorker struct {
	river.WorkerDefaults[ResetRequestArgs]
	Service *Service
}

// Work sends the reset link, if any is due.
func (w *ResetWorker) Work(ctx context.Context, job *river.Job[ResetRequestArgs]) error {
	return w.Service.SendPasswordReset(ctx, job.Args.Email, job.Args.IP)
}

// Timeout bounds one request's work.
func (w *ResetWorker) Timeout(*river.Job[ResetRequestArgs]) time.Duration { return 30 * time.Second }

// RequestPasswordReset queues a reset request for a well-formed address
// and returns nil; the job (SendPasswordReset) decides whether anything is
// sent. SECURITY: the request does exactly the same work — one job
// inserted — for registered and unknown addresses, so neither the answer
// nor its timing reveals who is registered (issue 15 finding 5).
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) error {
	email = NormalizeEmail(email)
	if EmailProblem(email) != "" {
		return nil
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.mail.EnqueueJobTx(ctx, tx, ResetRequestArgs{Email: email, IP: ip})
	})
}

// SendPasswordReset emails a reset link (valid ResetPasswordTTL) in the
// person's language when email belongs to an enabled account and fewer than
// EmailTokensPerHour links were sent to it in the last hour; otherwise it
// does nothing. It runs in the background job a request queued.
// SECURITY: the limit stops the form being used to flood a mailbox.
func (s *Service) SendPasswordReset(ctx context.Context, email, ip string) error {
	email = NormalizeEmail(email)
	if EmailProblem(email) != "" {
		return nil
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := lockUserByEmail(ctx, tx, email)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if u.Disabled() {
			return nil
		}
		n, err := s.tokensSentLastHour(ctx, tx, u.ID, PurposeResetPassword)
		if err != nil || n >= EmailTokensPerHour {
			return err
		}
		token, err := s.issueToken(ctx, tx, u.ID, PurposeResetPassword)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{
			Action: "account.password_reset_requested", TargetType: "user", TargetID: u.ID, IP: ip,
		}); err != nil {
			return err
		}
		l := s.catalog.For(u.Language)
		return s.mail.EnqueueTx(ctx, tx, mailq.Message{
			To:      u.Email,
			Subject: l.T("signup.mail_reset_subject"),
			Body: l.T("signup.mail_reset_body", u.DisplayName,
				s.settings.BaseURL+"/password/reset?token="+token, int(ResetPasswordTTL.Minutes())),
		})
	})
}

// CheckResetToken reports whether a reset link can still be used, for
// showing the new-password form. Errors: not_found (KeyTokenInvalid),
// conflict (KeyTokenExpired, KeyTokenUsed).
func (s *Service) CheckResetToken(ctx context.Context, token string) error {
	t, err := s.findToken(ctx, s.db, token, PurposeResetPassword, false)
	if err != nil {
		return err
	}
	u, err := byID(ctx, s.db, t.UserID)
	if err != nil {
		return err
	}
	if u.Disabled() {
		return apperr.New(apperr.NotFound, "signup.token_invalid")
	}
	return nil
}

// ResetPassword sets a new password through a reset link, in one
// transaction: the new argon2id hash, the token marked used (and any other
// unused reset links ended), failed sign-ins and lockout cleared, the email
// marked verified (the person proved they read the mailbox), the session
// version raised and "account.password_reset" recorded.
// SECURITY: raising session_version signs the person out everywhere, so a
// thief holding a session loses it. Errors: invalid (password fields),
// not_found (KeyTokenInvalid), conflict (KeyTokenExpired, KeyTokenUsed).
func (s *Service) ResetPassword(ctx context.Context, token, password, confirm, ip string) error {
	t, err := s.findToken(ctx, s.db, token, PurposeResetPassword, false)
	if err != nil {
		return err
	}
	u, err := byID(ctx, s.db, t.UserID)
	if err != nil {
		return err
	}
	if u.Disabled() {
		return apperr.New(apperr.NotFound, "signup.token_invalid")
	}
	if k := NewPasswordProblem(password, u.Email); k != "" {
		return apperr.FieldErrors(map[string]string{"password": k})
	}
	if confirm != password {
		return apperr.FieldErrors(map[string]string{"password_confirm": "signup.err_password_mismatch"})
	}
	hash, err := HashPassword(password)
	if err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Re-read under a row lock: the link may have been used meanwhile.
		t, err := s.findToken(ctx, tx, token, PurposeResetPassword, true)
		if err != nil {
			return err
		}
		now := s.now()
		// UPDATE email_tokens SET used_at = now WHERE user_id = ? AND
		//   purpose = 'reset_password' AND used_at IS NULL
		if err := tx.Model(&emailToken{}).
			Where("user_id = ? AND purpose = ? AND used_at IS NULL", t.UserID, PurposeResetPassword).
			Update("used_at", now).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if err := tx.Model(&User{}).Where("id = ?", t.UserID).Updates(map[string]any{
			"password_hash":     hash,
			"failed_logins":     0,
			"locked_until":      nil,
			"email_verified_at": gorm.Expr("COALESCE(email_verified_at, ?)", now),
			"session_version":   gorm.Expr("session_version + 1"),
			"updated_at":        now,
		}).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: t.UserID, Action: "account.password_reset", TargetType: "user", TargetID: t.UserID, IP: ip,
		})
	})
}
