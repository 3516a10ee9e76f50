package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"takumi/internal/outbound"
)

// MaxAttempts and the backoff (retryDelay) spread a delivery's attempts
// over about three days: 1, 2, 4 … minutes, then every 12 hours.
const MaxAttempts = 16

// retryDelay is the wait after the attempt-th failed attempt.
func retryDelay(attempt int) time.Duration {
	d := 30 * time.Second << min(attempt, 20)
	return min(d, 12*time.Hour)
}

// DeliverArgs is the River job that sends one delivery.
type DeliverArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "webhook_deliver" }

// InsertOpts: the attempts of a delivery.
func (DeliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: MaxAttempts} }

// Sign returns the Standard Webhooks signature header value of body sent
// as message id at ts with secret ("whsec_" and the base64 key).
func Sign(secret, id string, ts int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.", id, ts)
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// httpClient posts deliveries: a short timeout, no redirects followed
// (a redirect is a failed delivery), and in production the SSRF guard
// (internal/outbound).
func httpClient(production bool) *http.Client { return outbound.Client(production, 10*time.Second) }

// Worker sends deliveries.
type Worker struct {
	river.WorkerDefaults[DeliverArgs]
	Service *Service
	client  *http.Client
}

// NewWorker returns the delivery worker of s (the app may also set Service
// on a zero Worker once the service is built).
func NewWorker(s *Service) *Worker { return &Worker{Service: s} }

// Timeout bounds one attempt.
func (w *Worker) Timeout(*river.Job[DeliverArgs]) time.Duration { return 30 * time.Second }

// NextRetry is the exponential backoff (retryDelay).
func (w *Worker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return time.Now().Add(retryDelay(job.Attempt))
}

// Work makes one attempt: sign, POST, record. A non-2xx answer or a
// network failure is an error, so River tries again; after the last
// attempt the delivery is marked failed and its endpoint disabled.
func (w *Worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	s := w.Service
	if w.client == nil {
		w.client = httpClient(s.production)
	}
	db := s.db.WithContext(ctx)
	var row struct {
		Payload  string
		Secret   string
		URL      string
		Endpoint string
		Disabled bool
		Done     bool
	}
	if err := db.Raw(`SELECT d.payload, e.secret, e.url, e.id::text AS endpoint, e.disabled_at IS NOT NULL AS disabled,
		d.delivered_at IS NOT NULL AS done
		FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ?`, job.Args.DeliveryID).Scan(&row).Error; err != nil {
		return err
	}
	if row.URL == "" || row.Done {
		return nil // gone, or already delivered (a replay raced a retry)
	}
	if row.Disabled {
		return db.Exec(`UPDATE webhook_deliveries SET failed_at = COALESCE(failed_at, ?), last_error = 'endpoint disabled' WHERE id = ?`,
			s.now(), job.Args.DeliveryID).Error
	}
	ts := s.now().Unix()
	sig, err := Sign(row.Secret, job.Args.DeliveryID, ts, []byte(row.Payload))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, row.URL, bytes.NewReader([]byte(row.Payload)))
	if err != nil {
		return w.record(ctx, job, row.Endpoint, 0, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Takumi-Webhooks/1")
	req.Header.Set("webhook-id", job.Args.DeliveryID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	res, err := w.client.Do(req)
	if err != nil {
		return w.record(ctx, job, row.Endpoint, 0, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return w.record(ctx, job, row.Endpoint, res.StatusCode, fmt.Errorf("answered %d", res.StatusCode))
	}
	return w.record(ctx, job, row.Endpoint, res.StatusCode, nil)
}

// record writes the attempt to the log; on the last failed attempt it marks
// the delivery failed and disables the endpoint. It returns the attempt's
// error (for River to retry) or nil.
func (w *Worker) record(ctx context.Context, job *river.Job[DeliverArgs], endpointID string, status int, failure error) error {
	s := w.Service
	now := s.now()
	var st *int
	if status != 0 {
		st = &status
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if failure == nil {
			return tx.Exec(`UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = NULL,
				delivered_at = ?, failed_at = NULL WHERE id = ?`, now, st, now, job.Args.DeliveryID).Error
		}
		msg := failure.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		if err := tx.Exec(`UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ?`,
			now, st, msg, job.Args.DeliveryID).Error; err != nil {
			return err
		}
		if job.Attempt < job.MaxAttempts {
			return nil
		}
		// The last attempt failed: about three days of failures.
		if err := tx.Exec(`UPDATE webhook_deliveries SET failed_at = ? WHERE id = ?`, now, job.Args.DeliveryID).Error; err != nil {
			return err
		}
		// Disabled now (not before, by an admin or an earlier failure):
		// the organisation's admins are told, in the same transaction.
		var ep struct {
			OrgID string
			URL   string
		}
		if err := tx.Raw(`UPDATE webhook_endpoints SET disabled_at = ?, disabled_why = 'failing'
			WHERE id = ? AND disabled_at IS NULL RETURNING org_id::text AS org_id, url`, now, endpointID).Scan(&ep).Error; err != nil {
			return err
		}
		if ep.OrgID == "" {
			return nil
		}
		return s.disabledNotice(ctx, tx, ep.OrgID, endpointID, ep.URL)
	})
	if err != nil {
		return err
	}
	return failure
}
