// Package dbtest gives each test a fresh, fully migrated PostgreSQL database.
// The migrations run once into a template database (named by a hash of the
// migration files), and each test database is a cheap copy of it. A test's
// database is dropped when the test passes and kept, with its name logged,
// when it fails, so the state can be inspected.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"takumi/internal/database"
	"takumi/migrations"
)

// ServerURL is the PostgreSQL server tests use: TAKUMI_TEST_DATABASE_URL, or
// the local server on 127.0.0.1:5432.
func ServerURL() string {
	if u := os.Getenv("TAKUMI_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// New returns a fresh migrated database for t.
func New(t testing.TB) *database.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tmpl, err := ensureTemplate(ctx)
	if err != nil {
		t.Fatalf("dbtest: template: %v", err)
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "takumi_test_" + hex.EncodeToString(suffix)
	if err := adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{tmpl}.Sanitize())); err != nil {
		t.Fatalf("dbtest: create %s: %v", name, err)
	}
	url, err := database.WithDatabase(ServerURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(ctx, url)
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", name, err)
	}
	t.Cleanup(func() {
		db.Close()
		if t.Failed() {
			t.Logf("dbtest: kept database %s for inspection", name)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adminExec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return db
}

// URL returns the connection URL of a test database opened by New.
func URL(t testing.TB, db *database.DB) string {
	t.Helper()
	u, err := database.WithDatabase(ServerURL(), db.Pool.Config().ConnConfig.Database)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// ensureTemplate creates the migrated template database once per migration
// set; an advisory lock keeps parallel test packages from racing.
func ensureTemplate(ctx context.Context) (string, error) {
	h := sha256.New()
	names, _ := fs.Glob(migrations.FS, "*.sql")
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	name := "takumi_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7245002)"); err != nil {
		return "", err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(7245002)")
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	url, err := database.WithDatabase(ServerURL(), name)
	if err != nil {
		return "", err
	}
	db, err := database.Open(ctx, url) // creates it
	if err != nil {
		return "", err
	}
	err = database.Migrate(ctx, db)
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE true"); err != nil {
		return "", err
	}
	return name, nil
}

// ExecUnnotified runs sql in a transaction with the triggers off
// (session_replication_role = replica): a change that no notification of
// the catalogue or session signal tells of, so a test can tell whether a
// service read the database (it shows the change) or served from memory
// (it does not).
func ExecUnnotified(t testing.TB, db *database.DB, sql string, args ...any) {
	t.Helper()
	err := db.Gorm.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL session_replication_role = replica").Error; err != nil {
			return err
		}
		return tx.Exec(sql, args...).Error
	})
	if err != nil {
		t.Fatal(err)
	}
}
