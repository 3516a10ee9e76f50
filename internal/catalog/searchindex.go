package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"takumi/internal/database"
)

// The catalogue search from memory: while the catalogue change signal
// listens (signal.go), each instance keeps the whole published catalogue as
// a search index of the current generation, and answers a search the kept
// results (catalogue.go) do not hold without a query. The index is loaded
// once per generation, from the primary, by one statement (searchIndexSQL),
// in the background, started by the first search after a change; until it
// is loaded, searches read the database, so no request waits for the load.
// While the listener is not connected, or when the catalogue is larger than
// SearchIndexMaxCourses, or the load fails, searches read the database
// (search) as before.
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
// search: some 2.5 KB each (the search text, the bigram postings, the
// listing; 12.7 MB at the benchmark's 5,000 courses, docs/performance.md),
// so at most some 50 MB. A larger catalogue is searched in the database.
const SearchIndexMaxCourses = 20000

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
	// values are each facet's values; codes finds a value's position.
	values [6][]string
	codes  [6]map[string]uint32
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
	// by its CASE), as positions in searchIndex.values; hoursFilter is the
	// hoursConditions bucket the page query's filter finds the course in
	// ("" for none).
	dims        [6]uint32
	hoursFilter string
}

// searchIndexRow is one row of searchIndexSQL.
type searchIndexRow struct {
	Listing
	HasText    bool
	SearchText string
	Grams      database.TextArray `gorm:"type:text[]"` // search_grams
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
	c.search_grams AS grams,
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
	for d := range ix.codes {
		ix.codes[d] = map[string]uint32{}
	}
	for k := range ix.order {
		ix.order[k] = make([]int32, len(rows))
	}
	for i := range rows {
		r := &rows[i]
		c := &ix.courses[i]
		c.listing, c.text, c.hasText = r.Listing, r.SearchText, r.HasText
		for d, v := range [6]string{r.SkillAreaCode, r.Level, r.DeliveryMode, r.Language, r.HoursFacet, r.ProviderID} {
			code, ok := ix.codes[d][v]
			if !ok {
				code = uint32(len(ix.values[d]))
				ix.codes[d][v] = code
				ix.values[d] = append(ix.values[d], v)
			}
			c.dims[d] = code
		}
		c.hoursFilter = r.HoursIn
		grams := []string(r.Grams)
		slices.Sort(grams)
		for _, g := range slices.Compact(grams) {
			ix.grams[g] = append(ix.grams[g], int32(i))
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
	// The values filtered on as codes (a value no course has: none).
	var wantCode [6]uint32
	var filtered [6]bool
	for d := range want {
		if want[d] == "" {
			continue
		}
		filtered[d] = true
		code, ok := ix.codes[d][want[d]]
		if !ok {
			code = uint32(len(ix.values[d])) // matches no course
		}
		wantCode[d] = code
	}
	var counts [6][]int
	for d := range counts {
		counts[d] = make([]int, len(ix.values[d]))
	}
	for _, i := range hits {
		c := &ix.courses[i]
		// The counts query: a course counts in the total when it meets
		// every filter, in a facet's option when it meets every other one.
		miss, missed := 0, -1
		for d := range filtered {
			if filtered[d] && c.dims[d] != wantCode[d] {
				miss++
				missed = d
			}
		}
		switch miss {
		case 0:
			res.Total++
			for d := range counts {
				counts[d][c.dims[d]]++
			}
		case 1:
			counts[missed][c.dims[missed]]++
		}
		// The page query: the same filters, the hours one by its
		// condition.
		if miss > 1 || miss == 1 && missed != 4 || filtered[4] && c.hoursFilter != want[4] {
			continue
		}
		listed[i/64] |= 1 << (i % 64)
	}
	for d, name := range facetNames {
		for code, n := range counts[d] {
			if n > 0 {
				res.Facets[name][ix.values[d][code]] = n
			}
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

// indexBuild is a load of generation gen; done closes when it ends (ix
// is then set, or nil after an error).
type indexBuild struct {
	gen  uint64
	done chan struct{}
	ix   *searchIndex
}

// get returns the index of generation gen, or nil when it is not loaded:
// then the search reads the database, and a load of gen from db is
// started in the background unless one is under way. nil also when the
// catalogue is too large (or the last load failed, until the next search
// starts another).
func (x *searchIndexes) get(db *gorm.DB, gen uint64) *searchIndex {
	x.mu.Lock()
	defer x.mu.Unlock()
	if ix := x.ready; ix != nil && ix.gen == gen {
		return ix.usable()
	}
	if b := x.building; b != nil && b.gen == gen {
		return nil
	}
	b := &indexBuild{gen: gen, done: make(chan struct{})}
	x.building = b
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), searchIndexBuildTimeout)
		ix, err := loadSearchIndex(ctx, db, gen)
		cancel()
		x.mu.Lock()
		if x.building == b {
			x.building = nil
		}
		if err != nil {
			slog.Warn("catalogue search index: not loaded, searches read the database", "error", err.Error())
		} else {
			b.ix = ix
			if x.ready == nil || x.ready.gen <= gen {
				x.ready = ix
			}
		}
		x.mu.Unlock()
		close(b.done)
	}()
	return nil
}

// wait waits for the load under way, if any (tests).
func (x *searchIndexes) wait() {
	x.mu.Lock()
	b := x.building
	x.mu.Unlock()
	if b != nil {
		<-b.done
	}
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
