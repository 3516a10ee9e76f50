package catalog

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/i18n"
)

// RevisionHead is a revision without its content: what the head of a
// studio page shows of a course's latest revision.
type RevisionHead struct {
	Number      int
	LockVersion int
	UpdatedAt   time.Time
	PublishedAt *time.Time
	TitleJa     string
	TitleEn     string
}

// IsDraft reports whether the revision is the open, editable draft.
func (r *RevisionHead) IsDraft() bool { return r.PublishedAt == nil }

// EditLockVersion is the lock version an edit of the revision starts
// from (Revision.EditLockVersion): a draft's own, 1 for a published
// revision (an edit opens a new draft).
func (r *RevisionHead) EditLockVersion() int {
	if r.IsDraft() {
		return r.LockVersion
	}
	return 1
}

// Title returns the revision's title in lang, falling back to Japanese.
func (r *RevisionHead) Title(lang string) string { return i18n.Pick(lang, r.TitleJa, r.TitleEn) }

// courseHeadSQL: the course if the user may author its provider's courses
// (as requireEditor), and the head of its latest revision; that
// revision's titles only when it is not the published one (a draft's
// content is read — detoasted — only then; the published titles come
// from the content cache).
const courseHeadSQL = `SELECT c.id, c.provider_id, c.code, c.status, c.published_revision, c.published_at, c.archived_at,
       c.created_by, c.created_at, c.updated_at, c.title_ja, c.title_en, c.summary_ja, c.summary_en, c.skill_area_code,
       c.level, c.delivery_mode, c.language, c.estimated_hours, c.lesson_count, c.search_text,
       r.number AS rev_number, r.lock_version AS rev_lock_version, r.updated_at AS rev_updated_at,
       r.published_at AS rev_published_at,
       CASE WHEN r.number IS DISTINCT FROM c.published_revision THEN r.content->>'title_ja' END AS rev_title_ja,
       CASE WHEN r.number IS DISTINCT FROM c.published_revision THEN r.content->>'title_en' END AS rev_title_en
FROM courses c
JOIN LATERAL (SELECT r.number, r.lock_version, r.updated_at, r.published_at, r.content FROM course_revisions r
              WHERE r.course_id = c.id ORDER BY r.number DESC LIMIT 1) r ON true
WHERE c.id = ? AND EXISTS (SELECT 1 FROM memberships m JOIN organisations o ON o.id = m.org_id
                           WHERE m.user_id = ? AND m.org_id = c.provider_id AND o.kind = 'provider'
                             AND m.role IN ('instructor', 'admin'))`

// CourseHead returns, to an editor of the course's provider, the course,
// the head of its latest revision (LatestRevision without the content)
// and the content of its published revision (empty when it was never
// published) with that revision's number (0 then) — in one statement,
// the content from the ContentCache: shared, read-only. For the studio
// pages that show the published content, not the draft's (analytics).
// Errors: not_found (no such course, or not an editor: SECURITY, the same
// answer so other providers' course ids cannot be probed), internal.
func (s *Service) CourseHead(ctx context.Context, a Actor, courseID string) (*Course, *RevisionHead, *Content, int, error) {
	if _, err := parseUUID(courseID); err != nil {
		return nil, nil, nil, 0, apperr.New(apperr.NotFound, "error.not_found")
	}
	var row struct {
		Course
		RevNumber      int
		RevLockVersion int
		RevUpdatedAt   time.Time
		RevPublishedAt *time.Time
		RevTitleJa     *string
		RevTitleEn     *string
	}
	err := s.db.WithContext(ctx).Raw(courseHeadSQL, courseID, a.UserID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, nil, 0, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, nil, nil, 0, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	c := row.Course
	head := &RevisionHead{Number: row.RevNumber, LockVersion: row.RevLockVersion, UpdatedAt: row.RevUpdatedAt,
		PublishedAt: row.RevPublishedAt, TitleJa: deref(row.RevTitleJa), TitleEn: deref(row.RevTitleEn)}
	content, number := &Content{}, 0
	if c.PublishedRevision != nil {
		got, err := s.contents.Revision(ctx, s.db, c.ID, *c.PublishedRevision)
		switch {
		case err == nil:
			content, number = got, *c.PublishedRevision
		case !apperr.Is(err, apperr.NotFound):
			return nil, nil, nil, 0, err
		}
		if head.Number == *c.PublishedRevision {
			head.TitleJa, head.TitleEn = content.TitleJa, content.TitleEn
		}
	}
	return &c, head, content, number, nil
}
