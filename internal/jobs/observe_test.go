package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"

	"takumi/internal/jobs"
)

// TestObserverOutcomes: a job's outcome counts as timeout or cancelled
// whether its context's error or PostgreSQL's query_canceled (what the
// app's pools answer a statement whose context ended) comes back.
func TestObserverOutcomes(t *testing.T) {
	queryCanceled := fmt.Errorf("apply: %w", &pgconn.PgError{Code: "57014"})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		err  error
		want string
	}{
		{"OK", context.Background(), nil, "ok"},
		{"Error", context.Background(), errors.New("boom"), "error"},
		{"Deadline", context.Background(), fmt.Errorf("q: %w", context.DeadlineExceeded), "timeout"},
		{"QueryCanceledByTheJobTimeout", context.Background(), queryCanceled, "timeout"},
		{"Canceled", cancelled, fmt.Errorf("q: %w", context.Canceled), "cancelled"},
		{"QueryCanceledByStop", cancelled, queryCanceled, "cancelled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			o := jobs.NewObserver(reg)
			_ = o.Work(c.ctx, &rivertype.JobRow{Kind: "k"}, func(context.Context) error { return c.err })
			if got := outcomes(t, reg); len(got) != 1 || got[c.want] != 1 {
				t.Fatalf("outcomes %v, want %s: 1", got, c.want)
			}
		})
	}
}

// outcomes reads takumi_job_runs_total by outcome.
func outcomes(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "takumi_job_runs_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" {
					out[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}
