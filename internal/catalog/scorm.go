package catalog

// SCORM package import: a zip with imsmanifest.xml at its root becomes a
// new draft course whose lessons are the SCOs of the manifest's default
// organization. Every check runs before anything is written; the package's
// files are then streamed one by one from the zip into internal/storage
// (never read whole into memory) and recorded in scorm_files.

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/storage"
)

const scormManifestName = "imsmanifest.xml"

// Default limits on a SCORM package. SECURITY: a zip bomb is refused from
// its declared sizes (total, per-entry ratio) before anything is inflated,
// and every entry is read with a hard cap in case its header lies.
const (
	// DefaultScormMaxBytes bounds the uploaded zip and the sum of its
	// files' uncompressed sizes (TAKUMI_SCORM_MAX_MB changes it).
	DefaultScormMaxBytes int64 = 600 << 20
	// ScormMaxFiles bounds the number of entries.
	ScormMaxFiles = 20000
	// ScormMaxRatio is the largest compression ratio accepted for an entry
	// of more than scormRatioFloor bytes.
	ScormMaxRatio   = 200
	scormRatioFloor = 1 << 20
	// scormMaxManifest bounds imsmanifest.xml.
	scormMaxManifest = 8 << 20
)

// ScormPackage is a stored SCORM package.
type ScormPackage struct {
	ID         string `gorm:"primaryKey;default:gen_random_uuid()"`
	ProviderID string
	CourseID   *string
	Version    string
	Edition    string
	Title      string
	FileCount  int
	SizeBytes  int64
	Warnings   string `gorm:"type:jsonb;default:'[]'"`
	CreatedBy  *string
}

// TableName implements gorm's tabler.
func (ScormPackage) TableName() string { return "scorm_packages" }

// ScormFile is one stored file of a package.
type ScormFile struct {
	PackageID   string
	Path        string
	ContentType string
	SizeBytes   int64
	StorageKey  string
}

// TableName implements gorm's tabler.
func (ScormFile) TableName() string { return "scorm_files" }

// SetScormMaxBytes sets the largest SCORM package accepted (<= 0: the
// default).
func (s *Service) SetScormMaxBytes(n int64) { s.scormMax = n }

// ScormMaxBytes is the largest SCORM package accepted.
func (s *Service) ScormMaxBytes() int64 {
	if s.scormMax > 0 {
		return s.scormMax
	}
	return DefaultScormMaxBytes
}

// IsScormPackage reports whether an uploaded zip is a SCORM package rather
// than a portable course: it has an imsmanifest.xml (at its root, or, for
// a wrongly packed zip, in a folder, which import then refuses by name)
// and no course.json.
func IsScormPackage(r io.ReaderAt, size int64) bool {
	if r == nil || size <= 0 {
		return false
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return false
	}
	found := false
	for _, f := range zr.File {
		if f.Name == manifestName {
			return false
		}
		if f.Name == scormManifestName || strings.HasSuffix(f.Name, "/"+scormManifestName) || f.Name == cmi5Name {
			found = true
		}
	}
	return found
}

// ImportScormResult is the new course and what the import noticed.
type ImportScormResult struct {
	Course  *Course
	Version string
	// Warnings names the sequencing features the package uses that Takumi
	// does not apply (docs/scorm.md).
	Warnings []string
}

func refuseScorm(ps []ScormProblem) error {
	return &apperr.Error{Code: apperr.Invalid, Key: "error.form_invalid", Fields: map[string]string{"file": "scorm.err_refused"},
		Err: &ScormRefusal{Problems: ps}}
}

