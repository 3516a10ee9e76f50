package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/fixtures"
)

// Small files that sniff as what they are (net/http's sniffing rules: an
// MP4 is an ftyp box whose brands include "mp4").
var (
	mediaTestMP4  = []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free" + strings.Repeat("\x00\x01", 200))
	mediaTestPDF  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	mediaTestHTML = []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	mediaTestELF  = append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0, 1, 2, 3}, 64)...)
	mediaTestEXE  = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0, 0xb8}, 64)...)
)

// mediaPDFOfSize is a PDF (by its header) of exactly n bytes.
func mediaPDFOfSize(n int) []byte {
	b := bytes.Repeat([]byte("x"), n)
	copy(b, mediaTestPDF)
	return b
}

// mediaUpload posts a file to a lesson's media page as a browser would
// (multipart, with the page's CSRF token), claiming claimedType.
func mediaUpload(t *testing.T, b *browser, pagePath, filename, claimedType string, data []byte) *response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", b.csrf(pagePath))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
	h.Set("Content-Type", claimedType)
	part, _ := w.CreatePart(h)
	part.Write(data)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+pagePath, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// mediaStored counts media rows and files under the data directory.
func mediaStored(t *testing.T, ta *testApp) (rows int64, files int) {
	t.Helper()
	ta.DB.Gorm.Raw("SELECT count(*) FROM media").Row().Scan(&rows)
	filepath.Walk(filepath.Join(ta.Cfg.DataDir, "media"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files++
		}
		return nil
	})
	return rows, files
}

func (qc quizCourse) mediaPath(lessonID string) string {
	return "/studio/courses/" + qc.ID + "/lessons/" + lessonID + "/media"
}

