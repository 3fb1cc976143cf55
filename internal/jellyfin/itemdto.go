package jellyfin

import (
	"crypto/md5" //nolint:gosec // image tags are cache keys, not secrets
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// BaseItemDto is Jellyfin's item as clients see it. Members that are null
// are left out; lists clients iterate without checking (ImageTags,
// BackdropImageTags, Genres) are always sent.
type BaseItemDto struct {
	Name                    string
	OriginalTitle           string `json:",omitempty"`
	ServerID                string `json:"ServerId"`
	ID                      string `json:"Id"`
	DateCreated             *Time  `json:",omitempty"`
	SortName                string `json:",omitempty"`
	PremiereDate            *Time  `json:",omitempty"`
	Path                    string `json:",omitempty"`
	OfficialRating          string `json:",omitempty"`
	Overview                string `json:",omitempty"`
	Genres                  []string
	GenreItems              []NameGuidPair    `json:",omitempty"`
	CommunityRating         *float32          `json:",omitempty"`
	CriticRating            *float32          `json:",omitempty"`
	RunTimeTicks            *int64            `json:",omitempty"`
	ProductionYear          *int              `json:",omitempty"`
	IndexNumber             *int              `json:",omitempty"`
	ParentIndexNumber       *int              `json:",omitempty"`
	IsFolder                bool              `json:"IsFolder"`
	ParentID                string            `json:"ParentId,omitempty"`
	Type                    string            `json:"Type"`
	People                  []BaseItemPerson  `json:",omitempty"`
	Studios                 []NameGuidPair    `json:",omitempty"`
	ProviderIDs             map[string]string `json:"ProviderIds"`
	SeriesName              string            `json:",omitempty"`
	SeriesID                string            `json:"SeriesId,omitempty"`
	SeasonID                string            `json:"SeasonId,omitempty"`
	SeasonName              string            `json:",omitempty"`
	Album                   string            `json:",omitempty"`
	AlbumArtist             string            `json:",omitempty"`
	Artists                 []string          `json:",omitempty"`
	UserData                *UserItemDataDto  `json:",omitempty"`
	ChildCount              *int              `json:",omitempty"`
	PrimaryImageAspectRatio *float64          `json:",omitempty"`
	ImageTags               map[string]string
	BackdropImageTags       []string
	ImageBlurHashes         map[string]map[string]string
	LocationType            string
	MediaType               string
	CollectionType          string `json:",omitempty"`
	// The file's media (itemmedia.go): with the detail, or when Fields
	// asks for them.
	VideoType    string             `json:",omitempty"`
	MediaSources []*MediaSourceInfo `json:",omitempty"`
	MediaStreams []MediaStreamDto   `json:",omitempty"`
	Chapters     []ChapterInfo      `json:",omitempty"`
	PlayAccess   string             `json:",omitempty"`
}

// NameGuidPair names a genre or studio.
type NameGuidPair struct {
	Name string
	ID   string `json:"Id,omitempty"`
}

// BaseItemPerson is a credit on an item.
type BaseItemPerson struct {
	Name string
	ID   string `json:"Id"`
	Role string `json:",omitempty"`
	Type string
}

// UserItemDataDto is a user's play state of an item.
type UserItemDataDto struct {
	Rating                *float64 `json:",omitempty"`
	PlayedPercentage      *float64 `json:",omitempty"`
	UnplayedItemCount     *int     `json:",omitempty"`
	PlaybackPositionTicks int64
	PlayCount             int
	IsFavorite            bool
	Likes                 *bool `json:",omitempty"`
	LastPlayedDate        *Time `json:",omitempty"`
	Played                bool
	Key                   string
	ItemID                string `json:"ItemId"`
}

// imageTypeNames are Jellyfin's ImageType names by stored value.
var imageTypeNames = []string{"Primary", "Art", "Backdrop", "Banner", "Logo", "Thumb", "Disc", "Box", "Screenshot", "Menu", "Chapter", "BoxRear", "Profile"}

func imageTypeName(t int) string {
	if t >= 0 && t < len(imageTypeNames) {
		return imageTypeNames[t]
	}
	return "Primary"
}

func imageTypeOf(name string) (int, bool) {
	for i, n := range imageTypeNames {
		if strings.EqualFold(n, name) {
			return i, true
		}
	}
	return 0, false
}

// imageTag is the tag clients cache an image by: a hash of its path and
// modification date, so that it changes when the image does and is the
// same on every replica.
func imageTag(im *media.ItemImage) string {
	s := im.Path
	if im.DateModified != nil {
		s += "|" + strconv.FormatInt(im.DateModified.UnixNano()/100, 10)
	}
	sum := md5.Sum([]byte(s)) //nolint:gosec // see the import
	return hex.EncodeToString(sum[:])
}

// idString is an id as clients read it; Guid.Empty is left out.
func idString(id media.ID) string {
	if id.IsZero() {
		return ""
	}
	return id.String()
}

// userDataKey is the key Jellyfin files a new play state of an item
// under: a film's IMDb or TMDb id when it has one, else the item id.
func userDataKey(r *store.ItemRow) string {
	if r.Type == media.ItemTypeMovie {
		for _, p := range []string{"Imdb", "Tmdb"} {
			if v := r.Providers[p]; v != "" {
				return v
			}
		}
	}
	return r.ID.Hyphenated()
}

// userDataDto is the caller's play state of r, a zero one when they have
// none.
func userDataDto(r *store.ItemRow) *UserItemDataDto {
	d := r.UserData
	if d == nil {
		d = &media.UserData{Key: userDataKey(r)}
	}
	dto := &UserItemDataDto{
		Rating: d.Rating, PlaybackPositionTicks: d.PlaybackPositionTicks, PlayCount: d.PlayCount, IsFavorite: d.IsFavorite,
		Likes: d.Likes, LastPlayedDate: timePtr(d.LastPlayedDate), Played: d.Played, Key: d.Key, ItemID: r.ID.String(),
	}
	if d.PlaybackPositionTicks > 0 && r.RunTimeTicks != nil && *r.RunTimeTicks > 0 {
		pct := float64(d.PlaybackPositionTicks) / float64(*r.RunTimeTicks) * 100
		dto.PlayedPercentage = &pct
	}
	if r.Episodes != nil && r.PlayedEpisodes != nil && *r.Episodes > 0 {
		// A series or season: played when every episode is.
		unplayed := *r.Episodes - *r.PlayedEpisodes
		dto.UnplayedItemCount = &unplayed
		dto.Played = unplayed == 0
		if *r.PlayedEpisodes > 0 && unplayed > 0 {
			pct := float64(*r.PlayedEpisodes) / float64(*r.Episodes) * 100
			dto.PlayedPercentage = &pct
		}
	}
	return dto
}

// collectionType reads a library's type from the item JSON Jellyfin keeps
// for collection folders.
func collectionType(data string) string {
	if data == "" {
		return ""
	}
	var v struct{ CollectionType string }
	if json.Unmarshal([]byte(data), &v) != nil {
		return ""
	}
	return v.CollectionType
}

// dtoOptions say what to put in DTOs.
type dtoOptions struct {
	userData bool
	images   bool
}

func (rt *Router) itemDto(r *store.ItemRow, o dtoOptions) *BaseItemDto {
	mediaType := r.MediaType
	if mediaType == "" {
		mediaType = "Unknown"
	}
	location := "FileSystem"
	if r.IsVirtualItem {
		location = "Virtual"
	}
	dto := &BaseItemDto{
		Name: r.Name, OriginalTitle: r.OriginalTitle, ServerID: rt.serverID.String(), ID: r.ID.String(),
		DateCreated: timePtr(r.DateCreated), SortName: r.SortName, PremiereDate: timePtr(r.PremiereDate), Path: r.Path,
		OfficialRating: r.OfficialRating, Overview: r.Overview, Genres: r.Genres,
		CommunityRating: r.CommunityRating, CriticRating: r.CriticRating, RunTimeTicks: r.RunTimeTicks, ProductionYear: r.ProductionYear,
		IndexNumber: r.IndexNumber, ParentIndexNumber: r.ParentIndexNumber, IsFolder: r.IsFolder, ParentID: idString(r.ParentID),
		Type: media.ItemKind(r.Type), ProviderIDs: r.Providers, SeriesName: r.SeriesName, SeriesID: idString(r.SeriesID),
		SeasonID: idString(r.SeasonID), SeasonName: r.SeasonName, Album: r.Album, Artists: r.Artists,
		ChildCount: r.ChildCount, ImageTags: map[string]string{}, BackdropImageTags: []string{},
		ImageBlurHashes: map[string]map[string]string{}, LocationType: location, MediaType: mediaType,
	}
	if dto.Genres == nil {
		dto.Genres = []string{}
	}
	if dto.ProviderIDs == nil {
		dto.ProviderIDs = map[string]string{}
	}
	if len(r.AlbumArtists) > 0 {
		dto.AlbumArtist = r.AlbumArtists[0]
	}
	if r.Type == media.ItemTypeCollectionFolder {
		dto.CollectionType = collectionType(r.Data)
	}
	if o.userData {
		dto.UserData = userDataDto(r)
	}
	if o.images {
		for i := range r.Images {
			im := &r.Images[i]
			name := imageTypeName(im.ImageType)
			tag := imageTag(im)
			if im.ImageType == media.ImageBackdrop {
				dto.BackdropImageTags = append(dto.BackdropImageTags, tag)
			} else if _, dup := dto.ImageTags[name]; !dup {
				dto.ImageTags[name] = tag
				if im.ImageType == media.ImagePrimary && im.Width > 0 && im.Height > 0 {
					ratio := float64(im.Width) / float64(im.Height)
					dto.PrimaryImageAspectRatio = &ratio
				}
			} else {
				continue
			}
			if im.Blurhash != "" {
				if dto.ImageBlurHashes[name] == nil {
					dto.ImageBlurHashes[name] = map[string]string{}
				}
				dto.ImageBlurHashes[name][tag] = im.Blurhash
			}
		}
	}
	return dto
}
