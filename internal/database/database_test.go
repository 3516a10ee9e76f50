package database_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"takumi/internal/database"
	"takumi/internal/dbtest"
)

// txTestArgs is a job that no worker runs; the test only looks for its row.
type txTestArgs struct {
	N int `json:"n"`
}

func (txTestArgs) Kind() string { return "database_tx_test" }

var errRollBack = errors.New("roll back")

// writeAndQueue writes dev_mail row n and queues job n in tx.
func writeAndQueue(ctx context.Context, tx *gorm.DB, jobs *database.JobInserter, n int) error {
	if err := tx.Exec("INSERT INTO dev_mail (to_addr, subject, body) VALUES (?, ?, '')",
		"tx@example.jp", strconv.Itoa(n)).Error; err != nil {
		return err
	}
	_, err := jobs.InsertTx(ctx, tx, txTestArgs{N: n}, nil)
	return err
}

// countWrites returns how many jobs and dev_mail rows number n has.
func countWrites(t *testing.T, db *database.DB, n int) (jobs, mails int) {
	t.Helper()
	if err := db.Gorm.Raw("SELECT count(*) FROM river_job WHERE kind = 'database_tx_test' AND (args->>'n')::int = ?", n).
		Row().Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Raw("SELECT count(*) FROM dev_mail WHERE subject = ?", strconv.Itoa(n)).Row().Scan(&mails); err != nil {
		t.Fatal(err)
	}
	return jobs, mails
}

// wantWrites fails unless number n has want jobs and want dev_mail rows.
func wantWrites(t *testing.T, db *database.DB, n, want int) {
	t.Helper()
	if jobs, mails := countWrites(t, db, n); jobs != want || mails != want {
		t.Fatalf("write %d: %d jobs, %d rows, want %d and %d", n, jobs, mails, want, want)
	}
}

// TestJobInserterFollowsGormTransaction checks that a River job queued inside
// a gorm transaction exists exactly when the transaction (or savepoint) it
// was queued in commits, together with the gorm write beside it.
func TestJobInserterFollowsGormTransaction(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	jobs, err := db.JobInserter(nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("RolledBack", func(t *testing.T) {
		err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := writeAndQueue(ctx, tx, jobs, 1); err != nil {
				return err
			}
			return errRollBack
		})
		if !errors.Is(err, errRollBack) {
			t.Fatalf("transaction: %v, want the rollback error", err)
		}
		wantWrites(t, db, 1, 0)
	})
	t.Run("Committed", func(t *testing.T) {
		if err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return writeAndQueue(ctx, tx, jobs, 2)
		}); err != nil {
			t.Fatal(err)
		}
		wantWrites(t, db, 2, 1)
	})
	t.Run("InsertMany", func(t *testing.T) {
		if err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			_, err := jobs.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: txTestArgs{N: 3}}, {Args: txTestArgs{N: 3}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, _ := countWrites(t, db, 3); n != 2 {
			t.Fatalf("%d jobs, want 2", n)
		}
	})
	t.Run("SavePointRolledBack", func(t *testing.T) {
		// The job queued in the rolled-back savepoint goes with it; the
		// ones queued before it and after it commit.
		if err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := writeAndQueue(ctx, tx, jobs, 10); err != nil {
				return err
			}
			if err := tx.Transaction(func(tx *gorm.DB) error {
				if err := writeAndQueue(ctx, tx, jobs, 11); err != nil {
					return err
				}
				return errRollBack
			}); !errors.Is(err, errRollBack) {
				t.Errorf("savepoint: %v, want the rollback error", err)
			}
			return writeAndQueue(ctx, tx, jobs, 12)
		}); err != nil {
			t.Fatal(err)
		}
		wantWrites(t, db, 10, 1)
		wantWrites(t, db, 11, 0)
		wantWrites(t, db, 12, 1)
	})
	t.Run("SavePointCommittedOuterRolledBack", func(t *testing.T) {
		err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Transaction(func(tx *gorm.DB) error {
				return writeAndQueue(ctx, tx, jobs, 13)
			}); err != nil {
				return err
			}
			return errRollBack
		})
		if !errors.Is(err, errRollBack) {
			t.Fatalf("transaction: %v, want the rollback error", err)
		}
		wantWrites(t, db, 13, 0)
	})
	t.Run("ManualBegin", func(t *testing.T) {
		tx := db.Gorm.WithContext(ctx).Begin()
		if err := writeAndQueue(ctx, tx, jobs, 14); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback().Error; err != nil {
			t.Fatal(err)
		}
		wantWrites(t, db, 14, 0)
	})
	t.Run("ErrOutsideTransaction", func(t *testing.T) {
		if _, err := jobs.InsertTx(ctx, db.Gorm.WithContext(ctx), txTestArgs{N: 20}, nil); err == nil {
			t.Fatal("queued a job outside a transaction")
		}
		if n, _ := countWrites(t, db, 20); n != 0 {
			t.Fatalf("%d jobs, want none", n)
		}
	})
	t.Run("ErrAfterTransactionEnded", func(t *testing.T) {
		for _, end := range []error{nil, errRollBack} {
			var kept *gorm.DB
			if err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				kept = tx
				return end
			}); !errors.Is(err, end) {
				t.Fatal(err)
			}
			if _, err := jobs.InsertTx(ctx, kept, txTestArgs{N: 21}, nil); err == nil {
				t.Fatal("queued a job after the transaction ended")
			}
		}
		if n, _ := countWrites(t, db, 21); n != 0 {
			t.Fatalf("%d jobs, want none", n)
		}
	})
}

