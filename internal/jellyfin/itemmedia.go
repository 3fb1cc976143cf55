package jellyfin

import (
	"context"
	"slices"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// What an item's detail says about its file: the media source with its
// streams, the streams again at the top level, and the chapters. The apps
// show the version, audio and subtitle pickers and the chapter list from
// these before any PlaybackInfo, so Jellyfin sends them with every item
// detail; lists carry them only when Fields asks.

// ChapterInfo is one chapter of a video.
type ChapterInfo struct {
	StartPositionTicks int64
	Name               string `json:",omitempty"`
	ImageDateModified  *Time  `json:",omitempty"`
}

// hasMedia reports whether it is a file with media members.
func hasMedia(it *store.ItemRow) bool { return !it.IsFolder && it.Path != "" }

// addMediaInfo fills the media members of a playable item's DTO.
func (rt *Router) addMediaInfo(ctx context.Context, dto *BaseItemDto, it *store.ItemRow, o dtoOptions) error {
	if !hasMedia(it) {
		return nil
	}
	m, err := rt.store.ItemsMedia(ctx, []media.ID{it.ID})
	if err != nil {
		return err
	}
	cfg, err := rt.streamPrefs(ctx, o)
	if err != nil {
		return err
	}
	rt.fillMedia(dto, it, m[it.ID], cfg)
	return nil
}

// streamPrefs is the configuration whose languages pick the default
// streams of o's user, nil without a user.
func (rt *Router) streamPrefs(ctx context.Context, o dtoOptions) (*media.UserConfiguration, error) {
	if o.user.IsZero() {
		return nil, nil
	}
	return rt.store.UserConfiguration(ctx, o.user)
}

// defaultStreams are a video's starting audio and subtitle streams for a
// user with configuration cfg (media.DefaultStreams). ok is false without
// one, or for anything but a video, whose audio stream is simply its first
// and whose subtitles are those the file flags (mediaSource).
func defaultStreams(cfg *media.UserConfiguration, it *store.ItemRow, streams []media.MediaStream) (audio, sub *int, ok bool) {
	if cfg == nil || it.MediaType != "Video" {
		return nil, nil, false
	}
	audio, sub = media.DefaultStreams(streams, cfg, it.UserData)
	return audio, sub, true
}

// fillMedia fills dto's media members from m, it's media, with the default
// streams cfg's user would start with.
func (rt *Router) fillMedia(dto *BaseItemDto, it *store.ItemRow, m *store.ItemMedia, cfg *media.UserConfiguration) {
	audio, sub, ok := defaultStreams(cfg, it, m.Streams)
	src := rt.mediaSource(it, m.Streams, &m.Facts, audio, sub)
	if ok {
		// None is the user's choice too (subtitles off).
		src.DefaultSubtitleStreamIndex = sub
	}
	dto.MediaSources = []*MediaSourceInfo{src}
	if it.Type == media.ItemTypeAudio {
		has := slices.ContainsFunc(m.Streams, func(s media.MediaStream) bool { return s.StreamType == media.StreamLyric })
		dto.HasLyrics = &has
	}
	dto.MediaStreams = src.MediaStreams
	dto.VideoType = src.VideoType
	dto.Chapters = make([]ChapterInfo, 0, len(m.Chapters))
	for _, c := range m.Chapters {
		dto.Chapters = append(dto.Chapters, ChapterInfo{StartPositionTicks: c.StartPositionTicks, Name: c.Name, ImageDateModified: timePtr(c.ImageDateModified)})
	}
}
