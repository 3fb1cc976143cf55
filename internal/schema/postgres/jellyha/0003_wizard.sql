-- A database that already has users was set up by Jellyfin (or by an
-- earlier jellyha): its startup wizard is done. Without this, a jellyfin.db
-- opened in place would offer the wizard, and with it the first user's
-- password, to anyone. "jellyha migrate" applies the same rule after its copy.
INSERT INTO jellyha_settings (key, value)
SELECT 'StartupWizardCompleted', 'true' WHERE EXISTS (SELECT 1 FROM "Users")
ON CONFLICT (key) DO NOTHING;
