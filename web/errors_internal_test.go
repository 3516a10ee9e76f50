package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// TestErrorClientGone: a request whose client went away (its context
// cancelled, the query failing with "context canceled") is logged as 499 at
// INFO and counted as 499, never as a 500 at ERROR that would fire an
// operator's error-rate alert.
func TestErrorClientGone(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	e := echo.New()
	s := &Server{Deps: Deps{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Metrics: reg},
		echo: e, metrics: newHTTPMetrics(reg)}
	e.HTTPErrorHandler = s.handleError

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client closed the connection
	req := httptest.NewRequest(http.MethodGet, "/orgs/x/roster", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	c := e.NewContext(req, rec)
	c.SetPath("/orgs/:org/roster")
	failing := func(echo.Context) error {
		return fmt.Errorf("roster: %w", fmt.Errorf("timeout: %w", context.Canceled))
	}
	if err := s.logAndMeasure(failing)(c); err != nil {
		t.Fatal(err)
	}
	if rec.Code != StatusClientClosedRequest {
		t.Fatalf("status %d, want 499", rec.Code)
	}
	out := logs.String()
	if strings.Contains(out, `"level":"ERROR"`) || strings.Contains(out, `"status":500`) {
		t.Fatalf("a request abandoned by its client was logged as an error:\n%s", out)
	}
	if !strings.Contains(out, `"level":"INFO","msg":"request abandoned by the client"`) || !strings.Contains(out, `"status":499`) {
		t.Fatalf("want an INFO line with status 499:\n%s", out)
	}
	if got := requestsByStatus(t, reg); len(got) != 1 || got["499"] != 1 {
		t.Fatalf("takumi_http_requests_total by status = %v, want only 499: 1", got)
	}

	t.Run("DeadlineStays503", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 0)
		defer cancel()
		<-ctx.Done()
		if clientGone(ctx) {
			t.Fatal("a timed-out request is not a client gone away")
		}
		if st, _ := statusOf(fmt.Errorf("q: %w", context.DeadlineExceeded)); st != http.StatusServiceUnavailable {
			t.Fatalf("deadline: %d, want 503", st)
		}
	})
	// The database pools cancel a statement whose context ends with a cancel
	// request: the statement fails with query_canceled (57014), not the
	// context's error. A deadline is still a 503, a client gone still 499.
	t.Run("QueryCanceled", func(t *testing.T) {
		qc := fmt.Errorf("roster: %w", &pgconn.PgError{Code: "57014", Message: "canceling statement due to user request"})
		if st, _ := statusOf(qc); st != http.StatusServiceUnavailable {
			t.Fatalf("query_canceled: %d, want 503", st)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := httptest.NewRecorder()
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/orgs/x/roster", nil).WithContext(ctx), rec)
		if err := s.logAndMeasure(func(echo.Context) error { return qc })(c); err != nil {
			t.Fatal(err)
		}
		if rec.Code != StatusClientClosedRequest {
			t.Fatalf("query_canceled of a client gone: %d, want 499", rec.Code)
		}
	})
	t.Run("LiveRequestStays500", func(t *testing.T) {
		if clientGone(context.Background()) {
			t.Fatal("a live request's error is not a client gone away")
		}
		if st, _ := statusOf(errors.New("boom")); st != http.StatusInternalServerError {
			t.Fatalf("internal error: %d, want 500", st)
		}
	})
}

// requestsByStatus sums takumi_http_requests_total by its status label.
func requestsByStatus(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "takumi_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "status" {
					out[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}
