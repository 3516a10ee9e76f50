package audit

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"
)

// SealArgs is the River job that seals the audit chain (Seal), every
// SealInterval.
type SealArgs struct{}

// Kind names the job.
func (SealArgs) Kind() string { return "audit_seal" }

// InsertOpts: one pending run at a time is enough.
func (SealArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// SealWorker runs Seal as a River job.
type SealWorker struct {
	river.WorkerDefaults[SealArgs]
	DB *gorm.DB
}

// Work seals what can be sealed.
func (w *SealWorker) Work(ctx context.Context, _ *river.Job[SealArgs]) error {
	_, err := Seal(ctx, w.DB)
	return err
}

// Timeout leaves room for the wait and a large backlog.
func (w *SealWorker) Timeout(*river.Job[SealArgs]) time.Duration { return time.Minute }

// SealPeriodicJob schedules the sealer every SealInterval, starting at once.
func SealPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(SealInterval),
		func() (river.JobArgs, *river.InsertOpts) { return SealArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
