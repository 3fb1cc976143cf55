package jellyfin

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/subtitle"
)

// Subtitles (jellyfin-api.md §3.9): a player that shows subtitles itself
// fetches the DeliveryUrl PlaybackInfo put on a subtitle stream,
// /Videos/{id}/{sourceId}/Subtitles/{index}/0/Stream.vtt, or, for
// jellyfin-web's own subtitle drawing, Stream.js (Jellyfin's JSON track
// events). An external .srt is converted here, in Go; an external .vtt is
// sent as it is; .ass files and streams inside the video are converted by
// ffmpeg. The
// start-position form moves the cues back by that much (players that start
// mid-film with a transcode), as Jellyfin's SubtitleEncoder does; Jellyfin
// serves these routes anonymously, jellyha asks for the token the URL
// carries.

// ffmpegProgram is the ffmpeg jellyha runs for subtitles and audio.
const ffmpegProgram = "ffmpeg"

// maxSubtitleFile bounds an external subtitle file read whole.
const maxSubtitleFile = 32 << 20

// subtitleFormats are the formats a subtitle is delivered in, by the
// extension clients ask for, and their Content-Types (Jellyfin's MIME
// table's).
var subtitleFormats = map[string]struct{ name, mime string }{
	"vtt": {"vtt", "text/vtt"}, "webvtt": {"vtt", "text/vtt"},
	"srt": {"srt", "application/x-subrip"}, "subrip": {"srt", "application/x-subrip"},
	"ass": {"ass", "text/x-ssa"}, "ssa": {"ass", "text/x-ssa"},
	// jellyfin-web's player draws text subtitles itself from these: it
	// turns the DeliveryUrl's .vtt into .js.
	"js": {"json", "application/json"}, "json": {"json", "application/json"},
}

// sourceFormat is the delivery format a stream's codec already is in, ""
// when it must be converted.
func sourceFormat(codec string) string {
	switch strings.ToLower(codec) {
	case "webvtt", "vtt":
		return "vtt"
	case "subrip", "srt":
		return "srt"
	case "ass", "ssa":
		return "ass"
	}
	return ""
}

