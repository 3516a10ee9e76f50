package learning

// SCORM run-time data (issue 16). A scorm lesson's SCO runs on the content
// origin; the run-time API there (scorm-again) reaches the app only by
// postMessage to the player page, which posts each commit here with the
// attempt's launch token. Each attempt (one per enrolment and lesson) keeps
// the run-time data the learner resumes from; when the SCO reports itself
// done, the lesson is completed through CompleteLesson, so the course's
// completion and credential follow exactly as for native lessons.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/token"
)

// Limits of the SCORM run-time.
const (
	// ScormLaunchTTL is how long a launch token stays valid after the last
	// page view or commit that used it.
	ScormLaunchTTL = 4 * time.Hour
	// ScormMaxCommitBytes bounds one commit's data (interactions included).
	ScormMaxCommitBytes = 512 << 10
	scormMaxSuspend12   = 4096
	scormMaxSuspend2004 = 64000
)

// ScormLaunch is what the player page needs to open a SCO: the launch
// token of this attempt and the data the SCO resumes from.
type ScormLaunch struct {
	Token   string
	Version string
	// Init is the run-time data loaded into the API before the SCO starts
	// (scorm-again's loadFromJSON shape), as JSON.
	Init string
	// Status is the stored status ("" before the first commit): 1.2
	// lesson_status or 2004 completion_status.
	Status string
	// Suspended reports whether the learner left the SCO suspended.
	Suspended bool
}

// ScormTarget is what a launch token opens on the content origin.
type ScormTarget struct {
	PackageID  string
	LaunchPath string
	Version    string
}

type scormAttempt struct {
	EnrolmentID      string
	LessonID         string
	Version          string
	SuspendData      string
	Location         string
	LessonStatus     string
	CompletionStatus string
	SuccessStatus    string
	ExitMode         string
	ScoreRaw         *float64
	ScoreMin         *float64
	ScoreMax         *float64
	ScoreScaled      *float64
	TotalSeconds     float64
	Commits          int
}

// LaunchScorm opens (or reopens) the learner's attempt at the scorm lesson
// of a player page with a fresh launch token, replacing any earlier one
// (SECURITY: one live token per attempt, hashed with internal/token), and
// returns what the SCO resumes from. Errors: not_found (not a scorm
// lesson).
func (s *Service) LaunchScorm(ctx context.Context, l Learner, pp *PlayerPage) (*ScormLaunch, error) {
	ref := pp.Lesson.Scorm
	if pp.Lesson.Kind != catalog.LessonScorm || ref == nil || l.UserID != pp.Enrolment.UserID {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	plain, hash := token.New()
	now := s.now().UTC()
	var a scormAttempt
	// The launch and its "scorm_launched" event commit together.
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`
		INSERT INTO scorm_attempts AS a (enrolment_id, lesson_id, package_id, version, launch_path, launch_token_hash, launch_expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (enrolment_id, lesson_id) DO UPDATE SET package_id = EXCLUDED.package_id, version = EXCLUDED.version,
		    launch_path = EXCLUDED.launch_path, launch_token_hash = EXCLUDED.launch_token_hash, launch_expires_at = EXCLUDED.launch_expires_at
		RETURNING *`, pp.Enrolment.ID, pp.Lesson.ID, ref.PackageID, ref.Version, ref.Launch, hash, now.Add(ScormLaunchTTL)).Scan(&a).Error; err != nil {
			return err
		}
		return AppendEvent(ctx, tx, Event{Type: EventScormLaunched, UserID: l.UserID, EnrolmentID: pp.Enrolment.ID,
			CourseID: pp.Enrolment.CourseID, CohortID: deref(pp.Enrolment.CohortID), OrgID: deref(pp.Enrolment.OrgID),
			LessonID: pp.Lesson.ID, At: now, Details: map[string]any{"version": ref.Version, "entry": scormEntry(&a)}})
	})
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	init, err := json.Marshal(scormInit(&a, ref, l.UserID))
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	st := a.LessonStatus
	if ref.Version == catalog.ScormV2004 {
		st = a.CompletionStatus
	}
	return &ScormLaunch{Token: plain, Version: ref.Version, Init: string(init), Status: st, Suspended: a.ExitMode == "suspend"}, nil
}

