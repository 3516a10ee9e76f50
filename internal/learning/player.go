package learning

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/i18n"
)

// The learner's own journey: enrolling from the course page, "My learning",
// the course player with time on task measured on the server, marking
// lessons complete, and the learner's own event history.

// Time on task. Every request a learner makes for a lesson (opening the
// page, the page's heartbeat, "Mark as complete") adds the time since the
// previous request for that lesson, capped, to its seconds_on_task, then
// moves last_seen_at to now. The cap stops a page left open overnight from
// counting as study; the larger cap for the gap that ends in "Mark as
// complete" lets a learner without JavaScript (no heartbeat) read for up to
// ten minutes between opening the page and completing it. The client never
// reports a duration: only the server's clock counts. See docs/decisions.md
// ("Learning").
const (
	// VisitGapCap caps the gap a page view or heartbeat adds.
	VisitGapCap = 120 * time.Second
	// CompleteGapCap caps the gap that ends in "Mark as complete".
	CompleteGapCap = 600 * time.Second
	// FastCompletionShare flags an enrolment whose course was completed in
	// less than this share of the course's estimated hours (enrolled_at →
	// completed_at): a possible integrity problem the roster shows.
	FastCompletionShare = 0.10
	// myLearningLimit bounds "My learning" (a learner has a few dozen
	// enrolments; the bound protects the page from pathological accounts).
	myLearningLimit = 500
	// HistoryPageSize is the number of events per page of "My history".
	HistoryPageSize = 30
)

// MyCourse is one enrolment on "My learning". Course is the course's card,
// shared with other requests (catalog.CourseCards): read it, never change
// it.
type MyCourse struct {
	CourseID        string
	Course          *catalog.CourseCard
	EnrolmentID     string
	Status          string
	ProgressPercent int
	NextLessonID    *string
	EnrolledAt      time.Time
	LastActivityAt  *time.Time
	CompletedAt     *time.Time
	CohortID        *string
	CohortNameJa    *string
	CohortNameEn    *string
	// QueuePosition is the place on the cohort's waitlist (1 = next).
	QueuePosition *int
	// Time is what remains of an in-progress course (nil otherwise).
	Time *CourseTime `gorm:"-"`
}

// LastActivity is the last time the learner studied, or when they enrolled.
func (m *MyCourse) LastActivity() time.Time {
	if m.LastActivityAt != nil {
		return *m.LastActivityAt
	}
	return m.EnrolledAt
}

// CohortName returns the cohort's name in lang ("" for self-paced courses).
func (m *MyCourse) CohortName(lang string) string {
	if m.CohortNameJa == nil {
		return ""
	}
	en := ""
	if m.CohortNameEn != nil {
		en = *m.CohortNameEn
	}
	return i18n.Pick(lang, *m.CohortNameJa, en)
}

// MyLearning is the learner's "My learning" page: courses in progress (most
// recently studied first), waitlisted and completed. In-progress and
// completed courses come a page of MyLearningPageSize at a time (the
// learner's most recent first), as Moodle's course overview does: a
// learner with dozens of courses gets a page whose cost is its own
// MyLearningPageSize cards, not every course they ever took (issue 20,
// docs/performance.md "My learning a page at a time"). Waiting lists are
// shown whole (a few places at most).
type MyLearning struct {
	InProgress []MyCourse
	Waitlisted []MyCourse
	Completed  []MyCourse
	// InProgressTotal and CompletedTotal count every in-progress and
	// completed course; InProgressPage and CompletedPage are the pages
	// shown (1-based, a page past the last shows the last).
	InProgressTotal, CompletedTotal int
	InProgressPage, CompletedPage   int
}

// MyLearningPageSize is how many in-progress and how many completed courses
// "My learning" shows at a time.
const MyLearningPageSize = 12

// MyLearningPages are the pages of "My learning" asked for (1-based; 0 or
// less is the first).
type MyLearningPages struct{ InProgress, Completed int }

// InProgressPages is the number of pages of in-progress courses (at least 1).
func (m *MyLearning) InProgressPages() int { return pagesOf(m.InProgressTotal) }

// CompletedPages is the number of pages of completed courses (at least 1).
func (m *MyLearning) CompletedPages() int { return pagesOf(m.CompletedTotal) }

func pagesOf(n int) int { return max(1, (n+MyLearningPageSize-1)/MyLearningPageSize) }

// Empty reports whether the learner has no enrolment to show.
func (m *MyLearning) Empty() bool {
	return m.InProgressTotal+len(m.Waitlisted)+m.CompletedTotal == 0
}

