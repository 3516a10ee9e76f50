package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"takumi/internal/dbtest"
	"takumi/internal/storage"
	"takumi/internal/storage/storagetest"
)

// backendUnderTest is one backend on a real server, with a way to count
// what it stores (to prove that refused uploads leave nothing behind).
type backendUnderTest struct {
	name  string
	b     storage.Backend
	count func(t *testing.T) int
}

func dirBackend(t *testing.T) backendUnderTest {
	root := t.TempDir()
	d, err := storage.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return backendUnderTest{name: "dir", b: d, count: func(t *testing.T) int {
		n := 0
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				n++
			}
			return nil
		})
		return n
	}}
}

func s3Backend(t *testing.T) backendUnderTest {
	s := storagetest.SeaweedFS(t)
	b, err := storage.NewS3(s)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := minio.New(strings.TrimPrefix(s.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(s.AccessKeyID, s.SecretAccessKey, ""), Region: s.Region, BucketLookup: minio.BucketLookupPath})
	return backendUnderTest{name: "s3", b: b, count: func(t *testing.T) int {
		n := 0
		for o := range c.ListObjects(context.Background(), s.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			if o.Key == "ready-check" {
				// storagetest's own probe object, removed after start-up but
				// listed by SeaweedFS on and off for a while after: not ours.
				continue
			}
			n++
		}
		// Unfinished multipart uploads hold data too.
		for u := range c.ListIncompleteUploads(context.Background(), s.Bucket, "", true) {
			if u.Err == nil {
				n++
			}
		}
		return n
	}}
}

func azblobBackend(t *testing.T) backendUnderTest {
	s := storagetest.Azurite(t)
	b, err := storage.NewAzblob(s)
	if err != nil {
		t.Fatal(err)
	}
	cred, _ := container.NewSharedKeyCredential(s.Account, s.Key)
	c, _ := container.NewClientWithSharedKeyCredential(s.Endpoint+"/"+s.Container, cred, nil)
	return backendUnderTest{name: "azblob", b: b, count: func(t *testing.T) int {
		n := 0
		// Committed blobs only: uncommitted blocks are not a blob, and
		// the service drops them after a week.
		pager := c.NewListBlobsFlatPager(nil)
		for pager.More() {
			page, err := pager.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.Segment.BlobItems)
		}
		return n
	}}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestContract runs the same contract against every backend, each on a
// real server: the local directory, SeaweedFS's S3 gateway and Azurite.
func TestContract(t *testing.T) {
	for _, c := range []struct {
		name string
		mk   func(*testing.T) backendUnderTest
	}{{"dir", dirBackend}, {"s3", s3Backend}, {"azblob", azblobBackend}} {
		// Each server starts in its subtest, so a missing one skips (or, in
		// CI, fails) only its own backend.
		t.Run(c.name, func(t *testing.T) { contract(t, c.mk(t)) })
	}
}

