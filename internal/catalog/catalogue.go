package catalog

import (
	"context"
	"strconv"
	"strings"
	"time"

	"takumi/internal/apperr"
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
	ProviderNameJa string
	ProviderNameEn string
	TitleJa        string
	TitleEn        string
	SummaryJa      string
	SummaryEn      string
	SkillAreaCode  string
	SkillNameJa    string
	SkillNameEn    string
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

// Title returns the title in lang, falling back to Japanese.
func (l *Listing) Title(lang string) string { return pick(lang, l.TitleJa, l.TitleEn) }

// Summary returns the summary in lang, falling back to Japanese.
func (l *Listing) Summary(lang string) string { return pick(lang, l.SummaryJa, l.SummaryEn) }

// ProviderName returns the provider's name in lang, falling back to Japanese.
func (l *Listing) ProviderName(lang string) string { return pick(lang, l.ProviderNameJa, l.ProviderNameEn) }

// SkillName returns the skill area's name in lang, falling back to Japanese.
func (l *Listing) SkillName(lang string) string { return pick(lang, l.SkillNameJa, l.SkillNameEn) }

// CatalogueProvider is a training provider with published courses.
type CatalogueProvider struct {
	ID     string
	Code   *string
	NameJa string
	NameEn string
}

// Ref is the provider's code, or its id when it has none.
func (p *CatalogueProvider) Ref() string {
	if p.Code != nil && *p.Code != "" {
		return *p.Code
	}
	return p.ID
}

// Name returns the provider's name in lang, falling back to Japanese.
func (p *CatalogueProvider) Name(lang string) string { return pick(lang, p.NameJa, p.NameEn) }

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

// The SQL of a search, in fixed fragments. With q = "機械 cloud",
// level = intermediate and the default order, the two queries are:
//
//	WITH c AS MATERIALIZED (
//	    SELECT c.provider_id, c.skill_area_code, c.level, c.delivery_mode, c.language, c.estimated_hours
//	    FROM courses c
//	    WHERE c.status = 'published'
//	      AND c.search_grams @> $1::text[] AND c.search_text LIKE $2 ESCAPE '\'   -- 機械
//	      AND c.search_grams @> $3::text[] AND c.search_text LIKE $4 ESCAPE '\')  -- cloud
//	SELECT 'total' AS facet, '' AS value, count(*) AS n FROM c WHERE true AND c.level = $5
//	UNION ALL SELECT 'skill', c.skill_area_code, count(*) FROM c WHERE true AND c.level = $6 GROUP BY 2
//	UNION ALL SELECT 'level', c.level, count(*) FROM c WHERE true GROUP BY 2
//	... (one branch per filter: its options counted with every other filter applied)
//
//	SELECT <listing columns> FROM courses c
//	JOIN organisations o ON o.id = c.provider_id
//	LEFT JOIN skill_areas s ON s.code = c.skill_area_code
//	WHERE c.status = 'published' AND <the same word conditions> AND c.level = $5
//	ORDER BY c.published_at DESC, c.id LIMIT 20 OFFSET $6
const (
	sqlFacetBase = `WITH c AS MATERIALIZED (
	SELECT c.provider_id, c.skill_area_code, c.level, c.delivery_mode, c.language, c.estimated_hours
	FROM courses c
	WHERE c.status = 'published'`
	sqlWordGrams  = "\n\t  AND c.search_grams @> ?::text[]"
	sqlWordLike   = "\n\t  AND c.search_text LIKE ? ESCAPE '\\'"
	sqlFacetTotal = `)
SELECT 'total' AS facet, '' AS value, count(*) AS n FROM c WHERE true`
	sqlListing = `SELECT c.id, c.code, c.provider_id, o.code AS provider_code, o.name_ja AS provider_name_ja,
	o.name_en AS provider_name_en, c.title_ja, coalesce(c.title_en, '') AS title_en, c.summary_ja,
	coalesce(c.summary_en, '') AS summary_en, c.skill_area_code, coalesce(s.name_ja, c.skill_area_code) AS skill_name_ja,
	coalesce(s.name_en, '') AS skill_name_en, c.level, c.delivery_mode, c.language, c.estimated_hours,
	coalesce(c.lesson_count, 0) AS lesson_count, c.published_at
FROM courses c
JOIN organisations o ON o.id = c.provider_id
LEFT JOIN skill_areas s ON s.code = c.skill_area_code
WHERE c.status = 'published'`
	sqlLimit = "\nLIMIT ? OFFSET ?"

	sqlHoursBucket = `CASE WHEN c.estimated_hours < 5 THEN '0-5' WHEN c.estimated_hours < 20 THEN '5-20' ELSE '20-' END`
)

// facetColumn is each filter dimension's facet expression, in a fixed order.
var facetColumns = []struct{ name, expr string }{
	{"skill", "c.skill_area_code"},
	{"level", "c.level"},
	{"mode", "c.delivery_mode"},
	{"lang", "c.language"},
	{"hours", sqlHoursBucket},
	{"provider", "c.provider_id::text"},
}

// hoursConditions are the estimated-hours buckets' conditions.
var hoursConditions = map[string]string{
	"0-5":  "c.estimated_hours < 5",
	"5-20": "c.estimated_hours >= 5 AND c.estimated_hours < 20",
	"20-":  "c.estimated_hours >= 20",
}

// sortClauses are the allowlisted orders; "title" depends on the reader's
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

// condition is one bound SQL condition; dim names the filter dimension it
// belongs to ("" for the free-text words).
type condition struct {
	dim  string
	sql  string
	args []any
}

// searchPlan is a checked filter turned into SQL conditions.
type searchPlan struct {
	words []condition // free text
	dims  []condition // filters
}

func (p searchPlan) where(skipDim string, words bool) (string, []any) {
	var b strings.Builder
	var args []any
	if words {
		for _, c := range p.words {
			b.WriteString(c.sql)
			args = append(args, c.args...)
		}
	}
	for _, c := range p.dims {
		if c.dim == skipDim {
			continue
		}
		b.WriteString("\n\t  AND ")
		b.WriteString(c.sql)
		args = append(args, c.args...)
	}
	return b.String(), args
}

// facetSQL is the query counting the total and every facet.
func (p searchPlan) facetSQL() (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString(sqlFacetBase)
	for _, c := range p.words {
		b.WriteString(c.sql)
		args = append(args, c.args...)
	}
	b.WriteString(sqlFacetTotal)
	w, a := p.where("", false)
	b.WriteString(w)
	args = append(args, a...)
	for _, f := range facetColumns {
		b.WriteString("\nUNION ALL SELECT '" + f.name + "', " + f.expr + ", count(*) FROM c WHERE true")
		w, a := p.where(f.name, false)
		b.WriteString(w)
		args = append(args, a...)
		b.WriteString(" GROUP BY 2")
	}
	return b.String(), args
}

// listingSQL is the query for one page of courses.
func (p searchPlan) listingSQL(sort, lang string, offset int) (string, []any) {
	w, args := p.where("", true)
	return sqlListing + w + sortClause(sort, lang) + sqlLimit, append(args, PageSize, offset)
}

// plan checks f against the allowlists (clearing what is not valid and
// naming it in ignored) and turns it into conditions.
func plan(f *Filter, areas []SkillArea, providers []CatalogueProvider) (searchPlan, []string) {
	var p searchPlan
	var ignored []string
	q := ParseQuery(f.Q)
	for _, w := range q.Words {
		if g := bigrams(w); len(g) > 0 {
			p.words = append(p.words, condition{sql: sqlWordGrams, args: []any{pgTextArray(g)}})
		}
		p.words = append(p.words, condition{sql: sqlWordLike, args: []any{likePattern(w)}})
	}
	check := func(param string, v *string, ok bool, dim, sql string, arg any) {
		if *v == "" {
			return
		}
		if !ok {
			ignored = append(ignored, param)
			*v = ""
			return
		}
		c := condition{dim: dim, sql: sql}
		if arg != nil {
			c.args = []any{arg}
		}
		p.dims = append(p.dims, c)
	}
	knownSkill := false
	for _, a := range areas {
		knownSkill = knownSkill || a.Code == f.Skill
	}
	check("skill", &f.Skill, knownSkill, "skill", "c.skill_area_code = ?", f.Skill)
	check("level", &f.Level, contains(Levels, f.Level), "level", "c.level = ?", f.Level)
	check("mode", &f.Mode, contains(DeliveryModes, f.Mode), "mode", "c.delivery_mode = ?", f.Mode)
	check("lang", &f.Language, contains(Languages, f.Language), "lang", "c.language = ?", f.Language)
	check("hours", &f.Hours, hoursConditions[f.Hours] != "", "hours", hoursConditions[f.Hours], nil)
	providerID := ""
	for _, pr := range providers {
		if f.Provider != "" && (pr.ID == strings.ToLower(f.Provider) || pr.Code != nil && *pr.Code == f.Provider) {
			providerID = pr.ID
			f.Provider = pr.Ref()
		}
	}
	check("provider", &f.Provider, providerID != "", "provider", "c.provider_id = ?", providerID)
	if f.Sort != "" && !contains(CatalogueSorts, f.Sort) {
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

// Search answers a catalogue query: one page of published courses, newest
// first unless another allowlisted order is asked for, with the total, the
// facet counts, and the skill areas and providers to filter by. Filter
// values that are not valid are ignored and named in Results.Ignored; a page
// past the end shows the last page. Drafts and archived courses never
// appear. Errors: internal.
func (s *Service) Search(ctx context.Context, f Filter) (*Results, error) {
	areas, err := s.SkillAreas(ctx)
	if err != nil {
		return nil, err
	}
	providers, err := s.CatalogueProviders(ctx)
	if err != nil {
		return nil, err
	}
	p, ignored := plan(&f, areas, providers)
	res := &Results{Filter: f, Ignored: ignored, SkillAreas: areas, Providers: providers, Facets: map[string]map[string]int{}}
	for _, d := range facetColumns {
		res.Facets[d.name] = map[string]int{}
	}

	sql, args := p.facetSQL()
	var counts []struct {
		Facet string
		Value *string
		N     int
	}
	if err := s.db.WithContext(ctx).Raw(sql, args...).Scan(&counts).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	for _, c := range counts {
		if c.Facet == "total" {
			res.Total = c.N
		} else if c.Value != nil {
			res.Facets[c.Facet][*c.Value] = c.N
		}
	}
	res.Pages = (res.Total + PageSize - 1) / PageSize
	if res.Filter.Page > res.Pages && res.Pages > 0 {
		res.Filter.Page = res.Pages
	}
	if res.Total == 0 {
		res.Filter.Page = 1
		return res, nil
	}
	sql, args = p.listingSQL(res.Filter.Sort, f.DisplayLang, (res.Filter.Page-1)*PageSize)
	if err := s.db.WithContext(ctx).Raw(sql, args...).Scan(&res.Items).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return res, nil
}

// CatalogueProviders lists the training providers that have published
// courses, by Japanese name.
func (s *Service) CatalogueProviders(ctx context.Context) ([]CatalogueProvider, error) {
	var out []CatalogueProvider
	err := s.db.WithContext(ctx).Raw(`SELECT o.id, o.code, o.name_ja, o.name_en FROM organisations o
		WHERE o.kind = 'provider' AND EXISTS (SELECT 1 FROM courses c WHERE c.provider_id = o.id AND c.status = 'published')
		ORDER BY o.name_ja`).Scan(&out).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
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
}

// SyllabusModule is a module of the public syllabus.
type SyllabusModule struct {
	ID      string
	TitleJa string
	TitleEn string
	Lessons []SyllabusLesson
}

// Title returns the module title in lang, falling back to Japanese.
func (m *SyllabusModule) Title(lang string) string { return pick(lang, m.TitleJa, m.TitleEn) }

// SyllabusLesson is a lesson of the public syllabus: its kind, title and
// whether it counts toward completion.
type SyllabusLesson struct {
	ID         string
	Kind       string
	TitleJa    string
	TitleEn    string
	Required   bool
	MinMinutes int
	MustPass   bool
}

// Title returns the lesson title in lang, falling back to Japanese.
func (l *SyllabusLesson) Title(lang string) string { return pick(lang, l.TitleJa, l.TitleEn) }

// PublishedCourse returns the public page of the published course with code
// at the provider named by providerRef (its code, or its id when it has no
// code). Drafts, archived and unknown courses are not_found. Only the
// published revision's content is read. Errors: not_found.
func (s *Service) PublishedCourse(ctx context.Context, providerRef, code string) (*CoursePage, error) {
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
	var rows []Listing
	err := s.db.WithContext(ctx).Raw(sqlListing+cond+"\n\tAND c.code = ?", providerRef, code).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, notFound
	}
	rev, err := s.PublishedRevision(ctx, rows[0].ID)
	if err != nil {
		return nil, err
	}
	page := &CoursePage{Listing: rows[0], Revision: rev.Number, DescriptionMd: rev.Content.DescriptionMd}
	if a, err := s.SkillArea(ctx, rows[0].SkillAreaCode); err == nil {
		page.Skill = a
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	// SECURITY: only titles and completion rules are copied; lesson bodies,
	// media, transcripts and quiz questions (with their correct answers)
	// stay in the revision and never reach the public page.
	for _, m := range rev.Content.Modules {
		sm := SyllabusModule{ID: m.ID, TitleJa: m.TitleJa, TitleEn: m.TitleEn}
		for _, l := range m.Lessons {
			sm.Lessons = append(sm.Lessons, SyllabusLesson{ID: l.ID, Kind: l.Kind, TitleJa: l.TitleJa, TitleEn: l.TitleEn,
				Required: l.Required, MinMinutes: l.MinMinutes, MustPass: l.MustPass})
		}
		page.Syllabus = append(page.Syllabus, sm)
	}
	return page, nil
}

// FormatHours writes estimated hours without a needless ".0".
func FormatHours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }
