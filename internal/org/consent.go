package org

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
)

// Consent states of a person toward an organisation that follows their
// learning.
const (
	ConsentRequested = "requested" // asked, not yet answered: the roster hides progress
	ConsentGranted   = "granted"   // the roster shows progress
	ConsentWithdrawn = "withdrawn" // declined or withdrawn: the roster hides progress
)

// Consent is one organisation's request to see a person's progress, as the
// person's account page shows it.
type Consent struct {
	OrgID       string
	OrgNameJa   string
	OrgNameEn   string
	RequestedAt time.Time
	GrantedAt   *time.Time
	WithdrawnAt *time.Time
}

// State is the consent's state.
func (c Consent) State() string {
	switch {
	case c.WithdrawnAt != nil:
		return ConsentWithdrawn
	case c.GrantedAt != nil:
		return ConsentGranted
	}
	return ConsentRequested
}

// RequestProgressConsents asks each of userIDs that is not a member of
// orgID for consent to let the organisation see their progress, inside the
// caller's pgx transaction (bulk enrolment of existing accounts). A person
// already asked keeps their answer. It returns the ids newly asked.
// SECURITY: until the person grants it, the roster shows them as "awaiting
// consent" with nothing of their progress (issue 15 finding 2).
func RequestProgressConsents(ctx context.Context, tx pgx.Tx, orgID string, userIDs []string, now time.Time) ([]string, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO progress_consents (org_id, user_id, requested_at)
		SELECT $1, u.id, $3 FROM unnest($2::uuid[]) AS u(id)
		WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = $1 AND m.user_id = u.id)
		ON CONFLICT (org_id, user_id) DO NOTHING
		RETURNING user_id::text`, orgID, userIDs, now)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// grantOnAccept records, inside tx, that a person who accepted an
// invitation (whose page said what the organisation will see) consents.
func grantOnAccept(ctx context.Context, tx *gorm.DB, orgID, userID string, now time.Time) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO progress_consents (org_id, user_id, requested_at, granted_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (org_id, user_id) DO UPDATE SET granted_at = EXCLUDED.granted_at, withdrawn_at = NULL`,
		orgID, userID, now, now).Error
}

// Consents lists the organisations that asked userID for consent to see
// their progress, with the person's answers, newest request first.
func (s *Service) Consents(ctx context.Context, userID string) ([]Consent, error) {
	var out []Consent
	err := s.db.WithContext(ctx).Raw(`SELECT c.org_id, o.name_ja AS org_name_ja, o.name_en AS org_name_en,
			c.requested_at, c.granted_at, c.withdrawn_at
		FROM progress_consents c JOIN organisations o ON o.id = c.org_id
		WHERE c.user_id = ? ORDER BY c.requested_at DESC, o.name_ja`, userID).Scan(&out).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

// DecideConsent records the person's answer to orgID's request: grant
// lets the roster show their progress, otherwise it is declined or
// withdrawn (the roster hides it again). Audited as
// "org.progress_consent_granted" or "org.progress_consent_withdrawn".
// Errors: not_found (no request from that organisation).
func (s *Service) DecideConsent(ctx context.Context, actor Actor, orgID string, grant bool) error {
	if !isUUID(orgID) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		q := "UPDATE progress_consents SET granted_at = ?, withdrawn_at = NULL WHERE org_id = ? AND user_id = ?"
		args := []any{now, orgID, actor.UserID}
		action := "org.progress_consent_granted"
		if !grant {
			q = "UPDATE progress_consents SET withdrawn_at = ? WHERE org_id = ? AND user_id = ?"
			action = "org.progress_consent_withdrawn"
		}
		res := tx.WithContext(ctx).Exec(q, args...)
		if res.Error != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", res.Error)
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.UserID, Action: action,
			TargetType: "organisation", TargetID: orgID, OrgID: orgID, IP: actor.IP})
	})
}
