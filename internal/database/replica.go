package database

// Read replica (issue 13): an optional PostgreSQL streaming standby
// (DATABASE_REPLICA_URL) that serves the public, read-mostly pages. The
// routing is one decision made in one place:
//
//   - db.Gorm always reaches the primary: every write, and every page that
//     shows what its reader just wrote;
//   - db.Reads() (or db.Reader(ctx)) reaches the standby while it is healthy,
//     else the primary. Only the services that chose it use it (catalogue
//     search, /progress and its open data, /ministry, public credential
//     pages: see internal/app).
//
// Healthy means: it answers, it is in recovery (a standby), and it has
// replayed everything the primary had written more than maxLag ago. A
// monitor measures that every second by remembering the primary's WAL
// position (pg_current_wal_lsn) at each tick and comparing with the
// standby's replay position (pg_last_wal_replay_lsn): the lag is the age of
// the oldest primary position not yet replayed. Unlike now() minus
// pg_last_xact_replay_timestamp(), this neither reads an idle primary as
// lagging nor depends on the two machines' clocks.
//
// A statement that fails on the standby because the connection fails (not an
// SQL error) marks it down at once and runs again on the primary, so a
// standby that dies costs no failed request. Every change of state is logged
// and counted (takumi_replica_* metrics, ReplicaCollector).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DefaultReplicaMaxLag is TAKUMI_REPLICA_MAX_LAG's default.
const DefaultReplicaMaxLag = 5 * time.Second

// ReplicaCheckInterval is how often the monitor measures the standby.
var ReplicaCheckInterval = time.Second

// Reasons the reads go to the primary (the reason label of the metrics).
const (
	ReasonDown       = "down"        // the standby does not answer
	ReasonLag        = "lag"         // it is more than maxLag behind
	ReasonNotStandby = "not_standby" // it answers but is not in recovery
)

// replica is the standby and what the monitor last saw of it.
type replica struct {
	primary *pgxpool.Pool
	pool    *pgxpool.Pool
	sqlDB   *sql.DB
	gorm    *gorm.DB // the standby alone
	maxLag  time.Duration
	logger  *slog.Logger

	healthy atomic.Bool
	lagNano atomic.Int64

	mu      sync.Mutex
	reason  string        // why unhealthy; "" when healthy
	pending []lsnAtTime   // primary positions not yet replayed, oldest first
	since   time.Time     // when the current state began
	stop    func()        // stops the monitor
	done    chan struct{} // closed when the monitor returns

	readsReplica  atomic.Uint64
	readsPrimary  atomic.Uint64
	fallbacks     sync.Map // reason -> *atomic.Uint64 (changes to unhealthy)
	retriedOnDown atomic.Uint64
}

// maxPending bounds the primary positions remembered while the standby
// has not replayed them.
const maxPending = 4096

type lsnAtTime struct {
	lsn uint64
	at  time.Time
}

