-- PostgreSQL's 0008 replaces its 0007 series index with one that holds the
-- episodes in season and episode order, for next up's backward walk.
-- SQLite's 0007 index (jellyha_BaseItems_SeriesId_Episodes) already has
-- those columns as keys, so there is nothing to do here; the migration
-- exists so that both engines count the same jellyha schema version.
SELECT 1;
