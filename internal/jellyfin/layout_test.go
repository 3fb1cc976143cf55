package jellyfin

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// TestJellyfinLayout: a library as Jellyfin itself lays it out in
// jellyfin.db (read off a real 10.11.4 database): the CollectionFolder's
// items are not its children; they hang under a physical Folder (the
// library's media path, a child of the AggregateFolder root) that is
// their TopParentId and ParentId, and the CollectionFolder names that
// Folder in its Data ("PhysicalFolderIds"). A migrated family must see
// its films in the library, in detail, in Continue Watching and Latest,
// and not see the physical Folder itself; a user without the library
// sees none of it.
func TestJellyfinLayout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		ctx := context.Background()
		save, root, userRoot := jellyfinRoots(t, s)
		lib := &media.Item{ID: media.NewID(), Type: media.ItemTypeCollectionFolder, Name: "Movies", SortName: "movies", Path: "/config/root/default/Movies",
			IsFolder: true, ParentID: userRoot.ID, AncestorIDs: []media.ID{userRoot.ID}}
		save(lib)
		phys := &media.Item{ID: media.NewID(), Type: media.ItemTypeFolder, Name: "movies", Path: "/data/movies", IsFolder: true, ParentID: root.ID,
			AncestorIDs: []media.ID{root.ID}}
		phys.TopParentID = phys.ID
		save(phys)
		db := s.store.DB()
		if _, err := db.Write.ExecContext(ctx, db.Rebind(`UPDATE "BaseItems" SET "Data" = ? WHERE "Id" = ?`),
			`{"PhysicalLocationsList":["/config/root/default/Movies","/data/movies"],"PhysicalFolderIds":["`+phys.ID.String()+`"],"CollectionType":"movies","IsRoot":false}`,
			database.GUID(lib.ID)); err != nil {
			t.Fatal(err)
		}
		var films []*media.Item
		for i, name := range []string{"Alpha", "Bravo", "Charlie"} {
			created := time.Date(2025, 12, 1+i, 0, 0, 0, 0, time.UTC)
			runtime := int64(100 * 60 * media.TicksPerSecond)
			f := &media.Item{ID: media.NewID(), Type: media.ItemTypeMovie, Name: name, SortName: name, MediaType: "Video",
				Path: "/data/movies/" + name + ".mkv", ParentID: phys.ID, TopParentID: phys.ID, RunTimeTicks: &runtime,
				DateCreated: &created, AncestorIDs: []media.ID{phys.ID, lib.ID, root.ID}}
			save(f)
			films = append(films, f)
		}
		// A show without season folders, as Jellyfin files one: the
		// episodes hang under the series and name no season (an empty
		// SeasonId), only its number; the season is an item of its own.
		tvPhys := &media.Item{ID: media.NewID(), Type: media.ItemTypeFolder, Name: "tv", Path: "/data/tv", IsFolder: true, ParentID: root.ID,
			AncestorIDs: []media.ID{root.ID}}
		tvPhys.TopParentID = tvPhys.ID
		save(tvPhys)
		if _, err := db.Write.ExecContext(ctx, db.Rebind(`UPDATE "BaseItems" SET "Data" = ? WHERE "Id" = ?`),
			`{"PhysicalLocationsList":["/config/root/default/Movies","/data/movies","/data/tv"],"PhysicalFolderIds":["`+phys.ID.String()+`","`+tvPhys.ID.String()+`"],"CollectionType":"movies"}`,
			database.GUID(lib.ID)); err != nil {
			t.Fatal(err)
		}
		show := &media.Item{ID: media.NewID(), Type: media.ItemTypeSeries, Name: "Delta Show", SortName: "Delta Show", Path: "/data/tv/Delta Show",
			IsFolder: true, ParentID: tvPhys.ID, TopParentID: tvPhys.ID, AncestorIDs: []media.ID{tvPhys.ID, lib.ID, root.ID}}
		save(show)
		one := 1
		season := &media.Item{ID: media.NewID(), Type: media.ItemTypeSeason, Name: "Season 1", IndexNumber: &one, IsFolder: true,
			ParentID: show.ID, TopParentID: tvPhys.ID, SeriesID: show.ID, SeriesName: "Delta Show", AncestorIDs: []media.ID{show.ID, tvPhys.ID, lib.ID, root.ID}}
		save(season)
		for i := 1; i <= 3; i++ {
			n := i
			save(&media.Item{ID: media.NewID(), Type: media.ItemTypeEpisode, Name: "Episode " + string(rune('0'+i)), MediaType: "Video",
				Path: "/data/tv/Delta Show/e" + string(rune('0'+i)) + ".mkv", ParentID: show.ID, TopParentID: tvPhys.ID, SeriesID: show.ID,
				SeriesName: "Delta Show", ParentIndexNumber: &one, IndexNumber: &n, AncestorIDs: []media.ID{show.ID, tvPhys.ID, lib.ID, root.ID}})
		}

		s.completeWizard()
		admin := s.addUser("admin", "pw", true)
		kid := s.addUser("kid", "pw", false)
		kid.EnableAllFolders, kid.EnabledFolders = false, nil
		if err := s.store.UpdateUser(ctx, kid); err != nil {
			t.Fatal(err)
		}
		played := time.Date(2025, 12, 11, 12, 0, 0, 0, time.UTC)
		if err := s.store.SaveUserData(ctx, &media.UserData{ItemID: films[1].ID, UserID: admin.ID, Key: "100001",
			PlaybackPositionTicks: 30 * 60 * media.TicksPerSecond, PlayCount: 1, LastPlayedDate: &played}); err != nil {
			t.Fatal(err)
		}
		token := s.login("admin", "pw", "a").AccessToken
		kidToken := s.login("kid", "pw", "k").AccessToken
		list := func(tok, path string) []string {
			t.Helper()
			var l listIn
			s.expect(req{"GET", path, nil, as(tok)}, 200, &l)
			return names(l.Items)
		}
		if got := list(token, "/Items?ParentId="+lib.ID.String()+"&SortBy=SortName"); !slices.Equal(got, []string{"Alpha", "Bravo", "Charlie", "Delta Show"}) {
			t.Errorf("the library's children: %v", got)
		}
		want := []string{"Alpha", "Bravo", "Charlie"}
		for _, path := range []string{
			"/Items?ParentId=" + lib.ID.String() + "&Recursive=true&IncludeItemTypes=Movie&SortBy=SortName",
			"/Items?Recursive=true&IncludeItemTypes=Movie&SortBy=SortName",
		} {
			if got := list(token, path); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", path, got, want)
			}
		}
		if got := list(token, "/Items?Recursive=true"); slices.Contains(got, "movies") || !slices.Contains(got, "Movies") {
			t.Errorf("everything: %v (the physical folder must not show, the library must)", got)
		}
		if got := list(token, "/Shows/"+show.ID.String()+"/Episodes?SeasonId="+season.ID.String()); !slices.Equal(got, []string{"Episode 1", "Episode 2", "Episode 3"}) {
			t.Errorf("the season's episodes: %v", got)
		}
		var seasons listIn
		s.expect(req{"GET", "/Shows/" + show.ID.String() + "/Seasons", nil, as(token)}, 200, &seasons)
		if got := names(seasons.Items); !slices.Equal(got, []string{"Season 1"}) {
			t.Errorf("the show's seasons: %v", got)
		} else if u := seasons.Items[0].UserData; u.UnplayedItemCount == nil || *u.UnplayedItemCount != 3 {
			t.Errorf("the season's unplayed count: %+v, want 3", u)
		}
		if got := list(token, "/UserItems/Resume"); !slices.Equal(got, []string{"Bravo"}) {
			t.Errorf("resume: %v", got)
		}
		var latest []ItemIn
		s.expect(req{"GET", "/Items/Latest?ParentId=" + lib.ID.String(), nil, as(token)}, 200, &latest)
		if got := names(latest); len(got) == 0 || got[0] != "Charlie" {
			t.Errorf("latest: %v", got)
		}
		var views listIn
		s.expect(req{"GET", "/UserViews", nil, as(token)}, 200, &views)
		if got := names(views.Items); !slices.Equal(got, []string{"Movies"}) || views.Items[0].CollectionType != "movies" {
			t.Errorf("views: %v", got)
		}
		var d ItemIn
		s.expect(req{"GET", "/Items/" + films[1].ID.String(), nil, as(token)}, 200, &d)
		if d.UserData.PlaybackPositionTicks != 30*60*media.TicksPerSecond {
			t.Errorf("detail's user data: %+v", d.UserData)
		}
		// The administrator's library list shows it, with its media paths
		// (changing it adopts it: TestAdoptedLibrary).
		var folders []struct {
			Name, CollectionType string
			ItemID               string `json:"ItemId"`
			Locations            []string
		}
		s.expect(req{"GET", "/Library/VirtualFolders", nil, as(token)}, 200, &folders)
		if len(folders) != 1 || folders[0].Name != "Movies" || folders[0].CollectionType != "movies" || folders[0].ItemID != lib.ID.String() ||
			!slices.Equal(folders[0].Locations, []string{"/data/movies", "/data/tv"}) {
			t.Errorf("virtual folders: %+v", folders)
		}
		// Its folder cannot be added again as a library of jellyha's.
		dir := t.TempDir()
		if _, err := db.Write.ExecContext(ctx, db.Rebind(`UPDATE "BaseItems" SET "Data" = ? WHERE "Id" = ?`),
			`{"PhysicalLocationsList":["/config/root/default/Movies","`+dir+`"],"PhysicalFolderIds":["`+phys.ID.String()+`","`+tvPhys.ID.String()+`"],"CollectionType":"movies"}`,
			database.GUID(lib.ID)); err != nil {
			t.Fatal(err)
		}
		code, body := s.do(req{"POST", "/Library/VirtualFolders?name=Films&collectionType=movies&paths=" + dir, nil, as(token)})
		if code != 409 || !strings.Contains(string(body), "Jellyfin set up") {
			t.Errorf("adding Jellyfin's folder again: %d %s", code, body)
		}

		// The kid may see no library: nothing of it.
		if got := list(kidToken, "/Items?Recursive=true&IncludeItemTypes=Movie"); len(got) != 0 {
			t.Errorf("the kid sees %v", got)
		}
		s.expect(req{"GET", "/Items/" + films[0].ID.String(), nil, as(kidToken)}, 404, nil)
	})
}

// jellyfinRoots saves the two folders every Jellyfin library hangs from, as
// Jellyfin 10.11 writes them (the AggregateFolder root, and the
// UserRootFolder its CollectionFolders are children of), and returns a
// function that saves more items.
func jellyfinRoots(t *testing.T, s *testServer) (save func(*media.Item), root, userRoot *media.Item) {
	t.Helper()
	save = func(it *media.Item) {
		t.Helper()
		if err := s.store.SaveItem(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	}
	root = &media.Item{ID: media.NewID(), Type: media.ItemTypeAggregateFolder, Name: "root", Path: "/config/root", IsFolder: true}
	save(root)
	userRoot = &media.Item{ID: media.NewID(), Type: media.ItemTypeUserRootFolder, Name: "Media Folders", Path: "/config/root/default", IsFolder: true}
	save(userRoot)
	return save, root, userRoot
}
