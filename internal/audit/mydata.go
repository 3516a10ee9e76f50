package audit

import "takumi/internal/privacy/mydata"

// MyDataTables returns the audit log's part of a person's data export (internal/privacy):
// the query of each of its tables' rows about the person. SECURITY: never
// password hashes, two-factor secrets, recovery codes or token hashes.
func MyDataTables() []mydata.Table {
	return []mydata.Table{
		{Name: "audit_events", Query: `SELECT id, occurred_at, action, target_type, target_id, org_id, ip, details::jsonb AS details
			FROM audit_events WHERE actor_id = @user ORDER BY id`},
	}
}
