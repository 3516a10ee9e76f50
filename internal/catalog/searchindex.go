package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// The catalogue search from memory: while the catalogue change signal
// listens (signal.go), each instance keeps the whole published catalogue as
// a search index of the current generation, and answers a search the kept
// results (catalogue.go) do not hold without a query. The index is loaded
// once per generation, from the primary, by one statement (searchIndexSQL),
// on the first search after a change; searches of the same generation that
// arrive while it loads wait for it. While the listener is not connected, or
// when the catalogue is larger than SearchIndexMaxCourses, or the load
// fails, searches read the database (search) as before.
//
// The answer is the SQL path's exactly (TestSearchIndexMatchesSQL compares
// them over many queries on a real database):
//
//   - words: a course matches a word when it has all of the word's bigrams
//     (search_grams @> …: the posting lists below) and, unless the word is
//     two characters long, its search_text contains the word (LIKE);
//     a course whose search_grams or search_text is NULL fails that test,
//     as in SQL;
//   - filters, counts and facets: the same values as the counts query
//     groups by (NULL read as "", the hours bucket by the counts query's
//     CASE), and for the listing the page query's conditions (the hours
//     filter by hoursConditions, which a NULL estimate never meets);
//   - order: each sort's position of every course is computed by the
//     database when the index loads (row_number() over the page query's
//     ORDER BY), so titles sort by the database's collation, not Go's;
//   - the listing's columns are the page query's (sqlListingColumns, with
//     its joins), and the page is clamped as search clamps it.
//
// SECURITY: the index holds published courses only (status = 'published'),
// the columns the public catalogue shows and their search text: nothing
// that a visitor cannot already read.

// SearchIndexMaxCourses bounds the published courses kept in memory for
// search (some 2–3 KB each: the search text, the bigram postings and the
// listing; docs/performance.md). A larger catalogue is searched in the
// database.
const SearchIndexMaxCourses = 50000

// searchIndexBuildTimeout bounds one load of the index.
const searchIndexBuildTimeout = 30 * time.Second

// searchIndex is the published catalogue of one generation.
type searchIndex struct {
	gen     uint64
	tooBig  bool // more than SearchIndexMaxCourses: search in the database
	courses []indexedCourse
	// grams maps a bigram to the courses (ascending positions in courses)
	// whose search_grams hold it.
	grams map[string][]int32
	// order lists the courses in each sort's order (sortNewest...).
	order [4][]int32
}

// The orders kept by the index.
const (
	sortNewest = iota
	sortTitleJa
	sortTitleEn
	sortHours
)

// indexedCourse is one published course in the index.
type indexedCourse struct {
	listing Listing
	text    string
	hasText bool // search_text IS NOT NULL
	// dims are the counts query's values per facetNames (the hours bucket
	// by its CASE); hoursFilter is the hoursConditions bucket the page
	// query's filter finds the course in ("" for none).
	dims        [6]string
	hoursFilter string
}

// searchIndexRow is one row of searchIndexSQL.
type searchIndexRow struct {
	Listing
	HasText    bool
	SearchText string
	GramsJSON  *string
	HoursFacet string
	HoursIn    string
	RNewest    int
	RTitleJa   int
	RTitleEn   int
	RHours     int
}

// searchIndexSQL reads the published catalogue: the listing as the page
// query reads it, the search document, the facet and filter values, and
// each sort's position (the ORDER BY of sortClause).
var searchIndexSQL = func() string {
	var hours strings.Builder
	hours.WriteString("CASE")
	for _, b := range HoursBuckets {
		hours.WriteString(" WHEN " + hoursConditions[b] + " THEN '" + b + "'")
	}
	hours.WriteString(" ELSE '' END")
	order := func(sort, lang string) string {
		return strings.TrimPrefix(sortClause(sort, lang), "\n")
	}
	return sqlListingColumns + `,
	c.search_text IS NOT NULL AS has_text, coalesce(c.search_text, '') AS search_text,
	array_to_json(c.search_grams)::text AS grams_json,
	` + sqlHoursBucket + ` AS hours_facet,
	` + hours.String() + ` AS hours_in,
	row_number() OVER (` + order("newest", "ja") + `) AS r_newest,
	row_number() OVER (` + order("title", "ja") + `) AS r_title_ja,
	row_number() OVER (` + order("title", "en") + `) AS r_title_en,
	row_number() OVER (` + order("hours", "ja") + `) AS r_hours
FROM courses c` + sqlListingJoins + `
WHERE c.status = 'published'
LIMIT ?`
}()

