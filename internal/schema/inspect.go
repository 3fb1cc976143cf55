package schema

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // the in-memory database ExpectedSQLite builds
)

// Schema is a database's structure as the engine reports it.
type Schema struct {
	Tables map[string]*Table
}

// Table is one table's structure.
type Table struct {
	Name          string
	Columns       []Column // in on-disk order
	PrimaryKey    []string
	AutoIncrement bool // SQLite AUTOINCREMENT, or a PostgreSQL identity key
	ForeignKeys   []ForeignKey
	Indexes       []Index
}

// Column is one column's structure.
type Column struct {
	Name      string
	Type      string
	NotNull   bool
	Default   string // "" when none
	Collation string // PostgreSQL only
}

// ForeignKey is one foreign key.
type ForeignKey struct {
	Name      string // PostgreSQL only; SQLite does not keep FK names
	Columns   []string
	RefTable  string
	RefColumn []string
	OnDelete  string
}

// Index is an explicit index (not one backing a primary key).
type Index struct {
	Name    string
	Columns []string
	Unique  bool
	Where   string // the partial-index predicate, "" for a full index
}

// Inspect reads q's schema.
func Inspect(ctx context.Context, q Querier, e Engine) (*Schema, error) {
	if e == PostgreSQL {
		return inspectPostgres(ctx, q)
	}
	return inspectSQLite(ctx, q)
}

func inspectSQLite(ctx context.Context, q Querier) (*Schema, error) {
	type tdef struct{ name, sql string }
	var defs []tdef
	err := eachRow(ctx, q, `SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`, nil,
		func(rows *sql.Rows) error {
			var d tdef
			defs = append(defs, d)
			return rows.Scan(&defs[len(defs)-1].name, &defs[len(defs)-1].sql)
		})
	if err != nil {
		return nil, fmt.Errorf("schema: inspect: %w", err)
	}
	s := &Schema{Tables: map[string]*Table{}}
	for _, d := range defs {
		t := &Table{Name: d.name, AutoIncrement: strings.Contains(strings.ToUpper(d.sql), "AUTOINCREMENT")}
		if err := sqliteColumns(ctx, q, t); err != nil {
			return nil, err
		}
		if err := sqliteForeignKeys(ctx, q, t); err != nil {
			return nil, err
		}
		if err := sqliteIndexes(ctx, q, t); err != nil {
			return nil, err
		}
		s.Tables[t.Name] = t
	}
	return s, nil
}

func sqliteColumns(ctx context.Context, q Querier, t *Table) error {
	rows, err := q.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)`, t.Name)
	if err != nil {
		return err
	}
	defer rows.Close()
	pk := map[int]string{}
	for rows.Next() {
		var c Column
		var def sql.NullString
		var pos int
		if err := rows.Scan(&c.Name, &c.Type, &c.NotNull, &def, &pos); err != nil {
			return err
		}
		c.Default = def.String
		if pos > 0 {
			pk[pos] = c.Name
		}
		t.Columns = append(t.Columns, c)
	}
	for i := 1; i <= len(pk); i++ {
		t.PrimaryKey = append(t.PrimaryKey, pk[i])
	}
	return rows.Err()
}

func sqliteForeignKeys(ctx context.Context, q Querier, t *Table) error {
	rows, err := q.QueryContext(ctx, `SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, t.Name)
	if err != nil {
		return err
	}
	defer rows.Close()
	byID := map[int]*ForeignKey{}
	var order []int
	for rows.Next() {
		var id int
		var ref, from, to, onDelete string
		if err := rows.Scan(&id, &ref, &from, &to, &onDelete); err != nil {
			return err
		}
		fk := byID[id]
		if fk == nil {
			fk = &ForeignKey{RefTable: ref, OnDelete: onDelete}
			byID[id] = fk
			order = append(order, id)
		}
		fk.Columns = append(fk.Columns, from)
		fk.RefColumn = append(fk.RefColumn, to)
	}
	for _, id := range order {
		t.ForeignKeys = append(t.ForeignKeys, *byID[id])
	}
	return rows.Err()
}

