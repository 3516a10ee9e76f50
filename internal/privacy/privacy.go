// Package privacy carries out the learner's privacy rights under APPI: a
// copy of everything the platform holds about them, and deleting the
// account. It is a coordinator: it owns no table, and asks each owner
// package (account, org, learning, partner, xapi, mail, audit) to erase its own rows, all
// in one transaction.
package privacy

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/csvexport"
	"takumi/internal/jst"
	"takumi/internal/learning"
	"takumi/internal/mail"
	"takumi/internal/org"
	"takumi/internal/partner"
	"takumi/internal/privacy/mydata"
	"takumi/internal/xapi"
)

// The learner's privacy rights under APPI: a copy of everything the
// platform holds about them (JSON and CSV in one zip), and deleting the
// account. Deletion erases or irreversibly anonymises personal data while
// the learning-event log keeps its rows: they name only the random user
// id, which after deletion links to no person, so the national counts
// already computed from them stay correct (docs/decisions.md, "Learning:
// privacy rights").

// Service carries out export and erasure.
type Service struct {
	db       *gorm.DB
	learning *learning.Service
	now      func() time.Time
}

// NewService returns the privacy coordinator.
func NewService(db *gorm.DB, lrn *learning.Service) *Service {
	return &Service{db: db, learning: lrn, now: time.Now}
}

// Person is the signed-in learner exercising their rights.
type Person struct {
	UserID string
	IP     string
}

// MyDataFormat names the format of data.json in the export.
const MyDataFormat = "takumi-my-data/1"

// exportOrder is the order of the tables in the archive; each owner
// package supplies the queries of its own tables.
var exportOrder = []string{"profile", "memberships", "invitations", "progress_consents", "enrolments", "lesson_progress", "quiz_attempts",
	"learning_events", "partner_credentials", "xapi_statements", "xapi_documents", "audit_events", "email_tokens"}

// myDataTables asks each owner for its tables and puts them in exportOrder.
func myDataTables() []mydata.Table {
	var all []mydata.Table
	for _, part := range [][]mydata.Table{account.MyDataTables(), org.MyDataTables(), learning.MyDataTables(), partner.MyDataTables(), xapi.MyDataTables(), audit.MyDataTables()} {
		all = append(all, part...)
	}
	byName := map[string]mydata.Table{}
	for _, t := range all {
		byName[t.Name] = t
	}
	out := make([]mydata.Table, 0, len(all))
	for _, name := range exportOrder {
		if t, ok := byName[name]; ok {
			out = append(out, t)
			delete(byName, name)
		}
	}
	for _, t := range all { // a table an owner added later goes last
		if _, ok := byName[t.Name]; ok {
			out = append(out, t)
		}
	}
	return out
}

// MyDataArchive is the export: a zip with data.json and one CSV per table.
type MyDataArchive struct {
	Filename string
	Zip      []byte
}

