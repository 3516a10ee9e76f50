package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
	"takumi/internal/i18n"
	"takumi/internal/memo"
	"takumi/internal/storage"
)

// Course statuses.
const (
	StatusDraft     = "draft"     // never published
	StatusPublished = "published" // in the catalogue
	StatusArchived  = "archived"  // withdrawn from the catalogue
)

// Course is a course's identity, status and catalogue projection (the
// fields of its published revision that the catalogue lists and searches).
type Course struct {
	ID                string `gorm:"primaryKey;default:gen_random_uuid()"`
	ProviderID        string
	Code              string
	Status            string
	PublishedRevision *int
	PublishedAt       *time.Time
	ArchivedAt        *time.Time
	CreatedBy         *string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	TitleJa           *string
	TitleEn           *string
	SummaryJa         *string
	SummaryEn         *string
	SkillAreaCode     *string
	Level             *string
	DeliveryMode      *string
	Language          *string
	EstimatedHours    *float64
	LessonCount       *int
	SearchText        *string
	SearchGrams       []string `gorm:"-"` // written by project(); read only by search SQL
}

// TableName maps Course to its table.
func (Course) TableName() string { return "courses" }

// Revision is one version of a course's content. The open draft has
// PublishedAt nil; LockVersion guards against two people saving over each
// other.
type Revision struct {
	CourseID    string  `gorm:"primaryKey"`
	Number      int     `gorm:"primaryKey"`
	Content     Content `gorm:"serializer:json;type:jsonb"`
	LockVersion int
	CreatedBy   *string
	CreatedAt   time.Time
	UpdatedBy   *string
	UpdatedAt   time.Time
	PublishedBy *string
	PublishedAt *time.Time
}

// TableName maps Revision to its table.
func (Revision) TableName() string { return "course_revisions" }

// IsDraft reports whether the revision is the open, editable draft.
func (r *Revision) IsDraft() bool { return r.PublishedAt == nil }

// Actor is the person acting, for authorisation and the audit log.
type Actor struct {
	UserID string
	IP     string
}

// Service carries out course use cases.
type Service struct {
	db *gorm.DB
	// reads serves catalogue search: the streaming replica while it is
	// healthy (UseReads, docs/deployment.md); db otherwise.
	reads *gorm.DB
	files storage.Storage // uploaded media
	now   func() time.Time
	// limits are the upload size limits (see media.go, SetUploadLimits).
	limits UploadLimits
	// scormMax is the largest SCORM package accepted (scorm.go).
	scormMax int64
	// contents keeps published revisions' parsed content (contentcache.go).
	contents *ContentCache
	// refs keeps the catalogue's skill areas and providers (refcache.go).
	refs *refCache
	// signal tells when public catalogue data changed (signal.go); pages
	// and searches keep published courses' pages and search results while
	// it listens (catalogue.go).
	signal   changeSignal
	pages    *memo.Cache[pageKey, cachedPage]
	searches *memo.Cache[Filter, cachedSearch]
	// cards keeps course cards for learners' lists (coursecards.go).
	cards *memo.Cache[string, cachedCard]
	// index is the published catalogue of the current generation, for
	// searches the kept ones do not hold (searchindex.go).
	index searchIndexes
}

// NewService returns the catalog service on db, keeping uploaded files in files.
func NewService(db *gorm.DB, files storage.Storage) *Service {
	s := &Service{db: db, reads: db, files: files, now: time.Now, contents: NewContentCache(DefaultContentCacheBytes),
		refs: &refCache{ttl: RefDataTTL, now: time.Now}, pages: memo.New[pageKey, cachedPage](CoursePageCacheSize),
		searches: memo.New[Filter, cachedSearch](SearchCacheSize), cards: memo.New[string, cachedCard](CourseCardCacheSize)}
	// A change drops what is kept (freeing its memory; values are judged
	// by their generation, so a fill that races with the drop is not used).
	s.signal.onChange = []func(){s.refs.invalidate, s.pages.Clear, s.searches.Clear, s.cards.Clear, s.index.drop}
	return s
}

// Contents is the service's cache of published revisions' parsed content,
// shared with the learning service; nil for a nil service.
func (s *Service) Contents() *ContentCache {
	if s == nil {
		return nil
	}
	return s.contents
}

// UseReads makes catalogue search read from reads (database.DB's Reads:
// the replica while it is healthy). Everything else stays on the primary.
func (s *Service) UseReads(reads *gorm.DB) { s.reads = reads }

