// Package audit keeps the append-only, hash-chained audit log: sign-ins, role
// changes, organisation and account changes, and every view of named personal
// data. Each row stores SHA-256(previous hash ‖ its own canonical content), so
// editing or removing any row breaks the chain from there on; Verify finds it.
// The database refuses UPDATE, DELETE and TRUNCATE on the table (migration
// 00004), so the app itself cannot rewrite history either.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
)

// Event is one thing that happened, as recorded.
type Event struct {
	ID         int64
	OccurredAt time.Time
	ActorID    *string // the person who acted; nil for the system or an anonymous visitor
	Action     string
	TargetType string
	TargetID   string
	OrgID      *string
	IP         string
	Details    string // JSON object, stored byte for byte as hashed
	PrevHash   []byte
	Hash       []byte
}

// TableName maps Event to its table.
func (Event) TableName() string { return "audit_events" }

// Entry is what a caller records; the log fills in time and hashes.
type Entry struct {
	ActorID    string // "" for none
	Action     string
	TargetType string
	TargetID   string
	OrgID      string // "" for none
	IP         string
	Details    map[string]any
}

// chainLockKey serialises writers of the chain (pg_advisory_xact_lock key).
const chainLockKey = 7_245_001

// Record appends e to the log inside tx, the caller's transaction, so the
// audit row commits or rolls back with the change it describes. tx must be a
// transaction: the chain lock is held until it ends.
func Record(ctx context.Context, tx *gorm.DB, e Entry) error {
	tx = tx.WithContext(ctx)
	if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", chainLockKey).Error; err != nil {
		return fmt.Errorf("audit lock: %w", err)
	}
	var last struct{ Hash []byte }
	if err := tx.Raw("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1").Scan(&last).Error; err != nil {
		return fmt.Errorf("audit last hash: %w", err)
	}
	prev := last.Hash
	if prev == nil {
		prev = make([]byte, sha256.Size) // the chain starts from zeroes
	}
	details := "{}"
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details) // map keys are sorted: stable bytes
		if err != nil {
			return fmt.Errorf("audit details: %w", err)
		}
		details = string(b)
	}
	ev := Event{
		OccurredAt: time.Now().UTC().Truncate(time.Microsecond),
		ActorID:    nullable(e.ActorID),
		Action:     e.Action,
		TargetType: e.TargetType,
		TargetID:   e.TargetID,
		OrgID:      nullable(e.OrgID),
		IP:         e.IP,
		Details:    details,
		PrevHash:   prev,
	}
	ev.Hash = ev.computeHash()
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	return nil
}

// RecordNow records e in a transaction of its own, for events that are not
// part of a larger change (a failed sign-in, a view of a roster).
func RecordNow(ctx context.Context, db *gorm.DB, e Entry) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return Record(ctx, tx, e)
	})
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// computeHash is SHA-256 over the previous hash and the event's fields, each
// field separated by a unit separator (0x1f) that no field may contain raw.
func (e Event) computeHash() []byte {
	fields := []string{
		e.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000Z"),
		deref(e.ActorID), e.Action, e.TargetType, e.TargetID, deref(e.OrgID), e.IP, e.Details,
	}
	h := sha256.New()
	h.Write(e.PrevHash)
	for _, f := range fields {
		h.Write([]byte{0x1f})
		h.Write([]byte(strings.ReplaceAll(f, "\x1f", "\\x1f")))
	}
	return h.Sum(nil)
}

// VerifyResult says how far the chain checked out.
type VerifyResult struct {
	Checked int   // rows checked
	BadID   int64 // first row whose hash or link is wrong; 0 when all are good
	Reason  string
}

// Verify walks the whole chain in id order and reports the first broken link.
func Verify(ctx context.Context, db *gorm.DB) (VerifyResult, error) {
	var res VerifyResult
	prev := make([]byte, sha256.Size)
	var lastID int64
	for {
		var batch []Event
		// SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT 5000
		if err := db.WithContext(ctx).Where("id > ?", lastID).Order("id").Limit(5000).Find(&batch).Error; err != nil {
			return res, err
		}
		if len(batch) == 0 {
			return res, nil
		}
		for _, e := range batch {
			if !bytes.Equal(e.PrevHash, prev) {
				res.BadID, res.Reason = e.ID, "link to the previous row is broken (a row was removed or altered before it)"
				return res, nil
			}
			if !bytes.Equal(e.computeHash(), e.Hash) {
				res.BadID, res.Reason = e.ID, "content does not match its hash (the row was altered)"
				return res, nil
			}
			prev = e.Hash
			lastID = e.ID
			res.Checked++
		}
	}
}

// Filter narrows a listing of the log.
type Filter struct {
	ActorID  string   // only this actor's events
	OrgID    string   // only events about this organisation
	Actions  []string // only these actions (exact names or prefixes ending in ".")
	BeforeID int64    // keyset pagination: events with id < BeforeID
	Limit    int
}

// List returns events matching f, newest first.
func List(ctx context.Context, db *gorm.DB, f Filter) ([]Event, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := db.WithContext(ctx).Model(&Event{})
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.OrgID != "" {
		q = q.Where("org_id = ?", f.OrgID)
	}
	if len(f.Actions) > 0 {
		var conds []string
		var args []any
		for _, a := range f.Actions {
			if strings.HasSuffix(a, ".") {
				conds = append(conds, "action LIKE ?")
				args = append(args, a+"%")
			} else {
				conds = append(conds, "action = ?")
				args = append(args, a)
			}
		}
		q = q.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var out []Event
	if err := q.Order("id DESC").Limit(f.Limit).Find(&out).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}
