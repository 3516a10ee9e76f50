package catalog

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/database"
	"takumi/internal/i18n"
)

// The public catalogue: published courses only, found by free text (the
// bigram index of search.go) and by filters that live in the URL.
//
// SECURITY: every filter value is checked against an allowlist or parsed
// before use, and reaches SQL only as a bound parameter; the SQL text itself
// is assembled from the fixed fragments below, never from input.

// PageSize is the number of courses per catalogue page.
const PageSize = 20

// Sort orders of the catalogue, the first being the default.
var CatalogueSorts = []string{"newest", "title", "hours"}

// HoursBuckets are the estimated-hours filter's choices: under 5 hours,
// 5 to under 20, and 20 or more.
var HoursBuckets = []string{"0-5", "5-20", "20-"}

// Filter is a catalogue query as it arrives from the URL. Empty fields do
// not filter. Provider is a provider's code or id.
type Filter struct {
	Q        string
	Skill    string // skill area code
	Level    string
	Mode     string // delivery mode
	Language string // language of instruction
	Provider string
	Hours    string // one of HoursBuckets
	Sort     string // one of CatalogueSorts
	Page     int    // 1-based
	// DisplayLang is the reader's language, used to sort by title.
	DisplayLang string
}

// Listing is one published course as the catalogue shows it.
type Listing struct {
	ID             string
	Code           string
	ProviderID     string
	ProviderCode   *string
	ProviderName   i18n.Text `gorm:"embedded;embeddedPrefix:provider_name_"`
	Title          i18n.Text `gorm:"embedded;embeddedPrefix:title_"`
	Summary        i18n.Text `gorm:"embedded;embeddedPrefix:summary_"`
	SkillAreaCode  string
	SkillName      i18n.Text `gorm:"embedded;embeddedPrefix:skill_name_"`
	Level          string
	DeliveryMode   string
	Language       string
	EstimatedHours float64
	LessonCount    int
	PublishedAt    time.Time
}

// ProviderRef is how the course's URL names its provider: the provider's
// code, or its id when it has none.
func (l *Listing) ProviderRef() string {
	if l.ProviderCode != nil && *l.ProviderCode != "" {
		return *l.ProviderCode
	}
	return l.ProviderID
}

// CatalogueProvider is a training provider with published courses.
type CatalogueProvider struct {
	ID   string
	Code *string
	Name i18n.Text `gorm:"embedded;embeddedPrefix:name_"`
}

// Ref is the provider's code, or its id when it has none.
func (p *CatalogueProvider) Ref() string {
	if p.Code != nil && *p.Code != "" {
		return *p.Code
	}
	return p.ID
}

// Results is one page of a catalogue search.
type Results struct {
	// Filter is the filter as applied: values that were not valid are
	// cleared (and named in Ignored), the page is within range.
	Filter  Filter
	Ignored []string // URL parameter names whose values were ignored
	Total   int      // courses matching every filter
	Pages   int
	Items   []Listing
	// Facets counts the matching courses per option of each filter
	// ("skill", "level", "mode", "lang", "hours", "provider" by id), with
	// every other filter applied.
	Facets     map[string]map[string]int
	SkillAreas []SkillArea
	Providers  []CatalogueProvider
}

// Filtered reports whether any filter or a query is applied.
func (f Filter) Filtered() bool {
	return strings.TrimSpace(f.Q) != "" || f.Skill != "" || f.Level != "" || f.Mode != "" ||
		f.Language != "" || f.Provider != "" || f.Hours != ""
}

