// Package learning holds what happens when people learn: enrolments (with
// cohorts, seats and the waitlist), lesson progress with time on task
// measured on the server, quiz attempts, completion, bulk enrolment by
// employers, and the append-only learning-event log that national reporting
// consumes. It knows nothing of HTTP.
package learning

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Event types of the learning-event log.
const (
	EventEnrolled        = "enrolled"
	EventWithdrawn       = "withdrawn"
	EventSeatTaken       = "seat_taken"
	EventWaitlisted      = "waitlisted"
	EventLessonCompleted = "lesson_completed"
	EventQuizAttempted   = "quiz_attempted"
	EventCourseCompleted = "course_completed"
	// EventCredentialIssued and EventCredentialRevoked are appended by the
	// credential service; they carry the course whose completion earned
	// the credential (for a learning path, the path's last course).
	EventCredentialIssued  = "credential_issued"
	EventCredentialRevoked = "credential_revoked"
	// SCORM (issue 16, migration 00040): a SCO opened (each launch token
	// handed out), its reported status changed, its score changed. The
	// progress engine counts them only as activity (last_active_at).
	EventScormLaunched      = "scorm_launched"
	EventScormStatusChanged = "scorm_status_changed"
	EventScormScored        = "scorm_scored"
	// EventPartnerCredentialCounted and EventPartnerCredentialRevoked are
	// appended by internal/partner (migration 00043): a partner issuer's
	// credential starts, or stops, counting toward programmes. Their
	// details carry credential_id (the count's own id), their provider_id is
	// the partner issuer and their course_id is NoCourse.
	EventPartnerCredentialCounted = "partner_credential_counted"
	EventPartnerCredentialRevoked = "partner_credential_revoked"
)

// NoCourse is the course_id of an event not about one of Takumi's courses
// (a partner issuer's credential): the nil UUID, which no course has.
const NoCourse = "00000000-0000-0000-0000-000000000000"

// Event is one state change to append to the log.
type Event struct {
	Type        string
	UserID      string
	EnrolmentID string
	CourseID    string
	CohortID    string
	OrgID       string
	LessonID    string
	Details     map[string]any
	At          time.Time // zero: now()
}

// AppendEvent appends e to the learning-event log inside tx, the caller's
// transaction, so the event exists exactly when the change it describes
// does. It copies the dimensions reporting needs as they are at this moment:
// the course's provider and skill area, and the learner's prefecture,
// industry and segment.
func AppendEvent(ctx context.Context, tx *gorm.DB, e Event) error {
	details := "{}"
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return err
		}
		details = string(b)
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	res := tx.WithContext(ctx).Exec(`
		INSERT INTO learning_events (occurred_at, event_type, user_id, enrolment_id, course_id, provider_id, skill_area,
			cohort_id, org_id, prefecture, industry, segment, lesson_id, details)
		SELECT ?, ?, u.id, ?, c.id, c.provider_id,
		       coalesce(c.skill_area_code, r.content->>'skill_area'),
		       ?, ?, u.prefecture_code, u.industry_code, u.segment, ?, ?::jsonb
		FROM users u, courses c
		LEFT JOIN LATERAL (SELECT content FROM course_revisions WHERE course_id = c.id ORDER BY number DESC LIMIT 1) r ON true
		WHERE u.id = ? AND c.id = ?`,
		at, e.Type, nullIfEmpty(e.EnrolmentID), nullIfEmpty(e.CohortID), nullIfEmpty(e.OrgID), nullIfEmpty(e.LessonID),
		details, e.UserID, e.CourseID)
	if res.Error != nil {
		return fmt.Errorf("append learning event: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("append learning event: user %s or course %s not found", e.UserID, e.CourseID)
	}
	return nil
}

// PartnerEvent is a partner credential's event (EventPartnerCredential*).
type PartnerEvent struct {
	Type      string
	UserID    string
	IssuerID  string // the partner issuer: the event's provider_id
	SkillArea string
	Details   map[string]any
	At        time.Time // zero: now()
}

// AppendPartnerEvent appends a partner credential's event to the log inside
// tx, with the learner's prefecture, industry and segment as they are now.
func AppendPartnerEvent(ctx context.Context, tx *gorm.DB, e PartnerEvent) error {
	if e.Type != EventPartnerCredentialCounted && e.Type != EventPartnerCredentialRevoked {
		return fmt.Errorf("append partner event: type %q", e.Type)
	}
	b, err := json.Marshal(e.Details)
	if err != nil {
		return err
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	res := tx.WithContext(ctx).Exec(`
		INSERT INTO learning_events (occurred_at, event_type, user_id, course_id, provider_id, skill_area,
			prefecture, industry, segment, details)
		SELECT ?, ?, u.id, ?, ?, ?, u.prefecture_code, u.industry_code, u.segment, ?::jsonb
		FROM users u WHERE u.id = ?`,
		at, e.Type, NoCourse, e.IssuerID, nullIfEmpty(e.SkillArea), string(b), e.UserID)
	if res.Error != nil {
		return fmt.Errorf("append partner event: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("append partner event: user %s not found", e.UserID)
	}
	return nil
}

// EnsurePartitions creates the monthly partitions of the event log around
// now (idempotent); `takumi serve` calls it at start.
func EnsurePartitions(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Exec("SELECT ensure_learning_event_partitions(1, 3)").Error
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
