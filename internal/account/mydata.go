package account

import "takumi/internal/privacy/mydata"

// MyDataTables returns account's part of a person's data export (internal/privacy):
// the query of each of its tables' rows about the person. SECURITY: never
// password hashes, two-factor secrets, recovery codes or token hashes.
func MyDataTables() []mydata.Table {
	return []mydata.Table{
		{Name: "profile", Query: `SELECT id, email, display_name, prefecture_code, industry_code, segment, birth_year, gender, language,
			privacy_notice_version, consented_at, email_verified_at, is_platform_admin, disabled_at,
			totp_enabled_at IS NOT NULL AS two_factor_enabled, totp_enabled_at AS two_factor_enabled_at,
			failed_logins, locked_until, created_at, updated_at
			FROM users WHERE id = @user`},
		{Name: "email_tokens", Query: `SELECT purpose, created_at, expires_at, used_at FROM email_tokens WHERE user_id = @user ORDER BY created_at, id`},
	}
}
