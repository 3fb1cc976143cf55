// Package database opens jellyha's database through one of two providers,
// named as in Jellyfin and its HA fork: Jellyfin-SQLite (the default, a
// jellyfin.db in the data directory) and Jellyfin-PostgreSQL (for several
// replicas). Both give a *DB on which the store runs the same SQL.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/schema"
)

// Provider names, as Jellyfin and the HA fork spell them.
const (
	SQLiteProvider     = "Jellyfin-SQLite"
	PostgreSQLProvider = "Jellyfin-PostgreSQL"
)

// Providers lists the valid provider names.
var Providers = []string{SQLiteProvider, PostgreSQLProvider}

// Provider is a database backend. It is small on purpose, like the
// fork's: its name, its connection string and a way to open it. Applying
// migrations and testing the connection are done on the *DB it opens.
type Provider interface {
	// Name is the provider key, e.g. "Jellyfin-PostgreSQL".
	Name() string
	// ConnectionString is where the provider connects, with any password
	// masked: safe to print and log.
	ConnectionString() string
	// Open connects, configures the connection (pragmas, pool, timeouts)
	// and checks that the database is one jellyha may use. It does not
	// migrate; call (*DB).Migrate.
	Open(ctx context.Context) (*DB, error)
}

// New returns the provider cfg selects.
func New(cfg *config.Config, log *slog.Logger) (Provider, error) {
	name := cfg.DatabaseProvider
	if name == "" {
		name = SQLiteProvider
	}
	switch {
	case strings.EqualFold(name, SQLiteProvider):
		return NewSQLite(SQLitePath(cfg), log), nil
	case strings.EqualFold(name, PostgreSQLProvider):
		cs := cfg.ConnectionString(PostgreSQLProvider)
		if cs == "" {
			return nil, fmt.Errorf("database: provider %s needs a connection string: set ConnectionStrings.%s in %s or the environment variable JELLYFIN_ConnectionStrings__%s",
				PostgreSQLProvider, PostgreSQLProvider, cfg.File, PostgreSQLProvider)
		}
		return NewPostgres(cs, log)
	default:
		return nil, fmt.Errorf("database: unknown provider %q; valid providers are %s", name, strings.Join(Providers, ", "))
	}
}

// SQLitePath is where the Jellyfin-SQLite provider keeps its file: the
// ConnectionStrings entry if one is given ("Data Source=/path" or a bare
// path), else <data dir>/data/jellyfin.db, where Jellyfin keeps it.
func SQLitePath(cfg *config.Config) string {
	if cs := cfg.ConnectionString(SQLiteProvider); cs != "" {
		for part := range strings.SplitSeq(cs, ";") {
			k, v, ok := strings.Cut(part, "=")
			if ok && strings.EqualFold(strings.ReplaceAll(strings.TrimSpace(k), " ", ""), "datasource") {
				return strings.TrimSpace(v)
			}
		}
		if !strings.Contains(cs, "=") {
			return cs
		}
	}
	return cfg.DataDir + "/data/jellyfin.db"
}

// DB is an open database. On SQLite, writes go through a single connection
// (Write) so that concurrent API writes queue in the process instead of
// failing with "database is locked", while reads use a pool (Read). On
// PostgreSQL both are the same pool.
type DB struct {
	Engine schema.Engine
	Read   *sql.DB
	Write  *sql.DB

	provider string
	conn     string // masked
	log      *slog.Logger
	// retries is how many times a transient failure is retried (PostgreSQL).
	retries int
	backoff time.Duration
	// pg is set on PostgreSQL: the parsed configuration, for native pgx
	// connections (COPY) and LISTEN/NOTIFY.
	pg *pgSettings
}

// Provider returns the name of the provider that opened db.
func (db *DB) Provider() string { return db.provider }

// ConnectionString returns db's masked connection string.
func (db *DB) ConnectionString() string { return db.conn }

// Close closes every connection.
func (db *DB) Close() error {
	err := db.Write.Close()
	if db.Read != db.Write {
		err = errors.Join(err, db.Read.Close())
	}
	return err
}

// Ping tests the connection (retrying transient failures on PostgreSQL).
func (db *DB) Ping(ctx context.Context) error {
	return db.Retry(ctx, func(ctx context.Context) error {
		return db.Write.PingContext(ctx)
	})
}

// Status reads the schema's state without changing it.
func (db *DB) Status(ctx context.Context) (*schema.Status, error) {
	var st *schema.Status
	err := db.Retry(ctx, func(ctx context.Context) error {
		var err error
		st, err = schema.ReadStatus(ctx, db.Read, db.Engine)
		return err
	})
	return st, err
}

// Check compares the live schema with the one this jellyha creates and
// returns every difference, empty when they match.
func (db *DB) Check(ctx context.Context) ([]string, error) {
	var diffs []string
	err := db.Retry(ctx, func(ctx context.Context) error {
		live, err := schema.Inspect(ctx, db.Read, db.Engine)
		if err != nil {
			return err
		}
		want, err := db.expected(ctx)
		if err != nil {
			return err
		}
		diffs = schema.Diff(want, live)
		return nil
	})
	return diffs, err
}

