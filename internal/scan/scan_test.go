package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/scan"
	"github.com/jellyha/jellyha/internal/schema"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

// These tests scan real files made with ffmpeg's lavfi sources into real
// SQLite and PostgreSQL databases, and count ffprobe runs.

func ffmpeg(t *testing.T, out string, args ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	full := append([]string{"-nostdin", "-v", "error", "-y"}, args...)
	if b, err := exec.Command("ffmpeg", append(full, out)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v: %s", out, err, b)
	}
}

// clips makes one video and one audio clip to copy around (copies are
// quicker than encoding each file).
type clips struct{ video, chaptered, audio, cover string }

var (
	clipOnce sync.Once
	clipSet  clips
	clipDir  string
)

func makeClips(t *testing.T) clips {
	t.Helper()
	clipOnce.Do(func() {
		var err error
		if clipDir, err = os.MkdirTemp("", "jellyha-clips"); err != nil {
			t.Fatal(err)
		}
		c := clips{video: filepath.Join(clipDir, "v.mkv"), chaptered: filepath.Join(clipDir, "c.mkv"), audio: filepath.Join(clipDir, "a.flac"), cover: filepath.Join(clipDir, "cover.jpg")}
		ffmpeg(t, c.video, "-f", "lavfi", "-t", "1", "-i", "testsrc=size=160x90:rate=10", "-f", "lavfi", "-t", "1", "-i", "sine=frequency=440",
			"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-metadata", "title=Embedded Title")
		meta := filepath.Join(clipDir, "chapters.txt")
		_ = os.WriteFile(meta, []byte(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle=One\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=500\nEND=1000\ntitle=Two\n"), 0o644)
		ffmpeg(t, c.chaptered, "-i", c.video, "-i", meta, "-map", "0", "-map_metadata", "1", "-map_chapters", "1", "-c", "copy")
		ffmpeg(t, c.cover, "-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1", "-f", "image2")
		ffmpeg(t, c.audio, "-f", "lavfi", "-t", "1", "-i", "sine=frequency=330", "-i", c.cover, "-map", "0:a", "-map", "1:v", "-c:a", "flac",
			"-c:v", "mjpeg", "-disposition:v", "attached_pic", "-metadata", "title=Tone", "-metadata", "album=Tones", "-metadata", "artist=Osc")
		clipSet = c
	})
	if clipSet.video == "" {
		t.Fatal("clips could not be made")
	}
	return clipSet
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(scanChild())
	}
	code := m.Run()
	if clipDir != "" {
		_ = os.RemoveAll(clipDir)
	}
	os.Exit(code)
}

func cp(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	write(t, dst, string(b))
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

var engines = map[string]func(t *testing.T) database.Provider{
	"sqlite": func(t *testing.T) database.Provider { return database.NewSQLite(testdb.SQLitePath(t), nil) },
	"postgres": func(t *testing.T) database.Provider {
		p, err := database.NewPostgres(testdb.NewPostgres(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	},
}

func open(t *testing.T, p database.Provider) *store.Store {
	return store.New(testdb.Open(t, p))
}

// logBuf collects the scanner's log for checks.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type fixture struct {
	t    *testing.T
	st   *store.Store
	sc   *scan.Scanner
	log  *logBuf
	root string
}

func (f *fixture) scan(wantProbes int) *scan.Result {
	f.t.Helper()
	before := f.sc.Probes()
	res, err := f.sc.Scan(context.Background(), nil, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if got := f.sc.Probes() - before; got != int64(wantProbes) || res.Probed != wantProbes {
		f.t.Fatalf("ffprobe ran %d times (result %d), want %d; %+v", got, res.Probed, wantProbes, res)
	}
	return res
}

// byPath returns the item at path.
func (f *fixture) byPath(lib media.ID, path string) *media.Item {
	f.t.Helper()
	items, err := f.st.Descendants(context.Background(), lib)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, it := range items {
		if it.Path == path {
			full, err := f.st.Item(context.Background(), it.ID)
			if err != nil {
				f.t.Fatal(err)
			}
			return full
		}
	}
	f.t.Fatalf("no item at %s", path)
	return nil
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.st.DB().Read.QueryRow(f.st.DB().Rebind(query), args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func newFixture(t *testing.T, p database.Provider) *fixture {
	lb := &logBuf{}
	st := open(t, p)
	root := t.TempDir()
	return &fixture{t: t, st: st, log: lb, root: root,
		sc: scan.New(st, scan.Options{MetadataDir: filepath.Join(root, "metadata"), Log: slog.New(slog.NewTextHandler(lb, nil)), Workers: 3})}
}

func (f *fixture) library(name, kind string, paths ...string) *store.Library {
	f.t.Helper()
	l := &store.Library{Name: name, CollectionType: kind, Paths: paths}
	if err := f.st.CreateLibrary(context.Background(), l); err != nil {
		f.t.Fatal(err)
	}
	return l
}

func ip(n int) *int { return &n }

func eqInt(a, b *int) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func TestScan(t *testing.T) {
	c := makeClips(t)
	for name, p := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, p(t))
			movies, shows, music := filepath.Join(f.root, "movies"), filepath.Join(f.root, "shows"), filepath.Join(f.root, "music")
			m1 := filepath.Join(movies, "Alpha Film (2001)", "Alpha Film (2001).mkv")
			cp(t, c.chaptered, m1)
			cp(t, c.cover, filepath.Join(movies, "Alpha Film (2001)", "poster.jpg"))
			cp(t, c.cover, filepath.Join(movies, "Alpha Film (2001)", "fanart.jpg"))
			write(t, filepath.Join(movies, "Alpha Film (2001)", "movie.nfo"), `<movie><title>Alpha, the Film</title><year>2002</year><plot>It begins.</plot>
<genre>Drama</genre><genre>Comedy</genre><studio>Studio A</studio><director>Dee Rector</director><actor><name>Ann Actor</name><role>Herself</role></actor></movie>`)
			m2 := filepath.Join(movies, "Beta (1999)", "Beta (1999).mkv")
			cp(t, c.video, m2)
			write(t, filepath.Join(movies, "Beta (1999)", "movie.nfo"), `<movie><title>Broken`) // malformed
			cp(t, c.video, filepath.Join(movies, "Gamma (2005)", "Gamma (2005).mkv"))
			write(t, filepath.Join(movies, "Broken (2000)", "Broken (2000).mkv"), "this is not a matroska file") // ffprobe fails
			if err := os.Symlink(filepath.Join(f.root, "nowhere"), filepath.Join(movies, "Dangling (2003)")); err != nil {
				t.Fatal(err)
			}
			show := filepath.Join(shows, "Show (2020)")
			write(t, filepath.Join(show, "tvshow.nfo"), `<tvshow><title>The Show</title><genre>Drama</genre></tvshow>`)
			for _, e := range []string{"Season 01/Show S01E01.mkv", "Season 01/Show S01E02.mkv", "Season 02/Show S02E01.mkv"} {
				cp(t, c.video, filepath.Join(show, e))
			}
			cp(t, c.video, filepath.Join(show, "Season 02", "Some Bonus.mkv")) // no episode number
			album := filepath.Join(music, "Osc", "Tones")
			cp(t, c.audio, filepath.Join(album, "01 First.flac"))
			cp(t, c.audio, filepath.Join(album, "02 Second.flac"))
			notDir := filepath.Join(f.root, "file-not-folder")
			write(t, notDir, "x")
			lm := f.library("Films", "movies", movies, notDir)
			ls := f.library("Shows", "tvshows", shows)
			lmu := f.library("Music", "music", music)

			res := f.scan(10)
			if res.Added != 15 || res.Failed == 0 {
				t.Errorf("first scan: %+v", res)
			}
			// A scan that changed most items refreshes the planner's
			// statistics (the browse queries choose indexes by them).
			if !res.Optimized {
				t.Errorf("first scan did not refresh statistics: %+v", res)
			}
			if f.st.DB().Engine == schema.SQLite && f.count(`SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'BaseItems' AND idx = 'IX_BaseItems_ParentId'`) != 1 {
				t.Error("no SQLite statistics for BaseItems after the first scan")
			}
			// Bad input is logged with its path, and the rest is scanned.
			for _, want := range []string{"Broken (2000).mkv", "Beta (1999)/movie.nfo", "Dangling (2003)", "file-not-folder", "Some Bonus.mkv"} {
				if !strings.Contains(f.log.String(), want) {
					t.Errorf("log does not mention %s:\n%s", want, f.log.String())
				}
			}

			// Movies hang from the library; the .nfo wins over the name.
			a := f.byPath(lm.ID, m1)
			root, _ := f.st.Item(ctx, lm.ID)
			if a.Type != media.ItemTypeMovie || a.Name != "Alpha, the Film" || *a.ProductionYear != 2002 || a.ParentID != lm.ID || a.TopParentID != lm.ID ||
				a.Overview != "It begins." || a.MediaType != "Video" || a.RunTimeTicks == nil || *a.RunTimeTicks < 9e6 || *a.Width != 160 ||
				a.SortName != "alpha, the film" || a.CleanName != "alpha, the film" || a.PresentationUniqueKey != a.ID.String() ||
				len(a.AncestorIDs) != 2 || a.AncestorIDs[0] != lm.ID || a.AncestorIDs[1] != root.ParentID {
				t.Errorf("movie: %+v", a)
			}
			fi, _ := os.Stat(m1)
			if a.Size == nil || *a.Size != fi.Size() || a.DateModified.Sub(fi.ModTime()).Abs() > time.Microsecond {
				t.Errorf("movie size/date: %v %v, file %d %v", a.Size, a.DateModified, fi.Size(), fi.ModTime())
			}
			if n := f.count(`SELECT COUNT(*) FROM "MediaStreamInfos" WHERE "ItemId" = ?`, database.GUID(a.ID)); n != 2 {
				t.Errorf("movie streams: %d", n)
			}
			if n := f.count(`SELECT COUNT(*) FROM "Chapters" WHERE "ItemId" = ? AND "Name" IN ('One', 'Two')`, database.GUID(a.ID)); n != 2 {
				t.Errorf("movie chapters: %d", n)
			}
			if n := f.count(`SELECT COUNT(*) FROM "BaseItemImageInfos" WHERE "ItemId" = ? AND "Width" = 64 AND "ImageType" IN (0, 2)`, database.GUID(a.ID)); n != 2 {
				t.Errorf("movie images: %d", n)
			}
			if n := f.count(`SELECT COUNT(*) FROM "ItemValuesMap" m JOIN "ItemValues" v ON v."ItemValueId" = m."ItemValueId" WHERE m."ItemId" = ?
  AND ((v."Type" = 2 AND v."Value" IN ('Drama', 'Comedy')) OR (v."Type" = 3 AND v."Value" = 'Studio A'))`, database.GUID(a.ID)); n != 3 {
				t.Errorf("movie genres and studio: %d", n)
			}
			if n := f.count(`SELECT COUNT(*) FROM "PeopleBaseItemMap" m JOIN "Peoples" p ON p."Id" = m."PeopleId" WHERE m."ItemId" = ?
  AND ((p."Name" = 'Ann Actor' AND p."PersonType" = 'Actor' AND m."Role" = 'Herself') OR (p."Name" = 'Dee Rector' AND p."PersonType" = 'Director'))`, database.GUID(a.ID)); n != 2 {
				t.Errorf("movie people: %d", n)
			}
			if b := f.byPath(lm.ID, m2); b.Name != "Beta" || *b.ProductionYear != 1999 {
				t.Errorf("movie with a broken .nfo: %+v", b)
			}
			if b := f.byPath(lm.ID, filepath.Join(movies, "Broken (2000)", "Broken (2000).mkv")); b.Name != "Broken" || b.RunTimeTicks != nil {
				t.Errorf("unreadable movie: %+v", b)
			}

			// Series, seasons, episodes.
			series := f.byPath(ls.ID, show)
			s1 := f.byPath(ls.ID, filepath.Join(show, "Season 01"))
			e := f.byPath(ls.ID, filepath.Join(show, "Season 01", "Show S01E02.mkv"))
			if series.Type != media.ItemTypeSeries || series.Name != "The Show" || *series.ProductionYear != 2020 || !series.IsFolder {
				t.Errorf("series: %+v", series)
			}
			if s1.Type != media.ItemTypeSeason || s1.Name != "Season 1" || !eqInt(s1.IndexNumber, ip(1)) || s1.ParentID != series.ID || s1.SeriesID != series.ID ||
				s1.PresentationUniqueKey != series.PresentationUniqueKey+"-001" || s1.SeriesName != "The Show" {
				t.Errorf("season: %+v", s1)
			}
			if e.Type != media.ItemTypeEpisode || !eqInt(e.IndexNumber, ip(2)) || !eqInt(e.ParentIndexNumber, ip(1)) || e.ParentID != s1.ID ||
				e.SeriesID != series.ID || e.SeasonID != s1.ID || e.SeriesName != "The Show" || e.SeasonName != "Season 1" || e.TopParentID != ls.ID ||
				len(e.AncestorIDs) != 4 || e.Name != "Show S01E02" {
				t.Errorf("episode: %+v", e)
			}
			if b := f.byPath(ls.ID, filepath.Join(show, "Season 02", "Some Bonus.mkv")); b.IndexNumber != nil || !eqInt(b.ParentIndexNumber, ip(2)) {
				t.Errorf("episode without a number: %+v", b)
			}

			// Artist, album, tracks; the album's cover comes from its tracks.
			artist := f.byPath(lmu.ID, filepath.Join(music, "Osc"))
			al := f.byPath(lmu.ID, album)
			tr := f.byPath(lmu.ID, filepath.Join(album, "02 Second.flac"))
			if artist.Type != media.ItemTypeMusicArtist || al.Type != media.ItemTypeMusicAlbum || al.ParentID != artist.ID || al.Name != "Tones" {
				t.Errorf("artist/album: %+v %+v", artist, al)
			}
			if tr.Type != media.ItemTypeAudio || tr.Name != "Tone" || !eqInt(tr.IndexNumber, ip(2)) || tr.Album != "Tones" || len(tr.Artists) != 1 || tr.Artists[0] != "Osc" ||
				tr.ParentID != al.ID || tr.MediaType != "Audio" {
				t.Errorf("track: %+v", tr)
			}
			if n := f.count(`SELECT COUNT(*) FROM "BaseItemImageInfos" WHERE "ItemId" IN (?, ?) AND "ImageType" = 0 AND "Width" = 64`, database.GUID(al.ID), database.GUID(tr.ID)); n != 2 {
				t.Errorf("embedded cover art: %d images", n)
			}

			// Unchanged: nothing probed, nothing written.
			if res := f.scan(0); res.Unchanged != res.Items || res.Added+res.Updated+res.Moved+res.Deleted != 0 || res.Optimized {
				t.Errorf("rescan of an unchanged library: %+v", res)
			}

			// Play state on items that will move and vanish.
			u := &media.User{Name: "viewer", EnableAllFolders: true}
			if err := f.st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			gone := f.byPath(lm.ID, filepath.Join(movies, "Gamma (2005)", "Gamma (2005).mkv"))
			for _, it := range []*media.Item{e, gone} {
				if err := f.st.SaveUserData(ctx, &media.UserData{ItemID: it.ID, UserID: u.ID, Key: it.ID.Hyphenated(), Played: true, PlayCount: 1}); err != nil {
					t.Fatal(err)
				}
			}

			// Add one, grow one, move one, delete one: two probes.
			cp(t, c.video, filepath.Join(show, "Season 02", "Show S02E02.mkv"))
			fh, err := os.OpenFile(m2, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = fh.Write(make([]byte, 1000))
			fh.Close()
			moved := filepath.Join(show, "Season 02", "Show S02E05.mkv")
			if err := os.Rename(filepath.Join(show, "Season 01", "Show S01E02.mkv"), moved); err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(filepath.Join(movies, "Gamma (2005)")); err != nil {
				t.Fatal(err)
			}
			res = f.scan(2)
			// Updated: the grown movie, and the two season folders whose
			// modification times changed.
			if res.Added != 1 || res.Updated != 3 || res.Moved != 1 || res.Deleted != 1 {
				t.Errorf("incremental scan: %+v", res)
			}
			me := f.byPath(ls.ID, moved)
			if me.ID != e.ID || !eqInt(me.IndexNumber, ip(5)) || !eqInt(me.ParentIndexNumber, ip(2)) || me.SeasonName != "Season 2" {
				t.Errorf("moved episode: %+v", me)
			}
			if n := f.count(`SELECT COUNT(*) FROM "UserData" WHERE "ItemId" = ? AND "Played" = ?`, database.GUID(e.ID), true); n != 1 {
				t.Errorf("moved episode lost its play state")
			}
			if n := f.count(`SELECT COUNT(*) FROM "MediaStreamInfos" WHERE "ItemId" = ?`, database.GUID(e.ID)); n != 2 {
				t.Errorf("moved episode lost its streams: %d", n)
			}
			if n := f.count(`SELECT COUNT(*) FROM "UserData" WHERE "ItemId" = ? AND "CustomDataKey" = ? AND "RetentionDate" IS NOT NULL`,
				database.GUID(media.PlaceholderItemID), gone.ID.Hyphenated()); n != 1 {
				t.Errorf("deleted movie's play state not kept on the placeholder")
			}
			if n := f.count(`SELECT COUNT(*) FROM "BaseItems" WHERE "Id" = ?`, database.GUID(gone.ID)); n != 0 {
				t.Errorf("deleted movie still there")
			}
			f.scan(0)

			// Only the .nfo edited: the item takes it up, with nothing probed.
			write(t, filepath.Join(movies, "Alpha Film (2001)", "movie.nfo"), `<movie><title>Alpha, Revised</title><year>2003</year><genre>Horror</genre></movie>`)
			if res := f.scan(0); res.Updated != 1 || res.Added+res.Moved+res.Deleted != 0 {
				t.Errorf("after editing an .nfo: %+v", res)
			}
			if a := f.byPath(lm.ID, m1); a.Name != "Alpha, Revised" || *a.ProductionYear != 2003 || a.SortName != "alpha, revised" {
				t.Errorf("movie after its .nfo changed: %+v", a)
			}
			if n := f.count(`SELECT COUNT(*) FROM "ItemValuesMap" m JOIN "ItemValues" v ON v."ItemValueId" = m."ItemValueId" WHERE m."ItemId" = ? AND v."Type" = 2`, database.GUID(a.ID)); n != 1 {
				t.Errorf("genres after the .nfo changed: %d, want Horror alone", n)
			}

			// A library path removed: its items go at the next scan.
			if err := f.st.RemoveLibraryPath(ctx, lmu.ID, music); err != nil {
				t.Fatal(err)
			}
			if res := f.scan(0); res.Deleted != 1 {
				t.Errorf("after removing the music folder: %+v", res)
			}
			if items, _ := f.st.Descendants(ctx, lmu.ID); len(items) != 0 {
				t.Errorf("%d items left in an empty library", len(items))
			}
		})
	}
}

// Two replicas (two stores on one PostgreSQL database) starting scans at
// once: one runs, the other is refused.
func TestScanLease(t *testing.T) {
	url := testdb.NewPostgres(t)
	var stores []*store.Store
	for range 2 {
		p, err := database.NewPostgres(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, open(t, p))
	}
	ctx := context.Background()
	for round := range 5 {
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, st := range stores {
			wg.Go(func() { errs[i] = st.TakeScanLease(ctx, "replica-"+string(rune('a'+i))) })
		}
		wg.Wait()
		ok := 0
		var winner int
		for i, err := range errs {
			if err == nil {
				ok++
				winner = i
			} else if media.ErrorCode(err) != media.ECONFLICT {
				t.Fatal(err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d scans took the lease: %v", round, ok, errs)
		}
		// While it is held, a whole scan elsewhere is refused too.
		other := scan.New(stores[1-winner], scan.Options{})
		if _, err := other.Scan(ctx, nil, nil); media.ErrorCode(err) != media.ECONFLICT {
			t.Fatalf("scan while another holds the lease: %v", err)
		}
		st, err := stores[0].ScanState(ctx)
		if err != nil || !st.Running {
			t.Fatalf("state while running: %+v %v", st, err)
		}
		if err := stores[winner].EndScan(ctx, "replica-"+string(rune('a'+winner)), "Completed", ""); err != nil {
			t.Fatal(err)
		}
	}
	// With the lease free, a scan runs and leaves the state idle.
	sc := scan.New(stores[1], scan.Options{})
	if _, err := sc.Scan(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := stores[0].ScanState(ctx); st.Running || st.Result != "Completed" || st.Progress != 100 {
		t.Errorf("after a scan: %+v", st)
	}
}

// Subtitles: embedded text streams of an mkv (subrip) and an mp4
// (mov_text), and external files next to a video, which count as the
// video's streams; adding or removing one is a change to the video even
// though its own file did not change.
func TestScanSubtitles(t *testing.T) {
	c := makeClips(t)
	for name, p := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, p(t))
			movies := filepath.Join(f.root, "movies")
			srt := filepath.Join(f.root, "in.srt")
			write(t, srt, "1\n00:00:00,100 --> 00:00:00,900\nHello\n")
			mkv := filepath.Join(movies, "Subbed (2020)", "Subbed (2020).mkv")
			ffmpeg(t, mkv, "-i", c.video, "-i", srt, "-map", "0", "-map", "1", "-c:v", "copy", "-c:a", "copy", "-c:s", "srt",
				"-metadata:s:s:0", "language=eng", "-disposition:s:0", "default")
			mp4 := filepath.Join(movies, "Tx (2021)", "Tx (2021).mp4")
			ffmpeg(t, mp4, "-i", c.video, "-i", srt, "-map", "0", "-map", "1", "-c:v", "copy", "-c:a", "copy", "-c:s", "mov_text",
				"-metadata:s:s:0", "language=fre")
			dir := filepath.Dir(mkv)
			write(t, filepath.Join(dir, "Subbed (2020).srt"), "1\n00:00:00,000 --> 00:00:01,000\nPlain\n")
			write(t, filepath.Join(dir, "Subbed (2020).en.forced.vtt"), "WEBVTT\n\n00:00.000 --> 00:01.000\nForced\n")
			write(t, filepath.Join(dir, "Subbed (2020).fr.sdh.srt"), "1\n00:00:00,000 --> 00:00:01,000\nSourds\n")
			write(t, filepath.Join(dir, "Subbed (2020).de.default.ass"), "[Script Info]\n")
			lm := f.library("Films", "movies", movies)
			f.scan(2)

			streamsOf := func(path string) []media.MediaStream {
				t.Helper()
				s, err := f.st.ItemStreams(ctx, f.byPath(lm.ID, path).ID)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			got := streamsOf(mkv)
			type row struct {
				index                             int
				codec, lang, path                 string
				external, def, forced, hi, isText bool
			}
			want := []row{
				{0, "h264", "", "", false, true, false, false, false},
				{1, "aac", "", "", false, true, false, false, false},
				{2, "subrip", "eng", "", false, true, false, false, true},
				{3, "ass", "deu", filepath.Join(dir, "Subbed (2020).de.default.ass"), true, true, false, false, true},
				{4, "webvtt", "eng", filepath.Join(dir, "Subbed (2020).en.forced.vtt"), true, false, true, false, true},
				{5, "subrip", "fra", filepath.Join(dir, "Subbed (2020).fr.sdh.srt"), true, false, false, true, true},
				{6, "subrip", "", filepath.Join(dir, "Subbed (2020).srt"), true, false, false, false, true},
			}
			if len(got) != len(want) {
				t.Fatalf("mkv streams: %+v", got)
			}
			for i, w := range want {
				g := got[i]
				hi := g.IsHearingImpaired != nil && *g.IsHearingImpaired
				if g.StreamIndex != w.index || g.Codec != w.codec || g.Language != w.lang || g.Path != w.path || g.IsExternal != w.external ||
					g.IsForced != w.forced || hi != w.hi || (w.isText && g.StreamType != media.StreamSubtitle) || (w.external && g.IsDefault != w.def) {
					t.Errorf("stream %d: %+v, want %+v", i, g, w)
				}
			}
			if tx := streamsOf(mp4); len(tx) != 3 || tx[2].Codec != "mov_text" || tx[2].StreamType != media.StreamSubtitle || tx[2].Language != "fre" {
				t.Errorf("mp4 streams: %+v", tx)
			}

			// Unchanged: nothing written.
			if res := f.scan(0); res.Unchanged != res.Items {
				t.Errorf("rescan: %+v", res)
			}
			// A subtitle removed and one added: the film is rewritten, not probed.
			if err := os.Remove(filepath.Join(dir, "Subbed (2020).srt")); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(dir, "Subbed (2020).es.srt"), "1\n00:00:00,000 --> 00:00:01,000\nHola\n")
			if res := f.scan(0); res.Updated != 1 || res.Unchanged != res.Items-1 {
				t.Errorf("rescan after a subtitle change: %+v", res)
			}
			got = streamsOf(mkv)
			if len(got) != 7 || got[5].Language != "spa" || got[5].Path != filepath.Join(dir, "Subbed (2020).es.srt") || got[6].Language != "fra" {
				t.Errorf("after the change: %+v", got)
			}
			// All external subtitles gone: back to the file's own streams.
			for _, n := range []string{"Subbed (2020).es.srt", "Subbed (2020).en.forced.vtt", "Subbed (2020).fr.sdh.srt", "Subbed (2020).de.default.ass"} {
				if err := os.Remove(filepath.Join(dir, n)); err != nil {
					t.Fatal(err)
				}
			}
			if res := f.scan(0); res.Updated != 1 {
				t.Errorf("rescan after removing the subtitles: %+v", res)
			}
			if got := streamsOf(mkv); len(got) != 3 {
				t.Errorf("after removing the subtitles: %+v", got)
			}
		})
	}
}

// TestScanLyrics: "Song.lrc", "Song.en.elrc" and "Song.txt" next to a song
// are Lyric streams of it (as Jellyfin's MediaInfoResolver makes them),
// numbered after its own; another song's file, or a text file of another
// name, is not; adding or removing one rewrites the song without probing.
func TestScanLyrics(t *testing.T) {
	c := makeClips(t)
	for name, p := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, p(t))
			album := filepath.Join(f.root, "music", "Osc", "Tones")
			first, second := filepath.Join(album, "01 First.flac"), filepath.Join(album, "02 Second.flac")
			cp(t, c.audio, first)
			cp(t, c.audio, second)
			write(t, filepath.Join(album, "01 First.lrc"), "[00:00.10]Hello\n")
			write(t, filepath.Join(album, "01 First.en.elrc"), "[00:00.10]<00:00.10>Hello\n")
			write(t, filepath.Join(album, "notes.txt"), "not lyrics\n")
			lm := f.library("Music", "music", filepath.Join(f.root, "music"))
			f.scan(2)
			lyricsOf := func(path string) []media.MediaStream {
				t.Helper()
				all, err := f.st.ItemStreams(ctx, f.byPath(lm.ID, path).ID)
				if err != nil {
					t.Fatal(err)
				}
				var out []media.MediaStream
				own := 0
				for _, s := range all {
					if s.StreamType == media.StreamLyric {
						out = append(out, s)
					} else {
						own = max(own, s.StreamIndex+1)
					}
				}
				for i, s := range out {
					if s.StreamIndex != own+i || s.IsExternal || s.Codec != "" {
						t.Errorf("lyric stream %+v, want index %d", s, own+i)
					}
				}
				return out
			}
			got := lyricsOf(first)
			if len(got) != 2 || got[0].Path != filepath.Join(album, "01 First.en.elrc") || got[0].Language != "eng" ||
				got[1].Path != filepath.Join(album, "01 First.lrc") || got[1].Language != "" {
				t.Errorf("the first song's lyrics: %+v", got)
			}
			if got := lyricsOf(second); len(got) != 0 {
				t.Errorf("the second song's lyrics: %+v", got)
			}
			if res := f.scan(0); res.Unchanged != res.Items {
				t.Errorf("rescan: %+v", res)
			}
			write(t, filepath.Join(album, "02 Second.txt"), "Plain words\n")
			if err := os.Remove(filepath.Join(album, "01 First.en.elrc")); err != nil {
				t.Fatal(err)
			}
			// Both songs, and their album, whose folder changed.
			if res := f.scan(0); res.Updated != 3 || res.Unchanged != 1 {
				t.Errorf("rescan after lyric files changed: %+v", res)
			}
			if got := lyricsOf(second); len(got) != 1 || got[0].Path != filepath.Join(album, "02 Second.txt") {
				t.Errorf("the second song's lyrics after one was added: %+v", got)
			}
			if got := lyricsOf(first); len(got) != 1 {
				t.Errorf("the first song's lyrics after one was removed: %+v", got)
			}

			// Lyrics in the songs' tags: kept as a file in the song's
			// metadata folder, .lrc when timed and .txt when not.
			tagged, plain := filepath.Join(album, "03 Tagged.flac"), filepath.Join(album, "04 Plain.flac")
			ffmpeg(t, tagged, "-i", c.audio, "-map", "0:a", "-c", "copy", "-metadata", "lyrics=[00:00.20]Tagged line")
			ffmpeg(t, plain, "-i", c.audio, "-map", "0:a", "-c", "copy", "-metadata", "UNSYNCEDLYRICS=just words")
			f.scan(2)
			for path, want := range map[string]struct{ name, text string }{
				tagged: {"lyrics.lrc", "[00:00.20]Tagged line"}, plain: {"lyrics.txt", "just words"},
			} {
				got := lyricsOf(path)
				if len(got) != 1 || filepath.Base(got[0].Path) != want.name || !strings.HasPrefix(got[0].Path, filepath.Join(f.root, "metadata")) {
					t.Errorf("%s: lyric streams %+v", path, got)
					continue
				}
				if b, err := os.ReadFile(got[0].Path); err != nil || string(b) != want.text {
					t.Errorf("%s: the kept lyrics %q, %v", path, b, err)
				}
			}
			if res := f.scan(0); res.Unchanged != res.Items {
				t.Errorf("rescan with embedded lyrics: %+v", res)
			}
		})
	}
}

