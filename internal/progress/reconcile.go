package progress

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Difference is one rollup or achievement row whose stored value differs
// from the value recomputed from the base tables.
type Difference struct {
	Table    string
	Key      string
	Stored   int64
	Expected int64
}

func (d Difference) String() string {
	return fmt.Sprintf("%s %s: stored %d, expected %d", d.Table, d.Key, d.Stored, d.Expected)
}

// ReconcileResult is what Reconcile found.
type ReconcileResult struct {
	Events       int64 // events the engine has applied (the cursor)
	Achievements int
	Differences  []Difference
}

// Reconcile recomputes programme achievements and every rollup from the base
// tables (the learning-event log up to the engine's cursor, and programmes)
// and compares them with what the engine stored. It reads in one
// repeatable-read snapshot, so a running engine does not disturb it; call
// it after CatchUp for a complete comparison.
func Reconcile(ctx context.Context, db *gorm.DB) (*ReconcileResult, error) {
	res := &ReconcileResult{}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`).Error; err != nil {
			return err
		}
		var st struct {
			CursorXact string
			CursorID   int64
			Applied    int64
		}
		if err := tx.Raw(`SELECT cursor_xact::text, cursor_id, applied FROM progress_engine_state WHERE id = 1`).Scan(&st).Error; err != nil {
			return err
		}
		res.Events = st.Applied

		// Activity and first-time learners: replay the applied events in
		// the engine's order through the engine's own accumulation.
		acc := deltas{}
		users := map[string]*learnerFirsts{}
		rows, err := tx.Raw(`SELECT id, xact_id::text AS xact_id, occurred_at, event_type, user_id, course_id, provider_id,
			       skill_area, prefecture, industry, segment, details->>'credential_id' AS credential_id
			FROM learning_events WHERE (xact_id, id) <= (?::xid8, ?) ORDER BY learning_events.xact_id, learning_events.id`, st.CursorXact, st.CursorID).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Event // scanned by position: tens of millions of rows
			if err := rows.Scan(&e.ID, &e.XactID, &e.OccurredAt, &e.EventType, &e.UserID, &e.CourseID, &e.ProviderID,
				&e.SkillArea, &e.Prefecture, &e.Industry, &e.Segment, &e.CredentialID); err != nil {
				return err
			}
			l := users[e.UserID]
			if l == nil {
				l = &learnerFirsts{UserID: e.UserID}
				users[e.UserID] = l
			}
			applyEvent(acc, l, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()

		// Achievements: the counting rule over every learner. The engine
		// applies it to the whole log as it is when a learner's credential
		// event is applied, so compare against the whole visible log only
		// once the engine has caught up.
		var want []Achievement
		if err := tx.Raw(query("achievements:all")).Scan(&want).Error; err != nil {
			return err
		}
		res.Achievements = len(want)
		for _, a := range want {
			acc.add(a.ProgrammeID, a.AchievedAt, a.dims(), 1)
		}
		var have []Achievement
		if err := tx.Raw(`SELECT * FROM programme_achievements`).Scan(&have).Error; err != nil {
			return err
		}
		res.Differences = append(res.Differences, diffAchievements(have, want)...)
		res.Differences = append(res.Differences, diffLearners(tx, users)...)

		stored := deltas{}
		var rr []struct {
			Series, D1, D2 string
			Day            time.Time
			V1, V2         string
			N              int64
			Monthly        bool
		}
		if err := tx.Raw(`SELECT metric AS series, d1, d2, day, v1, v2, n, false AS monthly FROM activity_rollup WHERE n <> 0
			UNION ALL SELECT programme_id::text, d1, d2, day, v1, v2, learners, false FROM progress_rollup WHERE learners <> 0
			UNION ALL SELECT programme_id::text, d1, d2, month, v1, v2, learners, true FROM progress_monthly WHERE learners <> 0`).Scan(&rr).Error; err != nil {
			return err
		}
		for _, r := range rr {
			stored[rollKey{series: r.Series, d1: r.D1, d2: r.D2, day: r.Day.Format(time.DateOnly), v1: r.V1, v2: r.V2, monthly: r.Monthly}] = r.N
		}
		res.Differences = append(res.Differences, diffDeltas(stored, acc)...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(res.Differences, func(i, j int) bool { return res.Differences[i].String() < res.Differences[j].String() })
	return res, nil
}

func diffDeltas(stored, want deltas) []Difference {
	var out []Difference
	for k, n := range want {
		if n != 0 && stored[k] != n {
			out = append(out, Difference{Table: "rollup", Key: fmt.Sprintf("%+v", k), Stored: stored[k], Expected: n})
		}
	}
	for k, n := range stored {
		if want[k] == 0 {
			out = append(out, Difference{Table: "rollup", Key: fmt.Sprintf("%+v", k), Stored: n, Expected: 0})
		}
	}
	return out
}

func diffAchievements(have, want []Achievement) []Difference {
	type pk struct{ p, u string }
	h := map[pk]Achievement{}
	for _, a := range have {
		h[pk{a.ProgrammeID, a.UserID}] = a
	}
	var out []Difference
	for _, a := range want {
		k := pk{a.ProgrammeID, a.UserID}
		got, ok := h[k]
		delete(h, k)
		if !ok || !got.same(a) {
			out = append(out, Difference{Table: "programme_achievements", Key: fmt.Sprintf("programme %s learner %s (credential %s)", a.ProgrammeID, a.UserID, a.CredentialID), Stored: b2i(ok), Expected: 1})
		}
	}
	for k := range h {
		out = append(out, Difference{Table: "programme_achievements", Key: fmt.Sprintf("programme %s learner %s", k.p, k.u), Stored: 1, Expected: 0})
	}
	return out
}

func diffLearners(tx *gorm.DB, want map[string]*learnerFirsts) []Difference {
	var have []learnerFirsts
	if err := tx.Raw(`SELECT user_id, prefecture, industry, segment, first_enrolled_at, first_completed_at,
		first_credentialed_at, last_active_at FROM learner_activity`).Scan(&have).Error; err != nil {
		return []Difference{{Table: "learner_activity", Key: err.Error()}}
	}
	var out []Difference
	seen := map[string]bool{}
	for _, l := range have {
		seen[l.UserID] = true
		w, ok := want[l.UserID]
		if !ok || l.Prefecture != w.Prefecture || l.Industry != w.Industry || l.Segment != w.Segment ||
			!sameTime(l.FirstEnrolledAt, w.FirstEnrolledAt) || !sameTime(l.FirstCompletedAt, w.FirstCompletedAt) ||
			!sameTime(l.FirstCredentialedAt, w.FirstCredentialedAt) || !l.LastActiveAt.Equal(w.LastActiveAt) {
			out = append(out, Difference{Table: "learner_activity", Key: "learner " + l.UserID, Stored: 1, Expected: b2i(ok)})
		}
	}
	for id := range want {
		if !seen[id] {
			out = append(out, Difference{Table: "learner_activity", Key: "learner " + id, Stored: 0, Expected: 1})
		}
	}
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
