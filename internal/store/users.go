package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// defaultPermissions are the rows Jellyfin adds for every new user
// (UserEntityExtensions.AddDefaultPermissions).
var defaultPermissions = map[media.PermissionKind]bool{
	media.PermissionIsAdministrator:                 false,
	media.PermissionIsHidden:                        true,
	media.PermissionIsDisabled:                      false,
	media.PermissionEnableSharedDeviceControl:       true,
	media.PermissionEnableRemoteAccess:              true,
	media.PermissionEnableLiveTvManagement:          false,
	media.PermissionEnableLiveTvAccess:              true,
	media.PermissionEnableMediaPlayback:             true,
	media.PermissionEnableAudioPlaybackTranscoding:  true,
	media.PermissionEnableVideoPlaybackTranscoding:  true,
	media.PermissionEnableContentDeletion:           false,
	media.PermissionEnableContentDownloading:        true,
	media.PermissionEnableSyncTranscoding:           true,
	media.PermissionEnableMediaConversion:           true,
	media.PermissionEnableAllDevices:                true,
	media.PermissionEnableAllChannels:               true,
	media.PermissionEnableAllFolders:                true,
	media.PermissionEnablePublicSharing:             true,
	media.PermissionEnableRemoteControlOfOtherUsers: false,
	media.PermissionEnablePlaybackRemuxing:          true,
	media.PermissionForceRemoteSourceTranscoding:    false,
	media.PermissionEnableCollectionManagement:      false,
	media.PermissionEnableSubtitleManagement:        false,
	media.PermissionEnableLyricManagement:           false,
}

const numPreferenceKinds = int(media.PreferenceAllowedTags) + 1

