package jellyfin

import (
	"net/http"
	"path/filepath"

	"github.com/jellyha/jellyha/internal/lyrics"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/subtitle"
)

// LyricDto is a song's lyrics, as GET /Audio/{itemId}/Lyrics answers
// (Jellyfin's LyricDto). Like Jellyfin's file parsers, jellyha fills no
// metadata.
type LyricDto struct {
	Metadata struct{}
	Lyrics   []LyricLine
}

// LyricLine is one line; Start (ticks) is left out of untimed lyrics.
type LyricLine struct {
	Text  string
	Start *int64         `json:",omitempty"`
	Cues  []LyricLineCue `json:",omitempty"`
}

// LyricLineCue times part of a line, by UTF-16 positions in its text.
type LyricLineCue struct {
	Position, EndPosition int
	Start                 int64
	End                   *int64 `json:",omitempty"`
}

// getLyrics is GET /Audio/{itemId}/Lyrics: the first of the song's lyric
// files (the scan's Lyric streams: Song.lrc, .elrc, .txt) that reads as
// lyrics, for jellyfin-web's and the music apps' lyrics view; 404 when it
// has none, which they show as "no lyrics".
func (rt *Router) getLyrics(w http.ResponseWriter, r *http.Request, p *principal) error {
	_, it, err := rt.pathItem(r, p)
	if err != nil {
		return err
	}
	if it.Type != media.ItemTypeAudio {
		return media.Errorf(media.ENOTFOUND, "%s is not a song", it.Name)
	}
	streams, err := rt.store.ItemStreams(r.Context(), it.ID)
	if err != nil {
		return err
	}
	for _, s := range streams {
		if s.StreamType != media.StreamLyric {
			continue
		}
		b, err := readSubtitleFile(s.Path)
		if err != nil {
			rt.log.Warn("cannot read a lyric file", "path", s.Path, "err", err)
			continue
		}
		lines, ok := lyrics.Parse(filepath.Base(s.Path), subtitle.Decode(b))
		if !ok {
			continue
		}
		out := &LyricDto{Lyrics: make([]LyricLine, len(lines))}
		for i, l := range lines {
			out.Lyrics[i] = LyricLine{Text: l.Text, Start: l.Start}
			for _, c := range l.Cues {
				out.Lyrics[i].Cues = append(out.Lyrics[i].Cues, LyricLineCue{Position: c.Position, EndPosition: c.EndPosition, Start: c.Start, End: c.End})
			}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	return media.Errorf(media.ENOTFOUND, "%s has no lyrics", it.Name)
}