// ImportScorm creates a new draft course from a SCORM 1.2 or 2004 package
// under a provider the actor authors for. The zip's entries and manifest
// are checked first, every problem listed with its place (*ScormRefusal):
// entry names (no traversal, no absolute paths), sizes (total, per-entry
// compression ratio, count), the manifest's schema and version, unique
// identifiers, every resource's launch page and files present. Then each
// file is streamed into storage, and the course (one module per top-level
// item, one lesson per SCO), its first revision, the package and its
// files are written in one transaction with "course.imported" audited. On
// any failure nothing is left. Errors: invalid (*ImportError for the
// provider or code, *ScormRefusal for the file).
func (s *Service) ImportScorm(ctx context.Context, a Actor, in ImportRequest) (*ImportScormResult, error) {
	if in.ProviderID == "" {
		return nil, refuse("provider_id", "portable.err_provider")
	}
	if err := requireEditor(ctx, s.db, a, in.ProviderID); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, refuse("provider_id", "portable.err_provider")
		}
		return nil, err
	}
	files, sm, err := s.readScorm(in.File, in.Size)
	if err != nil {
		return nil, err
	}

	code := strings.TrimSpace(strings.ToLower(in.Code))
	if code == "" {
		code = scormCode(sm.Title)
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

	// Everything checked: stream the files into storage.
	var stored []ScormFile
	cleanup := func() {
		for _, f := range stored {
			_ = s.files.Delete(context.WithoutCancel(ctx), f.StorageKey)
		}
	}
	var total int64
	for _, f := range files {
		key, n, err := putZipEntry(ctx, s.files, f)
		if err != nil {
			cleanup()
			return nil, err
		}
		total += n
		stored = append(stored, ScormFile{Path: f.Name, ContentType: scormContentType(f.Name), SizeBytes: n, StorageKey: key})
	}

	pkg := ScormPackage{ID: NewID(), ProviderID: in.ProviderID, Version: sm.Version, Edition: sm.Edition, Title: sm.Title,
		FileCount: len(stored), SizeBytes: total, CreatedBy: &a.UserID, Warnings: jsonStrings(sm.Warnings)}
	content := Content{TitleJa: sm.Title, TitleEn: sm.Title, Language: scormLanguage(sm.Title), DeliveryMode: DeliverySelfPaced}
	for _, mod := range sm.Modules {
		m := Module{ID: NewID(), TitleJa: mod.Title, TitleEn: mod.Title}
		for _, sco := range mod.SCOs {
			ref := sco.Ref
			ref.PackageID = pkg.ID
			m.Lessons = append(m.Lessons, Lesson{ID: NewID(), Kind: LessonScorm, TitleJa: sco.Title, TitleEn: sco.Title,
				Required: true, Scorm: &ref})
		}
		content.Modules = append(content.Modules, m)
	}
	if content.TitleJa == "" {
		content.TitleJa = code
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
		rev := Revision{CourseID: c.ID, Number: 1, Content: content, LockVersion: 1,
			CreatedBy: &a.UserID, CreatedAt: now, UpdatedBy: &a.UserID, UpdatedAt: now}
		if err := tx.Create(&rev).Error; err != nil {
			return err
		}
		pkg.CourseID = &c.ID
		if err := tx.Create(&pkg).Error; err != nil {
			return err
		}
		for i := range stored {
			stored[i].PackageID = pkg.ID
		}
		if len(stored) > 0 {
			if err := tx.CreateInBatches(stored, 1000).Error; err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.imported", TargetType: "course",
			TargetID: c.ID, OrgID: in.ProviderID, IP: a.IP, Details: map[string]any{
				"code": code, "format": scormFormat(sm.Version), "edition": sm.Edition, "package": pkg.ID,
				"files": len(stored), "bytes": total, "scos": content.LessonCount(), "warnings": sm.Warnings}})
	})
	if err != nil {
		cleanup()
		return nil, apperr.Coded(err)
	}
	return &ImportScormResult{Course: &c, Version: sm.Version, Warnings: sm.Warnings}, nil
}

