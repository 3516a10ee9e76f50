// Package jobs keeps background work moving when an instance dies. River
// marks a job "running" when an instance takes it; if that instance is
// killed (kill -9, a lost host), the job stays "running" until something
// rescues it, and a unique job (the progress engine, the read-model
// refreshes) blocks its own next run meanwhile. River's own rescuer acts only
// after RescueStuckJobsAfter, which must exceed the longest job timeout.
//
// Recovery adds two faster rules, run by every instance every few seconds:
//
//   - each instance writes a heartbeat (job_instances); a job whose instance
//     has not written one for DeadAfter is rescued at once;
//   - a job running longer than its kind's timeout plus Grace is rescued even
//     when its instance lives (a worker that ignores its cancelled context).
//
// A rescued job becomes retryable (or discarded when out of attempts), as
// River's rescuer does, and another instance runs it again.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Heartbeat, DeadAfter and Grace set how fast stuck work is found.
const (
	// Heartbeat is how often an instance writes its heartbeat and looks for
	// stuck jobs.
	Heartbeat = 5 * time.Second
	// DeadAfter: an instance silent this long is taken for dead.
	DeadAfter = 20 * time.Second
	// Grace is added to a kind's timeout before a job of a live instance is
	// rescued (River cancels the job's context at the timeout; a worker has
	// this long to return).
	Grace = 30 * time.Second
)

// Timeouts maps each job kind to its worker's timeout.
type Timeouts map[string]time.Duration

// Longest is the longest timeout of any kind (0 when empty).
func (t Timeouts) Longest() time.Duration {
	var m time.Duration
	for _, d := range t {
		m = max(m, d)
	}
	return m
}

// Add registers w with River's workers and records its kind's timeout.
// Every worker in Takumi sets Timeout; a worker returning 0 (River's
// default) is recorded with River's default of a minute.
func Add[T river.JobArgs](workers *river.Workers, timeouts Timeouts, w river.Worker[T]) {
	river.AddWorker(workers, w)
	var args T
	d := w.Timeout(&river.Job[T]{JobRow: &rivertype.JobRow{}, Args: args})
	if d <= 0 {
		d = river.JobTimeoutDefault
	}
	timeouts[args.Kind()] = d
}

// Recovery writes this instance's heartbeat and rescues stuck jobs.
type Recovery struct {
	Pool     *pgxpool.Pool
	ClientID string // River's client id, which River records in attempted_by
	Timeouts Timeouts
	Logger   *slog.Logger
	OnRescue func(Rescued) // when set, called for every job rescued (a metric)
}

// Beat records that this instance is alive.
func (r *Recovery) Beat(ctx context.Context) error {
	_, err := r.Pool.Exec(ctx, `INSERT INTO job_instances (client_id) VALUES ($1)
		ON CONFLICT (client_id) DO UPDATE SET heartbeat_at = now()`, r.ClientID)
	return err
}

// Leave removes this instance's heartbeat on a clean stop (its jobs have
// finished or gone back to the queue) and forgets instances silent for a day.
func (r *Recovery) Leave(ctx context.Context) error {
	_, err := r.Pool.Exec(ctx, `DELETE FROM job_instances WHERE client_id = $1 OR heartbeat_at < now() - interval '1 day'`, r.ClientID)
	return err
}

// Rescued is one job Rescue moved back to the queue (or discarded).
type Rescued struct {
	ID     int64
	Kind   string
	State  string // retryable or discarded
	Reason string // instance_gone or timeout
}

// rescueSQL: the running jobs whose instance is silent for DeadAfter, or
// that run past their kind's timeout plus Grace, become retryable (or
// discarded when out of attempts), with an error appended in River's
// format so River's UI and retry policy see what happened. A kind missing
// from the list gets the longest timeout. SKIP LOCKED: instances rescuing
// at the same moment share the work instead of waiting.
const rescueSQL = `
WITH t AS (SELECT * FROM unnest($1::text[], $2::float8[]) AS t(kind, timeout_s)),
stuck AS (
    SELECT j.id, j.attempt, j.max_attempts,
           CASE WHEN i.client_id IS NULL THEN 'instance_gone' ELSE 'timeout' END AS reason
    FROM river_job j
    LEFT JOIN t ON t.kind = j.kind
    LEFT JOIN job_instances i ON i.client_id = j.attempted_by[cardinality(j.attempted_by)]
        AND i.heartbeat_at > now() - make_interval(secs => $3)
    WHERE j.state = 'running'
      AND j.attempted_at < now() - make_interval(secs => $3)
      AND (i.client_id IS NULL
           OR j.attempted_at < now() - make_interval(secs => coalesce(t.timeout_s, $4) + $5))
    FOR UPDATE OF j SKIP LOCKED
)
UPDATE river_job j SET
    state = CASE WHEN s.attempt >= s.max_attempts THEN 'discarded' ELSE 'retryable' END::river_job_state,
    finalized_at = CASE WHEN s.attempt >= s.max_attempts THEN now() END,
    scheduled_at = now(),
    errors = array_append(j.errors, jsonb_build_object('at', now(), 'attempt', s.attempt,
        'error', 'takumi rescued a stuck job: ' || s.reason, 'trace', '')),
    metadata = j.metadata || jsonb_build_object('takumi:rescued', s.reason)
FROM stuck s
WHERE j.id = s.id
RETURNING j.id, j.kind, j.state::text, s.reason`

// Rescue moves stuck jobs back to the queue and returns them.
func (r *Recovery) Rescue(ctx context.Context) ([]Rescued, error) {
	kinds := slices.Sorted(maps.Keys(r.Timeouts))
	secs := make([]float64, len(kinds))
	for i, k := range kinds {
		secs[i] = r.Timeouts[k].Seconds()
	}
	rows, err := r.Pool.Query(ctx, rescueSQL, kinds, secs, DeadAfter.Seconds(),
		r.Timeouts.Longest().Seconds(), Grace.Seconds())
	if err != nil {
		return nil, fmt.Errorf("rescue stuck jobs: %w", err)
	}
	defer rows.Close()
	var out []Rescued
	for rows.Next() {
		var x Rescued
		if err := rows.Scan(&x.ID, &x.Kind, &x.State, &x.Reason); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Run beats and rescues every Heartbeat until ctx ends. Failures are logged
// and retried: a database outage must not stop the loop.
func (r *Recovery) Run(ctx context.Context) {
	t := time.NewTicker(Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.tick(ctx)
	}
}

func (r *Recovery) tick(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, Heartbeat)
	defer cancel()
	if err := r.Beat(ctx); err != nil {
		r.Logger.Warn("job heartbeat", "error", err.Error())
		return
	}
	rescued, err := r.Rescue(ctx)
	if err != nil {
		r.Logger.Warn("rescue stuck jobs", "error", err.Error())
		return
	}
	for _, x := range rescued {
		// An instance died mid-job, or a job ignored its timeout: worth a look.
		r.Logger.Warn("rescued stuck job", "job_id", x.ID, "kind", x.Kind, "state", x.State, "reason", x.Reason)
		if r.OnRescue != nil {
			r.OnRescue(x)
		}
	}
}