// CreateUser adds u with Jellyfin's defaults for everything User does not
// carry, its 24 permission rows and 13 preference rows. An administrator
// also gets content deletion and remote control of other users, as
// Jellyfin's first user does. u.ID and u.InternalID are filled in.
func (s *Store) CreateUser(ctx context.Context, u *media.User) error {
	if strings.TrimSpace(u.Name) == "" {
		return media.Errorf(media.EINVALID, "a user needs a name")
	}
	if u.ID.IsZero() {
		u.ID = media.NewID()
	}
	err := s.inTx(ctx, func(t tx) error {
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX("InternalId"), 0) + 1 FROM "Users"`).Scan(&u.InternalID); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO "Users" ("Id", "Username", "NormalizedUsername", "Password", "InternalId",
  "AuthenticationProviderId", "PasswordResetProviderId",
  "DisplayCollectionsView", "DisplayMissingEpisodes", "EnableAutoLogin", "EnableLocalPassword",
  "EnableNextEpisodeAutoPlay", "EnableUserPreferenceAccess", "HidePlayedInLatest",
  "InvalidLoginAttemptCount", "LoginAttemptsBeforeLockout", "MaxActiveSessions", "MustUpdatePassword",
  "PlayDefaultAudioTrack", "RememberAudioSelections", "RememberSubtitleSelections",
  "RowVersion", "SubtitleMode", "SyncPlayAccess")
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			database.GUID(u.ID), u.Name, normalizeName(u.Name), nullString(u.PasswordHash), u.InternalID,
			media.DefaultAuthenticationProviderID, media.DefaultPasswordResetProviderID,
			false, false, false, false,
			true, true, true,
			0, nullInt(u.LoginAttemptsBeforeLockout), 0, false,
			true, true, true,
			0, 0, 0)
		if err != nil {
			if database.IsUniqueViolation(err) {
				return media.Errorf(media.ECONFLICT, "a user named %q already exists", u.Name)
			}
			return err
		}
		perms := make(map[media.PermissionKind]bool, len(defaultPermissions))
		for k, v := range defaultPermissions {
			perms[k] = v
		}
		perms[media.PermissionIsAdministrator] = u.IsAdministrator
		perms[media.PermissionIsDisabled] = u.IsDisabled
		perms[media.PermissionIsHidden] = u.IsHidden
		perms[media.PermissionEnableAllFolders] = u.EnableAllFolders || len(u.EnabledFolders) == 0
		if u.IsAdministrator {
			perms[media.PermissionEnableContentDeletion] = true
			perms[media.PermissionEnableRemoteControlOfOtherUsers] = true
		}
		for k := media.PermissionKind(0); k <= media.PermissionEnableLyricManagement; k++ {
			if _, err := t.exec(ctx, `INSERT INTO "Permissions" ("Kind", "RowVersion", "UserId", "Value") VALUES (?, 0, ?, ?)`,
				int(k), database.GUID(u.ID), perms[k]); err != nil {
				return err
			}
		}
		for k := range numPreferenceKinds {
			v := ""
			if media.PreferenceKind(k) == media.PreferenceEnabledFolders {
				v = joinIDs(u.EnabledFolders)
			}
			if _, err := t.exec(ctx, `INSERT INTO "Preferences" ("Kind", "RowVersion", "UserId", "Value") VALUES (?, 0, ?, ?)`,
				k, database.GUID(u.ID), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: create user %q: %w", u.Name, err)
	}
	u.EnableAllFolders = u.EnableAllFolders || len(u.EnabledFolders) == 0
	u.EnableUserPreferenceAccess = true
	return nil
}

// normalizeName is Jellyfin 10.11.10's NormalizedUsername: the name upper
// cased (ToUpperInvariant); user names are unique by it.
func normalizeName(name string) string { return strings.ToUpper(name) }

const userColumns = `u."Id", u."Username", u."InternalId", COALESCE(u."Password", ''), u."InvalidLoginAttemptCount",
  u."LoginAttemptsBeforeLockout", u."LastLoginDate", u."LastActivityDate", u."RowVersion",
  (SELECT COALESCE(MAX(CASE WHEN p."Kind" = 0 AND p."Value" THEN 1 ELSE 0 END), 0) FROM "Permissions" p WHERE p."UserId" = u."Id"),
  (SELECT COALESCE(MAX(CASE WHEN p."Kind" = 1 AND p."Value" THEN 1 ELSE 0 END), 0) FROM "Permissions" p WHERE p."UserId" = u."Id"),
  (SELECT COALESCE(MAX(CASE WHEN p."Kind" = 2 AND p."Value" THEN 1 ELSE 0 END), 0) FROM "Permissions" p WHERE p."UserId" = u."Id"),
  (SELECT COALESCE(MAX(CASE WHEN p."Kind" = 16 AND p."Value" THEN 1 ELSE 0 END), 0) FROM "Permissions" p WHERE p."UserId" = u."Id"),
  (SELECT COALESCE(MAX(CASE WHEN p."Kind" = 11 AND p."Value" THEN 1 ELSE 0 END), 0) FROM "Permissions" p WHERE p."UserId" = u."Id"),
  COALESCE((SELECT f."Value" FROM "Preferences" f WHERE f."UserId" = u."Id" AND f."Kind" = 5), ''),
  (SELECT i."Path" FROM "ImageInfos" i WHERE i."UserId" = u."Id"),
  (SELECT i."LastModified" FROM "ImageInfos" i WHERE i."UserId" = u."Id"),
  CASE WHEN u."EnableUserPreferenceAccess" THEN 1 ELSE 0 END`

func scanUser(sc interface{ Scan(...any) error }) (*media.User, error) {
	var u media.User
	var lockout sql.NullInt64
	var admin, hidden, disabled, allFolders, download, prefs int
	var folders string
	var imagePath sql.NullString
	var imageModified *time.Time
	err := sc.Scan(database.ScanGUID{ID: &u.ID}, &u.Name, &u.InternalID, &u.PasswordHash, &u.InvalidLoginAttemptCount,
		&lockout, database.ScanTime{T: &u.LastLoginDate}, database.ScanTime{T: &u.LastActivityDate}, &u.RowVersion,
		&admin, &hidden, &disabled, &allFolders, &download, &folders, &imagePath, database.ScanTime{T: &imageModified}, &prefs)
	if err != nil {
		return nil, err
	}
	if imagePath.Valid && imageModified != nil {
		u.ProfileImage = &media.UserImage{UserID: u.ID, Path: imagePath.String, LastModified: *imageModified}
	}
	if lockout.Valid {
		n := int(lockout.Int64)
		u.LoginAttemptsBeforeLockout = &n
	}
	u.IsAdministrator, u.IsHidden, u.IsDisabled, u.EnableAllFolders = admin == 1, hidden == 1, disabled == 1, allFolders == 1
	u.EnableUserPreferenceAccess = prefs == 1
	u.EnableContentDownloading = download == 1
	u.EnabledFolders = splitIDs(folders)
	return &u, nil
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id media.ID) (*media.User, error) {
	return s.userWhere(ctx, `u."Id" = ?`, database.GUID(id))
}

// UserByName returns the user called name, compared as Jellyfin 10.11.10
// does: without regard to case.
func (s *Store) UserByName(ctx context.Context, name string) (*media.User, error) {
	return s.userWhere(ctx, `u."NormalizedUsername" = ?`, normalizeName(name))
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (*media.User, error) {
	var u *media.User
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		var err error
		u, err = scanUser(s.db.QueryRow(ctx, `SELECT `+userColumns+` FROM "Users" u WHERE `+where, arg))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: %w", notFound(err, "user", arg))
	}
	return u, nil
}

// Users returns every user, by name.
func (s *Store) Users(ctx context.Context) ([]*media.User, error) {
	users, err := queryList(ctx, s, `SELECT `+userColumns+` FROM "Users" u ORDER BY u."Username"`, nil, scanUser)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return users, nil
}

// UpdateUser writes u's name, password, lockout settings and policy
// (administrator, disabled, hidden, folders, preference access). It fails with ECONFLICT when
// the row changed since u was read (Jellyfin's RowVersion check).
func (s *Store) UpdateUser(ctx context.Context, u *media.User) error {
	err := s.inTx(ctx, func(t tx) error {
		res, err := t.exec(ctx, `UPDATE "Users" SET "Username" = ?, "NormalizedUsername" = ?, "Password" = ?,
  "InvalidLoginAttemptCount" = ?, "LoginAttemptsBeforeLockout" = ?, "EnableUserPreferenceAccess" = ?,
  "RowVersion" = "RowVersion" + 1
WHERE "Id" = ? AND "RowVersion" = ?`,
			u.Name, normalizeName(u.Name), nullString(u.PasswordHash), u.InvalidLoginAttemptCount,
			nullInt(u.LoginAttemptsBeforeLockout), u.EnableUserPreferenceAccess, database.GUID(u.ID), u.RowVersion)
		if err != nil {
			if database.IsUniqueViolation(err) {
				return media.Errorf(media.ECONFLICT, "a user named %q already exists", u.Name)
			}
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return media.Errorf(media.ECONFLICT, "user %s was changed or deleted meanwhile", u.ID)
		}
		for kind, v := range map[media.PermissionKind]bool{
			media.PermissionIsAdministrator: u.IsAdministrator, media.PermissionIsDisabled: u.IsDisabled,
			media.PermissionIsHidden: u.IsHidden, media.PermissionEnableAllFolders: u.EnableAllFolders,
		} {
			if err := setPermission(ctx, t, u.ID, kind, v); err != nil {
				return err
			}
		}
		return setPreference(ctx, t, u.ID, media.PreferenceEnabledFolders, joinIDs(u.EnabledFolders))
	})
	if err != nil {
		return fmt.Errorf("store: update user %q: %w", u.Name, err)
	}
	u.RowVersion++
	return nil
}

func setPermission(ctx context.Context, t tx, user media.ID, kind media.PermissionKind, v bool) error {
	res, err := t.exec(ctx, `UPDATE "Permissions" SET "Value" = ?, "RowVersion" = "RowVersion" + 1 WHERE "UserId" = ? AND "Kind" = ? AND "Value" <> ?`,
		v, database.GUID(user), int(kind), v)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	// No row changed: either it already holds v, or it is missing (a user
	// Jellyfin created before the kind existed). Insert if missing.
	_, err = t.exec(ctx, `INSERT INTO "Permissions" ("Kind", "RowVersion", "UserId", "Value")
SELECT ?, 0, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "Permissions" WHERE "UserId" = ? AND "Kind" = ?)`,
		int(kind), database.GUID(user), v, database.GUID(user), int(kind))
	return err
}

// DeleteUser removes a user; Jellyfin's foreign keys cascade to their
// devices, permissions, preferences and play state.
func (s *Store) DeleteUser(ctx context.Context, id media.ID) error {
	res, err := s.exec(ctx, `DELETE FROM "Users" WHERE "Id" = ?`, database.GUID(id))
	if err != nil {
		return fmt.Errorf("store: delete user %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return media.Errorf(media.ENOTFOUND, "user %s not found", id)
	}
	return nil
}

// RecordLogin notes a successful login: the failure count goes back to 0.
func (s *Store) RecordLogin(ctx context.Context, id media.ID, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE "Users" SET "InvalidLoginAttemptCount" = 0, "LastLoginDate" = ?, "LastActivityDate" = ? WHERE "Id" = ?`,
		s.db.Time(at), s.db.Time(at), database.GUID(id))
	return err
}

