package catalog_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/i18n"
	"takumi/internal/storage"
)

// portableFixture makes a provider (with a provider code) and an instructor
// of it, and returns their ids.
func portableFixture(t testing.TB, db *database.DB, name string) (providerID, userID string) {
	t.Helper()
	if err := db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind, code) VALUES (?, 'provider', ?) RETURNING id`, name, name).Row().Scan(&providerID); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
		VALUES (?, 'x', '講師', '2026-11', now()) RETURNING id`, name+"@example.jp").Row().Scan(&userID); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'instructor')`, providerID, userID).Error; err != nil {
		t.Fatal(err)
	}
	return providerID, userID
}

// portableMedia stores a file in files and records it as media of provider.
func portableMedia(t *testing.T, db *database.DB, files storage.Storage, providerID, filename, contentType string, data []byte) string {
	t.Helper()
	key, n, err := files.Put(context.Background(), bytes.NewReader(data), 0)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	var id string
	if err := db.Gorm.Raw(`INSERT INTO media (provider_id, filename, content_type, size_bytes, sha256, storage_key)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, providerID, filename, contentType, n, sum[:], key).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// portableContent is a course with a reading, a quiz with every question
// kind, a resource and a video lesson using mediaID.
func portableContent(mediaID, videoID string) catalog.Content {
	id := catalog.NewID
	return catalog.Content{
		TitleJa: "生成AI入門", TitleEn: "Generative AI basics", SummaryJa: "業務で生成AIを安全に使う", SummaryEn: "Use generative AI safely at work",
		DescriptionMd: "## 概要\n\n<b>安全</b>な使い方 & 注意点", SkillArea: "generative_ai", Level: catalog.LevelIntroductory,
		EstimatedHours: 4.5, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced,
		Modules: []catalog.Module{
			{ID: id(), TitleJa: "基礎", TitleEn: "Basics", Lessons: []catalog.Lesson{
				{ID: id(), Kind: catalog.LessonReading, TitleJa: "生成AIとは", Required: true, MinMinutes: 10, BodyMd: "# 生成AI\n\n大規模言語モデルは…"},
				{ID: id(), Kind: catalog.LessonResource, TitleJa: "資料", BodyMd: "配布資料です", MediaID: mediaID},
				{ID: id(), Kind: catalog.LessonVideo, TitleJa: "動画", Required: true, MinMinutes: 3, MediaID: videoID, Transcript: "こんにちは"},
			}},
			{ID: id(), TitleJa: "確認", Lessons: []catalog.Lesson{
				{ID: id(), Kind: catalog.LessonQuiz, TitleJa: "確認テスト", Required: true, MustPass: true, Quiz: &catalog.Quiz{
					PassPercent: 70, MaxAttempts: 3, Shuffle: true, Questions: []catalog.Question{
						{ID: id(), Kind: catalog.QuestionSingle, PromptMd: "正しいものは？", FeedbackMd: "理由", Options: []catalog.Option{
							{ID: id(), Text: "A", Correct: true}, {ID: id(), Text: "B"}}},
						{ID: id(), Kind: catalog.QuestionMultiple, PromptMd: "すべて選べ", Options: []catalog.Option{
							{ID: id(), Text: "X", Correct: true}, {ID: id(), Text: "Y", Correct: true}, {ID: id(), Text: "Z"}}},
						{ID: id(), Kind: catalog.QuestionTrueFalse, PromptMd: "生成AIは常に正しい", Options: []catalog.Option{
							{ID: id(), Text: "正しい"}, {ID: id(), Text: "誤り", Correct: true}}},
						{ID: id(), Kind: catalog.QuestionNumeric, PromptMd: "0.1 + 0.2 は？", Answer: 0.3, Tolerance: 0.001},
						{ID: id(), Kind: catalog.QuestionNumeric, PromptMd: "ゼロは？", Answer: 0},
					}}},
			}},
		},
	}
}

