package progress

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Bulk catch-up. When the engine is far behind (a restore, a first start on
// an imported history, the scale data set), applying the log 5,000 events at
// a time costs one round of rollup upserts per batch: about 7,000 events a
// second on two cores, two hours for 50 million events. A bulk step applies
// a whole chunk of the log (up to a million events) with set-based SQL in
// one transaction instead: the same rules as apply (the Go code), written a
// second time in SQL — the two are checked against each other by
// Reconcile, which replays the log through the Go rules, and by the
// engine tests, which run the randomised workload with bulk steps forced.
//
// Semantics kept exactly:
//   - activity metrics: one count per event of a counted type, keyed by its
//     Tokyo day and its dimensions ('' when unknown);
//   - first-time learner metrics: a learner's first event of the type in the
//     engine's (xact_id, id) order, when learner_activity has none yet;
//   - learner_activity: firsts as above, last activity the latest
//     occurred_at, prefecture/industry/segment from the learner's last
//     event in the engine's order;
//   - achievements: for every learner with a credential event in the chunk,
//     the counting rule (achievementsSQL) over the whole log, and the
//     rollups move by the rows that changed (daily and monthly).

// DefaultBulkMin is the backlog from which CatchUp applies the log in bulk
// steps; DefaultBulkChunk is the size of one bulk step.
const (
	DefaultBulkMin   = 200_000
	DefaultBulkChunk = 1_000_000
)

// WithBulk sets the backlog (in events) from which Step applies a chunk of
// up to chunk events set-wise; min <= 0 turns bulk steps off.
func (en *Engine) WithBulk(min, chunk int) *Engine {
	if chunk <= 0 {
		chunk = DefaultBulkChunk
	}
	en.bulkMin, en.bulkChunk = min, chunk
	return en
}

// bulkDue reports whether a step that found read events (up to a batch)
// should go set-wise: at least en.bulkMin events wait below the horizon.
func (en *Engine) bulkDue(tx *gorm.DB, read int, cursorXact string, cursorID int64, horizon string) (bool, error) {
	if en.bulkMin <= 0 {
		return false, nil
	}
	if read >= en.bulkMin {
		return true, nil
	}
	if read < en.batch { // the batch took every waiting event
		return false, nil
	}
	var n int
	err := tx.Raw(`SELECT count(*) FROM (SELECT 1 FROM learning_events
		WHERE (xact_id, id) > (?::xid8, ?) AND xact_id < ?::xid8
		ORDER BY learning_events.xact_id, learning_events.id OFFSET ? LIMIT 1) x`,
		cursorXact, cursorID, horizon, en.bulkMin-1).Scan(&n).Error
	return n > 0, err
}

// bulkApply applies up to en.bulkChunk events after the cursor and below the
// horizon, set-wise, and moves the cursor. It runs inside Step's
// transaction (engine lock and cursor row held) and returns how many
// events it applied.
func (en *Engine) bulkApply(ctx context.Context, tx *gorm.DB, cursorXact string, cursorID int64, horizon string) (int, error) {
	db := tx.WithContext(ctx)
	var end struct {
		XactID string
		ID     int64
	}
	// The chunk's last event: the chunk-th after the cursor, or the last
	// one below the horizon.
	if err := db.Raw(`SELECT xact_id::text AS xact_id, id FROM (
			(SELECT xact_id, id FROM learning_events WHERE (xact_id, id) > (?::xid8, ?) AND xact_id < ?::xid8
			 ORDER BY learning_events.xact_id, learning_events.id OFFSET ? LIMIT 1)
			UNION ALL
			(SELECT xact_id, id FROM learning_events WHERE (xact_id, id) > (?::xid8, ?) AND xact_id < ?::xid8
			 ORDER BY learning_events.xact_id DESC, learning_events.id DESC LIMIT 1)) x
		ORDER BY x.xact_id, x.id LIMIT 1`,
		cursorXact, cursorID, horizon, en.bulkChunk-1, cursorXact, cursorID, horizon).Scan(&end).Error; err != nil {
		return 0, err
	}
	if end.XactID == "" {
		return 0, nil
	}
	steps := []struct{ what, sql string }{
		// Hash aggregates of a million rows want more than the default 4 MB.
		{"work_mem", `SET LOCAL work_mem = '256MB'`},
		{"chunk", `CREATE TEMP TABLE bulk_events ON COMMIT DROP AS
			SELECT xact_id, id, occurred_at, (occurred_at AT TIME ZONE 'Asia/Tokyo')::date AS day, event_type, user_id,
			       coalesce(industry::text, '') AS industry, coalesce(prefecture::text, '') AS prefecture,
			       provider_id::text AS provider, coalesce(segment, '') AS segment, coalesce(skill_area, '') AS skill_area
			FROM learning_events
			WHERE (xact_id, id) > (?::xid8, ?) AND (xact_id, id) <= (?::xid8, ?)`},
		{"analyze", `ANALYZE bulk_events`},
		// Each learner's first event of each first-time type in the chunk.
		{"firsts", `CREATE TEMP TABLE bulk_firsts ON COMMIT DROP AS
			SELECT DISTINCT ON (user_id, event_type) user_id, event_type, occurred_at, day,
			       industry, prefecture, provider, segment, skill_area
			FROM bulk_events WHERE event_type IN ('enrolled', 'course_completed', 'credential_issued')
			ORDER BY user_id, event_type, xact_id, id`},
		{"activity", `INSERT INTO activity_rollup (metric, d1, d2, day, v1, v2, n)
			SELECT metric, ` + keyColumns + `, count(*)
			FROM (SELECT CASE event_type WHEN 'enrolled' THEN 'enrolments' WHEN 'course_completed' THEN 'completions'
			             WHEN 'credential_issued' THEN 'credentials' WHEN 'credential_revoked' THEN 'revocations'
			             ELSE 'withdrawals' END AS metric, day, industry, prefecture, provider, segment, skill_area
			      FROM bulk_events
			      WHERE event_type IN ('enrolled', 'course_completed', 'credential_issued', 'credential_revoked', 'withdrawn')
			      UNION ALL
			      SELECT CASE f.event_type WHEN 'enrolled' THEN 'learners_enrolled' WHEN 'course_completed' THEN 'learners_completed'
			             ELSE 'learners_credentialed' END, f.day, f.industry, f.prefecture, f.provider, f.segment, f.skill_area
			      FROM bulk_firsts f LEFT JOIN learner_activity la ON la.user_id = f.user_id
			      WHERE CASE f.event_type WHEN 'enrolled' THEN la.first_enrolled_at WHEN 'course_completed' THEN la.first_completed_at
			            ELSE la.first_credentialed_at END IS NULL) x
			GROUP BY metric, day, ` + groupingSets + `
			ON CONFLICT (metric, d1, d2, day, v1, v2) DO UPDATE SET n = activity_rollup.n + EXCLUDED.n`},
		{"learners", `INSERT INTO learner_activity (user_id, prefecture, industry, segment,
				first_enrolled_at, first_completed_at, first_credentialed_at, last_active_at)
			SELECT l.user_id, l.prefecture, l.industry, l.segment,
			       coalesce(la.first_enrolled_at, fe.occurred_at), coalesce(la.first_completed_at, fc.occurred_at),
			       coalesce(la.first_credentialed_at, fr.occurred_at), greatest(la.last_active_at, m.last_active)
			FROM (SELECT DISTINCT ON (user_id) user_id, prefecture, industry, segment FROM bulk_events
			      ORDER BY user_id, xact_id DESC, id DESC) l
			JOIN (SELECT user_id, max(occurred_at) AS last_active FROM bulk_events GROUP BY user_id) m ON m.user_id = l.user_id
			LEFT JOIN learner_activity la ON la.user_id = l.user_id
			LEFT JOIN bulk_firsts fe ON fe.user_id = l.user_id AND fe.event_type = 'enrolled'
			LEFT JOIN bulk_firsts fc ON fc.user_id = l.user_id AND fc.event_type = 'course_completed'
			LEFT JOIN bulk_firsts fr ON fr.user_id = l.user_id AND fr.event_type = 'credential_issued'
			ON CONFLICT (user_id) DO UPDATE SET prefecture = EXCLUDED.prefecture, industry = EXCLUDED.industry,
			segment = EXCLUDED.segment, first_enrolled_at = EXCLUDED.first_enrolled_at,
			first_completed_at = EXCLUDED.first_completed_at, first_credentialed_at = EXCLUDED.first_credentialed_at,
			last_active_at = EXCLUDED.last_active_at`},
		// Achievements of every learner with a credential event in the chunk.
		{"credential learners", `CREATE TEMP TABLE bulk_users ON COMMIT DROP AS
			SELECT DISTINCT user_id FROM bulk_events WHERE event_type IN ('credential_issued', 'credential_revoked')`},
		{"analyze learners", `ANALYZE bulk_users`},
		{"achievements", `CREATE TEMP TABLE bulk_ach ON COMMIT DROP AS
			SELECT programme_id, user_id, credential_id::uuid AS credential_id, achieved_at,
			       prefecture, industry, skill_area, segment, provider
			FROM (` + fmt.Sprintf(achievementsSQL, "e.user_id IN (SELECT user_id FROM bulk_users)") + `) a`},
		{"changes", `CREATE TEMP TABLE bulk_changes ON COMMIT DROP AS
			SELECT b.programme_id, b.achieved_at, b.industry, b.prefecture, b.provider, b.segment, b.skill_area, -1 AS n
			FROM programme_achievements b JOIN bulk_users u ON u.user_id = b.user_id
			WHERE NOT EXISTS (SELECT 1 FROM bulk_ach a WHERE ` + sameAchievement + `)
			UNION ALL
			SELECT a.programme_id, a.achieved_at, a.industry, a.prefecture, a.provider, a.segment, a.skill_area, 1
			FROM bulk_ach a
			WHERE NOT EXISTS (SELECT 1 FROM programme_achievements b WHERE ` + sameAchievement + `)`},
		{"gone", `DELETE FROM programme_achievements b USING bulk_users u
			WHERE b.user_id = u.user_id
			  AND NOT EXISTS (SELECT 1 FROM bulk_ach a WHERE a.programme_id = b.programme_id AND a.user_id = b.user_id)`},
		{"kept", `INSERT INTO programme_achievements (programme_id, user_id, credential_id, achieved_at,
				prefecture, industry, skill_area, segment, provider)
			SELECT programme_id, user_id, credential_id, achieved_at, prefecture, industry, skill_area, segment, provider FROM bulk_ach
			ON CONFLICT (programme_id, user_id) DO UPDATE SET credential_id = EXCLUDED.credential_id,
			achieved_at = EXCLUDED.achieved_at, prefecture = EXCLUDED.prefecture, industry = EXCLUDED.industry,
			skill_area = EXCLUDED.skill_area, segment = EXCLUDED.segment, provider = EXCLUDED.provider
			WHERE (programme_achievements.credential_id, programme_achievements.achieved_at, programme_achievements.prefecture,
			       programme_achievements.industry, programme_achievements.skill_area, programme_achievements.segment,
			       programme_achievements.provider)
			  IS DISTINCT FROM (EXCLUDED.credential_id, EXCLUDED.achieved_at, EXCLUDED.prefecture, EXCLUDED.industry,
			       EXCLUDED.skill_area, EXCLUDED.segment, EXCLUDED.provider)`},
		{"progress", `INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
			SELECT programme_id, ` + keyColumns + `, sum(n)
			FROM (SELECT programme_id, (achieved_at AT TIME ZONE 'Asia/Tokyo')::date AS day,
			             industry, prefecture, provider, segment, skill_area, n FROM bulk_changes) x
			GROUP BY programme_id, day, ` + groupingSets + `
			HAVING sum(n) <> 0
			ON CONFLICT (programme_id, d1, d2, day, v1, v2) DO UPDATE SET learners = progress_rollup.learners + EXCLUDED.learners`},
		{"monthly", `INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners)
			SELECT programme_id, ` + strings.Replace(keyColumns, "day", "month", 1) + `, sum(n)
			FROM (SELECT programme_id, date_trunc('month', achieved_at AT TIME ZONE 'Asia/Tokyo')::date AS month,
			             industry, prefecture, provider, segment, skill_area, n FROM bulk_changes) x
			GROUP BY programme_id, month, ` + groupingSets + `
			HAVING sum(n) <> 0
			ON CONFLICT (programme_id, d1, d2, month, v1, v2) DO UPDATE SET learners = progress_monthly.learners + EXCLUDED.learners`},
	}
	var applied int
	for _, s := range steps {
		var args []any
		if s.what == "chunk" {
			args = []any{cursorXact, cursorID, end.XactID, end.ID}
		}
		q := db.Exec(s.sql, args...)
		if q.Error != nil {
			return 0, fmt.Errorf("bulk step %s: %w", s.what, q.Error)
		}
		if s.what == "chunk" {
			applied = int(q.RowsAffected)
		}
	}
	if err := db.Exec(`UPDATE progress_engine_state SET cursor_xact = ?::xid8, cursor_id = ?, applied = applied + ?, updated_at = now()
		WHERE id = 1`, end.XactID, end.ID, applied).Error; err != nil {
		return 0, err
	}
	if applied < en.bulkChunk {
		// The backlog is gone and the tables have changed wholesale: fresh
		// statistics now, rather than whenever autovacuum gets to them (the
		// dashboards' plans depend on them: a region's weekly series took
		// 23 ms on stale statistics, 3 ms after ANALYZE, at full scale).
		if err := db.Exec(`ANALYZE progress_rollup, progress_monthly, activity_rollup, learner_activity, programme_achievements`).Error; err != nil {
			return 0, err
		}
	}
	return applied, nil
}

// sameAchievement matches a (bulk_ach) and b (programme_achievements) when
// they are the same answer, as Achievement.same does.
const sameAchievement = `a.programme_id = b.programme_id AND a.user_id = b.user_id AND a.credential_id = b.credential_id
	AND a.achieved_at = b.achieved_at AND a.prefecture = b.prefecture AND a.industry = b.industry
	AND a.skill_area = b.skill_area AND a.segment = b.segment AND a.provider = b.provider`

// groupingSets and keyColumns are the SQL form of deltas.addKeys: the
// total, one breakdown per dimension and one cross-tabulation per pair of
// dimensions, each row named by (d1, d2, day, v1, v2) with the empty string for none.
var groupingSets, keyColumns = rollupSQL()

func rollupSQL() (string, string) {
	cols := strings.Join(Dimensions, ", ")
	sets := []string{"()"}
	n := len(Dimensions)
	all := 1<<n - 1
	// GROUPING(cols) has a bit set for each column aggregated away, the
	// first column the most significant.
	bit := func(i int) int { return 1 << (n - 1 - i) }
	var d1, v1, d2, v2 []string
	for i := range Dimensions {
		sets = append(sets, "("+Dimensions[i]+")")
		g := all &^ bit(i)
		d1 = append(d1, fmt.Sprintf("WHEN %d THEN '%s'", g, Dimensions[i]))
		v1 = append(v1, fmt.Sprintf("WHEN %d THEN %s", g, Dimensions[i]))
		for j := i + 1; j < n; j++ {
			sets = append(sets, "("+Dimensions[i]+", "+Dimensions[j]+")")
			g := all &^ bit(i) &^ bit(j)
			d1 = append(d1, fmt.Sprintf("WHEN %d THEN '%s'", g, Dimensions[i]))
			v1 = append(v1, fmt.Sprintf("WHEN %d THEN %s", g, Dimensions[i]))
			d2 = append(d2, fmt.Sprintf("WHEN %d THEN '%s'", g, Dimensions[j]))
			v2 = append(v2, fmt.Sprintf("WHEN %d THEN %s", g, Dimensions[j]))
		}
	}
	g := "GROUPING(" + cols + ")"
	key := fmt.Sprintf("CASE %[1]s %[2]s ELSE '' END, CASE %[1]s %[3]s ELSE '' END, day, CASE %[1]s %[4]s ELSE '' END, CASE %[1]s %[5]s ELSE '' END",
		g, strings.Join(d1, " "), strings.Join(d2, " "), strings.Join(v1, " "), strings.Join(v2, " "))
	return "GROUPING SETS (" + strings.Join(sets, ", ") + ")", key
}
