package database

import (
	"context"
	"errors"
	"fmt"
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

// Listener LISTENs on one PostgreSQL notification channel on a connection
// of its own (not from the app's pools), reconnecting with backoff when it
// is lost, and tells its owner through callbacks: OnListen when it listens
// (again), OnNotify for every notification, OnDown when it stops
// listening. Between notifications it sends itself one (a probe) and
// waits for it to come back, so that a silently broken connection, or one
// notifications do not reach (a pooler in transaction mode), is noticed.
// The catalogue change signal (internal/catalog/signal.go) and the session
// signal (internal/app/sessioncache.go) are Listeners
// (docs/architecture.md).
//
// An owner that keeps values in memory uses them only while Listening is
// true and the listener has listened continuously since they were filled
// (OnListen raises a generation or epoch): whatever changed while it did
// not listen is then never served.
type Listener struct {
	// Channel is the notification channel (an SQL identifier).
	Channel string
	// ApplicationName is the connection's application_name
	// (pg_stat_activity).
	ApplicationName string
	// Name starts log messages and errors ("catalogue listener").
	Name string
	// DownMessage is logged (after Name and ": ") when the listener does
	// not listen: what that means for the owner.
	DownMessage string
	// OnListen runs once LISTEN succeeded, before Listening turns true.
	OnListen func()
	// OnNotify runs for every notification but probes.
	OnNotify func(payload string)
	// OnDown runs after Listening turned false (connection lost, Stop).
	OnDown func()
	// Wait is how long the listener waits for a notification before it
	// probes, ProbeWait how long for its probe to come back, ProbeChannel
	// where the probe is sent (a test sends it elsewhere to play a
	// connection notifications do not reach). Zero: 10 s, 2 s, Channel.
	Wait, ProbeWait time.Duration
	ProbeChannel    string

	up      atomic.Bool
	mu      sync.Mutex
	stop    context.CancelFunc
	stopped chan struct{}
}

// listenBackoff bounds the wait between attempts to connect.
const (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 10 * time.Second
)

// probePrefix starts a probe's payload; owners' payloads must not.
const probePrefix = "probe:"

// Listening reports whether the listener is connected and listening.
func (l *Listener) Listening() bool { return l.up.Load() }

// Start starts the listener: one connection made with cfg (a copy: its
// tracer and context handler are replaced). Calling it again while it
// runs does nothing. Stop ends it.
func (l *Listener) Start(cfg *pgx.ConnConfig, log *slog.Logger) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil {
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
	cc.RuntimeParams["application_name"] = l.ApplicationName
	// A wait that times out must keep the connection (the default
	// handler sets a deadline; the app pool's sends a cancel request).
	cc.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.stop, l.stopped = cancel, make(chan struct{})
	go func() {
		defer close(l.stopped)
		l.run(ctx, cc, log)
	}()
}

// Stop ends the listener, waiting for its connection to close.
func (l *Listener) Stop() {
	l.mu.Lock()
	stop, stopped := l.stop, l.stopped
	l.stop, l.stopped = nil, nil
	l.mu.Unlock()
	if stop != nil {
		stop()
		<-stopped
	}
}

func (l *Listener) run(ctx context.Context, cfg *pgx.ConnConfig, log *slog.Logger) {
	backoff := listenBackoffMin
	for ctx.Err() == nil {
		err := l.listen(ctx, cfg, func() { backoff = listenBackoffMin })
		if ctx.Err() != nil {
			return
		}
		log.Warn(l.Name+": "+l.DownMessage, "error", err.Error(), "retry_in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// listen connects, LISTENs and hands over every notification until the
// connection fails or ctx ends.
func (l *Listener) listen(ctx context.Context, cfg *pgx.ConnConfig, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if l.up.Swap(false) && l.OnDown != nil {
			l.OnDown()
		}
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(cctx)
		cancel()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.Channel}.Sanitize()); err != nil {
		return err
	}
	// Listening from here: whatever changed while not listening is the
	// owner's OnListen's to cover.
	if l.OnListen != nil {
		l.OnListen()
	}
	l.up.Store(true)
	connected()
	wait := l.Wait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	probe := probePrefix + strconv.FormatUint(uint64(conn.PgConn().PID()), 10)
	for {
		wctx, cancel := context.WithTimeout(ctx, wait)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			l.notified(n.Payload)
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded) || conn.IsClosed():
			return err
		}
		// No notification for a while: make sure notifications still
		// arrive, not only that the connection answers.
		if err := l.probe(ctx, conn, probe); err != nil {
			return err
		}
	}
}

// notified handles a notification: a probe (this instance's or another's)
// is not handed over.
func (l *Listener) notified(payload string) {
	if !strings.HasPrefix(payload, probePrefix) && l.OnNotify != nil {
		l.OnNotify(payload)
	}
}

// probe sends a notification to the listener's own channel and waits for
// it to come back, handling the other notifications that arrive meanwhile.
// A probe that does not come back is a connection notifications do not
// reach (for example a connection pooler in transaction mode between
// Takumi and PostgreSQL, which runs LISTEN on one server connection and
// NOTIFY on another).
func (l *Listener) probe(ctx context.Context, conn *pgx.Conn, probe string) error {
	wait, channel := l.ProbeWait, l.ProbeChannel
	if wait <= 0 {
		wait = 2 * time.Second
	}
	if channel == "" {
		channel = l.Channel
	}
	pctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if _, err := conn.Exec(pctx, "SELECT pg_notify($1, $2)", channel, probe); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(pctx)
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("%s: its own notification did not come back; is DATABASE_URL a pooler in transaction mode? (LISTEN needs a direct or session-pooled connection)", l.Name)
			}
			return err
		}
		if n.Payload == probe {
			return nil
		}
		l.notified(n.Payload)
	}
}