// portableZip writes a zip with the given entries in order.
func portableZip(t *testing.T, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// portableUnzip returns the entries of a zip in order, with their contents.
func portableUnzip(t *testing.T, b []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	data := map[string][]byte{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return names, data
}

// portableNormalised is course.json without exported_at and source, with
// every media id replaced by its position in the media list: what must be
// equal after a round trip.
func portableNormalised(t *testing.T, manifest []byte) string {
	t.Helper()
	var f catalog.PortableFile
	if err := json.Unmarshal(manifest, &f); err != nil {
		t.Fatal(err)
	}
	s := string(manifest)
	for i, m := range f.Media {
		s = strings.ReplaceAll(s, m.ID, "media-"+string(rune('A'+i)))
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	delete(v, "exported_at")
	delete(v, "source")
	out, _ := json.MarshalIndent(v, "", " ")
	return string(out)
}

// portableCounts counts what an import writes: courses, revisions, media
// rows, stored files and import audit rows.
func portableCounts(t *testing.T, db *database.DB, dir string) [5]int64 {
	t.Helper()
	var c [5]int64
	db.Gorm.Raw("SELECT count(*) FROM courses").Row().Scan(&c[0])
	db.Gorm.Raw("SELECT count(*) FROM course_revisions").Row().Scan(&c[1])
	db.Gorm.Raw("SELECT count(*) FROM media").Row().Scan(&c[2])
	db.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'course.imported'").Row().Scan(&c[4])
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			c[3]++
		}
		return nil
	})
	return c
}

// portableMessage renders an import refusal in English.
func portableMessage(t *testing.T, err error) string {
	t.Helper()
	var ie *catalog.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("not an import refusal: %v", err)
	}
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("import refusal is not invalid: %v", err)
	}
	return i18n.MustLoad().For("en").T(ie.Key, ie.Args...)
}

