package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// rangeGetter fetches n bytes of a remote blob from offset off.
type rangeGetter func(ctx context.Context, off, n int64) (io.ReadCloser, error)

// remoteFile reads a remote blob of known size as an io.ReadSeekCloser:
// each Read after a Seek starts one ranged GET from the offset to the end,
// so http.ServeContent answers Range requests without fetching the rest.
type remoteFile struct {
	ctx  context.Context
	get  rangeGetter
	size int64
	off  int64
	body io.ReadCloser
}

func (f *remoteFile) Read(p []byte) (int, error) {
	if f.off >= f.size {
		return 0, io.EOF
	}
	if f.body == nil {
		body, err := f.get(f.ctx, f.off, f.size-f.off)
		if err != nil {
			return 0, err
		}
		f.body = body
	}
	n, err := f.body.Read(p)
	f.off += int64(n)
	if errors.Is(err, io.EOF) && f.off < f.size {
		err = fmt.Errorf("%w: blob ended at %d of %d bytes", ErrUnavailable, f.off, f.size)
	} else if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return n, err
}

func (f *remoteFile) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = f.off + offset
	case io.SeekEnd:
		abs = f.size + offset
	default:
		return 0, errors.New("storage: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("storage: negative position")
	}
	if abs != f.off && f.body != nil {
		f.body.Close()
		f.body = nil
	}
	f.off = abs
	return abs, nil
}

func (f *remoteFile) Close() error {
	if f.body != nil {
		err := f.body.Close()
		f.body = nil
		return err
	}
	return nil
}

// countingReader enforces Put's limit and counts the bytes read. Past the
// limit it fails with ErrTooLarge, so the client aborts the upload.
type countingReader struct {
	ctx   context.Context
	r     io.Reader
	limit int64
	n     int64
	over  bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.limit > 0 && c.n > c.limit {
		c.over = true
		return n, ErrTooLarge
	}
	return n, err
}

// unavailable wraps err as ErrUnavailable unless it is a cancellation.
func unavailable(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}
