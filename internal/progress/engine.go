// Package progress is the engine that turns the learning-event log into
// programme achievements and the rollup tables national reporting reads.
//
// The engine reads events in (xact_id, id) order, only those of transactions
// older than every transaction still running (xact_id below the snapshot's
// xmin), so an event can never commit behind the engine's cursor: bigserial
// ids commit out of order, transaction ids below xmin do not. Each batch's
// rollup deltas and the new cursor are written in one transaction, so every
// event is applied exactly once, however often the engine is killed and
// restarted. `takumi reconcile` (Reconcile) recomputes everything from the
// base tables and lists any difference.
package progress

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"takumi/internal/database"
	"takumi/internal/jst"
)

// Dimensions of the rollups, in the order used in keys (alphabetical, so a
// pair is always (d1, d2) with d1 < d2).
var Dimensions = []string{"industry", "prefecture", "provider", "segment", "skill_area"}

// Activity metrics.
const (
	MetricEnrolments           = "enrolments"
	MetricCompletions          = "completions"
	MetricCredentials          = "credentials"
	MetricRevocations          = "revocations"
	MetricWithdrawals          = "withdrawals"
	MetricLearnersEnrolled     = "learners_enrolled"
	MetricLearnersCompleted    = "learners_completed"
	MetricLearnersCredentialed = "learners_credentialed"
	// MetricPartnerCredentials and MetricPartnerRevocations count partner
	// issuers' credentials that start and stop counting (internal/partner).
	MetricPartnerCredentials = "partner_credentials"
	MetricPartnerRevocations = "partner_revocations"
)

// eventMetric maps an event type to the activity metric it counts.
var eventMetric = map[string]string{
	"enrolled":           MetricEnrolments,
	"course_completed":   MetricCompletions,
	"credential_issued":  MetricCredentials,
	"credential_revoked": MetricRevocations,
	"withdrawn":          MetricWithdrawals,

	"partner_credential_counted": MetricPartnerCredentials,
	"partner_credential_revoked": MetricPartnerRevocations,
}

// firstMetric maps an event type to the first-time learner metric it can start.
var firstMetric = map[string]string{
	"enrolled":          MetricLearnersEnrolled,
	"course_completed":  MetricLearnersCompleted,
	"credential_issued": MetricLearnersCredentialed,
}

// Dims are one event's (or achievement's) dimension values; "" when unknown.
type Dims struct {
	Industry, Prefecture, Provider, Segment, SkillArea string
}

func (d Dims) values() [5]string {
	return [5]string{d.Industry, d.Prefecture, d.Provider, d.Segment, d.SkillArea}
}

// rollKey is one rollup row's key.
type rollKey struct {
	series  string // metric, or programme id
	d1, d2  string
	day     string // YYYY-MM-DD (the first of the month when monthly)
	v1, v2  string
	monthly bool // progress_monthly rather than progress_rollup
}

// deltas accumulates rollup changes: +1/-1 per key, 16 keys per fact (the
// total, five breakdowns, ten cross-tabulations).
type deltas map[rollKey]int64

func (m deltas) add(series string, day time.Time, d Dims, n int64) {
	local := day.In(jst.Location)
	m.addKeys(series, local.Format(time.DateOnly), false, d, n)
	if !metricNames[series] { // programmes also roll up by month
		m.addKeys(series, time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), true, d, n)
	}
}

func (m deltas) addKeys(series, ds string, monthly bool, d Dims, n int64) {
	v := d.values()
	m[rollKey{series: series, day: ds, monthly: monthly}] += n
	for i := range Dimensions {
		m[rollKey{series: series, d1: Dimensions[i], v1: v[i], day: ds, monthly: monthly}] += n
		for j := i + 1; j < len(Dimensions); j++ {
			m[rollKey{series: series, d1: Dimensions[i], v1: v[i], d2: Dimensions[j], v2: v[j], day: ds, monthly: monthly}] += n
		}
	}
}

// Event is one row of the learning-event log as the engine reads it.
type Event struct {
	ID           int64
	XactID       string
	OccurredAt   time.Time
	EventType    string
	UserID       string
	CourseID     string
	ProviderID   string
	SkillArea    *string
	Prefecture   *string
	Industry     *string
	Segment      *string
	CredentialID *string
}

