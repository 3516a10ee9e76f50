package apiclient

import (
	"context"
	"time"

	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/emailaddr"
	"takumi/internal/learning"
	"takumi/internal/org"
	"takumi/internal/sso"
	"takumi/internal/webhook"
)

// Enroller coordinates the API's enrolment writes across the domains that
// own them: account (who has the address), org (membership) and learning
// (the enrolment and its event), in one transaction.
type Enroller struct {
	db       *gorm.DB
	users    *account.Store
	learning *learning.Service
	hooks    *webhook.Service // enrolment.created; nil sends none
}

// NewEnroller returns the coordinator.
func NewEnroller(db *gorm.DB, users *account.Store, l *learning.Service, hooks *webhook.Service) *Enroller {
	return &Enroller{db: db, users: users, learning: l, hooks: hooks}
}

// EnrolByEmail enrols the member of c's organisation with that address in a
// published self-paced course. Errors: invalid (field email
// "api.err_email"), not_found "api.err_not_member" (no member of the
// organisation has that address: invite them first), not_found (course),
// conflict (already enrolled, cohort-based course).
func (e *Enroller) EnrolByEmail(ctx context.Context, c *Caller, email, courseID string) (*learning.OrgEnrolment, error) {
	addr := emailaddr.Normalize(email)
	if !emailaddr.Valid(addr) {
		return nil, apperr.FieldErrors(map[string]string{"email": "api.err_email"})
	}
	u, err := e.users.ByEmail(ctx, addr)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.New(apperr.NotFound, "api.err_not_member")
	}
	if err != nil {
		return nil, err
	}
	return e.enrol(ctx, c, func(*gorm.DB) (string, error) { return u.ID, nil }, courseID)
}

// MaxExternalIDLength is the longest external id the API accepts.
const MaxExternalIDLength = 255

// EnrolByExternalID enrols the member of c's organisation whom its SCIM
// provisioning client gave this externalId (the organisation's employee
// number or HR id) in a published self-paced course. Errors: invalid
// (field external_id "api.err_external_id"), not_found
// "api.err_external_id_unknown" (no active provisioned person has it),
// conflict "api.err_external_id_ambiguous" (two have it), and those of
// EnrolByEmail.
func (e *Enroller) EnrolByExternalID(ctx context.Context, c *Caller, externalID, courseID string) (*learning.OrgEnrolment, error) {
	if externalID == "" || len(externalID) > MaxExternalIDLength {
		return nil, apperr.FieldErrors(map[string]string{"external_id": "api.err_external_id"})
	}
	return e.enrol(ctx, c, func(tx *gorm.DB) (string, error) {
		return sso.UserIDByExternalID(ctx, tx, c.OrgID, externalID)
	}, courseID)
}

// enrol enrols the person who resolves to (inside the transaction) after
// checking they are a member, and queues enrolment.created.
func (e *Enroller) enrol(ctx context.Context, c *Caller, who func(tx *gorm.DB) (string, error), courseID string) (*learning.OrgEnrolment, error) {
	var out *learning.OrgEnrolment
	err := e.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		userID, err := who(tx)
		if err != nil {
			return err
		}
		ok, err := org.IsMember(ctx, tx, c.OrgID, userID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.NotFound, "api.err_not_member")
		}
		out, err = e.learning.EnrolForOrg(ctx, tx, c.OrgID, userID, courseID)
		if err != nil || e.hooks == nil {
			return err
		}
		data := map[string]any{"enrolment_id": out.ID, "user_id": out.UserID, "email": out.Email, "course_id": out.CourseID,
			"enrolled_at": out.EnrolledAt.UTC().Format(time.RFC3339)}
		if out.ExternalID != nil {
			data["external_id"] = *out.ExternalID
		}
		return e.hooks.Emit(ctx, tx, c.OrgID, webhook.EventEnrolmentCreated, data)
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return out, nil
}

// Withdraw withdraws one of the enrolments c's organisation made.
// Errors: not_found, conflict ("learning.err_not_withdrawable").
func (e *Enroller) Withdraw(ctx context.Context, c *Caller, enrolmentID string) (*learning.OrgEnrolment, error) {
	var out *learning.OrgEnrolment
	err := e.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = e.learning.WithdrawForOrg(ctx, tx, c.OrgID, enrolmentID)
		return err
	})
	return out, apperr.Coded(err)
}

// Members returns a page of c's organisation's members after the cursor.
// Errors: invalid "api.err_cursor".
func (e *Enroller) Members(ctx context.Context, c *Caller, after string, limit int) ([]org.APIMember, error) {
	return org.MembersAfter(ctx, e.db, c.OrgID, after, limit)
}
