package scan

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

// The .NET type names of items the scanner makes besides media's.
const (
	typeVideo = "MediaBrowser.Controller.Entities.Video"
)

var (
	videoExts = set("mkv", "mp4", "m4v", "avi", "mov", "webm", "ts", "m2ts", "wmv", "mpg", "mpeg", "ogv", "flv", "3gp")
	audioExts = set("flac", "mp3", "m4a", "aac", "ogg", "oga", "opus", "wav", "wma", "alac", "ape", "mka", "aiff", "dsf")

	yearRe    = regexp.MustCompile(`^(.*?)[\s._]*[\(\[](\d{4})[\)\]]\s*$`)
	seasonRe  = regexp.MustCompile(`(?i)^(?:season|series|staffel|saison|temporada)[\s._-]*(\d{1,4})$`)
	episodeRe = regexp.MustCompile(`(?i)(?:^|[^a-z0-9])s(\d{1,4})[\s._-]*e(\d{1,4})`)
	xEpRe     = regexp.MustCompile(`(?:^|[^0-9])(\d{1,2})x(\d{1,3})(?:[^0-9]|$)`)
	trackRe   = regexp.MustCompile(`^(?:(\d{1,2})[-.])?(\d{1,3})[\s._-]+(.+)$`)
)

func set(s ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}

func ext(name string) string { return strings.ToLower(strings.TrimPrefix(filepath.Ext(name), ".")) }

func isVideo(name string) bool { return videoExts[ext(name)] }
func isAudio(name string) bool { return audioExts[ext(name)] }

// node is an item the walk found: a folder or a media file.
type node struct {
	path     string
	typ      string
	folder   bool
	parent   *node // nil: the library
	size     int64
	mtime    time.Time
	name     string // from the file or folder name
	year     *int
	index    *int
	parentIx *int
	nfo      string // .nfo file to read, if any
	images   []sidecar
	subs     []subtitleFile // external subtitles of a video
	lyrics   []subtitleFile // lyric files of a song
	mtype    string         // Video or Audio

	// top is the index of the library path the node was found under, and
	// place where that path's items go.
	top   int
	place *place

	id        media.ID
	probeJSON string
	probe     *probeResult
	probed    bool // this scan ran ffprobe on it
	sig       string
	oldSig    string
	oldParent media.ID
	existed   bool
	moved     bool
	kids      []*node
	// displayName is the name build gave the item (an .nfo's title, say),
	// which its children carry as SeriesName, Album...; key is its
	// PresentationUniqueKey, which a series' episodes and seasons carry.
	// For an item kept as Jellyfin made it, both are Jellyfin's.
	displayName string
	key         string

	// kept: the item's metadata is Jellyfin's (store.KeptItem); it is
	// recorded the first time it is seen (firstSight), and refreshed from
	// its file only when the file changed or moved.
	kept, firstSight, changed bool
	keptType                  string // its stored type
}

type sidecar struct {
	kind int
	path string
}

// splitYear reads "Name (2001)".
func splitYear(s string) (string, *int) {
	if m := yearRe.FindStringSubmatch(s); m != nil && strings.TrimSpace(m[1]) != "" {
		y, _ := strconv.Atoi(m[2])
		return strings.TrimSpace(m[1]), &y
	}
	return strings.TrimSpace(s), nil
}

func stem(name string) string { return strings.TrimSuffix(name, filepath.Ext(name)) }

// walker turns a library folder into nodes.
type walker struct {
	kind       string
	top        int // the index of the library path being walked
	nodes      []*node
	unreadable []string // folders that could not be read: their items are kept
	warn       func(msg, path string, err error)
}

func (w *walker) add(n *node) *node {
	n.top = w.top
	w.nodes = append(w.nodes, n)
	if n.parent != nil {
		n.parent.kids = append(n.parent.kids, n)
	}
	return n
}