// sqlMyLearning reads one page of the learner's live enrolments in one
// statement: every live enrolment of the learner is numbered within its
// status by last activity (or enrolment, for a course never studied), most
// recent first; then only the asked page of in-progress and of completed
// courses (a page past the last is the last) and every waitlisted one is
// joined to its cohort. The courses' titles and providers are not joined:
// they come from memory (catalog.CourseCards; joining courses and
// organisations for each card was a third of the statement's time for the
// 45-course learner, docs/performance.md "My learning's courses from
// memory"). The waitlist position is counted only for waitlisted rows,
// through enrolments_waitlist_idx; an in-progress enrolment's lesson
// progress (for its time left) comes as one text column (progress_text,
// parseProgress), so the page needs no second round trip, and only for
// the page's rows, read in lesson order (with the statistics of 1,000,000
// learners the ORDER BY makes the planner walk lesson_progress_pkey for
// an enrolment's few rows instead of a bitmap scan: ~15 % of the
// statement there). Passed quizzes are not read: the time left
// counts a lesson done by its completion (lesson_progress.completed_at)
// and its time on task only, and the page shows nothing else of the
// lessons (they were a UNION with a sort per course in progress, ~10 % of
// the statement's PostgreSQL CPU for a learner with 30 courses in
// progress; docs/performance.md). The completion second comes from
// date_part (a double), not extract (a numeric since PostgreSQL 14: slower
// to compute and to print). The last column is the number of the row's
// status (for the pages). Parameters $1 user, $2 in-progress page, $3
// completed page, $4 page size, $5 limit (queryRows).
const sqlMyLearning = `
WITH live AS (
    SELECT e.id, e.status, e.progress_percent, e.next_lesson_id, e.enrolled_at, e.last_activity_at, e.completed_at,
           e.cohort_id, e.course_id, e.waitlist_pos,
           row_number() OVER (PARTITION BY e.status ORDER BY coalesce(e.last_activity_at, e.enrolled_at) DESC, e.enrolled_at DESC, e.id) AS n,
           count(*) OVER (PARTITION BY e.status) AS total
    FROM enrolments e
    WHERE e.user_id = $1::uuid AND e.status IN ('active', 'waitlisted', 'completed') AND e.superseded_at IS NULL
), paged AS (
    -- page: the asked page of the row's list, counted from 0, a page
    -- past the last being the last (the one place that clamps it).
    SELECT live.*, least(greatest(CASE WHEN status = 'active' THEN $2::int ELSE $3::int END, 1) - 1, (total - 1) / $4::int) AS page
    FROM live
)
SELECT e.id AS enrolment_id, e.status, e.progress_percent, e.next_lesson_id, e.enrolled_at,
       e.last_activity_at, e.completed_at, e.cohort_id,
       e.course_id, co.name_ja AS cohort_name_ja, co.name_en AS cohort_name_en,
       CASE WHEN e.status = 'waitlisted' THEN
           (SELECT count(*) FROM enrolments w
             WHERE w.cohort_id = e.cohort_id AND w.status = 'waitlisted' AND w.waitlist_pos <= e.waitlist_pos)
       END AS queue_position,
       CASE WHEN e.status = 'active' THEN (
           SELECT coalesce(string_agg(octet_length(p.lesson_id) || ' ' || p.seconds_on_task || ' ' ||
                      coalesce(floor(date_part('epoch', p.completed_at))::bigint::text, '-') || ' 0 ' || p.lesson_id, ''), '')
           FROM (SELECT * FROM lesson_progress p WHERE p.enrolment_id = e.id ORDER BY p.lesson_id) p)
       END AS progress_text,
       e.total::int, e.page::int + 1
FROM paged e
LEFT JOIN cohorts co ON co.id = e.cohort_id
WHERE e.status = 'waitlisted' OR (e.n - 1) / $4::int = e.page
ORDER BY e.status, e.n
LIMIT $5`

// MyLearning returns the first page of the learner's "My learning"
// (MyLearningPage).
func (s *Service) MyLearning(ctx context.Context, l Learner) (*MyLearning, error) {
	return s.MyLearningPage(ctx, l, MyLearningPages{})
}

