package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"takumi/internal/database"
	"takumi/internal/fixtures"
)

// TestScaleNationalPages measures the national pages at scale (issue 6:
// /progress and /ministry with one filter under 50 ms of server time at
// p95, their JSON under 20 ms) against a running `takumi serve` on the
// database `takumi seed --events N` filled, after the engine caught up.
// Skipped unless TAKUMI_SCALE_BASE_URL (the server, on 127.0.0.1), and
// TAKUMI_SCALE_DATABASE_URL (its database: an analyst account is made
// there) are set; scripts/progress-bench.sh sets them and
// TAKUMI_SCALE_SERVER_LOG, the server's JSON log, from which the server's
// own time of each request (the duration_ms its request log records,
// middleware to response) is read by request id. Client times (over
// loopback) are printed beside them.
func TestScaleNationalPages(t *testing.T) {
	base, dbURL := os.Getenv("TAKUMI_SCALE_BASE_URL"), os.Getenv("TAKUMI_SCALE_DATABASE_URL")
	if base == "" || dbURL == "" {
		t.Skip("TAKUMI_SCALE_BASE_URL and TAKUMI_SCALE_DATABASE_URL are not set (scripts/progress-bench.sh sets them)")
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatal("TAKUMI_SCALE_BASE_URL must be a server on 127.0.0.1")
	}
	quiet := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	db, err := database.Open(context.Background(), dbURL)
	slog.SetDefault(quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ta := &testApp{URL: base, DB: db}

	// An analyst of a ministry (two-factor sign-in, as the role requires).
	const email = "scale-analyst@bench.takumi.localhost"
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Takumi", AccountName: email})
	if err != nil {
		t.Fatal(err)
	}
	db.Gorm.Exec(`DELETE FROM users WHERE email = ? AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = users.id)`, email)
	var id string
	db.Gorm.Raw(`SELECT id FROM users WHERE email = ?`, email).Row().Scan(&id)
	if id == "" {
		id = fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, TOTPSecret: key.Secret(), Name: "分析 担当"})
	} else {
		db.Gorm.Exec(`UPDATE users SET totp_secret = ?, totp_enabled_at = now(), totp_last_step = 0 WHERE id = ?`, key.Secret(), id)
	}
	fixtures.MustAddMember(t, ta.DB, "ベンチマーク省", "ministry", id, "member", true)
	analyst := ta.newBrowser(t)
	analyst.c.Timeout = time.Minute
	ta.signIn(t, analyst, email, fixtures.Password, key.Secret())
	public := ta.newBrowser(t)
	public.c.Timeout = time.Minute

	n := 300
	if v, err := fmt.Sscan(os.Getenv("TAKUMI_SCALE_REQUESTS"), &n); v != 1 || err != nil {
		n = 300
	}
	pages := []struct {
		name string
		b    *browser
		path string
	}{
		{"/progress (public page)", public, "/progress"},
		{"/progress/data.json", public, "/progress/data.json"},
		{"/progress/data.csv", public, "/progress/data.csv"},
		{"/ministry (no filter)", analyst, "/ministry"},
		{"/ministry?prefecture=13", analyst, "/ministry?prefecture=13"},
		{"/ministry?industry=G", analyst, "/ministry?industry=G"},
		{"/ministry?region=Kanto", analyst, "/ministry?region=Kanto"},
		{"/ministry?skill_area=ai_data", analyst, "/ministry?skill_area=ai_data"},
		{"/ministry?segment=engineer", analyst, "/ministry?segment=engineer"},
	}
	type result struct {
		name   string
		status int
		bytes  int
		client []time.Duration
		ids    []string
		nonOK  int
	}
	var results []*result
	for _, p := range pages {
		r := &result{name: p.name}
		results = append(results, r)
		for range 10 { // warm-up: connections, plans, caches
			res := p.b.get(p.path)
			r.status, r.bytes = res.StatusCode, len(res.Body)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		const workers = 2
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += workers {
					req, _ := http.NewRequest(http.MethodGet, p.b.base+p.path, nil)
					t0 := time.Now()
					res, err := p.b.c.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					el := time.Since(t0)
					mu.Lock()
					r.client = append(r.client, el)
					r.ids = append(r.ids, res.Header.Get("X-Request-Id"))
					if res.StatusCode != http.StatusOK {
						r.nonOK++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	server := serverTimes(t, os.Getenv("TAKUMI_SCALE_SERVER_LOG"))
	fmt.Printf("SCALE pages: %d requests each after 10 warm-up, 2 at a time; times in ms (server = the server's request log)\n", n)
	fmt.Printf("SCALE %-30s %6s %9s %8s %8s %8s %8s | %8s %8s\n", "page", "status", "bytes", "srv p50", "srv p95", "srv p99", "srv max", "cli p50", "cli p95")
	for _, r := range results {
		var srv []float64
		for _, id := range r.ids {
			if d, ok := server[id]; ok {
				srv = append(srv, d)
			}
		}
		slices.Sort(srv)
		cli := make([]float64, len(r.client))
		for i, d := range r.client {
			cli[i] = float64(d.Microseconds()) / 1000
		}
		slices.Sort(cli)
		fmt.Printf("SCALE %-30s %6d %9d %8s %8s %8s %8s | %8s %8s  (%d non-200, %d server times)\n", r.name, r.status, r.bytes,
			pctl(srv, 0.5), pctl(srv, 0.95), pctl(srv, 0.99), pctl(srv, 1), pctl(cli, 0.5), pctl(cli, 0.95), r.nonOK, len(srv))
	}
}

// pctl is the p-th percentile of sorted values, as text ("-" for none).
func pctl(sorted []float64, p float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := min(len(sorted)-1, int(float64(len(sorted))*p))
	return fmt.Sprintf("%.1f", sorted[i])
}

// serverTimes reads the server's JSON request log: request id -> duration
// in milliseconds.
func serverTimes(t *testing.T, path string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	if path == "" {
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		t.Logf("server log: %v", err)
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg        string  `json:"msg"`
			RequestID  string  `json:"request_id"`
			DurationMS float64 `json:"duration_ms"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "request" && line.RequestID != "" {
			out[line.RequestID] = line.DurationMS
		}
	}
	return out
}
