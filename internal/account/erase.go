package account

import (
	"context"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
)

// DeletedDisplayName is the display name a deleted account keeps.
const DeletedDisplayName = "削除済み"

// ErasureTarget is what erasing an account needs to know about it first.
type ErasureTarget struct {
	Email string
}

// LockForErasure locks the user's row inside tx (the privacy coordinator's
// transaction) and returns its email address. The last active platform
// admin cannot be erased: every admin's row is locked, so two last admins
// deleting themselves at once cannot both succeed. Errors: not_found
// (unknown or already disabled), conflict ("privacy_rights.err_last_admin").
func LockForErasure(ctx context.Context, tx *gorm.DB, userID string) (*ErasureTarget, error) {
	var u struct {
		Email           string
		IsPlatformAdmin bool
		Disabled        bool
	}
	if err := tx.WithContext(ctx).Raw(`SELECT email, is_platform_admin, disabled_at IS NOT NULL AS disabled FROM users WHERE id = ? FOR UPDATE`,
		userID).Scan(&u).Error; err != nil {
		return nil, err
	}
	if u.Email == "" || u.Disabled {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if u.IsPlatformAdmin {
		var admins []string
		if err := tx.WithContext(ctx).Raw(`SELECT id FROM users WHERE is_platform_admin AND disabled_at IS NULL ORDER BY id FOR UPDATE`).
			Scan(&admins).Error; err != nil {
			return nil, err
		}
		if len(admins) <= 1 {
			return nil, apperr.New(apperr.Conflict, "privacy_rights.err_last_admin")
		}
	}
	return &ErasureTarget{Email: u.Email}, nil
}

// EraseUser anonymises the users row inside tx and deletes the account's
// recovery codes and email tokens: email deleted-<id>@deleted.invalid, name
// DeletedDisplayName, a password hash no password matches, no birth year,
// gender, prefecture, industry, segment or two-factor secret, disabled,
// sessions ended; the language is kept.
func EraseUser(ctx context.Context, tx *gorm.DB, userID string, now time.Time) error {
	db := tx.WithContext(ctx)
	// SECURITY: irreversible. The id stays (it is random and now links to
	// no one); every field that identifies or describes the person goes.
	// "!" is not a hash any password matches.
	if err := db.Exec(`UPDATE users SET email = 'deleted-' || id::text || '@deleted.invalid', display_name = ?,
		password_hash = '!', prefecture_code = NULL, industry_code = NULL, segment = NULL, birth_year = NULL,
		gender = 'unspecified', email_verified_at = NULL, is_platform_admin = false, disabled_at = ?,
		failed_logins = 0, locked_until = NULL, totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = 0,
		session_version = session_version + 1, updated_at = ? WHERE id = ?`,
		DeletedDisplayName, now, now, userID).Error; err != nil {
		return err
	}
	if err := db.Exec(`DELETE FROM recovery_codes WHERE user_id = ?`, userID).Error; err != nil {
		return err
	}
	return db.Exec(`DELETE FROM email_tokens WHERE user_id = ?`, userID).Error
}
