package learning

import "takumi/internal/privacy/mydata"

// MyDataTables returns learning's part of a person's data export (internal/privacy):
// the query of each of its tables' rows about the person. SECURITY: never
// password hashes, two-factor secrets, recovery codes or token hashes.
func MyDataTables() []mydata.Table {
	return []mydata.Table{
		{Name: "enrolments", Query: `SELECT e.id, e.course_id, c.code AS course_code, c.title_ja AS course_title_ja, c.title_en AS course_title_en,
			e.cohort_id, e.org_id, e.status, e.waitlist_pos, e.enrolled_at, e.completed_at, e.withdrawn_at,
			e.last_activity_at, e.progress_percent, e.next_lesson_id, e.flagged_fast
			FROM enrolments e JOIN courses c ON c.id = e.course_id WHERE e.user_id = @user ORDER BY e.enrolled_at, e.id`},
		{Name: "lesson_progress", Query: `SELECT p.enrolment_id, p.lesson_id, p.first_seen_at, p.last_seen_at, p.seconds_on_task, p.completed_at
			FROM lesson_progress p JOIN enrolments e ON e.id = p.enrolment_id WHERE e.user_id = @user
			ORDER BY p.enrolment_id, p.first_seen_at, p.lesson_id`},
		{Name: "quiz_attempts", Query: `SELECT a.id, a.enrolment_id, a.lesson_id, a.revision, a.started_at, a.submitted_at,
			a.score, a.max_score, a.passed, a.answers, a.results
			FROM quiz_attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = @user
			ORDER BY a.started_at, a.id`},
		// SCORM attempts (issue 16): the run-time data the learner's SCOs
		// kept. SECURITY: never the launch token's hash.
		{Name: "scorm_attempts", Query: `SELECT a.enrolment_id, a.lesson_id, a.package_id, a.version, a.lesson_status,
			a.completion_status, a.success_status, a.score_raw, a.score_min, a.score_max, a.score_scaled, a.location,
			a.suspend_data, a.exit_mode, a.session_time, a.total_seconds, a.commits, a.cmi, a.created_at, a.updated_at
			FROM scorm_attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = @user
			ORDER BY a.created_at, a.enrolment_id, a.lesson_id`},
		{Name: "learning_events", Query: `SELECT id, occurred_at, event_type, enrolment_id, course_id, provider_id, skill_area, cohort_id,
			org_id, prefecture, industry, segment, lesson_id, details
			FROM learning_events WHERE user_id = @user ORDER BY occurred_at, id`},
	}
}