// EditableProviders returns the ids of the training providers in which
// userID is an instructor or an admin: the providers whose courses they may
// author.
func (s *Service) EditableProviders(ctx context.Context, userID string) ([]string, error) {
	return editableProviders(ctx, s.db, userID)
}

func editableProviders(ctx context.Context, db *gorm.DB, userID string) ([]string, error) {
	var ids []string
	err := db.WithContext(ctx).Raw(`SELECT m.org_id FROM memberships m JOIN organisations o ON o.id = m.org_id
		WHERE m.user_id = ? AND o.kind = 'provider' AND m.role IN ('instructor', 'admin') ORDER BY o.name_ja`, userID).Scan(&ids).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return ids, nil
}

// requireEditor fails unless the actor may author the provider's courses.
// SECURITY: the answer for someone else's course is not_found, so course ids
// of other providers cannot be probed.
func requireEditor(ctx context.Context, db *gorm.DB, a Actor, providerID string) error {
	ids, err := editableProviders(ctx, db, a.UserID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id == providerID {
			return nil
		}
	}
	return apperr.New(apperr.NotFound, "error.not_found")
}

// SkillAreaExists reports whether code is a skill area.
func (s *Service) SkillAreaExists(ctx context.Context) func(string) bool {
	return func(code string) bool {
		var n int64
		s.db.WithContext(ctx).Table("skill_areas").Where("code = ?", code).Count(&n)
		return n > 0
	}
}

// NewCourse is what creating a course needs.
type NewCourse struct {
	ProviderID string
	Code       string
	Content    Content
}

// CreateCourse creates a draft course with revision 1 as its open draft.
// Errors: invalid (per field: code and the details fields), not_found (not
// an editor of the provider), conflict via invalid code "catalog.err_code_taken".
func (s *Service) CreateCourse(ctx context.Context, a Actor, in NewCourse) (*Course, error) {
	errs := in.Content.CheckDetails(s.SkillAreaExists(ctx))
	in.Code = strings.TrimSpace(strings.ToLower(in.Code))
	if k := CodeProblem(in.Code); k != "" {
		errs["code"] = k
	}
	if err := requireEditor(ctx, s.db, a, in.ProviderID); err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, apperr.FieldErrors(errs)
	}
	if in.Content.Modules == nil {
		in.Content.Modules = []Module{}
	}
	var c Course
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var taken int64
		tx.Model(&Course{}).Where("provider_id = ? AND code = ?", in.ProviderID, in.Code).Count(&taken)
		if taken > 0 {
			return apperr.FieldErrors(map[string]string{"code": "catalog.err_code_taken"})
		}
		now := s.now()
		c = Course{ProviderID: in.ProviderID, Code: in.Code, Status: StatusDraft, CreatedBy: &a.UserID, CreatedAt: now, UpdatedAt: now}
		if err := tx.Omit("SearchGrams").Create(&c).Error; err != nil {
			return err
		}
		rev := Revision{CourseID: c.ID, Number: 1, Content: in.Content, LockVersion: 1,
			CreatedBy: &a.UserID, CreatedAt: now, UpdatedBy: &a.UserID, UpdatedAt: now}
		if err := tx.Create(&rev).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.created", TargetType: "course",
			TargetID: c.ID, OrgID: in.ProviderID, IP: a.IP, Details: map[string]any{"code": in.Code}})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return &c, nil
}

// Course returns a course the actor may author. Errors: not_found.
func (s *Service) Course(ctx context.Context, a Actor, courseID string) (*Course, error) {
	c, err := courseByID(ctx, s.db, courseID, false)
	if err != nil {
		return nil, err
	}
	if err := requireEditor(ctx, s.db, a, c.ProviderID); err != nil {
		return nil, err
	}
	return c, nil
}

func courseByID(ctx context.Context, db *gorm.DB, id string, lock bool) (*Course, error) {
	if _, err := parseUUID(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var c Course
	q := db.WithContext(ctx).Omit("SearchGrams")
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &c, nil
}

// Draft returns the course's open draft revision, opening one (a copy of the
// published revision, numbered next) when there is none. Errors: not_found.
func (s *Service) Draft(ctx context.Context, a Actor, courseID string) (*Course, *Revision, error) {
	var c *Course
	var rev *Revision
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		c, err = courseByID(ctx, tx, courseID, true)
		if err != nil {
			return err
		}
		if err := requireEditor(ctx, tx, a, c.ProviderID); err != nil {
			return err
		}
		rev, err = openDraft(ctx, tx, c, a, s.now())
		return err
	})
	if err != nil {
		return nil, nil, apperr.Coded(err)
	}
	return c, rev, nil
}

