package app

// Demo credentials: a learning path, credential validity on two courses,
// and demo learners who completed courses and so hold credentials in every
// state the verification page can show (valid, valid until a date, revoked,
// expired, a learning path's). Nothing is inserted by hand: the learners
// enrol and complete every required lesson and quiz through the learning
// service, wired to the credential service exactly as the app wires it
// (New), so each credential is issued by the completion hook in the
// completing transaction; the revocation goes through credential.Service
// Revoke as the demo provider's admin (audited). Learners complete courses
// in the past through a clock given to the learning service (WithClock), so
// one credential has already expired.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/learning"
)

// demoPathCode is the demo learning path's code
// (/paths/takumi-academy/ai-cloud-foundations).
const demoPathCode = "ai-cloud-foundations"

// demoPathCourses are the demo path's courses, in order.
var demoPathCourses = []string{"genai-office-101", "cloud-basics-101"}

// demoValidity is how long the credentials of some demo courses stay valid
// (months). The one-month course lets a learner who completed it in the
// past hold an expired credential.
var demoValidity = []struct {
	Code   string
	Months int
}{
	{"sme-security-101", 1},
	{"secure-coding-201", 36},
}

// demoCompletion is one demo learner completing one course, starting
// DaysAgo days before the demo runs.
type demoCompletion struct {
	Learner string // email
	Course  string // code
	DaysAgo int
	// LeaveLast leaves the course's last required reading undone: the
	// learner is one lesson (a minute or two of reading) away from the
	// credential.
	LeaveLast bool
}

// demoCompletions are in the order they run: learner01 completes both
// courses of the learning path (earning its credential with the second).
var demoCompletions = []demoCompletion{
	{"learner01" + demoDomain, "genai-office-101", 45, false},
	{"learner01" + demoDomain, "cloud-basics-101", 20, false},
	{"learner02" + demoDomain, "genai-office-101", 24, false},
	{"learner03" + demoDomain, "secure-coding-201", 30, false},
	{"learner09" + demoDomain, "cloud-basics-101", 33, false},
	{"learner10" + demoDomain, "sme-security-101", 80, false},
	demoNearlyDone,
}

// demoNearlyDone is the demo learner one lesson away from a credential:
// every required lesson of the course is done, the quiz passed, except the
// last reading, which needs two minutes on task.
var demoNearlyDone = demoCompletion{Learner: "learner04" + demoDomain, Course: "quality-data-201", DaysAgo: 3, LeaveLast: true}

// demoRevoked is the credential the demo provider's admin revokes.
var demoRevoked = struct {
	Learner, Course, Admin, Reason string
}{
	Learner: "learner09" + demoDomain, Course: "cloud-basics-101", Admin: "provider-admin" + demoDomain,
	Reason: "本人以外による受講が確認されたため（デモ） / Completed by someone other than the learner (demo)",
}

// loadDemoCredentials sets the demo courses' validity, creates the demo
// learning path and lets the demo learners complete their courses, each
// step only when not done yet, and returns how many changes it made (0 on
// a second run). A learner who already has an enrolment in a course (for
// instance one started by hand in the demo) is left alone for that course.
func loadDemoCredentials(ctx context.Context, cfg config.Config, db *database.DB) (int, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://localhost:8080" // the configuration's own default
	}
	// The same services and wiring as the running app, above all
	// lrn.OnCompletion(creds.IssueForEnrolment).
	a, err := New(cfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		return 0, err
	}
	if st, ok := a.Sessions.Store.(*touchStore); ok {
		defer st.stopCleanup()
	}
	courses, lrn, creds := a.Server.Courses, a.Server.Learning, a.Server.Credentials
	g := db.Gorm.WithContext(ctx)

	var providerID, authorID string
	if err := g.Raw("SELECT id FROM organisations WHERE name_ja = ?", demoProvider().NameJa).Row().Scan(&providerID); err != nil {
		return 0, fmt.Errorf("demo provider: %w", err)
	}
	if err := g.Raw("SELECT id FROM users WHERE email = ?", demoCourseAuthor).Row().Scan(&authorID); err != nil {
		return 0, fmt.Errorf("demo course author: %w", err)
	}
	author := catalog.Actor{UserID: authorID}
	courseIDs := map[string]string{}
	var rows []struct{ ID, Code string }
	if err := g.Raw(`SELECT id, code FROM courses WHERE provider_id = ? AND status = 'published'`, providerID).Scan(&rows).Error; err != nil {
		return 0, err
	}
	for _, r := range rows {
		courseIDs[r.Code] = r.ID
	}
	changes := 0

	for _, v := range demoValidity {
		id := courseIDs[v.Code]
		if id == "" {
			continue // the course was changed by hand: leave it
		}
		have, err := courses.CourseValidity(ctx, author, id)
		if err != nil {
			return changes, fmt.Errorf("demo validity %s: %w", v.Code, err)
		}
		if have != nil {
			continue
		}
		months := v.Months
		if err := courses.SetCourseValidity(ctx, author, id, &months); err != nil {
			return changes, fmt.Errorf("demo validity %s: %w", v.Code, err)
		}
		changes++
	}

	n, err := demoPath(ctx, db, courses, author, providerID, courseIDs)
	if err != nil {
		return changes, fmt.Errorf("demo learning path: %w", err)
	}
	changes += n

	// Completions in the past are logged in the event log's monthly
	// partitions of those months.
	if err := g.Exec("SELECT ensure_learning_event_partitions(4, 3)").Error; err != nil {
		return changes, err
	}
	now := time.Now()
	for _, dc := range demoCompletions {
		id := courseIDs[dc.Course]
		if id == "" {
			continue
		}
		var userID string
		if err := g.Raw("SELECT id FROM users WHERE email = ?", dc.Learner).Row().Scan(&userID); err != nil {
			return changes, fmt.Errorf("demo learner %s: %w", dc.Learner, err)
		}
		var enrolled int64
		if err := g.Raw("SELECT count(*) FROM enrolments WHERE user_id = ? AND course_id = ?", userID, id).Scan(&enrolled).Error; err != nil {
			return changes, err
		}
		if enrolled > 0 {
			continue
		}
		start := now.AddDate(0, 0, -dc.DaysAgo).Truncate(time.Minute)
		if err := demoCompleteCourse(ctx, lrn, courses, userID, id, start, dc.LeaveLast); err != nil {
			return changes, fmt.Errorf("demo completion %s %s: %w", dc.Learner, dc.Course, err)
		}
		changes++
	}

	n, err = demoRevoke(ctx, db, creds, providerID, courseIDs[demoRevoked.Course])
	if err != nil {
		return changes, fmt.Errorf("demo revocation: %w", err)
	}
	return changes + n, nil
}