// loadSearchIndex reads the index of generation gen from db.
func loadSearchIndex(ctx context.Context, db *gorm.DB, gen uint64) (*searchIndex, error) {
	var rows []searchIndexRow
	if err := db.WithContext(ctx).Raw(searchIndexSQL, SearchIndexMaxCourses+1).Find(&rows).Error; err != nil {
		return nil, err
	}
	ix := &searchIndex{gen: gen}
	if len(rows) > SearchIndexMaxCourses {
		ix.tooBig = true
		return ix, nil
	}
	ix.courses = make([]indexedCourse, len(rows))
	ix.grams = map[string][]int32{}
	for k := range ix.order {
		ix.order[k] = make([]int32, len(rows))
	}
	for i := range rows {
		r := &rows[i]
		c := &ix.courses[i]
		c.listing, c.text, c.hasText = r.Listing, r.SearchText, r.HasText
		c.dims = [6]string{r.SkillAreaCode, r.Level, r.DeliveryMode, r.Language, r.HoursFacet, r.ProviderID}
		c.hoursFilter = r.HoursIn
		if r.GramsJSON != nil {
			var grams []string
			if err := json.Unmarshal([]byte(*r.GramsJSON), &grams); err != nil {
				return nil, fmt.Errorf("search index: course %s: %w", r.ID, err)
			}
			slices.Sort(grams)
			for _, g := range slices.Compact(grams) {
				ix.grams[g] = append(ix.grams[g], int32(i))
			}
		}
		for k, pos := range [4]int{r.RNewest, r.RTitleJa, r.RTitleEn, r.RHours} {
			if pos < 1 || pos > len(rows) {
				return nil, fmt.Errorf("search index: course %s: position %d of %d", r.ID, pos, len(rows))
			}
			ix.order[k][pos-1] = int32(i)
		}
	}
	return ix, nil
}

// words returns the courses matching every word (ascending positions), or
// all == true when there are no words.
func (ix *searchIndex) words(words []string) (hits []int32, all bool) {
	if len(words) == 0 {
		return nil, true
	}
	// Every word's bigrams, smallest posting list first.
	var lists [][]int32
	for _, w := range words {
		for _, g := range bigrams(w) {
			lists = append(lists, ix.grams[g])
		}
	}
	slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
	all = true
	for _, l := range lists {
		if all {
			hits, all = slices.Clone(l), false
			continue
		}
		hits = intersect(hits, l)
		if len(hits) == 0 {
			return hits, false
		}
	}
	// The text must contain every word that is not two characters long
	// (a two-character word is its own bigram: sqlWordLike's comment).
	for _, w := range words {
		if len(bigrams(w)) == 1 {
			continue
		}
		if all { // one-character words only: every course is a candidate
			hits, all = make([]int32, 0, len(ix.courses)), false
			for i := range ix.courses {
				hits = append(hits, int32(i))
			}
		}
		kept := hits[:0]
		for _, i := range hits {
			if c := &ix.courses[i]; c.hasText && strings.Contains(c.text, w) {
				kept = append(kept, i)
			}
		}
		hits = kept
	}
	return hits, false
}

// intersect keeps in a (ascending) the elements also in b (ascending),
// writing over a.
func intersect(a, b []int32) []int32 {
	out := a[:0]
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) {
			break
		}
		if b[j] == x {
			out = append(out, x)
		}
	}
	return out
}

