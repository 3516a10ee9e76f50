package learn

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"takumi/internal/jst"
	"takumi/internal/learning"
	"takumi/views"
)

// myLearningText is what every course card of one "My learning" page says
// the same way: the labels, looked up once per page rather than once per
// card, and the messages with one argument split around it, so a card's
// text is a concatenation instead of a catalogue look-up and a Sprintf
// (the cards were ~20 % of the page's CPU for a learner with 30 courses in
// progress; docs/performance.md). What a card shows is exactly what
// p.T would give.
type myLearningText struct {
	p                                                                  views.Page
	provider, cohort, progress, timeProgress, nextLesson, lastActivity string
	continueText                                                       string
	progressLabel, timeProgressLabel, continueSR                       oneArg
	percentDone                                                        [101]string
}

// oneArg is a message with one %s or %d and no other verb, split around
// it; ok is false for any other message (then p.T formats it).
type oneArg struct {
	key           string
	before, after string
	ok            bool
}

func splitOneArg(p views.Page, key, verb string) oneArg {
	msg := p.T(key)
	a := oneArg{key: key}
	if i := strings.Index(msg, verb); i >= 0 && strings.Count(msg, "%") == 1 {
		a.before, a.after, a.ok = msg[:i], msg[i+len(verb):], true
	}
	return a
}

func (a oneArg) s(p views.Page, v string) string {
	if a.ok {
		return a.before + v + a.after
	}
	return p.T(a.key, v)
}

func newMyLearningText(p views.Page) *myLearningText {
	return &myLearningText{p: p,
		provider: p.T("player.provider"), cohort: p.T("player.cohort"), progress: p.T("player.progress"),
		timeProgress: p.T("player.time_progress"), nextLesson: p.T("player.next_lesson"),
		lastActivity: p.T("player.last_activity"), continueText: p.T("player.continue"),
		progressLabel:     splitOneArg(p, "player.progress_label", "%s"),
		timeProgressLabel: splitOneArg(p, "player.time_progress_label", "%s"),
		continueSR:        splitOneArg(p, "player.continue_sr", "%s"),
	}
}

// percent is "n% done", formatted once per page for each n of 0–100.
func (t *myLearningText) percent(n int) string {
	if n < 0 || n > 100 {
		return t.p.T("player.percent_done", n)
	}
	if t.percentDone[n] == "" {
		t.percentDone[n] = t.p.T("player.percent_done", n)
	}
	return t.percentDone[n]
}

// courseCard is the text of one in-progress course's card.
type courseCard struct {
	title, provider, cohort string
	progressID              string
	progressValue           string
	progressLabel           string
	progressText            string
	// time: the time-progress bar (hasTime false when the course has no
	// time figures).
	hasTime                                   bool
	timeID, timeValue, timeLabel, timePercent string
	timeText                                  string
	hasNext                                   bool
	nextTitle, nextLang, nextLeft             string
	hasNextLeft                               bool
	lastActivity, continueSR                  string
}

func (t *myLearningText) card(c *learning.MyCourse) courseCard {
	p := t.p
	lang := p.Lang()
	title := c.Title(lang)
	k := courseCard{title: title, provider: c.ProviderName(lang), cohort: c.CohortName(lang),
		progressID: "progress-" + c.EnrolmentID, progressValue: strconv.Itoa(c.ProgressPercent),
		progressLabel: t.progressLabel.s(p, title), progressText: t.percent(c.ProgressPercent),
		lastActivity: jst.DateTime(c.LastActivity()), continueSR: t.continueSR.s(p, title)}
	if c.Time != nil {
		ct := c.Time
		k.hasTime = true
		k.timeID, k.timeValue = "time-"+c.EnrolmentID, strconv.Itoa(ct.Percent)
		k.timeLabel, k.timePercent = t.timeProgressLabel.s(p, title), t.percent(ct.Percent)
		switch {
		case ct.RemainingMinutes > 0:
			k.timeText = p.T("player.time_course_left", ct.RemainingMinutes, ct.NeededMinutes)
		case ct.NextLesson != nil:
			k.timeText = p.T("player.time_course_ready", ct.NeededMinutes)
		default:
			k.timeText = k.timePercent
		}
		if ct.NextLesson != nil {
			k.hasNext = true
			k.nextTitle, k.nextLang = ct.NextLesson.Title(lang), playerLessonTitleLang(p, ct.NextLesson)
			if ct.NextLesson.MinMinutes > 0 {
				k.hasNextLeft = true
				k.nextLeft = p.T("player.next_lesson_left", ct.NextRemainingMinutes)
			}
		}
	}
	return k
}

