package app

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"

	"takumi/internal/account"
	"takumi/internal/database"
	"takumi/internal/org"
)

// The session read from memory (issue 20, docs/architecture.md "The
// session signal", docs/performance.md "The session read from memory").
//
// Every request of a signed-in person reads its session row with the
// account and memberships (SessionStore.FindCtx, findJoined). The
// sessionCache keeps that read's answer per token, in this instance's
// memory, and is correct although several instances share one database:
// migration 00058's triggers send a notification on SessionChannel for
// every change that may end a session or change what its sign-in check
// reads (t:<token>, u:<user id>, * for everything), and each instance
// LISTENs on a connection of its own (database.Listener).
//
// Rules:
//   - An entry is used only while the listener listens and has listened
//     continuously since the entry was filled (epoch, raised at every
//     (re)listen), while it is younger than sessionCacheTTL (heals
//     anything unforeseen) and while the session row has not expired.
//   - seq is raised by every notification and by every own write (and
//     every (re)listen), and each raise is logged with what it names (a
//     token, a user, or everything) in a ring of the last changeLog. A
//     read records seq BEFORE its query and stores its answer only if no
//     change logged since names its token or its user (or everything),
//     and none has left the ring: a change committed during the read is
//     never stored (raises happen under mu, stores check under mu), while
//     other people's writes (a heartbeat every 30 s per learner online)
//     do not keep a read's answer out of memory.
//   - t:<token> drops that entry, u:<id> every entry of that user (byUser),
//     * and a (re)listen or a lost connection every entry.
//   - This instance's own writes of a session (CommitCtx, DeleteCtx) drop
//     the token's entry after the write, and a signed-in person's writing
//     request drops their entries after its handler (ForgetUser, called
//     by the web layer): the next request here reads what was written,
//     without waiting for the notification.
//   - Hits hand out copies (the account's pointer fields and the
//     memberships slice included): no request shares mutable state with
//     another.
//
// SECURITY: only the database read is skipped; the sign-in check
// (web/middleware.go loadUser) still checks expiry, session_version,
// disabled, deleted and memberships on the values handed out.

// SessionChannel is the notification channel of session changes.
const SessionChannel = "takumi_sessions"

// SessionListenerApplicationName is the session listener's connection's
// application_name (pg_stat_activity).
const SessionListenerApplicationName = "takumi session listener"

// sessionCacheTTL bounds an entry's age; sessionCacheMax the entries kept
// (past it the map starts again).
var sessionCacheTTL = 30 * time.Second

const sessionCacheMax = 100_000

type sessionCache struct {
	l     database.Listener
	epoch atomic.Uint64
	seq   atomic.Uint64
	now   func() time.Time

	mu      sync.Mutex
	changes [changeLog]change // by seq % changeLog
	entries map[string]*sessionEntry
	byUser  map[string]map[string]struct{}
	// waiters are the barriers (await) waiting for their own
	// notification, by payload.
	waiters map[string]chan struct{}
	// barrierID makes this instance's barrier payloads unique among the
	// instances (each receives every instance's).
	barrierID string
	barriers  atomic.Uint64

	hits, misses prometheus.Counter
}

// changeLog is how many of the latest changes the cache remembers (store):
// a read overlapped by more is not stored.
const changeLog = 256

// change is one raise of seq: what it drops (a token, a user, or
// everything).
type change struct {
	seq         uint64
	token, user string
	all         bool
}

// raiseLocked raises seq for ch (mu held).
func (c *sessionCache) raiseLocked(ch change) {
	ch.seq = c.seq.Add(1)
	c.changes[ch.seq%changeLog] = ch
}

// changedSinceLocked reports whether a change since seq names token or
// user, or may have (mu held).
func (c *sessionCache) changedSinceLocked(seq uint64, token, user string) bool {
	cur := c.seq.Load()
	if cur-seq >= changeLog {
		return true // some have left the ring
	}
	for s := seq + 1; s <= cur; s++ {
		ch := c.changes[s%changeLog]
		if ch.seq != s || ch.all || ch.token == token || (ch.user != "" && ch.user == user) {
			return true
		}
	}
	return false
}

// sessionEntry is one kept answer of findJoined.
type sessionEntry struct {
	data        []byte
	expiry      time.Time // the session row's
	userID      string    // "" for a row without user id
	user        *account.User
	memberships []org.Membership
	epoch       uint64
	filled      time.Time
}

func newSessionCache() *sessionCache {
	c := &sessionCache{now: time.Now, entries: map[string]*sessionEntry{}, byUser: map[string]map[string]struct{}{},
		waiters: map[string]chan struct{}{}, barrierID: uuid.NewString()}
	c.l = database.Listener{
		Channel: SessionChannel, ApplicationName: SessionListenerApplicationName,
		Name: "session listener", DownMessage: "not listening, every session is read from the database",
		OnListen: func() { c.epoch.Add(1); c.dropAll() },
		OnNotify: c.notified,
		OnDown:   c.dropAll,
	}
	return c
}

