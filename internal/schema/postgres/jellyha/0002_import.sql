-- The migrator's progress, so an interrupted "jellyha migrate" resumes where
-- it stopped: one row per table, updated in the same transaction as each
-- batch of rows it copies; and the rows it set aside, with the reason.
CREATE TABLE jellyha_import (
    table_name text COLLATE "C" NOT NULL PRIMARY KEY,
    source     text NOT NULL,
    rows_read  bigint NOT NULL,
    copied     bigint NOT NULL,
    converted  bigint NOT NULL,
    rounded    bigint NOT NULL,
    rejected   bigint NOT NULL,
    done       boolean NOT NULL
);
CREATE TABLE jellyha_import_rejects (
    table_name text COLLATE "C" NOT NULL,
    row_number bigint NOT NULL,
    reason     text NOT NULL,
    row_json   text NOT NULL,
    PRIMARY KEY (table_name, row_number)
);
