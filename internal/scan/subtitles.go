package scan

import (
	"sort"
	"strings"

	"github.com/jellyha/jellyha/internal/media"
)

// External subtitles: "Movie (2020).srt", "Movie (2020).en.srt",
// "Movie (2020).en.forced.vtt", "Movie (2020).fr.sdh.srt" next to a video
// are streams of that video, as Jellyfin's SubtitleResolver makes them: a
// MediaStreamInfos row of type Subtitle with IsExternal set, Path the file,
// the language and the default, forced and hearing-impaired flags read from
// the name, numbered after the file's own streams.

// subtitleCodecs maps a subtitle file's extension to the codec name ffprobe
// gives it, which is what Jellyfin stores (it probes each file; PGS is
// renamed PGSSUB as its normaliser does). ".sub" (MicroDVD text or a VobSub
// picture stream, with its .idx) and ".mks" (any number of streams) would
// need a probe to tell, and are not picked up.
var subtitleCodecs = map[string]string{
	"srt": "subrip", "vtt": "webvtt", "ass": "ass", "ssa": "ass", "smi": "sami", "sami": "sami", "sup": "PGSSUB",
}

// subtitleTimeBases are the time bases ffprobe reports for those files.
var subtitleTimeBases = map[string]string{"subrip": "1/1000", "webvtt": "1/1000", "ass": "1/100", "sami": "1/1000", "PGSSUB": "1/90000"}

// Jellyfin's naming flags (NamingOptions): a name part containing one of
// the default or forced words sets that flag; a part equal to one of the
// hearing-impaired words sets that one.
var (
	defaultFlags = []string{"default"}
	forcedFlags  = []string{"foreign", "forced"}
	hiFlags      = []string{"cc", "hi", "sdh"}
)

// subtitleFile is an external subtitle found next to a video.
type subtitleFile struct {
	path, codec, language, title string
	isDefault, isForced, isHI    bool
}

// externalSubtitles finds the subtitle files among files that belong to the
// video named videoName: the video's name without extension, in any case,
// then the end or a "." and flags.
func externalSubtitles(files []entry, videoName string) []subtitleFile {
	var out []subtitleFile
	for _, f := range files {
		codec, ok := subtitleCodecs[ext(f.name)]
		if !ok {
			continue
		}
		rest, ok := sidecarOf(f.name, videoName)
		if !ok {
			continue
		}
		s := parseSubtitleFlags(rest)
		s.path, s.codec = f.path, codec
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// sidecarOf reports whether the file named name belongs to the media file
// named mediaName: its name without extension, in any case, then the end or a
// "." and what follows (returned: ".en.forced").
func sidecarOf(name, mediaName string) (rest string, ok bool) {
	prefix, base := stem(mediaName), stem(name)
	if len(base) < len(prefix) || !strings.EqualFold(base[:len(prefix)], prefix) {
		return "", false
	}
	rest = base[len(prefix):]
	return rest, rest == "" || rest[0] == '.'
}

// parseSubtitleFlags reads the ".en.forced" part of a subtitle file's name
// from the right, as Jellyfin's ExternalPathParser does: flags, then the
// first language found (stored as Jellyfin stores it: "eng", "pt-br");
// parts that are neither make up the title. "hi" is both Hindi and the
// hearing-impaired flag: it is Hindi unless another language follows it.
func parseSubtitleFlags(extra string) subtitleFile {
	var s subtitleFile
	title := ""
	rest := extra
	for {
		dot := strings.LastIndexByte(rest, '.')
		if dot < 0 {
			break
		}
		part := rest[dot+1:]
		rest = rest[:dot]
		lang := media.FindLanguage(part)
		switch {
		case containsAnyFold(part, defaultFlags):
			s.isDefault = true
		case containsAnyFold(part, forcedFlags):
			s.isForced = true
		case lang != nil && s.language == "":
			s.language = lang.Code()
		case lang != nil && s.language == "hin":
			s.isHI, s.language = true, lang.Code()
		case equalsAnyFold(part, hiFlags):
			s.isHI = true
		default:
			title = "." + part + title
		}
	}
	s.title = strings.TrimPrefix(title, ".")
	return s
}

func containsAnyFold(s string, words []string) bool {
	s = strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func equalsAnyFold(s string, words []string) bool {
	for _, w := range words {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

// subtitleStreams makes the rows of a video's external subtitles, numbered
// from the one after the highest index of its own streams.
func subtitleStreams(subs []subtitleFile, own []media.MediaStream) []media.MediaStream {
	next := 0
	for _, s := range own {
		next = max(next, s.StreamIndex+1)
	}
	out := make([]media.MediaStream, 0, len(subs))
	for _, s := range subs {
		out = append(out, media.MediaStream{
			StreamIndex: next, StreamType: media.StreamSubtitle, Codec: s.codec, TimeBase: subtitleTimeBases[s.codec],
			Language: s.language, Title: s.title, Path: s.path, IsExternal: true,
			IsDefault: s.isDefault, IsForced: s.isForced, IsHearingImpaired: boolPtr(s.isHI),
		})
		next++
	}
	return out
}

// Lyrics: "Song.lrc", "Song.elrc", "Song.txt" (and "Song.en.lrc") next to
// an audio file are its lyrics, as Jellyfin's MediaInfoResolver finds
// them: a MediaStreamInfos row of type Lyric with Path the file and the
// language read from the name, numbered after the file's own streams.
var lyricExts = set("lrc", "elrc", "txt")

// externalLyrics finds the lyric files among files that belong to the
// audio file named audioName, as externalSubtitles finds subtitles.
func externalLyrics(files []entry, audioName string) []subtitleFile {
	var out []subtitleFile
	for _, f := range files {
		if !lyricExts[ext(f.name)] {
			continue
		}
		rest, ok := sidecarOf(f.name, audioName)
		if !ok {
			continue
		}
		l := parseSubtitleFlags(rest)
		out = append(out, subtitleFile{path: f.path, language: l.language})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// externalStreams makes the rows of a file's external subtitles and
// lyrics, numbered from the one after the highest index of its own streams.
func externalStreams(n *node, own []media.MediaStream) []media.MediaStream {
	out := subtitleStreams(n.subs, own)
	next := 0
	for _, s := range own {
		next = max(next, s.StreamIndex+1)
	}
	next += len(out)
	for _, l := range n.lyrics {
		out = append(out, media.MediaStream{StreamIndex: next, StreamType: media.StreamLyric, Language: l.language, Path: l.path})
		next++
	}
	return out
}
