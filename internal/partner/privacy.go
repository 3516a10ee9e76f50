package partner

import (
	"context"

	"gorm.io/gorm"

	"takumi/internal/privacy/mydata"
)

// MyDataTables returns partner's part of a learner's data export
// (internal/privacy): the partners' credentials they hold, with the signed
// document as it was added and whether (and in which skill area) it counts.
func MyDataTables() []mydata.Table {
	return []mydata.Table{
		{Name: "partner_credentials", Query: `SELECT c.id, c.issuer_id, i.did AS issuer_did, i.name_ja AS issuer_name_ja,
			i.name_en AS issuer_name_en, c.credential_id, c.achievement_id, c.achievement_name, c.valid_from, c.valid_until,
			c.status_list_url, c.status_index, c.source, c.matched_by, c.added_at, c.revoked_at, c.revocation_reason,
			c.count_id, c.counted_skill_area, c.document
			FROM partner_credentials c JOIN partner_issuers i ON i.id = c.issuer_id
			WHERE c.user_id = @user ORDER BY c.added_at, c.id`},
	}
}

// EraseHolder is partner's part of deleting an account, inside tx (the
// privacy coordinator's transaction). The signed document, which names the
// learner (an email identity, often a name), is erased; the row stays under
// the random user id with what the count needs (issuer, credential id,
// achievement, status list entry, count id), as learning events and
// Takumi's own credentials stay. So the programme counts do not move and
// reconcile stays clean, and a later revocation by the partner (status
// list, or an admin) still stops the count (docs/credentials.md, "Partner
// issuers"). It returns how many credentials were erased.
func EraseHolder(ctx context.Context, tx *gorm.DB, userID string) (int, error) {
	res := tx.WithContext(ctx).Exec(`UPDATE partner_credentials SET document = '' WHERE user_id = ? AND document <> ''`, userID)
	return int(res.RowsAffected), res.Error
}