// ExportMyData gathers everything the platform holds about the learner, in
// one consistent snapshot, into a zip: data.json (every table, typed) and
// one CSV per table (UTF-8 with a byte order mark so Excel opens it, header
// row first). The export is recorded in the audit log
// ("account.data_exported"). Errors: not_found (no such user).
func (s *Service) ExportMyData(ctx context.Context, l Person) (*MyDataArchive, error) {
	if !validID(l.UserID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	now := s.now().UTC()
	var out *MyDataArchive
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var email string
		if err := tx.Raw(`SELECT email FROM users WHERE id = ?`, l.UserID).Scan(&email).Error; err != nil {
			return err
		}
		if email == "" {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		args := mydata.Args(l.UserID, email)
		list := myDataTables()
		tables := make([]myDataResult, 0, len(list))
		for _, t := range list {
			r, err := queryMyData(ctx, tx, t, args)
			if err != nil {
				return fmt.Errorf("export %s: %w", t.Name, err)
			}
			tables = append(tables, r)
		}
		zipped, err := zipMyData(l.UserID, now, tables)
		if err != nil {
			return err
		}
		out = &MyDataArchive{Filename: "takumi-my-data-" + jst.Compact(now) + ".zip", Zip: zipped}
		counts := map[string]any{}
		for _, t := range tables {
			counts[t.Name] = len(t.Rows)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: l.UserID, Action: "account.data_exported",
			TargetType: "user", TargetID: l.UserID, IP: l.IP, Details: map[string]any{"rows": counts}})
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return out, nil
}

// myDataResult is one exported table: its columns in order and each row as
// column -> JSON value (as PostgreSQL's row_to_json writes it).
type myDataResult struct {
	Name    string
	Columns []string
	Rows    []map[string]json.RawMessage
}

func queryMyData(ctx context.Context, tx *gorm.DB, t mydata.Table, args map[string]any) (myDataResult, error) {
	r := myDataResult{Name: t.Name}
	rows, err := tx.WithContext(ctx).Raw(`SELECT * FROM (`+t.Query+`) t LIMIT 0`, args).Rows()
	if err != nil {
		return r, err
	}
	r.Columns, err = rows.Columns()
	rows.Close()
	if err != nil {
		return r, err
	}
	var lines []string
	if err := tx.WithContext(ctx).Raw(`SELECT row_to_json(t)::text FROM (`+t.Query+`) t`, args).Scan(&lines).Error; err != nil {
		return r, err
	}
	for _, line := range lines {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return r, err
		}
		r.Rows = append(r.Rows, m)
	}
	return r, nil
}

