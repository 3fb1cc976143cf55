package jellyfin

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// waitScan waits for the background scan a request started to complete.
func waitScan(t *testing.T, s *testServer, token string, after time.Time) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var tasks []TaskInfo
		s.expect(req{"GET", "/ScheduledTasks", nil, as(token)}, 200, &tasks)
		if r := tasks[0].LastExecutionResult; tasks[0].State == "Idle" && r != nil && !r.StartTimeUtc.Before(after) {
			if r.Status != "Completed" {
				t.Fatalf("scan: %+v", r)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scan did not finish: %+v", tasks[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAdoptedLibrary: a library Jellyfin set up and filled (laid out as in
// TestJellyfinLayout, with real files), managed and scanned through the
// API. The dashboard's scan adopts it: a new film appears in it for its
// users, filed under the media path's physical folder as Jellyfin files
// one, and Jellyfin's film keeps its metadata and its user's play state.
// Then it is renamed, gets a media path and loses it, and is removed; a
// kind of library jellyha does not scan stays Jellyfin's (409).
func TestAdoptedLibrary(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		ctx := context.Background()
		dir := t.TempDir()
		films, more := filepath.Join(dir, "films"), filepath.Join(dir, "more")
		oldPath := filepath.Join(films, "Old Film (2001)", "Old Film (2001).mp4")
		if err := os.MkdirAll(filepath.Dir(oldPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10", "-t", "1",
			"-f", "lavfi", "-i", "sine", "-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", oldPath).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, out)
		}
		clip, err := os.ReadFile(oldPath)
		if err != nil {
			t.Fatal(err)
		}
		place := func(path string) {
			t.Helper()
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, clip, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		newPath := filepath.Join(films, "New Film (2024)", "New Film (2024).mp4")
		place(newPath)
		place(filepath.Join(more, "Third Film (2020)", "Third Film (2020).mp4"))

		// Jellyfin's layout: the library's media path is a Folder under
		// the root, its film's TopParentId and ParentId.
		save, root, userRoot := jellyfinRoots(t, s)
		lib := &media.Item{ID: media.NewID(), Type: media.ItemTypeCollectionFolder, Name: "Films", SortName: "films", Path: "/config/root/default/Films",
			IsFolder: true, ParentID: userRoot.ID, AncestorIDs: []media.ID{userRoot.ID}}
		save(lib)
		books := &media.Item{ID: media.NewID(), Type: media.ItemTypeCollectionFolder, Name: "Books", SortName: "books", Path: "/config/root/default/Books",
			IsFolder: true, ParentID: userRoot.ID, AncestorIDs: []media.ID{userRoot.ID}}
		save(books)
		phys := &media.Item{ID: media.NewID(), Type: media.ItemTypeFolder, Name: "films", Path: films, IsFolder: true, ParentID: root.ID, AncestorIDs: []media.ID{root.ID}}
		phys.TopParentID = phys.ID
		save(phys)
		db := s.store.DB()
		setData := func(id media.ID, data string) {
			t.Helper()
			if _, err := db.Write.ExecContext(ctx, db.Rebind(`UPDATE "BaseItems" SET "Data" = ? WHERE "Id" = ?`), data, database.GUID(id)); err != nil {
				t.Fatal(err)
			}
		}
		setData(lib.ID, `{"PhysicalLocationsList":["/config/root/default/Films","`+films+`"],"PhysicalFolderIds":["`+phys.ID.String()+`"],"CollectionType":"movies","IsRoot":false}`)
		setData(books.ID, `{"PhysicalLocationsList":["/config/root/default/Books","`+filepath.Join(dir, "books")+`"],"CollectionType":"books"}`)
		runtime := int64(media.TicksPerSecond)
		old := &media.Item{ID: media.NewID(), Type: media.ItemTypeMovie, Name: "The Old Film", SortName: "old film", MediaType: "Video", Path: oldPath,
			ParentID: phys.ID, TopParentID: phys.ID, RunTimeTicks: &runtime, Overview: "Found online.", AncestorIDs: []media.ID{phys.ID, lib.ID, root.ID}}
		save(old)
		if err := s.store.BulkInsertItemProviders(ctx, []media.ItemProvider{{ItemID: old.ID, ProviderID: "Tmdb", Value: "4242"}}); err != nil {
			t.Fatal(err)
		}
		s.completeWizard()
		admin := s.addUser("admin", "pw", true)
		token := s.login("admin", "pw", "a").AccessToken
		if err := s.store.SaveUserData(ctx, &media.UserData{ItemID: old.ID, UserID: admin.ID, Key: "4242", PlaybackPositionTicks: 5_000_000, PlayCount: 1}); err != nil {
			t.Fatal(err)
		}
		list := func(path string) []string {
			t.Helper()
			var l listIn
			s.expect(req{"GET", path, nil, as(token)}, 200, &l)
			return names(l.Items)
		}
		children := "/Items?ParentId=" + lib.ID.String() + "&SortBy=SortName"
		if got := list(children); !slices.Equal(got, []string{"The Old Film"}) {
			t.Fatalf("before the scan: %v", got)
		}

		// The dashboard's scan adopts the library and finds the new film.
		start := time.Now().Add(-time.Second)
		s.expect(req{"POST", "/Library/Refresh", nil, as(token)}, 204, nil)
		waitScan(t, s, token, start)
		var l listIn
		s.expect(req{"GET", children, nil, as(token)}, 200, &l)
		if got := names(l.Items); !slices.Equal(got, []string{"New Film", "The Old Film"}) {
			t.Fatalf("after the scan: %v", got)
		}
		newID := l.Items[0].ID
		var d ItemIn
		s.expect(req{"GET", "/Items/" + newID, nil, as(token)}, 200, &d)
		if d.Type != "Movie" || d.RunTimeTicks == nil || *d.RunTimeTicks <= 0 || d.MediaType != "Video" {
			t.Errorf("the new film: %+v", d)
		}
		if it, err := s.store.Item(ctx, mustID(t, newID)); err != nil || it.ParentID != phys.ID || it.TopParentID != phys.ID || it.Path != newPath {
			t.Errorf("the new film is not filed as Jellyfin files one: %+v %v", it, err)
		}
		s.expect(req{"GET", "/Items/" + old.ID.String(), nil, as(token)}, 200, &d)
		if d.Overview != "Found online." || d.ProviderIDs["Tmdb"] != "4242" || d.UserData == nil || d.UserData.PlaybackPositionTicks != 5_000_000 {
			t.Errorf("Jellyfin's film after the scan: %+v %+v", d, d.UserData)
		}
		if got := list("/Items?Recursive=true&IncludeItemTypes=Movie&SortBy=SortName"); !slices.Equal(got, []string{"New Film", "The Old Film"}) {
			t.Errorf("all films: %v", got)
		}
		var folders []VirtualFolderInfo
		s.expect(req{"GET", "/Library/VirtualFolders", nil, as(token)}, 200, &folders)
		if len(folders) != 2 || folders[0].Name != "Films" || folders[0].ItemID != lib.ID.String() || !slices.Equal(folders[0].Locations, []string{films}) ||
			folders[1].Name != "Books" {
			t.Fatalf("virtual folders: %+v", folders)
		}

		// Renamed: the CollectionFolder's name and folder change, its
		// Data keeps naming the physical folder.
		s.expect(req{"POST", "/Library/VirtualFolders/Name?name=films&newName=Cinema", nil, as(token)}, 204, nil)
		var views listIn
		s.expect(req{"GET", "/UserViews", nil, as(token)}, 200, &views)
		if got := names(views.Items); !slices.Equal(got, []string{"Books", "Cinema"}) {
			t.Errorf("views after the rename: %v", got)
		}
		collectionData := func() (path string, data struct {
			PhysicalLocationsList, PhysicalFolderIds []string
			CollectionType                           string
			IsRoot                                   *bool
		}) {
			t.Helper()
			var raw string
			if err := db.Read.QueryRowContext(ctx, db.Rebind(`SELECT "Path", "Data" FROM "BaseItems" WHERE "Id" = ?`), database.GUID(lib.ID)).Scan(&path, &raw); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(raw), &data); err != nil {
				t.Fatal(err)
			}
			return path, data
		}
		p, data := collectionData()
		if p != "/config/root/default/Cinema" || !slices.Equal(data.PhysicalLocationsList, []string{"/config/root/default/Cinema", films}) ||
			!slices.Equal(data.PhysicalFolderIds, []string{phys.ID.String()}) || data.CollectionType != "movies" || data.IsRoot == nil {
			t.Errorf("the renamed CollectionFolder: %s %+v", p, data)
		}

		// Its folder is still not a new library's.
		q := url.Values{"name": {"Again"}, "collectionType": {"movies"}, "paths": {films}}
		if code, body := s.do(req{"POST", "/Library/VirtualFolders?" + q.Encode(), nil, as(token)}); code != 409 || !strings.Contains(string(body), "Jellyfin set up") {
			t.Errorf("adding the adopted library's folder again: %d %s", code, body)
		}

		// A second media path gets a physical folder of its own, under
		// the root; its film is in the library after a scan.
		s.expect(req{"POST", "/Library/VirtualFolders/Paths?refreshLibrary=false", map[string]any{"Name": "Cinema", "PathInfo": map[string]string{"Path": more}}, as(token)}, 204, nil)
		adopted, err := s.store.LibraryByName(ctx, "Cinema")
		if err != nil {
			t.Fatal(err)
		}
		if adopted.Layout != store.LayoutJellyfin || len(adopted.Folders) != 2 || adopted.Folders[0] != phys.ID || !slices.Equal(adopted.Paths, []string{films, more}) {
			t.Fatalf("after adding a path: %+v", adopted)
		}
		morePhys, err := s.store.Item(ctx, adopted.Folders[1])
		if err != nil || morePhys.Type != media.ItemTypeFolder || morePhys.ParentID != root.ID || morePhys.TopParentID != morePhys.ID || morePhys.Path != more {
			t.Fatalf("the new path's folder: %+v %v", morePhys, err)
		}
		if _, data := collectionData(); !slices.Equal(data.PhysicalFolderIds, []string{phys.ID.String(), morePhys.ID.String()}) ||
			!slices.Equal(data.PhysicalLocationsList, []string{"/config/root/default/Cinema", films, more}) {
			t.Errorf("Data after adding a path: %+v", data)
		}
		for {
			// The dashboard's scan may still be finishing in the background.
			_, err := s.rt.scanner.Scan(ctx, nil, nil)
			if media.ErrorCode(err) != media.ECONFLICT {
				if err != nil {
					t.Fatal(err)
				}
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := list(children); !slices.Equal(got, []string{"New Film", "The Old Film", "Third Film"}) {
			t.Errorf("after scanning the new path: %v", got)
		}

		// Removing the path takes its film and folder away at once.
		s.expect(req{"DELETE", "/Library/VirtualFolders/Paths?" + url.Values{"name": {"Cinema"}, "path": {more}}.Encode(), nil, as(token)}, 204, nil)
		if got := list(children); !slices.Equal(got, []string{"New Film", "The Old Film"}) {
			t.Errorf("after removing the path: %v", got)
		}
		if _, err := s.store.Item(ctx, morePhys.ID); media.ErrorCode(err) != media.ENOTFOUND {
			t.Errorf("the removed path's folder: %v", err)
		}

		// A kind of library jellyha does not scan is not adopted.
		if code, body := s.do(req{"DELETE", "/Library/VirtualFolders?name=Books", nil, as(token)}); code != 409 || !strings.Contains(string(body), "does not scan") {
			t.Errorf("removing Jellyfin's books: %d %s", code, body)
		}

		// Removed: the CollectionFolder, its physical folder and its
		// films go; the play state is kept on the placeholder.
		s.expect(req{"DELETE", "/Library/VirtualFolders?name=Cinema", nil, as(token)}, 204, nil)
		if got := list("/Items?Recursive=true&IncludeItemTypes=Movie"); len(got) != 0 {
			t.Errorf("films left: %v", got)
		}
		for _, id := range []media.ID{lib.ID, phys.ID, old.ID, mustID(t, newID)} {
			if _, err := s.store.Item(ctx, id); media.ErrorCode(err) != media.ENOTFOUND {
				t.Errorf("item %s after removing the library: %v", id, err)
			}
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(*) FROM "UserData" WHERE "ItemId" = ? AND "CustomDataKey" = ? AND "UserId" = ?`),
			database.GUID(media.PlaceholderItemID), "4242", database.GUID(admin.ID)).Scan(&n); err != nil || n != 1 {
			t.Errorf("the removed film's play state: %d %v", n, err)
		}
		s.expect(req{"GET", "/Library/VirtualFolders", nil, as(token)}, 200, &folders)
		if len(folders) != 1 || folders[0].Name != "Books" {
			t.Errorf("virtual folders after the removal: %+v", folders)
		}
	})
}
