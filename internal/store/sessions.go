package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// This file holds playback: the sessions clients report on (the
// jellyha_sessions table, shared by every replica) and what playing needs
// to read of an item (its streams, its bitrate, whether it is an extra).

// PlaySession is a client session and what it plays.
type PlaySession struct {
	ID                                       string // Jellyfin's session id
	UserID                                   media.ID
	UserName                                 string // read back only
	Client, DeviceID, DeviceName, AppVersion string
	// ItemID is what plays, NilID when nothing does.
	ItemID                                   media.ID
	MediaSourceID, PlaySessionID, PlayMethod string
	PositionTicks                            int64
	IsPaused, IsMuted                        bool
	AudioStreamIndex, SubtitleStreamIndex    *int
	Started, LastReport                      time.Time
	// What the client declared (SetCapabilities); read back only.
	Capabilities Capabilities
}

// Capabilities are what a client session can do: the media types it plays,
// the remote commands it takes (Jellyfin's GeneralCommandType names), and
// whether it may be remote controlled.
type Capabilities struct {
	PlayableMediaTypes, SupportedCommands []string
	SupportsMediaControl                  bool
}

// sessionRetention is how long a session row outlives its last report.
const sessionRetention = 24 * time.Hour

// PlayReport is one playback report to record.
type PlayReport struct {
	Session *PlaySession
	// Item is the item whose play state changes, with its user data key;
	// nil to record the session only.
	Item *KeyedItem
	// Apply changes the play state (nil: no change). Under a retry it is
	// applied again to the state read afresh.
	Apply func(*media.UserData)
	// KeepStart keeps the session's start time when it plays the same item
	// (a progress report), rather than starting it now.
	KeepStart bool
}

// RecordPlayback writes a playback report in one transaction: the user's
// play state of the item and the session row. When it returns nil both are
// committed, so a replica that dies after answering loses nothing.
func (s *Store) RecordPlayback(ctx context.Context, r *PlayReport) (*media.UserData, error) {
	var out *media.UserData
	ps := r.Session
	err := s.inTx(ctx, func(t tx) error {
		out = nil
		if r.Item != nil && r.Apply != nil {
			d, err := s.updateUserData(ctx, t, ps.UserID, []KeyedItem{*r.Item}, r.Apply)
			if err != nil {
				return err
			}
			out = d
		}
		return upsertSession(ctx, t, ps, r.KeepStart)
	})
	if err != nil {
		return nil, fmt.Errorf("store: record playback: %w", err)
	}
	return out, nil
}

func upsertSession(ctx context.Context, t tx, ps *PlaySession, keepStart bool) error {
	now := ps.LastReport.UnixMilli()
	start := ps.Started.UnixMilli()
	startSQL := `excluded.started_ms`
	if keepStart {
		startSQL = `CASE WHEN jellyha_sessions.item_id = excluded.item_id THEN jellyha_sessions.started_ms ELSE excluded.started_ms END`
	}
	_, err := t.exec(ctx, `INSERT INTO jellyha_sessions (id, user_id, client, device_id, device_name, app_version, item_id, media_source_id,
  play_session_id, play_method, position_ticks, is_paused, is_muted, audio_stream_index, subtitle_stream_index, started_ms, last_report_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, client = excluded.client, device_id = excluded.device_id,
  device_name = excluded.device_name, app_version = excluded.app_version, item_id = excluded.item_id,
  media_source_id = excluded.media_source_id, play_session_id = excluded.play_session_id, play_method = excluded.play_method,
  position_ticks = excluded.position_ticks, is_paused = excluded.is_paused, is_muted = excluded.is_muted,
  audio_stream_index = excluded.audio_stream_index, subtitle_stream_index = excluded.subtitle_stream_index,
  started_ms = `+startSQL+`, last_report_ms = excluded.last_report_ms`,
		ps.ID, database.GUID(ps.UserID), ps.Client, ps.DeviceID, ps.DeviceName, ps.AppVersion, database.NullGUID(ps.ItemID), ps.MediaSourceID,
		ps.PlaySessionID, ps.PlayMethod, ps.PositionTicks, ps.IsPaused, ps.IsMuted, nullInt(ps.AudioStreamIndex), nullInt(ps.SubtitleStreamIndex),
		start, now)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `DELETE FROM jellyha_sessions WHERE last_report_ms < ?`, now-sessionRetention.Milliseconds())
	return err
}

