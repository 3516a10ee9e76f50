package database

// The two pools and what a cancelled context does to their connections.
//
// A request's context ends when its client goes away (a closed tab, a load
// balancer giving up) or its deadline passes. pgx's default answer to a
// context that ends while a statement runs is to close the connection: the
// statement is interrupted at once, and the next request that needs a
// connection has PostgreSQL fork a new backend, which loads its catalogue
// caches and compiles the trigger functions again (~4 new backends a second
// during the 20,000-learner collapse of docs/capacity.md).
//
// The app's pools (the primary's and the replica's) therefore send
// PostgreSQL a cancel request instead (pgconn.CancelRequestContextWatcherHandler):
// the statement ends with SQLSTATE 57014 (query_canceled) and the connection
// stays in the pool. A statement that ends by itself within
// CancelRequestDelay needs no cancel request at all; a server that answers
// nothing (a network partition) gets its connection closed DeadlineDelay
// after the context ended, as before but that much later.
//
// River cannot live with that: its notifier waits on LISTEN with no
// statement running, so a cancel request does not interrupt it, and River's
// Stop waited DeadlineDelay for every such wait (TestDatabaseOutage and
// TestReadyReadOnlyDatabase failed on it). River therefore has a small pool
// of its own with pgx's default (closing) handler; its connections are
// taken out of the instance's budget (pool_max_conns), so an instance opens
// no more connections than before.

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
)

// JobPoolConns is the size of River's pool (DB.JobsPool), taken out of
// pool_max_conns: one connection holds River's LISTEN, the others serve
// its job fetches, completions, leader election, maintenance and the job
// heartbeat (jobs.Recovery). The jobs themselves run on the app's pool.
const JobPoolConns = 4

// DefaultPoolConns is an instance's connections to a database when its URL
// sets no pool_max_conns (pgx's own default, the number of CPUs but at
// least 4, is too few for the requests, River and the streaming exports).
const DefaultPoolConns = 20

// MinPoolConns is the fewest connections pool_max_conns may ask for: River's
// JobPoolConns and six for requests and the jobs' work. An explicit value
// below it is raised to it, with a warning at start.
const MinPoolConns = JobPoolConns + 6

// poolMaxConnsSet is pool_max_conns given in a URL's query or a key=value
// connection string.
var poolMaxConnsSet = regexp.MustCompile(`(^|[?&\s])pool_max_conns\s*=`)

// sizePool sets cfg's MaxConns from connString: DefaultPoolConns when it
// sets no pool_max_conns, the value it sets otherwise, but at least
// minConns. which names the pool in the warning.
func sizePool(cfg *pgxpool.Config, connString string, minConns int32, which string) {
	switch {
	case !poolMaxConnsSet.MatchString(connString):
		cfg.MaxConns = DefaultPoolConns
	case cfg.MaxConns < minConns:
		slog.Warn("pool_max_conns is below the fewest connections Takumi works with; using the minimum",
			"pool", which, "pool_max_conns", cfg.MaxConns, "used", minConns)
		cfg.MaxConns = minConns
	}
}

// CancelRequestDelay is how long a statement whose context ended may still
// finish by itself before PostgreSQL is sent a cancel request: most of the
// app's statements take a millisecond or two, and a cancel request costs a
// TCP connection to the server (and a short-lived process there).
const CancelRequestDelay = 10 * time.Millisecond

// DeadlineDelay is how long after its context ended a statement may go on
// before its connection is closed after all: the cancel request is answered
// within milliseconds by a server that answers at all.
const DeadlineDelay = time.Second

// txGrace is how long a gorm transaction outlives its context's end, so
// that gorm's rollback (after the statement the cancel request ended)
// reaches the server and the connection is kept (connpool.go). It exceeds
// DeadlineDelay: a transaction whose statement waited that long still
// rolls back on its connection.
const txGrace = 2 * DeadlineDelay

// keepOnCancel makes a pool's connections survive a cancelled context: a
// cancel request to the server instead of closing the connection.
func keepOnCancel(cfg *pgxpool.Config) {
	cfg.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c,
			CancelRequestDelay: CancelRequestDelay, DeadlineDelay: DeadlineDelay}
	}
}

// splitJobsPool returns River's pool configuration: JobPoolConns
// connections of cfg's MaxConns (which it lowers by as many), pgx's
// default context handling, no tracer (the tracer counts a request's
// statements), and application_name "<name> jobs" (pg_stat_activity tells
// the pools apart).
func splitJobsPool(cfg *pgxpool.Config) *pgxpool.Config {
	jobs := cfg.Copy()
	jobs.MaxConns = JobPoolConns
	jobs.MinConns, jobs.MinIdleConns = 0, 0
	jobs.ConnConfig.Tracer = nil
	name := cfg.ConnConfig.RuntimeParams["application_name"]
	if name == "" {
		name = "takumi"
	}
	if jobs.ConnConfig.RuntimeParams == nil {
		jobs.ConnConfig.RuntimeParams = map[string]string{}
	}
	jobs.ConnConfig.RuntimeParams["application_name"] = name + " jobs"
	cfg.MaxConns -= JobPoolConns
	cfg.MinConns = min(cfg.MinConns, cfg.MaxConns)
	cfg.MinIdleConns = min(cfg.MinIdleConns, cfg.MaxConns)
	return jobs
}

// detachTx returns the context a gorm transaction is bound to: ctx's
// values, but it ends txGrace after ctx ends (or when release is called),
// not at once. database/sql rolls a transaction back when its context
// ends, with that ended context, which pgx refuses to send and answers by
// closing the connection; with the grace the statement in flight is
// cancelled by its own (ended) context, gorm rolls back on a live
// connection, and the connection is kept. After the grace, a transaction
// still open (a server that does not answer) is rolled back and its
// connection closed as before. A consequence, and the rule
// docs/architecture.md states: a transaction whose context ends after its
// last statement, before COMMIT, commits (within the grace); one whose
// statement was cancelled, or that runs another, rolls back.
func detachTx(ctx context.Context) (txCtx context.Context, release func()) {
	txCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(txGrace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-txCtx.Done():
		}
	})
	return txCtx, func() { stop(); cancel() }
}

// IsQueryCanceled reports whether err is PostgreSQL's answer to a cancel
// request (SQLSTATE 57014 query_canceled; statement_timeout answers it
// too): on the app's pools, what a statement whose context ended returns
// instead of the context's error. Whether the client left or a deadline
// passed is the context's to say (ctx.Err()).
func IsQueryCanceled(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "57014"
}
