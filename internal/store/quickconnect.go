package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// QuickConnectTTL is how long a Quick Connect request lives, as Jellyfin's.
const QuickConnectTTL = 10 * time.Minute

// QuickConnect is one Quick Connect request (jellyha_quick_connect).
type QuickConnect struct {
	Secret, Code                              string
	DeviceID, DeviceName, AppName, AppVersion string
	Created                                   time.Time
	// UserID is who approved it; NilID until someone does.
	UserID media.ID
}

// StartQuickConnect records a request for q's device, with a new secret (32
// random bytes in upper-case hex, as Jellyfin's) and a six-digit code no
// live request has. Expired requests go.
func (s *Store) StartQuickConnect(ctx context.Context, q *QuickConnect) error {
	now := time.Now().UTC()
	if _, err := s.exec(ctx, `DELETE FROM jellyha_quick_connect WHERE created_ms < ?`, now.Add(-QuickConnectTTL).UnixMilli()); err != nil {
		return fmt.Errorf("store: expire quick connect requests: %w", err)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	q.Secret, q.Created, q.UserID = strings.ToUpper(hex.EncodeToString(b[:])), now, media.NilID
	for range 10 {
		n, err := rand.Int(rand.Reader, big.NewInt(900000))
		if err != nil {
			return err
		}
		q.Code = fmt.Sprint(100000 + n.Int64())
		_, err = s.exec(ctx, `INSERT INTO jellyha_quick_connect (secret, code, device_id, device_name, app_name, app_version, created_ms)
VALUES (?, ?, ?, ?, ?, ?, ?)`, q.Secret, q.Code, q.DeviceID, q.DeviceName, q.AppName, q.AppVersion, now.UnixMilli())
		if database.IsUniqueViolation(err) {
			continue // that code is taken: draw another
		}
		if err != nil {
			return fmt.Errorf("store: start quick connect: %w", err)
		}
		return nil
	}
	return media.Errorf(media.ECONFLICT, "no free quick connect code; try again")
}

const quickConnectColumns = `secret, code, device_id, device_name, app_name, app_version, created_ms, user_id`

func scanQuickConnect(sc interface{ Scan(...any) error }) (*QuickConnect, error) {
	var q QuickConnect
	var created int64
	var user sql.NullString
	if err := sc.Scan(&q.Secret, &q.Code, &q.DeviceID, &q.DeviceName, &q.AppName, &q.AppVersion, &created, &user); err != nil {
		return nil, err
	}
	q.Created = time.UnixMilli(created).UTC()
	if user.Valid {
		id, err := media.ParseID(user.String)
		if err != nil {
			return nil, err
		}
		q.UserID = id
	}
	return &q, nil
}

// QuickConnectBySecret returns the live request with secret.
func (s *Store) QuickConnectBySecret(ctx context.Context, secret string) (*QuickConnect, error) {
	return s.quickConnectWhere(ctx, `secret = ?`, secret)
}

func (s *Store) quickConnectWhere(ctx context.Context, where string, arg any) (*QuickConnect, error) {
	var q *QuickConnect
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		var err error
		q, err = scanQuickConnect(s.db.QueryRow(ctx, `SELECT `+quickConnectColumns+` FROM jellyha_quick_connect
WHERE `+where+` AND created_ms >= ?`, arg, time.Now().Add(-QuickConnectTTL).UnixMilli()))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, media.Errorf(media.ENOTFOUND, "Unable to find request")
	}
	if err != nil {
		return nil, fmt.Errorf("store: quick connect: %w", err)
	}
	return q, nil
}

// AuthorizeQuickConnect approves the live request with code for user. A
// request already approved is ECONFLICT; none with that code ENOTFOUND.
func (s *Store) AuthorizeQuickConnect(ctx context.Context, code string, user media.ID) error {
	res, err := s.exec(ctx, `UPDATE jellyha_quick_connect SET user_id = ? WHERE code = ? AND user_id IS NULL AND created_ms >= ?`,
		database.GUID(user), code, time.Now().Add(-QuickConnectTTL).UnixMilli())
	if err != nil {
		return fmt.Errorf("store: authorize quick connect: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.quickConnectWhere(ctx, `code = ?`, code); err != nil {
		return err
	}
	return media.Errorf(media.ECONFLICT, "Request is already authorized")
}

// RedeemQuickConnect takes the approved request with secret, once: the
// device logs in with it, and it is gone. One not approved yet, or not
// there, is ENOTFOUND.
func (s *Store) RedeemQuickConnect(ctx context.Context, secret string) (*QuickConnect, error) {
	var q *QuickConnect
	err := s.inTx(ctx, func(t tx) error {
		var err error
		q, err = scanQuickConnect(t.queryRow(ctx, `DELETE FROM jellyha_quick_connect
WHERE secret = ? AND user_id IS NOT NULL AND created_ms >= ? RETURNING `+quickConnectColumns,
			secret, time.Now().Add(-QuickConnectTTL).UnixMilli()))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, media.Errorf(media.ENOTFOUND, "Unable to find an authorized request")
	}
	if err != nil {
		return nil, fmt.Errorf("store: redeem quick connect: %w", err)
	}
	return q, nil
}