// SetCapabilities records what ps's client can do, creating its session
// row (playing nothing) when it has none yet: a client declares them when
// it starts, before it plays anything, and the remote-control menus of the
// user's other clients list it from then on.
func (s *Store) SetCapabilities(ctx context.Context, ps *PlaySession, c Capabilities) error {
	now := ps.LastReport.UnixMilli()
	_, err := s.exec(ctx, `INSERT INTO jellyha_sessions (id, user_id, client, device_id, device_name, app_version, item_id, media_source_id,
  play_session_id, play_method, position_ticks, is_paused, is_muted, started_ms, last_report_ms,
  playable_media_types, supported_commands, supports_media_control)
VALUES (?, ?, ?, ?, ?, ?, NULL, '', '', '', 0, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, device_name = excluded.device_name, app_version = excluded.app_version,
  last_report_ms = excluded.last_report_ms, playable_media_types = excluded.playable_media_types,
  supported_commands = excluded.supported_commands, supports_media_control = excluded.supports_media_control`,
		ps.ID, database.GUID(ps.UserID), ps.Client, ps.DeviceID, ps.DeviceName, ps.AppVersion, false, false, now, now,
		strings.Join(c.PlayableMediaTypes, ","), strings.Join(c.SupportedCommands, ","), c.SupportsMediaControl)
	if err != nil {
		return fmt.Errorf("store: session capabilities: %w", err)
	}
	return nil
}

