package media

import (
	"slices"
	"strings"
)

// Which audio and subtitle streams a video starts with, for a user: what
// they picked last time (when they asked to be remembered), else their
// languages and subtitle mode, as Jellyfin's MediaSourceManager and
// MediaStreamSelector choose them. Players show these as the initial
// choice of PlaybackInfo's DefaultAudioStreamIndex and
// DefaultSubtitleStreamIndex.

// IsTextSubtitleCodec is Jellyfin's MediaStream.IsTextFormat: everything
// but the picture formats (PGS, DVD and DVB subtitles) is text.
func IsTextSubtitleCodec(codec string) bool {
	c := strings.ToLower(codec)
	if strings.Contains(c, "microdvd") {
		return true
	}
	return !strings.Contains(c, "pgs") && !strings.Contains(c, "dvdsub") && !strings.Contains(c, "dvbsub") &&
		!strings.Contains(c, "dvd_subtitle") && !strings.Contains(c, "dvb_subtitle") && c != "sup" && c != "sub"
}

// IsTextSubtitle reports whether s is a subtitle stream in a text format.
func (s *MediaStream) IsTextSubtitle() bool {
	return s.StreamType == StreamSubtitle && (s.Codec != "" || s.IsExternal) && IsTextSubtitleCodec(s.Codec)
}

// SupportsExternalStream reports whether a subtitle stream can be delivered
// on its own: external files, text and PGS streams (MediaSourceManager).
func (s *MediaStream) SupportsExternalStream() bool {
	if s.StreamType != StreamSubtitle {
		return false
	}
	pgs := strings.Contains(strings.ToLower(s.Codec), "pgs") || strings.EqualFold(s.Codec, "sup")
	return s.IsExternal || s.IsTextSubtitle() || pgs
}

// PreferredLanguages turns a user's language setting ("fre", "French",
// "fr", "pt-br") into the codes streams are tagged with: both three-letter
// codes of a language (ISO 639-2/T and /B, "fra" and "fre"), the regional
// code of a regional one, the setting itself when it names no language.
// It is Jellyfin's NormalizeLanguage.
func PreferredLanguages(setting string) []string {
	if setting == "" {
		return nil
	}
	if l := FindLanguage(setting); l != nil {
		if strings.Contains(l.Short, "-") {
			return []string{l.Short}
		}
		return l.Codes
	}
	return []string{setting}
}

// DefaultStreams picks a video's starting audio and subtitle streams for a
// user with configuration c and play state d (nil when none). sub -1 means
// subtitles off, as the user last chose. Either is nil when nothing fits.
func DefaultStreams(streams []MediaStream, c *UserConfiguration, d *UserData) (audio, sub *int) {
	audio = defaultAudio(streams, c, d)
	sub = defaultSubtitle(streams, c, d, audio)
	return audio, sub
}

func defaultAudio(streams []MediaStream, c *UserConfiguration, d *UserData) *int {
	if d != nil && d.AudioStreamIndex != nil && c.RememberAudioSelections && hasStream(streams, StreamAudio, *d.AudioStreamIndex) {
		return copyInt(d.AudioStreamIndex)
	}
	// "OriginalLanguage" asks for the language the film was made in;
	// jellyha does not know it, so no language is preferred.
	var prefs []string
	if !strings.EqualFold(c.AudioLanguagePreference, "OriginalLanguage") {
		prefs = PreferredLanguages(c.AudioLanguagePreference)
	}
	sorted := sortedStreams(streams, StreamAudio, prefs)
	if c.PlayDefaultAudioTrack {
		for _, s := range sorted {
			if s.IsDefault {
				return &s.StreamIndex
			}
		}
	}
	if len(sorted) == 0 {
		return nil
	}
	return &sorted[0].StreamIndex
}

