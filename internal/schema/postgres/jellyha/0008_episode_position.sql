-- Next up walks each series' episodes from the last backwards to the last
-- one the user played, then seeks one forward to the next. That needs the
-- episodes in season and episode order in the index: 0007's index held
-- the numbers only as INCLUDE columns, so PostgreSQL read every episode of
-- the series and tested each one's play state before sorting. This one has
-- them as keys (as SQLite's 0007 index already has); it replaces 0007's,
-- whose other reads (a season's episodes, counts) it serves as well.
-- One statement a line: jellyha migrate rebuilds jellyha_* indexes from these lines.
CREATE INDEX "jellyha_BaseItems_SeriesId_Position" ON "BaseItems" ("SeriesId", "Type", "IsVirtualItem", "ParentIndexNumber", "IndexNumber", "Id") INCLUDE ("TopParentId");
DROP INDEX "jellyha_BaseItems_SeriesId_Episodes";
