package reporting

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/database"
	"takumi/internal/i18n"
	"takumi/internal/jst"
	"takumi/internal/progress"
)

// PublicDimensions are the breakdowns the national progress page and its
// open data publish, in the order they are shown. (The provider breakdown
// is for the ministry dashboard only.)
var PublicDimensions = []string{"prefecture", "industry", "skill_area", "segment"}

// Named is one reference value with its names: a prefecture, an industry
// division, a skill area or a course.
type Named struct {
	Code           string
	NameJa, NameEn string
}

// Name returns the name in lang (Japanese when the English name is empty).
func (n Named) Name(lang string) string {
	return i18n.Pick(lang, n.NameJa, n.NameEn)
}

// PrefectureRef is a prefecture with its approximate population.
type PrefectureRef struct {
	Named
	RegionEn            string
	PopulationThousands int64
}

// ReferenceNames are the labels national figures are published with.
type ReferenceNames struct {
	Prefectures []PrefectureRef // JIS X 0401 code order
	Industries  []Named         // JSIC division order
	SkillAreas  []Named         // the catalogue's order
}

// ReferenceNames reads prefectures, industries and skill areas in one
// round trip (they are small and change rarely; reading them per request
// keeps an edited skill area name right at once).
func (s *Service) ReferenceNames(ctx context.Context) (*ReferenceNames, error) {
	var rows []struct {
		Kind, Code, NameJa, NameEn, RegionEn string
		Population                           int64
	}
	err := s.reads.WithContext(ctx).Raw(`
		SELECT 'prefecture' AS kind, code, name_ja, name_en, region_en, population_thousands AS population, code AS ord FROM prefectures
		UNION ALL SELECT 'industry', code, name_ja, name_en, '', 0, code FROM industries
		UNION ALL SELECT 'skill_area', code, name_ja, name_en, '', 0, lpad(sort_order::text, 10, '0') || code FROM skill_areas
		ORDER BY kind, ord`).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := &ReferenceNames{}
	for _, r := range rows {
		n := Named{Code: r.Code, NameJa: r.NameJa, NameEn: r.NameEn}
		switch r.Kind {
		case "prefecture":
			out.Prefectures = append(out.Prefectures, PrefectureRef{Named: n, RegionEn: r.RegionEn, PopulationThousands: r.Population})
		case "industry":
			out.Industries = append(out.Industries, n)
		default:
			out.SkillAreas = append(out.SkillAreas, n)
		}
	}
	return out, nil
}

// PublicRow is one published line of a breakdown: a reference value (every
// prefecture, industry, skill area and segment is listed, with 0 when no one
// counts) or "not stated" (Code ""), with its protected count.
type PublicRow struct {
	Named
	Cell Cell
	// PopulationThousands is the prefecture's approximate population
	// (prefecture rows only; 0 otherwise).
	PopulationThousands int64
}

// Per100k is learners per 100,000 people, to one decimal place: nil when
// the count is hidden or the row has no population (so a hidden count can
// never be worked back from its rate).
func (r PublicRow) Per100k() *float64 {
	if r.Cell.Hidden || r.PopulationThousands <= 0 {
		return nil
	}
	v := math.Round(float64(r.Cell.N)*100/float64(r.PopulationThousands)*10) / 10
	return &v
}

// PublicBreakdown is one published breakdown of a programme's learners.
type PublicBreakdown struct {
	Dim   string
	Rows  []PublicRow
	Total Cell
	// Withheld is true when fewer than k learners count in all: then no row
	// is published at all. (The headline shows the exact national total, so
	// a breakdown whose only non-zero cell were hidden would give it away.)
	Withheld bool
}

// PublicFigures is everything the national progress page publishes for one
// programme; its open data (JSON, CSV) are the same figures.
type PublicFigures struct {
	Programmes []progress.Programme // every programme, for the switcher
	Programme  *progress.Programme
	Progress   *Progress
	K          int
	Breakdowns []PublicBreakdown // in PublicDimensions order
}

// Breakdown returns the published breakdown by dim (nil when absent).
func (f *PublicFigures) Breakdown(dim string) *PublicBreakdown {
	for i := range f.Breakdowns {
		if f.Breakdowns[i].Dim == dim {
			return &f.Breakdowns[i]
		}
	}
	return nil
}

