package database

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/schema"
)

// PlannedForValues marks a read's arguments, on PostgreSQL, to be planned
// for their values each time rather than by the statement cache's plan.
// After five runs of a prepared statement PostgreSQL may keep a generic
// plan, made without the values; for a search (LIKE '%term%') of a rare
// type that plan walks every item in name order: 375 ms where the plan
// for the values reads the type's 1,478 albums, 20 ms. The price is a
// describe round trip and a planning per call. SQLite plans each call
// anyway (see Query).
func (db *DB) PlannedForValues(args []any) []any {
	if db.Engine != schema.PostgreSQL {
		return args
	}
	return append([]any{pgx.QueryExecModeDescribeExec}, args...)
}

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
