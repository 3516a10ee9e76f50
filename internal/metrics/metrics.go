// Package metrics exports what an operator alerts on, as Prometheus metrics
// prefixed takumi_: the job queue, the progress engine's lag, email
// delivery, the database pool, credentials and bulk enrolment. Numbers kept
// in the database are read at scrape time by Collector with a few cheap
// queries (cached briefly, so several scrapers cost one read); events seen
// by one instance (emails sent, credentials verified) are counters of that
// instance, which Prometheus sums across instances. docs/operations.md,
// "Metrics", lists every metric with what it means.
package metrics

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Counters are the per-instance event counters the app wires into domain
// services.
type Counters struct {
	EmailsSent          prometheus.Counter
	EmailsFailed        prometheus.Counter
	CredentialsVerified *prometheus.CounterVec // by source (presented, stored) and verdict
	JobsRescued         *prometheus.CounterVec // by kind and reason (instance_gone, timeout)
}

// NewCounters registers the per-instance counters with reg.
func NewCounters(reg prometheus.Registerer) *Counters {
	c := &Counters{
		EmailsSent: prometheus.NewCounter(prometheus.CounterOpts{Name: "takumi_emails_sent_total",
			Help: "Emails this instance handed to the SMTP server (the server accepted them)."}),
		EmailsFailed: prometheus.NewCounter(prometheus.CounterOpts{Name: "takumi_emails_failed_total",
			Help: "Email delivery attempts of this instance that failed (the job retries, up to its attempts)."}),
		CredentialsVerified: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "takumi_credentials_verified_total",
			Help: "Credential verifications run by this instance, by source (presented: uploaded or pasted; stored: a public credential page) and verdict."},
			[]string{"source", "verdict"}),
		JobsRescued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "takumi_jobs_rescued_total",
			Help: "Stuck jobs this instance put back in the queue: their instance stopped (instance_gone) or they ran past their timeout (timeout)."},
			[]string{"kind", "reason"}),
	}
	reg.MustRegister(c.EmailsSent, c.EmailsFailed, c.CredentialsVerified, c.JobsRescued)
	return c
}

// Collector reads the database's numbers at scrape time.
type Collector struct {
	pool     *pgxpool.Pool
	timeouts map[string]time.Duration // job kind -> timeout
	logger   *slog.Logger
	ttl      time.Duration

	mu      sync.Mutex
	at      time.Time
	samples []prometheus.Metric
}

var (
	descJobs = prometheus.NewDesc("takumi_jobs",
		"Background jobs in the queue table by kind and state (completed jobs are kept an hour, discarded a week).", []string{"kind", "state"}, nil)
	descOldestAvailable = prometheus.NewDesc("takumi_jobs_oldest_available_age_seconds",
		"Age of the oldest job waiting to run (available and due), by kind; 0 when none waits.", []string{"kind"}, nil)
	descPastTimeout = prometheus.NewDesc("takumi_jobs_running_past_timeout",
		"Jobs still marked running longer than their kind's timeout (a dead or stuck worker; rescued within about 30 s).", []string{"kind"}, nil)
	descRetries = prometheus.NewDesc("takumi_jobs_errored",
		"Jobs not finished that have failed at least once (retryable, or running again after a failure), by kind.", []string{"kind"}, nil)
	descLag = prometheus.NewDesc("takumi_progress_engine_lag_seconds",
		"How long the oldest learning event not yet applied to the national numbers has waited (since it was recorded, or since the engine last moved when that is later); 0 when caught up.", nil, nil)
	descPending = prometheus.NewDesc("takumi_progress_events_pending",
		"Learning events the progress engine has not applied yet (counted up to 1,000,000).", nil, nil)
	descLastRun = prometheus.NewDesc("takumi_progress_last_success_timestamp_seconds",
		"Unix time of the progress engine's last successful run (0 when none in the last hour).", nil, nil)
	descCredentials = prometheus.NewDesc("takumi_credentials_issued",
		"Credentials issued and stored (revoked ones included).", nil, nil)
	descBulkRows = prometheus.NewDesc("takumi_bulk_rows_processed",
		"Rows processed by bulk enrolment imports, summed over the imports kept, by import status.", []string{"status"}, nil)
	descBulkImports = prometheus.NewDesc("takumi_bulk_imports",
		"Bulk enrolment imports by status (queued, running, done, failed).", []string{"status"}, nil)
	descScrapeErr = prometheus.NewDesc("takumi_metrics_query_errors",
		"Queries of this scrape that failed (the metrics they feed are missing).", nil, nil)

	descPoolAcquired, descPoolIdle, descPoolTotal, descPoolMax, descPoolWaits, descPoolWaitSecs = poolDescs()
)