// inProgressCards writes the cards of the courses in progress: the markup
// of inProgressCourse (mylearning.templ, kept as the reference that
// TestInProgressCardsMatchTemplate compares with), written directly. templ
// turns each { text } of a component into fmt.Sprint and each attribute
// into a resolved expression, about two allocations apiece: half of the
// page's allocations for a learner with 30 courses in progress. Every value
// is escaped as templ escapes it (templ.EscapeString for text and
// attributes; the two links are templ.SafeURLs, which templ does not
// sanitise either).
func inProgressCards(cs []learning.MyCourse, t *myLearningText) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		b := cardWriter{w: w}
		for i := range cs {
			b.card(&cs[i], t.card(&cs[i]), t)
		}
		return b.err
	})
}

// cardWriter writes strings to w, keeping the first error.
type cardWriter struct {
	w   io.Writer
	err error
}

func (b *cardWriter) raw(s string) {
	if b.err == nil {
		_, b.err = io.WriteString(b.w, s)
	}
}

func (b *cardWriter) esc(s string) { b.raw(templ.EscapeString(s)) }

func (b *cardWriter) card(c *learning.MyCourse, k courseCard, t *myLearningText) {
	b.raw(`<li class="panel" data-enrolment="`)
	b.esc(c.EnrolmentID)
	b.raw(`"><h3><a href="`)
	b.esc(string(playerCourseURL(c.EnrolmentID)))
	b.raw(`">`)
	b.esc(k.title)
	b.raw(`</a></h3><dl class="meta"><dt>`)
	b.esc(t.provider)
	b.raw(`</dt><dd>`)
	b.esc(k.provider)
	b.raw(`</dd>`)
	if k.cohort != "" {
		b.raw(`<dt>`)
		b.esc(t.cohort)
		b.raw(`</dt><dd>`)
		b.esc(k.cohort)
		b.raw(`</dd>`)
	}
	b.raw(`<dt>`)
	b.esc(t.progress)
	b.raw(`</dt><dd>`)
	b.bar(k.progressID, k.progressValue, k.progressLabel, k.progressText, `<span>`)
	b.esc(k.progressText)
	b.raw(`</span></div></dd>`)
	if k.hasTime {
		b.raw(`<dt>`)
		b.esc(t.timeProgress)
		b.raw(`</dt><dd>`)
		b.bar(k.timeID, k.timeValue, k.timeLabel, k.timePercent, `<span id="`)
		b.esc(k.timeID + "-text")
		b.raw(`">`)
		b.esc(k.timeText)
		b.raw(`</span></div></dd>`)
		if k.hasNext {
			b.raw(`<dt>`)
			b.esc(t.nextLesson)
			b.raw(`</dt><dd class="next-lesson"><span`)
			if k.nextLang != "" {
				b.raw(` lang="`)
				b.esc(k.nextLang)
				b.raw(`"`)
			}
			b.raw(`>`)
			b.esc(k.nextTitle)
			b.raw(`</span> `)
			if k.hasNextLeft {
				b.raw(`  <span class="hint">`)
				b.esc(k.nextLeft)
				b.raw(`</span>`)
			}
			b.raw(`</dd>`)
		}
	}
	b.raw(`<dt>`)
	b.esc(t.lastActivity)
	b.raw(`</dt><dd>`)
	b.esc(k.lastActivity)
	b.raw(`</dd></dl><p><a class="button continue-link" href="`)
	b.esc(string(playerContinueURL(c.EnrolmentID, c.NextLessonID)))
	b.raw(`">`)
	b.esc(t.continueText)
	b.raw(` <span class="visually-hidden">`)
	b.esc(k.continueSR)
	b.raw(`</span></a></p></li>`)
}

// bar writes a progress bar's start (progressBarText, timeProgressText) up
// to its text's opening tag, open.
func (b *cardWriter) bar(id, value, label, text, open string) {
	b.raw(`<div class="player-progress"><progress id="`)
	b.esc(id)
	b.raw(`" max="100" value="`)
	b.esc(value)
	b.raw(`" aria-label="`)
	b.esc(label)
	b.raw(`">`)
	b.esc(text)
	b.raw(`</progress> `)
	b.raw(open)
}
