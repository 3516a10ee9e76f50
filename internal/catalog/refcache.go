package catalog

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// The catalogue's reference data — the skill areas and the providers with
// published courses, which every search lists as filter choices — kept in
// memory, so that a search reads only its counts and its page.
//
// They change rarely: a skill area when a platform admin edits the
// taxonomy, the providers when a provider's first course is published, its
// last one archived, or a provider is renamed. How a change reaches the
// cached copy:
//
//   - on this instance, the catalog service's own writes (Publish, Archive,
//     CreateSkillArea, UpdateSkillArea, paths) drop it at once;
//   - every catalogue change notification (signal.go: other instances,
//     other packages' writes such as an organisation's new code) drops it
//     when it arrives;
//   - it is also reloaded when older than RefDataTTL, which bounds how
//     long a change shows late while the listener is not connected;
//   - a search filtering by a skill area or provider that the copy does not
//     know reloads it first (once), so a valid new value is never ignored.
//
// SECURITY: nothing here is private. The lists name only skill areas and
// providers with published courses — what every visitor sees — and which
// courses match is always read from the database with status = 'published',
// so a stale copy can at worst offer, for RefDataTTL, a provider whose last
// course was just archived (filtering by it finds nothing). Drafts and
// unpublished revisions are never read here.
type refCache struct {
	ttl time.Duration
	now func() time.Time

	mu        sync.Mutex
	gen       uint64 // counts invalidations
	loadedAt  time.Time
	areas     []SkillArea
	providers []CatalogueProvider
}

// RefDataTTL is how long the catalogue's skill areas and providers are
// served from memory before they are read again: the longest a change made
// on another instance takes to show in the catalogue's filter choices.
const RefDataTTL = 10 * time.Second

// get returns the lists, reading them when they are older than the TTL or
// were dropped. The slices are shared: read-only.
func (c *refCache) get(ctx context.Context, db *gorm.DB) ([]SkillArea, []CatalogueProvider, error) {
	c.mu.Lock()
	if !c.loadedAt.IsZero() && c.now().Sub(c.loadedAt) < c.ttl {
		a, p := c.areas, c.providers
		c.mu.Unlock()
		return a, p, nil
	}
	c.mu.Unlock()
	return c.reload(ctx, db)
}

// reload reads both lists from db and keeps them.
func (c *refCache) reload(ctx context.Context, db *gorm.DB) ([]SkillArea, []CatalogueProvider, error) {
	c.mu.Lock()
	gen, started := c.gen, c.now()
	c.mu.Unlock()
	areas, err := skillAreas(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	providers, err := catalogueProviders(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	// A drop (invalidate) while reading wins: these lists serve this
	// search, and the next one reads again.
	if c.gen == gen {
		c.loadedAt, c.areas, c.providers = started, areas, providers
	}
	c.mu.Unlock()
	return areas, providers, nil
}

// invalidate drops the lists: the next search reads them again.
func (c *refCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.loadedAt, c.areas, c.providers = time.Time{}, nil, nil
	c.mu.Unlock()
}

// knows reports whether the lists know the filter's skill area and
// provider (an empty filter value is known).
func knows(f *Filter, areas []SkillArea, providers []CatalogueProvider) bool {
	if f.Skill != "" && !slices.ContainsFunc(areas, func(a SkillArea) bool { return a.Code == f.Skill }) {
		return false
	}
	if f.Provider != "" && !slices.ContainsFunc(providers, func(p CatalogueProvider) bool {
		return p.ID == strings.ToLower(f.Provider) || p.Code != nil && *p.Code == f.Provider
	}) {
		return false
	}
	return true
}