// Public returns a programme's published figures (the flagship when code is
// empty): headline and trajectory, and protected breakdowns by prefecture,
// industry, skill area and segment over the programme's whole period.
// Figures are cached per programme until the engine applies new events, a
// programme or skill area changes, or the day in Japan turns (see
// publicKey): a page view then costs one small query. Errors: not_found
// (reporting.err_unknown_programme) for an unknown code.
func (s *Service) Public(ctx context.Context, code string) (*PublicFigures, error) {
	key, err := s.publicKey(ctx)
	if err != nil {
		return nil, err
	}
	if f := s.public.get(code, key); f != nil {
		return f, nil
	}
	f, err := s.computePublic(ctx, code)
	if err != nil {
		return nil, err
	}
	s.public.put(code, key, f)
	return f, nil
}

// publicKey identifies the state published figures are computed from: the
// engine's position (every batch of applied events moves it), the
// programmes (a save, which also rebuilds that programme's rollups in its
// transaction, moves updated_at; a deletion changes the count), the skill
// areas (their names) and the day in Japan (the run rate and the rate
// needed count from today). Anything else writing the rollups must move one
// of these too.
type publicKey struct {
	CursorXact             string
	CursorID, Applied      int64
	EngineAt               string
	Programmes, SkillAreas int64
	ProgrammesAt, SkillsAt string
	Today                  string
}

// publicKey reads the key in one small query (timestamps as text, so that
// keys compare exactly).
func (s *Service) publicKey(ctx context.Context) (publicKey, error) {
	var k publicKey
	err := s.reads.WithContext(ctx).Raw(`SELECT cursor_xact::text AS cursor_xact, cursor_id, applied, updated_at::text AS engine_at,
		(SELECT count(*) FROM programmes) AS programmes, (SELECT coalesce(max(updated_at)::text, '') FROM programmes) AS programmes_at,
		(SELECT count(*) FROM skill_areas) AS skill_areas, (SELECT coalesce(max(updated_at)::text, '') FROM skill_areas) AS skills_at
		FROM progress_engine_state WHERE id = 1`).Scan(&k).Error
	k.Today = jst.Date(s.now())
	return k, err
}

// publicCache keeps each programme's last published figures with the key
// they were computed under. Figures are shared between requests: read-only.
type publicCache struct {
	mu      sync.Mutex
	entries map[string]publicEntry // by requested code ("" = the flagship)
}

type publicEntry struct {
	key     publicKey
	figures *PublicFigures
}

func (c *publicCache) get(code string, key publicKey) *PublicFigures {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[code]; ok && e.key == key {
		return e.figures
	}
	return nil
}

func (c *publicCache) put(code string, key publicKey, f *PublicFigures) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]publicEntry{}
	}
	c.entries[code] = publicEntry{key: key, figures: f}
}