// listen starts the listener (nothing is served from memory before it
// listens); stop ends it.
func (c *sessionCache) listen(cfg *pgx.ConnConfig, log *slog.Logger) { c.l.Start(cfg, log) }
func (c *sessionCache) stop()                                        { c.l.Stop() }

// begin is called before a read of the database: the sequence number its
// answer is stored under (store).
func (c *sessionCache) begin() uint64 { return c.seq.Load() }

// get returns a copy of token's entry if it may be used.
func (c *sessionCache) get(token string) (*sessionEntry, bool) {
	up := c.l.Listening()
	epoch := c.epoch.Load()
	if !up {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[token]
	c.mu.Unlock()
	now := c.now()
	if !ok || e.epoch != epoch || now.Sub(e.filled) >= sessionCacheTTL || !now.Before(e.expiry) {
		c.count(false)
		return nil, false
	}
	c.count(true)
	return e.clone(), true
}

func (c *sessionCache) count(hit bool) {
	if hit && c.hits != nil {
		c.hits.Inc()
	} else if !hit && c.misses != nil {
		c.misses.Inc()
	}
}

// store keeps e (which the caller no longer changes) under token if
// nothing changed since begin returned seq and the listener listens.
func (c *sessionCache) store(token string, seq uint64, e *sessionEntry) {
	up := c.l.Listening()
	e.epoch = c.epoch.Load()
	if !up {
		return
	}
	e.filled = c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.changedSinceLocked(seq, token, e.userID) {
		return
	}
	if len(c.entries) >= sessionCacheMax {
		clear(c.entries)
		clear(c.byUser)
	}
	c.dropLocked(token)
	c.entries[token] = e
	if e.userID != "" {
		ts := c.byUser[e.userID]
		if ts == nil {
			ts = map[string]struct{}{}
			c.byUser[e.userID] = ts
		}
		ts[token] = struct{}{}
	}
}

// barrierPrefix starts a barrier's payload (await).
const barrierPrefix = "barrier:"

// barrierWait bounds how long await waits for its notification.
var barrierWait = time.Second

// await is a barrier: it returns once this instance has handled every
// session notification committed before it was called. It sends a
// notification of its own through the app's pool and waits for the
// listener to receive it: PostgreSQL delivers a channel's notifications
// in commit order, so the ones committed before it have been handled by
// then. A write of this instance that changes another person's account,
// memberships or sessions (an administrator's) is then in effect on this
// instance for that person's next request, not only once the
// notification comes back. Without a listener nothing is served from
// memory and it returns at once; when the notification cannot be sent or
// does not come back in barrierWait, every entry is dropped.
func (c *sessionCache) await(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}) {
	if !c.l.Listening() {
		return
	}
	payload := barrierPrefix + c.barrierID + ":" + strconv.FormatUint(c.barriers.Add(1), 10)
	done := make(chan struct{})
	c.mu.Lock()
	c.waiters[payload] = done
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, payload)
		c.mu.Unlock()
	}()
	if _, err := db.Exec(context.WithoutCancel(ctx), "SELECT pg_notify($1, $2)", SessionChannel, payload); err != nil {
		c.dropAll()
		return
	}
	t := time.NewTimer(barrierWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		c.dropAll()
	}
}

// notified handles a notification's payload.
func (c *sessionCache) notified(payload string) {
	switch {
	case strings.HasPrefix(payload, barrierPrefix):
		// A barrier: this instance's wakes its waiter; another's
		// changes nothing.
		c.mu.Lock()
		if done, ok := c.waiters[payload]; ok {
			close(done)
			delete(c.waiters, payload)
		}
		c.mu.Unlock()
	case strings.HasPrefix(payload, "t:"):
		c.forgetToken(payload[2:])
	case strings.HasPrefix(payload, "u:"):
		c.forgetUser(payload[2:])
	default: // "*", and anything not foreseen
		c.dropAll()
	}
}

// forgetToken drops token's entry (a write of that session).
func (c *sessionCache) forgetToken(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.raiseLocked(change{token: token})
	c.dropLocked(token)
}

// forgetUser drops every entry of userID.
func (c *sessionCache) forgetUser(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.raiseLocked(change{user: userID})
	for token := range c.byUser[userID] {
		delete(c.entries, token)
	}
	delete(c.byUser, userID)
}

// dropAll drops every entry.
func (c *sessionCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.raiseLocked(change{all: true})
	clear(c.entries)
	clear(c.byUser)
}

func (c *sessionCache) dropLocked(token string) {
	e, ok := c.entries[token]
	if !ok {
		return
	}
	delete(c.entries, token)
	if ts := c.byUser[e.userID]; ts != nil {
		delete(ts, token)
		if len(ts) == 0 {
			delete(c.byUser, e.userID)
		}
	}
}

// clone returns a copy of e that shares nothing mutable with it.
func (e *sessionEntry) clone() *sessionEntry {
	out := *e
	out.data = slices.Clone(e.data)
	out.memberships = slices.Clone(e.memberships)
	if e.user != nil {
		out.user = e.user.Clone()
	}
	return &out
}
