package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// TestAdoptLibrary: the libraries Jellyfin set up, adopted into
// jellyha_libraries as their CollectionFolders describe them, and then
// managed. A media path without a physical folder gets one; a physical
// folder two libraries share outlives the removal of one; a library jellyha
// made whose rows were lost keeps jellyha's layout; a kind jellyha does not
// scan, or a name jellyha has already, is refused.
func TestAdoptLibrary(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		db := s.DB()
		save := func(it *media.Item, data string) {
			t.Helper()
			if err := s.SaveItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			if data != "" {
				if _, err := db.Write.ExecContext(ctx, db.Rebind(`UPDATE "BaseItems" SET "Data" = ? WHERE "Id" = ?`), data, database.GUID(it.ID)); err != nil {
					t.Fatal(err)
				}
			}
		}
		root := &media.Item{ID: media.NewID(), Type: media.ItemTypeAggregateFolder, Name: "root", Path: "/config/root", IsFolder: true}
		save(root, "")
		userRoot := &media.Item{ID: media.NewID(), Type: media.ItemTypeUserRootFolder, Name: "Media Folders", Path: "/config/root/default", IsFolder: true}
		save(userRoot, "")
		collection := func(name string) *media.Item {
			it := &media.Item{ID: media.NewID(), Type: media.ItemTypeCollectionFolder, Name: name, SortName: strings.ToLower(name),
				Path: "/config/root/default/" + name, IsFolder: true, ParentID: userRoot.ID, AncestorIDs: []media.ID{userRoot.ID}}
			save(it, "")
			return it
		}
		physA := &media.Item{ID: media.NewID(), Type: media.ItemTypeFolder, Name: "a", Path: "/m/a", IsFolder: true, ParentID: root.ID, AncestorIDs: []media.ID{root.ID}}
		physA.TopParentID = physA.ID
		save(physA, "")
		movies, kids, old, photos := collection("Movies"), collection("Kids"), collection("Old"), collection("Photos")
		// /m/b is a media path of Movies without a physical folder.
		save(movies, `{"PhysicalLocationsList":["/config/root/default/Movies","/m/a","/m/b"],"PhysicalFolderIds":["`+physA.ID.String()+`"],"CollectionType":"movies","IsRoot":false}`)
		save(kids, `{"PhysicalLocationsList":["/config/root/default/Kids","/m/a"],"PhysicalFolderIds":["`+physA.ID.Hyphenated()+`"],"CollectionType":"movies"}`)
		save(old, `{"CollectionType":"tvshows","PhysicalLocationsList":["/s"]}`)
		save(photos, `{"PhysicalLocationsList":["/config/root/default/Photos","/p"],"CollectionType":"photos"}`)
		film := &media.Item{ID: media.NewID(), Type: media.ItemTypeMovie, Name: "Film", Path: "/m/a/Film.mkv", ParentID: physA.ID, TopParentID: physA.ID,
			AncestorIDs: []media.ID{physA.ID, movies.ID, kids.ID, root.ID}}
		save(film, "")
		show := &media.Item{ID: media.NewID(), Type: media.ItemTypeSeries, Name: "Show", Path: "/s/Show", IsFolder: true, ParentID: old.ID, TopParentID: old.ID,
			AncestorIDs: []media.ID{old.ID, root.ID}}
		save(show, "")
		u := &media.User{Name: "viewer", EnableAllFolders: true}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveUserData(ctx, &media.UserData{ItemID: film.ID, UserID: u.ID, Key: "film-key", Played: true, PlayCount: 1}); err != nil {
			t.Fatal(err)
		}
		data := func(id media.ID) map[string]any {
			t.Helper()
			var raw string
			if err := db.Read.QueryRowContext(ctx, db.Rebind(`SELECT "Data" FROM "BaseItems" WHERE "Id" = ?`), database.GUID(id)).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		strs := func(v any) []string {
			var out []string
			for _, x := range v.([]any) {
				out = append(out, x.(string))
			}
			return out
		}

		jl, err := s.JellyfinLibraries(ctx)
		if err != nil || len(jl) != 4 {
			t.Fatalf("Jellyfin's libraries: %v %v", jl, err)
		}

		// Movies: /m/b gets a physical folder, which the Data then names
		// (in the format of the ids there), the rest of the Data kept.
		l, err := s.AdoptLibrary(ctx, movies.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Layout != store.LayoutJellyfin || l.Name != "Movies" || l.CollectionType != "movies" || !slices.Equal(l.Paths, []string{"/m/a", "/m/b"}) ||
			len(l.Folders) != 2 || l.Folders[0] != physA.ID || !slices.Equal(l.Tops(), l.Folders) {
			t.Fatalf("adopted Movies: %+v", l)
		}
		physB, err := s.Item(ctx, l.Folders[1])
		if err != nil || physB.Type != media.ItemTypeFolder || physB.Path != "/m/b" || physB.Name != "b" || physB.ParentID != root.ID ||
			physB.TopParentID != physB.ID || !slices.Equal(physB.AncestorIDs, []media.ID{root.ID}) {
			t.Fatalf("the new physical folder: %+v %v", physB, err)
		}
		d := data(movies.ID)
		if !slices.Equal(strs(d["PhysicalFolderIds"]), []string{physA.ID.String(), physB.ID.String()}) ||
			!slices.Equal(strs(d["PhysicalLocationsList"]), []string{"/config/root/default/Movies", "/m/a", "/m/b"}) || d["IsRoot"] != false || d["CollectionType"] != "movies" {
			t.Errorf("Movies' Data: %v", d)
		}
		if again, err := s.AdoptLibrary(ctx, movies.ID); err != nil || !slices.Equal(again.Folders, l.Folders) {
			t.Errorf("adopting again: %+v %v", again, err)
		}
		if jl, _ := s.JellyfinLibraries(ctx); len(jl) != 3 {
			t.Errorf("still Jellyfin's: %d", len(jl))
		}

		// A library jellyha made, its rows lost: jellyha's layout.
		l, err = s.AdoptLibrary(ctx, old.ID)
		if err != nil || l.Layout != store.LayoutJellyha || !slices.Equal(l.Paths, []string{"/s"}) || l.Folders != nil || !slices.Equal(l.Tops(), []media.ID{old.ID}) ||
			l.CollectionType != "tvshows" {
			t.Errorf("adopted Old: %+v %v", l, err)
		}

		// Photos are not jellyha's kind of library.
		if _, err := s.AdoptLibrary(ctx, photos.ID); code(err) != media.ECONFLICT || !strings.Contains(err.Error(), "does not scan") {
			t.Errorf("adopting photos: %v", err)
		}

		// A jellyha library named like Kids stands in the way until renamed.
		mine := &store.Library{Name: "KIDS", CollectionType: "movies", Paths: []string{"/k"}}
		if err := s.CreateLibrary(ctx, mine); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AdoptLibrary(ctx, kids.ID); code(err) != media.ECONFLICT || !strings.Contains(err.Error(), "rename") {
			t.Errorf("adopting Kids beside KIDS: %v", err)
		}
		if err := s.RenameLibrary(ctx, mine.ID, "Children"); err != nil {
			t.Fatal(err)
		}
		if l, err = s.AdoptLibrary(ctx, kids.ID); err != nil || !slices.Equal(l.Folders, []media.ID{physA.ID}) {
			t.Fatalf("adopting Kids: %+v %v", l, err)
		}
		if d := data(kids.ID); !slices.Equal(strs(d["PhysicalFolderIds"]), []string{physA.ID.Hyphenated()}) {
			t.Errorf("Kids' Data changed though nothing was missing: %v", d)
		}

		// A physical folder deleted behind jellyha's back is made again,
		// with its id, before a scan.
		if err := s.DeleteItem(ctx, physB.ID); err != nil {
			t.Fatal(err)
		}
		ml, err := s.LibraryByName(ctx, "movies")
		if err != nil {
			t.Fatal(err)
		}
		if ml, err = s.EnsureLibraryFolders(ctx, ml); err != nil || ml.Folders[1] != physB.ID {
			t.Fatalf("ensure folders: %+v %v", ml, err)
		}
		if it, err := s.Item(ctx, physB.ID); err != nil || it.Path != "/m/b" || it.ParentID != root.ID {
			t.Errorf("the folder made again: %+v %v", it, err)
		}

		// Renamed: the name, and the CollectionFolder's folder and own
		// location.
		if err := s.RenameLibrary(ctx, movies.ID, "Films"); err != nil {
			t.Fatal(err)
		}
		if it, _ := s.Item(ctx, movies.ID); it.Name != "Films" || it.Path != "/config/root/default/Films" || it.SortName != "films" {
			t.Errorf("renamed: %+v", it)
		}
		if d := data(movies.ID); !slices.Equal(strs(d["PhysicalLocationsList"]), []string{"/config/root/default/Films", "/m/a", "/m/b"}) ||
			!slices.Equal(strs(d["PhysicalFolderIds"]), []string{physA.ID.String(), physB.ID.String()}) {
			t.Errorf("renamed Data: %v", d)
		}

		// Removing Films: its own folder goes, the one Kids shares stays,
		// with its film.
		if err := s.DeleteLibrary(ctx, movies.ID); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[media.ID]bool{movies.ID: false, physB.ID: false, physA.ID: true, film.ID: true, kids.ID: true} {
			if _, err := s.Item(ctx, id); (err == nil) != want {
				t.Errorf("item %s after removing Films: %v, want it there: %v", id, err, want)
			}
		}
		// Removing Kids' path: now nobody else has the folder; it goes with
		// its film, whose play state is kept on the placeholder.
		if err := s.RemoveLibraryPath(ctx, kids.ID, "/m/a"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Item(ctx, film.ID); code(err) != media.ENOTFOUND {
			t.Errorf("the film after removing its path: %v", err)
		}
		if d := data(kids.ID); len(strs(d["PhysicalFolderIds"])) != 0 || !slices.Equal(strs(d["PhysicalLocationsList"]), []string{"/config/root/default/Kids"}) {
			t.Errorf("Kids' Data without paths: %v", d)
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(*) FROM "UserData" WHERE "ItemId" = ? AND "CustomDataKey" = 'film-key' AND "RetentionDate" IS NOT NULL`),
			database.GUID(media.PlaceholderItemID)).Scan(&n); err != nil || n != 1 {
			t.Errorf("the film's play state: %d %v", n, err)
		}
		// Adding a path back makes it a new physical folder.
		if err := s.AddLibraryPath(ctx, kids.ID, "/m/c"); err != nil {
			t.Fatal(err)
		}
		kl, err := s.LibraryByName(ctx, "kids")
		if err != nil || len(kl.Folders) != 1 || kl.Folders[0].IsZero() || kl.Folders[0] == physA.ID {
			t.Fatalf("Kids with a new path: %+v %v", kl, err)
		}
		// (With no id left to follow, ids are written as 32 hex digits, as
		// TestJellyfinLayout's fixture, read off a real 10.11.4 file, has
		// them.)
		if d := data(kids.ID); !slices.Equal(strs(d["PhysicalFolderIds"]), []string{kl.Folders[0].String()}) {
			t.Errorf("Kids' Data with a new path: %v", d)
		}
	})
}
