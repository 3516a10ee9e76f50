package account

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
)

// Two-factor sign-in uses standard TOTP (RFC 6238) as authenticator apps
// expect: 30-second steps, 6 digits, HMAC-SHA1.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	// totpSkew accepts the previous and next step too, for clock drift.
	totpSkew = 1
	// recoveryCodeCount is how many recovery codes a person gets at once.
	recoveryCodeCount = 10
	totpIssuer        = "Takumi"
)

var (
	errStepUsed       = errors.New("totp step already used")
	errNoRecoveryCode = errors.New("no unused recovery code matches")
)

// TOTPSetup is a newly generated, not yet confirmed two-factor secret.
type TOTPSetup struct {
	Secret string // base32, for typing into an authenticator app
	URI    string // otpauth:// URI, the content of the QR code
}

// NewTOTPSetup generates a fresh secret for email's authenticator app. It
// stores nothing: the caller keeps the secret (in the session) until the
// person confirms it with ConfirmTOTP.
func NewTOTPSetup(email string) (*TOTPSetup, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: email,
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &TOTPSetup{Secret: key.Secret(), URI: key.URL()}, nil
}

// SetupFor rebuilds the set-up details of a pending secret.
func SetupFor(email, secret string) *TOTPSetup {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: email, Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, Secret: decodeSecret(secret)})
	if err != nil || key.Secret() != secret {
		return nil
	}
	return &TOTPSetup{Secret: secret, URI: key.URL()}
}

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

func decodeSecret(secret string) []byte {
	b, err := base32NoPad.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return nil
	}
	return b
}

// QRCodeDataURI returns the set-up's QR code as a PNG data: URI for an <img>.
func (t *TOTPSetup) QRCodeDataURI() (string, error) {
	key, err := otp.NewKeyFromURL(t.URI)
	if err != nil {
		return "", apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// ConfirmTOTP turns two-factor sign-in on with secret once code proves the
// person's app holds it, and returns 10 new recovery codes (shown once; only
// their SHA-256 is stored). Errors: invalid (code wrong), conflict (already
// on), not_found.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, secret, code, ip string) ([]string, error) {
	code = normalizeCode(code)
	if !isTOTPCode(code) {
		return nil, apperr.FieldErrors(map[string]string{"code": "twofactor.code_invalid"})
	}
	step, ok := matchTOTPStep(secret, code, s.now(), 0)
	if !ok {
		return nil, apperr.FieldErrors(map[string]string{"code": "twofactor.code_invalid"})
	}
	var codes []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ? AND totp_enabled_at IS NULL", userID).Updates(map[string]any{
			"totp_secret": secret, "totp_enabled_at": s.now(), "totp_last_step": step, "updated_at": s.now(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "twofactor.already_enabled")
		}
		var err error
		if codes, err = replaceRecoveryCodes(ctx, tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: userID, Action: "account.totp_enabled",
			TargetType: "user", TargetID: userID, IP: ip})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return codes, nil
}

// DisableTOTP turns two-factor sign-in off after checking the password.
// mandatory is true when the person's roles require two-factor sign-in; it
// is then refused. Errors: forbidden (mandatory), invalid (wrong password),
// not_found.
func (s *Service) DisableTOTP(ctx context.Context, userID, password, ip string, mandatory bool) error {
	// SECURITY: privileged roles must keep two-factor sign-in on.
	if mandatory {
		return apperr.New(apperr.Forbidden, "twofactor.required_for_role")
	}
	if err := s.recheckPassword(ctx, userID, password, "disable_password", ip); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"totp_secret": nil, "totp_enabled_at": nil, "updated_at": s.now(),
		}).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM recovery_codes WHERE user_id = ?", userID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: userID, Action: "account.totp_disabled",
			TargetType: "user", TargetID: userID, IP: ip})
	})
	return apperr.Coded(err)
}

// RegenerateRecoveryCodes replaces the person's recovery codes after
// checking the password and returns the new ones. Errors: invalid (wrong
// password), conflict (two-factor not on), not_found.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, userID, password, ip string) ([]string, error) {
	if err := s.recheckPassword(ctx, userID, password, "recovery_password", ip); err != nil {
		return nil, err
	}
	var codes []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := byID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !u.TOTPEnabled() {
			return apperr.New(apperr.Conflict, "twofactor.not_enabled")
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: userID, Action: "account.recovery_codes_regenerated",
			TargetType: "user", TargetID: userID, IP: ip})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return codes, nil
}

