package app

import (
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"takumi/internal/database"
	"takumi/internal/org"
)

// SessionStore keeps scs sessions in PostgreSQL's sessions table, in place
// of scs's pgxstore (same table, same statements), and also keeps in each
// row the signed-in user's id (user_id, migration 00056), taken from the
// session's data at every write. Its Find reads the session row with the
// account and memberships joined (org.SignedInColumns) in one statement,
// and hands them to the request's sign-in check through
// org.SessionAccount: one round trip fewer on every request of a signed-in
// person (issue 20, docs/performance.md "Session and sign-in check in one
// round trip"). Expired rows are deleted every cleanup interval, as
// pgxstore did.
type SessionStore struct {
	db      *database.DB
	codec   scs.Codec
	userKey string
	// cache keeps findJoined's answers while the session signal listens
	// (sessioncache.go); nil: every read goes to the database.
	cache *sessionCache

	stopOnce sync.Once
	stop     chan struct{}
}

// NewSessionStore returns a store on db's sessions table. codec is the
// session manager's (it decodes a session's data at each write to find
// the value under userKey, the signed-in user's id); cleanup is how often
// expired rows are deleted (0: never, and no goroutine).
func NewSessionStore(db *database.DB, codec scs.Codec, userKey string, cleanup time.Duration) *SessionStore {
	s := &SessionStore{db: db, codec: codec, userKey: userKey, stop: make(chan struct{})}
	if cleanup > 0 {
		go s.cleanup(cleanup)
	}
	return s
}

// findJoined is the session row with its account and memberships: a
// visitor's row (user_id NULL) comes back with NULL account columns.
const findJoined = `SELECT s.data, s.expiry, s.user_id::text AS session_user_id, ` + org.SignedInColumns + `
	FROM sessions s LEFT JOIN users u ON u.id = s.user_id
	WHERE s.token = $1 AND current_timestamp < s.expiry`

