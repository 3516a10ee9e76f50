package database_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"takumi/internal/database"
	"takumi/internal/dbtest"
)

// openFresh opens a second handle on db's database whose pools have not
// connected yet, with extra URL parameters.
func openFresh(t *testing.T, db *database.DB, params string) *database.DB {
	t.Helper()
	url := dbtest.URL(t, db)
	if params != "" {
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		url += sep + params
	}
	fresh, err := database.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fresh.Close)
	return fresh
}

// cancelAfter returns a context cancelled after d (a client going away).
func cancelAfter(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(d, cancel)
	t.Cleanup(cancel)
	return ctx
}

// slowCancelled checks that a pg_sleep(30) cut short by its context at
// 100 ms ended promptly, cancelled by the server (not by closing the
// connection).
func slowCancelled(t *testing.T, start time.Time, err error) {
	t.Helper()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the cancelled statement took %v", d)
	}
	if !database.IsQueryCanceled(err) {
		t.Fatalf("the cancelled statement returned %v, want query_canceled (57014)", err)
	}
}

// TestCancelledStatementKeepsConnection: a statement whose context ends
// (the client went away) is cancelled by a cancel request and its
// connection, the same PostgreSQL backend, serves the next query; River's
// pool still closes a connection whose wait is cancelled, so River stops at
// once; both pools together stay within pool_max_conns.
func TestCancelledStatementKeepsConnection(t *testing.T) {
	base := dbtest.New(t)
	ctx := context.Background()

	t.Run("Pgx", func(t *testing.T) {
		db := openFresh(t, base, "")
		c, err := db.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pid := c.Conn().PgConn().PID()
		start := time.Now()
		_, err = c.Exec(cancelAfter(t, 100*time.Millisecond), "SELECT pg_sleep(30)")
		slowCancelled(t, start, err)
		if c.Conn().IsClosed() {
			t.Fatal("the connection was closed")
		}
		c.Release()
		var next int
		if err := db.Pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&next); err != nil {
			t.Fatal(err)
		}
		if next != int(pid) || db.Pool.Stat().NewConnsCount() != 1 {
			t.Fatalf("next query on backend %d (the cancelled one ran on %d); %d connections opened, want 1",
				next, pid, db.Pool.Stat().NewConnsCount())
		}
	})

	t.Run("GormTransaction", func(t *testing.T) {
		db := openFresh(t, base, "")
		var pid, next int
		start := time.Now()
		err := db.Gorm.WithContext(cancelAfter(t, 100*time.Millisecond)).Transaction(func(tx *gorm.DB) error {
			if err := tx.Raw("SELECT pg_backend_pid()").Scan(&pid).Error; err != nil {
				return err
			}
			return tx.Exec("SELECT pg_sleep(30)").Error
		})
		slowCancelled(t, start, err)
		if err := db.Gorm.Raw("SELECT pg_backend_pid()").Scan(&next).Error; err != nil {
			t.Fatal(err)
		}
		if next != pid || db.Pool.Stat().NewConnsCount() != 1 {
			t.Fatalf("next query on backend %d (the cancelled transaction ran on %d); %d connections opened, want 1",
				next, pid, db.Pool.Stat().NewConnsCount())
		}
		// The transaction was rolled back, not left open on the connection.
		var open int
		if err := db.Gorm.Raw("SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND backend_xid IS NOT NULL", pid).Scan(&open).Error; err != nil || open != 0 {
			t.Fatalf("transaction left open: %d %v", open, err)
		}
	})

	t.Run("GormStatement", func(t *testing.T) {
		db := openFresh(t, base, "")
		var pid, next int
		if err := db.Gorm.Raw("SELECT pg_backend_pid()").Scan(&pid).Error; err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err := db.Gorm.WithContext(cancelAfter(t, 100*time.Millisecond)).Exec("SELECT pg_sleep(30)").Error
		slowCancelled(t, start, err)
		if err := db.Gorm.Raw("SELECT pg_backend_pid()").Scan(&next).Error; err != nil {
			t.Fatal(err)
		}
		if next != pid || db.Pool.Stat().NewConnsCount() != 1 {
			t.Fatalf("next query on backend %d (the cancelled one ran on %d); %d connections opened, want 1",
				next, pid, db.Pool.Stat().NewConnsCount())
		}
	})

	// A transaction whose context ends between statements (no statement
	// running) is rolled back by gorm too, and keeps its connection.
	t.Run("GormTransactionBetweenStatements", func(t *testing.T) {
		db := openFresh(t, base, "")
		ctx, cancel := context.WithCancel(ctx)
		var pid, next int
		err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Raw("SELECT pg_backend_pid()").Scan(&pid).Error; err != nil {
				return err
			}
			cancel()
			return tx.Exec("SELECT 1").Error
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if err := db.Gorm.Raw("SELECT pg_backend_pid()").Scan(&next).Error; err != nil {
			t.Fatal(err)
		}
		if next != pid || db.Pool.Stat().NewConnsCount() != 1 {
			t.Fatalf("next query on backend %d (the transaction ran on %d); %d connections opened, want 1",
				next, pid, db.Pool.Stat().NewConnsCount())
		}
	})

	// The rule docs/architecture.md ("Transactions and a client that
	// leaves") states: a transaction whose client leaves commits when every
	// one of its statements finished and COMMIT comes within TxGrace of the
	// client leaving; a statement after the client left, or a COMMIT after
	// the grace, rolls it back.
	t.Run("GormTransactionCommitsAfterLastStatement", func(t *testing.T) {
		db := openFresh(t, base, "")
		if err := db.Gorm.Exec("CREATE TABLE IF NOT EXISTS grace_probe (name text PRIMARY KEY)").Error; err != nil {
			t.Fatal(err)
		}
		committed := func(name string) bool {
			t.Helper()
			var n int
			if err := db.Gorm.Raw("SELECT count(*) FROM grace_probe WHERE name = ?", name).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n == 1
		}
		// insertThen inserts name, lets the client leave, runs after (the
		// work between the last statement and COMMIT) and commits.
		insertThen := func(name string, after func(tx *gorm.DB) error) error {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			return db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec("INSERT INTO grace_probe (name) VALUES (?)", name).Error; err != nil {
					return err
				}
				cancel() // the client goes away
				return after(tx)
			})
		}
		t.Run("OKLeftAfterLastStatement", func(t *testing.T) {
			err := insertThen("left-after-last-statement", func(*gorm.DB) error {
				time.Sleep(100 * time.Millisecond) // work in Go, no statement
				return nil
			})
			if err != nil || !committed("left-after-last-statement") {
				t.Fatalf("got %v, committed %v; want the work committed", err, committed("left-after-last-statement"))
			}
		})
		t.Run("ErrStatementAfterLeaving", func(t *testing.T) {
			err := insertThen("statement-after-leaving", func(tx *gorm.DB) error {
				return tx.Exec("SELECT 1").Error
			})
			if !errors.Is(err, context.Canceled) || committed("statement-after-leaving") {
				t.Fatalf("got %v, committed %v; want context.Canceled and nothing committed", err, committed("statement-after-leaving"))
			}
		})
		t.Run("ErrCommitAfterGrace", func(t *testing.T) {
			err := insertThen("commit-after-grace", func(*gorm.DB) error {
				time.Sleep(database.TxGrace + 500*time.Millisecond)
				return nil
			})
			if err == nil || committed("commit-after-grace") {
				t.Fatalf("got %v, committed %v; want an error and nothing committed", err, committed("commit-after-grace"))
			}
		})
	})

	// River's LISTEN: no statement runs while it waits, so only closing the
	// connection interrupts the wait; River's pool does that at once.
	t.Run("JobsPoolInterruptsListen", func(t *testing.T) {
		db := openFresh(t, base, "")
		c, err := db.JobsPool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		if _, err := c.Exec(ctx, "LISTEN pools_test"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = c.Conn().WaitForNotification(cancelAfter(t, 100*time.Millisecond))
		if err == nil || time.Since(start) > time.Second {
			t.Fatalf("the wait returned %v after %v, want an error within a second", err, time.Since(start))
		}
	})

	t.Run("Budget", func(t *testing.T) {
		// No pool_max_conns: 20. One given is used (before, anything
		// below 10 was taken as 20), but never below the minimum.
		for params, want := range map[string]int32{"": database.DefaultPoolConns, "pool_max_conns=40": 40,
			"pool_max_conns=12": 12, "pool_max_conns=10": 10, "pool_max_conns=4": database.MinPoolConns} {
			db := openFresh(t, base, params)
			app, jobs := db.Pool.Config().MaxConns, db.JobsPool.Config().MaxConns
			if jobs != database.JobPoolConns || app+jobs != want {
				t.Errorf("%q: app pool %d + River's pool %d, want %d in all with River's %d", params, app, jobs, want, database.JobPoolConns)
			}
		}
	})
}