// The SQL of a search is assembled from the fixed fragments below; values
// are bound. Two queries answer a search. With q = "機械 cloud" and
// level = intermediate:
//
//	-- 1. counts: the matching courses grouped by every filter dimension (g),
//	--    each group marked with the filters it meets (f), then the total
//	--    (every filter met) and each filter's options (every other filter met)
//	WITH g AS MATERIALIZED (
//	    SELECT c.skill_area_code AS skill, c.level, c.delivery_mode AS mode, c.language AS lang,
//	           CASE WHEN c.estimated_hours < 5 THEN '0-5' ... END AS hours, c.provider_id::text AS provider, count(*) AS n
//	    FROM courses c
//	    WHERE c.status = 'published'
//	      AND c.search_grams @> (SELECT $1::text[])                                 -- 機械
//	      AND c.search_grams @> (SELECT $2::text[]) AND c.search_text LIKE $3 ESCAPE '\'  -- cloud
//	    GROUP BY 1, 2, 3, 4, 5, 6),
//	f AS MATERIALIZED (
//	    SELECT g.*, true AS m_skill, level = $4 AS m_level, true AS m_mode, ... FROM g)
//	SELECT 'total' AS facet, '' AS value, sum(n) AS n FROM f WHERE m_skill AND m_level AND ...
//	UNION ALL SELECT 'skill', skill, sum(n) FROM f WHERE m_level AND m_mode AND ... GROUP BY 2
//	UNION ALL ... (one line per filter)
//
//	-- 2. one page: the matches (found once, through the bigram index) in
//	--    order, then the page's providers and skill areas
//	WITH m AS MATERIALIZED (
//	    SELECT <course columns> FROM courses c
//	    WHERE c.status = 'published' AND <the same word conditions> AND c.level = $4)
//	SELECT <listing columns>
//	FROM (SELECT * FROM m c ORDER BY c.published_at DESC, c.id LIMIT 20 OFFSET $5) c
//	JOIN organisations o ON o.id = c.provider_id
//	LEFT JOIN skill_areas s ON s.code = c.skill_area_code
//	ORDER BY c.published_at DESC, c.id
//
// Without words, the page query reads courses directly (no CTE).
//
// A two-character word needs no LIKE: its one bigram is the word itself, and
// a document has that bigram exactly when its text contains the word (the
// bigrams are cut from the same words). Longer words need the LIKE, because
// their bigrams may occur apart.
const (
	// sqlHoursBucket is a course's estimated-hours choice as the counts
	// query groups and filters it (a NULL estimate falls in the last).
	sqlHoursBucket = "CASE WHEN c.estimated_hours < 5 THEN '0-5' WHEN c.estimated_hours < 20 THEN '5-20' ELSE '20-' END"
	sqlCounts      = `WITH g AS MATERIALIZED (
	SELECT c.skill_area_code AS skill, c.level, c.delivery_mode AS mode, c.language AS lang,
		` + sqlHoursBucket + ` AS hours,
		c.provider_id::text AS provider, count(*) AS n
	FROM courses c
	WHERE c.status = 'published'`
	sqlCountsGroup = `
	GROUP BY 1, 2, 3, 4, 5, 6),
f AS MATERIALIZED (
	SELECT g.*, `
	sqlCountsTally = ` FROM g)
SELECT 'total' AS facet, '' AS value, sum(n) AS n FROM f WHERE m_skill AND m_level AND m_mode AND m_lang AND m_hours AND m_provider
UNION ALL SELECT 'skill', skill, sum(n) FROM f WHERE m_level AND m_mode AND m_lang AND m_hours AND m_provider GROUP BY 2
UNION ALL SELECT 'level', level, sum(n) FROM f WHERE m_skill AND m_mode AND m_lang AND m_hours AND m_provider GROUP BY 2
UNION ALL SELECT 'mode', mode, sum(n) FROM f WHERE m_skill AND m_level AND m_lang AND m_hours AND m_provider GROUP BY 2
UNION ALL SELECT 'lang', lang, sum(n) FROM f WHERE m_skill AND m_level AND m_mode AND m_hours AND m_provider GROUP BY 2
UNION ALL SELECT 'hours', hours, sum(n) FROM f WHERE m_skill AND m_level AND m_mode AND m_lang AND m_provider GROUP BY 2
UNION ALL SELECT 'provider', provider, sum(n) FROM f WHERE m_skill AND m_level AND m_mode AND m_lang AND m_hours GROUP BY 2`
	// sqlWordGrams hides the word's bigrams from the planner behind a
	// one-row sub-select (an InitPlan), so it estimates the default 0.5 %
	// of courses whatever the word and always reads the bigram index.
	// PERFORMANCE: with the literal array the planner read the column's
	// statistics and, for a word in a third of the courses (機械 in the
	// 5,000-course benchmark), chose scanning every course and unpacking
	// its bigrams from TOAST (7,700 buffers, 74 ms) over the index (884
	// buffers, 4 ms): the index is right at any share, since its answer
	// is exact (no recheck) and a match's bigrams are never unpacked.
	// This replaces SET LOCAL random_page_cost = 1.1 and the transaction
	// it needed (docs/performance.md, "Course page, player and catalogue").
	sqlWordGrams = "\n\t  AND c.search_grams @> (SELECT ?::text[])"
	sqlWordLike  = "\n\t  AND c.search_text LIKE ? ESCAPE '\\'"
	sqlMatches   = `WITH m AS MATERIALIZED (
	SELECT c.id, c.code, c.provider_id, c.title_ja, c.title_en, c.summary_ja, c.summary_en, c.skill_area_code,
		c.level, c.delivery_mode, c.language, c.estimated_hours, c.lesson_count, c.published_at
	FROM courses c
	WHERE c.status = 'published'`
	sqlListingColumns = `SELECT c.id, c.code, c.provider_id, o.code AS provider_code, o.name_ja AS provider_name_ja,
	o.name_en AS provider_name_en, c.title_ja, coalesce(c.title_en, '') AS title_en, c.summary_ja,
	coalesce(c.summary_en, '') AS summary_en, c.skill_area_code, coalesce(s.name_ja, c.skill_area_code) AS skill_name_ja,
	coalesce(s.name_en, '') AS skill_name_en, c.level, c.delivery_mode, c.language, c.estimated_hours,
	coalesce(c.lesson_count, 0) AS lesson_count, c.published_at`
	sqlListingJoins = `
JOIN organisations o ON o.id = c.provider_id
LEFT JOIN skill_areas s ON s.code = c.skill_area_code`
	sqlListing = sqlListingColumns + `
FROM courses c` + sqlListingJoins + `
WHERE c.status = 'published'`
	sqlLimit = "\nLIMIT ? OFFSET ?"
	// sqlCoursePageColumns are what a course's public page reads besides
	// its listing (PublishedCourse): the skill area's row (s, joined by
	// sqlListingJoins), the credential's validity and, as JSON, the
	// learning paths with the course whose every course is published, as
	// CourseCredentialInfo's second query lists them.
	sqlCoursePageColumns = `, c.published_revision, c.credential_valid_months,
	s.code IS NOT NULL AS sa_found, coalesce(s.code, '') AS sa_code, coalesce(s.name_ja, '') AS sa_name_ja,
	coalesce(s.name_en, '') AS sa_name_en, coalesce(s.description_ja, '') AS sa_description_ja,
	coalesce(s.description_en, '') AS sa_description_en, coalesce(array_to_string(s.dss_alignment, ','), '') AS sa_dss,
	coalesce(s.sort_order, 0) AS sa_sort_order, coalesce(s.updated_at, 'epoch') AS sa_updated_at,
	(SELECT coalesce(json_agg(json_build_object('Code', p.code, 'ProviderID', p.provider_id, 'ProviderCode', po.code,
		'TitleJa', p.title_ja, 'TitleEn', coalesce(p.title_en, ''), 'Position', mine.position,
		'CourseCount', (SELECT count(*) FROM learning_path_courses n WHERE n.path_id = p.id)) ORDER BY p.title_ja, p.code), '[]')
	 FROM learning_path_courses mine
	 JOIN learning_paths p ON p.id = mine.path_id
	 JOIN organisations po ON po.id = p.provider_id
	 WHERE mine.course_id = c.id
	   AND NOT EXISTS (SELECT 1 FROM learning_path_courses pc JOIN courses pcc ON pcc.id = pc.course_id
	                   WHERE pc.path_id = p.id AND pcc.status <> 'published')) AS paths_json`
)

