package learning

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
)

// The player's visit in one round trip (issue 20, docs/performance.md
// "Player and My learning: one statement per visit"). Opening a lesson
// needs the learner's enrolment (is it theirs, is it live, which course and
// published revision), a check in the app that the lesson is in that
// revision's content, and then the visit written. Those were two
// statements. The app now remembers, per enrolment, the course and the
// revision it last served (visitGuesses); when it has them and the lesson
// is in that revision's content (from the ContentCache), it sends
// sqlPlayerVisit, which reads the enrolment and writes the visit only if
// everything the two statements checked still holds: the enrolment is the
// learner's, not withdrawn or waitlisted, of that course, and the course's
// published revision is that revision. Otherwise it writes nothing and
// returns the enrolment as it is, and Player goes on as before (checks in
// the app, then sqlVisit): a wrong or stale guess costs the old second
// round trip, never a visit the old code would not have written.

const (
	// visitGuessMax bounds the remembered enrolments (~150 bytes each).
	visitGuessMax = 100_000
	// mediaCacheMax bounds the remembered media rows.
	mediaCacheMax = 10_000
)

// visitGuess is the course and published revision an enrolment's last
// visit was served from. An enrolment's course never changes; the revision
// changes when the course is published again (sqlPlayerVisit checks both).
//
// activity is a time the enrolment's last_activity_at is known to be at or
// after (zero: not known). Every write of last_activity_at sets it to the
// time of the request, so it only moves forward; a visit whose time is
// within a minute of activity would update no row with the visit's
// enrolment activity rule ("at most once a minute"), and is sent as
// sqlPlayerVisitSeen, without that UPDATE. The UPDATE fires enrolments'
// statement trigger (course_stats_update, migration 00054) even when it
// changes no row: about a third of the visit's PostgreSQL time
// (docs/performance.md "The player's visit without an empty UPDATE").
type visitGuess struct {
	courseID string
	revision int
	activity time.Time
}

// activityDue reports whether a visit at now may move the enrolment's last
// activity (the rule of sqlVisit and sqlPlayerVisit's act): unless the
// guess knows it is within the minute before now.
func (g visitGuess) activityDue(now time.Time) bool {
	return g.activity.IsZero() || g.activity.Before(now.Add(-visitActivityStep))
}

// visitActivityStep is how often a visit moves the enrolment's last
// activity: the "interval '1 minute'" of sqlVisit and sqlPlayerVisit.
const visitActivityStep = time.Minute

// activityAfter returns what a visit at now that read the enrolment's last
// activity as last (before its own write) leaves known about it: now when
// the visit's rule moved it there, else last.
func activityAfter(last *time.Time, now time.Time) time.Time {
	if last == nil || last.Before(now.Add(-visitActivityStep)) {
		return now
	}
	return *last
}

// visitGuesses is a bounded map from enrolment id to visitGuess, safe for
// concurrent use. When full, an arbitrary entry makes room (a lost guess
// only costs one visit its second round trip).
type visitGuesses struct {
	mu  sync.Mutex
	max int
	m   map[string]visitGuess
}

func newVisitGuesses(max int) *visitGuesses {
	return &visitGuesses{max: max, m: map[string]visitGuess{}}
}

func (g *visitGuesses) get(enrolmentID string) (visitGuess, bool) {
	if g == nil {
		return visitGuess{}, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	v, ok := g.m[enrolmentID]
	return v, ok
}

func (g *visitGuesses) put(enrolmentID string, v visitGuess) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if old, ok := g.m[enrolmentID]; ok && old == v {
		return
	}
	if len(g.m) >= g.max {
		for k := range g.m {
			delete(g.m, k)
			break
		}
	}
	g.m[enrolmentID] = v
}

// mediaCache keeps media rows by (media id, course id). A media row is
// never updated (catalog.UploadMedia inserts it; the only delete removes
// an upload no revision refers to), so a row read once stays right; a
// missing row is not kept. The *catalog.Media it returns is shared: read
// only.
type mediaCache struct {
	mu  sync.Mutex
	max int
	m   map[[2]string]*catalog.Media
}

func newMediaCache(max int) *mediaCache {
	return &mediaCache{max: max, m: map[[2]string]*catalog.Media{}}
}

func (c *mediaCache) get(mediaID, courseID string) *catalog.Media {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[[2]string{mediaID, courseID}]
}

func (c *mediaCache) put(mediaID, courseID string, m *catalog.Media) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[[2]string{mediaID, courseID}] = m
}

