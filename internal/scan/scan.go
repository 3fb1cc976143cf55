// Package scan is the library scanner: it walks each library's folders,
// recognises Jellyfin's layouts (movies, series, music), reads streams,
// chapters and tags with ffprobe and local metadata (.nfo files, artwork),
// and writes BaseItems and their rows as Jellyfin does. Scans are
// incremental: a file whose size and modification time are unchanged is
// never probed again, an item whose computed rows are unchanged is not
// rewritten, a moved file keeps its item (and so its play state), and a
// vanished one is deleted with store.DeleteItem. One scan runs at a time
// across all replicas, under a lease in jellyha_scan.
//
// A library Jellyfin set up is adopted when a scan first covers it
// (store.AdoptLibrary) and scanned in Jellyfin's layout: each media path's
// items go under its physical Folder item, which is their TopParentId, and
// their AncestorIds hold their parents, that Folder, the library's
// CollectionFolder and the root. Jellyfin's own items in it are matched by
// path, keep their ids (and so every user's play state) and keep
// Jellyfin's metadata: see keep for what is and is not rewritten.
package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // artwork sizes
	_ "image/png"  // artwork sizes
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// Options configure a Scanner.
type Options struct {
	FFprobe, FFmpeg string // programs; "ffprobe" and "ffmpeg" on PATH by default
	// MetadataDir is Jellyfin's metadata folder (<datadir>/metadata), where
	// embedded cover art is extracted to.
	MetadataDir string
	Workers     int // parallel ffprobe runs; default min(NumCPU, 4)
	Log         *slog.Logger
	// Holder names this scanner in the lease; default host:pid.
	Holder string
}

// Progress is reported as a scan goes.
type Progress struct {
	Library string
	Phase   string // walk, probe, write, delete, done
	Done    int
	Total   int
	Percent float64 // of the whole scan
}

// Result counts what a scan did.
type Result struct {
	Libraries int
	Items     int // items found
	Added     int
	Updated   int
	Moved     int
	Deleted   int
	Unchanged int
	// Kept counts the items Jellyfin made (in a library it set up) seen
	// for the first time: recorded, never rewritten (see keep).
	Kept     int
	Probed   int // ffprobe runs
	Failed   int // files ffprobe could not read, and other skipped input
	Duration time.Duration
	// Optimized is true when the scan changed enough items that the
	// planner's statistics were refreshed afterwards.
	Optimized bool
}

// optimizeAfter reports whether a scan that added, changed, moved or
// deleted changed of items (out of items found) should refresh the
// planner's statistics: a thousand items or a tenth of the libraries, so
// that a first scan or a large import gets plans for its real size (the
// browse queries pick their indexes by it) while everyday rescans do not
// pay for an ANALYZE.
func optimizeAfter(changed, items int) bool {
	return changed > 0 && (changed >= 1000 || changed*10 >= items)
}

// Scanner scans libraries into the store.
type Scanner struct {
	st     *store.Store
	o      Options
	log    *slog.Logger
	probes atomic.Int64
	// running guards against two scans in one process; the lease guards
	// across processes.
	running sync.Mutex
}

