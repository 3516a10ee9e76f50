package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"takumi/internal/config"
)

// TestMetricsOperatorSet: /metrics carries every metric docs/operations.md
// lists for alerting, and the queue metrics see a job running past its
// timeout.
func TestMetricsOperatorSet(t *testing.T) {
	ta := startApp(t)
	b := ta.newBrowser(t)
	// A pasted credential that is not one: one verification, verdict invalid.
	b.post("/verify", "/verify", url.Values{"credential": {"{}"}})
	// An email job of this (live) instance, running for 40 s: past its
	// 30 s timeout, not yet rescued (timeout + 30 s grace).
	var client string
	if err := ta.DB.Gorm.Raw(`SELECT client_id FROM job_instances LIMIT 1`).Row().Scan(&client); err != nil {
		t.Fatal(err)
	}
	if err := ta.DB.Gorm.Exec(`INSERT INTO river_job (kind, args, queue, max_attempts, priority, state, attempt, attempted_at, attempted_by, scheduled_at)
		VALUES ('send_email', '{}', 'email', 8, 1, 'running', 1, now() - interval '40 seconds', ARRAY[?], now())`, client).Error; err != nil {
		t.Fatal(err)
	}
	var body string
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := ta.scrapeMetrics(t)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("/metrics: %d", r.StatusCode)
		}
		body = r.Body
		if strings.Contains(body, "takumi_job_runs_total{kind=\"progress_apply\"") &&
			strings.Contains(body, `takumi_jobs_running_past_timeout{kind="send_email"} 1`) &&
			!strings.Contains(body, "takumi_progress_last_success_timestamp_seconds 0\n") {
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, name := range []string{
		"takumi_jobs", "takumi_jobs_oldest_available_age_seconds", "takumi_jobs_running_past_timeout", "takumi_jobs_errored",
		"takumi_job_runs_total", "takumi_progress_engine_lag_seconds", "takumi_progress_events_pending",
		"takumi_progress_last_success_timestamp_seconds", "takumi_emails_sent_total", "takumi_emails_failed_total",
		"takumi_db_pool_acquired_connections", "takumi_db_pool_idle_connections", "takumi_db_pool_total_connections",
		"takumi_db_pool_max_connections", "takumi_db_pool_waits_total", "takumi_db_pool_wait_seconds_total",
		"takumi_credentials_issued", "takumi_credentials_verified_total", "takumi_bulk_rows_processed", "takumi_bulk_imports",
		"takumi_metrics_query_errors", "takumi_http_requests_total",
	} {
		if !regexp.MustCompile(`(?m)^` + name + `[{ ]`).MatchString(body) {
			t.Errorf("/metrics has no %s", name)
		}
	}
	for _, want := range []string{
		`takumi_jobs_running_past_timeout{kind="send_email"} 1`,
		`takumi_credentials_verified_total{source="presented",verdict="invalid"} 1`,
		`takumi_metrics_query_errors 0`,
		`takumi_progress_engine_lag_seconds 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// River's own pool (database.JobPoolConns) beside the app's, whose
	// series keep no label (the dashboards and alerts in deploy/ name them).
	for _, re := range []string{
		`(?m)^takumi_db_pool_max_connections\{pool="jobs"\} 4$`,
		`(?m)^takumi_db_pool_total_connections\{pool="jobs"\} [1-4]$`, // River's LISTEN at least
		`(?m)^takumi_db_pool_acquired_connections\{pool="jobs"\} \d+$`,
		`(?m)^takumi_db_pool_idle_connections\{pool="jobs"\} \d+$`,
		`(?m)^takumi_db_pool_waits_total\{pool="jobs"\} \d+$`,
		`(?m)^takumi_db_pool_wait_seconds_total\{pool="jobs"\} \S+$`,
		`(?m)^takumi_db_pool_max_connections [1-9]\d*$`,
	} {
		if !regexp.MustCompile(re).MatchString(body) {
			t.Errorf("/metrics has no line matching %s", re)
		}
	}
	if regexp.MustCompile(`(?m)^takumi_db_pool_\w+\{pool="app"`).MatchString(body) {
		t.Error("the app pool's series gained a pool label")
	}
	m := regexp.MustCompile(`(?m)^takumi_progress_last_success_timestamp_seconds (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no last engine run")
	}
	if v, _ := strconv.ParseFloat(m[1], 64); time.Since(time.Unix(int64(v), 0)) > time.Minute {
		t.Errorf("last engine run %s: the engine runs at start", m[1])
	}
	if t.Failed() {
		t.Logf("%s", body)
	}
}

// TestMetricsNotPublic (issue 15 finding 7): the public address does not
// serve /metrics; with TAKUMI_METRICS_TOKEN it does, only to a request
// bearing the token. The metrics listener's handler serves them.
func TestMetricsNotPublic(t *testing.T) {
	t.Run("NoToken", func(t *testing.T) {
		ta := startApp(t)
		b := ta.newBrowser(t)
		if r := b.get("/metrics"); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "takumi_") {
			t.Fatalf("public /metrics: status %d, want 404 without metrics", r.StatusCode)
		}
		if r := ta.scrapeMetrics(t); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "takumi_http_requests_total") {
			t.Fatalf("metrics listener: status %d", r.StatusCode)
		}
		// Go's profiles: on the metrics listener only (issue 20).
		if r := b.get("/debug/pprof/"); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "goroutine") {
			t.Fatalf("public /debug/pprof/: status %d, want 404", r.StatusCode)
		}
		rec := httptest.NewRecorder()
		ta.App.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/heap?debug=1", nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "heap profile") {
			t.Fatalf("metrics listener /debug/pprof/heap: status %d", rec.Code)
		}
	})
	t.Run("BearerToken", func(t *testing.T) {
		const secret = "s3cret-metrics-token"
		ta := startApp(t, func(c *config.Config) { c.MetricsToken = secret })
		for _, h := range []string{"", "Bearer wrong", "Bearer " + secret + "x", secret} {
			req, _ := http.NewRequest(http.MethodGet, ta.URL+"/metrics", nil)
			if h != "" {
				req.Header.Set("Authorization", h)
			}
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusNotFound {
				t.Errorf("Authorization %q: status %d, want 404", h, r.StatusCode)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, ta.URL+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusOK || !strings.Contains(string(body), "takumi_http_requests_total") {
			t.Fatalf("with the token: status %d", r.StatusCode)
		}
	})
}
