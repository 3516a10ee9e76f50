package storage

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDir(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("PutOpenDelete", func(t *testing.T) {
		key, n, err := d.Put(ctx, strings.NewReader("講座の資料"), 100)
		if err != nil || n != int64(len("講座の資料")) {
			t.Fatalf("put: %v %d", err, n)
		}
		f, err := d.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != "講座の資料" {
			t.Fatalf("read back %q", b)
		}
		if err := d.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Open(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
	t.Run("ErrTooLargeStoresNothing", func(t *testing.T) {
		_, _, err := d.Put(ctx, strings.NewReader(strings.Repeat("x", 101)), 100)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("101 bytes over a 100-byte limit: %v", err)
		}
		var files int
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				files++
			}
			return nil
		})
		if files != 0 {
			t.Fatalf("%d files left behind", files)
		}
	})
	t.Run("ErrKeyOutsideRoot", func(t *testing.T) {
		if _, err := d.Open(ctx, "../../etc/passwd"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("path traversal key: %v", err)
		}
	})
}