// TouchDeviceSessions keeps a user's sessions on a device listed while the device
// holds a WebSocket open (its keep-alives), as Jellyfin keeps a session
// with a live connection.
func (s *Store) TouchDeviceSessions(ctx context.Context, user media.ID, device string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE jellyha_sessions SET last_report_ms = ? WHERE user_id = ? AND device_id = ? AND last_report_ms < ?`,
		at.UnixMilli(), database.GUID(user), device, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: touch device: %w", err)
	}
	return nil
}

// TouchSession records that a session is alive (a ping) without changing
// what it plays; it does nothing for an unknown session.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE jellyha_sessions SET last_report_ms = ? WHERE id = ?`, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// Sessions returns the sessions that reported since the given time, the
// most recent first, with their user's name.
func (s *Store) Sessions(ctx context.Context, since time.Time) ([]*PlaySession, error) {
	return s.sessionsWhere(ctx, `s.last_report_ms >= ?`, since.UnixMilli())
}

// Session returns the session with id (Jellyfin's session id).
func (s *Store) Session(ctx context.Context, id string) (*PlaySession, error) {
	l, err := s.sessionsWhere(ctx, `s.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, media.Errorf(media.ENOTFOUND, "session %s not found", id)
	}
	return l[0], nil
}

func (s *Store) sessionsWhere(ctx context.Context, where string, arg any) ([]*PlaySession, error) {
	var out []*PlaySession
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		out = nil
		rows, err := s.db.Query(ctx, `SELECT s.id, s.user_id, COALESCE(u."Username", ''), s.client, s.device_id,
  s.device_name, s.app_version, s.item_id, s.media_source_id, s.play_session_id, s.play_method, s.position_ticks, s.is_paused,
  s.is_muted, s.audio_stream_index, s.subtitle_stream_index, s.started_ms, s.last_report_ms,
  s.playable_media_types, s.supported_commands, s.supports_media_control
FROM jellyha_sessions s LEFT JOIN "Users" u ON u."Id" = s.user_id
WHERE `+where+` ORDER BY s.last_report_ms DESC, s.id`, arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			ps := &PlaySession{}
			var audio, sub sql.NullInt64
			var started, last int64
			var playable, commands string
			if err := rows.Scan(&ps.ID, database.ScanGUID{ID: &ps.UserID}, &ps.UserName, &ps.Client, &ps.DeviceID, &ps.DeviceName, &ps.AppVersion,
				database.ScanGUID{ID: &ps.ItemID}, &ps.MediaSourceID, &ps.PlaySessionID, &ps.PlayMethod, &ps.PositionTicks, &ps.IsPaused,
				&ps.IsMuted, &audio, &sub, &started, &last, &playable, &commands, &ps.Capabilities.SupportsMediaControl); err != nil {
				return err
			}
			ps.Capabilities.PlayableMediaTypes, ps.Capabilities.SupportedCommands = commaList(playable), commaList(commands)
			ps.AudioStreamIndex, ps.SubtitleStreamIndex = intPtr(audio), intPtr(sub)
			ps.Started, ps.LastReport = time.UnixMilli(started).UTC(), time.UnixMilli(last).UTC()
			out = append(out, ps)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	return out, nil
}

// RememberSelections reads a user's RememberAudioSelections and
// RememberSubtitleSelections settings.
func (s *Store) RememberSelections(ctx context.Context, user media.ID) (audio, subtitles bool, err error) {
	err = s.queryRow(ctx, `SELECT "RememberAudioSelections", "RememberSubtitleSelections" FROM "Users" WHERE "Id" = ?`,
		[]any{database.GUID(user)}, &audio, &subtitles)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, media.Errorf(media.ENOTFOUND, "user %s not found", user)
	}
	if err != nil {
		return false, false, fmt.Errorf("store: user settings: %w", err)
	}
	return audio, subtitles, nil
}

// PlaybackFacts is what playing needs of an item beyond its browse row.
type PlaybackFacts struct {
	TotalBitrate *int
	ExtraType    *int
}

// ItemPlaybackFacts reads an item's bitrate and extra type.
func (s *Store) ItemPlaybackFacts(ctx context.Context, id media.ID) (*PlaybackFacts, error) {
	f := &PlaybackFacts{}
	var bitrate, extra sql.NullInt64
	err := s.queryRow(ctx, `SELECT "TotalBitrate", "ExtraType" FROM "BaseItems" WHERE "Id" = ?`, []any{database.GUID(id)}, &bitrate, &extra)
	if err != nil {
		return nil, notFound(fmt.Errorf("store: item playback facts: %w", err), "item", id)
	}
	f.TotalBitrate, f.ExtraType = intPtr(bitrate), intPtr(extra)
	return f, nil
}

// streamColumns are what scanStream reads of a MediaStreamInfos row.
const streamColumns = `"ItemId", "StreamIndex", "StreamType", COALESCE("Codec", ''), COALESCE("Language", ''),
  COALESCE("Title", ''), COALESCE("Profile", ''), COALESCE("ChannelLayout", ''), COALESCE("PixelFormat", ''), COALESCE("AspectRatio", ''),
  COALESCE("CodecTag", ''), COALESCE("Path", ''), "IsDefault", "IsForced", "IsExternal", "IsInterlaced", "IsAvc", "IsHearingImpaired",
  "BitRate", "BitDepth", "Channels", "SampleRate", "Width", "Height", "RefFrames", "Level", "AverageFrameRate", "RealFrameRate"`

func scanStream(sc interface{ Scan(...any) error }) (media.MediaStream, error) {
	var m media.MediaStream
	var typ int
	var interlaced, avc, hi sql.NullBool
	var bitrate, depth, channels, rate, w, h, refs sql.NullInt64
	var level, avg, rfr sql.NullFloat64
	if err := sc.Scan(database.ScanGUID{ID: &m.ItemID}, &m.StreamIndex, &typ, &m.Codec, &m.Language, &m.Title, &m.Profile, &m.ChannelLayout, &m.PixelFormat,
		&m.AspectRatio, &m.CodecTag, &m.Path, &m.IsDefault, &m.IsForced, &m.IsExternal, &interlaced, &avc, &hi,
		&bitrate, &depth, &channels, &rate, &w, &h, &refs, &level, &avg, &rfr); err != nil {
		return m, err
	}
	m.StreamType = media.MediaStreamType(typ)
	m.IsInterlaced, m.IsAvc, m.IsHearingImpaired = boolPtr(interlaced), boolPtr(avc), boolPtr(hi)
	m.BitRate, m.BitDepth, m.Channels, m.SampleRate = intPtr(bitrate), intPtr(depth), intPtr(channels), intPtr(rate)
	m.Width, m.Height, m.RefFrames = intPtr(w), intPtr(h), intPtr(refs)
	m.Level, m.AverageFrameRate, m.RealFrameRate = float32Ptr(level), float32Ptr(avg), float32Ptr(rfr)
	return m, nil
}

// ItemStreams returns an item's media streams (MediaStreamInfos) by index.
func (s *Store) ItemStreams(ctx context.Context, id media.ID) ([]media.MediaStream, error) {
	out, err := queryList(ctx, s, `SELECT `+streamColumns+`
FROM "MediaStreamInfos" WHERE "ItemId" = ? ORDER BY "StreamIndex"`, []any{database.GUID(id)}, scanStream)
	if err != nil {
		return nil, fmt.Errorf("store: item streams: %w", err)
	}
	return out, nil
}

// ItemMedia is what an item's DTO says of its file: streams, bitrate and
// extra type, chapters.
type ItemMedia struct {
	Streams  []media.MediaStream
	Facts    PlaybackFacts
	Chapters []media.Chapter
}

// ItemsMedia reads the media of many items in three statements (per
// attachChunkSize items), for a list whose client asked for MediaSources,
// MediaStreams or Chapters. Every id has an entry; an id that is no item
// has an empty one.
func (s *Store) ItemsMedia(ctx context.Context, ids []media.ID) (map[media.ID]*ItemMedia, error) {
	out := make(map[media.ID]*ItemMedia, len(ids))
	for _, id := range ids {
		out[id] = &ItemMedia{}
	}
	for chunk := range slices.Chunk(ids, attachChunkSize) {
		in, args := placeholders(len(chunk)), guids(chunk)
		streams, err := queryList(ctx, s, `SELECT `+streamColumns+`
FROM "MediaStreamInfos" WHERE "ItemId" IN (`+in+`) ORDER BY "ItemId", "StreamIndex"`, args, scanStream)
		if err != nil {
			return nil, fmt.Errorf("store: items' streams: %w", err)
		}
		for _, m := range streams {
			e := out[m.ItemID]
			e.Streams = append(e.Streams, m)
		}
		chapters, err := queryList(ctx, s, `SELECT "ItemId", "ChapterIndex", "StartPositionTicks", COALESCE("Name", ''), COALESCE("ImagePath", ''), "ImageDateModified"
FROM "Chapters" WHERE "ItemId" IN (`+in+`) ORDER BY "ItemId", "ChapterIndex"`, args, scanChapter)
		if err != nil {
			return nil, fmt.Errorf("store: items' chapters: %w", err)
		}
		for _, c := range chapters {
			e := out[c.ItemID]
			e.Chapters = append(e.Chapters, c)
		}
		type fact struct {
			id             media.ID
			bitrate, extra sql.NullInt64
		}
		facts, err := queryList(ctx, s, `SELECT "Id", "TotalBitrate", "ExtraType" FROM "BaseItems" WHERE "Id" IN (`+in+`)`, args,
			func(sc interface{ Scan(...any) error }) (fact, error) {
				var f fact
				err := sc.Scan(database.ScanGUID{ID: &f.id}, &f.bitrate, &f.extra)
				return f, err
			})
		if err != nil {
			return nil, fmt.Errorf("store: items' playback facts: %w", err)
		}
		for _, f := range facts {
			out[f.id].Facts = PlaybackFacts{TotalBitrate: intPtr(f.bitrate), ExtraType: intPtr(f.extra)}
		}
	}
	return out, nil
}

func boolPtr(v sql.NullBool) *bool {
	if !v.Valid {
		return nil
	}
	return &v.Bool
}

func float32Ptr(v sql.NullFloat64) *float32 {
	if !v.Valid {
		return nil
	}
	f := float32(v.Float64)
	return &f
}

// ItemChapters returns an item's chapters in order.
func (s *Store) ItemChapters(ctx context.Context, id media.ID) ([]media.Chapter, error) {
	return queryList(ctx, s, `SELECT "ItemId", "ChapterIndex", "StartPositionTicks", COALESCE("Name", ''), COALESCE("ImagePath", ''), "ImageDateModified"
FROM "Chapters" WHERE "ItemId" = ? ORDER BY "ChapterIndex"`, []any{database.GUID(id)}, scanChapter)
}

func scanChapter(sc interface{ Scan(...any) error }) (media.Chapter, error) {
	var c media.Chapter
	err := sc.Scan(database.ScanGUID{ID: &c.ItemID}, &c.ChapterIndex, &c.StartPositionTicks, &c.Name, &c.ImagePath, database.ScanTime{T: &c.ImageDateModified})
	return c, err
}

// commaList reads a comma-separated list; "" is none.
func commaList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
