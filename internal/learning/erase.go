package learning

import (
	"context"

	"gorm.io/gorm"
)

// EraseLearner is learning's part of deleting an account, inside tx (the
// privacy coordinator's transaction): enrolments still in progress (active
// or waitlisted) are withdrawn, with "withdrawn" events carrying the
// dimensions as they are now (call it before the profile is erased) and
// held cohort seats released to the waitlist; quiz answers and SCORM
// run-time data are erased (scores and statuses kept). Enrolments and learning events stay: they carry only the
// random user id. It returns how many enrolments were withdrawn.
func (s *Service) EraseLearner(ctx context.Context, tx *gorm.DB, userID string) (int, error) {
	var live []Enrolment
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM enrolments WHERE user_id = ? AND status IN ('active', 'waitlisted')
		ORDER BY enrolled_at FOR UPDATE`, userID).Scan(&live).Error; err != nil {
		return 0, err
	}
	now := s.now()
	for _, e := range live {
		if err := tx.WithContext(ctx).Model(&Enrolment{}).Where("id = ?", e.ID).
			Updates(map[string]any{"status": StatusWithdrawn, "withdrawn_at": now, "waitlist_pos": nil}).Error; err != nil {
			return 0, err
		}
		if err := AppendEvent(ctx, tx, Event{Type: EventWithdrawn, UserID: userID, EnrolmentID: e.ID, CourseID: e.CourseID,
			CohortID: deref(e.CohortID), OrgID: deref(e.OrgID), At: now,
			Details: map[string]any{"from": e.Status, "reason": "account_deleted"}}); err != nil {
			return 0, err
		}
		if e.Status == StatusActive && e.CohortID != nil {
			if err := s.releaseSeat(ctx, tx, *e.CohortID); err != nil {
				return 0, err
			}
		}
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE quiz_attempts SET answers = NULL WHERE answers IS NOT NULL
		AND enrolment_id IN (SELECT id FROM enrolments WHERE user_id = ?)`, userID).Error; err != nil {
		return 0, err
	}
	// SCORM run-time data (issue 16): suspend_data, location and the cmi
	// object (interactions) can hold what the learner typed; statuses and
	// scores stay, like quiz scores, and no launch token stays live.
	if err := tx.WithContext(ctx).Exec(`UPDATE scorm_attempts SET cmi = '{}', suspend_data = '', location = '',
		launch_token_hash = NULL, launch_expires_at = NULL
		WHERE enrolment_id IN (SELECT id FROM enrolments WHERE user_id = ?)`, userID).Error; err != nil {
		return 0, err
	}
	return len(live), nil
}
