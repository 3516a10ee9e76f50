package admin

import (
	"strconv"
	"strings"
	"time"

	"takumi/views"
)

// groupDigits writes n with thousands separators (the same in Japanese and
// English).
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// day writes a programme date as YYYY-MM-DD.
func day(t time.Time) string { return t.Format(time.DateOnly) }

// int64s writes n in plain digits (for data attributes).
func int64s(n int64) string { return strconv.FormatInt(n, 10) }

// percent is n of target in percent with one decimal place.
func percent(n, target int64) string {
	if target <= 0 {
		return "0.0"
	}
	return strconv.FormatFloat(float64(n)*100/float64(target), 'f', 1, 64)
}

// areaList names the skill areas codes (by their names when known).
func areaList(codes []string, names map[string]string, lang string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		if n, ok := names[c]; ok {
			out[i] = n
		} else {
			out[i] = c
		}
	}
	if lang == "en" {
		return strings.Join(out, ", ")
	}
	return strings.Join(out, "、")
}

// inList reports whether the comma-separated list holds v (the form keeps
// ticked skill areas and chosen courses that way).
func inList(list, v string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == v {
			return true
		}
	}
	return false
}

// ruleDescribedBy is the rule fieldset's aria-describedby: its hint and,
// when nothing was chosen, the error.
func ruleDescribedBy(f views.Form) string {
	if f.Err("rule") != "" {
		return "f-rule-error f-rule-hint"
	}
	return "f-rule-hint"
}
