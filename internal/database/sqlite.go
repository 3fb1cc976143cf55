package database

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, no cgo

	"github.com/jellyha/jellyha/internal/schema"
)

// SQLite is the Jellyfin-SQLite provider: one jellyfin.db file.
type SQLite struct {
	path string
	log  *slog.Logger
}

// NewSQLite returns a provider for the database file at path.
func NewSQLite(path string, log *slog.Logger) *SQLite {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SQLite{path: path, log: log}
}

// Name implements Provider.
func (p *SQLite) Name() string { return SQLiteProvider }

// ConnectionString implements Provider, in Microsoft.Data.Sqlite's form.
func (p *SQLite) ConnectionString() string { return "Data Source=" + p.path }

// ErrNotSQLite reports a file that is not an SQLite database.
var ErrNotSQLite = errors.New("not an SQLite database")

// ErrReadOnly reports a database file jellyha cannot write.
var ErrReadOnly = errors.New("database file is not writable")

// sqliteHeader starts every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// checkFile refuses, before SQLite touches it, a file that is not an SQLite
// database or that cannot be written. It reports whether the file exists.
func checkFile(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("database: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0 && errors.Is(err, io.EOF):
		// An empty file is an empty database to SQLite.
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return true, fmt.Errorf("database: read %s: %w", path, err)
	case !bytes.Equal(head[:n], sqliteHeader):
		return true, fmt.Errorf("database: %s: %w (its first bytes are not the SQLite header); it was left untouched", path, ErrNotSQLite)
	}
	// A file whose mode denies writing is refused even when the process
	// (root, in a container) could write it anyway: the user made it
	// read-only, and jellyha must not change it.
	fi, err := f.Stat()
	if err != nil {
		return true, fmt.Errorf("database: %w", err)
	}
	if fi.Mode().Perm()&0o222 == 0 {
		return true, fmt.Errorf("database: %s: %w (mode %v); it was left untouched", path, ErrReadOnly, fi.Mode().Perm())
	}
	w, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return true, fmt.Errorf("database: %s: %w (%w); it was left untouched", path, ErrReadOnly, errors.Unwrap(err))
	}
	return true, w.Close()
}

// sqliteDSN builds a modernc.org/sqlite URI. Pragmas are applied to every
// new connection of the pool.
func sqliteDSN(path string, params ...string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?" + strings.Join(params, "&")
}

// Open implements Provider. The file is inspected read-only first, so that a
// database jellyha must refuse (another Jellyfin version, not SQLite, not
// writable) is left byte-for-byte as it was.
func (p *SQLite) Open(ctx context.Context) (*DB, error) {
	abs, err := filepath.Abs(p.path)
	if err != nil {
		return nil, err
	}
	exists, err := checkFile(abs)
	if err != nil {
		return nil, err
	}
	if exists {
		ro, err := sql.Open("sqlite", sqliteDSN(abs, "mode=ro", "_pragma=busy_timeout(10000)"))
		if err != nil {
			return nil, err
		}
		_, err = schema.ReadStatus(ctx, ro, schema.SQLite)
		ro.Close()
		if err != nil {
			if strings.Contains(err.Error(), "file is not a database") {
				return nil, fmt.Errorf("database: %s: %w; it was left untouched", abs, ErrNotSQLite)
			}
			return nil, fmt.Errorf("database: %s: %w; it was left untouched", abs, err)
		}
	} else if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}

	common := []string{"_pragma=busy_timeout(10000)", "_pragma=foreign_keys(1)", "_pragma=synchronous(1)", "_pragma=temp_store(2)"}
	// _txlock=immediate: a write transaction takes the write lock when it
	// begins, so it never fails half-way on a lock upgrade.
	w, err := sql.Open("sqlite", sqliteDSN(abs, append(common, "_pragma=journal_mode(WAL)", "_txlock=immediate")...))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("database: open %s: %w", abs, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(abs, append(common, "_pragma=query_only(1)", "_pragma=mmap_size(1073741824)")...))
	if err != nil {
		w.Close()
		return nil, err
	}
	// Read connections are kept, not closed when more than two are idle
	// (database/sql's default): a new one runs the pragmas and parses the
	// schema again, and concurrent requests made that churn.
	readers := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	p.log.Debug("opened database", "provider", SQLiteProvider, "path", abs)
	return &DB{Engine: schema.SQLite, Read: r, Write: w, provider: SQLiteProvider, conn: p.ConnectionString(), log: p.log}, nil
}
