package migrate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"modernc.org/sqlite"

	"github.com/jellyha/jellyha/internal/schema"
)

// openSQLiteRO opens a database read-only: it never writes the file, never
// checkpoints its WAL into it, yet reads what the WAL holds.
func openSQLiteRO(path string) (*sql.DB, error) {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+esc+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	return db, nil
}

// checkSource refuses anything but a Jellyfin 10.11 database, without
// changing a byte of it, and returns what it holds. A database jellyha
// wrote must have jellyha's current schema too, since its own tables move
// with it column for column.
func checkSource(ctx context.Context, path string) (*schema.Status, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	head := make([]byte, 16)
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || string(head) != "SQLite format 3\x00" {
		return nil, fmt.Errorf("source %s is not an SQLite database", path)
	}
	db, err := openSQLiteRO(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	st, err := schema.ReadStatus(ctx, db, schema.SQLite)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", path, err)
	}
	if st.Jellyfin == "" {
		return nil, fmt.Errorf("source %s holds no Jellyfin tables", path)
	}
	if err := ownCurrent(st, "source "+path); err != nil {
		return nil, err
	}
	return st, nil
}

// ownCurrent refuses a database that an older jellyha wrote: its tables of
// jellyha's own lack columns that this one's have. (A newer jellyha's
// schema is refused by schema.ReadStatus.)
func ownCurrent(st *schema.Status, what string) error {
	if st.JellyhaVersion > 0 && st.JellyhaVersion < st.JellyhaLatest {
		return fmt.Errorf("%s was last opened by an older jellyha (its jellyha schema is version %d, this jellyha's is %d): with every jellyha using it stopped, run \"jellyha db migrate\" on it, then migrate again",
			what, st.JellyhaVersion, st.JellyhaLatest)
	}
	return nil
}

// inUse reports whether another process has the database open, as a running
// Jellyfin does. SQLite holds POSIX locks that other processes can see: in
// WAL mode every connection keeps a read lock on byte 128 of the -shm file
// (its "DMS" slot); in rollback mode a reader or writer locks the bytes from
// 0x40000000 of the database file. F_GETLK asks without taking a lock.
func inUse(path string) (bool, error) {
	check := func(file string, start, length int64) (bool, error) {
		f, err := os.OpenFile(file, os.O_RDONLY, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		defer f.Close()
		lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: start, Len: length}
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
			return false, err
		}
		return lk.Type != syscall.F_UNLCK, nil
	}
	if busy, err := check(path+"-shm", 128, 1); busy || err != nil {
		return busy, err
	}
	return check(path, 0x40000000, 512)
}

// fingerprint identifies the source's content, so that a resumed run knows
// it copies from the same data: SQLite's 100-byte header (page size, page
// count, change counter, schema cookie), the file's size and modification
// time to the nanosecond, and the whole WAL, where a running Jellyfin's
// recent writes live. Any commit or checkpoint changes one of them; hashing
// the whole file instead would cost seconds per gigabyte for nothing more.
func fingerprint(path string) (string, error) {
	h := sha256.New()
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "%d %d\n", fi.Size(), fi.ModTime().UnixNano())
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	_, err = io.CopyN(h, f, 100)
	f.Close()
	if err != nil {
		return "", err
	}
	wal, err := os.Open(path + "-wal")
	if err == nil {
		_, err = io.Copy(h, wal)
		wal.Close()
		if err != nil {
			return "", err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return fmt.Sprintf("sha256:%x", h.Sum(nil)), nil
}

// backup writes a consistent copy of the source, WAL contents included,
// with SQLite's online backup API through a read-only connection: page by
// page, under one read transaction, so a writer that started meanwhile could
// not tear it.
func backup(ctx context.Context, source, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup %s exists already; name another with --backup", dest)
	}
	db, err := openSQLiteRO(source)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("the SQLite driver offers no backup API")
		}
		bk, err := b.NewBackup(dest)
		if err != nil {
			return err
		}
		if _, err := bk.Step(-1); err != nil {
			_ = bk.Finish()
			return err
		}
		return bk.Finish()
	})
	if err != nil {
		_ = os.Remove(dest)
		return fmt.Errorf("back up %s to %s: %w", source, dest, err)
	}
	return nil
}