// FindCtx implements scs.CtxStore. When ctx carries an org.SessionAccount
// not filled yet, the account is read with the session and put there;
// otherwise only the session row is read. The read is not cancelled with
// the request, as pgxstore's was not: a client that goes away while its
// session is read is not a session store error (logged, 503). Both reads
// go to pgx directly and scan column by column (issue 20,
// docs/performance.md "The signed-in request path without gorm").
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	sa := org.SessionAccountOf(ctx)
	ctx = context.WithoutCancel(ctx)
	if s.cache != nil {
		if e, ok := s.cache.get(token); ok {
			if sa != nil && !sa.Read {
				sa.UserID, sa.User, sa.Memberships, sa.Read = e.userID, e.user, e.memberships, true
			}
			return e.data, true, nil
		}
	}
	if sa == nil || sa.Read {
		var b []byte
		err := s.db.Pool.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND current_timestamp < expiry`, token).Scan(&b)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		return b, true, nil
	}
	var seq uint64
	if s.cache != nil {
		seq = s.cache.begin() // before the query (sessioncache.go)
	}
	rows, err := s.db.Pool.Query(ctx, findJoined, token)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, false, rows.Err()
	}
	var data []byte
	var expiry time.Time
	var sessionUserID *string
	var r org.SignedInRow
	dest := make([]any, 3, 3+org.SignedInFieldCount)
	dest[0], dest[1], dest[2] = &data, &expiry, &sessionUserID
	// A row without a user id, or whose user id has no account (an
	// outer join without a user): the account's columns are NULL and are
	// not scanned (nil destinations); User stays nil, and the sign-in
	// check ends a session whose user is gone.
	withAccount := rows.RawValues()[3] != nil
	if withAccount {
		dest = append(dest, r.Fields()...)
	} else {
		dest = dest[:3+org.SignedInFieldCount]
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, false, err
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if sessionUserID != nil {
		sa.UserID = *sessionUserID
		if withAccount {
			u, ms, err := r.Account()
			if err != nil {
				return nil, false, err
			}
			sa.User, sa.Memberships = u, ms
		}
	}
	sa.Read = true
	if s.cache != nil {
		// The request may change what it was handed: keep copies.
		e := (&sessionEntry{data: data, expiry: expiry, userID: sa.UserID, user: sa.User, memberships: sa.Memberships}).clone()
		s.cache.store(token, seq, e)
	}
	return data, true, nil
}

// CommitCtx implements scs.CtxStore: the row's user_id is the session
// data's user id (NULL when it has none or it is not a UUID). The write is
// not cancelled with the request (as pgxstore's, which took no context).
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.db.Pool.Exec(context.WithoutCancel(ctx), `INSERT INTO sessions (token, data, expiry, user_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry, user_id = EXCLUDED.user_id`,
		token, b, expiry, s.userID(b))
	s.written(token)
	return err
}

// written drops token's kept session after this instance wrote or deleted
// it (also after a failed write: it may have committed): the next request
// here reads the row (read-your-writes without waiting for the
// notification).
func (s *SessionStore) written(token string) {
	if s.cache != nil {
		s.cache.forgetToken(token)
	}
}

// ForgetUser drops every session of userID this instance keeps in memory:
// the web layer calls it after a signed-in person's writing request (a
// change to their own account or memberships is then seen on their next
// request here, before the notification comes back).
func (s *SessionStore) ForgetUser(userID string) {
	if s.cache != nil {
		s.cache.forgetUser(userID)
	}
}

// AwaitSessionSignal returns once this instance has handled every session
// notification committed before the call (sessionCache.await): the web
// layer calls it after an administrator's writing request, so that a
// change to another person's account, memberships or sessions is in
// effect here for that person's next request.
func (s *SessionStore) AwaitSessionSignal(ctx context.Context) {
	if s.cache != nil {
		s.cache.await(ctx, s.db.Pool)
	}
}

// userID returns the signed-in user's id in the encoded session data b,
// or nil.
func (s *SessionStore) userID(b []byte) *string {
	_, values, err := s.codec.Decode(b)
	if err != nil {
		return nil
	}
	id, _ := values[s.userKey].(string)
	if uuid.Validate(id) != nil {
		return nil
	}
	return &id
}

// DeleteCtx implements scs.CtxStore. SECURITY: not cancelled with the
// request, so a sign-out or an ended session is always deleted.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.db.Pool.Exec(context.WithoutCancel(ctx), `DELETE FROM sessions WHERE token = $1`, token)
	s.written(token)
	return err
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// All implements scs.IterableStore: every unexpired session's data by
// token (as stored).
func (s *SessionStore) All() (map[string][]byte, error) {
	rows, err := s.db.Pool.Query(context.Background(), `SELECT token, data FROM sessions WHERE current_timestamp < expiry`)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	var token string
	var data []byte
	_, err = pgx.ForEachRow(rows, []any{&token, &data}, func() error {
		out[token] = data
		return nil
	})
	return out, err
}

// StopCleanup ends the goroutine deleting expired rows (for a store whose
// use is short, such as `takumi demo`'s).
func (s *SessionStore) StopCleanup() {
	s.stopOnce.Do(func() { close(s.stop) })
}

func (s *SessionStore) cleanup(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if _, err := s.db.Pool.Exec(context.Background(), `DELETE FROM sessions WHERE expiry < current_timestamp`); err != nil {
				slog.Warn("session cleanup", "error", err.Error())
			}
		case <-s.stop:
			return
		}
	}
}

// touchStore wraps the session store so that an unchanged session is not
// written again on every request (issue 13, docs/capacity.md). With an idle
// timeout, scs commits every session on every request to push its expiry
// on, which made each request of a signed-in person, the player's heartbeat
// every 30 s included, a database write and a WAL flush. touchStore skips
// the write when this instance last wrote the same bytes for the token and
// the new expiry is less than slack later than the one it wrote: the
// stored idle expiry then lags the true one by less than slack (the idle
// timeout is between IdleTimeout − slack and IdleTimeout). A change of the
// session's data, a new token (sign-in renews it) and the first request an
// instance sees for a session are always written. The row's user id
// follows the data (SessionStore), so a skipped write never leaves it
// stale.
type touchStore struct {
	inner scs.CtxStore
	slack time.Duration

	mu   sync.Mutex
	seed maphash.Seed
	seen map[string]touched // token (as stored: hashed) -> last write here
}

type touched struct {
	sum    uint64
	expiry time.Time
}

// touchStoreMax bounds the memory: past it the map starts again (each
// session then costs one more write).
const touchStoreMax = 200_000

func newTouchStore(inner scs.CtxStore, slack time.Duration) *touchStore {
	return &touchStore{inner: inner, slack: slack, seed: maphash.MakeSeed(), seen: map[string]touched{}}
}

// FindCtx implements scs.CtxStore.
func (s *touchStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.inner.FindCtx(ctx, token)
}

// CommitCtx implements scs.CtxStore.
func (s *touchStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	sum := maphash.Bytes(s.seed, b)
	s.mu.Lock()
	t, ok := s.seen[token]
	s.mu.Unlock()
	if ok && t.sum == sum && !expiry.Before(t.expiry) && expiry.Sub(t.expiry) < s.slack {
		return nil
	}
	if err := s.inner.CommitCtx(ctx, token, b, expiry); err != nil {
		return err
	}
	s.mu.Lock()
	if len(s.seen) >= touchStoreMax {
		clear(s.seen)
	}
	s.seen[token] = touched{sum: sum, expiry: expiry}
	s.mu.Unlock()
	return nil
}

// DeleteCtx implements scs.CtxStore.
func (s *touchStore) DeleteCtx(ctx context.Context, token string) error {
	s.mu.Lock()
	delete(s.seen, token)
	s.mu.Unlock()
	return s.inner.DeleteCtx(ctx, token)
}

// Find implements scs.Store.
func (s *touchStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *touchStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s *touchStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// All implements scs.IterableStore when the wrapped store does.
func (s *touchStore) All() (map[string][]byte, error) {
	if it, ok := s.inner.(scs.IterableStore); ok {
		return it.All()
	}
	return map[string][]byte{}, nil
}

// ForgetUser forwards to the wrapped store, if it keeps sessions in
// memory (SessionStore.ForgetUser).
func (s *touchStore) ForgetUser(userID string) {
	if f, ok := s.inner.(interface{ ForgetUser(string) }); ok {
		f.ForgetUser(userID)
	}
}

// AwaitSessionSignal forwards to the wrapped store, if it keeps sessions
// in memory (SessionStore.AwaitSessionSignal).
func (s *touchStore) AwaitSessionSignal(ctx context.Context) {
	if a, ok := s.inner.(interface{ AwaitSessionSignal(context.Context) }); ok {
		a.AwaitSessionSignal(ctx)
	}
}

// stopCleanup stops the wrapped store's cleanup goroutine, if it has one.
func (s *touchStore) stopCleanup() {
	if st, ok := s.inner.(interface{ StopCleanup() }); ok {
		st.StopCleanup()
	}
}

var _ scs.CtxStore = (*touchStore)(nil)
var _ scs.CtxStore = (*SessionStore)(nil)
