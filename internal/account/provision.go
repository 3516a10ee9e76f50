package account

import (
	"context"

	"gorm.io/gorm"
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
