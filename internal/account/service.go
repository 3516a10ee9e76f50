package account

import (
	"time"

	"gorm.io/gorm"

	"takumi/internal/i18n"
	"takumi/internal/mail"
)

// Settings are the account rules the operator configures.
type Settings struct {
	BaseURL           string        // absolute site URL for links in emails
	LoginMaxFailures  int           // failed sign-ins before the account locks
	LoginLockDuration time.Duration // how long it stays locked
	LoginIPLimit      int           // sign-in attempts per LoginIPWindow per IP
	LoginIPWindow     time.Duration
}

// Service carries out account use cases: registration, email verification,
// password reset, sign-in, two-factor authentication and profile changes.
type Service struct {
	db       *gorm.DB
	mail     *mail.Queue
	catalog  *i18n.Catalog
	settings Settings
	now      func() time.Time
	// passwordPolicy refuses password sign-in where an organisation
	// requires single sign-on (issue 18; nil: always allowed).
	passwordPolicy PasswordPolicy
}

// NewService returns the account service.
func NewService(db *gorm.DB, q *mail.Queue, catalog *i18n.Catalog, s Settings) *Service {
	return &Service{db: db, mail: q, catalog: catalog, settings: s, now: time.Now}
}

// Store returns the user store on the service's database.
func (s *Service) Store() *Store { return NewStore(s.db) }
