// Package schema holds Jellyfin 10.11.11's database schema for SQLite and
// PostgreSQL, jellyha's own tables beside it, the runner that brings a
// database up to date, and the inspector that compares a live database with
// what it should be.
//
// Two histories are kept. Jellyfin's tables are versioned by Jellyfin's own
// __EFMigrationsHistory, so a jellyfin.db written by jellyha is one Jellyfin
// opens without migrating, and one written by Jellyfin is recognised here.
// jellyha's own tables (named jellyha_*) are versioned in jellyha_migrations.
package schema

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Engine is a database engine jellyha writes SQL for.
type Engine string

// The engines.
const (
	SQLite     Engine = "sqlite"
	PostgreSQL Engine = "postgres"
)

//go:embed sqlite postgres
var files embed.FS

// Querier is what the runner needs: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ErrIncompatible is wrapped by every refusal to open a database: one written
// by an older or newer Jellyfin, by a newer jellyha, or by something else.
var ErrIncompatible = errors.New("incompatible database")

// IncompatibleError says what was found and what the user should do.
type IncompatibleError struct {
	Found  string
	Advice string
}

func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("incompatible database: %s; %s", e.Found, e.Advice)
}

// Unwrap lets errors.Is(err, ErrIncompatible) match.
func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }

// CreateJellyfinStep is the pending step of a database without Jellyfin's tables.
const CreateJellyfinStep = "create the Jellyfin 10.11.11 schema"

// Status is what a database holds and what Migrate would do to it.
type Status struct {
	Engine Engine
	// Jellyfin is the Jellyfin schema found: "" for an empty database,
	// "10.11.11" or "10.11.0-10.11.9".
	Jellyfin string
	// LastEFMigration is the newest Jellyfin EF migration recorded.
	LastEFMigration string
	// HistoryRows is the number of rows in __EFMigrationsHistory.
	HistoryRows int
	// JellyhaVersion is the newest of jellyha's own migrations applied,
	// JellyhaLatest the newest this binary has.
	JellyhaVersion, JellyhaLatest int
	// Pending describes each step Migrate would take, in order.
	Pending []string
	// Applied lists the steps Apply took.
	Applied []string

	createJellyfin     bool
	normalizeUsernames bool
}

// Current reports whether nothing is pending.
func (s *Status) Current() bool { return len(s.Pending) == 0 }

// Version is a one-line summary such as "Jellyfin 10.11.11, jellyha 1".
func (s *Status) Version() string {
	j := s.Jellyfin
	if j == "" {
		j = "none"
	}
	return fmt.Sprintf("Jellyfin %s, jellyha %d", j, s.JellyhaVersion)
}

type jellyhaMigration struct {
	version int
	name    string
	sql     string
}

func jellyhaMigrations(e Engine) []jellyhaMigration {
	dir := path.Join(string(e), "jellyha")
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		panic(err) // embedded at build time
	}
	var ms []jellyhaMigration
	for _, ent := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(ent.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			panic("schema: bad migration file name " + ent.Name())
		}
		b, _ := files.ReadFile(path.Join(dir, ent.Name()))
		ms = append(ms, jellyhaMigration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b jellyhaMigration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			panic(fmt.Sprintf("schema: %s migrations are not numbered 1..n", e))
		}
	}
	return ms
}

// JellyfinDDL returns the SQL that creates Jellyfin 10.11.11's tables.
func JellyfinDDL(e Engine) string {
	b, err := files.ReadFile(path.Join(string(e), "jellyfin-10.11.11.sql"))
	if err != nil {
		panic(err)
	}
	return string(b)
}

