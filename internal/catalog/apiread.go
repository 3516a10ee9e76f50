package catalog

import (
	"context"
	"time"

	"github.com/google/uuid"

	"takumi/internal/apperr"
)

// ProviderCourse is one of a training provider's courses as the
// integration API (issue 19) shows it to the provider: every state, with
// the latest revision's title.
type ProviderCourse struct {
	ID                string
	Code              string
	Status            string // draft, published or archived
	PublishedRevision *int
	PublishedAt       *time.Time
	ArchivedAt        *time.Time
	TitleJa, TitleEn  string // of the latest revision (the draft when there is one)
	HasDraft          bool   // the latest revision is not published yet
	UpdatedAt         time.Time
}

// ProviderCoursesAfter returns up to limit of providerID's courses whose id
// sorts after afterID ("" for the first page), in id order. An organisation
// that is not a training provider has none. Errors: invalid
// "api.err_cursor", internal.
func (s *Service) ProviderCoursesAfter(ctx context.Context, providerID, afterID string, limit int) ([]ProviderCourse, error) {
	if afterID != "" {
		if _, err := uuid.Parse(afterID); err != nil {
			return nil, apperr.New(apperr.Invalid, "api.err_cursor")
		}
	} else {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	var rows []ProviderCourse
	err := s.db.WithContext(ctx).Raw(`
		SELECT c.id::text AS id, c.code, c.status, c.published_revision, c.published_at, c.archived_at,
		       coalesce(r.content->>'title_ja', '') AS title_ja, coalesce(r.content->>'title_en', '') AS title_en,
		       (r.published_at IS NULL) AS has_draft, greatest(c.updated_at, r.updated_at) AS updated_at
		FROM courses c
		JOIN organisations o ON o.id = c.provider_id AND o.kind = 'provider'
		JOIN LATERAL (SELECT * FROM course_revisions WHERE course_id = c.id ORDER BY number DESC LIMIT 1) r ON true
		WHERE c.provider_id = ? AND c.id > CAST(? AS uuid)
		ORDER BY c.id LIMIT ?`, providerID, afterID, limit).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return rows, nil
}

// PublicPath is a learning path as the integration API's catalogue shows
// it (issue 19): only a path whose every course is published, as its
// public page.
type PublicPath struct {
	PathDetail
	EstimatedHours float64 // the sum of its courses'
}

// publicPathsWhere keeps the paths the public catalogue shows: at least
// one course, every one published.
const publicPathsWhere = `EXISTS (SELECT 1 FROM learning_path_courses pc WHERE pc.path_id = p.id)
	AND NOT EXISTS (SELECT 1 FROM learning_path_courses pc JOIN courses c ON c.id = pc.course_id
		WHERE pc.path_id = p.id AND c.status <> 'published')`

// PublishedPathsAfter returns up to limit public learning paths whose id
// sorts after afterID ("" for the first page), in id order (stable for
// cursor paging), each with its courses in order. Errors: invalid
// "api.err_cursor", internal.
func (s *Service) PublishedPathsAfter(ctx context.Context, afterID string, limit int) ([]PublicPath, error) {
	if afterID != "" {
		if _, err := uuid.Parse(afterID); err != nil {
			return nil, apperr.New(apperr.Invalid, "api.err_cursor")
		}
	} else {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	var ps []LearningPath
	if err := s.reads.WithContext(ctx).Raw(`SELECT p.* FROM learning_paths p
		WHERE p.id > CAST(? AS uuid) AND `+publicPathsWhere+` ORDER BY p.id LIMIT ?`, afterID, limit).Scan(&ps).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	out := make([]PublicPath, 0, len(ps))
	for i := range ps {
		d, err := pathDetail(ctx, s.reads, &ps[i])
		if err != nil {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		out = append(out, publicPathOf(d))
	}
	return out, nil
}

// PublishedPathByID returns one public learning path. Errors: not_found
// (no such path, or one of its courses is not published), internal.
func (s *Service) PublishedPathByID(ctx context.Context, id string) (*PublicPath, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var ps []LearningPath
	if err := s.reads.WithContext(ctx).Raw(`SELECT p.* FROM learning_paths p WHERE p.id = ? AND `+publicPathsWhere, id).Scan(&ps).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(ps) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	d, err := pathDetail(ctx, s.reads, &ps[0])
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	p := publicPathOf(d)
	return &p, nil
}

func publicPathOf(d *PathDetail) PublicPath {
	p := PublicPath{PathDetail: *d}
	for _, c := range d.Courses {
		p.EstimatedHours += c.EstimatedHours
	}
	return p
}
