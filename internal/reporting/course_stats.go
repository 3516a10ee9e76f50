package reporting

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"takumi/internal/i18n"
)

// CourseStat is one course's protected statistics.
type CourseStat struct {
	CourseID, ProviderID   string
	Code, TitleJa, TitleEn string
	SkillArea              string
	Enrolments             Cell
	Completions            Cell
	// Rate is completions / enrolments, nil unless both are shown;
	// MedianSeconds is nil unless at least k people completed.
	Rate          *float64
	MedianSeconds *float64
}

// Title returns the course's title in lang (its code before publication).
func (c CourseStat) Title(lang string) string {
	return cmp.Or(i18n.Pick(lang, c.TitleJa, c.TitleEn), c.Code)
}

// ProviderStat is one provider's (or the nation's) protected statistics.
type ProviderStat struct {
	ProviderID     string
	NameJa, NameEn string
	Courses        int64
	Enrolments     Cell
	Completions    Cell
	Flagged        Cell // enrolments flagged as suspiciously fast
	Rate           *float64
	MedianSeconds  *float64
}

// Name returns the provider's name in lang.
func (p ProviderStat) Name(lang string) string {
	return i18n.Pick(lang, p.NameJa, p.NameEn)
}

// Course statistics scopes: what the filter did to the tables.
const (
	ScopeAll       = "all"        // no filter: every course and provider
	ScopeProvider  = "provider"   // one provider's courses and its row
	ScopeSkillArea = "skill_area" // the skill area's courses; providers not available
	ScopeNational  = "national"   // the filter cannot narrow these tables
)

// CourseStats are completion statistics by course and by provider from the
// course_stats read model (all dates), protected.
type CourseStats struct {
	RefreshedAt time.Time
	Scope       string
	Courses     []CourseStat   // ordered by shown enrolments, hidden last
	Providers   []ProviderStat // nil when Scope is ScopeSkillArea
	Total       ProviderStat
}

// CourseStats returns the statistics under f, computing the read model
// first if it never was. Cells are protected on the national tables before
// f picks rows, so a filter never shows what the national table hides.
func (s *Service) CourseStats(ctx context.Context, f Filter) (*CourseStats, error) {
	var st struct {
		CoursesRefreshedAt      *time.Time
		Enrolments, Completions int64
		FlaggedFast             int64
		MedianSeconds           *float64
	}
	load := func(db *gorm.DB) error {
		return db.WithContext(ctx).Raw(`SELECT courses_refreshed_at, enrolments, completions, flagged_fast, median_seconds
			FROM ministry_stats_state WHERE id = 1`).Scan(&st).Error
	}
	if err := load(s.reads); err != nil {
		return nil, err
	}
	if st.CoursesRefreshedAt == nil {
		// Never counted (a new database): counted now, before anything is
		// shown, once however many views and jobs ask at the same time.
		if _, err := RefreshCourseStatsIfOlder(ctx, s.db, 0); err != nil {
			return nil, err
		}
		// Read back from the primary: a replica may not have the refresh yet.
		if err := load(s.db); err != nil {
			return nil, err
		}
	}
	var at time.Time // zero: never counted (an empty read model), not cached
	if st.CoursesRefreshedAt != nil {
		at = *st.CoursesRefreshedAt
	}
	all, ok := s.courseStats.get(at)
	if !ok {
		var err error
		if all, err = computeOnce(ctx, &s.ministry, "course_stats "+at.String(), func(ctx context.Context) (*CourseStats, error) {
			return s.nationalCourseStats(ctx, at, st.Enrolments, st.Completions, st.FlaggedFast, st.MedianSeconds)
		}); err != nil {
			return nil, err
		}
		if !at.IsZero() {
			s.courseStats.put(at, all)
		}
	}
	out := &CourseStats{RefreshedAt: all.RefreshedAt, Scope: ScopeAll, Total: all.Total, Courses: all.Courses, Providers: all.Providers}
	keep := func(courses []CourseStat, pick func(CourseStat) bool) []CourseStat {
		var kept []CourseStat
		for _, c := range courses {
			if pick(c) {
				kept = append(kept, c)
			}
		}
		return kept
	}
	switch f.Dim {
	case "":
	case "provider":
		out.Scope = ScopeProvider
		out.Courses = keep(all.Courses, func(c CourseStat) bool { return c.ProviderID == f.Value })
		out.Providers = nil
		for _, p := range all.Providers {
			if p.ProviderID == f.Value {
				out.Providers = append(out.Providers, p)
			}
		}
	case "skill_area":
		out.Scope = ScopeSkillArea
		out.Courses = keep(all.Courses, func(c CourseStat) bool { return c.SkillArea == f.Value })
		out.Providers = nil
	default:
		out.Scope = ScopeNational
	}
	return out, nil
}

