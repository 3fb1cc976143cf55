-- Libraries Jellyfin set up can be adopted (store.AdoptLibrary): they get a
-- jellyha_libraries row like jellyha's own, so that every replica manages
-- and scans the same definition, but their items stay filed Jellyfin's way.
-- layout says which: 'jellyha' files a library's items under its
-- CollectionFolder; 'jellyfin' files them under one Folder item per media
-- path (a child of the AggregateFolder root, the items' TopParentId), named
-- by the CollectionFolder's Data ("PhysicalFolderIds"). folder_id is that
-- Folder item of a path, NULL in the 'jellyha' layout.
ALTER TABLE jellyha_libraries ADD COLUMN layout TEXT NOT NULL DEFAULT 'jellyha';
ALTER TABLE jellyha_library_paths ADD COLUMN folder_id TEXT;
