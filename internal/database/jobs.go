package database

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"
)

// JobInserter queues River jobs inside gorm transactions, so a job commits or
// rolls back with the gorm writes beside it (a rolled-back sign-up sends no
// mail). It runs on River's pgx driver, like the workers.
type JobInserter struct {
	client *river.Client[pgx.Tx]
}

// JobInserter returns an insert-only River client for gorm transactions
// begun on db.Gorm. logger may be nil.
func (db *DB) JobInserter(logger *slog.Logger) (*JobInserter, error) {
	c, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("river inserter: %w", err)
	}
	return &JobInserter{client: c}, nil
}

// InsertTx queues one job in tx, a gorm transaction begun on DB.Gorm (inside
// Transaction's function, nested ones included).
func (j *JobInserter) InsertTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	var res *rivertype.JobInsertResult
	err := withPgxTx(tx, func(ptx pgx.Tx) error {
		var err error
		res, err = j.client.InsertTx(ctx, ptx, args, opts)
		return err
	})
	return res, err
}

// InsertManyTx queues several jobs in tx, as InsertTx does one.
func (j *JobInserter) InsertManyTx(ctx context.Context, tx *gorm.DB, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	var res []*rivertype.JobInsertResult
	err := withPgxTx(tx, func(ptx pgx.Tx) error {
		var err error
		res, err = j.client.InsertManyTx(ctx, ptx, params)
		return err
	})
	return res, err
}

// errNotInTx is returned when a job is queued outside a gorm transaction of
// DB.Gorm, or after that transaction ended. SECURITY/integrity: inserting on
// a connection outside the transaction would commit the job on its own.
var errNotInTx = errors.New("database: jobs are queued only inside an open gorm transaction of DB.Gorm")

// errTxOwnedByGorm is returned by Commit and Rollback of the pgx.Tx that
// withPgxTx lends: gorm began the transaction and only gorm ends it.
var errTxOwnedByGorm = errors.New("database: the transaction belongs to gorm; end it through gorm")

// withPgxTx runs f with a pgx.Tx for the gorm transaction tx: the pgx
// connection under tx's *sql.Tx, borrowed through sql.Conn.Raw, which
// database/sql allows between statements of the transaction (it locks the
// connection for the callback only). The pgx.Tx is valid only during f; its
// Commit and Rollback are refused and its Begin makes a savepoint.
//
// Why this and not riverdatabasesql over the *sql.Tx: docs/decisions.md
// ("One driver stack").
func withPgxTx(tx *gorm.DB, f func(pgx.Tx) error) error {
	t, ok := tx.Statement.ConnPool.(*gormTx)
	if !ok {
		return errNotInTx
	}
	var (
		ferr     error
		panicVal any
	)
	rawErr := t.conn.Raw(func(driverConn any) error {
		// The callback returns nil on every path: an error wrapping
		// driver.ErrBadConn (or a panic) would make database/sql close the
		// *sql.Conn, which waits for the open *sql.Tx to end: a deadlock.
		defer func() {
			if r := recover(); r != nil {
				panicVal = r
			}
		}()
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			ferr = fmt.Errorf("database: driver connection is %T, want pgx's *stdlib.Conn", driverConn)
			return nil
		}
		conn := sc.Conn()
		// SECURITY/integrity: outside a transaction every insert would
		// commit at once; 'T' is in a transaction, 'E' in a failed one
		// (whose statements PostgreSQL refuses).
		if conn.PgConn().TxStatus() == 'I' {
			ferr = errNotInTx
			return nil
		}
		lent := &gormPgxTx{state: &lentConn{conn: conn}}
		defer func() { lent.state.done = true }()
		ferr = f(lent)
		return nil
	})
	if panicVal != nil {
		panic(panicVal)
	}
	if rawErr != nil {
		// The gorm transaction ended and released its connection.
		return fmt.Errorf("%w: %w", errNotInTx, rawErr)
	}
	return ferr
}