// readScorm checks the zip and its manifest and returns the files to
// store. It writes nothing.
func (s *Service) readScorm(r io.ReaderAt, size int64) ([]*zip.File, *scormManifest, error) {
	limit := s.ScormMaxBytes()
	if r == nil || size <= 0 {
		return nil, nil, refuseFile("portable.err_file_required")
	}
	one := func(key, where, at string, args ...any) error {
		return refuseScorm([]ScormProblem{{Key: key, Where: where, At: displayName(at), Args: args}})
	}
	if size > limit {
		return nil, nil, one("scorm.err_too_large", "zip", "", limit>>20)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, nil, one("scorm.err_not_zip", "zip", "")
	}
	if len(zr.File) > ScormMaxFiles {
		return nil, nil, one("scorm.err_too_many_files", "zip", "", ScormMaxFiles)
	}
	var p problems
	names := map[string]bool{}
	var files []*zip.File
	var total uint64
	var manifest, cmi5 *zip.File
	nested := ""
	for _, f := range zr.File {
		name := f.Name
		if bad := zipNameProblem(name); bad != "" {
			p.add(bad, "zip", name)
			continue
		}
		if names[name] {
			p.add("scorm.err_entry_duplicate", "zip", name)
			continue
		}
		names[name] = true
		if strings.HasSuffix(name, "/") {
			continue // a folder
		}
		if f.Flags&0x1 != 0 {
			p.add("scorm.err_entry_encrypted", "zip", name)
			continue
		}
		if f.UncompressedSize64 > scormRatioFloor && (f.CompressedSize64 == 0 || f.UncompressedSize64/max(f.CompressedSize64, 1) > ScormMaxRatio) {
			p.add("scorm.err_zip_bomb", "zip", name, ScormMaxRatio)
			continue
		}
		total += f.UncompressedSize64
		if name == cmi5Name {
			cmi5 = f
		}
		if name == scormManifestName {
			manifest = f
		} else if strings.HasSuffix(name, "/"+scormManifestName) && nested == "" {
			nested = name
		}
		files = append(files, f)
	}
	if total > uint64(limit) {
		p.add("scorm.err_too_large_total", "zip", "", limit>>20)
	}
	if len(p.list) > 0 {
		return nil, nil, refuseScorm(p.list)
	}
	if manifest == nil && cmi5 != nil {
		// a cmi5 course package (issue 17, internal/catalog/cmi5.go)
		raw, err := readEntry(cmi5, scormMaxManifest)
		if err != nil {
			return nil, nil, one("scorm.err_manifest_read", "manifest", cmi5Name)
		}
		sm, ps := checkCmi5(raw, func(p string) bool { return names[p] && !strings.HasSuffix(p, "/") })
		if len(ps) > 0 {
			return nil, nil, refuseScorm(ps)
		}
		return files, sm, nil
	}
	if manifest == nil {
		if nested != "" {
			return nil, nil, one("scorm.err_manifest_not_root", "zip", nested)
		}
		return nil, nil, one("scorm.err_no_manifest", "zip", scormManifestName)
	}
	raw, err := readEntry(manifest, scormMaxManifest)
	if err != nil {
		return nil, nil, one("scorm.err_manifest_read", "manifest", scormManifestName)
	}
	sm, ps := checkManifest(raw, func(p string) bool { return names[p] && !strings.HasSuffix(p, "/") })
	if len(ps) > 0 {
		return nil, nil, refuseScorm(ps)
	}
	return files, sm, nil
}

// zipNameProblem returns the message key of what is wrong with an entry
// name, or "". SECURITY: no name that could leave the package's folder
// (../, an absolute path, a drive letter, a backslash) is ever stored.
func zipNameProblem(name string) string {
	if name == "" || len(name) > 1024 || !utf8.ValidString(name) {
		return "scorm.err_entry_name"
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || (len(name) > 1 && name[1] == ':') {
		return "scorm.err_entry_traversal"
	}
	for _, seg := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if seg == ".." {
			return "scorm.err_entry_traversal"
		}
		if seg == "" || seg == "." {
			return "scorm.err_entry_name"
		}
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "scorm.err_entry_name"
		}
	}
	return ""
}

// putZipEntry streams one entry into storage, capped at its declared size
// (a header that lies about the size makes storage refuse it).
func putZipEntry(ctx context.Context, files storage.Storage, f *zip.File) (string, int64, error) {
	rc, err := f.Open()
	if err != nil {
		return "", 0, refuseScorm([]ScormProblem{{Key: "scorm.err_entry_corrupt", Where: "zip", At: displayName(f.Name)}})
	}
	defer rc.Close()
	key, n, err := files.Put(ctx, rc, int64(f.UncompressedSize64))
	switch {
	case errors.Is(err, storage.ErrTooLarge), errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat), errors.Is(err, io.ErrUnexpectedEOF):
		return "", 0, refuseScorm([]ScormProblem{{Key: "scorm.err_entry_corrupt", Where: "zip", At: displayName(f.Name)}})
	case err != nil:
		return "", 0, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return key, n, nil
}

// scormContentType is the type a package file is served with.
func scormContentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json"
	case ".xml", ".xsd":
		return "application/xml"
	case ".svg":
		return "image/svg+xml"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// scormCode makes a course code from the package title: its ASCII letters
