package bulkenrol_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"takumi/internal/bulkenrol"
)

// TestBulkBenchmark measures a 100,000-row file (half existing accounts,
// half new addresses; self-paced and cohort rows) : the dry run, then the
// real run, while a learner-style query runs alongside and its latency is
// recorded. Run by scripts/bulk-bench.sh (TAKUMI_BULK_BENCH=1; the row
// count can be changed with TAKUMI_BULK_ROWS).
func TestBulkBenchmark(t *testing.T) {
	if os.Getenv("TAKUMI_BULK_BENCH") == "" {
		t.Skip("set TAKUMI_BULK_BENCH=1 (or run scripts/bulk-bench.sh) to measure bulk enrolment")
	}
	rows := 100_000
	if n, err := strconv.Atoi(os.Getenv("TAKUMI_BULK_ROWS")); err == nil && n > 0 {
		rows = n
	}
	w := bulkSetup(t)
	ctx := context.Background()
	var mu sync.Mutex
	stages := map[string]time.Duration{}
	w.bulk.Trace = func(stage string, d time.Duration) {
		mu.Lock()
		stages[stage] += d
		mu.Unlock()
	}
	logStages := func(what string) {
		mu.Lock()
		defer mu.Unlock()
		names := make([]string, 0, len(stages))
		for n := range stages {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t.Logf("  %s %s: %v", what, n, stages[n].Round(time.Millisecond))
		}
		clear(stages)
	}
	admin := bulkenrol.Actor{UserID: w.adminID}
	w.db.Gorm.Exec(`UPDATE cohorts SET capacity = 100000 WHERE id = ?`, w.openCohort)

	// Half the rows are people with an account: created with COPY.
	existing := rows / 2
	start := time.Now()
	_, err := w.db.Pool.CopyFrom(ctx, pgx.Identifier{"users"},
		[]string{"email", "password_hash", "display_name", "prefecture_code", "industry_code", "segment", "privacy_notice_version", "consented_at"},
		pgx.CopyFromSlice(existing, func(i int) ([]any, error) {
			return []any{fmt.Sprintf("staff%06d@bench.example.jp", i), "x", fmt.Sprintf("社員 %d", i),
				fmt.Sprintf("%02d", i%47+1), string(rune('A' + i%20)), []string{"engineer", "developer", "other"}[i%3], "2026-11", time.Now()}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	w.db.Gorm.Exec("ANALYZE users")
	t.Logf("created %d existing accounts with COPY in %v", existing, time.Since(start).Round(time.Millisecond))

	var csv bytes.Buffer
	csv.WriteString(bulkHeader)
	for i := 0; i < rows; i++ {
		email := fmt.Sprintf("staff%06d@bench.example.jp", i)
		if i >= existing {
			email = fmt.Sprintf("new%06d@bench.example.jp", i)
		}
		course, cohort := "bulk-prov/bulk-self", ""
		if i%10 == 0 {
			course, cohort = "bulk-cohort", w.openCohort
		}
		fmt.Fprintf(&csv, "%s,社員 %d,%02d,%c,engineer,%s,%s\n", email, i, i%47+1, 'A'+i%20, course, cohort)
	}
	data := csv.Bytes()
	t.Logf("CSV: %d rows, %.1f MB", rows, float64(len(data))/(1<<20))

	start = time.Now()
	rep, err := w.bulk.DryRun(ctx, admin, w.orgID, "bench.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	dry := time.Since(start)
	if !rep.OK() || rep.Enrol != rows {
		t.Fatalf("dry run %+v (first errors %v)", rep, rep.Errors[:min(5, len(rep.Errors))])
	}
	t.Logf("dry run: %v (%d to enrol or invite)", dry.Round(time.Millisecond), rep.Enrol)
	logStages("dry run")

	imp, err := w.bulk.StartImport(ctx, admin, w.orgID, rep.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	// A learner's "my learning"-style query, every 20 ms, during the import.
	stop := make(chan struct{})
	var lat []time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			s := time.Now()
			var n int
			w.db.Pool.QueryRow(ctx, `SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id
				WHERE u.email = $1 AND e.status <> 'withdrawn'`, fmt.Sprintf("staff%06d@bench.example.jp", i%existing)).Scan(&n)
			lat = append(lat, time.Since(s))
		}
	}()
	start = time.Now()
	if err := w.bulk.RunImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	run := time.Since(start)
	close(stop)
	wg.Wait()
	done, _ := w.bulk.Import(ctx, admin, w.orgID, imp.ID)
	if done.Status != bulkenrol.ImportDone || done.Enrolled != existing || done.Invited != rows-existing {
		t.Fatalf("import %+v", done)
	}
	var events, invitations, jobs int
	w.db.Gorm.Raw(`SELECT count(*) FROM learning_events`).Row().Scan(&events)
	w.db.Gorm.Raw(`SELECT count(*) FROM invitations`).Row().Scan(&invitations)
	w.db.Gorm.Raw(`SELECT count(*) FROM river_job WHERE kind = 'send_email'`).Row().Scan(&jobs)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*q)].Round(100 * time.Microsecond)
	}
	t.Logf("import: %v (%d enrolled, %d invited; %d events, %d invitations, %d emails queued)",
		run.Round(time.Millisecond), done.Enrolled, done.Invited, events, invitations, jobs)
	logStages("import")
	t.Logf("learner query during the import: %d samples, p50 %v, p99 %v, max %v", len(lat), p(0.5), p(0.99), p(1))
	if rows >= 100_000 {
		if dry > 10*time.Second {
			t.Errorf("dry run took %v, budget 10 s", dry)
		}
		if run > 60*time.Second {
			t.Errorf("import took %v, budget 60 s", run)
		}
	}
}