// openDraft returns the open draft of c (locked), creating it from the
// latest revision when needed. tx must hold the course row lock.
func openDraft(ctx context.Context, tx *gorm.DB, c *Course, a Actor, now time.Time) (*Revision, error) {
	var rev Revision
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("course_id = ? AND published_at IS NULL", c.ID).Take(&rev).Error
	if err == nil {
		return &rev, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	var latest Revision
	if err := tx.WithContext(ctx).Where("course_id = ?", c.ID).Order("number DESC").Take(&latest).Error; err != nil {
		return nil, err
	}
	rev = Revision{CourseID: c.ID, Number: latest.Number + 1, Content: latest.Content, LockVersion: 1,
		CreatedBy: &a.UserID, CreatedAt: now, UpdatedBy: &a.UserID, UpdatedAt: now}
	if err := tx.Create(&rev).Error; err != nil {
		return nil, err
	}
	return &rev, nil
}

// EditDraft applies edit to the course's open draft and saves it, in one
// transaction with the draft row locked. lockVersion is the version the
// editor loaded (0 to skip the check); when someone saved since, the edit is
// refused with conflict "catalog.err_stale" so nobody overwrites another's
// work unseen. edit may return an *apperr.Error (e.g. field errors), which is
// returned unchanged and nothing is saved. Errors: not_found, conflict,
// invalid.
func (s *Service) EditDraft(ctx context.Context, a Actor, courseID string, lockVersion int, edit func(*Content) error) (*Revision, error) {
	var rev *Revision
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := courseByID(ctx, tx, courseID, true)
		if err != nil {
			return err
		}
		if err := requireEditor(ctx, tx, a, c.ProviderID); err != nil {
			return err
		}
		if c.Status == StatusArchived {
			return apperr.New(apperr.Conflict, "catalog.err_archived")
		}
		rev, err = openDraft(ctx, tx, c, a, s.now())
		if err != nil {
			return err
		}
		if lockVersion != 0 && lockVersion != rev.LockVersion {
			return apperr.New(apperr.Conflict, "catalog.err_stale")
		}
		if err := edit(&rev.Content); err != nil {
			return err
		}
		if k := rev.Content.checkStructure(); k != "" {
			return apperr.New(apperr.Invalid, k)
		}
		rev.LockVersion++
		rev.UpdatedBy = &a.UserID
		rev.UpdatedAt = s.now()
		return tx.Model(&Revision{}).Where("course_id = ? AND number = ?", rev.CourseID, rev.Number).
			Updates(map[string]any{"content": mustJSON(rev.Content), "lock_version": rev.LockVersion,
				"updated_by": a.UserID, "updated_at": rev.UpdatedAt}).Error
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return rev, nil
}

// Publish freezes the open draft as the course's new published revision:
// it must have no PublishProblems; the course row's catalogue fields and
// search index are replaced with the revision's; "course.published" is
// audited with the revision number. Errors: not_found, conflict
// ("catalog.err_nothing_to_publish"), invalid ("catalog.err_publish_problems").
func (s *Service) Publish(ctx context.Context, a Actor, courseID string) (*Revision, error) {
	return s.PublishWithNote(ctx, a, courseID, "")
}

// MaxPublishNote is the longest change note, in characters.
const MaxPublishNote = 500

// PublishWithNote is Publish with the author's change note ("what changed"),
// kept on the revision for its history; blank is no note. Errors: those of
// Publish, and invalid ("catalog.err_publish_note_too_long").
func (s *Service) PublishWithNote(ctx context.Context, a Actor, courseID, note string) (*Revision, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxPublishNote {
		return nil, apperr.New(apperr.Invalid, "catalog.err_publish_note_too_long")
	}
	var rev Revision
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := courseByID(ctx, tx, courseID, true)
		if err != nil {
			return err
		}
		if err := requireEditor(ctx, tx, a, c.ProviderID); err != nil {
			return err
		}
		err = tx.Where("course_id = ? AND published_at IS NULL", c.ID).Take(&rev).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.New(apperr.Conflict, "catalog.err_nothing_to_publish")
		}
		if err != nil {
			return err
		}
		if ps := rev.Content.PublishProblems(s.SkillAreaExists(ctx)); len(ps) > 0 {
			return apperr.New(apperr.Invalid, "catalog.err_publish_problems")
		}
		now := s.now()
		if err := tx.Model(&Revision{}).Where("course_id = ? AND number = ?", rev.CourseID, rev.Number).
			Updates(map[string]any{"published_at": now, "published_by": a.UserID, "publish_note": note}).Error; err != nil {
			return err
		}
		rev.PublishedAt = &now
		if err := project(ctx, tx, c, &rev, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.published", TargetType: "course",
			TargetID: c.ID, OrgID: c.ProviderID, IP: a.IP, Details: map[string]any{"revision": rev.Number, "code": c.Code}})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	s.changed() // the provider may be new to the catalogue
	return &rev, nil
}

