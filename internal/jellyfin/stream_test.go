package jellyfin

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/password"
	"github.com/jellyha/jellyha/internal/store"
)

// clipLibrary makes a two-second film with ffmpeg, scans it into a movies
// library and returns its id, its bytes, an administrator's token and the
// token of a user who may see only another, empty library.
func clipLibrary(t *testing.T, s *testServer) (id string, file []byte, admin, carol string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "Clip (2020)", "Clip (2020).mp4")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10", "-t", "2",
		"-f", "lavfi", "-i", "sine", "-t", "2", "-c:v", "libx264", "-c:a", "aac", "-shortest", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	id, admin, carol = oneFilmLibrary(t, s, "Clips", dir)
	return id, file, admin, carol
}

// oneFilmLibrary makes dir, which holds one film, a movie library and
// scans it; it completes the wizard and returns the film's id, an
// administrator's token and the token of carol, who may see only another,
// empty library.
func oneFilmLibrary(t testing.TB, s *testServer, name, dir string) (id, admin, carol string) {
	t.Helper()
	ctx := context.Background()
	lib := &store.Library{Name: name, CollectionType: "movies", Paths: []string{dir}}
	if err := s.store.CreateLibrary(ctx, lib); err != nil {
		t.Fatal(err)
	}
	other := &store.Library{Name: "Other", CollectionType: "movies", Paths: []string{t.TempDir()}}
	if err := s.store.CreateLibrary(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, err := s.rt.scanner.Scan(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	s.completeWizard()
	s.addUser("admin", "root", true)
	h, _ := password.Hash("c")
	if err := s.store.CreateUser(ctx, &media.User{Name: "carol", PasswordHash: h, EnabledFolders: []media.ID{other.ID}}); err != nil {
		t.Fatal(err)
	}
	admin = s.login("admin", "root", "admin-dev").AccessToken
	carol = s.login("carol", "c", "carol-dev").AccessToken
	var l listIn
	s.expect(req{"GET", "/Items?Recursive=true&IncludeItemTypes=Movie", nil, as(admin)}, 200, &l)
	if len(l.Items) != 1 {
		t.Fatalf("scanned %d films", len(l.Items))
	}
	return l.Items[0].ID, admin, carol
}

// reply is a response read whole.
type reply struct {
	StatusCode int
	Header     http.Header
}

// get fetches path with optional headers and returns the response and body.
func (s *testServer) get(method, path string, header ...string) (*reply, []byte) {
	s.t.Helper()
	r, err := http.NewRequest(method, s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &reply{resp.StatusCode, resp.Header}, b
}

func TestDirectPlay(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		id, file, admin, carol := clipLibrary(t, s)
		size := len(file)
		n := strconv.Itoa(size)
		base := "/Videos/" + id + "/stream.mp4?Static=true&api_key=" + admin

		resp, body := s.get("GET", base)
		if resp.StatusCode != 200 || !bytes.Equal(body, file) || resp.Header.Get("Content-Type") != "video/mp4" ||
			resp.Header.Get("Accept-Ranges") != "bytes" || resp.Header.Get("Content-Length") != n {
			t.Fatalf("whole file: %d %v, %d bytes of %d", resp.StatusCode, resp.Header, len(body), size)
		}
		for _, c := range []struct {
			rng        string
			from, to   int // inclusive
			status     int
			contentRng string
		}{
			{"bytes=0-0", 0, 0, 206, "bytes 0-0/" + n},
			{"bytes=10-99", 10, 99, 206, "bytes 10-99/" + n},
			{"bytes=100-", 100, size - 1, 206, "bytes 100-" + strconv.Itoa(size-1) + "/" + n},
			{"bytes=-50", size - 50, size - 1, 206, "bytes " + strconv.Itoa(size-50) + "-" + strconv.Itoa(size-1) + "/" + n},
			{"bytes=" + strconv.Itoa(size-10) + "-" + strconv.Itoa(size+1000), size - 10, size - 1, 206,
				"bytes " + strconv.Itoa(size-10) + "-" + strconv.Itoa(size-1) + "/" + n},
			{"bytes=" + n + "-", 0, 0, 416, "bytes */" + n},
			{"bytes=" + strconv.Itoa(size+5) + "-" + strconv.Itoa(size+10), 0, 0, 416, "bytes */" + n},
		} {
			resp, body := s.get("GET", base, "Range", c.rng)
			if resp.StatusCode != c.status || resp.Header.Get("Content-Range") != c.contentRng {
				t.Errorf("%s: %d %q, want %d %q", c.rng, resp.StatusCode, resp.Header.Get("Content-Range"), c.status, c.contentRng)
				continue
			}
			if c.status == 206 && (!bytes.Equal(body, file[c.from:c.to+1]) || resp.Header.Get("Content-Length") != strconv.Itoa(c.to-c.from+1)) {
				t.Errorf("%s: %d bytes, not the file's %d-%d", c.rng, len(body), c.from, c.to)
			}
		}
		// A range read in pieces is the file, byte for byte.
		var joined []byte
		for from := 0; from < size; from += 1000 {
			_, b := s.get("GET", base, "Range", "bytes="+strconv.Itoa(from)+"-"+strconv.Itoa(from+999))
			joined = append(joined, b...)
		}
		if !bytes.Equal(joined, file) {
			t.Errorf("pieces differ from the file")
		}
		// HEAD, other names and carriers.
		if resp, body := s.get("HEAD", base); resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != n {
			t.Errorf("HEAD: %d, %d bytes, length %s", resp.StatusCode, len(body), resp.Header.Get("Content-Length"))
		}
		for _, p := range []string{"/Videos/" + id + "/stream?ApiKey=" + admin, "/videos/" + id + "/Stream.mkv?api_key=" + admin,
			"/emby/Videos/" + id + "/stream.mp4?api_key=" + admin} {
			if resp, body := s.get("GET", p); resp.StatusCode != 200 || !bytes.Equal(body, file) {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
		}
		if resp, _ := s.get("GET", "/Videos/"+id+"/stream.mp4", as(admin)...); resp.StatusCode != 200 {
			t.Errorf("with the header: %d", resp.StatusCode)
		}
		for _, c := range []struct {
			path   string
			status int
		}{
			{"/Videos/" + id + "/stream.mp4", 401},
			{"/Videos/" + id + "/stream.mp4?api_key=nope", 401},
			{"/Videos/" + id + "/stream.mp4?api_key=" + carol, 404},
			{"/Videos/" + id + "/other.mp4?api_key=" + admin, 404},
			{"/Videos/" + media.NewID().String() + "/stream?api_key=" + admin, 404},
		} {
			if resp, body := s.get("GET", c.path); resp.StatusCode != c.status {
				t.Errorf("%s: %d %s, want %d", c.path, resp.StatusCode, body, c.status)
			}
		}
		if resp, body := s.get("GET", "/Audio/"+id+"/universal?Container=mp4|aac,mkv&api_key="+admin); resp.StatusCode != 200 || !bytes.Equal(body, file) {
			t.Errorf("universal in a listed container: %d", resp.StatusCode)
		}
		// The source PlaybackInfo gives points at this URL.
		var info PlaybackInfoIn
		s.expect(req{"POST", "/Items/" + id + "/PlaybackInfo", map[string]any{"DeviceProfile": browserProfile}, as(admin)}, 200, &info)
		if src := info.MediaSources[0]; !src.SupportsDirectPlay || src.Container != "mp4" || src.Size == nil || *src.Size != int64(size) {
			t.Errorf("playback info of the clip %+v", src)
		}
	})
}

// TestDownload: /Items/{id}/Download sends the file as an attachment named
// like it, with ranges, to users allowed to download; CanDownload says so
// in the item's DTO.
func TestDownload(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		id, file, admin, carol := clipLibrary(t, s)
		path := "/Items/" + id + "/Download"
		resp, body := s.get("GET", path+"?api_key="+admin)
		if resp.StatusCode != 200 || !bytes.Equal(body, file) || resp.Header.Get("Content-Type") != "video/mp4" ||
			resp.Header.Get("Content-Disposition") != `attachment; filename="Clip (2020).mp4"` {
			t.Fatalf("download: %d %v (%d bytes)", resp.StatusCode, resp.Header, len(body))
		}
		if resp, body := s.get("GET", path+"?api_key="+admin, "Range", "bytes=10-19"); resp.StatusCode != 206 || !bytes.Equal(body, file[10:20]) {
			t.Errorf("a range of the download: %d %q", resp.StatusCode, body)
		}
		canDownload := func(token string) any {
			t.Helper()
			var dto map[string]any
			s.expect(req{"GET", "/Items/" + id + "?Fields=CanDownload", nil, as(token)}, 200, &dto)
			return dto["CanDownload"]
		}
		if got := canDownload(admin); got != true {
			t.Errorf("CanDownload %v, want true", got)
		}
		// Carol may not see the film.
		if resp, _ := s.get("GET", path+"?api_key="+carol); resp.StatusCode != 404 {
			t.Errorf("carol downloads: %d, want 404", resp.StatusCode)
		}
		// Without the permission: refused, and the DTO says so.
		var me UserIn
		s.expect(req{"GET", "/Users/Me", nil, as(admin)}, 200, &me)
		s.expect(req{"POST", "/Users/" + me.ID + "/Policy", map[string]any{"IsAdministrator": true, "EnableContentDownloading": false}, as(admin)}, 204, nil)
		if resp, _ := s.get("GET", path+"?api_key="+admin); resp.StatusCode != 403 {
			t.Errorf("download without the permission: %d, want 403", resp.StatusCode)
		}
		if got := canDownload(admin); got != false {
			t.Errorf("CanDownload without the permission: %v", got)
		}
	})
}

