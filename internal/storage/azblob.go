package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// AzblobSettings are the TAKUMI_AZBLOB_* settings.
type AzblobSettings struct {
	Account   string // TAKUMI_AZBLOB_ACCOUNT
	Key       string // TAKUMI_AZBLOB_KEY: the account's shared key (base64)
	Container string // TAKUMI_AZBLOB_CONTAINER
	// Endpoint (TAKUMI_AZBLOB_ENDPOINT) is the blob service URL; default
	// https://ACCOUNT.blob.core.windows.net/ (Azurite:
	// http://127.0.0.1:10000/devstoreaccount1).
	Endpoint string
}

// Azblob stores blobs as block blobs of one Azure Blob Storage container,
// named by their key.
type Azblob struct {
	c *container.Client
}

// azBlockSize is the block size of uploads: the most one upload holds in
// memory is azBlockSize × azConcurrency.
const (
	azBlockSize   = 4 << 20
	azConcurrency = 2
)

// NewAzblob returns an Azure Blob backend. It does not contact the service
// (Check does).
func NewAzblob(s AzblobSettings) (*Azblob, error) {
	if s.Account == "" {
		return nil, errors.New("TAKUMI_AZBLOB_ACCOUNT is required with TAKUMI_STORAGE=azblob")
	}
	if s.Container == "" {
		return nil, errors.New("TAKUMI_AZBLOB_CONTAINER is required with TAKUMI_STORAGE=azblob")
	}
	if s.Key == "" {
		return nil, errors.New("TAKUMI_AZBLOB_KEY is required with TAKUMI_STORAGE=azblob")
	}
	endpoint := s.Endpoint
	if endpoint == "" {
		endpoint = "https://" + s.Account + ".blob.core.windows.net/"
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("TAKUMI_AZBLOB_ENDPOINT must be an http(s) URL, like https://ACCOUNT.blob.core.windows.net/, not %q", s.Endpoint)
	}
	cred, err := container.NewSharedKeyCredential(s.Account, s.Key)
	if err != nil {
		return nil, fmt.Errorf("TAKUMI_AZBLOB_KEY is not a valid shared key (base64): %w", err)
	}
	containerURL := u.JoinPath(s.Container).String()
	c, err := container.NewClientWithSharedKeyCredential(containerURL, cred, &container.ClientOptions{
		ClientOptions: azcore.ClientOptions{
			// A service that is down fails the request within seconds,
			// not after the SDK's default minutes of retries.
			Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: 200 * time.Millisecond,
				MaxRetryDelay: 2 * time.Second, TryTimeout: 5 * time.Minute},
			Transport: &http.Client{Transport: azTransport()},
		}})
	if err != nil {
		return nil, fmt.Errorf("TAKUMI_AZBLOB_ENDPOINT: %w", err)
	}
	return &Azblob{c: c}, nil
}

func azTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 30 * time.Second
	tr.MaxIdleConnsPerHost = 32
	return tr
}

// Name implements Backend.
func (a *Azblob) Name() string { return "azblob" }

// Check implements Backend: the container exists and the key may use it.
func (a *Azblob) Check(ctx context.Context) error {
	_, err := a.c.GetProperties(ctx, nil)
	switch {
	case err == nil:
		return nil
	case bloberror.HasCode(err, bloberror.ContainerNotFound):
		return fmt.Errorf("TAKUMI_AZBLOB_CONTAINER: container does not exist: %w", err)
	case bloberror.HasCode(err, bloberror.AuthenticationFailed, bloberror.AuthorizationFailure):
		// Azure says AuthenticationFailed for a wrong key, Azurite
		// AuthorizationFailure; Azure also says the latter when the
		// account's network rules refuse this machine.
		return fmt.Errorf("TAKUMI_AZBLOB_KEY: the service refused the request (wrong key for TAKUMI_AZBLOB_ACCOUNT, or the account's network rules refuse this machine): %w", err)
	case bloberror.HasCode(err, bloberror.InvalidResourceName, bloberror.ResourceNotFound):
		return fmt.Errorf("TAKUMI_AZBLOB_ACCOUNT / TAKUMI_AZBLOB_CONTAINER refused: %w", err)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusForbidden {
		return fmt.Errorf("TAKUMI_AZBLOB_ACCOUNT / TAKUMI_AZBLOB_KEY refused: %w", err)
	}
	return fmt.Errorf("%w: TAKUMI_AZBLOB_ENDPOINT: cannot reach the service: %v", ErrUnavailable, err)
}

func azNotFound(err error) bool {
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		return true
	}
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// Put implements Storage. Blocks are committed only when the whole file has
// arrived, so a failed or too large upload leaves no blob.
func (a *Azblob) Put(ctx context.Context, r io.Reader, limit int64) (string, int64, error) {
	key, err := newKey()
	if err != nil {
		return "", 0, err
	}
	cr := &countingReader{ctx: ctx, r: r, limit: limit}
	_, err = a.c.NewBlockBlobClient(key).UploadStream(ctx, cr, &blockblob.UploadStreamOptions{
		BlockSize: azBlockSize, Concurrency: azConcurrency})
	if cr.over {
		_ = a.Delete(context.WithoutCancel(ctx), key)
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
func (a *Azblob) PutKey(ctx context.Context, key string, r io.Reader, size int64) error {
	if !ValidKey(key) {
		return ErrNotFound
	}
	cr := &countingReader{ctx: ctx, r: io.LimitReader(r, size)}
	_, err := a.c.NewBlockBlobClient(key).UploadStream(ctx, cr, &blockblob.UploadStreamOptions{
		BlockSize: azBlockSize, Concurrency: azConcurrency})
	if err == nil && cr.n != size {
		_ = a.Delete(ctx, key)
		return fmt.Errorf("storage: %s: %d bytes of %d", key, cr.n, size)
	}
	return unavailable(err)
}

// Stat implements Backend.
func (a *Azblob) Stat(ctx context.Context, key string) (int64, error) {
	if !ValidKey(key) {
		return 0, ErrNotFound
	}
	p, err := a.c.NewBlobClient(key).GetProperties(ctx, nil)
	if err != nil {
		if azNotFound(err) {
			return 0, ErrNotFound
		}
		return 0, unavailable(err)
	}
	if p.ContentLength == nil {
		return 0, fmt.Errorf("%w: no length for %s", ErrUnavailable, key)
	}
	return *p.ContentLength, nil
}

// Open implements Storage. It asks for the blob's size; the bytes are
// fetched by ranged GETs as they are read.
func (a *Azblob) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	size, err := a.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	b := a.c.NewBlobClient(key)
	return &remoteFile{ctx: ctx, size: size, get: func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
		res, err := b.DownloadStream(ctx, &blob.DownloadStreamOptions{Range: blob.HTTPRange{Offset: off, Count: n}})
		if err != nil {
			return nil, unavailable(err)
		}
		return res.Body, nil
	}}, nil
}

// Delete implements Storage.
func (a *Azblob) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return nil
	}
	_, err := a.c.NewBlobClient(key).Delete(ctx, nil)
	if err != nil && !azNotFound(err) {
		return unavailable(err)
	}
	return nil
}
