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

// CourseStatsCheckEvery is how often the course-statistics job asks
// whether a refresh is due. The refresh (10–38 s of one PostgreSQL backend
// at 1,000,000 learners) runs only when the stored statistics are absent
// or CourseStatsInterval old, less one check (courseStatsMaxAge): a check
// costs one row read. River's periodic scheduler keeps its times in
// memory and starts over at every start (of the leader), so a job run on
// every schedule would refresh at every start of every instance; the age
// is kept in the database (ministry_stats_state.courses_refreshed_at)
// instead, and restarts, rolling deploys and several instances starting
// together refresh only when the statistics are due.
const CourseStatsCheckEvery = time.Minute

// courseStatsMaxAge: a refresh whose write committed just after one check
// is due at the check an interval later (every CourseStatsInterval plus
// at most the refresh's own time).
const courseStatsMaxAge = CourseStatsInterval - CourseStatsCheckEvery

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

// CourseStatsWorker runs RefreshCourseStats when it is due
// (RefreshCourseStatsIfOlder).
type CourseStatsWorker struct {
	river.WorkerDefaults[CourseStatsArgs]
	DB *gorm.DB
}

// Work recomputes the course statistics if they are absent or
// courseStatsMaxAge old.
func (w *CourseStatsWorker) Work(ctx context.Context, _ *river.Job[CourseStatsArgs]) error {
	_, err := RefreshCourseStatsIfOlder(ctx, w.DB, courseStatsMaxAge)
	return err
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

// PeriodicJobs schedules both refreshes, each starting at once: the
// learner statistics every LearnerStatsInterval, the course statistics'
// check every CourseStatsCheckEvery (refreshing only when due: at a start
// with fresh statistics the first check reads one row).
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(CourseStatsCheckEvery),
			func() (river.JobArgs, *river.InsertOpts) { return CourseStatsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(LearnerStatsInterval),
			func() (river.JobArgs, *river.InsertOpts) { return LearnerStatsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
