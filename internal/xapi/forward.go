package xapi

// Forwarding an organisation's statements to its own external LRS (issue
// 17 item 5, docs/xapi.md). Every statement stored for an organisation
// with a forward is queued in the statement's own transaction
// (xapi_forward_queue) together with a River job; the job sends the queued
// statements in batches to the other LRS and marks them delivered when it
// answers 200. A failure leaves them queued and the job is retried with
// backoff. Delivery is at least once; the other LRS de-duplicates by
// statement id (xAPI: the same statement again changes nothing), and a
// statement is marked delivered only once.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"takumi/internal/database"
	"takumi/internal/outbound"
)

// ForwardBatch is the most statements sent in one request.
const ForwardBatch = 500

// SetForward makes orgID forward its statements (from now on) to the LRS
// at endpoint (ending in "/", e.g. "https://lrs.example/xapi/") with HTTP
// Basic username and password. Errors: invalid (not an http(s) URL).
func (s *Service) SetForward(ctx context.Context, orgID, endpoint, username, password string) error {
	if !strings.HasPrefix(endpoint, "https://") && !strings.HasPrefix(endpoint, "http://") {
		return errOf(KindInvalid, "xapi.forward_err_endpoint")
	}
	if !strings.HasSuffix(endpoint, "/") {
		endpoint += "/"
	}
	return s.DB.WithContext(ctx).Exec(`INSERT INTO xapi_forwards (org_id, endpoint, username, password) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET endpoint = EXCLUDED.endpoint, username = EXCLUDED.username, password = EXCLUDED.password`,
		orgID, endpoint, username, password).Error
}

// ForwardArgs is the River job that delivers an organisation's queued
// statements.
type ForwardArgs struct {
	OrgID string `json:"org_id"`
}

// Kind names the job.
func (ForwardArgs) Kind() string { return "xapi_forward" }

// InsertOpts: a job per stored batch (not unique: a unique job that is
// running would swallow the next one, and statements queued meanwhile
// would wait). Jobs of one organisation running at once take different
// queue rows (FOR UPDATE SKIP LOCKED), so none is sent twice by Takumi.
func (ForwardArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 50}
}

// queueForward queues the newly stored statements ids of org for
// forwarding, inside the statements' transaction, when the organisation
// forwards.
func (s *Service) queueForward(ctx context.Context, tx *gorm.DB, orgID string, ids []string) error {
	if s.Jobs == nil || len(ids) == 0 {
		return nil
	}
	res := tx.Exec(`INSERT INTO xapi_forward_queue (org_id, statement_id)
		SELECT f.org_id, unnest(?::uuid[]) FROM xapi_forwards f WHERE f.org_id = ? ON CONFLICT DO NOTHING`, database.Array(ids), orgID)
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	_, err := s.Jobs.InsertTx(ctx, tx, ForwardArgs{OrgID: orgID}, nil)
	return err
}

// ForwardWorker delivers queued statements.
type ForwardWorker struct {
	river.WorkerDefaults[ForwardArgs]
	S      *Service
	Client *http.Client
}

// Timeout bounds one run.
func (w *ForwardWorker) Timeout(*river.Job[ForwardArgs]) time.Duration { return 5 * time.Minute }

// NextRetry: 1 s, 2 s, 4 s ... up to 10 minutes between tries.
func (w *ForwardWorker) NextRetry(job *river.Job[ForwardArgs]) time.Time {
	d := time.Second << min(max(job.Attempt-1, 0), 10)
	return time.Now().Add(min(d, 10*time.Minute))
}

// Work sends the organisation's queued statements, oldest first, in
// batches, until none is left or the other LRS refuses (then the job
// fails and is retried).
func (w *ForwardWorker) Work(ctx context.Context, job *river.Job[ForwardArgs]) error {
	db := w.S.DB.WithContext(ctx)
	var f struct{ Endpoint, Username, Password string }
	if err := db.Raw(`SELECT endpoint, username, password FROM xapi_forwards WHERE org_id = ?`, job.Args.OrgID).Scan(&f).Error; err != nil {
		return err
	}
	if f.Endpoint == "" {
		return nil // the forward was removed
	}
	client := w.Client
	if client == nil {
		// SECURITY: the address was typed by an organisation admin; in
		// production it may not reach the operator's network (SSRF).
		client = outbound.Client(w.S.Production, 30*time.Second)
	}
	for {
		sent := 0
		// One batch in one transaction: its queue rows stay locked while
		// they are sent, so another job skips them.
		err := db.Transaction(func(tx *gorm.DB) error {
			var rows []struct {
				ID        string
				Statement string
			}
			if err := tx.Raw(`SELECT q.statement_id AS id, s.statement::text AS statement FROM xapi_forward_queue q
				JOIN xapi_statements s ON s.org_id = q.org_id AND s.id = q.statement_id
				WHERE q.org_id = ? AND q.delivered_at IS NULL ORDER BY s.seq LIMIT ? FOR UPDATE OF q SKIP LOCKED`,
				job.Args.OrgID, ForwardBatch).Scan(&rows).Error; err != nil {
				return err
			}
			if len(rows) == 0 {
				return nil
			}
			var body bytes.Buffer
			ids := make([]string, len(rows))
			body.WriteByte('[')
			for i, r := range rows {
				if i > 0 {
					body.WriteByte(',')
				}
				body.WriteString(r.Statement)
				ids[i] = r.ID
			}
			body.WriteByte(']')
			if sendErr := w.send(ctx, client, f.Endpoint, f.Username, f.Password, body.Bytes()); sendErr != nil {
				return &forwardFailed{err: sendErr, ids: ids}
			}
			sent = len(rows)
			return tx.Exec(`UPDATE xapi_forward_queue SET attempts = attempts + 1, last_error = '', delivered_at = now()
				WHERE org_id = ? AND statement_id = ANY(?::uuid[])`, job.Args.OrgID, database.Array(ids)).Error
		})
		var ff *forwardFailed
		if errors.As(err, &ff) {
			// the batch's transaction rolled back: record the failure on its
			// rows, then fail the job (River retries it)
			if uerr := db.Exec(`UPDATE xapi_forward_queue SET attempts = attempts + 1, last_error = ? WHERE org_id = ? AND statement_id = ANY(?::uuid[])`,
				truncate(ff.err.Error(), 500), job.Args.OrgID, database.Array(ff.ids)).Error; uerr != nil {
				return uerr
			}
			return ff.err
		}
		if err != nil {
			return err
		}
		if sent == 0 {
			return nil
		}
	}
}