func tableNames(ctx context.Context, q Querier, e Engine) (map[string]bool, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if e == PostgreSQL {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	names := map[string]bool{}
	err := eachRow(ctx, q, query, nil, func(rows *sql.Rows) error {
		var n string
		err := rows.Scan(&n)
		names[n] = true
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("schema: list tables: %w", err)
	}
	return names, nil
}

// ReadStatus reads what q's database holds, without changing it. A database
// jellyha must not touch is an *IncompatibleError.
func ReadStatus(ctx context.Context, q Querier, e Engine) (*Status, error) {
	st := &Status{Engine: e, JellyhaLatest: len(jellyhaMigrations(e))}
	tables, err := tableNames(ctx, q, e)
	if err != nil {
		return nil, err
	}
	if err := readJellyfin(ctx, q, e, tables, st); err != nil {
		return nil, err
	}
	if tables["jellyha_migrations"] {
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM jellyha_migrations`).Scan(&st.JellyhaVersion); err != nil {
			return nil, fmt.Errorf("schema: read jellyha_migrations: %w", err)
		}
	}
	if st.JellyhaVersion > st.JellyhaLatest {
		return nil, &IncompatibleError{
			Found:  fmt.Sprintf("the database has jellyha schema version %d, this jellyha knows up to %d", st.JellyhaVersion, st.JellyhaLatest),
			Advice: "a newer jellyha has migrated it; run that version (or newer) on every replica",
		}
	}
	for _, m := range jellyhaMigrations(e)[st.JellyhaVersion:] {
		st.Pending = append(st.Pending, fmt.Sprintf("jellyha migration %04d_%s", m.version, m.name))
	}
	return st, nil
}

func readJellyfin(ctx context.Context, q Querier, e Engine, tables map[string]bool, st *Status) error {
	if !tables["__EFMigrationsHistory"] {
		var others []string
		for t := range tables {
			if !strings.HasPrefix(t, "jellyha_") {
				others = append(others, t)
			}
		}
		if len(others) > 0 {
			slices.Sort(others)
			return &IncompatibleError{
				Found:  fmt.Sprintf("tables %s but no __EFMigrationsHistory, so this is not a Jellyfin 10.11 database", strings.Join(others, ", ")),
				Advice: "point jellyha at a Jellyfin 10.11 jellyfin.db or at an empty database",
			}
		}
		st.createJellyfin = true
		st.Pending = append(st.Pending, CreateJellyfinStep)
		return nil
	}
	have := map[string]bool{}
	var unknown []string
	err := eachRow(ctx, q, `SELECT "MigrationId" FROM "__EFMigrationsHistory"`, nil, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		have[id] = true
		if !known(id) {
			unknown = append(unknown, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("schema: read __EFMigrationsHistory: %w", err)
	}
	st.HistoryRows = len(have)
	for _, id := range efMigrations {
		if have[id] {
			st.LastEFMigration = id
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return &IncompatibleError{
			Found:  fmt.Sprintf("migrations this jellyha does not know (%s), written by a newer Jellyfin or jellyha", strings.Join(unknown, ", ")),
			Advice: "use the jellyha release that matches that version, or restore a backup taken before it was opened",
		}
	}
	switch {
	case len(have) == 0:
		return &IncompatibleError{Found: "an empty __EFMigrationsHistory", Advice: "point jellyha at a Jellyfin 10.11 jellyfin.db or at an empty database"}
	case !have[first10_11Complete] && (st.LastEFMigration == "" || st.LastEFMigration <= last10_10):
		return &IncompatibleError{
			Found:  fmt.Sprintf("a Jellyfin 10.10 or older database (last migration %s; its library is still in library.db)", st.LastEFMigration),
			Advice: "start Jellyfin 10.11 on it once so Jellyfin migrates it to 10.11, then use jellyha",
		}
	case !have[first10_11Complete]:
		return &IncompatibleError{
			Found:  fmt.Sprintf("a Jellyfin 10.11 pre-release database (last migration %s)", st.LastEFMigration),
			Advice: "start a released Jellyfin 10.11 on it once, then use jellyha",
		}
	case have[normalizedUsernameMigrations[0]] && have[normalizedUsernameMigrations[1]]:
		st.Jellyfin = "10.11.11"
	case e == SQLite:
		st.Jellyfin = "10.11.0-10.11.9"
		st.normalizeUsernames = true
		st.Pending = append(st.Pending, "apply Jellyfin 10.11.10's change: Users.NormalizedUsername and its unique index")
	default:
		return &IncompatibleError{
			Found:  "a PostgreSQL database with Jellyfin 10.11.0-10.11.9 tables, which jellyha never writes",
			Advice: "migrate the SQLite database into an empty PostgreSQL database with jellyha migrate",
		}
	}
	return nil
}

// Apply takes the pending steps of st on q, which should be a transaction so
// that a failure leaves the database as it was.
func Apply(ctx context.Context, q Querier, st *Status) error {
	e := st.Engine
	if st.createJellyfin {
		if err := createJellyfin(ctx, q, e); err != nil {
			return err
		}
		st.createJellyfin = false
		st.Jellyfin = "10.11.11"
	}
	if st.normalizeUsernames {
		if err := normalizeUsernames(ctx, q); err != nil {
			return err
		}
		st.normalizeUsernames = false
		st.Jellyfin = "10.11.11"
	}
	if st.JellyhaVersion < st.JellyhaLatest {
		if _, err := q.ExecContext(ctx, createMigrationsTable[e]); err != nil {
			return fmt.Errorf("schema: create jellyha_migrations: %w", err)
		}
		for _, m := range jellyhaMigrations(e)[st.JellyhaVersion:] {
			if _, err := q.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("schema: jellyha migration %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := q.ExecContext(ctx, rebind(e, `INSERT INTO jellyha_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
				m.version, m.name, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
				return fmt.Errorf("schema: record jellyha migration %d: %w", m.version, err)
			}
			st.JellyhaVersion = m.version
		}
	}
	st.Applied = append(st.Applied, st.Pending...)
	st.Pending = nil
	return nil
}