// readDir lists a folder, without hidden entries; a folder that cannot be
// read is logged and remembered.
func (w *walker) readDir(dir string) ([]os.DirEntry, bool) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		w.warn("cannot read folder; its items are kept as they were", dir, err)
		w.unreadable = append(w.unreadable, dir)
		return nil, false
	}
	out := ents[:0]
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e)
		}
	}
	return out, true
}

// stat follows symbolic links; a dangling one is logged and skipped.
func (w *walker) stat(path string) (os.FileInfo, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		w.warn("cannot read; skipped", path, err)
		return nil, false
	}
	return fi, true
}

func (w *walker) root(dir string) {
	fi, ok := w.stat(dir)
	if !ok {
		w.unreadable = append(w.unreadable, dir)
		return
	}
	if !fi.IsDir() {
		w.warn("a library folder is a file, not a folder; skipped", dir, nil)
		w.unreadable = append(w.unreadable, dir)
		return
	}
	// An empty library folder is most often a disk or a share that is not
	// mounted (its mount point is an empty folder): removing every item
	// of the library then would move the family's play state onto
	// placeholders for nothing. Its items are kept; taking the folder out
	// of the library is how to remove them.
	if ents, ok := w.readDir(dir); ok && len(ents) == 0 {
		w.warn("library folder is empty: its items are kept, as for a disk or share that is not mounted (remove the folder from the library to remove them)", dir, nil)
		w.unreadable = append(w.unreadable, dir)
		return
	}
	switch w.kind {
	case "movies":
		w.movies(dir, nil)
	case "tvshows":
		w.shows(dir)
	case "music":
		w.music(dir)
	default:
		w.mixed(dir, nil)
	}
}

type entry struct {
	path string
	name string
	fi   os.FileInfo
}

func (w *walker) entries(dir string) (dirs, files []entry) {
	ents, _ := w.readDir(dir)
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		fi, ok := w.stat(p)
		if !ok {
			continue
		}
		if fi.IsDir() {
			dirs = append(dirs, entry{p, e.Name(), fi})
		} else {
			files = append(files, entry{p, e.Name(), fi})
		}
	}
	return dirs, files
}

func fileNode(e entry, typ, mtype string, parent *node) *node {
	return &node{path: e.path, typ: typ, parent: parent, size: e.fi.Size(), mtime: e.fi.ModTime(), mtype: mtype}
}

func folderNode(e entry, typ string, parent *node) *node {
	name, year := splitYear(e.name)
	return &node{path: e.path, typ: typ, folder: true, parent: parent, mtime: e.fi.ModTime(), name: name, year: year}
}

// images finds sidecar artwork among files.
func images(files []entry, prefix string) []sidecar {
	var out []sidecar
	seen := map[int]bool{}
	for _, want := range []struct {
		kind  int
		names []string
	}{
		{media.ImagePrimary, []string{prefix + "-poster", "poster", "folder", "cover"}},
		{media.ImageBackdrop, []string{prefix + "-fanart", "fanart", "backdrop"}},
		{media.ImageLogo, []string{"logo"}},
	} {
		for _, n := range want.names {
			for _, f := range files {
				e := ext(f.name)
				if (e == "jpg" || e == "jpeg" || e == "png") && strings.EqualFold(stem(f.name), n) && !seen[want.kind] {
					out = append(out, sidecar{want.kind, f.path})
					seen[want.kind] = true
				}
			}
		}
	}
	return out
}

func findFile(files []entry, names ...string) string {
	for _, n := range names {
		for _, f := range files {
			if strings.EqualFold(f.name, n) {
				return f.path
			}
		}
	}
	return ""
}