func (e Event) dims() Dims {
	return Dims{Industry: str(e.Industry), Prefecture: str(e.Prefecture), Provider: e.ProviderID,
		Segment: str(e.Segment), SkillArea: str(e.SkillArea)}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// learnerFirsts is what the engine remembers of one learner.
type learnerFirsts struct {
	UserID                            string
	Prefecture, Industry, Segment     string
	FirstEnrolledAt, FirstCompletedAt *time.Time
	FirstCredentialedAt               *time.Time
	LastActiveAt                      time.Time
	known                             bool // already stored
}

// applyEvent adds e's activity to acc, updating the learner's firsts.
func applyEvent(acc deltas, l *learnerFirsts, e Event) {
	d := e.dims()
	if m, ok := eventMetric[e.EventType]; ok {
		acc.add(m, e.OccurredAt, d, 1)
	}
	if m, ok := firstMetric[e.EventType]; ok {
		var slot **time.Time
		switch m {
		case MetricLearnersEnrolled:
			slot = &l.FirstEnrolledAt
		case MetricLearnersCompleted:
			slot = &l.FirstCompletedAt
		default:
			slot = &l.FirstCredentialedAt
		}
		if *slot == nil {
			at := e.OccurredAt
			*slot = &at
			acc.add(m, e.OccurredAt, d, 1)
		}
	}
	if e.OccurredAt.After(l.LastActiveAt) {
		l.LastActiveAt = e.OccurredAt
	}
	l.Prefecture, l.Industry, l.Segment = str(e.Prefecture), str(e.Industry), str(e.Segment)
}

// Achievement is a learner counting toward a programme.
type Achievement struct {
	ProgrammeID  string
	UserID       string
	CredentialID string
	AchievedAt   time.Time
	Prefecture   string
	Industry     string
	SkillArea    string
	Segment      string
	Provider     string
}

func (a Achievement) dims() Dims {
	return Dims{Industry: a.Industry, Prefecture: a.Prefecture, Provider: a.Provider, Segment: a.Segment, SkillArea: a.SkillArea}
}

func (a Achievement) same(b Achievement) bool {
	return a.CredentialID == b.CredentialID && a.AchievedAt.Equal(b.AchievedAt) && a.dims() == b.dims()
}

// Engine applies the event log to the rollups.
type Engine struct {
	db    *gorm.DB
	batch int
	// bulkMin and bulkChunk: see WithBulk (bulk.go).
	bulkMin, bulkChunk int
}

// NewEngine returns an engine applying up to batch events per transaction,
// and whole chunks set-wise when DefaultBulkMin events or more wait.
func NewEngine(db *gorm.DB, batch int) *Engine {
	if batch <= 0 {
		batch = 5000
	}
	return &Engine{db: db, batch: batch, bulkMin: DefaultBulkMin, bulkChunk: DefaultBulkChunk}
}

// engineLockKey makes one engine run at a time across app instances.
const engineLockKey = 7_245_100

// Step applies the next batch of events in one transaction and returns how
// many it applied (0 when caught up).
func (en *Engine) Step(ctx context.Context) (int, error) {
	applied := 0
	err := en.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One engine at a time: a second instance waits here for the
		// first's batch to commit, then reads the cursor it left.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, engineLockKey).Error; err != nil {
			return err
		}
		var st struct {
			CursorXact string
			CursorID   int64
			Xmin       string
		}
		if err := tx.Raw(`SELECT cursor_xact::text, cursor_id FROM progress_engine_state WHERE id = 1 FOR UPDATE`).Scan(&st).Error; err != nil {
			return err
		}
		if err := tx.Raw(query("horizon")).Scan(&st.Xmin).Error; err != nil {
			return err
		}
		var events []Event
		// ORDER BY names the table's columns: a bare xact_id would be the
		// text output column, sorting "10" before "9" (skipping events) and
		// defeating the (xact_id, id) index.
		if err := tx.Raw(`SELECT id, xact_id::text AS xact_id, occurred_at, event_type, user_id, course_id, provider_id,
			       skill_area, prefecture, industry, segment, details->>'credential_id' AS credential_id
			FROM learning_events
			WHERE (xact_id, id) > (?::xid8, ?) AND xact_id < ?::xid8
			ORDER BY learning_events.xact_id, learning_events.id LIMIT ?`, st.CursorXact, st.CursorID, st.Xmin, en.batch).Scan(&events).Error; err != nil {
			return err
		}
		if len(events) == 0 {
			return nil
		}
		bulk, err := en.bulkDue(tx, len(events), st.CursorXact, st.CursorID, st.Xmin)
		if err != nil {
			return err
		}
		if bulk { // a long backlog goes set-wise (bulk.go)
			applied, err = en.bulkApply(ctx, tx, st.CursorXact, st.CursorID, st.Xmin)
			return err
		}
		if err := en.apply(ctx, tx, events); err != nil {
			return err
		}
		last := events[len(events)-1]
		applied = len(events)
		return tx.Exec(`UPDATE progress_engine_state SET cursor_xact = ?::xid8, cursor_id = ?, applied = applied + ?, updated_at = now()
			WHERE id = 1`, last.XactID, last.ID, len(events)).Error
	})
	return applied, err
}

