package scan

import (
	"testing"

	"github.com/jellyha/jellyha/internal/media"
)

func TestParseSubtitleFlags(t *testing.T) {
	for _, c := range []struct {
		extra, lang, title      string
		isDefault, forced, isHI bool
	}{
		{"", "", "", false, false, false},
		{".en", "eng", "", false, false, false},
		{".EN", "eng", "", false, false, false},
		{".eng", "eng", "", false, false, false},
		{".English", "eng", "", false, false, false},
		{".fr", "fra", "", false, false, false},
		{".fre", "fra", "", false, false, false}, // the B code is stored as the T code
		{".ger", "deu", "", false, false, false},
		{".pt-br", "pt-br", "", false, false, false}, // regional codes are kept
		{".pt-BR", "pt-br", "", false, false, false},
		{".zh-cn", "zh-cn", "", false, false, false},
		{".en.forced", "eng", "", false, true, false},
		{".en.foreign", "eng", "", false, true, false},
		{".fr.sdh", "fra", "", false, false, true},
		{".en.cc", "eng", "", false, false, true},
		{".hi", "hin", "", false, false, false},   // alone, "hi" is Hindi
		{".en.hi", "eng", "", false, false, true}, // after a language, hearing impaired
		{".de.default.forced", "deu", "", true, true, false},
		{".Director's Cut.en", "eng", "Director's Cut", false, false, false},
		{".Signs & Songs", "", "Signs & Songs", false, false, false},
		{".a.b", "", "a.b", false, false, false},
		{".en.fr", "fra", "en", false, false, false}, // the rightmost language wins; a second is title
	} {
		s := parseSubtitleFlags(c.extra)
		if s.language != c.lang || s.title != c.title || s.isDefault != c.isDefault || s.isForced != c.forced || s.isHI != c.isHI {
			t.Errorf("%q: %+v, want lang %q title %q default %v forced %v hi %v", c.extra, s, c.lang, c.title, c.isDefault, c.forced, c.isHI)
		}
	}
}

func TestExternalSubtitles(t *testing.T) {
	files := []entry{
		{path: "/m/Movie (2020).srt", name: "Movie (2020).srt"},
		{path: "/m/Movie (2020).en.forced.vtt", name: "Movie (2020).en.forced.vtt"},
		{path: "/m/movie (2020).FR.SDH.srt", name: "movie (2020).FR.SDH.srt"},
		{path: "/m/Movie (2020).de.ass", name: "Movie (2020).de.ass"},
		{path: "/m/Movie (2020).nfo", name: "Movie (2020).nfo"},
		{path: "/m/Movie (2020) Extras.srt", name: "Movie (2020) Extras.srt"}, // no "." after the name
		{path: "/m/Other.srt", name: "Other.srt"},
		{path: "/m/Movie (2020).sub", name: "Movie (2020).sub"}, // needs a probe; left out
	}
	subs := externalSubtitles(files, "Movie (2020).mkv")
	if len(subs) != 4 {
		t.Fatalf("found %+v", subs)
	}
	own := []media.MediaStream{{StreamIndex: 0}, {StreamIndex: 2}}
	rows := subtitleStreams(subs, own)
	want := []struct {
		path, codec, lang string
		index             int
		forced, hi        bool
	}{
		{"/m/Movie (2020).de.ass", "ass", "deu", 3, false, false},
		{"/m/Movie (2020).en.forced.vtt", "webvtt", "eng", 4, true, false},
		{"/m/Movie (2020).srt", "subrip", "", 5, false, false},
		{"/m/movie (2020).FR.SDH.srt", "subrip", "fra", 6, false, true},
	}
	for i, w := range want {
		r := rows[i]
		if r.Path != w.path || r.Codec != w.codec || r.Language != w.lang || r.StreamIndex != w.index || r.IsForced != w.forced ||
			r.IsHearingImpaired == nil || *r.IsHearingImpaired != w.hi || !r.IsExternal || r.StreamType != media.StreamSubtitle {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
}
