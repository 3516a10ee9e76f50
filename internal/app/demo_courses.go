package app

// Demo courses: six real courses by the demo training provider, written for
// the platform in Japanese with English titles and summaries. Their text is
// data, not code: each is a portable course file (docs/course-format.md)
// kept unzipped in democontent/<code>/, as the studio's Export writes it. The
// demo imports each file through the catalog's import, as a provider
// bringing a course from another Takumi would, and publishes it as the demo
// instructor, so every rule of importing and publishing (and the audit log)
// applies to them too. The lesson text is meant to teach: it is what people
// see when they try the demo. To change it, edit the course in the studio,
// export it and unzip the file over its directory (or edit course.json).

import (
	"archive/zip"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"

	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/database"
)

// demoProviderCode is the demo provider's code in course URLs
// (/courses/takumi-academy/<course code>).
const demoProviderCode = "takumi-academy"

// demoCourseAuthor is the demo instructor who authors the demo courses.
const demoCourseAuthor = "instructor1" + demoDomain

// demoContent holds the demo courses' portable files, unzipped:
// democontent/<code>/course.json and, for a course with media, its
// media/<id> files.
//
//go:embed democontent
var demoContent embed.FS

// demoCourseCodes are the demo courses (each a directory of democontent),
// in the order they are loaded and printed.
var demoCourseCodes = []string{
	"genai-office-101",
	"cloud-basics-101",
	"secure-coding-201",
	"robot-programming-101",
	"quality-data-201",
	"sme-security-101",
}

// DemoCourse names one demo course, as `takumi demo` prints it.
type DemoCourse struct {
	Code    string
	TitleEn string
}

// DemoCourseList is every demo course, in the order `takumi demo` prints them.
// It panics if a course's file is unreadable: the files are embedded, so
// that is a build mistake the tests catch.
func DemoCourseList() []DemoCourse {
	out := make([]DemoCourse, len(demoCourseCodes))
	for i, code := range demoCourseCodes {
		pf, err := demoCourseManifest(code)
		if err != nil {
			panic(err)
		}
		out[i] = DemoCourse{Code: code, TitleEn: pf.Content.TitleEn}
	}
	return out
}

// demoCourseManifest decodes a demo course's course.json.
func demoCourseManifest(code string) (*catalog.PortableFile, error) {
	raw, err := demoContent.ReadFile(path.Join("democontent", code, "course.json"))
	if err != nil {
		return nil, fmt.Errorf("demo course %s: %w", code, err)
	}
	var pf catalog.PortableFile
	if err := json.Unmarshal(raw, &pf); err != nil {
		return nil, fmt.Errorf("demo course %s: course.json: %w", code, err)
	}
	if pf.Code != code {
		return nil, fmt.Errorf("demo course %s: course.json has code %q", code, pf.Code)
	}
	return &pf, nil
}

// demoCourseZip zips a demo course's directory into the portable file the
// importer reads: course.json first, then the other files (media/<id>) in
// name order.
func demoCourseZip(code string) ([]byte, error) {
	dir, err := fs.Sub(demoContent, path.Join("democontent", code))
	if err != nil {
		return nil, err
	}
	names := []string{"course.json"}
	err = fs.WalkDir(dir, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && name != "course.json" {
			names = append(names, name)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("demo course %s: %w", code, err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		b, err := fs.ReadFile(dir, name)
		if err != nil {
			return nil, fmt.Errorf("demo course %s: %w", code, err)
		}
		w, err := zw.Create(name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(b); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// loadDemoCourses imports and publishes every demo course the demo provider
// does not have yet and returns how many it published. A course whose code
// the provider already uses is left as it is, except a never-published
// draft that the demo author created (a run interrupted between importing
// and publishing), which is given the file's content and published. Runs
// after the accounts exist.
func loadDemoCourses(ctx context.Context, cfg config.Config, db *database.DB) (int, error) {
	files, err := OpenStorage(ctx, cfg, slog.Default())
	if err != nil {
		return 0, err
	}
	svc := catalog.NewService(db.Gorm, files)
	var providerID, authorID string
	if err := db.Gorm.WithContext(ctx).Raw("SELECT id FROM organisations WHERE name_ja = ?", demoProvider().NameJa).Row().Scan(&providerID); err != nil {
		return 0, fmt.Errorf("demo provider: %w", err)
	}
	if err := db.Gorm.WithContext(ctx).Raw("SELECT id FROM users WHERE email = ?", demoCourseAuthor).Row().Scan(&authorID); err != nil {
		return 0, fmt.Errorf("demo course author: %w", err)
	}
	actor := catalog.Actor{UserID: authorID}
	published := 0
	for _, code := range demoCourseCodes {
		var existing []struct {
			ID        string
			Status    string
			CreatedBy *string
		}
		if err := db.Gorm.WithContext(ctx).Raw("SELECT id, status, created_by FROM courses WHERE provider_id = ? AND code = ?",
			providerID, code).Scan(&existing).Error; err != nil {
			return published, err
		}
		pf, err := demoCourseManifest(code)
		if err != nil {
			return published, err
		}
		courseID := ""
		if len(existing) > 0 {
			e := existing[0]
			if e.Status != catalog.StatusDraft || e.CreatedBy == nil || *e.CreatedBy != authorID {
				continue
			}
			courseID = e.ID
			if _, err := svc.EditDraft(ctx, actor, courseID, 0, func(c *catalog.Content) error {
				*c = pf.Content
				return nil
			}); err != nil {
				return published, fmt.Errorf("demo course %s: %w", code, err)
			}
		} else {
			file, err := demoCourseZip(code)
			if err != nil {
				return published, err
			}
			c, err := svc.Import(ctx, actor, catalog.ImportRequest{ProviderID: providerID, Code: code,
				File: bytes.NewReader(file), Size: int64(len(file))})
			if err != nil {
				return published, fmt.Errorf("demo course %s: %w", code, err)
			}
			courseID = c.ID
		}
		if _, err := svc.Publish(ctx, actor, courseID); err != nil {
			return published, fmt.Errorf("demo course %s: %w (problems: %v)", code, err, pf.Content.PublishProblems(svc.SkillAreaExists(ctx)))
		}
		published++
	}
	return published, nil
}

// demoProvider is the demo training provider that authors the demo courses.
func demoProvider() demoOrg {
	for _, o := range demoOrgs {
		if o.Key == "provider" {
			return o
		}
	}
	panic("demo: no provider organisation")
}

// printDemoCourses lists the demo courses with their catalogue paths.
func printDemoCourses(out io.Writer) {
	fmt.Fprintf(out, "Demo courses by %s (published, /courses/%s/<code>):\n", demoProvider().NameEn, demoProviderCode)
	for _, c := range DemoCourseList() {
		fmt.Fprintf(out, "  %-24s %s\n", c.Code, c.TitleEn)
	}
}
