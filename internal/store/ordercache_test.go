package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/gendb"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// tinyLibrary generates gendb's tiny library into s and returns its
// libraries.
func tinyLibrary(t *testing.T, s *store.Store) []media.ID {
	t.Helper()
	ctx := context.Background()
	if _, err := gendb.Generate(ctx, s, gendb.Options{Size: gendb.Tiny, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	libs, err := s.CollectionFolders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return libs
}

// TestDeepPagesFromOrderCache: deep pages (here from StartIndex 5) come from
// the order cache, and so does every page, the first included, of a list
// sorted in an order no index holds (by rating); every one of them, with
// its total, is the slice of the unpaged list (which never uses the
// cache); an added, a renamed and a deleted item show in the next pages at
// once, because each write moves ItemsVersion past the cached list's.
func TestDeepPagesFromOrderCache(t *testing.T) {
	t.Cleanup(store.SetOrderCacheMinStart(5))
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libs := tinyLibrary(t, s)
		byName := []store.ItemSort{{By: "SortName"}, {By: "ProductionYear", Descending: true}}
		// No index holds this order: every page of it, the first
		// included, comes from the cache.
		byRating := []store.ItemSort{{By: "CommunityRating", Descending: true}, {By: "SortName"}}
		sort := byName
		query := func(start, limit int) *store.ItemQuery {
			return &store.ItemQuery{Libraries: libs, Recursive: true, Types: []string{media.ItemTypeMovie, media.ItemTypeEpisode},
				Sort: sort, StartIndex: start, Limit: limit}
		}
		var checkSort func(when string, from int) []media.ID
		ids := func(p *store.ItemPage) []media.ID {
			out := make([]media.ID, len(p.Items))
			for i, r := range p.Items {
				out[i] = r.ID
			}
			return out
		}
		check := func(when string) []media.ID {
			t.Helper()
			sort = byRating
			checkSort(when+", by rating", 0)
			sort = byName
			return checkSort(when, 5)
		}
		checkSort = func(when string, from int) []media.ID {
			t.Helper()
			all, err := s.QueryItems(ctx, query(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			want := ids(all)
			if len(want) < 20 {
				t.Fatalf("%s: only %d items", when, len(want))
			}
			for start := from; start <= len(want)+3; start += 7 {
				p, err := s.QueryItems(ctx, query(start, 7))
				if err != nil {
					t.Fatal(err)
				}
				exp := want[min(start, len(want)):min(start+7, len(want))]
				if got := ids(p); !slices.Equal(got, exp) || p.Total != len(want) {
					t.Fatalf("%s: page at %d: %v (total %d), want %v (total %d)", when, start, got, p.Total, exp, len(want))
				}
				if len(p.Items) > 0 && p.Items[0].Name == "" {
					t.Fatalf("%s: page at %d has rows without their columns", when, start)
				}
			}
			return want
		}
		before := check("as generated")

		// Added: sorts first.
		lib := libs[0]
		added := &media.Item{Type: media.ItemTypeMovie, Name: "AAAA first of all", SortName: "aaaa first of all", ParentID: lib, TopParentID: lib,
			AncestorIDs: []media.ID{lib}, MediaType: "Video", Path: "/nowhere/a.mkv"}
		if err := s.SaveItem(ctx, added); err != nil {
			t.Fatal(err)
		}
		after := check("after an item was added")
		if len(after) != len(before)+1 || after[0] != added.ID {
			t.Fatalf("the added item is not first: %d items then %d", len(before), len(after))
		}
		// Renamed (saved again with another sort name): sorts last.
		added.Name, added.SortName = "zzzz last of all", "zzzz last of all"
		if err := s.SaveItem(ctx, added); err != nil {
			t.Fatal(err)
		}
		if got := check("after an item was renamed"); got[len(got)-1] != added.ID {
			t.Fatal("the renamed item is not last")
		}
		// Deleted.
		if err := s.DeleteItem(ctx, before[len(before)/2]); err != nil {
			t.Fatal(err)
		}
		if got := check("after an item was deleted"); slices.Contains(got, before[len(before)/2]) || len(got) != len(before) {
			t.Fatal("the deleted item is still listed")
		}
	})
}

// TestTotalsFromCountCache: a short first page's total (TotalRecordCount)
// is counted once and then cached, and is always the unpaged list's
// length: after an item is added or deleted the next total says so, and a
// total that depends on play state (unplayed items) follows a play state
// change, which writes no BaseItems row.
func TestTotalsFromCountCache(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libs := tinyLibrary(t, s)
		admin, err := s.UserByName(ctx, gendb.AdminName)
		if err != nil {
			t.Fatal(err)
		}
		query := func(notPlayed bool, limit int) *store.ItemQuery {
			return &store.ItemQuery{Libraries: libs, UserID: admin.ID, Recursive: true, Types: []string{media.ItemTypeMovie},
				NotPlayed: notPlayed, Sort: []store.ItemSort{{By: "SortName"}}, Limit: limit}
		}
		check := func(when string, notPlayed bool) int {
			t.Helper()
			all, err := s.QueryItems(ctx, query(notPlayed, 0))
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // counted, then (where it may be) cached
				p, err := s.QueryItems(ctx, query(notPlayed, 2))
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Items) != 2 || p.Total != len(all.Items) {
					t.Fatalf("%s: a page of %d with total %d; the list has %d", when, len(p.Items), p.Total, len(all.Items))
				}
			}
			return len(all.Items)
		}
		n := check("as generated", false)
		unplayed := check("as generated, unplayed", true)
		lib := libs[0]
		added := &media.Item{Type: media.ItemTypeMovie, Name: "Added", SortName: "added", ParentID: lib, TopParentID: lib,
			AncestorIDs: []media.ID{lib}, MediaType: "Video", Path: "/nowhere/added.mkv"}
		if err := s.SaveItem(ctx, added); err != nil {
			t.Fatal(err)
		}
		if got := check("after an item was added", false); got != n+1 {
			t.Fatalf("after an item was added: %d movies, want %d", got, n+1)
		}
		if got := check("after an item was added, unplayed", true); got != unplayed+1 {
			t.Fatalf("after an item was added: %d unplayed, want %d", got, unplayed+1)
		}
		if err := s.SaveUserData(ctx, &media.UserData{ItemID: added.ID, UserID: admin.ID, Played: true, PlayCount: 1}); err != nil {
			t.Fatal(err)
		}
		if got := check("after it was played", true); got != unplayed {
			t.Fatalf("after it was played: %d unplayed, want %d", got, unplayed)
		}
		// A genre given by a bulk write to ItemValues and ItemValuesMap
		// alone (no BaseItems row written) shows in the genre's total.
		genreTotal := func() int {
			t.Helper()
			p, err := s.QueryItems(ctx, &store.ItemQuery{Libraries: libs, Recursive: true, Genres: []string{"Count Cache Test"},
				Sort: []store.ItemSort{{By: "SortName"}}, StartIndex: 1, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		if got := genreTotal(); got != 0 {
			t.Fatalf("a new genre lists %d items", got)
		}
		genre := media.ItemValue{ID: media.NewID(), Type: media.ItemValueGenre, Value: "Count Cache Test", CleanValue: "count cache test"}
		if err := s.BulkInsertItemValues(ctx, []media.ItemValue{genre}); err != nil {
			t.Fatal(err)
		}
		all, err := s.QueryItems(ctx, query(false, 0))
		if err != nil {
			t.Fatal(err)
		}
		var maps []media.ItemValueMap
		for _, r := range all.Items[:3] {
			maps = append(maps, media.ItemValueMap{ItemID: r.ID, ItemValueID: genre.ID})
		}
		if err := s.BulkInsertItemValueMaps(ctx, maps); err != nil {
			t.Fatal(err)
		}
		if got := genreTotal(); got != 3 {
			t.Fatalf("after three films got the genre, it lists %d", got)
		}
		if err := s.DeleteItem(ctx, added.ID); err != nil {
			t.Fatal(err)
		}
		if got := check("after it was deleted", false); got != n {
			t.Fatalf("after it was deleted: %d movies, want %d", got, n)
		}
	})
}

// TestNamesFromCache: a names list is read once per ItemsVersion. A genre
// written straight into the database without moving the version does not
// show (the list came from the cache), and shows as soon as the version
// moves (ItemsChanged, as every store write to items and their names does);
// the same for the filter dialog's years and ratings, and for a people
// list.
func TestNamesFromCache(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libs := tinyLibrary(t, s)
		items := &store.ItemQuery{Libraries: libs, Recursive: true, Types: []string{media.ItemTypeMovie}}
		genres := func() []string {
			t.Helper()
			p, err := s.ItemValues(ctx, &store.ValueQuery{Items: items, Types: []media.ItemValueType{media.ItemValueGenre}})
			if err != nil {
				t.Fatal(err)
			}
			out := make([]string, len(p.Values))
			for i, v := range p.Values {
				out[i] = v.Value
			}
			return out
		}
		years := func() []int {
			t.Helper()
			y, err := s.ItemYears(ctx, items)
			if err != nil {
				t.Fatal(err)
			}
			return y
		}
		people := func() int {
			t.Helper()
			p, err := s.People(ctx, &store.ValueQuery{Items: items})
			if err != nil {
				t.Fatal(err)
			}
			return len(p.Values)
		}
		before, beforeYears, beforePeople := genres(), years(), people()
		if len(before) == 0 || len(beforeYears) == 0 || beforePeople == 0 {
			t.Fatalf("the tiny library's films have genres %v, years %v, %d people", before, beforeYears, beforePeople)
		}
		all, err := s.QueryItems(ctx, &store.ItemQuery{Libraries: libs, Recursive: true, Types: []string{media.ItemTypeMovie}, Limit: 1})
		if err != nil || len(all.Items) == 0 {
			t.Fatalf("a film: %v %v", all, err)
		}
		film := database.GUID(all.Items[0].ID)
		db := s.DB()
		genre := media.NewID()
		person := media.NewID()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO "ItemValues" ("ItemValueId", "Type", "Value", "CleanValue") VALUES (?, 2, 'Zz Cache Test', 'zz cache test')`, []any{database.GUID(genre)}},
			{`INSERT INTO "ItemValuesMap" ("ItemId", "ItemValueId") VALUES (?, ?)`, []any{film, database.GUID(genre)}},
			{`UPDATE "BaseItems" SET "ProductionYear" = 1801 WHERE "Id" = ?`, []any{film}},
			{`INSERT INTO "Peoples" ("Id", "Name", "PersonType") VALUES (?, 'Zz Cache Test', 'Actor')`, []any{database.GUID(person)}},
			{`INSERT INTO "PeopleBaseItemMap" ("ItemId", "PeopleId", "Role", "ListOrder", "SortOrder") VALUES (?, ?, '', 0, 0)`, []any{film, database.GUID(person)}},
		} {
			if _, err := db.Write.ExecContext(ctx, db.Rebind(q.sql), q.args...); err != nil {
				t.Fatal(err)
			}
		}
		if got := genres(); !slices.Equal(got, before) {
			t.Errorf("genres read again at the same version: %v, want the cached %v", got, before)
		}
		if got := years(); !slices.Equal(got, beforeYears) {
			t.Errorf("years read again at the same version: %v, want the cached %v", got, beforeYears)
		}
		if got := people(); got != beforePeople {
			t.Errorf("people read again at the same version: %d, want the cached %d", got, beforePeople)
		}
		if err := s.ItemsChanged(ctx); err != nil {
			t.Fatal(err)
		}
		if got := genres(); !slices.Equal(got, append(slices.Clone(before), "Zz Cache Test")) {
			t.Errorf("genres after the version moved: %v", got)
		}
		if got := years(); len(got) == 0 || got[0] != 1801 {
			t.Errorf("years after the version moved: %v", got)
		}
		if got := people(); got != beforePeople+1 {
			t.Errorf("people after the version moved: %d, want %d", got, beforePeople+1)
		}
	})
}
