package account

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/emailaddr"
	"takumi/internal/i18n"
	mailq "takumi/internal/mail"
)

// Password length limits. The upper bound keeps argon2id work bounded.
const (
	PasswordMinLength = 10
	PasswordMaxLength = 128
)

// Youngest age at sign-up, for the birth-year range.
const minSignupAge = 15

// RefItem is one row of reference data (a prefecture or an industry) with
// its names in both languages.
type RefItem struct {
	Code   string
	NameJA string
	NameEN string
}

// Prefectures lists the 47 prefectures in JIS X 0401 order.
func (s *Service) Prefectures(ctx context.Context) ([]RefItem, error) {
	return refItems(ctx, s.db, "prefectures")
}

// Industries lists the JSIC industry divisions A–T.
func (s *Service) Industries(ctx context.Context) ([]RefItem, error) {
	return refItems(ctx, s.db, "industries")
}

// refItems reads a reference table. table is one of two literals above,
// never user input (Table does not escape).
func refItems(ctx context.Context, db *gorm.DB, table string) ([]RefItem, error) {
	var out []RefItem
	// SELECT code, name_ja, name_en FROM <table> ORDER BY code
	if err := db.WithContext(ctx).Table(table).Select("code, name_ja, name_en").Order("code").Scan(&out).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	for i := range out {
		out[i].Code = strings.TrimSpace(out[i].Code)
	}
	return out, nil
}

// refExists reports whether code is in the reference table (a literal).
func refExists(ctx context.Context, db *gorm.DB, table, code string) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Table(table).Where("code = ?", code).Count(&n).Error; err != nil {
		return false, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return n > 0, nil
}

// RegisterInput is what a person fills in to sign up. Optional fields are
// "" when left empty.
type RegisterInput struct {
	Email           string
	Password        string
	PasswordConfirm string
	DisplayName     string
	PrefectureCode  string
	IndustryCode    string
	Segment         string
	BirthYear       string // optional
	Gender          string // optional; "" means "unspecified"
	Consent         bool   // agreed to the privacy notice
	Language        string // the page language; saved as the account's language
	IP              string // client address, for the audit log
}

// EmailProblem returns the message key of what is wrong with an email
// address, or "" when it is acceptable (emailaddr.Valid: the one rule that
// invitations and bulk enrolment apply too).
func EmailProblem(email string) string {
	email = NormalizeEmail(email)
	if email == "" {
		return "signup.err_email_required"
	}
	if !emailaddr.Valid(email) {
		return "signup.err_email_invalid"
	}
	return ""
}

// NewPasswordProblem returns the message key of what is wrong with a new
// password for the account with email, or "" when it is acceptable.
func NewPasswordProblem(password, email string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return "signup.err_password_required"
	case n < PasswordMinLength:
		return "signup.err_password_short"
	case n > PasswordMaxLength:
		return "signup.err_password_long"
	case email != "" && strings.EqualFold(strings.TrimSpace(password), NormalizeEmail(email)):
		return "signup.err_password_is_email"
	}
	return ""
}

// DisplayNameProblem returns the message key of what is wrong with a
// display name, or "" when it is acceptable.
func DisplayNameProblem(name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "signup.err_display_name_required"
	case utf8.RuneCountInString(name) > 100:
		return "signup.err_display_name_long"
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "signup.err_display_name_invalid"
	}
	return ""
}

// validate checks every field of in and returns the cleaned values, or an
// Invalid error naming each field's problem.
func (s *Service) validateRegistration(ctx context.Context, in *RegisterInput) (*User, error) {
	errs := map[string]string{}
	email := NormalizeEmail(in.Email)
	if k := EmailProblem(email); k != "" {
		errs["email"] = k
	}
	if k := NewPasswordProblem(in.Password, email); k != "" {
		errs["password"] = k
	} else if in.PasswordConfirm != in.Password {
		errs["password_confirm"] = "signup.err_password_mismatch"
	}
	pf, err := s.checkProfile(ctx, profileInput{in.DisplayName, in.PrefectureCode, in.IndustryCode, in.Segment, in.BirthYear, in.Gender}, errs)
	if err != nil {
		return nil, err
	}
	if !in.Consent {
		errs["consent"] = "signup.err_consent_required"
	}
	if len(errs) > 0 {
		return nil, apperr.FieldErrors(errs)
	}
	lang := in.Language
	if !i18n.Supported(lang) {
		lang = i18n.Default
	}
	now := s.now()
	return &User{
		Email:                email,
		DisplayName:          pf.DisplayName,
		PrefectureCode:       &pf.PrefectureCode,
		IndustryCode:         &pf.IndustryCode,
		Segment:              &pf.Segment,
		BirthYear:            pf.BirthYear,
		Gender:               pf.Gender,
		Language:             lang,
		PrivacyNoticeVersion: PrivacyNoticeVersion,
		ConsentedAt:          now,
		SessionVersion:       1,
		CreatedAt:            now,
		UpdatedAt:            now,
	}, nil
}

