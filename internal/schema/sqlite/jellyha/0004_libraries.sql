-- Libraries live in the database so that every replica sees the same ones.
-- A library's id is its CollectionFolder item's id (stored as BaseItems
-- stores GUIDs); its folders are rows of jellyha_library_paths, in order;
-- options is Jellyfin's LibraryOptions as JSON.
CREATE TABLE jellyha_libraries (
    id              TEXT NOT NULL PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    collection_type TEXT NOT NULL,
    options         TEXT NOT NULL
);
CREATE TABLE jellyha_library_paths (
    library_id TEXT NOT NULL REFERENCES jellyha_libraries (id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (library_id, path)
);
-- The scan lease and progress: one row per kind of scan ("library"). A
-- replica takes it with an UPDATE that succeeds only when no scan runs or
-- the running one's heartbeat is older than the lease, so one scan runs
-- across all replicas; clients read the progress through /ScheduledTasks.
-- Times are Unix milliseconds.
CREATE TABLE jellyha_scan (
    name         TEXT NOT NULL PRIMARY KEY,
    holder       TEXT NOT NULL,
    state        TEXT NOT NULL,
    started_ms   INTEGER NOT NULL,
    heartbeat_ms INTEGER NOT NULL,
    ended_ms     INTEGER NOT NULL,
    progress     REAL NOT NULL,
    result       TEXT NOT NULL,
    message      TEXT NOT NULL
);
INSERT INTO jellyha_scan VALUES ('library', '', 'idle', 0, 0, 0, 0, '', '');
-- What the scanner knew of each file or folder item the last time: its size
-- and modification time, ffprobe's answer (so an unchanged file is never
-- probed again, and a moved one keeps it), and a hash of what was written
-- (so an unchanged item is not rewritten).
CREATE TABLE jellyha_scan_files (
    item_id    TEXT NOT NULL PRIMARY KEY,
    library_id TEXT NOT NULL,
    path       TEXT NOT NULL,
    item_type  TEXT NOT NULL,
    size       INTEGER NOT NULL,
    mtime_ns   INTEGER NOT NULL,
    probe      TEXT NOT NULL,
    sig        TEXT NOT NULL
);
CREATE INDEX jellyha_scan_files_library ON jellyha_scan_files (library_id);
