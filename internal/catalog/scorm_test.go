package catalog_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"takumi/internal/catalog"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// ScormZip zips a test package folder of testdata/scorm; edit may change,
// add or drop entries (nil content drops) before the zip is written.
func scormZip(t *testing.T, dir string, edit map[string][]byte) []byte {
	t.Helper()
	entries := map[string][]byte{}
	var names []string
	root := filepath.Join("testdata", "scorm", dir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		entries[rel] = b
		names = append(names, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range edit {
		if _, ok := entries[name]; !ok && b != nil {
			names = append(names, name)
		}
		entries[name] = b
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		if entries[name] == nil {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(entries[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ScormZipOf is a SCORM 1.2 package file whose manifest is replaced.
func scormManifest12(t *testing.T, replace ...string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/scorm/scorm12/imsmanifest.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("manifest has no %q", replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	return []byte(s)
}

func TestImportScorm(t *testing.T) {
	db := dbtest.New(t)
	dir := t.TempDir()
	files, err := storage.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := catalog.NewService(db.Gorm, files)
	providerID, userID := portableFixture(t, db, "scorm-provider")
	a := catalog.Actor{UserID: userID}
	ctx := context.Background()
	importZip := func(b []byte, code string) (*catalog.ImportScormResult, error) {
		return s.ImportScorm(ctx, a, catalog.ImportRequest{ProviderID: providerID, Code: code, File: bytes.NewReader(b), Size: int64(len(b))})
	}

	t.Run("SCORM12", func(t *testing.T) {
		b := scormZip(t, "scorm12", nil)
		if !catalog.IsScormPackage(bytes.NewReader(b), int64(len(b))) {
			t.Fatal("not recognised as a SCORM package")
		}
		res, err := importZip(b, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Version != catalog.ScormV12 || res.Course.Code != "safety-basics-scorm-1-2" {
			t.Fatalf("version %q code %q", res.Version, res.Course.Code)
		}
		var content string
		db.Gorm.Raw(`SELECT content::text FROM course_revisions WHERE course_id = ?`, res.Course.ID).Row().Scan(&content)
		var n int
		db.Gorm.Raw(`SELECT count(*) FROM scorm_files f JOIN scorm_packages p ON p.id = f.package_id WHERE p.course_id = ?`, res.Course.ID).Row().Scan(&n)
		if n != 5 {
			t.Errorf("%d files stored, want 5", n)
		}
		_, rev, err := s.Draft(ctx, a, res.Course.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := rev.Content
		if len(c.Modules) != 2 || len(c.Modules[0].Lessons) != 1 || len(c.Modules[1].Lessons) != 1 {
			t.Fatalf("structure: %s", content)
		}
		l1, l2 := c.Modules[0].Lessons[0], c.Modules[1].Lessons[0]
		if c.Modules[0].TitleJa != "Before you start" || l1.TitleJa != "Hazards on the shop floor" || l1.Kind != catalog.LessonScorm {
			t.Errorf("lesson 1: %+v", l1)
		}
		if l1.Scorm.Launch != "index.html?lesson=1" || l2.Scorm.Launch != "index.html?part=2" {
			t.Errorf("launch %q, %q", l1.Scorm.Launch, l2.Scorm.Launch)
		}
		if l2.Scorm.MasteryScore == nil || *l2.Scorm.MasteryScore != 80 {
			t.Errorf("mastery score %v", l2.Scorm.MasteryScore)
		}
		f, rc, err := s.ScormFileOf(ctx, l1.Scorm.PackageID, "shared/sco.js")
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		if !strings.HasPrefix(f.ContentType, "text/javascript") {
			t.Errorf("content type %q", f.ContentType)
		}
		if _, _, err := s.ScormFileOf(ctx, l1.Scorm.PackageID, "../imsmanifest.xml"); err == nil {
			t.Error("a path outside the package was served")
		}
	})

	t.Run("SCORM2004", func(t *testing.T) {
		res, err := importZip(scormZip(t, "scorm2004", nil), "robot-safety-2004")
		if err != nil {
			t.Fatal(err)
		}
		_, rev, _ := s.Draft(ctx, a, res.Course.ID)
		c := rev.Content
		if res.Version != catalog.ScormV2004 || c.Language != "ja" || len(c.Modules) != 1 || c.Modules[0].TitleJa != "ロボット安全（SCORM 2004）" {
			t.Fatalf("%s: %+v", res.Version, c)
		}
		ref := c.Modules[0].Lessons[0].Scorm
		if ref.ScaledPassingScore == nil || *ref.ScaledPassingScore != 0.8 {
			t.Errorf("scaled passing score %v", ref.ScaledPassingScore)
		}
	})

	t.Run("SequencingWarnings", func(t *testing.T) {
		raw, _ := os.ReadFile("testdata/scorm/scorm2004/imsmanifest.xml")
		m := strings.Replace(string(raw), `<imsss:controlMode choice="true" flow="true"/>`,
			`<imsss:controlMode choice="true" flow="true"/><imsss:rollupRules/><imsss:sequencingRules/>`, 1)
		res, err := importZip(scormZip(t, "scorm2004", map[string][]byte{"imsmanifest.xml": []byte(m)}), "warned-2004")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(res.Warnings, ",") != "rollupRules,sequencingRules" {
			t.Errorf("warnings %v", res.Warnings)
		}
	})

	// Every refused package: the problem named with its place, and
	// nothing written (no course, no package, no stored file).
	var courses0, files0 int64
	db.Gorm.Raw(`SELECT count(*) FROM courses`).Row().Scan(&courses0)
	countFiles := func() int64 {
		var n int64
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
			if d != nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	files0 = countFiles()
	bomb := make([]byte, 4<<20)
	for _, tc := range []struct {
		name, key, at string
		zip           func() []byte
	}{
		{"NoManifest", "scorm.err_no_manifest", "imsmanifest.xml", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": nil, "course/imsmanifest.xml.bak": []byte("x")})
		}},
		{"ManifestInFolder", "scorm.err_manifest_not_root", "pkg/imsmanifest.xml", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": nil, "pkg/imsmanifest.xml": scormManifest12(t)})
		}},
		{"UnknownVersion", "scorm.err_schemaversion", "schemaversion", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": scormManifest12(t, "<schemaversion>1.2<", "<schemaversion>1.1<")})
		}},
		{"UnknownSchema", "scorm.err_schema", "schema", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": scormManifest12(t, "<schema>ADL SCORM<", "<schema>IMS Content<")})
		}},
		{"NoVersion", "scorm.err_schemaversion_missing", "schemaversion", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": scormManifest12(t, "<schemaversion>1.2</schemaversion>", "")})
		}},
		{"BrokenXML", "scorm.err_manifest_xml", "imsmanifest.xml", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": scormManifest12(t, "</manifest>", "")})
		}},
		{"MissingLaunchFile", "scorm.err_launch_file", "RES-SCO-1", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": scormManifest12(t, `href="index.html">`, `href="start.html">`)})
		}},
		{"MissingReferencedFile", "scorm.err_file_missing", "RES-SHARED › shared/sco.css", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"shared/sco.css": nil})
		}},
		{"DuplicateIdentifier", "scorm.err_identifier_duplicate", "ITEM-1", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": scormManifest12(t, `identifier="ITEM-2"`, `identifier="ITEM-1"`)})
		}},
		{"UnknownResource", "scorm.err_item_ref", "ITEM-2", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": scormManifest12(t, `identifierref="RES-SCO-2"`, `identifierref="RES-NONE"`)})
		}},
		{"ZipPathTraversal", "scorm.err_entry_traversal", "../evil.js", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"../evil.js": []byte("alert(1)")})
		}},
		{"AbsoluteZipPath", "scorm.err_entry_traversal", "/etc/cron.d/x", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"/etc/cron.d/x": []byte("x")})
		}},
		{"HrefTraversal", "scorm.err_href_traversal", "RES-ASSET › ../../secret.txt", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": scormManifest12(t, `<file href="shared/handout.txt"/>`, `<file href="../../secret.txt"/>`)})
		}},
		{"ExternalHref", "scorm.err_href_external", "RES-SCO-1 › https://evil.example/x.html", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"imsmanifest.xml": scormManifest12(t, `href="index.html">`, `href="https://evil.example/x.html">`)})
		}},
		{"ZipBomb", "scorm.err_zip_bomb", "zeros.bin", func() []byte {
			return scormZip(t, "scorm12", map[string][]byte{"zeros.bin": bomb})
		}},
		{"NotZip", "scorm.err_not_zip", "", func() []byte { return []byte("PK\x03\x04 this is not a zip file at all") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := importZip(tc.zip(), "")
			var sr *catalog.ScormRefusal
			if !errors.As(err, &sr) {
				t.Fatalf("err = %v, want a refusal", err)
			}
			found := false
			for _, p := range sr.Problems {
				if p.Key == tc.key && p.At == tc.at {
					found = true
				}
			}
			if !found {
				t.Errorf("problems %+v, want %s at %q", sr.Problems, tc.key, tc.at)
			}
		})
	}

	t.Run("TooLarge", func(t *testing.T) {
		small := catalog.NewService(db.Gorm, files)
		small.SetScormMaxBytes(1 << 10)
		b := scormZip(t, "scorm12", nil)
		_, err := small.ImportScorm(ctx, a, catalog.ImportRequest{ProviderID: providerID, File: bytes.NewReader(b), Size: int64(len(b))})
		var sr *catalog.ScormRefusal
		if !errors.As(err, &sr) || sr.Problems[0].Key != "scorm.err_too_large" {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("ManyProblemsAllListed", func(t *testing.T) {
		b := scormZip(t, "scorm12", map[string][]byte{"index.html": nil, "shared/sco.css": nil})
		_, err := importZip(b, "")
		var sr *catalog.ScormRefusal
		if !errors.As(err, &sr) || len(sr.Problems) < 3 {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("NothingWritten", func(t *testing.T) {
		var courses int64
		db.Gorm.Raw(`SELECT count(*) FROM courses`).Row().Scan(&courses)
		if courses != courses0 || countFiles() != files0 {
			t.Errorf("courses %d → %d, stored files %d → %d", courses0, courses, files0, countFiles())
		}
	})

	t.Run("ExportRefused", func(t *testing.T) {
		res, err := importZip(scormZip(t, "scorm12", nil), "export-me")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Export(ctx, a, catalog.ExportRequest{CourseID: res.Course.ID, Revision: catalog.ExportDraft}); err == nil {
			t.Error("a course with SCORM lessons was exported without its packages")
		}
	})
}