// search answers the checked filter f (plan's output) with want, the
// values filtered on per facetNames, into res as search does.
func (ix *searchIndex) search(f Filter, want [6]string, res *Results) {
	hits, all := ix.words(ParseQuery(f.Q).Words)
	if all {
		hits = make([]int32, len(ix.courses))
		for i := range hits {
			hits[i] = int32(i)
		}
	}
	listed := make([]uint64, (len(ix.courses)+63)/64) // the page query's matches
	facets := [6]map[string]int{}
	for d, name := range facetNames {
		facets[d] = res.Facets[name]
	}
	for _, i := range hits {
		c := &ix.courses[i]
		// The counts query: a course counts in the total when it meets
		// every filter, in a facet's option when it meets every other one.
		miss, missed := 0, -1
		for d := range want {
			if want[d] != "" && c.dims[d] != want[d] {
				miss++
				missed = d
			}
		}
		switch miss {
		case 0:
			res.Total++
			for d := range facets {
				facets[d][c.dims[d]]++
			}
		case 1:
			facets[missed][c.dims[missed]]++
		}
		// The page query: the same filters, the hours one by its
		// condition.
		ok := true
		for d := range want {
			v := c.dims[d]
			if d == 4 {
				v = c.hoursFilter
			}
			if want[d] != "" && v != want[d] {
				ok = false
				break
			}
		}
		if ok {
			listed[i/64] |= 1 << (i % 64)
		}
	}
	res.Pages = (res.Total + PageSize - 1) / PageSize
	if res.Filter.Page > res.Pages {
		res.Filter.Page = max(res.Pages, 1)
	}
	if res.Total == 0 {
		return
	}
	order := ix.order[sortNewest]
	switch res.Filter.Sort {
	case "title":
		order = ix.order[sortTitleJa]
		if f.DisplayLang == "en" {
			order = ix.order[sortTitleEn]
		}
	case "hours":
		order = ix.order[sortHours]
	}
	skip := (res.Filter.Page - 1) * PageSize
	res.Items = []Listing{}
	for _, i := range order {
		if listed[i/64]&(1<<(i%64)) == 0 {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		res.Items = append(res.Items, ix.courses[i].listing)
		if len(res.Items) == PageSize {
			break
		}
	}
}

// searchIndexes holds the index of the latest generation loaded and the
// loads under way.
type searchIndexes struct {
	mu       sync.Mutex
	ready    *searchIndex
	building *indexBuild
}

// indexBuild is a load of generation gen; done closes when ix (nil after
// an error) is set.
type indexBuild struct {
	gen  uint64
	done chan struct{}
	ix   *searchIndex
}

// get returns the index of generation gen, loading it from db when it is
// not loaded or being loaded (a search that finds it being loaded waits
// for it). nil means: search in the database (the load failed, the
// catalogue is too large, or ctx ended while waiting).
func (x *searchIndexes) get(ctx context.Context, db *gorm.DB, gen uint64) *searchIndex {
	x.mu.Lock()
	if ix := x.ready; ix != nil && ix.gen == gen {
		x.mu.Unlock()
		return ix.usable()
	}
	if b := x.building; b != nil && b.gen == gen {
		x.mu.Unlock()
		select {
		case <-b.done:
			return b.ix.usable()
		case <-ctx.Done():
			return nil
		}
	}
	b := &indexBuild{gen: gen, done: make(chan struct{})}
	x.building = b
	x.mu.Unlock()
	// The load outlives this request's cancellation: others may wait for it.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), searchIndexBuildTimeout)
	ix, err := loadSearchIndex(lctx, db, gen)
	cancel()
	x.mu.Lock()
	if x.building == b {
		x.building = nil
	}
	if err == nil {
		b.ix = ix
		if x.ready == nil || x.ready.gen <= gen {
			x.ready = ix
		}
	}
	x.mu.Unlock()
	close(b.done)
	return b.ix.usable()
}

// usable is ix, or nil when the catalogue is searched in the database.
func (ix *searchIndex) usable() *searchIndex {
	if ix == nil || ix.tooBig {
		return nil
	}
	return ix
}

// drop frees the loaded index (a change made it stale).
func (x *searchIndexes) drop() {
	x.mu.Lock()
	x.ready = nil
	x.mu.Unlock()
}
