package jellyfin

import (
	"context"

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
func (rt *Router) addMediaInfo(ctx context.Context, dto *BaseItemDto, it *store.ItemRow) error {
	if !hasMedia(it) {
		return nil
	}
	m, err := rt.store.ItemsMedia(ctx, []media.ID{it.ID})
	if err != nil {
		return err
	}
	rt.fillMedia(dto, it, m[it.ID])
	return nil
}

// fillMedia fills dto's media members from m, it's media.
func (rt *Router) fillMedia(dto *BaseItemDto, it *store.ItemRow, m *store.ItemMedia) {
	src := rt.mediaSource(it, m.Streams, &m.Facts, nil, nil)
	dto.MediaSources = []*MediaSourceInfo{src}
	dto.MediaStreams = src.MediaStreams
	dto.VideoType = src.VideoType
	dto.Chapters = make([]ChapterInfo, 0, len(m.Chapters))
	for _, c := range m.Chapters {
		dto.Chapters = append(dto.Chapters, ChapterInfo{StartPositionTicks: c.StartPositionTicks, Name: c.Name, ImageDateModified: timePtr(c.ImageDateModified)})
	}
}
