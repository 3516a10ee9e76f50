package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Settings are the TAKUMI_S3_* settings.
type S3Settings struct {
	Endpoint        string // TAKUMI_S3_ENDPOINT: https://s3.ap-northeast-1.amazonaws.com, http://127.0.0.1:8333
	Region          string // TAKUMI_S3_REGION
	Bucket          string // TAKUMI_S3_BUCKET
	AccessKeyID     string // TAKUMI_S3_ACCESS_KEY_ID
	SecretAccessKey string // TAKUMI_S3_SECRET_ACCESS_KEY
	PathStyle       bool   // TAKUMI_S3_PATH_STYLE: bucket in the path, not the host name
}

// S3 stores blobs as objects of one bucket of an S3-compatible store, named
// by their key.
type S3 struct {
	core   minio.Core
	bucket string
}

// s3PartSize is the part size of uploads of unknown length: the most an
// upload holds in memory at once.
const s3PartSize = 16 << 20

// NewS3 returns an S3 backend. It does not contact the store (Check does).
func NewS3(s S3Settings) (*S3, error) {
	u, err := url.Parse(s.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("TAKUMI_S3_ENDPOINT must be an http(s) URL without a path, like https://s3.ap-northeast-1.amazonaws.com, not %q", s.Endpoint)
	}
	if s.Bucket == "" {
		return nil, errors.New("TAKUMI_S3_BUCKET is required with TAKUMI_STORAGE=s3")
	}
	if s.AccessKeyID == "" || s.SecretAccessKey == "" {
		return nil, errors.New("TAKUMI_S3_ACCESS_KEY_ID and TAKUMI_S3_SECRET_ACCESS_KEY are required with TAKUMI_STORAGE=s3")
	}
	lookup := minio.BucketLookupAuto
	if s.PathStyle {
		lookup = minio.BucketLookupPath
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 30 * time.Second
	tr.MaxIdleConnsPerHost = 32
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKeyID, s.SecretAccessKey, ""),
		Secure:       u.Scheme == "https",
		Region:       s.Region,
		BucketLookup: lookup,
		Transport:    tr,
		// A store that is down fails the request within seconds, not after
		// minio-go's default ten tries.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("TAKUMI_S3_ENDPOINT: %w", err)
	}
	return &S3{core: minio.Core{Client: c}, bucket: s.Bucket}, nil
}

// Name implements Backend.
func (s *S3) Name() string { return "s3" }

// Check implements Backend: the bucket exists and the keys may use it.
// It GETs an object that does not exist: unlike a HEAD, the error answer
// has a body whose code tells a wrong access key from a wrong secret or a
// missing bucket.
func (s *S3) Check(ctx context.Context) error {
	_, _, _, err := s.core.GetObject(ctx, s.bucket, "takumi-settings-check", minio.GetObjectOptions{})
	if err == nil || (s3NotFound(err) && minio.ToErrorResponse(err).Code != "NoSuchBucket") {
		return nil
	}
	r := minio.ToErrorResponse(err)
	switch r.Code {
	case "NoSuchBucket":
		return fmt.Errorf("TAKUMI_S3_BUCKET: bucket %q does not exist", s.bucket)
	case "InvalidAccessKeyId":
		return fmt.Errorf("TAKUMI_S3_ACCESS_KEY_ID: the store does not know this access key: %w", err)
	case "SignatureDoesNotMatch":
		return fmt.Errorf("TAKUMI_S3_SECRET_ACCESS_KEY: the store refused the signature (wrong secret key): %w", err)
	case "AuthorizationHeaderMalformed", "InvalidRegion":
		return fmt.Errorf("TAKUMI_S3_REGION: %w", err)
	case "AccessDenied":
		return fmt.Errorf("TAKUMI_S3_ACCESS_KEY_ID: this key may not read bucket %q (TAKUMI_S3_BUCKET; it needs get, put, delete and list): %w", s.bucket, err)
	}
	if r.StatusCode == http.StatusForbidden {
		return fmt.Errorf("TAKUMI_S3_ACCESS_KEY_ID / TAKUMI_S3_SECRET_ACCESS_KEY refused: %w", err)
	}
	return fmt.Errorf("%w: TAKUMI_S3_ENDPOINT: cannot reach the store: %v", ErrUnavailable, err)
}

func s3NotFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == "NoSuchKey" || r.StatusCode == http.StatusNotFound
}

// Put implements Storage. An upload that fails or exceeds the limit is
// aborted, so the key holds nothing.
func (s *S3) Put(ctx context.Context, r io.Reader, limit int64) (string, int64, error) {
	key, err := newKey()
	if err != nil {
		return "", 0, err
	}
	cr := &countingReader{ctx: ctx, r: r, limit: limit}
	// A file that fits in one part goes up in one request; a larger one
	// as a multipart upload of unknown length.
	head := make([]byte, s3PartSize)
	n, err := io.ReadFull(cr, head)
	switch {
	case cr.over:
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		_, err = s.core.Client.PutObject(ctx, s.bucket, key, bytes.NewReader(head[:n]), int64(n), minio.PutObjectOptions{
			ContentType: "application/octet-stream"})
	case err == nil:
		_, err = s.core.Client.PutObject(ctx, s.bucket, key, io.MultiReader(bytes.NewReader(head), cr), -1, minio.PutObjectOptions{
			ContentType: "application/octet-stream", PartSize: s3PartSize})
	}
	if cr.over {
		// Nothing may stay behind: neither the object nor the parts of an
		// unfinished multipart upload (minio-go does not always abort it
		// when the reader fails half-way; seen once in CI).
		c := context.WithoutCancel(ctx)
		_ = s.core.Client.RemoveIncompleteUpload(c, s.bucket, key)
		_ = s.Delete(c, key)
		return "", 0, ErrTooLarge
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, ctx.Err()
		}
		return "", 0, unavailable(err)
	}
	return key, cr.n, nil
}

// PutKey implements Backend.
func (s *S3) PutKey(ctx context.Context, key string, r io.Reader, size int64) error {
	if !ValidKey(key) {
		return ErrNotFound
	}
	_, err := s.core.Client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream", PartSize: s3PartSize})
	return unavailable(err)
}

// Stat implements Backend.
func (s *S3) Stat(ctx context.Context, key string) (int64, error) {
	if !ValidKey(key) {
		return 0, ErrNotFound
	}
	info, err := s.core.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if s3NotFound(err) {
			return 0, ErrNotFound
		}
		return 0, unavailable(err)
	}
	return info.Size, nil
}

// Open implements Storage. It asks the store for the object's size; the
// bytes are fetched by ranged GETs as they are read.
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	size, err := s.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	return &remoteFile{ctx: ctx, size: size, get: func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
		var opts minio.GetObjectOptions
		if err := opts.SetRange(off, off+n-1); err != nil {
			return nil, err
		}
		body, _, _, err := s.core.GetObject(ctx, s.bucket, key, opts)
		if err != nil {
			return nil, unavailable(err)
		}
		return body, nil
	}}, nil
}

// Delete implements Storage.
func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return nil
	}
	err := s.core.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && !s3NotFound(err) {
		return unavailable(err)
	}
	return nil
}
