package account

import (
	"context"

	"gorm.io/gorm"

	"takumi/internal/apperr"
)

// ProvisionedUser is an account made by the operator's tools (`takumi
// demo`): verified and consented at creation, in Japanese.
type ProvisionedUser struct {
	Email         string
	PasswordHash  string // from HashPassword
	DisplayName   string
	Prefecture    string
	Industry      string
	Segment       string
	PlatformAdmin bool
}

// EnsureUser creates the account inside tx unless one with its email
// exists, and reports whether it created it.
func EnsureUser(ctx context.Context, tx *gorm.DB, u ProvisionedUser) (bool, error) {
	res := tx.WithContext(ctx).Exec(`INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment,
			language, privacy_notice_version, consented_at, email_verified_at, is_platform_admin)
		VALUES (?, ?, ?, ?, ?, ?, 'ja', ?, now(), now(), ?) ON CONFLICT (email) DO NOTHING`,
		u.Email, u.PasswordHash, u.DisplayName, u.Prefecture, u.Industry, u.Segment, PrivacyNoticeVersion, u.PlatformAdmin)
	return res.RowsAffected > 0, res.Error
}

// SetProvisionedSignIn gives the account with email, made by the
// operator's tools (`takumi seed analyst`), passwordHash (from
// HashPassword) and two-factor sign-in with totpSecret (base32, as
// NewTOTPSetup makes), turned on now with no step used yet, so the tool
// can print working credentials however often it runs. Errors: not_found.
func SetProvisionedSignIn(ctx context.Context, tx *gorm.DB, email, passwordHash, totpSecret string) error {
	res := tx.WithContext(ctx).Exec(`UPDATE users SET password_hash = ?, totp_secret = ?, totp_enabled_at = now(), totp_last_step = 0,
			failed_logins = 0, locked_until = NULL, updated_at = now()
		WHERE email = ?`, passwordHash, totpSecret, NormalizeEmail(email))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return nil
}

// ProvisionedUserID returns the id of the account with email. Errors:
// not_found.
func ProvisionedUserID(ctx context.Context, tx *gorm.DB, email string) (string, error) {
	u, err := byEmail(ctx, tx, NormalizeEmail(email))
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// DeleteProvisionedUser removes the account with email (the rows that
// reference it cascade; a session of it no longer signs anyone in), for an
// account the operator's tools made for a benchmark (`takumi seed analyst
// --drop`), and reports whether there was one. SECURITY: never for a
// person's account: a person leaves through privacy erasure
// (internal/privacy), which keeps the anonymous counts and the audit
// trail; the callers pass a fixed benchmark address and refuse to run in
// production.
func DeleteProvisionedUser(ctx context.Context, tx *gorm.DB, email string) (bool, error) {
	res := tx.WithContext(ctx).Exec("DELETE FROM users WHERE email = ?", NormalizeEmail(email))
	return res.RowsAffected > 0, res.Error
}
