package reporting

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"
)

// Refresh intervals of the read models.
const (
	CourseStatsInterval  = 10 * time.Minute
	LearnerStatsInterval = time.Minute
)

// CourseStatsArgs is the River job that recomputes course_stats.
type CourseStatsArgs struct{}

// Kind names the job.
func (CourseStatsArgs) Kind() string { return "ministry_course_stats" }

// InsertOpts: one pending run at a time is enough.
func (CourseStatsArgs) InsertOpts() river.InsertOpts { return uniqueJob() }

// LearnerStatsArgs is the River job that recomputes registration_rollup
// and active_learners.
type LearnerStatsArgs struct{}

// Kind names the job.
func (LearnerStatsArgs) Kind() string { return "ministry_learner_stats" }

// InsertOpts: one pending run at a time is enough.
func (LearnerStatsArgs) InsertOpts() river.InsertOpts { return uniqueJob() }

func uniqueJob() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// CourseStatsWorker runs RefreshCourseStats.
type CourseStatsWorker struct {
	river.WorkerDefaults[CourseStatsArgs]
	DB *gorm.DB
}

// Work recomputes the course statistics.
func (w *CourseStatsWorker) Work(ctx context.Context, _ *river.Job[CourseStatsArgs]) error {
	return RefreshCourseStats(ctx, w.DB)
}

// readModelTimeout bounds one refresh. At the national scale (5 M
// enrolments, 1 M learners) a refresh reads for tens of seconds on two
// cores, beyond River's default minute under load; the read holds no
// transaction id, so its length delays nothing else.
const readModelTimeout = 10 * time.Minute

// Timeout: see readModelTimeout.
func (w *CourseStatsWorker) Timeout(*river.Job[CourseStatsArgs]) time.Duration {
	return readModelTimeout
}

// Timeout: see readModelTimeout.
func (w *LearnerStatsWorker) Timeout(*river.Job[LearnerStatsArgs]) time.Duration {
	return readModelTimeout
}

// LearnerStatsWorker runs RefreshLearnerStats.
type LearnerStatsWorker struct {
	river.WorkerDefaults[LearnerStatsArgs]
	DB *gorm.DB
}

// Work recomputes registrations and activity.
func (w *LearnerStatsWorker) Work(ctx context.Context, _ *river.Job[LearnerStatsArgs]) error {
	return RefreshLearnerStats(ctx, w.DB)
}

// PeriodicJobs schedules both refreshes, each starting at once.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(CourseStatsInterval),
			func() (river.JobArgs, *river.InsertOpts) { return CourseStatsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(LearnerStatsInterval),
			func() (river.JobArgs, *river.InsertOpts) { return LearnerStatsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
