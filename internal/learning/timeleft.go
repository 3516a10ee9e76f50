package learning

import (
	"context"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
)

// What remains: the learner's pages show, for a lesson and for a course,
// the minutes spent, the minutes still needed, and a progress that counts
// time, not only finished lessons. Everything here is derived from the
// server's measurement (lesson_progress.seconds_on_task); nothing is
// stored.

// LessonTime is one lesson's time on task against its minimum.
type LessonTime struct {
	SecondsOnTask int
	MinMinutes    int
	Done          bool
	// MeasuredAt is when the server last measured the time (the page view
	// or heartbeat that produced this value).
	MeasuredAt time.Time
}

// MinutesDone is the whole minutes spent on the lesson (rounded down).
func (t LessonTime) MinutesDone() int { return t.SecondsOnTask / 60 }

// RemainingMinutes is how many more minutes (rounded up) the lesson needs
// before it can be marked complete; 0 when done or ready.
func (t LessonTime) RemainingMinutes() int {
	if t.Done {
		return 0
	}
	return remainingMinutes(t.MinMinutes, t.SecondsOnTask)
}

// Ready reports whether the lesson can be marked complete now.
func (t LessonTime) Ready() bool { return t.RemainingMinutes() == 0 }

// NeededSeconds is the lesson's minimum in seconds.
func (t LessonTime) NeededSeconds() int { return t.MinMinutes * 60 }

// CountedSeconds is the time on task that counts toward the minimum.
func (t LessonTime) CountedSeconds() int {
	if t.Done {
		return t.NeededSeconds()
	}
	return min(t.SecondsOnTask, t.NeededSeconds())
}

// CourseTime is the time a course still needs: the required lessons' minimum
// minutes, what of it is done, and a progress percentage weighted by time.
type CourseTime struct {
	// NeededMinutes is the sum of the required lessons' minimum minutes.
	NeededMinutes int
	// RemainingMinutes is the sum of the required lessons' remaining minutes.
	RemainingMinutes int
	// Percent is progress weighted by time: each required lesson weighs its
	// minimum (at least one minute, so quizzes and lessons without a minimum
	// count too) and counts in full once done, by its time on task before
	// that. It reaches 100 only when every required lesson is done.
	Percent int
	// NextLesson is the first required lesson not done (nil when none).
	NextLesson *catalog.Lesson
	// NextRemainingMinutes is NextLesson's remaining minutes.
	NextRemainingMinutes int
}

// LessonTime returns the learner's time on lesson l.
func (v *CourseView) LessonTime(l *catalog.Lesson) LessonTime {
	st := v.State(l.ID)
	return LessonTime{SecondsOnTask: st.SecondsOnTask, MinMinutes: l.MinMinutes, Done: st.Done()}
}

// Time returns what remains of the course for the learner. A course with no
// required lesson counts all of its lessons.
func (v *CourseView) Time() CourseTime {
	anyRequired := false
	for mi := range v.Content.Modules {
		for li := range v.Content.Modules[mi].Lessons {
			anyRequired = anyRequired || v.Content.Modules[mi].Lessons[li].Required
		}
	}
	var out CourseTime
	weight, credit, allDone := 0, 0, true
	for mi := range v.Content.Modules {
		for li := range v.Content.Modules[mi].Lessons {
			l := &v.Content.Modules[mi].Lessons[li]
			if anyRequired && !l.Required {
				continue
			}
			lt := v.LessonTime(l)
			out.NeededMinutes += l.MinMinutes
			out.RemainingMinutes += lt.RemainingMinutes()
			w := max(lt.NeededSeconds(), 60)
			weight += w
			if lt.Done {
				credit += w
			} else {
				allDone = false
				credit += lt.CountedSeconds()
				if out.NextLesson == nil {
					out.NextLesson, out.NextRemainingMinutes = l, lt.RemainingMinutes()
				}
			}
		}
	}
	switch {
	case weight == 0 || allDone:
		out.Percent = 100
	default:
		out.Percent = min(credit*100/weight, 99)
	}
	return out
}

// Time returns the lesson's time on task against its minimum, as measured
// when the page was made.
func (p *PlayerPage) Time() LessonTime {
	t := p.LessonTime(p.Lesson)
	t.MeasuredAt = p.MeasuredAt
	return t
}

