package media

import (
	"crypto/md5" //nolint:gosec // Jellyfin's cache tags are MD5 sums
	"encoding/hex"
	"strconv"
	"time"
)

// This file holds rows of Jellyfin's library and per-user tables that the
// bulk writers (store.BulkInsert*) take: everything a scanned library and its
// users leave in jellyfin.db besides what Item, User, Device, APIKey and
// UserData already model. Field names follow Jellyfin's columns; a string
// left "" and a nil pointer are stored as NULL unless a field says otherwise.

// LibraryItem is an Item with the BaseItems columns that Item leaves out, as
// a library scan fills them.
type LibraryItem struct {
	Item

	Studios             []string // pipe-delimited; '' when empty
	Tags                []string // pipe-delimited; '' when empty
	ProductionLocations []string // pipe-delimited; NULL when empty
	// ExtraIDs are the item's extras (trailers, featurettes), stored as
	// lowercase hyphenated GUIDs joined by pipes; '' when none.
	ExtraIDs  []ID
	ExtraType *int // BaseItemExtraType, for an extra
	// OwnerID is the item an extra belongs to; Guid.Empty otherwise
	// (stored as lowercase hyphenated text, as Jellyfin does).
	OwnerID ID

	OriginalTitle                   string
	ForcedSortName                  string
	Tagline                         string
	OfficialRating                  string
	CustomRating                    string
	UnratedType                     string // UnratedItem name, e.g. "Movie"
	CriticRating                    *float32
	InheritedParentalRatingValue    *int
	InheritedParentalRatingSubValue *int
	PreferredMetadataLanguage       string
	PreferredMetadataCountryCode    string
	Audio                           *int // ProgramAudio enum
	TotalBitrate                    *int
	LUFS                            *float32
	NormalizationGain               *float32
	IsLocked                        bool
	IsInMixedFolder                 bool
	DateLastRefreshed               *time.Time
	DateLastMediaAdded              *time.Time
	// Data is the JSON serialisation Jellyfin keeps for some item types.
	Data string
}

// MediaStreamType is Jellyfin's MediaStreamTypeEntity.
type MediaStreamType int

// Jellyfin's media stream types, in enum order.
const (
	StreamAudio MediaStreamType = iota
	StreamVideo
	StreamSubtitle
	StreamEmbeddedImage
	StreamData
	StreamLyric
)

// MediaStream is one stream of a media file (the MediaStreamInfos table,
// all 47 columns).
type MediaStream struct {
	ItemID      ID
	StreamIndex int
	StreamType  MediaStreamType

	Codec, CodecTag, CodecTimeBase, TimeBase, Profile string
	Language, Title, Comment, Path                    string
	AspectRatio, PixelFormat, ChannelLayout           string
	ColorPrimaries, ColorSpace, ColorTransfer         string
	KeyFrames, NalLengthSize                          string

	AverageFrameRate, RealFrameRate, Level *float32

	BitDepth, BitRate, Channels, SampleRate *int
	Width, Height, RefFrames, Rotation      *int

	// Dolby Vision configuration; nil on other streams.
	DvVersionMajor, DvVersionMinor, DvProfile, DvLevel *int
	RpuPresentFlag, ElPresentFlag, BlPresentFlag       *int
	DvBlSignalCompatibilityID                          *int

	IsDefault, IsExternal, IsForced bool

	IsAnamorphic, IsAvc, IsHearingImpaired, IsInterlaced, Hdr10PlusPresentFlag *bool
}

// Chapter is a chapter marker of a video (the Chapters table).
type Chapter struct {
	ItemID             ID
	ChapterIndex       int
	StartPositionTicks int64
	Name               string
	ImagePath          string
	// ImageDateModified is DateTime.MinValue shifted by the server's zone
	// (e.g. 0001-01-01 05:51:00) when the chapter has no image.
	ImageDateModified *time.Time
}

// ItemValueType is Jellyfin's ItemValueType.
type ItemValueType int

// Jellyfin's item value types (5 is unused).
const (
	ItemValueArtist        ItemValueType = 0
	ItemValueAlbumArtist   ItemValueType = 1
	ItemValueGenre         ItemValueType = 2
	ItemValueStudio        ItemValueType = 3
	ItemValueTag           ItemValueType = 4
	ItemValueInheritedTags ItemValueType = 6
)

// ItemValue is a genre, studio, tag or artist name (the ItemValues table),
// shared by every item that has it.
type ItemValue struct {
	ID         ID
	Type       ItemValueType
	Value      string
	CleanValue string // Value without diacritics, lower-cased
}

// ItemValueMap links an item to an ItemValue (the ItemValuesMap table).
type ItemValueMap struct {
	ItemID      ID
	ItemValueID ID
}

// Person is a cast or crew member (the Peoples table).
type Person struct {
	ID         ID
	Name       string
	PersonType string // PersonKind name: Actor, Director, Writer...
}

// PersonMap credits a person on an item (the PeopleBaseItemMap table).
type PersonMap struct {
	ItemID    ID
	PersonID  ID
	Role      string // '' when none (part of the key, never NULL)
	ListOrder *int
	SortOrder *int
}

// Jellyfin's ImageType values (BaseItemImageInfos.ImageType).
const (
	ImagePrimary  = 0
	ImageArt      = 1
	ImageBackdrop = 2
	ImageBanner   = 3
	ImageLogo     = 4
	ImageThumb    = 5
	ImageDisc     = 6
)

