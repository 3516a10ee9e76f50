package storage

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/prometheus/client_golang/prometheus"
)

// Settings choose and configure the backend (TAKUMI_STORAGE and the
// variables of the chosen backend; internal/config reads them).
type Settings struct {
	Backend string // dir (default), s3 or azblob
	Dir     string // the dir backend's root (DataDir/media)
	S3      S3Settings
	Azblob  AzblobSettings
}

// New returns the backend the settings name. It checks the settings'
// shape but does not contact a remote store: call Check for that.
func New(s Settings) (Backend, error) {
	switch s.Backend {
	case "", "dir":
		return NewDir(s.Dir)
	case "s3":
		return NewS3(s.S3)
	case "azblob":
		return NewAzblob(s.Azblob)
	}
	return nil, fmt.Errorf("TAKUMI_STORAGE must be dir, s3 or azblob, not %q", s.Backend)
}

// Instrumented counts a backend's failures in
// takumi_storage_failures_total{backend, op}: every error other than "not
// found", "too large" and a cancelled request, including a read that fails
// half-way through a download.
type Instrumented struct {
	Backend
	failures *prometheus.CounterVec
}

// Instrument wraps b so that its failures are counted; the counter is
// registered with reg.
func Instrument(b Backend, reg prometheus.Registerer) *Instrumented {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "takumi_storage_failures_total",
		Help: "Media storage operations of this instance that failed (store unreachable, refused, or a server error), by backend and operation (put, open, read, delete)."},
		[]string{"backend", "op"})
	reg.MustRegister(c)
	for _, op := range []string{"put", "open", "read", "delete"} {
		c.WithLabelValues(b.Name(), op) // present at 0 before the first failure
	}
	return &Instrumented{Backend: b, failures: c}
}

// Failures is the failure counter (for tests).
func (i *Instrumented) Failures() *prometheus.CounterVec { return i.failures }

func (i *Instrumented) count(op string, err error) {
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrTooLarge) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.Canceled) {
		return
	}
	i.failures.WithLabelValues(i.Backend.Name(), op).Inc()
}

// Put implements Storage.
func (i *Instrumented) Put(ctx context.Context, r io.Reader, limit int64) (string, int64, error) {
	key, n, err := i.Backend.Put(ctx, r, limit)
	i.count("put", err)
	return key, n, err
}

// Open implements Storage.
func (i *Instrumented) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	f, err := i.Backend.Open(ctx, key)
	i.count("open", err)
	if err != nil {
		return nil, err
	}
	return &countedFile{ReadSeekCloser: f, i: i}, nil
}

// Delete implements Storage.
func (i *Instrumented) Delete(ctx context.Context, key string) error {
	err := i.Backend.Delete(ctx, key)
	i.count("delete", err)
	return err
}

type countedFile struct {
	io.ReadSeekCloser
	i *Instrumented
}

func (f *countedFile) Read(p []byte) (int, error) {
	n, err := f.ReadSeekCloser.Read(p)
	f.i.count("read", err)
	return n, err
}
