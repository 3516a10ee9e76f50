package doctor_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/doctor"
	"takumi/internal/i18n"
	"takumi/internal/storage"
)

// restore dumps src with pg_dump and restores it with psql into a new
// database, as the restore drill of docs/operations.md does.
func restore(t *testing.T, src *database.DB) *database.DB {
	t.Helper()
	dump := filepath.Join(t.TempDir(), "takumi.sql")
	if out, err := exec.Command("pg_dump", "--no-owner", "--file", dump, dbtest.URL(t, src)).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	name := src.Pool.Config().ConnConfig.Database + "_restored"
	url, err := database.WithDatabase(dbtest.ServerURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	admin := func(sql string) {
		t.Helper()
		conn, err := pgx.Connect(context.Background(), dbtest.ServerURL())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	admin("CREATE DATABASE " + pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() { admin("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)") })
	if out, err := exec.Command("psql", "--quiet", "-v", "ON_ERROR_STOP=1", "--file", dump, url).CombinedOutput(); err != nil {
		t.Fatalf("psql restore: %v\n%s", err, out)
	}
	db, err := database.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func check(t *testing.T, checks []doctor.Check, name string) doctor.Check {
	t.Helper()
	for _, c := range checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q", name)
	return doctor.Check{}
}

// TestDoctorAfterRestore: a database with demo credentials and media is
// dumped and restored into a new database; doctor passes with the original
// keyring, base URL and media, and names the problem when one is wrong.
func TestDoctorAfterRestore(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Skip("pg_dump not installed")
	}
	ctx := context.Background()
	src := dbtest.New(t)
	cfg := config.Config{Env: config.EnvDevelopment, BaseURL: "https://takumi.example.jp", DataDir: t.TempDir(), DemoPassword: "demo-password-for-tests"}
	if err := app.LoadDemo(ctx, cfg, src, io.Discard); err != nil {
		t.Fatal(err)
	}
	var creds int
	src.Gorm.Raw("SELECT count(*) FROM credentials").Row().Scan(&creds)
	if creds == 0 {
		t.Fatal("the demo data has no credentials")
	}
	// One uploaded file, as the media backup would hold it.
	files, err := storage.NewDir(filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	key, size, err := files.Put(ctx, strings.NewReader("a lesson video"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Gorm.Exec(`INSERT INTO media (provider_id, filename, content_type, size_bytes, sha256, storage_key)
		SELECT id, 'lesson.mp4', 'video/mp4', ?, '\x00', ? FROM organisations LIMIT 1`, size, key).Error; err != nil {
		t.Fatal(err)
	}
	db := restore(t, src)
	messages := i18n.MustLoad()
	keyring := filepath.Join(cfg.DataDir, credential.DevKeyringFile)
	opts := doctor.Options{DB: db, Keys: credential.KeySource{File: keyring}, BaseURL: cfg.BaseURL,
		MediaDir: filepath.Join(cfg.DataDir, "media"), Messages: messages}

	t.Run("OK", func(t *testing.T) {
		checks := doctor.Run(ctx, opts)
		var out strings.Builder
		doctor.Print(&out, checks)
		t.Logf("\n%s", out.String())
		if doctor.Failed(checks) {
			t.Fatalf("doctor fails on a faithful restore:\n%s", out.String())
		}
		if len(checks) != 6 {
			t.Fatalf("%d checks, want 6", len(checks))
		}
	})
	t.Run("WrongKeyring", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "signing-keys.json")
		if _, err := credential.InitKeyring(other, time.Now()); err != nil {
			t.Fatal(err)
		}
		o := opts
		o.Keys = credential.KeySource{File: other}
		checks := doctor.Run(ctx, o)
		c := check(t, checks, "keyring verifies stored credentials")
		t.Logf("FAIL %s: %s", c.Name, c.Detail)
		if c.OK || !strings.Contains(c.Detail, "does not hold") || !doctor.Failed(checks) {
			t.Fatalf("wrong keyring: %+v", c)
		}
		var keyID string
		db.Gorm.Raw("SELECT key_id FROM credentials LIMIT 1").Row().Scan(&keyID)
		if !strings.Contains(c.Detail, keyID) {
			t.Fatalf("the problem does not name the missing key %s: %s", keyID, c.Detail)
		}
	})
	t.Run("MissingDevelopmentKeyring", func(t *testing.T) {
		o := opts
		o.Keys = credential.KeySource{DataDir: t.TempDir(), Development: true}
		c := check(t, doctor.Run(ctx, o), "keyring verifies stored credentials")
		if c.OK || !strings.Contains(c.Detail, "no keyring") {
			t.Fatalf("missing keyring: %+v", c)
		}
		if entries, _ := os.ReadDir(o.Keys.DataDir); len(entries) != 0 {
			t.Fatal("doctor generated a keyring")
		}
	})
	t.Run("WrongBaseURL", func(t *testing.T) {
		o := opts
		o.BaseURL = "https://restored.example.jp"
		checks := doctor.Run(ctx, o)
		c := check(t, checks, "base URL matches the credentials' DID")
		if c.OK || !strings.Contains(c.Detail, "did:web:takumi.example.jp") {
			t.Fatalf("wrong base URL: %+v", c)
		}
		if k := check(t, checks, "keyring verifies stored credentials"); !k.OK {
			t.Fatalf("the keyring check must not depend on the base URL: %+v", k)
		}
	})
	t.Run("MissingMedia", func(t *testing.T) {
		o := opts
		o.MediaDir = t.TempDir()
		c := check(t, doctor.Run(ctx, o), "referenced media in storage")
		if c.OK || !strings.Contains(c.Detail, "missing") {
			t.Fatalf("missing media: %+v", c)
		}
	})
	t.Run("AuditTampered", func(t *testing.T) {
		// The append-only trigger is bypassed, as someone with the database's
		// superuser could.
		if _, err := db.Pool.Exec(ctx, `SET session_replication_role = replica;
			UPDATE audit_events SET action = action || '!' WHERE id = (SELECT min(id) FROM audit_events);
			RESET session_replication_role`); err != nil {
			t.Fatal(err)
		}
		c := check(t, doctor.Run(ctx, opts), "audit chain intact")
		if c.OK {
			t.Fatalf("tampered audit log: %+v", c)
		}
	})
}
