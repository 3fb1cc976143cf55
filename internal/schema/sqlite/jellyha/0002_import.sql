-- The migrator's progress, so an interrupted "jellyha migrate" resumes where
-- it stopped: one row per table, updated in the same transaction as each
-- batch of rows it copies; and the rows it set aside, with the reason.
CREATE TABLE jellyha_import (
    table_name TEXT NOT NULL PRIMARY KEY,
    source     TEXT NOT NULL,
    rows_read  INTEGER NOT NULL,
    copied     INTEGER NOT NULL,
    converted  INTEGER NOT NULL,
    rounded    INTEGER NOT NULL,
    rejected   INTEGER NOT NULL,
    done       INTEGER NOT NULL
);
CREATE TABLE jellyha_import_rejects (
    table_name TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    row_json   TEXT NOT NULL,
    PRIMARY KEY (table_name, row_number)
);
