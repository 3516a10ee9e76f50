package jst

import (
	"testing"
	"time"
)

func TestFormatsShowJapanTime(t *testing.T) {
	// 2026-03-31 16:30 UTC is already 1 April in Japan.
	at := time.Date(2026, 3, 31, 16, 30, 5, 0, time.UTC)
	for name, c := range map[string]struct{ got, want string }{
		"Date":        {Date(at), "2026-04-01"},
		"DateTime":    {DateTime(at), "2026-04-01 01:30"},
		"DateTimeSec": {DateTimeSec(at), "2026-04-01 01:30:05"},
		"Month":       {Month(at), "2026-04"},
		"Compact":     {Compact(at), "20260401"},
		"LongDateJa":  {LongDate("ja", at), "2026年4月1日"},
		"LongDateEn":  {LongDate("en", at), "1 April 2026"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", name, c.got, c.want)
		}
	}
}
