//go:build unix

package credential_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"takumi/internal/catalog"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/i18n"
	"takumi/internal/learning"
	"takumi/internal/storage"
)

// benchIssuer is newIssuing for benchmarks: a database, the credential
// service and a published course of a provider (with a skill area, so each
// credential carries its alignments as issued in production).
type benchIssuer struct {
	db       *database.DB
	creds    *credential.Service
	courseID string
}

func newBenchIssuer(b *testing.B) *benchIssuer {
	b.Helper()
	ctx := context.Background()
	db := dbtest.New(b)
	msgs, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	keys, err := credential.LoadKeys(credential.KeySource{DataDir: b.TempDir(), Development: true}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	creds, err := credential.NewService(db.Gorm, keys, "https://takumi.example.jp", msgs)
	if err != nil {
		b.Fatal(err)
	}
	var provider, author string
	if err := db.Gorm.Raw(`INSERT INTO organisations (name_ja, name_en, kind, code)
		VALUES ('ベンチ機関', 'Bench Institute', 'provider', 'bench') RETURNING id`).Row().Scan(&provider); err != nil {
		b.Fatal(err)
	}
	if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
		VALUES ('bench-author@example.jp', 'x', '講師', '2026-11', now()) RETURNING id`).Row().Scan(&author); err != nil {
		b.Fatal(err)
	}
	if err := db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'admin')`, provider, author).Error; err != nil {
		b.Fatal(err)
	}
	files, err := storage.NewDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cs := catalog.NewService(db.Gorm, files)
	a := catalog.Actor{UserID: author}
	c, err := cs.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: provider, Code: "bench", Content: catalog.Content{
		TitleJa: "溶接の基礎", TitleEn: "Welding basics", SummaryJa: "概要", SummaryEn: "Summary",
		SkillArea: "cybersecurity", Level: catalog.LevelIntroductory, EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := cs.EditDraft(ctx, a, c.ID, 0, func(ct *catalog.Content) error {
		ct.Modules = []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
			{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "一", Required: true, BodyMd: "本文"},
		}}}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := cs.Publish(ctx, a, c.ID); err != nil {
		b.Fatal(err)
	}
	return &benchIssuer{db: db, creds: creds, courseID: c.ID}
}

// completed adds n learners, each with a completed enrolment in the course
// and no credential yet.
func (bi *benchIssuer) completed(b *testing.B, n int) []learning.Enrolment {
	b.Helper()
	var es []learning.Enrolment
	if err := bi.db.Gorm.Raw(`WITH u AS (
		  INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment, privacy_notice_version, consented_at)
		  SELECT 'bench-' || gen_random_uuid() || '@example.jp', 'x', '受講者', '13', 'E', 'engineer', '2026-11', now()
		  FROM generate_series(1, ?) RETURNING id)
		INSERT INTO enrolments (user_id, course_id, status, completed_at, progress_percent)
		SELECT id, ?, 'completed', now(), 100 FROM u
		RETURNING *`, n, bi.courseID).Scan(&es).Error; err != nil {
		b.Fatal(err)
	}
	if len(es) != n {
		b.Fatalf("%d enrolments, want %d", len(es), n)
	}
	return es
}

// issue runs the completion hook for e in its own transaction, as the
// learning service does when the last lesson is completed.
func (bi *benchIssuer) issue(b *testing.B, e learning.Enrolment) {
	if err := bi.db.Gorm.Transaction(func(tx *gorm.DB) error {
		return bi.creds.IssueForEnrolment(context.Background(), tx, e, time.Now())
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIssueForEnrolment is the whole issue of one course credential in
// its own transaction, committed: lock the enrolment, read the course,
// provider and skill alignments, allocate a status list entry, build and
// sign, insert the credential and append the learning event. ns/op is wall
// time including PostgreSQL (on the same machine); cpu-ns/op is the Go
// process's CPU alone.
func BenchmarkIssueForEnrolment(b *testing.B) {
	bi := newBenchIssuer(b)
	const batch = 200
	var pending []learning.Enrolment
	var cpu cpuMeter
	b.ReportAllocs()
	for b.Loop() {
		if len(pending) == 0 {
			b.StopTimer()
			pending = bi.completed(b, batch)
			b.StartTimer()
		}
		e := pending[0]
		pending = pending[1:]
		cpu.resume(b)
		bi.issue(b, e)
		cpu.pause(b)
	}
	b.ReportMetric(float64(cpu.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// issuedOne issues one credential and returns it as stored.
func (bi *benchIssuer) issuedOne(b *testing.B) *credential.Holding {
	b.Helper()
	e := bi.completed(b, 1)[0]
	bi.issue(b, e)
	var id string
	if err := bi.db.Gorm.Raw(`SELECT id FROM credentials WHERE enrolment_id = ?`, e.ID).Scan(&id).Error; err != nil {
		b.Fatal(err)
	}
	h, err := bi.creds.Get(context.Background(), id)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkVerify is what /verify does with a pasted credential: the whole
// report from JSON bytes (format, contexts in safe mode, issuer, proof,
// the status bit read from the database, dates).
func BenchmarkVerify(b *testing.B) {
	bi := newBenchIssuer(b)
	h := bi.issuedOne(b)
	raw := []byte(h.Document)
	ctx := context.Background()
	b.ReportAllocs()
	var cpu cpuMeter
	cpu.resume(b)
	for b.Loop() {
		if r := bi.creds.Verify(ctx, raw); r.Verdict != credential.VerdictValid {
			b.Fatalf("verdict %s: %+v", r.Verdict, r.Checks)
		}
	}
	cpu.report(b)
}

// BenchmarkVerifyStored is what the public verification page asks of the
// domain: Report alone is VerifyStored on a credential already read
// (the same checks as Verify, the status bit from the database);
// GetAndReport also reads the credential with its names first.
func BenchmarkVerifyStored(b *testing.B) {
	bi := newBenchIssuer(b)
	h := bi.issuedOne(b)
	ctx := context.Background()
	b.Run("Report", func(b *testing.B) {
		b.ReportAllocs()
		var cpu cpuMeter
		cpu.resume(b)
		for b.Loop() {
			if r := bi.creds.VerifyStored(ctx, &h.Credential); r.Verdict != credential.VerdictValid {
				b.Fatalf("verdict %s: %+v", r.Verdict, r.Checks)
			}
		}
		cpu.report(b)
	})
	b.Run("GetAndReport", func(b *testing.B) {
		b.ReportAllocs()
		var cpu cpuMeter
		cpu.resume(b)
		for b.Loop() {
			got, err := bi.creds.Get(ctx, h.ID)
			if err != nil {
				b.Fatal(err)
			}
			if r := bi.creds.VerifyStored(ctx, &got.Credential); r.Verdict != credential.VerdictValid {
				b.Fatalf("verdict %s: %+v", r.Verdict, r.Checks)
			}
		}
		cpu.report(b)
	})
}
