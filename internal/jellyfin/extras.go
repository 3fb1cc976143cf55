package jellyfin

import (
	"net/http"
	"os"
	"slices"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// The item detail page's extras and the smaller browse endpoints around
// it (jellyfin-api.md §3.5 to §3.8). jellyha keeps no special features,
// trailers, theme media, intros, multi-part files or media segments: those
// answer with empty lists, in the shapes clients decode, once the item is
// found (404 when the caller may not see it).

// noItems answers with an empty QueryResult of items.
func noItems(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, &QueryResult[*BaseItemDto]{Items: []*BaseItemDto{}})
}

// getNoExtras is /Items/{itemId}/SpecialFeatures, /LocalTrailers and
// their legacy twins: a bare array, empty.
func (rt *Router) getNoExtras(w http.ResponseWriter, r *http.Request, p *principal) error {
	if _, _, err := rt.pathItem(r, p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, []*BaseItemDto{})
	return nil
}

// getNoItems is /Items/{itemId}/Intros, /Videos/{itemId}/AdditionalParts
// and /MediaSegments/{itemId}: an empty QueryResult.
func (rt *Router) getNoItems(w http.ResponseWriter, r *http.Request, p *principal) error {
	if _, _, err := rt.pathItem(r, p); err != nil {
		return err
	}
	noItems(w)
	return nil
}

// ThemeMediaResult is Jellyfin's ThemeMediaResult.
type ThemeMediaResult struct {
	Items            []*BaseItemDto
	TotalRecordCount int
	StartIndex       int
	OwnerId          string //nolint:revive // Jellyfin's name
}

// AllThemeMediaResult is Jellyfin's AllThemeMediaResult.
type AllThemeMediaResult struct {
	ThemeVideosResult, ThemeSongsResult, SoundtrackSongsResult ThemeMediaResult
}

// getThemeMedia is /Items/{itemId}/ThemeMedia: no theme songs or videos.
func (rt *Router) getThemeMedia(w http.ResponseWriter, r *http.Request, p *principal) error {
	_, it, err := rt.pathItem(r, p)
	if err != nil {
		return err
	}
	none := ThemeMediaResult{Items: []*BaseItemDto{}, OwnerId: it.ID.String()}
	writeJSON(w, http.StatusOK, AllThemeMediaResult{ThemeVideosResult: none, ThemeSongsResult: none, SoundtrackSongsResult: none})
	return nil
}

// getThemeList is /Items/{itemId}/ThemeSongs and /ThemeVideos.
func (rt *Router) getThemeList(w http.ResponseWriter, r *http.Request, p *principal) error {
	_, it, err := rt.pathItem(r, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ThemeMediaResult{Items: []*BaseItemDto{}, OwnerId: it.ID.String()})
	return nil
}

// getSimilar is /Items/{itemId}/Similar: items of the same kind that share
// a genre with it, the best rated first (Jellyfin scores shared genres,
// tags and people; genres alone keep it to one indexed statement).
func (rt *Router) getSimilar(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	v, it, err := rt.pathItem(r, p)
	if err != nil {
		return err
	}
	credits, err := rt.store.ItemsCredits(ctx, []media.ID{it.ID}, store.CreditKinds{Genres: true})
	if err != nil {
		return err
	}
	genres := credits[it.ID].Genres
	if len(genres) == 0 {
		noItems(w)
		return nil
	}
	q := v.query()
	q.Recursive = true
	q.Types = []string{it.Type}
	for _, g := range genres {
		q.Genres = append(q.Genres, g.Value)
	}
	q.ExcludeIDs = []media.ID{it.ID}
	if q.Limit, _, err = queryInt(r, "Limit"); err != nil {
		return err
	}
	if q.Limit == 0 {
		q.Limit = 12
	}
	q.Sort = []store.ItemSort{{By: "CommunityRating", Descending: true}, {By: "SortName"}}
	q.SkipTotal = true
	return rt.writeQuery(w, r, v, p, q)
}

// getAncestors is /Items/{itemId}/Ancestors: the item's parents, nearest
// first, up to its library. A physical folder of Jellyfin's layout stands
// for its library, as Jellyfin translates it; the roots above the
// libraries are left out.
func (rt *Router) getAncestors(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	v, it, err := rt.pathItem(r, p)
	if err != nil {
		return err
	}
	full, err := rt.store.Item(ctx, it.ID)
	if err != nil {
		return err
	}
	libOf := map[media.ID]media.ID{}
	for _, l := range v.libs {
		libOf[l] = l
		for _, f := range v.phys[l] {
			libOf[f] = l
		}
	}
	var ids []media.ID
	for _, a := range full.AncestorIDs {
		if l, ok := libOf[a]; ok {
			a = l
		}
		if !slices.Contains(ids, a) {
			ids = append(ids, a)
		}
	}
	o, err := dtoOpts(r, v, p)
	if err != nil {
		return err
	}
	// Only what the caller may see: the roots, and any folder outside
	// their libraries, drop out here.
	rows, err := rt.rowsInOrder(ctx, v, ids, o)
	if err != nil {
		return err
	}
	dtos, err := rt.dtos(ctx, rows, o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dtos)
	return nil
}

