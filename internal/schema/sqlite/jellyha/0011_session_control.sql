-- What each client session declared it can do (POST /Sessions/Capabilities):
-- the media it plays, the remote commands it takes, and whether it may be
-- controlled at all. GET /Sessions shows them, and a command sent to a
-- session (POST /Sessions/{id}/Playing...) is refused unless it allows it.
-- Lists are comma-separated, as clients send them in a query string.
ALTER TABLE jellyha_sessions ADD COLUMN playable_media_types TEXT NOT NULL DEFAULT '';
ALTER TABLE jellyha_sessions ADD COLUMN supported_commands TEXT NOT NULL DEFAULT '';
ALTER TABLE jellyha_sessions ADD COLUMN supports_media_control INTEGER NOT NULL DEFAULT 0;
