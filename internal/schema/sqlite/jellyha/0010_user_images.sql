-- Profile pictures uploaded through jellyha (POST /UserImage). Jellyfin
-- keeps a picture as the file its ImageInfos row names, but replicas need
-- not share a disk, so the bytes are kept here where every replica reads
-- them; the ImageInfos row is still written, so that Jellyfin's schema
-- says who has a picture. tag is the ImageInfos row's cache tag (a hash of
-- its Path and LastModified) when the bytes were stored: should the row
-- change without this one (Jellyfin itself took an upload), the tags differ
-- and the file the row names is served instead of stale bytes. user_id is
-- Users.Id as Jellyfin writes GUIDs; content_type is the sniffed type of
-- data (image/jpeg, image/png...).
CREATE TABLE jellyha_user_images (
    user_id      TEXT NOT NULL PRIMARY KEY,
    tag          TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL
);
