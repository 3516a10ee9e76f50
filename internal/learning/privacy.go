package learning

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/csvexport"
)

// The learner's privacy rights under APPI: a copy of everything the
// platform holds about them (JSON and CSV in one zip), and deleting the
// account. Deletion erases or irreversibly anonymises personal data while
// the learning-event log keeps its rows: they name only the random user
// id, which after deletion links to no person, so the national counts
// already computed from them stay correct (docs/decisions.md, "Learning:
// privacy rights").

// MyDataFormat names the format of data.json in the export.
const MyDataFormat = "takumi-my-data/1"

// myDataTable is one table of the export: a name (the CSV file's and the
// data.json key) and the query of the person's rows. @user is the person's
// id and @email their email address. SECURITY: never the password hash, the
// two-factor secret or recovery codes, or token hashes.
type myDataTable struct {
	Name  string
	Query string
}

var myDataTables = []myDataTable{
	{"profile", `SELECT id, email, display_name, prefecture_code, industry_code, segment, birth_year, gender, language,
		privacy_notice_version, consented_at, email_verified_at, is_platform_admin, disabled_at,
		totp_enabled_at IS NOT NULL AS two_factor_enabled, totp_enabled_at AS two_factor_enabled_at,
		failed_logins, locked_until, created_at, updated_at
		FROM users WHERE id = @user`},
	{"memberships", `SELECT m.org_id, o.name_ja AS organisation_name_ja, o.name_en AS organisation_name_en,
		o.kind AS organisation_kind, m.role, m.analyst, m.created_at
		FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = @user ORDER BY m.created_at`},
	{"invitations", `SELECT i.id, i.org_id, o.name_ja AS organisation_name_ja, o.name_en AS organisation_name_en,
		i.email, i.role, i.analyst, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
		FROM invitations i JOIN organisations o ON o.id = i.org_id WHERE i.email = @email ORDER BY i.created_at`},
	{"enrolments", `SELECT e.id, e.course_id, c.code AS course_code, c.title_ja AS course_title_ja, c.title_en AS course_title_en,
		e.cohort_id, e.org_id, e.status, e.waitlist_pos, e.enrolled_at, e.completed_at, e.withdrawn_at,
		e.last_activity_at, e.progress_percent, e.next_lesson_id, e.flagged_fast
		FROM enrolments e JOIN courses c ON c.id = e.course_id WHERE e.user_id = @user ORDER BY e.enrolled_at, e.id`},
	{"lesson_progress", `SELECT p.enrolment_id, p.lesson_id, p.first_seen_at, p.last_seen_at, p.seconds_on_task, p.completed_at
		FROM lesson_progress p JOIN enrolments e ON e.id = p.enrolment_id WHERE e.user_id = @user
		ORDER BY p.enrolment_id, p.first_seen_at, p.lesson_id`},
	{"quiz_attempts", `SELECT a.id, a.enrolment_id, a.lesson_id, a.revision, a.started_at, a.submitted_at,
		a.score, a.max_score, a.passed, a.answers, a.results
		FROM quiz_attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = @user
		ORDER BY a.started_at, a.id`},
	{"learning_events", `SELECT id, occurred_at, event_type, enrolment_id, course_id, provider_id, skill_area, cohort_id,
		org_id, prefecture, industry, segment, lesson_id, details
		FROM learning_events WHERE user_id = @user ORDER BY occurred_at, id`},
	{"audit_events", `SELECT id, occurred_at, action, target_type, target_id, org_id, ip, details::jsonb AS details
		FROM audit_events WHERE actor_id = @user ORDER BY id`},
	{"email_tokens", `SELECT purpose, created_at, expires_at, used_at FROM email_tokens WHERE user_id = @user ORDER BY created_at, id`},
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
func (s *Service) ExportMyData(ctx context.Context, l Learner) (*MyDataArchive, error) {
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
		args := map[string]any{"user": l.UserID, "email": email}
		tables := make([]myDataResult, 0, len(myDataTables))
		for _, t := range myDataTables {
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
		out = &MyDataArchive{Filename: "takumi-my-data-" + now.In(privacyTokyo).Format("20060102") + ".zip", Zip: zipped}
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

var privacyTokyo = time.FixedZone("JST", 9*3600)

// myDataResult is one exported table: its columns in order and each row as
// column -> JSON value (as PostgreSQL's row_to_json writes it).
type myDataResult struct {
	Name    string
	Columns []string
	Rows    []map[string]json.RawMessage
}

func queryMyData(ctx context.Context, tx *gorm.DB, t myDataTable, args map[string]any) (myDataResult, error) {
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
const DeletedDisplayName = "削除済み"

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
// and the confirmation word, in one transaction: enrolments still in
// progress are withdrawn (seats go to the waitlist); the users row is
// anonymised (email deleted-<id>@deleted.invalid, name "削除済み", a password
// hash no password matches, no birth year, gender, prefecture, industry,
// segment or two-factor secret, disabled, sessions ended) with the language
// kept; recovery codes, email tokens, memberships, pending invitations to
// the email and development mail to it are deleted, other invitations'
// email anonymised, and quiz answers erased (scores kept). Enrolments and
// learning events stay: they carry only the random user id. Audited as
// "account.deleted" with no personal details. Errors: invalid (fields
// password, confirmation), conflict ("privacy_rights.err_last_admin"),
// not_found.
func (s *Service) DeleteAccount(ctx context.Context, l Learner, in DeleteAccountInput, recheck PasswordRecheck) error {
	if !validID(l.UserID) {
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
	if err := recheck(ctx, l.UserID, in.Password, "password", l.IP); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u struct {
			Email           string
			IsPlatformAdmin bool
			Disabled        bool
		}
		if err := tx.Raw(`SELECT email, is_platform_admin, disabled_at IS NOT NULL AS disabled FROM users WHERE id = ? FOR UPDATE`,
			l.UserID).Scan(&u).Error; err != nil {
			return err
		}
		if u.Email == "" || u.Disabled {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if u.IsPlatformAdmin {
			// Every active platform admin's row is locked, so two last
			// admins deleting themselves at once cannot both succeed.
			var admins []string
			if err := tx.Raw(`SELECT id FROM users WHERE is_platform_admin AND disabled_at IS NULL ORDER BY id FOR UPDATE`).
				Scan(&admins).Error; err != nil {
				return err
			}
			if len(admins) <= 1 {
				return apperr.New(apperr.Conflict, "privacy_rights.err_last_admin")
			}
		}
		withdrawn, err := s.withdrawAllForDeletion(ctx, tx, l.UserID)
		if err != nil {
			return err
		}
		now := s.now()
		// SECURITY: irreversible. The id stays (it is random and now links
		// to no one); every field that identifies or describes the person
		// goes. "!" is not a hash any password matches.
		if err := tx.Exec(`UPDATE users SET email = 'deleted-' || id::text || '@deleted.invalid', display_name = ?,
			password_hash = '!', prefecture_code = NULL, industry_code = NULL, segment = NULL, birth_year = NULL,
			gender = 'unspecified', email_verified_at = NULL, is_platform_admin = false, disabled_at = ?,
			failed_logins = 0, locked_until = NULL, totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = 0,
			session_version = session_version + 1, updated_at = ? WHERE id = ?`,
			DeletedDisplayName, now, now, l.UserID).Error; err != nil {
			return err
		}
		steps := []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM recovery_codes WHERE user_id = ?`, []any{l.UserID}},
			{`DELETE FROM email_tokens WHERE user_id = ?`, []any{l.UserID}},
			{`DELETE FROM memberships WHERE user_id = ?`, []any{l.UserID}},
			{`DELETE FROM invitations WHERE email = ? AND accepted_at IS NULL AND revoked_at IS NULL`, []any{u.Email}},
			{`UPDATE invitations SET email = 'deleted-' || id::text || '@deleted.invalid' WHERE email = ?`, []any{u.Email}},
			{`UPDATE quiz_attempts SET answers = NULL WHERE answers IS NOT NULL
				AND enrolment_id IN (SELECT id FROM enrolments WHERE user_id = ?)`, []any{l.UserID}},
			{`DELETE FROM dev_mail WHERE to_addr = ?`, []any{u.Email}},
		}
		for _, st := range steps {
			if err := tx.Exec(st.sql, st.args...).Error; err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: l.UserID, Action: "account.deleted",
			TargetType: "user", TargetID: l.UserID, Details: map[string]any{"enrolments_withdrawn": withdrawn}})
	})
	return apperr.Coded(err)
}

// withdrawAllForDeletion withdraws the person's enrolments still in
// progress (active or waitlisted), appending "withdrawn" events with the
// dimensions as they are now (before the profile is erased) and releasing
// held cohort seats to the waitlist. It returns how many were withdrawn.
func (s *Service) withdrawAllForDeletion(ctx context.Context, tx *gorm.DB, userID string) (int, error) {
	var live []Enrolment
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM enrolments WHERE user_id = ? AND status IN ('active', 'waitlisted')
		ORDER BY enrolled_at FOR UPDATE`, userID).Scan(&live).Error; err != nil {
		return 0, err
	}
	now := s.now()
	for _, e := range live {
		if err := tx.WithContext(ctx).Model(&Enrolment{}).Where("id = ?", e.ID).
			Updates(map[string]any{"status": StatusWithdrawn, "withdrawn_at": now, "waitlist_pos": nil}).Error; err != nil {
			return 0, err
		}
		if err := AppendEvent(ctx, tx, Event{Type: EventWithdrawn, UserID: userID, EnrolmentID: e.ID, CourseID: e.CourseID,
			CohortID: deref(e.CohortID), OrgID: deref(e.OrgID), At: now,
			Details: map[string]any{"from": e.Status, "reason": "account_deleted"}}); err != nil {
			return 0, err
		}
		if e.Status == StatusActive && e.CohortID != nil {
			if err := s.releaseSeat(ctx, tx, *e.CohortID); err != nil {
				return 0, err
			}
		}
	}
	return len(live), nil
}
