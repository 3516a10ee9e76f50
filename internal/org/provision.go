package org

import (
	"context"

	"gorm.io/gorm"
)

// Provisioning: organisations and memberships made by the operator's tools
// (`takumi demo`), not by a person through the site, so there is no actor
// and no audit entry of its own. Each function runs inside the caller's
// transaction and leaves existing rows as they are, so a second run
// changes nothing.

// EnsureOrganisation creates the organisation named in (by its Japanese
// name) unless one with that name exists, and returns its id either way.
// in.Code is not used: see SetCodeIfUnset.
func EnsureOrganisation(ctx context.Context, tx *gorm.DB, in NewOrganisation) (string, error) {
	db := tx.WithContext(ctx)
	if err := db.Exec(`INSERT INTO organisations (name_ja, name_en, kind, prefecture_code, industry_code)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (name_ja) DO NOTHING`,
		in.NameJa, in.NameEn, in.Kind, optional(in.PrefectureCode), optional(in.IndustryCode)).Error; err != nil {
		return "", err
	}
	var id string
	err := db.Raw("SELECT id FROM organisations WHERE name_ja = ?", in.NameJa).Row().Scan(&id)
	return id, err
}

// SetCodeIfUnset gives the organisation its URL code, once: a code someone
// has set since is left alone.
func SetCodeIfUnset(ctx context.Context, tx *gorm.DB, orgID, code string) error {
	return tx.WithContext(ctx).Exec("UPDATE organisations SET code = ? WHERE id = ? AND code IS NULL", code, orgID).Error
}

// EnsureMember makes the account with email a member of orgID with role
// (and the analyst flag) unless it already is one.
func EnsureMember(ctx context.Context, tx *gorm.DB, orgID, email, role string, analyst bool) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO memberships (org_id, user_id, role, analyst)
		SELECT ?, id, ?, ? FROM users WHERE email = ? ON CONFLICT DO NOTHING`, orgID, role, analyst, email).Error
}

// DeleteEmptyOrganisation removes the organisation named nameJa when it
// has no members left, for an organisation the operator's tools made for
// a benchmark (`takumi seed analyst --drop`), and reports whether it did.
// An organisation with members, or that courses or credentials name, is
// kept (the latter is an error: foreign key).
func DeleteEmptyOrganisation(ctx context.Context, tx *gorm.DB, nameJa string) (bool, error) {
	res := tx.WithContext(ctx).Exec(`DELETE FROM organisations o WHERE o.name_ja = ?
		AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = o.id)`, nameJa)
	return res.RowsAffected > 0, res.Error
}