// facetNames are the filter dimensions in the order of the counts query's
// columns.
var facetNames = []string{"skill", "level", "mode", "lang", "hours", "provider"}

// hoursConditions are the estimated-hours buckets' conditions.
var hoursConditions = map[string]string{
	"0-5":  "c.estimated_hours < 5",
	"5-20": "c.estimated_hours >= 5 AND c.estimated_hours < 20",
	"20-":  "c.estimated_hours >= 20",
}

// sortClause is the allowlisted order's SQL; "title" follows the reader's
// language.
func sortClause(sort, lang string) string {
	switch sort {
	case "title":
		if lang == "en" {
			return "\nORDER BY coalesce(nullif(c.title_en, ''), c.title_ja), c.id"
		}
		return "\nORDER BY c.title_ja, c.id"
	case "hours":
		return "\nORDER BY c.estimated_hours, c.published_at DESC, c.id"
	}
	return "\nORDER BY c.published_at DESC, c.id"
}

// condition is one bound SQL fragment.
type condition struct {
	sql  string
	args []any
}

// searchPlan is a checked filter turned into SQL conditions.
type searchPlan struct {
	words []condition // free text
	dims  []condition // filters, on courses c
	want  [6]string   // per facetNames: the value filtered on, "" for any
}

func appendConds(b *strings.Builder, args []any, conds []condition) []any {
	for _, c := range conds {
		b.WriteString(c.sql)
		args = append(args, c.args...)
	}
	return args
}

