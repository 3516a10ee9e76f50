package progress

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// ApplyArgs is the River job that runs the engine. It is a periodic job
// (every PollInterval); each run applies batches until the log is caught up
// or RunBudget has passed.
type ApplyArgs struct{}

// Kind names the job.
func (ApplyArgs) Kind() string { return "progress_apply" }

// InsertOpts: one pending run at a time is enough.
func (ApplyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// PollInterval is how often the engine looks for new events: a new
// credential reaches the national numbers within about this long.
const PollInterval = 2 * time.Second

// RunBudget bounds one job run: no new step starts after it (a step under
// way finishes; a bulk step of a million events takes tens of seconds), and
// the next periodic run continues from the cursor.
const RunBudget = 20 * time.Second

// stepTimeout bounds one step, bulk steps included.
const stepTimeout = 10 * time.Minute

// Worker runs the engine as a River job.
type Worker struct {
	river.WorkerDefaults[ApplyArgs]
	Engine *Engine
}

// Work applies events until caught up or the budget is spent.
func (w *Worker) Work(ctx context.Context, _ *river.Job[ApplyArgs]) error {
	deadline := time.Now().Add(RunBudget)
	for time.Now().Before(deadline) {
		n, err := w.Engine.Step(ctx)
		if err != nil || n < w.Engine.batch {
			return err // an error, or caught up
		}
	}
	return nil // budget spent; the next run goes on from the cursor
}

// Timeout leaves room for the budget plus one step.
func (w *Worker) Timeout(*river.Job[ApplyArgs]) time.Duration { return RunBudget + stepTimeout }

// PeriodicJob schedules the engine every PollInterval, starting at once.
func PeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(PollInterval),
		func() (river.JobArgs, *river.InsertOpts) { return ApplyArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