// ItemImage is an item's artwork (the BaseItemImageInfos table).
type ItemImage struct {
	ID           ID
	ItemID       ID
	ImageType    int
	Path         string
	Width        int
	Height       int
	DateModified *time.Time
	// Blurhash is stored as the UTF-8 bytes of the string; "" is NULL.
	Blurhash string
}

// ItemProvider is an external id of an item (the BaseItemProviders table),
// e.g. Imdb tt0133093.
type ItemProvider struct {
	ItemID     ID
	ProviderID string
	Value      string
}

// KeyframeData holds a video's keyframe positions (the KeyframeData table).
type KeyframeData struct {
	ItemID        ID
	TotalDuration int64
	KeyframeTicks []int64
}

// Jellyfin's MediaSegmentType values.
const (
	SegmentUnknown    = 0
	SegmentCommercial = 1
	SegmentPreview    = 2
	SegmentRecap      = 3
	SegmentOutro      = 4
	SegmentIntro      = 5
)

// MediaSegment is an intro, outro or similar span of a video (the
// MediaSegments table).
type MediaSegment struct {
	ID                ID
	ItemID            ID
	Type              int
	StartTicks        int64
	EndTicks          int64
	SegmentProviderID string
}

// TrickplayInfo describes a video's seek thumbnails at one width (the
// TrickplayInfos table).
type TrickplayInfo struct {
	ItemID         ID
	Width          int
	Height         int
	TileWidth      int
	TileHeight     int
	ThumbnailCount int
	Interval       int // milliseconds
	Bandwidth      int
}

// Attachment is a file attached to a media container, such as a font in a
// Matroska file (the AttachmentStreamInfos table).
type Attachment struct {
	ItemID   ID
	Index    int
	Codec    string
	CodecTag string
	Comment  string
	Filename string
	MimeType string
}

// MetadataField marks one of an item's metadata fields as locked (the
// BaseItemMetadataFields table); Field is Jellyfin's MetadataField enum.
type MetadataField struct {
	ItemID ID
	Field  int
}

// TrailerType is one of an item's trailer types (the BaseItemTrailerTypes
// table); Type is Jellyfin's TrailerType enum.
type TrailerType struct {
	ItemID ID
	Type   int
}

// ActivityLog is an entry of the server's activity log.
type ActivityLog struct {
	ID            int64
	Name          string
	Overview      string
	ShortOverview string
	Type          string // event name, e.g. SessionStarted
	UserID        ID     // Guid.Empty for system events
	ItemID        string // free text; an item id in "N" form in practice
	DateCreated   time.Time
	LogSeverity   int // Microsoft LogLevel: 2 Information, 3 Warning...
	RowVersion    int64
}

// AccessSchedule is a time window in which a user may use the server.
type AccessSchedule struct {
	ID        int64
	UserID    ID
	DayOfWeek int // 0 Sunday..6 Saturday, 7 Everyday, 8 Weekday, 9 Weekend
	StartHour float64
	EndHour   float64
}

// DisplayPreferences are a user's display settings for one client, with
// the sections of their home screen.
type DisplayPreferences struct {
	ID                         int64
	UserID                     ID
	ItemID                     ID
	Client                     string
	ShowSidebar                bool
	ShowBackdrop               bool
	ScrollDirection            int
	IndexBy                    *int
	SkipForwardLength          int
	SkipBackwardLength         int
	ChromecastVersion          int
	EnableNextVideoInfoOverlay bool
	DashboardTheme             string
	TvHome                     string
	HomeSections               []HomeSection
}

// HomeSection is one section of a home screen (the HomeSection table).
type HomeSection struct {
	ID    int64
	Order int
	Type  int // HomeSectionType
}

// ItemDisplayPreferences are a user's view settings for one library.
type ItemDisplayPreferences struct {
	ID               int64
	UserID           ID
	ItemID           ID
	Client           string
	ViewType         int
	RememberIndexing bool
	IndexBy          *int
	RememberSorting  bool
	SortBy           string
	SortOrder        int
}

// CustomItemDisplayPreferences is a client's free-form setting for a user
// and item.
type CustomItemDisplayPreferences struct {
	ID     int64
	UserID ID
	ItemID ID
	Client string
	Key    string
	Value  *string
}

// DeviceOptions holds the name an administrator gave a device.
type DeviceOptions struct {
	ID         int64
	DeviceID   string
	CustomName string
}

// UserImage is a user's profile picture (the ImageInfos table).
type UserImage struct {
	ID           int64
	UserID       ID
	Path         string
	LastModified time.Time
}

// dotnetEpochTicks is 1970-01-01 in .NET ticks (100 ns since 0001-01-01).
const dotnetEpochTicks = 621355968000000000

// Tag is the picture's cache tag as Jellyfin computes it (ImageProcessor's
// GetImageCacheTag: the MD5 of Path followed by LastModified's .NET ticks,
// as 32 hex digits). Computing it Jellyfin's way keeps the tags of users
// migrated from Jellyfin, so clients keep their cached pictures; it changes
// whenever a new picture is stored, since LastModified does.
func (im *UserImage) Tag() string {
	t := im.LastModified
	ticks := t.Unix()*10_000_000 + int64(t.Nanosecond()/100) + dotnetEpochTicks
	sum := md5.Sum([]byte(im.Path + strconv.FormatInt(ticks, 10))) //nolint:gosec // a cache tag, not a secret
	return hex.EncodeToString(sum[:])
}
