package progress

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Bulk catch-up. When the engine is far behind (a restore, a first start on
// an imported history, the scale data set), applying the log 5,000 events at
// a time costs one round of rollup upserts per batch: about 7,000 events a
// second on two cores, two hours for 50 million events. A bulk step applies
// a whole chunk of the log (up to a million events) with set-based SQL in
// one transaction instead: the same rules as apply (the Go code), written a
// second time in SQL — the two are checked against each other by
// Reconcile, which replays the log through the Go rules, and by the
// engine tests, which run the randomised workload with bulk steps forced.
//
// Semantics kept exactly:
//   - activity metrics: one count per event of a counted type, keyed by its
//     Tokyo day and its dimensions ('' when unknown);
//   - first-time learner metrics: a learner's first event of the type in the
//     engine's (xact_id, id) order, when learner_activity has none yet;
//   - learner_activity: firsts as above, last activity the latest
//     occurred_at, prefecture/industry/segment from the learner's last
//     event in the engine's order;
//   - achievements: for every learner with a credential event in the chunk,
//     the counting rule (queries/achievements.sql) over the whole log, and the
//     rollups move by the rows that changed (daily and monthly).

// DefaultBulkMin is the backlog from which CatchUp applies the log in bulk
// steps; DefaultBulkChunk is the size of one bulk step.
const (
	DefaultBulkMin   = 200_000
	DefaultBulkChunk = 1_000_000
)

// WithBulk sets the backlog (in events) from which Step applies a chunk of
// up to chunk events set-wise; min <= 0 turns bulk steps off.
func (en *Engine) WithBulk(min, chunk int) *Engine {
	if chunk <= 0 {
		chunk = DefaultBulkChunk
	}
	en.bulkMin, en.bulkChunk = min, chunk
	return en
}

// bulkDue reports whether a step that found read events (up to a batch)
// should go set-wise: at least en.bulkMin events wait below the horizon.
func (en *Engine) bulkDue(tx *gorm.DB, read int, cursorXact string, cursorID int64, horizon string) (bool, error) {
	if en.bulkMin <= 0 {
		return false, nil
	}
	if read >= en.bulkMin {
		return true, nil
	}
	if read < en.batch { // the batch took every waiting event
		return false, nil
	}
	var n int
	err := tx.Raw(`SELECT count(*) FROM (SELECT 1 FROM learning_events
		WHERE (xact_id, id) > (?::xid8, ?) AND xact_id < ?::xid8
		ORDER BY learning_events.xact_id, learning_events.id OFFSET ? LIMIT 1) x`,
		cursorXact, cursorID, horizon, en.bulkMin-1).Scan(&n).Error
	return n > 0, err
}

// bulkApply applies up to en.bulkChunk events after the cursor and below the
// horizon, set-wise, and moves the cursor. It runs inside Step's
// transaction (engine lock and cursor row held) and returns how many
// events it applied.
func (en *Engine) bulkApply(ctx context.Context, tx *gorm.DB, cursorXact string, cursorID int64, horizon string) (int, error) {
	db := tx.WithContext(ctx)
	var end struct {
		XactID string
		ID     int64
	}
	// The chunk's last event: the chunk-th after the cursor, or the last
	// one below the horizon.
	if err := db.Raw(query("bulk_chunk_end"),
		cursorXact, cursorID, horizon, en.bulkChunk-1, cursorXact, cursorID, horizon).Scan(&end).Error; err != nil {
		return 0, err
	}
	if end.XactID == "" {
		return 0, nil
	}
	steps := []struct{ what, sql string }{
		// Hash aggregates of a million rows want more than the default 4 MB.
		{"work_mem", `SET LOCAL work_mem = '256MB'`},
		{"chunk", query("bulk_events")},
		{"analyze", `ANALYZE bulk_events`},
		// Each learner's first event of each first-time type in the chunk.
		{"firsts", query("bulk_firsts")},
		{"activity", query("bulk_activity")},
		{"learners", query("bulk_learners")},
		// Achievements of every learner with a credential event in the chunk.
		{"credential learners", `CREATE TEMP TABLE bulk_users ON COMMIT DROP AS
			SELECT DISTINCT user_id FROM bulk_events WHERE event_type IN ('credential_issued', 'credential_revoked',
			'partner_credential_counted', 'partner_credential_revoked')`},
		{"analyze learners", `ANALYZE bulk_users`},
		{"achievements", query("bulk_achievements")},
		{"changes", query("bulk_changes")},
		{"gone", query("bulk_gone")},
		{"kept", query("bulk_kept")},
		{"progress", query("bulk_progress")},
		{"monthly", query("bulk_monthly")},
	}
	var applied int
	for _, s := range steps {
		var args []any
		if s.what == "chunk" {
			args = []any{cursorXact, cursorID, end.XactID, end.ID}
		}
		q := db.Exec(s.sql, args...)
		if q.Error != nil {
			return 0, fmt.Errorf("bulk step %s: %w", s.what, q.Error)
		}
		if s.what == "chunk" {
			applied = int(q.RowsAffected)
		}
	}
	if err := db.Exec(`UPDATE progress_engine_state SET cursor_xact = ?::xid8, cursor_id = ?, applied = applied + ?, updated_at = now()
		WHERE id = 1`, end.XactID, end.ID, applied).Error; err != nil {
		return 0, err
	}
	if applied < en.bulkChunk {
		// The backlog is gone and the tables have changed wholesale: fresh
		// statistics now, rather than whenever autovacuum gets to them (the
		// dashboards' plans depend on them: a region's weekly series took
		// 23 ms on stale statistics, 3 ms after ANALYZE, at full scale).
		if err := db.Exec(`ANALYZE progress_rollup, progress_monthly, activity_rollup, learner_activity, programme_achievements`).Error; err != nil {
			return 0, err
		}
	}
	return applied, nil
}
