package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// This file holds what the HTTP API needs beyond the core store: whole
// permission sets (a UserDto carries every policy flag), session revocation,
// and the guarded deletion Jellyfin does.

// Permissions returns every user's permission rows, by user. Jellyfin's
// UserDto shows all 24 flags, while media.User carries only the four the
// server acts on; one query serves a whole user list.
func (s *Store) Permissions(ctx context.Context) (map[media.ID]map[media.PermissionKind]bool, error) {
	return s.permissionsWhere(ctx, "", nil)
}

// UserPermissions returns one user's permission rows.
func (s *Store) UserPermissions(ctx context.Context, id media.ID) (map[media.PermissionKind]bool, error) {
	all, err := s.permissionsWhere(ctx, ` WHERE "UserId" = ?`, []any{database.GUID(id)})
	if err != nil {
		return nil, err
	}
	return all[id], nil
}

func (s *Store) permissionsWhere(ctx context.Context, where string, args []any) (map[media.ID]map[media.PermissionKind]bool, error) {
	var out map[media.ID]map[media.PermissionKind]bool
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		out = make(map[media.ID]map[media.PermissionKind]bool)
		rows, err := s.db.Query(ctx, `SELECT "UserId", "Kind", "Value" FROM "Permissions"`+where, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id media.ID
			var kind int
			var v bool
			if err := rows.Scan(database.ScanGUID{ID: &id}, &kind, &v); err != nil {
				return err
			}
			if out[id] == nil {
				out[id] = make(map[media.PermissionKind]bool)
			}
			out[id][media.PermissionKind(kind)] = v
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: read permissions: %w", err)
	}
	return out, nil
}

// SetPermissions writes the given permission flags of a user in one
// transaction, inserting rows Jellyfin never created for older users.
func (s *Store) SetPermissions(ctx context.Context, id media.ID, perms map[media.PermissionKind]bool) error {
	err := s.inTx(ctx, func(t tx) error {
		for k, v := range perms {
			if err := setPermission(ctx, t, id, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set permissions of %s: %w", id, err)
	}
	return nil
}

// DeleteUserDevices ends every session of a user except the one holding
// keepToken (may be ""), as Jellyfin's RevokeUserTokens does after a
// password change or when a user is disabled.
func (s *Store) DeleteUserDevices(ctx context.Context, user media.ID, keepToken string) error {
	_, err := s.exec(ctx, `DELETE FROM "Devices" WHERE "UserId" = ? AND "AccessToken" <> ?`, database.GUID(user), keepToken)
	if err != nil {
		return fmt.Errorf("store: revoke sessions of %s: %w", user, err)
	}
	return nil
}

// DeleteUserKeepingAdmin deletes a user unless that would leave no user, or
// no administrator, as Jellyfin's DeleteUserAsync refuses. The checks and
// the delete share a transaction that first locks every administrator's row
// (an UPDATE that changes nothing), so two replicas deleting the last two
// administrators at once on PostgreSQL take turns and the second is refused.
// SQLite has a single writer, which serialises them anyway.
func (s *Store) DeleteUserKeepingAdmin(ctx context.Context, id media.ID) error {
	err := s.inTx(ctx, func(t tx) error {
		if _, err := t.exec(ctx, `UPDATE "Users" SET "RowVersion" = "RowVersion" WHERE "Id" IN
  (SELECT "UserId" FROM "Permissions" WHERE "Kind" = ? AND "Value" = ?)`, int(media.PermissionIsAdministrator), true); err != nil {
			return err
		}
		var name string
		if err := t.queryRow(ctx, `SELECT "Username" FROM "Users" WHERE "Id" = ?`, database.GUID(id)).Scan(&name); err != nil {
			return notFound(err, "user", id)
		}
		var users, admins, isAdmin int
		if err := t.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM "Users"),
  (SELECT COUNT(DISTINCT "UserId") FROM "Permissions" WHERE "Kind" = ? AND "Value" = ?),
  (SELECT COUNT(*) FROM "Permissions" WHERE "UserId" = ? AND "Kind" = ? AND "Value" = ?)`,
			int(media.PermissionIsAdministrator), true, database.GUID(id), int(media.PermissionIsAdministrator), true).Scan(&users, &admins, &isAdmin); err != nil {
			return err
		}
		if users <= 1 {
			return media.Errorf(media.EINVALID, "the user %q cannot be deleted because there must be at least one user", name)
		}
		if isAdmin > 0 && admins <= 1 {
			return media.Errorf(media.EINVALID, "the user %q cannot be deleted because there must be at least one administrator", name)
		}
		// The picture's bytes are jellyha's and have no foreign key to
		// cascade through; ImageInfos goes with the user.
		if _, err := t.exec(ctx, `DELETE FROM jellyha_user_images WHERE user_id = ?`, database.GUID(id)); err != nil {
			return err
		}
		_, err := t.exec(ctx, `DELETE FROM "Users" WHERE "Id" = ?`, database.GUID(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete user %s: %w", id, err)
	}
	return nil
}

// Settings returns the values of keys that are set, in one query.
func (s *Store) Settings(ctx context.Context, keys ...string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	query := `SELECT key, value FROM jellyha_settings WHERE key IN (?` + strings.Repeat(", ?", len(keys)-1) + `)`
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		clear(out)
		rows, err := s.db.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			out[k] = v
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: settings: %w", err)
	}
	return out, nil
}

// TouchAPIKey records activity on an API key.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE "ApiKeys" SET "DateLastActivity" = ? WHERE "Id" = ?`, s.db.Time(at), id)
	return err
}
