package xapi

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"takumi/internal/privacy/mydata"
)

// aboutPerson is the SQL condition on an agent key column (AgentKey) that
// names the person: their email as mbox or mbox_sha1sum, or an account
// whose name is their user id (the cmi5 actor Takumi launches AUs with,
// under any homePage). @email, @email_sha1 and @user as in mydata.Table; the account
// match cannot use an index, so export and erasure scan the statements.
const aboutPerson = `(%s IN ('mbox:mailto:' || @email, 'sha1:' || @email_sha1)
	OR %s LIKE 'account:%%|' || @user)`

func personCond(col string) string {
	return fmt.Sprintf(aboutPerson, col, col)
}

// statementsAbout selects the statements naming the person anywhere
// (actor, object, group member, context agent, substatement):
// related_agents holds every agent key of a statement.
var statementsAbout = `EXISTS (SELECT 1 FROM unnest(s.related_agents) a WHERE ` + personCond("a") + `)`

// MyDataTables returns xapi's part of a learner's data export
// (internal/privacy): the statements that name them, in every
// organisation's LRS, and the State and Agent Profile documents kept for
// them (JSON documents as text, others in base64).
func MyDataTables() []mydata.Table {
	return []mydata.Table{
		{Name: "xapi_statements", Query: `SELECT s.org_id, o.name_ja AS organisation_name_ja, o.name_en AS organisation_name_en,
			s.id, s.stored, s.verb_id, s.voided, s.statement
			FROM xapi_statements s LEFT JOIN organisations o ON o.id = s.org_id
			WHERE ` + statementsAbout + ` ORDER BY s.stored, s.seq`},
		{Name: "xapi_documents", Query: `SELECT d.org_id, o.name_ja AS organisation_name_ja, o.name_en AS organisation_name_en,
			d.kind, d.activity_id, d.registration, d.doc_id, d.content_type, d.updated,
			CASE WHEN d.content_type LIKE 'application/json%' THEN convert_from(d.content, 'UTF8') ELSE encode(d.content, 'base64') END AS content
			FROM xapi_documents d JOIN organisations o ON o.id = d.org_id
			WHERE d.kind IN ('state', 'agent') AND ` + personCond("d.agent") + ` ORDER BY d.updated, d.doc_id`},
	}
}

// ErasePerson is xapi's part of deleting an account, inside tx (the
// privacy coordinator's transaction): every stored statement naming the
// person (as in MyDataTables) and their State and Agent Profile documents
// are deleted, in every organisation's LRS. Statements feed no count
// (cmi5 completions reach the progress engine as learning events), so no
// figure moves. Copies already forwarded to an organisation's own LRS are
// beyond Takumi's reach. It returns how many statements were deleted.
func ErasePerson(ctx context.Context, tx *gorm.DB, userID, email string) (int, error) {
	args := mydata.Args(userID, email)
	res := tx.WithContext(ctx).Exec(`DELETE FROM xapi_statements s WHERE `+statementsAbout, args)
	if res.Error != nil {
		return 0, res.Error
	}
	n := int(res.RowsAffected)
	err := tx.WithContext(ctx).Exec(`DELETE FROM xapi_documents d WHERE d.kind IN ('state', 'agent') AND `+personCond("d.agent"), args).Error
	return n, err
}
