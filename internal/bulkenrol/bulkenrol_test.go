package bulkenrol_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"takumi/internal/apperr"
	"takumi/internal/bulkenrol"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/i18n"
	"takumi/internal/learning"
	"takumi/internal/mail"
	"takumi/internal/org"
	"takumi/internal/storage"
)

// bulkWorld is a database with an employer (and its admin), a provider
// with code "bulk-prov" publishing a self-paced and a cohort-based course,
// a draft course, an open cohort of capacity 1 and a closed cohort.
type bulkWorld struct {
	db                     *database.DB
	bulk                   *bulkenrol.Service
	messages               *i18n.Catalog
	orgID, adminID         string
	selfID, cohortCourse   string
	openCohort, shutCohort string
}

func bulkSetup(t *testing.T) *bulkWorld {
	t.Helper()
	db := dbtest.New(t)
	ctx := context.Background()
	w := &bulkWorld{db: db}
	var provider, author string
	db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind, code) VALUES ('一括テスト提供者', 'provider', 'bulk-prov') RETURNING id`).Row().Scan(&provider)
	db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
		VALUES ('bulk-author@example.jp', 'x', '講師', '2026-11', now()) RETURNING id`).Row().Scan(&author)
	db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'instructor')`, provider, author)
	files, _ := storage.NewDir(t.TempDir())
	cs := catalog.NewService(db.Gorm, files)
	a := catalog.Actor{UserID: author}
	mk := func(code, mode string, publish bool) string {
		c, err := cs.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: provider, Code: code, Content: catalog.Content{
			TitleJa: "一括 " + code, SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 1, Language: "ja", DeliveryMode: mode}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.EditDraft(ctx, a, c.ID, 0, func(ct *catalog.Content) error {
			ct.Modules = []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
				{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "一", Required: true, BodyMd: "本文"}}}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if publish {
			if _, err := cs.Publish(ctx, a, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		return c.ID
	}
	w.selfID = mk("bulk-self", catalog.DeliverySelfPaced, true)
	w.cohortCourse = mk("bulk-cohort", catalog.DeliveryCohort, true)
	mk("bulk-draft", catalog.DeliverySelfPaced, false)
	db.Gorm.Raw(`INSERT INTO cohorts (course_id, name_ja, starts_on, ends_on, enrol_deadline, capacity)
		VALUES (?, '第1期', current_date + 30, current_date + 60, now() + interval '20 days', 1) RETURNING id`, w.cohortCourse).Row().Scan(&w.openCohort)
	db.Gorm.Raw(`INSERT INTO cohorts (course_id, name_ja, starts_on, ends_on, enrol_deadline, capacity)
		VALUES (?, '第0期', current_date - 30, current_date + 10, now() - interval '1 day', 10) RETURNING id`, w.cohortCourse).Row().Scan(&w.shutCohort)
	db.Gorm.Raw(`INSERT INTO organisations (name_ja, name_en, kind) VALUES ('一括株式会社', 'Bulk Inc.', 'employer') RETURNING id`).Row().Scan(&w.orgID)
	w.adminID = bulkUser(t, db, "bulk-admin@example.jp")
	db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'admin')`, w.orgID, w.adminID)
	w.messages = i18n.MustLoad()
	svc := learning.NewService(db.Gorm, cs, nil, w.messages, "http://127.0.0.1")
	b, err := bulkenrol.NewService(db, svc, w.messages, "http://127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	w.bulk = b
	return w
}