func contract(t *testing.T, be backendUnderTest) {
	ctx := context.Background()
	b := be.b
	if err := b.Check(ctx); err != nil {
		t.Fatalf("check: %v", err)
	}
	t.Run("PutOpenDelete", func(t *testing.T) {
		data := []byte("講座の資料 — テスト")
		key, n, err := b.Put(ctx, bytes.NewReader(data), 100)
		if err != nil || n != int64(len(data)) || !storage.ValidKey(key) {
			t.Fatalf("put: %q %d %v", key, n, err)
		}
		f, err := b.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(got, data) {
			t.Fatalf("read back %q", got)
		}
		if size, err := b.Stat(ctx, key); err != nil || size != int64(len(data)) {
			t.Fatalf("stat: %d %v", size, err)
		}
		if err := b.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Open(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("open after delete: %v", err)
		}
		if _, err := b.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("stat after delete: %v", err)
		}
		if err := b.Delete(ctx, key); err != nil {
			t.Fatalf("deleting twice: %v", err)
		}
	})
	t.Run("Seek", func(t *testing.T) {
		data := randomBytes(300 << 10)
		key, _, err := b.Put(ctx, bytes.NewReader(data), 0)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Delete(ctx, key)
		f, err := b.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		// What http.ServeContent does for "Range: bytes=1000-1999".
		if end, err := f.Seek(0, io.SeekEnd); err != nil || end != int64(len(data)) {
			t.Fatalf("seek end: %d %v", end, err)
		}
		if _, err := f.Seek(1000, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		part := make([]byte, 1000)
		if _, err := io.ReadFull(f, part); err != nil || !bytes.Equal(part, data[1000:2000]) {
			t.Fatalf("range 1000-1999: %v", err)
		}
		// Read on, then back to the start: a new range.
		if _, err := io.ReadFull(f, part); err != nil || !bytes.Equal(part, data[2000:3000]) {
			t.Fatalf("range 2000-2999: %v", err)
		}
		if _, err := f.Seek(-10, io.SeekEnd); err != nil {
			t.Fatal(err)
		}
		tail, err := io.ReadAll(f)
		if err != nil || !bytes.Equal(tail, data[len(data)-10:]) {
			t.Fatalf("last 10 bytes: %v", err)
		}
		f.Seek(0, io.SeekStart)
		all, err := io.ReadAll(f)
		if err != nil || !bytes.Equal(all, data) {
			t.Fatalf("whole file after seeks: %d bytes, %v", len(all), err)
		}
	})
	t.Run("Large", func(t *testing.T) {
		// Larger than one S3 part (16 MiB) and many Azure blocks (4 MiB).
		data := randomBytes(20 << 20)
		start := time.Now()
		key, n, err := b.Put(ctx, bytes.NewReader(data), 25<<20)
		if err != nil || n != int64(len(data)) {
			t.Fatalf("put 20 MiB: %d %v", n, err)
		}
		up := time.Since(start)
		defer b.Delete(ctx, key)
		start = time.Now()
		f, err := b.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(f)
		f.Close()
		down := time.Since(start)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back 20 MiB: %d bytes, %v", len(got), err)
		}
		// Small files: what a page's lesson resources cost.
		small := randomBytes(64 << 10)
		var upSmall, downSmall time.Duration
		const rounds = 10
		for range rounds {
			s := time.Now()
			k, _, err := b.Put(ctx, bytes.NewReader(small), 0)
			if err != nil {
				t.Fatal(err)
			}
			upSmall += time.Since(s)
			s = time.Now()
			f, err := b.Open(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, f)
			f.Close()
			downSmall += time.Since(s)
			b.Delete(ctx, k)
		}
		t.Logf("%s: 20 MiB put %v (%.0f MiB/s), read %v (%.0f MiB/s); 64 KiB put %v, open+read %v (mean of %d)",
			be.name, up.Round(time.Millisecond), 20/up.Seconds(), down.Round(time.Millisecond), 20/down.Seconds(),
			(upSmall / rounds).Round(100*time.Microsecond), (downSmall / rounds).Round(100*time.Microsecond), rounds)
	})
	t.Run("ErrTooLargeStoresNothing", func(t *testing.T) {
		before := be.count(t)
		for _, size := range []int{101, 17 << 20} { // one request; several parts or blocks
			_, _, err := b.Put(ctx, bytes.NewReader(randomBytes(size)), int64(size-1))
			if !errors.Is(err, storage.ErrTooLarge) {
				t.Fatalf("%d bytes over a %d-byte limit: %v", size, size-1, err)
			}
		}
		// A store may finish cleaning up an aborted upload a moment after
		// answering (SeaweedFS's listing lagged once in CI): what is
		// left behind must be gone within a few seconds.
		after := be.count(t)
		for deadline := time.Now().Add(5 * time.Second); after != before && time.Now().Before(deadline); after = be.count(t) {
			time.Sleep(200 * time.Millisecond)
		}
		if after != before {
			t.Fatalf("refused uploads left %d blobs behind", after-before)
		}
	})
	t.Run("AtTheLimit", func(t *testing.T) {
		key, n, err := b.Put(ctx, bytes.NewReader(randomBytes(100)), 100)
		if err != nil || n != 100 {
			t.Fatalf("exactly at the limit: %d %v", n, err)
		}
		b.Delete(ctx, key)
	})
	t.Run("ErrBadKey", func(t *testing.T) {
		for _, key := range []string{"../../etc/passwd", "", "ABCDEF", strings.Repeat("a", 32) + "/x"} {
			if _, err := b.Open(ctx, key); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("key %q: %v", key, err)
			}
		}
		if _, err := b.Open(ctx, strings.Repeat("0", 32)); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("absent key: %v", err)
		}
	})
	t.Run("PutKey", func(t *testing.T) {
		key := strings.Repeat("ab", 16)
		data := randomBytes(5000)
		if err := b.PutKey(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		defer b.Delete(ctx, key)
		if size, err := b.Stat(ctx, key); err != nil || size != 5000 {
			t.Fatalf("stat: %d %v", size, err)
		}
		// A source shorter than announced is not complete at the key.
		key2 := strings.Repeat("cd", 16)
		err := b.PutKey(ctx, key2, bytes.NewReader(data[:100]), 5000)
		if size, serr := b.Stat(ctx, key2); err == nil && serr == nil && size == 5000 {
			t.Fatal("a short copy looks complete")
		}
		b.Delete(ctx, key2)
	})
	t.Run("CopyIdempotent", func(t *testing.T) {
		src, err := storage.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		var items []storage.Item
		for i := range 5 {
			data := randomBytes(1000 + i)
			k, n, err := src.Put(ctx, bytes.NewReader(data), 0)
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, storage.Item{Key: k, Size: n})
		}
		// First run stops half-way: the destination holds the first two.
		for _, it := range items[:2] {
			f, _ := src.Open(ctx, it.Key)
			if err := b.PutKey(ctx, it.Key, f, it.Size); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		res, err := storage.Copy(ctx, src, b, items, nil)
		if err != nil || res.Copied != 3 || res.Skipped != 2 {
			t.Fatalf("resumed copy: %+v %v", res, err)
		}
		res, err = storage.Copy(ctx, src, b, items, nil)
		if err != nil || res.Copied != 0 || res.Skipped != 5 {
			t.Fatalf("second copy: %+v %v", res, err)
		}
		for _, it := range items {
			f, err := b.Open(ctx, it.Key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(f)
			f.Close()
			want, _ := src.Open(ctx, it.Key)
			wb, _ := io.ReadAll(want)
			want.Close()
			if !bytes.Equal(got, wb) {
				t.Fatalf("%s differs after copy", it.Key)
			}
			b.Delete(ctx, it.Key)
		}
		// A file missing from the source is reported, the rest copied.
		src.Delete(ctx, items[0].Key)
		res, err = storage.Copy(ctx, src, b, items, nil)
		if err == nil || res.Missing != 1 || res.Copied != 4 {
			t.Fatalf("copy with a missing source file: %+v %v", res, err)
		}
		for _, it := range items {
			b.Delete(ctx, it.Key)
		}
	})
	t.Run("FailuresCounted", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		in := storage.Instrument(b, reg)
		if _, err := in.Open(ctx, strings.Repeat("0", 32)); !errors.Is(err, storage.ErrNotFound) {
			t.Fatal(err)
		}
		if n := testutil.ToFloat64(in.Failures().WithLabelValues(b.Name(), "open")); n != 0 {
			t.Fatalf("not found counted as a failure: %v", n)
		}
	})
}

