// Package database opens Takumi's one PostgreSQL database and applies its
// schema. Two pgx pools reach it: the app's pool backs the requests (gorm
// and the session store through a database/sql view of it, COPY and River's
// transactional inserts directly), and a small pool of its own backs River's
// workers (pools.go says why).
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"takumi/migrations"
)

// DB bundles the three views of the app's connection pool, and River's pool.
type DB struct {
	Pool *pgxpool.Pool
	SQL  *sql.DB
	Gorm *gorm.DB

	// JobsPool is River's own pool (its job fetching, LISTEN, leader
	// election and maintenance) and the job heartbeat's: JobPoolConns
	// connections taken out of the instance's budget (pools.go).
	JobsPool *pgxpool.Pool

	// The optional streaming replica (replica.go): nil without one.
	replica *replica
	reads   *gorm.DB
}

// Open connects to databaseURL, creating the database first when it does not
// exist (so a fresh machine needs nothing but a running PostgreSQL).
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	return open(ctx, databaseURL, nil)
}

// OpenTraced is Open with tracer told of every statement sent on the pool's
// connections (tests count a page's round trips with it).
func OpenTraced(ctx context.Context, databaseURL string, tracer pgx.QueryTracer) (*DB, error) {
	return open(ctx, databaseURL, tracer)
}

func open(ctx context.Context, databaseURL string, tracer pgx.QueryTracer) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	if tracer != nil {
		cfg.ConnConfig.Tracer = tracer
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// SECURITY/availability: a database outage must fail fast with a 503,
		// not hang requests.
		cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	}
	sizePool(cfg, databaseURL, MinPoolConns, "primary")
	if err := createIfMissing(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	jobsCfg := splitJobsPool(cfg)
	keepOnCancel(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	jobsPool, err := pgxpool.NewWithConfig(ctx, jobsCfg) // connects when River starts
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open jobs pool: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	// connPool gives each gorm transaction a connection of its own, which
	// JobInserter borrows to queue River jobs inside it (jobs.go).
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: connPool{db: sqlDB, pool: pool}}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		TranslateError:         true,
	})
	if err != nil {
		pool.Close()
		jobsPool.Close()
		return nil, fmt.Errorf("open gorm: %w", err)
	}
	return &DB{Pool: pool, SQL: sqlDB, Gorm: gdb, JobsPool: jobsPool}, nil
}

// Close releases every connection.
func (db *DB) Close() {
	if db.replica != nil {
		db.replica.close()
	}
	db.SQL.Close()
	db.Pool.Close()
	db.JobsPool.Close()
}

// Ping reports whether the database answers within the context's deadline.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

func createIfMissing(ctx context.Context, cc *pgx.ConnConfig) error {
	name := cc.Database
	if name == "" {
		return errors.New("DATABASE_URL names no database")
	}
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err == nil {
		return conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name
		return fmt.Errorf("connect to database %q: %w", name, err)
	}
	admin := cc.Copy()
	admin.Database = "postgres"
	aconn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to create database %q: %w", name, err)
	}
	defer aconn.Close(ctx)
	_, err = aconn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return fmt.Errorf("create database %q: %w", name, err)
	}
	slog.Info("created database", "database", name)
	return nil
}

// Migrate applies pending goose migrations (Takumi's schema) and then River's
// own schema, which River versions and migrates through its Go API.
func Migrate(ctx context.Context, db *DB) error {
	provider, err := goose.NewProvider(goose.DialectPostgres, db.SQL, migrations.FS)
	if err != nil {
		return fmt.Errorf("goose: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		slog.Info("applied migration", "source", r.Source.Path, "duration", r.Duration.String())
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(db.Pool), &rivermigrate.Config{Logger: slog.Default()})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	return nil
}

// WithDatabase returns databaseURL with its database name replaced.
func WithDatabase(databaseURL, name string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// ErrReadOnly is returned by Writable when the database accepts reads only:
// a standby not yet promoted, or default_transaction_read_only set.
var ErrReadOnly = errors.New("database is read-only")

// Writable reports whether the database answers and accepts writes: nil, a
// connection error, or ErrReadOnly. /readyz uses it, so a load balancer stops
// sending sign-ins (which write) to an instance whose database is read-only.
func (db *DB) Writable(ctx context.Context) error {
	var readOnly bool
	err := db.Pool.QueryRow(ctx,
		`SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'`).Scan(&readOnly)
	if err != nil {
		return err
	}
	if readOnly {
		return ErrReadOnly
	}
	return nil
}

// IsReadOnly reports whether err is PostgreSQL refusing a write because the
// database (or the session) is read-only: SQLSTATE 25006
// read_only_sql_transaction, which a standby answers to every write.
func IsReadOnly(err error) bool {
	if errors.Is(err, ErrReadOnly) {
		return true
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "25006"
}
