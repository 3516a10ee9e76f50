package app

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

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
// instance sees for a session are always written.
type touchStore struct {
	scs.Store
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

func newTouchStore(inner scs.Store, slack time.Duration) *touchStore {
	return &touchStore{Store: inner, slack: slack, seed: maphash.MakeSeed(), seen: map[string]touched{}}
}

// Commit implements scs.Store.
func (s *touchStore) Commit(token string, b []byte, expiry time.Time) error {
	sum := maphash.Bytes(s.seed, b)
	s.mu.Lock()
	t, ok := s.seen[token]
	s.mu.Unlock()
	if ok && t.sum == sum && !expiry.Before(t.expiry) && expiry.Sub(t.expiry) < s.slack {
		return nil
	}
	if err := s.Store.Commit(token, b, expiry); err != nil {
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

// Delete implements scs.Store.
func (s *touchStore) Delete(token string) error {
	s.mu.Lock()
	delete(s.seen, token)
	s.mu.Unlock()
	return s.Store.Delete(token)
}

// All implements scs.IterableStore when the wrapped store does.
func (s *touchStore) All() (map[string][]byte, error) {
	if it, ok := s.Store.(scs.IterableStore); ok {
		return it.All()
	}
	return map[string][]byte{}, nil
}
