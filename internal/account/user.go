// Package account holds people's accounts: registration, email verification,
// passwords, sign-in with throttling and lockout, two-factor authentication,
// and profiles. It knows nothing of HTTP.
package account

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/emailaddr"
)

// Segments a learner can belong to.
var Segments = []string{"engineer", "developer", "other"}

// Genders a person may state; "unspecified" is "prefer not to say".
var Genders = []string{"unspecified", "female", "male", "other"}

// PrivacyNoticeVersion is the version of the privacy notice people consent
// to at sign-up. Raise it when the notice's purposes of use change.
const PrivacyNoticeVersion = "2026-11"

// User is one person's account.
type User struct {
	ID                   string `gorm:"primaryKey;default:gen_random_uuid()"`
	Email                string
	PasswordHash         string
	DisplayName          string
	PrefectureCode       *string
	IndustryCode         *string
	Segment              *string
	BirthYear            *int
	Gender               string
	Language             string
	PrivacyNoticeVersion string
	ConsentedAt          time.Time
	EmailVerifiedAt      *time.Time
	IsPlatformAdmin      bool
	DisabledAt           *time.Time
	FailedLogins         int
	LockedUntil          *time.Time
	TOTPSecret           *string    `gorm:"column:totp_secret"`
	TOTPEnabledAt        *time.Time `gorm:"column:totp_enabled_at"`
	TOTPLastStep         int64      `gorm:"column:totp_last_step"`
	SessionVersion       int
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// UserColumns are the users table's columns in the order of User's
// fields (Fields), over the alias u: for a statement that reads an account
// with pgx and scans it column by column, without gorm's reflection (the
// sign-in check every signed-in request makes, org.SignedInColumns; issue
// 20, docs/performance.md "The signed-in request path without gorm").
// TestUserColumns keeps it in step with the table and with User.
const UserColumns = `u.id, u.email, u.password_hash, u.display_name, u.prefecture_code, u.industry_code, u.segment, u.birth_year,
       u.gender, u.language, u.privacy_notice_version, u.consented_at, u.email_verified_at, u.is_platform_admin, u.disabled_at,
       u.failed_logins, u.locked_until, u.totp_secret, u.totp_enabled_at, u.totp_last_step, u.session_version, u.created_at, u.updated_at`

// Fields returns pointers to u's fields in UserColumns' order, as scan
// destinations.
func (u *User) Fields() []any {
	return []any{&u.ID, &u.Email, &u.PasswordHash, &u.DisplayName, &u.PrefectureCode, &u.IndustryCode, &u.Segment, &u.BirthYear,
		&u.Gender, &u.Language, &u.PrivacyNoticeVersion, &u.ConsentedAt, &u.EmailVerifiedAt, &u.IsPlatformAdmin, &u.DisabledAt,
		&u.FailedLogins, &u.LockedUntil, &u.TOTPSecret, &u.TOTPEnabledAt, &u.TOTPLastStep, &u.SessionVersion, &u.CreatedAt, &u.UpdatedAt}
}

// Clone returns a copy of u that shares nothing with it: every pointer
// field points to a copy of its value. The session cache hands each
// request its own copy of a cached account (internal/app/sessioncache.go);
// TestUserClone fails when a pointer, slice or map field is added here and
// not copied.
func (u *User) Clone() *User {
	out := *u
	out.PrefectureCode = clonePtr(u.PrefectureCode)
	out.IndustryCode = clonePtr(u.IndustryCode)
	out.Segment = clonePtr(u.Segment)
	out.BirthYear = clonePtr(u.BirthYear)
	out.EmailVerifiedAt = clonePtr(u.EmailVerifiedAt)
	out.DisabledAt = clonePtr(u.DisabledAt)
	out.LockedUntil = clonePtr(u.LockedUntil)
	out.TOTPSecret = clonePtr(u.TOTPSecret)
	out.TOTPEnabledAt = clonePtr(u.TOTPEnabledAt)
	return &out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// TOTPEnabled reports whether the person has two-factor sign-in set up.
func (u *User) TOTPEnabled() bool { return u.TOTPEnabledAt != nil }

// Disabled reports whether a platform admin has disabled the account.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// NormalizeEmail returns an email address as it is stored and compared
// (emailaddr.Normalize: NFKC, trimmed, lower case).
func NormalizeEmail(email string) string { return emailaddr.Normalize(email) }

// Store reads and writes users.
type Store struct{ db *gorm.DB }

// NewStore returns a Store on db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// ByID returns the user with id. Errors: not_found.
func (s *Store) ByID(ctx context.Context, id string) (*User, error) {
	return byID(ctx, s.db, id)
}

// ByEmail returns the user with email (normalised). Errors: not_found.
func (s *Store) ByEmail(ctx context.Context, email string) (*User, error) {
	return byEmail(ctx, s.db, email)
}

func byID(ctx context.Context, db *gorm.DB, id string) (*User, error) {
	var u User
	err := db.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	return notFound(&u, err)
}

func byEmail(ctx context.Context, db *gorm.DB, email string) (*User, error) {
	var u User
	err := db.WithContext(ctx).Where("email = ?", NormalizeEmail(email)).Take(&u).Error
	return notFound(&u, err)
}

func notFound(u *User, err error) (*User, error) {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return u, nil
}

// SetLanguage saves the person's language choice.
func (s *Store) SetLanguage(ctx context.Context, id, lang string) error {
	err := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).
		Updates(map[string]any{"language": lang, "updated_at": time.Now()}).Error
	if err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return nil
}