// sqlHeartbeat adds the capped gap to a lesson's time on task and returns
// the new time with the lesson's minimum minutes, read from the course's
// current published revision (jsonpath, so the content is not decoded in
// Go on every heartbeat). SECURITY: conditioned on the enrolment being the
// learner's own. Arguments: now, cap (seconds), now, enrolment, user, lesson.
//
// PERFORMANCE: the heartbeat is the most frequent write (one per learner
// online every 30 s), so it commits with synchronous_commit off, set for
// this statement's own transaction by set_config(..., true) in its FROM
// list: it does not wait for the WAL to reach disk (9x fewer milliseconds
// per heartbeat measured, docs/capacity.md). What a PostgreSQL crash can
// lose: heartbeats acknowledged in the last moments before it (at most
// 3 × wal_writer_delay, 600 ms by default). Each lost one is one lesson's
// increment of time on task; last_seen_at goes back with it, so the
// learner's next heartbeat adds the whole gap again (up to VisitGapCap):
// nothing is lost unless the learner left the lesson within that window,
// and then at most VisitGapCap of one lesson. Nothing else is written this
// way: completions, enrolments, quiz answers and events stay synchronous.
const sqlHeartbeat = `
UPDATE lesson_progress lp SET
    seconds_on_task = lp.seconds_on_task + least(greatest(floor(extract(epoch FROM (?::timestamptz - lp.last_seen_at))), 0), ?)::integer,
    last_seen_at = greatest(lp.last_seen_at, ?::timestamptz)
FROM enrolments e, (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
WHERE lp.enrolment_id = e.id AND e.id = ? AND e.user_id = ? AND e.status IN ('active', 'completed') AND lp.lesson_id = ?
RETURNING lp.seconds_on_task, lp.completed_at IS NOT NULL AS done,
    coalesce((SELECT (jsonb_path_query_first(r.content, '$.modules[*].lessons[*] ? (@.id == $id).min_minutes',
                      jsonb_build_object('id', lp.lesson_id)) #>> '{}')::integer
              FROM courses c JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
              WHERE c.id = e.course_id), 0) AS min_minutes`

// Heartbeat adds reading time to a lesson page that stays open (the page
// sends one every 30 seconds while it is visible): the time since the
// previous request for the lesson, capped at VisitGapCap. It returns the
// lesson's time on task after the update, so the page can show what
// remains. Only a lesson the learner has opened (which checked that it
// belongs to the course) has a row to update. SECURITY: the update is
// conditioned on the enrolment being the learner's own, so anyone else's
// answers not_found and changes nothing. Errors: not_found.
func (s *Service) Heartbeat(ctx context.Context, l Learner, enrolmentID, lessonID string) (*LessonTime, error) {
	if !validID(enrolmentID, l.UserID) || lessonID == "" || len(lessonID) > 64 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	now := s.now().UTC()
	var rows []LessonTime
	if err := s.db.WithContext(ctx).Raw(sqlHeartbeat, now, int(VisitGapCap.Seconds()), now, enrolmentID, l.UserID, lessonID).
		Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	t := rows[0]
	t.MeasuredAt = now
	return &t, nil
}

// courseTimes computes the CourseTime of each in-progress enrolment of "My
// learning" from its lesson progress and passed quizzes (progress, by
// enrolment id, read with the enrolments: sqlMyLearning) and the published
// content of its course (from memory; the ones not there in one query).
func (s *Service) courseTimes(ctx context.Context, cs []MyCourse, progress map[string][]progressRow) error {
	if len(cs) == 0 {
		return nil
	}
	keys := make([]catalog.RevisionKey, 0, len(cs))
	for i := range cs {
		if cs[i].Course.PublishedRevision != nil {
			keys = append(keys, catalog.RevisionKey{CourseID: cs[i].CourseID, Number: *cs[i].Course.PublishedRevision})
		}
	}
	contents, err := s.contents.Revisions(ctx, s.db, keys)
	if err != nil {
		return err
	}
	// One view reused for every course (its maps cleared): a view per
	// course copied the content's header and made two maps each, ~12 % of
	// the page's allocations for a learner with 30 courses in progress.
	// Time's NextLesson points into the shared content, not into the view.
	v := &CourseView{Progress: map[string]LessonState{}, QuizPassed: map[string]bool{}}
	for i := range cs {
		if cs[i].Course.PublishedRevision == nil {
			continue
		}
		content := contents[catalog.RevisionKey{CourseID: cs[i].CourseID, Number: *cs[i].Course.PublishedRevision}]
		if content == nil {
			continue
		}
		v.Content = *content
		clear(v.Progress)
		clear(v.QuizPassed)
		v.setProgress(progress[cs[i].EnrolmentID])
		t := v.Time()
		cs[i].Time = &t
	}
	return nil
}
