// Package cli implements jellyha's subcommands on the standard flag package.
// Each command is a function from its arguments to an exit status, so tests
// run them in-process as a user would from the shell.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/database"
)

// Version is jellyha's version, set at build time with
// -ldflags "-X github.com/jellyha/jellyha/internal/cli.Version=...".
var Version = "0.1.0-dev"

// env is what every command gets: where to write and the process environment.
type env struct {
	stdout, stderr io.Writer
	environ        []string
}

// getenv returns the variable name of e's environment, or "".
func (e *env) getenv(name string) string {
	for _, kv := range e.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":   {"run the media server", runServe},
		"db":      {"database schema: migrate, status, check", runDB},
		"gendb":   {"generate a realistic Jellyfin database for tests", runGendb},
		"version": {"print the version", runVersion},
		"migrate": {"move a jellyfin.db into PostgreSQL, or back", runMigrate},
		"user":    {"manage users: add, list, disable, enable, reset-password, delete", runUser},
		"scan":    {"scan the libraries now", runScan},
		"library": {"manage libraries: add, list", runLibrary},
		"demo":    {"generate a sample library with ffmpeg, add it and scan it", runDemo},
	}
}

// exitError carries an exit status other than 1.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Main runs the command named by args[0] and returns its exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	e := &env{stdout: stdout, stderr: stderr, environ: environ}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return exit(e, c.run(ctx, e, []string{"-h"}))
			}
		}
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "jellyha: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return exit(e, c.run(ctx, e, args[1:]))
}

func exit(e *env, err error) int {
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintf(e.stderr, "jellyha: %v\n", err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "jellyha: a Jellyfin-compatible media server on SQLite or PostgreSQL")
	fmt.Fprintln(w, "\nUsage: jellyha <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "  help     this text; \"jellyha help <command>\" or \"jellyha <command> -h\" for a command's flags")
	fmt.Fprintln(w, "\nThe database is chosen by DatabaseProvider (Jellyfin-SQLite, the default, or")
	fmt.Fprintln(w, "Jellyfin-PostgreSQL) and ConnectionStrings in <configdir>/jellyha.json, or by the")
	fmt.Fprintln(w, "environment: JELLYFIN_DatabaseProvider, JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL.")
}

// flagSet returns a FlagSet that prints its usage to e.stderr and returns
// errors rather than exiting.
func flagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: jellyha %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, printing usage to stdout for -h.
func parse(e *env, fs *flag.FlagSet, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	return nil
}

// parseSub parses "SUB [flags and arguments in any order]": the flag
// package stops at the first argument that is not a flag, so it is run again
// after each one. It returns the subcommand and the arguments; a -h before
// any subcommand prints usage.
func parseSub(e *env, fs *flag.FlagSet, args []string) (sub string, pos []string, err error) {
	if len(args) == 0 {
		fs.Usage()
		return "", nil, exitError{2}
	}
	sub = args[0]
	if strings.HasPrefix(sub, "-") {
		if err := parse(e, fs, args); err != nil {
			return "", nil, err
		}
		fs.Usage()
		return "", nil, exitError{2}
	}
	rest := args[1:]
	for {
		if err := parse(e, fs, rest); err != nil {
			return "", nil, err
		}
		if fs.NArg() == 0 {
			return sub, pos, nil
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// openDB loads the configuration and opens the database it names.
func openDB(ctx context.Context, e *env, f *config.Flags, log *slog.Logger) (*database.DB, error) {
	cfg, err := f.Load(e.environ)
	if err != nil {
		return nil, err
	}
	p, err := database.New(cfg, log)
	if err != nil {
		return nil, err
	}
	return p.Open(ctx)
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := flagSet(e, "version", "version")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "jellyha %s (Jellyfin 10.11.11 schema)\n", Version)
	return nil
}