// deadEndpoint is a loopback address where nothing listens.
func deadEndpoint(t *testing.T) string { return dbtest.FreeAddr(t) }

// TestUnreachable: a store that cannot be reached fails each operation
// with ErrUnavailable, quickly, and the failures are counted.
func TestUnreachable(t *testing.T) {
	ctx := context.Background()
	s3, err := storage.NewS3(storage.S3Settings{Endpoint: "http://" + deadEndpoint(t), Bucket: "media",
		AccessKeyID: "a", SecretAccessKey: "b", Region: "us-east-1", PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	az, err := storage.NewAzblob(storage.AzblobSettings{Account: storagetest.AzuriteAccount, Key: storagetest.AzuriteKey,
		Container: "media", Endpoint: "http://" + deadEndpoint(t) + "/" + storagetest.AzuriteAccount})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []storage.Backend{s3, az} {
		t.Run(b.Name(), func(t *testing.T) {
			reg := prometheus.NewRegistry()
			in := storage.Instrument(b, reg)
			start := time.Now()
			if err := b.Check(ctx); !errors.Is(err, storage.ErrUnavailable) || !strings.Contains(err.Error(), "ENDPOINT") {
				t.Fatalf("check: %v", err)
			}
			if _, _, err := in.Put(ctx, strings.NewReader("x"), 10); !errors.Is(err, storage.ErrUnavailable) {
				t.Fatalf("put: %v", err)
			}
			if _, err := in.Open(ctx, strings.Repeat("0", 32)); !errors.Is(err, storage.ErrUnavailable) {
				t.Fatalf("open: %v", err)
			}
			if took := time.Since(start); took > 30*time.Second {
				t.Fatalf("failing took %v", took)
			}
			if p, o := testutil.ToFloat64(in.Failures().WithLabelValues(b.Name(), "put")), testutil.ToFloat64(in.Failures().WithLabelValues(b.Name(), "open")); p != 1 || o != 1 {
				t.Fatalf("failures counted: put %v, open %v", p, o)
			}
			t.Logf("%s: check, put and open failed in %v", b.Name(), time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestWrongSettings: wrong credentials, bucket or container at start give
// an error naming the setting.
func TestWrongSettings(t *testing.T) {
	ctx := context.Background()
	t.Run("s3", func(t *testing.T) {
		s := storagetest.SeaweedFS(t)
		for _, c := range []struct {
			name string
			mod  func(*storage.S3Settings)
			want string
		}{
			{"ErrBucket", func(s *storage.S3Settings) { s.Bucket = "no-such-bucket" }, "TAKUMI_S3_BUCKET"},
			{"ErrAccessKey", func(s *storage.S3Settings) { s.AccessKeyID = "unknown-key" }, "TAKUMI_S3_ACCESS_KEY_ID"},
			{"ErrSecret", func(s *storage.S3Settings) { s.SecretAccessKey = "wrong-secret-wrong-secret" }, "TAKUMI_S3_SECRET_ACCESS_KEY"},
		} {
			t.Run(c.name, func(t *testing.T) {
				ws := s
				c.mod(&ws)
				b, err := storage.NewS3(ws)
				if err != nil {
					t.Fatal(err)
				}
				err = b.Check(ctx)
				if err == nil || errors.Is(err, storage.ErrUnavailable) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("want an error naming %s, got %v", c.want, err)
				}
			})
		}
	})
	t.Run("azblob", func(t *testing.T) {
		s := storagetest.Azurite(t)
		for _, c := range []struct {
			name string
			mod  func(*storage.AzblobSettings)
			want string
		}{
			{"ErrContainer", func(s *storage.AzblobSettings) { s.Container = "no-such-container" }, "TAKUMI_AZBLOB_CONTAINER"},
			{"ErrKey", func(s *storage.AzblobSettings) {
				s.Key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			}, "TAKUMI_AZBLOB_KEY"},
		} {
			t.Run(c.name, func(t *testing.T) {
				ws := s
				c.mod(&ws)
				b, err := storage.NewAzblob(ws)
				if err != nil {
					t.Fatal(err)
				}
				err = b.Check(ctx)
				if err == nil || errors.Is(err, storage.ErrUnavailable) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("want an error naming %s, got %v", c.want, err)
				}
			})
		}
		if _, err := storage.NewAzblob(storage.AzblobSettings{Account: "a", Key: "not base64!", Container: "c"}); err == nil ||
			!strings.Contains(err.Error(), "TAKUMI_AZBLOB_KEY") {
			t.Fatalf("malformed key: %v", err)
		}
	})
}