// courseStatsCache keeps the national course and provider tables
// (protected, ordered) computed from one refresh of the read model, by its
// refreshed_at: the tables change only when a refresh rewrites them
// (RefreshCourseStats, about every CourseStatsInterval), so between two refreshes
// a page view reads one small row instead of every course. Course titles
// and provider names are therefore those of the refresh's time too, like
// the counts beside them (at most CourseStatsInterval old). The tables are
// shared between requests: read-only.
type courseStatsCache struct {
	mu  sync.Mutex
	at  time.Time
	all *CourseStats
}

func (c *courseStatsCache) get(at time.Time) (*CourseStats, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.all, c.all != nil && c.at.Equal(at)
}

func (c *courseStatsCache) put(at time.Time, all *CourseStats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.all = at, all
}

// nationalCourseStats reads the read model written at refreshedAt and
// protects it: every course and provider, with the national totals given.
func (s *Service) nationalCourseStats(ctx context.Context, refreshedAt time.Time, enrolments, completions, flagged int64,
	median *float64) (*CourseStats, error) {
	type courseRow struct {
		CourseID, ProviderID, Code, TitleJa, TitleEn, SkillArea string
		Enrolments, Completions                                 int64
		MedianSeconds                                           *float64
	}
	type providerRow struct {
		ProviderID, NameJa, NameEn       string
		Courses, Enrolments, Completions int64
		FlaggedFast                      int64
		MedianSeconds                    *float64
	}
	var crows []courseRow
	var prows []providerRow
	// Scanned by hand: every course is read on every request, and gorm's
	// reflection over them was most of this function's time.
	if err := s.scanRows(ctx, `SELECT cs.course_id::text, cs.provider_id::text, c.code, coalesce(c.title_ja, ''),
		coalesce(c.title_en, ''), coalesce(c.skill_area_code, ''), cs.enrolments, cs.completions, cs.median_seconds
		FROM course_stats cs JOIN courses c ON c.id = cs.course_id ORDER BY cs.provider_id, cs.course_id`, nil,
		func(rows *sql.Rows) error {
			var r courseRow
			err := rows.Scan(&r.CourseID, &r.ProviderID, &r.Code, &r.TitleJa, &r.TitleEn, &r.SkillArea, &r.Enrolments, &r.Completions, &r.MedianSeconds)
			crows = append(crows, r)
			return err
		}); err != nil {
		return nil, err
	}
	if err := s.scanRows(ctx, `SELECT ps.provider_id::text, o.name_ja, o.name_en, ps.courses, ps.enrolments, ps.completions,
		ps.flagged_fast, ps.median_seconds
		FROM provider_stats ps JOIN organisations o ON o.id = ps.provider_id ORDER BY ps.provider_id`, nil,
		func(rows *sql.Rows) error {
			var r providerRow
			err := rows.Scan(&r.ProviderID, &r.NameJa, &r.NameEn, &r.Courses, &r.Enrolments, &r.Completions, &r.FlaggedFast, &r.MedianSeconds)
			prows = append(prows, r)
			return err
		}); err != nil {
		return nil, err
	}
	out := &CourseStats{Scope: ScopeAll, RefreshedAt: refreshedAt}
	out.Total = ProviderStat{Enrolments: primary(enrolments, s.k), Completions: primary(completions, s.k),
		Flagged: primary(flagged, s.k)}
	out.Total.Rate, out.Total.MedianSeconds = s.rateAndMedian(out.Total.Enrolments, out.Total.Completions, median)

	// Providers: each column is a line adding up to the national total.
	column := func(n int, get func(i int) int64) []Cell {
		counts := make([]int64, n)
		for i := range counts {
			counts[i] = get(i)
		}
		cells, _ := Protect(counts, s.k)
		return cells
	}
	pe := column(len(prows), func(i int) int64 { return prows[i].Enrolments })
	pc := column(len(prows), func(i int) int64 { return prows[i].Completions })
	pf := column(len(prows), func(i int) int64 { return prows[i].FlaggedFast })
	providers := make([]ProviderStat, len(prows))
	byProvider := map[string]int{}
	for i, r := range prows {
		providers[i] = ProviderStat{ProviderID: r.ProviderID, NameJa: r.NameJa, NameEn: r.NameEn, Courses: r.Courses,
			Enrolments: pe[i], Completions: pc[i], Flagged: pf[i]}
		providers[i].Rate, providers[i].MedianSeconds = s.rateAndMedian(pe[i], pc[i], r.MedianSeconds)
		byProvider[r.ProviderID] = i
	}

	// Courses: within each provider, each column is a line adding up to the
	// provider's row; when that row is hidden, at least one of its courses
	// is too, so the courses cannot add back up to it.
	courses := make([]CourseStat, len(crows))
	for start := 0; start < len(crows); {
		end := start
		for end < len(crows) && crows[end].ProviderID == crows[start].ProviderID {
			end++
		}
		group := crows[start:end]
		ce := column(len(group), func(i int) int64 { return group[i].Enrolments })
		cc := column(len(group), func(i int) int64 { return group[i].Completions })
		if pi, ok := byProvider[crows[start].ProviderID]; ok {
			hideOneIfParentHidden(ce, providers[pi].Enrolments)
			hideOneIfParentHidden(cc, providers[pi].Completions)
		}
		for i, r := range group {
			c := CourseStat{CourseID: r.CourseID, ProviderID: r.ProviderID, Code: r.Code, TitleJa: r.TitleJa,
				TitleEn: r.TitleEn, SkillArea: r.SkillArea, Enrolments: ce[i], Completions: cc[i]}
			c.Rate, c.MedianSeconds = s.rateAndMedian(ce[i], cc[i], r.MedianSeconds)
			courses[start+i] = c
		}
		start = end
	}

	// Order by the shown count, hidden cells last (by name), so a row's
	// place never hints at a hidden number. The ids make the order total,
	// so an unstable sort gives the one order there is.
	slices.SortFunc(courses, func(a, b CourseStat) int {
		return cmp.Or(byShown(a.Enrolments, b.Enrolments), cmp.Compare(a.Title("ja"), b.Title("ja")), cmp.Compare(a.CourseID, b.CourseID))
	})
	slices.SortFunc(providers, func(a, b ProviderStat) int {
		return cmp.Or(byShown(a.Enrolments, b.Enrolments), cmp.Compare(a.NameJa, b.NameJa), cmp.Compare(a.ProviderID, b.ProviderID))
	})
	out.Courses, out.Providers = courses, providers
	return out, nil
}

