package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
	"takumi/internal/storage/storagetest"
)

// Media storage backends (issue 13): media keep their guarantees on every
// backend, each on a real server, and a store that is down costs uploads
// and playback only.

func withStorage(s storage.Settings) func(*config.Config) {
	return func(c *config.Config) { c.Storage = s }
}

// TestMediaOnEveryBackend: authorisation, the stored content type,
// nosniff, the sandbox CSP, Range requests and draft media not public, on
// the local directory, S3 (SeaweedFS) and Azure Blob (Azurite).
func TestMediaOnEveryBackend(t *testing.T) {
	for _, c := range []struct {
		name     string
		settings func(*testing.T) storage.Settings
	}{
		{"dir", func(*testing.T) storage.Settings { return storage.Settings{Backend: "dir"} }},
		{"s3", func(t *testing.T) storage.Settings {
			return storage.Settings{Backend: "s3", S3: storagetest.SeaweedFS(t)}
		}},
		{"azblob", func(t *testing.T) storage.Settings {
			return storage.Settings{Backend: "azblob", Azblob: storagetest.Azurite(t)}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ta := startApp(t, withStorage(c.settings(t)))
			qc := quizCreateCourse(t, ta, "backend-author@example.jp", "backend-101")
			b := ta.signedIn(t, qc.AuthorEmail, "")
			anon := ta.newBrowser(t)

			r := mediaUpload(t, b, qc.mediaPath(qc.VideoID), "第1回.mp4", "text/html", mediaTestMP4)
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("upload: %d\n%.600s", r.StatusCode, r.Body)
			}
			id := mediaCurrentID(t, ta, qc, qc.VideoID)
			res := b.get("/media/" + id)
			h := res.Header
			if res.StatusCode != http.StatusOK || res.Body != string(mediaTestMP4) {
				t.Fatalf("served %d, %d bytes", res.StatusCode, len(res.Body))
			}
			if h.Get("Content-Type") != "video/mp4" || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" ||
				h.Get("Content-Length") != strconv.Itoa(len(mediaTestMP4)) {
				t.Fatalf("headers %v", h)
			}
			req, _ := http.NewRequest(http.MethodGet, b.base+"/media/"+id, nil)
			req.Header.Set("Range", "bytes=4-7")
			if part := b.do(req); part.StatusCode != http.StatusPartialContent || part.Body != "ftyp" ||
				part.Header.Get("Content-Range") != "bytes 4-7/"+strconv.Itoa(len(mediaTestMP4)) {
				t.Fatalf("range request: %d %q %q", part.StatusCode, part.Body, part.Header.Get("Content-Range"))
			}
			if r := anon.get("/media/" + id); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "ftyp") {
				t.Fatalf("anonymous GET of a draft's file: %d", r.StatusCode)
			}
			// The rest of the course, so that it can be published.
			if r := mediaUpload(t, b, qc.mediaPath(qc.ResourceID), "資料.pdf", "application/pdf", mediaTestPDF); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("upload pdf: %d", r.StatusCode)
			}
			ctx := context.Background()
			a := catalog.Actor{UserID: qc.AuthorID}
			if _, err := ta.App.Server.Courses.SaveTranscript(ctx, a, qc.ID, qc.VideoID, 0, "講師: はじめます。"); err != nil {
				t.Fatal(err)
			}
			qid := quizAddDirect(t, ta, qc)
			if _, err := ta.App.Server.Courses.SaveQuestion(ctx, a, qc.ID, qc.QuizID, qid, 0, catalog.QuestionInput{PromptMd: "はい？",
				Options: []catalog.OptionInput{{Text: "はい", Correct: true}, {Text: "いいえ"}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := ta.App.Server.Courses.Publish(ctx, a, qc.ID); err != nil {
				t.Fatal(err)
			}
			if r := anon.get("/media/" + id); r.StatusCode != http.StatusOK || r.Body != string(mediaTestMP4) ||
				r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("anonymous GET of a published file: %d", r.StatusCode)
			}
		})
	}
}

// TestMediaStorageDown: with the S3 store unreachable, an instance still
// starts and is ready; an upload fails with a clear message and leaves no
// row; playing a file answers 503; the failures are counted.
func TestMediaStorageDown(t *testing.T) {
	up := startApp(t, withStorage(storage.Settings{Backend: "s3", S3: storagetest.SeaweedFS(t)}))
	qc := quizCreateCourse(t, up, "down-author@example.jp", "down-101")
	if r := mediaUpload(t, up.signedIn(t, qc.AuthorEmail, ""), qc.mediaPath(qc.VideoID), "a.mp4", "video/mp4", mediaTestMP4); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload while the store is up: %d", r.StatusCode)
	}
	id := mediaCurrentID(t, up, qc, qc.VideoID)

	// A second instance on the same database whose store does not answer.
	dead := dbtest.FreeAddr(t)
	down := startAppOn(t, up.DB, withStorage(storage.Settings{Backend: "s3", S3: storage.S3Settings{
		Endpoint: "http://" + dead, Region: "us-east-1", Bucket: "takumi-media", PathStyle: true,
		AccessKeyID: storagetest.S3AccessKey, SecretAccessKey: storagetest.S3SecretKey}}))
	b := down.signedIn(t, qc.AuthorEmail, "")
	if r := b.get("/readyz"); r.StatusCode != http.StatusOK {
		t.Fatalf("readyz with the store down: %d", r.StatusCode)
	}
	var before int64
	up.DB.Gorm.Raw("SELECT count(*) FROM media").Row().Scan(&before)
	r := mediaUpload(t, b, qc.mediaPath(qc.VideoID), "b.mp4", "video/mp4", mediaTestMP4)
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("upload with the store down: %d", r.StatusCode)
	}
	if msg := r.Doc(t).Find("#f-file-error").Text(); !strings.Contains(msg, "保存先に接続できない") || !strings.Contains(msg, "何も保存されていません") {
		t.Fatalf("message %q", msg)
	}
	var after int64
	up.DB.Gorm.Raw("SELECT count(*) FROM media").Row().Scan(&after)
	if after != before || mediaCurrentID(t, up, qc, qc.VideoID) != id {
		t.Fatalf("a failed upload changed the database: %d rows before, %d after", before, after)
	}
	if r := b.get("/media/" + id); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("playback with the store down: %d", r.StatusCode)
	}
	if r := b.get(qc.mediaPath(qc.VideoID)); r.StatusCode != http.StatusOK {
		t.Fatalf("the media page itself with the store down: %d", r.StatusCode)
	}
	failures := map[string]float64{}
	mfs, err := down.App.Server.Metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "takumi_storage_failures_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "op" {
					failures[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	if failures["put"] < 1 || failures["open"] < 1 {
		t.Fatalf("takumi_storage_failures_total by op: %v", failures)
	}
}
