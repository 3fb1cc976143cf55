package scan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// jellyfinTree writes items as Jellyfin 10.11 lays out a library (see
// TestJellyfinLayout in package jellyfin): the AggregateFolder root, the
// UserRootFolder, and per library a CollectionFolder under the latter and a
// physical Folder per media path under the former, which is the TopParentId
// of the items below it; the CollectionFolder names it in its Data.
type jellyfinTree struct {
	f              *fixture
	root, userRoot media.ID
}

func newJellyfinTree(f *fixture) *jellyfinTree {
	j := &jellyfinTree{f: f, root: media.NewID(), userRoot: media.NewID()}
	j.save(&media.LibraryItem{Item: media.Item{ID: j.root, Type: media.ItemTypeAggregateFolder, Name: "root", Path: "/config/root", IsFolder: true}})
	j.save(&media.LibraryItem{Item: media.Item{ID: j.userRoot, Type: media.ItemTypeUserRootFolder, Name: "Media Folders", Path: "/config/root/default", IsFolder: true}})
	return j
}

func (j *jellyfinTree) save(items ...*media.LibraryItem) {
	j.f.t.Helper()
	if err := j.f.st.BulkInsertItems(context.Background(), items); err != nil {
		j.f.t.Fatal(err)
	}
}

// library writes a CollectionFolder with one physical folder, for path.
func (j *jellyfinTree) library(name, typ, path string) (lib, phys media.ID) {
	lib, phys = media.NewID(), media.NewID()
	j.save(&media.LibraryItem{Item: media.Item{ID: lib, Type: media.ItemTypeCollectionFolder, Name: name, SortName: strings.ToLower(name),
		Path: "/config/root/default/" + name, IsFolder: true, ParentID: j.userRoot, AncestorIDs: []media.ID{j.userRoot}},
		Data: `{"PhysicalLocationsList":["/config/root/default/` + name + `","` + path + `"],"PhysicalFolderIds":["` + phys.String() + `"],"CollectionType":"` + typ + `","IsRoot":false}`})
	j.save(&media.LibraryItem{Item: media.Item{ID: phys, Type: media.ItemTypeFolder, Name: filepath.Base(path), Path: path, IsFolder: true,
		ParentID: j.root, TopParentID: phys, AncestorIDs: []media.ID{j.root}}})
	return lib, phys
}

// item writes an item Jellyfin filled from online sources, below parent
// (ancestors: parent's chain), in the library lib with physical folder
// phys. A file's size and time are the file's, as Jellyfin records them.
func (j *jellyfinTree) item(it *media.LibraryItem, lib, phys media.ID, chain ...media.ID) *media.LibraryItem {
	j.f.t.Helper()
	it.ID = media.NewID()
	it.TopParentID = phys
	it.ParentID = phys
	if len(chain) > 0 {
		it.ParentID = chain[0]
	}
	it.AncestorIDs = append(append(slices.Clone(chain), phys, lib), j.root)
	if it.SortName == "" {
		it.SortName = strings.ToLower(it.Name)
	}
	it.PresentationUniqueKey = it.ID.String()
	if fi, err := os.Stat(it.Path); err == nil && !fi.IsDir() {
		size, mt := fi.Size(), fi.ModTime().UTC()
		it.Size, it.DateModified = &size, &mt
	}
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	it.DateCreated, it.DateLastRefreshed = &created, &created
	it.Overview = "Jellyfin's overview of " + it.Name
	it.CommunityRating = ptrTo(float32(7.5))
	it.OfficialRating = "PG"
	it.Tagline = "From the internet."
	it.PremiereDate = &created
	j.save(it)
	ctx := context.Background()
	if err := j.f.st.BulkInsertItemProviders(ctx, []media.ItemProvider{{ItemID: it.ID, ProviderID: "Tmdb", Value: "tmdb-" + it.Name},
		{ItemID: it.ID, ProviderID: "Imdb", Value: "tt-" + it.Name}}); err != nil {
		j.f.t.Fatal(err)
	}
	if err := j.f.st.BulkInsertItemImages(ctx, []media.ItemImage{{ID: media.NewID(), ItemID: it.ID, ImageType: media.ImagePrimary,
		Path: "/config/metadata/library/" + it.ID.String() + "/poster.jpg", Width: 1000, Height: 1500, DateModified: &created, Blurhash: "LEHV6nWB2yk8"}}); err != nil {
		j.f.t.Fatal(err)
	}
	if !it.IsFolder {
		if err := j.f.st.BulkInsertMediaStreams(ctx, []media.MediaStream{{ItemID: it.ID, StreamIndex: 0, StreamType: media.StreamVideo, Codec: "jellyfins-own"}}); err != nil {
			j.f.t.Fatal(err)
		}
		if err := j.f.st.BulkInsertChapters(ctx, []media.Chapter{{ItemID: it.ID, ChapterIndex: 0, Name: "Opening", ImagePath: "/config/metadata/chapters/" + it.ID.String() + ".jpg", ImageDateModified: &created}}); err != nil {
			j.f.t.Fatal(err)
		}
	}
	return it
}

