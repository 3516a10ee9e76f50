package credential

import (
	"context"
	"time"

	"github.com/google/uuid"

	"takumi/internal/apperr"
)

// What the integration API (issue 19) reads of credentials: those of the
// people an organisation may follow, and those it issued as a provider.

// orgPeopleSQL is the people whose credentials orgID's API may read: its
// members who have not withdrawn consent, and the people outside it who
// granted its request (the roster's consent rule, issue 15 finding 2).
const orgPeopleSQL = `(SELECT m.user_id FROM memberships m WHERE m.org_id = @org
	AND NOT EXISTS (SELECT 1 FROM progress_consents pc WHERE pc.org_id = @org AND pc.user_id = m.user_id AND pc.withdrawn_at IS NOT NULL)
	UNION SELECT pc.user_id FROM progress_consents pc WHERE pc.org_id = @org AND pc.granted_at IS NOT NULL AND pc.withdrawn_at IS NULL)`

// ListForOrg returns up to limit credentials held by orgID's consenting
// people or issued by orgID, oldest first by issue time then id, after the
// cursor (zero time and "" for the first page). Errors: invalid
// "api.err_cursor", internal.
func (s *Service) ListForOrg(ctx context.Context, orgID string, afterAt time.Time, afterID string, limit int) ([]Holding, error) {
	if afterID != "" {
		if _, err := uuid.Parse(afterID); err != nil {
			return nil, apperr.New(apperr.Invalid, "api.err_cursor")
		}
	} else {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	var hs []Holding
	err := s.db.WithContext(ctx).Raw(holdingSelect+`WHERE (cr.user_id IN `+orgPeopleSQL+` OR cr.provider_id = @org)
		AND (cr.issued_at, cr.id) > (@after_at, CAST(@after_id AS uuid))
		ORDER BY cr.issued_at, cr.id LIMIT @limit`,
		map[string]any{"org": orgID, "after_at": afterAt, "after_id": afterID, "limit": limit}).Scan(&hs).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	for i := range hs {
		s.fillAchievementURL(&hs[i])
	}
	return hs, nil
}

// GetForOrg returns credential id when orgID may read it (as ListForOrg).
// Errors: not_found.
func (s *Service) GetForOrg(ctx context.Context, orgID, id string) (*Holding, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var hs []Holding
	err := s.db.WithContext(ctx).Raw(holdingSelect+`WHERE cr.id = @id AND (cr.user_id IN `+orgPeopleSQL+` OR cr.provider_id = @org)`,
		map[string]any{"org": orgID, "id": id}).Scan(&hs).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(hs) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	s.fillAchievementURL(&hs[0])
	return &hs[0], nil
}

// RevokeAsProvider revokes a credential that orgID issued, as Revoke does
// for its admins, on behalf of an API client of orgID. Errors: as Revoke
// (not_found for a credential another provider issued).
func (s *Service) RevokeAsProvider(ctx context.Context, orgID, ip, id, reason string) error {
	return s.Revoke(ctx, Actor{IP: ip, AdminOf: []string{orgID}}, id, reason)
}