// lentConn is the pgx connection withPgxTx lends, shared by the pgx.Tx and
// its savepoints. done is set when the loan ends.
type lentConn struct {
	conn       *pgx.Conn
	done       bool
	savepoints int64
}

// gormPgxTx is the pgx.Tx withPgxTx lends: the transaction gorm began, seen
// from pgx (sp == "") or a savepoint inside it (sp != "").
type gormPgxTx struct {
	state  *lentConn
	sp     string
	closed bool
}

var _ pgx.Tx = (*gormPgxTx)(nil)

// usable reports pgx.ErrTxClosed once the savepoint ended or the loan did.
func (t *gormPgxTx) usable() error {
	if t.closed || t.state.done {
		return pgx.ErrTxClosed
	}
	return nil
}

// Begin starts a savepoint, as pgx's own Tx.Begin does.
func (t *gormPgxTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	t.state.savepoints++
	sp := "river_sp_" + strconv.FormatInt(t.state.savepoints, 10)
	if _, err := t.state.conn.Exec(ctx, "SAVEPOINT "+sp); err != nil {
		return nil, err
	}
	return &gormPgxTx{state: t.state, sp: sp}, nil
}

// Commit releases a savepoint; on the gorm transaction itself it is refused.
func (t *gormPgxTx) Commit(ctx context.Context) error {
	if t.sp == "" {
		return errTxOwnedByGorm
	}
	if err := t.usable(); err != nil {
		return err
	}
	t.closed = true
	_, err := t.state.conn.Exec(ctx, "RELEASE SAVEPOINT "+t.sp)
	return err
}

// Rollback rolls back to a savepoint; on the gorm transaction itself it is
// refused. As with pgx, a Rollback after Commit returns pgx.ErrTxClosed.
func (t *gormPgxTx) Rollback(ctx context.Context) error {
	if t.sp == "" {
		return errTxOwnedByGorm
	}
	if err := t.usable(); err != nil {
		return err
	}
	t.closed = true
	_, err := t.state.conn.Exec(ctx, "ROLLBACK TO SAVEPOINT "+t.sp)
	return err
}

// CopyFrom implements pgx.Tx on the lent connection.
func (t *gormPgxTx) CopyFrom(ctx context.Context, tableName pgx.Identifier, columnNames []string, rowSrc pgx.CopyFromSource) (int64, error) {
	if err := t.usable(); err != nil {
		return 0, err
	}
	return t.state.conn.CopyFrom(ctx, tableName, columnNames, rowSrc)
}

// SendBatch implements pgx.Tx on the lent connection.
func (t *gormPgxTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := t.usable(); err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return t.state.conn.SendBatch(ctx, b)
}

// LargeObjects is not supported: pgx.LargeObjects can only be built by pgx's
// own Tx, and nothing Takumi lends this Tx to uses large objects. The zero
// value returned panics when used.
func (t *gormPgxTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

// Prepare implements pgx.Tx on the lent connection.
func (t *gormPgxTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	return t.state.conn.Prepare(ctx, name, sql)
}

// Exec implements pgx.Tx on the lent connection.
func (t *gormPgxTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := t.usable(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return t.state.conn.Exec(ctx, sql, args...)
}

// Query implements pgx.Tx on the lent connection.
func (t *gormPgxTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	return t.state.conn.Query(ctx, sql, args...)
}

// QueryRow implements pgx.Tx on the lent connection.
func (t *gormPgxTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := t.usable(); err != nil {
		return errRow{err}
	}
	return t.state.conn.QueryRow(ctx, sql, args...)
}

// Conn implements pgx.Tx: the lent connection, nil once the loan ended.
func (t *gormPgxTx) Conn() *pgx.Conn {
	if t.state.done {
		return nil
	}
	return t.state.conn
}

// errRow is a pgx.Row whose Scan fails.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
