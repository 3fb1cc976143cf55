package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/jellyha/jellyha/internal/migrate"
)

const migrateSynopsis = `migrate --source SRC --target DST [flags]

Moves a Jellyfin 10.11 jellyfin.db into PostgreSQL, or back:

  jellyha migrate --source /config/data/jellyfin.db --target "Host=db;Database=jellyfin;Username=jellyfin;Password=..."
  jellyha migrate --source postgres://jellyfin@db/jellyfin --target /config/data/jellyfin.db

Into PostgreSQL, it checks the source (Jellyfin 10.11.x, not open in a running
Jellyfin), backs it up beside itself, never writes to it, creates the schema,
copies every row of Jellyfin's 30 tables (and, from a database jellyha wrote,
its libraries, scanned files, user pictures and settings) with COPY,
converting each value by its column's type, sets aside (with the reason) any
row PostgreSQL would refuse, resets the identity sequences and verifies row
counts and content checksums on both sides. An interrupted run resumes when
run again. Back to SQLite, it writes a new jellyfin.db with Jellyfin's exact
schema and formats, plus jellyha's own tables, which Jellyfin ignores.

Exit status: 0 done and verified; 1 failed; 2 bad usage; 3 done, but rows were
rejected (see --rejects).

Flags:`

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "migrate", migrateSynopsis)
	var o migrate.Options
	fs.StringVar(&o.Source, "source", "", "the database to read: a jellyfin.db path, or a PostgreSQL connection string (Npgsql form, postgres:// URL or key=value)")
	fs.StringVar(&o.Target, "target", "", "the database to write: a PostgreSQL connection string, or a new .db path")
	fs.IntVar(&o.BatchSize, "batch-size", migrate.DefaultBatchSize, "source rows per committed batch (an interrupted run resumes from the last one)")
	fs.BoolVar(&o.DryRun, "dry-run", false, "read and convert every row, check it against the target's constraints, report what would be rejected; write nothing")
	fs.BoolVar(&o.Strict, "strict", false, "fail, writing nothing, if any row would be rejected")
	fs.BoolVar(&o.VerifyOnly, "verify-only", false, "only compare row counts and checksums of an existing source and target")
	fs.BoolVar(&o.IgnoreRunning, "ignore-running", false, "go on although another process (a running Jellyfin) has the source open")
	fs.StringVar(&o.Backup, "backup", "", "where to write the source's backup (default: beside it, <source>.<time>.jellyha-backup)")
	rejects := fs.String("rejects", "", "file for rejected rows, one JSON object a line (default: <target or source>.rejects.jsonl when there are any)")
	report := fs.String("report", "", "also write the report as JSON to this file")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if o.Source == "" || o.Target == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitError{2}
	}
	log, err := newLogger(e.stderr, *logLevel)
	if err != nil {
		return err
	}
	o.Log = log
	o.Progress = migrate.NewProgress(e.stderr, isTerminal(e.stderr))

	var rep *migrate.Report
	toSQLite := isSQLitePath(o.Target)
	if toSQLite {
		rep, err = migrate.ToSQLite(ctx, o)
	} else {
		rep, err = migrate.ToPostgres(ctx, o)
	}
	if rep != nil {
		rep.Print(e.stdout)
		if rep.Backup != "" {
			fmt.Fprintf(e.stdout, "backup: %s\n", rep.Backup)
		}
		if len(rep.Rejects) > 0 {
			path := *rejects
			if path == "" {
				path = strings.TrimSuffix(o.Source, "/") + ".rejects.jsonl"
				if o.DryRun || !toSQLite {
					path = strings.TrimSuffix(rep.Backup, ".jellyha-backup") + ".rejects.jsonl"
					if rep.Backup == "" {
						path = o.Source + ".rejects.jsonl"
					}
				}
			}
			if werr := rep.WriteRejects(path); werr != nil {
				return errors.Join(err, werr)
			}
			fmt.Fprintf(e.stdout, "rejected rows: %d, written to %s\n", len(rep.Rejects), path)
		}
		if *report != "" {
			if werr := rep.WriteJSON(*report); werr != nil {
				return errors.Join(err, werr)
			}
		}
		if rep.Verified != nil {
			if *rep.Verified {
				fmt.Fprintln(e.stdout, "verified: every table's row count and checksum match")
			} else {
				fmt.Fprintln(e.stdout, "verified: NO, see the MISMATCH lines above")
			}
		}
	}
	if errors.Is(err, migrate.ErrRejected) {
		fmt.Fprintf(e.stderr, "jellyha: %v\n", err)
		return exitError{3}
	}
	return err
}

// isSQLitePath tells a file path from a PostgreSQL connection string.
func isSQLitePath(s string) bool {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") || strings.Contains(s, "=") {
		return false
	}
	return true
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
