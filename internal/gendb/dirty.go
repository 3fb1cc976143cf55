package gendb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Planted is one awkward value Dirty wrote, and what the migrator must make
// of it: "reject" (with Reason found in the reject's reason), "converted"
// or "rounded".
type Planted struct {
	Table   string
	What    string
	Outcome string
	Reason  string
}

// Dirty plants into an SQLite jellyfin.db (already generated) every kind of
// value that SQLite lets through and PostgreSQL refuses: other GUID forms,
// flags that are not 0/1, empty and oddly written dates, 100 ns fractions,
// NUL characters, over-long strings, integers out of range, values of the
// wrong storage class, malformed keyframe lists and rows that break a
// foreign key or become duplicates once GUIDs are normalised. It writes with
// foreign keys off, as old Jellyfin data and hand edits did.
func Dirty(ctx context.Context, db *sql.DB) ([]Planted, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return nil, err
	}
	var user, item, folder string
	if err := conn.QueryRowContext(ctx, `SELECT "Id" FROM "Users" ORDER BY "InternalId" LIMIT 1`).Scan(&user); err != nil {
		return nil, fmt.Errorf("gendb: Dirty needs a generated database: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT "Id" FROM "BaseItems" WHERE "Type" = 'MediaBrowser.Controller.Entities.Movies.Movie' ORDER BY "Id" LIMIT 1`).Scan(&item); err != nil {
		return nil, fmt.Errorf("gendb: Dirty needs a movie: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT "Id" FROM "BaseItems" WHERE "Type" = 'MediaBrowser.Controller.Entities.CollectionFolder' ORDER BY "Id" LIMIT 1`).Scan(&folder); err != nil {
		return nil, fmt.Errorf("gendb: Dirty needs a library folder: %w", err)
	}
	lower := strings.ToLower(folder)
	nForm := strings.ReplaceAll(lower, "-", "")

	// A movie row to vary: every BaseItems plant copies it under a new Id.
	baseItem := func(id, set string) string {
		return `CREATE TEMP TABLE dirty AS SELECT * FROM "BaseItems" WHERE "Id" = '` + item + `';
UPDATE temp.dirty SET "Id" = '` + id + `', "PresentationUniqueKey" = '` + id + `'` + set + `;
INSERT INTO "BaseItems" SELECT * FROM temp.dirty;
DROP TABLE temp.dirty`
	}
	plants := []struct {
		Planted
		sql string
	}{
		{Planted{"BaseItems", "ChannelId in lowercase", "converted", ""},
			baseItem("D1000000-0000-4000-8000-000000000001", `, "ChannelId" = '`+lower+`'`)},
		{Planted{"BaseItems", "TopParentId as 32 hex digits (N form)", "converted", ""},
			baseItem("D1000000-0000-4000-8000-000000000002", `, "TopParentId" = '`+nForm+`'`)},
		{Planted{"BaseItems", "SeriesId as a 16-byte .NET GUID blob", "converted", ""},
			baseItem("D1000000-0000-4000-8000-000000000003", `, "SeriesId" = X'78563412341278561234567812345678'`)},
		{Planted{"BaseItems", "IsFolder = 2", "converted", ""},
			baseItem("D1000000-0000-4000-8000-000000000004", `, "IsFolder" = 2`)},
		{Planted{"BaseItems", "DateCreated empty string", "converted", ""},
			baseItem("D1000000-0000-4000-8000-000000000005", `, "DateCreated" = ''`)},
		{Planted{"BaseItems", "DateModified with T and Z", "converted", ""},
			baseItem("D1000000-0000-4000-8000-000000000006", `, "DateModified" = '2024-03-01T10:20:30.5Z'`)},
		{Planted{"BaseItems", "Name with a NUL character", "converted", ""},
			baseItem("D1000000-0000-4000-8000-000000000007", `, "Name" = 'Nul' || char(0) || 'Film'`)},
		// SQLite's column affinity turns numeric-looking text into numbers in
		// REAL and INTEGER columns, so only a BLOB or other text can be the
		// wrong storage class there.
		{Planted{"BaseItems", "CommunityRating as a BLOB", "reject", "BLOB value"},
			baseItem("D1000000-0000-4000-8000-000000000008", `, "CommunityRating" = X'0102'`)},
		{Planted{"BaseItems", "Id that is not a GUID", "reject", "Id: \"not-a-guid\" is not a GUID"},
			baseItem("not-a-guid", "")},
		{Planted{"UserData", "UserData of the item whose Id is not a GUID", "reject", "ItemId: \"not-a-guid\" is not a GUID"},
			`INSERT INTO "UserData" ("ItemId", "UserId", "CustomDataKey", "IsFavorite", "PlayCount", "PlaybackPositionTicks", "Played") VALUES ('not-a-guid', '` + user + `', 'dirty-1', 1, 0, 0, 0)`},
		{Planted{"UserData", "UserData of an item that does not exist", "reject", "refers to a BaseItems row that does not exist"},
			`INSERT INTO "UserData" ("ItemId", "UserId", "CustomDataKey", "IsFavorite", "PlayCount", "PlaybackPositionTicks", "Played") VALUES ('D2000000-0000-4000-8000-00000000DEAD', '` + user + `', 'dirty-2', 1, 0, 0, 0)`},
		{Planted{"UserData", "LastPlayedDate with 100 ns digits", "rounded", ""},
			`INSERT INTO "UserData" ("ItemId", "UserId", "CustomDataKey", "IsFavorite", "PlayCount", "PlaybackPositionTicks", "Played", "LastPlayedDate") VALUES ('` + item + `', '` + user + `', 'dirty-3', 0, 1, 0, 1, '2025-12-11 12:27:10.2655177')`},
		{Planted{"UserData", "Played = 'true' as text", "converted", ""},
			`INSERT INTO "UserData" ("ItemId", "UserId", "CustomDataKey", "IsFavorite", "PlayCount", "PlaybackPositionTicks", "Played") VALUES ('` + item + `', '` + user + `', 'dirty-4', 0, 1, 0, 'true')`},
		{Planted{"ActivityLogs", "Name longer than varchar(512)", "reject", "longer than character varying(512)"},
			`INSERT INTO "ActivityLogs" ("Name", "Type", "UserId", "DateCreated", "LogSeverity", "RowVersion") VALUES ('` + strings.Repeat("x", 600) + `', 'Dirty', '` + user + `', '2025-01-01 00:00:00', 2, 0)`},
		{Planted{"MediaStreamInfos", "BitRate beyond int32", "reject", "out of range for integer"},
			`INSERT INTO "MediaStreamInfos" ("ItemId", "StreamIndex", "StreamType", "IsDefault", "IsExternal", "IsForced", "BitRate") VALUES ('` + item + `', 900, 0, 0, 0, 0, 3000000000)`},
		{Planted{"MediaStreamInfos", "Width as text", "reject", "where an integer belongs"},
			`INSERT INTO "MediaStreamInfos" ("ItemId", "StreamIndex", "StreamType", "IsDefault", "IsExternal", "IsForced", "Width") VALUES ('` + item + `', 901, 1, 0, 0, 0, 'wide')`},
		{Planted{"KeyframeData", "KeyframeTicks that are not a JSON array", "reject", "not a JSON array of integers"},
			`INSERT INTO "KeyframeData" ("ItemId", "TotalDuration", "KeyframeTicks") VALUES ('D1000000-0000-4000-8000-000000000001', 10, '[1,2,')`},
		{Planted{"Peoples", "a second person whose Id differs only in case", "reject", "duplicate primary key (Id)"},
			`INSERT INTO "Peoples" ("Id", "Name", "PersonType") SELECT lower("Id"), "Name" || ' (dup)', "PersonType" FROM "Peoples" ORDER BY "Id" LIMIT 1`},
		{Planted{"Devices", "DateCreated empty in a NOT NULL column", "reject", "empty date in a NOT NULL column"},
			`INSERT INTO "Devices" ("UserId", "AccessToken", "AppName", "AppVersion", "DeviceName", "DeviceId", "IsActive", "DateCreated", "DateModified", "DateLastActivity") VALUES ('` + user + `', 'deadbeefdeadbeefdeadbeefdeadbeef', 'Dirty', '1', 'dirty', 'dirty-device', 1, '', '2025-01-01 00:00:00', '2025-01-01 00:00:00')`},
		{Planted{"BaseItemImageInfos", "Blurhash as text", "converted", ""},
			`INSERT INTO "BaseItemImageInfos" ("Id", "Blurhash", "DateModified", "Height", "ImageType", "ItemId", "Path", "Width") VALUES ('D3000000-0000-4000-8000-000000000001', 'LKO2?U%2Tw=w]~RBVZRi};RPxuwH', NULL, 100, 0, '` + item + `', '/config/metadata/x.jpg', 100)`},
		{Planted{"ItemValues", "Value that is not valid UTF-8", "reject", "not valid UTF-8"},
			`INSERT INTO "ItemValues" ("ItemValueId", "Type", "Value", "CleanValue") VALUES ('D4000000-0000-4000-8000-000000000001', 2, CAST(X'C3' AS TEXT), 'x')`},
		{Planted{"ItemValuesMap", "map row to the rejected ItemValue", "reject", "refers to a ItemValues row that does not exist"},
			`INSERT INTO "ItemValuesMap" ("ItemId", "ItemValueId") VALUES ('` + item + `', 'D4000000-0000-4000-8000-000000000001')`},
		{Planted{"Chapters", "ImageDateModified in year 0001 (kept as is)", "none", ""},
			`INSERT INTO "Chapters" ("ItemId", "ChapterIndex", "StartPositionTicks", "Name", "ImageDateModified") VALUES ('` + item + `', 900, 0, 'Dirty', '0001-01-01 05:51:00')`},
	}
	out := make([]Planted, 0, len(plants))
	for _, p := range plants {
		for stmt := range strings.SplitSeq(p.sql, ";\n") {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return nil, fmt.Errorf("gendb: plant %q: %w", p.What, err)
			}
		}
		out = append(out, p.Planted)
	}
	return out, nil
}