// movies: "Movie (Year)/Movie (Year).mkv", loose files, and plain folders
// grouping movie folders.
func (w *walker) movies(dir string, parent *node) {
	dirs, files := w.entries(dir)
	var videos []entry
	for _, f := range files {
		if isVideo(f.name) {
			videos = append(videos, f)
		}
	}
	inFolder := parent != nil && parent.typ == "" // a movie folder
	for _, v := range videos {
		n := fileNode(v, media.ItemTypeMovie, "Video", nil)
		if inFolder {
			n.parent = parent.parent
		} else {
			n.parent = parent
		}
		base := stem(v.name)
		if inFolder && len(videos) == 1 {
			n.name, n.year = splitYear(filepath.Base(dir))
		} else {
			n.name, n.year = splitYear(base)
		}
		n.subs = externalSubtitles(files, v.name)
		if inFolder {
			n.nfo = findFile(files, base+".nfo", "movie.nfo")
			n.images = images(files, base)
		} else {
			n.nfo = findFile(files, base+".nfo")
			n.images = images(nil, base)
		}
		w.add(n)
	}
	if inFolder {
		return // extras and trailers folders of a movie are not scanned
	}
	for _, d := range dirs {
		sub, subFiles, ok := w.peek(d.path)
		if !ok {
			continue
		}
		hasVideo := false
		for _, f := range subFiles {
			hasVideo = hasVideo || isVideo(f.name)
		}
		switch {
		case hasVideo:
			// A movie folder is not an item: its movie hangs from the
			// folder above, as in Jellyfin.
			w.movies(d.path, &node{parent: parent})
		case len(sub) > 0:
			f := w.add(folderNode(d, media.ItemTypeFolder, parent))
			f.images = images(subFiles, "")
			w.movies(d.path, f)
		}
	}
}

// peek lists a folder without logging (the real walk logs). A folder that
// cannot be read is logged and remembered, as readDir does, and ok is
// false: its caller must not take it for an empty folder, whose items
// would be deleted.
func (w *walker) peek(dir string) (dirs, files []entry, ok bool) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		w.warn("cannot read folder; its items are kept as they were", dir, err)
		w.unreadable = append(w.unreadable, dir)
		return nil, nil, false
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p)
		if err != nil || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if fi.IsDir() {
			dirs = append(dirs, entry{p, e.Name(), fi})
		} else {
			files = append(files, entry{p, e.Name(), fi})
		}
	}
	return dirs, files, true
}

// episodeNumbers reads S01E02 or 1x02 from a file name.
func episodeNumbers(name string) (season, episode *int) {
	if m := episodeRe.FindStringSubmatch(name); m != nil {
		s, _ := strconv.Atoi(m[1])
		e, _ := strconv.Atoi(m[2])
		return &s, &e
	}
	if m := xEpRe.FindStringSubmatch(name); m != nil {
		s, _ := strconv.Atoi(m[1])
		e, _ := strconv.Atoi(m[2])
		return &s, &e
	}
	return nil, nil
}

// shows: "Series/Season 01/Series S01E02.mkv".
func (w *walker) shows(dir string) {
	dirs, files := w.entries(dir)
	for _, f := range files {
		if isVideo(f.name) {
			w.warn("a video outside any series folder; skipped (expected Series/Season 01/Series S01E02.mkv)", f.path, nil)
		}
	}
	for _, d := range dirs {
		series := w.add(folderNode(d, media.ItemTypeSeries, nil))
		sdirs, sfiles := w.entries(d.path)
		series.nfo = findFile(sfiles, "tvshow.nfo")
		series.images = images(sfiles, "")
		for _, sd := range sdirs {
			var idx *int
			if m := seasonRe.FindStringSubmatch(sd.name); m != nil {
				n, _ := strconv.Atoi(m[1])
				idx = &n
			} else if strings.EqualFold(sd.name, "specials") {
				idx = new(int)
			} else {
				w.warn("a folder in a series that is not a season (expected \"Season 01\"); skipped", sd.path, nil)
				continue
			}
			season := w.add(folderNode(sd, media.ItemTypeSeason, series))
			season.index = idx
			season.name = fmt.Sprintf("Season %d", *idx)
			if *idx == 0 {
				season.name = "Specials"
			}
			_, efiles := w.entries(sd.path)
			season.images = images(efiles, "")
			season.nfo = findFile(efiles, "season.nfo")
			w.episodes(efiles, season, idx)
		}
		w.episodes(sfiles, series, nil)
	}
}

