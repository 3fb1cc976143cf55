package database

import (
	"context"
	"database/sql"
)

// Query runs a read, written with ? placeholders, on the read pool.
//
// There is no cache of prepared statements behind it: one was tried, and
// BenchmarkBrowseAPI's CPU fell by only 1.5 % (median of 5 paired runs), as
// SQLite prepares a statement again whenever a bound value may change its
// plan, which its sqlite_stat4 statistics make true of the browse
// statements that cost most.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.Read.QueryContext(ctx, db.Rebind(query), args...)
}

// QueryRow is Query for at most one row.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.Read.QueryRowContext(ctx, db.Rebind(query), args...)
}
