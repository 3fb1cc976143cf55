-- jellyha's own settings (server id, startup wizard state...), shared by
-- every replica through the database rather than a file on one machine.
CREATE TABLE jellyha_settings (
    key   text COLLATE "C" NOT NULL PRIMARY KEY,
    value text COLLATE "C" NOT NULL
);