// profileInput holds the profile fields shared by sign-up and the account
// page, as typed.
type profileInput struct {
	DisplayName, PrefectureCode, IndustryCode, Segment, BirthYear, Gender string
}

// profile is a checked profile, ready to store.
type profile struct {
	DisplayName, PrefectureCode, IndustryCode, Segment string
	BirthYear                                          *int
	Gender                                             string
}

// checkProfile applies the profile rules shared by sign-up and the account
// page, adding each field's problem to errs. The error return is only for a
// failed database look-up.
func (s *Service) checkProfile(ctx context.Context, in profileInput, errs map[string]string) (profile, error) {
	p := profile{
		DisplayName:    strings.TrimSpace(in.DisplayName),
		PrefectureCode: strings.TrimSpace(in.PrefectureCode),
		IndustryCode:   strings.TrimSpace(in.IndustryCode),
		Segment:        strings.TrimSpace(in.Segment),
		Gender:         strings.TrimSpace(in.Gender),
	}
	if k := DisplayNameProblem(p.DisplayName); k != "" {
		errs["display_name"] = k
	}
	for _, ref := range []struct{ field, table, code string }{
		{"prefecture", "prefectures", p.PrefectureCode},
		{"industry", "industries", p.IndustryCode},
	} {
		if ref.code == "" {
			errs[ref.field] = "signup.err_" + ref.field + "_required"
			continue
		}
		ok, err := refExists(ctx, s.db, ref.table, ref.code)
		if err != nil {
			return p, err
		}
		if !ok {
			errs[ref.field] = "signup.err_" + ref.field + "_invalid"
		}
	}
	if p.Segment == "" {
		errs["segment"] = "signup.err_segment_required"
	} else if !slices.Contains(Segments, p.Segment) {
		errs["segment"] = "signup.err_segment_invalid"
	}
	if by := strings.TrimSpace(in.BirthYear); by != "" {
		y, err := strconv.Atoi(by)
		if err != nil || y < 1900 || y > s.now().Year()-minSignupAge {
			errs["birth_year"] = "signup.err_birth_year"
		} else {
			p.BirthYear = &y
		}
	}
	if p.Gender == "" {
		p.Gender = "unspecified"
	}
	if !slices.Contains(Genders, p.Gender) {
		errs["gender"] = "signup.err_gender_invalid"
	}
	return p, nil
}