// TestBitrateTest: the bytes players time to pick a bitrate.
func TestBitrateTest(t *testing.T) {
	s := newTestServer(t, engines["sqlite"](t), nil)
	s.completeWizard()
	s.addUser("admin", "root", true)
	tok := s.login("admin", "root", "admin-dev").AccessToken
	for size, want := range map[string]int{"": 102400, "?size=1": 1, "?size=1000000": 1000000} {
		resp, body := s.get("GET", "/Playback/BitrateTest"+size, "X-Emby-Token", tok)
		if resp.StatusCode != 200 || len(body) != want || resp.Header.Get("Content-Length") != strconv.Itoa(want) ||
			resp.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("size %q: %d, %d bytes, %v", size, resp.StatusCode, len(body), resp.Header)
		}
		if want > 1000 && bytes.Count(body, body[:8]) > 1 {
			t.Errorf("size %q: the bytes repeat", size)
		}
	}
	for _, bad := range []string{"?size=0", "?size=100000001", "?size=x"} {
		if resp, _ := s.get("GET", "/Playback/BitrateTest"+bad, "X-Emby-Token", tok); resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", bad, resp.StatusCode)
		}
	}
	if resp, _ := s.get("GET", "/Playback/BitrateTest"); resp.StatusCode != 401 {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
}

