-- Quick Connect requests: a device that wants to log in without typing a
-- password shows a code; a user logged in elsewhere enters it, and the
-- device then logs in as them. Jellyfin keeps these in memory; here every
-- replica sees them, as the device, the approving user and the poll may
-- each reach another replica. secret is what only the device knows (64 hex
-- digits), code the six digits shown; user_id is set when approved. A
-- request lives ten minutes. Times are Unix milliseconds.
CREATE TABLE jellyha_quick_connect (
    secret      text COLLATE "C" NOT NULL PRIMARY KEY,
    code        text COLLATE "C" NOT NULL UNIQUE,
    device_id   text NOT NULL,
    device_name text NOT NULL,
    app_name    text NOT NULL,
    app_version text NOT NULL,
    created_ms  bigint NOT NULL,
    user_id     uuid
);
