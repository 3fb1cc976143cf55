-- jellyha's own settings (server id, startup wizard state...), shared by
-- every replica through the database rather than a file on one machine.
CREATE TABLE jellyha_settings (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
