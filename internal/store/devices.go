package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// NewToken returns an access token as Jellyfin makes them: a random GUID in
// "N" form, 32 lowercase hex digits.
func NewToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CreateDevice records a login: a Devices row holding a new access token.
// Like Jellyfin, it first removes the user's earlier sessions from the same
// device, whose tokens are thereby revoked.
func (s *Store) CreateDevice(ctx context.Context, d *media.Device) error {
	if d.AccessToken == "" {
		d.AccessToken = NewToken()
	}
	now := time.Now().UTC()
	d.DateCreated, d.DateModified, d.DateLastActivity, d.IsActive = now, now, now, true
	err := s.inTx(ctx, func(t tx) error {
		if _, err := t.exec(ctx, `DELETE FROM "Devices" WHERE "UserId" = ? AND "DeviceId" = ?`, database.GUID(d.UserID), d.DeviceID); err != nil {
			return err
		}
		return t.queryRow(ctx, `INSERT INTO "Devices" ("UserId", "AccessToken", "AppName", "AppVersion", "DeviceName", "DeviceId", "IsActive", "DateCreated", "DateModified", "DateLastActivity")
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "Id"`,
			database.GUID(d.UserID), d.AccessToken, d.AppName, d.AppVersion, d.DeviceName, d.DeviceID, true,
			s.db.Time(now), s.db.Time(now), s.db.Time(now)).Scan(&d.ID)
	})
	if err != nil {
		return fmt.Errorf("store: create device: %w", err)
	}
	return nil
}

// DeviceByToken returns the session that token belongs to.
func (s *Store) DeviceByToken(ctx context.Context, token string) (*media.Device, error) {
	var d media.Device
	var created, modified, last *time.Time
	err := s.queryRow(ctx, `SELECT "Id", "UserId", "AccessToken", "AppName", "AppVersion", "DeviceName", "DeviceId", "IsActive", "DateCreated", "DateModified", "DateLastActivity"
FROM "Devices" WHERE "AccessToken" = ?`, []any{token},
		&d.ID, database.ScanGUID{ID: &d.UserID}, &d.AccessToken, &d.AppName, &d.AppVersion, &d.DeviceName, &d.DeviceID, &d.IsActive,
		database.ScanTime{T: &created}, database.ScanTime{T: &modified}, database.ScanTime{T: &last})
	if err != nil {
		return nil, fmt.Errorf("store: %w", notFound(err, "access token", "(hidden)"))
	}
	d.DateCreated, d.DateModified, d.DateLastActivity = deref(created), deref(modified), deref(last)
	return &d, nil
}

// TouchDevice records activity on a session.
func (s *Store) TouchDevice(ctx context.Context, id int64, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE "Devices" SET "DateLastActivity" = ? WHERE "Id" = ?`, s.db.Time(at), id)
	return err
}

// DeleteDevice ends the session holding token (logout).
func (s *Store) DeleteDevice(ctx context.Context, token string) error {
	res, err := s.exec(ctx, `DELETE FROM "Devices" WHERE "AccessToken" = ?`, token)
	if err != nil {
		return fmt.Errorf("store: delete device: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return media.Errorf(media.ENOTFOUND, "access token not found")
	}
	return nil
}

// CreateAPIKey issues an application key.
func (s *Store) CreateAPIKey(ctx context.Context, name string) (*media.APIKey, error) {
	if name == "" || len(name) > 64 {
		return nil, media.Errorf(media.EINVALID, "an API key needs a name of 1 to 64 characters")
	}
	now := time.Now().UTC()
	k := &media.APIKey{Name: name, AccessToken: NewToken(), DateCreated: now, DateLastActivity: now}
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		return s.db.Write.QueryRowContext(ctx, s.db.Rebind(`INSERT INTO "ApiKeys" ("DateCreated", "DateLastActivity", "Name", "AccessToken") VALUES (?, ?, ?, ?) RETURNING "Id"`),
			s.db.Time(now), s.db.Time(now), name, k.AccessToken).Scan(&k.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create API key: %w", err)
	}
	return k, nil
}

// APIKeyByToken returns the API key with token.
func (s *Store) APIKeyByToken(ctx context.Context, token string) (*media.APIKey, error) {
	var k media.APIKey
	var created, last *time.Time
	err := s.queryRow(ctx, `SELECT "Id", "Name", "AccessToken", "DateCreated", "DateLastActivity" FROM "ApiKeys" WHERE "AccessToken" = ?`, []any{token},
		&k.ID, &k.Name, &k.AccessToken, database.ScanTime{T: &created}, database.ScanTime{T: &last})
	if err != nil {
		return nil, fmt.Errorf("store: %w", notFound(err, "API key", "(hidden)"))
	}
	k.DateCreated, k.DateLastActivity = deref(created), deref(last)
	return &k, nil
}

// APIKeys lists the API keys, oldest first.
func (s *Store) APIKeys(ctx context.Context) ([]*media.APIKey, error) {
	return queryList(ctx, s, `SELECT "Id", "Name", "AccessToken", "DateCreated", "DateLastActivity" FROM "ApiKeys" ORDER BY "Id"`, nil,
		func(sc interface{ Scan(...any) error }) (*media.APIKey, error) {
			var k media.APIKey
			var created, last *time.Time
			if err := sc.Scan(&k.ID, &k.Name, &k.AccessToken, database.ScanTime{T: &created}, database.ScanTime{T: &last}); err != nil {
				return nil, err
			}
			k.DateCreated, k.DateLastActivity = deref(created), deref(last)
			return &k, nil
		})
}

// DeleteAPIKey revokes the API key with token.
func (s *Store) DeleteAPIKey(ctx context.Context, token string) error {
	res, err := s.exec(ctx, `DELETE FROM "ApiKeys" WHERE "AccessToken" = ?`, token)
	if err != nil {
		return fmt.Errorf("store: delete API key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return media.Errorf(media.ENOTFOUND, "API key not found")
	}
	return nil
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
