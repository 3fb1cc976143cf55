package gendb_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/gendb"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/password"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

func open(t *testing.T, p database.Provider) *store.Store {
	return store.New(testdb.Open(t, p))
}

func sqliteStore(t *testing.T) *store.Store {
	return open(t, database.NewSQLite(testdb.SQLitePath(t), nil))
}

func postgresStore(t *testing.T) *store.Store {
	p, err := database.NewPostgres(testdb.NewPostgres(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return open(t, p)
}

func generate(t *testing.T, s *store.Store, size gendb.Size, seed int64) *gendb.Stats {
	t.Helper()
	st, err := gendb.Generate(context.Background(), s, gendb.Options{Size: size, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func checkAllTables(t *testing.T, st *gendb.Stats) {
	t.Helper()
	if len(st.Rows) != 30 || len(gendb.Tables) != 30 {
		t.Fatalf("%d tables counted, want 30", len(st.Rows))
	}
	for _, table := range gendb.Tables {
		if st.Rows[table] == 0 {
			t.Errorf("table %s is empty", table)
		}
	}
}

func checkDiffs(t *testing.T, s *store.Store) {
	t.Helper()
	diffs, err := s.DB().Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("schema differs after generation: %s", d)
	}
}

// column returns every value of a query's first column as text (NULLs
// left out).
func column(t *testing.T, s *store.Store, query string) []string {
	t.Helper()
	rows, err := s.DB().Read.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v.Valid {
			out = append(out, v.String)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, s *store.Store, query string) int {
	t.Helper()
	var n int
	if err := s.DB().Read.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

var (
	upperGUID = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	dateForm  = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,7})?$`)
	nForm     = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// guidColumns are GUID-typed columns, which Jellyfin writes as uppercase
// hyphenated text on SQLite.
var guidColumns = [][2]string{
	{"BaseItems", "Id"}, {"BaseItems", "ParentId"}, {"BaseItems", "TopParentId"}, {"BaseItems", "SeriesId"}, {"BaseItems", "SeasonId"},
	{"BaseItems", "ChannelId"}, {"AncestorIds", "ParentItemId"}, {"MediaStreamInfos", "ItemId"}, {"Chapters", "ItemId"},
	{"ItemValues", "ItemValueId"}, {"ItemValuesMap", "ItemValueId"}, {"Peoples", "Id"}, {"PeopleBaseItemMap", "PeopleId"},
	{"BaseItemImageInfos", "Id"}, {"BaseItemProviders", "ItemId"}, {"KeyframeData", "ItemId"}, {"MediaSegments", "Id"},
	{"TrickplayInfos", "ItemId"}, {"UserData", "UserId"}, {"Users", "Id"}, {"Devices", "UserId"}, {"ActivityLogs", "UserId"},
	{"DisplayPreferences", "ItemId"}, {"CustomItemDisplayPreferences", "ItemId"}, {"ImageInfos", "UserId"}, {"AccessSchedules", "UserId"},
}

// dateColumns are DateTime columns, stored as text on SQLite.
var dateColumns = [][2]string{
	{"BaseItems", "DateCreated"}, {"BaseItems", "DateModified"}, {"BaseItems", "DateLastSaved"}, {"BaseItems", "DateLastRefreshed"},
	{"BaseItems", "PremiereDate"}, {"BaseItems", "DateLastMediaAdded"}, {"Chapters", "ImageDateModified"},
	{"BaseItemImageInfos", "DateModified"}, {"UserData", "LastPlayedDate"}, {"UserData", "RetentionDate"},
	{"Users", "LastLoginDate"}, {"Devices", "DateCreated"}, {"Devices", "DateLastActivity"}, {"ApiKeys", "DateCreated"},
	{"ApiKeys", "DateLastActivity"}, {"ActivityLogs", "DateCreated"}, {"ImageInfos", "LastModified"},
}

func TestTinySQLite(t *testing.T) {
	ctx := context.Background()
	s := sqliteStore(t)
	st := generate(t, s, gendb.Tiny, 1)
	checkAllTables(t, st)
	if n := st.Rows["BaseItems"]; n < 45 || n > 80 {
		t.Errorf("tiny has %d items, want about 60", n)
	}
	checkDiffs(t, s)
	if fk := column(t, s, `SELECT "table" || ' ' || "parent" FROM pragma_foreign_key_check`); len(fk) > 0 {
		t.Errorf("foreign key violations: %v", fk)
	}

	for _, c := range guidColumns {
		for _, v := range column(t, s, fmt.Sprintf(`SELECT "%s" FROM "%s"`, c[1], c[0])) {
			if !upperGUID.MatchString(v) {
				t.Errorf("%s.%s = %q, not an uppercase GUID", c[0], c[1], v)
				break
			}
		}
	}
	// Boolean columns hold the integers 0 and 1.
	for _, c := range [][2]string{{"BaseItems", "IsFolder"}, {"BaseItems", "IsMovie"}, {"MediaStreamInfos", "IsDefault"},
		{"MediaStreamInfos", "IsAvc"}, {"UserData", "Played"}, {"UserData", "Likes"}, {"Devices", "IsActive"}, {"Permissions", "Value"}} {
		for _, v := range column(t, s, fmt.Sprintf(`SELECT DISTINCT typeof("%s") || ':' || "%s" FROM "%s" WHERE "%s" IS NOT NULL`, c[1], c[1], c[0], c[1])) {
			if v != "integer:0" && v != "integer:1" {
				t.Errorf("%s.%s holds %s", c[0], c[1], v)
			}
		}
	}
	// Dates: Jellyfin's text form, with fractions of 0 to 7 digits.
	fractions := map[int]bool{}
	for _, c := range dateColumns {
		values := column(t, s, fmt.Sprintf(`SELECT "%s" FROM "%s"`, c[1], c[0]))
		if len(values) == 0 {
			t.Errorf("%s.%s has no dates", c[0], c[1])
		}
		for _, v := range values {
			if !dateForm.MatchString(v) {
				t.Errorf("%s.%s = %q, not Jellyfin's date form", c[0], c[1], v)
				break
			}
			_, frac, _ := strings.Cut(v, ".")
			fractions[len(frac)] = true
		}
	}
	if !fractions[0] || !fractions[7] || !fractions[3] {
		t.Errorf("date fraction lengths %v: want whole seconds, milliseconds and 100 ns ticks", fractions)
	}
	for _, q := range []string{
		`SELECT COUNT(*) FROM "Chapters" WHERE "ImageDateModified" = '0001-01-01 05:51:00'`,
		`SELECT COUNT(*) FROM "ApiKeys" WHERE "DateLastActivity" = '0001-01-01 05:51:00'`,
		`SELECT COUNT(*) FROM "UserData" WHERE "ItemId" = '00000000-0000-0000-0000-000000000001' AND "RetentionDate" IS NOT NULL`,
		`SELECT COUNT(*) FROM "PeopleBaseItemMap" WHERE "Role" = ''`,
		`SELECT COUNT(*) FROM "BaseItems" WHERE "ExtraIds" = ''`,
		`SELECT COUNT(*) FROM "BaseItems" WHERE "Type" = 'MediaBrowser.Controller.Entities.AggregateFolder' AND "ParentId" IS NULL`,
		`SELECT COUNT(*) FROM "BaseItems" WHERE "Type" = 'MediaBrowser.Controller.Entities.CollectionFolder' AND "ParentId" IN (SELECT "Id" FROM "BaseItems" WHERE "Type" = 'MediaBrowser.Controller.Entities.AggregateFolder')`,
		`SELECT COUNT(*) FROM "BaseItems" WHERE "Type" = 'MediaBrowser.Controller.Entities.TV.Episode' AND "SeriesId" IS NOT NULL AND "SeasonId" IS NOT NULL AND "SeriesName" IS NOT NULL AND "ParentIndexNumber" IS NOT NULL AND "IndexNumber" IS NOT NULL AND "SeriesPresentationUniqueKey" IS NOT NULL`,
		`SELECT COUNT(*) FROM "BaseItems" WHERE "Type" = 'MediaBrowser.Controller.Entities.Audio.Audio' AND "Album" IS NOT NULL AND "Artists" <> '' AND "AlbumArtists" <> ''`,
		`SELECT COUNT(*) FROM "BaseItems" WHERE "Type" = 'MediaBrowser.Controller.Entities.Movies.Movie' AND "Path" LIKE '/media/movies/% (____)/% (____).mkv'`,
		`SELECT COUNT(*) FROM "ItemValues" WHERE "Type" IN (2, 3, 4)`,
		`SELECT COUNT(*) FROM "BaseItemProviders" WHERE "ProviderId" = 'Imdb' AND "ProviderValue" LIKE 'tt%'`,
		`SELECT COUNT(*) FROM "UserData" WHERE "CustomDataKey" LIKE 'tt%' AND "ItemId" <> '00000000-0000-0000-0000-000000000001'`,
		`SELECT COUNT(*) FROM "UserData" WHERE "Played" = 1 AND "PlayCount" > 0 AND "LastPlayedDate" IS NOT NULL`,
		`SELECT COUNT(*) FROM "UserData" WHERE "IsFavorite" = 1`,
		`SELECT COUNT(*) FROM "MediaSegments" WHERE "Type" = 5`,
	} {
		if count(t, s, q) == 0 {
			t.Errorf("no rows: %s", q)
		}
	}
	// Empty lists are '' and never NULL.
	if n := count(t, s, `SELECT COUNT(*) FROM "BaseItems" WHERE ("Genres" IS NULL OR "ExtraIds" IS NULL OR "Tags" IS NULL) AND "Type" <> 'PLACEHOLDER'`); n != 0 {
		t.Errorf("%d items with a NULL list", n)
	}
	// Partial progress lies between 5% and 90% of the runtime.
	if n := count(t, s, `SELECT COUNT(*) FROM "UserData" u JOIN "BaseItems" b ON b."Id" = u."ItemId"
WHERE u."PlaybackPositionTicks" > 0 AND (u."PlaybackPositionTicks" < b."RunTimeTicks" * 0.05 OR u."PlaybackPositionTicks" > b."RunTimeTicks" * 0.9)`); n != 0 {
		t.Errorf("%d in-progress rows outside 5%%-90%%", n)
	}
	// Keys: provider ids, episode keys, or the item id in lowercase.
	keyForm := regexp.MustCompile(`^(tt\d{7,8}(\d{6})?|\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|.+-.+-\d{4}-\d{4}.+)$`)
	for _, k := range column(t, s, `SELECT "CustomDataKey" FROM "UserData"`) {
		if !keyForm.MatchString(k) {
			t.Errorf("user data key %q is not one of Jellyfin's forms", k)
		}
	}
	if n := count(t, s, `SELECT COUNT(*) FROM "UserData" u JOIN "BaseItems" b ON b."Id" = u."ItemId" WHERE b."Type" LIKE '%.Episode' AND length(u."CustomDataKey") > 6 AND u."CustomDataKey" GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9]'`); n == 0 {
		t.Error("no episode user data under <series key>SSSEEE")
	}
	// Keyframes: a JSON array of increasing ticks from 0.
	for _, v := range column(t, s, `SELECT "KeyframeTicks" FROM "KeyframeData"`) {
		var ticks []int64
		if err := json.Unmarshal([]byte(v), &ticks); err != nil || len(ticks) < 2 || ticks[0] != 0 || strings.Contains(v, " ") {
			t.Errorf("KeyframeTicks %.60q: %v", v, err)
			continue
		}
		for i := 1; i < len(ticks); i++ {
			if ticks[i] <= ticks[i-1] {
				t.Errorf("KeyframeTicks not increasing at %d", i)
				break
			}
		}
	}
	// Blurhashes are BLOBs of the hash's text.
	for _, v := range column(t, s, `SELECT typeof("Blurhash") || ':' || CAST("Blurhash" AS TEXT) FROM "BaseItemImageInfos" WHERE "Blurhash" IS NOT NULL`) {
		if !regexp.MustCompile(`^blob:[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{28,}$`).MatchString(v) {
			t.Errorf("blurhash %q", v)
		}
	}
	for _, v := range column(t, s, `SELECT "AccessToken" FROM "Devices" UNION ALL SELECT "AccessToken" FROM "ApiKeys" UNION ALL SELECT "ItemId" FROM "ActivityLogs"`) {
		if !nForm.MatchString(v) {
			t.Errorf("token or log item id %q is not in N form", v)
		}
	}
	// The administrator can log in.
	admin, err := s.UserByName(ctx, gendb.AdminName)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := password.Verify(gendb.AdminPassword, admin.PasswordHash); !ok || err != nil || !admin.IsAdministrator {
		t.Errorf("admin: password ok %v (%v), administrator %v", ok, err, admin.IsAdministrator)
	}
	// The store reads what the generator wrote.
	kids, err := s.Children(ctx, media.PlaceholderItemID)
	if err != nil || len(kids) != 0 {
		t.Errorf("children of the placeholder: %v %v", kids, err)
	}
}

// dump is a checksum of whole tables, ordered by their keys.
func dump(t *testing.T, s *store.Store) string {
	t.Helper()
	h := sha256.New()
	for _, q := range []string{
		`SELECT * FROM "BaseItems" ORDER BY "Id"`,
		`SELECT * FROM "AncestorIds" ORDER BY "ItemId", "ParentItemId"`,
		`SELECT * FROM "MediaStreamInfos" ORDER BY "ItemId", "StreamIndex"`,
		`SELECT * FROM "Chapters" ORDER BY "ItemId", "ChapterIndex"`,
		`SELECT * FROM "ItemValues" ORDER BY "ItemValueId"`,
		`SELECT * FROM "ItemValuesMap" ORDER BY "ItemValueId", "ItemId"`,
		`SELECT * FROM "UserData" ORDER BY "ItemId", "UserId", "CustomDataKey"`,
		`SELECT * FROM "Users" ORDER BY "Id"`,
		`SELECT * FROM "Devices" ORDER BY "Id"`,
		`SELECT * FROM "ActivityLogs" ORDER BY "Id"`,
		`SELECT * FROM "BaseItemImageInfos" ORDER BY "Id"`,
		`SELECT * FROM "KeyframeData" ORDER BY "ItemId"`,
	} {
		rows, err := s.DB().Read.QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%q\n", vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDeterministic(t *testing.T) {
	a, b, c := sqliteStore(t), sqliteStore(t), sqliteStore(t)
	sa, sb := generate(t, a, gendb.Tiny, 42), generate(t, b, gendb.Tiny, 42)
	for _, table := range gendb.Tables {
		if sa.Rows[table] != sb.Rows[table] {
			t.Errorf("%s: %d rows, then %d with the same seed", table, sa.Rows[table], sb.Rows[table])
		}
	}
	if da, db := dump(t, a), dump(t, b); da != db {
		t.Errorf("the same seed gave different content: %s, %s", da, db)
	}
	generate(t, c, gendb.Tiny, 43)
	if dump(t, a) == dump(t, c) {
		t.Error("another seed gave the same content")
	}
}

func TestTinyPostgres(t *testing.T) {
	s := postgresStore(t)
	st := generate(t, s, gendb.Tiny, 1)
	checkAllTables(t, st)
	checkDiffs(t, s)
	// The same seed gives the same library on either engine.
	lite := generate(t, sqliteStore(t), gendb.Tiny, 1)
	for _, table := range gendb.Tables {
		if st.Rows[table] != lite.Rows[table] {
			t.Errorf("%s: %d rows on PostgreSQL, %d on SQLite", table, st.Rows[table], lite.Rows[table])
		}
	}
	if n := count(t, s, `SELECT COUNT(*) FROM "KeyframeData" WHERE "KeyframeTicks"[1] = 0 AND cardinality("KeyframeTicks") > 1`); n != int(st.Rows["KeyframeData"]) {
		t.Errorf("%d of %d keyframe rows are bigint arrays from 0", n, st.Rows["KeyframeData"])
	}
	if n := count(t, s, `SELECT COUNT(*) FROM "ApiKeys" WHERE "DateLastActivity" = '0001-01-01 05:51:00+00'`); n != 1 {
		t.Errorf("%d API keys never used (year 1), want 1", n)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM "BaseItemImageInfos" WHERE convert_from("Blurhash", 'UTF8') ~ '^[0-9A-Za-z#$%*+,.:;=?@^_{|}~\[\]-]{28,}$'`); n == 0 {
		t.Error("no blurhash stored as UTF-8 bytes")
	}
	if err := gendb.CheckEmpty(context.Background(), s); !errors.Is(err, gendb.ErrNotEmpty) {
		t.Errorf("CheckEmpty after generation: %v", err)
	}
	if _, err := gendb.Generate(context.Background(), s, gendb.Options{Size: gendb.Tiny}); !errors.Is(err, gendb.ErrNotEmpty) {
		t.Errorf("second generation into the same database: %v", err)
	}
}

// TestModerate checks the write-up's moderate library: about 5,000 items,
// 50,000 item value links and 100,000 media streams. It takes about 6 s.
func TestModerate(t *testing.T) {
	start := time.Now()
	s := sqliteStore(t)
	st := generate(t, s, gendb.Moderate, 1)
	checkAllTables(t, st)
	for table, want := range map[string]int64{"BaseItems": 5000, "ItemValuesMap": 50000, "MediaStreamInfos": 100000} {
		if got := st.Rows[table]; got < want*9/10 || got > want*11/10 {
			t.Errorf("%s: %d rows, want %d ± 10%%", table, got, want)
		}
	}
	if n := st.Rows["ItemValues"]; n < 1000 || n > 10000 {
		t.Errorf("%d item values, want a few thousand", n)
	}
	if fk := column(t, s, `SELECT "table" FROM pragma_foreign_key_check LIMIT 5`); len(fk) > 0 {
		t.Errorf("foreign key violations: %v", fk)
	}
	t.Logf("moderate: %d rows in %s", st.Total(), time.Since(start).Round(time.Millisecond))
}

func TestParseSize(t *testing.T) {
	for _, z := range []gendb.Size{gendb.Tiny, gendb.Moderate, gendb.Large} {
		got, err := gendb.ParseSize(strings.ToUpper(z.String()))
		if err != nil || got != z {
			t.Errorf("ParseSize(%s) = %v, %v", z, got, err)
		}
	}
	if _, err := gendb.ParseSize("huge"); err == nil {
		t.Error("ParseSize(huge) succeeded")
	}
}
