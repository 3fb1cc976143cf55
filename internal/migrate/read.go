package migrate

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// sourceQuery returns the query that reads a table's rows in the same order
// on every read of the same content (so a resumed run can skip what it
// copied): by primary key, and for BaseItems parents before children (depth
// in the ParentId tree first), so that its self-referencing foreign key holds
// batch by batch. It also returns the source columns it selects.
func sourceQuery(t *Table, srcCols map[string]bool) (string, []string, error) {
	var sel []string
	var names []string
	for _, c := range t.Columns {
		if srcCols[c.Name] {
			sel = append(sel, `b."`+c.Name+`"`)
			names = append(names, c.Name)
		}
	}
	for n := range srcCols {
		if t.column(n) < 0 {
			return "", nil, fmt.Errorf("source table %s has a column %s that the target's does not", t.Name, n)
		}
	}
	var pk []string
	for _, i := range t.Keys[0] {
		pk = append(pk, `b."`+t.Columns[i].Name+`"`)
	}
	q := `SELECT ` + strings.Join(sel, ", ") + ` FROM "` + t.Name + `" b`
	if t.Name == "BaseItems" {
		q += ` LEFT JOIN temp.jellyha_depth d ON d.id = b."Id" ORDER BY COALESCE(d.depth, 1000000000), ` + strings.Join(pk, ", ")
	} else {
		q += ` ORDER BY ` + strings.Join(pk, ", ")
	}
	return q + ` LIMIT -1 OFFSET ?`, names, nil
}

// depthSetup computes, on the connection that then reads BaseItems, each
// item's depth in the ParentId tree into an indexed temporary table (joining
// the recursive query's result directly would compare every item with every
// other). Items in no tree (a missing parent, a cycle) come last, where the
// foreign-key check rejects them.
var depthSetup = []string{
	`DROP TABLE IF EXISTS temp.jellyha_depth`,
	`CREATE TEMP TABLE jellyha_depth (id TEXT NOT NULL PRIMARY KEY, depth INTEGER NOT NULL) WITHOUT ROWID`,
	`INSERT INTO temp.jellyha_depth
WITH RECURSIVE tree(id, depth) AS (
  SELECT "Id", 0 FROM "BaseItems" WHERE "ParentId" IS NULL OR "ParentId" NOT IN (SELECT "Id" FROM "BaseItems")
  UNION ALL
  SELECT c."Id", tree.depth + 1 FROM "BaseItems" c JOIN tree ON c."ParentId" = tree.id
)
SELECT id, MIN(depth) FROM tree GROUP BY id`,
}

// eachSourceRow runs a table's source query from offset on and calls fn with
// each row's values. It talks to the SQLite driver directly, below
// database/sql, which saves a fifth of the reading time (the largest cost of
// a migration); the values are the driver's own: int64, float64, string,
// []byte (a fresh copy) or nil. The query runs on a connection of its own,
// since BaseItems' order needs a temporary table there.
func eachSourceRow(ctx context.Context, db *sql.DB, t *Table, query string, offset int64, fn func(raw []any) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if t.Name == "BaseItems" {
		for _, stmt := range depthSetup {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("order BaseItems by depth: %w", err)
			}
		}
	}
	return conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("the SQLite driver cannot query directly")
		}
		rows, err := q.QueryContext(ctx, query, []driver.NamedValue{{Ordinal: 1, Value: offset}})
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		dest := make([]driver.Value, len(rows.Columns()))
		raw := make([]any, len(dest))
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := rows.Next(dest); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
			for i, v := range dest {
				raw[i] = v
			}
			if err := fn(raw); err != nil {
				return err
			}
		}
	})
}

// sourceColumns lists the columns a source table has.
func sourceColumns(ctx context.Context, src *sql.DB, table string) (map[string]bool, error) {
	rows, err := src.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		cols[n] = true
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("source has no table %s", table)
	}
	return cols, rows.Err()
}

// rawJSON renders a source row for the rejects file: text as text, blobs in
// hex, so that nothing is lost and the file stays readable.
func rawJSON(names []string, raw []any) string {
	m := make(map[string]any, len(names))
	for i, n := range names {
		switch v := raw[i].(type) {
		case []byte:
			m[n] = map[string]string{"blob": hex.EncodeToString(v)}
		default:
			m[n] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// rowConverter turns a source row (in the source query's column order) into
// the target's values, in its column order.
type rowConverter struct {
	t           *Table
	srcPos      []int // target column -> source column, -1 if absent
	userNamePos int   // source position of Users.Username, for NormalizedUsername
}

func newRowConverter(t *Table, names []string) (*rowConverter, error) {
	rc := &rowConverter{t: t, srcPos: make([]int, len(t.Columns)), userNamePos: -1}
	for i, c := range t.Columns {
		rc.srcPos[i] = -1
		for j, n := range names {
			if n == c.Name {
				rc.srcPos[i] = j
			}
			if t.Name == "Users" && n == "Username" {
				rc.userNamePos = j
			}
		}
		computed := t.Name == "Users" && c.Name == "NormalizedUsername"
		if rc.srcPos[i] < 0 && !computed {
			return nil, fmt.Errorf("source table %s lacks column %s", t.Name, c.Name)
		}
	}
	return rc, nil
}

func (rc *rowConverter) convert(raw []any) (vals []any, ch change, reason string) {
	vals = make([]any, len(rc.t.Columns))
	for i := range rc.t.Columns {
		var v any
		if p := rc.srcPos[i]; p >= 0 {
			v = raw[p]
		} else if rc.userNamePos >= 0 {
			// Before 10.11.10 there is no NormalizedUsername: computed as
			// Jellyfin's migration does, from the user name.
			if s, ok := raw[rc.userNamePos].(string); ok {
				v = strings.ToUpper(s)
			}
			ch |= converted
		}
		out, c, why := convert(&rc.t.Columns[i], v)
		if why != "" && reason == "" {
			reason = rc.t.Columns[i].Name + ": " + why
		}
		vals[i], ch = out, ch|c
	}
	return vals, ch, reason
}