// getSubtitle is GET /Videos/{itemId}/{mediaSourceId}/Subtitles/{index}/{file}
// and .../{index}/{start}/{file}, file being "Stream.{format}".
func (rt *Router) getSubtitle(w http.ResponseWriter, r *http.Request, p *principal) error {
	name := strings.ToLower(r.PathValue("file"))
	ext, ok := strings.CutPrefix(name, "stream.")
	if !ok {
		return media.Errorf(media.ENOTFOUND, "no such subtitle file %s", r.PathValue("file"))
	}
	format, ok := subtitleFormats[ext]
	if !ok {
		return media.Errorf(media.EINVALID, "subtitles are delivered as vtt, srt, ass or js, not %q", ext)
	}
	index, err := strconv.Atoi(r.PathValue("index"))
	if err != nil {
		return media.Errorf(media.EINVALID, "the subtitle index %q is not a number", r.PathValue("index"))
	}
	ticks := func(name, text string) (int64, error) {
		if text == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n < 0 {
			return 0, media.Errorf(media.EINVALID, "%s %q is not a position in ticks", name, text)
		}
		return n, nil
	}
	// The query's startPositionTicks wins over the path's, as in Jellyfin.
	startText := r.PathValue("start")
	if q := query(r, "startPositionTicks"); q != "" {
		startText = q
	}
	start, err := ticks("startPositionTicks", startText)
	if err != nil {
		return err
	}
	end, err := ticks("endPositionTicks", query(r, "endPositionTicks"))
	if err != nil {
		return err
	}
	keepTimes := queryBool(r, "copyTimestamps")
	timeMap := queryBool(r, "addVttTimeMap")

	it, err := rt.playableItem(r, p)
	if err != nil {
		return err
	}
	id, _ := pathID(r, "itemId")
	if src := r.PathValue("mediaSourceId"); !sameID(src, id) {
		return media.Errorf(media.ENOTFOUND, "this item has no media source %s", src)
	}
	streams, err := rt.store.ItemStreams(r.Context(), id)
	if err != nil {
		return err
	}
	var s *media.MediaStream
	for i := range streams {
		if streams[i].StreamType == media.StreamSubtitle && streams[i].StreamIndex == index {
			s = &streams[i]
		}
	}
	if s == nil {
		return media.Errorf(media.ENOTFOUND, "this item has no subtitle stream %d", index)
	}
	if !media.IsTextSubtitleCodec(s.Codec) {
		return media.Errorf(media.EINVALID, "subtitle stream %d (%s) is pictures, not text: it can only be burned into a transcode", index, s.Codec)
	}
	win := window{start: ticksDuration(start), end: ticksDuration(end), keepTimes: keepTimes != nil && *keepTimes}
	body, err := rt.subtitleBody(r, it.Path, s, format.name, win)
	if err != nil {
		return err
	}
	if format.name == "vtt" && timeMap != nil && *timeMap {
		// What HLS players need to line WebVTT up with MPEG-TS segments.
		body = bytes.Replace(body, []byte("WEBVTT"), []byte("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000"), 1)
	}
	ct := format.mime
	if utf8.Valid(body) {
		ct += "; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	// Subtitle text with a text/vtt (never text/html) type: not a page.
	_, _ = w.Write(body) //nolint:gosec // G705: served as text/vtt, srt or ssa, which browsers do not render as HTML
	return nil
}

// window is the part of a subtitle a request wants.
type window struct {
	start, end time.Duration
	keepTimes  bool
}

func (w window) whole() bool { return w.start == 0 && w.end == 0 }

func ticksDuration(t int64) time.Duration { return time.Duration(t) * 100 }

// subtitleBody produces stream s of the video at videoPath in format.
func (rt *Router) subtitleBody(r *http.Request, videoPath string, s *media.MediaStream, format string, win window) ([]byte, error) {
	if format == "json" {
		// Read as SubRip (the file itself, or ffmpeg's conversion),
		// then written as track events.
		srt, err := rt.subtitleBody(r, videoPath, s, "srt", window{})
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		err = subtitle.WriteJSON(&out, subtitle.Window(subtitle.Read(subtitle.Decode(srt)), win.start, win.end, win.keepTimes))
		return out.Bytes(), err
	}
	from := sourceFormat(s.Codec)
	var raw []byte
	if s.IsExternal {
		b, err := readSubtitleFile(s.Path)
		if err != nil {
			return nil, err
		}
		// The file itself when it is what was asked for, as Jellyfin does.
		if from == format && win.whole() && utf8.Valid(b) {
			return b, nil
		}
		if format != "ass" && (from == "srt" || from == "vtt") {
			return convert(b, format, win)
		}
		raw = b
	}
	// Everything else goes through ffmpeg: an external .ass (or other) file
	// as its stream 0, an embedded stream by its index.
	path, index := videoPath, s.StreamIndex
	if raw != nil {
		path, index = s.Path, 0
	}
	out, err := subtitle.Extract(r.Context(), ffmpegProgram, path, index, format)
	if err != nil {
		if r.Context().Err() != nil {
			return nil, err
		}
		rt.log.Warn("subtitle conversion failed", "path", path, "index", index, "format", format, "err", err)
		return nil, media.Errorf(media.EINVALID, "%v", err)
	}
	if format == "ass" || win.whole() {
		return out, nil
	}
	return convert(out, format, win)
}

// convert reads SubRip or WebVTT bytes and writes the window of them in
// format (vtt or srt).
func convert(b []byte, format string, win window) ([]byte, error) {
	cues := subtitle.Window(subtitle.Read(subtitle.Decode(b)), win.start, win.end, win.keepTimes)
	var out bytes.Buffer
	var err error
	if format == "srt" {
		err = subtitle.WriteSRT(&out, cues)
	} else {
		err = subtitle.WriteVTT(&out, cues)
	}
	return out.Bytes(), err
}

func readSubtitleFile(path string) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // the path is a stream's, from the database, never the request's
	if errors.Is(err, fs.ErrNotExist) {
		return nil, media.Errorf(media.ENOTFOUND, "the subtitle file is missing; a library scan will drop it")
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSubtitleFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSubtitleFile {
		return nil, media.Errorf(media.EINVALID, "the subtitle file is larger than %d bytes", maxSubtitleFile)
	}
	return b, nil
}

// sameID reports whether a media source id names the item (with or
// without hyphens, in any case).
func sameID(s string, id media.ID) bool {
	got, err := media.ParseID(s)
	return err == nil && got == id
}
