package store

import (
	"context"
	"fmt"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// A user's configuration lives where Jellyfin keeps it: the flags and
// languages in their Users row, the four library lists in Preferences rows
// (one row per kind, a comma-separated list of lowercase hyphenated ids).
// It is read apart from media.User because only a few handlers need it,
// and every request reads the user.

// configLists are the Preferences kinds a UserConfiguration carries, with
// where each goes.
var configLists = []struct {
	kind media.PreferenceKind
	of   func(c *media.UserConfiguration) *[]media.ID
}{
	{media.PreferenceOrderedViews, func(c *media.UserConfiguration) *[]media.ID { return &c.OrderedViews }},
	{media.PreferenceMyMediaExcludes, func(c *media.UserConfiguration) *[]media.ID { return &c.MyMediaExcludes }},
	{media.PreferenceLatestItemExcludes, func(c *media.UserConfiguration) *[]media.ID { return &c.LatestItemsExcludes }},
	{media.PreferenceGroupedFolders, func(c *media.UserConfiguration) *[]media.ID { return &c.GroupedFolders }},
}

// UserConfiguration returns one user's configuration.
func (s *Store) UserConfiguration(ctx context.Context, id media.ID) (*media.UserConfiguration, error) {
	all, err := s.configsWhere(ctx, ` WHERE "Id" = ?`, ` AND "UserId" = ?`, database.GUID(id))
	if err != nil {
		return nil, err
	}
	c, ok := all[id]
	if !ok {
		return nil, media.Errorf(media.ENOTFOUND, "user %s not found", id)
	}
	return c, nil
}

// UserConfigurations returns every user's configuration, by user: one pair
// of queries for a whole user list.
func (s *Store) UserConfigurations(ctx context.Context) (map[media.ID]*media.UserConfiguration, error) {
	return s.configsWhere(ctx, "", "")
}

func (s *Store) configsWhere(ctx context.Context, users, prefs string, args ...any) (map[media.ID]*media.UserConfiguration, error) {
	var out map[media.ID]*media.UserConfiguration
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		out = make(map[media.ID]*media.UserConfiguration)
		rows, err := s.db.Query(ctx, `SELECT "Id", COALESCE("AudioLanguagePreference", ''), COALESCE("SubtitleLanguagePreference", ''),
  "SubtitleMode", "PlayDefaultAudioTrack", "DisplayMissingEpisodes", "DisplayCollectionsView", "EnableLocalPassword",
  "HidePlayedInLatest", "RememberAudioSelections", "RememberSubtitleSelections", "EnableNextEpisodeAutoPlay"
FROM "Users"`+users, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id media.ID
			var c media.UserConfiguration
			var mode int
			if err := rows.Scan(database.ScanGUID{ID: &id}, &c.AudioLanguagePreference, &c.SubtitleLanguagePreference,
				&mode, &c.PlayDefaultAudioTrack, &c.DisplayMissingEpisodes, &c.DisplayCollectionsView, &c.EnableLocalPassword,
				&c.HidePlayedInLatest, &c.RememberAudioSelections, &c.RememberSubtitleSelections, &c.EnableNextEpisodeAutoPlay); err != nil {
				return err
			}
			c.SubtitleMode = media.SubtitleMode(mode)
			out[id] = &c
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		rows, err = s.db.Query(ctx, `SELECT "UserId", "Kind", "Value" FROM "Preferences"
WHERE "Kind" IN (?, ?, ?, ?) AND "UserId" IS NOT NULL`+prefs,
			append([]any{int(configLists[0].kind), int(configLists[1].kind), int(configLists[2].kind), int(configLists[3].kind)}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id media.ID
			var kind int
			var value string
			if err := rows.Scan(database.ScanGUID{ID: &id}, &kind, &value); err != nil {
				return err
			}
			c := out[id]
			if c == nil {
				continue
			}
			for _, l := range configLists {
				if int(l.kind) == kind {
					*l.of(c) = splitIDs(value)
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: read user configuration: %w", err)
	}
	return out, nil
}

// SetUserConfiguration replaces a user's configuration, as Jellyfin's
// UpdateConfigurationAsync does: the last writer wins, and the user's
// RowVersion moves on so that a policy edit made from an older read fails.
func (s *Store) SetUserConfiguration(ctx context.Context, id media.ID, c *media.UserConfiguration) error {
	err := s.inTx(ctx, func(t tx) error {
		res, err := t.exec(ctx, `UPDATE "Users" SET "AudioLanguagePreference" = ?, "SubtitleLanguagePreference" = ?,
  "SubtitleMode" = ?, "PlayDefaultAudioTrack" = ?, "DisplayMissingEpisodes" = ?, "DisplayCollectionsView" = ?,
  "EnableLocalPassword" = ?, "HidePlayedInLatest" = ?, "RememberAudioSelections" = ?, "RememberSubtitleSelections" = ?,
  "EnableNextEpisodeAutoPlay" = ?, "RowVersion" = "RowVersion" + 1
WHERE "Id" = ?`,
			nullString(c.AudioLanguagePreference), nullString(c.SubtitleLanguagePreference), int(c.SubtitleMode),
			c.PlayDefaultAudioTrack, c.DisplayMissingEpisodes, c.DisplayCollectionsView, c.EnableLocalPassword,
			c.HidePlayedInLatest, c.RememberAudioSelections, c.RememberSubtitleSelections, c.EnableNextEpisodeAutoPlay,
			database.GUID(id))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return media.Errorf(media.ENOTFOUND, "user %s not found", id)
		}
		for _, l := range configLists {
			if err := setPreference(ctx, t, id, l.kind, joinIDs(*l.of(c))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save user configuration: %w", err)
	}
	return nil
}

// setPreference writes one Preferences row, adding it when the user has
// none of that kind (a user Jellyfin created before the kind existed).
func setPreference(ctx context.Context, t tx, user media.ID, kind media.PreferenceKind, value string) error {
	res, err := t.exec(ctx, `UPDATE "Preferences" SET "Value" = ?, "RowVersion" = "RowVersion" + 1 WHERE "UserId" = ? AND "Kind" = ?`,
		value, database.GUID(user), int(kind))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = t.exec(ctx, `INSERT INTO "Preferences" ("Kind", "RowVersion", "UserId", "Value") VALUES (?, 0, ?, ?)`,
		int(kind), database.GUID(user), value)
	return err
}
