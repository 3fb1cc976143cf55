package media

import (
	"slices"
	"strings"
)

// SubtitleMode is Jellyfin's SubtitlePlaybackMode, stored as an integer in
// Users.SubtitleMode.
type SubtitleMode int

// Jellyfin's subtitle modes, in enum order.
const (
	SubtitleModeDefault SubtitleMode = iota
	SubtitleModeAlways
	SubtitleModeOnlyForced
	SubtitleModeNone
	SubtitleModeSmart
)

var subtitleModeNames = []string{"Default", "Always", "OnlyForced", "None", "Smart"}

func (m SubtitleMode) String() string {
	if m < 0 || int(m) >= len(subtitleModeNames) {
		return subtitleModeNames[0]
	}
	return subtitleModeNames[m]
}

// ParseSubtitleMode reads a mode by its name, as clients send it.
func ParseSubtitleMode(s string) (SubtitleMode, error) {
	for i, n := range subtitleModeNames {
		if strings.EqualFold(n, s) {
			return SubtitleMode(i), nil
		}
	}
	return 0, Errorf(EINVALID, "unknown SubtitleMode %q", s)
}

// UserConfiguration is what a user chooses for themselves: languages,
// subtitles, what the home screen shows and in which order. Jellyfin keeps
// the flags in Users columns and the lists in Preferences rows.
type UserConfiguration struct {
	AudioLanguagePreference    string
	SubtitleLanguagePreference string
	SubtitleMode               SubtitleMode
	PlayDefaultAudioTrack      bool
	DisplayMissingEpisodes     bool
	DisplayCollectionsView     bool
	EnableLocalPassword        bool
	HidePlayedInLatest         bool
	RememberAudioSelections    bool
	RememberSubtitleSelections bool
	EnableNextEpisodeAutoPlay  bool

	// OrderedViews puts these libraries first on the home screen, in this
	// order; the rest follow by name.
	OrderedViews []ID
	// MyMediaExcludes are libraries left out of the home screen's views.
	MyMediaExcludes []ID
	// LatestItemsExcludes are libraries whose new items are not shown.
	LatestItemsExcludes []ID
	// GroupedFolders is stored and returned; jellyha does not group
	// libraries into one view.
	GroupedFolders []ID
}

// DefaultUserConfiguration is what Jellyfin gives a new user.
func DefaultUserConfiguration() UserConfiguration {
	return UserConfiguration{
		PlayDefaultAudioTrack:      true,
		HidePlayedInLatest:         true,
		RememberAudioSelections:    true,
		RememberSubtitleSelections: true,
		EnableNextEpisodeAutoPlay:  true,
	}
}

// OrderViews sorts ids (already by name) as the user asked: those in
// OrderedViews first, in that order, then the others in their given order.
// It is Jellyfin's UserViewManager order.
func (c *UserConfiguration) OrderViews(ids []ID) []ID {
	out := slices.Clone(ids)
	rank := func(id ID) int {
		if i := slices.Index(c.OrderedViews, id); i >= 0 {
			return i
		}
		return len(c.OrderedViews)
	}
	slices.SortStableFunc(out, func(a, b ID) int { return rank(a) - rank(b) })
	return out
}