// Register creates an account from a sign-up form, records
// "account.registered" and queues the verification email, all in one
// transaction. Errors: invalid (with per-field keys).
//
// When the email is already registered it returns (nil, nil) after queuing
// a "someone tried to sign up with your address" email to the existing
// account. SECURITY: callers must answer exactly as for a new account, so
// the sign-up form cannot be used to find out who is registered.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*User, error) {
	u, err := s.createAccount(ctx, in, false, nil, func(tx *gorm.DB, u *User) error {
		return s.sendVerification(ctx, tx, u)
	})
	if errors.Is(err, errEmailTaken) {
		return nil, s.warnExistingAccount(ctx, u.Email)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// createAccount validates in, hashes the password and, in one transaction,
// inserts the user (details go to the "account.registered" audit entry)
// and runs then. A taken address is errEmailTaken (with the validated
// user, whose Email is the normalised address), never a database error:
// INSERT ... ON CONFLICT (email) DO NOTHING, so a race between two
// sign-ups cannot fail either. verified marks the address as already
// proven (an invitation link). SECURITY: the password is hashed before the
// email is looked up, so a known address costs the same time as a new one.
func (s *Service) createAccount(ctx context.Context, in RegisterInput, verified bool, details map[string]any, then func(tx *gorm.DB, u *User) error) (*User, error) {
	u, err := s.validateRegistration(ctx, &in)
	if err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	u.PasswordHash = hash
	if verified {
		now := s.now()
		u.EmailVerifiedAt = &now
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "email"}}, DoNothing: true}).Create(u)
		if res.Error != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", res.Error)
		}
		if res.RowsAffected == 0 {
			return errEmailTaken
		}
		if err := audit.Record(ctx, tx, audit.Entry{
			ActorID: u.ID, Action: "account.registered", TargetType: "user", TargetID: u.ID, IP: in.IP, Details: details,
		}); err != nil {
			return err
		}
		if then == nil {
			return nil
		}
		return then(tx, u)
	})
	if errors.Is(err, errEmailTaken) {
		return u, err
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

var errEmailTaken = errors.New("email taken")

// KeyInvitedEmailTaken refuses an invitation sign-up for an address that
// already has an account (the person signs in and accepts instead).
const KeyInvitedEmailTaken = "signup.err_invited_email_taken"

// RegisterInvited creates the account of a person who followed an
// invitation link sent to in.Email (the caller takes the address from the
// invitation, never from the form). The address counts as verified: the
// link proves the person reads that mailbox, as a verification link would,
// so no second email is sent. Errors: invalid (form fields, as Register),
// conflict KeyInvitedEmailTaken (the address has an account; only the
// holder of the invitation link learns it).
func (s *Service) RegisterInvited(ctx context.Context, in RegisterInput) (*User, error) {
	u, err := s.createAccount(ctx, in, true, map[string]any{"via": "invitation"}, nil)
	if errors.Is(err, errEmailTaken) {
		return nil, apperr.New(apperr.Conflict, KeyInvitedEmailTaken)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// warnExistingAccount tells the owner of email that someone tried to sign
// up with their address, with links to sign in and to reset the password.
func (s *Service) warnExistingAccount(ctx context.Context, email string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		existing, err := byEmail(ctx, tx, email)
		if err != nil {
			return err
		}
		l := s.catalog.For(existing.Language)
		return s.mail.EnqueueTx(ctx, tx, mailq.Message{
			To:      existing.Email,
			Subject: l.T("signup.mail_exists_subject"),
			Body: l.T("signup.mail_exists_body", existing.DisplayName,
				s.settings.BaseURL+"/login", s.settings.BaseURL+"/password/forgot"),
		})
	})
}

// sendVerification issues a verify_email token for u and queues the email
// with its link, inside tx.
func (s *Service) sendVerification(ctx context.Context, tx *gorm.DB, u *User) error {
	token, err := s.issueToken(ctx, tx, u.ID, PurposeVerifyEmail)
	if err != nil {
		return err
	}
	l := s.catalog.For(u.Language)
	return s.mail.EnqueueTx(ctx, tx, mailq.Message{
		To:      u.Email,
		Subject: l.T("signup.mail_verify_subject"),
		Body: l.T("signup.mail_verify_body", u.DisplayName,
			s.settings.BaseURL+"/verify-email?token="+token, int(VerifyEmailTTL.Hours())),
	})
}

// VerifyEmail uses a verify_email link: it marks the address verified and
// the token used, and records "account.email_verified". Errors: not_found
// (KeyTokenInvalid), conflict (KeyTokenExpired, KeyTokenUsed).
func (s *Service) VerifyEmail(ctx context.Context, token, ip string) (*User, error) {
	var u *User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := s.findToken(ctx, tx, token, PurposeVerifyEmail, true)
		if err != nil {
			return err
		}
		if err := s.markTokenUsed(ctx, tx, t); err != nil {
			return err
		}
		now := s.now()
		// UPDATE users SET email_verified_at = COALESCE(email_verified_at, now) ...
		if err := tx.Model(&User{}).Where("id = ?", t.UserID).Updates(map[string]any{
			"email_verified_at": gorm.Expr("COALESCE(email_verified_at, ?)", now), "updated_at": now,
		}).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if err := audit.Record(ctx, tx, audit.Entry{
			ActorID: t.UserID, Action: "account.email_verified", TargetType: "user", TargetID: t.UserID, IP: ip,
		}); err != nil {
			return err
		}
		u, err = byID(ctx, tx, t.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ResendVerification sends a new verification link when email belongs to
// an enabled account that is not yet verified and fewer than
// EmailTokensPerHour links were sent to it in the last hour. In every other
// case it does nothing and still returns nil. SECURITY: the answer never
// tells whether an account exists (no enumeration), and the limit stops the
// form being used to flood someone's mailbox.
func (s *Service) ResendVerification(ctx context.Context, email string) error {
	email = NormalizeEmail(email)
	if EmailProblem(email) != "" {
		return nil
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := lockUserByEmail(ctx, tx, email)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if u.EmailVerifiedAt != nil || u.Disabled() {
			return nil
		}
		n, err := s.tokensSentLastHour(ctx, tx, u.ID, PurposeVerifyEmail)
		if err != nil || n >= EmailTokensPerHour {
			return err
		}
		return s.sendVerification(ctx, tx, u)
	})
}

// lockUserByEmail reads a user and locks the row until tx ends, so
// concurrent requests count sent links one at a time.
func lockUserByEmail(ctx context.Context, tx *gorm.DB, email string) (*User, error) {
	var u User
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("email = ?", NormalizeEmail(email)).Take(&u).Error
	return notFound(&u, err)
}
