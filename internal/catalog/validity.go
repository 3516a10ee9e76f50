package catalog

import (
	"context"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
)

// A course's credential validity (courses.credential_valid_months) is a
// column of the course, not part of its revision content. The other
// details are saved into the open draft and reach the course row only when
// it is published (project); validity is different: it is a rule of
// issuing, read by the credential service at each completion, not what the
// course teaches. So the studio's details form writes it straight to the
// course row when saved, it takes effect for credentials issued from then
// on (those already issued keep their validUntil), and it is neither
// versioned with revisions nor exported with the content.

// CourseValidity returns how many months the credential of a course the
// actor authors stays valid (nil: no expiry). Errors: not_found.
func (s *Service) CourseValidity(ctx context.Context, a Actor, courseID string) (*int, error) {
	c, err := s.Course(ctx, a, courseID)
	if err != nil {
		return nil, err
	}
	var row struct{ CredentialValidMonths *int }
	if err := s.db.WithContext(ctx).Raw(`SELECT credential_valid_months FROM courses WHERE id = ?`, c.ID).Scan(&row).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return row.CredentialValidMonths, nil
}

// SetCourseValidity sets how many months the credentials of a course
// issued from now on stay valid (nil: no expiry) and audits
// "course.validity_changed" when the value changes. Errors: not_found
// (not an editor of the course's provider), invalid (field
// "credential_valid_months").
func (s *Service) SetCourseValidity(ctx context.Context, a Actor, courseID string, months *int) error {
	if k := ValidityProblem(months); k != "" {
		return apperr.FieldErrors(map[string]string{"credential_valid_months": k})
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := courseByID(ctx, tx, courseID, true)
		if err != nil {
			return err
		}
		if err := requireEditor(ctx, tx, a, c.ProviderID); err != nil {
			return err
		}
		var row struct{ CredentialValidMonths *int }
		if err := tx.Raw(`SELECT credential_valid_months FROM courses WHERE id = ?`, c.ID).Scan(&row).Error; err != nil {
			return err
		}
		if sameMonths(row.CredentialValidMonths, months) {
			return nil
		}
		if err := tx.Exec(`UPDATE courses SET credential_valid_months = ?, updated_at = ? WHERE id = ?`, months, s.now(), c.ID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.validity_changed", TargetType: "course",
			TargetID: c.ID, OrgID: c.ProviderID, IP: a.IP, Details: map[string]any{"code": c.Code,
				"from_months": row.CredentialValidMonths, "to_months": months}})
	})
	if err == nil {
		s.changed()
	}
	return apperr.Coded(err)
}

func sameMonths(a, b *int) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
