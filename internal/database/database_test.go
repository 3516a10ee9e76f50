package database_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"testing"

	"gorm.io/gorm"

	"takumi/internal/dbtest"
)

// txTestArgs is a job that no worker runs; the test only looks for its row.
type txTestArgs struct {
	N int `json:"n"`
}

func (txTestArgs) Kind() string { return "database_tx_test" }

// TestTxInserterFollowsGormTransaction checks that a River job inserted
// inside a gorm transaction exists exactly when the transaction commits,
// together with the gorm write beside it.
func TestTxInserterFollowsGormTransaction(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	inserter, err := db.TxInserter(nil)
	if err != nil {
		t.Fatal(err)
	}
	errRollBack := errors.New("roll back")
	write := func(n int, fail bool) error {
		return db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("INSERT INTO dev_mail (to_addr, subject, body) VALUES (?, ?, '')",
				"tx@example.jp", strconv.Itoa(n)).Error; err != nil {
				return err
			}
			sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
			if !ok {
				t.Fatalf("gorm transaction runs on %T, want *sql.Tx", tx.Statement.ConnPool)
			}
			if _, err := inserter.InsertTx(ctx, sqlTx, txTestArgs{N: n}, nil); err != nil {
				return err
			}
			if fail {
				return errRollBack
			}
			return nil
		})
	}
	count := func(t *testing.T, n int) (jobs, mails int) {
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

	t.Run("RolledBack", func(t *testing.T) {
		if err := write(1, true); !errors.Is(err, errRollBack) {
			t.Fatalf("transaction: %v, want the rollback error", err)
		}
		if jobs, mails := count(t, 1); jobs != 0 || mails != 0 {
			t.Fatalf("after rollback: %d jobs, %d rows, want none", jobs, mails)
		}
	})
	t.Run("Committed", func(t *testing.T) {
		if err := write(2, false); err != nil {
			t.Fatal(err)
		}
		if jobs, mails := count(t, 2); jobs != 1 || mails != 1 {
			t.Fatalf("after commit: %d jobs, %d rows, want 1 and 1", jobs, mails)
		}
	})
}
