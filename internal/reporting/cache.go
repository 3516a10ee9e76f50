package reporting

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"
)

// This file keeps the parts of the ministry dashboard that do not depend on
// the filter's value: the protected national lines and whole
// cross-tabulations of the programme rollup, and the funnel's national
// lines. A filtered page picks its row out of them. Each is kept only for
// the state it was computed from (rollupState, learnerState), so a cached
// figure is never older than a fresh read would be.

// rollupState reads, in one small query, the rollups' state key (see
// publicKey; Today is left empty) and when the engine last applied events
// (AsOf). The key is read before the figures it guards, so figures cached
// under it are at least as new as it.
func (s *Service) rollupState(ctx context.Context) (publicKey, time.Time, error) {
	var k publicKey
	var at time.Time
	err := s.reads.WithContext(ctx).Raw(`SELECT cursor_xact::text, cursor_id, applied, updated_at::text, updated_at,
		(SELECT count(*) FROM programmes), (SELECT coalesce(max(updated_at)::text, '') FROM programmes),
		(SELECT count(*) FROM skill_areas), (SELECT coalesce(max(updated_at)::text, '') FROM skill_areas)
		FROM progress_engine_state WHERE id = 1`).Row().Scan(&k.CursorXact, &k.CursorID, &k.Applied, &k.EngineAt, &at,
		&k.Programmes, &k.ProgrammesAt, &k.SkillAreas, &k.SkillsAt)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return k, at, err
}

// learnerState identifies the funnel's read models (registration_rollup,
// active_learners, activity_monthly): RefreshLearnerStats rewrites them in
// one transaction that moves all three columns, and nothing else writes
// them.
type learnerState struct {
	At         time.Time
	CursorXact string
	CursorID   int64
}

func (a learnerState) same(b learnerState) bool {
	return a.At.Equal(b.At) && a.CursorXact == b.CursorXact && a.CursorID == b.CursorID
}

// rollupCacheLimit bounds each cache: past it, the cache starts again
// empty (a few hundred month ranges is far more than analysts use between
// two engine runs).
const rollupCacheLimit = 256

// lineKey names a national line: learners by dim over the months.
type lineKey struct {
	programme, dim string
	from, to       time.Time
}

// tableKey names a whole cross-tabulation: every value of outer × every
// value of dim over the months (outer < dim, the rollup's order).
type tableKey struct {
	programme, outer, dim string
	from, to              time.Time
}

// funnelKey names the funnel's lines by dim over the months.
type funnelKey struct {
	dim      string
	from, to time.Time
}

// ministryCache holds the filter-independent figures for one rollup state
// and one learner state. Entries are shared between requests: read-only.
type ministryCache struct {
	flight  singleflight.Group // computations of missing entries
	mu      sync.Mutex
	key     publicKey
	lines   map[lineKey]*Breakdown
	tables  map[tableKey]*pairTab
	months  map[lineKey]*monthLines // each month's protected line (the series)
	learner learnerState
	funnels map[funnelKey]funnelLines // stage → month → value → count
}

// resetFor empties the rollup entries when key is not theirs.
func (c *ministryCache) resetFor(key publicKey) {
	if c.key != key || len(c.lines)+len(c.tables)+len(c.months) >= rollupCacheLimit {
		c.key, c.lines, c.tables, c.months = key, map[lineKey]*Breakdown{}, map[tableKey]*pairTab{}, map[lineKey]*monthLines{}
	}
}

func (c *ministryCache) line(key publicKey, k lineKey) *Breakdown {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != key {
		return nil
	}
	return c.lines[k]
}

func (c *ministryCache) putLine(key publicKey, k lineKey, b *Breakdown) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetFor(key)
	c.lines[k] = b
}

func (c *ministryCache) monthLines(key publicKey, k lineKey) *monthLines {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != key {
		return nil
	}
	return c.months[k]
}

func (c *ministryCache) putMonthLines(key publicKey, k lineKey, m *monthLines) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetFor(key)
	c.months[k] = m
}

func (c *ministryCache) table(key publicKey, k tableKey) *pairTab {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != key {
		return nil
	}
	return c.tables[k]
}

func (c *ministryCache) putTable(key publicKey, k tableKey, t *pairTab) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetFor(key)
	c.tables[k] = t
}

func (c *ministryCache) funnel(st learnerState, k funnelKey) funnelLines {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.learner.same(st) {
		return nil
	}
	return c.funnels[k]
}

func (c *ministryCache) putFunnel(st learnerState, k funnelKey, lines funnelLines) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.learner.same(st) || len(c.funnels) >= rollupCacheLimit {
		c.learner, c.funnels = st, map[funnelKey]funnelLines{}
	}
	c.funnels[k] = lines
}

// computeOnce runs compute once for the callers that ask for the same name
// at the same time (a cache miss right after the engine moved hits every
// request at once) and gives each its result. The computation outlives
// the first caller's cancellation: others may be waiting for it.
func computeOnce[T any](ctx context.Context, c *ministryCache, name string, compute func(context.Context) (T, error)) (T, error) {
	v, err, _ := c.flight.Do(name, func() (any, error) { return compute(context.WithoutCancel(ctx)) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// scanRows runs a query and hands each row to scan, without gorm's
// reflection (for the dashboard's few large reads).
func (s *Service) scanRows(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	return scanRowsOn(ctx, s.reads, q, args, scan)
}

// scanRowsOn is scanRows on db.
func scanRowsOn(ctx context.Context, db *gorm.DB, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