// AttachReplica opens the standby at replicaURL for db.Reads and starts
// its monitor (stopped by db.Close). An unreachable standby is no error:
// reads go to the primary until it answers. Only a malformed URL is.
func (db *DB) AttachReplica(ctx context.Context, replicaURL string, maxLag time.Duration, log *slog.Logger) error {
	if db.replica != nil {
		return errors.New("database: replica already attached")
	}
	if maxLag <= 0 {
		maxLag = DefaultReplicaMaxLag
	}
	if log == nil {
		log = slog.Default()
	}
	cfg, err := pgxpool.ParseConfig(replicaURL)
	if err != nil {
		return fmt.Errorf("parse DATABASE_REPLICA_URL: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 2*time.Second {
		// A standby that does not answer must cost a request little: it
		// falls back to the primary after this.
		cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	}
	sizePool(cfg, replicaURL, MinPoolConns-JobPoolConns, "replica")
	// A cancelled read keeps its connection (pools.go).
	keepOnCancel(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg) // connects lazily
	if err != nil {
		return fmt.Errorf("open replica pool: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: connPool{db: sqlDB}}), gormConfig())
	if err != nil {
		pool.Close()
		return fmt.Errorf("open replica gorm: %w", err)
	}
	r := &replica{primary: db.Pool, pool: pool, sqlDB: sqlDB, gorm: g, maxLag: maxLag, logger: log,
		since: time.Now(), done: make(chan struct{})}
	db.replica = r
	routed, err := gorm.Open(postgres.New(postgres.Config{Conn: routingPool{primary: connPool{db: db.SQL}, replica: connPool{db: sqlDB}, r: r}}), gormConfig())
	if err != nil {
		pool.Close()
		return fmt.Errorf("open routed gorm: %w", err)
	}
	db.reads = routed
	// The first check before serving: a healthy standby serves from the
	// first request.
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	r.check(cctx)
	cancel()
	mctx, stop := context.WithCancel(context.Background())
	r.stop = stop
	go r.run(mctx)
	return nil
}

func gormConfig() *gorm.Config {
	return &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, TranslateError: true}
}

// Reads is the gorm handle of the read-mostly pages: the standby while it is
// healthy, else the primary (decided per statement, or per transaction).
// Without a replica it is db.Gorm.
func (db *DB) Reads() *gorm.DB {
	if db.reads == nil {
		return db.Gorm
	}
	return db.reads
}

// Reader is Reads with ctx.
func (db *DB) Reader(ctx context.Context) *gorm.DB { return db.Reads().WithContext(ctx) }

// ReplicaState is what the monitor last saw.
type ReplicaState struct {
	Configured bool
	Healthy    bool
	Reason     string // when not healthy: ReasonDown, ReasonLag or ReasonNotStandby
	Lag        time.Duration
	Since      time.Time // when this state began
}

// ReplicaState reports the standby's state (Configured false without one).
func (db *DB) ReplicaState() ReplicaState {
	r := db.replica
	if r == nil {
		return ReplicaState{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return ReplicaState{Configured: true, Healthy: r.healthy.Load(), Reason: r.reason,
		Lag: time.Duration(r.lagNano.Load()), Since: r.since}
}

// CheckReplica measures the standby now (the monitor does every second).
func (db *DB) CheckReplica(ctx context.Context) {
	if db.replica != nil {
		db.replica.check(ctx)
	}
}

func (r *replica) close() {
	if r.stop != nil {
		r.stop()
		<-r.done
	}
	r.sqlDB.Close()
	r.pool.Close()
}

func (r *replica) run(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(ReplicaCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cctx, cancel := context.WithTimeout(ctx, ReplicaCheckInterval+2*time.Second)
			r.check(cctx)
			cancel()
		}
	}
}

// check records the primary's WAL position, reads the standby's replay
// position, and sets the state.
func (r *replica) check(ctx context.Context) {
	now := time.Now()
	var cur string
	if err := r.primary.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&cur); err == nil {
		if l, err := parseLSN(cur); err == nil {
			r.mu.Lock()
			if n := len(r.pending); n == 0 || r.pending[n-1].lsn < l {
				r.pending = append(r.pending, lsnAtTime{lsn: l, at: now})
			}
			if len(r.pending) > maxPending {
				// A standby away for hours: keep the oldest position (the
				// lag is measured from it) and every second one after it.
				kept := r.pending[:1]
				for i := 2; i < len(r.pending); i += 2 {
					kept = append(kept, r.pending[i])
				}
				r.pending = kept
			}
			r.mu.Unlock()
		}
	} // a primary that does not answer: the standby's lag cannot grow meanwhile
	var inRecovery bool
	var replay *string
	err := r.pool.QueryRow(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text`).Scan(&inRecovery, &replay)
	switch {
	case err != nil:
		r.set(false, ReasonDown, 0, err.Error())
	case !inRecovery || replay == nil:
		r.set(false, ReasonNotStandby, 0, "the replica is not a standby in recovery")
	default:
		l, perr := parseLSN(*replay)
		if perr != nil {
			r.set(false, ReasonDown, 0, perr.Error())
			return
		}
		r.mu.Lock()
		i := 0
		for i < len(r.pending) && r.pending[i].lsn <= l {
			i++
		}
		r.pending = r.pending[i:]
		var lag time.Duration
		if len(r.pending) > 0 {
			lag = now.Sub(r.pending[0].at)
		}
		r.mu.Unlock()
		if lag > r.maxLag {
			r.set(false, ReasonLag, lag, "")
		} else {
			r.set(true, "", lag, "")
		}
	}
}

// set records the state, logging and counting a change.
func (r *replica) set(healthy bool, reason string, lag time.Duration, detail string) {
	r.lagNano.Store(int64(lag))
	r.mu.Lock()
	changed := r.healthy.Load() != healthy || (!healthy && r.reason != reason)
	if changed {
		r.since = time.Now()
		r.reason = reason
	}
	r.healthy.Store(healthy)
	r.mu.Unlock()
	if !changed {
		return
	}
	if healthy {
		r.logger.Info("replica: reads go to the standby again", "lag_ms", lag.Milliseconds())
		return
	}
	r.countFallback(reason)
	r.logger.Warn("replica: reads go to the primary", "reason", reason, "lag_ms", lag.Milliseconds(),
		"max_lag_ms", r.maxLag.Milliseconds(), "detail", detail)
}

func (r *replica) countFallback(reason string) {
	c, _ := r.fallbacks.LoadOrStore(reason, new(atomic.Uint64))
	c.(*atomic.Uint64).Add(1)
}

// markDown is called when a statement's connection to the standby failed.
func (r *replica) markDown(err error) {
	r.retriedOnDown.Add(1)
	if r.healthy.Load() {
		r.set(false, ReasonDown, 0, err.Error())
	}
}

// parseLSN reads PostgreSQL's "16/B374D848" form.
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("malformed LSN %q", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("malformed LSN %q", s)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("malformed LSN %q", s)
	}
	return h<<32 | l, nil
}

// connectionFailed reports whether err is the standby not answering (a
// refused or broken connection, a timeout) rather than PostgreSQL
// answering with an error, which the primary would answer too.
func connectionFailed(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 57P01..03: the server is shutting down or cannot accept now;
		// 08xxx: connection exceptions.
		return strings.HasPrefix(pe.Code, "57P") || strings.HasPrefix(pe.Code, "08")
	}
	return true
}

// routingPool is the connection pool behind db.Reads: each statement, or
// each transaction as a whole, goes to the standby while it is healthy,
// else to the primary.
type routingPool struct {
	primary, replica connPool
	r                *replica
}

var (
	_ gorm.ConnPool         = routingPool{}
	_ gorm.ConnPoolBeginner = routingPool{}
	_ gorm.GetDBConnector   = routingPool{}
)

func (p routingPool) useReplica() bool {
	if p.r.healthy.Load() {
		p.r.readsReplica.Add(1)
		return true
	}
	p.r.readsPrimary.Add(1)
	return false
}

// PrepareContext implements gorm.ConnPool.
func (p routingPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if p.useReplica() {
		st, err := p.replica.PrepareContext(ctx, query)
		if !connectionFailed(ctx, err) {
			return st, err
		}
		p.r.markDown(err)
	}
	return p.primary.PrepareContext(ctx, query)
}

// ExecContext implements gorm.ConnPool.
func (p routingPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if p.useReplica() {
		res, err := p.replica.ExecContext(ctx, query, args...)
		if !connectionFailed(ctx, err) {
			return res, err
		}
		p.r.markDown(err)
	}
	return p.primary.ExecContext(ctx, query, args...)
}

// QueryContext implements gorm.ConnPool.
func (p routingPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if p.useReplica() {
		rows, err := p.replica.QueryContext(ctx, query, args...)
		if !connectionFailed(ctx, err) {
			return rows, err
		}
		p.r.markDown(err)
	}
	return p.primary.QueryContext(ctx, query, args...)
}

// QueryRowContext implements gorm.ConnPool. Its error shows only at Scan,
// too late to run again elsewhere: a failure there marks nothing, and the
// monitor notices within a second.
func (p routingPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if p.useReplica() {
		return p.replica.QueryRowContext(ctx, query, args...)
	}
	return p.primary.QueryRowContext(ctx, query, args...)
}

// Ping implements gorm's check at Open (the primary; the standby may be down).
func (p routingPool) Ping() error { return p.primary.Ping() }

// GetDBConn implements gorm.GetDBConnector (the primary's *sql.DB).
func (p routingPool) GetDBConn() (*sql.DB, error) { return p.primary.GetDBConn() }

// BeginTx implements gorm.ConnPoolBeginner: the whole transaction runs on
// one side.
func (p routingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	if p.useReplica() {
		tx, err := p.replica.BeginTx(ctx, opts)
		if !connectionFailed(ctx, err) {
			return tx, err
		}
		p.r.markDown(err)
	}
	return p.primary.BeginTx(ctx, opts)
}

// ReplicaCollector exposes the replica's state as metrics (nothing without
// a replica):
//
//	takumi_replica_healthy             1 while reads go to the standby
//	takumi_replica_lag_seconds         the standby's measured lag
//	takumi_replica_reads_total{target} statements and transactions of db.Reads by where they ran
//	takumi_replica_fallbacks_total{reason} times reads left the standby, by reason
func ReplicaCollector(db *DB) prometheus.Collector { return replicaCollector{db: db} }

var (
	descReplicaHealthy  = prometheus.NewDesc("takumi_replica_healthy", "1 while the read-mostly pages read from the streaming replica, 0 while they fall back to the primary.", nil, nil)
	descReplicaLag      = prometheus.NewDesc("takumi_replica_lag_seconds", "How far the replica's replay is behind the primary, as measured every second.", nil, nil)
	descReplicaReads    = prometheus.NewDesc("takumi_replica_reads_total", "Statements and transactions of the read-mostly pages, by where they ran (replica or primary).", []string{"target"}, nil)
	descReplicaFallback = prometheus.NewDesc("takumi_replica_fallbacks_total", "Times the read-mostly pages left the replica for the primary, by reason (down, lag, not_standby).", []string{"reason"}, nil)
)

type replicaCollector struct{ db *DB }

func (c replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descReplicaHealthy
	ch <- descReplicaLag
	ch <- descReplicaReads
	ch <- descReplicaFallback
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.db.replica
	if r == nil {
		return
	}
	h := 0.0
	if r.healthy.Load() {
		h = 1
	}
	ch <- prometheus.MustNewConstMetric(descReplicaHealthy, prometheus.GaugeValue, h)
	ch <- prometheus.MustNewConstMetric(descReplicaLag, prometheus.GaugeValue, time.Duration(r.lagNano.Load()).Seconds())
	ch <- prometheus.MustNewConstMetric(descReplicaReads, prometheus.CounterValue, float64(r.readsReplica.Load()), "replica")
	ch <- prometheus.MustNewConstMetric(descReplicaReads, prometheus.CounterValue, float64(r.readsPrimary.Load()), "primary")
	for _, reason := range []string{ReasonDown, ReasonLag, ReasonNotStandby} {
		var n uint64
		if v, ok := r.fallbacks.Load(reason); ok {
			n = v.(*atomic.Uint64).Load()
		}
		ch <- prometheus.MustNewConstMetric(descReplicaFallback, prometheus.CounterValue, float64(n), reason)
	}
}
