package jellyfin

import (
	"crypto/md5" //nolint:gosec // image tags are cache keys, not secrets
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// BaseItemDto is Jellyfin's item as clients see it. Members that are null
// are left out; lists and maps (ImageTags, Genres, ProviderIds...) are
// left out when not asked for (omitzero: nil) and sent, empty or not,
// when they are.
type BaseItemDto struct {
	Name                    string
	OriginalTitle           string            `json:",omitempty"`
	ServerID                string            `json:"ServerId"`
	ID                      string            `json:"Id"`
	DateCreated             *Time             `json:",omitempty"`
	SortName                string            `json:",omitempty"`
	PremiereDate            *Time             `json:",omitempty"`
	Path                    string            `json:",omitempty"`
	OfficialRating          string            `json:",omitempty"`
	Overview                string            `json:",omitempty"`
	Genres                  []string          `json:",omitzero"`
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
	ProviderIDs             map[string]string `json:"ProviderIds,omitzero"`
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
	ImageTags               map[string]string `json:",omitzero"`
	BackdropImageTags       []string          `json:",omitzero"`
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
	// CanDownload tells clients to offer a download (web's menu, the
	// apps' offline copies): a video or song file, for a user allowed to.
	CanDownload *bool `json:",omitempty"`
	// HasLyrics: a song with a lyric file, sent with its media members.
	HasLyrics *bool `json:",omitempty"`
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

// userDataKey is the key a new play state of an item is filed under: a
// film's IMDb or TMDb id when it has one, else the item id. It needs the
// row's provider ids.
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
		// No play state: Jellyfin shows the last of the item's keys,
		// which is always its id, so a list need not read provider ids.
		d = &media.UserData{Key: r.ID.Hyphenated()}
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
	if json.Unmarshal([]byte(data), &v) != nil || v.CollectionType == "mixed" {
		// Earlier jellyha versions wrote "mixed", which is no value of
		// the CollectionType enum.
		return ""
	}
	return v.CollectionType
}

// dtoOptions say what to put in DTOs.
type dtoOptions struct {
	// user is whose play state and stream preferences apply; NilID for
	// none.
	user     media.ID
	userData bool
	// download: the caller may download files (EnableContentDownloading,
	// or an API key).
	download bool
	images   bool
	// imageTypes (a bit per stored image type; zero for all) and
	// imagesPerType (zero for no limit) are a client's EnableImageTypes
	// and ImageTypeLimit: the web client asks for one image of four
	// types.
	imageTypes    uint32
	imagesPerType int
	// fields are the optional members to fill: what the client asked for
	// in Fields on a list, every one on an item's detail and the user's
	// views, as Jellyfin answers.
	fields itemField
}

// itemField is one of Jellyfin's ItemFields that jellyha fills: a
// member of BaseItemDto sent only when asked for. The rest (Name, dates,
// ratings, numbers, series and album, images, play state) is always sent.
type itemField uint32

const (
	fieldChapters itemField = 1 << iota
	fieldChildCount
	fieldDateCreated
	fieldGenres
	fieldMediaSources
	fieldMediaStreams
	fieldOriginalTitle
	fieldOverview
	fieldParentID
	fieldPath
	fieldPeople
	fieldPlayAccess
	fieldPrimaryImageAspectRatio
	fieldProviderIDs
	fieldSortName
	fieldStudios
	fieldCanDownload

	allFields = ^itemField(0)
)

// itemFieldNames are the Fields values jellyha knows, lower-cased; others
// are ignored, as Jellyfin ignores those it cannot parse.
var itemFieldNames = map[string]itemField{
	"chapters": fieldChapters, "childcount": fieldChildCount, "datecreated": fieldDateCreated, "genres": fieldGenres,
	"mediasources": fieldMediaSources, "mediastreams": fieldMediaStreams, "originaltitle": fieldOriginalTitle,
	"overview": fieldOverview, "parentid": fieldParentID, "path": fieldPath, "people": fieldPeople,
	"playaccess": fieldPlayAccess, "primaryimageaspectratio": fieldPrimaryImageAspectRatio,
	"providerids": fieldProviderIDs, "sortname": fieldSortName, "studios": fieldStudios, "candownload": fieldCanDownload,
}

// noImageType is an imageTypes bit that no stored image type has.
const noImageType = 1 << 31

func (o dtoOptions) has(f itemField) bool { return o.fields&f != 0 }

// imageLimit is how many images of stored type t a DTO carries (Jellyfin's
// DtoOptions.GetImageLimit): none without EnableImages or when the type is
// not enabled.
func (o dtoOptions) imageLimit(t int) int {
	if !o.images || (o.imageTypes != 0 && o.imageTypes&(1<<t) == 0) {
		return 0
	}
	if o.imagesPerType > 0 {
		return o.imagesPerType
	}
	return math.MaxInt
}

// withMedia reports whether DTOs carry the file's media (MediaSources,
// MediaStreams, Chapters): three more statements for the list
// (store.ItemsMedia).
func (o dtoOptions) withMedia() bool {
	return o.has(fieldMediaSources | fieldMediaStreams | fieldChapters)
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
		Name: r.Name, ServerID: rt.serverID.String(), ID: r.ID.String(),
		PremiereDate: timePtr(r.PremiereDate), OfficialRating: r.OfficialRating,
		CommunityRating: r.CommunityRating, CriticRating: r.CriticRating, RunTimeTicks: r.RunTimeTicks, ProductionYear: r.ProductionYear,
		IndexNumber: r.IndexNumber, ParentIndexNumber: r.ParentIndexNumber, IsFolder: r.IsFolder,
		Type: media.ItemKind(r.Type), SeriesName: r.SeriesName, SeriesID: idString(r.SeriesID),
		SeasonID: idString(r.SeasonID), SeasonName: r.SeasonName, Album: r.Album, Artists: r.Artists,
		ImageBlurHashes: map[string]map[string]string{}, LocationType: location, MediaType: mediaType,
	}
	if o.has(fieldOriginalTitle) {
		dto.OriginalTitle = r.OriginalTitle
	}
	if o.has(fieldDateCreated) {
		dto.DateCreated = timePtr(r.DateCreated)
	}
	if o.has(fieldSortName) {
		dto.SortName = r.SortName
	}
	if o.has(fieldPath) {
		dto.Path = r.Path
	}
	if o.has(fieldOverview) {
		dto.Overview = r.Overview
	}
	if o.has(fieldGenres) {
		dto.Genres = r.Genres
		if dto.Genres == nil {
			dto.Genres = []string{}
		}
	}
	if o.has(fieldParentID) {
		dto.ParentID = idString(r.ParentID)
	}
	if o.has(fieldProviderIDs) {
		dto.ProviderIDs = r.Providers
		if dto.ProviderIDs == nil {
			dto.ProviderIDs = map[string]string{}
		}
	}
	// A music album's or season's count is always sent (Jellyfin fills
	// it from the item's children whatever was asked); other folders'
	// only with ChildCount.
	if o.has(fieldChildCount) || r.Type == media.ItemTypeMusicAlbum || r.Type == media.ItemTypeSeason || r.Type == media.ItemTypePlaylist {
		dto.ChildCount = r.ChildCount
	}
	if o.has(fieldPlayAccess) && o.userData {
		dto.PlayAccess = "Full"
	}
	if o.has(fieldCanDownload) {
		can := o.download && hasMedia(r) && (r.MediaType == "Video" || r.MediaType == "Audio")
		dto.CanDownload = &can
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
	if o.has(fieldPrimaryImageAspectRatio) {
		for i := range r.Images {
			if im := &r.Images[i]; im.ImageType == media.ImagePrimary {
				if im.Width > 0 && im.Height > 0 {
					ratio := float64(im.Width) / float64(im.Height)
					dto.PrimaryImageAspectRatio = &ratio
				}
				break
			}
		}
	}
	if o.images {
		dto.ImageTags = map[string]string{}
		if o.imageLimit(media.ImageBackdrop) > 0 {
			dto.BackdropImageTags = []string{}
		}
		for i := range r.Images {
			im := &r.Images[i]
			limit := o.imageLimit(im.ImageType)
			if limit == 0 {
				continue
			}
			name := imageTypeName(im.ImageType)
			tag := imageTag(im)
			if im.ImageType == media.ImageBackdrop {
				if len(dto.BackdropImageTags) >= limit {
					continue
				}
				dto.BackdropImageTags = append(dto.BackdropImageTags, tag)
			} else if _, dup := dto.ImageTags[name]; !dup {
				dto.ImageTags[name] = tag
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
