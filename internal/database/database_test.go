package database_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/schema"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

func TestNewProvider(t *testing.T) {
	cfg := &config.Config{DataDir: "/srv/jf", File: "/srv/jf/config/jellyha.json", ConnectionStrings: map[string]string{}}
	p, err := database.New(cfg, nil)
	if err != nil || p.Name() != "Jellyfin-SQLite" || p.ConnectionString() != "Data Source=/srv/jf/data/jellyfin.db" {
		t.Fatalf("default provider = %v, %v", p, err)
	}
	cfg.DatabaseProvider = "Jellyfin-MySQL"
	_, err = database.New(cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "Jellyfin-SQLite, Jellyfin-PostgreSQL") || !strings.Contains(err.Error(), "Jellyfin-MySQL") {
		t.Errorf("unknown provider error %q should name it and list the valid ones", err)
	}
	cfg.DatabaseProvider = "jellyfin-postgresql" // matched without regard to case, as Jellyfin does
	_, err = database.New(cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL") {
		t.Errorf("missing connection string error %q should say where to set it", err)
	}
	cfg.ConnectionStrings["Jellyfin-PostgreSQL"] = "Host=db;Database=jellyfin;Username=jellyfin;Password=topsecret"
	p, err = database.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cs := p.ConnectionString(); strings.Contains(cs, "topsecret") || !strings.Contains(cs, "Host=db") {
		t.Errorf("connection string not masked: %q", cs)
	}
}

