// Package sso is single sign-on per organisation (issue 18, docs/sso.md):
// the email domains an organisation has shown it owns and a platform admin
// approved, the OpenID Connect provider its admins configure, and the
// sign-in through it (discovery, PKCE S256, state, nonce) that creates or
// finds the account and its membership. It knows nothing of HTTP sessions:
// web keeps the pending sign-in (Start) in the session between the two
// legs.
package sso

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/i18n"
	"takumi/internal/mail"
)

// Settings are what the operator configures.
type Settings struct {
	BaseURL string // absolute site URL: links in emails, the OIDC redirect URI
	// AllowHTTPIssuer accepts http:// issuers (development and tests only;
	// SECURITY: in production an issuer must be https).
	AllowHTTPIssuer bool
	// HTTPClient talks to identity providers (nil: a client with a 10 s
	// timeout).
	HTTPClient *http.Client
	// SAMLKeyFile holds the SAML service provider's key and certificate
	// (PEM); generated there when missing.
	SAMLKeyFile string
}

// Service carries out the single sign-on use cases.
type Service struct {
	db       *gorm.DB
	mail     *mail.Queue
	catalog  *i18n.Catalog
	settings Settings
	now      func() time.Time

	mu        sync.Mutex
	discovery map[string]cachedProvider // issuer -> discovered provider
	samlKey   *rsa.PrivateKey
	samlCert  *x509.Certificate
}

type cachedProvider struct {
	p  *oidc.Provider
	at time.Time
}

// discoveryTTL is how long a provider's discovery document (and so its
// key set URL) is reused before it is fetched again.
const discoveryTTL = time.Hour

// NewService returns the single sign-on service.
func NewService(db *gorm.DB, q *mail.Queue, catalog *i18n.Catalog, s Settings) *Service {
	if s.HTTPClient == nil {
		s.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Service{db: db, mail: q, catalog: catalog, settings: s, now: time.Now, discovery: map[string]cachedProvider{}}
}

// Actor is who asks for a change, and from where (for the audit log).
type Actor struct {
	UserID string
	IP     string
}

// RedirectURL is the OpenID Connect redirect URI an organisation registers
// at its provider (the same for every organisation).
func (s *Service) RedirectURL() string {
	return strings.TrimRight(s.settings.BaseURL, "/") + "/sso/oidc/callback"
}

// domainOf returns the domain part of a normalised address.
func domainOf(email string) string {
	at := strings.LastIndex(email, "@")
	if at < 0 {
		return ""
	}
	return email[at+1:]
}

// isOrgAdmin reports whether userID is an admin of orgID (a platform admin
// counts too).
func isOrgAdmin(ctx context.Context, db *gorm.DB, userID, orgID string) (bool, error) {
	var ok bool
	err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = ? AND u.disabled_at IS NULL AND (u.is_platform_admin
		OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.org_id = ? AND m.role = 'admin')))`,
		userID, orgID).Row().Scan(&ok)
	if err != nil {
		return false, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return ok, nil
}

// requireOrgAdmin returns not_found unless actor administers orgID.
func requireOrgAdmin(ctx context.Context, db *gorm.DB, actor Actor, orgID string) error {
	if !isUUID(orgID) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	ok, err := isOrgAdmin(ctx, db, actor.UserID, orgID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return nil
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

func internal(err error) error {
	if err == nil {
		return nil
	}
	var e *apperr.Error
	if errors.As(err, &e) {
		return err
	}
	return apperr.Wrap(apperr.Internal, "error.internal", err)
}
