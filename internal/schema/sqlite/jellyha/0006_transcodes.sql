-- The HLS transcode jobs running on the replicas, so that a segment request
-- that lands on a replica without the job finds the replica that has it
-- (package transcode). A row is the claim of one replica on one job:
-- replica_url is where the other replicas reach it, heartbeat_ms is renewed
-- by the owner while the job lives; a row whose heartbeat is stale names a
-- dead replica and may be taken over. Deleting a row (playback stopped on
-- any replica) tells the owner to stop the job. Times are Unix milliseconds.
CREATE TABLE jellyha_transcodes (
    job_key         TEXT NOT NULL PRIMARY KEY,
    play_session_id TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    item_id         TEXT NOT NULL,
    replica_id      TEXT NOT NULL,
    replica_url     TEXT NOT NULL,
    started_ms      INTEGER NOT NULL,
    heartbeat_ms    INTEGER NOT NULL
);
CREATE INDEX jellyha_transcodes_play_session ON jellyha_transcodes (play_session_id);
CREATE INDEX jellyha_transcodes_device ON jellyha_transcodes (device_id);
CREATE INDEX jellyha_transcodes_replica ON jellyha_transcodes (replica_id);
