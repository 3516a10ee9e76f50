package reporting_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"takumi/internal/database"
	"takumi/internal/reporting"
)

// cacheFixture writes a programme's daily rollup (the total, prefectures,
// industries and their cross-tabulation, small and large cells, June to
// August 2026) and the monthly rollup the engine keeps beside it.
func cacheFixture(t *testing.T, db *database.DB, programme string, extra int) {
	t.Helper()
	mustExec(t, db, `INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
		SELECT ?, 'industry', 'prefecture', d::date, i, p, (abs(hashtext(i || p || d::text || ?::int::text)) % 7)
		FROM generate_series('2026-06-01'::date, '2026-08-31'::date, '3 days') d,
		     unnest(ARRAY['E', 'G', 'I']) i, unnest(ARRAY['13', '27', '23', '14', '']) p
		WHERE p NOT IN ('23', '14') OR (p = '23' AND d = '2026-06-01') OR (p = '14' AND i = 'E' AND d < '2026-06-10')
		ON CONFLICT (programme_id, d1, d2, day, v1, v2) DO UPDATE SET learners = progress_rollup.learners + EXCLUDED.learners`,
		programme, extra)
	mustExec(t, db, `DELETE FROM progress_rollup WHERE programme_id = ? AND d2 = ''`, programme)
	mustExec(t, db, `INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
		SELECT programme_id, 'industry', '', day, v1, '', sum(learners) FROM progress_rollup WHERE programme_id = ? AND d2 = 'prefecture' GROUP BY 1, 4, 5
		UNION ALL SELECT programme_id, 'prefecture', '', day, v2, '', sum(learners) FROM progress_rollup WHERE programme_id = ? AND d2 = 'prefecture' GROUP BY 1, 4, 5
		UNION ALL SELECT programme_id, '', '', day, '', '', sum(learners) FROM progress_rollup WHERE programme_id = ? AND d2 = 'prefecture' GROUP BY 1, 4`,
		programme, programme, programme)
	mustExec(t, db, `DELETE FROM progress_monthly WHERE programme_id = ?`, programme)
	mustExec(t, db, `INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners)
		SELECT programme_id, d1, d2, date_trunc('month', day)::date, v1, v2, sum(learners) FROM progress_rollup
		WHERE programme_id = ? GROUP BY 1, 2, 3, 4, 5, 6`, programme)
}

