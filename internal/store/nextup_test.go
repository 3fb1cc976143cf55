package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/gendb"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// nextUpOracle is the rule NextUp implements, written as one set-based
// statement (the form NextUp had before it was made to read the user's
// play state newest first and stop early): per series with a played
// episode in the libraries, the least season/episode position beyond the
// greatest played one, least id among equals; series by their last played
// date, newest first, undated last, ties by series id. (It reaches a
// series' episodes through AncestorIds, NextUp by their SeriesId: the same
// episodes in any library jellyha or Jellyfin wrote.)
func nextUpOracle(t *testing.T, s *store.Store, user media.ID, libs []media.ID, series media.ID) []media.ID {
	t.Helper()
	const pos = `%[1]s."ParentIndexNumber" * 100000 + %[1]s."IndexNumber"`
	ep := func(a string) string {
		return fmt.Sprintf(`%[1]s."Type" = ? AND %[1]s."IsVirtualItem" = ? AND %[1]s."ParentIndexNumber" > 0 AND %[1]s."IndexNumber" IS NOT NULL`, a)
	}
	args := []any{database.GUID(user), true, media.ItemTypeEpisode, false}
	in := ""
	for i, l := range libs {
		if i > 0 {
			in += ", "
		}
		in += "?"
		args = append(args, database.GUID(l))
	}
	filter := ""
	if !series.IsZero() {
		filter = ` AND e."SeriesId" = ?`
		args = append(args, database.GUID(series))
	}
	args = append(args, media.ItemTypeEpisode, false, media.ItemTypeEpisode, false)
	query := `WITH w AS (
  SELECT e."SeriesId" AS sid, MAX(` + fmt.Sprintf(pos, "e") + `) AS pos, MAX(u."LastPlayedDate") AS lp
  FROM "BaseItems" e JOIN "UserData" u ON u."ItemId" = e."Id" AND u."UserId" = ? AND u."Played" = ?
  WHERE ` + ep("e") + ` AND e."SeriesId" IS NOT NULL AND e."TopParentId" IN (` + in + `)` + filter + `
  GROUP BY e."SeriesId"
), n AS (
  SELECT w.sid, w.lp, (SELECT MIN(` + fmt.Sprintf(pos, "x") + `) FROM "BaseItems" x
    WHERE x."Id" IN (SELECT a."ItemId" FROM "AncestorIds" a WHERE a."ParentItemId" = w.sid) AND ` + ep("x") + ` AND ` + fmt.Sprintf(pos, "x") + ` > w.pos) AS npos
  FROM w
)
SELECT (SELECT y."Id" FROM "BaseItems" y WHERE y."Id" IN (SELECT a."ItemId" FROM "AncestorIds" a WHERE a."ParentItemId" = n.sid) AND ` + ep("y") + ` AND ` + fmt.Sprintf(pos, "y") + ` = n.npos
  ORDER BY y."Id" LIMIT 1)
FROM n WHERE n.npos IS NOT NULL
ORDER BY CASE WHEN n.lp IS NULL THEN 0 ELSE 1 END DESC, n.lp DESC, n.sid`
	return queryIDs(t, s.DB(), query, args...)
}

