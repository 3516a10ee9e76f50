package bulkenrol

import (
	"context"
	"strings"
	"takumi/internal/apperr"

	"gorm.io/gorm"
)

// ClaimPending turns the pending enrolments an organisation made for email
// into enrolments of userID, inside tx (the invitation acceptance's
// transaction; org.Service calls it through its accept hook). The ordinary
// rules apply at this moment: a self-paced course enrols; a cohort takes a
// seat or joins the waitlist, and its enrolment deadline must not have
// passed. A course that can no longer be enrolled in (unpublished, deadline
// passed, already enrolled) is skipped without failing the acceptance. The
// pending rows are removed either way.
func (b *Service) ClaimPending(ctx context.Context, tx *gorm.DB, orgID, userID, email string) error {
	var pending []struct {
		CourseID string
		CohortID *string
	}
	if err := tx.WithContext(ctx).Raw(`SELECT course_id, cohort_id FROM pending_enrolments WHERE org_id = ? AND email = ?
		ORDER BY created_at, course_id FOR UPDATE`, orgID, strings.ToLower(email)).Scan(&pending).Error; err != nil {
		return err
	}
	for _, p := range pending {
		var err error
		if p.CohortID != nil {
			_, err = b.learning.EnrolCohortFor(ctx, tx, userID, p.CourseID, *p.CohortID, orgID)
		} else {
			err = tx.WithContext(ctx).Transaction(func(stx *gorm.DB) error {
				return b.learning.EnrolSelfPacedFor(ctx, stx, userID, p.CourseID, orgID)
			})
		}
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
				continue // this course can no longer be enrolled in: skipped
			}
			return err
		}
	}
	return tx.WithContext(ctx).Exec(`DELETE FROM pending_enrolments WHERE org_id = ? AND email = ?`, orgID, strings.ToLower(email)).Error
}

// PendingCourse is a course an organisation enrolled an address in before
// the person had an account.
type PendingCourse struct {
	TitleJa string
	TitleEn *string
}

// Title is the course title in lang (Japanese when there is no English).
func (c PendingCourse) Title(lang string) string {
	if lang == "en" && c.TitleEn != nil && strings.TrimSpace(*c.TitleEn) != "" {
		return *c.TitleEn
	}
	return c.TitleJa
}

// PendingCourses lists the courses orgID enrolled email in that wait for
// the person's account (shown on the invitation page).
func (b *Service) PendingCourses(ctx context.Context, orgID, email string) ([]PendingCourse, error) {
	var out []PendingCourse
	err := b.db.WithContext(ctx).Raw(`SELECT c.title_ja, c.title_en FROM pending_enrolments p JOIN courses c ON c.id = p.course_id
		WHERE p.org_id = ? AND p.email = ? ORDER BY p.created_at, c.title_ja`, orgID, strings.ToLower(email)).Scan(&out).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}
