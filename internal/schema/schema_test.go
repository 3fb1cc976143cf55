package schema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/schema"
	"github.com/jellyha/jellyha/internal/testdb"
)

// oracle is the shape of jellyfin-10.11.11-sqlite-schema.json: the structure
// of a real Jellyfin 10.11.11 jellyfin.db.
type oracle struct {
	Tables map[string]struct {
		AutoIncrement bool `json:"autoincrement"`
		Columns       []struct {
			Name    string  `json:"name"`
			Type    string  `json:"type"`
			NotNull bool    `json:"notnull"`
			Default *string `json:"default"`
			PK      int     `json:"pk"`
		} `json:"columns"`
		ForeignKeys []struct {
			Column     string `json:"column"`
			References string `json:"references"`
			OnDelete   string `json:"on_delete"`
		} `json:"foreign_keys"`
		Indexes []struct {
			Name    string   `json:"name"`
			Columns []string `json:"columns"`
			Unique  bool     `json:"unique"`
		} `json:"indexes"`
	} `json:"tables"`
}

func loadOracle(t *testing.T) *oracle {
	t.Helper()
	b, err := os.ReadFile(testdb.Reference(t, "jellyfin-10.11.11-sqlite-schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var o oracle
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Tables) != 32 {
		t.Fatalf("oracle has %d tables, want 32", len(o.Tables))
	}
	return &o
}

// EF truncates identifiers over PostgreSQL's 63 bytes with a "~".
func pgIndexName(name string) string {
	if len(name) <= 63 {
		return name
	}
	return name[:62] + "~"
}

func openMigrated(t *testing.T, p database.Provider) *database.DB {
	return testdb.Open(t, p)
}

// jellyfinTables drops jellyha's own tables, which the oracle does not know.
func jellyfinTables(s *schema.Schema) map[string]*schema.Table {
	out := map[string]*schema.Table{}
	for n, tb := range s.Tables {
		if !strings.HasPrefix(n, "jellyha_") {
			// jellyha's own indexes on Jellyfin's tables (browse
			// indexes) are named jellyha_* and are not Jellyfin's.
			t := *tb
			t.Indexes = slices.DeleteFunc(slices.Clone(tb.Indexes), func(ix schema.Index) bool { return strings.HasPrefix(ix.Name, "jellyha_") })
			out[n] = &t
		}
	}
	return out
}

func TestSQLiteSchemaMatchesJellyfin(t *testing.T) {
	o := loadOracle(t)
	db := openMigrated(t, database.NewSQLite(testdb.SQLitePath(t), nil))
	live, err := schema.Inspect(context.Background(), db.Read, schema.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	tables := jellyfinTables(live)
	var diffs []string
	for name, want := range o.Tables {
		got := tables[name]
		if got == nil {
			diffs = append(diffs, "missing table "+name)
			continue
		}
		if got.AutoIncrement != want.AutoIncrement {
			diffs = append(diffs, fmt.Sprintf("%s: autoincrement %v, want %v", name, got.AutoIncrement, want.AutoIncrement))
		}
		var wantCols, gotCols []string
		var wantPK []string
		pk := map[int]string{}
		for _, c := range want.Columns {
			def := ""
			if c.Default != nil {
				def = *c.Default
			}
			wantCols = append(wantCols, fmt.Sprintf("%s %s notnull=%v default=%q", c.Name, c.Type, c.NotNull, def))
			if c.PK > 0 {
				pk[c.PK] = c.Name
			}
		}
		for i := 1; i <= len(pk); i++ {
			wantPK = append(wantPK, pk[i])
		}
		for _, c := range got.Columns {
			gotCols = append(gotCols, fmt.Sprintf("%s %s notnull=%v default=%q", c.Name, c.Type, c.NotNull, c.Default))
		}
		if !slices.Equal(wantCols, gotCols) {
			diffs = append(diffs, fmt.Sprintf("%s columns:\n got %q\nwant %q", name, gotCols, wantCols))
		}
		if !slices.Equal(wantPK, got.PrimaryKey) {
			diffs = append(diffs, fmt.Sprintf("%s: primary key %v, want %v", name, got.PrimaryKey, wantPK))
		}
		var wantFK, gotFK []string
		for _, fk := range want.ForeignKeys {
			wantFK = append(wantFK, fmt.Sprintf("%s -> %s %s", fk.Column, fk.References, fk.OnDelete))
		}
		for _, fk := range got.ForeignKeys {
			gotFK = append(gotFK, fmt.Sprintf("%s -> %s(%s) %s", fk.Columns[0], fk.RefTable, fk.RefColumn[0], fk.OnDelete))
		}
		slices.Sort(wantFK)
		slices.Sort(gotFK)
		if !slices.Equal(wantFK, gotFK) {
			diffs = append(diffs, fmt.Sprintf("%s foreign keys %q, want %q", name, gotFK, wantFK))
		}
		var wantIx, gotIx []string
		for _, ix := range want.Indexes {
			wantIx = append(wantIx, fmt.Sprintf("%s %v unique=%v", ix.Name, ix.Columns, ix.Unique))
		}
		for _, ix := range got.Indexes {
			gotIx = append(gotIx, fmt.Sprintf("%s %v unique=%v", ix.Name, ix.Columns, ix.Unique))
		}
		slices.Sort(wantIx)
		slices.Sort(gotIx)
		if !slices.Equal(wantIx, gotIx) {
			diffs = append(diffs, fmt.Sprintf("%s indexes %q, want %q", name, gotIx, wantIx))
		}
	}
	for name := range tables {
		if _, ok := o.Tables[name]; !ok {
			diffs = append(diffs, "extra table "+name)
		}
	}
	for _, d := range diffs {
		t.Error(d)
	}
	// Totals the issue names: 32 tables, 25 foreign keys, 52 indexes.
	fks, ixs := 0, 0
	for _, tb := range tables {
		fks += len(tb.ForeignKeys)
		ixs += len(tb.Indexes)
	}
	if len(tables) != 32 || fks != 25 || ixs != 52 {
		t.Errorf("got %d tables, %d foreign keys, %d indexes; want 32, 25, 52", len(tables), fks, ixs)
	}
	// The two partial indexes keep Jellyfin's SQL-Server-style filter.
	for _, name := range []string{"Permissions", "Preferences"} {
		ix := tables[name].Indexes[0]
		if ix.Where != "[UserId] IS NOT NULL" {
			t.Errorf("%s: index %s filter %q", name, ix.Name, ix.Where)
		}
	}
}

func TestPostgresSchemaMatchesCommunityMapping(t *testing.T) {
	o := loadOracle(t)
	b, err := os.ReadFile(testdb.Reference(t, "jellyfin-10.11.11-postgres-types.json"))
	if err != nil {
		t.Fatal(err)
	}
	var types struct {
		Tables map[string]map[string]string `json:"tables"`
	}
	if err := json.Unmarshal(b, &types); err != nil {
		t.Fatal(err)
	}
	p, err := database.NewPostgres(testdb.NewPostgres(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := openMigrated(t, p)
	live, err := schema.Inspect(context.Background(), db.Read, schema.PostgreSQL)
	if err != nil {
		t.Fatal(err)
	}
	tables := jellyfinTables(live)
	if len(tables) != len(types.Tables) {
		t.Errorf("got %d tables, want %d (%d of Jellyfin's and __EFMigrationsHistory)", len(tables), len(types.Tables), len(types.Tables)-1)
	}
	for name, cols := range types.Tables {
		got := tables[name]
		if got == nil {
			t.Errorf("missing table %s", name)
			continue
		}
		want := o.Tables[name]
		if len(got.Columns) != len(cols) {
			t.Errorf("%s: %d columns, want %d", name, len(got.Columns), len(cols))
		}
		notNull := map[string]bool{}
		for _, c := range want.Columns {
			notNull[c.Name] = c.NotNull
		}
		for _, c := range got.Columns {
			if cols[c.Name] != c.Type {
				t.Errorf("%s.%s: type %q, want %q", name, c.Name, c.Type, cols[c.Name])
			}
			if c.NotNull != notNull[c.Name] {
				t.Errorf("%s.%s: not null %v, want %v", name, c.Name, c.NotNull, notNull[c.Name])
			}
			isText := c.Type == "text" || strings.HasPrefix(c.Type, "character varying")
			if isText && c.Collation != "C" {
				t.Errorf("%s.%s: collation %q, want C (SQLite's byte order)", name, c.Name, c.Collation)
			}
		}
		var wantIx, gotIx []string
		for _, ix := range want.Indexes {
			wantIx = append(wantIx, fmt.Sprintf("%s %v unique=%v", pgIndexName(ix.Name), ix.Columns, ix.Unique))
		}
		for _, ix := range got.Indexes {
			gotIx = append(gotIx, fmt.Sprintf("%s %v unique=%v", ix.Name, ix.Columns, ix.Unique))
		}
		slices.Sort(wantIx)
		slices.Sort(gotIx)
		if !slices.Equal(wantIx, gotIx) {
			t.Errorf("%s indexes %q, want %q", name, gotIx, wantIx)
		}
		var wantFK, gotFK []string
		for _, fk := range want.ForeignKeys {
			ref := strings.TrimSuffix(fk.References, ")")
			refTable, _, _ := strings.Cut(ref, "(")
			wantFK = append(wantFK, fmt.Sprintf("FK_%s_%s_%s %s -> %s) %s", name, refTable, fk.Column, fk.Column, ref, fk.OnDelete))
		}
		for _, fk := range got.ForeignKeys {
			gotFK = append(gotFK, fmt.Sprintf("%s %s -> %s(%s) %s", fk.Name, fk.Columns[0], fk.RefTable, fk.RefColumn[0], fk.OnDelete))
		}
		slices.Sort(wantFK)
		slices.Sort(gotFK)
		if !slices.Equal(wantFK, gotFK) {
			t.Errorf("%s foreign keys %q, want %q", name, gotFK, wantFK)
		}
		pk := map[int]string{}
		for _, c := range want.Columns {
			if c.PK > 0 {
				pk[c.PK] = c.Name
			}
		}
		var wantPK []string
		for i := 1; i <= len(pk); i++ {
			wantPK = append(wantPK, pk[i])
		}
		if !slices.Equal(wantPK, got.PrimaryKey) {
			t.Errorf("%s: primary key %v, want %v", name, got.PrimaryKey, wantPK)
		}
	}
}
