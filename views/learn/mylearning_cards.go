package learn

import (
	"strconv"
	"strings"

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
	title := c.Course.Title(lang)
	k := courseCard{title: title, provider: c.Course.ProviderName(lang), cohort: c.CohortName(lang),
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
