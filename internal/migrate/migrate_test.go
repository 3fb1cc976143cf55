package migrate_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/gendb"
	"github.com/jellyha/jellyha/internal/migrate"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

// generated writes a Tiny library into a new jellyfin.db and returns its path.
func generated(t *testing.T, dirty bool) (string, []gendb.Planted) {
	t.Helper()
	ctx := context.Background()
	path := testdb.SQLitePath(t)
	db, err := database.NewSQLite(path, nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := gendb.Generate(ctx, store.New(db), gendb.Options{Size: gendb.Tiny, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	var planted []gendb.Planted
	if dirty {
		if planted, err = gendb.Dirty(ctx, db.Write); err != nil {
			t.Fatal(err)
		}
	}
	return path, planted
}

// ownRows gives a generated database rows in each of jellyha's own tables
// that move with it (migrate.OwnTables) and settings of its own.
func ownRows(t *testing.T, path string) {
	t.Helper()
	rawExec(t, path,
		`INSERT INTO jellyha_libraries (id, name, collection_type, options, layout)
VALUES ('5A1B2C3D-0000-4000-8000-00000000000A', 'Films', 'movies', '{"EnableRealtimeMonitor":false}', 'jellyha'),
       ('5A1B2C3D-0000-4000-8000-00000000000B', 'Old films', 'movies', '{}', 'jellyfin')`,
		`INSERT INTO jellyha_library_paths (library_id, path, position, folder_id)
VALUES ('5A1B2C3D-0000-4000-8000-00000000000A', '/media/films', 0, NULL),
       ('5A1B2C3D-0000-4000-8000-00000000000A', '/media/more films', 1, NULL),
       ('5A1B2C3D-0000-4000-8000-00000000000B', '/media/old', 0, '5A1B2C3D-0000-4000-8000-00000000000C')`,
		`INSERT INTO jellyha_scan_files (item_id, library_id, path, item_type, size, mtime_ns, probe, sig)
VALUES ('5A1B2C3D-0000-4000-8000-0000000000F1', '5A1B2C3D-0000-4000-8000-00000000000A', '/media/films/A (2001)/A (2001).mkv', 'Movie', 1234567890123, 1733400000123456789, '{"format":{"duration":"5400.1"}}', 'ab12'),
       ('5A1B2C3D-0000-4000-8000-0000000000F2', '5A1B2C3D-0000-4000-8000-00000000000A', '/media/films/B (2002)', 'Folder', 0, 1733400000000000000, '', '')`,
		`INSERT INTO jellyha_user_images (user_id, tag, content_type, data)
SELECT "Id", 'c0ffee', 'image/png', X'89504E470D0A1A0A00FF' FROM "Users" ORDER BY "Id" LIMIT 1`,
		`INSERT INTO jellyha_settings (key, value) VALUES ('ServerId', '0123456789abcdef0123456789abcdef'), ('ServerName', 'Family room')
ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
	)
}

// jellyfinOnly removes what jellyha added to a generated database, leaving
// a file as Jellyfin writes it.
func jellyfinOnly(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT type, name FROM sqlite_master WHERE name LIKE 'jellyha%' AND type IN ('table', 'index') ORDER BY type DESC`)
	if err != nil {
		t.Fatal(err)
	}
	var drop []string
	for rows.Next() {
		var typ, name string
		rows.Scan(&typ, &name)
		drop = append(drop, `DROP `+strings.ToUpper(typ)+` IF EXISTS "`+name+`"`)
	}
	rows.Close()
	for _, d := range drop {
		if _, err := db.Exec(d); err != nil {
			t.Fatal(err)
		}
	}
}

func hashFile(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return fmt.Sprintf("%x", h.Sum(nil))
}

func checksums(rep *migrate.Report) map[string]string {
	m := map[string]string{}
	for _, t := range rep.Tables {
		m[t.Table] = fmt.Sprintf("%d:%s", t.TargetRows, t.TargetChecksum)
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src, _ := generated(t, false)
	ownRows(t, src)
	if err := os.Chmod(src, 0o444); err != nil { // a read-only source works
		t.Fatal(err)
	}
	before := hashFile(t, src)
	pg := testdb.NewPostgres(t)
	rep, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg, BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if after := hashFile(t, src); after != before {
		t.Fatal("the source changed")
	}
	if rep.Verified == nil || !*rep.Verified || len(rep.Tables) != 30+len(migrate.OwnTables) {
		t.Fatalf("not verified: %+v", rep)
	}
	tot := rep.Totals()
	if tot.Rejected != 0 || tot.Converted != 0 || tot.Copied != tot.Read {
		t.Errorf("clean data: %+v", tot)
	}
	for _, tr := range rep.Tables {
		if tr.Copied == 0 {
			t.Errorf("%s: nothing copied; the generator (and ownRows) should fill every table", tr.Table)
		}
	}
	if _, err := os.Stat(rep.Backup); err != nil {
		t.Errorf("backup: %v", err)
	}

	// The identity sequences continue past the copied ids (and SQLite's
	// high-water marks) in all 12 identity tables.
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if len(rep.Sequences) != 12 {
		t.Errorf("%d sequences reset, want 12", len(rep.Sequences))
	}
	lite, err := sql.Open("sqlite", "file:"+src+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	for table := range rep.Sequences {
		var next, maxID int64
		if err := conn.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('"`+table+`"', 'Id')), COALESCE((SELECT MAX("Id") FROM "`+table+`"), 0)`).Scan(&next, &maxID); err != nil {
			t.Fatal(err)
		}
		var hw int64
		lite.QueryRow(`SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)`, table).Scan(&hw)
		if next <= maxID || next <= hw {
			t.Errorf("%s: next id %d, max id %d, SQLite high-water %d", table, next, maxID, hw)
		}
	}
	// And a real insert through the store succeeds.
	p, _ := database.NewPostgres(pg, nil)
	db, err := p.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := store.New(db).CreateAPIKey(ctx, "after migration"); err != nil {
		t.Errorf("insert after migration: %v", err)
	}

	// The way back, and a round trip gives identical checksums.
	back := filepath.Join(t.TempDir(), "jellyfin.db")
	rev, err := migrate.ToSQLite(ctx, migrate.Options{Source: pg, Target: back})
	if err != nil {
		t.Fatal(err)
	}
	if rev.Verified == nil || !*rev.Verified {
		t.Fatal("way back not verified")
	}
	if _, err := os.Stat(back + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("partial file left behind: %v", err)
	}
	// Compare the original and the returned file table by table.
	again, err := migrate.ToPostgres(ctx, migrate.Options{Source: back, Target: testdb.NewPostgres(t), BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	a, b := checksums(rep), checksums(again)
	for table, sum := range a {
		want := sum
		if table == "ApiKeys" {
			continue // one key was added in between
		}
		if b[table] != want {
			t.Errorf("%s: round trip checksum %s, original %s", table, b[table], want)
		}
	}
	// The returned file is what stock Jellyfin opens: jellyha's provider
	// finds Jellyfin 10.11.11 and a schema that matches exactly.
	rdb, err := database.NewSQLite(back, nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	diffs, err := rdb.Check(ctx)
	if err != nil {
		t.Error(err)
	}
	for _, d := range diffs {
		t.Errorf("returned file differs from Jellyfin's schema with jellyha's: %s", d)
	}
	if st, err := rdb.Status(ctx); err != nil || !st.Current() {
		t.Errorf("returned file's schema is not current: %+v %v", st, err)
	}
	// jellyha's settings came back, and its own tables (their checksums
	// are compared above, through the second migration).
	settings := map[string]string{}
	rows, err := rdb.Read.QueryContext(ctx, `SELECT key, value FROM jellyha_settings`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, v string
		rows.Scan(&k, &v)
		settings[k] = v
	}
	rows.Close()
	if settings["ServerId"] != "0123456789abcdef0123456789abcdef" || settings["ServerName"] != "Family room" || settings["StartupWizardCompleted"] != "true" {
		t.Errorf("settings on the way back: %v", settings)
	}
	for _, table := range migrate.OwnTables {
		if b[table] != a[table] || strings.HasPrefix(a[table], "0:") {
			t.Errorf("%s: round trip %s, original %s", table, b[table], a[table])
		}
	}
}

func TestDirtyData(t *testing.T) {
	ctx := context.Background()
	src, planted := generated(t, true)
	want := map[string]map[string]int{} // table -> outcome -> count
	for _, p := range planted {
		if want[p.Table] == nil {
			want[p.Table] = map[string]int{}
		}
		want[p.Table][p.Outcome]++
	}

	// A dry run reports exactly what a real run rejects, and writes nothing.
	pg := testdb.NewPostgres(t)
	dry, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg, DryRun: true})
	if !errors.Is(err, migrate.ErrRejected) {
		t.Fatalf("dry run: %v", err)
	}
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var tables int
	conn.QueryRow(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables)
	if tables != 0 {
		t.Errorf("the dry run created %d tables", tables)
	}

	// --strict refuses and writes nothing.
	_, err = migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg, Strict: true})
	if err == nil || !strings.Contains(err.Error(), "nothing was copied") {
		t.Fatalf("strict: %v", err)
	}
	var items int
	conn.QueryRow(ctx, `SELECT COUNT(*) FROM "BaseItems"`).Scan(&items)
	if items > 1 {
		t.Errorf("strict run copied %d items", items)
	}

	rep, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg, BatchSize: 50})
	if !errors.Is(err, migrate.ErrRejected) {
		t.Fatalf("real run: %v", err)
	}
	if rep.Verified == nil || !*rep.Verified {
		t.Fatal("not verified")
	}
	if fmt.Sprint(dry.Rejects) != fmt.Sprint(rep.Rejects) {
		t.Errorf("dry run rejects differ from the real run's:\n%v\n%v", dry.Rejects, rep.Rejects)
	}
	// Every planted reject is there with its reason, and nothing else.
	var reasons []string
	for _, r := range rep.Rejects {
		reasons = append(reasons, r.Table+": "+r.Reason)
	}
	for _, p := range planted {
		if p.Outcome != "reject" {
			continue
		}
		found := false
		for _, r := range reasons {
			if strings.HasPrefix(r, p.Table+": ") && strings.Contains(r, p.Reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("planted %s (%s) not rejected with %q; rejects: %q", p.Table, p.What, p.Reason, reasons)
		}
	}
	for _, tr := range rep.Tables {
		w := want[tr.Table]
		if tr.Rejected != int64(w["reject"]) {
			t.Errorf("%s: %d rejected, want %d", tr.Table, tr.Rejected, w["reject"])
		}
		if tr.Converted != int64(w["converted"]) {
			t.Errorf("%s: %d converted, want %d", tr.Table, tr.Converted, w["converted"])
		}
		if tr.Rounded < int64(w["rounded"]) {
			t.Errorf("%s: %d rounded, want at least %d", tr.Table, tr.Rounded, w["rounded"])
		}
		if tr.Copied+tr.Rejected != tr.Read {
			t.Errorf("%s: %d copied + %d rejected != %d read", tr.Table, tr.Copied, tr.Rejected, tr.Read)
		}
	}
	// The documented rules, value by value.
	var name string
	var dateCreated *time.Time
	var isFolder bool
	conn.QueryRow(ctx, `SELECT "Name", "DateCreated", "IsFolder" FROM "BaseItems" WHERE "Id" = 'D1000000-0000-4000-8000-000000000007'`).Scan(&name, &dateCreated, &isFolder)
	if name != "NulFilm" {
		t.Errorf("NUL not removed: %q", name)
	}
	var series string
	conn.QueryRow(ctx, `SELECT "SeriesId"::text FROM "BaseItems" WHERE "Id" = 'D1000000-0000-4000-8000-000000000003'`).Scan(&series)
	if series != "12345678-1234-5678-1234-567812345678" {
		t.Errorf(".NET blob GUID read as %s", series)
	}
	conn.QueryRow(ctx, `SELECT "DateCreated" FROM "BaseItems" WHERE "Id" = 'D1000000-0000-4000-8000-000000000005'`).Scan(&dateCreated)
	if dateCreated != nil {
		t.Errorf("empty date not NULL: %v", dateCreated)
	}
	var year1 time.Time
	conn.QueryRow(ctx, `SELECT "ImageDateModified" FROM "Chapters" WHERE "ChapterIndex" = 900`).Scan(&year1)
	if !year1.Equal(time.Date(1, 1, 1, 5, 51, 0, 0, time.UTC)) {
		t.Errorf("year-0001 date became %v", year1)
	}
	var played time.Time
	conn.QueryRow(ctx, `SELECT "LastPlayedDate" FROM "UserData" WHERE "CustomDataKey" = 'dirty-3'`).Scan(&played)
	if !played.Equal(time.Date(2025, 12, 11, 12, 27, 10, 265518000, time.UTC)) {
		t.Errorf("rounded date %v", played)
	}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	src, _ := generated(t, false)

	// A target that holds data.
	pg := testdb.NewPostgres(t)
	p, _ := database.NewPostgres(pg, nil)
	db, err := p.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Migrate(ctx)
	if _, err := store.New(db).CreateAPIKey(ctx, "existing"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg}); err == nil || !strings.Contains(err.Error(), "already holds data") {
		t.Errorf("non-empty target: %v", err)
	}

	// A target holding another source's import.
	other, _ := generated(t, false)
	pg2 := testdb.NewPostgres(t)
	if _, err := migrate.ToPostgres(ctx, migrate.Options{Source: other, Target: pg2}); err != nil {
		t.Fatal(err)
	}
	rawExec(t, src, `UPDATE "Users" SET "LastLoginDate" = '2026-01-01 00:00:00'`) // a different source
	if _, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg2}); err == nil || !strings.Contains(err.Error(), "another source") {
		t.Errorf("other source's target: %v", err)
	}

	// A 10.10 database.
	old := filepath.Join(t.TempDir(), "jellyfin.db")
	rawExec(t, old, `CREATE TABLE "__EFMigrationsHistory" ("MigrationId" TEXT NOT NULL PRIMARY KEY, "ProductVersion" TEXT NOT NULL)`,
		`INSERT INTO "__EFMigrationsHistory" VALUES ('20240928082930_MarkSegmentProviderIdNonNullable', '8.0.8')`)
	if _, err := migrate.ToPostgres(ctx, migrate.Options{Source: old, Target: testdb.NewPostgres(t)}); err == nil || !strings.Contains(err.Error(), "start Jellyfin 10.11 on it once") {
		t.Errorf("10.10 source: %v", err)
	}

	// Not a database at all.
	junk := filepath.Join(t.TempDir(), "jellyfin.db")
	os.WriteFile(junk, []byte("not sqlite"), 0o644)
	if _, err := migrate.ToPostgres(ctx, migrate.Options{Source: junk, Target: testdb.NewPostgres(t)}); err == nil || !strings.Contains(err.Error(), "not an SQLite database") {
		t.Errorf("junk source: %v", err)
	}

	// The way back never overwrites a file.
	exists := filepath.Join(t.TempDir(), "jellyfin.db")
	os.WriteFile(exists, []byte("keep me"), 0o644)
	if _, err := migrate.ToSQLite(ctx, migrate.Options{Source: pg2, Target: exists}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("existing target file: %v", err)
	}
	if b, _ := os.ReadFile(exists); string(b) != "keep me" {
		t.Error("existing target file changed")
	}
}

func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSourceInUse: a source another process holds open (as a running
// Jellyfin does) is refused unless told to go on.
func TestSourceInUse(t *testing.T) {
	ctx := context.Background()
	src, _ := generated(t, false)
	cmd := exec.Command(os.Args[0], "-test.run=TestHoldDatabaseOpen")
	cmd.Env = append(os.Environ(), "JELLYHA_HOLD_DB="+src)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// Wait until the child says it holds the database.
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || !strings.Contains(line, "holding") {
		t.Fatalf("child: %q %v", line, err)
	}
	_, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: testdb.NewPostgres(t)})
	if err == nil || !strings.Contains(err.Error(), "running Jellyfin") {
		t.Fatalf("source in use: %v", err)
	}
	if _, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: testdb.NewPostgres(t), IgnoreRunning: true}); err != nil {
		t.Errorf("--ignore-running: %v", err)
	}
}

// TestWALContentsCopied: rows a killed Jellyfin left in the WAL, not yet
// checkpointed into the database file, are migrated too.
func TestWALContentsCopied(t *testing.T) {
	ctx := context.Background()
	src, _ := generated(t, false)
	cmd := exec.Command(os.Args[0], "-test.run=TestHoldDatabaseOpen")
	cmd.Env = append(os.Environ(), "JELLYHA_HOLD_DB="+src, "JELLYHA_HOLD_WRITE=1")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || !strings.Contains(line, "holding") {
		t.Fatalf("child: %q %v", line, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if fi, err := os.Stat(src + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no WAL content left behind: %v", err)
	}
	before := hashFile(t, src)
	pg := testdb.NewPostgres(t)
	if _, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg}); err != nil {
		t.Fatal(err)
	}
	if hashFile(t, src) != before {
		t.Error("the source changed")
	}
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	conn.QueryRow(ctx, `SELECT COUNT(*) FROM "ApiKeys" WHERE "Name" = 'only in the WAL'`).Scan(&n)
	if n != 1 {
		t.Errorf("the row in the WAL was not copied (%d)", n)
	}
}

// TestHoldDatabaseOpen is the child of TestSourceInUse: it keeps a database
// open in WAL mode, as Jellyfin does, until killed.
func TestHoldDatabaseOpen(t *testing.T) {
	path := os.Getenv("JELLYHA_HOLD_DB")
	if path == "" {
		return // only as a child process
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM "Users"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("JELLYHA_HOLD_WRITE") != "" {
		// Write an API key that stays in the WAL: no checkpoint, and the
		// process is killed rather than closed.
		if _, err := db.Exec(`PRAGMA wal_autocheckpoint = 0`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO "ApiKeys" ("DateCreated", "DateLastActivity", "Name", "AccessToken") VALUES ('2026-01-01 00:00:00', '2026-01-01 00:00:00', 'only in the WAL', 'feedfacefeedfacefeedfacefeedface')`); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("holding")
	time.Sleep(time.Minute)
}

// TestVerifyOnlyFindsTampering: verification is independent of the copy.
func TestVerifyOnlyFindsTampering(t *testing.T) {
	ctx := context.Background()
	src, _ := generated(t, false)
	pg := testdb.NewPostgres(t)
	if _, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg}); err != nil {
		t.Fatal(err)
	}
	rep, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg, VerifyOnly: true})
	if err != nil || !*rep.Verified {
		t.Fatalf("verify-only on a good pair: %v", err)
	}
	conn, _ := pgx.Connect(ctx, pg)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE "UserData" SET "PlaybackPositionTicks" = "PlaybackPositionTicks" + 1 WHERE "CustomDataKey" = (SELECT MIN("CustomDataKey") FROM "UserData")`); err != nil {
		t.Fatal(err)
	}
	rep, err = migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg, VerifyOnly: true})
	if !errors.Is(err, migrate.ErrMismatch) {
		t.Fatalf("tampered pair: %v", err)
	}
	for _, tr := range rep.Tables {
		if (tr.Table == "UserData") == *tr.Match {
			t.Errorf("%s: match %v", tr.Table, *tr.Match)
		}
	}
}

// killer terminates the migrator's PostgreSQL connection once, as a server
// restart or a cut network would, when the copy reaches a given table.
type killer struct {
	mu     sync.Mutex
	t      *testing.T
	admin  string
	table  string
	done   bool
	killed int
}

func (k *killer) Start(string, int64)       {}
func (k *killer) Done(*migrate.TableReport) {}
func (k *killer) Advance(table string, n int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.done || table != k.table {
		return
	}
	k.done = true
	conn, err := pgx.Connect(context.Background(), k.admin)
	if err != nil {
		k.t.Error(err)
		return
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), `SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'jellyha-migrate') x`).Scan(&k.killed); err != nil {
		k.t.Error(err)
	}
}

func TestConnectionCutMidCopy(t *testing.T) {
	ctx := context.Background()
	src, _ := generated(t, false)
	pg := testdb.NewPostgres(t)
	k := &killer{t: t, admin: testdb.AdminURL(), table: "MediaStreamInfos"}
	rep, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg, BatchSize: 20, Progress: k})
	if err != nil {
		t.Fatal(err)
	}
	// Two tables copy at once, so one or two connections are cut.
	if k.killed < 1 {
		t.Fatalf("terminated %d connections, want at least 1", k.killed)
	}
	if !*rep.Verified {
		t.Error("not verified after the connection was cut")
	}
}

// TestResumeAfterKill kills "jellyha migrate" at several points, then runs
// it again: every run ends with the same verified result, nothing duplicated
// or missing.
func TestResumeAfterKill(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "jellyha")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/jellyha").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	src, _ := generated(t, true)
	var want map[string]string
	for _, killAt := range []int{1, 9, 40, 120} {
		t.Run(fmt.Sprintf("after %d batches", killAt), func(t *testing.T) {
			pg := testdb.NewPostgres(t)
			args := []string{"migrate", "--source", src, "--target", pg, "--batch-size", "7", "--backup", filepath.Join(t.TempDir(), "b1"), "--log-level", "warn"}
			cmd := exec.Command(bin, args...)
			stderr, _ := cmd.StderrPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stderr)
			batches := 0
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "copied ") {
					batches++
					if batches == killAt {
						cmd.Process.Kill()
						break
					}
				}
			}
			cmd.Wait()
			if batches < killAt {
				t.Fatalf("the run ended after %d batches, before the kill", batches)
			}
			report := filepath.Join(t.TempDir(), "report.json")
			args[len(args)-3] = filepath.Join(t.TempDir(), "b2")
			out, err := exec.Command(bin, append(args, "--report", report)...).CombinedOutput()
			var exit *exec.ExitError
			if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 3) {
				t.Fatalf("re-run: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "verified: every table's row count and checksum match") {
				t.Fatalf("re-run not verified:\n%s", out)
			}
			b, _ := os.ReadFile(report)
			if !strings.Contains(string(b), `"resumed": true`) {
				t.Errorf("the re-run did not resume:\n%s", b)
			}
			got := map[string]string{}
			for _, line := range strings.Split(string(out), "\n") {
				if f := strings.Fields(line); len(f) >= 8 && f[6] == "ok" {
					got[f[0]] = f[1] + " " + f[2] + " " + f[6] + " " + f[7]
				}
			}
			if len(got) != 30+len(migrate.OwnTables) {
				t.Fatalf("report has %d verified tables:\n%s", len(got), out)
			}
			if want == nil {
				want = got
			} else if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("result differs from an earlier kill point:\n%v\n%v", got, want)
			}
		})
	}
}

// TestOwnTablesMove: a database jellyha wrote takes its own tables and
// settings to PostgreSQL (its server id above all, by which the apps know
// the server); a Jellyfin database moves without them; an older jellyha's
// database is refused with what to do.
func TestOwnTablesMove(t *testing.T) {
	ctx := context.Background()
	query := func(pg, q string) (string, bool) {
		t.Helper()
		conn, err := pgx.Connect(ctx, pg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var v string
		err = conn.QueryRow(ctx, q).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		return v, true
	}
	src, _ := generated(t, false)
	ownRows(t, src)
	pg := testdb.NewPostgres(t)
	// A replica already running on the target must see the copy as a
	// change of items: ItemsVersion moves.
	func() {
		p, _ := database.NewPostgres(pg, nil)
		db, err := p.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		rawPG(t, pg, `INSERT INTO jellyha_settings (key, value) VALUES ('ItemsVersion', '41'), ('ServerId', 'ffffffffffffffffffffffffffffffff')`)
	}()
	rep, err := migrate.ToPostgres(ctx, migrate.Options{Source: src, Target: pg})
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := query(pg, `SELECT value FROM jellyha_settings WHERE key = 'ServerId'`); id != "0123456789abcdef0123456789abcdef" {
		t.Errorf("server id on PostgreSQL: %q, want the source's", id)
	}
	if name, _ := query(pg, `SELECT value FROM jellyha_settings WHERE key = 'ServerName'`); name != "Family room" {
		t.Errorf("server name on PostgreSQL: %q", name)
	}
	if v, _ := query(pg, `SELECT value FROM jellyha_settings WHERE key = 'ItemsVersion'`); v != "42" {
		t.Errorf("ItemsVersion %q, want 42", v)
	}
	got := map[string]int64{}
	for _, tr := range rep.Tables {
		got[tr.Table] = tr.TargetRows
	}
	for table, want := range map[string]int64{"jellyha_libraries": 2, "jellyha_library_paths": 3, "jellyha_scan_files": 2, "jellyha_user_images": 1} {
		if got[table] != want {
			t.Errorf("%s: %d rows verified in the target, want %d", table, got[table], want)
		}
	}
	if v, _ := query(pg, `SELECT layout || ' ' || (SELECT folder_id::text FROM jellyha_library_paths WHERE path = '/media/old') FROM jellyha_libraries WHERE name = 'Old films'`); v != "jellyfin 5a1b2c3d-0000-4000-8000-00000000000c" {
		t.Errorf("adopted library on PostgreSQL: %q", v)
	}

	// Jellyfin's database has no jellyha tables at all.
	plain, _ := generated(t, false)
	jellyfinOnly(t, plain)
	pg2 := testdb.NewPostgres(t)
	rep2, err := migrate.ToPostgres(ctx, migrate.Options{Source: plain, Target: pg2})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := query(pg2, `SELECT value FROM jellyha_settings WHERE key = 'ServerId'`); ok {
		t.Errorf("a server id %q came from a source without one", id)
	}
	if len(rep2.Tables) != 30 {
		t.Errorf("%d tables from a Jellyfin source, want 30", len(rep2.Tables))
	}

	// An older jellyha's database: its own tables lack today's columns.
	old, _ := generated(t, false)
	rawExec(t, old, `DELETE FROM jellyha_migrations WHERE version = (SELECT MAX(version) FROM jellyha_migrations)`)
	_, err = migrate.ToPostgres(ctx, migrate.Options{Source: old, Target: testdb.NewPostgres(t)})
	if err == nil || !strings.Contains(err.Error(), "jellyha db migrate") {
		t.Errorf("an older jellyha's database: %v", err)
	}
}

func rawPG(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range stmts {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProgressPerTable: two tables copied at once each keep their own size
// in the progress lines (the second's start once replaced the first's, so
// a line read "110000/1506 rows, ETA -1s").
func TestProgressPerTable(t *testing.T) {
	var buf strings.Builder
	p := migrate.NewProgress(&buf, false)
	p.Start("BaseItemImageInfos", 139831)
	p.Start("KeyframeData", 1506)
	p.Advance("BaseItemImageInfos", 110000)
	p.Advance("KeyframeData", 1000)
	out := buf.String()
	for _, want := range []string{"copied BaseItemImageInfos: 110000/139831 rows", "copied KeyframeData: 1000/1506 rows"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ETA -") {
		t.Errorf("a negative ETA:\n%s", out)
	}
}