// MyLearningPage returns the learner's own enrolments for "My learning":
// the asked pages of in-progress and completed courses (a page past the
// last gives the last) and every waiting list place, in one query.
// Errors: internal.
func (s *Service) MyLearningPage(ctx context.Context, l Learner, pages MyLearningPages) (*MyLearning, error) {
	out := &MyLearning{InProgressPage: 1, CompletedPage: 1}
	if !validID(l.UserID) {
		return out, nil
	}
	// A page number past any learner's pages is the last page too (and
	// fits the statement's integer).
	pages.InProgress = min(max(pages.InProgress, 1), myLearningLimit)
	pages.Completed = min(max(pages.Completed, 1), myLearningLimit)
	rows, err := queryRows(ctx, s.db, sqlMyLearning, l.UserID, pages.InProgress, pages.Completed, MyLearningPageSize, myLearningLimit)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	defer rows.Close()
	progress := map[string][]progressRow{}
	for rows.Next() {
		r, text, total, page, err := scanMyCourse(rows)
		if err != nil {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if text != nil {
			p, err := parseProgress(*text)
			if err != nil {
				return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
			}
			progress[r.EnrolmentID] = p
		}
		switch r.Status {
		case StatusActive:
			out.InProgress = append(out.InProgress, r)
			out.InProgressTotal, out.InProgressPage = total, page
		case StatusWaitlisted:
			out.Waitlisted = append(out.Waitlisted, r)
		case StatusCompleted:
			out.Completed = append(out.Completed, r)
			out.CompletedTotal, out.CompletedPage = total, page
		}
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if err := s.fillCourseCards(ctx, out); err != nil {
		return nil, err
	}
	if err := s.courseTimes(ctx, out.InProgress, progress); err != nil {
		return nil, err
	}
	return out, nil
}

// fillCourseCards gives each course of m its card (catalog.CourseCards:
// memory, the ones not there in one statement). A course without a card
// (none: enrolments reference courses) is left out, as the join it
// replaced would have.
func (s *Service) fillCourseCards(ctx context.Context, m *MyLearning) error {
	ids := make([]string, 0, len(m.InProgress)+len(m.Waitlisted)+len(m.Completed))
	for _, list := range [][]MyCourse{m.InProgress, m.Waitlisted, m.Completed} {
		for i := range list {
			ids = append(ids, list[i].CourseID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	cards, err := s.courses.CourseCards(ctx, ids)
	if err != nil {
		return err
	}
	fill := func(list []MyCourse) []MyCourse {
		kept := list[:0]
		for _, c := range list {
			card := cards[c.CourseID]
			if card == nil {
				continue
			}
			c.Course = card
			kept = append(kept, c)
		}
		return kept
	}
	m.InProgress, m.Waitlisted, m.Completed = fill(m.InProgress), fill(m.Waitlisted), fill(m.Completed)
	return nil
}

// scanMyCourse reads one row of sqlMyLearning, its columns in order, with
// its progress_text, the number of its status and the page of its list
// shown (from 1, clamped by the statement): column by column rather
// than by gorm's reflection, which was a third of "My learning"'s app CPU
// for a learner with 45 courses (docs/performance.md); through pgx's own
// rows when queryRows reads the primary's pool directly, as the player's
// statements are. The nullable columns are scanned into pgtype values
// held in one allocation per row, which the row's pointers point into:
// scanning into pointers made pgx allocate each value by reflection (a
// fifth of the page's allocations for 24 rows).
func scanMyCourse(rows resultRows) (r MyCourse, text *string, total, page int, err error) {
	v := new(struct {
		next, cohort, cohortJa, cohortEn, progress pgtype.Text
		last, completed                            pgtype.Timestamptz
		queue                                      pgtype.Int8
		queuePosition                              int
	})
	err = rows.Scan(&r.EnrolmentID, &r.Status, &r.ProgressPercent, &v.next, &r.EnrolledAt,
		&v.last, &v.completed, &v.cohort,
		&r.CourseID, &v.cohortJa, &v.cohortEn, &v.queue, &v.progress, &total, &page)
	if err != nil {
		return r, nil, 0, 0, fmt.Errorf("my learning row: %w", err)
	}
	r.NextLessonID, r.CohortID, text = textPtr(&v.next), textPtr(&v.cohort), textPtr(&v.progress)
	r.CohortNameJa, r.CohortNameEn = textPtr(&v.cohortJa), textPtr(&v.cohortEn)
	r.LastActivityAt, r.CompletedAt = timePtr(&v.last), timePtr(&v.completed)
	if v.queue.Valid {
		v.queuePosition = int(v.queue.Int64)
		r.QueuePosition = &v.queuePosition
	}
	return r, text, total, page, nil
}

// textPtr points at t's text, nil when t is NULL.
func textPtr(t *pgtype.Text) *string {
	if !t.Valid {
		return nil
	}
	return &t.String
}

// timePtr points at t's time, nil when t is NULL.
func timePtr(t *pgtype.Timestamptz) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// LessonState is the learner's progress on one lesson.
type LessonState struct {
	SecondsOnTask int
	CompletedAt   *time.Time
	Seen          bool
}

// Done reports whether the lesson is complete.
func (st LessonState) Done() bool { return st.CompletedAt != nil }

// CourseView is one of the learner's enrolments with the content of the
// course's current published revision and their progress on every lesson.
// Content's modules and lessons are shared with other requests (the
// ContentCache): read them, never change them.
type CourseView struct {
	Enrolment Enrolment
	Course    catalog.CourseCard
	Revision  int
	Content   catalog.Content
	Progress  map[string]LessonState
	// QuizPassed lists the quiz lessons with a passed attempt; in a
	// PlayerPage only the lesson shown, the one whose mark the player
	// shows (the visit reads no other lesson's attempts).
	QuizPassed map[string]bool
}

// State returns the learner's progress on lesson id.
func (v *CourseView) State(id string) LessonState { return v.Progress[id] }

// PlayerPage is one lesson in the course player.
type PlayerPage struct {
	CourseView
	Lesson      *catalog.Lesson
	ModuleIndex int
	Prev, Next  *catalog.Lesson
	// Media is the lesson's file (video or resource), nil when it has none.
	Media *catalog.Media
	// MeasuredAt is when this visit measured the time on task.
	MeasuredAt time.Time
	// Scorm is the launch of a scorm lesson (set by the web layer with
	// LaunchScorm; nil for other kinds), and ContentOrigin the address of
	// the content origin that serves it.
	Scorm         *ScormLaunch
	ContentOrigin string
}

// RemainingMinutes is how many more minutes (rounded up) the learner must
// spend on the lesson before it can be marked complete.
func (p *PlayerPage) RemainingMinutes() int {
	return remainingMinutes(p.Lesson.MinMinutes, p.State(p.Lesson.ID).SecondsOnTask)
}

func remainingMinutes(minMinutes, seconds int) int {
	left := minMinutes*60 - seconds
	if left <= 0 {
		return 0
	}
	return int(math.Ceil(float64(left) / 60))
}

// courseRow is the enrolment joined with its course, provider and the
// current published revision's content.
type courseRow struct {
	Enrolment
	// Course is the enrolment's course; its PublishedRevision is nil when
	// the course has none.
	Course catalog.CourseCard
}

// sqlCourseView reads the learner's own enrolment (SECURITY: user_id is
// part of the condition, so another person's enrolment is not found) with
// its course, provider and the number of its current published revision,
// in one statement; the revision's content comes from the ContentCache.
// Parameters $1 enrolment, $2 user (queryRaw).
const sqlCourseView = `
SELECT ` + courseColumns + `
FROM enrolments e
JOIN courses c ON c.id = e.course_id
JOIN organisations o ON o.id = c.provider_id
WHERE e.id = $1::uuid AND e.user_id = $2::uuid`

// loadCourseView loads the learner's own enrolment and its course content.
// Withdrawn enrolments are not found. Errors: not_found.
func loadCourseView(ctx context.Context, db *gorm.DB, contents *catalog.ContentCache, l Learner, enrolmentID string) (*CourseView, error) {
	if !validID(enrolmentID, l.UserID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	// Scanned column by column (scanCourseRow), not by gorm's reflection.
	rows, err := queryRows(ctx, db, sqlCourseView, enrolmentID, l.UserID)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	defer rows.Close()
	var found []courseRow
	for rows.Next() {
		r, err := scanCourseRow(rows)
		if err != nil {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		found = append(found, r)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(found) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return courseViewFromRow(ctx, db, contents, found[0])
}

// courseViewFromRow is loadCourseView's answer for the enrolment row r:
// not_found for a withdrawn enrolment or an unpublished course, else the
// view with the published revision's content (no progress yet).
func courseViewFromRow(ctx context.Context, db *gorm.DB, contents *catalog.ContentCache, r courseRow) (*CourseView, error) {
	if r.Status == StatusWithdrawn || r.Course.PublishedRevision == nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	v := &CourseView{Enrolment: r.Enrolment, Revision: *r.Course.PublishedRevision, Progress: map[string]LessonState{}, QuizPassed: map[string]bool{},
		Course: r.Course}
	// Shared with other requests: read-only (CourseView.Content).
	content, err := contents.Revision(ctx, db, r.CourseID, *r.Course.PublishedRevision)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, err
	}
	v.Content = *content
	return v, nil
}

// progressRow is one row of lesson_progress (plus whether a quiz attempt
// passed).
type progressRow struct {
	LessonID      string
	SecondsOnTask int
	CompletedAt   *time.Time
	Passed        bool
}

// parseProgress reads sqlMyLearning's progress_text: one record per
// lesson_progress row or passed quiz, each "<bytes of the lesson id>
// <seconds on task> <completed at, Unix seconds, or -> <passed 0|1>
// <lesson id>", records back to back. The id goes last with its length
// first, so any text an id holds reads back whole. It replaced a JSON
// column whose decoding was 40 % of "My learning"'s CPU for a learner with
// 30 courses in progress (docs/performance.md). The completion time keeps
// whole seconds: the page only asks whether a lesson is done.
func parseProgress(s string) ([]progressRow, error) { return parseProgressIn(s, time.Second) }

// parseProgressIn is parseProgress with the completion times in unit
// (time.Second or time.Microsecond: sqlPlayerVisit's, so the player shows
// them as read).
func parseProgressIn(s string, unit time.Duration) ([]progressRow, error) {
	// Every record holds four spaces of its own (an id holding spaces only
	// raises the bound), so the rows and their completion times fit in one
	// allocation each, not one per completed lesson; times never grows, so
	// the rows may point into it.
	records := strings.Count(s, " ") / 4
	out := make([]progressRow, 0, records)
	times := make([]time.Time, 0, records)
	for s != "" {
		var f [4]string
		for i := range f {
			sp := strings.IndexByte(s, ' ')
			if sp < 0 {
				return nil, fmt.Errorf("progress record: %q", s)
			}
			f[i], s = s[:sp], s[sp+1:]
		}
		n, err1 := strconv.Atoi(f[0])
		secs, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil || n < 0 || n > len(s) || (f[3] != "0" && f[3] != "1") {
			return nil, fmt.Errorf("progress record: %q %q", f, s)
		}
		r := progressRow{LessonID: s[:n], SecondsOnTask: secs, Passed: f[3] == "1"}
		if f[2] != "-" {
			at, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("progress record: %q", f[2])
			}
			t := time.Unix(at, 0)
			if unit == time.Microsecond {
				t = time.UnixMicro(at)
			}
			times = append(times, t)
			r.CompletedAt = &times[len(times)-1]
		}
		out = append(out, r)
		s = s[n:]
	}
	return out, nil
}

// scanProgressRows reads (lesson_id, seconds_on_task, completed_at,
// passed) rows to the end and closes them.
func scanProgressRows(rows *sql.Rows) ([]progressRow, error) {
	defer rows.Close()
	var out []progressRow
	for rows.Next() {
		var r progressRow
		if err := rows.Scan(&r.LessonID, &r.SecondsOnTask, &r.CompletedAt, &r.Passed); err != nil {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

func (v *CourseView) setProgress(rows []progressRow) {
	for _, r := range rows {
		if r.LessonID == "" {
			continue
		}
		st := v.Progress[r.LessonID]
		st.Seen = true
		st.SecondsOnTask = max(st.SecondsOnTask, r.SecondsOnTask)
		if r.CompletedAt != nil {
			st.CompletedAt = r.CompletedAt
		}
		if r.Passed {
			v.QuizPassed[r.LessonID] = true
		}
		v.Progress[r.LessonID] = st
	}
}

// sqlVisit records a visit to a lesson in one round trip: it inserts or
// updates the lesson's progress row with the capped gap added to its time
// on task (see VisitGapCap), marks the enrolment's last activity (at most
// once a minute, so reading does not rewrite the enrolment row on every
// page), and returns the progress of every lesson of the enrolment and
// whether the visited lesson has a passed quiz attempt. The other lessons
// are read from the snapshot before the upsert; the visited lesson comes
// from the upsert's RETURNING.
//
// Like the heartbeat (sqlHeartbeat), the visit commits without waiting for
// the WAL flush (synchronous_commit off for this one statement's
// transaction; issue 20, docs/performance.md "Learner pages' CPU"). What a
// PostgreSQL crash (not an app crash, not a clean shutdown) can lose: the
// visits acknowledged in the last 3 × wal_writer_delay (600 ms by default)
// before it. A lost visit is one increment of one lesson's time on task
// (at most VisitGapCap), its last_seen_at, the enrolment's last activity
// (at most a minute's move), and — on the first visit of a lesson — the
// lesson's progress row itself: the page's heartbeats then answer
// not_found (their time is not counted) until the learner opens the lesson
// again, which creates the row anew. Completions, enrolments, quiz answers
// and learning events stay durable. Arguments: enrolment, lesson,
// now, now, cap (seconds), now, enrolment, now, enrolment, lesson,
// enrolment.
const sqlVisit = `
WITH up AS (
    INSERT INTO lesson_progress AS lp (enrolment_id, lesson_id, first_seen_at, last_seen_at, seconds_on_task)
    VALUES (?, ?, ?, ?, 0)
    ON CONFLICT (enrolment_id, lesson_id) DO UPDATE SET
        seconds_on_task = lp.seconds_on_task + least(greatest(floor(extract(epoch FROM (EXCLUDED.last_seen_at - lp.last_seen_at))), 0), ?)::integer,
        last_seen_at = greatest(lp.last_seen_at, EXCLUDED.last_seen_at)
    RETURNING lesson_id, seconds_on_task, completed_at
), act AS (
    UPDATE enrolments SET last_activity_at = ?::timestamptz
    WHERE id = ? AND (last_activity_at IS NULL OR last_activity_at < ?::timestamptz - interval '1 minute')
)
SELECT lesson_id, seconds_on_task, completed_at, false AS passed FROM up, (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
UNION ALL
SELECT lesson_id, seconds_on_task, completed_at, false FROM lesson_progress WHERE enrolment_id = ? AND lesson_id <> ?
UNION ALL
SELECT ?::text, 0, NULL::timestamptz, true WHERE EXISTS (SELECT FROM quiz_attempts WHERE enrolment_id = ? AND lesson_id = ? AND passed)`

// Player returns a lesson of the learner's own enrolment in the course
// player, and records the visit: the lesson's time on task grows by the
// time since the learner's previous request for it, capped at VisitGapCap.
// SECURITY: another person's enrolment, a withdrawn one, and a lesson that is
// not in the course's current published revision are all not_found, and
// nothing is written for them. Errors: not_found, conflict
// ("player.err_waitlisted": no seat yet).
func (s *Service) Player(ctx context.Context, l Learner, enrolmentID, lessonID string) (*PlayerPage, error) {
	if !validID(enrolmentID, l.UserID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	now := s.now().UTC()
	var v *CourseView
	var lesson *catalog.Lesson
	mi := 0
	// One round trip when the enrolment's course and revision are known and
	// the lesson is in that revision (visit.go); its row serves the checks
	// below when the guess no longer holds.
	if g, ok := s.visits.get(enrolmentID); ok {
		if content, err := s.contents.Revision(ctx, s.db, g.courseID, g.revision); err == nil {
			if gmi, _, gl := content.FindLesson(lessonID); gl != nil {
				r, progress, found, visited, err := s.playerVisit(ctx, l, enrolmentID, gl, g, now)
				if err != nil {
					return nil, err
				}
				if !found {
					return nil, apperr.New(apperr.NotFound, "error.not_found")
				}
				if visited {
					if g.activityDue(now) {
						g.activity = activityAfter(r.LastActivityAt, now)
						s.visits.put(enrolmentID, g)
					}
					v = &CourseView{Enrolment: r.Enrolment, Revision: g.revision, Content: *content,
						Progress: make(map[string]LessonState, len(progress)), QuizPassed: map[string]bool{},
						Course: r.Course}
					v.setProgress(progress)
					return s.playerPage(ctx, v, gl, gmi, now)
				}
				if v, err = courseViewFromRow(ctx, s.db, s.contents, r); err != nil {
					return nil, err
				}
			}
		}
	}
	if v == nil {
		var err error
		if v, err = loadCourseView(ctx, s.db, s.contents, l, enrolmentID); err != nil {
			return nil, err
		}
	}
	if v.Enrolment.Status == StatusWaitlisted {
		return nil, apperr.New(apperr.Conflict, "player.err_waitlisted")
	}
	mi, _, lesson = v.Content.FindLesson(lessonID)
	if lesson == nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	rows, err := s.db.WithContext(ctx).Raw(sqlVisit, v.Enrolment.ID, lesson.ID, now, now, int(VisitGapCap.Seconds()),
		now, v.Enrolment.ID, now, v.Enrolment.ID, lesson.ID, lesson.ID, v.Enrolment.ID, lesson.ID).Rows()
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	progress, err := scanProgressRows(rows)
	if err != nil {
		return nil, err
	}
	v.setProgress(progress)
	s.visits.put(enrolmentID, visitGuess{courseID: v.Course.ID, revision: v.Revision,
		activity: activityAfter(v.Enrolment.LastActivityAt, now)})
	return s.playerPage(ctx, v, lesson, mi, now)
}

// playerPage completes Player's page once the visit is written: the
// lesson's neighbours and its media file.
func (s *Service) playerPage(ctx context.Context, v *CourseView, lesson *catalog.Lesson, mi int, now time.Time) (*PlayerPage, error) {
	p := &PlayerPage{CourseView: *v, Lesson: lesson, ModuleIndex: mi, MeasuredAt: now}
	p.Prev, p.Next = neighbours(&p.Content, lesson.ID)
	if lesson.MediaID != "" && validID(lesson.MediaID) {
		if m := s.media.get(lesson.MediaID, v.Course.ID); m != nil {
			p.Media = m
			return p, nil
		}
		var m catalog.Media
		err := s.db.WithContext(ctx).Where("id = ? AND course_id = ?", lesson.MediaID, v.Course.ID).Take(&m).Error
		if err == nil {
			p.Media = &m
			s.media.put(lesson.MediaID, v.Course.ID, &m)
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
	}
	return p, nil
}

// neighbours returns the lessons before and after id in course order.
func neighbours(c *catalog.Content, id string) (prev, next *catalog.Lesson) {
	var last *catalog.Lesson
	found := false
	for mi := range c.Modules {
		for li := range c.Modules[mi].Lessons {
			l := &c.Modules[mi].Lessons[li]
			if found {
				return prev, l
			}
			if l.ID == id {
				prev, found = last, true
			}
			last = l
		}
	}
	return prev, nil
}

// CourseOverview returns the learner's own enrolment with the course's
// lessons and their progress, without recording a visit (the course page
// of the player, and the completion page). Errors: not_found.
func (s *Service) CourseOverview(ctx context.Context, l Learner, enrolmentID string) (*CourseView, error) {
	v, err := loadCourseView(ctx, s.db, s.contents, l, enrolmentID)
	if err != nil {
		return nil, err
	}
	rows, err := queryRaw(ctx, s.db, `
		SELECT lesson_id, seconds_on_task, completed_at, false AS passed FROM lesson_progress WHERE enrolment_id = $1::uuid
		UNION ALL
		SELECT DISTINCT lesson_id, 0, NULL::timestamptz, true FROM quiz_attempts WHERE enrolment_id = $1::uuid AND passed`,
		v.Enrolment.ID)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	progress, err := scanProgressRows(rows)
	if err != nil {
		return nil, err
	}
	v.setProgress(progress)
	return v, nil
}

// TooEarlyError refuses "Mark as complete" for a lesson whose time on task
// is still below its minimum (the completion rule). The time the request
// itself added is kept.
type TooEarlyError struct {
	RemainingMinutes int
}

func (e *TooEarlyError) Error() string {
	return fmt.Sprintf("lesson needs %d more minutes on task", e.RemainingMinutes)
}

// Completion is the outcome of marking a lesson complete.
type Completion struct {
	// AlreadyDone: the lesson was complete before (nothing changed).
	AlreadyDone bool
	// CourseCompleted: this completion completed the course.
	CourseCompleted bool
	// NextLessonID is the lesson to go to next ("" when the course has no
	// lesson left to do: show the course page).
	NextLessonID string
	// FlaggedFast: the course was completed suspiciously fast.
	FlaggedFast bool
}

// CompleteLesson marks a reading, video or resource lesson of the learner's
// own active enrolment complete, once. The request's own gap counts toward
// time on task (capped at CompleteGapCap). When the time on task is below
// the lesson's MinMinutes it is refused with *TooEarlyError (the time is
// still recorded). Otherwise, in one transaction: the lesson's completed_at
// is set, "lesson_completed" is appended with the seconds on task, the
// enrolment's last activity is updated and its progress recomputed (which
// completes the course once, appending "course_completed"); a course
// completed in less than FastCompletionShare of its estimated hours is
// flagged. Errors: not_found (not the learner's, withdrawn, or a lesson of
// another course), conflict ("player.err_waitlisted",
// "player.err_quiz_lesson": quizzes complete by passing them), *TooEarlyError.
func (s *Service) CompleteLesson(ctx context.Context, l Learner, enrolmentID, lessonID string) (*Completion, error) {
	var out Completion
	var tooEarly *TooEarlyError
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := ownEnrolment(ctx, tx, l, enrolmentID, true)
		if err != nil {
			return err
		}
		switch e.Status {
		case StatusWithdrawn:
			return apperr.New(apperr.NotFound, "error.not_found")
		case StatusWaitlisted:
			return apperr.New(apperr.Conflict, "player.err_waitlisted")
		}
		content, revision, err := publishedContent(ctx, tx, s.contents, e.CourseID)
		if err != nil {
			return err
		}
		_, _, lesson := content.FindLesson(lessonID)
		if lesson == nil {
			// SECURITY: progress for a lesson of another course is refused.
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if lesson.Kind == catalog.LessonQuiz {
			return apperr.New(apperr.Conflict, "player.err_quiz_lesson")
		}
		// A SCO lesson is done only when its package says so (scorm.go).
		if lesson.Kind == catalog.LessonScorm {
			ok, err := scormLessonDone(ctx, tx, e.ID, lesson)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.New(apperr.Conflict, "scorm.err_not_done")
			}
		}
		now := s.now().UTC()
		var st struct {
			SecondsOnTask int
			CompletedAt   *time.Time
		}
		if err := tx.Raw(`
			INSERT INTO lesson_progress AS lp (enrolment_id, lesson_id, first_seen_at, last_seen_at, seconds_on_task)
			VALUES (?, ?, ?, ?, 0)
			ON CONFLICT (enrolment_id, lesson_id) DO UPDATE SET
			    seconds_on_task = lp.seconds_on_task + least(greatest(floor(extract(epoch FROM (EXCLUDED.last_seen_at - lp.last_seen_at))), 0), ?)::integer,
			    last_seen_at = greatest(lp.last_seen_at, EXCLUDED.last_seen_at)
			RETURNING seconds_on_task, completed_at`,
			e.ID, lesson.ID, now, now, int(CompleteGapCap.Seconds())).Scan(&st).Error; err != nil {
			return err
		}
		out.NextLessonID = nextAfter(content, lesson.ID, e.NextLessonID)
		if st.CompletedAt != nil {
			out.AlreadyDone = true
			return nil
		}
		if st.SecondsOnTask < lesson.MinMinutes*60 {
			tooEarly = &TooEarlyError{RemainingMinutes: remainingMinutes(lesson.MinMinutes, st.SecondsOnTask)}
			return nil // commit the time on task; refuse below
		}
		if err := tx.Exec(`UPDATE lesson_progress SET completed_at = ? WHERE enrolment_id = ? AND lesson_id = ? AND completed_at IS NULL`,
			now, e.ID, lesson.ID).Error; err != nil {
			return err
		}
		if err := AppendEvent(ctx, tx, Event{Type: EventLessonCompleted, UserID: e.UserID, EnrolmentID: e.ID, CourseID: e.CourseID,
			CohortID: deref(e.CohortID), OrgID: deref(e.OrgID), LessonID: lesson.ID, At: now,
			Details: map[string]any{"seconds_on_task": st.SecondsOnTask, "revision": revision, "kind": lesson.Kind}}); err != nil {
			return err
		}
		if err := s.lessonDone(ctx, tx, *e, lesson.ID, now); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE enrolments SET last_activity_at = ? WHERE id = ?`, now, e.ID).Error; err != nil {
			return err
		}
		if err := s.recompute(ctx, tx, e.ID, now); err != nil {
			return err
		}
		var after Enrolment
		if err := tx.Where("id = ?", e.ID).Take(&after).Error; err != nil {
			return err
		}
		out.NextLessonID = nextAfter(content, lesson.ID, after.NextLessonID)
		if e.Status == StatusActive && after.Status == StatusCompleted {
			out.CourseCompleted = true
			out.NextLessonID = ""
			if completedTooFast(e.EnrolledAt, now, content.EstimatedHours) {
				out.FlaggedFast = true
				return tx.Exec(`UPDATE enrolments SET flagged_fast = true WHERE id = ?`, e.ID).Error
			}
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	if tooEarly != nil {
		return nil, tooEarly
	}
	return &out, nil
}

// completedTooFast reports whether enrolled → completed took less than
// FastCompletionShare of the estimated hours.
func completedTooFast(enrolled, completed time.Time, estimatedHours float64) bool {
	if estimatedHours <= 0 {
		return false
	}
	limit := time.Duration(estimatedHours * FastCompletionShare * float64(time.Hour))
	return completed.Sub(enrolled) < limit
}

// nextAfter is where to go after a lesson: the next lesson in course order
// that is not done yet according to next (the enrolment's first undone
// lesson), else the following lesson, else "" (the course page).
func nextAfter(c *catalog.Content, lessonID string, next *string) string {
	_, following := neighbours(c, lessonID)
	if following != nil {
		return following.ID
	}
	if next != nil && *next != lessonID {
		return *next
	}
	return ""
}

// Enrol enrols the learner in a published self-paced course (see
// EnrolSelfPaced); when they already have a live enrolment in it, that one
// is returned with already = true instead of an error. The enrolment comes
// back with its next lesson set. Errors: not_found, conflict
// ("learning.err_needs_cohort").
func (s *Service) Enrol(ctx context.Context, l Learner, courseID string) (e *Enrolment, already bool, err error) {
	e, err = s.EnrolSelfPaced(ctx, l, courseID)
	if ae, ok := apperr.As(err); ok && ae.Key == "learning.err_already_enrolled" {
		e, err = s.EnrolmentForCourse(ctx, l, courseID)
		return e, true, err
	}
	if err != nil {
		return nil, false, err
	}
	e, err = s.Enrolment(ctx, l, e.ID)
	return e, false, err
}

// HistoryEvent is one of the learner's own learning events.
type HistoryEvent struct {
	ID          int64
	OccurredAt  time.Time
	EventType   string
	EnrolmentID *string
	CourseID    string
	LessonID    *string
	Details     string
	CourseCode  string
	TitleJa     string
	TitleEn     string
	LessonTitle string // in the page's language, "" when unknown
	Seconds     int    // lesson_completed: time on task
	Score       *int   // quiz_attempted
	MaxScore    *int
	Passed      *bool
	FromStatus  string // withdrawn: the status left
}

// CourseTitle returns the course title in lang, falling back to Japanese.
func (h *HistoryEvent) CourseTitle(lang string) string { return i18n.Pick(lang, h.TitleJa, h.TitleEn) }

// History is one page of "My history", newest first.
type History struct {
	Events []HistoryEvent
	// Next is the cursor of the following (older) page, "" on the last.
	Next string
}

// History returns the learner's own learning events, newest first, a page
// at a time. before is the cursor of the page ("" for the newest): the
// (occurred_at, id) of the last event of the previous page, so pages stay
// stable while new events arrive. lang picks the lesson titles' language.
// Errors: invalid ("player.err_cursor").
func (s *Service) History(ctx context.Context, l Learner, before, lang string) (*History, error) {
	out := &History{}
	if !validID(l.UserID) {
		return out, nil
	}
	q := `SELECT ev.id, ev.occurred_at, ev.event_type, ev.enrolment_id, ev.course_id, ev.lesson_id, ev.details::text AS details,
	             c.code AS course_code, coalesce(c.title_ja, '') AS title_ja, coalesce(c.title_en, '') AS title_en
	      FROM learning_events ev JOIN courses c ON c.id = ev.course_id
	      WHERE ev.user_id = ?`
	args := []any{l.UserID}
	if before != "" {
		at, id, ok := parseCursor(before)
		if !ok {
			return nil, apperr.New(apperr.Invalid, "player.err_cursor")
		}
		q += ` AND (ev.occurred_at, ev.id) < (?, ?)`
		args = append(args, at, id)
	}
	q += ` ORDER BY ev.occurred_at DESC, ev.id DESC LIMIT ?`
	args = append(args, HistoryPageSize+1)
	var rows []HistoryEvent
	if err := s.db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) > HistoryPageSize {
		rows = rows[:HistoryPageSize]
		last := rows[len(rows)-1]
		out.Next = strconv.FormatInt(last.OccurredAt.UnixMicro(), 10) + "-" + strconv.FormatInt(last.ID, 10)
	}
	if err := s.historyLessonTitles(ctx, rows, lang); err != nil {
		return nil, err
	}
	for i := range rows {
		decodeDetails(&rows[i])
	}
	out.Events = rows
	return out, nil
}

// historyLessonTitles names the lessons of lesson and quiz events from the
// current published revision of each course on the page (one query).
func (s *Service) historyLessonTitles(ctx context.Context, rows []HistoryEvent, lang string) error {
	seen := map[string]bool{}
	var courses []string
	for _, r := range rows {
		if r.LessonID != nil && !seen[r.CourseID] {
			seen[r.CourseID] = true
			courses = append(courses, r.CourseID)
		}
	}
	if len(courses) == 0 {
		return nil
	}
	var revs []struct {
		CourseID string
		Content  string
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT r.course_id, r.content::text AS content FROM course_revisions r
		JOIN courses c ON c.id = r.course_id AND r.number = c.published_revision WHERE c.id IN ?`, courses).Scan(&revs).Error; err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	titles := map[string]string{}
	for _, r := range revs {
		var c catalog.Content
		if json.Unmarshal([]byte(r.Content), &c) != nil {
			continue
		}
		for _, m := range c.Modules {
			for _, le := range m.Lessons {
				titles[r.CourseID+"/"+le.ID] = le.Title(lang)
			}
		}
	}
	for i := range rows {
		if rows[i].LessonID != nil {
			rows[i].LessonTitle = titles[rows[i].CourseID+"/"+*rows[i].LessonID]
		}
	}
	return nil
}

// decodeDetails copies the details the history shows into typed fields.
func decodeDetails(h *HistoryEvent) {
	var d struct {
		SecondsOnTask *int    `json:"seconds_on_task"`
		Score         *int    `json:"score"`
		MaxScore      *int    `json:"max_score"`
		Passed        *bool   `json:"passed"`
		From          *string `json:"from"`
	}
	if json.Unmarshal([]byte(h.Details), &d) != nil {
		return
	}
	if d.SecondsOnTask != nil {
		h.Seconds = *d.SecondsOnTask
	}
	h.Score, h.MaxScore, h.Passed = d.Score, d.MaxScore, d.Passed
	if d.From != nil {
		h.FromStatus = *d.From
	}
}

// parseCursor reads "<unix microseconds>-<id>".
func parseCursor(s string) (time.Time, int64, bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return time.Time{}, 0, false
	}
	us, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || us <= 0 || id <= 0 {
		return time.Time{}, 0, false
	}
	return time.UnixMicro(us), id, true
}