// countsSQL is the query counting the total and every filter's options
// (each with the other filters applied).
func (p searchPlan) countsSQL() (string, []any) {
	var b strings.Builder
	b.WriteString(sqlCounts)
	args := appendConds(&b, nil, p.words)
	b.WriteString(sqlCountsGroup)
	for i, name := range facetNames { // the m_<facet> marks: "true", or "<facet> = ?"
		if i > 0 {
			b.WriteString(", ")
		}
		if p.want[i] == "" {
			b.WriteString("true")
		} else {
			b.WriteString(name + " = ?")
			args = append(args, p.want[i])
		}
		b.WriteString(" AS m_" + name)
	}
	b.WriteString(sqlCountsTally)
	return b.String(), args
}

// listingSQL is the query for one page of courses.
func (p searchPlan) listingSQL(sort, lang string, offset int) (string, []any) {
	var b strings.Builder
	var args []any
	if len(p.words) == 0 {
		b.WriteString(sqlListing)
		args = appendConds(&b, args, p.dims)
		b.WriteString(sortClause(sort, lang))
	} else {
		// PERFORMANCE: the CTE finds the matches once through the bigram
		// index; without it the planner may walk the published_at index
		// and test every course's bigrams on the way, which costs far more
		// than its estimate (each test unpacks ~200 compressed bigrams).
		b.WriteString(sqlMatches)
		args = appendConds(&b, args, p.words)
		args = appendConds(&b, args, p.dims)
		b.WriteString(")\n" + sqlListingColumns + "\nFROM (SELECT * FROM m c" + sortClause(sort, lang) + sqlLimit + ") c")
		b.WriteString(sqlListingJoins + sortClause(sort, lang))
		return b.String(), append(args, PageSize, offset)
	}
	b.WriteString(sqlLimit)
	return b.String(), append(args, PageSize, offset)
}

// plan checks f against the allowlists (clearing what is not valid and
// naming it in ignored) and turns it into conditions.
func plan(f *Filter, areas []SkillArea, providers []CatalogueProvider) (searchPlan, []string) {
	var p searchPlan
	var ignored []string
	if rs := []rune(f.Q); len(rs) > 200 {
		f.Q = string(rs[:200])
	}
	for _, w := range ParseQuery(f.Q).Words {
		g := bigrams(w)
		if len(g) > 0 {
			p.words = append(p.words, condition{sql: sqlWordGrams, args: []any{database.Array(g)}})
		}
		if len(g) != 1 { // a two-character word is its own bigram (see above)
			p.words = append(p.words, condition{sql: sqlWordLike, args: []any{likePattern(w)}})
		}
	}
	check := func(dim int, param string, v *string, ok bool, sql string, arg string) {
		if *v == "" {
			return
		}
		if !ok {
			ignored = append(ignored, param)
			*v = ""
			return
		}
		c := condition{sql: "\n\t  AND " + sql}
		if strings.Contains(sql, "?") {
			c.args = []any{arg}
		}
		p.dims = append(p.dims, c)
		p.want[dim] = arg
	}
	knownSkill := false
	for _, a := range areas {
		knownSkill = knownSkill || a.Code == f.Skill
	}
	check(0, "skill", &f.Skill, knownSkill, "c.skill_area_code = ?", f.Skill)
	check(1, "level", &f.Level, slices.Contains(Levels, f.Level), "c.level = ?", f.Level)
	check(2, "mode", &f.Mode, slices.Contains(DeliveryModes, f.Mode), "c.delivery_mode = ?", f.Mode)
	check(3, "lang", &f.Language, slices.Contains(Languages, f.Language), "c.language = ?", f.Language)
	check(4, "hours", &f.Hours, hoursConditions[f.Hours] != "", hoursConditions[f.Hours], f.Hours)
	providerID := ""
	for _, pr := range providers {
		if f.Provider != "" && (pr.ID == strings.ToLower(f.Provider) || pr.Code != nil && *pr.Code == f.Provider) {
			providerID = pr.ID
			f.Provider = pr.Ref()
		}
	}
	check(5, "provider", &f.Provider, providerID != "", "c.provider_id = ?", providerID)
	if f.Sort != "" && !slices.Contains(CatalogueSorts, f.Sort) {
		ignored = append(ignored, "sort")
		f.Sort = ""
	}
	if f.Sort == "" {
		f.Sort = CatalogueSorts[0]
	}
	if f.Page < 1 {
		f.Page = 1
	}
	return p, ignored
}

