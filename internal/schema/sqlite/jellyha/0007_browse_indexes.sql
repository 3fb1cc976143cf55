-- Indexes for browsing, on Jellyfin's BaseItems and UserData tables (Jellyfin's own
-- columns and indexes are untouched; these are jellyha's, named jellyha_*,
-- and Jellyfin ignores them). Jellyfin's schema has no index that yields
-- items in SortName or DateCreated order, so every sorted page read and
-- sorted every matching item, the first page included. With these, a page
-- is read in order from the index and the LIMIT stops the scan; each one
-- also holds the columns the browse filters test (type, library, virtual,
-- folder), so that skipping to a deep page reads the index alone.
--
-- A library's grid by name (ParentId=<library>&Recursive=true&
-- IncludeItemTypes=Movie&SortBy=SortName,ProductionYear):
CREATE INDEX "jellyha_BaseItems_TopParentId_Type_SortName"
    ON "BaseItems" ("TopParentId", "Type", "IsVirtualItem", "SortName", "ProductionYear", "Id");
-- Items by name across libraries or types (IncludeItemTypes=Movie,Episode):
CREATE INDEX "jellyha_BaseItems_SortName"
    ON "BaseItems" ("SortName", "ProductionYear", "Id", "Type", "TopParentId", "IsVirtualItem");
-- A library's newest items (/Items/Latest, SortBy=DateCreated):
CREATE INDEX "jellyha_BaseItems_TopParentId_DateCreated"
    ON "BaseItems" ("TopParentId", "IsVirtualItem", "DateCreated", "IsFolder", "Type", "Id");
-- A user's play state, most recently played first: next up reads the
-- user's played episodes in that order and stops once its page is full
-- (Jellyfin's UserData indexes all lead with ItemId).
CREATE INDEX "jellyha_UserData_UserId_LastPlayedDate"
    ON "UserData" ("UserId", "LastPlayedDate", "ItemId", "CustomDataKey", "Played", "PlaybackPositionTicks");
-- A series' episodes with their numbers, from the index alone: next up
-- finds each series' last played and next episode with them (Jellyfin's
-- schema reaches a series' episodes only through AncestorIds and a lookup
-- per episode).
CREATE INDEX "jellyha_BaseItems_SeriesId_Episodes"
    ON "BaseItems" ("SeriesId", "Type", "IsVirtualItem", "ParentIndexNumber", "IndexNumber", "Id", "TopParentId");
-- Statistics for the new indexes at once (a few hundred milliseconds on a
-- 100,000-item library): without them SQLite may keep sorting by the older
-- indexes until the next PRAGMA optimize.
ANALYZE "jellyha_BaseItems_TopParentId_Type_SortName";
ANALYZE "jellyha_BaseItems_SortName";
ANALYZE "jellyha_BaseItems_TopParentId_DateCreated";
ANALYZE "jellyha_UserData_UserId_LastPlayedDate";
ANALYZE "jellyha_BaseItems_SeriesId_Episodes";
