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
}

// Cacheable reports whether pages may be kept under st: a read model never
// counted is counted by the first request that needs it, which moves the
// state.
func (st DashboardState) Cacheable() bool { return st.counted }

// DashboardState reads the dashboard's state in one round trip.
func (s *Service) DashboardState(ctx context.Context) (DashboardState, error) {
	var st DashboardState
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
// rollup key), and the learner-statistics refresh for the rest. Prefectures
// and industries are reference data that only migrations change. Provider
// organisations have no change time: their names and the list are read
// again at each learner-statistics refresh (LearnerStatsInterval, a
// minute), so a provider added or renamed by an admin shows in the filter
// choices at the next refresh. (The course and provider tables show names
// as of the course-statistics refresh, CourseStatsInterval, already.)
type referenceKey struct {
	programmes, skillAreas int64
	programmesAt, skillsAt string
	learnersAt             string
}

func (st DashboardState) referenceKey() referenceKey {
	return referenceKey{programmes: st.rollup.Programmes, skillAreas: st.rollup.SkillAreas,
		programmesAt: st.rollup.ProgrammesAt, skillsAt: st.rollup.SkillsAt, learnersAt: st.learnersAt}
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
	choices, err := s.Choices(ctx)
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