func TestPostgresUnreachable(t *testing.T) {
	// Port 1 on loopback: nothing listens, the connection is refused.
	p, err := database.NewPostgres("Host=127.0.0.1;Port=1;Database=x;Username=u;Password=hidden-pw", nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.Open(context.Background())
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("opened an unreachable server")
	}
	if !strings.Contains(err.Error(), "after 3 retries") || strings.Contains(err.Error(), "hidden-pw") {
		t.Errorf("error %q should say it retried 3 times and hide the password", err)
	}
	// 3 retries with 0.2 s, 0.8 s and 3.2 s of backoff: bounded, well under 15 s.
	if elapsed > 15*time.Second || elapsed < 4*time.Second {
		t.Errorf("gave up after %v, want the retries' backoff (about 4.2 s) and no more than 15 s", elapsed)
	}
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// rawSQLite writes a database directly, as another program would.
func rawSQLite(t *testing.T, path string, stmts ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func freshSQLite(t *testing.T) string {
	t.Helper()
	path := testdb.SQLitePath(t)
	db, err := database.NewSQLite(path, nil).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return path
}

func TestSQLiteRefusesWithoutTouching(t *testing.T) {
	cases := map[string]struct {
		make func(t *testing.T) string
		want error
		says string
	}{
		"Jellyfin 10.10": {func(t *testing.T) string {
			path := testdb.SQLitePath(t)
			stmts := []string{`CREATE TABLE "__EFMigrationsHistory" ("MigrationId" TEXT NOT NULL PRIMARY KEY, "ProductVersion" TEXT NOT NULL)`,
				`CREATE TABLE "Users" ("Id" TEXT NOT NULL PRIMARY KEY, "Username" TEXT NOT NULL)`}
			for _, id := range []string{"20200514181226_AddActivityLog", "20200613202153_AddUsers", "20240928082930_MarkSegmentProviderIdNonNullable"} {
				stmts = append(stmts, `INSERT INTO "__EFMigrationsHistory" VALUES ('`+id+`', '8.0.8')`)
			}
			rawSQLite(t, path, stmts...)
			return path
		}, schema.ErrIncompatible, "start Jellyfin 10.11 on it once"},
		"newer migration": {func(t *testing.T) string {
			path := freshSQLite(t)
			rawSQLite(t, path, `INSERT INTO "__EFMigrationsHistory" VALUES ('20270101000000_AddSomethingNew', '10.0.1')`)
			return path
		}, schema.ErrIncompatible, "20270101000000_AddSomethingNew"},
		"not Jellyfin": {func(t *testing.T) string {
			path := testdb.SQLitePath(t)
			rawSQLite(t, path, `CREATE TABLE notes (body TEXT)`)
			return path
		}, schema.ErrIncompatible, "not a Jellyfin 10.11 database"},
		"not SQLite": {func(t *testing.T) string {
			path := testdb.SQLitePath(t)
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, []byte("<?xml version=\"1.0\"?><ServerConfiguration/>\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}, database.ErrNotSQLite, "not an SQLite database"},
		"read-only": {func(t *testing.T) string {
			path := freshSQLite(t)
			if err := os.Chmod(path, 0o444); err != nil {
				t.Fatal(err)
			}
			return path
		}, database.ErrReadOnly, "not writable"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := c.make(t)
			before := fileHash(t, path)
			_, err := database.NewSQLite(path, nil).Open(context.Background())
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), "left untouched") {
				t.Errorf("Open error %v; want %v saying %q", err, c.want, c.says)
			}
			if after := fileHash(t, path); after != before {
				t.Error("the refused file changed")
			}
		})
	}
}

// dump returns every row of every table but Users and the history, as text.
func dump(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('Users', '__EFMigrationsHistory') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	for _, n := range names {
		rows, err := db.Query(`SELECT * FROM "` + n + `" ORDER BY 1, 2`)
		if err != nil {
			rows, err = db.Query(`SELECT * FROM "` + n + `" ORDER BY 1`)
		}
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintf(&b, "%s %v\n", n, vals)
		}
		rows.Close()
	}
	return b.String()
}

// TestSQLiteUpgradesFrom10_11_9 builds a 10.11.0-10.11.9 database (no
// Users.NormalizedUsername, no 10.11.10 history rows) and opens it: it gets
// that one change, with names upper-cased as .NET does, and nothing else.
func TestSQLiteUpgradesFrom10_11_9(t *testing.T) {
	ctx := context.Background()
	path := testdb.SQLitePath(t)
	db, err := database.NewSQLite(path, nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := store.New(db)
	for _, name := range []string{"émile", "Zoë", "bob"} {
		if err := s.CreateUser(ctx, &media.User{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveItem(ctx, &media.Item{Type: media.ItemTypeMovie, Name: "Alien"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rawSQLite(t, path,
		`DROP INDEX "IX_Users_NormalizedUsername"`,
		`ALTER TABLE "Users" DROP COLUMN "NormalizedUsername"`,
		`DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" IN ('20260522092303_AddNormalizedUsername', '20260524120336_AddUniqueNormalizedUsernameIndex', '20260522092304_UpdateNormalizedUsername')`)
	before := dump(t, path)

	db, err = database.NewSQLite(path, nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Status(ctx)
	if err != nil || st.Jellyfin != "10.11.0-10.11.9" || len(st.Pending) != 1 {
		t.Fatalf("status %+v, %v", st, err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Read.Query(`SELECT "Username", "NormalizedUsername" FROM "Users" ORDER BY "Username"`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var u, n string
		rows.Scan(&u, &n)
		got = append(got, u+"="+n)
	}
	rows.Close()
	if fmt.Sprint(got) != "[Zoë=ZOË bob=BOB émile=ÉMILE]" {
		t.Errorf("normalized names %v", got)
	}
	if diffs, err := db.Check(ctx); err != nil || len(diffs) != 0 {
		t.Errorf("schema after upgrade differs: %v %v", diffs, err)
	}
	var history int
	db.Read.QueryRow(`SELECT COUNT(*) FROM "__EFMigrationsHistory"`).Scan(&history)
	if history != 71 {
		t.Errorf("history has %d rows, want 71 (38 EF + 33 code)", history)
	}
	db.Close()
	if after := dump(t, path); after != before {
		t.Error("the upgrade changed data outside Users.NormalizedUsername and the history")
	}
}

func TestCheckFindsDifferences(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(t *testing.T) *database.DB{
		"sqlite": func(t *testing.T) *database.DB {
			db, err := database.NewSQLite(testdb.SQLitePath(t), nil).Open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		"postgres": func(t *testing.T) *database.DB {
			p, err := database.NewPostgres(testdb.NewPostgres(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			db, err := p.Open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
	} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if diffs, err := db.Check(ctx); err != nil || len(diffs) != 0 {
				t.Fatalf("fresh schema differs: %v %v", diffs, err)
			}
			for _, s := range []string{
				`DROP INDEX "IX_Peoples_Name"`,
				`CREATE TABLE "Extra" ("Id" INTEGER NOT NULL PRIMARY KEY)`,
				`ALTER TABLE "Chapters" ADD "Color" TEXT`,
			} {
				if _, err := db.Write.Exec(s); err != nil {
					t.Fatal(err)
				}
			}
			diffs, err := db.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(diffs, "\n")
			for _, want := range []string{"missing index IX_Peoples_Name (Name)", "extra table Extra", "table Chapters: extra column Color"} {
				if !strings.Contains(text, want) {
					t.Errorf("check output lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// TestPostgresRefusesNewerSchema: a replica whose binary is older than the
// database it is pointed at must not start.
func TestPostgresRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	for name, stmt := range map[string]string{
		"jellyha":  `INSERT INTO jellyha_migrations (version, name, applied_at) VALUES (99, 'future', 'now')`,
		"jellyfin": `INSERT INTO "__EFMigrationsHistory" VALUES ('20270101000000_AddSomethingNew', '10.0.1')`,
	} {
		t.Run(name, func(t *testing.T) {
			url := testdb.NewPostgres(t)
			p, err := database.NewPostgres(url, nil)
			if err != nil {
				t.Fatal(err)
			}
			db, err := p.Open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Write.Exec(stmt); err != nil {
				t.Fatal(err)
			}
			db.Close()
			_, err = p.Open(ctx)
			if !errors.Is(err, schema.ErrIncompatible) {
				t.Fatalf("Open = %v, want a refusal", err)
			}
			t.Log(err)
		})
	}
}

// TestOptimizeAtStartPostgres: the start-up statistics run analyses the
// tables nobody has analysed (a freshly created or loaded database) and,
// once they have statistics, none: a whole ANALYZE at every replica's
// start is what it no longer does.
func TestOptimizeAtStartPostgres(t *testing.T) {
	ctx := context.Background()
	p, err := database.NewPostgres(testdb.NewPostgres(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := testdb.Open(t, p)
	first, err := db.OptimizeAtStart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(first, "BaseItems") || !slices.Contains(first, "UserData") {
		t.Fatalf("a new database: analysed %v, want every table, BaseItems and UserData among them", first)
	}
	// pg_stat_user_tables learns of the ANALYZE when the backend reports
	// its statistics; wait for that rather than for a fixed time.
	deadline := time.Now().Add(10 * time.Second)
	for {
		again, err := db.OptimizeAtStart(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("analysed again: %v", again)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var analysed bool
	if err := db.Read.QueryRowContext(ctx, `SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'BaseItems' AND schemaname = current_schema()`).Scan(&analysed); err != nil || !analysed {
		t.Fatalf("BaseItems has no statistics: %v %v", analysed, err)
	}
}