func (w *walker) episodes(files []entry, parent *node, season *int) {
	for _, f := range files {
		if !isVideo(f.name) {
			continue
		}
		n := fileNode(f, media.ItemTypeEpisode, "Video", parent)
		n.name = stem(f.name)
		s, e := episodeNumbers(n.name)
		if e == nil {
			w.warn("no episode number in the name (expected S01E02); listed without one", f.path, nil)
		}
		if s == nil {
			s = season
		}
		n.parentIx, n.index = s, e
		n.nfo = findFile(files, stem(f.name)+".nfo")
		n.subs = externalSubtitles(files, f.name)
		if thumb := findFile(files, stem(f.name)+"-thumb.jpg", stem(f.name)+".jpg"); thumb != "" {
			n.images = []sidecar{{media.ImagePrimary, thumb}}
		}
		w.add(n)
	}
}

// music: "Artist/Album/01 Track.flac"; an album folder at the top has no
// artist folder.
func (w *walker) music(dir string) {
	dirs, files := w.entries(dir)
	w.tracks(files, nil)
	for _, d := range dirs {
		sub, subFiles, ok := w.peek(d.path)
		if !ok {
			continue
		}
		if hasAudio(subFiles) || len(sub) == 0 {
			w.album(d, nil)
			continue
		}
		artist := w.add(folderNode(d, media.ItemTypeMusicArtist, nil))
		artist.name = d.name
		artist.year = nil
		adirs, afiles := w.entries(d.path)
		artist.images = images(afiles, "")
		artist.nfo = findFile(afiles, "artist.nfo")
		w.tracks(afiles, artist)
		for _, ad := range adirs {
			w.album(ad, artist)
		}
	}
}

func hasAudio(files []entry) bool {
	for _, f := range files {
		if isAudio(f.name) {
			return true
		}
	}
	return false
}

func (w *walker) album(d entry, artist *node) {
	album := w.add(folderNode(d, media.ItemTypeMusicAlbum, artist))
	dirs, files := w.entries(d.path)
	album.images = images(files, "")
	album.nfo = findFile(files, "album.nfo")
	w.tracks(files, album)
	for _, disc := range dirs { // "Disc 1", "CD2"
		_, dfiles := w.entries(disc.path)
		w.tracks(dfiles, album)
	}
}

func (w *walker) tracks(files []entry, parent *node) {
	for _, f := range files {
		if isVideo(f.name) {
			w.warn("a video in a music library; skipped", f.path, nil)
			continue
		}
		if !isAudio(f.name) {
			continue
		}
		n := fileNode(f, media.ItemTypeAudio, "Audio", parent)
		n.name = stem(f.name)
		n.lyrics = externalLyrics(files, f.name)
		if m := trackRe.FindStringSubmatch(n.name); m != nil {
			t, _ := strconv.Atoi(m[2])
			n.index, n.name = &t, strings.TrimSpace(m[3])
			if m[1] != "" {
				d, _ := strconv.Atoi(m[1])
				n.parentIx = &d
			}
		}
		w.add(n)
	}
}

// mixed: folders stay folders; videos are Videos and audio files Audio.
func (w *walker) mixed(dir string, parent *node) {
	dirs, files := w.entries(dir)
	for _, f := range files {
		switch {
		case isVideo(f.name):
			n := w.add(fileNode(f, typeVideo, "Video", parent))
			n.name, n.year = splitYear(stem(f.name))
			n.nfo = findFile(files, stem(f.name)+".nfo")
			n.images = images(nil, stem(f.name))
			n.subs = externalSubtitles(files, f.name)
		case isAudio(f.name):
			n := w.add(fileNode(f, media.ItemTypeAudio, "Audio", parent))
			n.name = stem(f.name)
			n.lyrics = externalLyrics(files, f.name)
		}
	}
	for _, d := range dirs {
		f := w.add(folderNode(d, media.ItemTypeFolder, parent))
		w.mixed(d.path, f)
	}
}
