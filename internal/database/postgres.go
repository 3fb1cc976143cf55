package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/jellyha/jellyha/internal/schema"
)

// PostgreSQL is the Jellyfin-PostgreSQL provider.
type PostgreSQL struct {
	settings *pgSettings
	log      *slog.Logger
}

// DefaultStatementTimeout bounds every statement unless the connection
// string sets statement_timeout (or Npgsql's Command Timeout): long enough
// for a library scan's batches, short enough that a stuck query ends.
const DefaultStatementTimeout = 60 * time.Second

// defaultConnectTimeout bounds each connection attempt unless the connection
// string sets connect_timeout (Npgsql: Timeout).
const defaultConnectTimeout = 5 * time.Second

// maxRetries is how many times a transient failure is retried.
const maxRetries = 3

type pgSettings struct {
	config  *pgx.ConnConfig
	masked  string
	maxOpen int
}

// NewPostgres parses connString (Npgsql form, postgres:// URL or libpq
// key=value pairs) and returns a provider for it.
func NewPostgres(connString string, log *slog.Logger) (*PostgreSQL, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	libpq, err := ToLibpq(connString)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	cfg, err := pgx.ParseConfig(libpq)
	if err != nil {
		// pgx's message may quote the string; never show the password.
		return nil, fmt.Errorf("database: PostgreSQL connection string %s: %s", Mask(connString), Mask(err.Error()))
	}
	s := &pgSettings{config: cfg, masked: Mask(connString), maxOpen: 20}
	if v, ok := cfg.RuntimeParams["pool_max_conns"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("database: bad maximum pool size %q", v)
		}
		s.maxOpen = n
	}
	delete(cfg.RuntimeParams, "pool_max_conns")
	delete(cfg.RuntimeParams, "pool_min_conns")
	if _, ok := cfg.RuntimeParams["statement_timeout"]; !ok {
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(DefaultStatementTimeout.Milliseconds(), 10)
	}
	// jellyha's statements are short lookups whose estimated cost can still
	// pass jit_above_cost (the page query's per-item subqueries count
	// though they rarely run): compiling them took 30-50 ms for a page
	// read in 2 ms. A connection string may still turn it on.
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	// Dates are written as timestamptz; a fixed session zone keeps any
	// text rendering of them UTC whatever the server's default.
	cfg.RuntimeParams["timezone"] = "UTC"
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	return &PostgreSQL{settings: s, log: log}, nil
}

// Name implements Provider.
func (p *PostgreSQL) Name() string { return PostgreSQLProvider }

// ConnectionString implements Provider; the password is masked.
func (p *PostgreSQL) ConnectionString() string { return p.settings.masked }

// Open implements Provider: it connects (retrying transient failures) and
// refuses a database whose schema is newer than this binary.
func (p *PostgreSQL) Open(ctx context.Context) (*DB, error) {
	pool := stdlib.OpenDB(*p.settings.config)
	pool.SetMaxOpenConns(p.settings.maxOpen)
	pool.SetMaxIdleConns(p.settings.maxOpen)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{
		Engine: schema.PostgreSQL, Read: pool, Write: pool,
		provider: PostgreSQLProvider, conn: p.settings.masked, log: p.log,
		retries: maxRetries, backoff: 200 * time.Millisecond, pg: p.settings,
	}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database: connect to PostgreSQL %s: %w", p.settings.masked, err)
	}
	if _, err := db.Status(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database: PostgreSQL %s: %w", p.settings.masked, err)
	}
	p.log.Debug("opened database", "provider", PostgreSQLProvider, "conn", p.settings.masked)
	return db, nil
}

// PgxConfig returns a copy of the connection configuration of a PostgreSQL
// database, for native pgx connections (COPY, LISTEN); nil on SQLite.
func (db *DB) PgxConfig() *pgx.ConnConfig {
	if db.pg == nil {
		return nil
	}
	return db.pg.config.Copy()
}

func isTransient(err error) bool { return IsTransient(err) }

// IsTransient reports errors worth retrying: the server was unreachable or
// went away, or it aborted the transaction for reasons a retry fixes.
func IsTransient(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", // serialization_failure
			"40P01", // deadlock_detected
			"57P01", // admin_shutdown
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now
			"53300": // too_many_connections
			return true
		}
		return len(pgErr.Code) == 5 && pgErr.Code[:2] == "08" // connection_exception
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return true
	}
	return pgconn.SafeToRetry(err)
}
