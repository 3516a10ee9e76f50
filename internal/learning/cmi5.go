package learning

// cmi5 (issue 17, docs/xapi.md). A cmi5 AU is a scorm-kind lesson of a
// package with version "cmi5": the player opens the attempt's launch token
// on the content origin like a SCO, and the content origin redirects to the
// AU with the cmi5 launch parameters. Each launch is a cmi5 session: a
// one-time fetch token, exchanged once for an auth token that the LRS
// accepts for that registration only. The LRS reports the AU's cmi5
// "completed" and "passed" statements here; moveOn decides when the lesson
// is satisfied, and the lesson is completed through CompleteLesson, so the
// course completion and the credential follow as for any lesson.

import (
	"context"
	"encoding/base64"
	"errors"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/token"
)

// Cmi5 verbs the LMS acts on.
const (
	Cmi5VerbCompleted = "http://adlnet.gov/expapi/verbs/completed"
	Cmi5VerbPassed    = "http://adlnet.gov/expapi/verbs/passed"
	Cmi5VerbFailed    = "http://adlnet.gov/expapi/verbs/failed"
)

// Cmi5Launch is one launch of an AU: what the content origin puts into the
// AU's launch URL and the LMS.LaunchData state document.
type Cmi5Launch struct {
	SessionID    string
	FetchToken   string
	UserID       string
	OrgID        string
	Registration string
	ActivityID   string
	LaunchPath   string
	MoveOn       string
	MasteryScore *float64
	Parameters   string
}

// Cmi5Session is a live cmi5 session an auth token opens.
type Cmi5Session struct {
	ID           string
	Initialized  bool
	Terminated   bool
	EnrolmentID  string
	LessonID     string
	OrgID        string
	Registration string
	ActivityID   string
	UserID       string
}

