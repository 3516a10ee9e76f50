package org

import "takumi/internal/privacy/mydata"

// MyDataTables returns org's part of a person's data export (internal/privacy):
// the query of each of its tables' rows about the person. SECURITY: never
// password hashes, two-factor secrets, recovery codes or token hashes.
func MyDataTables() []mydata.Table {
	return []mydata.Table{
		{Name: "memberships", Query: `SELECT m.org_id, o.name_ja AS organisation_name_ja, o.name_en AS organisation_name_en,
			o.kind AS organisation_kind, m.role, m.analyst, m.created_at
			FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = @user ORDER BY m.created_at`},
		{Name: "invitations", Query: `SELECT i.id, i.org_id, o.name_ja AS organisation_name_ja, o.name_en AS organisation_name_en,
			i.email, i.role, i.analyst, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
			FROM invitations i JOIN organisations o ON o.id = i.org_id WHERE i.email = @email ORDER BY i.created_at`},
		{Name: "progress_consents", Query: `SELECT c.org_id, o.name_ja AS organisation_name_ja, o.name_en AS organisation_name_en,
			c.requested_at, c.granted_at, c.withdrawn_at
			FROM progress_consents c JOIN organisations o ON o.id = c.org_id WHERE c.user_id = @user ORDER BY c.requested_at`},
	}
}
