package app

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/org"
	"takumi/web"
)

// BenchmarkSignedInRequest is the database work before a signed-in
// person's request reaches its handler (issue 20, docs/performance.md
// "Session and sign-in check in one round trip"): the session row, the
// account and its memberships. TwoStatements is the way before migration
// 00056 (the session row as pgxstore read it, then org.SignedIn);
// OneStatement is SessionStore's joined read. cpu-µs/op is this process's
// CPU (user + system) per request, pg-µs/op the PostgreSQL backends' (in
// 10 ms ticks: run a few thousand times).
func BenchmarkSignedInRequest(b *testing.B) {
	db := dbtest.New(b)
	userID := fixtures.MustCreateUser(b, db, fixtures.User{Email: "bench-session@example.jp", NoPassword: true})
	fixtures.MustAddMember(b, db, "ベンチ株式会社", org.KindEmployer, userID, org.RoleMember, false)
	store := NewSessionStore(db, scs.GobCodec{}, web.SessionUserKey, 0)
	data, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{web.SessionUserKey: userID, "session_version": 1})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := store.CommitCtx(ctx, "bench-token", data, time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	// pgCPU is the CPU the PostgreSQL backends of the test database have
	// used (from /proc, as scripts/page-bench.sh reads it), by pid.
	pgCPU := func() map[int]time.Duration {
		var pids []int
		if err := db.Gorm.Raw(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`).Scan(&pids).Error; err != nil {
			b.Fatal(err)
		}
		out := map[int]time.Duration{}
		for _, pid := range pids {
			stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			if err != nil {
				continue
			}
			f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
			utime, _ := strconv.Atoi(f[11])
			stime, _ := strconv.Atoi(f[12])
			out[pid] = time.Duration(utime+stime) * 10 * time.Millisecond // clock ticks of 1/100 s
		}
		return out
	}
	run := func(b *testing.B, one func() error) {
		b.ReportAllocs()
		if err := one(); err != nil { // the pool's connections open
			b.Fatal(err)
		}
		p0 := pgCPU()
		c0 := cpu()
		for b.Loop() {
			if err := one(); err != nil {
				b.Fatal(err)
			}
		}
		c1 := cpu()
		var pg time.Duration
		for pid, t := range pgCPU() {
			if t0, ok := p0[pid]; ok {
				pg += t - t0
			}
		}
		b.ReportMetric(float64((c1-c0).Microseconds())/float64(b.N), "cpu-µs/op")
		b.ReportMetric(float64(pg.Microseconds())/float64(b.N), "pg-µs/op")
	}
	b.Run("TwoStatements", func(b *testing.B) {
		run(b, func() error {
			var d []byte
			if err := db.Pool.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND current_timestamp < expiry`, "bench-token").Scan(&d); err != nil {
				return err
			}
			_, _, err := org.SignedIn(ctx, db.Pool, userID)
			return err
		})
	})
	b.Run("OneStatement", func(b *testing.B) {
		run(b, func() error {
			rctx := org.WithSessionAccount(ctx)
			_, _, err := store.FindCtx(rctx, "bench-token")
			if sa := org.SessionAccountOf(rctx); err == nil && (sa.User == nil || sa.User.ID != userID) {
				b.Fatal("no account read with the session")
			}
			return err
		})
	})
}
