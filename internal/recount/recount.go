// Package recount recomputes the counters and read models that PostgreSQL
// triggers keep in normal running — course analytics, the employer roster,
// organisation member counts, issued credential counts, registrations by
// month — from the rows they count. Each is the owning domain's repair
// function, run in its own transaction with the tables it reads locked
// against writes meanwhile.
//
// They are needed only when the triggers did not run: after a bulk load
// with triggers off (`takumi seed` as a superuser, scripts/page-bench-data.sql),
// or to repair a counter that drifted. `takumi recount` and `takumi seed`
// run them through All.
package recount

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"takumi/internal/credential"
	"takumi/internal/learning"
	"takumi/internal/org"
	"takumi/internal/reporting"
)

// Counter is one kept counter (or read model) and its owner's recount.
type Counter struct {
	Key    string // its name on the command line
	Name   string // what is recounted, as printed
	Tables string // the tables written
	run    func(context.Context, *gorm.DB) error
}

// Counters lists every kept counter in the order All runs them.
func Counters() []Counter {
	return []Counter{
		{"analytics", "course analytics counters",
			"quiz_stats, quiz_question_stats, lesson_stats, course_enrolment_stats, course_activity_days, course_duration_buckets, course_duration_values",
			func(ctx context.Context, db *gorm.DB) error {
				return learning.NewService(db, nil, nil, nil, "").RecountAnalytics(ctx)
			}},
		{"roster", "employer roster", "roster_entries, roster_counts, roster_filter_counts",
			func(ctx context.Context, db *gorm.DB) error {
				return learning.NewService(db, nil, nil, nil, "").RebuildRoster(ctx)
			}},
		{"members", "organisation member counts", "org_member_counts",
			func(ctx context.Context, db *gorm.DB) error {
				return org.NewService(db, nil, nil, "").RecountMembers(ctx)
			}},
		{"credentials", "issued credential counts", "provider_credential_counts", credential.RecountIssued},
		{"registrations", "registrations by month", "registration_counts", reporting.RecountRegistrations},
	}
}

// Done is one counter recounted and how long it took.
type Done struct {
	Counter Counter
	Elapsed time.Duration
}

// All recounts the counters named by keys (every one when keys is empty),
// in Counters' order, calling done after each. An unknown key is an error
// before anything runs; a failed recount stops the rest (the ones done
// stay done: each is its own transaction).
func All(ctx context.Context, db *gorm.DB, keys []string, done func(Done)) error {
	all := Counters()
	for _, k := range keys {
		if !slices.ContainsFunc(all, func(c Counter) bool { return c.Key == k }) {
			return fmt.Errorf("recount: unknown counter %q", k)
		}
	}
	for _, c := range all {
		if len(keys) > 0 && !slices.Contains(keys, c.Key) {
			continue
		}
		start := time.Now()
		if err := c.run(ctx, db); err != nil {
			return fmt.Errorf("recount %s: %w", c.Name, err)
		}
		if done != nil {
			done(Done{Counter: c, Elapsed: time.Since(start)})
		}
	}
	return nil
}
