package learning

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/mail"
)

// EnrolCohort enrols the learner in a session of a published cohort-based
// course. A seat is taken with one conditional UPDATE (seats_taken <
// capacity), so concurrent requests can never overbook; when the session is
// full the learner joins its waitlist, in arrival order (a sequence). Events
// "enrolled" and "seat_taken" or "waitlisted" are appended in the same
// transaction. Errors: not_found (course or session), conflict
// ("learning.err_already_enrolled", "learning.err_deadline_passed",
// "learning.err_self_paced").
func (s *Service) EnrolCohort(ctx context.Context, l Learner, courseID, cohortID string) (*Enrolment, error) {
	return s.enrolCohort(ctx, s.db, l.UserID, courseID, cohortID, "")
}

func (s *Service) enrolCohort(ctx context.Context, db *gorm.DB, userID, courseID, cohortID, orgID string) (*Enrolment, error) {
	if !validID(courseID, cohortID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var e *Enrolment
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := publishedCourse(ctx, tx, courseID)
		if err != nil {
			return err
		}
		if c.DeliveryMode == nil || *c.DeliveryMode != catalog.DeliveryCohort {
			return apperr.New(apperr.Conflict, "learning.err_self_paced")
		}
		var open struct {
			Exists bool
			Open   bool
		}
		if err := tx.Raw(`SELECT true AS exists, enrol_deadline > now() AS open FROM cohorts WHERE id = ? AND course_id = ?`,
			cohortID, c.ID).Scan(&open).Error; err != nil && !isInvalidUUID(err) {
			return err
		}
		if !open.Exists {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if !open.Open {
			return apperr.New(apperr.Conflict, "learning.err_deadline_passed")
		}
		now := s.now()
		// SECURITY/integrity: the only way a seat is taken.
		res := tx.Exec(`UPDATE cohorts SET seats_taken = seats_taken + 1 WHERE id = ? AND seats_taken < capacity`, cohortID)
		if res.Error != nil {
			return res.Error
		}
		en := Enrolment{UserID: userID, CourseID: c.ID, CohortID: &cohortID, EnrolledAt: now}
		if orgID != "" {
			en.OrgID = &orgID
		}
		seated := res.RowsAffected == 1
		if seated {
			en.Status = StatusActive
		} else {
			var pos int64
			if err := tx.Raw("SELECT nextval('waitlist_order')").Row().Scan(&pos); err != nil {
				return err
			}
			en.Status, en.WaitlistPos = StatusWaitlisted, &pos
		}
		e, err = insertEnrolment(ctx, tx, en)
		if err != nil {
			return err
		}
		if err := AppendEvent(ctx, tx, Event{Type: EventEnrolled, UserID: userID, EnrolmentID: e.ID, CourseID: c.ID, CohortID: cohortID, OrgID: orgID}); err != nil {
			return err
		}
		ev := EventWaitlisted
		if seated {
			ev = EventSeatTaken
		}
		if err := AppendEvent(ctx, tx, Event{Type: ev, UserID: userID, EnrolmentID: e.ID, CourseID: c.ID, CohortID: cohortID, OrgID: orgID}); err != nil {
			return err
		}
		if seated {
			return s.recompute(ctx, tx, e.ID, now)
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return e, nil
}

// releaseSeat is called in the transaction that frees a seat of cohortID: the
// first person on the waitlist (arrival order) takes it and is emailed;
// when nobody waits, the seat count goes down.
func (s *Service) releaseSeat(ctx context.Context, tx *gorm.DB, cohortID string) error {
	var next Enrolment
	err := tx.WithContext(ctx).Raw(`SELECT * FROM enrolments WHERE cohort_id = ? AND status = 'waitlisted'
		ORDER BY waitlist_pos LIMIT 1 FOR UPDATE SKIP LOCKED`, cohortID).Scan(&next).Error
	if err != nil {
		return err
	}
	if next.ID == "" {
		return tx.Exec(`UPDATE cohorts SET seats_taken = seats_taken - 1 WHERE id = ? AND seats_taken > 0`, cohortID).Error
	}
	now := s.now()
	if err := tx.Model(&Enrolment{}).Where("id = ?", next.ID).
		Updates(map[string]any{"status": StatusActive, "waitlist_pos": nil}).Error; err != nil {
		return err
	}
	if err := AppendEvent(ctx, tx, Event{Type: EventSeatTaken, UserID: next.UserID, EnrolmentID: next.ID, CourseID: next.CourseID,
		CohortID: cohortID, OrgID: deref(next.OrgID), Details: map[string]any{"from_waitlist": true}}); err != nil {
		return err
	}
	if err := s.recompute(ctx, tx, next.ID, now); err != nil {
		return err
	}
	return s.mailSeatOffered(ctx, tx, next.UserID, next.CourseID, cohortID)
}

// mailSeatOffered tells a promoted learner, in their language, that they
// now have a seat.
func (s *Service) mailSeatOffered(ctx context.Context, tx *gorm.DB, userID, courseID, cohortID string) error {
	if s.mail == nil {
		return nil
	}
	var info struct {
		Email, Language, DisplayName string
		TitleJa, TitleEn             string
		CohortJa, CohortEn           string
		StartsOn                     string
	}
	err := tx.WithContext(ctx).Raw(`SELECT u.email, u.language, u.display_name, c.title_ja, c.title_en,
			h.name_ja AS cohort_ja, h.name_en AS cohort_en, to_char(h.starts_on, 'YYYY-MM-DD') AS starts_on
		FROM users u, courses c, cohorts h WHERE u.id = ? AND c.id = ? AND h.id = ?`, userID, courseID, cohortID).Scan(&info).Error
	if err != nil {
		return err
	}
	if info.Email == "" {
		return errors.New("promoted learner not found")
	}
	l := s.messages.For(info.Language)
	title := l.Pick(info.TitleJa, info.TitleEn)
	body := l.T("learning.mail_seat_body", info.DisplayName, title, l.Pick(info.CohortJa, info.CohortEn), info.StartsOn,
		strings.TrimRight(s.baseURL, "/")+"/learn")
	return s.mail.EnqueueTx(ctx, tx, mail.Message{To: info.Email, Subject: l.T("learning.mail_seat_subject", title), Body: body})
}
