package media

import (
	"strings"
	"time"
)

// Item is a library item: a row of Jellyfin's BaseItems table. Type is the
// .NET type name Jellyfin stores (see the ItemType constants).
type Item struct {
	ID            ID
	Type          string
	Name          string
	ParentID      ID // NilID for a root
	TopParentID   ID // the library (collection folder) the item belongs to
	Path          string
	IsFolder      bool
	IsVirtualItem bool
	MediaType     string
	SortName      string
	CleanName     string
	Overview      string

	PresentationUniqueKey       string
	SeriesPresentationUniqueKey string
	SeriesID                    ID
	SeriesName                  string
	SeasonID                    ID
	SeasonName                  string
	Album                       string
	Artists                     []string
	AlbumArtists                []string
	Genres                      []string

	IndexNumber       *int
	ParentIndexNumber *int
	ProductionYear    *int
	RunTimeTicks      *int64
	Size              *int64
	Width, Height     *int
	CommunityRating   *float32

	DateCreated   *time.Time
	DateModified  *time.Time
	PremiereDate  *time.Time
	DateLastSaved *time.Time

	// AncestorIDs are every folder above the item, nearest first; they are
	// stored in the AncestorIds table, which Jellyfin's queries join on.
	AncestorIDs []ID
}

// The .NET type names Jellyfin writes to BaseItems.Type.
const (
	ItemTypeAggregateFolder  = "MediaBrowser.Controller.Entities.AggregateFolder"
	ItemTypeUserRootFolder   = "MediaBrowser.Controller.Entities.UserRootFolder"
	ItemTypeCollectionFolder = "MediaBrowser.Controller.Entities.CollectionFolder"
	ItemTypeFolder           = "MediaBrowser.Controller.Entities.Folder"
	ItemTypeMovie            = "MediaBrowser.Controller.Entities.Movies.Movie"
	ItemTypeSeries           = "MediaBrowser.Controller.Entities.TV.Series"
	ItemTypeSeason           = "MediaBrowser.Controller.Entities.TV.Season"
	ItemTypeEpisode          = "MediaBrowser.Controller.Entities.TV.Episode"
	ItemTypeMusicAlbum       = "MediaBrowser.Controller.Entities.Audio.MusicAlbum"
	ItemTypeMusicArtist      = "MediaBrowser.Controller.Entities.Audio.MusicArtist"
	ItemTypeAudio            = "MediaBrowser.Controller.Entities.Audio.Audio"
	ItemTypePerson           = "MediaBrowser.Controller.Entities.Person"
	ItemTypeGenre            = "MediaBrowser.Controller.Entities.Genre"
	ItemTypePlaceholder      = "PLACEHOLDER"
)

// UserData is a user's play state for an item (Jellyfin's UserData table).
// Jellyfin keys it by item, user and a "custom data key" derived from the
// item (a provider id, or the item id), so that history survives a rescan.
type UserData struct {
	ItemID                ID
	UserID                ID
	Key                   string
	Played                bool
	PlayCount             int
	IsFavorite            bool
	PlaybackPositionTicks int64
	LastPlayedDate        *time.Time
	Likes                 *bool
	Rating                *float64
	AudioStreamIndex      *int
	SubtitleStreamIndex   *int
	RetentionDate         *time.Time
}

// More .NET type names, for the item kinds clients filter on.
const (
	ItemTypeBoxSet     = "MediaBrowser.Controller.Entities.Movies.BoxSet"
	ItemTypePlaylist   = "MediaBrowser.Controller.Playlists.Playlist"
	ItemTypeMusicVideo = "MediaBrowser.Controller.Entities.MusicVideo"
	ItemTypeVideo      = "MediaBrowser.Controller.Entities.Video"
	ItemTypeTrailer    = "MediaBrowser.Controller.Entities.Trailer"
	ItemTypeBook       = "MediaBrowser.Controller.Entities.Book"
	ItemTypeAudioBook  = "MediaBrowser.Controller.Entities.AudioBook"
	ItemTypePhoto      = "MediaBrowser.Controller.Entities.Photo"
	ItemTypePhotoAlbum = "MediaBrowser.Controller.Entities.PhotoAlbum"
	ItemTypeMusicGenre = "MediaBrowser.Controller.Entities.Audio.MusicGenre"
	ItemTypeStudio     = "MediaBrowser.Controller.Entities.Studio"
	ItemTypeYear       = "MediaBrowser.Controller.Entities.Year"
	ItemTypeUserView   = "MediaBrowser.Controller.Entities.UserView"
)

var kindTypes = func() map[string]string {
	m := map[string]string{}
	for _, t := range []string{ItemTypeAggregateFolder, ItemTypeUserRootFolder, ItemTypeCollectionFolder, ItemTypeFolder,
		ItemTypeMovie, ItemTypeSeries, ItemTypeSeason, ItemTypeEpisode, ItemTypeMusicAlbum, ItemTypeMusicArtist, ItemTypeAudio,
		ItemTypePerson, ItemTypeGenre, ItemTypeBoxSet, ItemTypePlaylist, ItemTypeMusicVideo, ItemTypeVideo, ItemTypeTrailer,
		ItemTypeBook, ItemTypeAudioBook, ItemTypePhoto, ItemTypePhotoAlbum, ItemTypeMusicGenre, ItemTypeStudio, ItemTypeYear,
		ItemTypeUserView} {
		m[ItemKind(t)] = t
	}
	return m
}()

// leafTypes are the stored types that are never folders: files a user
// plays or views.
var leafTypes = map[string]bool{
	ItemTypeMovie: true, ItemTypeEpisode: true, ItemTypeAudio: true, ItemTypeMusicVideo: true, ItemTypeVideo: true,
	ItemTypeTrailer: true, ItemTypeBook: true, ItemTypeAudioBook: true, ItemTypePhoto: true,
}

// IsLeafType reports whether items of stored type typ are never folders.
func IsLeafType(typ string) bool { return leafTypes[typ] }

// ItemKind returns the BaseItemKind clients see for a stored type name:
// the .NET class name without its namespace (Movie, Series, Episode...).
func ItemKind(typ string) string {
	for i := len(typ) - 1; i >= 0; i-- {
		if typ[i] == '.' {
			return typ[i+1:]
		}
	}
	return typ
}

// ItemTypeOf returns the stored type name of a BaseItemKind, in any case;
// ok is false for a kind jellyha does not know.
func ItemTypeOf(kind string) (typ string, ok bool) {
	for k, t := range kindTypes {
		if strings.EqualFold(k, kind) {
			return t, true
		}
	}
	return "", false
}
