package credential_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"takumi/internal/credential"
	"takumi/internal/database"
)

// A provider's list of issued credentials at the size of the page
// benchmarks (issue 20): skipped unless TAKUMI_PAGE_DATABASE_URL names a
// database that `takumi demo` and scripts/page-bench-data.sql filled (the
// big course's provider then has one credential per learner):
//
//	TAKUMI_PAGE_DATABASE_URL=... go test -run xxx -bench Issued -benchtime 200x ./internal/credential/
//
// Each call is what one view of /org/<provider>/credentials costs the
// database: the provider check, the kept count, the page and the audit
// row. docs/performance.md records the figures.
func issuedBench(b *testing.B) (*credential.Service, credential.Actor, string, string) {
	b.Helper()
	url := os.Getenv("TAKUMI_PAGE_DATABASE_URL")
	if url == "" {
		b.Skip("TAKUMI_PAGE_DATABASE_URL is not set (scripts/page-bench.sh sets it)")
	}
	ctx := context.Background()
	quiet := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer slog.SetDefault(quiet)
	db, err := database.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	keys, err := credential.LoadKeys(credential.KeySource{DataDir: b.TempDir(), Development: true}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	s, err := credential.NewService(db.Gorm, keys, "https://takumi.example.jp", nil)
	if err != nil {
		b.Fatal(err)
	}
	var ids struct{ Provider, Deep string }
	if err := db.Gorm.Raw(`SELECT c.provider_id AS provider,
			(SELECT id FROM credentials WHERE provider_id = c.provider_id ORDER BY issued_at DESC, id DESC
			 OFFSET greatest((SELECT credentials FROM provider_credential_counts WHERE provider_id = c.provider_id) - 51, 0) LIMIT 1) AS deep
		FROM courses c WHERE c.code = 'cloud-basics-101'`).Scan(&ids).Error; err != nil || ids.Deep == "" {
		b.Fatalf("no credentials of the big course's provider (%v): run scripts/page-bench-data.sql", err)
	}
	return s, credential.Actor{UserID: "", IsPlatformAdmin: true, IP: "192.0.2.1"}, ids.Provider, ids.Deep
}

func benchIssued(b *testing.B, f func(deep string) credential.IssuedFilter) {
	s, a, provider, deep := issuedBench(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		l, err := s.ListIssued(ctx, a, provider, f(deep))
		if err != nil {
			b.Fatal(err)
		}
		if len(l.Rows) == 0 {
			b.Fatal("an empty page")
		}
	}
}

// BenchmarkIssuedFirstPage is the list as the organisation page links it.
func BenchmarkIssuedFirstPage(b *testing.B) {
	benchIssued(b, func(string) credential.IssuedFilter { return credential.IssuedFilter{} })
}

// BenchmarkIssuedLastPage is the oldest credentials: the page after the
// 51st-oldest (OFFSET 99,950 at 100,000 credentials before migration 00054).
func BenchmarkIssuedLastPage(b *testing.B) {
	benchIssued(b, func(deep string) credential.IssuedFilter { return credential.IssuedFilter{After: deep} })
}
