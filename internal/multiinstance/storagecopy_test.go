package multiinstance_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/storage"
	"takumi/internal/storage/storagetest"
)

// TestStorageCopyCommand: `takumi storage copy --to s3` copies the files
// the media table refers to from the data directory to the bucket; run
// again it copies nothing; a file missing from the directory is reported
// and the exit status is non-zero.
func TestStorageCopyCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	s3 := storagetest.SeaweedFS(t)
	db := dbtest.New(t)
	ctx := context.Background()
	dataDir := t.TempDir()
	dir, err := storage.NewDir(filepath.Join(dataDir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	author := fixtures.MustCreateUser(t, db, fixtures.User{Email: "copy-author@example.jp", NoPassword: true})
	provider := fixtures.MustAddMember(t, db, "コピー研修機関", "provider", author, "instructor", false)
	var keys []string
	for i := range 3 {
		data := make([]byte, 10000+i)
		rand.Read(data)
		key, n, err := dir.Put(ctx, bytes.NewReader(data), 0)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
		if err := db.Gorm.Exec(`INSERT INTO media (provider_id, filename, content_type, size_bytes, sha256, storage_key)
			VALUES (?, 'f.pdf', 'application/pdf', ?, '\x00', ?)`, provider, n, key).Error; err != nil {
			t.Fatal(err)
		}
	}
	run := func() (string, error) {
		cmd := exec.Command(takumiBinary(t), "storage", "copy", "--to", "s3")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbtest.URL(t, db), "TAKUMI_ENV=development", "TAKUMI_DATA_DIR="+dataDir,
			"TAKUMI_METRICS_ADDR=off", "TAKUMI_S3_ENDPOINT="+s3.Endpoint, "TAKUMI_S3_REGION="+s3.Region,
			"TAKUMI_S3_BUCKET="+s3.Bucket, "TAKUMI_S3_ACCESS_KEY_ID="+s3.AccessKeyID,
			"TAKUMI_S3_SECRET_ACCESS_KEY="+s3.SecretAccessKey, "TAKUMI_S3_PATH_STYLE=true")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run()
	if err != nil || !strings.Contains(out, "3 files, 3 copied") {
		t.Fatalf("first copy: %v\n%s", err, out)
	}
	out, err = run()
	if err != nil || !strings.Contains(out, "0 copied (0 bytes), 3 already there") {
		t.Fatalf("second copy: %v\n%s", err, out)
	}
	b, err := storage.NewS3(s3)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		if size, err := b.Stat(ctx, k); err != nil || size != int64(10000+i) {
			t.Fatalf("%s in the bucket: %d %v", k, size, err)
		}
	}
	// A file lost from the directory: reported, exit status non-zero.
	dir.Delete(ctx, keys[0])
	b.Delete(ctx, keys[0])
	out, err = run()
	if err == nil || !strings.Contains(out, "1 missing from the source") || !strings.Contains(out, "run it again") {
		t.Fatalf("copy with a missing file: %v\n%s", err, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "storage copy ") {
			t.Logf("%s", l)
		}
	}
}
