package reporting

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"takumi/internal/progress"
)

// DashboardState names, in one small read, the state of everything the
// ministry dashboard's page is computed from: the rollups (the progress
// engine's position, programmes and skill areas: publicKey), the funnel's
// read models (the learner-statistics refresh and the activity cursor it
// counted to) and the course statistics' refresh. Two reads that give the
// same state give the same page for the same filter, language and day, so
// the page's content can be kept per state (web/ministry.go). It is
// comparable; the zero value is not cacheable.
type DashboardState struct {
	rollup       publicKey
	learnersAt   string
	coursesAt    string
	activityXact string
	activityID   int64
	counted      bool // every read model was counted at least once
	// The catalogue change signal's generation, read before the rest,
	// when its listener was connected (catalogueUp): the provider
	// choices' key (referenceKey).
	catalogueGen uint64
	catalogueUp  bool
}

// Cacheable reports whether pages may be kept under st: a read model never
// counted is counted by the first request that needs it, which moves the
// state.
func (st DashboardState) Cacheable() bool { return st.counted }

// DashboardState reads the dashboard's state in one round trip.
func (s *Service) DashboardState(ctx context.Context) (DashboardState, error) {
	var st DashboardState
	if s.catalogue != nil {
		// Before the state's statement: a change committed after this
		// read raises the generation, so nothing read after it under this
		// generation is kept past that change.
		if gen, up := s.catalogue(); up {
			st.catalogueGen, st.catalogueUp = gen, true
		}
	}
	var learnersAt, coursesAt sql.NullString
	err := s.reads.WithContext(ctx).Raw(`SELECT e.cursor_xact::text, e.cursor_id, e.applied, e.updated_at::text,
		(SELECT count(*) FROM programmes), (SELECT coalesce(max(updated_at)::text, '') FROM programmes),
		(SELECT count(*) FROM skill_areas), (SELECT coalesce(max(updated_at)::text, '') FROM skill_areas),
		m.learners_refreshed_at::text, m.courses_refreshed_at::text, m.activity_cursor_xact::text, m.activity_cursor_id
		FROM progress_engine_state e, ministry_stats_state m WHERE e.id = 1 AND m.id = 1`).Row().Scan(
		&st.rollup.CursorXact, &st.rollup.CursorID, &st.rollup.Applied, &st.rollup.EngineAt,
		&st.rollup.Programmes, &st.rollup.ProgrammesAt, &st.rollup.SkillAreas, &st.rollup.SkillsAt,
		&learnersAt, &coursesAt, &st.activityXact, &st.activityID)
	if errors.Is(err, sql.ErrNoRows) {
		return DashboardState{}, nil
	}
	if err != nil {
		return DashboardState{}, err
	}
	st.learnersAt, st.coursesAt = learnersAt.String, coursesAt.String
	st.counted = learnersAt.Valid && coursesAt.Valid
	return st, nil
}

// referenceKey names one reading of the filter choices and programmes:
// programmes and skill areas by their count and latest change (as the
// rollup key), and for the provider organisations (which have no change
// time) the catalogue change signal's generation. Prefectures and
// industries are reference data that only migrations change. Every
// committed write of organisations raises the generation (migration
// 00057's triggers, on any instance), so a provider added or renamed by an
// admin is a filter choice at the next view. While the signal's listener
// is not connected (or there is none), the providers are read again at
// each learner-statistics refresh instead (LearnerStatsInterval, a
// minute), as before the signal. (The course and provider tables show
// names as of the course-statistics refresh, CourseStatsInterval.)
type referenceKey struct {
	programmes, skillAreas int64
	programmesAt, skillsAt string
	learnersAt             string // "" when keyed on the generation
	catalogueGen           uint64
	catalogueUp            bool
}

func (st DashboardState) referenceKey() referenceKey {
	k := referenceKey{programmes: st.rollup.Programmes, skillAreas: st.rollup.SkillAreas,
		programmesAt: st.rollup.ProgrammesAt, skillsAt: st.rollup.SkillsAt}
	if st.catalogueUp {
		k.catalogueGen, k.catalogueUp = st.catalogueGen, true
	} else {
		k.learnersAt = st.learnersAt
	}
	return k
}

// References are the dashboard's reference data: programmes, the filter
// choices and the regions they give. Shared between requests: read-only.
type References struct {
	Programmes []progress.Programme
	Choices    *Choices
	Regions    Regions
}

// referenceCache keeps the References of one referenceKey.
type referenceCache struct {
	mu   sync.Mutex
	key  referenceKey
	refs *References
}

// References returns the programmes, filter choices and regions as of st:
// kept while st's reference key holds (see referenceKey), read afresh when
// st is not cacheable.
func (s *Service) References(ctx context.Context, st DashboardState) (*References, error) {
	k := st.referenceKey()
	if st.Cacheable() {
		s.references.mu.Lock()
		refs := s.references.refs
		ok := refs != nil && s.references.key == k
		s.references.mu.Unlock()
		if ok {
			return refs, nil
		}
	}
	// Keyed on the generation, the choices are read from the primary: the
	// replica may lag behind the notification that raised it, and a list
	// read there would be kept, without the change, until the next one.
	db := s.reads
	if k.catalogueUp {
		db = s.db
	}
	choices, err := s.choicesOn(ctx, db)
	if err != nil {
		return nil, err
	}
	programmes, err := s.Programmes(ctx)
	if err != nil {
		return nil, err
	}
	refs := &References{Programmes: programmes, Choices: choices, Regions: choices.RegionMap()}
	if st.Cacheable() {
		s.references.mu.Lock()
		s.references.key, s.references.refs = k, refs
		s.references.mu.Unlock()
	}
	return refs, nil
}
