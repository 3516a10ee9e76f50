package reporting

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"takumi/internal/database"
	"takumi/internal/progress"
)

// Read-model refresh locks (pg_advisory_xact_lock keys).
const (
	courseStatsLockKey  = 7_245_201
	learnerStatsLockKey = 7_245_202
	// courseStatsGateKey serialises deciding whether the course statistics
	// are due and refreshing them (RefreshCourseStatsIfOlder).
	courseStatsGateKey = 7_245_203
)

// Read models are computed in a read-only transaction and written in a
// short one. A transaction that writes takes a transaction id, and the
// progress engine applies no event of a later transaction until every
// transaction of this database holding an id has ended (its safe
// horizon): a refresh that deleted first and then aggregated five million
// enrolments for a minute stopped the national numbers for that minute
// (measured at full scale: the engine fell minutes behind). A read-only
// transaction never takes an id, however long it runs.

// readOnly runs read in a repeatable-read, read-only transaction (one
// snapshot, no transaction id).
func readOnly(ctx context.Context, db *gorm.DB, read func(tx *gorm.DB) error) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`).Error; err != nil {
			return err
		}
		return read(tx)
	})
}

// jsonRows returns the rows of query as one JSON array (small read models:
// at most thousands of rows).
func jsonRows(tx *gorm.DB, q string, args ...any) (string, error) {
	var out string
	err := tx.Raw(`SELECT coalesce(json_agg(x), '[]')::text FROM (`+q+`) x`, args...).Row().Scan(&out)
	return out, err
}

// RefreshCourseStats recomputes the course and provider statistics: read
// in one snapshot, then replaced in one short transaction (readers see the
// old tables until it commits).
func RefreshCourseStats(ctx context.Context, db *gorm.DB) error {
	var rows string
	if err := readOnly(ctx, db, func(tx *gorm.DB) (err error) {
		rows, err = jsonRows(tx, query("course_stats"))
		return err
	}); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, courseStatsLockKey).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM course_stats`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM provider_stats`).Error; err != nil {
			return err
		}
		return tx.Exec(query("course_stats_write"), rows).Error
	})
}

// RefreshCourseStatsIfOlder refreshes the course statistics when they were
// never counted or were counted maxAge ago or longer (by the database's
// clock, so instances' clocks do not matter), and reports whether it did.
// maxAge <= 0 refreshes only statistics never counted.
//
// Callers at the same time (instances starting together, the periodic job
// and a first view of a new database) refresh once: each waits for a
// transaction-level advisory lock, then reads the refresh time as
// committed (READ COMMITTED: after the lock, not before), so the second
// finds the first's refresh and returns. The waiting transaction only
// reads: it takes no transaction id and, between its statements, holds no
// snapshot, so it delays neither the progress engine nor vacuum.
func RefreshCourseStatsIfOlder(ctx context.Context, db *gorm.DB, maxAge time.Duration) (bool, error) {
	refreshed := false
	err := db.WithContext(ctx).Transaction(func(gate *gorm.DB) error {
		if err := gate.Exec(`SELECT pg_advisory_xact_lock(?)`, courseStatsGateKey).Error; err != nil {
			return err
		}
		var due bool
		if err := gate.Raw(`SELECT courses_refreshed_at IS NULL
			OR (?::float8 > 0 AND courses_refreshed_at <= clock_timestamp() - make_interval(secs => ?::float8))
			FROM ministry_stats_state WHERE id = 1`, maxAge.Seconds(), maxAge.Seconds()).Row().Scan(&due); err != nil {
			return err
		}
		if !due {
			return nil
		}
		refreshed = true
		return RefreshCourseStats(ctx, db)
	})
	return refreshed && err == nil, err
}

// ActivityFullEvery is how often RefreshLearnerStats recomputes all of
// activity_monthly. In between it recomputes the months from that of the
// earliest event the engine applied since the last refresh, which keeps the
// sums exact; the full pass is a safeguard.
const ActivityFullEvery = time.Hour

// RefreshLearnerStats recomputes registrations by month and learners
// active in the last ActiveDays days (each in total and by prefecture,
// industry and segment), and the monthly sums of the first-time learner
// metrics: read in one snapshot, then written in one short transaction,
// unless a refresh that read a later engine position has written since.
func RefreshLearnerStats(ctx context.Context, db *gorm.DB) error {
	var since string
	var cursor engineCursor
	var regs, active, monthly string
	dims := append([]string{""}, progress.Dimensions...)
	err := readOnly(ctx, db, func(tx *gorm.DB) (err error) {
		// No JIT: it compiled the registrations' aggregation for 3 s of
		// its 8 s at 1,000,000 learners, once a minute (LearnerStatsInterval).
		if err := tx.Exec(`SET LOCAL jit = off`).Error; err != nil {
			return err
		}
		// The engine's position is read before the rollups (the same
		// snapshot), so the sums include every event up to it.
		if since, cursor, err = activitySince(tx); err != nil {
			return err
		}
		if regs, err = jsonRows(tx, query("registrations_by_month")); err != nil {
			return err
		}
		if active, err = jsonRows(tx, query("active_learners"), ActiveDays); err != nil {
			return err
		}
		monthly, err = jsonRows(tx, `
			SELECT metric, d1, date_trunc('month', day)::date AS month, v1, sum(n) AS n FROM activity_rollup
			WHERE metric = ANY (?) AND d1 = ANY (?) AND d2 = '' AND day >= ?::date
			GROUP BY 1, 2, 3, 4`, database.Array(firstTimeMetrics), database.Array(dims), since)
		return err
	})
	if err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, learnerStatsLockKey).Error; err != nil {
			return err
		}
		var newer bool
		if err := tx.Raw(`SELECT (activity_cursor_xact, activity_cursor_id) > (?::xid8, ?) FROM ministry_stats_state WHERE id = 1`,
			cursor.xact, cursor.id).Row().Scan(&newer); err != nil {
			return err
		}
		if newer && since != activityEpoch { // another refresh read a later state and wrote it
			return nil
		}
		steps := []struct {
			q    string
			args []any
		}{
			{`DELETE FROM registration_rollup`, nil},
			{`DELETE FROM active_learners`, nil},
			{`INSERT INTO registration_rollup (dim, month, value, n)
			 SELECT dim, month, value, n FROM json_to_recordset(?::json) AS x(dim text, month date, value text, n bigint)`, []any{regs}},
			{`INSERT INTO active_learners (dim, value, n)
			 SELECT dim, value, n FROM json_to_recordset(?::json) AS x(dim text, value text, n bigint)`, []any{active}},
			{`DELETE FROM activity_monthly WHERE month >= ?::date`, []any{since}},
			{`INSERT INTO activity_monthly (metric, d1, month, v1, n)
			 SELECT metric, d1, month, v1, n FROM json_to_recordset(?::json) AS x(metric text, d1 text, month date, v1 text, n bigint)`, []any{monthly}},
			{`UPDATE ministry_stats_state SET learners_refreshed_at = now(),
			 activity_full_at = CASE WHEN ? THEN now() ELSE activity_full_at END,
			 activity_cursor_xact = ?::xid8, activity_cursor_id = ? WHERE id = 1`, []any{since == activityEpoch, cursor.xact, cursor.id}},
		}
		for _, st := range steps {
			if err := tx.Exec(st.q, st.args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// activityEpoch is before every activity day: "recompute everything".
const activityEpoch = "2000-01-01"

// activitySince is the first month of activity_monthly to recompute: all
// of it when it never was, an ActivityFullEvery ago, or the engine's cursor
// went back (the rollups were rebuilt); otherwise the month of the
// earliest event the engine applied since the last refresh (found through
// the event log's (xact_id, id) index: only those events are read), and
// at least the current month.
func activitySince(tx *gorm.DB) (since string, cursor engineCursor, err error) {
	var st struct {
		Full      bool
		Behind    bool
		FromXact  string
		FromID    int64
		ToXact    string
		ToID      int64
		ThisMonth string
	}
	if err := tx.Raw(query("activity_since"), ActivityFullEvery.Seconds()).Scan(&st).Error; err != nil {
		return "", cursor, err
	}
	cursor = engineCursor{xact: st.ToXact, id: st.ToID}
	if st.Full || st.Behind {
		return activityEpoch, cursor, nil
	}
	var earliest *string
	if err := tx.Raw(`SELECT to_char(date_trunc('month', min(occurred_at) AT TIME ZONE 'Asia/Tokyo'), 'YYYY-MM-DD')
		FROM learning_events WHERE (xact_id, id) > (?::xid8, ?) AND (xact_id, id) <= (?::xid8, ?)`,
		st.FromXact, st.FromID, st.ToXact, st.ToID).Row().Scan(&earliest); err != nil {
		return "", cursor, err
	}
	if earliest != nil && *earliest < st.ThisMonth {
		return *earliest, cursor, nil
	}
	return st.ThisMonth, cursor, nil
}

// engineCursor is the progress engine's position in the event log.
type engineCursor struct {
	xact string
	id   int64
}

// learnerStatsAsOf returns when registrations and activity were counted
// (with the activity cursor of that count: the state the funnel's lines
// are kept for), counting them first if they never were.
func (s *Service) learnerStatsAsOf(ctx context.Context) (learnerState, error) {
	return s.learnerStatsAsOfOn(ctx, s.reads, true)
}

// learnerStatsAsOfOn reads the state on db, counting first (on the primary,
// then reading back from it: a replica may not have the count yet) when
// refresh allows.
func (s *Service) learnerStatsAsOfOn(ctx context.Context, db *gorm.DB, refresh bool) (learnerState, error) {
	var st struct {
		At         *time.Time
		CursorXact string
		CursorID   int64
	}
	row := db.WithContext(ctx).Raw(`SELECT learners_refreshed_at, activity_cursor_xact::text, activity_cursor_id
		FROM ministry_stats_state WHERE id = 1`).Row()
	if err := row.Scan(&st.At, &st.CursorXact, &st.CursorID); err != nil {
		return learnerState{}, err
	}
	if st.At != nil || !refresh {
		if st.At == nil {
			return learnerState{}, errors.New("reporting: learner statistics not counted after a refresh")
		}
		return learnerState{At: *st.At, CursorXact: st.CursorXact, CursorID: st.CursorID}, nil
	}
	if err := RefreshLearnerStats(ctx, s.db); err != nil {
		return learnerState{}, err
	}
	return s.learnerStatsAsOfOn(ctx, s.db, false)
}

// RecountRegistrations counts the users again into registration_counts,
// with users locked against writes meanwhile: a repair, never needed while
// the triggers of migration 00059 stand (for example after they were
// skipped for a bulk load, as `takumi seed` does as a superuser).
func RecountRegistrations(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`LOCK TABLE users IN SHARE MODE`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM registration_counts`).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO registration_counts (month, prefecture, industry, segment, n)
			SELECT registration_month(created_at), coalesce(prefecture_code::text, ''), coalesce(industry_code::text, ''),
			       coalesce(segment, ''), count(*)
			FROM users GROUP BY 1, 2, 3, 4`).Error
	})
}
