-- Client sessions and what they play, so that every replica answers
-- /Sessions alike and no replica holds playback state in memory. A row is
-- written by each playback report (start, progress, stop, ping), in the
-- transaction that records the user's play state. id is Jellyfin's session
-- id (derived from the client name and device id); item_id is NULL when
-- nothing plays. Times are Unix milliseconds.
CREATE TABLE jellyha_sessions (
    id                    text COLLATE "C" NOT NULL PRIMARY KEY,
    user_id               uuid NOT NULL,
    client                text NOT NULL,
    device_id             text NOT NULL,
    device_name           text NOT NULL,
    app_version           text NOT NULL,
    item_id               uuid,
    media_source_id       text NOT NULL,
    play_session_id       text NOT NULL,
    play_method           text NOT NULL,
    position_ticks        bigint NOT NULL,
    is_paused             boolean NOT NULL,
    is_muted              boolean NOT NULL,
    audio_stream_index    integer,
    subtitle_stream_index integer,
    started_ms            bigint NOT NULL,
    last_report_ms        bigint NOT NULL
);
CREATE INDEX jellyha_sessions_last_report ON jellyha_sessions (last_report_ms);
