package catalog_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// Small files that sniff as what they are (see net/http's sniffing rules).
var (
	// An ISO base media file: a 24-byte ftyp box with major brand mp42 and
	// compatible brands mp42 and isom, then a free box.
	mediaMP4  = []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free" + strings.Repeat("\x00", 64))
	mediaWebM = []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04webm" + strings.Repeat("\x00", 32))
	mediaPDF  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	mediaHTML = []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	mediaELF  = append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0, 1, 2, 3}, 32)...)
	mediaEXE  = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0, 0xb8}, 32)...)
	mediaZip  = append([]byte("PK\x03\x04\x14\x00\x06\x00"), bytes.Repeat([]byte{0, 7}, 32)...)
	mediaCSV  = []byte("工程,不良数,生産数\n組立,2,100\n")
)

func TestMediaUpload(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	root := t.TempDir()
	files, err := storage.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	s := catalog.NewService(db.Gorm, files)
	provA, instA := quizFixture(t, db, "media-provider-a")
	_, instB := quizFixture(t, db, "media-provider-b")
	a, b := catalog.Actor{UserID: instA}, catalog.Actor{UserID: instB}
	courseID, readingID, _ := quizCourse(t, s, a, provA, "media-101")
	videoID, resourceID := catalog.NewID(), catalog.NewID()
	if _, err := s.EditDraft(ctx, a, courseID, 0, func(ct *catalog.Content) error {
		ct.Modules[0].Lessons = append(ct.Modules[0].Lessons,
			catalog.Lesson{ID: videoID, Kind: catalog.LessonVideo, TitleJa: "動画で学ぶ", Required: true},
			catalog.Lesson{ID: resourceID, Kind: catalog.LessonResource, TitleJa: "演習データ"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	counts := func() (rows int64, stored int) {
		db.Gorm.Raw("SELECT count(*) FROM media").Row().Scan(&rows)
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				stored++
			}
			return nil
		})
		return rows, stored
	}
	lessonMedia := func(id string) string {
		_, rev, err := s.Draft(ctx, a, courseID)
		if err != nil {
			t.Fatal(err)
		}
		_, _, l := rev.Content.FindLesson(id)
		return l.MediaID
	}

	var video *catalog.Media
	t.Run("VideoMP4", func(t *testing.T) {
		m, err := s.UploadMedia(ctx, a, courseID, videoID, "機械学習 第1回.mp4", bytes.NewReader(mediaMP4))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(mediaMP4)
		if m.ContentType != "video/mp4" || m.SizeBytes != int64(len(mediaMP4)) || !bytes.Equal(m.SHA256, sum[:]) || m.Filename != "機械学習 第1回.mp4" {
			t.Fatalf("stored as %+v", m)
		}
		if got := lessonMedia(videoID); got != m.ID {
			t.Fatalf("lesson media id %q, want %q", got, m.ID)
		}
		var audits int64
		db.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'course.media_uploaded' AND target_id = ?", courseID).Row().Scan(&audits)
		if audits != 1 {
			t.Fatalf("%d upload audit rows", audits)
		}
		video = m
	})
	t.Run("VideoWebM", func(t *testing.T) {
		m, err := s.UploadMedia(ctx, a, courseID, videoID, "lecture.webm", bytes.NewReader(mediaWebM))
		if err != nil || m.ContentType != "video/webm" {
			t.Fatalf("webm: %v %+v", err, m)
		}
	})
	t.Run("Resources", func(t *testing.T) {
		for _, c := range []struct {
			name string
			data []byte
			want string
		}{
			{"手順書.pdf", mediaPDF, "application/pdf"},
			{"不良データ.csv", mediaCSV, "text/plain; charset=utf-8"},
			{"演習.docx", mediaZip, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
			{"演習.xlsx", mediaZip, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
			{"samples.zip", mediaZip, "application/zip"},
			{"fake.docx", mediaCSV, "text/plain; charset=utf-8"}, // the name does not make text a Word file
			{"図.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		} {
			m, err := s.UploadMedia(ctx, a, courseID, resourceID, c.name, bytes.NewReader(c.data))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if m.ContentType != c.want {
				t.Fatalf("%s stored as %s, want %s", c.name, m.ContentType, c.want)
			}
		}
	})
	t.Run("Refused", func(t *testing.T) {
		rows, stored := counts()
		for _, c := range []struct {
			name, lesson, file, key string
			data                    []byte
		}{
			{"ErrHTMLRenamedMP4", videoID, "lecture.mp4", "media.err_type_video", mediaHTML},
			{"ErrHTMLResource", resourceID, "page.pdf", "media.err_type_resource", mediaHTML},
			{"ErrELF", resourceID, "tool.pdf", "media.err_type_resource", mediaELF},
			{"ErrEXE", resourceID, "setup.zip", "media.err_type_resource", mediaEXE},
			{"ErrPDFAsVideo", videoID, "slides.mp4", "media.err_type_video", mediaPDF},
			{"ErrMP4AsResource", resourceID, "clip.mp4", "media.err_type_resource", mediaMP4},
			{"ErrUTF16Text", resourceID, "data.csv", "media.err_type_resource", []byte("\xff\xfea\x00b\x00")},
			{"ErrEmpty", resourceID, "empty.pdf", "media.err_empty", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.UploadMedia(ctx, a, courseID, c.lesson, c.file, bytes.NewReader(c.data))
				quizFieldErr(t, err, "file", c.key)
			})
		}
		if r, f := counts(); r != rows || f != stored {
			t.Fatalf("refused uploads left %d rows and %d files (before: %d, %d)", r, f, rows, stored)
		}
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		s.SetUploadLimits(catalog.UploadLimits{Video: 100, Resource: 1000})
		defer s.SetUploadLimits(catalog.UploadLimits{})
		rows, stored := counts()
		before := lessonMedia(videoID)
		big := append(append([]byte{}, mediaMP4...), make([]byte, 200)...)
		_, err := s.UploadMedia(ctx, a, courseID, videoID, "big.mp4", bytes.NewReader(big))
		quizFieldErr(t, err, "file", "media.err_too_large")
		if r, f := counts(); r != rows || f != stored {
			t.Fatalf("an over-limit upload left %d rows and %d files (before: %d, %d)", r, f, rows, stored)
		}
		if lessonMedia(videoID) != before {
			t.Fatal("an over-limit upload replaced the lesson's file")
		}
		if _, err := s.UploadMedia(ctx, a, courseID, resourceID, "ok.pdf", bytes.NewReader(mediaPDF)); err != nil {
			t.Fatalf("a file within the resource limit: %v", err)
		}
	})
	t.Run("ErrNotAMediaLesson", func(t *testing.T) {
		_, err := s.UploadMedia(ctx, a, courseID, readingID, "x.pdf", bytes.NewReader(mediaPDF))
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("upload to a reading lesson: %v", err)
		}
	})
	t.Run("ErrOtherProvider", func(t *testing.T) {
		rows, stored := counts()
		_, err := s.UploadMedia(ctx, b, courseID, videoID, "x.mp4", bytes.NewReader(mediaMP4))
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("instructor of B uploaded to A's course: %v", err)
		}
		if r, f := counts(); r != rows || f != stored {
			t.Fatal("a refused upload stored something")
		}
		if _, err := s.MediaInfo(ctx, b, video.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("instructor of B read A's media record: %v", err)
		}
	})
	t.Run("Transcript", func(t *testing.T) {
		_, rev, _ := s.Draft(ctx, a, courseID)
		if _, err := s.SaveTranscript(ctx, a, courseID, videoID, rev.LockVersion, "  講師: 本日は機械学習の基礎を学びます。 "); err != nil {
			t.Fatal(err)
		}
		_, rev, _ = s.Draft(ctx, a, courseID)
		if _, _, l := rev.Content.FindLesson(videoID); l.Transcript != "講師: 本日は機械学習の基礎を学びます。" {
			t.Fatalf("transcript saved as %q", l.Transcript)
		}
		if _, err := s.SaveTranscript(ctx, a, courseID, resourceID, 0, "x"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("transcript on a resource lesson: %v", err)
		}
	})
	t.Run("Access", func(t *testing.T) {
		read := func(userID, id string) ([]byte, error) {
			m, f, err := s.OpenMedia(ctx, userID, id)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			if m.ID != id {
				t.Fatalf("opened %s for %s", m.ID, id)
			}
			return io.ReadAll(f)
		}
		// The video lesson's current file is the WebM uploaded last.
		current := lessonMedia(videoID)
		if _, err := read("", current); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("anonymous read a draft's file: %v", err)
		}
		if _, err := read(instB, current); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("instructor of B read A's draft file: %v", err)
		}
		if got, err := read(instA, video.ID); err != nil || !bytes.Equal(got, mediaMP4) {
			t.Fatalf("editor read back %d bytes, %v", len(got), err)
		}
		// Publish: the quiz needs a correct answer first.
		_, _, quiz := func() (int, int, *catalog.Lesson) {
			_, rev, _ := s.Draft(ctx, a, courseID)
			return rev.Content.FindLesson(rev.Content.Modules[0].Lessons[1].ID)
		}()
		_, qid, err := s.AddQuestion(ctx, a, courseID, quiz.ID, 0, catalog.NewQuestion{Kind: catalog.QuestionNumeric})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveQuestion(ctx, a, courseID, quiz.ID, qid, 0, catalog.QuestionInput{PromptMd: "2+2", Answer: "4"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx, a, courseID); err != nil {
			t.Fatal(err)
		}
		if _, err := read("", current); err != nil {
			t.Fatalf("anonymous cannot read a published course's file: %v", err)
		}
		if _, err := read("", video.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("anonymous read a replaced file that no published revision shows: %v", err)
		}
		// A new upload in the next draft is not public, the published one stays.
		m, err := s.UploadMedia(ctx, a, courseID, videoID, "v2.mp4", bytes.NewReader(mediaMP4))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := read("", m.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("anonymous read the new draft's file: %v", err)
		}
		if _, err := read("", current); err != nil {
			t.Fatalf("the published file went away when the draft replaced it: %v", err)
		}
		if err := s.Archive(ctx, a, courseID); err != nil {
			t.Fatal(err)
		}
		if _, err := read("", current); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("anonymous read an archived course's file: %v", err)
		}
		if _, err := read("", "not-a-uuid"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("malformed id: %v", err)
		}
	})
}
