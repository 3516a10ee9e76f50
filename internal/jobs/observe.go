package jobs

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"takumi/internal/database"
)

// Observer is River worker middleware that counts every job run by kind and
// outcome (takumi_job_runs_total), and, in development only, can hold a
// kind's first attempt (TestDelays) so a test can kill an instance mid-job.
type Observer struct {
	river.MiddlewareDefaults
	runs *prometheus.CounterVec
	// TestDelays holds a job of a kind for the given time before it runs,
	// on its first attempt only. Never set in production (app.New).
	TestDelays map[string]time.Duration
}

// NewObserver registers the job-run counter with reg.
func NewObserver(reg prometheus.Registerer) *Observer {
	o := &Observer{runs: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "takumi_job_runs_total",
		Help: "Background job attempts finished by this instance, by kind and outcome (ok, error, cancelled, timeout).",
	}, []string{"kind", "outcome"})}
	reg.MustRegister(o.runs)
	return o
}

// Work runs the job and counts how it ended.
func (o *Observer) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	if d := o.TestDelays[job.Kind]; d > 0 && job.Attempt <= 1 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	err := doInner(ctx)
	outcome := "ok"
	switch {
	case err == nil:
	// A statement cut short by its context ends with PostgreSQL's
	// query_canceled, not the context's error (database/pools.go). River
	// sets the job's timeout inside doInner, so ctx has not ended when the
	// job timed out; when ctx itself was cancelled (River stopping), the
	// job was cancelled.
	case errors.Is(err, context.DeadlineExceeded),
		database.IsQueryCanceled(err) && !errors.Is(ctx.Err(), context.Canceled):
		outcome = "timeout"
	case errors.Is(err, context.Canceled), database.IsQueryCanceled(err):
		outcome = "cancelled"
	default:
		outcome = "error"
	}
	o.runs.WithLabelValues(job.Kind, outcome).Inc()
	return err
}

// ParseTestDelays reads TAKUMI_TEST_JOB_DELAY, "kind=duration,kind=duration"
// (e.g. "progress_apply=1m"); malformed entries are ignored.
func ParseTestDelays(s string) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, part := range strings.Split(s, ",") {
		kind, dur, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		if d, err := time.ParseDuration(dur); err == nil && d > 0 {
			out[kind] = d
		}
	}
	return out
}