// UnusedRecoveryCodes counts the person's recovery codes not yet used.
func (s *Service) UnusedRecoveryCodes(ctx context.Context, userID string) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", userID).Scan(&n).Error
	if err != nil {
		return 0, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return int(n), nil
}

// recheckPassword confirms a signed-in person's password before a sensitive
// change; field names the form field for the error. SECURITY: a wrong
// password counts as a failed sign-in, so someone holding a stolen session
// cannot guess the password without limit, and a locked account is refused.
func (s *Service) recheckPassword(ctx context.Context, userID, password, field, ip string) error {
	u, err := byID(ctx, s.db, userID)
	if err != nil {
		return err
	}
	if password == "" {
		return apperr.FieldErrors(map[string]string{field: "account.password_current_required"})
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if err := s.backoff(ctx, u.Email, ip); err != nil {
		return apperr.FieldErrors(map[string]string{field: "account.password_locked"})
	}
	if !ok {
		if err := s.registerFailure(ctx, u, 0, ip, "bad_password_recheck"); err != nil {
			return err
		}
		return apperr.FieldErrors(map[string]string{field: "account.password_current_wrong"})
	}
	return nil
}

// matchTOTPStep finds the time step (now−1 … now+1) whose code is code and
// that is later than lastStep. SECURITY: a code whose step was already used
// is refused, so a code seen over someone's shoulder cannot be replayed.
func matchTOTPStep(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	current := now.Unix() / totpPeriod
	for step := current - totpSkew; step <= current+totpSkew; step++ {
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0),
			totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// claimTOTPStep stores step as the last used one, only if it is newer:
// of two concurrent sign-ins with the same code only one updates the row.
func claimTOTPStep(ctx context.Context, tx *gorm.DB, userID string, step int64) error {
	res := tx.WithContext(ctx).Exec("UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", step, userID, step)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errStepUsed
	}
	return nil
}

// normalizeCode removes spaces and hyphens people type or paste, and lowers
// the case of recovery codes.
func normalizeCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\u3000", "").Replace(strings.TrimSpace(code)))
}

func isTOTPCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// recoveryAlphabet leaves out characters that are easily confused (0/o, 1/l).
const recoveryAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// newRecoveryCode returns a random code shaped xxxx-xxxx (40 bits).
func newRecoveryCode() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, recoveryAlphabet[int(c)%len(recoveryAlphabet)])
	}
	return string(out), nil
}

func hashRecoveryCode(normalized string) []byte {
	h := sha256.Sum256([]byte(normalized))
	return h[:]
}

// replaceRecoveryCodes deletes the person's recovery codes and stores 10 new
// ones, returning them in clear (the only time they exist in clear).
func replaceRecoveryCodes(ctx context.Context, tx *gorm.DB, userID string) ([]string, error) {
	tx = tx.WithContext(ctx)
	if err := tx.Exec("DELETE FROM recovery_codes WHERE user_id = ?", userID).Error; err != nil {
		return nil, err
	}
	codes := make([]string, 0, recoveryCodeCount)
	for range recoveryCodeCount {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		if err := tx.Exec("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userID, hashRecoveryCode(normalizeCode(c))).Error; err != nil {
			return nil, err
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// useRecoveryCode marks the matching unused recovery code used and returns
// its id. The UPDATE ... WHERE used_at IS NULL makes each code work once even
// under concurrent sign-ins.
func useRecoveryCode(ctx context.Context, tx *gorm.DB, userID, normalized string) (int64, error) {
	var id int64
	res := tx.WithContext(ctx).Raw(`UPDATE recovery_codes SET used_at = now()
		WHERE id = (SELECT id FROM recovery_codes WHERE user_id = ? AND code_hash = ? AND used_at IS NULL LIMIT 1)
		  AND used_at IS NULL
		RETURNING id`, userID, hashRecoveryCode(normalized)).Scan(&id)
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected == 0 || id == 0 {
		return 0, errNoRecoveryCode
	}
	return id, nil
}