func TestPortableRoundTrip(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	files, err := storage.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := catalog.NewService(db.Gorm, files)
	provA, instA := portableFixture(t, db, "provider-a")
	provB, instB := portableFixture(t, db, "provider-b")
	a, b := catalog.Actor{UserID: instA}, catalog.Actor{UserID: instB}

	pdf := []byte("%PDF-1.4\n% 講座資料\n1 0 obj << >> endobj\ntrailer\n%%EOF\n")
	video := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2'}, bytes.Repeat([]byte{7}, 5000)...)
	mediaID := portableMedia(t, db, files, provA, "資料.pdf", "application/pdf", pdf)
	videoID := portableMedia(t, db, files, provA, "intro.mp4", "video/mp4", video)
	content := portableContent(mediaID, videoID)

	c, err := s.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: provA, Code: "genai-101", Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, a, c.ID); err != nil {
		t.Fatal(err)
	}
	// A newer draft exists too: the default export is the published revision.
	if _, err := s.EditDraft(ctx, a, c.ID, 0, func(ct *catalog.Content) error { ct.TitleJa = "生成AI入門 改訂中"; return nil }); err != nil {
		t.Fatal(err)
	}

	ex, err := s.Export(ctx, a, catalog.ExportRequest{CourseID: c.ID, BaseURL: "https://a.example.jp"})
	if err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if err := ex.WriteZip(ctx, &first); err != nil {
		t.Fatal(err)
	}
	names, data := portableUnzip(t, first.Bytes())
	t.Run("FileLayout", func(t *testing.T) {
		if ex.Filename != "genai-101-r1.takumi.zip" {
			t.Fatalf("filename %q", ex.Filename)
		}
		want := []string{"course.json", "media/" + mediaID, "media/" + videoID}
		if strings.Join(names, ",") != strings.Join(want, ",") {
			t.Fatalf("entries %v, want %v", names, want)
		}
		if !bytes.Equal(data["media/"+mediaID], pdf) || !bytes.Equal(data["media/"+videoID], video) {
			t.Fatal("media bytes differ from the stored files")
		}
		var f catalog.PortableFile
		if err := json.Unmarshal(data["course.json"], &f); err != nil {
			t.Fatal(err)
		}
		if f.Format != "takumi-course/1" || f.Source.Revision != 1 || f.Source.ProviderCode != "provider-a" ||
			f.Source.BaseURL != "https://a.example.jp" || f.Code != "genai-101" || f.Content.TitleJa != "生成AI入門" {
			t.Fatalf("manifest header: %+v %q", f.Source, f.Content.TitleJa)
		}
		if len(f.Media) != 2 || f.Media[0].Filename != "資料.pdf" || f.Media[0].SizeBytes != int64(len(pdf)) || f.Media[0].Path != "media/"+mediaID {
			t.Fatalf("media list %+v", f.Media)
		}
		if !strings.Contains(string(data["course.json"]), "<b>安全</b>な使い方 & 注意点") {
			t.Fatal("course.json escapes Markdown text (want it readable)")
		}
		zr, _ := zip.NewReader(bytes.NewReader(first.Bytes()), int64(first.Len()))
		for _, f := range zr.File {
			if f.Modified.Year() != 2000 {
				t.Fatalf("entry %s has time %v, want the fixed time", f.Name, f.Modified)
			}
		}
		var audits int64
		db.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'course.exported' AND target_id = ?", c.ID).Row().Scan(&audits)
		if audits != 1 {
			t.Fatalf("%d export audit rows", audits)
		}
	})
	t.Run("ExportDraft", func(t *testing.T) {
		ex, err := s.Export(ctx, a, catalog.ExportRequest{CourseID: c.ID, Revision: catalog.ExportDraft})
		if err != nil || ex.Filename != "genai-101-r2.takumi.zip" || ex.File.Content.TitleJa != "生成AI入門 改訂中" {
			t.Fatalf("draft export: %v %+v", err, ex)
		}
	})
	t.Run("ErrOtherProvider", func(t *testing.T) {
		if _, err := s.Export(ctx, b, catalog.ExportRequest{CourseID: c.ID}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("instructor of B exported A's course: %v", err)
		}
		_, err := s.Import(ctx, b, catalog.ImportRequest{ProviderID: provA, File: bytes.NewReader(first.Bytes()), Size: int64(first.Len())})
		var ie *catalog.ImportError
		if !errors.As(err, &ie) || ie.Field != "provider_id" {
			t.Fatalf("instructor of B imported into A: %v", err)
		}
	})

	imported, err := s.Import(ctx, b, catalog.ImportRequest{ProviderID: provB, File: bytes.NewReader(first.Bytes()), Size: int64(first.Len())})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ImportedDraft", func(t *testing.T) {
		if imported.Status != catalog.StatusDraft || imported.Code != "genai-101" || imported.ProviderID != provB {
			t.Fatalf("imported course %+v", imported)
		}
		_, rev, err := s.Draft(ctx, b, imported.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rev.Number != 1 {
			t.Fatalf("imported draft is revision %d", rev.Number)
		}
		got := rev.Content
		_, _, res := got.FindLesson(content.Modules[0].Lessons[1].ID)
		if res == nil || res.MediaID == mediaID || res.MediaID == "" {
			t.Fatalf("resource lesson media id not remapped: %+v", res)
		}
		var owner, courseID, filename string
		var size int64
		db.Gorm.Raw("SELECT provider_id, course_id, filename, size_bytes FROM media WHERE id = ?", res.MediaID).Row().Scan(&owner, &courseID, &filename, &size)
		if owner != provB || courseID != imported.ID || filename != "資料.pdf" || size != int64(len(pdf)) {
			t.Fatalf("imported media row: %s %s %s %d", owner, courseID, filename, size)
		}
		// Equal to the exported content once the media ids are mapped back.
		back := map[string]string{}
		_, _, v := got.FindLesson(content.Modules[0].Lessons[2].ID)
		back[res.MediaID], back[v.MediaID] = mediaID, videoID
		for mi := range got.Modules {
			for li := range got.Modules[mi].Lessons {
				if l := &got.Modules[mi].Lessons[li]; l.MediaID != "" {
					l.MediaID = back[l.MediaID]
				}
			}
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(ex.File.Content)
		if string(gj) != string(wj) {
			t.Fatalf("imported content differs:\n%s\n%s", gj, wj)
		}
		var audit string
		db.Gorm.Raw("SELECT details::text FROM audit_events WHERE action = 'course.imported' AND target_id = ?", imported.ID).Row().Scan(&audit)
		if !strings.Contains(audit, "https://a.example.jp") || !strings.Contains(audit, "provider-a") {
			t.Fatalf("import audit details lack the source: %s", audit)
		}
	})
	t.Run("SecondExportEqual", func(t *testing.T) {
		ex2, err := s.Export(ctx, b, catalog.ExportRequest{CourseID: imported.ID, BaseURL: "https://b.example.jp"})
		if err != nil {
			t.Fatal(err)
		}
		var second bytes.Buffer
		if err := ex2.WriteZip(ctx, &second); err != nil {
			t.Fatal(err)
		}
		names2, data2 := portableUnzip(t, second.Bytes())
		if got, want := portableNormalised(t, data2["course.json"]), portableNormalised(t, data["course.json"]); got != want {
			t.Fatalf("second export differs:\n%s\n----\n%s", got, want)
		}
		if len(names2) != 3 || !bytes.Equal(data2[names2[1]], pdf) || !bytes.Equal(data2[names2[2]], video) {
			t.Fatalf("second export media: %v", names2)
		}
	})
	t.Run("ErrCodeTaken", func(t *testing.T) {
		before := portableCounts(t, db, dir)
		_, err := s.Import(ctx, b, catalog.ImportRequest{ProviderID: provB, File: bytes.NewReader(first.Bytes()), Size: int64(first.Len())})
		var ie *catalog.ImportError
		if !errors.As(err, &ie) || ie.Field != "code" || !strings.Contains(portableMessage(t, err), "genai-101") {
			t.Fatalf("second import with a taken code: %v", err)
		}
		if after := portableCounts(t, db, dir); after != before {
			t.Fatalf("a refused import wrote something: %v -> %v", before, after)
		}
		c2, err := s.Import(ctx, b, catalog.ImportRequest{ProviderID: provB, Code: "Genai-101-copy", File: bytes.NewReader(first.Bytes()), Size: int64(first.Len())})
		if err != nil || c2.Code != "genai-101-copy" {
			t.Fatalf("import with a new code: %v", err)
		}
	})
}

