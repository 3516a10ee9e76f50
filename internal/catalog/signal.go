package catalog

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// The catalogue change signal: what lets every instance keep public
// catalogue data (published courses' pages, catalogue searches) in memory
// although several instances share one database (docs/architecture.md,
// "The catalogue change signal").
//
// Migration 00057's statement triggers on the tables the public catalogue
// reads (courses, organisations, skill_areas, learning_paths,
// learning_path_courses) send a notification on ChangeChannel when a
// writing transaction commits, whichever instance, package or script
// wrote. Each instance LISTENs on one connection of its own (not from the
// app's pools) and keeps a generation number that every notification
// raises. A cached value is filled with the generation read BEFORE its
// query, and used only while the generation is unchanged: a change
// committed before the query is in its result; one committed after it
// raises the generation and the value is not used again.
//
// While the listener is not connected (before its first connection, after
// a lost one, until it listens again) nothing is served from memory: every
// request reads the database, as without a cache. Listening again raises
// the generation, so nothing filled before the gap is used after it.
//
// This instance's own writes through the catalog service also raise the
// generation at once (changed), so their author sees them on the next
// request without waiting for the notification to come back.

// ChangeChannel is the notification channel of catalogue changes.
const ChangeChannel = "takumi_catalogue"

// ListenerApplicationName is the listening connection's application_name
// (pg_stat_activity).
const ListenerApplicationName = "takumi catalogue listener"

// changeSignal is the listener's state: whether it listens, and the
// generation.
type changeSignal struct {
	up  atomic.Bool
	gen atomic.Uint64
	// onChange runs after every raise (the caches drop their entries, to
	// free memory; correctness rests on the generation alone).
	onChange []func()

	mu      sync.Mutex
	stop    context.CancelFunc
	stopped chan struct{}
}

// current returns the generation and whether cached values may be used
// (the listener is connected). up is read before gen: listen stores gen
// before up, so a reader that sees up sees the raise that came with it.
func (c *changeSignal) current() (uint64, bool) {
	up := c.up.Load()
	return c.gen.Load(), up
}

// raise makes every value filled before it stale.
func (c *changeSignal) raise() {
	c.gen.Add(1)
	for _, f := range c.onChange {
		f()
	}
}

// listenWait is how long the listener waits for a notification before it
// sends itself one (a probe) and waits for it to come back: the longest a
// silently broken connection (a network that drops packets, no FIN), or
// one that notifications do not reach, is taken for a live one.
var listenWait = 10 * time.Second

// listenBackoff bounds the wait between attempts to connect.
const (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 10 * time.Second
)

// ListenForChanges starts the instance's catalogue listener: one
// connection made with cfg (a copy: its tracer and context handler are
// replaced) that LISTENs on ChangeChannel, reconnecting with backoff when
// it is lost. Until it first listens, and whenever it does not, the
// catalogue reads the database on every request. StopListening ends it.
// Calling it again while it runs does nothing.
func (s *Service) ListenForChanges(cfg *pgx.ConnConfig, log *slog.Logger) {
	c := &s.signal
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop != nil {
		return
	}
	if log == nil {
		log = slog.Default()
	}
	cc := cfg.Copy()
	cc.Tracer = nil
	// Named, so that pg_stat_activity shows what the connection is for.
	cc.RuntimeParams = maps.Clone(cc.RuntimeParams)
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	cc.RuntimeParams["application_name"] = ListenerApplicationName
	// A wait that times out must keep the connection (the default
	// handler sets a deadline; the app pool's sends a cancel request).
	cc.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.stop, c.stopped = cancel, make(chan struct{})
	go func() {
		defer close(c.stopped)
		c.run(ctx, cc, log)
	}()
}

// StopListening ends the listener (waiting for its connection to close);
// the catalogue then reads the database on every request.
func (s *Service) StopListening() {
	c := &s.signal
	c.mu.Lock()
	stop, stopped := c.stop, c.stopped
	c.stop, c.stopped = nil, nil
	c.mu.Unlock()
	if stop != nil {
		stop()
		<-stopped
	}
}

