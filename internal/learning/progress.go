package learning

import (
	"context"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
)

// publishedContent returns the content of the course's current published
// revision and its number (learners follow the latest publication;
// progress is kept per lesson id, so lessons that remain keep their
// progress), the content from memory: the number of the course's
// published revision is read in tx (so a new
// publication is seen at once), its content from the ContentCache (read
// in tx when not there). The content is shared: read-only.
func publishedContent(ctx context.Context, tx *gorm.DB, contents *catalog.ContentCache, courseID string) (*catalog.Content, int, error) {
	var rows []struct{ PublishedRevision *int }
	if err := tx.WithContext(ctx).Raw(`SELECT published_revision FROM courses WHERE id = ?`, courseID).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	if len(rows) == 0 || rows[0].PublishedRevision == nil {
		return &catalog.Content{}, 0, nil
	}
	content, err := contents.Revision(ctx, tx, courseID, *rows[0].PublishedRevision)
	if apperr.Is(err, apperr.NotFound) {
		return &catalog.Content{}, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return content, *rows[0].PublishedRevision, nil
}

// RecomputeProgress derives an enrolment's progress from its lesson
// progress and the course's completion rule (required lessons; a quiz that
// must be passed counts once passed), stores the percentage and the next
// lesson, and completes the enrolment — once — when every required lesson
// is done, appending "course_completed" in the same transaction. tx must be
// the caller's transaction.
func RecomputeProgress(ctx context.Context, tx *gorm.DB, enrolmentID string, now time.Time) error {
	_, err := recomputeProgress(ctx, tx, nil, enrolmentID, now)
	return err
}

// CompletionHook runs inside the transaction that completes an enrolment
// (the credential service issues the credential there, so a completion and
// its credential commit or roll back together).
type CompletionHook func(ctx context.Context, tx *gorm.DB, e Enrolment, at time.Time) error

// OnCompletion sets the hook run when an enrolment completes.
func (s *Service) OnCompletion(h CompletionHook) { s.onComplete = h }

// LessonHook runs inside the transaction that completes a lesson (the
// integration API's lesson.completed webhook, issue 19).
type LessonHook func(ctx context.Context, tx *gorm.DB, e Enrolment, lessonID string, at time.Time) error

// OnLessonCompletion sets the hook run when a lesson is completed, once per
// lesson and enrolment.
func (s *Service) OnLessonCompletion(h LessonHook) { s.onLesson = h }

// lessonDone runs the lesson hook, when one is set.
func (s *Service) lessonDone(ctx context.Context, tx *gorm.DB, e Enrolment, lessonID string, at time.Time) error {
	if s.onLesson == nil {
		return nil
	}
	return s.onLesson(ctx, tx, e, lessonID, at)
}

// recompute is RecomputeProgress followed by the completion hook when the
// enrolment completed. Every service path that can complete an enrolment
// calls it.
func (s *Service) recompute(ctx context.Context, tx *gorm.DB, enrolmentID string, now time.Time) error {
	done, err := recomputeProgress(ctx, tx, s.contents, enrolmentID, now)
	if err != nil || done == nil || s.onComplete == nil {
		return err
	}
	return s.onComplete(ctx, tx, *done, now)
}

// recomputeProgress does RecomputeProgress's work and returns the enrolment
// when this call completed it. contents may be nil (no cache).
func recomputeProgress(ctx context.Context, tx *gorm.DB, contents *catalog.ContentCache, enrolmentID string, now time.Time) (*Enrolment, error) {
	var e Enrolment
	if err := tx.WithContext(ctx).Where("id = ?", enrolmentID).Take(&e).Error; err != nil {
		return nil, err
	}
	content, revision, err := publishedContent(ctx, tx, contents, e.CourseID)
	if err != nil {
		return nil, err
	}
	var done []string
	if err := tx.WithContext(ctx).Raw(`SELECT lesson_id FROM lesson_progress WHERE enrolment_id = ? AND completed_at IS NOT NULL`,
		e.ID).Scan(&done).Error; err != nil {
		return nil, err
	}
	doneSet := make(map[string]bool, len(done))
	for _, id := range done {
		doneSet[id] = true
	}
	required, requiredDone := 0, 0
	var next *string
	for _, m := range content.Modules {
		for _, l := range m.Lessons {
			if l.Required {
				required++
				if doneSet[l.ID] {
					requiredDone++
				}
			}
			if next == nil && !doneSet[l.ID] {
				id := l.ID
				next = &id
			}
		}
	}
	percent := 0
	if required > 0 {
		percent = requiredDone * 100 / required
	}
	updates := map[string]any{"progress_percent": percent, "next_lesson_id": next}
	completes := e.Status == StatusActive && required > 0 && requiredDone == required
	if completes {
		updates["status"] = StatusCompleted
		updates["completed_at"] = now
	}
	if !completes {
		return nil, tx.WithContext(ctx).Model(&Enrolment{}).Where("id = ?", e.ID).Updates(updates).Error
	}
	// Completing is conditional on the enrolment still being active: when
	// two transactions race to complete it, the second waits for the first
	// and then matches no row, so completion (and its credential) happen
	// exactly once.
	res := tx.WithContext(ctx).Model(&Enrolment{}).Where("id = ? AND status = ?", e.ID, StatusActive).Updates(updates)
	if res.Error != nil || res.RowsAffected == 0 {
		return nil, res.Error
	}
	if err := AppendEvent(ctx, tx, Event{Type: EventCourseCompleted, UserID: e.UserID, EnrolmentID: e.ID,
		CourseID: e.CourseID, CohortID: deref(e.CohortID), OrgID: deref(e.OrgID), At: now,
		Details: map[string]any{"revision": revision, "enrolled_at": e.EnrolledAt.UTC().Format(time.RFC3339)}}); err != nil {
		return nil, err
	}
	e.Status, e.CompletedAt = StatusCompleted, &now
	return &e, nil
}