// CatchUp runs Step until the engine has applied everything visible (or
// ctx ends) and returns how many events it applied.
func (en *Engine) CatchUp(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := en.Step(ctx)
		total += n
		if err != nil || n < en.batch {
			return total, err
		}
		if ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// apply turns a batch of events into rollup deltas and writes them.
func (en *Engine) apply(ctx context.Context, tx *gorm.DB, events []Event) error {
	acc := deltas{}
	users := map[string]*learnerFirsts{}
	var ids []string
	for _, e := range events {
		if _, ok := users[e.UserID]; !ok {
			users[e.UserID] = &learnerFirsts{UserID: e.UserID}
			ids = append(ids, e.UserID)
		}
	}
	var stored []learnerFirsts
	if err := tx.Raw(`SELECT user_id, prefecture, industry, segment, first_enrolled_at, first_completed_at,
		first_credentialed_at, last_active_at FROM learner_activity WHERE user_id = ANY (?)`, database.Array(ids)).Scan(&stored).Error; err != nil {
		return err
	}
	for _, s := range stored {
		s.known = true
		*users[s.UserID] = s
	}
	credentialUsers := map[string]bool{}
	for _, e := range events {
		applyEvent(acc, users[e.UserID], e)
		if countsToward[e.EventType] {
			credentialUsers[e.UserID] = true
		}
	}
	if err := writeLearners(ctx, tx, users); err != nil {
		return err
	}
	if len(credentialUsers) > 0 {
		if err := en.refreshAchievements(ctx, tx, keys(credentialUsers), acc); err != nil {
			return err
		}
	}
	return writeDeltas(ctx, tx, acc)
}

// countsToward are the event types that can change programme achievements.
var countsToward = map[string]bool{"credential_issued": true, "credential_revoked": true,
	"partner_credential_counted": true, "partner_credential_revoked": true}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// refreshAchievements recomputes the achievements of users under the
// counting rule and turns each change into rollup deltas.
func (en *Engine) refreshAchievements(ctx context.Context, tx *gorm.DB, users []string, acc deltas) error {
	var now, before []Achievement
	if err := tx.Raw(query("achievements:users"), database.Array(users)).Scan(&now).Error; err != nil {
		return err
	}
	if err := tx.Raw(`SELECT * FROM programme_achievements WHERE user_id = ANY (?) FOR UPDATE`, database.Array(users)).Scan(&before).Error; err != nil {
		return err
	}
	type pk struct{ p, u string }
	old := map[pk]Achievement{}
	for _, a := range before {
		old[pk{a.ProgrammeID, a.UserID}] = a
	}
	for _, a := range now {
		k := pk{a.ProgrammeID, a.UserID}
		prev, had := old[k]
		delete(old, k)
		if had && prev.same(a) {
			continue
		}
		if had {
			acc.add(prev.ProgrammeID, prev.AchievedAt, prev.dims(), -1)
		}
		acc.add(a.ProgrammeID, a.AchievedAt, a.dims(), 1)
		if err := tx.Exec(`INSERT INTO programme_achievements (programme_id, user_id, credential_id, achieved_at,
			prefecture, industry, skill_area, segment, provider) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (programme_id, user_id) DO UPDATE SET credential_id = EXCLUDED.credential_id,
			achieved_at = EXCLUDED.achieved_at, prefecture = EXCLUDED.prefecture, industry = EXCLUDED.industry,
			skill_area = EXCLUDED.skill_area, segment = EXCLUDED.segment, provider = EXCLUDED.provider`,
			a.ProgrammeID, a.UserID, a.CredentialID, a.AchievedAt, a.Prefecture, a.Industry, a.SkillArea, a.Segment, a.Provider).Error; err != nil {
			return err
		}
	}
	for k, prev := range old { // no longer counts (its credential was revoked)
		acc.add(prev.ProgrammeID, prev.AchievedAt, prev.dims(), -1)
		if err := tx.Exec(`DELETE FROM programme_achievements WHERE programme_id = ? AND user_id = ?`, k.p, k.u).Error; err != nil {
			return err
		}
	}
	return nil
}

func writeLearners(ctx context.Context, tx *gorm.DB, users map[string]*learnerFirsts) error {
	var id, pref, ind, seg []string
	var fe, fc, fcr []*time.Time
	var last []time.Time
	for _, l := range users {
		id, pref, ind, seg = append(id, l.UserID), append(pref, l.Prefecture), append(ind, l.Industry), append(seg, l.Segment)
		fe, fc, fcr, last = append(fe, l.FirstEnrolledAt), append(fc, l.FirstCompletedAt), append(fcr, l.FirstCredentialedAt), append(last, l.LastActiveAt)
	}
	return tx.WithContext(ctx).Exec(`INSERT INTO learner_activity (user_id, prefecture, industry, segment,
		first_enrolled_at, first_completed_at, first_credentialed_at, last_active_at)
		SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[])
		ON CONFLICT (user_id) DO UPDATE SET prefecture = EXCLUDED.prefecture, industry = EXCLUDED.industry, segment = EXCLUDED.segment,
		first_enrolled_at = EXCLUDED.first_enrolled_at, first_completed_at = EXCLUDED.first_completed_at,
		first_credentialed_at = EXCLUDED.first_credentialed_at, last_active_at = EXCLUDED.last_active_at`,
		database.Array(id), database.Array(pref), database.Array(ind), database.Array(seg), database.Array(fe), database.Array(fc), database.Array(fcr), database.Array(last)).Error
}

// writeDeltas adds acc to the rollup tables (activity metrics to
// activity_rollup, programme ids to progress_rollup). A row brought back
// to zero (a revoked achievement) stays, counting zero.
func writeDeltas(ctx context.Context, tx *gorm.DB, acc deltas) error {
	type cols struct {
		series, d1, d2, day, v1, v2 []string
		n                           []int64
	}
	var act, prog, month cols
	for k, n := range acc {
		if n == 0 {
			continue
		}
		c := &act
		switch {
		case k.monthly:
			c = &month
		case !metricNames[k.series]:
			c = &prog
		}
		c.series, c.d1, c.d2, c.day, c.v1, c.v2 = append(c.series, k.series), append(c.d1, k.d1), append(c.d2, k.d2), append(c.day, k.day), append(c.v1, k.v1), append(c.v2, k.v2)
		c.n = append(c.n, n)
	}
	db := tx.WithContext(ctx)
	if len(act.series) > 0 {
		if err := db.Exec(`INSERT INTO activity_rollup (metric, d1, d2, day, v1, v2, n)
			SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::date[], ?::text[], ?::text[], ?::bigint[])
			ON CONFLICT (metric, d1, d2, day, v1, v2) DO UPDATE SET n = activity_rollup.n + EXCLUDED.n`,
			database.Array(act.series), database.Array(act.d1), database.Array(act.d2), database.Array(act.day), database.Array(act.v1), database.Array(act.v2), database.Array(act.n)).Error; err != nil {
			return err
		}
	}
	if len(prog.series) > 0 {
		if err := db.Exec(`INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
			SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::date[], ?::text[], ?::text[], ?::bigint[])
			ON CONFLICT (programme_id, d1, d2, day, v1, v2) DO UPDATE SET learners = progress_rollup.learners + EXCLUDED.learners`,
			database.Array(prog.series), database.Array(prog.d1), database.Array(prog.d2), database.Array(prog.day), database.Array(prog.v1), database.Array(prog.v2), database.Array(prog.n)).Error; err != nil {
			return err
		}
	}
	if len(month.series) > 0 {
		if err := db.Exec(`INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners)
			SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::date[], ?::text[], ?::text[], ?::bigint[])
			ON CONFLICT (programme_id, d1, d2, month, v1, v2) DO UPDATE SET learners = progress_monthly.learners + EXCLUDED.learners`,
			database.Array(month.series), database.Array(month.d1), database.Array(month.d2), database.Array(month.day), database.Array(month.v1), database.Array(month.v2), database.Array(month.n)).Error; err != nil {
			return err
		}
	}
	return nil
}

var metricNames = map[string]bool{
	MetricEnrolments: true, MetricCompletions: true, MetricCredentials: true, MetricRevocations: true,
	MetricWithdrawals: true, MetricLearnersEnrolled: true, MetricLearnersCompleted: true, MetricLearnersCredentialed: true,
	MetricPartnerCredentials: true, MetricPartnerRevocations: true,
}
