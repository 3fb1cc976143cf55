package cli

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/scan"
	"github.com/jellyha/jellyha/internal/store"
)

const scanSynopsis = `scan [--library NAME] [flags]

Scans the libraries (or one) now, showing progress. Only one scan runs at a
time across every replica sharing the database: if another holds the scan
lease, this says so and exits with status 3.

Flags:`

func runScan(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "scan", scanSynopsis)
	var f config.Flags
	f.Register(fs)
	lib := fs.String("library", "", "scan only this library")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	s, cfg, log, closeDB, err := openStore(ctx, e, &f, *logLevel)
	if err != nil {
		return err
	}
	defer closeDB()
	var names []string
	if *lib != "" {
		names = []string{*lib}
	}
	_, err = scanNow(ctx, e, newScanner(s, cfg, log), names)
	return err
}

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, e *env, f *config.Flags, logLevel string) (*store.Store, *config.Config, *slog.Logger, func(), error) {
	log, err := newLogger(e.stderr, logLevel)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cfg, err := f.Load(e.environ)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	db, err := openDB(ctx, e, f, log)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, nil, nil, err
	}
	return store.New(db), cfg, log, func() { db.Close() }, nil
}

// newScanner returns a scanner writing artwork under the data directory's
// metadata folder, where Jellyfin keeps it.
func newScanner(s *store.Store, cfg *config.Config, log *slog.Logger) *scan.Scanner {
	return scan.New(s, scan.Options{MetadataDir: filepath.Join(cfg.DataDir, "metadata"), Log: log})
}

func scanNow(ctx context.Context, e *env, sc *scan.Scanner, names []string) (*scan.Result, error) {
	last := time.Time{}
	res, err := sc.Scan(ctx, names, func(p scan.Progress) {
		if time.Since(last) < 250*time.Millisecond && p.Phase != "done" {
			return
		}
		last = time.Now()
		fmt.Fprintf(e.stdout, "\r%5.1f%%  %-8s %-24.24s", p.Percent, p.Phase, p.Library)
	})
	fmt.Fprintln(e.stdout)
	if media.ErrorCode(err) == media.ECONFLICT {
		fmt.Fprintf(e.stderr, "jellyha scan: not started: %v; try again when it has finished\n", err)
		return nil, exitError{3}
	}
	if err != nil {
		return nil, err
	}
	kept := ""
	if res.Kept > 0 {
		kept = fmt.Sprintf(", %d of Jellyfin's recorded as they are", res.Kept)
	}
	fmt.Fprintf(e.stdout, "scanned %d libraries in %s: %d items (%d added, %d updated, %d moved, %d deleted, %d unchanged%s); ffprobe ran %d times; %d problems logged\n",
		res.Libraries, res.Duration.Round(time.Millisecond), res.Items, res.Added, res.Updated, res.Moved, res.Deleted, res.Unchanged, kept, res.Probed, res.Failed)
	return res, nil
}