// project writes the catalogue fields of a published revision onto the
// course row.
func project(ctx context.Context, tx *gorm.DB, c *Course, rev *Revision, now time.Time) error {
	ct := rev.Content
	text, grams := SearchDocument(ct.TitleJa, ct.TitleEn, ct.SummaryJa, ct.SummaryEn, ct.DescriptionMd)
	return tx.WithContext(ctx).Exec(`UPDATE courses SET status = 'published', published_revision = ?, published_at = ?,
			archived_at = NULL, updated_at = ?, title_ja = ?, title_en = ?, summary_ja = ?, summary_en = ?,
			skill_area_code = ?, level = ?, delivery_mode = ?, language = ?, estimated_hours = ?, lesson_count = ?,
			search_text = ?, search_grams = ?
		WHERE id = ?`,
		rev.Number, now, now, ct.TitleJa, ct.TitleEn, ct.SummaryJa, ct.SummaryEn,
		ct.SkillArea, ct.Level, ct.DeliveryMode, ct.Language, ct.EstimatedHours, ct.LessonCount(),
		text, database.Array(grams), c.ID).Error
}

// Archive withdraws a published course from the catalogue (its revisions
// stay; learners keep what they earned). "course.archived" is audited.
// Errors: not_found, conflict ("catalog.err_not_published").
func (s *Service) Archive(ctx context.Context, a Actor, courseID string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := courseByID(ctx, tx, courseID, true)
		if err != nil {
			return err
		}
		if err := requireEditor(ctx, tx, a, c.ProviderID); err != nil {
			return err
		}
		if c.Status != StatusPublished {
			return apperr.New(apperr.Conflict, "catalog.err_not_published")
		}
		now := s.now()
		if err := tx.Exec("UPDATE courses SET status = 'archived', archived_at = ?, updated_at = ? WHERE id = ?", now, now, c.ID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.archived", TargetType: "course",
			TargetID: c.ID, OrgID: c.ProviderID, IP: a.IP, Details: map[string]any{"code": c.Code}})
	})
	if err == nil {
		s.changed() // the provider's last course may have gone
	}
	return apperr.Coded(err)
}

// PublishedRevision returns the published content of a published course.
// Errors: not_found.
func (s *Service) PublishedRevision(ctx context.Context, courseID string) (*Revision, error) {
	c, err := courseByID(ctx, s.db, courseID, false)
	if err != nil {
		return nil, err
	}
	if c.Status != StatusPublished || c.PublishedRevision == nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var rev Revision
	if err := s.db.WithContext(ctx).Where("course_id = ? AND number = ?", c.ID, *c.PublishedRevision).Take(&rev).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &rev, nil
}

// StudioCourse is one row of an author's course list.
type StudioCourse struct {
	ID                string
	ProviderID        string
	ProviderName      i18n.Text `gorm:"embedded;embeddedPrefix:provider_name_"`
	Code              string
	Status            string
	PublishedRevision *int
	DraftTitle        i18n.Text `gorm:"embedded;embeddedPrefix:draft_title_"`
	HasDraft          bool
	UpdatedAt         time.Time
}

// StudioCourses lists the courses of every provider the actor authors for,
// with the titles of their latest revision.
func (s *Service) StudioCourses(ctx context.Context, a Actor) ([]StudioCourse, error) {
	var rows []StudioCourse
	err := s.db.WithContext(ctx).Raw(`
		SELECT c.id, c.provider_id, o.name_ja AS provider_name_ja, o.name_en AS provider_name_en, c.code, c.status,
		       c.published_revision, r.content->>'title_ja' AS draft_title_ja, r.content->>'title_en' AS draft_title_en,
		       (r.published_at IS NULL) AS has_draft, greatest(c.updated_at, r.updated_at) AS updated_at
		FROM courses c
		JOIN organisations o ON o.id = c.provider_id
		JOIN memberships m ON m.org_id = c.provider_id AND m.user_id = ? AND m.role IN ('instructor', 'admin')
		JOIN LATERAL (SELECT * FROM course_revisions WHERE course_id = c.id ORDER BY number DESC LIMIT 1) r ON true
		WHERE o.kind = 'provider'
		ORDER BY greatest(c.updated_at, r.updated_at) DESC`, a.UserID).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return rows, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
