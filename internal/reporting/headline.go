package reporting

import (
	"context"
	"math"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/jst"
	"takumi/internal/progress"
)

// Programmes returns every programme, the flagship first.
func (s *Service) Programmes(ctx context.Context) ([]progress.Programme, error) {
	return progress.All(ctx, s.reads)
}

// Programme returns the programme with the given code, or the flagship
// when code is empty. Errors: not_found.
func (s *Service) Programme(ctx context.Context, code string) (*progress.Programme, error) {
	ps, err := s.Programmes(ctx)
	if err != nil {
		return nil, err
	}
	return programmeIn(ps, code)
}

// programmeIn finds the programme with code in ps (the flagship when code
// is empty). Errors: not_found.
func programmeIn(ps []progress.Programme, code string) (*progress.Programme, error) {
	for i := range ps {
		if (code == "" && ps[i].Flagship) || (code != "" && ps[i].Code == code) {
			return &ps[i], nil
		}
	}
	return nil, apperr.New(apperr.NotFound, "reporting.err_unknown_programme")
}

// AsOf is when the engine last applied events (the numbers' freshness).
func (s *Service) AsOf(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.reads.WithContext(ctx).Raw(`SELECT updated_at FROM progress_engine_state WHERE id = 1`).Scan(&t).Error
	return t, err
}

// Point is one day of a cumulative series.
type Point struct {
	Day        time.Time
	Cumulative int64
}

// Progress is a programme's headline and trajectory.
type Progress struct {
	Programme *progress.Programme
	AsOf      time.Time
	Learners  int64   // unique learners counted toward the target
	Percent   float64 // Learners / Target * 100
	Series    []Point // cumulative learners by day (days with a change)
	// RunRate is learners per week over the last 4 weeks; NeededRate the
	// learners per week needed from today to reach the target by the end
	// date; Projected the date the target is reached at RunRate (nil when
	// the rate is zero or the date is after 2100).
	RunRate, NeededRate float64
	Projected           *time.Time
	Reached             bool
}

// Headline returns the programme's progress. National totals are not
// suppressed: they are not small, and they count no attribute of anyone.
func (s *Service) Headline(ctx context.Context, p *progress.Programme) (*Progress, error) {
	out := &Progress{Programme: p}
	var err error
	if out.AsOf, err = s.AsOf(ctx); err != nil {
		return nil, err
	}
	var rows []struct {
		Day time.Time
		N   int64
	}
	if err := s.reads.WithContext(ctx).Raw(`SELECT day, learners AS n FROM progress_rollup
		WHERE programme_id = ? AND d1 = '' AND d2 = '' AND learners <> 0 ORDER BY day`, p.ID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	today := jst.In(s.now())
	todayDay := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var cum, recent int64
	since := todayDay.AddDate(0, 0, -28)
	for _, r := range rows {
		cum += r.N
		out.Series = append(out.Series, Point{Day: r.Day, Cumulative: cum})
		if r.Day.After(since) {
			recent += r.N
		}
	}
	out.Learners = cum
	out.Percent = float64(cum) / float64(p.Target) * 100
	out.RunRate = float64(recent) / 4
	out.Reached = cum >= p.Target
	remaining := float64(p.Target - cum)
	weeksLeft := p.EndsOn.Sub(todayDay).Hours() / (24 * 7)
	if remaining > 0 && weeksLeft > 0 {
		out.NeededRate = remaining / weeksLeft
	} else if remaining > 0 {
		out.NeededRate = math.Inf(1)
	}
	if remaining > 0 && out.RunRate > 0 {
		weeks := remaining / out.RunRate
		if weeks < 52*80 {
			d := todayDay.Add(time.Duration(weeks * 7 * 24 * float64(time.Hour)))
			out.Projected = &d
		}
	}
	return out, nil
}