// Migrate brings the schema up to date in one transaction. On PostgreSQL it
// holds an advisory lock meanwhile, so replicas that start together take
// turns: the first migrates, the others wait and then find nothing to do.
func (db *DB) Migrate(ctx context.Context) (*schema.Status, error) {
	var st *schema.Status
	err := db.Retry(ctx, func(ctx context.Context) error {
		var err error
		st, err = db.migrate(ctx)
		return err
	})
	return st, err
}

func (db *DB) migrate(ctx context.Context) (*schema.Status, error) {
	conn, err := db.Write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if db.Engine == schema.PostgreSQL {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
			return nil, fmt.Errorf("database: take the migration lock: %w", err)
		}
		defer func() {
			// A fresh context: the caller's may be done, and the lock must go.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _ = conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, migrationLockKey)
		}()
	}
	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE on SQLite (see sqlite.go)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	st, err := schema.ReadStatus(ctx, tx, db.Engine)
	if err != nil {
		return nil, err
	}
	if st.Current() {
		return st, tx.Commit()
	}
	if err := schema.Apply(ctx, tx, st); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("database: commit migrations: %w", err)
	}
	for _, s := range st.Applied {
		db.log.Info("migrated", "provider", db.provider, "step", s)
	}
	return st, nil
}

// migrationLockKey is the advisory lock key jellyha migrates under: the
// bytes of "jellyha\x00" as a bigint, unlikely to clash with another app.
const migrationLockKey int64 = 0x6a656c6c79686100

// Tx runs fn in a write transaction, retrying the whole transaction on a
// transient failure (PostgreSQL).
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.Retry(ctx, func(ctx context.Context) error {
		tx, err := db.Write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// Retry runs fn, and on PostgreSQL runs it again after a transient failure
// (connection refused or reset, server shutting down, serialization failure,
// deadlock), up to db.retries more times with exponential backoff. fn must be
// safe to repeat: a whole transaction or a read.
func (db *DB) Retry(ctx context.Context, fn func(ctx context.Context) error) error {
	backoff := db.backoff
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		if err == nil || attempt >= db.retries || !isTransient(err) || ctx.Err() != nil {
			if err != nil && attempt > 0 {
				return fmt.Errorf("%w (after %d retries)", err, attempt)
			}
			return err
		}
		db.log.Warn("transient database error, retrying", "provider", db.provider, "attempt", attempt+1, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		}
		backoff *= 4
	}
}

func (db *DB) expected(ctx context.Context) (*schema.Schema, error) {
	if db.Engine == schema.SQLite {
		return schema.ExpectedSQLite(ctx)
	}
	return schema.ExpectedPostgres(ctx, db.Write)
}

// OptimizeAtStart is the server's start-up Optimize: on SQLite the sampled
// PRAGMA optimize (tables never analysed or much changed); on PostgreSQL an
// ANALYZE of the tables nobody has analysed yet (a database jellyha migrate
// just loaded, before autovacuum's first round), and nothing more. A whole
// ANALYZE at every start took 5.5 s on the large library, and with several
// replicas restarting in turn it ran once each, competing with the first
// requests and invalidating every cached plan; autovacuum keeps the
// statistics of tables that change. It returns the tables it analysed on
// PostgreSQL.
func (db *DB) OptimizeAtStart(ctx context.Context) ([]string, error) {
	if db.Engine != schema.PostgreSQL {
		return nil, db.Optimize(ctx, true)
	}
	var tables []string
	err := db.Retry(ctx, func(ctx context.Context) error {
		tables = nil
		rows, err := db.Read.QueryContext(ctx, `SELECT relname FROM pg_stat_user_tables
WHERE schemaname = current_schema() AND last_analyze IS NULL AND last_autoanalyze IS NULL ORDER BY relname`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			tables = append(tables, t)
		}
		return rows.Err()
	})
	if err != nil || len(tables) == 0 {
		return nil, err
	}
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = pgx.Identifier{t}.Sanitize()
	}
	err = db.Retry(ctx, func(ctx context.Context) error {
		_, err := db.Write.ExecContext(ctx, `ANALYZE `+strings.Join(quoted, ", "))
		return err
	})
	return tables, err
}

// Optimize refreshes the planner's statistics, as Jellyfin does with
// PRAGMA optimize: without them SQLite picks poor plans for the browse
// queries (a resume list took 0.9 s instead of 0.1 s on a 100,000-item
// library). On SQLite it analyses tables never analysed and those that
// changed much; on PostgreSQL it runs ANALYZE (autovacuum would, later).
// With sampled set (the server's background run), SQLite samples each index
// instead of reading it whole, keeping the single writer connection busy for
// milliseconds rather than seconds; offline tools (gendb, migrate) pass
// false for exact statistics, which plan the resume list five times faster.
func (db *DB) Optimize(ctx context.Context, sampled bool) error {
	if db.Engine == schema.PostgreSQL {
		return db.Retry(ctx, func(ctx context.Context) error {
			_, err := db.Write.ExecContext(ctx, `ANALYZE`)
			return err
		})
	}
	limit := "0"
	if sampled {
		limit = "1000"
	}
	conn, err := db.Write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range []string{`PRAGMA analysis_limit = ` + limit, `PRAGMA optimize = 0x10002`, `PRAGMA analysis_limit = 0`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}