// computePublic reads the figures: the headline, the reference names and
// the four breakdowns, the breakdowns in parallel (each is one indexed
// range of the rollup; together they are most of the page's time).
func (s *Service) computePublic(ctx context.Context, code string) (*PublicFigures, error) {
	ps, err := s.Programmes(ctx)
	if err != nil {
		return nil, err
	}
	out := &PublicFigures{Programmes: ps, K: s.k}
	for i := range ps {
		if (code == "" && ps[i].Flagship) || (code != "" && ps[i].Code == code) {
			out.Programme = &ps[i]
		}
	}
	if out.Programme == nil {
		return nil, apperr.New(apperr.NotFound, "reporting.err_unknown_programme")
	}
	// Whole months, as the monthly rollups are kept: a programme that
	// starts mid-month counts from its first day, which is in the month of
	// its start (achievements are only ever within the programme's dates).
	start := out.Programme.StartsOn
	f := Filter{Programme: out.Programme, From: time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC), To: out.Programme.EndsOn}
	breakdowns := make([]*Breakdown, len(PublicDimensions))
	errs := make([]error, len(PublicDimensions)+2)
	var ref *ReferenceNames
	var wg sync.WaitGroup
	for i, dim := range PublicDimensions {
		wg.Go(func() { breakdowns[i], errs[i] = s.Breakdown(ctx, f, dim, nil) })
	}
	wg.Go(func() { out.Progress, errs[len(PublicDimensions)] = s.Headline(ctx, out.Programme) })
	wg.Go(func() { ref, errs[len(PublicDimensions)+1] = s.ReferenceNames(ctx) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, dim := range PublicDimensions {
		out.Breakdowns = append(out.Breakdowns, publish(breakdowns[i], dim, ref, s.k))
	}
	return out, nil
}

// publish lists every reference value of dim (0 where no one counts), then
// any other value found (unknown codes, then "not stated" last), each with
// its protected cell. Rows are in reference order, never by size: ordering
// by size would tell where a hidden count lies.
func publish(b *Breakdown, dim string, ref *ReferenceNames, k int) PublicBreakdown {
	out := PublicBreakdown{Dim: dim, Total: b.Total}
	if b.Total.Hidden {
		out.Withheld = true
		return out
	}
	cells := map[string]Cell{}
	for _, r := range b.Rows {
		cells[r.Value] = r.Cell
	}
	seen := map[string]bool{}
	add := func(r PublicRow) {
		r.Cell = cells[r.Code]
		seen[r.Code] = true
		out.Rows = append(out.Rows, r)
	}
	switch dim {
	case "prefecture":
		for _, p := range ref.Prefectures {
			add(PublicRow{Named: p.Named, PopulationThousands: p.PopulationThousands})
		}
	case "industry":
		for _, n := range ref.Industries {
			add(PublicRow{Named: n})
		}
	case "skill_area":
		for _, n := range ref.SkillAreas {
			add(PublicRow{Named: n})
		}
	case "segment":
		for _, code := range account.Segments {
			add(PublicRow{Named: Named{Code: code}}) // named by the message catalogue
		}
	}
	var rest []string
	for v := range cells {
		if !seen[v] && v != "" {
			rest = append(rest, v)
		}
	}
	sort.Strings(rest)
	for _, v := range rest {
		add(PublicRow{Named: Named{Code: v, NameJa: v, NameEn: v}})
	}
	if _, ok := cells[""]; ok {
		add(PublicRow{}) // not stated
	}
	return out
}

// ProgrammeRule is a programme with the names of what qualifies for it, for
// the published methodology.
type ProgrammeRule struct {
	progress.Programme
	SkillAreas []Named // qualifying skill areas, by name
	Courses    []Named // qualifying courses (Code is the course id), by name
}

// ProgrammeRules returns every programme (flagship first) with the names of
// its qualifying skill areas and courses.
func (s *Service) ProgrammeRules(ctx context.Context) ([]ProgrammeRule, error) {
	ps, err := s.Programmes(ctx)
	if err != nil {
		return nil, err
	}
	ref, err := s.ReferenceNames(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.CourseIDs...)
	}
	courses := map[string]Named{}
	if len(ids) > 0 {
		var rows []struct{ ID, TitleJa, TitleEn, ProviderJa, ProviderEn string }
		if err := s.reads.WithContext(ctx).Raw(`SELECT c.id, coalesce(c.title_ja, c.code) AS title_ja, coalesce(c.title_en, '') AS title_en,
				o.name_ja AS provider_ja, coalesce(o.name_en, '') AS provider_en
			FROM courses c JOIN organisations o ON o.id = c.provider_id WHERE c.id = ANY (?::uuid[])`, database.Array(ids)).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			n := Named{Code: r.ID, NameJa: r.TitleJa + "（" + r.ProviderJa + "）"}
			if r.TitleEn != "" {
				n.NameEn = r.TitleEn + " (" + Named{NameJa: r.ProviderJa, NameEn: r.ProviderEn}.Name("en") + ")"
			}
			courses[r.ID] = n
		}
	}
	out := make([]ProgrammeRule, 0, len(ps))
	for _, p := range ps {
		r := ProgrammeRule{Programme: p}
		known := map[string]bool{}
		for _, a := range ref.SkillAreas { // the catalogue's order
			known[a.Code] = true
			if slices.Contains(p.SkillAreas, a.Code) {
				r.SkillAreas = append(r.SkillAreas, a)
			}
		}
		for _, code := range p.SkillAreas { // an area no longer in the catalogue: its code
			if !known[code] {
				r.SkillAreas = append(r.SkillAreas, Named{Code: code, NameJa: code, NameEn: code})
			}
		}
		for _, id := range p.CourseIDs {
			n, ok := courses[id]
			if !ok { // a deleted course still qualifies by its id
				n = Named{Code: id, NameJa: id, NameEn: id}
			}
			r.Courses = append(r.Courses, n)
		}
		sort.SliceStable(r.Courses, func(i, j int) bool { return r.Courses[i].NameJa < r.Courses[j].NameJa })
		out = append(out, r)
	}
	return out, nil
}