// demoPath creates the demo learning path when the provider has none with
// its code; it returns 1 when it did.
func demoPath(ctx context.Context, db *database.DB, courses *catalog.Service, author catalog.Actor, providerID string, courseIDs map[string]string) (int, error) {
	var exists int64
	if err := db.Gorm.WithContext(ctx).Raw(`SELECT count(*) FROM learning_paths WHERE provider_id = ? AND code = ?`,
		providerID, demoPathCode).Scan(&exists).Error; err != nil {
		return 0, err
	}
	if exists > 0 {
		return 0, nil
	}
	var ids []string
	for _, code := range demoPathCourses {
		if courseIDs[code] == "" {
			return 0, nil // a course of the path was changed by hand
		}
		ids = append(ids, courseIDs[code])
	}
	_, err := courses.CreatePath(ctx, author, catalog.PathInput{ProviderID: providerID, Code: demoPathCode,
		TitleJa: "AI・クラウド活用 基礎パス", TitleEn: "AI and cloud foundations",
		DescriptionJa: "生成AIを業務で安全に使う基本と、クラウドの考え方・責任分担・コストの基本を続けて学ぶ学習パスです。" +
			"2つの講座をすべて修了すると、学習パスの修了証（デジタル資格証明）が発行されます。",
		DescriptionEn: "Learn to use generative AI safely at work, then the ideas of cloud computing: shared responsibility, " +
			"security and cost. Completing both courses earns the learning path's own credential.",
		CourseIDs: ids})
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// demoClock is the time a demo learner's actions happen at.
type demoClock struct{ t time.Time }

func (c *demoClock) now() time.Time { return c.t }

func (c *demoClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// demoCompleteCourse enrols the learner at start and completes every
// required lesson of the course as a learner would: readings by spending
// their minimum time on them (one "Mark as complete" per ten minutes of
// reading, the gap the player counts), quizzes by answering correctly at
// a human pace; a module a day. The last completion completes the course,
// and the completion hook issues the credential. leaveLast leaves the last
// required reading undone (the course stays one lesson from completion).
func demoCompleteCourse(ctx context.Context, lrn *learning.Service, courses *catalog.Service, userID, courseID string, start time.Time, leaveLast bool) error {
	clock := &demoClock{t: start}
	svc := lrn.WithClock(clock.now)
	l := learning.Learner{UserID: userID}
	e, err := svc.EnrolSelfPaced(ctx, l, courseID)
	if err != nil {
		return err
	}
	rev, err := courses.PublishedRevision(ctx, courseID)
	if err != nil {
		return err
	}
	skip := ""
	if leaveLast {
		for _, m := range rev.Content.Modules {
			for _, lesson := range m.Lessons {
				if lesson.Required && lesson.Kind == catalog.LessonReading {
					skip = lesson.ID
				}
			}
		}
	}
	for mi, m := range rev.Content.Modules {
		if mi > 0 {
			clock.advance(24 * time.Hour)
		}
		for _, lesson := range m.Lessons {
			if !lesson.Required || lesson.ID == skip {
				continue
			}
			clock.advance(5 * time.Minute)
			if lesson.Kind == catalog.LessonQuiz {
				err = demoPassQuiz(ctx, svc, clock, l, e.ID, lesson.ID)
			} else {
				err = demoReadLesson(ctx, svc, clock, l, e.ID, lesson.ID)
			}
			if err != nil {
				return fmt.Errorf("lesson %q: %w", lesson.TitleEn, err)
			}
		}
	}
	done, err := svc.Enrolment(ctx, l, e.ID)
	if err != nil {
		return err
	}
	if leaveLast {
		if done.Status != learning.StatusActive {
			return fmt.Errorf("enrolment %s is %s with a lesson left", e.ID, done.Status)
		}
		return nil
	}
	if done.Status != learning.StatusCompleted {
		return fmt.Errorf("enrolment %s is %s after every required lesson", e.ID, done.Status)
	}
	return nil
}

// demoReadLesson marks a lesson complete once its minimum time on task has
// passed on the clock.
func demoReadLesson(ctx context.Context, svc *learning.Service, clock *demoClock, l learning.Learner, enrolmentID, lessonID string) error {
	for range 200 {
		_, err := svc.CompleteLesson(ctx, l, enrolmentID, lessonID)
		var tooEarly *learning.TooEarlyError
		if !errors.As(err, &tooEarly) {
			return err
		}
		clock.advance(min(time.Duration(tooEarly.RemainingMinutes)*time.Minute, learning.CompleteGapCap))
	}
	return errors.New("the lesson never counted as read")
}

// demoPassQuiz starts an attempt and submits the correct answers after a
// while (about 40 seconds a question).
func demoPassQuiz(ctx context.Context, svc *learning.Service, clock *demoClock, l learning.Learner, enrolmentID, lessonID string) error {
	a, err := svc.StartQuizAttempt(ctx, l, enrolmentID, lessonID)
	if err != nil {
		return err
	}
	v, err := svc.QuizAttempt(ctx, l, enrolmentID, lessonID, a.ID)
	if err != nil {
		return err
	}
	answers := map[string][]string{}
	for _, q := range v.Questions {
		if q.Kind == catalog.QuestionNumeric {
			answers[q.ID] = []string{strconv.FormatFloat(q.Answer, 'f', -1, 64)}
			continue
		}
		for _, o := range q.Options {
			if o.Correct {
				answers[q.ID] = append(answers[q.ID], o.ID)
			}
		}
	}
	clock.advance(time.Duration(len(v.Questions)) * 40 * time.Second)
	res, err := svc.SubmitQuizAttempt(ctx, l, enrolmentID, lessonID, a.ID, answers)
	if err != nil {
		return err
	}
	if !res.Attempt.IsPassed() {
		return errors.New("the correct answers did not pass")
	}
	return nil
}

// demoRevoke revokes the demo's revoked credential as the provider's
// admin, unless it is already revoked (or was never issued). It returns 1
// when it revoked.
func demoRevoke(ctx context.Context, db *database.DB, creds *credential.Service, providerID, courseID string) (int, error) {
	if courseID == "" {
		return 0, nil
	}
	var c struct{ ID, AdminID string }
	res := db.Gorm.WithContext(ctx).Raw(`SELECT cr.id, (SELECT id FROM users WHERE email = ?) AS admin_id
		FROM credentials cr JOIN users u ON u.id = cr.user_id
		WHERE u.email = ? AND cr.course_id = ? AND cr.path_id IS NULL AND cr.revoked_at IS NULL
		ORDER BY cr.issued_at DESC LIMIT 1`, demoRevoked.Admin, demoRevoked.Learner, courseID).Scan(&c)
	if res.Error != nil || res.RowsAffected == 0 {
		return 0, res.Error
	}
	err := creds.Revoke(ctx, credential.Actor{UserID: c.AdminID, AdminOf: []string{providerID}}, c.ID, demoRevoked.Reason)
	if apperr.Is(err, apperr.Conflict) { // revoked meanwhile
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// printDemoCredentials says who holds which demo credential.
func printDemoCredentials(out io.Writer) {
	fmt.Fprintf(out, "Demo credentials (issued by completing the courses; each learner's wallet is /learn/credentials):\n")
	fmt.Fprintf(out, "  %-36s %s\n", "learner01"+demoDomain, "genai-office-101, cloud-basics-101 and the learning path "+demoPathCode)
	fmt.Fprintf(out, "  %-36s %s\n", "learner02"+demoDomain, "genai-office-101")
	fmt.Fprintf(out, "  %-36s %s\n", "learner03"+demoDomain, "secure-coding-201 (valid for 36 months)")
	fmt.Fprintf(out, "  %-36s %s\n", demoRevoked.Learner, demoRevoked.Course+" (revoked by the provider's admin)")
	fmt.Fprintf(out, "  %-36s %s\n", "learner10"+demoDomain, "sme-security-101 (valid for 1 month, completed 80 days ago: expired)")
	fmt.Fprintf(out, "Demo learning path: /paths/%s/%s\n", demoProviderCode, demoPathCode)
	fmt.Fprintf(out, "One lesson from a credential: %s in %s (read its last lesson for two minutes, then mark it complete)\n",
		demoNearlyDone.Learner, demoNearlyDone.Course)
}
