package web

import (
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/views"
	"takumi/views/studio"
)

// Uploaded media: the file page of video and resource lessons
// (/studio/courses/:id/lessons/:lid/media) and serving files (/media/:id).

// mediaUploadRoute is the one route that takes large request bodies.
const mediaUploadRoute = "/studio/courses/:id/lessons/:lid/media"

// mediaServeRoute serves uploaded files.
const mediaServeRoute = "/media/:id"

// mediaTransferTime is how long an upload or a download may take (the
// server's read and write timeouts are meant for pages, not for a 500 MB
// video).
const mediaTransferTime = time.Hour

// isMediaUpload reports whether the request is a media upload: exempt from
// the global 2 MB body limit, with its own limit (uploadLimit, web/uploads.go).
func isMediaUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == mediaUploadRoute
}

// isMediaTransfer reports whether the request moves a file (upload or
// download), which may outlast the 20-second request timeout.
func isMediaTransfer(c echo.Context) bool {
	return isMediaUpload(c) || c.Path() == mediaServeRoute
}

// renderMediaPage loads the lesson and its file and renders the page.
func (s *Server) renderMediaPage(c echo.Context, status int, upload views.Form, transcript *views.Form, errKey string) error {
	course, rev, l, m, err := s.Courses.MediaLesson(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"))
	if err != nil {
		return err
	}
	p := s.page(c, "media.page_title", l.Title(s.lang(c)))
	tf := views.NewForm()
	if transcript != nil {
		tf = *transcript
	} else {
		tf.Values["transcript"] = l.Transcript
	}
	tf.Values["lock_version"] = strconv.Itoa(rev.EditLockVersion())
	st := studio.MediaState{Head: studio.NewCourseHead(p, course, rev), Lesson: *l, Media: m,
		Limit: s.Courses.UploadLimits().LimitFor(l.Kind), Upload: upload, Transcript: tf, ErrKey: errKey}
	return render(c, status, studio.MediaPage(p, st))
}

// handleMediaPage shows a video or resource lesson's file page (404 for
// other lessons and for courses the person does not author).
func (s *Server) handleMediaPage(c echo.Context) error {
	return s.renderMediaPage(c, http.StatusOK, views.NewForm(), nil, "")
}

// handleMediaUpload stores an uploaded file as the lesson's file. The
// domain sniffs its type and enforces the size limit; a refused file is
// shown next to the field and nothing is stored.
func (s *Server) handleMediaUpload(c echo.Context) error {
	f := views.NewForm()
	fh, err := c.FormFile("file")
	if err != nil {
		f.Errors["file"] = "media.err_empty"
		return s.renderMediaPage(c, http.StatusUnprocessableEntity, f, nil, "")
	}
	file, err := fh.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	_, err = s.Courses.UploadMedia(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"), fh.Filename, file)
	if fieldErrors(err, &f) {
		return s.renderMediaPage(c, http.StatusUnprocessableEntity, f, nil, "")
	}
	if quizIsConflict(err) {
		return s.renderMediaPage(c, http.StatusConflict, f, nil, quizConflictKey(err))
	}
	if e, ok := apperr.As(err); ok && e.Key == catalog.ErrKeyStorageUnavailable {
		// The media store is down: say so next to the field (503); nothing
		// was kept.
		s.Logger.Warn("media upload: storage unavailable", "error", err.Error())
		f.Errors["file"] = e.Key
		return s.renderMediaPage(c, http.StatusServiceUnavailable, f, nil, "")
	}
	if err != nil {
		return err
	}
	s.flash(c, "media.flash_uploaded")
	return redirect(c, string(studio.MediaPath(c.Param("id"), c.Param("lid"), "")))
}

// handleMediaTranscript saves a video lesson's transcript.
func (s *Server) handleMediaTranscript(c echo.Context) error {
	f := views.NewForm()
	f.Values["transcript"] = c.FormValue("transcript")
	_, err := s.Courses.SaveTranscript(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"), quizLockVersion(c), f.Get("transcript"))
	if fieldErrors(err, &f) {
		return s.renderMediaPage(c, http.StatusUnprocessableEntity, views.NewForm(), &f, "")
	}
	if quizIsConflict(err) {
		return s.renderMediaPage(c, http.StatusConflict, views.NewForm(), &f, quizConflictKey(err))
	}
	if err != nil {
		return err
	}
	s.flash(c, "media.flash_transcript_saved")
	return redirect(c, string(studio.MediaPath(c.Param("id"), c.Param("lid"), "")))
}

// handleMediaCaptions uploads (action=upload) or removes (action=remove) a
// video lesson's caption track in :lang; a file that is not valid WebVTT
// comes back with every problem and its line number (422).
func (s *Server) handleMediaCaptions(c echo.Context) error {
	lang := c.Param("lang")
	src := ""
	if c.FormValue("action") != "remove" {
		fh, err := c.FormFile("captions")
		if err != nil {
			return s.renderCaptionProblems(c, http.StatusUnprocessableEntity, lang, nil, "media.captions_choose_file")
		}
		file, err := fh.Open()
		if err != nil {
			return err
		}
		defer file.Close()
		b, err := io.ReadAll(io.LimitReader(file, 1<<20))
		if err != nil {
			return err
		}
		src = string(b)
		if strings.TrimSpace(src) == "" {
			return s.renderCaptionProblems(c, http.StatusUnprocessableEntity, lang, nil, "catalog.vtt_no_cues")
		}
	}
	_, problems, err := s.Courses.SaveCaptions(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"), quizLockVersion(c), lang, src)
	if len(problems) > 0 {
		return s.renderCaptionProblems(c, http.StatusUnprocessableEntity, lang, problems, "")
	}
	if quizIsConflict(err) {
		return s.renderMediaPage(c, http.StatusConflict, views.NewForm(), nil, quizConflictKey(err))
	}
	if err != nil {
		return err
	}
	if src == "" {
		s.flash(c, "media.flash_captions_removed")
	} else {
		s.flash(c, "media.flash_captions_saved")
	}
	return redirect(c, string(studio.MediaPath(c.Param("id"), c.Param("lid"), ""))+"#media-captions")
}

// renderCaptionProblems shows the media page with a refused caption file.
func (s *Server) renderCaptionProblems(c echo.Context, status int, lang string, problems []catalog.CaptionProblem, key string) error {
	course, rev, l, m, err := s.Courses.MediaLesson(c.Request().Context(), quizActor(c), c.Param("id"), c.Param("lid"))
	if err != nil {
		return err
	}
	p := s.page(c, "media.page_title", l.Title(s.lang(c)))
	tf := views.NewForm()
	tf.Values["transcript"] = l.Transcript
	tf.Values["lock_version"] = strconv.Itoa(rev.EditLockVersion())
	st := studio.MediaState{Head: studio.NewCourseHead(p, course, rev), Lesson: *l, Media: m,
		Limit: s.Courses.UploadLimits().LimitFor(l.Kind), Upload: views.NewForm(), Transcript: tf,
		CaptionLang: lang, CaptionProblems: problems, CaptionErrKey: key}
	return render(c, status, studio.MediaPage(p, st))
}

// handleCaptions serves a caption track (WebVTT) of a published course's
// video lesson, public like the video itself; 404 otherwise.
func (s *Server) handleCaptions(c echo.Context) error {
	lang, ok := strings.CutSuffix(c.Param("file"), ".vtt")
	if !ok {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	vtt, err := s.Courses.Captions(c.Request().Context(), c.Param("course"), c.Param("lesson"), lang)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "text/vtt; charset=utf-8", []byte(vtt))
}

// handleMediaServe streams an uploaded file (with Range support).
// SECURITY: the domain decides access (editors of the provider; everyone
// else only files of a course's current published revision; otherwise
// 404). The file is sent with its sniffed, allowlisted type, never as HTML,
// with nosniff and a sandboxing CSP so that even a browser opening it
// directly runs nothing; resources download as attachments.
func (s *Server) handleMediaServe(c echo.Context) error {
	userID := ""
	if a := currentAuth(c); a != nil {
		userID = a.User.ID
	}
	m, f, err := s.Courses.OpenMedia(c.Request().Context(), userID, c.Param("id"))
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, m.ServeType())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	disposition := "attachment"
	if m.IsVideo() {
		disposition = "inline"
	}
	h.Set("Content-Disposition", disposition+"; "+mediaFilenameParams(m.Filename))
	// Revalidated on every use (access can end: a course is archived, a
	// member leaves), cheaply thanks to the content hash as ETag.
	h.Set("ETag", `"`+hex.EncodeToString(m.SHA256)+`"`)
	h.Set("Cache-Control", "private, no-cache")
	_ = http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Now().Add(mediaTransferTime))
	http.ServeContent(c.Response(), c.Request(), "", m.CreatedAt, f)
	return nil
}

// mediaFilenameParams is the Content-Disposition filename parameters: an
// ASCII fallback and the UTF-8 name (RFC 6266, RFC 8187), so Japanese names
// survive and nothing in a name can break the header.
func mediaFilenameParams(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' && r != ';' {
			ascii.WriteRune(r)
		} else {
			ascii.WriteByte('_')
		}
	}
	var enc strings.Builder
	const attrChars = "!#$&+-.^_`|~"
	for _, b := range []byte(name) {
		if (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || strings.IndexByte(attrChars, b) >= 0 {
			enc.WriteByte(b)
		} else {
			enc.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(b)|0x100, 16)[1:]))
		}
	}
	return `filename="` + ascii.String() + `"; filename*=UTF-8''` + enc.String()
}
