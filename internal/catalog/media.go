package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/storage"
)

// Media is one uploaded file (a video or a downloadable resource). Its
// content type is what the platform sniffed from the bytes, never what the
// uploader's browser or file name claimed.
type Media struct {
	ID          string `gorm:"primaryKey;default:gen_random_uuid()"`
	ProviderID  string
	CourseID    *string
	Filename    string
	ContentType string
	SizeBytes   int64
	SHA256      []byte `gorm:"column:sha256"`
	StorageKey  string
	CreatedBy   *string
	CreatedAt   time.Time
}

// TableName maps Media to its table.
func (Media) TableName() string { return "media" }

// IsVideo reports whether the file is a video (played inline; everything
// else is downloaded as an attachment).
func (m *Media) IsVideo() bool { return strings.HasPrefix(m.ContentType, "video/") }

// Default upload size limits.
const (
	DefaultMaxVideoBytes    int64 = 500 << 20
	DefaultMaxResourceBytes int64 = 50 << 20
)

// UploadLimits are the largest files a video and a resource lesson accept.
type UploadLimits struct {
	Video    int64
	Resource int64
}

// SetUploadLimits sets the upload size limits (a zero or negative value
// keeps the default).
func (s *Service) SetUploadLimits(l UploadLimits) { s.limits = l }

// UploadLimits returns the upload size limits in force.
func (s *Service) UploadLimits() UploadLimits {
	l := s.limits
	if l.Video <= 0 {
		l.Video = DefaultMaxVideoBytes
	}
	if l.Resource <= 0 {
		l.Resource = DefaultMaxResourceBytes
	}
	return l
}

// LimitFor returns the size limit of uploads to a lesson of kind.
func (l UploadLimits) LimitFor(kind string) int64 {
	if kind == LessonVideo {
		return l.Video
	}
	return l.Resource
}

// Office Open XML types, kept only for files that sniff as zip archives.
var officeTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// AllowedTypes lists the sniffed content types a lesson of kind accepts.
func AllowedTypes(kind string) []string {
	switch kind {
	case LessonVideo:
		return []string{"video/mp4", "video/webm"}
	case LessonResource:
		return []string{"application/pdf", "image/png", "image/jpeg", "text/plain", "application/zip"}
	}
	return nil
}

// acceptedType decides the stored content type of an upload to a lesson of
// kind from its first bytes, or returns "" when the file is refused.
// SECURITY: only the sniffed bytes decide (http.DetectContentType); the
// file name matters only to label a file that really is a zip archive as
// the Office document it names, and nothing can become text/html.
func acceptedType(kind, filename string, head []byte) string {
	sniffed := http.DetectContentType(head)
	mt, params, err := mime.ParseMediaType(sniffed)
	if err != nil || !slices.Contains(AllowedTypes(kind), mt) {
		return ""
	}
	switch mt {
	case "text/plain":
		// DetectContentType says utf-16 for a byte-order mark; only UTF-8
		// (which includes ASCII) is accepted.
		if !strings.EqualFold(params["charset"], "utf-8") {
			return ""
		}
		return "text/plain; charset=utf-8"
	case "application/zip":
		if t, ok := officeTypes[strings.ToLower(filepath.Ext(filename))]; ok {
			return t
		}
	}
	return mt
}

// servableTypes are the content types media may be served with.
var servableTypes = map[string]bool{
	"video/mp4": true, "video/webm": true, "application/pdf": true, "image/png": true, "image/jpeg": true,
	"text/plain; charset=utf-8": true, "application/zip": true,
	officeTypes[".docx"]: true, officeTypes[".xlsx"]: true, officeTypes[".pptx"]: true,
}

// ServeType is the content type to serve m with: its stored type when that
// is one the platform accepts, else application/octet-stream.
// SECURITY: a stored type is never trusted to be harmless (rows may come
// from an import); nothing is ever served as HTML.
func (m *Media) ServeType() string {
	if servableTypes[m.ContentType] {
		return m.ContentType
	}
	return "application/octet-stream"
}

// cleanFilename keeps the base name of an uploaded file, without control
// characters, at most 200 characters.
func cleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	if name == "" || name == "." || name == ".." {
		name = "file"
	}
	return name
}