// mediaCurrentID is the id of the lesson's file in the newest revision.
func mediaCurrentID(t *testing.T, ta *testApp, qc quizCourse, lessonID string) string {
	t.Helper()
	_, rev, err := ta.App.Server.Courses.LatestRevision(context.Background(), catalog.Actor{UserID: qc.AuthorID}, qc.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, _, l := rev.Content.FindLesson(lessonID)
	return l.MediaID
}

func TestMediaUploadAndServe(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	qc := quizCreateCourse(t, ta, "media-author@example.jp", "media-101")
	b := ta.signedIn(t, qc.AuthorEmail, "")
	anon := ta.newBrowser(t)
	other := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "media-other@example.jp"})
	fixtures.MustAddMember(t, ta.DB, "研修機関B", "provider", other, "instructor", false)
	ob := ta.signedIn(t, "media-other@example.jp", "")

	t.Run("Page", func(t *testing.T) {
		r := b.get(qc.mediaPath(qc.VideoID))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("media page: %d", r.StatusCode)
		}
		d := r.Doc(t)
		if hint := d.Find("#f-file-hint").Text(); !strings.Contains(hint, "MP4") || !strings.Contains(hint, "500 MB") {
			t.Fatalf("upload hint %q", hint)
		}
		if enc, _ := d.Find("#media-upload").Attr("enctype"); enc != "multipart/form-data" {
			t.Fatalf("upload form enctype %q", enc)
		}
		if d.Find("#media-transcript textarea").Length() != 1 {
			t.Fatal("no transcript field on a video lesson")
		}
		if r := b.get(qc.mediaPath(qc.ResourceID)); !strings.Contains(r.Doc(t).Find("#f-file-hint").Text(), "50 MB") {
			t.Fatal("resource limit not stated")
		}
		for _, lid := range []string{qc.ReadingID, qc.QuizID} {
			if r := b.get(qc.mediaPath(lid)); r.StatusCode != http.StatusNotFound {
				t.Fatalf("media page of a %s lesson: %d", lid, r.StatusCode)
			}
		}
	})
	var videoID, pdfID string
	t.Run("MP4", func(t *testing.T) {
		r := mediaUpload(t, b, qc.mediaPath(qc.VideoID), "第1回 品質管理.mp4", "application/octet-stream", mediaTestMP4)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload mp4: %d\n%.600s", r.StatusCode, r.Body)
		}
		d := b.follow(r).Doc(t)
		if cur := d.Find("#media-current").Text(); !strings.Contains(cur, "第1回 品質管理.mp4") || !strings.Contains(cur, "video/mp4") {
			t.Fatalf("current file %q", cur)
		}
		videoID = mediaCurrentID(t, ta, qc, qc.VideoID)
		if src, _ := d.Find("video").Attr("src"); src != "/media/"+videoID {
			t.Fatalf("preview video src %q", src)
		}
		res := b.get("/media/" + videoID)
		if res.StatusCode != http.StatusOK || res.Body != string(mediaTestMP4) {
			t.Fatalf("served %d, %d bytes", res.StatusCode, len(res.Body))
		}
		h := res.Header
		if h.Get("Content-Type") != "video/mp4" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" || h.Get("Content-Length") != strconv.Itoa(len(mediaTestMP4)) ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "inline;") {
			t.Fatalf("headers %v", h)
		}
		req, _ := http.NewRequest(http.MethodGet, b.base+"/media/"+videoID, nil)
		req.Header.Set("Range", "bytes=4-7")
		if part := b.do(req); part.StatusCode != http.StatusPartialContent || part.Body != "ftyp" {
			t.Fatalf("range request: %d %q", part.StatusCode, part.Body)
		}
	})
	t.Run("PDFOver2MB", func(t *testing.T) {
		// Bigger than the site-wide 2 MB body limit, within the 50 MB
		// resource limit.
		data := mediaPDFOfSize(3 << 20)
		r := mediaUpload(t, b, qc.mediaPath(qc.ResourceID), "演習データ 2026.pdf", "text/html", data)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload 3 MB pdf: %d\n%.600s", r.StatusCode, r.Body)
		}
		pdfID = mediaCurrentID(t, ta, qc, qc.ResourceID)
		res := b.get("/media/" + pdfID)
		if res.StatusCode != http.StatusOK || !bytes.Equal([]byte(res.Body), data) {
			t.Fatalf("served %d, %d bytes", res.StatusCode, len(res.Body))
		}
		if ct, cd := res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"); ct != "application/pdf" ||
			cd != `attachment; filename="_____ 2026.pdf"; filename*=UTF-8''%E6%BC%94%E7%BF%92%E3%83%87%E3%83%BC%E3%82%BF%202026.pdf` {
			t.Fatalf("pdf served as %q, %q", ct, cd)
		}
		page := b.get(qc.mediaPath(qc.ResourceID)).Doc(t)
		if link := page.Find("#media-download"); link.Length() != 1 || !strings.Contains(link.Parent().Text(), "3 MB") {
			t.Fatalf("download link with size: %q", link.Parent().Text())
		}
	})
	t.Run("Refused", func(t *testing.T) {
		rows, files := mediaStored(t, ta)
		for _, c := range []struct {
			name, lesson, file, claimed, want string
			data                              []byte
		}{
			{"ErrHTMLRenamedMP4", qc.VideoID, "lecture.mp4", "video/mp4", "MP4またはWebM", mediaTestHTML},
			{"ErrELF", qc.ResourceID, "tool.pdf", "application/pdf", "この種類のファイルは受け付けていません", mediaTestELF},
			{"ErrEXE", qc.ResourceID, "setup.zip", "application/zip", "この種類のファイルは受け付けていません", mediaTestEXE},
			{"ErrEmpty", qc.ResourceID, "empty.pdf", "application/pdf", "ファイルを選んで", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := mediaUpload(t, b, qc.mediaPath(c.lesson), c.file, c.claimed, c.data)
				if r.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("status %d", r.StatusCode)
				}
				if msg := r.Doc(t).Find("#f-file-error").Text(); !strings.Contains(msg, c.want) {
					t.Fatalf("message %q", msg)
				}
			})
		}
		if r, f := mediaStored(t, ta); r != rows || f != files {
			t.Fatalf("refused uploads stored %d rows and %d files (before %d, %d)", r, f, rows, files)
		}
		if mediaCurrentID(t, ta, qc, qc.VideoID) != videoID {
			t.Fatal("a refused upload replaced the lesson's file")
		}
	})
	t.Run("Transcript", func(t *testing.T) {
		page := b.get(qc.mediaPath(qc.VideoID))
		lock := quizLockOf(t, page)
		r := b.post(qc.mediaPath(qc.VideoID), qc.mediaPath(qc.VideoID)+"/transcript",
			url.Values{"transcript": {"講師: 今日は不良率を学びます。\n受講者: はい。"}, "lock_version": {lock}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("transcript: %d", r.StatusCode)
		}
		if tr := b.follow(r).Doc(t).Find("#lesson-transcript p"); tr.Length() != 2 || tr.First().Text() != "講師: 今日は不良率を学びます。" {
			t.Fatalf("transcript shown as %q", tr.Text())
		}
		r = b.post(qc.mediaPath(qc.VideoID), qc.mediaPath(qc.VideoID)+"/transcript",
			url.Values{"transcript": {"古い版からの保存"}, "lock_version": {lock}})
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("stale transcript: %d", r.StatusCode)
		}
		if v := r.Doc(t).Find("#f-transcript").Text(); v != "古い版からの保存" {
			t.Fatalf("stale save lost the typed transcript: %q", v)
		}
	})
	t.Run("DraftMediaNotPublic", func(t *testing.T) {
		for _, id := range []string{videoID, pdfID} {
			if r := anon.get("/media/" + id); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "ftyp") {
				t.Fatalf("anonymous GET of a draft's file: %d", r.StatusCode)
			}
			if r := ob.get("/media/" + id); r.StatusCode != http.StatusNotFound {
				t.Fatalf("other provider GET of a draft's file: %d", r.StatusCode)
			}
		}
	})
	t.Run("OtherProviderCannotUpload", func(t *testing.T) {
		rows, files := mediaStored(t, ta)
		if r := ob.get(qc.mediaPath(qc.VideoID)); r.StatusCode != http.StatusNotFound {
			t.Fatalf("other provider media page: %d", r.StatusCode)
		}
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.WriteField("_csrf", ob.csrf("/"))
		fw, _ := w.CreateFormFile("file", "x.mp4")
		fw.Write(mediaTestMP4)
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, ob.base+qc.mediaPath(qc.VideoID), &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		if res := ob.do(req); res.StatusCode != http.StatusNotFound {
			t.Fatalf("other provider upload: %d", res.StatusCode)
		}
		if r, f := mediaStored(t, ta); r != rows || f != files {
			t.Fatal("another provider's upload stored something")
		}
	})
	t.Run("PublishedMediaPublic", func(t *testing.T) {
		ctx := context.Background()
		a := catalog.Actor{UserID: qc.AuthorID}
		qid := quizAddDirect(t, ta, qc)
		if _, err := ta.App.Server.Courses.SaveQuestion(ctx, a, qc.ID, qc.QuizID, qid, 0, catalog.QuestionInput{PromptMd: "はい？",
			Options: []catalog.OptionInput{{Text: "はい", Correct: true}, {Text: "いいえ"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.App.Server.Courses.Publish(ctx, a, qc.ID); err != nil {
			t.Fatal(err)
		}
		r := anon.get("/media/" + videoID)
		if r.StatusCode != http.StatusOK || r.Body != string(mediaTestMP4) || r.Header.Get("Content-Type") != "video/mp4" {
			t.Fatalf("anonymous GET of a published file: %d %q", r.StatusCode, r.Header.Get("Content-Type"))
		}
	})
}

func TestMediaUploadLimits(t *testing.T) {
	t.Parallel()
	ta := startApp(t, func(c *config.Config) {
		c.UploadMaxVideoBytes = 1 << 20
		c.UploadMaxResourceBytes = 1 << 20
	})
	qc := quizCreateCourse(t, ta, "media-limit@example.jp", "limit-101")
	b := ta.signedIn(t, qc.AuthorEmail, "")

	t.Run("ErrTooLarge", func(t *testing.T) {
		rows, files := mediaStored(t, ta)
		r := mediaUpload(t, b, qc.mediaPath(qc.ResourceID), "big.pdf", "application/pdf", mediaPDFOfSize(1<<20+1))
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("1 MB + 1 byte over a 1 MB limit: %d", r.StatusCode)
		}
		if msg := r.Doc(t).Find("#f-file-error").Text(); !strings.Contains(msg, "上限の1 MB") {
			t.Fatalf("message %q", msg)
		}
		if r, f := mediaStored(t, ta); r != rows || f != files {
			t.Fatalf("an over-limit upload stored %d rows and %d files (before %d, %d)", r, f, rows, files)
		}
	})
	t.Run("AtTheLimit", func(t *testing.T) {
		if r := mediaUpload(t, b, qc.mediaPath(qc.ResourceID), "ok.pdf", "application/pdf", mediaPDFOfSize(1<<20)); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("exactly 1 MB: %d", r.StatusCode)
		}
	})
	t.Run("ErrBodyOverCap", func(t *testing.T) {
		rows, files := mediaStored(t, ta)
		r := mediaUpload(t, b, qc.mediaPath(qc.VideoID), "huge.mp4", "video/mp4", append(append([]byte{}, mediaTestMP4...), make([]byte, 3<<20)...))
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("a body over every limit: %d", r.StatusCode)
		}
		if r, f := mediaStored(t, ta); r != rows || f != files {
			t.Fatal("an over-cap upload stored something")
		}
	})
	t.Run("OtherRoutesKeep2MBLimit", func(t *testing.T) {
		lock := quizLockOf(t, b.get(qc.mediaPath(qc.VideoID)))
		r := b.post(qc.mediaPath(qc.VideoID), qc.mediaPath(qc.VideoID)+"/transcript",
			url.Values{"transcript": {strings.Repeat("あ", 1<<20)}, "lock_version": {lock}})
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("a 3 MB form on another route: %d", r.StatusCode)
		}
	})
}
