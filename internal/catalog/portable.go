package catalog

// Portable courses: one .zip file ("takumi-course/1") holding course.json and
// the media files the exported revision uses, so a course can leave one
// Takumi and arrive in another unchanged. The format is documented for other
// implementers in docs/course-format.md.

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/storage"
)

// Limits on an import file. SECURITY: every size is checked against the
// declared sizes first and again while reading, so a zip bomb (a small file
// that inflates to gigabytes) is refused before it fills memory or disk.
const (
	// MaxImportBytes bounds the uploaded file and the sum of its entries'
	// uncompressed sizes.
	MaxImportBytes int64 = 600 << 20
	// MaxImportManifestBytes bounds course.json.
	MaxImportManifestBytes int64 = 32 << 20
	// MaxImportMediaBytes bounds one media file.
	MaxImportMediaBytes int64 = 512 << 20
	// maxImportEntries is course.json, the media/ folder and one file per lesson.
	maxImportEntries = maxLessons + 2
)

// Names inside the zip file.
const (
	manifestName = "course.json"
	mediaDir     = "media/"
)

// zipTime is the modification time of every entry, so that exporting the
// same revision twice gives byte-identical entries.
var zipTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// PortableFile is course.json, the manifest of a portable course file. Field
// order is the order written.
type PortableFile struct {
	Format     string          `json:"format"`
	ExportedAt string          `json:"exported_at"`
	Source     PortableSource  `json:"source"`
	Code       string          `json:"code"`
	Content    Content         `json:"content"`
	Media      []PortableMedia `json:"media"`
}

// PortableSource says where a portable file came from.
type PortableSource struct {
	BaseURL      string `json:"base_url"`
	ProviderCode string `json:"provider_code"`
	CourseCode   string `json:"course_code"`
	Revision     int    `json:"revision"`
}

// PortableMedia describes one media file of a portable file: its entry is
// Path ("media/<id>"), and its bytes must have SizeBytes and SHA256 (hex).
type PortableMedia struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	SizeBytes   int64  `json:"size_bytes"`
	SHA256      string `json:"sha256"`
	Path        string `json:"path"`
}

// StructureProblem returns the message key of the first structural problem
// of the content (unique ids, known kinds, bounded sizes), or "".
func (c *Content) StructureProblem() string { return c.checkStructure() }

// Which revision to export.
const (
	ExportDraft     = "draft"     // the open draft, or the latest revision when there is none
	ExportPublished = "published" // the published revision
)

// ExportRequest asks for a course's portable file.
type ExportRequest struct {
	CourseID string
	Revision string // ExportDraft, ExportPublished, or "" for the published revision if any, else the draft
	BaseURL  string // this Takumi's address, recorded as the source
}

// Export is a prepared portable file: the manifest is built and the media
// rows are found; WriteZip streams it.
type Export struct {
	// Filename is the suggested download name, "<code>-r<N>.takumi.zip".
	Filename string
	// File is the manifest written as course.json.
	File  PortableFile
	blobs []exportBlob
	files storage.Storage
}

type exportBlob struct {
	key    string
	size   int64
	sha256 []byte
}

type mediaRow struct {
	ID          string
	Filename    string
	ContentType string
	SizeBytes   int64
	SHA256      []byte `gorm:"column:sha256"`
	StorageKey  string
}