// New returns a Scanner writing to st.
func New(st *store.Store, o Options) *Scanner {
	if o.FFprobe == "" {
		o.FFprobe = "ffprobe"
	}
	if o.FFmpeg == "" {
		o.FFmpeg = "ffmpeg"
	}
	if o.Workers <= 0 {
		o.Workers = min(runtime.NumCPU(), 4)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Holder == "" {
		host, _ := os.Hostname()
		o.Holder = host + ":" + strconv.Itoa(os.Getpid()) + ":" + media.NewID().String()[:8]
	}
	if o.MetadataDir == "" {
		o.MetadataDir = filepath.Join(os.TempDir(), "jellyha-metadata")
	}
	return &Scanner{st: st, o: o, log: o.Log}
}

// Probes returns how many times this scanner has run ffprobe.
func (s *Scanner) Probes() int64 { return s.probes.Load() }

// Scan scans the named libraries (all when names is empty) under the scan
// lease. It fails with ECONFLICT, naming the holder, when another scan runs
// on any replica. progress may be nil.
func (s *Scanner) Scan(ctx context.Context, names []string, progress func(Progress)) (*Result, error) {
	if !s.running.TryLock() {
		return nil, media.Errorf(media.ECONFLICT, "a library scan is already running in this process")
	}
	defer s.running.Unlock()
	if err := s.adopt(ctx, names); err != nil {
		return nil, err
	}
	libs, err := s.st.Libraries(ctx)
	if err != nil {
		return nil, err
	}
	if len(names) > 0 {
		var picked []*store.Library
		for _, n := range names {
			found := false
			for _, l := range libs {
				if strings.EqualFold(l.Name, n) {
					picked, found = append(picked, l), true
				}
			}
			if !found {
				return nil, media.Errorf(media.ENOTFOUND, "there is no library named %q", n)
			}
		}
		libs = picked
	}
	if err := s.st.TakeScanLease(ctx, s.o.Holder); err != nil {
		return nil, err
	}
	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var pct atomic.Value
	pct.Store(Progress{})
	report := func(p Progress) {
		pct.Store(p)
		if progress != nil {
			progress(p)
		}
	}
	// The heartbeat renews the lease and publishes progress; losing the
	// lease (a stall longer than its TTL) stops the scan.
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p := pct.Load().(Progress)
				if err := s.st.ScanHeartbeat(ctx, s.o.Holder, p.Percent, p.Library); err != nil && media.ErrorCode(err) == media.ECONFLICT {
					cancel(err)
					return
				}
			}
		}
	}()
	start := time.Now()
	res := &Result{}
	for i, l := range libs {
		if err = s.scanLibrary(ctx, l, res, func(p Progress) {
			p.Library = l.Name
			p.Percent = (float64(i) + p.Percent/100) / float64(len(libs)) * 100
			report(p)
		}); err != nil {
			break
		}
		res.Libraries++
	}
	cancel(nil)
	<-hbDone
	res.Duration = time.Since(start)
	result, msg := "Completed", fmt.Sprintf("%d items, %d added, %d updated, %d moved, %d deleted, %d probed", res.Items, res.Added, res.Updated, res.Moved, res.Deleted, res.Probed)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			err = cause
		}
		result, msg = "Failed", err.Error()
		if errors.Is(err, context.Canceled) {
			result = "Cancelled"
		}
	}
	if err == nil && optimizeAfter(res.Added+res.Updated+res.Moved+res.Deleted, res.Items) {
		// Sampled on SQLite (milliseconds per table, on the single writer
		// connection); a failure only costs plan quality, so it is logged.
		// Before EndScan: while it runs this process still holds the scan
		// (s.running), so clients must still see the task running; a
		// Refresh asked for once it shows idle must not be turned away.
		if oerr := s.st.DB().Optimize(parent, true); oerr != nil {
			s.log.Warn("scan: refreshing planner statistics", "err", oerr)
		} else {
			res.Optimized = true
		}
	}
	endCtx, endCancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer endCancel()
	if eerr := s.st.EndScan(endCtx, s.o.Holder, result, msg); eerr != nil && err == nil {
		err = eerr
	}
	if err == nil {
		report(Progress{Phase: "done", Percent: 100})
	}
	return res, err
}

// adopt adopts the libraries Jellyfin set up that the scan covers (all, or
// those named), so that they are scanned like jellyha's own
// (store.AdoptLibrary). One that cannot be adopted (a kind of library
// jellyha does not scan) is logged and left as it is, unless it was named.
func (s *Scanner) adopt(ctx context.Context, names []string) error {
	jl, err := s.st.JellyfinLibraries(ctx)
	if err != nil {
		return err
	}
	for _, j := range jl {
		named := slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, j.Name) })
		if len(names) > 0 && !named {
			continue
		}
		l, err := s.st.AdoptLibrary(ctx, j.ID)
		switch {
		case err == nil:
			s.log.Info("scan: adopted the library Jellyfin set up", "library", l.Name, "layout", l.Layout, "paths", l.Paths)
		case media.ErrorCode(err) == media.ECONFLICT && !named:
			s.log.Warn("scan: skipped", "library", j.Name, "reason", err)
		default:
			return err
		}
	}
	return nil
}

// warnf logs bad input with its path; the scan goes on.
func (s *Scanner) warn(msg, path string, err error) {
	if err != nil {
		s.log.Warn("scan: "+msg, "path", path, "err", err)
	} else {
		s.log.Warn("scan: "+msg, "path", path)
	}
}

