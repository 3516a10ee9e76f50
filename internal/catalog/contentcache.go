package catalog

import (
	"container/list"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"

	"takumi/internal/apperr"
)

// Parsed published content, kept in memory (issue 20, docs/performance.md
// "Learner pages' CPU"). A published revision's content never changes:
// EditDraft only edits the open draft (published_at IS NULL) and Publish
// freezes it, so a revision read once can serve every later request for
// it, on any instance, without invalidation. Which revision is current
// still comes from the database on every request (courses.published_revision),
// so publishing a new revision is seen at once. Drafts are never kept.

// RevisionKey names one revision of a course.
type RevisionKey struct {
	CourseID string
	Number   int
}

// DefaultContentCacheBytes bounds the cache by the size of the revisions'
// JSON (the parsed form is of the same order): a 300-lesson course is
// ~150 kB, so 64 MiB holds a few hundred of the largest courses.
const DefaultContentCacheBytes = 64 << 20

// ContentCache keeps the parsed content of published revisions, the least
// recently used dropped first when the total JSON size passes its bound.
// The *Content it returns is shared by every request: callers must treat
// it as read-only (copy before changing anything). Safe for concurrent
// use. A nil *ContentCache keeps nothing and reads every time.
type ContentCache struct {
	max          int64
	mu           sync.Mutex
	size         int64
	lru          *list.List // of *contentEntry, most recent first
	byKey        map[RevisionKey]*list.Element
	hits, misses atomic.Int64
}

type contentEntry struct {
	key     RevisionKey
	content *Content
	size    int64
}

// NewContentCache returns a cache holding up to maxBytes of revision JSON.
func NewContentCache(maxBytes int64) *ContentCache {
	return &ContentCache{max: maxBytes, lru: list.New(), byKey: map[RevisionKey]*list.Element{}}
}

// Stats returns the number of look-ups served from memory and read from
// the database since the cache was made.
func (c *ContentCache) Stats() (hits, misses int64) {
	if c == nil {
		return 0, 0
	}
	return c.hits.Load(), c.misses.Load()
}

func (c *ContentCache) get(k RevisionKey) *Content {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[k]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*contentEntry).content
	}
	return nil
}

func (c *ContentCache) put(k RevisionKey, content *Content, size int64) {
	if c == nil || size > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[k]; ok {
		c.lru.MoveToFront(e)
		return
	}
	c.byKey[k] = c.lru.PushFront(&contentEntry{key: k, content: content, size: size})
	c.size += size
	for c.size > c.max {
		last := c.lru.Back()
		ent := last.Value.(*contentEntry)
		c.lru.Remove(last)
		delete(c.byKey, ent.key)
		c.size -= ent.size
	}
}

// Revision returns the content of revision number of the course, from
// memory when it is a published revision read before. db is the caller's
// connection or transaction. Errors: not_found (no such revision),
// internal.
func (c *ContentCache) Revision(ctx context.Context, db *gorm.DB, courseID string, number int) (*Content, error) {
	k := RevisionKey{CourseID: courseID, Number: number}
	got, err := c.Revisions(ctx, db, []RevisionKey{k})
	if err != nil {
		return nil, err
	}
	if got[k] == nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return got[k], nil
}

// Revisions returns the content of each revision in keys that exists (a
// key with no revision is absent from the map), reading the ones not in
// memory in one query and keeping those that are published.
func (c *ContentCache) Revisions(ctx context.Context, db *gorm.DB, keys []RevisionKey) (map[RevisionKey]*Content, error) {
	out := make(map[RevisionKey]*Content, len(keys))
	var ids, numbers []string
	for _, k := range keys {
		if _, done := out[k]; done {
			continue
		}
		if got := c.get(k); got != nil {
			out[k] = got
			c.hits.Add(1)
			continue
		}
		if _, err := parseUUID(k.CourseID); err != nil {
			continue
		}
		out[k] = nil // asked for once
		ids = append(ids, k.CourseID)
		numbers = append(numbers, strconv.Itoa(k.Number))
	}
	if len(ids) == 0 {
		return out, nil
	}
	if c != nil {
		c.misses.Add(int64(len(ids)))
	}
	var rows []struct {
		CourseID  string
		Number    int
		Content   string
		Published bool
	}
	// One round trip for every miss: the keys as two arrays (literals, so
	// gorm does not expand them into lists of parameters).
	if err := db.WithContext(ctx).Raw(`SELECT r.course_id, r.number, r.content::text AS content, r.published_at IS NOT NULL AS published
		FROM unnest(?::uuid[], ?::int[]) AS k(course_id, number)
		JOIN course_revisions r ON r.course_id = k.course_id AND r.number = k.number`,
		"{"+strings.Join(ids, ",")+"}", "{"+strings.Join(numbers, ",")+"}").Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	for _, r := range rows {
		var content Content
		if err := json.Unmarshal([]byte(r.Content), &content); err != nil {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		k := RevisionKey{CourseID: r.CourseID, Number: r.Number}
		out[k] = &content
		if r.Published {
			c.put(k, &content, int64(len(r.Content)))
		}
	}
	for k, v := range out {
		if v == nil {
			delete(out, k)
		}
	}
	return out, nil
}
