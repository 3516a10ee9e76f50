package org

import (
	"context"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
)

// What the integration API (internal/apiclient, issue 19) needs of
// organisations: the manager check for its client pages, and the members
// an API client of the organisation may read.

// RequireManager returns orgID when userID is an admin of it (or a
// platform admin), inside tx. Errors: not_found (no such organisation, or
// not the user's).
func RequireManager(ctx context.Context, tx *gorm.DB, userID, orgID string) (*Organisation, error) {
	if !isUUID(orgID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return requireOrgManager(ctx, tx, userID, orgID)
}

// APIMember is one member as the API shows it.
type APIMember struct {
	UserID      string
	DisplayName string
	Email       string
	ExternalID  *string // the SCIM provisioning client's externalId, when one
	Role        string
	JoinedAt    time.Time
}

// MembersAfter returns up to limit members of orgID whose user id sorts
// after the cursor afterID ("" for the first page), in user id order (a
// stable order for cursor paging), inside tx. The caller records the view
// in the audit log.
func MembersAfter(ctx context.Context, tx *gorm.DB, orgID, afterID string, limit int) ([]APIMember, error) {
	if afterID != "" && !isUUID(afterID) {
		return nil, apperr.New(apperr.Invalid, "api.err_cursor")
	}
	var out []APIMember
	err := tx.WithContext(ctx).Raw(`
		SELECT m.user_id::text AS user_id, u.display_name, u.email, NULLIF(s.external_id, '') AS external_id, m.role, m.created_at AS joined_at
		FROM memberships m JOIN users u ON u.id = m.user_id
		LEFT JOIN scim_users s ON s.org_id = m.org_id AND s.user_id = m.user_id
		WHERE m.org_id = ? AND (? = '' OR m.user_id > CAST(NULLIF(?, '') AS uuid))
		ORDER BY m.user_id LIMIT ?`, orgID, afterID, afterID, limit).Scan(&out).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

// IsMember reports whether userID is a member of orgID, inside tx.
func IsMember(ctx context.Context, tx *gorm.DB, orgID, userID string) (bool, error) {
	var ok bool
	err := tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = ? AND user_id = ?)`, orgID, userID).Row().Scan(&ok)
	if err != nil {
		return false, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return ok, nil
}
