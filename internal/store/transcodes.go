package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// This file holds the registry of HLS transcode jobs (jellyha_transcodes):
// which replica runs which job, so that a segment request landing on
// another replica can be sent there, and so that stopping playback on any
// replica reaches the one that runs ffmpeg. Package transcode explains the
// design.

// TranscodeClaim is one replica's claim on one transcode job.
type TranscodeClaim struct {
	Key           string // the job: play session and encoding parameters
	PlaySessionID string
	DeviceID      string
	ItemID        media.ID
	ReplicaID     string
	ReplicaURL    string
	Started       time.Time
	Heartbeat     time.Time
}

// ClaimTranscode records c as the owner of its job and returns the owner
// afterwards: c when the job had no row, was c's replica's already, its
// owner's heartbeat is older than staleBefore, or its owner is deadOwner
// (a replica the caller could not reach; "" for none). Otherwise the
// current owner stays and is returned. The update is one conditional
// upsert, so two replicas claiming at once agree on one owner.
func (s *Store) ClaimTranscode(ctx context.Context, c *TranscodeClaim, staleBefore time.Time, deadOwner string) (*TranscodeClaim, error) {
	var out *TranscodeClaim
	err := s.inTx(ctx, func(t tx) error {
		_, err := t.exec(ctx, `INSERT INTO jellyha_transcodes (job_key, play_session_id, device_id, item_id, replica_id, replica_url, started_ms, heartbeat_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (job_key) DO UPDATE SET replica_id = excluded.replica_id, replica_url = excluded.replica_url,
  started_ms = excluded.started_ms, heartbeat_ms = excluded.heartbeat_ms
WHERE jellyha_transcodes.replica_id = excluded.replica_id OR jellyha_transcodes.heartbeat_ms < ? OR jellyha_transcodes.replica_id = ?`,
			c.Key, c.PlaySessionID, c.DeviceID, database.GUID(c.ItemID), c.ReplicaID, c.ReplicaURL, c.Started.UnixMilli(), c.Heartbeat.UnixMilli(),
			staleBefore.UnixMilli(), deadOwner)
		if err != nil {
			return err
		}
		out, err = scanClaim(t.queryRow(ctx, transcodeSelect+` WHERE job_key = ?`, c.Key))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim transcode: %w", err)
	}
	return out, nil
}

const transcodeSelect = `SELECT job_key, play_session_id, device_id, item_id, replica_id, replica_url, started_ms, heartbeat_ms FROM jellyha_transcodes`

func scanClaim(row interface{ Scan(...any) error }) (*TranscodeClaim, error) {
	c := &TranscodeClaim{}
	var started, beat int64
	if err := row.Scan(&c.Key, &c.PlaySessionID, &c.DeviceID, database.ScanGUID{ID: &c.ItemID}, &c.ReplicaID, &c.ReplicaURL, &started, &beat); err != nil {
		return nil, err
	}
	c.Started, c.Heartbeat = time.UnixMilli(started).UTC(), time.UnixMilli(beat).UTC()
	return c, nil
}

// TranscodeOwner returns the claim on a job, nil when no replica has one.
func (s *Store) TranscodeOwner(ctx context.Context, key string) (*TranscodeClaim, error) {
	var out *TranscodeClaim
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		var err error
		out, err = scanClaim(s.db.QueryRow(ctx, transcodeSelect+` WHERE job_key = ?`, key))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: transcode owner: %w", err)
	}
	return out, nil
}

// HeartbeatTranscodes renews the claims of a replica, removes the claims
// whose heartbeat is older than expireBefore (their replicas are gone), and
// returns the keys the replica still owns: a job of its own that is not
// among them was stopped, or taken over, by another replica.
func (s *Store) HeartbeatTranscodes(ctx context.Context, replicaID string, at, expireBefore time.Time) (map[string]bool, error) {
	var owned map[string]bool
	err := s.inTx(ctx, func(t tx) error {
		owned = map[string]bool{}
		if _, err := t.exec(ctx, `UPDATE jellyha_transcodes SET heartbeat_ms = ? WHERE replica_id = ?`, at.UnixMilli(), replicaID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM jellyha_transcodes WHERE heartbeat_ms < ?`, expireBefore.UnixMilli()); err != nil {
			return err
		}
		rows, err := t.QueryContext(ctx, t.db.Rebind(`SELECT job_key FROM jellyha_transcodes WHERE replica_id = ?`), replicaID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			owned[k] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: transcode heartbeat: %w", err)
	}
	return owned, nil
}

// ReleaseTranscode removes a replica's claim on a job it ended.
func (s *Store) ReleaseTranscode(ctx context.Context, key, replicaID string) error {
	if _, err := s.exec(ctx, `DELETE FROM jellyha_transcodes WHERE job_key = ? AND replica_id = ?`, key, replicaID); err != nil {
		return fmt.Errorf("store: release transcode: %w", err)
	}
	return nil
}

// StopTranscodes removes the claims on the jobs of a play session (and
// device, when given both) or, with no play session, of a device; their
// owners stop them at their next heartbeat. It returns how many it removed.
func (s *Store) StopTranscodes(ctx context.Context, playSessionID, deviceID string) (int64, error) {
	var res sql.Result
	var err error
	switch {
	case playSessionID != "" && deviceID != "":
		res, err = s.exec(ctx, `DELETE FROM jellyha_transcodes WHERE play_session_id = ? AND device_id = ?`, playSessionID, deviceID)
	case playSessionID != "":
		res, err = s.exec(ctx, `DELETE FROM jellyha_transcodes WHERE play_session_id = ?`, playSessionID)
	case deviceID != "":
		res, err = s.exec(ctx, `DELETE FROM jellyha_transcodes WHERE device_id = ?`, deviceID)
	default:
		return 0, media.Errorf(media.EINVALID, "a play session or a device is required")
	}
	if err != nil {
		return 0, fmt.Errorf("store: stop transcodes: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
