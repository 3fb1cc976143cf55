// Package testdb gives tests real databases: a fresh SQLite file, or a fresh
// database on the PostgreSQL server named by JELLYHA_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/postgres). A test that needs PostgreSQL
// fails, never skips, when the server cannot be reached: CI must not pass
// with half its suite silently left out.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/database"
)

// DefaultPostgres is used when JELLYHA_TEST_POSTGRES is not set.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL returns the URL of the PostgreSQL database tests create their
// databases from.
func AdminURL() string {
	if v := os.Getenv("JELLYHA_TEST_POSTGRES"); v != "" {
		return v
	}
	return DefaultPostgres
}

// NewPostgres creates an empty database for this test and returns its
// postgres:// URL; the database is dropped when the test ends.
func NewPostgres(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("testdb: PostgreSQL is required and unreachable at %s (set JELLYHA_TEST_POSTGRES): %v", AdminURL(), err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "jellyha_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			t.Errorf("testdb: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("testdb: drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(AdminURL())
	if err != nil {
		t.Fatalf("testdb: JELLYHA_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// SQLitePath returns a path for a new jellyfin.db in a temporary directory.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "data", "jellyfin.db")
}

// Reference returns the path of a file in ../shared/reference beside the
// project, the schema facts the tests check against. It fails the test if
// the folder is missing.
func Reference(t testing.TB, name string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	p := filepath.Join(root, "..", "shared", "reference", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testdb: the reference file %s is needed beside the project (../shared/reference): %v", name, err)
	}
	return p
}

// Open opens the database p provides and migrates it; it is closed when the
// test ends.
func Open(t testing.TB, p database.Provider) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := p.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
