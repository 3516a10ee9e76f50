package reporting

import (
	"fmt"
	"time"

	"takumi/internal/apperr"
)

// Periods the dashboard offers from lists: Japanese fiscal years (年度,
// April to March, named by the year they start in: "fy2026" is April 2026
// to March 2027) and their quarters ("fy2026q1" April–June … "fy2026q4"
// January–March 2027). Month ranges are chosen from lists of months.

// Period is one choice of the period list.
type Period struct {
	Value    string // "fy2026", "fy2026q3"
	FY       int    // the fiscal year
	Quarter  int    // 1–4, 0 for the whole year
	From, To time.Time
}

// parsePeriod reads a period value. Errors: invalid reporting.err_bad_period.
func parsePeriod(v string) (from, to time.Time, err error) {
	var fy, q int
	if n, _ := fmt.Sscanf(v, "fy%dq%d", &fy, &q); n == 2 && v == fmt.Sprintf("fy%dq%d", fy, q) && q >= 1 && q <= 4 {
		from = time.Date(fy, time.April+time.Month(3*(q-1)), 1, 0, 0, 0, 0, time.UTC)
		return from, from.AddDate(0, 2, 0), nil
	}
	if n, _ := fmt.Sscanf(v, "fy%d", &fy); n == 1 && v == fmt.Sprintf("fy%d", fy) {
		from = time.Date(fy, time.April, 1, 0, 0, 0, 0, time.UTC)
		return from, from.AddDate(0, 11, 0), nil
	}
	return from, to, apperr.New(apperr.Invalid, "reporting.err_bad_period")
}

// FiscalYear is the fiscal year (年度) t falls in.
func FiscalYear(t time.Time) int {
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

// Periods lists the fiscal quarters and years from the one that holds
// since to the one that holds now, newest first (quarters, then years).
// Every one is a period ParseFilter accepts.
func Periods(since, now time.Time) (quarters, years []Period) {
	if since.Before(EarliestDate) {
		since = EarliestDate
	}
	for fy := FiscalYear(now); fy >= FiscalYear(since); fy-- {
		from, to, _ := parsePeriod(fmt.Sprintf("fy%d", fy))
		years = append(years, Period{Value: fmt.Sprintf("fy%d", fy), FY: fy, From: from, To: to})
		for q := 4; q >= 1; q-- {
			from, to, _ := parsePeriod(fmt.Sprintf("fy%dq%d", fy, q))
			if from.After(now) || to.AddDate(0, 1, -1).Before(since) {
				continue
			}
			quarters = append(quarters, Period{Value: fmt.Sprintf("fy%dq%d", fy, q), FY: fy, Quarter: q, From: from, To: to})
		}
	}
	return quarters, years
}

// Months lists the first days of the months from since's to now's,
// newest first: the choices of a month range.
func Months(since, now time.Time) []time.Time {
	if since.Before(EarliestDate) {
		since = EarliestDate
	}
	var out []time.Time
	first := time.Date(since.Year(), since.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC); !m.Before(first); m = m.AddDate(0, -1, 0) {
		out = append(out, m)
	}
	return out
}