// getSuggestions is /Items/Suggestions and /Users/{userId}/Suggestions:
// none (jellyfin-api.md: "empty is fine").
func (rt *Router) getSuggestions(w http.ResponseWriter, r *http.Request, p *principal) error {
	if _, err := rt.viewerOf(r, p); err != nil {
		return err
	}
	noItems(w)
	return nil
}

// getRecommendations is /Movies/Recommendations: a bare array, empty.
func (rt *Router) getRecommendations(w http.ResponseWriter, r *http.Request, p *principal) error {
	if _, err := rt.viewerOf(r, p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, []struct{}{})
	return nil
}

// ItemCounts is Jellyfin's ItemCounts.
type ItemCounts struct {
	MovieCount, SeriesCount, EpisodeCount, ArtistCount, ProgramCount, TrailerCount,
	SongCount, AlbumCount, MusicVideoCount, BoxSetCount, BookCount, ItemCount int
}

// getItemCounts is /Items/Counts: how many items of each kind the user
// may see (IsFavorite: only their favourites).
func (rt *Router) getItemCounts(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	q := v.query()
	q.Recursive = true
	q.IsFavorite = queryBool(r, "IsFavorite")
	n, err := rt.store.CountTypes(r.Context(), q)
	if err != nil {
		return err
	}
	c := ItemCounts{
		MovieCount: n[media.ItemTypeMovie], SeriesCount: n[media.ItemTypeSeries], EpisodeCount: n[media.ItemTypeEpisode],
		ArtistCount: n[media.ItemTypeMusicArtist], TrailerCount: n[media.ItemTypeTrailer], SongCount: n[media.ItemTypeAudio],
		AlbumCount: n[media.ItemTypeMusicAlbum], MusicVideoCount: n[media.ItemTypeMusicVideo], BoxSetCount: n[media.ItemTypeBoxSet],
		BookCount: n[media.ItemTypeBook] + n[media.ItemTypeAudioBook],
	}
	// ItemCount is Jellyfin's count of playable items (not folders).
	c.ItemCount = c.MovieCount + c.EpisodeCount + c.SongCount + c.MusicVideoCount + c.TrailerCount + c.BookCount
	writeJSON(w, http.StatusOK, c)
	return nil
}

// getRootFolder is /Items/Root and /Users/{userId}/Items/Root: the user's
// root folder ("Media Folders"), whose children are their libraries
// (/Items?ParentId=<it> lists them).
func (rt *Router) getRootFolder(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	root, err := rt.store.UserRootFolder(r.Context())
	if err != nil {
		return err
	}
	o, err := allDtoOpts(r, v, p)
	if err != nil {
		return err
	}
	dto := rt.itemDto(root, o)
	n := len(v.libs)
	dto.ChildCount = &n
	writeJSON(w, http.StatusOK, dto)
	return nil
}

// getMediaFolders is /Library/MediaFolders (administrators): every library.
func (rt *Router) getMediaFolders(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, err := rt.viewerFor(r.Context(), nil)
	if err != nil {
		return err
	}
	return rt.writeLibraries(w, r, v, p, nil)
}

// ImageInfo is Jellyfin's ImageInfo, one of /Items/{itemId}/Images.
type ImageInfo struct {
	ImageType  string
	ImageIndex *int `json:",omitempty"`
	ImageTag   string
	Path       string `json:",omitempty"`
	BlurHash   string `json:",omitempty"`
	Height     *int   `json:",omitempty"`
	Width      *int   `json:",omitempty"`
	Size       int64
}

// getImageInfos is /Items/{itemId}/Images: the item's images, each with
// its index among those of its type (Jellyfin sends none for the first
// Primary and such single images; every backdrop has one).
func (rt *Router) getImageInfos(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, it, err := rt.pathItem(r, p)
	if err != nil {
		return err
	}
	images, err := rt.store.ItemImages(r.Context(), it.ID)
	if err != nil {
		return err
	}
	seen := map[int]int{}
	out := make([]ImageInfo, 0, len(images))
	for i := range images {
		im := &images[i]
		info := ImageInfo{ImageType: imageTypeName(im.ImageType), ImageTag: imageTag(im), BlurHash: im.Blurhash}
		if idx := seen[im.ImageType]; idx > 0 || im.ImageType == media.ImageBackdrop {
			info.ImageIndex = &idx
		}
		seen[im.ImageType]++
		if im.Width > 0 && im.Height > 0 {
			info.Width, info.Height = &im.Width, &im.Height
		}
		if v.user == nil || v.user.IsAdministrator {
			// Paths are the server's; only an administrator sees them,
			// as the Path field of a DTO.
			info.Path = im.Path
		}
		if st, err := os.Stat(im.Path); err == nil {
			info.Size = st.Size()
		}
		out = append(out, info)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// setRating is POST /UserItems/{itemId}/Rating?likes=: the user's thumbs
// up (true) or down (false).
func (rt *Router) setRating(w http.ResponseWriter, r *http.Request, p *principal) error {
	likes := queryBool(r, "Likes")
	if likes == nil {
		return media.Errorf(media.EINVALID, "likes must be true or false")
	}
	b := *likes
	return rt.changeUserData(w, r, p, false, func(d *media.UserData) { d.Likes = &b })
}

// clearRating is DELETE /UserItems/{itemId}/Rating.
func (rt *Router) clearRating(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.changeUserData(w, r, p, false, func(d *media.UserData) { d.Likes = nil })
}
