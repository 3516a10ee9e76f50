package dbtest

import (
	"testing"
	"time"
)

// Eventually polls ok until it holds and returns how long that took; it
// fails the test if ok does not hold within d. For what another goroutine,
// connection or process does in its own time (a notification, a listener,
// a replica, a job). It polls after 10 ms, then at twice the interval up
// to 200 ms, so a condition that queries the database does not load it.
func Eventually(t testing.TB, d time.Duration, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	wait := 10 * time.Millisecond
	for !ok() {
		if time.Since(start) > d {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(wait)
		wait = min(2*wait, 200*time.Millisecond)
	}
	return time.Since(start)
}