// byShown orders cells by their shown number, largest first, hidden last.
func byShown(a, b Cell) int {
	switch {
	case a.Hidden && b.Hidden:
		return 0
	case a.Hidden:
		return 1
	case b.Hidden:
		return -1
	}
	return cmp.Compare(b.N, a.N)
}

// hideOneIfParentHidden hides the smallest non-zero visible cell of a line
// whose total (parent) is hidden but none of whose cells is.
func hideOneIfParentHidden(cells []Cell, parent Cell) {
	if !parent.Hidden {
		return
	}
	best := -1
	for i, c := range cells {
		if c.Hidden {
			return
		}
		if c.N > 0 && (best < 0 || c.N < cells[best].N) {
			best = i
		}
	}
	if best >= 0 {
		cells[best].Hidden, cells[best].Secondary = true, true
	}
}

// rateAndMedian: the rate only when both counts are shown (either would
// otherwise follow from the other), the median only over at least k
// completions (a median of a few people describes those people).
func (s *Service) rateAndMedian(enrolments, completions Cell, median *float64) (*float64, *float64) {
	var rate *float64
	if !enrolments.Hidden && !completions.Hidden && enrolments.N > 0 {
		r := float64(completions.N) / float64(enrolments.N)
		rate = &r
	}
	if completions.N < int64(s.k) {
		median = nil
	}
	return rate, median
}
