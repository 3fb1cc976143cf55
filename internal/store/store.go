// Package store keeps jellyha's state in Jellyfin's tables. Its SQL is
// written once, with ? placeholders, and runs on SQLite and PostgreSQL
// alike; the few differences (placeholders, how dates are encoded) are in
// package database. Values are stored exactly as Jellyfin stores them, so
// Jellyfin and jellyha can read each other's databases.
package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// Store reads and writes jellyha's state.
type Store struct {
	db *database.DB
	// orders caches the order of big lists for their deep pages
	// (ordercache.go); safe to drop, checked against the database.
	orders orderCache
}

// New returns a Store on db, which must be migrated.
func New(db *database.DB) *Store { return &Store{db: db} }

// DB returns the database the store runs on.
func (s *Store) DB() *database.DB { return s.db }

// queryRow runs a single-row read with retries and scans it.
func (s *Store) queryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return s.db.Retry(ctx, func(ctx context.Context) error {
		return s.db.QueryRow(ctx, query, args...).Scan(dest...)
	})
}

// exec runs one write statement in its own transaction, with retries.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		var err error
		res, err = s.db.Write.ExecContext(ctx, s.db.Rebind(query), args...)
		return err
	})
	return res, err
}

// queryList runs a read with retries and scans every row with scan; a retry
// starts the list afresh.
func queryList[T any](ctx context.Context, s *Store, query string, args []any, scan func(sc interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	var out []T
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		out = nil
		rows, err := s.db.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// notFound turns sql.ErrNoRows into a media ENOTFOUND error.
func notFound(err error, what string, key any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return media.Errorf(media.ENOTFOUND, "%s %v not found", what, key)
	}
	return err
}

// tx is a transaction with the store's placeholder rebinding.
type tx struct {
	*sql.Tx
	db *database.DB
}

func (t tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.ExecContext(ctx, t.db.Rebind(query), args...)
}

func (t tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.QueryRowContext(ctx, t.db.Rebind(query), args...)
}

func (s *Store) inTx(ctx context.Context, fn func(t tx) error) error {
	return s.db.Tx(ctx, func(t *sql.Tx) error { return fn(tx{t, s.db}) })
}
