package sso

import (
	"context"

	"gorm.io/gorm"
)

// EnsureDevProvider is `takumi demo`'s single sign-on step (never run in
// production; the caller checks): inside tx, domain is claimed, confirmed
// and approved for orgID, and orgID's identity provider is the
// development OpenID Provider of `takumi dev-idp` at issuer. Idempotent; a
// provider an admin configured differently is left alone. It reports
// whether the provider row now points at issuer.
func EnsureDevProvider(ctx context.Context, tx *gorm.DB, orgID, domain, issuer, clientID, secret string) (bool, error) {
	tx = tx.WithContext(ctx)
	if err := tx.Exec(`INSERT INTO org_email_domains (org_id, domain, confirm_email, confirm_expires, confirmed_at, approved_at)
		VALUES (?, ?, ?, now(), now(), now())
		ON CONFLICT DO NOTHING`, orgID, domain, "it-admin@"+domain).Error; err != nil {
		return false, err
	}
	res := tx.Exec(`INSERT INTO identity_providers (org_id, protocol, issuer, client_id, client_secret, department_claim,
			employee_no_claim, enabled)
		VALUES (?, 'oidc', ?, ?, ?, '', '', true)
		ON CONFLICT (org_id) DO UPDATE SET issuer = EXCLUDED.issuer, client_secret = EXCLUDED.client_secret, updated_at = now()
		WHERE identity_providers.protocol = 'oidc' AND identity_providers.client_id = EXCLUDED.client_id`,
		orgID, issuer, clientID, secret)
	return res.RowsAffected > 0, res.Error
}