// TestScanKeepsItemsOfAnEmptyFolder: a library folder that is suddenly
// empty (a disk or share that is not mounted leaves an empty mount point)
// keeps its items and their play state, and says so in the log; once the
// files are back nothing has changed, and a file really deleted from a
// folder that is not empty still goes.
func TestScanKeepsItemsOfAnEmptyFolder(t *testing.T) {
	c := makeClips(t)
	for name, p := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, p(t))
			movies := filepath.Join(f.root, "movies")
			for _, m := range []string{"One (2001)", "Two (2002)"} {
				cp(t, c.video, filepath.Join(movies, m, m+".mkv"))
			}
			lib := f.library("Films", "movies", movies)
			if res := f.scan(2); res.Added != 2 {
				t.Fatalf("first scan: %+v", res)
			}
			away := filepath.Join(f.root, "unmounted")
			if err := os.Rename(movies, away); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(movies, 0o755); err != nil {
				t.Fatal(err)
			}
			if res := f.scan(0); res.Deleted != 0 {
				t.Errorf("an empty library folder: %+v", res)
			}
			if items, _ := f.st.Descendants(context.Background(), lib.ID); len(items) != 2 {
				t.Errorf("%d items left after scanning an empty folder, want 2", len(items))
			}
			if !strings.Contains(f.log.String(), "library folder is empty") || !strings.Contains(f.log.String(), movies) {
				t.Errorf("the log does not say the folder is empty:\n%s", f.log.String())
			}
			if err := os.Remove(movies); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(away, movies); err != nil {
				t.Fatal(err)
			}
			if res := f.scan(0); res.Deleted != 0 || res.Added != 0 || res.Unchanged != res.Items {
				t.Errorf("the files back: %+v", res)
			}
			if err := os.RemoveAll(filepath.Join(movies, "Two (2002)")); err != nil {
				t.Fatal(err)
			}
			if res := f.scan(0); res.Deleted != 1 {
				t.Errorf("one film deleted: %+v", res)
			}
		})
	}
}