// Cmi5LaunchOf starts a cmi5 session for the live launch token of a cmi5
// attempt: a new session id and one-time fetch token (stored as a hash).
// Errors: not_found (unknown, expired, or not a cmi5 attempt).
func (s *Service) Cmi5LaunchOf(ctx context.Context, launchToken string) (*Cmi5Launch, error) {
	if !token.Plausible(launchToken) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	now := s.now().UTC()
	var out Cmi5Launch
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []struct {
			EnrolmentID, LessonID, LaunchPath, UserID, CourseID, ProviderID string
		}
		if err := tx.Raw(`SELECT a.enrolment_id, a.lesson_id, a.launch_path, e.user_id, e.course_id, c.provider_id
			FROM scorm_attempts a JOIN enrolments e ON e.id = a.enrolment_id JOIN courses c ON c.id = e.course_id
			WHERE a.launch_token_hash = ? AND a.launch_expires_at > ? AND a.version = ? AND e.status IN ('active', 'completed')`,
			token.Hash(launchToken), now, catalog.ScormCmi5).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		r := rows[0]
		content, _, err := publishedContent(ctx, tx, s.contents, r.CourseID)
		if err != nil {
			return err
		}
		_, _, lesson := content.FindLesson(r.LessonID)
		if lesson == nil || lesson.Scorm == nil || lesson.Scorm.ActivityID == "" {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		fetch, fetchHash := token.New()
		key, _ := token.New()
		key = "cmi5_" + key[:20]
		if err := tx.Raw(`INSERT INTO cmi5_sessions (enrolment_id, lesson_id, org_id, registration, activity_id, fetch_token_hash, auth_key, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.EnrolmentID, r.LessonID, r.ProviderID, r.EnrolmentID,
			lesson.Scorm.ActivityID, fetchHash, key, now.Add(ScormLaunchTTL)).Row().Scan(&out.SessionID); err != nil {
			return err
		}
		out.FetchToken, out.UserID, out.OrgID, out.Registration = fetch, r.UserID, r.ProviderID, r.EnrolmentID
		out.ActivityID, out.LaunchPath, out.MoveOn = lesson.Scorm.ActivityID, r.LaunchPath, lesson.Scorm.MoveOn
		out.MasteryScore, out.Parameters = lesson.Scorm.MasteryScore, lesson.Scorm.DataFromLMS
		return nil
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return &out, nil
}

// Cmi5Fetch answers the fetch URL: the session's auth token, once. The
// token is the Basic credential "<key>:<secret>" in base64, as cmi5 AUs
// send it ("Authorization: Basic <auth-token>"); only the secret's hash is
// kept. Errors: not_found (unknown, expired or already fetched).
func (s *Service) Cmi5Fetch(ctx context.Context, fetchToken string) (string, error) {
	if !token.Plausible(fetchToken) {
		return "", apperr.New(apperr.NotFound, "error.not_found")
	}
	secret, hash := token.New()
	var keys []string
	if err := s.db.WithContext(ctx).Raw(`UPDATE cmi5_sessions SET fetch_token_hash = NULL, auth_secret_hash = ?
		WHERE fetch_token_hash = ? AND expires_at > ? RETURNING auth_key`, hash, token.Hash(fetchToken), s.now().UTC()).
		Scan(&keys).Error; err != nil {
		return "", apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(keys) == 0 {
		return "", apperr.New(apperr.NotFound, "error.not_found")
	}
	return base64.StdEncoding.EncodeToString([]byte(keys[0] + ":" + secret)), nil
}

// IsCmi5Key reports whether a Basic user name is a cmi5 session's key.
func IsCmi5Key(key string) bool { return len(key) == 25 && key[:5] == "cmi5_" }

// Cmi5Authenticate returns the live session of an auth token's key and
// secret. Errors: unauthorized.
func (s *Service) Cmi5Authenticate(ctx context.Context, key, secret string) (*Cmi5Session, error) {
	var rows []Cmi5Session
	if err := s.db.WithContext(ctx).Raw(`SELECT s.id, s.enrolment_id, s.lesson_id, s.org_id, s.registration, s.activity_id, e.user_id,
		s.initialized_at IS NOT NULL AS initialized, s.terminated_at IS NOT NULL AS terminated
		FROM cmi5_sessions s JOIN enrolments e ON e.id = s.enrolment_id
		WHERE s.auth_key = ? AND s.auth_secret_hash = ? AND s.expires_at > ?`, key, token.Hash(secret), s.now().UTC()).
		Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	return &rows[0], nil
}

// Cmi5Recorded acts on a statement the AU of a session sent, once the LRS
// has stored it: "completed" and "passed" are kept on the attempt, and when
// the AU's moveOn is satisfied the lesson is completed (CompleteLesson:
// minimum time on task and the course's rules apply; a lesson done too
// early stays open). It reports whether the lesson is complete.
func (s *Service) Cmi5Recorded(ctx context.Context, sess *Cmi5Session, verb string) (bool, error) {
	col := ""
	switch verb {
	case Cmi5VerbCompleted:
		col = "completion_status = 'completed'"
	case Cmi5VerbPassed:
		col = "success_status = 'passed'"
	case Cmi5VerbFailed:
		col = "success_status = CASE WHEN success_status = 'passed' THEN 'passed' ELSE 'failed' END"
	default:
		return false, nil
	}
	var st []struct{ CompletionStatus, SuccessStatus, CourseID string }
	if err := s.db.WithContext(ctx).Raw(`UPDATE scorm_attempts a SET `+col+`, commits = commits + 1, updated_at = now()
		FROM enrolments e WHERE e.id = a.enrolment_id AND a.enrolment_id = ? AND a.lesson_id = ?
		RETURNING a.completion_status, a.success_status, e.course_id`, sess.EnrolmentID, sess.LessonID).Scan(&st).Error; err != nil {
		return false, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(st) == 0 {
		return false, nil
	}
	content, _, err := publishedContent(ctx, s.db, s.contents, st[0].CourseID)
	if err != nil {
		return false, err
	}
	_, _, lesson := content.FindLesson(sess.LessonID)
	if lesson == nil || lesson.Scorm == nil {
		return false, nil
	}
	completed, passed := st[0].CompletionStatus == "completed", st[0].SuccessStatus == "passed"
	ok := false
	switch lesson.Scorm.MoveOn {
	case "Completed":
		ok = completed
	case "Passed":
		ok = passed
	case "CompletedAndPassed":
		ok = completed && passed
	case "CompletedOrPassed", "NotApplicable", "":
		ok = completed || passed
	}
	if !ok {
		return false, nil
	}
	_, err = s.CompleteLesson(ctx, Learner{UserID: sess.UserID}, sess.EnrolmentID, sess.LessonID)
	var early *TooEarlyError
	if errors.As(err, &early) {
		return false, nil
	}
	return err == nil, err
}

// Cmi5 verbs of a session's start and end.
const (
	Cmi5VerbInitialized = "http://adlnet.gov/expapi/verbs/initialized"
	Cmi5VerbTerminated  = "http://adlnet.gov/expapi/verbs/terminated"
)

// Cmi5Mark records that a session's AU sent "initialized" or "terminated"
// (other verbs: nothing).
func (s *Service) Cmi5Mark(ctx context.Context, sess *Cmi5Session, verb string) error {
	col := ""
	switch verb {
	case Cmi5VerbInitialized:
		col = "initialized_at"
	case Cmi5VerbTerminated:
		col = "terminated_at"
	default:
		return nil
	}
	return s.db.WithContext(ctx).Exec(`UPDATE cmi5_sessions SET `+col+` = coalesce(`+col+`, now()) WHERE id = ?`, sess.ID).Error
}
