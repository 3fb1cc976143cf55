// Package migrate moves a Jellyfin 10.11 jellyfin.db into PostgreSQL and
// back. Every value is converted by the type its target column has (not by
// SQLite's declared type, which says little: a TEXT column holds GUIDs,
// dates and names alike), every row that PostgreSQL would refuse is either
// converted by a documented rule or set aside with its reason, and the
// result is proved by per-table counts and content checksums computed
// independently on both sides.
package migrate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jellyha/jellyha/internal/schema"
)

// Kind is what a column holds, as its PostgreSQL type says.
type Kind int

// The kinds of column in Jellyfin's schema.
const (
	KindText Kind = iota
	KindUUID
	KindBool
	KindTime
	KindInt32
	KindInt64
	KindFloat32
	KindFloat64
	KindBytes
	KindInt64Array
)

// Column is one column of a table being moved.
type Column struct {
	Name    string
	Kind    Kind
	NotNull bool
	MaxLen  int // varchar(N), in characters; 0 for unlimited
}

// Table is one of Jellyfin's 30 tables with what the migrator needs to know.
type Table struct {
	Name     string
	Columns  []Column
	Identity bool // integer identity "Id" (SQLite AUTOINCREMENT)
	// Keys are the primary key and each unique index, as column positions
	// (with the partial-index rule: a key with a NULL is not checked).
	Keys [][]int
	FKs  []FK
}

// FK is a foreign key: columns of this table referencing a key of Parent.
type FK struct {
	Columns []int
	Parent  string
	// ParentKey names the referenced columns.
	ParentKey []string
}

func kindOf(pgType string) (Kind, int, error) {
	t := strings.TrimSuffix(pgType, " identity")
	switch {
	case t == "uuid":
		return KindUUID, 0, nil
	case t == "boolean":
		return KindBool, 0, nil
	case t == "timestamp with time zone":
		return KindTime, 0, nil
	case t == "integer":
		return KindInt32, 0, nil
	case t == "bigint":
		return KindInt64, 0, nil
	case t == "real":
		return KindFloat32, 0, nil
	case t == "double precision":
		return KindFloat64, 0, nil
	case t == "text":
		return KindText, 0, nil
	case t == "bytea":
		return KindBytes, 0, nil
	case t == "bigint[]":
		return KindInt64Array, 0, nil
	case strings.HasPrefix(t, "character varying(") && strings.HasSuffix(t, ")"):
		n, err := strconv.Atoi(t[len("character varying(") : len(t)-1])
		return KindText, n, err
	}
	return 0, 0, fmt.Errorf("migrate: no conversion for PostgreSQL type %q", pgType)
}

// Tables returns Jellyfin's 30 tables from the PostgreSQL schema s, in an
// order where every table comes after the tables it references.
func Tables(s *schema.Schema) ([]*Table, error) {
	byName := map[string]*Table{}
	for name, st := range s.Tables {
		if strings.HasPrefix(name, "jellyha_") || strings.HasPrefix(name, "__EF") {
			continue
		}
		t, err := tableOf(name, st)
		if err != nil {
			return nil, err
		}
		byName[name] = t
	}
	if len(byName) != 30 {
		return nil, fmt.Errorf("migrate: the target schema has %d of Jellyfin's tables, want 30", len(byName))
	}
	return ordered(byName), nil
}

// OwnTables are jellyha's tables that hold what its users set up, which
// move with Jellyfin's: the libraries jellyha manages and their folders
// (without them every replica would re-adopt each library from its items,
// losing its options), the scanner's knowledge of each file (without it the
// first scan probes every file again) and the pictures users uploaded
// (kept nowhere else). Listed parents first. jellyha's other tables are
// not data: jellyha_settings is merged key by key (see copySettings), the
// import tables are the migrator's own, and the scan lease, sessions and
// transcode jobs describe replicas running on the source.
var OwnTables = []string{"jellyha_libraries", "jellyha_library_paths", "jellyha_scan_files", "jellyha_user_images"}

// Own returns OwnTables from the PostgreSQL schema s.
func Own(s *schema.Schema) ([]*Table, error) {
	var out []*Table
	for _, name := range OwnTables {
		st, ok := s.Tables[name]
		if !ok {
			return nil, fmt.Errorf("migrate: the target schema has no table %s", name)
		}
		t, err := tableOf(name, st)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// tableOf describes one table of the PostgreSQL schema.
func tableOf(name string, st *schema.Table) (*Table, error) {
	t := &Table{Name: name, Identity: st.AutoIncrement}
	pos := map[string]int{}
	for i, c := range st.Columns {
		k, n, err := kindOf(c.Type)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", name, c.Name, err)
		}
		t.Columns = append(t.Columns, Column{Name: c.Name, Kind: k, NotNull: c.NotNull, MaxLen: n})
		pos[c.Name] = i
	}
	cols := func(names []string) []int {
		out := make([]int, len(names))
		for i, n := range names {
			out[i] = pos[n]
		}
		return out
	}
	t.Keys = append(t.Keys, cols(st.PrimaryKey))
	for _, ix := range st.Indexes {
		if ix.Unique {
			t.Keys = append(t.Keys, cols(ix.Columns))
		}
	}
	for _, fk := range st.ForeignKeys {
		t.FKs = append(t.FKs, FK{Columns: cols(fk.Columns), Parent: fk.RefTable, ParentKey: fk.RefColumn})
	}
	return t, nil
}

// ordered lists tables so that each comes after those it references.
func ordered(byName map[string]*Table) []*Table {
	var order []*Table
	done := map[string]bool{}
	var visit func(t *Table)
	visit = func(t *Table) {
		if done[t.Name] {
			return
		}
		done[t.Name] = true
		for _, fk := range t.FKs {
			if p := byName[fk.Parent]; p != nil && p != t {
				visit(p)
			}
		}
		order = append(order, t)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		visit(byName[n])
	}
	return order
}

// column returns the position of the named column, or -1.
func (t *Table) column(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}
