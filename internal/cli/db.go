package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/jellyha/jellyha/internal/config"
)

const dbSynopsis = `db <migrate|status|check> [flags]

  migrate   bring the schema up to date (creating it in an empty database)
  status    print the provider, masked connection string, schema version and
            pending migrations
  check     compare the live schema with the expected one; print every
            missing, extra or different table, column, key and index; exit 1
            on any difference

Flags:`

func runDB(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "db", dbSynopsis)
	var f config.Flags
	f.Register(fs)
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	if len(args) == 0 {
		fs.Usage()
		return exitError{2}
	}
	sub, rest := args[0], args[1:]
	if strings.HasPrefix(sub, "-") {
		return parse(e, fs, args)
	}
	if err := parse(e, fs, rest); err != nil {
		return err
	}
	log, err := newLogger(e.stderr, *logLevel)
	if err != nil {
		return err
	}
	switch sub {
	case "migrate", "status", "check":
	default:
		fmt.Fprintf(e.stderr, "jellyha db: unknown subcommand %q\n\n", sub)
		fs.Usage()
		return exitError{2}
	}
	db, err := openDB(ctx, e, &f, log)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(e.stdout, "provider:   %s\nconnection: %s\n", db.Provider(), db.ConnectionString())

	switch sub {
	case "migrate":
		st, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(st.Applied) == 0 {
			fmt.Fprintf(e.stdout, "schema:     %s, already up to date\n", st.Version())
			return nil
		}
		for _, p := range st.Applied {
			fmt.Fprintf(e.stdout, "applied:    %s\n", p)
		}
		fmt.Fprintf(e.stdout, "schema:     %s\n", st.Version())
	case "status":
		st, err := db.Status(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "schema:     %s\n", st.Version())
		if st.LastEFMigration != "" {
			fmt.Fprintf(e.stdout, "history:    %d rows, last EF migration %s\n", st.HistoryRows, st.LastEFMigration)
		}
		if st.Current() {
			fmt.Fprintln(e.stdout, "pending:    none")
		}
		for _, p := range st.Pending {
			fmt.Fprintf(e.stdout, "pending:    %s\n", p)
		}
	case "check":
		if err := db.Ping(ctx); err != nil {
			return fmt.Errorf("connection: %w", err)
		}
		fmt.Fprintln(e.stdout, "connection: ok")
		diffs, err := db.Check(ctx)
		if err != nil {
			return err
		}
		for _, d := range diffs {
			fmt.Fprintf(e.stdout, "difference: %s\n", d)
		}
		if len(diffs) > 0 {
			fmt.Fprintf(e.stdout, "schema:     %d differences\n", len(diffs))
			return exitError{1}
		}
		fmt.Fprintln(e.stdout, "schema:     matches")
	}
	return nil
}