// Export prepares the portable file of a revision of a course the actor
// authors and audits "course.exported". Errors: not_found (not the actor's
// course, or no published revision when one was asked for), invalid (an
// unknown revision choice), conflict ("portable.err_export_media_missing":
// a media file the content uses is gone).
func (s *Service) Export(ctx context.Context, a Actor, req ExportRequest) (*Export, error) {
	c, err := s.Course(ctx, a, req.CourseID)
	if err != nil {
		return nil, err
	}
	var rev Revision
	q := s.db.WithContext(ctx).Where("course_id = ?", c.ID)
	switch req.Revision {
	case ExportPublished:
		if c.PublishedRevision == nil {
			return nil, apperr.New(apperr.NotFound, "portable.err_no_published")
		}
		q = q.Where("number = ?", *c.PublishedRevision)
	case ExportDraft:
		// The latest revision is the open draft when there is one.
		q = q.Order("number DESC")
	case "":
		if c.PublishedRevision != nil {
			q = q.Where("number = ?", *c.PublishedRevision)
		} else {
			q = q.Order("number DESC")
		}
	default:
		return nil, apperr.New(apperr.Invalid, "portable.err_revision_choice")
	}
	if err := q.Take(&rev).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}

	// SCORM lessons (issue 16) are not in the portable format yet: refused
	// rather than exported without their packages.
	if rev.Content.hasScorm() {
		return nil, apperr.New(apperr.Conflict, "scorm.err_export")
	}
	var providerCode *string
	if err := s.db.WithContext(ctx).Raw("SELECT code FROM organisations WHERE id = ?", c.ProviderID).Row().Scan(&providerCode); err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	ex := &Export{
		Filename: fmt.Sprintf("%s-r%d.takumi.zip", c.Code, rev.Number),
		files:    s.files,
		File: PortableFile{
			Format:     FormatVersion,
			ExportedAt: s.now().UTC().Format(time.RFC3339),
			Source:     PortableSource{BaseURL: req.BaseURL, ProviderCode: deref(providerCode), CourseCode: c.Code, Revision: rev.Number},
			Code:       c.Code,
			Content:    rev.Content,
			Media:      []PortableMedia{},
		},
	}

	// Media in order of first use, so the order survives a round trip in
	// which every media id changes.
	var ids []string
	seen := map[string]bool{}
	for _, id := range rev.Content.MediaIDs() {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		var rows []mediaRow
		valid := make([]string, 0, len(ids))
		for _, id := range ids {
			if _, err := parseUUID(id); err == nil {
				valid = append(valid, id)
			}
		}
		// SECURITY: only the course's own provider's media, so content can
		// never pull another provider's file into an export.
		if len(valid) > 0 {
			if err := s.db.WithContext(ctx).Raw(`SELECT id, filename, content_type, size_bytes, sha256, storage_key
				FROM media WHERE id IN ? AND provider_id = ?`, valid, c.ProviderID).Scan(&rows).Error; err != nil {
				return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
			}
		}
		byID := map[string]mediaRow{}
		for _, r := range rows {
			byID[r.ID] = r
		}
		for _, id := range ids {
			r, ok := byID[id]
			if !ok {
				return nil, apperr.New(apperr.Conflict, "portable.err_export_media_missing")
			}
			ex.File.Media = append(ex.File.Media, PortableMedia{ID: r.ID, Filename: r.Filename, ContentType: r.ContentType,
				SizeBytes: r.SizeBytes, SHA256: hex.EncodeToString(r.SHA256), Path: mediaDir + r.ID})
			ex.blobs = append(ex.blobs, exportBlob{key: r.StorageKey, size: r.SizeBytes, sha256: r.SHA256})
		}
	}

	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.exported", TargetType: "course",
			TargetID: c.ID, OrgID: c.ProviderID, IP: a.IP,
			Details: map[string]any{"code": c.Code, "revision": rev.Number, "media": len(ex.File.Media)}})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return ex, nil
}

// Manifest returns course.json exactly as WriteZip writes it.
func (e *Export) Manifest() ([]byte, error) { return marshalManifest(e.File) }

func marshalManifest(f PortableFile) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteZip writes the portable file to w: course.json first, then each media
// file in the manifest's order, every entry with the same fixed time. A
// stored file that no longer matches its recorded size or SHA-256 stops the
// export with an error.
func (e *Export) WriteZip(ctx context.Context, w io.Writer) error {
	manifest, err := e.Manifest()
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: manifestName, Method: zip.Deflate, Modified: zipTime})
	if err != nil {
		return err
	}
	if _, err := f.Write(manifest); err != nil {
		return err
	}
	for i, m := range e.File.Media {
		b := e.blobs[i]
		// Media are mostly compressed already (video, PDF): stored as is.
		f, err := zw.CreateHeader(&zip.FileHeader{Name: m.Path, Method: zip.Store, Modified: zipTime})
		if err != nil {
			return err
		}
		if err := copyBlob(ctx, e.files, b, f); err != nil {
			return fmt.Errorf("export %s: %w", m.Path, err)
		}
	}
	return zw.Close()
}

func copyBlob(ctx context.Context, files storage.Storage, b exportBlob, w io.Writer) error {
	r, err := files.Open(ctx, b.key)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, b.size+1))
	if err != nil {
		return err
	}
	if n != b.size || !bytes.Equal(h.Sum(nil), b.sha256) {
		return errors.New("stored file does not match its size or SHA-256")
	}
	return nil
}

