package jellyfin

import (
	"context"

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

// addMediaInfo fills the media members of a playable item's DTO.
func (rt *Router) addMediaInfo(ctx context.Context, dto *BaseItemDto, it *store.ItemRow) error {
	if it.IsFolder || it.Path == "" {
		return nil
	}
	streams, err := rt.store.ItemStreams(ctx, it.ID)
	if err != nil {
		return err
	}
	facts, err := rt.store.ItemPlaybackFacts(ctx, it.ID)
	if err != nil {
		return err
	}
	src := rt.mediaSource(it, streams, facts, nil, nil)
	dto.MediaSources = []*MediaSourceInfo{src}
	dto.MediaStreams = src.MediaStreams
	dto.VideoType = src.VideoType
	chapters, err := rt.store.ItemChapters(ctx, it.ID)
	if err != nil {
		return err
	}
	dto.Chapters = make([]ChapterInfo, 0, len(chapters))
	for _, c := range chapters {
		dto.Chapters = append(dto.Chapters, ChapterInfo{StartPositionTicks: c.StartPositionTicks, Name: c.Name, ImageDateModified: timePtr(c.ImageDateModified)})
	}
	return nil
}
