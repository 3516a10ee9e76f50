package webhook

import (
	"context"
	"time"

	"gorm.io/gorm"

	"takumi/internal/learning"
)

// The events of the second round (issue 19): lesson.completed,
// credential.revoked and bulk.finished. Each is queued inside the
// transaction of the change by a hook the owning domain calls there
// (learning.OnLessonCompletion, credential.OnRevoke, bulkenrol.OnFinished,
// wired in internal/app), so it is sent if and only if the change commits.

// EmitLessonCompletion queues lesson.completed for the organisation that
// made the enrolment (none for a learner's own enrolment, none while the
// person has not consented to the organisation seeing their progress),
// inside tx.
func EmitLessonCompletion(ctx context.Context, tx *gorm.DB, s *Service, e learning.Enrolment, lessonID string, at time.Time) error {
	if e.OrgID == nil || s == nil {
		return nil
	}
	if ok, err := learning.OrgSeesProgress(ctx, tx, *e.OrgID, e.UserID); err != nil || !ok {
		return err
	}
	return s.Emit(ctx, tx, *e.OrgID, EventLessonCompleted, map[string]any{
		"enrolment_id": e.ID, "user_id": e.UserID, "course_id": e.CourseID, "lesson_id": lessonID,
		"completed_at": at.UTC().Format(time.RFC3339)})
}

// Revoked is a credential just revoked, as credential.revoked tells it.
type Revoked struct {
	ID          string
	UserID      string
	ProviderID  string // the issuing provider
	EnrolmentID string // "" for a learning path's credential
	CourseID    string
	PathID      string
	Reason      string
	At          time.Time
}

// EmitRevocation queues credential.revoked, inside tx, for the issuing
// provider and for the organisation that made the enrolment the credential
// was earned in (when the person consents to it seeing their progress),
// once each.
func EmitRevocation(ctx context.Context, tx *gorm.DB, s *Service, r Revoked) error {
	if s == nil {
		return nil
	}
	data := map[string]any{"credential_id": r.ID, "user_id": r.UserID, "reason": r.Reason, "revoked_at": r.At.UTC().Format(time.RFC3339)}
	if r.EnrolmentID != "" {
		data["enrolment_id"] = r.EnrolmentID
	}
	if r.CourseID != "" {
		data["course_id"] = r.CourseID
	}
	if r.PathID != "" {
		data["path_id"] = r.PathID
	}
	var orgs []string
	if r.ProviderID != "" {
		orgs = append(orgs, r.ProviderID)
	}
	if r.EnrolmentID != "" {
		var org *string
		if err := tx.WithContext(ctx).Raw(`SELECT org_id::text FROM enrolments WHERE id = ?`, r.EnrolmentID).Scan(&org).Error; err != nil {
			return err
		}
		if org != nil && *org != r.ProviderID {
			ok, err := learning.OrgSeesProgress(ctx, tx, *org, r.UserID)
			if err != nil {
				return err
			}
			if ok {
				orgs = append(orgs, *org)
			}
		}
	}
	for _, o := range orgs {
		if err := s.Emit(ctx, tx, o, EventCredentialRevoked, data); err != nil {
			return err
		}
	}
	return nil
}

// BulkFinished is a bulk enrolment import that ended, as bulk.finished
// tells it.
type BulkFinished struct {
	ImportID  string
	OrgID     string
	Status    string // "done" or "failed"
	Error     string // the failure's message key, when failed
	Rows      int
	Enrolled  int
	Invited   int
	Unchanged int
	At        time.Time
}

// EmitBulkFinished queues bulk.finished for the organisation of the
// import, inside tx.
func EmitBulkFinished(ctx context.Context, tx *gorm.DB, s *Service, b BulkFinished) error {
	if s == nil {
		return nil
	}
	data := map[string]any{"import_id": b.ImportID, "status": b.Status, "rows": b.Rows, "enrolled": b.Enrolled,
		"invited": b.Invited, "unchanged": b.Unchanged, "finished_at": b.At.UTC().Format(time.RFC3339)}
	if b.Error != "" {
		data["error"] = b.Error
	}
	return s.Emit(ctx, tx, b.OrgID, EventBulkFinished, data)
}