// TestForgotPassword: the login page's "Forgot password" is told to
// contact the administrator, whether the user exists or not.
func TestForgotPassword(t *testing.T) {
	s := newTestServer(t, engines["sqlite"](t), nil)
	s.completeWizard()
	s.addUser("admin", "root", true)
	for _, name := range []string{"admin", "nobody"} {
		var res map[string]any
		s.expect(req{"POST", "/Users/ForgotPassword", map[string]any{"EnteredUsername": name}, nil}, 200, &res)
		if len(res) != 1 || res["Action"] != "ContactAdmin" {
			t.Errorf("%s: %v", name, res)
		}
	}
	var pin map[string]any
	s.expect(req{"POST", "/Users/ForgotPassword/Pin", map[string]any{"Pin": "1234"}, nil}, 200, &pin)
	if pin["Success"] != false {
		t.Errorf("pin: %v", pin)
	}
	s.expect(req{"POST", "/Users/ForgotPassword", "not json{", nil}, 400, nil)
	// The administrator's password still works.
	s.login("admin", "root", "admin-dev")
}

// TestLyrics: a song's lyric file, scanned as its Lyric stream, is read
// as Jellyfin's LyricDto; the song's detail says HasLyrics; a song without
// lyrics, or anything that is not a song, answers 404.
func TestLyrics(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		album := filepath.Join(t.TempDir(), "Osc", "Tones")
		if err := os.MkdirAll(album, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"01 Sung.flac", "02 Hummed.flac"} {
			runFFmpeg(t, "-f", "lavfi", "-i", "sine", "-t", "1", filepath.Join(album, name))
		}
		if err := os.WriteFile(filepath.Join(album, "01 Sung.lrc"), []byte("[ti:Sung]\n[00:00.50]La la\n[00:01.25]Lo\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		lib, tok := scannedMusic(t, s, filepath.Dir(filepath.Dir(album)))
		var songs listIn
		s.expect(req{"GET", "/Items?Recursive=true&IncludeItemTypes=Audio&SortBy=SortName", nil, tok}, 200, &songs)
		if len(songs.Items) != 2 {
			t.Fatalf("songs: %v", names(songs.Items))
		}
		hummed, sung := songs.Items[0], songs.Items[1]
		if sung.Name != "Sung" {
			hummed, sung = sung, hummed
		}
		var lyric struct {
			Metadata map[string]any
			Lyrics   []struct {
				Text  string
				Start *int64
				Cues  []struct{ Position, EndPosition int }
			}
		}
		s.expect(req{"GET", "/Audio/" + sung.ID + "/Lyrics", nil, tok}, 200, &lyric)
		if len(lyric.Lyrics) != 2 || lyric.Lyrics[0].Text != "La la" || lyric.Lyrics[0].Start == nil || *lyric.Lyrics[0].Start != 5_000_000 ||
			len(lyric.Lyrics[0].Cues) != 1 || lyric.Lyrics[0].Cues[0].EndPosition != 5 || lyric.Lyrics[1].Text != "Lo" || lyric.Metadata == nil {
			t.Errorf("lyrics %+v", lyric)
		}
		hasLyrics := func(id string) any {
			var dto map[string]any
			s.expect(req{"GET", "/Items/" + id, nil, tok}, 200, &dto)
			return dto["HasLyrics"]
		}
		if hasLyrics(sung.ID) != true || hasLyrics(hummed.ID) != false {
			t.Errorf("HasLyrics: %v, %v", hasLyrics(sung.ID), hasLyrics(hummed.ID))
		}
		s.expect(req{"GET", "/Audio/" + hummed.ID + "/Lyrics", nil, tok}, 404, nil)
		s.expect(req{"GET", "/Audio/" + lib.ID.String() + "/Lyrics", nil, tok}, 404, nil)
		s.expect(req{"GET", "/Audio/" + sung.ID + "/Lyrics", nil, nil}, 401, nil)
	})
}

