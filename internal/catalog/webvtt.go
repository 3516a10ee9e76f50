package catalog

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"takumi/internal/apperr"
)

// CaptionLanguages are the caption tracks a video lesson may have.
var CaptionLanguages = []string{"ja", "en"}

// maxCaptions bounds one caption file (a two-hour video's captions are
// well under this).
const maxCaptions = 512 << 10

// CaptionProblem is one problem of a WebVTT file: the line (1-based, 0 for
// the file as a whole) and a catalogue key.
type CaptionProblem struct {
	Line int
	Key  string
}

var (
	vttTimestamp = `(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}`
	// vttLooksTimed is a line meant as a timing line ("00:01.000 -> …"),
	// reported as a bad timing rather than read as an identifier.
	vttLooksTimed = regexp.MustCompile(`^\d+:\d`)
	vttTiming     = regexp.MustCompile(`^(` + vttTimestamp + `)[ \t]+-->[ \t]+(` + vttTimestamp + `)(?:[ \t]+.*)?$`)
)

// ValidateWebVTT checks that src is a WebVTT caption file a browser will
// show: the WEBVTT signature, then cues whose timing lines read
// "start --> end" with end after start, each with text. It returns every
// problem with its line number (at most 50), none for a good file.
func ValidateWebVTT(src string) []CaptionProblem {
	var out []CaptionProblem
	add := func(line int, key string) {
		if len(out) < 50 {
			out = append(out, CaptionProblem{Line: line, Key: key})
		}
	}
	if len(src) > maxCaptions {
		return []CaptionProblem{{0, "catalog.vtt_too_large"}}
	}
	if !utf8.ValidString(src) {
		return []CaptionProblem{{0, "catalog.vtt_not_utf8"}}
	}
	src = strings.TrimPrefix(src, "\uFEFF")
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n"), "\n")
	if first := lines[0]; !(first == "WEBVTT" || strings.HasPrefix(first, "WEBVTT ") || strings.HasPrefix(first, "WEBVTT\t")) {
		add(1, "catalog.vtt_signature")
		return out
	}
	cues := 0
	i := 1
	// The header runs to the first blank line.
	for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
		i++
	}
	for i < len(lines) {
		if strings.TrimSpace(lines[i]) == "" {
			i++
			continue
		}
		start := i
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			i++
		}
		block := lines[start:i]
		if head := block[0]; head == "NOTE" || strings.HasPrefix(head, "NOTE ") || strings.HasPrefix(head, "NOTE\t") ||
			head == "STYLE" || head == "REGION" {
			continue
		}
		timing := 0
		if !strings.Contains(block[0], "-->") && !vttLooksTimed.MatchString(block[0]) {
			timing = 1 // the first line is the cue's identifier
		}
		if timing >= len(block) {
			add(start+1, "catalog.vtt_no_timing")
			continue
		}
		m := vttTiming.FindStringSubmatch(strings.TrimSpace(block[timing]))
		if m == nil {
			add(start+timing+1, "catalog.vtt_bad_timing")
			continue
		}
		if vttMillis(m[2]) <= vttMillis(m[1]) {
			add(start+timing+1, "catalog.vtt_end_before_start")
		}
		if timing+1 >= len(block) {
			add(start+timing+1, "catalog.vtt_no_text")
		}
		cues++
	}
	if cues == 0 && len(out) == 0 {
		add(0, "catalog.vtt_no_cues")
	}
	return out
}

// vttMillis reads a WebVTT timestamp ([hh:]mm:ss.ttt) in milliseconds.
func vttMillis(ts string) int {
	parts := strings.Split(ts, ":")
	n := 0
	for _, p := range parts[:len(parts)-1] {
		n = n*60 + atoiDigits(p)
	}
	sec, ms, _ := strings.Cut(parts[len(parts)-1], ".")
	return (n*60+atoiDigits(sec))*1000 + atoiDigits(ms)
}

func atoiDigits(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// SaveCaptions sets (or, with src blank, removes) a video lesson's caption
// track in lang ("ja" or "en"). A file ValidateWebVTT refuses comes back
// with its line-numbered problems and an invalid error. Errors: invalid,
// not_found, conflict.
func (s *Service) SaveCaptions(ctx context.Context, a Actor, courseID, lessonID string, lockVersion int, lang, src string) (*Revision, []CaptionProblem, error) {
	if lang != "ja" && lang != "en" {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if strings.TrimSpace(src) != "" {
		if ps := ValidateWebVTT(src); len(ps) > 0 {
			return nil, ps, apperr.New(apperr.Invalid, "catalog.vtt_invalid")
		}
	}
	rev, err := s.EditDraft(ctx, a, courseID, lockVersion, func(ct *Content) error {
		_, _, l := ct.FindLesson(lessonID)
		if l == nil || l.Kind != LessonVideo {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if strings.TrimSpace(src) == "" {
			src = ""
		}
		if lang == "ja" {
			l.CaptionsJa = strings.TrimPrefix(src, "\uFEFF")
		} else {
			l.CaptionsEn = strings.TrimPrefix(src, "\uFEFF")
		}
		return nil
	})
	return rev, nil, err
}

// Captions returns the caption track in lang of a lesson of the course's
// current published revision, for anyone (as its video is). Errors:
// not_found (no such course, lesson or track, or not published).
func (s *Service) Captions(ctx context.Context, courseID, lessonID, lang string) (string, error) {
	rev, err := s.PublishedRevision(ctx, courseID)
	if err != nil {
		return "", err
	}
	_, _, l := rev.Content.FindLesson(lessonID)
	if l == nil {
		return "", apperr.New(apperr.NotFound, "error.not_found")
	}
	v := map[string]string{"ja": l.CaptionsJa, "en": l.CaptionsEn}[lang]
	if v == "" {
		return "", apperr.New(apperr.NotFound, "error.not_found")
	}
	return v, nil
}
