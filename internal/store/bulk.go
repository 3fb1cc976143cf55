package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// The bulk writers insert many rows of one table (or of an item and its
// ancestors) in a single transaction, through one prepared statement that
// inserts several rows at a time. They are for loading whole libraries:
// generated test databases and migrations. The rows must be new: a key that
// exists already fails the whole call and nothing of it is written. Rows
// that reference others (an item's parent, a stream's item) need those
// written first, by an earlier call or earlier in the same slice.

// maxBulkParams bounds the parameters of one statement, below SQLite's
// 32766 and PostgreSQL's 65535.
const maxBulkParams = 30000

// maxBulkRows bounds the rows of one statement: beyond a few hundred, a
// longer statement saves nothing.
const maxBulkRows = 200

// insertSQL returns an INSERT of rows rows into table.
func insertSQL(table string, cols []string, rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO "` + table + `" (`)
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + c + `"`)
	}
	b.WriteString(") VALUES ")
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}

// insertRows inserts n rows into table inside t; row appends the values of
// row i, one per column, to args and returns it.
func insertRows(ctx context.Context, t tx, table string, cols []string, n int, row func(i int, args []any) []any) error {
	if n == 0 {
		return nil
	}
	per := max(1, min(maxBulkRows, maxBulkParams/len(cols), n))
	args := make([]any, 0, per*len(cols))
	fill := func(from, to int) ([]any, error) {
		args = args[:0]
		for i := from; i < to; i++ {
			args = row(i, args)
		}
		if len(args) != (to-from)*len(cols) {
			return nil, fmt.Errorf("%s: %d values for %d rows of %d columns", table, len(args), to-from, len(cols))
		}
		return args, nil
	}
	stmt, err := t.PrepareContext(ctx, t.db.Rebind(insertSQL(table, cols, per)))
	if err != nil {
		return fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	defer func() { _ = stmt.Close() }()
	i := 0
	for ; i+per <= n; i += per {
		a, err := fill(i, i+per)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, a...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	if i < n {
		a, err := fill(i, n)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, insertSQL(table, cols, n-i), a...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// bulkInsert inserts n rows into table in one transaction.
func (s *Store) bulkInsert(ctx context.Context, table string, cols []string, n int, row func(i int, args []any) []any) error {
	if n == 0 {
		return nil
	}
	return s.inTx(ctx, func(t tx) error {
		if filtersRead[table] {
			if err := bumpItems(ctx, t); err != nil {
				return err
			}
		}
		return insertRows(ctx, t, table, cols, n, row)
	})
}

// filtersRead are the tables besides BaseItems that item queries filter
// on (genres, studios, tags, people): a write to them changes which items
// a list holds, so it advances ItemsVersion as a BaseItems write does
// (ordercache.go).
var filtersRead = map[string]bool{"ItemValues": true, "ItemValuesMap": true, "Peoples": true, "PeopleBaseItemMap": true}

var itemBulkColumns = []string{"Id", "Type", "Name", "ParentId", "TopParentId", "Path", "IsFolder", "IsVirtualItem", "MediaType",
	"SortName", "CleanName", "Overview", "PresentationUniqueKey", "SeriesPresentationUniqueKey",
	"SeriesId", "SeriesName", "SeasonId", "SeasonName", "Album", "Artists", "AlbumArtists", "Genres",
	"IndexNumber", "ParentIndexNumber", "ProductionYear", "RunTimeTicks", "Size", "Width", "Height", "CommunityRating",
	"DateCreated", "DateModified", "PremiereDate", "DateLastSaved",
	"IsInMixedFolder", "IsLocked", "IsMovie", "IsRepeat", "IsSeries", "ChannelId", "OwnerId", "ExtraIds",
	"Studios", "Tags", "ProductionLocations", "ExtraType", "OriginalTitle", "ForcedSortName", "Tagline",
	"OfficialRating", "CustomRating", "UnratedType", "CriticRating", "InheritedParentalRatingValue",
	"InheritedParentalRatingSubValue", "PreferredMetadataLanguage", "PreferredMetadataCountryCode",
	"Audio", "TotalBitrate", "LUFS", "NormalizationGain", "DateLastRefreshed", "DateLastMediaAdded", "Data"}

// BulkInsertItems writes new items and their AncestorIds rows in one
// transaction, with the values SaveItem writes plus the LibraryItem
// columns. A parent must come before its children (or exist already).
// Items without a DateLastSaved get the current time.
func (s *Store) BulkInsertItems(ctx context.Context, items []*media.LibraryItem) error {
	now := time.Now().UTC()
	type pair struct{ item, parent media.ID }
	var ancestors []pair
	for _, it := range items {
		if it.Type == "" {
			return media.Errorf(media.EINVALID, "item %s has no type", it.ID)
		}
		if it.ID.IsZero() {
			it.ID = media.NewID()
		}
		if it.DateLastSaved == nil {
			it.DateLastSaved = &now
		}
		for _, a := range it.AncestorIDs {
			ancestors = append(ancestors, pair{it.ID, a})
		}
	}
	err := s.inTx(ctx, func(t tx) error {
		if err := bumpItems(ctx, t); err != nil {
			return err
		}
		err := insertRows(ctx, t, "BaseItems", itemBulkColumns, len(items), func(i int, a []any) []any {
			return itemArgs(s.db, a, items[i])
		})
		if err != nil {
			return err
		}
		return insertRows(ctx, t, "AncestorIds", []string{"ItemId", "ParentItemId"}, len(ancestors), func(i int, a []any) []any {
			return append(a, database.GUID(ancestors[i].item), database.GUID(ancestors[i].parent))
		})
	})
	if err != nil {
		return fmt.Errorf("store: bulk insert items: %w", err)
	}
	return nil
}

// itemArgs appends the values of itemBulkColumns for it to a.
func itemArgs(db *database.DB, a []any, it *media.LibraryItem) []any {
	extra := make([]string, len(it.ExtraIDs))
	for j, id := range it.ExtraIDs {
		extra[j] = id.Hyphenated()
	}
	return append(a, database.GUID(it.ID), it.Type, nullString(it.Name), database.NullGUID(it.ParentID), database.NullGUID(it.TopParentID),
		nullString(it.Path), it.IsFolder, it.IsVirtualItem, nullString(it.MediaType),
		nullString(it.SortName), nullString(it.CleanName), nullString(it.Overview), nullString(it.PresentationUniqueKey), nullString(it.SeriesPresentationUniqueKey),
		database.NullGUID(it.SeriesID), nullString(it.SeriesName), database.NullGUID(it.SeasonID), nullString(it.SeasonName),
		nullString(it.Album), nullString(strings.Join(it.Artists, "|")), nullString(strings.Join(it.AlbumArtists, "|")),
		strings.Join(it.Genres, "|"),
		nullInt(it.IndexNumber), nullInt(it.ParentIndexNumber), nullInt(it.ProductionYear), nullInt64(it.RunTimeTicks), nullInt64(it.Size),
		nullInt(it.Width), nullInt(it.Height), nullFloat32(it.CommunityRating),
		db.NullTime(it.DateCreated), db.NullTime(it.DateModified), db.NullTime(it.PremiereDate), db.NullTime(it.DateLastSaved),
		it.IsInMixedFolder, it.IsLocked, it.Type == media.ItemTypeMovie, false, it.Type == media.ItemTypeSeries,
		database.GUID(media.NilID), it.OwnerID.Hyphenated(), strings.Join(extra, "|"),
		strings.Join(it.Studios, "|"), strings.Join(it.Tags, "|"), nullString(strings.Join(it.ProductionLocations, "|")),
		nullInt(it.ExtraType), nullString(it.OriginalTitle), nullString(it.ForcedSortName), nullString(it.Tagline),
		nullString(it.OfficialRating), nullString(it.CustomRating), nullString(it.UnratedType), nullFloat32(it.CriticRating),
		nullInt(it.InheritedParentalRatingValue), nullInt(it.InheritedParentalRatingSubValue),
		nullString(it.PreferredMetadataLanguage), nullString(it.PreferredMetadataCountryCode),
		nullInt(it.Audio), nullInt(it.TotalBitrate), nullFloat32(it.LUFS), nullFloat32(it.NormalizationGain),
		db.NullTime(it.DateLastRefreshed), db.NullTime(it.DateLastMediaAdded), nullString(it.Data))
}

var mediaStreamColumns = []string{"ItemId", "StreamIndex", "AspectRatio", "AverageFrameRate", "BitDepth", "BitRate", "BlPresentFlag",
	"ChannelLayout", "Channels", "Codec", "CodecTag", "CodecTimeBase", "ColorPrimaries", "ColorSpace", "ColorTransfer", "Comment",
	"DvBlSignalCompatibilityId", "DvLevel", "DvProfile", "DvVersionMajor", "DvVersionMinor", "ElPresentFlag", "Height",
	"IsAnamorphic", "IsAvc", "IsDefault", "IsExternal", "IsForced", "IsHearingImpaired", "IsInterlaced", "KeyFrames", "Language",
	"Level", "NalLengthSize", "Path", "PixelFormat", "Profile", "RealFrameRate", "RefFrames", "Rotation", "RpuPresentFlag",
	"SampleRate", "StreamType", "TimeBase", "Title", "Width", "Hdr10PlusPresentFlag"}

// BulkInsertMediaStreams writes MediaStreamInfos rows (all 47 columns).
func (s *Store) BulkInsertMediaStreams(ctx context.Context, streams []media.MediaStream) error {
	return wrap("media streams", s.bulkInsert(ctx, "MediaStreamInfos", mediaStreamColumns, len(streams), func(i int, a []any) []any {
		return mediaStreamArgs(a, &streams[i])
	}))
}

// mediaStreamArgs appends the values of mediaStreamColumns for m to a.
func mediaStreamArgs(a []any, m *media.MediaStream) []any {
	return append(a, database.GUID(m.ItemID), m.StreamIndex, nullString(m.AspectRatio), nullFloat32(m.AverageFrameRate),
		nullInt(m.BitDepth), nullInt(m.BitRate), nullInt(m.BlPresentFlag),
		nullString(m.ChannelLayout), nullInt(m.Channels), nullString(m.Codec), nullString(m.CodecTag), nullString(m.CodecTimeBase),
		nullString(m.ColorPrimaries), nullString(m.ColorSpace), nullString(m.ColorTransfer), nullString(m.Comment),
		nullInt(m.DvBlSignalCompatibilityID), nullInt(m.DvLevel), nullInt(m.DvProfile), nullInt(m.DvVersionMajor), nullInt(m.DvVersionMinor),
		nullInt(m.ElPresentFlag), nullInt(m.Height),
		nullBool(m.IsAnamorphic), nullBool(m.IsAvc), m.IsDefault, m.IsExternal, m.IsForced, nullBool(m.IsHearingImpaired), nullBool(m.IsInterlaced),
		nullString(m.KeyFrames), nullString(m.Language),
		nullFloat32(m.Level), nullString(m.NalLengthSize), nullString(m.Path), nullString(m.PixelFormat), nullString(m.Profile),
		nullFloat32(m.RealFrameRate), nullInt(m.RefFrames), nullInt(m.Rotation), nullInt(m.RpuPresentFlag),
		nullInt(m.SampleRate), int(m.StreamType), nullString(m.TimeBase), nullString(m.Title), nullInt(m.Width), nullBool(m.Hdr10PlusPresentFlag))
}

var chapterColumns = []string{"ItemId", "ChapterIndex", "StartPositionTicks", "Name", "ImagePath", "ImageDateModified"}

// BulkInsertChapters writes Chapters rows.
func (s *Store) BulkInsertChapters(ctx context.Context, chapters []media.Chapter) error {
	return wrap("chapters", s.bulkInsert(ctx, "Chapters", chapterColumns,
		len(chapters), func(i int, a []any) []any {
			c := &chapters[i]
			return append(a, database.GUID(c.ItemID), c.ChapterIndex, c.StartPositionTicks, nullString(c.Name), nullString(c.ImagePath), s.db.NullTime(c.ImageDateModified))
		}))
}

// BulkInsertItemValues writes ItemValues rows (genres, studios, tags,
// artists); each (Type, Value) may exist only once.
func (s *Store) BulkInsertItemValues(ctx context.Context, values []media.ItemValue) error {
	return wrap("item values", s.bulkInsert(ctx, "ItemValues", []string{"ItemValueId", "Type", "Value", "CleanValue"}, len(values), func(i int, a []any) []any {
		v := &values[i]
		return append(a, database.GUID(v.ID), int(v.Type), v.Value, v.CleanValue)
	}))
}

// BulkInsertItemValueMaps writes ItemValuesMap rows.
func (s *Store) BulkInsertItemValueMaps(ctx context.Context, maps []media.ItemValueMap) error {
	return wrap("item value maps", s.bulkInsert(ctx, "ItemValuesMap", []string{"ItemId", "ItemValueId"}, len(maps), func(i int, a []any) []any {
		return append(a, database.GUID(maps[i].ItemID), database.GUID(maps[i].ItemValueID))
	}))
}

// BulkInsertPeople writes Peoples rows.
func (s *Store) BulkInsertPeople(ctx context.Context, people []media.Person) error {
	return wrap("people", s.bulkInsert(ctx, "Peoples", []string{"Id", "Name", "PersonType"}, len(people), func(i int, a []any) []any {
		p := &people[i]
		return append(a, database.GUID(p.ID), p.Name, nullString(p.PersonType))
	}))
}

// BulkInsertPersonMaps writes PeopleBaseItemMap rows; Role is ” when the
// credit has none.
func (s *Store) BulkInsertPersonMaps(ctx context.Context, maps []media.PersonMap) error {
	return wrap("people maps", s.bulkInsert(ctx, "PeopleBaseItemMap", []string{"ItemId", "PeopleId", "Role", "ListOrder", "SortOrder"}, len(maps), func(i int, a []any) []any {
		m := &maps[i]
		return append(a, database.GUID(m.ItemID), database.GUID(m.PersonID), m.Role, nullInt(m.ListOrder), nullInt(m.SortOrder))
	}))
}

// BulkInsertItemImages writes BaseItemImageInfos rows; the blurhash is
// stored as its UTF-8 bytes, as Jellyfin does.
func (s *Store) BulkInsertItemImages(ctx context.Context, images []media.ItemImage) error {
	return wrap("item images", s.bulkInsert(ctx, "BaseItemImageInfos", imageColumns, len(images), func(i int, a []any) []any {
		return imageArgs(s.db, a, &images[i])
	}))
}

var imageColumns = []string{"Id", "Blurhash", "DateModified", "Height", "ImageType", "ItemId", "Path", "Width"}

// imageArgs appends the values of imageColumns for m to a.
func imageArgs(db *database.DB, a []any, m *media.ItemImage) []any {
	var hash any
	if m.Blurhash != "" {
		hash = []byte(m.Blurhash)
	}
	return append(a, database.GUID(m.ID), hash, db.NullTime(m.DateModified), m.Height, m.ImageType, database.GUID(m.ItemID), m.Path, m.Width)
}

// BulkInsertItemProviders writes BaseItemProviders rows.
func (s *Store) BulkInsertItemProviders(ctx context.Context, providers []media.ItemProvider) error {
	return wrap("item providers", s.bulkInsert(ctx, "BaseItemProviders", []string{"ItemId", "ProviderId", "ProviderValue"}, len(providers), func(i int, a []any) []any {
		p := &providers[i]
		return append(a, database.GUID(p.ItemID), p.ProviderID, p.Value)
	}))
}

// BulkInsertKeyframes writes KeyframeData rows: the ticks as a JSON array
// on SQLite and a bigint[] on PostgreSQL.
func (s *Store) BulkInsertKeyframes(ctx context.Context, data []media.KeyframeData) error {
	return wrap("keyframe data", s.bulkInsert(ctx, "KeyframeData", []string{"ItemId", "TotalDuration", "KeyframeTicks"}, len(data), func(i int, a []any) []any {
		k := &data[i]
		return append(a, database.GUID(k.ItemID), k.TotalDuration, s.db.Int64s(k.KeyframeTicks))
	}))
}

// BulkInsertMediaSegments writes MediaSegments rows.
func (s *Store) BulkInsertMediaSegments(ctx context.Context, segments []media.MediaSegment) error {
	return wrap("media segments", s.bulkInsert(ctx, "MediaSegments", []string{"Id", "EndTicks", "ItemId", "SegmentProviderId", "StartTicks", "Type"}, len(segments), func(i int, a []any) []any {
		m := &segments[i]
		return append(a, database.GUID(m.ID), m.EndTicks, database.GUID(m.ItemID), m.SegmentProviderID, m.StartTicks, m.Type)
	}))
}

// BulkInsertTrickplay writes TrickplayInfos rows.
func (s *Store) BulkInsertTrickplay(ctx context.Context, infos []media.TrickplayInfo) error {
	return wrap("trickplay infos", s.bulkInsert(ctx, "TrickplayInfos", []string{"ItemId", "Width", "Height", "TileWidth", "TileHeight", "ThumbnailCount", "Interval", "Bandwidth"},
		len(infos), func(i int, a []any) []any {
			t := &infos[i]
			return append(a, database.GUID(t.ItemID), t.Width, t.Height, t.TileWidth, t.TileHeight, t.ThumbnailCount, t.Interval, t.Bandwidth)
		}))
}

// BulkInsertAttachments writes AttachmentStreamInfos rows.
func (s *Store) BulkInsertAttachments(ctx context.Context, attachments []media.Attachment) error {
	return wrap("attachments", s.bulkInsert(ctx, "AttachmentStreamInfos", []string{"ItemId", "Index", "Codec", "CodecTag", "Comment", "Filename", "MimeType"},
		len(attachments), func(i int, a []any) []any {
			m := &attachments[i]
			return append(a, database.GUID(m.ItemID), m.Index, nullString(m.Codec), nullString(m.CodecTag), nullString(m.Comment), nullString(m.Filename), nullString(m.MimeType))
		}))
}

// BulkInsertMetadataFields writes BaseItemMetadataFields rows.
func (s *Store) BulkInsertMetadataFields(ctx context.Context, fields []media.MetadataField) error {
	return wrap("metadata fields", s.bulkInsert(ctx, "BaseItemMetadataFields", []string{"Id", "ItemId"}, len(fields), func(i int, a []any) []any {
		return append(a, fields[i].Field, database.GUID(fields[i].ItemID))
	}))
}

// BulkInsertTrailerTypes writes BaseItemTrailerTypes rows.
func (s *Store) BulkInsertTrailerTypes(ctx context.Context, types []media.TrailerType) error {
	return wrap("trailer types", s.bulkInsert(ctx, "BaseItemTrailerTypes", []string{"Id", "ItemId"}, len(types), func(i int, a []any) []any {
		return append(a, types[i].Type, database.GUID(types[i].ItemID))
	}))
}

// BulkInsertActivityLogs writes ActivityLogs rows; the database numbers them.
func (s *Store) BulkInsertActivityLogs(ctx context.Context, logs []media.ActivityLog) error {
	return wrap("activity logs", s.bulkInsert(ctx, "ActivityLogs", []string{"Name", "Overview", "ShortOverview", "Type", "UserId", "ItemId", "DateCreated", "LogSeverity", "RowVersion"},
		len(logs), func(i int, a []any) []any {
			l := &logs[i]
			return append(a, l.Name, nullString(l.Overview), nullString(l.ShortOverview), l.Type, database.GUID(l.UserID), nullString(l.ItemID),
				s.db.Time(l.DateCreated), l.LogSeverity, l.RowVersion)
		}))
}

// BulkInsertAccessSchedules writes AccessSchedules rows.
func (s *Store) BulkInsertAccessSchedules(ctx context.Context, schedules []media.AccessSchedule) error {
	return wrap("access schedules", s.bulkInsert(ctx, "AccessSchedules", []string{"UserId", "DayOfWeek", "StartHour", "EndHour"}, len(schedules), func(i int, a []any) []any {
		m := &schedules[i]
		return append(a, database.GUID(m.UserID), m.DayOfWeek, m.StartHour, m.EndHour)
	}))
}

// BulkInsertDisplayPreferences writes DisplayPreferences rows and their
// home sections; the new ids are filled in.
func (s *Store) BulkInsertDisplayPreferences(ctx context.Context, prefs []*media.DisplayPreferences) error {
	err := s.inTx(ctx, func(t tx) error {
		var sections []media.HomeSection
		var owners []int64
		for _, p := range prefs {
			err := t.queryRow(ctx, `INSERT INTO "DisplayPreferences" ("UserId", "ItemId", "Client", "ShowSidebar", "ShowBackdrop", "ScrollDirection", "IndexBy",
  "SkipForwardLength", "SkipBackwardLength", "ChromecastVersion", "EnableNextVideoInfoOverlay", "DashboardTheme", "TvHome")
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "Id"`,
				database.GUID(p.UserID), database.GUID(p.ItemID), p.Client, p.ShowSidebar, p.ShowBackdrop, p.ScrollDirection, nullInt(p.IndexBy),
				p.SkipForwardLength, p.SkipBackwardLength, p.ChromecastVersion, p.EnableNextVideoInfoOverlay, nullString(p.DashboardTheme), nullString(p.TvHome)).Scan(&p.ID)
			if err != nil {
				return err
			}
			for _, h := range p.HomeSections {
				sections = append(sections, h)
				owners = append(owners, p.ID)
			}
		}
		return insertRows(ctx, t, "HomeSection", []string{"DisplayPreferencesId", "Order", "Type"}, len(sections), func(i int, a []any) []any {
			return append(a, owners[i], sections[i].Order, sections[i].Type)
		})
	})
	return wrap("display preferences", err)
}

// BulkInsertItemDisplayPreferences writes ItemDisplayPreferences rows.
func (s *Store) BulkInsertItemDisplayPreferences(ctx context.Context, prefs []media.ItemDisplayPreferences) error {
	return wrap("item display preferences", s.bulkInsert(ctx, "ItemDisplayPreferences",
		[]string{"UserId", "ItemId", "Client", "ViewType", "RememberIndexing", "IndexBy", "RememberSorting", "SortBy", "SortOrder"},
		len(prefs), func(i int, a []any) []any {
			p := &prefs[i]
			return append(a, database.GUID(p.UserID), database.GUID(p.ItemID), p.Client, p.ViewType, p.RememberIndexing, nullInt(p.IndexBy),
				p.RememberSorting, p.SortBy, p.SortOrder)
		}))
}

// BulkInsertCustomItemDisplayPreferences writes CustomItemDisplayPreferences rows.
func (s *Store) BulkInsertCustomItemDisplayPreferences(ctx context.Context, prefs []media.CustomItemDisplayPreferences) error {
	return wrap("custom item display preferences", s.bulkInsert(ctx, "CustomItemDisplayPreferences",
		[]string{"Client", "ItemId", "Key", "UserId", "Value"}, len(prefs), func(i int, a []any) []any {
			p := &prefs[i]
			var v any
			if p.Value != nil {
				v = *p.Value
			}
			return append(a, p.Client, database.GUID(p.ItemID), p.Key, database.GUID(p.UserID), v)
		}))
}

// BulkInsertDeviceOptions writes DeviceOptions rows.
func (s *Store) BulkInsertDeviceOptions(ctx context.Context, opts []media.DeviceOptions) error {
	return wrap("device options", s.bulkInsert(ctx, "DeviceOptions", []string{"DeviceId", "CustomName"}, len(opts), func(i int, a []any) []any {
		return append(a, opts[i].DeviceID, nullString(opts[i].CustomName))
	}))
}

// BulkInsertUserImages writes ImageInfos rows (user profile pictures).
func (s *Store) BulkInsertUserImages(ctx context.Context, images []media.UserImage) error {
	return wrap("user images", s.bulkInsert(ctx, "ImageInfos", []string{"LastModified", "Path", "UserId"}, len(images), func(i int, a []any) []any {
		m := &images[i]
		return append(a, s.db.Time(m.LastModified), m.Path, database.GUID(m.UserID))
	}))
}

// BulkInsertUserData writes UserData rows as given (Key must be set).
func (s *Store) BulkInsertUserData(ctx context.Context, data []media.UserData) error {
	for i := range data {
		if data[i].Key == "" {
			return media.Errorf(media.EINVALID, "user data for item %s has no key", data[i].ItemID)
		}
	}
	return wrap("user data", s.bulkInsert(ctx, "UserData",
		[]string{"ItemId", "UserId", "CustomDataKey", "AudioStreamIndex", "IsFavorite", "LastPlayedDate", "Likes", "PlayCount",
			"PlaybackPositionTicks", "Played", "Rating", "SubtitleStreamIndex", "RetentionDate"},
		len(data), func(i int, a []any) []any {
			d := &data[i]
			return append(a, database.GUID(d.ItemID), database.GUID(d.UserID), d.Key, nullInt(d.AudioStreamIndex), d.IsFavorite, s.db.NullTime(d.LastPlayedDate),
				nullBool(d.Likes), d.PlayCount, d.PlaybackPositionTicks, d.Played, nullFloat64(d.Rating), nullInt(d.SubtitleStreamIndex), s.db.NullTime(d.RetentionDate))
		}))
}

// BulkInsertDevices writes Devices rows (sessions) with the tokens and
// dates given, unlike CreateDevice, which makes a new session now.
func (s *Store) BulkInsertDevices(ctx context.Context, devices []media.Device) error {
	return wrap("devices", s.bulkInsert(ctx, "Devices",
		[]string{"UserId", "AccessToken", "AppName", "AppVersion", "DeviceName", "DeviceId", "IsActive", "DateCreated", "DateModified", "DateLastActivity"},
		len(devices), func(i int, a []any) []any {
			d := &devices[i]
			return append(a, database.GUID(d.UserID), d.AccessToken, d.AppName, d.AppVersion, d.DeviceName, d.DeviceID, d.IsActive,
				s.db.Time(d.DateCreated), s.db.Time(d.DateModified), s.db.Time(d.DateLastActivity))
		}))
}

// BulkInsertAPIKeys writes ApiKeys rows with the tokens and dates given.
func (s *Store) BulkInsertAPIKeys(ctx context.Context, keys []media.APIKey) error {
	return wrap("API keys", s.bulkInsert(ctx, "ApiKeys", []string{"DateCreated", "DateLastActivity", "Name", "AccessToken"}, len(keys), func(i int, a []any) []any {
		k := &keys[i]
		return append(a, s.db.Time(k.DateCreated), s.db.Time(k.DateLastActivity), k.Name, k.AccessToken)
	}))
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("store: bulk insert %s: %w", what, err)
	}
	return nil
}
