package migrate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/schema"
)

// ToSQLite writes a PostgreSQL database back to a new jellyfin.db, with
// Jellyfin's exact SQLite schema and value formats, so that a user can
// return to stock Jellyfin. The file is built beside the target as
// <target>.partial and renamed into place only once verified: an
// interrupted run leaves no half-written jellyfin.db.
func ToSQLite(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	start := time.Now()
	rep := &Report{Direction: "postgres-to-sqlite", Source: database.Mask(o.Source), Target: o.Target, Phases: map[string]float64{}}
	phase := func(name string, since time.Time) { rep.Phases[name] = time.Since(since).Seconds() }
	if o.DryRun || o.Strict {
		return nil, errors.New("--dry-run and --strict apply to migrations into PostgreSQL; the way back has nothing to reject")
	}

	t0 := time.Now()
	p, err := database.NewPostgres(o.Source, o.Log)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	pg, err := p.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer pg.Close()
	st, err := pg.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if st.Jellyfin != "10.11.11" {
		return nil, fmt.Errorf("source %s holds no Jellyfin schema", database.Mask(o.Source))
	}
	if err := ownCurrent(st, "source "+database.Mask(o.Source)); err != nil {
		return nil, err
	}
	meta, err := schema.Inspect(ctx, pg.Read, schema.PostgreSQL)
	if err != nil {
		return nil, err
	}
	tables, err := Tables(meta)
	if err != nil {
		return nil, err
	}
	// A database jellyha wrote keeps its own tables too (OwnTables): the
	// new file gets jellyha's schema and them, which Jellyfin ignores.
	var own []*Table
	if st.JellyhaVersion > 0 {
		if own, err = Own(meta); err != nil {
			return nil, err
		}
	}
	cfg := pg.PgxConfig()
	cfg.RuntimeParams["application_name"] = "jellyha-migrate"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer conn.Close(context.Background())
	phase("check", t0)

	if o.VerifyOnly {
		db, err := openSQLiteRO(o.Target)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		t0 = time.Now()
		err = verifyPair(ctx, rep, append(tables, own...), conn, db)
		phase("verify", t0)
		phase("total", start)
		return rep, err
	}

	if _, err := os.Stat(o.Target); err == nil {
		return nil, fmt.Errorf("target %s exists; jellyha writes a new jellyfin.db and overwrites none (move it away first)", o.Target)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("target: %w", err)
	}
	partial := o.Target + ".partial"
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		_ = os.Remove(partial + suffix) // an earlier run's leftovers
	}
	defer func() {
		for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
			_ = os.Remove(partial + suffix)
		}
	}()

	t0 = time.Now()
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(partial)
	// While the file is only a partial copy, durability buys nothing: no
	// journal, no syncs, foreign keys checked once at the end.
	db, err := sql.Open("sqlite", "file:"+esc+"?_pragma=journal_mode(OFF)&_pragma=synchronous(0)&_pragma=foreign_keys(0)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := schema.CreateJellyfin(ctx, db, schema.SQLite); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM "BaseItems" WHERE "Id" = ?`, database.GUID(media.PlaceholderItemID)); err != nil {
		return nil, err
	}
	phase("schema", t0)

	t0 = time.Now()
	copyEach := func(ts []*Table) error {
		for _, t := range ts {
			tr, err := copyToSQLite(ctx, conn, db, t, o.Progress)
			if err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
			rep.Tables = append(rep.Tables, tr)
		}
		return nil
	}
	if err := copyEach(tables); err != nil {
		return rep, err
	}
	if own != nil {
		// jellyha's migrations run once Jellyfin's rows are in, so that
		// the statistics its indexes are created with describe them.
		jst, err := schema.ReadStatus(ctx, db, schema.SQLite)
		if err != nil {
			return rep, err
		}
		if err := schema.Apply(ctx, db, jst); err != nil {
			return rep, err
		}
		if err := copyEach(own); err != nil {
			return rep, err
		}
		if err := carrySettings(ctx, pg.Read, db, `INSERT INTO jellyha_settings (key, value) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`); err != nil {
			return rep, err
		}
	}
	phase("copy", t0)

	t0 = time.Now()
	if rep.Sequences, err = sqliteSequences(ctx, conn, db, tables); err != nil {
		return rep, err
	}
	phase("sequences", t0)
	if err := foreignKeyCheck(ctx, db); err != nil {
		return rep, err
	}

	t0 = time.Now()
	if err := verifyPair(ctx, rep, append(tables, own...), conn, db); err != nil {
		phase("verify", t0)
		return rep, err
	}
	phase("verify", t0)
	// Jellyfin's databases are in WAL mode (its ResetJournalMode migration).
	if _, err := db.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
		return rep, err
	}
	if err := db.Close(); err != nil {
		return rep, err
	}
	if err := os.Rename(partial, o.Target); err != nil {
		return rep, err
	}
	phase("total", start)
	return rep, nil
}

