package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/gendb"
	"github.com/jellyha/jellyha/internal/schema"
	"github.com/jellyha/jellyha/internal/store"
)

const gendbSynopsis = `gendb [--size tiny|moderate|large] [--seed N] [--out FILE | --datadir DIR]

Generates a realistic Jellyfin 10.11 database for tests and benchmarks: a
library of movies, series and music with streams, chapters, images, people
and genres, users with sessions and play state, and an activity log. The same
seed gives the same database.

On SQLite it creates a NEW file (--out, or the configured jellyfin.db) and
refuses an existing one. On PostgreSQL (when the configuration selects
Jellyfin-PostgreSQL) it migrates the target and refuses one that already
holds items or users. It prints the rows per table and the time taken.

  tiny      about 60 items, every table non-empty
  moderate  about 5,000 items, 50,000 item values, 100,000 media streams
  large     100,000 items, well over 2,000,000 rows

Flags:`

func runGendb(ctx context.Context, e *env, args []string) (err error) {
	fs := flagSet(e, "gendb", gendbSynopsis)
	var f config.Flags
	f.Register(fs)
	size := fs.String("size", "tiny", "library size: tiny, moderate or large")
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same database")
	out := fs.String("out", "", "SQLite file to create (instead of the configured database)")
	dirty := fs.Bool("dirty", false, "also plant every kind of value SQLite lets through and PostgreSQL refuses (SQLite only; see docs/MIGRATE.md)")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "jellyha gendb: unexpected argument %q\n", fs.Arg(0))
		return exitError{2}
	}
	sz, err := gendb.ParseSize(*size)
	if err != nil {
		return err
	}
	log, err := newLogger(e.stderr, *logLevel)
	if err != nil {
		return err
	}
	var p database.Provider
	path := *out
	if path != "" {
		p = database.NewSQLite(path, log)
	} else {
		cfg, err := f.Load(e.environ)
		if err != nil {
			return err
		}
		if p, err = database.New(cfg, log); err != nil {
			return err
		}
		path = database.SQLitePath(cfg)
	}
	if p.Name() == database.SQLiteProvider {
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("gendb: %s already exists; it was left untouched (gendb only creates new databases)", path)
		}
		// A generation cut short leaves a useless file: remove what this
		// command created.
		defer func() {
			if err != nil {
				for _, suffix := range []string{"", "-wal", "-shm"} {
					_ = os.Remove(path + suffix)
				}
			}
		}()
	}
	start := time.Now()
	db, err := p.Open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(e.stdout, "provider:   %s\nconnection: %s\n", db.Provider(), db.ConnectionString())
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	st, err := gendb.Generate(ctx, store.New(db), gendb.Options{Size: sz, Seed: *seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "generated:  %s library, seed %d\n\n", sz, *seed)
	if *dirty {
		if db.Engine != schema.SQLite {
			return fmt.Errorf("--dirty plants values only SQLite accepts; use an SQLite target")
		}
		planted, err := gendb.Dirty(ctx, db.Write)
		if err != nil {
			return err
		}
		for _, p := range planted {
			fmt.Fprintf(e.stdout, "  planted %-22s %-46s expect %s\n", p.Table, p.What, p.Outcome)
		}
		fmt.Fprintln(e.stdout)
	}
	for _, t := range st.Tables() {
		fmt.Fprintf(e.stdout, "  %-30s %10d\n", t, st.Rows[t])
	}
	fmt.Fprintf(e.stdout, "  %-30s %10d\n\n", "total", st.Total())
	fmt.Fprintf(e.stdout, "administrator: %s / %s\n", gendb.AdminName, gendb.AdminPassword)
	fmt.Fprintf(e.stdout, "elapsed:       %s (generation %s)\n", time.Since(start).Round(time.Millisecond), st.Elapsed.Round(time.Millisecond))
	return nil
}
