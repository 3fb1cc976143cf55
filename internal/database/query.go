package database

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/schema"
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

// QueryPlanned is Query for a statement whose best plan depends on its
// arguments' values, such as a read driven by one user's play state (a
// few rows for one user, tens of thousands for another). PostgreSQL
// otherwise settles, after five runs of a prepared statement, on one
// generic plan for every value: for Continue Watching that plan hashed all
// of the user's play state, 25 ms where the plan for the actual user took
// 2 ms to run (and 7 to make). Here the statement is prepared unnamed and
// planned for the values at each call (one more round trip). SQLite plans
// every statement when it is run anyway.
func (db *DB) QueryPlanned(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.Engine == schema.PostgreSQL {
		args = append([]any{pgx.QueryExecModeDescribeExec}, args...)
	}
	return db.Query(ctx, query, args...)
}