func copyToSQLite(ctx context.Context, conn *pgx.Conn, db *sql.DB, t *Table, progress Progress) (*TableReport, error) {
	started := time.Now()
	tr := &TableReport{Table: t.Name}
	var total int64
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM "`+t.Name+`"`).Scan(&total); err != nil {
		return nil, err
	}
	progress.Start(t.Name, total)
	quoted := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		quoted[i] = `"` + c.Name + `"`
	}
	rows, err := conn.Query(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM "`+t.Name+`"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO "`+t.Name+`" (`+strings.Join(quoted, ", ")+`) VALUES (`+strings.TrimSuffix(strings.Repeat("?, ", len(quoted)), ", ")+`)`)
	if err != nil {
		return nil, err
	}
	defer func() { _ = stmt.Close() }()
	out := make([]any, len(t.Columns))
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			out[i] = sqliteValue(t.Columns[i].Kind, normalizePG(v))
		}
		if _, err := stmt.ExecContext(ctx, out...); err != nil {
			return nil, err
		}
		tr.Read++
		if tr.Read%50000 == 0 {
			progress.Advance(t.Name, tr.Read)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	tr.Copied = tr.Read
	tr.Seconds = time.Since(started).Seconds()
	progress.Advance(t.Name, tr.Read)
	progress.Done(tr)
	return tr, nil
}

// sqliteValue writes a value as Jellyfin stores it in SQLite.
func sqliteValue(k Kind, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case [16]byte:
		return database.GUID(media.ID(x))
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.9999999")
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case []int64:
		b, _ := json.Marshal(x) // [0,20020000,...], as System.Text.Json writes it
		return string(b)
	}
	return v
}

// sqliteSequences gives every AUTOINCREMENT table the high-water mark of its
// PostgreSQL identity, so Jellyfin's next id is the one PostgreSQL's would be.
func sqliteSequences(ctx context.Context, conn *pgx.Conn, db *sql.DB, tables []*Table) (map[string]int64, error) {
	seqs := map[string]int64{}
	for _, t := range tables {
		if !t.Identity {
			continue
		}
		var seqName string
		if err := conn.QueryRow(ctx, `SELECT pg_get_serial_sequence('"`+t.Name+`"', 'Id')`).Scan(&seqName); err != nil {
			return nil, err
		}
		var last int64
		if err := conn.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM `+seqName).Scan(&last); err != nil {
			return nil, fmt.Errorf("read the %s identity: %w", t.Name, err)
		}
		if _, err := db.ExecContext(ctx, `DELETE FROM sqlite_sequence WHERE name = ?`, t.Name); err != nil {
			return nil, err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) SELECT ?, MAX(?, COALESCE((SELECT MAX("Id") FROM "`+t.Name+`"), 0))`, t.Name, last); err != nil {
			return nil, err
		}
		if err := db.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, t.Name).Scan(&last); err != nil {
			return nil, err
		}
		seqs[t.Name] = last
	}
	return seqs, nil
}

func foreignKeyCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int64
		_ = rows.Scan(&table, &rowid, &parent, &fkid)
		return fmt.Errorf("the written database breaks a foreign key: %s row %d references a missing %s row", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// verifyPair compares every table of a PostgreSQL and an SQLite database.
func verifyPair(ctx context.Context, rep *Report, tables []*Table, conn *pgx.Conn, db *sql.DB) error {
	byName := map[string]*TableReport{}
	for _, tr := range rep.Tables {
		byName[tr.Table] = tr
	}
	ok := true
	for _, t := range tables {
		tr := byName[t.Name]
		if tr == nil {
			tr = &TableReport{Table: t.Name}
			rep.Tables = append(rep.Tables, tr)
		}
		pgSum, err := postgresChecksum(ctx, conn, t)
		if err != nil {
			return fmt.Errorf("verify %s in PostgreSQL: %w", t.Name, err)
		}
		liteSum, err := sqliteChecksum(ctx, db, t, nil)
		if err != nil {
			return fmt.Errorf("verify %s in SQLite: %w", t.Name, err)
		}
		match := pgSum == liteSum
		tr.SourceRows, tr.TargetRows = pgSum.Rows, liteSum.Rows
		tr.SourceChecksum, tr.TargetChecksum, tr.Match = pgSum.String(), liteSum.String(), &match
		ok = ok && match
	}
	rep.Verified = &ok
	if !ok {
		return ErrMismatch
	}
	return nil
}