// countsRow is one row of the counts query.
type countsRow struct {
	Facet string
	Value string
	N     int
}

// Search answers a catalogue query: one page of published courses, newest
// first unless another allowlisted order is asked for, with the total, the
// facet counts, and the skill areas and providers to filter by. Filter
// values that are not valid are ignored and named in Results.Ignored; a page
// past the end shows the last page. Drafts and archived courses never
// appear. The answer is kept in memory while the catalogue change signal
// listens (signal.go), by the filter with its words normalised, and a
// search not kept is answered from the in-memory index of the published
// catalogue of the same generation (searchindex.go); the skill areas and
// providers come from memory too (refcache.go). The Results are
// shared with other requests: read-only (Ignored may be appended to).
// Errors: internal.
func (s *Service) Search(ctx context.Context, f Filter) (*Results, error) {
	if rs := []rune(f.Q); len(rs) > 200 {
		f.Q = string(rs[:200])
	}
	key := f
	key.Q = strings.Join(ParseQuery(f.Q).Words, " ")
	gen, listening := s.signal.current()
	if listening {
		if e, ok := s.searches.Get(key); ok && e.gen == gen {
			return e.res.as(f.Q), nil
		}
	}
	// PERFORMANCE/consistency: a value to keep is read from the primary.
	// The replica may lag (up to TAKUMI_REPLICA_MAX_LAG) behind the
	// notification that emptied the cache, and a value read from it would
	// then be kept, stale, until the next change. Without the listener
	// nothing is kept and the search reads where it did before (the
	// replica while it is healthy).
	db := s.reads
	if listening {
		db = s.db
	}
	var ix *searchIndex
	if listening {
		// The published catalogue of this generation, from memory
		// (searchindex.go); nil (not loaded yet): search in the database.
		ix = s.index.get(db, gen)
	}
	res, err := s.search(ctx, f, db, ix)
	if err != nil {
		return nil, err
	}
	if listening {
		s.searches.Put(key, cachedSearch{gen: gen, res: res})
	}
	return res.as(f.Q), nil
}

// SearchCacheSize bounds the searches kept in memory (each a page of
// PageSize listings and its counts: some 10–30 KB).
const SearchCacheSize = 1024

// cachedSearch is a kept search with the signal's generation read before
// its queries.
type cachedSearch struct {
	gen uint64
	res *Results
}

// as is a copy of r for a request whose query text is q (the key keeps
// only its normalised words): the copy's Ignored has no spare capacity, so
// appending to it never writes into the kept value.
func (r *Results) as(q string) *Results {
	c := *r
	c.Filter.Q = q
	c.Ignored = slices.Clip(c.Ignored)
	return &c
}

