package reporting

import (
	"context"
	"slices"
	"time"

	"takumi/internal/database"
	"takumi/internal/progress"
)

// Funnel stages.
const (
	StageRegistered   = "registered"
	StageEnrolled     = "enrolled"
	StageActive       = "active_30d"
	StageCompleted    = "completed"
	StageCredentialed = "credentialed"
)

// FunnelStages in order.
var FunnelStages = []string{StageRegistered, StageEnrolled, StageActive, StageCompleted, StageCredentialed}

// ActiveDays is the window of "active" learners.
const ActiveDays = 30

// FunnelStage is one stage's protected count of unique people. Available is
// false when the stage cannot be counted honestly for the filter (accounts
// and activity have no skill area or provider).
type FunnelStage struct {
	Stage     string
	Available bool
	Cell      Cell
}

// Funnel is registered → enrolled → active → completed → credentialed.
// Registered counts accounts created in the date range; enrolled, completed
// and credentialed count learners whose first enrolment, completion or
// credential on the platform fell in the range (for a skill area or
// provider filter: whose first one was in that area or with that
// provider); active counts learners with any learning event in the last
// ActiveDays days, whatever the range.
type Funnel struct {
	Stages []FunnelStage
	// LearnersAsOf is when the funnel's read models (registrations,
	// activity, monthly first-time learners) were last counted.
	LearnersAsOf time.Time
	// FirstInDimension marks a skill area or provider filter (see above).
	FirstInDimension bool
}

// funnelMetrics are the activity_rollup metrics of the funnel's stages.
var funnelMetrics = map[string]string{
	StageEnrolled:     progress.MetricLearnersEnrolled,
	StageCompleted:    progress.MetricLearnersCompleted,
	StageCredentialed: progress.MetricLearnersCredentialed,
}

// firstTimeMetrics are the metrics activity_monthly sums.
var firstTimeMetrics = []string{progress.MetricLearnersEnrolled, progress.MetricLearnersCompleted, progress.MetricLearnersCredentialed}

// learnerDims are the dimensions accounts and activity are counted by.
var learnerDims = []string{"", "prefecture", "industry", "segment"}

// Funnel returns the protected funnel for f. Each stage is one cell of the
// breakdown by f's dimension, protected as a whole line (so a small cell
// cannot be recovered as the national total minus the other values); a
// region is a cell of the region line, hidden too when exactly one of its
// prefectures is.
func (s *Service) Funnel(ctx context.Context, f Filter, regions Regions) (*Funnel, error) {
	state, err := s.learnerStatsAsOf(ctx)
	if err != nil {
		return nil, err
	}
	lineDim := f.Dim
	if f.Dim == "region" {
		lineDim = "prefecture"
	}
	out := &Funnel{LearnersAsOf: state.At, FirstInDimension: f.Dim == "skill_area" || f.Dim == "provider"}
	learnerDim := slices.Contains(learnerDims, lineDim)
	// The lines by lineDim do not depend on the filter's value: they are
	// kept until the read models are counted again.
	fk := funnelKey{dim: lineDim, from: f.From, to: f.To}
	lines := s.ministry.funnel(state, fk)
	if lines == nil {
		if lines, err = s.funnelLines(ctx, f, lineDim, learnerDim); err != nil {
			return nil, err
		}
		s.ministry.putFunnel(state, fk, lines)
	}
	for _, stage := range FunnelStages {
		st := FunnelStage{Stage: stage, Available: learnerDim || funnelMetrics[stage] != ""}
		if st.Available {
			// Month by month (months.go): shown only when every month
			// shows it.
			for _, line := range lines[stage] {
				periodCell(&st.Cell, s.lineCell(line, f, regions))
			}
			finishPeriodCell(&st.Cell, s.k)
		}
		out.Stages = append(out.Stages, st)
	}
	return out, nil
}

