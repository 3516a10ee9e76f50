package progress_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/jst"
	"takumi/internal/learning"
	"takumi/internal/progress"
)

// world is a small nation: learners with dimensions, courses in two skill
// areas, and two programmes.
type world struct {
	db       *database.DB
	learners []string
	courses  []string // [0,1] ai_data, [2] cybersecurity, [3] cloud
	flagship string
	cyber    string
}

func newWorld(t *testing.T, learners int) *world {
	t.Helper()
	db := dbtest.New(t)
	w := &world{db: db}
	g := db.Gorm
	var provider string
	g.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('進捗テスト機関', 'provider') RETURNING id`).Row().Scan(&provider)
	for i, area := range []string{"ai_data", "ai_data", "cybersecurity", "cloud"} {
		var id string
		if err := g.Raw(`INSERT INTO courses (provider_id, code, status, skill_area_code) VALUES (?, ?, 'published', ?) RETURNING id`,
			provider, fmt.Sprintf("progress-%d", i), area).Row().Scan(&id); err != nil {
			t.Fatal(err)
		}
		w.courses = append(w.courses, id)
	}
	prefs := []string{"13", "27", "23", "01", "47"}
	inds := []string{"E", "G", "I", "P"}
	segs := []string{"engineer", "developer", "other"}
	for i := range learners {
		var id string
		if err := g.Raw(`INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment, privacy_notice_version, consented_at)
			VALUES (?, 'x', '受講者', ?, ?, ?, '2026-11', now()) RETURNING id`, fmt.Sprintf("p%d@example.jp", i),
			prefs[i%len(prefs)], inds[i%len(inds)], segs[i%len(segs)]).Row().Scan(&id); err != nil {
			t.Fatal(err)
		}
		w.learners = append(w.learners, id)
	}
	g.Raw(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('ai-ready', 'AI人材100万人', '1,000,000 AI-ready workers', 1000000, '2026-01-01', '2030-12-31', true, '{ai_data,generative_ai}') RETURNING id`).Row().Scan(&w.flagship)
	g.Raw(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, course_ids)
		VALUES ('cyber', 'セキュリティ人材', 'Cybersecurity workforce', 50000, '2026-01-01', '2028-03-31', ARRAY[?]::uuid[]) RETURNING id`, w.courses[2]).Row().Scan(&w.cyber)
	return w
}

// append writes one event in tx.
func appendEvent(ctx context.Context, tx *gorm.DB, typ, user, course string, at time.Time, credential string) error {
	ev := learning.Event{Type: typ, UserID: user, CourseID: course, At: at}
	if credential != "" {
		ev.Details = map[string]any{"credential_id": credential}
	}
	return learning.AppendEvent(ctx, tx, ev)
}

// engineModes runs a test with the engine applying batches event by event
// (Go) and with bulk steps (set-wise SQL, bulk.go) forced on tiny chunks.
type engineMode func(g *gorm.DB, batch int) *progress.Engine

func engineModes(t *testing.T, run func(t *testing.T, newEngine engineMode)) {
	t.Run("batches", func(t *testing.T) {
		run(t, func(g *gorm.DB, batch int) *progress.Engine { return progress.NewEngine(g, batch).WithBulk(0, 0) })
	})
	t.Run("bulk", func(t *testing.T) {
		run(t, func(g *gorm.DB, batch int) *progress.Engine {
			return progress.NewEngine(g, batch).WithBulk(1, 1+20*batch)
		})
	})
}

func TestEngineCountsOnceAndRevocationUncounts(t *testing.T) {
	engineModes(t, testCountsOnce)
}

func testCountsOnce(t *testing.T, newEngine engineMode) {
	w := newWorld(t, 3)
	ctx := context.Background()
	g := w.db.Gorm
	en := newEngine(g, 100)
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, jst.Location)
	c1, c2 := uuid.NewString(), uuid.NewString()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(g.Transaction(func(tx *gorm.DB) error {
		must(appendEvent(ctx, tx, "enrolled", w.learners[0], w.courses[0], at, ""))
		must(appendEvent(ctx, tx, "course_completed", w.learners[0], w.courses[0], at, ""))
		must(appendEvent(ctx, tx, "credential_issued", w.learners[0], w.courses[0], at, c1))
		// A second qualifying credential later does not count the learner twice.
		return appendEvent(ctx, tx, "credential_issued", w.learners[0], w.courses[1], at.Add(48*time.Hour), c2)
	}))
	_, err := en.CatchUp(ctx)
	must(err)
	total := func(programme string) int64 {
		var n int64
		must(g.Raw(`SELECT coalesce(sum(learners), 0) FROM progress_rollup WHERE programme_id = ? AND d1 = '' AND d2 = ''`, programme).Scan(&n).Error)
		return n
	}
	if got := total(w.flagship); got != 1 {
		t.Fatalf("flagship counts %d, want 1 unique learner", got)
	}
	if got := total(w.cyber); got != 0 {
		t.Fatalf("cyber counts %d, want 0", got)
	}
	// Revoking the first credential moves the learner to the day of the second.
	must(g.Transaction(func(tx *gorm.DB) error {
		return appendEvent(ctx, tx, "credential_revoked", w.learners[0], w.courses[0], at.Add(72*time.Hour), c1)
	}))
	_, err = en.CatchUp(ctx)
	must(err)
	var day time.Time
	must(g.Raw(`SELECT day FROM progress_rollup WHERE programme_id = ? AND d1 = '' AND learners > 0`, w.flagship).Scan(&day).Error)
	if got := total(w.flagship); got != 1 || day.Format(time.DateOnly) != "2026-06-03" {
		t.Fatalf("after revoking the first credential: %d learners on %s, want 1 on 2026-06-03", got, day.Format(time.DateOnly))
	}
	must(g.Transaction(func(tx *gorm.DB) error {
		return appendEvent(ctx, tx, "credential_revoked", w.learners[0], w.courses[1], at.Add(96*time.Hour), c2)
	}))
	_, err = en.CatchUp(ctx)
	must(err)
	if got := total(w.flagship); got != 0 {
		t.Fatalf("after revoking both: %d, want 0", got)
	}
	res, err := progress.Reconcile(ctx, g)
	must(err)
	if len(res.Differences) != 0 {
		t.Fatalf("reconcile: %v", res.Differences)
	}
	// Outside the programme's dates nothing counts.
	must(g.Transaction(func(tx *gorm.DB) error {
		return appendEvent(ctx, tx, "credential_issued", w.learners[1], w.courses[2], time.Date(2028, 4, 1, 0, 0, 0, 0, jst.Location), uuid.NewString())
	}))
	_, err = en.CatchUp(ctx)
	must(err)
	if got := total(w.cyber); got != 0 {
		t.Fatalf("a credential after the programme ended counted: %d", got)
	}
	// Reconcile notices a tampered rollup.
	must(g.Exec(`UPDATE activity_rollup SET n = n + 1 WHERE metric = 'enrolments' AND d1 = '' AND d2 = ''`).Error)
	res, err = progress.Reconcile(ctx, g)
	must(err)
	if len(res.Differences) != 1 {
		t.Fatalf("reconcile after tampering: %v, want exactly one difference", res.Differences)
	}
}

// TestEngineConcurrentWorkloadWithKills runs random writers (some holding
// their transactions open so that ids commit out of order, some rolling
// back) while the engine is repeatedly killed mid-transaction and
// restarted; afterwards reconcile must find no difference and the totals
// must equal a direct count from the base tables.
func TestEngineConcurrentWorkloadWithKills(t *testing.T) {
	engineModes(t, testWorkloadWithKills)
}

func testWorkloadWithKills(t *testing.T, newEngine engineMode) {
	w := newWorld(t, 40)
	ctx := context.Background()
	g := w.db.Gorm
	type cred struct{ id, user, course string }
	var mu sync.Mutex
	var issued []cred

	stop := make(chan struct{})
	var writers sync.WaitGroup
	for wi := range 6 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			r := rand.New(rand.NewPCG(uint64(wi), 42))
			for range 60 {
				user := w.learners[r.IntN(len(w.learners))]
				course := w.courses[r.IntN(len(w.courses))]
				at := time.Date(2026, time.Month(1+r.IntN(11)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, jst.Location)
				rollback := r.IntN(8) == 0
				var mine []cred
				err := g.Transaction(func(tx *gorm.DB) error {
					for range 1 + r.IntN(4) {
						switch k := r.IntN(10); {
						case k < 4:
							if err := appendEvent(ctx, tx, "enrolled", user, course, at, ""); err != nil {
								return err
							}
						case k < 6:
							if err := appendEvent(ctx, tx, "course_completed", user, course, at, ""); err != nil {
								return err
							}
						case k < 9:
							c := cred{uuid.NewString(), user, course}
							if err := appendEvent(ctx, tx, "credential_issued", user, course, at, c.id); err != nil {
								return err
							}
							mine = append(mine, c)
						default:
							mu.Lock()
							if len(issued) > 0 {
								c := issued[r.IntN(len(issued))]
								mu.Unlock()
								if err := appendEvent(ctx, tx, "credential_revoked", c.user, c.course, at, c.id); err != nil {
									return err
								}
							} else {
								mu.Unlock()
							}
						}
					}
					if r.IntN(4) == 0 {
						time.Sleep(time.Duration(r.IntN(30)) * time.Millisecond) // hold the transaction open
					}
					if rollback {
						return errors.New("rollback")
					}
					return nil
				})
				if err == nil {
					mu.Lock()
					issued = append(issued, mine...)
					mu.Unlock()
				}
			}
		}()
	}
	var engines sync.WaitGroup
	engines.Add(1)
	kills := 0
	go func() {
		defer engines.Done()
		r := rand.New(rand.NewPCG(7, 7))
		for {
			select {
			case <-stop:
				return
			default:
			}
			// A fresh engine each round, killed after a random moment.
			en := newEngine(g, 1+r.IntN(25))
			kctx, cancel := context.WithTimeout(ctx, time.Duration(1+r.IntN(15))*time.Millisecond)
			_, err := en.CatchUp(kctx)
			if err != nil {
				kills++
			}
			cancel()
		}
	}()
	writers.Wait()
	close(stop)
	engines.Wait()
	if _, err := newEngine(g, 50).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("engine killed mid-way %d times", kills)

	res, err := progress.Reconcile(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Differences) > 0 {
		for i, d := range res.Differences {
			if i < 20 {
				t.Error(d)
			}
		}
		t.Fatalf("reconcile found %d differences", len(res.Differences))
	}
	var applied, logged int64
	g.Raw(`SELECT applied FROM progress_engine_state`).Scan(&applied)
	g.Raw(`SELECT count(*) FROM learning_events`).Scan(&logged)
	if applied != logged {
		t.Fatalf("engine applied %d events, the log holds %d", applied, logged)
	}
	// The headline, straight from the base data.
	var direct, rolled int64
	g.Raw(`SELECT count(DISTINCT e.user_id) FROM learning_events e, programmes p
		WHERE p.id = ? AND e.event_type = 'credential_issued' AND e.skill_area = ANY (p.skill_areas)
		AND NOT EXISTS (SELECT 1 FROM learning_events r WHERE r.event_type = 'credential_revoked' AND r.details->>'credential_id' = e.details->>'credential_id')`,
		w.flagship).Scan(&direct)
	g.Raw(`SELECT coalesce(sum(learners), 0) FROM progress_rollup WHERE programme_id = ? AND d1 = '' AND d2 = ''`, w.flagship).Scan(&rolled)
	if direct != rolled || direct == 0 {
		t.Fatalf("flagship: rollup %d, direct count %d", rolled, direct)
	}
	// Every breakdown sums to the total.
	var byPref int64
	g.Raw(`SELECT coalesce(sum(learners), 0) FROM progress_rollup WHERE programme_id = ? AND d1 = 'prefecture' AND d2 = ''`, w.flagship).Scan(&byPref)
	if byPref != rolled {
		t.Fatalf("by prefecture sums to %d, total %d", byPref, rolled)
	}
}