func (s *Scanner) scanLibrary(ctx context.Context, lib *store.Library, res *Result, progress func(Progress)) error {
	progress(Progress{Phase: "walk"})
	lib, err := s.st.EnsureLibraryFolders(ctx, lib)
	if err != nil {
		return err
	}
	places, err := s.places(ctx, lib)
	if err != nil {
		return err
	}
	var failed atomic.Int64
	w := &walker{kind: lib.CollectionType, warn: func(msg, path string, err error) { failed.Add(1); s.warn(msg, path, err) }}
	for i, p := range lib.Paths {
		w.top = i
		w.root(p)
	}
	nodes := w.nodes
	for _, n := range nodes {
		n.place = &places[n.top]
	}
	res.Items += len(nodes)
	opts := parseOptions(lib.Options)

	existing, err := s.st.LibraryFiles(ctx, lib)
	if err != nil {
		return err
	}
	// In a library Jellyfin set up, the items jellyha did not make keep
	// Jellyfin's metadata: see keep.
	kept := func(e *store.LibraryFile) bool {
		return lib.Layout == store.LayoutJellyfin && (e.File == nil || e.File.Sig == store.SigJellyfin)
	}
	byPath := map[string]*store.LibraryFile{}
	for _, e := range existing {
		if byPath[e.Path] == nil || e.File != nil {
			byPath[e.Path] = e
		}
	}
	used := map[media.ID]bool{}
	// Same path, same type: the same item. An item Jellyfin made is its
	// path's item whatever its type: Jellyfin may see a folder as a plain
	// Folder where jellyha sees an artist, say.
	for _, n := range nodes {
		e := byPath[n.path]
		if e == nil || used[e.ID] || (e.Type != n.typ && !kept(e)) {
			continue
		}
		n.id, n.existed, n.oldParent = e.ID, true, e.ParentID
		used[e.ID] = true
		if kept(e) {
			keep(n, e)
			continue
		}
		if e.File != nil {
			n.oldSig = e.File.Sig
			if !n.folder && e.File.Size == n.size && e.File.MtimeNS == n.mtime.UnixNano() {
				n.probeJSON = e.File.Probe
			}
		}
	}
	// A new file with the size and time of a vanished one is that file,
	// moved or renamed: it keeps its item and probe. A file of Jellyfin's
	// that moved before jellyha first saw it is known by the size and
	// time Jellyfin recorded (BaseItems' Size and DateModified, which
	// PostgreSQL keeps to the microsecond), whatever type jellyha would
	// give it (as above): without this it would be deleted and found
	// again as a new item, its play state left on the placeholder.
	type key struct {
		typ         string
		size, mtime int64
	}
	gone := map[key][]*store.LibraryFile{}
	goneJellyfin := map[int64][]*store.LibraryFile{} // by size
	for _, e := range existing {
		recorded := e.File != nil && e.File.Size > 0
		jellyfinSaw := e.File == nil && kept(e) && e.Size != nil && *e.Size > 0 && e.Modified != nil
		if used[e.ID] || !recorded && !jellyfinSaw {
			continue
		}
		if _, err := os.Stat(e.Path); err == nil {
			continue
		}
		if recorded {
			k := key{e.Type, e.File.Size, e.File.MtimeNS}
			gone[k] = append(gone[k], e)
		} else {
			goneJellyfin[*e.Size] = append(goneJellyfin[*e.Size], e)
		}
	}
	take := func(n *node) *store.LibraryFile {
		k := key{n.typ, n.size, n.mtime.UnixNano()}
		if c := gone[k]; len(c) > 0 {
			gone[k] = c[1:]
			return c[0]
		}
		c := goneJellyfin[n.size]
		for i, e := range c {
			if e.Modified.Sub(n.mtime).Abs() <= time.Microsecond {
				goneJellyfin[n.size] = slices.Delete(c, i, i+1)
				return e
			}
		}
		return nil
	}
	for _, n := range nodes {
		if n.existed || n.folder {
			continue
		}
		if e := take(n); e != nil {
			n.id, n.existed, n.moved, n.oldParent = e.ID, true, true, e.ParentID
			if e.File != nil {
				n.probeJSON = e.File.Probe
			}
			used[e.ID] = true
			if kept(e) {
				keep(n, e)
				n.changed = false // same size and time: the same file
			}
			s.log.Info("scan: moved", "from", e.Path, "to", n.path)
		}
	}
	for _, n := range nodes {
		if n.id.IsZero() {
			n.id = media.NewID()
		}
	}

	// Probe what is new or changed, in parallel.
	var todo []*node
	for _, n := range nodes {
		if !n.folder && ((!n.kept && n.probeJSON == "") || (n.kept && n.changed)) {
			todo = append(todo, n)
		}
	}
	total := len(todo) + len(nodes)
	var done atomic.Int64
	step := func(phase string) {
		d := int(done.Add(1))
		progress(Progress{Phase: phase, Done: d, Total: total, Percent: 100 * float64(d) / float64(max(total, 1))})
	}
	jobs := make(chan *node)
	var wg sync.WaitGroup
	for range s.o.Workers {
		wg.Go(func() {
			for n := range jobs {
				s.probes.Add(1)
				out, err := runProbe(ctx, s.o.FFprobe, n.path)
				if err != nil {
					if ctx.Err() != nil {
						continue
					}
					failed.Add(1)
					s.warn("ffprobe cannot read the file; listed without streams", n.path, err)
					out = "error: " + err.Error()
				}
				n.probeJSON, n.probed = out, true
				step("probe")
			}
		})
	}
	for _, n := range todo {
		if ctx.Err() != nil {
			break
		}
		jobs <- n
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	res.Probed += len(todo)

	// Build and write, parents first (the walk's order).
	for _, n := range nodes {
		if strings.HasPrefix(n.probeJSON, "{") {
			n.probe, _ = parseProbe(n.probeJSON)
		}
	}
	var record []store.ScanFile // first sight of Jellyfin's items
	for _, n := range nodes {
		if err := ctx.Err(); err != nil {
			return err
		}
		if n.kept {
			step("write")
			k := s.keptItem(lib, n)
			switch {
			case n.firstSight && !n.moved:
				record = append(record, k.File)
				res.Kept++
				continue
			case !n.moved && !n.changed:
				res.Unchanged++
				continue
			}
			if err := s.st.SaveKept(ctx, k); err != nil {
				return err
			}
			if n.moved {
				res.Moved++
			} else {
				res.Updated++
			}
			continue
		}
		sc := s.build(ctx, lib, n, opts)
		step("write")
		if n.existed && n.sig == n.oldSig && n.parentID() == n.oldParent && !n.probed {
			res.Unchanged++
			continue
		}
		if err := s.st.SaveScanned(ctx, sc); err != nil {
			return err
		}
		switch {
		case n.moved:
			res.Moved++
		case n.existed:
			res.Updated++
		default:
			res.Added++
		}
	}
	if err := s.st.RecordScanFiles(ctx, record); err != nil {
		return err
	}

	// Delete what is gone, outermost first; what was below a folder that
	// could not be read is kept, and so is an item Jellyfin made unless its
	// file or folder, in one of the library's folders, is gone (one
	// jellyha's walk does not take up, such as a movie's extras, or one
	// whose path is not a file of the library, is Jellyfin's to keep).
	var stale []*store.LibraryFile
	for _, e := range existing {
		if used[e.ID] || under(e.Path, w.unreadable) {
			continue
		}
		if kept(e) {
			if !under(e.Path, lib.Paths) {
				continue
			}
			if _, err := os.Stat(e.Path); !errors.Is(err, fs.ErrNotExist) {
				continue
			}
		}
		stale = append(stale, e)
	}
	sort.Slice(stale, func(i, j int) bool { return len(stale[i].Path) < len(stale[j].Path) })
	var deleted []string
	for _, e := range stale {
		if under(e.Path, deleted) {
			continue // went with its folder (the foreign keys cascade)
		}
		deleted = append(deleted, e.Path)
		if err := s.st.DeleteScannedItem(ctx, e.ID); err != nil {
			return err
		}
		s.log.Info("scan: removed", "path", e.Path)
		res.Deleted++
	}
	res.Failed += int(failed.Load())
	return nil
}

// keep marks n as the item e, which Jellyfin made: its metadata stays
// Jellyfin's (store.KeptItem). Jellyfin filled it from online sources
// (overview, provider ids, images, people, ratings) that a local scan has
// nothing to match, so the scanner never rebuilds it:
//
//   - the first time jellyha sees it, it only records the file's size and
//     time (firstSight), trusting Jellyfin's item to describe the file as
//     it is: nothing is probed or rewritten;
//   - after that, a file whose size and time are those recorded is
//     unchanged: nothing is probed or written;
//   - a file whose size or time changed is probed again, and what ffprobe
//     reads (streams, chapters, run time, size, dimensions, bit rate,
//     modification date) replaces Jellyfin's; nothing else is touched;
//   - a file that moved (a vanished file's size and time at a new path,
//     the ones Jellyfin recorded if jellyha had not seen the file yet)
//     gets its new path, parent and ancestors (for an episode, its series,
//     season and numbers too) and keeps the rest;
//   - a folder Jellyfin made (series, season, album...) is never
//     rewritten, though its time changes whenever a file is added to it;
//   - an item Jellyfin made is deleted only when its file or folder is
//     gone, not merely because jellyha's walk did not take it up.
//
// New items in such a library are jellyha's and are scanned as in any
// other.
func keep(n *node, e *store.LibraryFile) {
	n.kept, n.keptType = true, e.Type
	n.displayName, n.key = e.Name, e.PresentationUniqueKey
	switch {
	case e.File == nil:
		n.firstSight = true
	case n.folder:
	case e.File.Size != n.size || e.File.MtimeNS != n.mtime.UnixNano():
		n.changed = true
	}
}

// keptItem is what is written of a kept node: its file, and where it moved
// or what its changed file holds.
func (s *Scanner) keptItem(lib *store.Library, n *node) *store.KeptItem {
	k := &store.KeptItem{ID: n.id, File: store.ScanFile{ItemID: n.id, LibraryID: lib.ID, Path: n.path, ItemType: n.keptType,
		MtimeNS: n.mtime.UnixNano(), Probe: n.probeJSON, Sig: store.SigJellyfin}}
	if !n.folder {
		k.File.Size = n.size
	}
	if n.moved {
		m := &store.Placement{Path: n.path, ParentID: n.parentID(), TopParentID: n.place.top, AncestorIDs: n.ancestors(),
			Episode: n.keptType == media.ItemTypeEpisode, IndexNumber: n.index, ParentIndexNumber: n.parentIx}
		if series := n.ancestorOf(media.ItemTypeSeries); series != nil {
			m.SeriesID, m.SeriesName, m.SeriesPresentationUniqueKey = series.id, series.displayName, series.presentationKey()
		}
		if season := n.ancestorOf(media.ItemTypeSeason); season != nil {
			m.SeasonID, m.SeasonName = season.id, season.displayName
		}
		k.Move = m
	}
	if n.changed && n.probe != nil {
		p := n.probe
		streams := p.streams()
		streams = append(streams, externalStreams(n, streams)...)
		w, h := p.videoSize()
		k.Media = &store.FileMedia{Streams: streams, Chapters: p.chapters(), RunTimeTicks: p.runtimeTicks(), Width: w, Height: h,
			TotalBitrate: atoiPtr(p.Format.BitRate), Size: n.size, DateModified: n.mtime.UTC()}
	}
	return k
}

func under(path string, dirs []string) bool {
	for _, d := range dirs {
		if path == d || strings.HasPrefix(path, strings.TrimSuffix(d, string(filepath.Separator))+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// place is where the items found under one library path go: top is what
// the top-level ones hang from and every one's TopParentId (the library
// itself in jellyha's layout, the path's physical folder in Jellyfin's),
// and tail the ancestors each has beyond its parents (top, the library,
// and their ancestors up to the root).
type place struct {
	top  media.ID
	tail []media.ID
}

// places returns the place of each of the library's paths.
func (s *Scanner) places(ctx context.Context, lib *store.Library) ([]place, error) {
	out := make([]place, len(lib.Paths))
	if lib.Layout != store.LayoutJellyfin {
		it, err := s.st.Item(ctx, lib.ID)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i] = place{top: lib.ID, tail: append([]media.ID{lib.ID}, it.AncestorIDs...)}
		}
		return out, nil
	}
	for i, f := range lib.Folders {
		it, err := s.st.Item(ctx, f)
		if err != nil {
			return nil, err
		}
		out[i] = place{top: f, tail: append([]media.ID{f, lib.ID}, it.AncestorIDs...)}
	}
	return out, nil
}

func (n *node) parentID() media.ID {
	if n.parent == nil {
		return n.place.top
	}
	return n.parent.id
}

// ancestors are n's AncestorIds: its parents, then its place's tail.
func (n *node) ancestors() []media.ID {
	var out []media.ID
	for p := n.parent; p != nil; p = p.parent {
		out = append(out, p.id)
	}
	return append(out, n.place.tail...)
}

// presentationKey is the PresentationUniqueKey of n's item, which a
// series' seasons and episodes refer to.
func (n *node) presentationKey() string {
	if n.key != "" {
		return n.key
	}
	return n.id.String()
}

// ancestorOf returns the nearest ancestor of type typ.
func (n *node) ancestorOf(typ string) *node {
	for p := n.parent; p != nil; p = p.parent {
		if p.typ == typ {
			return p
		}
	}
	return nil
}

type libOptions struct {
	EnableEmbeddedTitles       bool
	EnableEmbeddedEpisodeInfos bool
}

func parseOptions(s string) libOptions {
	var o libOptions
	_ = json.Unmarshal([]byte(s), &o)
	return o
}

func ptr[T any](v T) *T { return &v }

// embeddedLyrics makes the lyrics a song carries in its tags (FLAC's and
// Ogg's LYRICS or UNSYNCEDLYRICS, MP3's USLT, which ffprobe calls
// "lyrics-eng") its lyric file, as Jellyfin's AudioFileProber saves them:
// a file in the song's metadata folder (lyrics.lrc, or lyrics.txt when
// untimed), written when the song is probed or the file is missing, and a
// Lyric stream naming it. A song with a lyric file of its own keeps that.
func (s *Scanner) embeddedLyrics(n *node, tags map[string]string) {
	text := ""
	for k, v := range tags {
		k = strings.ToLower(k)
		if (k == "lyrics" || k == "unsyncedlyrics" || strings.HasPrefix(k, "lyrics-")) && strings.TrimSpace(v) != "" {
			text = v
			break
		}
	}
	if text == "" {
		return
	}
	name := "lyrics.txt"
	if timedLyricsRe.MatchString(text) {
		name = "lyrics.lrc"
	}
	dst := filepath.Join(s.o.MetadataDir, "library", n.id.String()[:2], n.id.String(), name)
	if _, err := os.Stat(dst); n.probed || err != nil {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			s.warn("cannot keep the embedded lyrics", n.path, err)
			return
		}
		tmp := dst + ".part"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			s.warn("cannot keep the embedded lyrics", n.path, err)
			return
		}
		if err := os.Rename(tmp, dst); err != nil {
			s.warn("cannot keep the embedded lyrics", n.path, err)
			return
		}
	}
	n.lyrics = []subtitleFile{{path: dst}}
}

