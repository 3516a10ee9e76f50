package account

import (
	"context"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
)

// GrantPlatformAdmin makes the existing account with email a platform admin.
// It is how an operator creates the first platform admin (`takumi admin
// grant EMAIL`, run on the server, so it needs shell access, not a web
// session). The person signs up normally first; at their next sign-in they
// must set up two-factor authentication. Errors: not_found.
func GrantPlatformAdmin(ctx context.Context, db *gorm.DB, email string) (*User, error) {
	var u *User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		u, err = byEmail(ctx, tx, email)
		if err != nil {
			return err
		}
		if u.IsPlatformAdmin {
			return nil
		}
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Update("is_platform_admin", true).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		u.IsPlatformAdmin = true
		return audit.Record(ctx, tx, audit.Entry{
			Action: "account.platform_admin_granted", TargetType: "user", TargetID: u.ID,
			Details: map[string]any{"via": "command line"},
		})
	})
	return u, err
}