// ImportRequest is an uploaded portable file and where to put it.
type ImportRequest struct {
	ProviderID string      // the training provider that will own the course
	Code       string      // the new course's code; "" keeps the file's code
	File       io.ReaderAt // the uploaded .zip
	Size       int64
}

// ImportError says why an import was refused: the form field it concerns
// ("file", "code" or "provider_id"), a message key and the message's
// arguments. Import returns it wrapped in an invalid *apperr.Error whose
// Fields carry the same field and key.
type ImportError struct {
	Field string
	Key   string
	Args  []any
}

func (e *ImportError) Error() string { return fmt.Sprintf("import refused: %s %v", e.Key, e.Args) }

func refuse(field, key string, args ...any) error {
	return &apperr.Error{Code: apperr.Invalid, Key: "error.form_invalid", Fields: map[string]string{field: key},
		Err: &ImportError{Field: field, Key: key, Args: args}}
}

func refuseFile(key string, args ...any) error { return refuse("file", key, args...) }

// Import creates a new draft course from a portable file under a provider
// the actor authors for. The whole file is checked before anything is
// written: a zip with only course.json and media/<id> entries, format
// exactly FormatVersion, content that passes the structure check with a
// known skill area, and every media file present with its declared size and
// SHA-256. Then the media files are stored, and the course, its first
// revision (the file's content, with media ids replaced by the new ones) and
// its media rows are created in one transaction with "course.imported"
// audited. On any failure nothing is left: no rows, and stored files are
// deleted. Errors: invalid (wrapping *ImportError).
func (s *Service) Import(ctx context.Context, a Actor, in ImportRequest) (*Course, error) {
	// SECURITY: only into a provider the actor authors for. The same message
	// for "not yours" and "no such provider", so ids cannot be probed.
	if in.ProviderID == "" {
		return nil, refuse("provider_id", "portable.err_provider")
	}
	if err := requireEditor(ctx, s.db, a, in.ProviderID); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, refuse("provider_id", "portable.err_provider")
		}
		return nil, err
	}
	pf, entries, err := readPortable(in.File, in.Size)
	if err != nil {
		return nil, err
	}
	if err := s.checkImportContent(ctx, &pf.Content); err != nil {
		return nil, err
	}
	if err := checkImportMedia(pf, entries); err != nil {
		return nil, err
	}

	code := strings.TrimSpace(strings.ToLower(in.Code))
	if code == "" {
		code = pf.Code
	}
	if k := CodeProblem(code); k != "" {
		return nil, refuse("code", "portable.err_code_invalid", code)
	}
	var taken int64
	if err := s.db.WithContext(ctx).Model(&Course{}).Where("provider_id = ? AND code = ?", in.ProviderID, code).Count(&taken).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if taken > 0 {
		return nil, refuse("code", "portable.err_code_taken", code)
	}

	// Everything checked. Store the files (storage is not transactional:
	// every key put is deleted again if anything later fails).
	var keys []string
	cleanup := func() {
		for _, k := range keys {
			_ = s.files.Delete(context.WithoutCancel(ctx), k)
		}
	}
	newIDs := map[string]string{}
	rows := make([]map[string]any, 0, len(pf.Media))
	for _, m := range pf.Media {
		key, err := s.putImportedMedia(ctx, entries[m.Path], m)
		if err != nil {
			cleanup()
			return nil, err
		}
		keys = append(keys, key)
		id := NewID()
		newIDs[m.ID] = id
		sum, _ := hex.DecodeString(m.SHA256)
		rows = append(rows, map[string]any{"id": id, "provider_id": in.ProviderID, "filename": m.Filename,
			"content_type": m.ContentType, "size_bytes": m.SizeBytes, "sha256": sum, "storage_key": key, "created_by": a.UserID})
	}
	for mi := range pf.Content.Modules {
		for li := range pf.Content.Modules[mi].Lessons {
			l := &pf.Content.Modules[mi].Lessons[li]
			if l.MediaID != "" {
				l.MediaID = newIDs[l.MediaID]
			}
		}
	}
	var c Course
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var taken int64
		tx.Model(&Course{}).Where("provider_id = ? AND code = ?", in.ProviderID, code).Count(&taken)
		if taken > 0 {
			return refuse("code", "portable.err_code_taken", code)
		}
		now := s.now()
		c = Course{ProviderID: in.ProviderID, Code: code, Status: StatusDraft, CreatedBy: &a.UserID, CreatedAt: now, UpdatedAt: now}
		if err := tx.Omit("SearchGrams").Create(&c).Error; err != nil {
			return err
		}
		rev := Revision{CourseID: c.ID, Number: 1, Content: pf.Content, LockVersion: 1,
			CreatedBy: &a.UserID, CreatedAt: now, UpdatedBy: &a.UserID, UpdatedAt: now}
		if err := tx.Create(&rev).Error; err != nil {
			return err
		}
		for _, r := range rows {
			r["course_id"] = c.ID
			r["created_at"] = now
			if err := tx.Table("media").Create(r).Error; err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.imported", TargetType: "course",
			TargetID: c.ID, OrgID: in.ProviderID, IP: a.IP, Details: map[string]any{
				"code": code, "format": pf.Format, "source_base_url": pf.Source.BaseURL,
				"source_provider_code": pf.Source.ProviderCode, "source_course_code": pf.Source.CourseCode,
				"source_revision": pf.Source.Revision, "media": len(rows)}})
	})
	if err != nil {
		cleanup()
		return nil, apperr.Coded(err)
	}
	return &c, nil
}

