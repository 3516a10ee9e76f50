package xapi_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/xapi"
)

// batch makes n statements by n/50 learners on 20 activities and 5 verbs.
func batch(n, offset int) []any {
	out := make([]any, n)
	for i := range out {
		k := offset + i
		out[i] = map[string]any{
			"id":     uuid.NewString(),
			"actor":  map[string]any{"mbox": fmt.Sprintf("mailto:learner%d@example.jp", k/50), "name": "受講者"},
			"verb":   map[string]any{"id": fmt.Sprintf("http://adlnet.gov/expapi/verbs/v%d", k%5), "display": map[string]any{"en-US": "did"}},
			"object": map[string]any{"id": fmt.Sprintf("https://takumi.example/activities/%d", k%20), "definition": map[string]any{"name": map[string]any{"ja": "レッスン"}}},
			"result": map[string]any{"completion": true, "duration": "PT5M"},
			"context": map[string]any{"registration": "6b8a8e1e-0000-4000-8000-000000000001",
				"contextActivities": map[string]any{"parent": []any{map[string]any{"id": "https://takumi.example/courses/1"}}}},
		}
	}
	return out
}

func setup(t testing.TB) (*xapi.Service, *xapi.Client) {
	db := dbtest.New(t)
	orgID := fixtures.MustCreateOrg(t, db, fixtures.Org{NameJa: "性能試験の組織", Kind: "employer"})
	svc := &xapi.Service{DB: db.Gorm, HomePage: "https://takumi.example"}
	c, _, err := svc.NewClient(context.Background(), orgID, "bench", true, true, xapi.V200, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return svc, c
}

// TestStoreAndQuerySpeed stores XAPI_BENCH_BATCHES batches of 1,000
// statements (default 20) and reports statements per second, then the p95
// of a verb+activity query and of one learner's statements. Figures go to
// docs/xapi.md; the test asserts correctness, not speed (a shared machine).
func TestStoreAndQuerySpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("speed measurement")
	}
	svc, c := setup(t)
	ctx := context.Background()
	batches := 20
	if n, err := strconv.Atoi(os.Getenv("XAPI_BENCH_BATCHES")); err == nil && n > 0 {
		batches = n
	}
	start := time.Now()
	for b := 0; b < batches; b++ {
		if _, err := svc.StoreStatements(ctx, c, xapi.V200, batch(1000, b*1000), nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	el := time.Since(start)
	t.Logf("stored %d statements in %s: %.0f statements/s", batches*1000, el.Round(time.Millisecond), float64(batches*1000)/el.Seconds())

	// Fresh statistics, as autovacuum keeps them in a running system.
	if err := svc.DB.Exec(`ANALYZE xapi_statements`).Error; err != nil {
		t.Fatal(err)
	}
	p95 := func(name string, q xapi.Query, want int) {
		var ds []time.Duration
		for i := 0; i < 100; i++ {
			s := time.Now()
			page, err := svc.Statements(ctx, c.OrgID, q)
			if err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(s))
			if len(page.Statements) != want {
				t.Fatalf("%s: %d statements, want %d", name, len(page.Statements), want)
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		t.Logf("%s over %d statements: p50 %s p95 %s", name, batches*1000, ds[50].Round(time.Microsecond), ds[95].Round(time.Microsecond))
	}
	p95("verb+activity, limit 100", xapi.Query{Verb: "http://adlnet.gov/expapi/verbs/v3", Activity: "https://takumi.example/activities/3", Limit: 100}, 100)
	p95("verb+activity+learner", xapi.Query{Verb: "http://adlnet.gov/expapi/verbs/v3", Activity: "https://takumi.example/activities/3", Agent: "mbox:mailto:learner7@example.jp", Limit: 100}, 2)
	p95("one learner (agent)", xapi.Query{Agent: "mbox:mailto:learner7@example.jp", Limit: 100}, 50)
}