// funnelLines are each stage's lines by one dimension, month by month:
// stage → month → value → people. Recent activity has no month: its one
// line is under the zero time.
type funnelLines map[string]map[time.Time]map[string]int64

// funnelLines reads each stage's line by lineDim over f's months, month by
// month: registrations and recent activity only for the dimensions
// accounts have.
func (s *Service) funnelLines(ctx context.Context, f Filter, lineDim string, learnerDim bool) (funnelLines, error) {
	db := s.reads.WithContext(ctx)
	type kv struct {
		Metric, Value string
		Month         time.Time
		N             int64
	}
	lines := funnelLines{}
	add := func(stage string, rows []kv) {
		m := map[time.Time]map[string]int64{}
		for _, r := range rows {
			if m[r.Month] == nil {
				m[r.Month] = map[string]int64{}
			}
			m[r.Month][r.Value] += r.N
		}
		lines[stage] = m
	}
	if learnerDim {
		var reg, act []kv
		if err := db.Raw(`SELECT month, value, sum(n) AS n FROM registration_rollup WHERE dim = ? AND month BETWEEN ? AND ?
			GROUP BY month, value`, lineDim, f.From, f.To).Scan(&reg).Error; err != nil {
			return nil, err
		}
		if err := db.Raw(`SELECT value, n FROM active_learners WHERE dim = ?`, lineDim).Scan(&act).Error; err != nil {
			return nil, err
		}
		add(StageRegistered, reg)
		add(StageActive, act)
	}
	var acts []kv
	if err := db.Raw(`SELECT metric, month, v1 AS value, sum(n) AS n FROM activity_monthly
		WHERE metric = ANY (?) AND d1 = ? AND month BETWEEN ? AND ? GROUP BY 1, 2, 3`,
		database.Array(firstTimeMetrics), lineDim, f.From, f.To).Scan(&acts).Error; err != nil {
		return nil, err
	}
	for stage, metric := range funnelMetrics {
		var rows []kv
		for _, r := range acts {
			if r.Metric == metric {
				rows = append(rows, r)
			}
		}
		add(stage, rows)
	}
	return lines, nil
}

// lineCell is f's cell of a breakdown line (value → count), protected as a
// line; the national total when f has no dimension.
func (s *Service) lineCell(line map[string]int64, f Filter, regions Regions) Cell {
	if f.Dim == "" {
		return primary(line[""], s.k)
	}
	values := make([]string, 0, len(line)+1)
	for v := range line {
		values = append(values, v)
	}
	if f.Dim != "region" && !slices.Contains(values, f.Value) {
		values = append(values, f.Value)
	}
	slices.Sort(values)
	counts := make([]int64, len(values))
	for i, v := range values {
		counts[i] = line[v]
	}
	cells, _ := Protect(counts, s.k)
	if f.Dim != "region" {
		return cells[slices.Index(values, f.Value)]
	}
	prefCell := map[string]Cell{}
	for i, v := range values {
		prefCell[v] = cells[i]
	}
	// The region line: every region, plus prefecture "not stated" so the
	// line adds up to the national total.
	names := make([]string, 0, len(regions)+1)
	for name := range regions {
		names = append(names, name)
	}
	slices.Sort(names)
	names = append(names, "")
	rcounts := make([]int64, len(names))
	for i, name := range names {
		if name == "" {
			rcounts[i] = line[""]
			continue
		}
		for _, code := range regions[name] {
			rcounts[i] += line[code]
		}
	}
	rcells, _ := Protect(rcounts, s.k)
	for i, name := range names {
		hidden := 0
		for _, code := range regions[name] {
			if prefCell[code].Hidden {
				hidden++
			}
		}
		if name == "" && prefCell[""].Hidden {
			hidden = 1
		}
		// A visible region total would give back its one hidden prefecture.
		if hidden == 1 && !rcells[i].Hidden {
			rcells[i].Hidden, rcells[i].Secondary = true, true
		}
	}
	complement(rcells)
	return rcells[slices.Index(names, f.Value)]
}
