package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"
)

// connPool is the connection pool gorm runs on: the database/sql view of the
// pgx pool, except that each transaction runs on a connection taken for it
// alone (BeginTx). Holding that *sql.Conn is what lets River's pgx driver
// insert jobs inside the transaction (withPgxTx, jobs.go).
type connPool struct {
	db *sql.DB
	// pool is the pgx pool under db, when db is the primary's: PoolOf
	// hands it out.
	pool *pgxpool.Pool
}

var (
	_ gorm.ConnPool         = connPool{}
	_ gorm.ConnPoolBeginner = connPool{}
	_ gorm.GetDBConnector   = connPool{}
)

// PrepareContext implements gorm.ConnPool.
func (p connPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

// ExecContext implements gorm.ConnPool.
func (p connPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.db.ExecContext(ctx, query, args...)
}

// QueryContext implements gorm.ConnPool.
func (p connPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.db.QueryContext(ctx, query, args...)
}

// QueryRowContext implements gorm.ConnPool.
func (p connPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.db.QueryRowContext(ctx, query, args...)
}

// Ping lets gorm.Open check the connection as it does for a *sql.DB.
// PoolOf returns the pgx pool under g when g is the primary's gorm handle
// outside a transaction (DB.Gorm, or a session of it such as
// g.WithContext(ctx)), and nil otherwise (inside a transaction, the
// replica's or a routed handle). A hot read that scans column by column
// can then go to pgx directly, without database/sql's per-row work
// (issue 20, docs/performance.md "The signed-in request path without
// gorm"), and still fall back to g when it is a transaction.
func PoolOf(g *gorm.DB) *pgxpool.Pool {
	if g == nil || g.Statement == nil {
		return nil
	}
	if p, ok := g.Statement.ConnPool.(connPool); ok {
		return p.pool
	}
	return nil
}

func (p connPool) Ping() error { return p.db.Ping() }

// GetDBConn lets gorm's DB() return the *sql.DB.
func (p connPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// BeginTx implements gorm.ConnPoolBeginner, which gorm's Begin (and so
// Transaction) uses: it takes a connection of its own from the pool and
// begins the transaction on it. database/sql keeps every rule of a *sql.Tx
// (its context rolls it back, opts set isolation and read-only); the
// connection goes back to the pool when the transaction ends.
//
// The transaction is bound to ctx with a grace (detachTx, pools.go): when
// ctx ends, the statement running is cancelled by its own context and gorm
// rolls back on the connection, which stays in the pool; database/sql's own
// rollback on an ended context would close it.
func (p connPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	conn, err := p.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	txCtx, endTx := detachTx(ctx)
	tx, err := conn.BeginTx(txCtx, opts)
	if err != nil {
		endTx()
		conn.Close()
		return nil, err
	}
	return &gormTx{db: p.db, conn: conn, tx: tx, endTx: endTx}, nil
}

// gormTx is a gorm transaction: gorm's statements run on tx, and conn is the
// connection tx runs on, for withPgxTx. endTx ends the context tx is bound to.
type gormTx struct {
	db    *sql.DB
	conn  *sql.Conn
	tx    *sql.Tx
	endTx func()
}

var _ gorm.Tx = (*gormTx)(nil)

// PrepareContext implements gorm.ConnPool.
func (t *gormTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, query)
}

// ExecContext implements gorm.ConnPool.
func (t *gormTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, query, args...)
}

// QueryContext implements gorm.ConnPool.
func (t *gormTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext implements gorm.ConnPool.
func (t *gormTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, query, args...)
}

// StmtContext implements gorm.Tx.
func (t *gormTx) StmtContext(ctx context.Context, stmt *sql.Stmt) *sql.Stmt {
	return t.tx.StmtContext(ctx, stmt)
}

// GetDBConn lets gorm's DB() return the *sql.DB inside a transaction too.
func (t *gormTx) GetDBConn() (*sql.DB, error) { return t.db, nil }

// Commit implements gorm.TxCommitter and returns the connection to the pool.
func (t *gormTx) Commit() error {
	err := t.tx.Commit()
	return errors.Join(err, t.release())
}

// Rollback implements gorm.TxCommitter and returns the connection to the
// pool. Like *sql.Tx's, it returns sql.ErrTxDone after the transaction ended.
func (t *gormTx) Rollback() error {
	err := t.tx.Rollback()
	return errors.Join(err, t.release())
}

// release returns the connection to the pool. database/sql may already have
// closed it (a cancelled context ends the transaction and discards the
// connection), and gorm rolls back after a failed commit: a second close is
// not an error.
func (t *gormTx) release() error {
	t.endTx()
	if err := t.conn.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("release transaction connection: %w", err)
	}
	return nil
}
