package schema

import (
	"slices"
	"strings"
)

// Secondary is an index or foreign key that a bulk load may drop and then
// recreate: rebuilding an index once after a load is cheaper than updating
// it row by row, and the loader checks foreign keys itself.
type Secondary struct {
	Table string
	Name  string
	// Index is true for a non-unique index, false for a foreign key.
	Index  bool
	Create string // idempotent: does nothing when the object exists
	Drop   string // idempotent
}

// PostgresSecondaries lists the non-unique indexes and the foreign keys of
// Jellyfin's PostgreSQL schema, from the DDL this package creates it with,
// and jellyha's own indexes on Jellyfin's tables (its migrations' one-line
// CREATE INDEX "jellyha_..." ON "<Jellyfin table>"). Unique indexes and
// primary keys stay: they are constraints.
func PostgresSecondaries() []Secondary {
	ddl := JellyfinDDL(PostgreSQL)
	// jellyha's indexes as its migrations leave them: a later migration's
	// DROP INDEX "jellyha_..." takes out an earlier one's.
	var ours []string
	for _, m := range jellyhaMigrations(PostgreSQL) {
		for line := range strings.SplitSeq(m.sql, "\n") {
			switch {
			case strings.HasPrefix(line, `CREATE INDEX "jellyha_`) && strings.Contains(line, ` ON "`):
				ours = append(ours, line)
			case strings.HasPrefix(line, `DROP INDEX "jellyha_`):
				name := quotedName(line)
				ours = slices.DeleteFunc(ours, func(l string) bool { return quotedName(l) == name })
			}
		}
	}
	ddl += "\n" + strings.Join(ours, "\n")
	var out []Secondary
	table := ""
	for line := range strings.SplitSeq(ddl, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "CREATE TABLE "):
			table = quotedName(trimmed[len("CREATE TABLE "):])
		case strings.HasPrefix(trimmed, "CREATE INDEX "):
			name := quotedName(trimmed[len("CREATE INDEX "):])
			on := trimmed[strings.Index(trimmed, " ON ")+4:]
			out = append(out, Secondary{
				Table: quotedName(on), Name: name, Index: true,
				Create: "CREATE INDEX IF NOT EXISTS " + strings.TrimSuffix(trimmed[len("CREATE INDEX "):], ";"),
				Drop:   `DROP INDEX IF EXISTS "` + name + `"`,
			})
		case strings.HasPrefix(trimmed, `CONSTRAINT "FK_`):
			name := quotedName(trimmed[len("CONSTRAINT "):])
			def := strings.TrimSuffix(trimmed, ",")
			out = append(out, Secondary{
				Table: table, Name: name,
				// ADD CONSTRAINT has no IF NOT EXISTS: the DO block is it.
				Create: `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '` + name + `' AND connamespace = current_schema()::regnamespace) THEN ALTER TABLE "` + table + `" ADD ` + def + `; END IF; END $$`,
				Drop:   `ALTER TABLE "` + table + `" DROP CONSTRAINT IF EXISTS "` + name + `"`,
			})
		}
	}
	return out
}

// quotedName returns the first double-quoted identifier in s.
func quotedName(s string) string {
	i := strings.IndexByte(s, '"')
	j := strings.IndexByte(s[i+1:], '"')
	return s[i+1 : i+1+j]
}
