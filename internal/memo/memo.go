// Package memo is a small bounded in-memory cache: a map behind a mutex
// that starts again empty when it holds Limit entries. Its users keep
// values that are cheap to compute again and asked for often (a rendered
// page part, an encoded answer, a catalogue page), so the simplest bounded
// eviction is enough: after a reset the entries in use are filled again on
// their next request, and entries no longer asked for are gone.
package memo

import "sync"

// Cache maps keys to values, holding at most Limit entries (a Put into a
// full cache empties it first). The zero value is not usable: set Limit
// (New, or a composite literal). Safe for concurrent use; values are
// shared, so callers treat them as read-only.
type Cache[K comparable, V any] struct {
	// Limit is the most entries the cache holds (at least 1).
	Limit int

	mu      sync.Mutex
	entries map[K]V
}

// New returns a cache of at most limit entries.
func New[K comparable, V any](limit int) *Cache[K, V] {
	return &Cache[K, V]{Limit: limit}
}

// Get returns the value kept for k.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	v, ok := c.entries[k]
	c.mu.Unlock()
	return v, ok
}

// Put keeps v for k, first emptying the cache when it is full.
func (c *Cache[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok && (c.entries == nil || len(c.entries) >= max(c.Limit, 1)) {
		c.entries = make(map[K]V, min(max(c.Limit, 1), 64))
	}
	c.entries[k] = v
}

// Clear drops every entry.
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}

// Len is the number of entries kept.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
