package account

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
	"takumi/internal/token"
)

// Purposes of one-time email links.
const (
	PurposeVerifyEmail   = "verify_email"
	PurposeResetPassword = "reset_password"
)

// How long an email link stays valid, and how many links of one purpose an
// account may be sent per hour.
const (
	VerifyEmailTTL     = 48 * time.Hour
	ResetPasswordTTL   = time.Hour
	EmailTokensPerHour = 3
)

// Message keys of the three token problems. They are distinct so the page
// can say whether the link expired, was already used, or is not a link of
// ours at all.
const (
	KeyTokenInvalid = "signup.token_invalid"
	KeyTokenExpired = "signup.token_expired"
	KeyTokenUsed    = "signup.token_used"
)

// emailToken is one row of email_tokens. Only the token's hash
// (token.Hash) is stored, so a database leak does not leak working links.
type emailToken struct {
	ID        int64
	UserID    string
	Purpose   string
	TokenHash []byte
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (emailToken) TableName() string { return "email_tokens" }

// issueToken creates a link token for userID inside tx and returns the
// token to put in the link. Older unused tokens of the same purpose stop
// working: their expiry is moved to now, so an old link says "expired"
// rather than falsely claiming it was used.
// SECURITY: only the newest link of each purpose works.
func (s *Service) issueToken(ctx context.Context, tx *gorm.DB, userID, purpose string) (string, error) {
	ttl := VerifyEmailTTL
	if purpose == PurposeResetPassword {
		ttl = ResetPasswordTTL
	}
	now := s.now()
	// UPDATE email_tokens SET expires_at = now WHERE user_id = ? AND purpose = ?
	//   AND used_at IS NULL AND expires_at > now
	if err := tx.WithContext(ctx).Model(&emailToken{}).
		Where("user_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?", userID, purpose, now).
		Update("expires_at", now).Error; err != nil {
		return "", apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	// SECURITY: internal/token, the one scheme: the SHA-256 of the link's
	// text is stored. (Before migration 00017 these were hashed from the
	// raw bytes; that migration expired the links still open.)
	value, hash := token.New()
	t := emailToken{UserID: userID, Purpose: purpose, TokenHash: hash, ExpiresAt: now.Add(ttl), CreatedAt: now}
	if err := tx.WithContext(ctx).Create(&t).Error; err != nil {
		return "", apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return value, nil
}

// tokensSentLastHour counts the links of purpose created for userID in the
// last hour (used or not), for the per-account sending limit.
func (s *Service) tokensSentLastHour(ctx context.Context, tx *gorm.DB, userID, purpose string) (int64, error) {
	var n int64
	err := tx.WithContext(ctx).Model(&emailToken{}).
		Where("user_id = ? AND purpose = ? AND created_at > ?", userID, purpose, s.now().Add(-time.Hour)).
		Count(&n).Error
	if err != nil {
		return 0, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return n, nil
}

// findToken returns the usable token row for token and purpose. With lock,
// the row is locked FOR UPDATE in tx so two clicks cannot both use it.
// Errors: not_found (KeyTokenInvalid), conflict (KeyTokenUsed or
// KeyTokenExpired).
func (s *Service) findToken(ctx context.Context, tx *gorm.DB, plain, purpose string, lock bool) (*emailToken, error) {
	if !token.Plausible(plain) {
		return nil, apperr.New(apperr.NotFound, "signup.token_invalid")
	}
	hash := token.Hash(plain)
	q := tx.WithContext(ctx).Where("token_hash = ? AND purpose = ?", hash, purpose)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var t emailToken
	if err := q.Take(&t).Error; err != nil {
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		// A link sent before migration 00017 was stored under the old
		// scheme (SHA-256 of the raw bytes); that migration expired every
		// such link still open, so finding one here only lets the page say
		// "expired" (or "used") instead of "not our link". Nothing made
		// today is stored this way, and no such row can be used.
		raw, _ := base64.RawURLEncoding.DecodeString(plain)
		legacy := sha256.Sum256(raw)
		if err := tx.WithContext(ctx).Where("token_hash = ? AND purpose = ?", legacy[:], purpose).Take(&t).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, apperr.New(apperr.NotFound, "signup.token_invalid")
			}
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if t.UsedAt != nil {
			return nil, apperr.New(apperr.Conflict, "signup.token_used")
		}
		return nil, apperr.New(apperr.Conflict, "signup.token_expired")
	}
	if t.UsedAt != nil {
		return nil, apperr.New(apperr.Conflict, "signup.token_used")
	}
	if !s.now().Before(t.ExpiresAt) {
		return nil, apperr.New(apperr.Conflict, "signup.token_expired")
	}
	return &t, nil
}

// markTokenUsed records that t was used, inside tx.
func (s *Service) markTokenUsed(ctx context.Context, tx *gorm.DB, t *emailToken) error {
	if err := tx.WithContext(ctx).Model(&emailToken{}).Where("id = ?", t.ID).
		Update("used_at", s.now()).Error; err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return nil
}

// TokenProblem returns the message key of an email-link error
// (KeyTokenInvalid, KeyTokenExpired or KeyTokenUsed), or "" when err is
// some other error.
func TokenProblem(err error) string {
	if e, ok := apperr.As(err); ok {
		switch e.Key {
		case KeyTokenInvalid, KeyTokenExpired, KeyTokenUsed:
			return e.Key
		}
	}
	return ""
}