// Listening reports whether the listener is connected (and so whether
// the catalogue serves from memory).
func (s *Service) Listening() bool { return s.signal.up.Load() }

// ChangeGeneration returns the catalogue's change generation and whether
// the listener is connected: a value another domain keeps from public
// catalogue data (reporting's provider choices) is current while the
// generation it was filled under is unchanged and ok is true.
func (s *Service) ChangeGeneration() (gen uint64, ok bool) { return s.signal.current() }

// CatalogueChanged tells this instance at once that public catalogue data
// changed (another package's write, such as an organisation's new code):
// the notification the write's commit sends may come a moment later. Other
// instances learn of it from the notification.
func (s *Service) CatalogueChanged() { s.changed() }

// changed is called after the catalog service's own writes commit.
func (s *Service) changed() { s.signal.raise() }

func (c *changeSignal) run(ctx context.Context, cfg *pgx.ConnConfig, log *slog.Logger) {
	backoff := listenBackoffMin
	for ctx.Err() == nil {
		err := c.listen(ctx, cfg, func() { backoff = listenBackoffMin })
		if ctx.Err() != nil {
			return
		}
		log.Warn("catalogue listener: not listening, the catalogue reads the database on every request",
			"error", err.Error(), "retry_in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// listen connects, LISTENs and raises the generation on every
// notification until the connection fails or ctx ends.
func (c *changeSignal) listen(ctx context.Context, cfg *pgx.ConnConfig, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		c.up.Store(false)
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(cctx)
		cancel()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+ChangeChannel); err != nil {
		return err
	}
	// Listening from here: whatever changed while not listening is
	// covered by this raise.
	c.raise()
	c.up.Store(true)
	connected()
	probe := probePrefix + strconv.FormatUint(uint64(conn.PgConn().PID()), 10)
	for {
		wctx, cancel := context.WithTimeout(ctx, listenWait)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			c.notified(n.Payload)
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded) || conn.IsClosed():
			return err
		}
		// No notification for a while: make sure notifications still
		// arrive, not only that the connection answers.
		if err := c.probe(ctx, conn, probe); err != nil {
			return err
		}
	}
}

// probePrefix starts a probe's payload; the triggers' notifications have
// an empty payload.
const probePrefix = "probe:"

// probeChannel is where the probe is sent: ChangeChannel (a test sends it
// elsewhere to play a connection notifications do not reach).
var probeChannel = ChangeChannel

// probeWait is how long the listener waits for its own probe to come back.
var probeWait = 2 * time.Second

// errProbeLost is a probe that did not come back: the connection answers
// but notifications do not reach it (for example a connection pooler in
// transaction mode between Takumi and PostgreSQL, which runs LISTEN on one
// server connection and NOTIFY on another).
var errProbeLost = errors.New("catalogue listener: its own notification did not come back; is DATABASE_URL a pooler in transaction mode? (LISTEN needs a direct or session-pooled connection)")

// notified handles a notification: a probe (this instance's or another's)
// changes nothing, anything else raises the generation.
func (c *changeSignal) notified(payload string) {
	if !strings.HasPrefix(payload, probePrefix) {
		c.raise()
	}
}

// probe sends a notification to the listener's own channel and waits for
// it to come back, handling the other notifications that arrive meanwhile.
func (c *changeSignal) probe(ctx context.Context, conn *pgx.Conn, probe string) error {
	pctx, cancel := context.WithTimeout(ctx, probeWait)
	defer cancel()
	if _, err := conn.Exec(pctx, "SELECT pg_notify($1, $2)", probeChannel, probe); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(pctx)
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				return errProbeLost
			}
			return err
		}
		if n.Payload == probe {
			return nil
		}
		c.notified(n.Payload)
	}
}
