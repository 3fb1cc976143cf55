package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// UserDataKey is the key Jellyfin stores play state under for an item with
// no provider ids: the item id in lowercase hyphenated form.
func UserDataKey(item media.ID) string { return item.Hyphenated() }

// SaveUserData inserts or replaces a user's play state for an item under
// d.Key (UserDataKey when empty).
func (s *Store) SaveUserData(ctx context.Context, d *media.UserData) error {
	if d.Key == "" {
		d.Key = UserDataKey(d.ItemID)
	}
	_, err := s.exec(ctx, `INSERT INTO "UserData" ("ItemId", "UserId", "CustomDataKey", "AudioStreamIndex", "IsFavorite", "LastPlayedDate",
  "Likes", "PlayCount", "PlaybackPositionTicks", "Played", "Rating", "SubtitleStreamIndex", "RetentionDate")
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT ("ItemId", "UserId", "CustomDataKey") DO UPDATE SET
  "AudioStreamIndex" = excluded."AudioStreamIndex", "IsFavorite" = excluded."IsFavorite", "LastPlayedDate" = excluded."LastPlayedDate",
  "Likes" = excluded."Likes", "PlayCount" = excluded."PlayCount", "PlaybackPositionTicks" = excluded."PlaybackPositionTicks",
  "Played" = excluded."Played", "Rating" = excluded."Rating", "SubtitleStreamIndex" = excluded."SubtitleStreamIndex",
  "RetentionDate" = excluded."RetentionDate"`,
		database.GUID(d.ItemID), database.GUID(d.UserID), d.Key, nullInt(d.AudioStreamIndex), d.IsFavorite, s.db.NullTime(d.LastPlayedDate),
		nullBool(d.Likes), d.PlayCount, d.PlaybackPositionTicks, d.Played, nullFloat64(d.Rating), nullInt(d.SubtitleStreamIndex), s.db.NullTime(d.RetentionDate))
	if err != nil {
		return fmt.Errorf("store: save user data: %w", err)
	}
	return nil
}

// UserData returns a user's play state for an item. Jellyfin may hold
// several rows (one per key); the one under UserDataKey wins, else the
// first. A user who never touched the item gets a zero record, as in
// Jellyfin.
func (s *Store) UserData(ctx context.Context, user, item media.ID) (*media.UserData, error) {
	d := &media.UserData{ItemID: item, UserID: user}
	var audio, sub sql.NullInt64
	var likes sql.NullBool
	var rating sql.NullFloat64
	err := s.queryRow(ctx, `SELECT "CustomDataKey", "AudioStreamIndex", "IsFavorite", "LastPlayedDate", "Likes", "PlayCount",
  "PlaybackPositionTicks", "Played", "Rating", "SubtitleStreamIndex", "RetentionDate"
FROM "UserData" WHERE "ItemId" = ? AND "UserId" = ?
ORDER BY CASE WHEN "CustomDataKey" = ? THEN 0 ELSE 1 END, "CustomDataKey" LIMIT 1`,
		[]any{database.GUID(item), database.GUID(user), UserDataKey(item)},
		&d.Key, &audio, &d.IsFavorite, database.ScanTime{T: &d.LastPlayedDate}, &likes, &d.PlayCount,
		&d.PlaybackPositionTicks, &d.Played, &rating, &sub, database.ScanTime{T: &d.RetentionDate})
	if errors.Is(err, sql.ErrNoRows) {
		d.Key = UserDataKey(item)
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: user data: %w", err)
	}
	d.AudioStreamIndex, d.SubtitleStreamIndex = intPtr(audio), intPtr(sub)
	if likes.Valid {
		d.Likes = &likes.Bool
	}
	if rating.Valid {
		d.Rating = &rating.Float64
	}
	return d, nil
}

func nullBool(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullFloat64(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