// TestJobInserterConcurrentTransactions runs many transactions at once and
// checks that each one's River insert runs on its own connection, in its
// own transaction.
func TestJobInserterConcurrentTransactions(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	jobs, err := db.JobInserter(nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				var gormPID, gormXID int64
				if err := tx.Raw("SELECT pg_backend_pid(), txid_current()").Row().Scan(&gormPID, &gormXID); err != nil {
					return err
				}
				for range 3 {
					if err := database.WithPgxTx(tx, func(ptx pgx.Tx) error {
						var pid, xid int64
						if err := ptx.QueryRow(ctx, "SELECT pg_backend_pid(), txid_current()").Scan(&pid, &xid); err != nil {
							return err
						}
						if pid != gormPID || xid != gormXID {
							return errors.New("River's connection or transaction differs from gorm's")
						}
						return nil
					}); err != nil {
						return err
					}
					if err := writeAndQueue(ctx, tx, jobs, 100+i); err != nil {
						return err
					}
				}
				if i%2 == 1 {
					return errRollBack
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 1 && errors.Is(err, errRollBack) || i%2 == 0 && err == nil {
			continue
		}
		t.Errorf("transaction %d: %v", i, err)
	}
	for i := range n {
		want := 3
		if i%2 == 1 {
			want = 0
		}
		wantWrites(t, db, 100+i, want)
	}
}

// TestPgxTxOfGormTransaction checks the pgx.Tx River is given: it runs in
// gorm's transaction with its options, cannot end it, makes savepoints, and
// stops working when its loan ends.
func TestPgxTxOfGormTransaction(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	count := func(ptx pgx.Tx, subject string) int {
		t.Helper()
		var n int
		if err := ptx.QueryRow(ctx, "SELECT count(*) FROM dev_mail WHERE subject = $1", subject).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	insert := func(ptx pgx.Tx, subject string) {
		t.Helper()
		if _, err := ptx.Exec(ctx, "INSERT INTO dev_mail (to_addr, subject, body) VALUES ('p@example.jp', $1, '')", subject); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("IsolationLevel", func(t *testing.T) {
		if err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var level string
			if err := tx.Raw("SHOW transaction_isolation").Row().Scan(&level); err != nil {
				return err
			}
			if level != "repeatable read" {
				t.Errorf("gorm sees %q, want repeatable read", level)
			}
			if err := database.WithPgxTx(tx, func(ptx pgx.Tx) error {
				return ptx.QueryRow(ctx, "SHOW transaction_isolation").Scan(&level)
			}); err != nil {
				return err
			}
			if level != "repeatable read" {
				t.Errorf("River sees %q, want repeatable read", level)
			}
			return nil
		}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrCommitRollback", func(t *testing.T) {
		err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return database.WithPgxTx(tx, func(ptx pgx.Tx) error {
				insert(ptx, "owned")
				if err := ptx.Commit(ctx); err == nil {
					t.Error("Commit ended gorm's transaction")
				}
				if err := ptx.Rollback(ctx); err == nil {
					t.Error("Rollback ended gorm's transaction")
				}
				if count(ptx, "owned") != 1 {
					t.Error("the write is gone")
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.Gorm.Raw("SELECT count(*) FROM dev_mail WHERE subject = 'owned'").Row().Scan(&n); err != nil || n != 1 {
			t.Fatalf("after commit: %d rows (%v), want 1", n, err)
		}
	})
	t.Run("Savepoints", func(t *testing.T) {
		err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := database.WithPgxTx(tx, func(ptx pgx.Tx) error {
				sp, err := ptx.Begin(ctx)
				if err != nil {
					return err
				}
				insert(sp, "sp-rolled-back")
				inner, err := sp.Begin(ctx)
				if err != nil {
					return err
				}
				insert(inner, "sp-inner")
				if err := inner.Commit(ctx); err != nil {
					return err
				}
				if err := inner.Rollback(ctx); !errors.Is(err, pgx.ErrTxClosed) {
					t.Errorf("Rollback after Commit: %v, want ErrTxClosed", err)
				}
				if err := sp.Rollback(ctx); err != nil {
					return err
				}
				if count(ptx, "sp-rolled-back")+count(ptx, "sp-inner") != 0 {
					t.Error("rolled-back savepoint kept its writes")
				}
				sp, err = ptx.Begin(ctx)
				if err != nil {
					return err
				}
				insert(sp, "sp-committed")
				return sp.Commit(ctx)
			}); err != nil {
				return err
			}
			var n int
			if err := tx.Raw("SELECT count(*) FROM dev_mail WHERE subject = 'sp-committed'").Row().Scan(&n); err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("gorm sees %d rows of the committed savepoint, want 1", n)
			}
			return errRollBack
		})
		if !errors.Is(err, errRollBack) {
			t.Fatal(err)
		}
		var n int
		if err := db.Gorm.Raw("SELECT count(*) FROM dev_mail WHERE subject LIKE 'sp-%'").Row().Scan(&n); err != nil || n != 0 {
			t.Fatalf("after rollback: %d rows (%v), want none", n, err)
		}
	})
	t.Run("ErrAfterLoan", func(t *testing.T) {
		var kept pgx.Tx
		if err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := database.WithPgxTx(tx, func(ptx pgx.Tx) error {
				kept = ptx
				return nil
			}); err != nil {
				return err
			}
			if _, err := kept.Exec(ctx, "SELECT 1"); !errors.Is(err, pgx.ErrTxClosed) {
				t.Errorf("Exec after the loan: %v, want ErrTxClosed", err)
			}
			if kept.Conn() != nil {
				t.Error("Conn after the loan is not nil")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Panic", func(t *testing.T) {
		// A panic while the connection is lent must roll the transaction
		// back and leave the pool working, not deadlock database/sql.
		done := make(chan any)
		go func() {
			defer func() { done <- recover() }()
			db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec("INSERT INTO dev_mail (to_addr, subject, body) VALUES ('p@example.jp', 'panic', '')").Error; err != nil {
					return err
				}
				return database.WithPgxTx(tx, func(pgx.Tx) error { panic("boom") })
			})
		}()
		select {
		case r := <-done:
			if r != "boom" {
				t.Fatalf("recovered %v, want the panic", r)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("deadlock after a panic")
		}
		var n int
		if err := db.Gorm.Raw("SELECT count(*) FROM dev_mail WHERE subject = 'panic'").Row().Scan(&n); err != nil || n != 0 {
			t.Fatalf("after the panic: %d rows (%v), want none", n, err)
		}
	})
}

// TestPoolOf: the primary's gorm handle (and its sessions) hands out its
// pgx pool; a transaction's handle does not, so a statement meant for the
// transaction never goes around it.
func TestPoolOf(t *testing.T) {
	db := dbtest.New(t)
	if database.PoolOf(db.Gorm) != db.Pool || database.PoolOf(db.Gorm.WithContext(context.Background())) != db.Pool {
		t.Fatal("the primary's handle has no pool")
	}
	if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
		if database.PoolOf(tx) != nil {
			t.Error("a transaction's handle hands out the pool")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if database.PoolOf(nil) != nil {
		t.Fatal("nil handle")
	}
}
