// Package audit keeps the append-only, hash-chained audit log: sign-ins, role
// changes, organisation and account changes, and every view of named personal
// data. Each sealed row stores SHA-256(previous hash ‖ its own canonical
// content), so editing or removing any row breaks the chain from there on;
// Verify finds it. The database refuses DELETE, TRUNCATE and every UPDATE but
// the seal (migrations 00004 and 00023), so the app itself cannot rewrite
// history either.
//
// Writing and sealing are apart, so that recording a view never waits for
// another request: Record appends a row with no hashes (unsealed) and takes
// no lock; Seal, run every SealInterval by a River job (and by Verify), links
// the unsealed rows into the chain in id order. Ids are taken from a
// sequence when a row is inserted, not when it commits, so a row with a
// smaller id may still be on its way; Seal therefore notes the last id
// handed out, waits until every transaction that had started by then has
// ended, and only then seals up to that id (like the progress engine's
// rule for learning events, DESIGN.md, but waiting only for this database's
// writers, so a long transaction elsewhere on the server does not hold the
// chain back).
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

// chainLockKey serialises sealers (pg_advisory_xact_lock key); writers
// never take it.
const chainLockKey = 7_245_001

// Record appends e to the log inside tx, the caller's transaction, so the
// audit row commits or rolls back with the change it describes. The row is
// unsealed until Seal links it into the hash chain (within SealInterval);
// no lock is taken, so concurrent requests do not wait for each other.
func Record(ctx context.Context, tx *gorm.DB, e Entry) error {
	details := "{}"
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details) // map keys are sorted: stable bytes
		if err != nil {
			return fmt.Errorf("audit details: %w", err)
		}
		details = string(b)
	}
	// One statement (issue 20: one round trip per recorded view): the
	// materialized CTE gives the transaction its id before the row takes
	// its id from the sequence (the insert's default, evaluated for the
	// row the CTE scan returns), so a transaction holding an unsealed id
	// always shows in the snapshot Seal waits on.
	err := tx.WithContext(ctx).Exec(`WITH x AS MATERIALIZED (SELECT pg_current_xact_id() AS xid)
		INSERT INTO audit_events (occurred_at, actor_id, action, target_type, target_id, org_id, ip, details)
		SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM x`,
		time.Now().UTC().Truncate(time.Microsecond), nullable(e.ActorID), e.Action, e.TargetType, e.TargetID,
		nullable(e.OrgID), e.IP, details).Error
	if err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	return nil
}

// SealInterval is how often the sealing job runs: a recorded event is in
// the hash chain within about this long.
const SealInterval = 2 * time.Second

// sealWait bounds how long Seal waits for older transactions to end; when
// one lasts longer (a long bulk import), the rows wait for the next run.
const sealWait = 10 * time.Second

// sealBatch is how many rows Seal reads at a time.
const sealBatch = 1000

// Seal links every unsealed row that can no longer be preceded by another
// into the hash chain, in id order, and returns how many it sealed. Safe to
// run concurrently (sealers take turns on the chain lock) and at any time.
func Seal(ctx context.Context, db *gorm.DB) (int, error) {
	db = db.WithContext(ctx)
	// 1. The last id handed out so far …
	var seq struct {
		LastValue int64
		IsCalled  bool
	}
	if err := db.Raw("SELECT last_value, is_called FROM audit_events_id_seq").Scan(&seq).Error; err != nil {
		return 0, fmt.Errorf("audit seal: %w", err)
	}
	if !seq.IsCalled {
		return 0, nil // nothing ever recorded
	}
	// 2. … then, in a later statement, the transactions that may hold one
	// of those ids: every one has a transaction id (Record takes it before
	// its row id) and so is listed in this database's pg_stat_activity, and
	// all of them are older than the snapshot's xmax.
	var open struct {
		Horizon string
		Writers string
	}
	if err := db.Raw(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS horizon,
			COALESCE(string_agg(pid::text || ':' || backend_xid::text, ','), '') AS writers
		FROM pg_stat_activity
		WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`).Scan(&open).Error; err != nil {
		return 0, fmt.Errorf("audit seal: %w", err)
	}
	// 3. Wait until all of them have ended (committed or rolled back): the
	// listed transactions are gone, or every transaction older than the
	// horizon has ended (the rule that needs no pg_stat_activity).
	deadline := time.Now().Add(sealWait)
	for open.Writers != "" {
		var done bool
		if err := db.Raw(`SELECT pg_snapshot_xmin(pg_current_snapshot()) >= CAST(@horizon AS xid8)
				OR NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
					AND pid::text || ':' || backend_xid::text = ANY (string_to_array(@writers, ',')))`,
			map[string]any{"horizon": open.Horizon, "writers": open.Writers}).Scan(&done).Error; err != nil {
			return 0, fmt.Errorf("audit seal: %w", err)
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			return 0, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	// 4. Rows up to LastValue are final now: seal them in id order after
	// the last sealed row.
	sealed := 0
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", chainLockKey).Error; err != nil {
			return err
		}
		var last struct{ Hash []byte }
		if err := tx.Raw("SELECT hash FROM audit_events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1").Scan(&last).Error; err != nil {
			return err
		}
		prev := last.Hash
		if prev == nil {
			prev = make([]byte, sha256.Size) // the chain starts from zeroes
		}
		for {
			var batch []Event
			// SELECT * FROM audit_events WHERE hash IS NULL AND id <= ? ORDER BY id LIMIT 1000
			if err := tx.Where("hash IS NULL AND id <= ?", seq.LastValue).Order("id").Limit(sealBatch).Find(&batch).Error; err != nil {
				return err
			}
			for _, e := range batch {
				e.PrevHash = prev
				e.Hash = e.computeHash()
				if err := tx.Exec("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ? AND hash IS NULL",
					e.PrevHash, e.Hash, e.ID).Error; err != nil {
					return err
				}
				prev = e.Hash
				sealed++
			}
			if len(batch) < sealBatch {
				return nil
			}
		}
	})
	if err != nil {
		return 0, fmt.Errorf("audit seal: %w", err)
	}
	return sealed, nil
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
	Checked  int   // sealed rows checked
	Unsealed int   // rows at the end not yet sealed (recorded moments ago)
	BadID    int64 // first row whose hash or link is wrong; 0 when all are good
	Reason   string
}

// Verify seals what can be sealed (Seal), then walks the whole chain in id
// order and reports the first broken link. Unsealed rows may only follow
// the sealed ones (they are the latest entries); they are counted, not
// reported as broken, but a sealed row after an unsealed one is.
func Verify(ctx context.Context, db *gorm.DB) (VerifyResult, error) {
	if _, err := Seal(ctx, db); err != nil {
		return VerifyResult{}, err
	}
	return Check(ctx, db)
}

// Check walks the chain as it stands, without sealing first (Verify does
// both).
func Check(ctx context.Context, db *gorm.DB) (VerifyResult, error) {
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
			lastID = e.ID
			if e.Hash == nil && e.PrevHash == nil {
				res.Unsealed++
				continue
			}
			if res.Unsealed > 0 {
				res.BadID, res.Reason = e.ID, "a sealed row follows an unsealed one (a seal was removed before it)"
				return res, nil
			}
			if !bytes.Equal(e.PrevHash, prev) {
				res.BadID, res.Reason = e.ID, "link to the previous row is broken (a row was removed or altered before it)"
				return res, nil
			}
			if !bytes.Equal(e.computeHash(), e.Hash) {
				res.BadID, res.Reason = e.ID, "content does not match its hash (the row was altered)"
				return res, nil
			}
			prev = e.Hash
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