// scormInit is the data a SCO starts with: who the learner is (their
// random id, never a name or address), and for a returning learner where
// they were (location, suspend_data, status, score, total time), with
// entry "resume" when they left suspended.
func scormInit(a *scormAttempt, ref *catalog.ScormRef, learnerID string) map[string]any {
	entry := scormEntry(a)
	score := map[string]any{}
	put := func(m map[string]any, k string, v *float64) {
		if v != nil {
			m[k] = strconv.FormatFloat(*v, 'f', -1, 64)
		}
	}
	put(score, "raw", a.ScoreRaw)
	put(score, "min", a.ScoreMin)
	put(score, "max", a.ScoreMax)
	set := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	if ref.Version == catalog.ScormV12 {
		core := map[string]any{"student_id": learnerID, "entry": entry, "total_time": cmiTimespan(a.TotalSeconds)}
		set(core, "lesson_location", a.Location)
		set(core, "lesson_status", a.LessonStatus)
		if len(score) > 0 {
			core["score"] = score
		}
		out := map[string]any{"core": core}
		set(out, "suspend_data", a.SuspendData)
		set(out, "launch_data", ref.DataFromLMS)
		if ref.MasteryScore != nil {
			out["student_data"] = map[string]any{"mastery_score": strconv.FormatFloat(*ref.MasteryScore, 'f', -1, 64)}
		}
		return out
	}
	put(score, "scaled", a.ScoreScaled)
	out := map[string]any{"learner_id": learnerID, "entry": entry, "total_time": isoDuration(a.TotalSeconds)}
	set(out, "location", a.Location)
	set(out, "suspend_data", a.SuspendData)
	set(out, "completion_status", a.CompletionStatus)
	set(out, "success_status", a.SuccessStatus)
	set(out, "launch_data", ref.DataFromLMS)
	if len(score) > 0 {
		out["score"] = score
	}
	if ref.ScaledPassingScore != nil {
		out["scaled_passing_score"] = strconv.FormatFloat(*ref.ScaledPassingScore, 'f', -1, 64)
	}
	return out
}

// scormEntry is the attempt's cmi entry: "ab-initio" before the first
// commit, "resume" after leaving suspended, else "".
func scormEntry(a *scormAttempt) string {
	switch {
	case a.Commits == 0:
		return "ab-initio"
	case a.ExitMode == "suspend":
		return "resume"
	}
	return ""
}

// ScormTargetOf returns what a live launch token opens (the content origin
// serves only that package). Errors: not_found (unknown or expired).
func (s *Service) ScormTargetOf(ctx context.Context, tok string) (*ScormTarget, error) {
	if !token.Plausible(tok) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var rows []ScormTarget
	if err := s.db.WithContext(ctx).Raw(`SELECT package_id, launch_path, version FROM scorm_attempts
		WHERE launch_token_hash = ? AND launch_expires_at > ?`, token.Hash(tok), s.now().UTC()).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &rows[0], nil
}

// ScormValueError refuses a commit whose data breaks the SCORM data model:
// the element and the SCORM error code (405 wrong type or vocabulary, 407
// out of range, 406 too long for 2004's "type mismatch" family is mapped
// to the version's code).
type ScormValueError struct {
	Element string
	Code    int
}

func (e *ScormValueError) Error() string {
	return fmt.Sprintf("scorm: %s refused (error %d)", e.Element, e.Code)
}

// ScormCommitResult is the outcome of a commit.
type ScormCommitResult struct {
	// EnrolmentID and LessonID name the attempt the token opened.
	EnrolmentID, LessonID string
	// Done: the SCO reports itself done (by the version's rule).
	Done bool
	// LessonCompleted: the lesson is complete (now or before).
	LessonCompleted bool
	// CourseCompleted: this commit completed the course.
	CourseCompleted bool
	// NextLessonID is where the player goes next ("" for the course page).
	NextLessonID string
	// RemainingMinutes > 0: the SCO is done but the lesson's minimum time
	// on task is not reached yet.
	RemainingMinutes int
}