// poolDescs returns the descriptors of a pool's six series
// (takumi_db_pool_*), with the given variable labels: none for the app's
// pool (the series dashboards and alerts have named since issue 11), "pool"
// for another pool (PoolCollector).
func poolDescs(labels ...string) (acquired, idle, total, maxConns, waits, waitSecs *prometheus.Desc) {
	return prometheus.NewDesc("takumi_db_pool_acquired_connections", "Database connections in use.", labels, nil),
		prometheus.NewDesc("takumi_db_pool_idle_connections", "Idle database connections.", labels, nil),
		prometheus.NewDesc("takumi_db_pool_total_connections", "Open database connections (acquired, idle and being opened).", labels, nil),
		prometheus.NewDesc("takumi_db_pool_max_connections", "The pool's connection limit.", labels, nil),
		prometheus.NewDesc("takumi_db_pool_waits_total", "Connection requests that had to wait for a free connection.", labels, nil),
		prometheus.NewDesc("takumi_db_pool_wait_seconds_total", "Time spent waiting for a free connection.", labels, nil)
}

// poolSamples sends st's six series, with the descriptors' label values.
func poolSamples(ch chan<- prometheus.Metric, st *pgxpool.Stat, acquired, idle, total, maxConns, waits, waitSecs *prometheus.Desc, labels ...string) {
	ch <- prometheus.MustNewConstMetric(acquired, prometheus.GaugeValue, float64(st.AcquiredConns()), labels...)
	ch <- prometheus.MustNewConstMetric(idle, prometheus.GaugeValue, float64(st.IdleConns()), labels...)
	ch <- prometheus.MustNewConstMetric(total, prometheus.GaugeValue, float64(st.TotalConns()), labels...)
	ch <- prometheus.MustNewConstMetric(maxConns, prometheus.GaugeValue, float64(st.MaxConns()), labels...)
	ch <- prometheus.MustNewConstMetric(waits, prometheus.CounterValue, float64(st.EmptyAcquireCount()), labels...)
	ch <- prometheus.MustNewConstMetric(waitSecs, prometheus.CounterValue, st.EmptyAcquireWaitTime().Seconds(), labels...)
}

// PoolCollector exports another pool's statistics as the app pool's
// takumi_db_pool_* series with a label pool="<name>" (River's pool:
// pool="jobs"). The app pool's series keep no label, as before, so a
// query of the bare name now also selects this pool's series: select the
// app's with {pool=""} (docs/operations.md). Prometheus accepts series of
// one name with different label names; client_golang's registry refuses
// to register two descriptors of one name that differ so, which is why
// this collector is unchecked (Describe sends nothing) and its
// descriptors' help strings are the app pool's, which Gather compares.
type PoolCollector struct {
	name                                             string
	pool                                             *pgxpool.Pool
	acquired, idle, total, maxConns, waits, waitSecs *prometheus.Desc
}

// NewPoolCollector returns the collector of pool's series labelled
// pool=name.
func NewPoolCollector(name string, pool *pgxpool.Pool) *PoolCollector {
	c := &PoolCollector{name: name, pool: pool}
	c.acquired, c.idle, c.total, c.maxConns, c.waits, c.waitSecs = poolDescs("pool")
	return c
}

// Describe sends nothing: an unchecked collector (see PoolCollector).
func (c *PoolCollector) Describe(chan<- *prometheus.Desc) {}

// Collect sends the pool's six series.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	poolSamples(ch, c.pool.Stat(), c.acquired, c.idle, c.total, c.maxConns, c.waits, c.waitSecs, c.name)
}

// NewCollector returns a collector over pool; timeouts are the job kinds'
// timeouts (jobs.Timeouts).
func NewCollector(pool *pgxpool.Pool, timeouts map[string]time.Duration, logger *slog.Logger) *Collector {
	return &Collector{pool: pool, timeouts: timeouts, logger: logger, ttl: 5 * time.Second}
}

// Describe sends every descriptor.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descJobs, descOldestAvailable, descPastTimeout, descRetries, descLag, descPending,
		descLastRun, descCredentials, descBulkRows, descBulkImports, descScrapeErr,
		descPoolAcquired, descPoolIdle, descPoolTotal, descPoolMax, descPoolWaits, descPoolWaitSecs} {
		ch <- d
	}
}

// Collect reads the pool's statistics, and the database's numbers (at most
// every few seconds).
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	poolSamples(ch, c.pool.Stat(), descPoolAcquired, descPoolIdle, descPoolTotal, descPoolMax, descPoolWaits, descPoolWaitSecs)

	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > c.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c.samples = c.read(ctx)
		cancel()
		c.at = time.Now()
	}
	for _, m := range c.samples {
		ch <- m
	}
}