func sqliteIndexes(ctx context.Context, q Querier, t *Table) error {
	var idx []Index
	err := eachRow(ctx, q, `SELECT il.name, il."unique", il.partial, m.sql FROM pragma_index_list(?) il JOIN sqlite_master m ON m.name = il.name WHERE il.origin = 'c'`, []any{t.Name},
		func(rows *sql.Rows) error {
			var ix Index
			var partial bool
			var def string
			if err := rows.Scan(&ix.Name, &ix.Unique, &partial, &def); err != nil {
				return err
			}
			if partial {
				if i := strings.LastIndex(strings.ToUpper(def), " WHERE "); i >= 0 {
					ix.Where = strings.TrimSpace(def[i+7:])
				}
			}
			idx = append(idx, ix)
			return nil
		})
	if err != nil {
		return err
	}
	for i := range idx {
		err := eachRow(ctx, q, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, []any{idx[i].Name}, func(rows *sql.Rows) error {
			var c string
			err := rows.Scan(&c)
			idx[i].Columns = append(idx[i].Columns, c)
			return err
		})
		if err != nil {
			return err
		}
	}
	t.Indexes = idx
	return nil
}

// eachRow runs query and calls fn for each row.
func eachRow(ctx context.Context, q Querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func inspectPostgres(ctx context.Context, q Querier) (*Schema, error) {
	s := &Schema{Tables: map[string]*Table{}}
	err := eachRow(ctx, q, `
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       COALESCE(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity <> '',
       COALESCE(CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END, '')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE c.relkind = 'r'
ORDER BY c.relname, a.attnum`, nil, func(rows *sql.Rows) error {
		var tname string
		var c Column
		var identity bool
		if err := rows.Scan(&tname, &c.Name, &c.Type, &c.NotNull, &c.Default, &identity, &c.Collation); err != nil {
			return err
		}
		t := s.Tables[tname]
		if t == nil {
			t = &Table{Name: tname}
			s.Tables[tname] = t
		}
		if identity {
			t.AutoIncrement = true
			c.Type += " identity"
		}
		t.Columns = append(t.Columns, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schema: inspect: %w", err)
	}

	// Constraints: primary and foreign keys, with columns in key order.
	err = eachRow(ctx, q, `
SELECT c.relname, k.conname, k.contype, COALESCE(r.relname, ''), k.confdeltype,
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i)::text[],
       ARRAY(SELECT a.attname FROM unnest(COALESCE(k.confkey, '{}')) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)::text[]
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
LEFT JOIN pg_class r ON r.oid = k.confrelid
WHERE k.contype IN ('p', 'f')
ORDER BY c.relname, k.conname`, nil, func(rows *sql.Rows) error {
		var tname, name, typ, ref, del string
		var cols, refCols []string
		if err := rows.Scan(&tname, &name, &typ, &ref, &del, pgTextArray{&cols}, pgTextArray{&refCols}); err != nil {
			return err
		}
		t := s.Tables[tname]
		switch {
		case t == nil:
		case typ == "p":
			t.PrimaryKey = cols
		default:
			t.ForeignKeys = append(t.ForeignKeys, ForeignKey{Name: name, Columns: cols, RefTable: ref, RefColumn: refCols, OnDelete: pgDeleteAction[del]})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schema: inspect constraints: %w", err)
	}

	err = eachRow(ctx, q, `
SELECT c.relname, i.relname, x.indisunique, COALESCE(pg_get_expr(x.indpred, x.indrelid), ''),
       ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n ORDER BY u.o)::text[]
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
WHERE NOT x.indisprimary
ORDER BY c.relname, i.relname`, nil, func(rows *sql.Rows) error {
		var tname string
		var ix Index
		if err := rows.Scan(&tname, &ix.Name, &ix.Unique, &ix.Where, pgTextArray{&ix.Columns}); err != nil {
			return err
		}
		if t := s.Tables[tname]; t != nil {
			t.Indexes = append(t.Indexes, ix)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schema: inspect indexes: %w", err)
	}
	return s, nil
}

var pgDeleteAction = map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

// pgTextArray scans a PostgreSQL text[] in its text form ({a,b,"c d"}),
// whichever driver returns it.
type pgTextArray struct{ dst *[]string }

func (a pgTextArray) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case []any:
		*a.dst = nil
		for _, e := range v {
			*a.dst = append(*a.dst, fmt.Sprint(e))
		}
		return nil
	default:
		return fmt.Errorf("schema: cannot scan %T as text[]", src)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	*a.dst = nil
	if s == "" {
		return nil
	}
	var cur strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"':
			inQuote = !inQuote
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case ch == ',' && !inQuote:
			*a.dst = append(*a.dst, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(ch)
		}
	}
	*a.dst = append(*a.dst, cur.String())
	return nil
}

var (
	expectedSQLiteOnce sync.Once
	expectedSQLite     *Schema
	expectedSQLiteErr  error
)

// ExpectedSQLite returns the schema this jellyha creates on SQLite, by
// creating it in a private in-memory database and inspecting that.
func ExpectedSQLite(ctx context.Context) (*Schema, error) {
	expectedSQLiteOnce.Do(func() {
		db, err := sql.Open("sqlite", "file:jellyha-expected?mode=memory")
		if err != nil {
			expectedSQLiteErr = err
			return
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		expectedSQLite, expectedSQLiteErr = buildExpected(ctx, db, SQLite)
	})
	return expectedSQLite, expectedSQLiteErr
}

// ExpectedPostgres returns the schema this jellyha creates on PostgreSQL, by
// creating it in a scratch schema inside a transaction that is rolled back,
// so the server's own rendering of types and defaults is compared.
func ExpectedPostgres(ctx context.Context, db *sql.DB) (*Schema, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `CREATE SCHEMA jellyha_expected; SET LOCAL search_path TO jellyha_expected`); err != nil {
		return nil, fmt.Errorf("schema: scratch schema for comparison (needs CREATE on the database): %w", err)
	}
	return buildExpected(ctx, tx, PostgreSQL)
}

func buildExpected(ctx context.Context, q Querier, e Engine) (*Schema, error) {
	st, err := ReadStatus(ctx, q, e)
	if err != nil {
		return nil, err
	}
	if err := Apply(ctx, q, st); err != nil {
		return nil, err
	}
	return Inspect(ctx, q, e)
}

// Diff lists every difference between want and got: missing, extra and
// different tables, columns, keys and indexes. Empty means they match.
func Diff(want, got *Schema) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, name := range sortedKeys(want.Tables) {
		w, g := want.Tables[name], got.Tables[name]
		if g == nil {
			add("missing table %s", name)
			continue
		}
		gcols := map[string]Column{}
		for _, c := range g.Columns {
			gcols[c.Name] = c
		}
		wcols := map[string]bool{}
		for i, c := range w.Columns {
			wcols[c.Name] = true
			gc, ok := gcols[c.Name]
			if !ok {
				add("table %s: missing column %s %s", name, c.Name, c.Type)
				continue
			}
			if gc != c {
				add("table %s: column %s is %s, want %s", name, c.Name, describe(gc), describe(c))
			}
			if i < len(g.Columns) && g.Columns[i].Name != c.Name {
				add("table %s: column %d is %s, want %s", name, i, g.Columns[i].Name, c.Name)
			}
		}
		for _, c := range g.Columns {
			if !wcols[c.Name] {
				add("table %s: extra column %s %s", name, c.Name, c.Type)
			}
		}
		if !slices.Equal(w.PrimaryKey, g.PrimaryKey) {
			add("table %s: primary key (%s), want (%s)", name, strings.Join(g.PrimaryKey, ", "), strings.Join(w.PrimaryKey, ", "))
		}
		if w.AutoIncrement != g.AutoIncrement {
			add("table %s: autoincrement %v, want %v", name, g.AutoIncrement, w.AutoIncrement)
		}
		diffList(name, "foreign key", w.ForeignKeys, g.ForeignKeys, describeFK, add)
		diffList(name, "index", w.Indexes, g.Indexes, describeIndex, add)
	}
	for _, name := range sortedKeys(got.Tables) {
		if want.Tables[name] == nil {
			add("extra table %s", name)
		}
	}
	return out
}

func diffList[T any](table, what string, want, got []T, describe func(T) string, add func(string, ...any)) {
	w := map[string]bool{}
	for _, x := range want {
		w[describe(x)] = true
	}
	g := map[string]bool{}
	for _, x := range got {
		g[describe(x)] = true
	}
	for _, k := range sortedKeys(w) {
		if !g[k] {
			add("table %s: missing %s %s", table, what, k)
		}
	}
	for _, k := range sortedKeys(g) {
		if !w[k] {
			add("table %s: extra %s %s", table, what, k)
		}
	}
}

func describe(c Column) string {
	s := c.Type
	if c.Collation != "" {
		s += " COLLATE " + c.Collation
	}
	if c.NotNull {
		s += " NOT NULL"
	}
	if c.Default != "" {
		s += " DEFAULT " + c.Default
	}
	return s
}

func describeFK(fk ForeignKey) string {
	s := fmt.Sprintf("(%s) REFERENCES %s (%s) ON DELETE %s", strings.Join(fk.Columns, ", "), fk.RefTable, strings.Join(fk.RefColumn, ", "), fk.OnDelete)
	if fk.Name != "" {
		s = fk.Name + " " + s
	}
	return s
}

func describeIndex(ix Index) string {
	s := ix.Name + " (" + strings.Join(ix.Columns, ", ") + ")"
	if ix.Unique {
		s = "UNIQUE " + s
	}
	if ix.Where != "" {
		s += " WHERE " + ix.Where
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