// zipMyData writes data.json and the CSV files.
func zipMyData(userID string, at time.Time, tables []myDataResult) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, body []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at})
		if err != nil {
			return err
		}
		_, err = w.Write(body)
		return err
	}
	data, err := myDataJSON(userID, at, tables)
	if err != nil {
		return nil, err
	}
	if err := add("data.json", data); err != nil {
		return nil, err
	}
	for _, t := range tables {
		body, err := myDataCSV(t)
		if err != nil {
			return nil, err
		}
		if err := add(t.Name+".csv", body); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// myDataJSON writes {"format", "exported_at", "user_id", "tables": {name:
// [rows]}} with tables and columns in their export order.
func myDataJSON(userID string, at time.Time, tables []myDataResult) ([]byte, error) {
	var b bytes.Buffer
	str := func(s string) { j, _ := json.Marshal(s); b.Write(j) }
	b.WriteString(`{"format":`)
	str(MyDataFormat)
	b.WriteString(`,"exported_at":`)
	str(at.Format(time.RFC3339))
	b.WriteString(`,"user_id":`)
	str(userID)
	b.WriteString(`,"tables":{`)
	for i, t := range tables {
		if i > 0 {
			b.WriteByte(',')
		}
		str(t.Name)
		b.WriteString(":[")
		for j, row := range t.Rows {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('{')
			for k, col := range t.Columns {
				if k > 0 {
					b.WriteByte(',')
				}
				str(col)
				b.WriteByte(':')
				if v, ok := row[col]; ok && len(v) > 0 {
					b.Write(v)
				} else {
					b.WriteString("null")
				}
			}
			b.WriteByte('}')
		}
		b.WriteByte(']')
	}
	b.WriteString("}}")
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	pretty.WriteByte('\n')
	return pretty.Bytes(), nil
}

// myDataCSV writes one table as CSV: UTF-8 with a byte order mark, a
// header row, then one line per row.
func myDataCSV(t myDataResult) ([]byte, error) {
	var b bytes.Buffer
	w := csvexport.NewWriter(&b)
	w.UseCRLF(true)
	if err := w.Write(t.Columns); err != nil {
		return nil, err
	}
	for _, row := range t.Rows {
		rec := make([]string, len(t.Columns))
		for i, col := range t.Columns {
			rec[i] = csvCell(row[col])
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	err := w.Flush()
	return b.Bytes(), err
}

// csvCell turns one JSON value into a CSV cell: null is empty, a string is
// itself, anything else its JSON text. SECURITY: the csvexport writer
// neutralises a cell a spreadsheet would run as a formula, so names typed
// by others cannot act in the person's Excel.
func csvCell(v json.RawMessage) string {
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var s string
	if v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// Words that confirm deleting the account, one per language.
const (
	DeleteConfirmWordJa = "削除"
	DeleteConfirmWordEn = "DELETE"
)

// DeletedDisplayName is the display name a deleted account keeps.
const DeletedDisplayName = account.DeletedDisplayName

// DeleteAccountInput is the deletion form as typed.
type DeleteAccountInput struct {
	Password     string
	Confirmation string // DeleteConfirmWordJa or DeleteConfirmWordEn
}

// PasswordRecheck confirms the person's current password, counting a wrong
// one against the account (account.Service.RecheckPassword); field names
// the form field for the error.
type PasswordRecheck func(ctx context.Context, userID, password, field, ip string) error

// DeleteAccount deletes the learner's account after the current password
// and the confirmation word, in one transaction in which each owner erases
// its own rows: learning withdraws enrolments still in progress (seats go
// to the waitlist) and erases quiz answers (scores kept); account
// anonymises the users row (account.EraseUser) and deletes recovery codes
// and email tokens; org deletes memberships and pending invitations to the
// email and anonymises other invitations' email; mail deletes development
// mail to it; partner erases the signed documents of the partners'
// credentials held (partner.EraseHolder: the rows stay, still counted);
// xapi deletes the statements and State/Agent Profile documents naming the
// person (xapi.ErasePerson).
// Enrolments and learning events stay: they carry only the random user id. Audited as "account.deleted" with no personal details.
// Errors: invalid (fields password, confirmation), conflict
// ("privacy_rights.err_last_admin"), not_found.
func (s *Service) DeleteAccount(ctx context.Context, p Person, in DeleteAccountInput, recheck PasswordRecheck) error {
	if !validID(p.UserID) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	errs := map[string]string{}
	word := strings.TrimSpace(norm.NFKC.String(in.Confirmation))
	if word != DeleteConfirmWordJa && !strings.EqualFold(word, DeleteConfirmWordEn) {
		errs["confirmation"] = "privacy_rights.err_confirmation"
	}
	if in.Password == "" {
		errs["password"] = "privacy_rights.err_password_required"
	}
	if len(errs) > 0 {
		return apperr.FieldErrors(errs)
	}
	// SECURITY: someone holding a stolen session cannot delete the account
	// without its password; a wrong one counts toward the sign-in lock.
	if err := recheck(ctx, p.UserID, in.Password, "password", p.IP); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		target, err := account.LockForErasure(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		// Learning first: the "withdrawn" events take the person's
		// dimensions as they are before the profile is erased.
		withdrawn, err := s.learning.EraseLearner(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if err := account.EraseUser(ctx, tx, p.UserID, s.now()); err != nil {
			return err
		}
		if err := org.EraseMember(ctx, tx, p.UserID, target.Email); err != nil {
			return err
		}
		if err := mail.DeleteDevMailTo(ctx, tx, target.Email); err != nil {
			return err
		}
		partnerErased, err := partner.EraseHolder(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		statements, err := xapi.ErasePerson(ctx, tx, p.UserID, target.Email)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: p.UserID, Action: "account.deleted",
			TargetType: "user", TargetID: p.UserID, Details: map[string]any{"enrolments_withdrawn": withdrawn,
				"partner_credentials_erased": partnerErased, "xapi_statements_deleted": statements}})
	})
	return apperr.Coded(err)
}

// validID reports whether id is a well-formed UUID, so a typo is not found
// rather than an error that aborts the transaction.
func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil
}
