package catalog

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"takumi/internal/database"
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

// changeSignal is the listener (database.Listener: its own connection,
// reconnection, probe) and the generation.
type changeSignal struct {
	l   database.Listener
	gen atomic.Uint64
	// onChange runs after every raise (the caches drop their entries, to
	// free memory; correctness rests on the generation alone).
	onChange []func()
}

// current returns the generation and whether cached values may be used
// (the listener is connected). up is read before gen: the listener raises
// gen (OnListen) before it turns up, so a reader that sees up sees the
// raise that came with it.
func (c *changeSignal) current() (uint64, bool) {
	up := c.l.Listening()
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

// probeChannel is where the probe is sent: ChangeChannel (a test sends it
// elsewhere to play a connection notifications do not reach).
var probeChannel = ChangeChannel

// probeWait is how long the listener waits for its own probe to come back.
var probeWait = 2 * time.Second

// ListenForChanges starts the instance's catalogue listener: one
// connection made with cfg (a copy: its tracer and context handler are
// replaced) that LISTENs on ChangeChannel, reconnecting with backoff when
// it is lost. Until it first listens, and whenever it does not, the
// catalogue reads the database on every request. StopListening ends it.
// Calling it again while it runs does nothing. Every notification (the
// triggers' payload is empty) raises the generation, and so does
// listening (again): whatever changed while not listening is covered.
func (s *Service) ListenForChanges(cfg *pgx.ConnConfig, log *slog.Logger) {
	c := &s.signal
	c.l.Channel, c.l.ApplicationName = ChangeChannel, ListenerApplicationName
	c.l.Name, c.l.DownMessage = "catalogue listener", "not listening, the catalogue reads the database on every request"
	c.l.OnListen = c.raise
	c.l.OnNotify = func(string) { c.raise() }
	c.l.Wait, c.l.ProbeWait, c.l.ProbeChannel = listenWait, probeWait, probeChannel
	c.l.Start(cfg, log)
}

// StopListening ends the listener (waiting for its connection to close);
// the catalogue then reads the database on every request.
func (s *Service) StopListening() { s.signal.l.Stop() }

// Listening reports whether the listener is connected (and so whether
// the catalogue serves from memory).
func (s *Service) Listening() bool { return s.signal.l.Listening() }

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
