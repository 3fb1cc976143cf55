package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// normalizePG turns a value pgx decoded into the Go type convert produces,
// so both sides of a comparison encode alike.
func normalizePG(v any) any {
	switch x := v.(type) {
	case pgtype.UUID:
		if !x.Valid {
			return nil
		}
		return x.Bytes
	case []any: // bigint[]
		out := make([]int64, len(x))
		for i, e := range x {
			n, _ := e.(int64)
			out[i] = n
		}
		return out
	case time.Time:
		return x.UTC()
	case int16:
		return int32(x)
	}
	return v
}

// sqliteChecksum computes a table's checksum from a SQLite database: each
// row read in the stable source order, converted exactly as a copy would,
// those rejected (by row number) left out.
func sqliteChecksum(ctx context.Context, db *sql.DB, t *Table, rejected map[int64]bool) (checksum, error) {
	var sum checksum
	cols, err := sourceColumns(ctx, db, t.Name)
	if err != nil {
		return sum, err
	}
	query, names, err := sourceQuery(t, cols)
	if err != nil {
		return sum, err
	}
	rc, err := newRowConverter(t, names)
	if err != nil {
		return sum, err
	}
	var buf []byte
	var num int64
	err = eachSourceRow(ctx, db, t, query, 0, func(raw []any) error {
		num++
		if rejected[num] {
			return nil
		}
		vals, _, reason := rc.convert(raw)
		if reason != "" {
			return fmt.Errorf("row %d cannot be converted (%s) yet was not rejected", num, reason)
		}
		sum.add(&buf, vals)
		return nil
	})
	return sum, err
}

// postgresChecksum computes a table's checksum from PostgreSQL, reading the
// rows in whatever order the server gives them.
func postgresChecksum(ctx context.Context, conn *pgx.Conn, t *Table) (checksum, error) {
	var sum checksum
	quoted := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		quoted[i] = `"` + c.Name + `"`
	}
	rows, err := conn.Query(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM "`+t.Name+`"`)
	if err != nil {
		return sum, err
	}
	defer rows.Close()
	var buf []byte
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return sum, err
		}
		for i := range vals {
			vals[i] = normalizePG(vals[i])
		}
		sum.add(&buf, vals)
	}
	return sum, rows.Err()
}

type checksumResult struct {
	sum checksum
	err error
}

// record stores a comparison's outcome in the table's report.
func (tr *TableReport) record(src, dst checksum) {
	match := src == dst
	tr.SourceRows, tr.TargetRows = src.Rows, dst.Rows
	tr.SourceChecksum, tr.TargetChecksum, tr.Match = src.String(), dst.String(), &match
}

// ErrMismatch reports a verification failure.
var ErrMismatch = errors.New("verification failed")

// verify compares every table's row count and checksum on both sides, the
// two computed concurrently and independently of the copy.
func (f *forward) verify(ctx context.Context) error {
	rejected := map[string]map[int64]bool{}
	for _, r := range f.rep.Rejects {
		if rejected[r.Table] == nil {
			rejected[r.Table] = map[int64]bool{}
		}
		rejected[r.Table][r.Row] = true
	}
	byName := map[string]*TableReport{}
	for _, tr := range f.rep.Tables {
		byName[tr.Table] = tr
	}
	// Tables are checked two at a time, each with its SQLite and its
	// PostgreSQL side read concurrently.
	conns := make([]*pgx.Conn, workers)
	for i := range conns {
		cfg := f.target.PgxConfig()
		cfg.RuntimeParams["application_name"] = "jellyha-verify"
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		defer c.Close(context.Background())
		conns[i] = c
	}
	err := onWorkers(func(w int) error {
		for i := w; i < len(f.tables); i += workers {
			t := f.tables[i]
			// Both sides are read afresh, each table's source side beside
			// its target side: what was copied is checked against a second
			// reading of the source, not against the copy's own reading.
			src := make(chan checksumResult, 1)
			go func() {
				s, err := sqliteChecksum(ctx, f.src, t, rejected[t.Name])
				src <- checksumResult{s, err}
			}()
			dst, err := postgresChecksum(ctx, conns[w], t)
			s := <-src
			if err != nil {
				return fmt.Errorf("verify %s in the target: %w", t.Name, err)
			}
			if s.err != nil {
				return fmt.Errorf("verify %s in the source: %w", t.Name, s.err)
			}
			byName[t.Name].record(s.sum, dst)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ok := true
	for _, t := range f.tables {
		ok = ok && *byName[t.Name].Match
	}
	f.rep.Verified = &ok
	if !ok {
		return ErrMismatch
	}
	return nil
}