// forwardFailed is a refused or failed delivery (the job is retried).
type forwardFailed struct {
	err error
	ids []string
}

func (e *forwardFailed) Error() string { return e.err.Error() }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (w *ForwardWorker) send(ctx context.Context, client *http.Client, endpoint, user, pass string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"statements", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", string(V200))
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 2000))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("xapi forward: %s answered %d: %s", endpoint, res.StatusCode, strings.TrimSpace(string(msg)))
	}
	var got []string
	if err := json.Unmarshal(msg, &got); err != nil {
		return fmt.Errorf("xapi forward: %s answered 200 without a list of ids", endpoint)
	}
	return nil
}

// ForwardStatus counts an organisation's delivered and waiting
// statements, with the last error of a waiting one.
type ForwardStatus struct {
	Delivered, Waiting int64
	LastError          string
}

// ForwardStatusOf reports the delivery of orgID's statements.
func (s *Service) ForwardStatusOf(ctx context.Context, orgID string) (ForwardStatus, error) {
	var st ForwardStatus
	err := s.DB.WithContext(ctx).Raw(`SELECT count(delivered_at) AS delivered, count(*) - count(delivered_at) AS waiting,
		coalesce(max(last_error) FILTER (WHERE delivered_at IS NULL), '') AS last_error FROM xapi_forward_queue WHERE org_id = ?`, orgID).Scan(&st).Error
	return st, err
}

// Forward is an organisation's forwarding target (the password is never
// shown again).
type Forward struct {
	Endpoint string
	Username string
}

// ForwardOf returns orgID's forwarding target, or nil.
func (s *Service) ForwardOf(ctx context.Context, orgID string) (*Forward, error) {
	var rows []Forward
	if err := s.DB.WithContext(ctx).Raw(`SELECT endpoint, username FROM xapi_forwards WHERE org_id = ?`, orgID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// TestForward checks a forwarding target before it is saved: it must be
// an LRS (GET about answers 200) that takes the credentials (POST of an
// empty batch is not answered 401 or 403; the LRS refuses the empty batch
// itself with 400). The returned error's message says what failed.
func (s *Service) TestForward(ctx context.Context, endpoint, username, password string) error {
	if !strings.HasPrefix(endpoint, "https://") && !strings.HasPrefix(endpoint, "http://") {
		return errOf(KindInvalid, "xapi.forward_err_endpoint")
	}
	if !strings.HasSuffix(endpoint, "/") {
		endpoint += "/"
	}
	if s.Production && !strings.HasPrefix(endpoint, "https://") {
		return errOf(KindInvalid, "xapi.forward_err_https") // the credentials travel with every batch
	}
	client := outbound.Client(s.Production, 10*time.Second) // SECURITY: SSRF guard in production
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"about", nil)
	if err != nil {
		return errOf(KindInvalid, "xapi.forward_err_endpoint")
	}
	req.Header.Set("X-Experience-API-Version", string(V200))
	res, err := client.Do(req)
	if errors.Is(err, outbound.ErrForbiddenDestination) {
		return errOf(KindInvalid, "xapi.forward_err_https")
	}
	if err != nil {
		return errOf(KindInvalid, "xapi.forward_err_unreachable")
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return errOf(KindInvalid, "xapi.forward_err_not_lrs")
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"statements", strings.NewReader("[]"))
	req.SetBasicAuth(username, password)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", string(V200))
	res, err = client.Do(req)
	if err != nil {
		return errOf(KindInvalid, "xapi.forward_err_unreachable")
	}
	res.Body.Close()
	if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
		return errOf(KindInvalid, "xapi.forward_err_credentials")
	}
	return nil
}