// childEnv marks the test binary run again as a scan with fewer rights
// (TestScanUnreadableFolder); it names the engine, the next variables say
// where the database and the metadata are.
const (
	childEnv     = "JELLYHA_TEST_SCAN_CHILD"
	childDSN     = "JELLYHA_TEST_SCAN_DSN"
	childMetaDir = "JELLYHA_TEST_SCAN_METADATA"
)

// scanChild scans every library of the database the environment names,
// logging to stderr and printing the Result as JSON on stdout.
func scanChild() int {
	var p database.Provider
	switch os.Getenv(childEnv) {
	case "sqlite":
		p = database.NewSQLite(os.Getenv(childDSN), nil)
	default:
		pg, err := database.NewPostgres(os.Getenv(childDSN), nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		p = pg
	}
	ctx := context.Background()
	db, err := p.Open(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer db.Close()
	sc := scan.New(store.New(db), scan.Options{MetadataDir: os.Getenv(childMetaDir), Log: slog.New(slog.NewTextHandler(os.Stderr, nil)), Workers: 2})
	res, err := sc.Scan(ctx, nil, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 2
	}
	return 0
}

// scanWithoutRights scans in a child process that file modes bind. Tests
// run as root in CI, and root reads a folder whatever its mode; without
// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (dropped from the bounding and
// inheritable sets, so that the child cannot gain them back) it is held to
// the owner's bits like anyone else. setpriv is part of util-linux, which
// every Debian system has.
func scanWithoutRights(t *testing.T, engine, dsn, metadata string) (*scan.Result, string) {
	t.Helper()
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		drop := "-dac_override,-dac_read_search"
		cmd = exec.Command("setpriv", "--bounding-set="+drop, "--inh-caps="+drop, os.Args[0])
	} else {
		cmd = exec.Command(os.Args[0])
	}
	cmd.Env = append(os.Environ(), childEnv+"="+engine, childDSN+"="+dsn, childMetaDir+"="+metadata)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("scan in a child process: %v\n%s", err, stderr.String())
	}
	var res scan.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("child's result %q: %v", stdout.String(), err)
	}
	return &res, stderr.String()
}