func TestPortableImportRefused(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	files, err := storage.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := catalog.NewService(db.Gorm, files)
	prov, inst := portableFixture(t, db, "provider-c")
	a := catalog.Actor{UserID: inst}
	pdf := []byte("%PDF-1.4\nresource\n%%EOF\n")
	mediaID := portableMedia(t, db, files, prov, "guide.pdf", "application/pdf", pdf)
	c, err := s.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: prov, Code: "src", Content: portableContent(mediaID, mediaID)})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := s.Export(ctx, a, catalog.ExportRequest{CourseID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	manifest, _ := ex.Manifest()
	mediaPath := "media/" + mediaID
	// edit returns course.json changed by f.
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal(manifest, &m)
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	content := func(m map[string]any) map[string]any { return m["content"].(map[string]any) }
	tampered := append([]byte{}, pdf...)
	tampered[10] ^= 0xff

	cases := []struct {
		name string
		file []byte
		want string // part of the English message
	}{
		{"ErrNotZip", []byte("this is not a zip file at all"), "not a valid .zip"},
		{"ErrEmpty", nil, "Choose a course file"},
		{"ErrNoManifest", portableZip(t, [2]string{mediaPath, string(pdf)}), "no course.json"},
		{"ErrBadJSON", portableZip(t, [2]string{"course.json", `{"format": "takumi-course/1", "code": `}), "not valid JSON"},
		{"ErrWrongType", portableZip(t, [2]string{"course.json", edit(func(m map[string]any) { content(m)["estimated_hours"] = "many" })}), "content.estimated_hours"},
		{"ErrUnknownField", portableZip(t, [2]string{"course.json", edit(func(m map[string]any) { m["extra"] = 1 })}), "extra"},
		{"ErrUnknownVersion", portableZip(t, [2]string{"course.json", edit(func(m map[string]any) { m["format"] = "takumi-course/9" })}, [2]string{mediaPath, string(pdf)}),
			"format “takumi-course/9”, which this Takumi cannot read. Supported format: takumi-course/1"},
		{"ErrNoFormat", portableZip(t, [2]string{"course.json", edit(func(m map[string]any) { delete(m, "format") })}), "does not say its format"},
		{"ErrSHA256Mismatch", portableZip(t, [2]string{"course.json", string(manifest)}, [2]string{mediaPath, string(tampered)}), "does not match its SHA-256"},
		{"ErrSizeMismatch", portableZip(t, [2]string{"course.json", string(manifest)}, [2]string{mediaPath, string(pdf) + "x"}), "should be"},
		{"ErrMediaAbsent", portableZip(t, [2]string{"course.json", string(manifest)}), "is not in the file"},
		{"ErrPathTraversal", portableZip(t, [2]string{"course.json", string(manifest)}, [2]string{mediaPath, string(pdf)}, [2]string{"../x", "evil"}), "“../x” that is not allowed"},
		{"ErrAbsolutePath", portableZip(t, [2]string{"/etc/cron.d/x", "evil"}, [2]string{"course.json", string(manifest)}), "not allowed"},
		{"ErrOtherFolder", portableZip(t, [2]string{"course.json", string(manifest)}, [2]string{"media/../../x", "evil"}), "not allowed"},
		{"ErrDuplicateEntry", portableZip(t, [2]string{"course.json", string(manifest)}, [2]string{"course.json", string(manifest)}), "twice"},
		{"ErrExtraMedia", portableZip(t, [2]string{"course.json", string(manifest)}, [2]string{mediaPath, string(pdf)}, [2]string{"media/" + catalog.NewID(), "x"}), "does not list"},
		// 40 MiB of spaces is valid JSON, but compresses to a few kilobytes:
		// refused by size, not read into memory.
		{"ErrOversizedEntry", portableZip(t, [2]string{"course.json", string(manifest) + strings.Repeat(" ", 40<<20)}), "too large once unpacked (at most 32 MiB)"},
		{"ErrUnknownSkillArea", portableZip(t, [2]string{"course.json", edit(func(m map[string]any) { content(m)["skill_area"] = "basket_weaving" })}, [2]string{mediaPath, string(pdf)}),
			"skill area “basket_weaving”"},
		{"ErrStructure", portableZip(t, [2]string{"course.json", edit(func(m map[string]any) {
			mods := content(m)["modules"].([]any)
			mods[1].(map[string]any)["id"] = mods[0].(map[string]any)["id"]
		})}, [2]string{mediaPath, string(pdf)}), "not valid: an id is missing or repeated"},
		{"ErrMediaUnlisted", portableZip(t, [2]string{"course.json", edit(func(m map[string]any) { m["media"] = []any{} })}), "does not have"},
		{"ErrHTMLMedia", func() []byte {
			html := "<!DOCTYPE html><html><script>alert(1)</script></html>"
			sum := sha256.Sum256([]byte(html))
			return portableZip(t, [2]string{"course.json", edit(func(m map[string]any) {
				md := m["media"].([]any)[0].(map[string]any)
				md["sha256"], md["size_bytes"] = portableHex(sum[:]), len(html)
			})}, [2]string{mediaPath, html})
		}(), "but its contents are text/html"},
		{"ErrMediaTypeLie", portableZip(t, [2]string{"course.json", edit(func(m map[string]any) {
			m["media"].([]any)[0].(map[string]any)["content_type"] = "video/mp4"
		})}, [2]string{mediaPath, string(pdf)}), "claims to be video/mp4, but its contents are application/pdf"},
		{"ErrMediaTypeNotAllowed", portableZip(t, [2]string{"course.json", edit(func(m map[string]any) {
			m["media"].([]any)[0].(map[string]any)["content_type"] = "image/svg+xml"
		})}, [2]string{mediaPath, string(pdf)}), "image/svg+xml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := portableCounts(t, db, dir)
			_, err := s.Import(ctx, a, catalog.ImportRequest{ProviderID: prov, Code: "copy", File: bytes.NewReader(tc.file), Size: int64(len(tc.file))})
			if err == nil {
				t.Fatal("import accepted")
			}
			if msg := portableMessage(t, err); !strings.Contains(msg, tc.want) {
				t.Fatalf("message %q does not contain %q", msg, tc.want)
			}
			if after := portableCounts(t, db, dir); after != before {
				t.Fatalf("a refused import wrote something (courses, revisions, media, files, audits): %v -> %v", before, after)
			}
		})
	}

	t.Run("ErrMidwayLeavesNothing", func(t *testing.T) {
		// The database refuses the media row after the file is stored: the
		// stored file must be deleted and no course row left.
		if err := db.Gorm.Exec(`CREATE FUNCTION portable_boom() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'boom'; END $$;
			CREATE TRIGGER portable_boom BEFORE INSERT ON media FOR EACH ROW WHEN (NEW.filename = 'guide.pdf' AND NEW.course_id IS NOT NULL)
			EXECUTE FUNCTION portable_boom()`).Error; err != nil {
			t.Fatal(err)
		}
		defer db.Gorm.Exec(`DROP TRIGGER portable_boom ON media; DROP FUNCTION portable_boom()`)
		var zb bytes.Buffer
		if err := ex.WriteZip(ctx, &zb); err != nil {
			t.Fatal(err)
		}
		before := portableCounts(t, db, dir)
		_, err := s.Import(ctx, a, catalog.ImportRequest{ProviderID: prov, Code: "copy", File: bytes.NewReader(zb.Bytes()), Size: int64(zb.Len())})
		if !apperr.Is(err, apperr.Internal) {
			t.Fatalf("import with a failing database: %v", err)
		}
		if after := portableCounts(t, db, dir); after != before {
			t.Fatalf("a failed import left something behind: %v -> %v", before, after)
		}
	})

	t.Run("ErrExportMediaMissing", func(t *testing.T) {
		other, _ := portableFixture(t, db, "provider-d")
		foreign := portableMedia(t, db, files, other, "secret.pdf", "application/pdf", pdf)
		if _, err := s.EditDraft(ctx, a, c.ID, 0, func(ct *catalog.Content) error {
			ct.Modules[0].Lessons[1].MediaID = foreign
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// SECURITY: another provider's media id in the content is not exported.
		if _, err := s.Export(ctx, a, catalog.ExportRequest{CourseID: c.ID}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("export with another provider's media: %v", err)
		}
	})
}

func portableHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

// TestPortableMessages: every message key the portable code uses exists (the
// i18n test cannot see keys passed to refuse()).
func TestPortableMessages(t *testing.T) {
	src, err := os.ReadFile("portable.go")
	if err != nil {
		t.Fatal(err)
	}
	c := i18n.MustLoad()
	keys := regexp.MustCompile(`"(portable\.[a-z0-9_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(keys) < 20 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for _, k := range keys {
		if !c.Has(k[1]) {
			t.Errorf("missing message %s", k[1])
		}
	}
}
