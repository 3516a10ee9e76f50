package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"takumi/internal/app"
	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
)

var updateDemoSnapshot = flag.Bool("update-demo-snapshot", false, "rewrite testdata/demo_courses.snapshot from what the demo loads")

// TestDemoCourseSnapshot pins what `takumi demo` publishes, course by
// course: codes, titles, every module and lesson with its kind, completion
// rule and a hash of its text, every quiz's settings and questions, and one
// hash of the whole content document with its ids left out (ids are not
// content). Moving the demo text from one place to another must leave this
// file unchanged; a deliberate change to the demo rewrites it with
// -update-demo-snapshot and shows up in review as a readable diff.
func TestDemoCourseSnapshot(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	cfg := config.Config{Env: config.EnvDevelopment, DataDir: t.TempDir()}
	var out bytes.Buffer
	if err := app.LoadDemo(ctx, cfg, db, &out); err != nil {
		t.Fatal(err)
	}
	var snap strings.Builder
	for _, dc := range app.DemoCourseList() {
		var row struct {
			Status, ProviderCode string
			Revision             int
			Content              []byte
		}
		if err := db.Gorm.Raw(`SELECT c.status, o.code AS provider_code, c.published_revision AS revision, r.content
			FROM courses c JOIN organisations o ON o.id = c.provider_id
			JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
			WHERE o.code = 'takumi-academy' AND c.code = ?`, dc.Code).Scan(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.Content == nil {
			t.Fatalf("no published course %s", dc.Code)
		}
		var c catalog.Content
		if err := json.Unmarshal(row.Content, &c); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&snap, "course %s/%s %s revision %d (listed as %q)\n", row.ProviderCode, dc.Code, row.Status, row.Revision, dc.TitleEn)
		demoSnapshotContent(t, &snap, c, row.Content)
		snap.WriteString("\n")
	}

	t.Run("FilesImportedUnchanged", func(t *testing.T) { demoFilesImportedUnchanged(t, db) })

	path := filepath.Join("testdata", "demo_courses.snapshot")
	if *updateDemoSnapshot {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(snap.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-demo-snapshot to create it)", err)
	}
	if got := snap.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("demo courses differ from %s at line %d:\n got: %s\nwant: %s", path, i+1, g, w)
			}
		}
	}
}

// demoSnapshotContent writes one course's outline and hashes to w.
func demoSnapshotContent(t *testing.T, w *strings.Builder, c catalog.Content, raw []byte) {
	t.Helper()
	fmt.Fprintf(w, "  title_ja %s\n  title_en %s\n", c.TitleJa, c.TitleEn)
	fmt.Fprintf(w, "  summary_ja %s summary_en %s description %s\n", demoHash(c.SummaryJa), demoHash(c.SummaryEn), demoHash(c.DescriptionMd))
	fmt.Fprintf(w, "  skill_area %s level %s hours %v language %s delivery %s\n", c.SkillArea, c.Level, c.EstimatedHours, c.Language, c.DeliveryMode)
	for mi, m := range c.Modules {
		fmt.Fprintf(w, "  module %d %s / %s\n", mi+1, m.TitleJa, m.TitleEn)
		for li, l := range m.Lessons {
			fmt.Fprintf(w, "    lesson %d.%d %s required=%v min=%d must_pass=%v %s / %s body %s\n", mi+1, li+1, l.Kind,
				l.Required, l.MinMinutes, l.MustPass, l.TitleJa, l.TitleEn, demoHash(l.BodyMd))
			if l.MediaID != "" || l.Transcript != "" {
				fmt.Fprintf(w, "      media %q transcript %s\n", l.MediaID, demoHash(l.Transcript))
			}
			if q := l.Quiz; q != nil {
				fmt.Fprintf(w, "      quiz pass=%d%% attempts=%d shuffle=%v questions=%d\n", q.PassPercent, q.MaxAttempts, q.Shuffle, len(q.Questions))
				for qi, qu := range q.Questions {
					var opts []string
					for _, o := range qu.Options {
						mark := "-"
						if o.Correct {
							mark = "+"
						}
						opts = append(opts, mark+o.Text)
					}
					fmt.Fprintf(w, "      q%d %s prompt %s feedback %s answer %v tolerance %v options %s\n", qi+1, qu.Kind,
						demoHash(qu.PromptMd), demoHash(qu.FeedbackMd), qu.Answer, qu.Tolerance, strings.Join(opts, " | "))
				}
			}
		}
	}
	// The whole document as stored, ids removed: catches any field the
	// outline above does not name.
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	demoDropIDs(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, "  content without ids %s\n", demoHash(string(b)))
}

// demoDropIDs removes every "id" member from a decoded JSON document.
func demoDropIDs(v any) {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "id")
		for _, x := range v {
			demoDropIDs(x)
		}
	case []any:
		for _, x := range v {
			demoDropIDs(x)
		}
	}
}

func demoHash(s string) string {
	if s == "" {
		return "-"
	}
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// demoFilesImportedUnchanged checks that the demo's course files are
// portable course files exactly as Takumi's export writes them, and that
// importing and publishing kept them whole (ids included): exporting each
// published demo course gives its file back, up to the time and address of
// the export. It also checks that every directory of democontent is a demo
// course and that each came in through the import.
func demoFilesImportedUnchanged(t *testing.T, db *database.DB) {
	t.Helper()
	ctx := context.Background()
	dirs, err := os.ReadDir("democontent")
	if err != nil {
		t.Fatal(err)
	}
	var listed, found []string
	for _, dc := range app.DemoCourseList() {
		listed = append(listed, dc.Code)
	}
	for _, d := range dirs {
		found = append(found, d.Name())
	}
	slices.Sort(found)
	if want := slices.Sorted(slices.Values(listed)); !slices.Equal(found, want) {
		t.Errorf("democontent holds %v, the demo loads %v", found, want)
	}

	var authorID string
	if err := db.Gorm.Raw("SELECT id FROM users WHERE email = 'instructor1@demo.takumi.localhost'").Row().Scan(&authorID); err != nil {
		t.Fatal(err)
	}
	svc := catalog.NewService(db.Gorm, nil)
	for _, code := range listed {
		file, err := os.ReadFile(filepath.Join("democontent", code, "course.json"))
		if err != nil {
			t.Fatal(err)
		}
		var id string
		var imported int64
		if err := db.Gorm.Raw(`SELECT c.id, (SELECT count(*) FROM audit_events a
				WHERE a.action = 'course.imported' AND a.target_id = c.id::text AND a.actor_id = ?) AS imported
			FROM courses c JOIN organisations o ON o.id = c.provider_id
			WHERE o.code = 'takumi-academy' AND c.code = ?`, authorID, code).Row().Scan(&id, &imported); err != nil {
			t.Fatal(err)
		}
		if imported != 1 {
			t.Errorf("%s: course.imported audited %d times, want 1", code, imported)
		}
		ex, err := svc.Export(ctx, catalog.Actor{UserID: authorID}, catalog.ExportRequest{CourseID: id, Revision: catalog.ExportPublished})
		if err != nil {
			t.Fatal(err)
		}
		var orig catalog.PortableFile
		if err := json.Unmarshal(file, &orig); err != nil {
			t.Fatal(err)
		}
		ex.File.ExportedAt, ex.File.Source.BaseURL = orig.ExportedAt, orig.Source.BaseURL
		got, err := ex.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, file) {
			t.Errorf("%s: exporting the published course does not give democontent/%s/course.json back", code, code)
		}
	}
}
