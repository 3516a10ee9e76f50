package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"
)

// Enrolment statuses the generator writes (self-paced courses: no cohort,
// no waitlist).
const (
	stActive uint8 = iota
	stCompleted
	stWithdrawn
)

var statusNames = []string{"active", "completed", "withdrawn"}

// enrolment is one generated enrolment, compact: lesson progress and
// events are derived from it while they are written.
type enrolment struct {
	id         [16]byte
	learner    int32 // index into generator.learners; -1 is the bench learner
	course     int32
	status     uint8
	done       uint8 // the first done lessons (in course order) are complete
	inProgress bool  // the next lesson has been opened but is not complete
	detail     bool  // its lesson_progress rows are written
	enrolled   int64 // Unix seconds
	last       int64 // last activity; 0: none yet
	ended      int64 // completed or withdrawn; 0: neither
}

// copyEnrolments writes, chunk by chunk in parallel, the enrolments of the
// chunk's learners (and the bench learner's share), their lesson progress
// and their learning events.
func (g *generator) copyEnrolments(ctx context.Context) (int64, error) {
	var total int64
	for _, s := range g.chunks {
		total += s.enrolCount
	}
	if g.o.Events > 0 && total == 0 {
		return 0, fmt.Errorf("events need enrolments")
	}
	benchCourses := g.rng(streamBench, 1).Perm(len(g.courses))
	if len(benchCourses) < BenchEnrolments {
		return 0, fmt.Errorf("the bench learner needs %d courses, there are %d", BenchEnrolments, len(g.courses))
	}
	var nEnrol, nProgress, nEvents, nCredentials atomic.Int64
	start := time.Now()
	err := g.parallel(ctx, func(ctx context.Context, s learnerSpan) error {
		t0 := time.Now()
		list := g.chunkEnrolments(s, benchCourses)
		tGen := time.Since(t0)
		n, err := g.copy(ctx, "enrolments", enrolmentColumns, g.enrolmentRows(list))
		if err != nil {
			return fmt.Errorf("copy enrolments of chunk %d: %w", s.index, err)
		}
		nEnrol.Add(n)
		tEnrol := time.Since(t0)
		if src := g.progressRows(list); src.n > 0 {
			n, err := g.copy(ctx, "lesson_progress", progressColumns, src)
			if err != nil {
				return fmt.Errorf("copy lesson progress of chunk %d: %w", s.index, err)
			}
			nProgress.Add(n)
		}
		tProgress := time.Since(t0)
		if g.o.Events > 0 {
			quota := g.o.Events*(s.enrolFrom+s.enrolCount)/total - g.o.Events*s.enrolFrom/total
			src := g.eventRows(list, quota)
			n, err := g.copy(ctx, "learning_events", eventColumns, src)
			if err != nil {
				return fmt.Errorf("copy events of chunk %d: %w", s.index, err)
			}
			nEvents.Add(n)
			nCredentials.Add(src.credentials)
		}
		g.logf("   enrolments %d/%d, lesson progress %d, events %d (%s; chunk %d: generate %s, enrolments %s, progress %s, events %s)",
			nEnrol.Load(), total, nProgress.Load(), nEvents.Load(), time.Since(start).Round(time.Second), s.index,
			tGen.Round(time.Millisecond), (tEnrol - tGen).Round(time.Millisecond), (tProgress - tEnrol).Round(time.Millisecond),
			(time.Since(t0) - tProgress).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		return 0, err
	}
	g.res.Enrolments, g.res.LessonProgress, g.res.Events = nEnrol.Load(), nProgress.Load(), nEvents.Load()
	g.res.Credentials = nCredentials.Load()
	if g.o.Events > 0 {
		g.logf("   of the events, %d credential_issued (synthetic credentials: events only, no credentials rows)", g.res.Credentials)
	}
	return g.res.Enrolments + g.res.LessonProgress + g.res.Events, nil
}

// chunkEnrolments generates the enrolments of one chunk: each learner's,
// in distinct courses drawn by popularity, and the bench learner's share
// at random places among them.
func (g *generator) chunkEnrolments(s learnerSpan, benchCourses []int) []enrolment {
	r := g.rng(streamEnrolments, s.index)
	t := g.learners
	now := g.o.Now.Unix()
	list := make([]enrolment, 0, s.enrolCount)
	var picked [256]int
	for i := s.from; i < s.to; i++ {
		k := int(t.count[i])
		for e := 0; e < k; e++ {
			c := g.popular.pick(r)
			for slices.Contains(picked[:e], c) {
				c = g.popular.pick(r)
			}
			picked[e] = c
			list = append(list, g.newEnrolment(r, int32(i), c, t.created[i], now, 0xff))
		}
	}
	for _, j := range s.bench {
		// Thirty in progress at every stage, fifteen completed, five withdrawn.
		status := stActive
		switch {
		case j >= 45:
			status = stWithdrawn
		case j >= 30:
			status = stCompleted
		}
		br := g.rng(streamBench, 100+j)
		e := g.newEnrolment(br, -1, benchCourses[j], g.bench.created, now, status)
		e.detail = true
		if status == stActive {
			e.done = uint8(j % len(g.courses[e.course].lessons))
			e.inProgress = true
			e.last = e.enrolled + br.Int64N(max(1, now-e.enrolled))
		}
		at := r.IntN(len(list) + 1)
		list = append(list, enrolment{})
		copy(list[at+1:], list[at:])
		list[at] = e
	}
	return list
}

// newEnrolment draws one enrolment of a learner who signed up at created;
// status 0xff draws the status too (60% active, 25% completed, 15%
// withdrawn).
func (g *generator) newEnrolment(r *rand.Rand, learner int32, course int, created, now int64, status uint8) enrolment {
	lessons := len(g.courses[course].lessons)
	e := enrolment{id: newUUID(r), learner: learner, course: int32(course)}
	e.enrolled = created + r.Int64N(max(1, now-created))
	if status == 0xff {
		switch p := r.IntN(100); {
		case p < 60:
			status = stActive
		case p < 85:
			status = stCompleted
		default:
			status = stWithdrawn
		}
	}
	e.status = status
	left := max(1, now-e.enrolled)
	switch status {
	case stActive:
		e.done = uint8(r.IntN(lessons))
		e.inProgress = r.IntN(2) == 0
		if e.done > 0 || e.inProgress {
			e.last = e.enrolled + r.Int64N(left)
		}
	case stCompleted:
		e.done = uint8(lessons)
		e.ended = min(now, e.enrolled+600+r.Int64N(min(left, 120*86400)))
		e.last = e.ended
	case stWithdrawn:
		e.done = uint8(r.IntN(lessons/2 + 1))
		e.ended = e.enrolled + r.Int64N(min(left, 90*86400))
		if e.done > 0 {
			e.last = e.enrolled + (e.ended-e.enrolled)*4/5
		}
	}
	e.detail = r.Float64() < g.o.ProgressShare
	return e
}

func (g *generator) userID(e *enrolment) [16]byte {
	if e.learner < 0 {
		return g.bench.id
	}
	return g.learners.ids[e.learner]
}

var enrolmentColumns = []string{"id", "user_id", "course_id", "status", "enrolled_at", "completed_at", "withdrawn_at",
	"last_activity_at", "progress_percent", "next_lesson_id"}

func (g *generator) enrolmentRows(list []enrolment) *rowSource {
	return &rowSource{n: len(list), row: make([]any, len(enrolmentColumns)), fill: func(i int, row []any) {
		e := &list[i]
		c := &g.courses[e.course]
		row[0] = e.id
		row[1] = g.userID(e)
		row[2] = c.id
		row[3] = statusNames[e.status]
		row[4] = unix(e.enrolled)
		row[5], row[6] = nil, nil
		switch e.status {
		case stCompleted:
			row[5] = unix(e.ended)
		case stWithdrawn:
			row[6] = unix(e.ended)
		}
		row[7] = nil
		if e.last != 0 {
			row[7] = unix(e.last)
		}
		// As RecomputeProgress derives them: the share of required lessons
		// done, and the first lesson not done.
		required := c.requiredBefore[len(c.lessons)]
		percent := int32(0)
		if required > 0 {
			percent = int32(c.requiredBefore[e.done] * 100 / required)
		}
		row[8] = percent
		row[9] = nil
		if int(e.done) < len(c.lessons) {
			row[9] = c.lessons[e.done].id
		}
	}}
}

// lessonTime is when lesson j of e was completed: the done lessons are
// spread evenly between enrolment and last activity.
func lessonTime(e *enrolment, j int) int64 {
	end := max(e.last, e.enrolled)
	return e.enrolled + (end-e.enrolled)*int64(j+1)/int64(int(e.done)+1)
}

// secondsOnTask is a plausible time on task for lesson j (3 to 33 minutes).
func secondsOnTask(e *enrolment, j int) int64 {
	return 180 + int64(e.id[j%16])*7
}

var progressColumns = []string{"enrolment_id", "lesson_id", "first_seen_at", "last_seen_at", "seconds_on_task", "completed_at"}

// progressRows yields the lesson_progress rows of the enrolments with
// detail: one completed row per done lesson and an open one for the lesson
// in progress.
func (g *generator) progressRows(list []enrolment) *rowSource {
	type ref struct {
		e *enrolment
		j int
	}
	var refs []ref
	for i := range list {
		e := &list[i]
		if !e.detail {
			continue
		}
		n := int(e.done)
		if e.inProgress && n < len(g.courses[e.course].lessons) {
			n++
		}
		for j := range n {
			refs = append(refs, ref{e, j})
		}
	}
	return &rowSource{n: len(refs), row: make([]any, len(progressColumns)), fill: func(i int, row []any) {
		e, j := refs[i].e, refs[i].j
		c := &g.courses[e.course]
		secs := secondsOnTask(e, j)
		row[0] = e.id
		row[1] = c.lessons[j].id
		if j < int(e.done) {
			at := lessonTime(e, j)
			row[2] = unix(max(e.enrolled, at-secs))
			row[3] = unix(at)
			row[5] = unix(at)
		} else { // opened, not complete
			at := max(e.last, e.enrolled)
			row[2] = unix(max(e.enrolled, at-secs))
			row[3] = unix(at)
			row[5] = nil
		}
		row[4] = int32(secs)
	}}
}

var eventColumns = []string{"occurred_at", "event_type", "user_id", "enrolment_id", "course_id", "provider_id", "skill_area",
	"prefecture", "industry", "segment", "lesson_id", "details"}

// event is one generated learning event of an enrolment.
type event struct {
	at      int64
	typ     string
	lesson  string
	details json.RawMessage
}

var (
	emptyDetails   = json.RawMessage(`{}`)
	passedDetails  = json.RawMessage(`{"score":3,"max_score":3,"passed":true}`)
	failedDetails  = json.RawMessage(`{"score":1,"max_score":3,"passed":false}`)
	fromActive     = json.RawMessage(`{"from":"active"}`)
	completedExtra = json.RawMessage(`{"revision":1}`)
)

// naturalEvents appends the history of e to buf: enrolled; for each done
// lesson a passing quiz attempt (quizzes) and lesson_completed; then
// course_completed and credential_issued, or withdrawn.
func (g *generator) naturalEvents(buf []event, e *enrolment) []event {
	c := &g.courses[e.course]
	buf = append(buf, event{at: e.enrolled, typ: "enrolled", details: emptyDetails})
	for j := range int(e.done) {
		at := lessonTime(e, j)
		if c.lessons[j].quiz {
			buf = append(buf, event{at: max(e.enrolled, at-60), typ: "quiz_attempted", lesson: c.lessons[j].id, details: passedDetails})
		}
		buf = append(buf, event{at: at, typ: "lesson_completed", lesson: c.lessons[j].id, details: emptyDetails})
	}
	switch e.status {
	case stCompleted:
		buf = append(buf, event{at: e.ended, typ: "course_completed", details: completedExtra})
		// The credential the completion earns, issued in the same moment.
		// Synthetic: only the event exists, no credentials row (see
		// credentialID).
		buf = append(buf, event{at: e.ended, typ: "credential_issued", details: credentialDetails(e)})
	case stWithdrawn:
		buf = append(buf, event{at: e.ended, typ: "withdrawn", details: fromActive})
	}
	return buf
}

// credentialID is the id of the credential a completed enrolment earns,
// derived from the enrolment's id (a bijection, so ids are unique and the
// same on every run). The generator writes the credential_issued event
// only: a credentials row needs a signed document, and signing millions
// takes hours, so the synthetic credentials exist in the event log (and so
// in the national numbers) but have no verification page or wallet entry.
func credentialID(e *enrolment) [16]byte {
	u := e.id
	for i := range u {
		u[i] ^= 0xa5
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func credentialDetails(e *enrolment) json.RawMessage {
	return json.RawMessage(`{"credential_id":"` + uuidString(credentialID(e)) + `"}`)
}

// eventRows yields exactly quota events for the chunk. When the chunk's
// natural histories hold more, they are thinned evenly; when they hold
// fewer, each enrolment gets its share of extra (failed) quiz attempts.
func (g *generator) eventRows(list []enrolment, quota int64) *eventSource {
	var natural int64
	var buf []event
	for i := range list {
		buf = g.naturalEvents(buf[:0], &list[i])
		natural += int64(len(buf))
	}
	return &eventSource{g: g, list: list, quota: quota, natural: natural, row: make([]any, len(eventColumns))}
}

type eventSource struct {
	g              *generator
	list           []enrolment
	quota, natural int64
	i              int
	buf            []event
	k              int
	seen           int64
	row            []any
	credentials    int64 // credential_issued events yielded
}

func (s *eventSource) Next() bool {
	for s.k >= len(s.buf) {
		if s.i >= len(s.list) {
			return false
		}
		s.fillBuffer()
	}
	ev := &s.buf[s.k]
	s.k++
	e := &s.list[s.i-1]
	g := s.g
	c := &g.courses[e.course]
	s.row[0] = unix(ev.at)
	s.row[1] = ev.typ
	s.row[2] = g.userID(e)
	s.row[3] = e.id
	s.row[4] = c.id
	s.row[5] = c.providerID
	s.row[6] = nil
	if c.skillArea != "" {
		s.row[6] = c.skillArea
	}
	pref, ind, seg := g.bench.pref, g.bench.ind, g.bench.seg
	if e.learner >= 0 {
		pref, ind, seg = g.learners.pref[e.learner], g.learners.ind[e.learner], g.learners.seg[e.learner]
	}
	s.row[7] = g.prefs[pref]
	s.row[8] = g.learners.inds[ind]
	s.row[9] = segments[seg]
	s.row[10] = nil
	if ev.lesson != "" {
		s.row[10] = ev.lesson
	}
	s.row[11] = ev.details
	if ev.typ == "credential_issued" {
		s.credentials++
	}
	return true
}

// fillBuffer puts the events of the next enrolment in buf.
func (s *eventSource) fillBuffer() {
	e := &s.list[s.i]
	all := s.g.naturalEvents(s.buf[:0], e)
	s.buf, s.k = all[:0], 0
	if s.natural >= s.quota {
		for _, ev := range all {
			// Keep event number seen when the running share crosses a whole event.
			if (s.seen+1)*s.quota/s.natural > s.seen*s.quota/s.natural {
				s.buf = append(s.buf, ev)
			}
			s.seen++
		}
	} else {
		s.buf = all
		pad := s.quota - s.natural
		n := int64(len(s.list))
		extra := (int64(s.i)+1)*pad/n - int64(s.i)*pad/n
		c := &s.g.courses[e.course]
		lesson := c.lessons[max(c.firstQuiz, 0)].id
		end := max(e.last, e.ended, e.enrolled)
		for x := range extra {
			s.buf = append(s.buf, event{at: e.enrolled + (end-e.enrolled)*(x+1)/(extra+1), typ: "quiz_attempted",
				lesson: lesson, details: failedDetails})
		}
	}
	s.i++
}

func (s *eventSource) Values() ([]any, error) { return s.row, nil }
func (s *eventSource) Err() error             { return nil }

func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
