// Package jst is Takumi's one home for Japan Standard Time: the location
// every date a person reads is shown in, and the formats used to show it.
// Japan has no daylight saving, so a fixed zone is exact and needs no tzdata.
package jst

import "time"

// Location is Japan Standard Time (UTC+9, no daylight saving).
var Location = time.FixedZone("JST", 9*3600)

// The layouts Takumi shows dates in.
const (
	DateLayout        = "2006-01-02"
	DateTimeLayout    = "2006-01-02 15:04"
	DateTimeSecLayout = "2006-01-02 15:04:05"
	MonthLayout       = "2006-01"
	CompactLayout     = "20060102" // in file names
)

// In returns t in Japan Standard Time.
func In(t time.Time) time.Time { return t.In(Location) }

// Date formats t as 2006-01-02 in JST.
func Date(t time.Time) string { return t.In(Location).Format(DateLayout) }

// DateTime formats t as 2006-01-02 15:04 in JST.
func DateTime(t time.Time) string { return t.In(Location).Format(DateTimeLayout) }

// DateTimeSec formats t as 2006-01-02 15:04:05 in JST.
func DateTimeSec(t time.Time) string { return t.In(Location).Format(DateTimeSecLayout) }

// Month formats t as 2006-01 in JST.
func Month(t time.Time) string { return t.In(Location).Format(MonthLayout) }

// Compact formats t as 20060102 in JST, for file names.
func Compact(t time.Time) string { return t.In(Location).Format(CompactLayout) }

// LongDate formats t for reading in lang: 2006年1月2日 in Japanese,
// 2 January 2006 in English.
func LongDate(lang string, t time.Time) string {
	t = t.In(Location)
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("2006年1月2日")
}
