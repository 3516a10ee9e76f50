package catalog

import (
	"reflect"
	"testing"
)

func TestValidateWebVTT(t *testing.T) {
	good := "\uFEFFWEBVTT - 字幕\n\nNOTE 作成者のメモ\n\n1\n00:00:01.000 --> 00:00:04.000 line:90%\n今日は不良率を学びます。\n\n00:01:02.500 --> 01:00:03.000\n二行目\nもう一行\n"
	if ps := ValidateWebVTT(good); len(ps) != 0 {
		t.Fatalf("good file refused: %v", ps)
	}
	for name, tc := range map[string]struct {
		src  string
		want []CaptionProblem
	}{
		"ErrSignature":    {"WEBVT\n\n00:00:01.000 --> 00:00:02.000\nx\n", []CaptionProblem{{1, "catalog.vtt_signature"}}},
		"ErrBadTiming":    {"WEBVTT\n\n00:00:01,000 --> 00:00:02.000\nx\n\n00:00:03.000 --> 00:00:04.000\ny\n", []CaptionProblem{{3, "catalog.vtt_bad_timing"}}},
		"ErrEndFirst":     {"WEBVTT\n\ncue-1\n00:00:05.000 --> 00:00:02.000\nx\n", []CaptionProblem{{4, "catalog.vtt_end_before_start"}}},
		"ErrNoText":       {"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n00:00:03.000 --> 00:00:04.000\ny\n", []CaptionProblem{{3, "catalog.vtt_no_text"}}},
		"ErrNoCues":       {"WEBVTT\n", []CaptionProblem{{0, "catalog.vtt_no_cues"}}},
		"ErrIdentOnly":    {"WEBVTT\n\nonly-an-id\n", []CaptionProblem{{3, "catalog.vtt_no_timing"}}},
		"ErrCRLFLineNums": {"WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nok\r\n\r\n00:00:02.000 -> 00:00:03.000\r\nbad\r\n", []CaptionProblem{{6, "catalog.vtt_bad_timing"}}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := ValidateWebVTT(tc.src); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
