package app

import (
	"testing"
	"time"

	"github.com/alexedwards/scs/pgxstore"

	"takumi/internal/dbtest"
)

// TestTouchStore: on the real PostgreSQL session store, an unchanged
// session is not written again until its expiry moves by the slack; a
// change of data, a new token and a deleted session are written at once.
func TestTouchStore(t *testing.T) {
	db := dbtest.New(t)
	inner := pgxstore.NewWithCleanupInterval(db.Pool, 0)
	s := newTouchStore(inner, 5*time.Minute)
	stored := func(token string) (time.Time, string) {
		t.Helper()
		var row struct {
			Expiry time.Time
			Data   []byte
		}
		if err := db.Gorm.Raw(`SELECT expiry, data FROM sessions WHERE token = ?`, token).Scan(&row).Error; err != nil {
			t.Fatal(err)
		}
		return row.Expiry, string(row.Data)
	}
	t0 := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Microsecond)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Commit("tok", []byte("a"), t0))
	if e, d := stored("tok"); !e.Equal(t0) || d != "a" {
		t.Fatalf("first commit: %s %q", e, d)
	}
	// The same data a minute later: not written.
	must(s.Commit("tok", []byte("a"), t0.Add(time.Minute)))
	if e, _ := stored("tok"); !e.Equal(t0) {
		t.Fatalf("unchanged session rewritten: expiry %s", e)
	}
	// Past the slack: written.
	must(s.Commit("tok", []byte("a"), t0.Add(6*time.Minute)))
	if e, _ := stored("tok"); !e.Equal(t0.Add(6 * time.Minute)) {
		t.Fatalf("expiry not pushed on after the slack: %s", e)
	}
	// Changed data: written at once.
	must(s.Commit("tok", []byte("b"), t0.Add(6*time.Minute+time.Second)))
	if _, d := stored("tok"); d != "b" {
		t.Fatalf("changed session not written: %q", d)
	}
	// Another token: written.
	must(s.Commit("tok2", []byte("b"), t0))
	if _, d := stored("tok2"); d != "b" {
		t.Fatal("new token not written")
	}
	// Deleted, then committed again with the same data: written.
	must(s.Delete("tok"))
	must(s.Commit("tok", []byte("b"), t0.Add(6*time.Minute+2*time.Second)))
	if _, d := stored("tok"); d != "b" {
		t.Fatal("session deleted then committed is missing")
	}
}