func ptrTo[T any](v T) *T { return &v }

// rows renders every row of a query, every column, sorted: a snapshot to
// compare byte for byte.
func (f *fixture) rows(query string, args ...any) []string {
	f.t.Helper()
	db := f.st.DB()
	rs, err := db.Read.Query(db.Rebind(query), args...)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			f.t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v; ", cols[i], v)
		}
		out = append(out, b.String())
	}
	if err := rs.Err(); err != nil {
		f.t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func in(ids []media.ID) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = database.GUID(id)
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

// snapshot is everything Jellyfin wrote of the given items: their rows
// and what hangs from them.
func (f *fixture) snapshot(ids ...media.ID) []string {
	f.t.Helper()
	set, args := in(ids)
	var out []string
	for _, q := range []string{
		`SELECT * FROM "BaseItems" WHERE "Id" IN ` + set,
		`SELECT * FROM "AncestorIds" WHERE "ItemId" IN ` + set,
		`SELECT * FROM "BaseItemProviders" WHERE "ItemId" IN ` + set,
		`SELECT * FROM "BaseItemImageInfos" WHERE "ItemId" IN ` + set,
		`SELECT * FROM "MediaStreamInfos" WHERE "ItemId" IN ` + set,
		`SELECT * FROM "Chapters" WHERE "ItemId" IN ` + set,
		`SELECT * FROM "UserData" WHERE "ItemId" IN ` + set,
	} {
		out = append(out, q)
		out = append(out, f.rows(q, args...)...)
	}
	return out
}

// metadata is what Jellyfin found online for items, and their play state.
func (f *fixture) metadata(ids ...media.ID) []string {
	f.t.Helper()
	set, args := in(ids)
	var out []string
	for _, q := range []string{
		`SELECT "Id", "Type", "Name", "SortName", "Overview", "CommunityRating", "OfficialRating", "Tagline", "PremiereDate", "DateCreated",
  "PresentationUniqueKey", "ProductionYear", "Genres", "Data" FROM "BaseItems" WHERE "Id" IN ` + set,
		`SELECT * FROM "BaseItemProviders" WHERE "ItemId" IN ` + set,
		`SELECT * FROM "BaseItemImageInfos" WHERE "ItemId" IN ` + set,
		`SELECT * FROM "UserData" WHERE "ItemId" IN ` + set,
	} {
		out = append(out, q)
		out = append(out, f.rows(q, args...)...)
	}
	return out
}

func diffLines(a, b []string) string {
	var d []string
	for _, l := range a {
		if !slices.Contains(b, l) {
			d = append(d, "- "+l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			d = append(d, "+ "+l)
		}
	}
	return strings.Join(d, "\n")
}

func idSet(ids []media.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	sort.Strings(out)
	return out
}

// TestAdoptJellyfinLibrary: libraries Jellyfin set up and filled, with
// real files, scanned by jellyha. New files become items filed as Jellyfin
// files them (under the media path's physical folder); Jellyfin's items
// keep their ids, their online metadata and their users' play state, byte
// for byte, through rescans that probe nothing; a changed file gets its
// streams read again and keeps the rest; a moved one keeps everything but
// its place; a deleted one goes, its play state kept on the placeholder;
// a file Jellyfin knows that jellyha's walk does not take up stays, and so
// does an item whose path is not in the library's folders.
func TestAdoptJellyfinLibrary(t *testing.T) {
	c := makeClips(t)
	for name, p := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, p(t))
			movies, tv := filepath.Join(f.root, "movies"), filepath.Join(f.root, "tv")
			alphaPath := filepath.Join(movies, "Alpha (2001)", "Alpha (2001).mkv")
			bravoPath := filepath.Join(movies, "Bravo (2002)", "Bravo (2002).mkv")
			charliePath := filepath.Join(movies, "Charlie (2003)", "Charlie (2003).mkv")
			echoPath := filepath.Join(movies, "Echo (2004)", "Echo (2004).iso") // Jellyfin plays disc images; jellyha's walk skips them
			showPath := filepath.Join(tv, "Delta Show")
			seasonPath := filepath.Join(showPath, "Season 01")
			e1Path := filepath.Join(seasonPath, "Delta Show S01E01.mkv")
			cp(t, c.chaptered, alphaPath)
			cp(t, c.video, bravoPath)
			cp(t, c.video, charliePath)
			write(t, echoPath, "a disc image")
			cp(t, c.video, e1Path)

			j := newJellyfinTree(f)
			libM, physM := j.library("Movies", "movies", movies)
			libS, physS := j.library("Shows", "tvshows", tv)
			film := func(name, path string) *media.LibraryItem {
				return j.item(&media.LibraryItem{Item: media.Item{Type: media.ItemTypeMovie, Name: name, Path: path, MediaType: "Video",
					ProductionYear: ip(2001), RunTimeTicks: ptrTo(int64(10_000_000)), Genres: []string{"Drama"}}, UnratedType: "Movie"}, libM, physM)
			}
			alpha := film("Alpha: The Director's Cut", alphaPath)
			bravo := film("Bravo", bravoPath)
			charlie := film("Charlie", charliePath)
			echo := film("Echo", echoPath)
			// One whose path is not a file of the library at all.
			golf := film("Golf", "/config/metadata/library/golf/trailer.mkv")
			series := j.item(&media.LibraryItem{Item: media.Item{Type: media.ItemTypeSeries, Name: "The Delta Show", Path: showPath, IsFolder: true}}, libS, physS)
			series.PresentationUniqueKey = "tvdb-555" // Jellyfin keys a series by its provider ids
			if _, err := f.st.DB().Write.Exec(f.st.DB().Rebind(`UPDATE "BaseItems" SET "PresentationUniqueKey" = ? WHERE "Id" = ?`), series.PresentationUniqueKey, database.GUID(series.ID)); err != nil {
				t.Fatal(err)
			}
			season := j.item(&media.LibraryItem{Item: media.Item{Type: media.ItemTypeSeason, Name: "Season 1", Path: seasonPath, IsFolder: true,
				IndexNumber: ip(1), SeriesID: series.ID, SeriesName: series.Name, SeriesPresentationUniqueKey: series.PresentationUniqueKey}}, libS, physS, series.ID)
			e1 := j.item(&media.LibraryItem{Item: media.Item{Type: media.ItemTypeEpisode, Name: "Pilot", Path: e1Path, MediaType: "Video",
				IndexNumber: ip(1), ParentIndexNumber: ip(1), SeriesID: series.ID, SeriesName: series.Name, SeasonID: season.ID, SeasonName: season.Name,
				SeriesPresentationUniqueKey: series.PresentationUniqueKey}}, libS, physS, season.ID, series.ID)

			u := &media.User{Name: "viewer", EnableAllFolders: true}
			if err := f.st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			played := time.Date(2025, 6, 1, 20, 0, 0, 0, time.UTC)
			for _, it := range []*media.LibraryItem{alpha, bravo, charlie, e1} {
				if err := f.st.SaveUserData(ctx, &media.UserData{ItemID: it.ID, UserID: u.ID, Key: "tmdb-" + it.Name, PlayCount: 2, Played: true,
					PlaybackPositionTicks: 42, LastPlayedDate: &played, IsFavorite: it == alpha}); err != nil {
					t.Fatal(err)
				}
			}
			jellyfins := []media.ID{j.root, j.userRoot, libM, libS, physM, physS, alpha.ID, bravo.ID, charlie.ID, echo.ID, golf.ID, series.ID, season.ID, e1.ID}
			before := f.snapshot(jellyfins...)

			// New files, beside and below Jellyfin's.
			foxtrotPath := filepath.Join(movies, "Foxtrot (2006)", "Foxtrot (2006).mkv")
			e2Path := filepath.Join(seasonPath, "Delta Show S01E02.mkv")
			cp(t, c.video, foxtrotPath)
			cp(t, c.video, e2Path)

			// The first scan adopts both libraries, probes the two new
			// files only, and records Jellyfin's items without touching
			// them.
			res := f.scan(2)
			if res.Libraries != 2 || res.Added != 2 || res.Kept != 6 || res.Updated+res.Moved+res.Deleted != 0 {
				t.Errorf("first scan: %+v", res)
			}
			libs, err := f.st.Libraries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(libs) != 2 || libs[0].ID != libM || libs[0].Layout != store.LayoutJellyfin || !slices.Equal(libs[0].Paths, []string{movies}) ||
				!slices.Equal(libs[0].Folders, []media.ID{physM}) || libs[1].ID != libS || libs[1].CollectionType != "tvshows" || !slices.Equal(libs[1].Folders, []media.ID{physS}) {
				t.Fatalf("adopted libraries: %+v %+v", libs[0], libs[1])
			}
			if d := diffLines(before, f.snapshot(jellyfins...)); d != "" {
				t.Errorf("the first scan changed what Jellyfin wrote:\n%s", d)
			}

			// The new film: in the movies' physical folder, as Jellyfin
			// files one.
			fox := f.byPath(physM, foxtrotPath)
			if fox.Type != media.ItemTypeMovie || fox.Name != "Foxtrot" || fox.ParentID != physM || fox.TopParentID != physM || fox.RunTimeTicks == nil ||
				!slices.Equal(idSet(fox.AncestorIDs), idSet([]media.ID{physM, libM, j.root})) {
				t.Errorf("new film: %+v", fox)
			}
			if n := f.count(`SELECT COUNT(*) FROM "MediaStreamInfos" WHERE "ItemId" = ?`, database.GUID(fox.ID)); n != 2 {
				t.Errorf("new film's streams: %d", n)
			}
			// The new episode: in Jellyfin's season of Jellyfin's series,
			// under their names and keys.
			e2 := f.byPath(physS, e2Path)
			if e2.Type != media.ItemTypeEpisode || e2.ParentID != season.ID || e2.TopParentID != physS || e2.SeasonID != season.ID || e2.SeriesID != series.ID ||
				e2.SeriesName != "The Delta Show" || e2.SeasonName != "Season 1" || e2.SeriesPresentationUniqueKey != "tvdb-555" ||
				!eqInt(e2.IndexNumber, ip(2)) || !eqInt(e2.ParentIndexNumber, ip(1)) ||
				!slices.Equal(idSet(e2.AncestorIDs), idSet([]media.ID{season.ID, series.ID, physS, libS, j.root})) {
				t.Errorf("new episode: %+v", e2)
			}
			// Browsing the library finds them, as it finds Jellyfin's.
			lf, err := f.st.LibraryFolders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			page, err := f.st.QueryItems(ctx, &store.ItemQuery{Libraries: lf.IDs, Physical: lf.Physical, ParentID: libS, Recursive: true,
				Types: []string{media.ItemTypeEpisode}, Sort: []store.ItemSort{{By: "SortName"}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 2 || !slices.Equal(idSet([]media.ID{page.Items[0].ID, page.Items[1].ID}), idSet([]media.ID{e1.ID, e2.ID})) {
				t.Errorf("the show's episodes: %+v", page.Items)
			}

			// The second scan probes and writes nothing.
			res = f.scan(0)
			if res.Unchanged != res.Items || res.Added+res.Updated+res.Moved+res.Deleted+res.Kept != 0 {
				t.Errorf("second scan: %+v", res)
			}
			if d := diffLines(before, f.snapshot(jellyfins...)); d != "" {
				t.Errorf("the second scan changed what Jellyfin wrote:\n%s", d)
			}

			// A film re-encoded, a film moved to a new folder, a film
			// deleted.
			keptMeta := f.metadata(alpha.ID, charlie.ID)
			untouched := []media.ID{j.root, j.userRoot, libM, libS, physM, physS, echo.ID, golf.ID, series.ID, season.ID, e1.ID}
			untouchedBefore := f.snapshot(untouched...)
			fh, err := os.OpenFile(charliePath, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = fh.Write(make([]byte, 1000))
			fh.Close()
			alphaNew := filepath.Join(movies, "Alpha Cut (2001)", "Alpha Cut (2001).mkv")
			if err := os.Rename(filepath.Dir(alphaPath), filepath.Dir(alphaNew)); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(filepath.Dir(alphaNew), "Alpha (2001).mkv"), alphaNew); err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(filepath.Dir(bravoPath)); err != nil {
				t.Fatal(err)
			}
			res = f.scan(1)
			if res.Updated != 1 || res.Moved != 1 || res.Deleted != 1 || res.Added != 0 {
				t.Errorf("scan after changes: %+v", res)
			}
			if d := diffLines(keptMeta, f.metadata(alpha.ID, charlie.ID)); d != "" {
				t.Errorf("Jellyfin's metadata of the changed and moved films changed:\n%s", d)
			}
			ch := f.byPath(physM, charliePath)
			fi, _ := os.Stat(charliePath)
			if ch.ID != charlie.ID || ch.Size == nil || *ch.Size != fi.Size() || ch.DateModified.Sub(fi.ModTime()).Abs() > time.Microsecond {
				t.Errorf("changed film: %+v", ch)
			}
			if n := f.count(`SELECT COUNT(*) FROM "MediaStreamInfos" WHERE "ItemId" = ? AND "Codec" IN ('h264', 'aac')`, database.GUID(charlie.ID)); n != 2 {
				t.Errorf("changed film's streams were not read again: %d", n)
			}
			al := f.byPath(physM, alphaNew)
			if al.ID != alpha.ID || al.ParentID != physM || al.TopParentID != physM || !slices.Equal(idSet(al.AncestorIDs), idSet([]media.ID{physM, libM, j.root})) {
				t.Errorf("moved film: %+v", al)
			}
			if n := f.count(`SELECT COUNT(*) FROM "Chapters" WHERE "ItemId" = ? AND "ImagePath" LIKE '/config/metadata/chapters/%'`, database.GUID(alpha.ID)); n != 1 {
				t.Errorf("moved film lost Jellyfin's chapters")
			}
			if n := f.count(`SELECT COUNT(*) FROM "BaseItems" WHERE "Id" = ?`, database.GUID(bravo.ID)); n != 0 {
				t.Errorf("deleted film still there")
			}
			if n := f.count(`SELECT COUNT(*) FROM "UserData" WHERE "ItemId" = ? AND "CustomDataKey" = ? AND "Played" = ? AND "RetentionDate" IS NOT NULL`,
				database.GUID(media.PlaceholderItemID), "tmdb-Bravo", true); n != 1 {
				t.Errorf("deleted film's play state not kept on the placeholder")
			}
			if n := f.count(`SELECT COUNT(*) FROM "BaseItems" WHERE "Id" IN (?, ?)`, database.GUID(echo.ID), database.GUID(golf.ID)); n != 2 {
				t.Errorf("the disc image jellyha does not scan, or the item outside the library's folders, was removed")
			}
			if d := diffLines(untouchedBefore, f.snapshot(untouched...)); d != "" {
				t.Errorf("the scan changed Jellyfin's other items:\n%s", d)
			}
			f.scan(0)
			if d := diffLines(untouchedBefore, f.snapshot(untouched...)); d != "" {
				t.Errorf("the last scan changed Jellyfin's other items:\n%s", d)
			}
			if d := diffLines(keptMeta, f.metadata(alpha.ID, charlie.ID)); d != "" {
				t.Errorf("the last scan changed Jellyfin's metadata:\n%s", d)
			}
		})
	}
}

// TestAdoptMovedBeforeFirstScan moves files of a library Jellyfin set up
// before jellyha has scanned it: the first scan finds each by the size and
// time Jellyfin recorded, so the item (and every user's play state) goes
// with it, while a new file of the same size but another time, beside a
// deleted one, is a new item.
func TestAdoptMovedBeforeFirstScan(t *testing.T) {
	c := makeClips(t)
	for name, p := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, p(t))
			movies, tv := filepath.Join(f.root, "movies"), filepath.Join(f.root, "tv")
			hotelPath := filepath.Join(movies, "Hotel (2001)", "Hotel (2001).mkv")
			indiaPath := filepath.Join(movies, "India (2002)", "India (2002).mkv")
			e1Path := filepath.Join(tv, "Kilo Show", "Season 01", "Kilo Show S01E01.mkv")
			cp(t, c.video, hotelPath)
			cp(t, c.video, indiaPath)
			cp(t, c.video, e1Path)
			// Times a second apart, so that only the time tells the
			// same-sized files apart.
			for i, p := range []string{hotelPath, indiaPath, e1Path} {
				at := time.Date(2024, 1, 2, 3, 4, 5+i, 123456789, time.UTC)
				if err := os.Chtimes(p, at, at); err != nil {
					t.Fatal(err)
				}
			}

			j := newJellyfinTree(f)
			libM, physM := j.library("Movies", "movies", movies)
			libS, physS := j.library("Shows", "tvshows", tv)
			film := func(name, path string) *media.LibraryItem {
				return j.item(&media.LibraryItem{Item: media.Item{Type: media.ItemTypeMovie, Name: name, Path: path, MediaType: "Video"}}, libM, physM)
			}
			hotel, india := film("Hotel", hotelPath), film("India", indiaPath)
			series := j.item(&media.LibraryItem{Item: media.Item{Type: media.ItemTypeSeries, Name: "Kilo Show", Path: filepath.Dir(filepath.Dir(e1Path)), IsFolder: true}}, libS, physS)
			season := j.item(&media.LibraryItem{Item: media.Item{Type: media.ItemTypeSeason, Name: "Season 1", Path: filepath.Dir(e1Path), IsFolder: true,
				IndexNumber: ip(1), SeriesID: series.ID, SeriesName: series.Name}}, libS, physS, series.ID)
			e1 := j.item(&media.LibraryItem{Item: media.Item{Type: media.ItemTypeEpisode, Name: "Pilot", Path: e1Path, MediaType: "Video",
				IndexNumber: ip(1), ParentIndexNumber: ip(1), SeriesID: series.ID, SeriesName: series.Name, SeasonID: season.ID, SeasonName: season.Name}},
				libS, physS, season.ID, series.ID)
			u := &media.User{Name: "viewer", EnableAllFolders: true}
			if err := f.st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			played := time.Date(2025, 6, 1, 20, 0, 0, 0, time.UTC)
			for _, it := range []*media.LibraryItem{hotel, india, e1} {
				// Keyed by the item's own id, as Jellyfin keys an item
				// with no provider ids: a new item would not find it.
				if err := f.st.SaveUserData(ctx, &media.UserData{ItemID: it.ID, UserID: u.ID, Key: it.ID.Hyphenated(), PlaybackPositionTicks: 6_000_000_000,
					LastPlayedDate: &played}); err != nil {
					t.Fatal(err)
				}
			}
			kept := f.metadata(hotel.ID, e1.ID)

			// Before jellyha's first scan: Hotel renamed into a new
			// folder, the episode renamed in its season's, India deleted
			// and Juliet (the same clip, so the same size, at another
			// time) added.
			hotelNew := filepath.Join(movies, "Hotel Cut (2001)", "Hotel Cut (2001).mkv")
			e1New := filepath.Join(filepath.Dir(e1Path), "Kilo.Show.S01E01.Pilot.mkv")
			julietPath := filepath.Join(movies, "Juliet (2003)", "Juliet (2003).mkv")
			for _, m := range [][2]string{{hotelPath, hotelNew}, {e1Path, e1New}} {
				if err := os.MkdirAll(filepath.Dir(m[1]), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(m[0], m[1]); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.RemoveAll(filepath.Dir(indiaPath)); err != nil {
				t.Fatal(err)
			}
			cp(t, c.video, julietPath)

			res := f.scan(1) // Juliet only
			if res.Moved != 2 || res.Added != 1 || res.Deleted != 1 {
				t.Errorf("first scan: %+v", res)
			}
			h := f.byPath(physM, hotelNew)
			if h.ID != hotel.ID || h.ParentID != physM || !slices.Equal(idSet(h.AncestorIDs), idSet([]media.ID{physM, libM, j.root})) {
				t.Errorf("moved film: %+v", h)
			}
			ep := f.byPath(physS, e1New)
			if ep.ID != e1.ID || ep.SeriesID != series.ID {
				t.Errorf("moved episode: %+v", ep)
			}
			if d := diffLines(kept, f.metadata(hotel.ID, e1.ID)); d != "" {
				t.Errorf("the moved items' metadata or play state changed:\n%s", d)
			}
			if j := f.byPath(physM, julietPath); j.ID == india.ID {
				t.Error("a new file of the same size but another time took the deleted film's item")
			}
			if n := f.count(`SELECT COUNT(*) FROM "BaseItems" WHERE "Id" = ?`, database.GUID(india.ID)); n != 0 {
				t.Error("the deleted film is still there")
			}
			// The next scan finds everything as the first left it.
			if res := f.scan(0); res.Unchanged != res.Items {
				t.Errorf("second scan: %+v", res)
			}
		})
	}
}