// search is Search reading from db, or from ix when it is not nil (the
// skill areas and providers come from refcache.go either way).
func (s *Service) search(ctx context.Context, f Filter, db *gorm.DB, ix *searchIndex) (*Results, error) {
	res := &Results{Facets: map[string]map[string]int{}}
	for _, name := range facetNames {
		res.Facets[name] = map[string]int{}
	}
	// The filter choices from memory (refcache.go); a skill area or
	// provider they do not know is read again before it is ignored.
	var err error
	if res.SkillAreas, res.Providers, err = s.refs.get(ctx, db); err != nil {
		return nil, apperr.Coded(err)
	}
	if !knows(&f, res.SkillAreas, res.Providers) {
		if res.SkillAreas, res.Providers, err = s.refs.reload(ctx, db); err != nil {
			return nil, apperr.Coded(err)
		}
	}
	// Two statements and no transaction: the read transaction this once
	// was (READ COMMITTED) gave each statement its own snapshot too; it
	// existed only for a planner setting, which sqlWordGrams replaces.
	err = func() error {
		tx := db.WithContext(ctx)
		p, ignored := plan(&f, res.SkillAreas, res.Providers)
		res.Filter, res.Ignored = f, ignored
		if ix != nil {
			ix.search(f, p.want, res)
			return nil
		}
		var counts []countsRow
		sql, args := p.countsSQL()
		// Find, not Scan, here and below: gorm's Scan renders the SQL with
		// its values into a string for a log recorder on every call (3–7 %
		// of a learner page's CPU; docs/performance.md, "Course page, player
		// and catalogue: less work per request"). For Raw SQL into a slice
		// the two scan alike.
		if err := tx.Raw(sql, args...).Find(&counts).Error; err != nil {
			return err
		}
		for _, c := range counts {
			if c.Facet == "total" {
				res.Total = c.N
			} else {
				res.Facets[c.Facet][c.Value] = c.N
			}
		}
		res.Pages = (res.Total + PageSize - 1) / PageSize
		if res.Filter.Page > res.Pages {
			res.Filter.Page = max(res.Pages, 1)
		}
		if res.Total == 0 {
			return nil
		}
		sql, args = p.listingSQL(res.Filter.Sort, f.DisplayLang, (res.Filter.Page-1)*PageSize)
		return tx.Raw(sql, args...).Find(&res.Items).Error
	}()
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return res, nil
}

// CatalogueProviders lists the training providers that have published
// courses, by Japanese name.
func (s *Service) CatalogueProviders(ctx context.Context) ([]CatalogueProvider, error) {
	out, err := catalogueProviders(ctx, s.db)
	return out, apperr.Coded(err)
}

func catalogueProviders(ctx context.Context, db *gorm.DB) ([]CatalogueProvider, error) {
	var out []CatalogueProvider
	err := db.WithContext(ctx).Raw(`SELECT o.id, o.code, o.name_ja, o.name_en FROM organisations o
		WHERE o.kind = 'provider' AND EXISTS (SELECT 1 FROM courses c WHERE c.provider_id = o.id AND c.status = 'published')
		ORDER BY o.name_ja`).Scan(&out).Error
	return out, err
}

// CoursePage is a published course as its public page shows it: the
// catalogue fields, the skill area with its Digital Skill Standards
// alignment, the description and the syllabus (titles only: never lesson
// bodies, media or quiz questions).
type CoursePage struct {
	Listing
	Revision      int
	DescriptionMd string
	Skill         *SkillArea
	Syllabus      []SyllabusModule
	// Credential is what the course's credential is worth: its validity
	// and the learning paths the course belongs to (as
	// CourseCredentialInfo returns them).
	Credential CourseCredential
}

// SyllabusModule is a module of the public syllabus.
type SyllabusModule struct {
	ID      string
	Title   i18n.Text
	Lessons []SyllabusLesson
}

// SyllabusLesson is a lesson of the public syllabus: its kind, title and
// whether it counts toward completion.
type SyllabusLesson struct {
	ID         string
	Kind       string
	Title      i18n.Text
	Required   bool
	MinMinutes int
	MustPass   bool
}

// PublishedCourse returns the public page of the published course with code
// at the provider named by providerRef (its code, or its id when it has no
// code). Drafts, archived and unknown courses are not_found. Only the
// published revision's content is read. The page is kept in memory while
// the catalogue change signal listens (signal.go): shared with other
// requests, read-only. Errors: not_found.
func (s *Service) PublishedCourse(ctx context.Context, providerRef, code string) (*CoursePage, error) {
	key := pageKey{providerRef: providerRef, code: code}
	gen, listening := s.signal.current()
	if listening {
		if e, ok := s.pages.Get(key); ok && e.gen == gen {
			return e.page, nil
		}
	}
	page, err := s.publishedCourse(ctx, providerRef, code)
	if err != nil {
		return nil, err
	}
	if listening {
		s.pages.Put(key, cachedPage{gen: gen, page: page})
	}
	return page, nil
}

