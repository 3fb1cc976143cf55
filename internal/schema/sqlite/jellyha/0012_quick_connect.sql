-- Quick Connect requests: a device that wants to log in without typing a
-- password shows a code; a user logged in elsewhere enters it, and the
-- device then logs in as them. Jellyfin keeps these in memory; here every
-- replica sees them, as the device, the approving user and the poll may
-- each reach another replica. secret is what only the device knows (64 hex
-- digits), code the six digits shown; user_id is set when approved. A
-- request lives ten minutes. Times are Unix milliseconds.
CREATE TABLE jellyha_quick_connect (
    secret      TEXT NOT NULL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    device_id   TEXT NOT NULL,
    device_name TEXT NOT NULL,
    app_name    TEXT NOT NULL,
    app_version TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    user_id     TEXT
);