// readPortable opens the zip, checks its entries' names and sizes, and
// decodes course.json. It writes nothing.
func readPortable(r io.ReaderAt, size int64) (*PortableFile, map[string]*zip.File, error) {
	if r == nil || size <= 0 {
		return nil, nil, refuseFile("portable.err_file_required")
	}
	if size > MaxImportBytes {
		return nil, nil, refuseFile("portable.err_file_too_large", MaxImportBytes>>20)
	}
	zr, err := zip.NewReader(r, size)
	// An insecure name (../x, /x) makes NewReader complain, depending on
	// GODEBUG; the name check below refuses it with a precise message.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, nil, refuseFile("portable.err_not_zip")
	}
	if len(zr.File) > maxImportEntries {
		return nil, nil, refuseFile("portable.err_too_many_entries", maxImportEntries)
	}
	entries := map[string]*zip.File{}
	var total uint64
	for _, f := range zr.File {
		name := f.Name
		if _, dup := entries[name]; dup {
			return nil, nil, refuseFile("portable.err_entry_duplicate", displayName(name))
		}
		// SECURITY: only course.json and media/<uuid>; anything else
		// (../x, absolute paths, other folders) is refused, so no name from
		// the file ever reaches a file system path.
		switch {
		case name == manifestName:
		case name == mediaDir && f.FileInfo().IsDir():
		case strings.HasPrefix(name, mediaDir) && isCanonicalUUID(strings.TrimPrefix(name, mediaDir)):
		default:
			return nil, nil, refuseFile("portable.err_entry_name", displayName(name))
		}
		entries[name] = f
		if f.Flags&0x1 != 0 {
			return nil, nil, refuseFile("portable.err_entry_encrypted", displayName(name))
		}
		limit := uint64(MaxImportMediaBytes)
		if name == manifestName {
			limit = uint64(MaxImportManifestBytes)
		}
		if f.UncompressedSize64 > limit {
			return nil, nil, refuseFile("portable.err_entry_too_large", displayName(name), limit>>20)
		}
		total += f.UncompressedSize64
		if total > uint64(MaxImportBytes) {
			return nil, nil, refuseFile("portable.err_too_large_total", MaxImportBytes>>20)
		}
	}
	mf, ok := entries[manifestName]
	if !ok {
		return nil, nil, refuseFile("portable.err_no_manifest")
	}
	raw, err := readEntry(mf, MaxImportManifestBytes)
	if err != nil {
		return nil, nil, err
	}
	pf, err := decodeManifest(raw)
	if err != nil {
		return nil, nil, err
	}
	return pf, entries, nil
}

// readEntry reads a whole entry, refusing it past limit bytes whatever its
// header claims.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, refuseFile("portable.err_entry_corrupt", displayName(f.Name))
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, refuseFile("portable.err_entry_corrupt", displayName(f.Name))
	}
	if int64(len(b)) > limit {
		return nil, refuseFile("portable.err_entry_too_large", displayName(f.Name), limit>>20)
	}
	return b, nil
}

