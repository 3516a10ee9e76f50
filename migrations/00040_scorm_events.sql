-- Issue 16: SCO launches, status changes and scores are learning events,
-- so national reporting and integrity flags see them. The progress engine
-- counts them only as activity (last_active_at), never as a metric.
-- +goose Up
ALTER TABLE learning_events DROP CONSTRAINT learning_events_event_type_check;
ALTER TABLE learning_events ADD CONSTRAINT learning_events_event_type_check CHECK (event_type IN (
    'enrolled', 'withdrawn', 'seat_taken', 'waitlisted', 'lesson_completed', 'quiz_attempted',
    'course_completed', 'credential_issued', 'credential_revoked',
    'scorm_launched', 'scorm_status_changed', 'scorm_scored'));

-- +goose Down
DELETE FROM learning_events WHERE event_type IN ('scorm_launched', 'scorm_status_changed', 'scorm_scored');
ALTER TABLE learning_events DROP CONSTRAINT learning_events_event_type_check;
ALTER TABLE learning_events ADD CONSTRAINT learning_events_event_type_check CHECK (event_type IN (
    'enrolled', 'withdrawn', 'seat_taken', 'waitlisted', 'lesson_completed', 'quiz_attempted',
    'course_completed', 'credential_issued', 'credential_revoked'));