// TestDashboardKeepsFiguresForOneState: the dashboard's breakdowns (kept
// per rollup state and shared by every filter value) are those Breakdown
// computes afresh, for every filter; once the engine moves, the new
// figures show.
func TestDashboardKeepsFiguresForOneState(t *testing.T) {
	db, svc, p := ministryFixture(t)
	ctx := context.Background()
	cacheFixture(t, db, p.ID, 0)
	regions, err := svc.LoadRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	filters := []reporting.Filter{
		{}, {Dim: "prefecture", Value: "13"}, {Dim: "prefecture", Value: "23"}, {Dim: "prefecture", Value: "01"},
		{Dim: "region", Value: "Kanto"}, {Dim: "region", Value: "Chubu"}, {Dim: "industry", Value: "E"}, {Dim: "industry", Value: "G"},
	}
	check := func(t *testing.T) {
		t.Helper()
		hidden, secondary := 0, 0
		defer func() {
			if hidden == 0 || secondary == 0 {
				t.Fatalf("%d hidden cells, %d of them complementary: the fixture tests no suppression", hidden, secondary)
			}
		}()
		fresh := reporting.NewService(db.Gorm, 10) // nothing kept
		for _, f := range filters {
			f.Programme, f.From, f.To = p, from, to
			for range 2 { // computed, then kept
				d, err := svc.Dashboard(ctx, reporting.DashboardQuery{Filter: f, Regions: regions,
					Compare: reporting.Compare{Dim: "prefecture", A: "13", B: "27"}})
				if err != nil {
					t.Fatal(err)
				}
				for i, dim := range reporting.BreakdownDims(f) {
					want, err := fresh.Breakdown(ctx, f, dim, regions)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range want.Rows {
						if r.Cell.Hidden {
							hidden++
							if r.Cell.Secondary {
								secondary++
							}
						}
					}
					if !reflect.DeepEqual(d.Breakdowns[i], want) {
						t.Fatalf("filter %s=%s, breakdown by %s:\n got %+v\nwant %+v", f.Dim, f.Value, dim, d.Breakdowns[i], want)
					}
				}
				wantFunnel, err := fresh.Funnel(ctx, f, regions)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(d.Funnel, wantFunnel) {
					t.Fatalf("filter %s=%s: funnel %+v, want %+v", f.Dim, f.Value, d.Funnel, wantFunnel)
				}
			}
		}
	}
	t.Run("SameAsFresh", check)
	t.Run("ConcurrentMisses", func(t *testing.T) {
		// Every filter at once, twice, right after the state moved: the
		// requests that miss together share one computation of each table
		// (singleflight), and each still gets its own row, as fresh.
		cacheFixture(t, db, p.ID, 2)
		mustExec(t, db, `UPDATE progress_engine_state SET cursor_id = cursor_id + 1, applied = applied + 1, updated_at = now()`)
		fresh := reporting.NewService(db.Gorm, 10)
		var wg sync.WaitGroup
		errs := make(chan error, 2*len(filters))
		for range 2 {
			for _, f := range filters {
				f.Programme, f.From, f.To = p, from, to
				wg.Go(func() {
					d, err := svc.Dashboard(ctx, reporting.DashboardQuery{Filter: f, Regions: regions})
					if err != nil {
						errs <- err
						return
					}
					for i, dim := range reporting.BreakdownDims(f) {
						want, err := fresh.Breakdown(ctx, f, dim, regions)
						if err != nil {
							errs <- err
							return
						}
						if !reflect.DeepEqual(d.Breakdowns[i], want) {
							errs <- fmt.Errorf("filter %s=%s, breakdown by %s:\n got %+v\nwant %+v", f.Dim, f.Value, dim, d.Breakdowns[i], want)
							return
						}
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
	t.Run("AfterTheEngineMoves", func(t *testing.T) {
		before, err := svc.Breakdown(ctx, reporting.Filter{Programme: p, From: from, To: to, Dim: "prefecture", Value: "13"}, "industry", regions)
		if err != nil {
			t.Fatal(err)
		}
		cacheFixture(t, db, p.ID, 1) // more learners everywhere
		mustExec(t, db, `UPDATE progress_engine_state SET cursor_id = cursor_id + 1, applied = applied + 1, updated_at = now()`)
		if err := reporting.RefreshLearnerStats(ctx, db.Gorm); err != nil {
			t.Fatal(err)
		}
		check(t)
		after, err := svc.Breakdown(ctx, reporting.Filter{Programme: p, From: from, To: to, Dim: "prefecture", Value: "13"}, "industry", regions)
		if err != nil {
			t.Fatal(err)
		}
		if reflect.DeepEqual(before, after) {
			t.Fatal("the new rows changed nothing: the test proves nothing")
		}
	})
}

// TestSeriesMonthsFromTheMonthlyRollup: a series by month over whole months
// (read from the monthly rollup) is the daily rollup summed by month.
func TestSeriesMonthsFromTheMonthlyRollup(t *testing.T) {
	db, svc, p := ministryFixture(t)
	ctx := context.Background()
	cacheFixture(t, db, p.ID, 0)
	regions, err := svc.LoadRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []reporting.Filter{{}, {Dim: "prefecture", Value: "13"}, {Dim: "region", Value: "Kanto"}, {Dim: "industry", Value: "G"}} {
		f.Programme, f.From, f.To = p, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)
		pts, total, err := svc.Series(ctx, f, "month", regions)
		if err != nil {
			t.Fatal(err)
		}
		var want []struct {
			Period time.Time
			N      int64
		}
		q := `SELECT date_trunc('month', day)::date AS period, sum(learners) AS n FROM progress_rollup
			WHERE programme_id = ? AND day BETWEEN '2026-07-01' AND '2026-08-31' AND d2 = '' AND d1 = ? AND v1 = ANY (?::text[]) GROUP BY 1 ORDER BY 1`
		values := []string{f.Value}
		if f.Dim == "region" {
			values = regions[f.Value]
		}
		dim := f.Dim
		if dim == "region" {
			dim = "prefecture"
		}
		if f.Dim == "" {
			values = []string{""}
		}
		if err := db.Gorm.Raw(q, p.ID, dim, database.Array(values)).Scan(&want).Error; err != nil {
			t.Fatal(err)
		}
		if len(pts) != len(want) || len(pts) != 2 {
			t.Fatalf("filter %s=%s: %d months, want %d", f.Dim, f.Value, len(pts), len(want))
		}
		var sum int64
		for i := range pts {
			if !pts[i].Period.Equal(want[i].Period) || pts[i].Cell.N != want[i].N {
				t.Fatalf("filter %s=%s month %d: %v %d, want %v %d", f.Dim, f.Value, i, pts[i].Period, pts[i].Cell.N, want[i].Period, want[i].N)
			}
			sum += want[i].N
		}
		if total.N != sum {
			t.Fatalf("filter %s=%s: total %d, want %d", f.Dim, f.Value, total.N, sum)
		}
	}
}
