package account

import (
	"context"
	"sync"

	"gorm.io/gorm"

	"takumi/internal/token"
)

// Single sign-on (issue 18, docs/sso.md): the account side. internal/sso
// decides who a provider's subject is; the users table is written here.

// KeyLoginSSORequired is the message of a password sign-in refused because
// the person's organisation requires single sign-on.
const KeyLoginSSORequired = "sso.login_required"

// PasswordPolicy is asked, after the right password of a verified account,
// whether a password sign-in is allowed for u; a non-nil error (forbidden
// with KeyLoginSSORequired) refuses it. internal/sso provides it.
type PasswordPolicy func(ctx context.Context, u *User) error

// SetPasswordPolicy installs the policy (internal/app wires internal/sso's).
func (s *Service) SetPasswordPolicy(p PasswordPolicy) { s.passwordPolicy = p }

// CreateSSOUser creates, inside tx, the account of a person whose
// organisation's identity provider vouched for email: verified at once,
// with a password nobody knows (unknownPassword), so they sign in through their organisation or set a
// password by the usual reset. It returns the new account. Errors: conflict
// when the address is taken (the caller looked first; a race lost).
func CreateSSOUser(ctx context.Context, tx *gorm.DB, email, displayName, lang string) (*User, error) {
	hash, err := unknownPasswordHash()
	if err != nil {
		return nil, err
	}
	if lang != "en" {
		lang = "ja"
	}
	var id string
	err = tx.WithContext(ctx).Raw(`INSERT INTO users (email, password_hash, display_name, language, privacy_notice_version,
			consented_at, email_verified_at)
		VALUES (?, ?, ?, ?, ?, now(), now()) ON CONFLICT (email) DO NOTHING RETURNING id`,
		NormalizeEmail(email), hash, displayName, lang, PrivacyNoticeVersion).Scan(&id).Error
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, errEmailTaken
	}
	return byID(ctx, tx, id)
}

// unknownPassword is the argon2id hash of a random secret thrown away at
// once, made once per process: accounts made through single sign-on or
// provisioning share it (nobody can sign in with it, and sharing it tells
// nothing), so provisioning 10,000 people does not compute 10,000 argon2id
// hashes.
var unknownPassword = sync.OnceValues(func() (string, error) {
	secret, _ := token.New()
	return HashPassword(secret)
})

func unknownPasswordHash() (string, error) { return unknownPassword() }

// UserByEmailTx returns the account with email inside tx. Errors: not_found.
func UserByEmailTx(ctx context.Context, tx *gorm.DB, email string) (*User, error) {
	return byEmail(ctx, tx, email)
}

// UserByIDTx returns the account with id inside tx. Errors: not_found.
func UserByIDTx(ctx context.Context, tx *gorm.DB, id string) (*User, error) {
	return byID(ctx, tx, id)
}

// EndSessions ends every session of userID at their next request (raises
// session_version), inside tx: a person deprovisioned by their
// organisation loses access at once.
func EndSessions(ctx context.Context, tx *gorm.DB, userID string) error {
	return tx.WithContext(ctx).Exec("UPDATE users SET session_version = session_version + 1, updated_at = now() WHERE id = ?", userID).Error
}
