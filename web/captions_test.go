package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"takumi/internal/catalog"
)

// captionsUpload posts a WebVTT file as lang's caption track.
func captionsUpload(t *testing.T, b *browser, qc quizCourse, lang, lock, data string) *response {
	t.Helper()
	page := qc.mediaPath(qc.VideoID)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", b.csrf(page))
	w.WriteField("lock_version", lock)
	w.WriteField("action", "upload")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="captions"; filename="`+lang+`.vtt"`)
	h.Set("Content-Type", "text/vtt")
	part, _ := w.CreatePart(h)
	part.Write([]byte(data))
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+page+"/captions/"+lang, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// TestCaptions: an instructor uploads Japanese and English WebVTT caption
// tracks next to the transcript; a broken file is refused with each
// problem and its line; once published the player's video carries
// <track kind="captions"> for both, served as text/vtt to anyone.
func TestCaptions(t *testing.T) {
	ta := startApp(t)
	qc := quizCreateCourse(t, ta, "captions-author@example.jp", "captions-101")
	b := ta.signedIn(t, qc.AuthorEmail, "")
	if r := mediaUpload(t, b, qc.mediaPath(qc.VideoID), "動画.mp4", "video/mp4", mediaTestMP4); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload video: %d", r.StatusCode)
	}
	if r := mediaUpload(t, b, qc.mediaPath(qc.ResourceID), "演習.pdf", "application/pdf", mediaPDFOfSize(2048)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload resource: %d", r.StatusCode)
	}
	lock := func() string { return quizLockOf(t, b.get(qc.mediaPath(qc.VideoID))) }

	t.Run("ErrLineNumbers", func(t *testing.T) {
		bad := "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n一つ目\n\n00:00:05,000 --> 00:00:04.000\n二つ目\n"
		r := captionsUpload(t, b, qc, "ja", lock(), bad)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("broken file: %d", r.StatusCode)
		}
		got := r.Doc(t).Find("#captions-ja-errors").Text()
		if !strings.Contains(got, "6 行目") || !strings.Contains(got, "時刻の形式") {
			t.Fatalf("problems listed as %q, want line 6's timing", got)
		}
		if strings.Contains(b.get(qc.mediaPath(qc.VideoID)).Doc(t).Find("#captions-ja-status").Text(), "登録済み") {
			t.Fatal("a refused file was saved")
		}
	})
	t.Run("UploadBoth", func(t *testing.T) {
		for lang, text := range map[string]string{"ja": "今日は不良率を学びます。", "en": "Today we learn defect rates."} {
			vtt := "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n" + text + "\n"
			if r := captionsUpload(t, b, qc, lang, lock(), vtt); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("upload %s: %d %s", lang, r.StatusCode, r.Doc(t).Find("#error-summary").Text())
			}
		}
		d := b.get(qc.mediaPath(qc.VideoID)).Doc(t)
		for _, lang := range []string{"ja", "en"} {
			if !strings.Contains(d.Find("#captions-"+lang+"-status").Text(), "1 件") {
				t.Errorf("%s captions status %q", lang, d.Find("#captions-"+lang+"-status").Text())
			}
		}
	})
	t.Run("PublishedTracks", func(t *testing.T) {
		ctx := context.Background()
		a := catalog.Actor{UserID: qc.AuthorID}
		qid := quizAddDirect(t, ta, qc)
		if _, err := ta.App.Server.Courses.SaveQuestion(ctx, a, qc.ID, qc.QuizID, qid, 0, catalog.QuestionInput{PromptMd: "はい？",
			Options: []catalog.OptionInput{{Text: "はい", Correct: true}, {Text: "いいえ"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.App.Server.Courses.Publish(ctx, a, qc.ID); err != nil {
			t.Fatal(err, b.get("/studio/courses/"+qc.ID+"/publish").Doc(t).Find("#publish-problems").Text())
		}
		anon := ta.newBrowser(t)
		for lang, want := range map[string]string{"ja": "今日は不良率を学びます。", "en": "Today we learn defect rates."} {
			r := anon.get("/captions/" + qc.ID + "/" + qc.VideoID + "/" + lang + ".vtt")
			if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/vtt") || !strings.Contains(r.Body, want) {
				t.Fatalf("%s track: %d %q", lang, r.StatusCode, r.Header.Get("Content-Type"))
			}
		}
		if r := anon.get("/captions/" + qc.ID + "/" + qc.VideoID + "/fr.vtt"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown language: %d", r.StatusCode)
		}
		// A learner's player offers both tracks, Japanese by default.
		learner, _ := ta.signedInLearner(t, "captions-learner@example.jp")
		r := learner.post("/courses", "/learn/enrol", url.Values{"course_id": {qc.ID}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("enrol: %d", r.StatusCode)
		}
		enrolment := strings.Split(r.Header.Get("Location"), "/")[2]
		tracks := learner.get("/learn/" + enrolment + "/lessons/" + qc.VideoID).Doc(t).Find(`video.player-video track[kind="captions"]`)
		if tracks.Length() != 2 || tracks.Eq(0).AttrOr("srclang", "") != "ja" || tracks.Eq(1).AttrOr("srclang", "") != "en" {
			t.Fatalf("player tracks: %d", tracks.Length())
		}
		if _, def := tracks.Eq(0).Attr("default"); !def || tracks.Eq(0).AttrOr("src", "") != "/captions/"+qc.ID+"/"+qc.VideoID+"/ja.vtt" {
			t.Errorf("Japanese track not default or at %q", tracks.Eq(0).AttrOr("src", ""))
		}
	})
}