// and digits, or "scorm-course" when none is left.
func scormCode(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 36 {
			break
		}
	}
	code := strings.Trim(b.String(), "-")
	if len(code) < 2 {
		code = "scorm-course"
	}
	return code
}

// scormLanguage guesses the language of instruction from the title.
func scormLanguage(title string) string {
	for _, r := range title {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return "ja"
		}
	}
	return "en"
}

func jsonStrings(ss []string) string {
	if len(ss) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ss)
	return string(b)
}

// ScormFileOf returns a stored file of a package for the content origin.
// Errors: not_found.
func (s *Service) ScormFileOf(ctx context.Context, packageID, p string) (*ScormFile, io.ReadSeekCloser, error) {
	if _, err := parseUUID(packageID); err != nil || p == "" || zipNameProblem(p) != "" {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var f ScormFile
	err := s.db.WithContext(ctx).Where("package_id = ? AND path = ?", packageID, p).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	rc, err := s.files.Open(ctx, f.StorageKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &f, rc, nil
}

// hasScorm reports whether any lesson plays a SCORM package.
func (c *Content) hasScorm() bool {
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			if l.Kind == LessonScorm {
				return true
			}
		}
	}
	return false
}

// AddScormPackage adds the SCOs of a SCORM package to an existing course's
// draft, as modules appended after the course's own (the "package" lesson,
// issue 16). The package is checked exactly as ImportScorm checks it, its
// files stored, the package recorded for the course, then the draft edited
// under its lock version; on any failure nothing is left. Errors:
// not_found (not the actor's course), invalid (*ScormRefusal), conflict
// (stale draft, archived course).
func (s *Service) AddScormPackage(ctx context.Context, a Actor, courseID string, lockVersion int, in ImportRequest) (*ImportScormResult, error) {
	c, err := s.Course(ctx, a, courseID)
	if err != nil {
		return nil, err
	}
	files, sm, err := s.readScorm(in.File, in.Size)
	if err != nil {
		return nil, err
	}
	var stored []ScormFile
	cleanup := func() {
		for _, f := range stored {
			_ = s.files.Delete(context.WithoutCancel(ctx), f.StorageKey)
		}
	}
	var total int64
	for _, f := range files {
		key, n, err := putZipEntry(ctx, s.files, f)
		if err != nil {
			cleanup()
			return nil, err
		}
		total += n
		stored = append(stored, ScormFile{Path: f.Name, ContentType: scormContentType(f.Name), SizeBytes: n, StorageKey: key})
	}
	pkg := ScormPackage{ID: NewID(), ProviderID: c.ProviderID, CourseID: &c.ID, Version: sm.Version, Edition: sm.Edition, Title: sm.Title,
		FileCount: len(stored), SizeBytes: total, CreatedBy: &a.UserID, Warnings: jsonStrings(sm.Warnings)}
	for i := range stored {
		stored[i].PackageID = pkg.ID
	}
	if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&pkg).Error; err != nil {
			return err
		}
		return tx.CreateInBatches(stored, 1000).Error
	}); err != nil {
		cleanup()
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	_, err = s.EditDraft(ctx, a, courseID, lockVersion, func(content *Content) error {
		for _, mod := range sm.Modules {
			m := Module{ID: NewID(), TitleJa: mod.Title, TitleEn: mod.Title}
			for _, sco := range mod.SCOs {
				ref := sco.Ref
				ref.PackageID = pkg.ID
				m.Lessons = append(m.Lessons, Lesson{ID: NewID(), Kind: LessonScorm, TitleJa: sco.Title, TitleEn: sco.Title,
					Required: true, Scorm: &ref})
			}
			content.Modules = append(content.Modules, m)
		}
		if content.checkStructure() == "catalog.err_too_many" {
			return apperr.New(apperr.Invalid, "catalog.err_too_many")
		}
		return nil
	})
	if err != nil {
		_ = s.db.WithContext(context.WithoutCancel(ctx)).Delete(&ScormPackage{}, "id = ?", pkg.ID).Error
		cleanup()
		return nil, err
	}
	return &ImportScormResult{Course: c, Version: sm.Version, Warnings: sm.Warnings}, nil
}

// scormFormat names a package's format in the audit log.
func scormFormat(version string) string {
	if version == ScormCmi5 {
		return "cmi5"
	}
	return "scorm-" + version
}