// courseColumns are sqlCourseView's and sqlPlayerVisit's columns of the
// enrolment, its course and provider, in scanCourseRow's order.
const courseColumns = `e.id, e.user_id, e.course_id, e.cohort_id, e.org_id, e.status, e.waitlist_pos, e.enrolled_at,
       e.completed_at, e.withdrawn_at, e.last_activity_at, e.progress_percent, e.next_lesson_id, e.flagged_fast, e.superseded_at,
       c.code AS course_code, coalesce(c.title_ja, '') AS title_ja, coalesce(c.title_en, '') AS title_en,
       coalesce(c.estimated_hours, 0)::float8 AS estimated_hours, coalesce(c.delivery_mode, '') AS delivery_mode,
       o.id AS provider_id, o.code AS provider_code, o.name_ja AS provider_name_ja, coalesce(o.name_en, '') AS provider_name_en,
       c.published_revision AS revision`

// scanCourseRow reads courseColumns, then the extra destinations: column by
// column rather than by gorm's reflection, which was ~15 % of the player's
// app CPU (docs/performance.md).
func scanCourseRow(rows interface{ Scan(...any) error }, extra ...any) (courseRow, error) {
	var r courseRow
	e := &r.Enrolment
	dest := append([]any{&e.ID, &e.UserID, &e.CourseID, &e.CohortID, &e.OrgID, &e.Status, &e.WaitlistPos, &e.EnrolledAt,
		&e.CompletedAt, &e.WithdrawnAt, &e.LastActivityAt, &e.ProgressPercent, &e.NextLessonID, &e.FlaggedFast, &e.SupersededAt,
		&r.Course.Code, &r.Course.TitleJa, &r.Course.TitleEn, &r.Course.EstimatedHours, &r.Course.DeliveryMode,
		&r.Course.ProviderID, &r.Course.ProviderCode, &r.Course.ProviderNameJa, &r.Course.ProviderNameEn, &r.Course.PublishedRevision}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return r, fmt.Errorf("course view row: %w", err)
	}
	r.Course.ID = e.CourseID
	return r, nil
}

// sqlPlayerVisit is the visit in one statement when the app knows the
// enrolment's course and revision (see the top of this file). Parameters:
// $1 course, $2 revision, $3 enrolment, $4 user, $5 lesson, $6 now, $7 cap
// (seconds); sent by queryRaw, not gorm's Raw. It returns the enrolment row (none when it is not the
// learner's), ok (whether the visit was written), and when ok the
// progress of every lesson of the enrolment as sqlMyLearning's
// progress_text, the completion times in microseconds: the visited lesson
// from the upsert's RETURNING, the others from the snapshot before it, and
// whether the visited lesson has a passed quiz attempt (the player shows
// only that lesson's; PlayerPage.QuizPassed). The
// write itself is sqlVisit's (same gap cap, same enrolment activity rule,
// same commit without waiting for the WAL flush).
const sqlPlayerVisitHead = `
WITH e AS (
    SELECT ` + courseColumns + `,
           coalesce(e.course_id = $1::uuid AND c.published_revision = $2::int AND e.status NOT IN ('withdrawn', 'waitlisted'), false) AS ok
    FROM enrolments e
    JOIN courses c ON c.id = e.course_id
    JOIN organisations o ON o.id = c.provider_id
    WHERE e.id = $3::uuid AND e.user_id = $4::uuid
), up AS (
    INSERT INTO lesson_progress AS lp (enrolment_id, lesson_id, first_seen_at, last_seen_at, seconds_on_task)
    SELECT e.id, $5::text, $6::timestamptz, $6::timestamptz, 0 FROM e WHERE e.ok
    ON CONFLICT (enrolment_id, lesson_id) DO UPDATE SET
        seconds_on_task = lp.seconds_on_task + least(greatest(floor(extract(epoch FROM (EXCLUDED.last_seen_at - lp.last_seen_at))), 0), $7::integer)::integer,
        last_seen_at = greatest(lp.last_seen_at, EXCLUDED.last_seen_at)
    RETURNING lesson_id, seconds_on_task, completed_at
)`

// sqlPlayerVisitAct is sqlPlayerVisit's update of the enrolment's last
// activity (at most once a minute, as sqlVisit).
const sqlPlayerVisitAct = `, act AS (
    UPDATE enrolments SET last_activity_at = $6::timestamptz
    WHERE id = (SELECT e.id FROM e WHERE e.ok) AND (last_activity_at IS NULL OR last_activity_at < $6::timestamptz - interval '1 minute')
)`

