package media

import "time"

// The rules by which playback reports change a user's play state, as
// Jellyfin 10.11's SessionManager and UserDataManager.UpdatePlayState apply
// them: a start counts a play, progress and stop reports move the resume
// position, and a position near the start or the end is not kept.

// ResumeConfig holds the server settings the rules read.
type ResumeConfig struct {
	// MinResumePct and MaxResumePct bound, in percent of the runtime, the
	// positions kept as resume points: below the first nothing is kept,
	// above the second the item counts as played.
	MinResumePct, MaxResumePct float64
	// MinResumeDurationSeconds: a shorter item is never resumed; a stop
	// between the two bounds marks it played.
	MinResumeDurationSeconds float64
	// MinAudiobookResume and MaxAudiobookResume are, in minutes, how far
	// into an audiobook a position must be to be kept and how close to the
	// end it marks the book played.
	MinAudiobookResume, MaxAudiobookResume float64
}

// DefaultResumeConfig is Jellyfin's ServerConfiguration defaults.
var DefaultResumeConfig = ResumeConfig{
	MinResumePct: 5, MaxResumePct: 90, MinResumeDurationSeconds: 300,
	MinAudiobookResume: 5, MaxAudiobookResume: 5,
}

// TicksPerSecond is .NET's TimeSpan resolution: 100 ns ticks.
const TicksPerSecond = 10_000_000

// Jellyfin's ExtraType values of extras that are never resumed.
const (
	ExtraTypeTrailer    = 2
	ExtraTypeSample     = 7
	ExtraTypeThemeVideo = 9
)

// Playable is what the rules need to know of an item.
type Playable struct {
	Type         string // stored type name
	RunTimeTicks int64  // 0 when unknown
	ExtraType    *int
}

func (p Playable) video() bool {
	switch p.Type {
	case ItemTypeMovie, ItemTypeEpisode, ItemTypeVideo, ItemTypeMusicVideo, ItemTypeTrailer:
		return true
	}
	return false
}

// SupportsPlayedStatus is BaseItem.SupportsPlayedStatus: videos, songs and
// books have a played flag; folders and the rest do not.
func (p Playable) SupportsPlayedStatus() bool {
	return p.video() || p.Type == ItemTypeAudio || p.Type == ItemTypeAudioBook || p.Type == ItemTypeBook
}

// SupportsPositionTicksResume is BaseItem.SupportsPositionTicksResume:
// videos (but not trailers, samples or theme videos among extras),
// audiobooks and books resume; songs do not.
func (p Playable) SupportsPositionTicksResume() bool {
	if p.video() {
		if p.ExtraType != nil {
			switch *p.ExtraType {
			case ExtraTypeTrailer, ExtraTypeSample, ExtraTypeThemeVideo:
				return false
			}
		}
		return true
	}
	return p.Type == ItemTypeAudioBook || p.Type == ItemTypeBook
}

// StartPlay applies a playback start (SessionManager.OnPlaybackStart): one
// more play, played now, and the played flag cleared, except for items
// that cannot be resumed (songs), which count as played from the start.
func StartPlay(p Playable, d *UserData, now time.Time) {
	d.PlayCount++
	d.LastPlayedDate = &now
	d.Played = p.SupportsPlayedStatus() && !p.SupportsPositionTicksResume()
}

// UpdatePlayState applies a reported position (UserDataManager.
// UpdatePlayState), on progress reports and at the stop; nil means the
// client reported none and stands for the whole runtime. It reports
// whether the item was played to completion.
func UpdatePlayState(cfg ResumeConfig, p Playable, d *UserData, reported *int64) bool {
	completed := false
	runtime := p.RunTimeTicks
	pos := runtime
	if reported != nil {
		pos = *reported
	}
	hasRuntime := runtime > 0
	switch {
	case pos > 0 && hasRuntime && p.Type != ItemTypeAudioBook && p.Type != ItemTypeBook:
		pct := float64(pos) / float64(runtime) * 100
		switch {
		case pct < cfg.MinResumePct:
			// Progress at the very beginning is ignored.
			pos = 0
		case pct > cfg.MaxResumePct || pos >= runtime-TicksPerSecond:
			// Close to the end counts as watched.
			pos = 0
			d.Played, completed = true, true
		case float64(runtime)/TicksPerSecond < cfg.MinResumeDurationSeconds:
			// Too short to resume: played.
			pos = 0
			d.Played, completed = true, true
		}
	case pos > 0 && hasRuntime && p.Type == ItemTypeAudioBook:
		in := float64(pos) / TicksPerSecond / 60
		left := float64(runtime-pos) / TicksPerSecond / 60
		switch {
		case in < cfg.MinAudiobookResume:
			pos = 0
		case left < cfg.MaxAudiobookResume || pos >= runtime:
			pos = 0
			d.Played, completed = true, true
		}
	case !hasRuntime:
		// Without a runtime the item is assumed played through.
		d.Played, completed = true, true
		pos = 0
	}
	if !p.SupportsPlayedStatus() {
		pos = 0
		d.Played = false
	}
	if !p.SupportsPositionTicksResume() {
		pos = 0
	}
	d.PlaybackPositionTicks = pos
	return completed
}

// StopPlay applies a playback stop (SessionManager.OnPlaybackStopped). A
// failed playback changes nothing; a stop without a position counts as
// played through.
func StopPlay(cfg ResumeConfig, p Playable, d *UserData, position *int64, failed bool) bool {
	if failed {
		return false
	}
	if position == nil {
		d.PlayCount++
		d.Played = p.SupportsPlayedStatus()
		d.PlaybackPositionTicks = 0
		return true
	}
	return UpdatePlayState(cfg, p, d, position)
}

// RememberStreams applies a progress report's audio and subtitle tracks
// (SessionManager.UpdatePlaybackSettings): kept when the user remembers
// selections, cleared otherwise.
func RememberStreams(d *UserData, rememberAudio, rememberSubtitles bool, audio, subtitle *int) {
	if rememberAudio {
		d.AudioStreamIndex = copyInt(audio)
	} else {
		d.AudioStreamIndex = nil
	}
	if rememberSubtitles {
		d.SubtitleStreamIndex = copyInt(subtitle)
	} else {
		d.SubtitleStreamIndex = nil
	}
}

func copyInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
