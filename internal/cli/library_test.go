package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

func TestLibraryAndScanCommands(t *testing.T) {
	dir := t.TempDir()
	env := []string{"JELLYFIN_DATA_DIR=" + dir}
	if out, _, code := run(t, env, "library", "list"); code != 0 || !strings.Contains(out, "no libraries") {
		t.Fatalf("list: %d %s", code, out)
	}
	if _, _, code := run(t, env, "library", "add", "Films"); code != 2 {
		t.Errorf("add without --type or folder: exit %d, want 2", code)
	}
	media := filepath.Join(dir, "media")
	if err := os.MkdirAll(filepath.Join(media, "Nothing (2000)"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, env, "library", "add", "Films", "--type", "movies", media); code != 0 || !strings.Contains(out, `added the movies library "Films"`) {
		t.Fatalf("add: %d %s%s", code, out, errOut)
	}
	if _, errOut, code := run(t, env, "library", "add", "films", "--type", "movies", media); code != 1 || !strings.Contains(errOut, "already a library") {
		t.Errorf("add twice: %d %s", code, errOut)
	}
	if out, _, code := run(t, env, "library", "list"); code != 0 || !strings.Contains(out, "Films") || !strings.Contains(out, media) {
		t.Errorf("list: %d %s", code, out)
	}
	if out, errOut, code := run(t, env, "scan", "--library", "Films"); code != 0 || !strings.Contains(out, "scanned 1 libraries") {
		t.Errorf("scan: %d %s%s", code, out, errOut)
	}
	if _, errOut, code := run(t, env, "scan", "--library", "Nope"); code != 1 || !strings.Contains(errOut, "no library named") {
		t.Errorf("scan of an unknown library: %d %s", code, errOut)
	}
}

// A library Jellyfin set up is listed as such, adopted by "jellyha scan",
// and its film is recorded as Jellyfin left it: nothing probed.
func TestScanAdoptsJellyfinLibrary(t *testing.T) {
	dir := t.TempDir()
	env := []string{"JELLYFIN_DATA_DIR=" + dir}
	if out, _, code := run(t, env, "library", "list"); code != 0 || !strings.Contains(out, "no libraries") {
		t.Fatalf("list: %d %s", code, out)
	}
	films := filepath.Join(dir, "films")
	film := filepath.Join(films, "Old (2000)", "Old (2000).mkv")
	if err := os.MkdirAll(filepath.Dir(film), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(film, []byte("not probed"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := database.NewSQLite(dir+"/data/jellyfin.db", nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(db)
	root := &media.Item{ID: media.NewID(), Type: media.ItemTypeAggregateFolder, Name: "root", Path: "/config/root", IsFolder: true}
	phys := &media.Item{ID: media.NewID(), Type: media.ItemTypeFolder, Name: "films", Path: films, IsFolder: true, ParentID: root.ID, AncestorIDs: []media.ID{root.ID}}
	phys.TopParentID = phys.ID
	lib := &media.Item{ID: media.NewID(), Type: media.ItemTypeCollectionFolder, Name: "Home Films", Path: "/config/root/default/Home Films", IsFolder: true}
	books := &media.Item{ID: media.NewID(), Type: media.ItemTypeCollectionFolder, Name: "Books", Path: "/config/root/default/Books", IsFolder: true}
	old := &media.Item{ID: media.NewID(), Type: media.ItemTypeMovie, Name: "Old", Path: film, ParentID: phys.ID, TopParentID: phys.ID,
		AncestorIDs: []media.ID{phys.ID, lib.ID, root.ID}}
	for _, it := range []*media.Item{root, phys, lib, books, old} {
		if err := s.SaveItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	for id, data := range map[media.ID]string{
		lib.ID:   `{"PhysicalLocationsList":["/config/root/default/Home Films","` + films + `"],"PhysicalFolderIds":["` + phys.ID.String() + `"],"CollectionType":"movies"}`,
		books.ID: `{"PhysicalLocationsList":["/config/root/default/Books","/books"],"CollectionType":"books"}`,
	} {
		if _, err := db.Write.ExecContext(ctx, `UPDATE "BaseItems" SET "Data" = ? WHERE "Id" = ?`, data, database.GUID(id)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if out, _, code := run(t, env, "library", "list"); code != 0 || !strings.Contains(out, "the next scan adopts it") || !strings.Contains(out, "does not scan books") ||
		!strings.Contains(out, films) {
		t.Errorf("list before the scan: %d\n%s", code, out)
	}
	if out, errOut, code := run(t, env, "scan", "--library", "home films"); code != 0 || !strings.Contains(out, "1 of Jellyfin's recorded as they are") ||
		!strings.Contains(out, "ffprobe ran 0 times") {
		t.Errorf("scan: %d %s%s", code, out, errOut)
	}
	if out, _, code := run(t, env, "library", "list"); code != 0 || !strings.Contains(out, "set up by Jellyfin, adopted") || !strings.Contains(out, "does not scan books") {
		t.Errorf("list after the scan: %d\n%s", code, out)
	}
}

func TestDemoWithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, errOut, code := run(t, []string{"JELLYFIN_DATA_DIR=" + t.TempDir()}, "demo")
	if code != 1 || !strings.Contains(errOut, "apt-get install ffmpeg") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("demo without ffmpeg: %d %q", code, errOut)
	}
}