func bulkUser(t *testing.T, db *database.DB, email string) string {
	t.Helper()
	var id string
	if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment, privacy_notice_version, consented_at)
		VALUES (?, 'x', '受講者', '13', 'G', 'engineer', '2026-11', now()) RETURNING id`, email).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

const bulkHeader = "email,name,prefecture,industry,segment,course,cohort\n"

// bulkCounts counts what an import may write.
func bulkCounts(t *testing.T, db *database.DB) string {
	t.Helper()
	var c struct{ Enrolments, Invitations, Events, Pending, Jobs, Seats int }
	db.Gorm.Raw(`SELECT (SELECT count(*) FROM enrolments) AS enrolments, (SELECT count(*) FROM invitations) AS invitations,
		(SELECT count(*) FROM learning_events) AS events, (SELECT count(*) FROM pending_enrolments) AS pending,
		(SELECT count(*) FROM river_job WHERE kind = 'send_email') AS jobs, (SELECT coalesce(sum(seats_taken), 0) FROM cohorts) AS seats`).Scan(&c)
	return fmt.Sprintf("%+v", c)
}

func bulkErrs(rep *bulkenrol.Report) map[int][]string {
	out := map[int][]string{}
	for _, e := range rep.Errors {
		out[e.Line] = append(out[e.Line], e.Key)
	}
	return out
}

func TestBulkDryRunErrors(t *testing.T) {
	w := bulkSetup(t)
	ctx := context.Background()
	admin := bulkenrol.Actor{UserID: w.adminID}
	bulkUser(t, w.db, "worker1@example.jp")

	t.Run("ErrHeader", func(t *testing.T) {
		rep, err := w.bulk.DryRun(ctx, admin, w.orgID, "h.csv", []byte("mail,name,pref,industry,segment,course,cohort\na@example.jp,A,13,G,engineer,bulk-self,\n"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Errors) != 1 || rep.Errors[0].Line != 1 || rep.Errors[0].Key != "bulk.err_header" {
			t.Fatalf("errors %+v", rep.Errors)
		}
	})
	t.Run("ErrAddressWithoutDot", func(t *testing.T) {
		// The one address rule (emailaddr): sign-up and invitations refuse
		// "taro@example", and so does bulk enrolment.
		rep, err := w.bulk.DryRun(ctx, admin, w.orgID, "dot.csv", []byte(bulkHeader+"taro@example,太郎,13,G,engineer,bulk-self,\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := bulkErrs(rep); len(got[2]) != 1 || got[2][0] != "bulk.err_email" {
			t.Fatalf("errors %+v", rep.Errors)
		}
	})
	t.Run("ErrEveryRow", func(t *testing.T) {
		csv := bulkHeader +
			"worker1@example.jp,作業者一,13,G,engineer,bulk-prov/bulk-self,\n" + // 2 ok
			"w3@example.jp,三,48,G,engineer,bulk-self,\n" + // 3 prefecture
			"w4@example.jp,四,13,Z,engineer,bulk-self,\n" + // 4 industry
			"w5@example.jp,五,13,G,manager,bulk-self,\n" + // 5 segment
			"w6@example.jp,六,13,G,engineer,nope-101,\n" + // 6 unknown course
			"not-an-email,七,13,G,engineer,bulk-self,\n" + // 7 email
			"WORKER1@example.jp,作業者一,13,G,engineer,bulk-self,\n" + // 8 duplicate of 2
			"w9@example.jp,九,13,G,engineer,bulk-self," + w.openCohort + "\n" + // 9 cohort on self-paced
			"w10@example.jp,十,13,G,engineer,bulk-cohort," + w.shutCohort + "\n" + // 10 deadline passed
			"w11@example.jp,十一,13,G,engineer,bulk-cohort,\n" + // 11 cohort required
			"w12@example.jp,十二,13,G,engineer,bulk-draft,\n" + // 12 unpublished
			"w13@example.jp,十三,13,G,engineer\n" // 13 columns
		before := bulkCounts(t, w.db)
		rep, err := w.bulk.DryRun(ctx, admin, w.orgID, "bad.csv", []byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{3: "bulk.err_prefecture", 4: "bulk.err_industry", 5: "bulk.err_segment", 6: "bulk.err_course_unknown",
			7: "bulk.err_email", 8: "bulk.err_duplicate", 9: "bulk.err_cohort_self_paced", 10: "bulk.err_cohort_deadline",
			11: "bulk.err_cohort_required", 12: "bulk.err_course_unpublished", 13: "bulk.err_field_count"}
		got := bulkErrs(rep)
		for line, key := range want {
			if len(got[line]) != 1 || got[line][0] != key {
				t.Errorf("line %d: errors %v, want [%s]", line, got[line], key)
			}
		}
		if len(got) != len(want) {
			t.Errorf("errors on lines %v, want exactly %d lines", got, len(want))
		}
		for _, e := range rep.Errors {
			if e.Line == 8 && (len(e.Args) != 1 || e.Args[0] != 2) {
				t.Errorf("duplicate does not point at line 2: %+v", e)
			}
		}
		if rep.Rows != 12 || rep.RowsWithErrors != 11 || rep.RowsOK != 1 || rep.OK() {
			t.Errorf("summary %+v", rep)
		}
		msg := w.messages.For("en").T(rep.Errors[0].Key, rep.Errors[0].Args...)
		if !strings.Contains(msg, "48") {
			t.Errorf("message %q does not name the bad code", msg)
		}
		if after := bulkCounts(t, w.db); after != before {
			t.Fatalf("a dry run wrote something: %s -> %s", before, after)
		}
		t.Run("ErrRunRefused", func(t *testing.T) {
			if _, err := w.bulk.StartImport(ctx, admin, w.orgID, rep.SHA256); !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("starting a file with errors: %v", err)
			}
			if after := bulkCounts(t, w.db); after != before {
				t.Fatalf("a refused import wrote something: %s -> %s", before, after)
			}
			var n int
			w.db.Gorm.Raw(`SELECT count(*) FROM enrolment_imports`).Row().Scan(&n)
			if n != 0 {
				t.Fatalf("%d imports recorded", n)
			}
		})
	})
	t.Run("ErrUnbalancedQuote", func(t *testing.T) {
		// 50 rows; row 10 (line 11) opens a quotation mark it never
		// closes and row 20 (line 21) has one inside a field. Each is one
		// row with an error on its own line; the rows after them are read
		// on their own (line 30 has a bad prefecture, found at line 30).
		var b strings.Builder
		b.WriteString(bulkHeader)
		for i := 1; i <= 50; i++ {
			line := i + 1
			switch line {
			case 11:
				fmt.Fprintf(&b, "q%d@example.jp,\"名前%d,13,G,engineer,bulk-self,\r\n", i, i)
			case 21:
				fmt.Fprintf(&b, "q%d@example.jp,名\"前%d,13,G,engineer,bulk-self,\r\n", i, i)
			case 30:
				fmt.Fprintf(&b, "q%d@example.jp,名前%d,48,G,engineer,bulk-self,\r\n", i, i)
			default:
				fmt.Fprintf(&b, "q%d@example.jp,名前%d,13,G,engineer,bulk-self,\r\n", i, i)
			}
		}
		rep, err := w.bulk.DryRun(ctx, admin, w.orgID, "quote.csv", []byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{11: "bulk.err_csv_syntax", 21: "bulk.err_csv_syntax", 30: "bulk.err_prefecture"}
		got := bulkErrs(rep)
		for line, key := range want {
			if len(got[line]) != 1 || got[line][0] != key {
				t.Errorf("line %d: errors %v, want [%s]", line, got[line], key)
			}
		}
		if len(got) != len(want) {
			t.Errorf("errors on lines %v, want exactly %d lines", got, len(want))
		}
		if rep.Rows != 50 || rep.RowsWithErrors != 3 || rep.RowsOK != 47 {
			t.Errorf("summary %+v, want 50 rows, 3 with errors", rep)
		}
	})
	t.Run("ErrEncoding", func(t *testing.T) {
		_, err := w.bulk.DryRun(ctx, admin, w.orgID, "bin.csv", []byte{0xff, 0xfe, 0x00, 0x41, 0x00, 0x0a, 0x81})
		if e, ok := apperr.As(err); !ok || e.Fields["file"] != "bulk.err_encoding" {
			t.Fatalf("binary file: %v", err)
		}
	})
	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		other := bulkUser(t, w.db, "other-admin@example.jp")
		var otherOrg string
		w.db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('別会社', 'employer') RETURNING id`).Row().Scan(&otherOrg)
		w.db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'admin')`, otherOrg, other)
		if _, err := w.bulk.DryRun(ctx, bulkenrol.Actor{UserID: other}, w.orgID, "x.csv", []byte(bulkHeader)); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another organisation's admin: %v", err)
		}
		if _, err := w.bulk.Imports(ctx, bulkenrol.Actor{UserID: other}, w.orgID, 10); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another organisation's imports: %v", err)
		}
	})
}

func TestBulkEncodingsParseIdentically(t *testing.T) {
	w := bulkSetup(t)
	ctx := context.Background()
	admin := bulkenrol.Actor{UserID: w.adminID}
	bulkUser(t, w.db, "taro@example.jp")
	text := "メールアドレス,氏名,都道府県コード,業種コード,区分,講座コード,日程\r\n" +
		"taro@example.jp,山田 太郎,1,e,Engineer,bulk-self,\r\n" +
		"hanako@example.jp,鈴木 花子,47,G,developer,bulk-prov/bulk-self,\r\n" +
		"jiro@example.jp,佐藤 次郎,99,G,other,bulk-self,\r\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	utf8BOM := append([]byte("\xEF\xBB\xBF"), text...)
	a, err := w.bulk.DryRun(ctx, admin, w.orgID, "utf8.csv", utf8BOM)
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.bulk.DryRun(ctx, admin, w.orgID, "sjis.csv", sjis)
	if err != nil {
		t.Fatal(err)
	}
	strip := func(r *bulkenrol.Report) string {
		c := *r
		c.SHA256, c.Filename = "", ""
		return fmt.Sprintf("%+v", c)
	}
	if strip(a) != strip(b) {
		t.Fatalf("UTF-8 with BOM and Shift_JIS differ:\n%s\n%s", strip(a), strip(b))
	}
	if a.Rows != 3 || len(a.Errors) != 1 || a.Errors[0].Line != 4 || a.Errors[0].Key != "bulk.err_prefecture" {
		t.Fatalf("report %+v", a)
	}
	if !strings.Contains(w.messages.For("ja").T(a.Errors[0].Key, a.Errors[0].Args...), "99") {
		t.Fatal("the message does not name the code")
	}
}

func TestBulkImport(t *testing.T) {
	w := bulkSetup(t)
	ctx := context.Background()
	admin := bulkenrol.Actor{UserID: w.adminID}
	u1 := bulkUser(t, w.db, "emp1@example.jp")
	u2 := bulkUser(t, w.db, "emp2@example.jp")
	u3 := bulkUser(t, w.db, "emp3@example.jp")
	// emp3 is already enrolled in the self-paced course.
	svc := learning.NewService(w.db.Gorm, nil, nil, w.messages, "http://127.0.0.1")
	if _, err := svc.EnrolSelfPaced(ctx, learning.Learner{UserID: u3}, w.selfID); err != nil {
		t.Fatal(err)
	}
	csv := bulkHeader +
		"emp1@example.jp,社員一,13,G,engineer,bulk-self,\n" +
		"emp3@example.jp,社員三,13,G,engineer,bulk-self,\n" +
		"emp1@example.jp,社員一,13,G,engineer,bulk-cohort," + w.openCohort + "\n" +
		"emp2@example.jp,社員二,13,G,engineer,bulk-cohort," + w.openCohort + "\n" +
		"new1@example.jp,新人一,27,E,developer,bulk-self,\n" +
		"new1@example.jp,新人一,27,E,developer,bulk-cohort," + w.openCohort + "\n" +
		"new2@example.jp,新人二,01,E,other,bulk-self,\n"
	rep, err := w.bulk.DryRun(ctx, admin, w.orgID, "good.csv", []byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	// emp3's own enrolment is not this organisation's: the row counts as
	// "to enrol or invite" like any other (issue 15 finding 3). The cohort
	// has one free seat for its three rows.
	if !rep.OK() || rep.Rows != 7 || rep.Enrol != 7 || rep.Waitlisted != 2 || rep.Unchanged != 0 {
		t.Fatalf("dry run %+v", rep)
	}
	imp, err := w.bulk.StartImport(ctx, admin, w.orgID, rep.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.bulk.StartImport(ctx, admin, w.orgID, rep.SHA256)
	if err != nil || again.ID != imp.ID {
		t.Fatalf("a second start of a queued import: %v %v", again, err)
	}
	if err := w.bulk.RunImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	done, err := w.bulk.Import(ctx, admin, w.orgID, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != bulkenrol.ImportDone || done.Processed != 7 || done.Enrolled != 3 || done.Invited != 3 || done.Unchanged != 1 {
		t.Fatalf("import %+v", done)
	}
	t.Run("Enrolments", func(t *testing.T) {
		var rows []struct {
			UserID, Status string
			CohortID       *string
			OrgID          *string
		}
		w.db.Gorm.Raw(`SELECT user_id, status, cohort_id, org_id FROM enrolments WHERE org_id = ? ORDER BY enrolled_at, status`, w.orgID).Scan(&rows)
		if len(rows) != 3 {
			t.Fatalf("enrolments %+v", rows)
		}
		var seated, waiting int
		w.db.Gorm.Raw(`SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'waitlisted') FROM enrolments WHERE cohort_id = ?`, w.openCohort).Row().Scan(&seated, &waiting)
		var taken int
		w.db.Gorm.Raw(`SELECT seats_taken FROM cohorts WHERE id = ?`, w.openCohort).Row().Scan(&taken)
		if seated != 1 || waiting != 1 || taken != 1 {
			t.Fatalf("cohort of 1 seat: %d seated, %d waiting, seats_taken %d", seated, waiting, taken)
		}
		var firstSeated string
		w.db.Gorm.Raw(`SELECT user_id FROM enrolments WHERE cohort_id = ? AND status = 'active'`, w.openCohort).Row().Scan(&firstSeated)
		if firstSeated != u1 {
			t.Fatal("the seat did not go to the earlier line")
		}
		var next *string
		w.db.Gorm.Raw(`SELECT next_lesson_id FROM enrolments WHERE user_id = ? AND course_id = ?`, u1, w.selfID).Row().Scan(&next)
		if next == nil {
			t.Fatal("no next lesson on a bulk enrolment")
		}
		_ = u2
	})
	t.Run("Events", func(t *testing.T) {
		var ev []struct {
			EventType, Prefecture, Segment, SkillArea string
			OrgID                                     *string
		}
		w.db.Gorm.Raw(`SELECT event_type, prefecture, segment, skill_area, org_id FROM learning_events WHERE org_id = ? ORDER BY id`, w.orgID).Scan(&ev)
		count := map[string]int{}
		for _, e := range ev {
			count[e.EventType]++
			if e.Prefecture != "13" || e.Segment != "engineer" || e.SkillArea != "digital_literacy" {
				t.Errorf("event without dimensions: %+v", e)
			}
		}
		if count["enrolled"] != 3 || count["seat_taken"] != 1 || count["waitlisted"] != 1 {
			t.Fatalf("events %v", count)
		}
	})
	t.Run("Invitations", func(t *testing.T) {
		var inv []struct{ Email, Role string }
		w.db.Gorm.Raw(`SELECT email, role FROM invitations WHERE org_id = ? ORDER BY email`, w.orgID).Scan(&inv)
		if len(inv) != 2 || inv[0].Email != "new1@example.jp" || inv[0].Role != "member" {
			t.Fatalf("invitations %+v", inv)
		}
		var pending, jobs, consents int
		w.db.Gorm.Raw(`SELECT count(*) FROM pending_enrolments WHERE org_id = ?`, w.orgID).Row().Scan(&pending)
		w.db.Gorm.Raw(`SELECT count(*) FROM river_job WHERE kind = 'send_email' AND args->>'to' LIKE 'new%'`).Row().Scan(&jobs)
		if pending != 3 || jobs != 2 {
			t.Fatalf("%d pending enrolments, %d invitation emails queued", pending, jobs)
		}
		// The three existing accounts outside the organisation are asked for
		// consent (issue 15 finding 2), each by one email.
		w.db.Gorm.Raw(`SELECT count(*) FROM river_job WHERE kind = 'send_email' AND args->>'to' LIKE 'emp%'`).Row().Scan(&jobs)
		w.db.Gorm.Raw(`SELECT count(*) FROM progress_consents WHERE org_id = ? AND granted_at IS NULL`, w.orgID).Row().Scan(&consents)
		if jobs != 3 || consents != 3 {
			t.Fatalf("%d consent requests, %d consent emails, want 3 and 3", consents, jobs)
		}
		var files int
		w.db.Gorm.Raw(`SELECT count(*) FROM enrolment_import_files`).Row().Scan(&files)
		if files != 0 {
			t.Fatal("the file was kept after its import")
		}
	})
	t.Run("SecondRunChangesNothing", func(t *testing.T) {
		before := bulkCounts(t, w.db)
		rep, err := w.bulk.DryRun(ctx, admin, w.orgID, "good.csv", []byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		// emp3 enrolled themselves, not through the organisation.
		if !rep.OK() || rep.Unchanged != 6 || rep.Enrol != 1 {
			t.Fatalf("dry run of the same file again %+v", rep)
		}
		imp2, err := w.bulk.StartImport(ctx, admin, w.orgID, rep.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.bulk.RunImport(ctx, imp2.ID); err != nil {
			t.Fatal(err)
		}
		// A retried job (already done) changes nothing either.
		if err := w.bulk.RunImport(ctx, imp2.ID); err != nil {
			t.Fatal(err)
		}
		d, _ := w.bulk.Import(ctx, admin, w.orgID, imp2.ID)
		if d.Status != bulkenrol.ImportDone || d.Unchanged != 7 || d.Enrolled != 0 || d.Invited != 0 {
			t.Fatalf("second import %+v", d)
		}
		// One more queued email job: none. The job row of the import itself is another kind.
		if after := bulkCounts(t, w.db); after != before {
			t.Fatalf("the same file again changed something: %s -> %s", before, after)
		}
	})
	t.Run("AcceptanceEnrols", func(t *testing.T) {
		var args []byte
		w.db.Gorm.Raw(`SELECT args FROM river_job WHERE kind = 'send_email' AND args->>'to' = 'new1@example.jp'`).Row().Scan(&args)
		var m mail.Message
		json.Unmarshal(args, &m)
		tok := regexp.MustCompile(`/invitations/([A-Za-z0-9_-]+)`).FindStringSubmatch(m.Body)
		if tok == nil || !strings.Contains(m.Subject, "一括株式会社") {
			t.Fatalf("invitation email %+v", m)
		}
		newUser := bulkUser(t, w.db, "new1@example.jp")
		orgs := org.NewService(w.db.Gorm, nil, w.messages, "http://127.0.0.1")
		orgs.OnAccept(w.bulk.ClaimPending)
		if _, err := orgs.Accept(ctx, org.Actor{UserID: newUser}, tok[1]); err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			Status string
			OrgID  *string
		}
		w.db.Gorm.Raw(`SELECT status, org_id FROM enrolments WHERE user_id = ? ORDER BY status`, newUser).Scan(&rows)
		if len(rows) != 2 || rows[0].Status != "active" || rows[1].Status != "waitlisted" || rows[0].OrgID == nil || *rows[0].OrgID != w.orgID {
			t.Fatalf("enrolments after accepting: %+v", rows)
		}
		var pending int
		w.db.Gorm.Raw(`SELECT count(*) FROM pending_enrolments WHERE email = 'new1@example.jp'`).Row().Scan(&pending)
		if pending != 0 {
			t.Fatal("pending enrolments kept after acceptance")
		}
	})
}

// TestBulkDryRunRevealsNoAccounts (issue 15 finding 3): a dry run of a file
// naming a registered address and one of an unknown address report the
// same counts, so HR cannot learn who has an account.
func TestBulkDryRunRevealsNoAccounts(t *testing.T) {
	w := bulkSetup(t)
	ctx := context.Background()
	admin := bulkenrol.Actor{UserID: w.adminID}
	bulkUser(t, w.db, "has-account@example.jp")
	report := func(email string) string {
		t.Helper()
		rep, err := w.bulk.DryRun(ctx, admin, w.orgID, "one.csv", []byte(bulkHeader+email+",一,13,G,engineer,bulk-self,\n"+
			email+",一,13,G,engineer,bulk-cohort,"+w.openCohort+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		c := *rep
		c.SHA256 = ""
		return fmt.Sprintf("%+v", c)
	}
	if a, b := report("has-account@example.jp"), report("no-account@example.jp"); a != b {
		t.Fatalf("the dry run tells a registered address from an unknown one:\nregistered: %s\nunknown:    %s", a, b)
	}
}
