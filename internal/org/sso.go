package org

import (
	"context"

	"gorm.io/gorm"
)

// Provisioning by an organisation's SCIM client (issue 18, internal/sso):
// the membership side, inside the caller's transaction.

// EndMembership removes userID's membership of orgID (a deprovisioned
// person). Their own learning record and credentials are untouched, and
// so is their consent to share progress with other organisations. It
// reports whether there was a membership.
func EndMembership(ctx context.Context, tx *gorm.DB, orgID, userID string) (bool, error) {
	db := tx.WithContext(ctx)
	res := db.Exec("DELETE FROM memberships WHERE org_id = ? AND user_id = ?", orgID, userID)
	if res.Error != nil {
		return false, res.Error
	}
	if err := db.Exec("DELETE FROM progress_consents WHERE org_id = ? AND user_id = ?", orgID, userID).Error; err != nil {
		return false, err
	}
	return res.RowsAffected > 0, nil
}