func defaultSubtitle(streams []MediaStream, c *UserConfiguration, d *UserData, audio *int) *int {
	if d != nil && d.SubtitleStreamIndex != nil && c.RememberSubtitleSelections && c.SubtitleMode != SubtitleModeNone {
		if i := *d.SubtitleStreamIndex; i == -1 || hasStream(streams, StreamSubtitle, i) {
			return &i
		}
	}
	if c.SubtitleMode == SubtitleModeNone {
		return nil
	}
	prefs := PreferredLanguages(c.SubtitleLanguagePreference)
	audioLanguage := ""
	for i := range streams {
		if audio != nil && streams[i].StreamType == StreamAudio && streams[i].StreamIndex == *audio {
			audioLanguage = streams[i].Language
		}
	}
	matches := func(s *MediaStream) bool { return matchesLanguage(s.Language, prefs) }
	// External first, then default, then full subtitles in a preferred
	// language, then forced ones in it, forced undefined, forced.
	var subs []*MediaStream
	for i := range streams {
		if streams[i].StreamType == StreamSubtitle {
			subs = append(subs, &streams[i])
		}
	}
	slices.SortStableFunc(subs, func(a, b *MediaStream) int {
		for _, key := range []func(s *MediaStream) bool{
			func(s *MediaStream) bool { return s.IsExternal },
			func(s *MediaStream) bool { return s.IsDefault },
			func(s *MediaStream) bool { return !s.IsForced && matches(s) },
			func(s *MediaStream) bool { return s.IsForced && matches(s) },
			func(s *MediaStream) bool { return s.IsForced && undefinedLanguage(s.Language) },
			func(s *MediaStream) bool { return s.IsForced },
		} {
			if ka, kb := key(a), key(b); ka != kb {
				if ka {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	first := func(ok func(s *MediaStream) bool) *int {
		for _, s := range subs {
			if ok(s) {
				return &s.StreamIndex
			}
		}
		return nil
	}
	onlyForced := func() *int {
		var forced []*MediaStream
		for _, s := range subs {
			if s.IsForced && (matches(s) || undefinedLanguage(s.Language)) {
				forced = append(forced, s)
			}
		}
		slices.SortStableFunc(forced, func(a, b *MediaStream) int {
			if ma, mb := matches(a), matches(b); ma != mb {
				if ma {
					return -1
				}
				return 1
			}
			if ua, ub := undefinedLanguage(a.Language), undefinedLanguage(b.Language); ua != ub {
				if ua {
					return -1
				}
				return 1
			}
			return 0
		})
		if len(forced) == 0 {
			return nil
		}
		return &forced[0].StreamIndex
	}
	switch c.SubtitleMode {
	case SubtitleModeSmart:
		// Subtitles only when the audio is in none of the subtitle
		// languages; otherwise only forced ones.
		if !slices.ContainsFunc(prefs, func(p string) bool { return strings.EqualFold(p, audioLanguage) }) {
			return first(matches)
		}
		return onlyForced()
	case SubtitleModeAlways:
		if i := first(func(s *MediaStream) bool { return !s.IsForced && matches(s) }); i != nil {
			return i
		}
		return onlyForced()
	case SubtitleModeOnlyForced:
		return onlyForced()
	default:
		return first(func(s *MediaStream) bool { return s.IsExternal || s.IsDefault || s.IsForced })
	}
}

// sortedStreams are the streams of type t, best first by Jellyfin's score:
// a preferred language (the earlier the better), then forced, default,
// deliverable alone, text, external.
func sortedStreams(streams []MediaStream, t MediaStreamType, prefs []string) []*MediaStream {
	var out []*MediaStream
	for i := range streams {
		if streams[i].StreamType == t {
			out = append(out, &streams[i])
		}
	}
	slices.SortStableFunc(out, func(a, b *MediaStream) int { return streamScore(b, prefs) - streamScore(a, prefs) })
	return out
}

func streamScore(s *MediaStream, prefs []string) int {
	score := 1
	if i := slices.IndexFunc(prefs, func(p string) bool { return strings.EqualFold(p, s.Language) }); i >= 0 {
		score = 101 - i
	}
	for _, b := range []bool{s.IsForced, s.IsDefault, s.SupportsExternalStream(), s.IsTextSubtitle(), s.IsExternal} {
		score *= 10
		if b {
			score += 2
		} else {
			score++
		}
	}
	return score
}

// matchesLanguage: no preference matches every language.
func matchesLanguage(lang string, prefs []string) bool {
	return len(prefs) == 0 || slices.ContainsFunc(prefs, func(p string) bool { return strings.EqualFold(p, lang) })
}

func undefinedLanguage(lang string) bool {
	switch strings.ToLower(lang) {
	case "", "und", "unknown", "undetermined", "mul", "zxx":
		return true
	}
	return false
}

func hasStream(streams []MediaStream, t MediaStreamType, index int) bool {
	return slices.ContainsFunc(streams, func(s MediaStream) bool { return s.StreamType == t && s.StreamIndex == index })
}