var createMigrationsTable = map[Engine]string{
	SQLite:     `CREATE TABLE IF NOT EXISTS jellyha_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
	PostgreSQL: `CREATE TABLE IF NOT EXISTS jellyha_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`,
}

func rebind(e Engine, q string) string {
	if e != PostgreSQL {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CreateJellyfin creates Jellyfin 10.11.11's tables, its history rows and the
// placeholder item, and nothing of jellyha's: a database stock Jellyfin opens
// as its own (the migrator's way back from PostgreSQL).
func CreateJellyfin(ctx context.Context, q Querier, e Engine) error { return createJellyfin(ctx, q, e) }

func createJellyfin(ctx context.Context, q Querier, e Engine) error {
	if _, err := q.ExecContext(ctx, JellyfinDDL(e)); err != nil {
		return fmt.Errorf("schema: create Jellyfin tables: %w", err)
	}
	ins := rebind(e, `INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion") VALUES (?, ?)`)
	for _, id := range efMigrations {
		if _, err := q.ExecContext(ctx, ins, id, efProductVersion); err != nil {
			return fmt.Errorf("schema: record %s: %w", id, err)
		}
	}
	for _, id := range codeMigrations {
		if _, err := q.ExecContext(ctx, ins, id, codeProductVersion); err != nil {
			return fmt.Errorf("schema: record %s: %w", id, err)
		}
	}
	// Jellyfin seeds this row (HasData in DetachUserDataInsteadOfDelete):
	// UserData of deleted items is re-pointed to it.
	placeholder := `INSERT INTO "BaseItems" ("Id", "Type", "Name", "IsFolder", "IsInMixedFolder", "IsLocked", "IsMovie", "IsRepeat", "IsSeries", "IsVirtualItem") VALUES ('00000000-0000-0000-0000-000000000001', 'PLACEHOLDER', 'This is a placeholder item for UserData that has been detacted from its original item', 0, 0, 0, 0, 0, 0, 0)`
	if e == PostgreSQL {
		placeholder = strings.ReplaceAll(placeholder, " 0, 0, 0, 0, 0, 0, 0)", " false, false, false, false, false, false, false)")
	}
	if _, err := q.ExecContext(ctx, placeholder); err != nil {
		return fmt.Errorf("schema: seed placeholder item: %w", err)
	}
	return nil
}

// normalizeUsernames is Jellyfin 10.11.10's one schema change: a
// NormalizedUsername column filled with the upper-cased user name (.NET's
// ToUpperInvariant, which SQLite's ASCII-only UPPER() does not match for
// non-ASCII names) and a unique index on it.
func normalizeUsernames(ctx context.Context, q Querier) error {
	if _, err := q.ExecContext(ctx, `ALTER TABLE "Users" ADD "NormalizedUsername" TEXT NOT NULL DEFAULT ''`); err != nil {
		return fmt.Errorf("schema: add Users.NormalizedUsername: %w", err)
	}
	type user struct{ id, name string }
	var users []user
	err := eachRow(ctx, q, `SELECT "Id", "Username" FROM "Users"`, nil, func(rows *sql.Rows) error {
		var u user
		err := rows.Scan(&u.id, &u.name)
		users = append(users, u)
		return err
	})
	if err != nil {
		return err
	}
	for _, u := range users {
		if _, err := q.ExecContext(ctx, `UPDATE "Users" SET "NormalizedUsername" = ? WHERE "Id" = ?`, strings.ToUpper(u.name), u.id); err != nil {
			return err
		}
	}
	if _, err := q.ExecContext(ctx, `CREATE UNIQUE INDEX "IX_Users_NormalizedUsername" ON "Users" ("NormalizedUsername")`); err != nil {
		return fmt.Errorf("schema: two users' names differ only in case, which Jellyfin 10.11.10 forbids; rename one in Jellyfin first: %w", err)
	}
	for _, id := range normalizedUsernameMigrations {
		v := efProductVersion
		if !isEF(id) {
			v = codeProductVersion
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion") VALUES (?, ?)`, id, v); err != nil {
			return err
		}
	}
	return nil
}