// decodeManifest checks the format version first (so a file from a newer
// Takumi is named as such rather than as broken JSON), then decodes strictly:
// unknown fields are refused, so nothing in the file is silently dropped.
func decodeManifest(raw []byte) (*PortableFile, error) {
	var head struct {
		Format *string `json:"format"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, jsonProblem(err)
	}
	if head.Format == nil {
		return nil, refuseFile("portable.err_no_format", FormatVersion)
	}
	if *head.Format != FormatVersion {
		return nil, refuseFile("portable.err_format_version", displayName(*head.Format), FormatVersion)
	}
	var pf PortableFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pf); err != nil {
		return nil, jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, refuseFile("portable.err_json_trailing")
	}
	return &pf, nil
}

func jsonProblem(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return refuseFile("portable.err_json_syntax", syn.Offset)
	case errors.As(err, &typ):
		return refuseFile("portable.err_json_type", displayName(typ.Field))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return refuseFile("portable.err_json_unknown_field", displayName(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)))
	}
	return refuseFile("portable.err_json_syntax", 0)
}

// checkImportContent applies the rules every saved draft keeps, plus the
// ones a new course needs: a known skill area and known values for level,
// language and delivery mode (empty ones are left for the studio to fill).
func (s *Service) checkImportContent(ctx context.Context, c *Content) error {
	switch c.checkStructure() {
	case "":
	case "catalog.err_too_many":
		return refuseFile("portable.err_content_too_many")
	default:
		return refuseFile("portable.err_content_structure")
	}
	if c.hasScorm() {
		return refuseFile("scorm.err_portable_lesson")
	}
	if c.SkillArea == "" {
		return refuseFile("portable.err_no_skill_area")
	}
	if !s.SkillAreaExists(ctx)(c.SkillArea) {
		return refuseFile("portable.err_skill_area", displayName(c.SkillArea))
	}
	for field, v := range map[string]struct {
		val     string
		allowed []string
	}{"level": {c.Level, Levels}, "language": {c.Language, Languages}, "delivery_mode": {c.DeliveryMode, DeliveryModes}} {
		if v.val != "" && !slices.Contains(v.allowed, v.val) {
			return refuseFile("portable.err_content_value", field, displayName(v.val))
		}
	}
	return nil
}

// checkImportMedia checks the media list against the content and the zip
// entries, and reads every media entry to check its size, SHA-256 and type.
func checkImportMedia(pf *PortableFile, entries map[string]*zip.File) error {
	listed := map[string]PortableMedia{}
	for _, m := range pf.Media {
		if !isCanonicalUUID(m.ID) || m.Path != mediaDir+m.ID {
			return refuseFile("portable.err_media_entry", displayName(m.ID))
		}
		if _, dup := listed[m.ID]; dup {
			return refuseFile("portable.err_media_duplicate", m.ID)
		}
		listed[m.ID] = m
		if !validFilename(m.Filename) {
			return refuseFile("portable.err_media_filename", m.ID)
		}
		if _, ok := importContentType(m.ContentType); !ok {
			return refuseFile("portable.err_media_type", displayName(m.Filename), displayName(m.ContentType))
		}
		if m.SizeBytes < 0 || m.SizeBytes > MaxImportMediaBytes {
			return refuseFile("portable.err_entry_too_large", displayName(m.Filename), MaxImportMediaBytes>>20)
		}
		if sum, err := hex.DecodeString(m.SHA256); err != nil || len(sum) != sha256.Size || m.SHA256 != strings.ToLower(m.SHA256) {
			return refuseFile("portable.err_media_sha256_format", displayName(m.Filename))
		}
		if entries[m.Path] == nil {
			return refuseFile("portable.err_media_absent", displayName(m.Filename), m.Path)
		}
	}
	used := map[string]bool{}
	for _, id := range pf.Content.MediaIDs() {
		used[id] = true
		if _, ok := listed[id]; !ok {
			return refuseFile("portable.err_media_unlisted", displayName(id))
		}
	}
	for _, m := range pf.Media {
		if !used[m.ID] {
			return refuseFile("portable.err_media_unused", displayName(m.Filename))
		}
	}
	for name := range entries {
		if strings.HasPrefix(name, mediaDir) && name != mediaDir {
			if _, ok := listed[strings.TrimPrefix(name, mediaDir)]; !ok {
				return refuseFile("portable.err_media_extra", displayName(name))
			}
		}
	}
	for _, m := range pf.Media {
		if err := verifyMediaEntry(entries[m.Path], m, io.Discard); err != nil {
			return err
		}
	}
	return nil
}

// verifyMediaEntry copies a media entry to w, checking its size, SHA-256 and
// that its bytes are not a web page.
func verifyMediaEntry(f *zip.File, m PortableMedia, w io.Writer) error {
	if f.UncompressedSize64 != uint64(m.SizeBytes) {
		return refuseFile("portable.err_media_size", displayName(m.Filename), m.SizeBytes, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return refuseFile("portable.err_entry_corrupt", displayName(f.Name))
	}
	defer rc.Close()
	h := sha256.New()
	sn := &sniffer{}
	n, err := io.Copy(io.MultiWriter(w, h, sn), io.LimitReader(rc, m.SizeBytes+1))
	if err != nil {
		return refuseFile("portable.err_entry_corrupt", displayName(f.Name))
	}
	if n != m.SizeBytes {
		return refuseFile("portable.err_media_size", displayName(m.Filename), m.SizeBytes, n)
	}
	if hex.EncodeToString(h.Sum(nil)) != m.SHA256 {
		return refuseFile("portable.err_media_sha256", displayName(m.Filename))
	}
	// SECURITY: the declared type is not trusted: the bytes must sniff as
	// that type (Office documents sniff as zip archives), as on upload. So
	// a web page (HTML, SVG, XML) can never arrive claiming to be a PDF.
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(sn.head))
	declared, _ := importContentType(m.ContentType)
	if sniffed != declared && !(sniffed == "application/zip" && zipBasedTypes[declared]) {
		return refuseFile("portable.err_media_sniff", displayName(m.Filename), displayName(m.ContentType), sniffed)
	}
	return nil
}

// zipBasedTypes are document formats stored as zip archives.
var zipBasedTypes = map[string]bool{
	"application/epub+zip": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
	"application/vnd.oasis.opendocument.presentation":                           true,
}

// putImportedMedia stores one checked media entry, checking it again as it
// streams (the upload could in principle change between reads).
func (s *Service) putImportedMedia(ctx context.Context, f *zip.File, m PortableMedia) (string, error) {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(verifyMediaEntry(f, m, pw))
	}()
	key, n, err := s.files.Put(ctx, pr, m.SizeBytes)
	pr.CloseWithError(errors.New("import: storage stopped reading"))
	<-done
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return "", err
		}
		return "", apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if n != m.SizeBytes {
		_ = s.files.Delete(context.WithoutCancel(ctx), key)
		return "", refuseFile("portable.err_media_size", displayName(m.Filename), m.SizeBytes, n)
	}
	return key, nil
}

// sniffer keeps the first 512 bytes written to it.
type sniffer struct{ head []byte }

func (s *sniffer) Write(p []byte) (int, error) {
	if rest := 512 - len(s.head); rest > 0 {
		s.head = append(s.head, p[:min(rest, len(p))]...)
	}
	return len(p), nil
}

// importMediaTypes are the content types an imported media file may carry:
// video, audio, documents, images and plain text. SECURITY: nothing a
// browser would run (HTML, SVG, XML, script) is on the list.
var importMediaTypes = map[string]bool{
	"video/mp4": true, "video/webm": true, "video/ogg": true, "video/quicktime": true,
	"audio/mpeg": true, "audio/mp4": true, "audio/ogg": true, "audio/wav": true, "audio/webm": true,
	"application/pdf": true, "application/zip": true, "application/epub+zip": true,
	"application/msword": true, "application/vnd.ms-excel": true, "application/vnd.ms-powerpoint": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true, "application/vnd.oasis.opendocument.spreadsheet": true,
	"application/vnd.oasis.opendocument.presentation": true,
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"text/plain": true, "text/csv": true, "text/markdown": true, "text/vtt": true,
	"application/octet-stream": true,
}

// importContentType reports whether ct (parameters allowed) is on the list.
func importContentType(ct string) (string, bool) {
	t, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", false
	}
	return t, importMediaTypes[t]
}

func validFilename(name string) bool {
	if name == "" || len(name) > 255 || !utf8.ValidString(name) || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if r == '/' || r == '\\' || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func isCanonicalUUID(s string) bool {
	u, err := parseUUID(s)
	return err == nil && u.String() == s
}

// displayName makes a name from a file safe to show in a message: control
// characters dropped, at most 80 characters.
func displayName(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			continue
		}
		if n == 80 {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
