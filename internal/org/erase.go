package org

import (
	"context"

	"gorm.io/gorm"
)

// EraseMember removes a person being erased from every organisation inside
// tx: their memberships go, pending invitations to their address are
// deleted, and other invitations keep their history with the address
// anonymised.
func EraseMember(ctx context.Context, tx *gorm.DB, userID, email string) error {
	db := tx.WithContext(ctx)
	if err := db.Exec(`DELETE FROM memberships WHERE user_id = ?`, userID).Error; err != nil {
		return err
	}
	if err := db.Exec(`DELETE FROM progress_consents WHERE user_id = ?`, userID).Error; err != nil {
		return err
	}
	if err := db.Exec(`DELETE FROM invitations WHERE email = ? AND accepted_at IS NULL AND revoked_at IS NULL`, email).Error; err != nil {
		return err
	}
	return db.Exec(`UPDATE invitations SET email = 'deleted-' || id::text || '@deleted.invalid' WHERE email = ?`, email).Error
}