// RecordLoginFailure counts a failed login, in the database so that every
// replica counts together, and disables the user when the count reaches
// their lockout threshold. It reports whether the user is now disabled.
func (s *Store) RecordLoginFailure(ctx context.Context, id media.ID) (disabled bool, err error) {
	err = s.inTx(ctx, func(t tx) error {
		var count int
		var lockout sql.NullInt64
		if err := t.queryRow(ctx, `UPDATE "Users" SET "InvalidLoginAttemptCount" = "InvalidLoginAttemptCount" + 1 WHERE "Id" = ?
RETURNING "InvalidLoginAttemptCount", "LoginAttemptsBeforeLockout"`, database.GUID(id)).Scan(&count, &lockout); err != nil {
			return notFound(err, "user", id)
		}
		u := media.User{InvalidLoginAttemptCount: count}
		if lockout.Valid {
			n := int(lockout.Int64)
			u.LoginAttemptsBeforeLockout = &n
		}
		if th := u.LockoutThreshold(); th > 0 && count >= th {
			disabled = true
			return setPermission(ctx, t, id, media.PermissionIsDisabled, true)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: record failed login: %w", err)
	}
	return disabled, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// joinIDs writes a GUID list as Jellyfin's Preferences do: comma-separated,
// lowercase hyphenated.
func joinIDs(ids []media.ID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.Hyphenated()
	}
	return strings.Join(parts, ",")
}

// splitIDs reads such a list. A value that is not an id is left out, as
// Jellyfin's GetPreferenceValues does, rather than making the user
// unreadable.
func splitIDs(s string) []media.ID {
	var ids []media.ID
	for part := range strings.SplitSeq(s, ",") {
		if id, err := media.ParseID(strings.TrimSpace(part)); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}