// TestScanUnreadableFolder: a folder the server may not read (a share
// mounted with the wrong owner, a season locked by mistake) is logged with
// its path; the items already found in it stay, and
// the rest of the scan goes on. Once it is readable again nothing has
// changed.
func TestScanUnreadableFolder(t *testing.T) {
	c := makeClips(t)
	for engine, dsn := range map[string]func(t testing.TB) string{"sqlite": testdb.SQLitePath, "postgres": testdb.NewPostgres} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dsn := dsn(t)
			var p database.Provider
			if engine == "sqlite" {
				p = database.NewSQLite(dsn, nil)
			} else {
				pg, err := database.NewPostgres(dsn, nil)
				if err != nil {
					t.Fatal(err)
				}
				p = pg
			}
			f := newFixture(t, p)
			movies, shows := filepath.Join(f.root, "movies"), filepath.Join(f.root, "shows")
			for _, m := range []string{"One (2001)", "Two (2002)"} {
				cp(t, c.video, filepath.Join(movies, m, m+".mkv"))
			}
			show := filepath.Join(shows, "Show")
			for _, e := range []string{"Season 01/Show S01E01.mkv", "Season 02/Show S02E01.mkv", "Season 02/Show S02E02.mkv"} {
				cp(t, c.video, filepath.Join(show, e))
			}
			music := filepath.Join(f.root, "music")
			cp(t, c.audio, filepath.Join(music, "Osc", "Tones", "01 First.flac"))
			cp(t, c.audio, filepath.Join(music, "Other", "More", "01 Third.flac"))
			lm := f.library("Films", "movies", movies)
			ls := f.library("Shows", "tvshows", shows)
			lmu := f.library("Music", "music", music)
			if res := f.scan(7); res.Added != 14 {
				t.Fatalf("first scan: %+v", res)
			}
			before := map[media.ID]int{lm.ID: 0, ls.ID: 0, lmu.ID: 0}
			for lib := range before {
				items, err := f.st.Descendants(context.Background(), lib)
				if err != nil {
					t.Fatal(err)
				}
				before[lib] = len(items)
			}

			locked := []string{filepath.Join(movies, "Two (2002)"), filepath.Join(show, "Season 02"), filepath.Join(music, "Osc")}
			for _, d := range locked {
				if err := os.Chmod(d, 0); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = os.Chmod(d, 0o755) }) // or TempDir cannot remove it
			}
			cp(t, c.video, filepath.Join(movies, "Three (2003)", "Three (2003).mkv"))
			res, log := scanWithoutRights(t, engine, dsn, filepath.Join(f.root, "metadata"))
			if res.Added != 1 || res.Deleted != 0 || res.Probed != 1 {
				t.Errorf("scan with three locked folders: %+v, want one added and none deleted", res)
			}
			for _, d := range locked {
				if !strings.Contains(log, "cannot read folder") || !strings.Contains(log, d) {
					t.Errorf("the log does not name the locked folder %s:\n%s", d, log)
				}
			}
			for lib, n := range before {
				items, err := f.st.Descendants(context.Background(), lib)
				if err != nil {
					t.Fatal(err)
				}
				if lib == lm.ID {
					n++ // Three
				}
				if len(items) != n {
					t.Errorf("library %s has %d items after the locked scan, want %d", lib, len(items), n)
				}
			}
			f.byPath(ls.ID, filepath.Join(show, "Season 02", "Show S02E02.mkv"))
			f.byPath(lm.ID, filepath.Join(movies, "Two (2002)", "Two (2002).mkv"))
			if a := f.byPath(lmu.ID, filepath.Join(music, "Osc")); a.Type != media.ItemTypeMusicArtist {
				t.Errorf("a locked artist folder became a %s", a.Type)
			}
			f.byPath(lmu.ID, filepath.Join(music, "Osc", "Tones", "01 First.flac"))

			for _, d := range locked {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if res := f.scan(0); res.Added != 0 || res.Deleted != 0 || res.Unchanged != res.Items {
				t.Errorf("the folders readable again: %+v", res)
			}
		})
	}
}
