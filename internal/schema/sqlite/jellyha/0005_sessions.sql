-- Client sessions and what they play, so that every replica answers
-- /Sessions alike and no replica holds playback state in memory. A row is
-- written by each playback report (start, progress, stop, ping), in the
-- transaction that records the user's play state. id is Jellyfin's session
-- id (derived from the client name and device id); item_id is NULL when
-- nothing plays. Times are Unix milliseconds.
CREATE TABLE jellyha_sessions (
    id                    TEXT NOT NULL PRIMARY KEY,
    user_id               TEXT NOT NULL,
    client                TEXT NOT NULL,
    device_id             TEXT NOT NULL,
    device_name           TEXT NOT NULL,
    app_version           TEXT NOT NULL,
    item_id               TEXT,
    media_source_id       TEXT NOT NULL,
    play_session_id       TEXT NOT NULL,
    play_method           TEXT NOT NULL,
    position_ticks        INTEGER NOT NULL,
    is_paused             INTEGER NOT NULL,
    is_muted              INTEGER NOT NULL,
    audio_stream_index    INTEGER,
    subtitle_stream_index INTEGER,
    started_ms            INTEGER NOT NULL,
    last_report_ms        INTEGER NOT NULL
);
CREATE INDEX jellyha_sessions_last_report ON jellyha_sessions (last_report_ms);