// sqlPlayerVisitTail is sqlPlayerVisit's answer.
const sqlPlayerVisitTail = `
SELECT e.*,
       CASE WHEN e.ok THEN (
           SELECT coalesce(string_agg(octet_length(p.lesson_id) || ' ' || p.seconds_on_task || ' ' ||
                      coalesce(floor(extract(epoch FROM p.completed_at) * 1000000)::bigint::text, '-') || ' ' ||
                      CASE WHEN p.passed THEN '1' ELSE '0' END || ' ' || p.lesson_id, ''), '')
           FROM (SELECT lesson_id, seconds_on_task, completed_at, false AS passed FROM up
                 UNION ALL
                 SELECT lesson_id, seconds_on_task, completed_at, false FROM lesson_progress WHERE enrolment_id = e.id AND lesson_id <> $5::text
                 UNION ALL
                 SELECT $5::text, 0, NULL::timestamptz, true
                 WHERE EXISTS (SELECT FROM quiz_attempts WHERE enrolment_id = e.id AND lesson_id = $5::text AND passed)) p)
       END AS progress_text,
       set_config('synchronous_commit', 'off', true) AS async_commit
FROM e`

// sqlPlayerVisit writes the visit and moves the enrolment's last activity
// when it is due; sqlPlayerVisitSeen writes the visit only, for an
// enrolment whose last activity is known to be within the minute
// (visitGuess.activityDue): the same answer and the same rows written as
// sqlPlayerVisit's would be then.
const (
	sqlPlayerVisit     = sqlPlayerVisitHead + sqlPlayerVisitAct + sqlPlayerVisitTail
	sqlPlayerVisitSeen = sqlPlayerVisitHead + sqlPlayerVisitTail
)

// queryRaw sends q with its $n parameters on db's connection pool without
// gorm's Raw, which rewrites every ? of the SQL text into $n on every call:
// for the player's 2 kB statement that was ~8 % of the page's app CPU in
// the profile at 1,000,000 learners. The statement still goes to db's
// gorm logger (the app's discards it without rendering the SQL; the scale
// test's recorder keeps it for its plans).
func queryRaw(ctx context.Context, db *gorm.DB, q string, args ...any) (*sql.Rows, error) {
	begin := time.Now()
	rows, err := db.Statement.ConnPool.QueryContext(ctx, q, args...)
	db.Logger.Trace(ctx, begin, func() (string, int64) { return db.Dialector.Explain(q, args...), -1 }, err)
	return rows, err
}

// resultRows is the result of queryRows: pgx's rows or database/sql's.
type resultRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// sqlRows gives *sql.Rows resultRows' Close.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// queryRows is queryRaw on pgx's pool directly when db is the primary's
// handle outside a transaction (database.PoolOf), and on db's connection
// pool (database/sql) otherwise. pgx's own rows scan without database/sql's
// per-row locking, driver value conversion and conversion back (issue 20,
// docs/performance.md "The signed-in request path without gorm"). The
// statement still goes to db's gorm logger.
func queryRows(ctx context.Context, db *gorm.DB, q string, args ...any) (resultRows, error) {
	pool := database.PoolOf(db)
	if pool == nil {
		rows, err := queryRaw(ctx, db, q, args...)
		if err != nil {
			return nil, err
		}
		return sqlRows{rows}, nil
	}
	begin := time.Now()
	rows, err := pool.Query(ctx, q, args...)
	db.Logger.Trace(ctx, begin, func() (string, int64) { return db.Dialector.Explain(q, args...), -1 }, err)
	return rows, err
}

// playerVisit sends sqlPlayerVisit. found: the enrolment is the
// learner's (r is it); visited: the visit was written (progress holds
// every lesson's progress).
func (s *Service) playerVisit(ctx context.Context, l Learner, enrolmentID string, lesson *catalog.Lesson, g visitGuess, now time.Time) (r courseRow, progress []progressRow, found, visited bool, err error) {
	q := sqlPlayerVisit
	if !g.activityDue(now) {
		q = sqlPlayerVisitSeen
	}
	rows, err := queryRows(ctx, s.db, q, g.courseID, g.revision, enrolmentID, l.UserID,
		lesson.ID, now, int(VisitGapCap.Seconds()))
	if err != nil {
		return r, nil, false, false, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return r, nil, false, false, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		return r, nil, false, false, nil
	}
	var ok bool
	var text *string
	var async string
	r, err = scanCourseRow(rows, &ok, &text, &async)
	if err != nil {
		return r, nil, false, false, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if ok && text != nil {
		progress, err = parseProgressIn(*text, time.Microsecond)
		if err != nil {
			return r, nil, false, false, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
	}
	// To the end of the result: an error of the write may come after the
	// row.
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return r, nil, false, false, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return r, progress, true, ok && text != nil, nil
}