// timedLyricsRe finds an LRC time ("[01:23.45]") at a line's start.
var timedLyricsRe = regexp.MustCompile(`(?m)^\s*\[\d+:\d{1,2}([.:]\d+)?\]`)

// build computes the rows of n. It reads the .nfo and artwork, and extracts
// embedded cover art once per probe.
func (s *Scanner) build(ctx context.Context, lib *store.Library, n *node, opts libOptions) *store.ScannedItem {
	mt := n.mtime.UTC()
	it := &media.LibraryItem{Item: media.Item{
		ID: n.id, Type: n.typ, Name: n.name, ParentID: n.parentID(), TopParentID: n.place.top, Path: n.path,
		IsFolder: n.folder, MediaType: n.mtype, ProductionYear: n.year, IndexNumber: n.index, ParentIndexNumber: n.parentIx,
		DateCreated: &mt, DateModified: &mt, PresentationUniqueKey: n.id.String(), AncestorIDs: n.ancestors(),
	}}
	if !n.folder {
		it.Size = &n.size
	}
	sc := &store.ScannedItem{Item: it, File: store.ScanFile{LibraryID: lib.ID, Path: n.path, Probe: n.probeJSON}}
	if !n.folder {
		sc.File.Size, sc.File.MtimeNS = n.size, n.mtime.UnixNano()
	}
	p := n.probe
	var tags map[string]string
	var external []media.MediaStream
	if p != nil {
		sc.Media = true
		sc.Streams, sc.Chapters = p.streams(), p.chapters()
		if n.typ == media.ItemTypeAudio && len(n.lyrics) == 0 {
			s.embeddedLyrics(n, p.Format.Tags)
		}
		external = externalStreams(n, sc.Streams)
		sc.Streams = append(sc.Streams, external...)
		it.RunTimeTicks = p.runtimeTicks()
		it.Width, it.Height = p.videoSize()
		it.TotalBitrate = atoiPtr(p.Format.BitRate)
		tags = p.Format.Tags
	} else if !n.folder {
		sc.Media = true // a file ffprobe could not read: no streams
	}
	if (opts.EnableEmbeddedTitles || n.typ == media.ItemTypeAudio || (n.typ == media.ItemTypeEpisode && opts.EnableEmbeddedEpisodeInfos)) && tag(tags, "title") != "" {
		it.Name = tag(tags, "title")
	}
	addValues := func(t media.ItemValueType, vs []string) {
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				sc.Values = append(sc.Values, media.ItemValue{Type: t, Value: v})
			}
		}
	}
	var info *nfo
	if n.nfo != "" {
		var err error
		if info, err = readNFO(n.nfo); err != nil {
			s.warn("cannot read the .nfo file; the item's name comes from its file", n.nfo, err)
		}
	}
	if info != nil {
		if t := strings.TrimSpace(info.Title); t != "" {
			it.Name = t
		}
		it.OriginalTitle = strings.TrimSpace(info.OriginalTitle)
		it.ForcedSortName = strings.TrimSpace(info.SortTitle)
		if y := info.year(); y != nil {
			it.ProductionYear = y
		}
		it.Overview = info.overview()
		it.Tagline = strings.TrimSpace(info.Tagline)
		it.OfficialRating = strings.TrimSpace(info.MPAA)
		if r, err := strconv.ParseFloat(strings.TrimSpace(info.Rating), 32); err == nil && r > 0 {
			it.CommunityRating = ptr(float32(r))
		}
		it.Genres, it.Studios, it.Tags = trimAll(info.Genres), trimAll(info.Studios), trimAll(info.Tags)
		for _, a := range info.Actors {
			if strings.TrimSpace(a.Name) != "" {
				sc.Credits = append(sc.Credits, store.ScanCredit{Name: strings.TrimSpace(a.Name), Kind: "Actor", Role: strings.TrimSpace(a.Role)})
			}
		}
		for _, d := range trimAll(info.Directors) {
			sc.Credits = append(sc.Credits, store.ScanCredit{Name: d, Kind: "Director"})
		}
		for _, d := range trimAll(info.Writers) {
			sc.Credits = append(sc.Credits, store.ScanCredit{Name: d, Kind: "Writer"})
		}
		for _, k := range []string{"imdb", "tmdb"} {
			if v := info.providerID(k); v != "" {
				sc.UserDataKeys = append(sc.UserDataKeys, v)
			}
		}
	}
	switch n.typ {
	case media.ItemTypeMovie:
		it.UnratedType = "Movie"
	case media.ItemTypeSeries:
		it.UnratedType = "Series"
	case media.ItemTypeSeason:
		series := n.parent
		it.SeriesID, it.SeriesName = series.id, series.displayName
		it.SeriesPresentationUniqueKey = series.presentationKey()
		it.PresentationUniqueKey = fmt.Sprintf("%s-%03d", series.presentationKey(), *n.index)
	case media.ItemTypeEpisode:
		if series := n.ancestorOf(media.ItemTypeSeries); series != nil {
			it.SeriesID, it.SeriesName, it.SeriesPresentationUniqueKey = series.id, series.displayName, series.presentationKey()
		}
		if season := n.ancestorOf(media.ItemTypeSeason); season != nil {
			it.SeasonID, it.SeasonName = season.id, season.displayName
		}
	case media.ItemTypeAudio:
		album, artist := n.ancestorOf(media.ItemTypeMusicAlbum), n.ancestorOf(media.ItemTypeMusicArtist)
		it.Album = tag(tags, "album")
		if it.Album == "" && album != nil {
			it.Album = album.displayName
		}
		if a := tag(tags, "artist"); a != "" {
			it.Artists = []string{a}
		} else if artist != nil {
			it.Artists = []string{artist.displayName}
		}
		if a := tag(tags, "album_artist", "albumartist"); a != "" {
			it.AlbumArtists = []string{a}
		} else if artist != nil {
			it.AlbumArtists = []string{artist.displayName}
		} else {
			it.AlbumArtists = it.Artists
		}
		if t := tag(tags, "track"); t != "" {
			if v, err := strconv.Atoi(strings.Split(t, "/")[0]); err == nil && v > 0 {
				it.IndexNumber = &v
			}
		}
		if d := tag(tags, "disc"); d != "" {
			if v, err := strconv.Atoi(strings.Split(d, "/")[0]); err == nil && v > 0 {
				it.ParentIndexNumber = &v
			}
		}
		if it.ParentIndexNumber == nil {
			it.ParentIndexNumber = ptr(1)
		}
		if y := tag(tags, "date", "year"); len(y) >= 4 {
			if v, err := strconv.Atoi(y[:4]); err == nil {
				it.ProductionYear = &v
			}
		}
		if g := tag(tags, "genre"); g != "" && len(it.Genres) == 0 {
			it.Genres = trimAll(strings.Split(g, ";"))
		}
		if len(it.AlbumArtists) > 0 && it.Album != "" {
			track := 0
			if it.IndexNumber != nil {
				track = *it.IndexNumber
			}
			sc.UserDataKeys = append(sc.UserDataKeys, fmt.Sprintf("%s-%s-%04d-%04d%s", it.AlbumArtists[0], it.Album, *it.ParentIndexNumber, track, it.Name))
		}
	case media.ItemTypeMusicAlbum:
		it.Album = it.Name
		if artist := n.ancestorOf(media.ItemTypeMusicArtist); artist != nil {
			it.Artists, it.AlbumArtists = []string{artist.displayName}, []string{artist.displayName}
		} else if a := n.firstTrackArtists(); len(a) > 0 {
			it.Artists, it.AlbumArtists = a, a
		}
		if len(it.AlbumArtists) > 0 {
			it.PresentationUniqueKey = it.AlbumArtists[0] + "-" + it.Name
		}
	}
	n.displayName = it.Name
	addValues(media.ItemValueArtist, it.Artists)
	addValues(media.ItemValueAlbumArtist, it.AlbumArtists)
	addValues(media.ItemValueGenre, it.Genres)
	addValues(media.ItemValueStudio, it.Studios)
	addValues(media.ItemValueTag, it.Tags)
	if n.typ == media.ItemTypeAudio || n.typ == media.ItemTypeMusicAlbum {
		it.Artists, it.AlbumArtists = nonEmpty(it.Artists), nonEmpty(it.AlbumArtists)
	}
	it.SortName = media.SortName(it.Name)
	if it.ForcedSortName != "" {
		it.SortName = media.SortName(it.ForcedSortName)
	}
	if n.typ == media.ItemTypeEpisode || n.typ == media.ItemTypeAudio || n.typ == media.ItemTypeSeason {
		// Jellyfin sorts numbered children by number first.
		if it.IndexNumber != nil {
			prefix := ""
			if it.ParentIndexNumber != nil {
				prefix = fmt.Sprintf("%03d-", *it.ParentIndexNumber)
			}
			it.SortName = fmt.Sprintf("%s%04d - %s", prefix, *it.IndexNumber, it.SortName)
		}
	}
	it.CleanName = media.CleanName(it.Name)
	sc.UserDataKeys = append(sc.UserDataKeys, n.id.Hyphenated())

	for _, img := range n.images {
		if ii, ok := imageInfo(img.path, img.kind); ok {
			sc.Images = append(sc.Images, ii)
		} else {
			s.warn("cannot read the image; skipped", img.path, nil)
		}
	}
	if !hasImage(sc.Images, media.ImagePrimary) {
		// Embedded cover art: the file's own, or for an album its first
		// track's.
		src := n
		if n.typ == media.ItemTypeMusicAlbum {
			src = nil
			for _, k := range n.kids {
				if k.probe != nil && k.probe.coverStream() >= 0 {
					src = k
					break
				}
			}
		}
		if src != nil && src.probe != nil {
			if idx := src.probe.coverStream(); idx >= 0 {
				dst := filepath.Join(s.o.MetadataDir, "library", n.id.String()[:2], n.id.String(), "primary.jpg")
				if _, statErr := os.Stat(dst); src.probed || statErr != nil {
					if err := os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
						if err := extractCover(ctx, s.o.FFmpeg, src.path, idx, dst); err != nil {
							s.warn("cannot extract the embedded cover art", src.path, err)
						}
					}
				}
				if ii, ok := imageInfo(dst, media.ImagePrimary); ok {
					sc.Images = append(sc.Images, ii)
				}
			}
		}
	}
	n.sig = signature(sc, external)
	sc.File.Sig = n.sig
	now := time.Now().UTC()
	it.DateLastSaved, it.DateLastRefreshed = &now, &now
	return sc
}

