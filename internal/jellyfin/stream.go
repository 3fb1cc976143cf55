package jellyfin

import (
	crand "crypto/rand"
	"errors"
	"io/fs"
	"math/rand/v2"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jellyha/jellyha/internal/media"
)

// Direct play (jellyfin-api.md §3.9): the item's file as it is, with HTTP
// ranges, for the URLs clients build from a media source
// (/Videos/{id}/stream.{Container}?Static=true&ApiKey=...). Players fetch
// them without headers, so the token comes from the query as often as not;
// any carrier readAuth knows is accepted, and the item must be in a library
// the user may see. Jellyfin leaves these routes anonymous; jellyha does
// not, since every client appends its token.

// containerTypes are the Content-Types of the containers clients play.
var containerTypes = map[string]string{
	"mp4": "video/mp4", "m4v": "video/mp4", "mkv": "video/x-matroska", "webm": "video/webm", "avi": "video/x-msvideo",
	"mov": "video/quicktime", "ts": "video/mp2t", "m2ts": "video/mp2t", "mpeg": "video/mpeg", "wmv": "video/x-ms-wmv",
	"ogv": "video/ogg", "flv": "video/x-flv", "3gp": "video/3gpp",
	"mp3": "audio/mpeg", "flac": "audio/flac", "m4a": "audio/mp4", "m4b": "audio/mp4", "aac": "audio/aac", "ogg": "audio/ogg",
	"opus": "audio/ogg", "oga": "audio/ogg", "wav": "audio/wav", "wma": "audio/x-ms-wma", "ape": "audio/x-ape", "mka": "audio/x-matroska",
}

func contentTypeOf(container, mediaType string) string {
	if t, ok := containerTypes[container]; ok {
		return t
	}
	if mediaType == "Audio" {
		return "audio/" + container
	}
	return "application/octet-stream"
}

// streamStatic is GET|HEAD /Videos/{itemId}/stream and /Audio/{itemId}/stream.
func (rt *Router) streamStatic(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.serveFile(w, r, p)
}

// streamFile is GET|HEAD /Videos/{itemId}/{file} and /Audio/{itemId}/{file}
// for file "stream.{container}"; the extension only names what the client
// expects, the file is served as it is.
func (rt *Router) streamFile(w http.ResponseWriter, r *http.Request, p *principal) error {
	name := strings.ToLower(r.PathValue("file"))
	if !strings.HasPrefix(name, "stream.") {
		return media.Errorf(media.ENOTFOUND, "no such stream %s", r.PathValue("file"))
	}
	return rt.serveFile(w, r, p)
}

func (rt *Router) serveFile(w http.ResponseWriter, r *http.Request, p *principal) error {
	it, err := rt.playableItem(r, p)
	if err != nil {
		return err
	}
	return rt.sendFile(w, r, it.Path, containerOf(it.Path), it.MediaType)
}

// getDownload is GET|HEAD /Items/{itemId}/Download: the item's file as it
// is, as an attachment named like it, for a user allowed to download
// (EnableContentDownloading, Jellyfin's Download policy) or an API key.
// The apps keep offline copies with it; web's readers and its Download
// menu use it too.
func (rt *Router) getDownload(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.user != nil && !p.user.EnableContentDownloading {
		return media.Errorf(media.EFORBIDDEN, "this user may not download")
	}
	it, err := rt.playableItem(r, p)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filepath.Base(it.Path)}))
	return rt.sendFile(w, r, it.Path, containerOf(it.Path), it.MediaType)
}

// playableItem is the path's item, if the caller may see it and it is a file.
func (rt *Router) playableItem(r *http.Request, p *principal) (*itemFile, error) {
	_, it, err := rt.pathItem(r, p)
	if err != nil {
		return nil, err
	}
	if it.IsFolder || it.Path == "" {
		return nil, media.Errorf(media.ENOTFOUND, "%s has no file to stream", it.Name)
	}
	return &itemFile{Path: it.Path, MediaType: it.MediaType}, nil
}

type itemFile struct{ Path, MediaType string }

// sendFile serves path with ranges (single, open-ended "bytes=N-", suffix
// "bytes=-N"; an unsatisfiable one is 416 with "Content-Range: bytes
// */size"), conditional requests and HEAD, through http.ServeContent.
func (rt *Router) sendFile(w http.ResponseWriter, r *http.Request, path, container, mediaType string) error {
	f, err := os.Open(path) //nolint:gosec // the path is the item's, from the database, never the request's
	if errors.Is(err, fs.ErrNotExist) {
		return media.Errorf(media.ENOTFOUND, "the file of this item is missing")
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return media.Errorf(media.ENOTFOUND, "the file of this item is missing")
	}
	w.Header().Set("Content-Type", contentTypeOf(container, mediaType))
	w.Header().Set("Accept-Ranges", "bytes")
	http.ServeContent(w, r, "", fi.ModTime(), f)
	return nil
}

// maxBitrateTest is the largest size GET /Playback/BitrateTest sends, as
// Jellyfin's.
const maxBitrateTest = 100_000_000

// getBitrateTest is GET /Playback/BitrateTest?size=N: N random bytes
// (102,400 by default), which players time to choose a streaming bitrate
// (web's "Auto" quality). They are written as they are made, not held.
func (rt *Router) getBitrateTest(w http.ResponseWriter, r *http.Request, _ *principal) error {
	size := 102400
	if raw := query(r, "size"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxBitrateTest {
			return media.Errorf(media.EINVALID, "the requested size must be from 1 to %d bytes", maxBitrateTest)
		}
		size = n
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(size))
	w.Header().Set("Cache-Control", "no-store")
	var seed [32]byte
	_, _ = crand.Read(seed[:])
	src := rand.NewChaCha8(seed)
	buf := make([]byte, min(size, 64<<10))
	for size > 0 {
		n := min(size, len(buf))
		_, _ = src.Read(buf[:n])
		if _, err := w.Write(buf[:n]); err != nil {
			return nil // the client went; nothing to answer
		}
		size -= n
	}
	return nil
}
