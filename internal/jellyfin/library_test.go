package jellyfin

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

func TestVirtualFolders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		s.completeWizard()
		s.addUser("admin", "root", true)
		s.addUser("alice", "a", false)
		admin := as(s.login("admin", "root", "admin-dev").AccessToken)
		alice := as(s.login("alice", "a", "alice-dev").AccessToken)
		dir, dir2 := t.TempDir(), t.TempDir()
		// An empty folder scans quickly; the scan itself is tested in
		// package scan.
		if err := os.MkdirAll(filepath.Join(dir, "Film (2000)"), 0o755); err != nil {
			t.Fatal(err)
		}
		q := url.Values{"name": {"Films"}, "collectionType": {"movies"}, "paths": {dir}, "refreshLibrary": {"false"}}
		s.expect(req{"POST", "/Library/VirtualFolders?" + q.Encode(), nil, alice}, 403, nil)
		s.expect(req{"POST", "/Library/VirtualFolders?" + q.Encode(), nil, admin}, 204, nil)
		s.expect(req{"POST", "/Library/VirtualFolders?" + q.Encode(), nil, admin}, 409, nil)
		bad := url.Values{"name": {"X"}, "collectionType": {"movies"}, "paths": {filepath.Join(dir, "missing")}}
		s.expect(req{"POST", "/Library/VirtualFolders?" + bad.Encode(), nil, admin}, 400, nil)
		s.expect(req{"POST", "/Library/VirtualFolders/Paths?refreshLibrary=false", map[string]any{"Name": "Films", "PathInfo": map[string]string{"Path": dir2}}, admin}, 204, nil)
		var folders []VirtualFolderInfo
		s.expect(req{"GET", "/Library/VirtualFolders", nil, admin}, 200, &folders)
		if len(folders) != 1 || folders[0].Name != "Films" || folders[0].CollectionType != "movies" || len(folders[0].Locations) != 2 ||
			folders[0].Locations[1] != dir2 || !hex32.MatchString(folders[0].ItemID) {
			t.Fatalf("virtual folders: %+v", folders)
		}
		// A mixed library: "mixed" in VirtualFolders (CollectionTypeOptions),
		// no CollectionType at all on its item, as in Jellyfin, whose
		// CollectionType enum has no such value.
		mixed := url.Values{"name": {"Home"}, "collectionType": {"mixed"}, "paths": {t.TempDir()}, "refreshLibrary": {"false"}}
		s.expect(req{"POST", "/Library/VirtualFolders?" + mixed.Encode(), nil, admin}, 204, nil)
		s.expect(req{"GET", "/Library/VirtualFolders", nil, admin}, 200, &folders)
		if len(folders) != 2 || folders[1].Name != "Home" || folders[1].CollectionType != "mixed" {
			t.Fatalf("virtual folders with a mixed one: %+v", folders)
		}
		_, views := s.do(req{"GET", "/UserViews", nil, admin})
		_, home := s.do(req{"GET", "/Items/" + folders[1].ItemID, nil, admin})
		for _, body := range [][]byte{views, home} {
			if !strings.Contains(string(body), `"Name":"Home"`) || strings.Contains(string(body), `"mixed"`) {
				t.Errorf("a mixed library's CollectionType: %s", body)
			}
		}
		s.expect(req{"DELETE", "/Library/VirtualFolders?name=Home", nil, admin}, 204, nil)
		s.expect(req{"DELETE", "/Library/VirtualFolders/Paths?" + url.Values{"name": {"Films"}, "path": {dir2}}.Encode(), nil, admin}, 204, nil)
		s.expect(req{"POST", "/Library/VirtualFolders/Name?name=Films&newName=Movies", nil, admin}, 204, nil)
		s.expect(req{"GET", "/Library/VirtualFolders", nil, admin}, 200, &folders)
		if len(folders) != 1 || folders[0].Name != "Movies" || len(folders[0].Locations) != 1 {
			t.Fatalf("after rename: %+v", folders)
		}
		it, err := s.store.Item(t.Context(), mustID(t, folders[0].ItemID))
		if err != nil || it.Name != "Movies" || it.Type != "MediaBrowser.Controller.Entities.CollectionFolder" || len(it.AncestorIDs) != 1 {
			t.Fatalf("collection folder: %+v %v", it, err)
		}

		// Another replica's scan, 42.5% done: its progress is what clients
		// see here, on the task and on each library.
		if err := s.store.TakeScanLease(t.Context(), "other-replica"); err != nil {
			t.Fatal(err)
		}
		if err := s.store.ScanHeartbeat(t.Context(), "other-replica", 42.5, "walking"); err != nil {
			t.Fatal(err)
		}
		var running []TaskInfo
		s.expect(req{"GET", "/ScheduledTasks", nil, admin}, 200, &running)
		if len(running) != 1 || running[0].State != "Running" || running[0].CurrentProgressPercentage == nil || *running[0].CurrentProgressPercentage != 42.5 {
			t.Errorf("task during another replica's scan: %+v", running)
		}
		s.expect(req{"GET", "/Library/VirtualFolders", nil, admin}, 200, &folders)
		if len(folders) != 1 || folders[0].RefreshStatus != "Active" || folders[0].RefreshProgress == nil || *folders[0].RefreshProgress != 42.5 {
			t.Errorf("library during another replica's scan: %+v", folders)
		}
		if err := s.store.EndScan(t.Context(), "other-replica", "Cancelled", ""); err != nil {
			t.Fatal(err)
		}

		// A refresh scans in the background; the task shows it.
		s.expect(req{"POST", "/Library/Refresh", nil, admin}, 204, nil)
		deadline := time.Now().Add(20 * time.Second)
		for {
			var tasks []TaskInfo
			s.expect(req{"GET", "/ScheduledTasks", nil, admin}, 200, &tasks)
			if len(tasks) != 1 || tasks[0].Name != "Scan Media Library" || (tasks[0].State != "Idle" && tasks[0].State != "Running") {
				t.Fatalf("tasks: %+v", tasks)
			}
			if tasks[0].State == "Idle" && tasks[0].LastExecutionResult != nil && tasks[0].LastExecutionResult.Status == "Completed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the scan did not finish: %+v", tasks[0])
			}
			time.Sleep(50 * time.Millisecond)
		}
		s.expect(req{"GET", "/ScheduledTasks/" + scanTaskID, nil, admin}, 200, nil)
		s.expect(req{"GET", "/ScheduledTasks/ffffffffffffffffffffffffffffffff", nil, admin}, 404, nil)

		s.expect(req{"DELETE", "/Library/VirtualFolders?name=Movies", nil, admin}, 204, nil)
		s.expect(req{"DELETE", "/Library/VirtualFolders?name=Movies", nil, admin}, 404, nil)
		s.expect(req{"GET", "/Library/VirtualFolders", nil, admin}, 200, &folders)
		if len(folders) != 0 {
			t.Fatalf("after delete: %+v", folders)
		}
	})
}

func mustID(t *testing.T, s string) media.ID {
	t.Helper()
	id, err := media.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
