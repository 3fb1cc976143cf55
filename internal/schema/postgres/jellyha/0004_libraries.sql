-- Libraries live in the database so that every replica sees the same ones.
-- A library's id is its CollectionFolder item's id; its folders are rows of
-- jellyha_library_paths, in order; options is Jellyfin's LibraryOptions as
-- JSON.
CREATE TABLE jellyha_libraries (
    id              uuid NOT NULL PRIMARY KEY,
    name            text COLLATE "C" NOT NULL UNIQUE,
    collection_type text COLLATE "C" NOT NULL,
    options         text NOT NULL
);
CREATE TABLE jellyha_library_paths (
    library_id uuid NOT NULL REFERENCES jellyha_libraries (id) ON DELETE CASCADE,
    path       text COLLATE "C" NOT NULL,
    position   integer NOT NULL,
    PRIMARY KEY (library_id, path)
);
-- The scan lease and progress: one row per kind of scan ("library"). A
-- replica takes it with an UPDATE that succeeds only when no scan runs or
-- the running one's heartbeat is older than the lease, so one scan runs
-- across all replicas; clients read the progress through /ScheduledTasks.
-- Times are Unix milliseconds.
CREATE TABLE jellyha_scan (
    name         text COLLATE "C" NOT NULL PRIMARY KEY,
    holder       text NOT NULL,
    state        text NOT NULL,
    started_ms   bigint NOT NULL,
    heartbeat_ms bigint NOT NULL,
    ended_ms     bigint NOT NULL,
    progress     double precision NOT NULL,
    result       text NOT NULL,
    message      text NOT NULL
);
INSERT INTO jellyha_scan VALUES ('library', '', 'idle', 0, 0, 0, 0, '', '');
-- What the scanner knew of each file or folder item the last time: its size
-- and modification time, ffprobe's answer (so an unchanged file is never
-- probed again, and a moved one keeps it), and a hash of what was written
-- (so an unchanged item is not rewritten).
CREATE TABLE jellyha_scan_files (
    item_id    uuid NOT NULL PRIMARY KEY,
    library_id uuid NOT NULL,
    path       text COLLATE "C" NOT NULL,
    item_type  text COLLATE "C" NOT NULL,
    size       bigint NOT NULL,
    mtime_ns   bigint NOT NULL,
    probe      text NOT NULL,
    sig        text NOT NULL
);
CREATE INDEX jellyha_scan_files_library ON jellyha_scan_files (library_id);
