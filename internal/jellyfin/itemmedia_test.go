package jellyfin

import (
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// TestItemDetailMedia: an item's detail carries its media source, streams
// and chapters as stored, the same streams PlaybackInfo gives; a folder's
// carries none.
func TestItemDetailMedia(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		e := newBrowseEnv(t, s)
		films := e.list(e.admin, "/Items?IncludeItemTypes=Movie&Recursive=true&Limit=5").Items
		if len(films) == 0 {
			t.Fatal("no films")
		}
		withChapters := 0
		for _, f := range films {
			var d struct {
				ID, VideoType, PlayAccess string
				MediaSources              []struct {
					ID, Path     string
					MediaStreams []struct {
						Type  string
						Index int
					}
				}
				MediaStreams []struct{ Type string }
				Chapters     []struct {
					StartPositionTicks int64
					Name               string
				}
			}
			e.expect(req{"GET", "/Items/" + f.ID, nil, as(e.admin)}, 200, &d)
			if len(d.MediaSources) != 1 || d.MediaSources[0].ID != f.ID || d.MediaSources[0].Path == "" {
				t.Fatalf("%s: media sources %+v", f.Name, d.MediaSources)
			}
			want := e.count(`SELECT COUNT(*) FROM "MediaStreamInfos" WHERE "ItemId" = ?`, database.GUID(media.MustParseID(f.ID)))
			if len(d.MediaSources[0].MediaStreams) != want || len(d.MediaStreams) != want || want == 0 {
				t.Errorf("%s: %d streams in the source, %d at the top, %d stored", f.Name, len(d.MediaSources[0].MediaStreams), len(d.MediaStreams), want)
			}
			chapters := e.count(`SELECT COUNT(*) FROM "Chapters" WHERE "ItemId" = ?`, database.GUID(media.MustParseID(f.ID)))
			if len(d.Chapters) != chapters {
				t.Errorf("%s: %d chapters, %d stored", f.Name, len(d.Chapters), chapters)
			}
			for i := 1; i < len(d.Chapters); i++ {
				if d.Chapters[i].StartPositionTicks < d.Chapters[i-1].StartPositionTicks {
					t.Errorf("%s: chapters out of order", f.Name)
				}
			}
			if chapters > 0 {
				withChapters++
			}
			if d.VideoType != "VideoFile" || d.PlayAccess != "Full" {
				t.Errorf("%s: VideoType %q PlayAccess %q", f.Name, d.VideoType, d.PlayAccess)
			}
		}
		if withChapters == 0 {
			t.Error("no film of the generated library has chapters to check")
		}
		var lib struct{ MediaSources []any }
		e.expect(req{"GET", "/Items/" + e.movies.String(), nil, as(e.admin)}, 200, &lib)
		if lib.MediaSources != nil {
			t.Errorf("a library has media sources: %v", lib.MediaSources)
		}
	})
}