func hasImage(imgs []media.ItemImage, kind int) bool {
	for _, i := range imgs {
		if i.ImageType == kind {
			return true
		}
	}
	return false
}

func trimAll(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func nonEmpty(vs []string) []string {
	if len(vs) == 0 {
		return nil
	}
	return vs
}

func (n *node) firstTrackArtists() []string {
	for _, k := range n.kids {
		if k.probe != nil {
			if a := tag(k.probe.Format.Tags, "album_artist", "albumartist", "artist"); a != "" {
				return []string{a}
			}
		}
	}
	return nil
}

// imageInfo reads an image's size and time.
func imageInfo(path string, kind int) (media.ItemImage, bool) {
	f, err := os.Open(path)
	if err != nil {
		return media.ItemImage{}, false
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return media.ItemImage{}, false
	}
	fi, err := f.Stat()
	if err != nil {
		return media.ItemImage{}, false
	}
	mt := fi.ModTime().UTC()
	return media.ItemImage{ImageType: kind, Path: path, Width: cfg.Width, Height: cfg.Height, DateModified: &mt}, true
}

// signature hashes what build computed, leaving out what changes on every
// save (dates of the save, random row ids). The file's own streams follow
// from its probe; its external subtitle streams do not, so they are hashed
// too: a subtitle file added, removed or renamed next to an unchanged video
// changes the video's signature and its rows are rewritten. (They are left
// out when there are none, so that items saved before subtitles were read
// keep their signature.)
func signature(sc *store.ScannedItem, external []media.MediaStream) string {
	it := *sc.Item
	it.DateLastSaved, it.DateLastRefreshed = nil, nil
	imgs := make([]media.ItemImage, len(sc.Images))
	copy(imgs, sc.Images)
	for i := range imgs {
		imgs[i].ID = media.NilID
	}
	b, _ := json.Marshal(struct {
		Item    media.LibraryItem
		Values  []media.ItemValue
		Credits []store.ScanCredit
		Images  []media.ItemImage
		Probe   string
		Subs    []media.MediaStream `json:",omitempty"`
	}{it, sc.Values, sc.Credits, imgs, sc.File.Probe, external})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}
