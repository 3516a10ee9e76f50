// Package storage keeps uploaded files (course videos and resources) behind
// a small interface. The one implementation stores files under a directory
// on local disk; an S3-compatible object store is the scale-out path and
// would implement the same interface.
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
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", 0, err
	}
	key := hex.EncodeToString(b)
	p, _ := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return "", 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return "", 0, err
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
		return "", 0, err
	}
	if limit > 0 && n > limit {
		return "", 0, ErrTooLarge
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", 0, err
	}
	return key, n, nil
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