// jobsSQL: the queue by kind and state, with the age of the oldest due job,
// the jobs running past their kind's timeout, and the unfinished jobs that
// have failed before. One scan of river_job, which River keeps small.
const jobsSQL = `
WITH t AS (SELECT * FROM unnest($1::text[], $2::float8[]) AS t(kind, timeout_s))
SELECT j.kind, j.state::text, count(*),
       coalesce(extract(epoch FROM now() - min(j.scheduled_at) FILTER (WHERE j.state = 'available' AND j.scheduled_at <= now())), 0)::float8,
       count(*) FILTER (WHERE j.state = 'running'
                          AND j.attempted_at < now() - make_interval(secs => coalesce(t.timeout_s, $3))),
       count(*) FILTER (WHERE j.state IN ('retryable', 'running', 'available') AND cardinality(j.errors) > 0)
FROM river_job j LEFT JOIN t ON t.kind = j.kind
GROUP BY j.kind, j.state`

// engineSQL: events waiting behind the engine's cursor (capped), the
// waiting time of the first of them, and the last successful run. The
// cursor order (xact_id, id) has an index.
const engineSQL = `
WITH s AS (SELECT cursor_xact, cursor_id, updated_at FROM progress_engine_state WHERE id = 1),
first AS (
    SELECT e.occurred_at FROM learning_events e, s
    WHERE (e.xact_id, e.id) > (s.cursor_xact, s.cursor_id)
    ORDER BY e.xact_id, e.id LIMIT 1)
SELECT (SELECT count(*) FROM (SELECT 1 FROM learning_events e, s
            WHERE (e.xact_id, e.id) > (s.cursor_xact, s.cursor_id) LIMIT 1000000) p),
       coalesce((SELECT extract(epoch FROM now() - greatest(first.occurred_at, s.updated_at)) FROM first, s), 0)::float8,
       coalesce((SELECT extract(epoch FROM max(finalized_at)) FROM river_job
                 WHERE kind = 'progress_apply' AND state = 'completed'), 0)::float8`

func (c *Collector) read(ctx context.Context) []prometheus.Metric {
	var out []prometheus.Metric
	failed := 0
	fail := func(what string, err error) {
		failed++
		c.logger.Warn("metrics query", "query", what, "error", err.Error())
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}

	kinds := slices.Sorted(maps.Keys(c.timeouts))
	secs := make([]float64, len(kinds))
	longest := 0.0
	for i, k := range kinds {
		secs[i] = c.timeouts[k].Seconds()
		longest = max(longest, secs[i])
	}
	if rows, err := c.pool.Query(ctx, jobsSQL, kinds, secs, longest); err != nil {
		fail("jobs", err)
	} else {
		oldest := map[string]float64{}
		past := map[string]float64{}
		errored := map[string]float64{}
		for _, k := range kinds { // every known kind reports, zero when idle
			oldest[k], past[k], errored[k] = 0, 0, 0
		}
		for rows.Next() {
			var kind, state string
			var n, pastN, errN int64
			var age float64
			if err := rows.Scan(&kind, &state, &n, &age, &pastN, &errN); err != nil {
				fail("jobs", err)
				break
			}
			gauge(descJobs, float64(n), kind, state)
			oldest[kind] = max(oldest[kind], age)
			past[kind] += float64(pastN)
			errored[kind] += float64(errN)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			fail("jobs", err)
		}
		for k := range oldest {
			gauge(descOldestAvailable, oldest[k], k)
			gauge(descPastTimeout, past[k], k)
			gauge(descRetries, errored[k], k)
		}
	}

	var pending int64
	var lag, lastRun float64
	if err := c.pool.QueryRow(ctx, engineSQL).Scan(&pending, &lag, &lastRun); err != nil {
		fail("engine", err)
	} else {
		gauge(descPending, float64(pending))
		gauge(descLag, lag)
		gauge(descLastRun, lastRun)
	}

	var issued int64
	if err := c.pool.QueryRow(ctx, `SELECT count(*) FROM credentials`).Scan(&issued); err != nil {
		fail("credentials", err)
	} else {
		gauge(descCredentials, float64(issued))
	}

	if rows, err := c.pool.Query(ctx, `SELECT s.status, count(i.id), coalesce(sum(i.processed), 0)
		FROM unnest(ARRAY['queued', 'running', 'done', 'failed']) AS s(status)
		LEFT JOIN enrolment_imports i ON i.status = s.status GROUP BY s.status`); err != nil {
		fail("bulk", err)
	} else {
		for rows.Next() {
			var status string
			var n, processed int64
			if err := rows.Scan(&status, &n, &processed); err != nil {
				fail("bulk", err)
				break
			}
			gauge(descBulkImports, float64(n), status)
			gauge(descBulkRows, float64(processed), status)
		}
		rows.Close()
	}
	gauge(descScrapeErr, float64(failed))
	return out
}
