package learning_test

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/learning"
)

// BenchmarkMyLearningSeedLearner measures the domain call behind "My
// learning" (MyLearningPage: the statement, its rows, the course cards and
// the time left of each course in progress) for one learner of a database
// that `takumi seed` filled, by default its bench learner (45 live
// enrolments: twelve cards in progress and twelve completed, the seed's
// heaviest). The statement's PostgreSQL time is in ns/op; allocs/op and
// B/op are the app's alone and do not move with the machine's noise.
// Skips unless TAKUMI_SEED_DATABASE_URL names such a database.
//
//	TAKUMI_SEED_DATABASE_URL='postgres://postgres@127.0.0.1:5432/takumi_scale?sslmode=disable' \
//	  go test -run xxx -bench MyLearningSeedLearner -benchmem ./internal/learning/
//
// TAKUMI_SEED_LEARNER=<email> measures another seed learner.
func BenchmarkMyLearningSeedLearner(b *testing.B) {
	url := os.Getenv("TAKUMI_SEED_DATABASE_URL")
	if url == "" {
		b.Skip("TAKUMI_SEED_DATABASE_URL is not set (a database filled by `takumi seed`)")
	}
	email := os.Getenv("TAKUMI_SEED_LEARNER")
	if email == "" {
		email = "bench-learner@seed.takumi.localhost"
	}
	ctx := context.Background()
	db, err := database.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var id string
	if err := db.Pool.QueryRow(ctx, `SELECT id::text FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		b.Fatalf("seed learner %s: %v", email, err)
	}
	// The course cards come from memory only while the catalogue's change
	// listener listens, as in each instance.
	courses := catalog.NewService(db.Gorm, nil)
	courses.ListenForChanges(db.Pool.Config().ConnConfig, nil)
	defer courses.StopListening()
	for start := time.Now(); !courses.Listening(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			b.Fatal("the catalogue listener does not listen")
		}
	}
	s := learning.NewService(db.Gorm, courses, nil, nil, "http://127.0.0.1")
	l := learning.Learner{UserID: id}
	// Warm: the course cards and contents in memory, the statement's
	// generic plan (after its fifth run on a connection).
	for range 20 {
		if _, err := s.MyLearning(ctx, l); err != nil {
			b.Fatal(err)
		}
	}
	m, _ := s.MyLearning(ctx, l)
	b.Logf("%s: %d in progress (%d shown), %d completed (%d shown), %d waitlisted",
		email, m.InProgressTotal, len(m.InProgress), m.CompletedTotal, len(m.Completed), len(m.Waitlisted))
	b.ReportAllocs()
	cpu0 := processCPU(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.MyLearning(ctx, l); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// The app's own CPU per call (user + system time of this process:
	// the database's is not in it), steadier than ns/op, which is
	// mostly the wait for PostgreSQL.
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "app-µs/op")
}

// processCPU is the user + system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
