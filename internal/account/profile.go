package account

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/i18n"
	mailq "takumi/internal/mail"
)

// ProfileInput is what a person may change on their account page. Optional
// fields are "" when left empty.
type ProfileInput struct {
	DisplayName    string
	PrefectureCode string
	IndustryCode   string
	Segment        string
	BirthYear      string // optional
	Gender         string // optional; "" means "unspecified"
	Language       string // ja or en
}

// UpdateProfile validates and saves the person's profile with the same rules
// as sign-up, and audits "account.profile_updated" with the names (never the
// values) of the fields that changed. Errors: invalid (per field), not_found.
func (s *Service) UpdateProfile(ctx context.Context, userID string, in ProfileInput, ip string) error {
	errs := map[string]string{}
	pf, err := s.checkProfile(ctx, profileInput{in.DisplayName, in.PrefectureCode, in.IndustryCode, in.Segment, in.BirthYear, in.Gender}, errs)
	if err != nil {
		return err
	}
	name, pref, ind, seg, birthYear, gender := pf.DisplayName, pf.PrefectureCode, pf.IndustryCode, pf.Segment, pf.BirthYear, pf.Gender
	lang := strings.TrimSpace(in.Language)
	if !i18n.Supported(lang) {
		errs["language"] = "account.err_language_invalid"
	}
	if len(errs) > 0 {
		return apperr.FieldErrors(errs)
	}

	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := byID(ctx, tx, userID)
		if err != nil {
			return err
		}
		var changed []string
		if u.DisplayName != name {
			changed = append(changed, "display_name")
		}
		if profileStr(u.PrefectureCode) != pref {
			changed = append(changed, "prefecture")
		}
		if profileStr(u.IndustryCode) != ind {
			changed = append(changed, "industry")
		}
		if profileStr(u.Segment) != seg {
			changed = append(changed, "segment")
		}
		if (u.BirthYear == nil) != (birthYear == nil) || (u.BirthYear != nil && *u.BirthYear != *birthYear) {
			changed = append(changed, "birth_year")
		}
		if u.Gender != gender {
			changed = append(changed, "gender")
		}
		if u.Language != lang {
			changed = append(changed, "language")
		}
		if len(changed) == 0 {
			return nil
		}
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"display_name": name, "prefecture_code": pref, "industry_code": ind, "segment": seg,
			"birth_year": birthYear, "gender": gender, "language": lang, "updated_at": s.now(),
		}).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: userID, Action: "account.profile_updated",
			TargetType: "user", TargetID: userID, IP: ip, Details: map[string]any{"fields": changed}})
	})
	return apperr.Coded(err)
}

// ChangePassword replaces the person's password after checking the current
// one, raises session_version (which ends every other session) and returns
// the new version for the caller to keep its own session signed in. An email
// tells the person their password changed. Errors: invalid (per field:
// current_password, new_password, confirm_password), not_found.
func (s *Service) ChangePassword(ctx context.Context, userID, current, newPassword, confirm, ip string) (int, error) {
	u, err := byID(ctx, s.db, userID)
	if err != nil {
		return 0, err
	}
	errs := map[string]string{}
	if k := NewPasswordProblem(newPassword, u.Email); k != "" {
		errs["new_password"] = k
	} else if confirm != newPassword {
		errs["confirm_password"] = "signup.err_password_mismatch"
	}
	if current == "" {
		errs["current_password"] = "account.password_current_required"
	}
	if len(errs) > 0 {
		return 0, apperr.FieldErrors(errs)
	}
	if err := s.recheckPassword(ctx, userID, current, "current_password", ip); err != nil {
		return 0, err
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return 0, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	var version int
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// SECURITY: raising session_version signs out every other session.
		if err := tx.Raw(`UPDATE users SET password_hash = ?, session_version = session_version + 1,
			failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ? RETURNING session_version`,
			hash, s.now(), userID).Scan(&version).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: userID, Action: "account.password_changed",
			TargetType: "user", TargetID: userID, IP: ip}); err != nil {
			return err
		}
		l := s.catalog.For(u.Language)
		return s.mail.EnqueueTx(ctx, tx, mailq.Message{To: u.Email,
			Subject: l.T("account.mail_password_changed_subject"),
			Body:    l.T("account.mail_password_changed_body", u.DisplayName, s.settings.BaseURL+"/password/forgot")})
	})
	if err != nil {
		return 0, apperr.Coded(err)
	}
	return version, nil
}

func profileStr(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}