// MediaLesson returns the course, its newest revision (see QuizLesson), the
// revision's video or resource lesson lessonID and its current file (nil
// when none), for the upload page. Errors: not_found (not an editor, no
// such lesson, or not a video or resource lesson).
func (s *Service) MediaLesson(ctx context.Context, a Actor, courseID, lessonID string) (*Course, *Revision, *Lesson, *Media, error) {
	c, rev, err := s.LatestRevision(ctx, a, courseID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	_, _, l := rev.Content.FindLesson(lessonID)
	if l == nil || (l.Kind != LessonVideo && l.Kind != LessonResource) {
		return nil, nil, nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var m *Media
	if l.MediaID != "" {
		m, err = mediaByID(ctx, s.db, l.MediaID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, nil, nil, nil, err
		}
	}
	return c, rev, l, m, nil
}

// ErrKeyStorageUnavailable is the message key of an upload that failed
// because the media store could not be reached or refused it.
const ErrKeyStorageUnavailable = "storage.err_upload_unavailable"

// UploadMedia stores a file for a video or resource lesson and makes it the
// lesson's file in the draft. The content type is sniffed from the first
// 512 bytes and must be allowed for the lesson's kind (AllowedTypes); the
// size must be within UploadLimits. A refused file leaves nothing stored.
// The previous file is kept (published revisions may still show it).
// "course.media_uploaded" is audited. Errors: invalid (field file:
// media.err_empty, media.err_type_video, media.err_type_resource,
// media.err_too_large), not_found, conflict (catalog.err_archived),
// unavailable (ErrKeyStorageUnavailable: the media store failed).
func (s *Service) UploadMedia(ctx context.Context, a Actor, courseID, lessonID, filename string, r io.Reader) (*Media, error) {
	c, _, l, _, err := s.MediaLesson(ctx, a, courseID, lessonID)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusArchived {
		return nil, apperr.New(apperr.Conflict, "catalog.err_archived")
	}
	kind := l.Kind
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, apperr.Wrap(apperr.Invalid, "media.err_read", err)
	}
	head = head[:n]
	if n == 0 {
		return nil, apperr.FieldErrors(map[string]string{"file": "media.err_empty"})
	}
	ctype := acceptedType(kind, filename, head)
	if ctype == "" {
		return nil, apperr.FieldErrors(map[string]string{"file": "media.err_type_" + kind})
	}
	hash := sha256.New()
	limit := s.UploadLimits().LimitFor(kind)
	key, size, err := s.files.Put(ctx, io.TeeReader(io.MultiReader(bytes.NewReader(head), r), hash), limit)
	if errors.Is(err, storage.ErrTooLarge) {
		return nil, apperr.FieldErrors(map[string]string{"file": "media.err_too_large"})
	}
	if err != nil {
		// Nothing was written to the database; the store keeps no partial
		// file (storage.Storage.Put).
		if ctx.Err() != nil {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		return nil, apperr.Wrap(apperr.Unavailable, ErrKeyStorageUnavailable, err)
	}
	m := &Media{ProviderID: c.ProviderID, CourseID: &c.ID, Filename: cleanFilename(filename), ContentType: ctype,
		SizeBytes: size, SHA256: hash.Sum(nil), StorageKey: key, CreatedBy: &a.UserID, CreatedAt: s.now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(m).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.media_uploaded", TargetType: "course",
			TargetID: c.ID, OrgID: c.ProviderID, IP: a.IP, Details: map[string]any{
				"media_id": m.ID, "lesson_id": lessonID, "content_type": ctype, "size": size, "filename": m.Filename}})
	})
	if err != nil {
		_ = s.files.Delete(context.WithoutCancel(ctx), key)
		return nil, apperr.Coded(err)
	}
	_, err = s.EditDraft(ctx, a, courseID, 0, func(ct *Content) error {
		_, _, l := ct.FindLesson(lessonID)
		if l == nil || l.Kind != kind {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		l.MediaID = m.ID
		return nil
	})
	if err != nil {
		// The draft changed under us (lesson removed): this upload is
		// referenced by nothing, so it goes.
		bg := context.WithoutCancel(ctx)
		s.db.WithContext(bg).Delete(&Media{}, "id = ?", m.ID)
		_ = s.files.Delete(bg, key)
		return nil, err
	}
	return m, nil
}

// SaveTranscript sets a video lesson's transcript (its accessible text
// alternative). Errors: invalid (field transcript), not_found, conflict.
func (s *Service) SaveTranscript(ctx context.Context, a Actor, courseID, lessonID string, lockVersion int, transcript string) (*Revision, error) {
	transcript = strings.TrimSpace(transcript)
	if len(transcript) > maxMarkdown {
		return nil, apperr.FieldErrors(map[string]string{"transcript": "catalog.err_too_long"})
	}
	return s.EditDraft(ctx, a, courseID, lockVersion, func(ct *Content) error {
		_, _, l := ct.FindLesson(lessonID)
		if l == nil || l.Kind != LessonVideo {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		l.Transcript = transcript
		return nil
	})
}

// MediaInfo returns the record of a file the actor may author (for a
// lesson preview). Errors: not_found.
func (s *Service) MediaInfo(ctx context.Context, a Actor, mediaID string) (*Media, error) {
	m, err := mediaByID(ctx, s.db, mediaID)
	if err != nil {
		return nil, err
	}
	if err := requireEditor(ctx, s.db, a, m.ProviderID); err != nil {
		return nil, err
	}
	return m, nil
}

// OpenMedia returns a file and its record for serving to userID ("" for an
// anonymous visitor). The caller closes the reader.
// SECURITY: editors of the owning provider may fetch any of its files
// (drafts included); anyone else only a file that the current published
// revision of a published course refers to, so a draft's uploads are never
// public. Every refusal is not_found, so ids cannot be probed.
func (s *Service) OpenMedia(ctx context.Context, userID, mediaID string) (*Media, io.ReadSeekCloser, error) {
	m, err := mediaByID(ctx, s.db, mediaID)
	if err != nil {
		return nil, nil, err
	}
	allowed := false
	if userID != "" {
		allowed = requireEditor(ctx, s.db, Actor{UserID: userID}, m.ProviderID) == nil
	}
	if !allowed && m.CourseID != nil {
		var n int64
		// Does the current published revision of the (published) course list
		// this media id on one of its lessons?
		err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM courses c
			JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
			CROSS JOIN LATERAL jsonb_array_elements(r.content->'modules') mo
			CROSS JOIN LATERAL jsonb_array_elements(mo->'lessons') le
			WHERE c.id = ? AND c.status = 'published' AND le->>'media_id' = ?`,
			*m.CourseID, m.ID).Scan(&n).Error
		if err != nil {
			return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		allowed = n > 0
	}
	if !allowed {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	f, err := s.files.Open(ctx, m.StorageKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		// The store is down or refuses: the rest of the site works, this
		// file is unavailable for now (503).
		return nil, nil, apperr.Wrap(apperr.Unavailable, "error.unavailable", err)
	}
	return m, f, nil
}

func mediaByID(ctx context.Context, db *gorm.DB, id string) (*Media, error) {
	if _, err := parseUUID(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var m Media
	err := db.WithContext(ctx).Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &m, nil
}