// queryIDs runs a query whose one column is an id and returns the ids.
func queryIDs(t *testing.T, db *database.DB, query string, args ...any) []media.ID {
	t.Helper()
	rows, err := db.Read.QueryContext(context.Background(), db.Rebind(query), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []media.ID
	for rows.Next() {
		var id media.ID
		if err := rows.Scan(database.ScanGUID{ID: &id}); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNextUpMatchesRule checks NextUp against nextUpOracle on a generated
// library, for every user, every paging and with and without the total;
// then again after play dates are made equal across series (ties go by
// series id) and removed (undated series come last).
func TestNextUpMatchesRule(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := gendb.Generate(ctx, s, gendb.Options{Size: gendb.Moderate, Seed: 7}); err != nil {
			t.Fatal(err)
		}
		libs, err := s.CollectionFolders(ctx)
		if err != nil {
			t.Fatal(err)
		}
		db := s.DB()
		users := queryIDs(t, db, `SELECT DISTINCT "UserId" FROM "UserData"`)
		if len(users) == 0 {
			t.Fatal("the generated library has no play state")
		}
		check := func(stage string) {
			t.Helper()
			series := 0
			for _, u := range users {
				want := nextUpOracle(t, s, u, libs, media.NilID)
				series += len(want)
				for _, page := range [][2]int{{0, 0}, {0, 1}, {0, 5}, {3, 4}, {0, 1000}, {len(want), 5}, {len(want) + 3, 2}} {
					start, limit := page[0], page[1]
					end := len(want)
					if limit > 0 {
						end = min(end, start+limit)
					}
					var wantPage []media.ID
					if start < end {
						wantPage = want[start:end]
					}
					for _, skip := range []bool{false, true} {
						got, total, err := s.NextUp(ctx, u, libs, media.NilID, start, limit, skip)
						if err != nil {
							t.Fatal(err)
						}
						wantTotal := len(want)
						if skip {
							wantTotal = len(wantPage)
						}
						if !slices.Equal(got, wantPage) || total != wantTotal {
							t.Errorf("%s: user %s, start %d, limit %d, skipTotal %v: got %v (total %d), want %v (total %d)",
								stage, u, start, limit, skip, got, total, wantPage, wantTotal)
						}
					}
				}
				// One series, and a user limited to some libraries.
				if len(want) > 0 {
					var sid media.ID
					if err := db.Read.QueryRowContext(ctx, db.Rebind(`SELECT "SeriesId" FROM "BaseItems" WHERE "Id" = ?`), database.GUID(want[0])).
						Scan(database.ScanGUID{ID: &sid}); err != nil {
						t.Fatal(err)
					}
					got, _, err := s.NextUp(ctx, u, libs, sid, 0, 0, false)
					if err != nil {
						t.Fatal(err)
					}
					if w := nextUpOracle(t, s, u, libs, sid); !slices.Equal(got, w) {
						t.Errorf("%s: series %s: got %v, want %v", stage, sid, got, w)
					}
				}
				for _, l := range libs {
					got, _, err := s.NextUp(ctx, u, []media.ID{l}, media.NilID, 0, 0, false)
					if err != nil {
						t.Fatal(err)
					}
					if w := nextUpOracle(t, s, u, []media.ID{l}, media.NilID); !slices.Equal(got, w) {
						t.Errorf("%s: library %s: got %v, want %v", stage, l, got, w)
					}
				}
			}
			if series == 0 {
				t.Fatalf("%s: no user has anything next up: the test tests nothing", stage)
			}
		}
		check("generated")
		// Ties: every other played row gets one date; a third lose theirs.
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Write.ExecContext(ctx, db.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		var played []struct{ item, user media.ID }
		rows, err := db.Read.QueryContext(ctx, db.Rebind(`SELECT "ItemId", "UserId" FROM "UserData" WHERE "Played" = ? ORDER BY "ItemId", "UserId"`), true)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var p struct{ item, user media.ID }
			if err := rows.Scan(database.ScanGUID{ID: &p.item}, database.ScanGUID{ID: &p.user}); err != nil {
				t.Fatal(err)
			}
			played = append(played, p)
		}
		rows.Close()
		now := gendb.DefaultNow
		tie := db.NullTime(&now)
		for i, p := range played {
			switch i % 3 {
			case 0:
				exec(`UPDATE "UserData" SET "LastPlayedDate" = ? WHERE "ItemId" = ? AND "UserId" = ?`, tie, database.GUID(p.item), database.GUID(p.user))
			case 1:
				exec(`UPDATE "UserData" SET "LastPlayedDate" = NULL WHERE "ItemId" = ? AND "UserId" = ?`, database.GUID(p.item), database.GUID(p.user))
			}
		}
		check("ties and undated")
	})
}

// TestResumeByDatePlayed checks the resume list (read from the user's
// UserData rows newest first) against the same query answered item by item
// (the in-progress items named by id, sorted by their latest play date),
// on a generated library to which items with several UserData rows (one
// per user data key), equal dates and no dates are added.
func TestResumeByDatePlayed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := gendb.Generate(ctx, s, gendb.Options{Size: gendb.Tiny, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		db := s.DB()
		libs, err := s.CollectionFolders(ctx)
		if err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Write.ExecContext(ctx, db.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		users := queryIDs(t, db, `SELECT "Id" FROM "Users" ORDER BY "Id"`)
		items := queryIDs(t, db, `SELECT "Id" FROM "BaseItems" WHERE "MediaType" IS NOT NULL ORDER BY "Id"`)
		exec(`DELETE FROM "UserData"`)
		// Per user and item, by the item's position: none, in progress,
		// played, in progress under two keys (the later one at position
		// 0), the same date on both keys, undated, or a date shared by
		// many items.
		base := gendb.DefaultNow.Add(-1000 * time.Hour)
		shared := db.NullTime(&base)
		for ui, u := range users {
			for i, it := range items {
				at := base.Add(time.Duration((i*7+ui*3)%50) * time.Hour)
				date := db.NullTime(&at)
				row := func(key string, date any, pos int64, played bool) {
					exec(`INSERT INTO "UserData" ("ItemId", "UserId", "CustomDataKey", "IsFavorite", "LastPlayedDate", "PlayCount",
  "PlaybackPositionTicks", "Played") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, database.GUID(it), database.GUID(u), key, false, date, 1, pos, played)
				}
				later := at.Add(time.Hour)
				switch (i + ui) % 8 {
				case 1:
					row("a", date, 5000, false)
				case 2:
					row("a", date, 0, true)
				case 3:
					row("a", date, 5000, false)
					row("b", db.NullTime(&later), 0, false)
				case 4:
					row("b", date, 5000, false)
					row("a", date, 0, false)
				case 5:
					row("a", nil, 5000, false)
				case 6:
					row("a", shared, 5000, false)
				case 7:
					row("a", shared, 5000, false)
					row("b", date, 0, true)
				}
			}
		}
		for _, u := range users {
			inProgress := queryIDs(t, db, `SELECT DISTINCT "ItemId" FROM "UserData" WHERE "UserId" = ? AND "PlaybackPositionTicks" > 0`, database.GUID(u))
			if len(inProgress) < 5 {
				t.Fatalf("user %s: %d items in progress: the test tests little", u, len(inProgress))
			}
			for _, page := range [][2]int{{0, 0}, {0, 3}, {2, 4}, {0, 1000}, {len(inProgress), 3}} {
				for _, media := range [][]string{nil, {"Video"}} {
					sort := []store.ItemSort{{By: "DatePlayed", Descending: true}, {By: "SortName"}}
					q := &store.ItemQuery{Libraries: libs, UserID: u, Recursive: true, IsResumable: true, NotPlayed: true,
						MediaTypes: media, Sort: sort, StartIndex: page[0], Limit: page[1]}
					got, err := s.QueryItems(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					oq := *q
					oq.IsResumable, oq.IDs = false, inProgress
					want, err := s.QueryItems(ctx, &oq)
					if err != nil {
						t.Fatal(err)
					}
					if g, w := pageIDs(got), pageIDs(want); !slices.Equal(g, w) || got.Total != want.Total {
						t.Errorf("user %s, page %v, media %v: got %v (total %d), want %v (total %d)", u, page, media, g, got.Total, w, want.Total)
					}
				}
			}
		}
	})
}

func pageIDs(p *store.ItemPage) []media.ID {
	out := make([]media.ID, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, it.ID)
	}
	return out
}