// TestArtistsAreItems: in the artists list, an artist with an item (here
// a scanned artist folder with its picture) is that item, which opens,
// filters and mixes by its id; a name with no item (a guest on one track)
// stays a name.
func TestArtistsAreItems(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		root := t.TempDir()
		artist := filepath.Join(root, "The Oscillators")
		album := filepath.Join(artist, "Tones")
		if err := os.MkdirAll(album, 0o755); err != nil {
			t.Fatal(err)
		}
		runFFmpeg(t, "-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1", filepath.Join(artist, "folder.jpg"))
		runFFmpeg(t, "-f", "lavfi", "-i", "sine", "-t", "1", "-metadata", "artist=The Oscillators", "-metadata", "album_artist=The Oscillators",
			"-metadata", "genre=Electronic", filepath.Join(album, "01 Solo.flac"))
		runFFmpeg(t, "-f", "lavfi", "-i", "sine", "-t", "1", "-metadata", "artist=Guest Star", "-metadata", "album_artist=The Oscillators",
			"-metadata", "genre=Electronic", filepath.Join(album, "02 Duet.flac"))
		lib, tok := scannedMusic(t, s, root)
		var artists listIn
		s.expect(req{"GET", "/Artists?ParentId=" + lib.ID.String(), nil, tok}, 200, &artists)
		byName := map[string]ItemIn{}
		for _, a := range artists.Items {
			byName[a.Name] = a
		}
		osc, guest := byName["The Oscillators"], byName["Guest Star"]
		if len(artists.Items) != 2 || osc.ID == "" || guest.ID == "" {
			t.Fatalf("artists: %+v", artists.Items)
		}
		if osc.Type != "MusicArtist" || osc.ImageTags["Primary"] == "" || !osc.IsFolder {
			t.Errorf("the artist with a folder: %+v", osc)
		}
		if guest.Type != "MusicArtist" || guest.ImageTags["Primary"] != "" {
			t.Errorf("the guest: %+v", guest)
		}
		// The folder's item opens, and its id filters and mixes.
		var detail ItemIn
		s.expect(req{"GET", "/Items/" + osc.ID, nil, tok}, 200, &detail)
		if detail.Name != "The Oscillators" || detail.Type != "MusicArtist" {
			t.Errorf("the artist's detail: %+v", detail)
		}
		var songs listIn
		s.expect(req{"GET", "/Items?Recursive=true&IncludeItemTypes=Audio&ArtistIds=" + osc.ID, nil, tok}, 200, &songs)
		// ArtistIds matches artist or album artist, as Jellyfin's does.
		if len(songs.Items) != 2 {
			t.Errorf("songs by the artist's id: %v", names(songs.Items))
		}
		s.expect(req{"GET", "/Items?Recursive=true&IncludeItemTypes=Audio&ArtistIds=" + guest.ID, nil, tok}, 200, &songs)
		if len(songs.Items) != 1 || songs.Items[0].Name != "Duet" {
			t.Errorf("songs by the guest's id: %v", names(songs.Items))
		}
		s.expect(req{"GET", "/Artists/InstantMix?id=" + osc.ID, nil, tok}, 200, &songs)
		if len(songs.Items) != 2 {
			t.Errorf("the artist's mix (its genre's songs): %v", names(songs.Items))
		}
		// The Favorites page: the artists whose item the user marked; no
		// people, for jellyha keeps no person items.
		var favs listIn
		s.expect(req{"GET", "/Artists?Filters=IsFavorite&Recursive=true", nil, tok}, 200, &favs)
		if len(favs.Items) != 0 {
			t.Errorf("favourite artists before any: %v", names(favs.Items))
		}
		s.expect(req{"POST", "/UserFavoriteItems/" + osc.ID, nil, tok}, 200, nil)
		s.expect(req{"GET", "/Artists?Filters=IsFavorite&Recursive=true", nil, tok}, 200, &favs)
		if len(favs.Items) != 1 || favs.Items[0].ID != osc.ID || favs.Items[0].UserData == nil || !favs.Items[0].UserData.IsFavorite {
			t.Errorf("favourite artists: %+v", favs.Items)
		}
		s.expect(req{"GET", "/Persons?IsFavorite=true", nil, tok}, 200, &favs)
		if len(favs.Items) != 0 {
			t.Errorf("favourite people: %v", names(favs.Items))
		}
	})
}

// runFFmpeg runs ffmpeg quietly with args, failing the test if it fails.
func runFFmpeg(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
}

// scannedMusic adds root as a music library, scans it, and logs an
// administrator in.
func scannedMusic(t *testing.T, s *testServer, root string) (*store.Library, []string) {
	t.Helper()
	ctx := context.Background()
	lib := &store.Library{Name: "Music", CollectionType: "music", Paths: []string{root}}
	if err := s.store.CreateLibrary(ctx, lib); err != nil {
		t.Fatal(err)
	}
	if _, err := s.rt.scanner.Scan(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	s.completeWizard()
	s.addUser("admin", "root", true)
	return lib, as(s.login("admin", "root", "admin-dev").AccessToken)
}