// CommitScorm stores the run-time data of the learner's attempt that the
// launch token names. SECURITY: the token must be live and belong to an
// attempt of the signed-in learner's own enrolment; every value is checked
// against the data model first (*ScormValueError: nothing is stored). On
// terminate the session time is added to the attempt's total. When the SCO
// reports itself done (1.2: lesson_status passed or completed, or the
// mastery score reached; 2004: completion_status completed and, with a
// passing score or a success status, passed) the lesson is completed with
// CompleteLesson, under its usual rules. Errors: not_found
// ("scorm.err_launch": unknown, expired or someone else's token), invalid
// (*ScormValueError, "scorm.err_commit_body").
func (s *Service) CommitScorm(ctx context.Context, l Learner, tok string, raw []byte, terminate bool) (*ScormCommitResult, error) {
	if !token.Plausible(tok) || !validID(l.UserID) {
		return nil, apperr.New(apperr.NotFound, "scorm.err_launch")
	}
	if len(raw) > ScormMaxCommitBytes {
		return nil, apperr.New(apperr.Invalid, "scorm.err_commit_body")
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, apperr.New(apperr.Invalid, "scorm.err_commit_body")
	}
	if inner, ok := doc["cmi"].(map[string]any); ok {
		doc = inner
	}
	now := s.now().UTC()
	var out ScormCommitResult
	var enrolmentID, lessonID string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []scormAttempt
		if err := tx.Raw(`SELECT a.* FROM scorm_attempts a JOIN enrolments e ON e.id = a.enrolment_id
			WHERE a.launch_token_hash = ? AND e.user_id = ? AND a.launch_expires_at > ? AND e.status IN ('active', 'completed')
			FOR UPDATE OF a`, token.Hash(tok), l.UserID, now).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return apperr.New(apperr.NotFound, "scorm.err_launch")
		}
		a := rows[0]
		if a.Version == catalog.ScormCmi5 {
			// a cmi5 AU reports through the LRS only (learning/cmi5.go)
			return apperr.New(apperr.NotFound, "scorm.err_launch")
		}
		enrolmentID, lessonID = a.EnrolmentID, a.LessonID
		var courseID string
		var cohortID, orgID *string
		if err := tx.Raw(`SELECT course_id, cohort_id, org_id FROM enrolments WHERE id = ?`, a.EnrolmentID).Row().Scan(&courseID, &cohortID, &orgID); err != nil {
			return err
		}
		v, err := readScormValues(doc, a.Version)
		if err != nil {
			return err
		}
		content, _, err := publishedContent(ctx, tx, s.contents, courseID)
		if err != nil {
			return err
		}
		_, _, lesson := content.FindLesson(a.LessonID)
		if lesson == nil || lesson.Scorm == nil {
			return apperr.New(apperr.NotFound, "scorm.err_launch")
		}
		added := 0.0
		if terminate {
			added = v.sessionSeconds
		}
		// suspend_data has its own column: not stored twice.
		delete(doc, "suspend_data")
		cmi, _ := json.Marshal(doc)
		if err := tx.Exec(`UPDATE scorm_attempts SET cmi = ?, suspend_data = ?, location = ?, lesson_status = ?,
			completion_status = ?, success_status = ?, exit_mode = ?, score_raw = ?, score_min = ?, score_max = ?, score_scaled = ?,
			session_time = ?, total_seconds = total_seconds + ?, commits = commits + 1, updated_at = ?, launch_expires_at = ?
			WHERE enrolment_id = ? AND lesson_id = ?`,
			string(cmi), v.suspendData, v.location, v.lessonStatus, v.completionStatus, v.successStatus, v.exit,
			v.raw, v.min, v.max, v.scaled, v.sessionTime, added, now, now.Add(ScormLaunchTTL), a.EnrolmentID, a.LessonID).Error; err != nil {
			return err
		}
		out.Done = v.done(a.Version, lesson.Scorm)
		// Status changes and scores are learning events, in this
		// transaction: they exist exactly when the attempt's data does.
		ev := Event{UserID: l.UserID, EnrolmentID: a.EnrolmentID, CourseID: courseID, CohortID: deref(cohortID),
			OrgID: deref(orgID), LessonID: a.LessonID, At: now}
		if a.LessonStatus != v.lessonStatus || a.CompletionStatus != v.completionStatus || a.SuccessStatus != v.successStatus {
			ev.Type, ev.Details = EventScormStatusChanged, map[string]any{"version": a.Version, "done": out.Done}
			if a.Version == catalog.ScormV12 {
				ev.Details["from"], ev.Details["to"] = a.LessonStatus, v.lessonStatus
			} else {
				ev.Details["from"], ev.Details["to"] = a.CompletionStatus, v.completionStatus
				ev.Details["success_from"], ev.Details["success_to"] = a.SuccessStatus, v.successStatus
			}
			if err := AppendEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		if !sameScore(a.ScoreRaw, v.raw) || !sameScore(a.ScoreScaled, v.scaled) || !sameScore(a.ScoreMax, v.max) || !sameScore(a.ScoreMin, v.min) {
			ev.Type, ev.Details = EventScormScored, map[string]any{"version": a.Version, "raw": v.raw, "min": v.min, "max": v.max, "scaled": v.scaled}
			if err := AppendEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	out.EnrolmentID, out.LessonID = enrolmentID, lessonID
	if !out.Done {
		return &out, nil
	}
	done, err := s.CompleteLesson(ctx, l, enrolmentID, lessonID)
	var early *TooEarlyError
	if errors.As(err, &early) {
		out.RemainingMinutes = early.RemainingMinutes
		return &out, nil
	}
	if err != nil {
		return nil, err
	}
	out.LessonCompleted, out.CourseCompleted, out.NextLessonID = true, done.CourseCompleted, done.NextLessonID
	return &out, nil
}

// scormValues are the data-model elements Takumi reads from a commit.
type scormValues struct {
	lessonStatus, completionStatus, successStatus string
	location, suspendData, exit, sessionTime      string
	raw, min, max, scaled, progress               *float64
	sessionSeconds                                float64
}

var (
	cmiTimespanRe = regexp.MustCompile(`^(\d{2,4}):(\d{2}):(\d{2})(\.\d{1,2})?$`)
	isoDurationRe = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$`)
	vocab12Status = []string{"passed", "completed", "failed", "incomplete", "browsed", "not attempted"}
	vocab12Exit   = []string{"time-out", "suspend", "logout"}
	vocabComplete = []string{"completed", "incomplete", "not attempted", "unknown"}
	vocabSuccess  = []string{"passed", "failed", "unknown"}
	vocab2004Exit = []string{"timeout", "suspend", "logout", "normal"}
)

// readScormValues checks the elements Takumi keeps against the SCORM data
// model of the version (vocabularies, lengths, number ranges, time
// formats). SECURITY: scorm-again checks every SetValue in the browser;
// this check is the server's own, since a hostile SCO or learner can post
// anything.
func readScormValues(doc map[string]any, version string) (*scormValues, error) {
	v := &scormValues{}
	bad := func(el string, code int) error {
		return &apperr.Error{Code: apperr.Invalid, Key: "scorm.err_value", Err: &ScormValueError{Element: el, Code: code}}
	}
	var err error
	num := func(el string, s string, lo, hi float64) *float64 {
		if s == "" || err != nil {
			return nil
		}
		f, perr := strconv.ParseFloat(s, 64)
		if perr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			err = bad(el, 405)
			return nil
		}
		if f < lo || f > hi {
			err = bad(el, map[bool]int{true: 405, false: 407}[version == catalog.ScormV12])
			return nil
		}
		return &f
	}
	oneOf := func(el, s string, allowed []string) string {
		if s != "" && err == nil && !contains(allowed, s) {
			err = bad(el, map[bool]int{true: 405, false: 406}[version == catalog.ScormV12])
		}
		return s
	}
	maxLen := func(el, s string, n int) string {
		if len([]rune(s)) > n && err == nil {
			err = bad(el, map[bool]int{true: 405, false: 407}[version == catalog.ScormV12])
		}
		return s
	}
	if version == catalog.ScormV12 {
		v.lessonStatus = oneOf("cmi.core.lesson_status", str(doc, "core", "lesson_status"), vocab12Status)
		v.location = maxLen("cmi.core.lesson_location", str(doc, "core", "lesson_location"), 255)
		v.exit = oneOf("cmi.core.exit", str(doc, "core", "exit"), vocab12Exit)
		v.suspendData = maxLen("cmi.suspend_data", str(doc, "suspend_data"), scormMaxSuspend12)
		v.raw = num("cmi.core.score.raw", str(doc, "core", "score", "raw"), 0, 100)
		v.min = num("cmi.core.score.min", str(doc, "core", "score", "min"), 0, 100)
		v.max = num("cmi.core.score.max", str(doc, "core", "score", "max"), 0, 100)
		v.sessionTime = str(doc, "core", "session_time")
		if v.sessionTime != "" && err == nil {
			m := cmiTimespanRe.FindStringSubmatch(v.sessionTime)
			if m == nil {
				err = bad("cmi.core.session_time", 405)
			} else {
				h, _ := strconv.Atoi(m[1])
				mi, _ := strconv.Atoi(m[2])
				sec, _ := strconv.ParseFloat(m[3]+m[4], 64)
				v.sessionSeconds = float64(h*3600+mi*60) + sec
			}
		}
		return v, err
	}
	v.completionStatus = oneOf("cmi.completion_status", str(doc, "completion_status"), vocabComplete)
	v.successStatus = oneOf("cmi.success_status", str(doc, "success_status"), vocabSuccess)
	v.location = maxLen("cmi.location", str(doc, "location"), 1000)
	v.exit = oneOf("cmi.exit", str(doc, "exit"), vocab2004Exit)
	v.suspendData = maxLen("cmi.suspend_data", str(doc, "suspend_data"), scormMaxSuspend2004)
	v.scaled = num("cmi.score.scaled", str(doc, "score", "scaled"), -1, 1)
	v.raw = num("cmi.score.raw", str(doc, "score", "raw"), -math.MaxFloat64, math.MaxFloat64)
	v.min = num("cmi.score.min", str(doc, "score", "min"), -math.MaxFloat64, math.MaxFloat64)
	v.max = num("cmi.score.max", str(doc, "score", "max"), -math.MaxFloat64, math.MaxFloat64)
	v.progress = num("cmi.progress_measure", str(doc, "progress_measure"), 0, 1)
	v.sessionTime = str(doc, "session_time")
	if v.sessionTime != "" && err == nil {
		m := isoDurationRe.FindStringSubmatch(v.sessionTime)
		if m == nil || v.sessionTime == "P" || strings.HasSuffix(v.sessionTime, "T") {
			err = bad("cmi.session_time", 406)
		} else {
			var parts [6]float64
			for i := range parts {
				parts[i], _ = strconv.ParseFloat(m[i+1], 64)
			}
			v.sessionSeconds = parts[0]*365*86400 + parts[1]*30*86400 + parts[2]*86400 + parts[3]*3600 + parts[4]*60 + parts[5]
		}
	}
	return v, err
}

// done applies the version's completion rule.
func (v *scormValues) done(version string, ref *catalog.ScormRef) bool {
	if version == catalog.ScormV12 {
		if ref.MasteryScore != nil && v.raw != nil {
			return *v.raw >= *ref.MasteryScore && (v.lessonStatus == "passed" || v.lessonStatus == "completed" || v.lessonStatus == "failed")
		}
		return v.lessonStatus == "passed" || v.lessonStatus == "completed"
	}
	if v.completionStatus != "completed" {
		return false
	}
	if ref.ScaledPassingScore != nil {
		if v.scaled != nil {
			return *v.scaled >= *ref.ScaledPassingScore
		}
		return v.successStatus == "passed"
	}
	return v.successStatus != "failed"
}

// scormLessonDone reports whether the learner's attempt at a scorm lesson
// is done by the version's rule (CompleteLesson's gate for scorm lessons).
func scormLessonDone(ctx context.Context, tx *gorm.DB, enrolmentID string, lesson *catalog.Lesson) (bool, error) {
	var rows []scormAttempt
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM scorm_attempts WHERE enrolment_id = ? AND lesson_id = ?`,
		enrolmentID, lesson.ID).Scan(&rows).Error; err != nil {
		return false, err
	}
	if len(rows) == 0 || lesson.Scorm == nil {
		return false, nil
	}
	a := rows[0]
	v := &scormValues{lessonStatus: a.LessonStatus, completionStatus: a.CompletionStatus, successStatus: a.SuccessStatus,
		raw: a.ScoreRaw, scaled: a.ScoreScaled}
	return v.done(a.Version, lesson.Scorm), nil
}

// str reads a nested string (or number) value of a commit.
func str(doc map[string]any, keys ...string) string {
	var cur any = doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[k]
	}
	switch x := cur.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cmiTimespan formats seconds as SCORM 1.2 CMITimespan (HHHH:MM:SS.SS).
func cmiTimespan(sec float64) string {
	if sec < 0 {
		sec = 0
	}
	h := int(sec) / 3600
	if h > 9999 {
		h = 9999
	}
	m := (int(sec) % 3600) / 60
	s := math.Mod(sec, 60)
	return fmt.Sprintf("%04d:%02d:%05.2f", h, m, s)
}

// isoDuration formats seconds as an ISO 8601 duration (SCORM 2004 timeinterval).
func isoDuration(sec float64) string {
	if sec < 0 {
		sec = 0
	}
	h := int(sec) / 3600
	m := (int(sec) % 3600) / 60
	s := math.Mod(sec, 60)
	return fmt.Sprintf("PT%dH%dM%sS", h, m, strconv.FormatFloat(math.Round(s*100)/100, 'f', -1, 64))
}

// sameScore reports whether two optional scores are equal (both absent or
// the same number).
func sameScore(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
