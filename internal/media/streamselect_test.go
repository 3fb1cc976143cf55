package media

import (
	"slices"
	"strconv"
	"testing"
)

func TestPreferredLanguages(t *testing.T) {
	for setting, want := range map[string][]string{
		"":            nil,
		"fre":         {"fra", "fre"},
		"French":      {"fra", "fre"},
		"de":          {"deu", "ger"},
		"pt-br":       {"pt-br"},
		"por":         {"por"},
		"klingonese":  {"klingonese"},
		"OriginalLan": {"OriginalLan"},
	} {
		if got := PreferredLanguages(setting); !slices.Equal(got, want) {
			t.Errorf("PreferredLanguages(%q) = %v, want %v", setting, got, want)
		}
	}
}

// TestDefaultStreams follows Jellyfin's MediaStreamSelector on one film:
// English audio (the file's default) and French audio; full English and
// French text subtitles, forced French ones, and forced picture subtitles
// of no language.
func TestDefaultStreams(t *testing.T) {
	streams := []MediaStream{
		{StreamIndex: 0, StreamType: StreamVideo, Codec: "h264"},
		{StreamIndex: 1, StreamType: StreamAudio, Codec: "aac", Language: "eng", IsDefault: true},
		{StreamIndex: 2, StreamType: StreamAudio, Codec: "aac", Language: "fre"},
		{StreamIndex: 3, StreamType: StreamSubtitle, Codec: "subrip", Language: "eng"},
		{StreamIndex: 4, StreamType: StreamSubtitle, Codec: "subrip", Language: "fra"},
		{StreamIndex: 5, StreamType: StreamSubtitle, Codec: "subrip", Language: "fre", IsForced: true},
		{StreamIndex: 6, StreamType: StreamSubtitle, Codec: "hdmv_pgs_subtitle", IsForced: true},
	}
	ptr := func(i int) *int { return &i }
	for _, c := range []struct {
		name      string
		edit      func(c *UserConfiguration)
		data      *UserData
		audio     *int
		subtitles *int
	}{
		{name: "defaults: the file's default audio, the first forced subtitles", audio: ptr(1), subtitles: ptr(6)},
		{name: "French audio, default track preferred anyway",
			edit: func(c *UserConfiguration) { c.AudioLanguagePreference = "fre" }, audio: ptr(1), subtitles: ptr(6)},
		{name: "French audio",
			edit: func(c *UserConfiguration) { c.AudioLanguagePreference, c.PlayDefaultAudioTrack = "French", false }, audio: ptr(2), subtitles: ptr(6)},
		{name: "original language is not known: the first by score",
			edit: func(c *UserConfiguration) {
				c.AudioLanguagePreference, c.PlayDefaultAudioTrack = "OriginalLanguage", false
			}, audio: ptr(1), subtitles: ptr(6)},
		{name: "always French subtitles: the full ones",
			edit: func(c *UserConfiguration) { c.SubtitleMode, c.SubtitleLanguagePreference = SubtitleModeAlways, "fre" }, audio: ptr(1), subtitles: ptr(4)},
		{name: "always German: none, so forced ones of no language",
			edit: func(c *UserConfiguration) { c.SubtitleMode, c.SubtitleLanguagePreference = SubtitleModeAlways, "ger" }, audio: ptr(1), subtitles: ptr(6)},
		{name: "only forced French",
			edit: func(c *UserConfiguration) {
				c.SubtitleMode, c.SubtitleLanguagePreference = SubtitleModeOnlyForced, "fre"
			}, audio: ptr(1), subtitles: ptr(5)},
		{name: "smart, English audio and English subtitles wanted: only forced",
			edit: func(c *UserConfiguration) { c.SubtitleMode, c.SubtitleLanguagePreference = SubtitleModeSmart, "eng" }, audio: ptr(1), subtitles: ptr(6)},
		{name: "smart, French audio and English subtitles wanted: English",
			edit: func(c *UserConfiguration) {
				c.SubtitleMode, c.SubtitleLanguagePreference = SubtitleModeSmart, "eng"
				c.AudioLanguagePreference, c.PlayDefaultAudioTrack = "fre", false
			}, audio: ptr(2), subtitles: ptr(3)},
		{name: "no subtitles", edit: func(c *UserConfiguration) { c.SubtitleMode = SubtitleModeNone }, audio: ptr(1)},
		{name: "remembered choices", data: &UserData{AudioStreamIndex: ptr(2), SubtitleStreamIndex: ptr(-1)}, audio: ptr(2), subtitles: ptr(-1)},
		{name: "remembered streams the file no longer has", data: &UserData{AudioStreamIndex: ptr(9), SubtitleStreamIndex: ptr(1)},
			audio: ptr(1), subtitles: ptr(6)},
		{name: "not remembered", data: &UserData{AudioStreamIndex: ptr(2), SubtitleStreamIndex: ptr(3)},
			edit: func(c *UserConfiguration) { c.RememberAudioSelections, c.RememberSubtitleSelections = false, false }, audio: ptr(1), subtitles: ptr(6)},
		{name: "subtitles off wins over a remembered one", data: &UserData{SubtitleStreamIndex: ptr(3)},
			edit: func(c *UserConfiguration) { c.SubtitleMode = SubtitleModeNone }, audio: ptr(1)},
	} {
		cfg := DefaultUserConfiguration()
		if c.edit != nil {
			c.edit(&cfg)
		}
		audio, subs := DefaultStreams(streams, &cfg, c.data)
		if !equalPtr(audio, c.audio) || !equalPtr(subs, c.subtitles) {
			t.Errorf("%s: audio %s, subtitles %s; want %s, %s", c.name, show(audio), show(subs), show(c.audio), show(c.subtitles))
		}
	}
	def := DefaultUserConfiguration()
	// A subtitle stream the file flags as default comes first.
	flagged := slices.Clone(streams)
	flagged[3].IsDefault = true
	if _, s := DefaultStreams(flagged, &def, nil); !equalPtr(s, ptr(3)) {
		t.Errorf("default subtitles flagged: %s, want 3", show(s))
	}
	// A file without audio or subtitles.
	if a, s := DefaultStreams(streams[:1], &def, nil); a != nil || s != nil {
		t.Errorf("video only: %s, %s", show(a), show(s))
	}
}

func equalPtr(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func show(p *int) string {
	if p == nil {
		return "none"
	}
	return strconv.Itoa(*p)
}