// CoursePageCacheSize bounds the course pages kept in memory (a page
// holds its syllabus' titles: a few KB, some 60 KB for 300 lessons).
const CoursePageCacheSize = 512

// pageKey names a course page as its URL does.
type pageKey struct{ providerRef, code string }

// cachedPage is a kept course page with the signal's generation read
// before its query.
type cachedPage struct {
	gen  uint64
	page *CoursePage
}

// publishedCourse is PublishedCourse read from the primary.
func (s *Service) publishedCourse(ctx context.Context, providerRef, code string) (*CoursePage, error) {
	notFound := apperr.New(apperr.NotFound, "error.not_found")
	if CodeProblem(code) != "" {
		return nil, notFound
	}
	var cond string
	if _, err := parseUUID(providerRef); err == nil && len(providerRef) == 36 {
		cond = "\n\tAND o.id = ?"
		providerRef = strings.ToLower(providerRef)
	} else if CodeProblem(providerRef) == "" {
		cond = "\n\tAND o.code = ?"
	} else {
		return nil, notFound
	}
	// PERFORMANCE: one round trip for the whole page: the listing, the
	// number of its published revision, its skill area, the credential's
	// validity and its learning paths (what CourseCredentialInfo reads);
	// the revision's content from memory (ContentCache).
	var rows []struct {
		Listing
		PublishedRevision     *int
		CredentialValidMonths *int
		SA                    skillAreaRow `gorm:"embedded;embeddedPrefix:sa_"`
		SaFound               bool
		PathsJSON             string
	}
	err := s.db.WithContext(ctx).Raw(sqlListingColumns+sqlCoursePageColumns+"\nFROM courses c"+sqlListingJoins+
		"\nWHERE c.status = 'published'"+cond+"\n\tAND c.code = ?", providerRef, code).Find(&rows).Error // Find: see Search
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 || rows[0].PublishedRevision == nil {
		return nil, notFound
	}
	row := &rows[0]
	content, err := s.contents.Revision(ctx, s.db, row.ID, *row.PublishedRevision)
	if err != nil {
		return nil, err
	}
	page := &CoursePage{Listing: row.Listing, Revision: *row.PublishedRevision, DescriptionMd: content.DescriptionMd,
		Credential: CourseCredential{ValidMonths: row.CredentialValidMonths}}
	if row.SaFound {
		a := row.SA.area()
		page.Skill = &a
	}
	var paths []struct {
		Code, ProviderID      string
		ProviderCode          *string
		TitleJa, TitleEn      string
		Position, CourseCount int
	}
	if err := json.Unmarshal([]byte(row.PathsJSON), &paths); err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	for _, p := range paths {
		page.Credential.Paths = append(page.Credential.Paths, PathLink{Code: p.Code, ProviderID: p.ProviderID, ProviderCode: p.ProviderCode,
			Title: i18n.Text{Ja: p.TitleJa, En: p.TitleEn}, CourseCount: p.CourseCount, CoursePosition: p.Position})
	}
	// SECURITY: only titles and completion rules are copied; lesson bodies,
	// media, transcripts and quiz questions (with their correct answers)
	// stay in the revision and never reach the public page.
	for _, m := range content.Modules {
		sm := SyllabusModule{ID: m.ID, Title: i18n.Text{Ja: m.TitleJa, En: m.TitleEn}}
		for _, l := range m.Lessons {
			sm.Lessons = append(sm.Lessons, SyllabusLesson{ID: l.ID, Kind: l.Kind, Title: i18n.Text{Ja: l.TitleJa, En: l.TitleEn},
				Required: l.Required, MinMinutes: l.MinMinutes, MustPass: l.MustPass})
		}
		page.Syllabus = append(page.Syllabus, sm)
	}
	return page, nil
}

// FormatHours writes estimated hours without a needless ".0".
func FormatHours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }
