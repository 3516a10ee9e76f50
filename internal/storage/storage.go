// Package storage keeps uploaded files (course videos and resources) behind
// a small interface with three backends: a directory on local disk (Dir,
// the default, one machine), an S3-compatible object store (S3) and Azure
// Blob Storage (Azblob), so that several instances share their media. New
// opens the one the settings name; docs/storage.md describes them.
package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// ErrNotFound is returned by Open for a key that holds nothing.
var ErrNotFound = errors.New("storage: not found")

// Storage stores and returns opaque blobs by key.
type Storage interface {
	// Put stores r under a new key and returns the key and the bytes written.
	// It stops with an error after limit bytes (limit <= 0: no limit), and
	// then stores nothing.
	Put(ctx context.Context, r io.Reader, limit int64) (key string, size int64, err error)
	// Open returns the blob under key for reading; the caller closes it.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Delete removes the blob under key (no error when already gone).
	Delete(ctx context.Context, key string) error
}

// ErrTooLarge is returned by Put when the input exceeds the limit.
var ErrTooLarge = errors.New("storage: too large")

// ErrUnavailable wraps a failure of the storage service itself (cannot be
// reached, times out, answers with a server error): the request may succeed
// later, and the web layer answers 503.
var ErrUnavailable = errors.New("storage: unavailable")

// Backend is a Storage that also copies blobs under a given key (takumi
// storage copy), reports a blob's size, and checks its settings at start.
type Backend interface {
	Storage
	// Name is the backend's name: dir, s3 or azblob.
	Name() string
	// Check verifies the settings (credentials, bucket or container). An
	// error names the setting at fault.
	Check(ctx context.Context) error
	// Stat returns the size of the blob under key, or ErrNotFound.
	Stat(ctx context.Context, key string) (int64, error)
	// PutKey stores size bytes from r under key, replacing what is there.
	// A failed PutKey leaves nothing under key that Stat reports complete.
	PutKey(ctx context.Context, key string, r io.Reader, size int64) error
}

// ValidKey reports whether key is one Put could have returned.
func ValidKey(key string) bool { return keyRe.MatchString(key) }

// newKey returns a fresh random key.
func newKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Dir stores blobs as files under a directory, two levels of fan-out by key.
type Dir struct{ root string }

// NewDir returns a Dir storage rooted at root, creating it if needed.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &Dir{root: root}, nil
}

var keyRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (d *Dir) path(key string) (string, error) {
	// SECURITY: keys are generated here; anything else is refused, so a key
	// can never walk out of the root.
	if !keyRe.MatchString(key) {
		return "", ErrNotFound
	}
	return filepath.Join(d.root, key[:2], key), nil
}

// Put implements Storage. The file is written under a temporary name and
// renamed into place only when complete.
func (d *Dir) Put(ctx context.Context, r io.Reader, limit int64) (string, int64, error) {
	key, err := newKey()
	if err != nil {
		return "", 0, err
	}
	n, err := d.write(ctx, key, r, limit)
	if err != nil {
		return "", 0, err
	}
	return key, n, nil
}

// write stores r under key through a temporary file renamed into place.
func (d *Dir) write(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	n, err := io.Copy(tmp, &ctxReader{ctx: ctx, r: src})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	if limit > 0 && n > limit {
		return 0, ErrTooLarge
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return 0, err
	}
	return n, nil
}

// Name implements Backend.
func (d *Dir) Name() string { return "dir" }

// Check implements Backend: the directory is writable.
func (d *Dir) Check(context.Context) error {
	f, err := os.CreateTemp(d.root, ".check-*")
	if err != nil {
		return fmt.Errorf("TAKUMI_DATA_DIR: media directory not writable: %w", err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Stat implements Backend.
func (d *Dir) Stat(_ context.Context, key string) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// PutKey implements Backend.
func (d *Dir) PutKey(ctx context.Context, key string, r io.Reader, size int64) error {
	n, err := d.write(ctx, key, io.LimitReader(r, size), 0)
	if err == nil && n != size {
		err = fmt.Errorf("storage: %s: %d bytes of %d", key, n, size)
		_ = d.Delete(ctx, key)
	}
	return err
}

// Open implements Storage.
func (d *Dir) Open(_ context.Context, key string) (io.ReadSeekCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete implements Storage.
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
