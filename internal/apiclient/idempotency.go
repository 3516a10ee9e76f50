package apiclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"time"

	"takumi/internal/apperr"
)

// IdempotencyTTL is how long a key's reply is kept for replay.
const IdempotencyTTL = 24 * time.Hour

// Stored is a reply kept for an Idempotency-Key.
type Stored struct {
	Status      int
	ContentType string
	Body        []byte
}

// RequestHash is the hash of a request that an Idempotency-Key binds to:
// method, path and body.
func RequestHash(method, path string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return h.Sum(nil)
}

// BeginIdempotent claims key for the caller's request. It returns nil when
// the request is new (the caller handles it, then calls FinishIdempotent),
// or the stored reply to replay. Errors: conflict "api.err_idempotency_busy"
// (the first request with this key is still being answered),
// invalid "api.err_idempotency_mismatch" (the key was used for a different
// request), invalid "api.err_idempotency_key" (empty or too long).
func (s *Service) BeginIdempotent(ctx context.Context, c *Caller, key string, reqHash []byte) (*Stored, error) {
	if key == "" || len(key) > 255 {
		return nil, apperr.New(apperr.Invalid, "api.err_idempotency_key")
	}
	db := s.db.WithContext(ctx)
	// Keys older than the TTL are forgotten (this client's, as it uses them).
	if err := db.Exec(`DELETE FROM api_idempotency WHERE client_id = ? AND key = ? AND created_at < ?`,
		c.ClientID, key, s.now().Add(-IdempotencyTTL)).Error; err != nil {
		return nil, apperr.Coded(err)
	}
	res := db.Exec(`INSERT INTO api_idempotency (client_id, key, request_hash, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (client_id, key) DO NOTHING`, c.ClientID, key, bytea(reqHash), s.now())
	if res.Error != nil {
		return nil, apperr.Coded(res.Error)
	}
	if res.RowsAffected == 1 {
		return nil, nil
	}
	var row struct {
		RequestHash []byte
		Status      *int
		ContentType *string
		Body        []byte
	}
	if err := db.Raw(`SELECT request_hash, status, content_type, body FROM api_idempotency WHERE client_id = ? AND key = ?`,
		c.ClientID, key).Scan(&row).Error; err != nil {
		return nil, apperr.Coded(err)
	}
	if !bytes.Equal(row.RequestHash, reqHash) {
		return nil, apperr.New(apperr.Invalid, "api.err_idempotency_mismatch")
	}
	if row.Status == nil {
		return nil, apperr.New(apperr.Conflict, "api.err_idempotency_busy")
	}
	st := &Stored{Status: *row.Status, Body: row.Body}
	if row.ContentType != nil {
		st.ContentType = *row.ContentType
	}
	return st, nil
}

// FinishIdempotent stores the reply to the request that claimed key. A
// reply with a server error is not kept: the key is released so the client
// can try again.
func (s *Service) FinishIdempotent(ctx context.Context, c *Caller, key string, st Stored) error {
	db := s.db.WithContext(ctx)
	if st.Status >= 500 {
		return apperr.Coded(db.Exec(`DELETE FROM api_idempotency WHERE client_id = ? AND key = ?`, c.ClientID, key).Error)
	}
	return apperr.Coded(db.Exec(`UPDATE api_idempotency SET status = ?, content_type = ?, body = ? WHERE client_id = ? AND key = ?`,
		st.Status, st.ContentType, bytea(st.Body), c.ClientID, key).Error)
}
