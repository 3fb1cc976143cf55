-- Jellyfin 10.11.11's database, as Jellyfin's EF Core SQLite provider leaves it: the 30
-- entity tables plus EF's two, column order as on disk in a real jellyfin.db
-- (rebuilt tables in model order, ALTER-added columns last), constraint and
-- index names as EF generates them, including the IX_CustomItemDisplayPreferences_UserId
-- index that real databases keep although the model dropped it. Checked by
-- schema_test.go against ../shared/reference/jellyfin-10.11.11-sqlite-schema.json.

CREATE TABLE "__EFMigrationsHistory" (
    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
    "ProductVersion" TEXT NOT NULL
);
CREATE TABLE "__EFMigrationsLock" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY,
    "Timestamp" TEXT NOT NULL
);
CREATE TABLE "Users" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Users" PRIMARY KEY,
    "AudioLanguagePreference" TEXT,
    "AuthenticationProviderId" TEXT NOT NULL,
    "CastReceiverId" TEXT,
    "DisplayCollectionsView" INTEGER NOT NULL,
    "DisplayMissingEpisodes" INTEGER NOT NULL,
    "EnableAutoLogin" INTEGER NOT NULL,
    "EnableLocalPassword" INTEGER NOT NULL,
    "EnableNextEpisodeAutoPlay" INTEGER NOT NULL,
    "EnableUserPreferenceAccess" INTEGER NOT NULL,
    "HidePlayedInLatest" INTEGER NOT NULL,
    "InternalId" INTEGER NOT NULL,
    "InvalidLoginAttemptCount" INTEGER NOT NULL,
    "LastActivityDate" TEXT,
    "LastLoginDate" TEXT,
    "LoginAttemptsBeforeLockout" INTEGER,
    "MaxActiveSessions" INTEGER NOT NULL,
    "MaxParentalRatingScore" INTEGER,
    "MustUpdatePassword" INTEGER NOT NULL,
    "Password" TEXT,
    "PasswordResetProviderId" TEXT NOT NULL,
    "PlayDefaultAudioTrack" INTEGER NOT NULL,
    "RememberAudioSelections" INTEGER NOT NULL,
    "RememberSubtitleSelections" INTEGER NOT NULL,
    "RemoteClientBitrateLimit" INTEGER,
    "RowVersion" INTEGER NOT NULL,
    "SubtitleLanguagePreference" TEXT,
    "SubtitleMode" INTEGER NOT NULL,
    "SyncPlayAccess" INTEGER NOT NULL,
    "Username" TEXT NOT NULL,
    "MaxParentalRatingSubScore" INTEGER,
    "NormalizedUsername" TEXT NOT NULL DEFAULT ''
);
CREATE TABLE "AccessSchedules" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_AccessSchedules" PRIMARY KEY AUTOINCREMENT,
    "UserId" TEXT NOT NULL,
    "DayOfWeek" INTEGER NOT NULL,
    "StartHour" REAL NOT NULL,
    "EndHour" REAL NOT NULL,
    CONSTRAINT "FK_AccessSchedules_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);
CREATE TABLE "ActivityLogs" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_ActivityLogs" PRIMARY KEY AUTOINCREMENT,
    "Name" TEXT NOT NULL,
    "Overview" TEXT,
    "ShortOverview" TEXT,
    "Type" TEXT NOT NULL,
    "UserId" TEXT NOT NULL,
    "ItemId" TEXT,
    "DateCreated" TEXT NOT NULL,
    "LogSeverity" INTEGER NOT NULL,
    "RowVersion" INTEGER NOT NULL
);
CREATE TABLE "BaseItems" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_BaseItems" PRIMARY KEY,
    "Album" TEXT,
    "AlbumArtists" TEXT,
    "Artists" TEXT,
    "Audio" INTEGER,
    "ChannelId" TEXT,
    "CleanName" TEXT,
    "CommunityRating" REAL,
    "CriticRating" REAL,
    "CustomRating" TEXT,
    "Data" TEXT,
    "DateCreated" TEXT,
    "DateLastMediaAdded" TEXT,
    "DateLastRefreshed" TEXT,
    "DateLastSaved" TEXT,
    "DateModified" TEXT,
    "EndDate" TEXT,
    "EpisodeTitle" TEXT,
    "ExternalId" TEXT,
    "ExternalSeriesId" TEXT,
    "ExternalServiceId" TEXT,
    "ExtraIds" TEXT,
    "ExtraType" INTEGER,
    "ForcedSortName" TEXT,
    "Genres" TEXT,
    "Height" INTEGER,
    "IndexNumber" INTEGER,
    "InheritedParentalRatingSubValue" INTEGER,
    "InheritedParentalRatingValue" INTEGER,
    "IsFolder" INTEGER NOT NULL,
    "IsInMixedFolder" INTEGER NOT NULL,
    "IsLocked" INTEGER NOT NULL,
    "IsMovie" INTEGER NOT NULL,
    "IsRepeat" INTEGER NOT NULL,
    "IsSeries" INTEGER NOT NULL,
    "IsVirtualItem" INTEGER NOT NULL,
    "LUFS" REAL,
    "MediaType" TEXT,
    "Name" TEXT,
    "NormalizationGain" REAL,
    "OfficialRating" TEXT,
    "OriginalTitle" TEXT,
    "Overview" TEXT,
    "OwnerId" TEXT,
    "ParentId" TEXT,
    "ParentIndexNumber" INTEGER,
    "Path" TEXT,
    "PreferredMetadataCountryCode" TEXT,
    "PreferredMetadataLanguage" TEXT,
    "PremiereDate" TEXT,
    "PresentationUniqueKey" TEXT,
    "PrimaryVersionId" TEXT,
    "ProductionLocations" TEXT,
    "ProductionYear" INTEGER,
    "RunTimeTicks" INTEGER,
    "SeasonId" TEXT,
    "SeasonName" TEXT,
    "SeriesId" TEXT,
    "SeriesName" TEXT,
    "SeriesPresentationUniqueKey" TEXT,
    "ShowId" TEXT,
    "Size" INTEGER,
    "SortName" TEXT,
    "StartDate" TEXT,
    "Studios" TEXT,
    "Tagline" TEXT,
    "Tags" TEXT,
    "TopParentId" TEXT,
    "TotalBitrate" INTEGER,
    "Type" TEXT NOT NULL,
    "UnratedType" TEXT,
    "Width" INTEGER,
    CONSTRAINT "FK_BaseItems_BaseItems_ParentId" FOREIGN KEY ("ParentId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "AncestorIds" (
    "ItemId" TEXT NOT NULL,
    "ParentItemId" TEXT NOT NULL,
    CONSTRAINT "PK_AncestorIds" PRIMARY KEY ("ItemId", "ParentItemId"),
    CONSTRAINT "FK_AncestorIds_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_AncestorIds_BaseItems_ParentItemId" FOREIGN KEY ("ParentItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "ApiKeys" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_ApiKeys" PRIMARY KEY AUTOINCREMENT,
    "DateCreated" TEXT NOT NULL,
    "DateLastActivity" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "AccessToken" TEXT NOT NULL
);
CREATE TABLE "AttachmentStreamInfos" (
    "ItemId" TEXT NOT NULL,
    "Index" INTEGER NOT NULL,
    "Codec" TEXT,
    "CodecTag" TEXT,
    "Comment" TEXT,
    "Filename" TEXT,
    "MimeType" TEXT,
    CONSTRAINT "PK_AttachmentStreamInfos" PRIMARY KEY ("ItemId", "Index"),
    CONSTRAINT "FK_AttachmentStreamInfos_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "BaseItemImageInfos" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_BaseItemImageInfos" PRIMARY KEY,
    "Blurhash" BLOB,
    "DateModified" TEXT,
    "Height" INTEGER NOT NULL,
    "ImageType" INTEGER NOT NULL,
    "ItemId" TEXT NOT NULL,
    "Path" TEXT NOT NULL,
    "Width" INTEGER NOT NULL,
    CONSTRAINT "FK_BaseItemImageInfos_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "BaseItemMetadataFields" (
    "Id" INTEGER NOT NULL,
    "ItemId" TEXT NOT NULL,
    CONSTRAINT "PK_BaseItemMetadataFields" PRIMARY KEY ("Id", "ItemId"),
    CONSTRAINT "FK_BaseItemMetadataFields_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "BaseItemProviders" (
    "ItemId" TEXT NOT NULL,
    "ProviderId" TEXT NOT NULL,
    "ProviderValue" TEXT NOT NULL,
    CONSTRAINT "PK_BaseItemProviders" PRIMARY KEY ("ItemId", "ProviderId"),
    CONSTRAINT "FK_BaseItemProviders_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "BaseItemTrailerTypes" (
    "Id" INTEGER NOT NULL,
    "ItemId" TEXT NOT NULL,
    CONSTRAINT "PK_BaseItemTrailerTypes" PRIMARY KEY ("Id", "ItemId"),
    CONSTRAINT "FK_BaseItemTrailerTypes_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "Chapters" (
    "ItemId" TEXT NOT NULL,
    "ChapterIndex" INTEGER NOT NULL,
    "StartPositionTicks" INTEGER NOT NULL,
    "Name" TEXT,
    "ImagePath" TEXT,
    "ImageDateModified" TEXT,
    CONSTRAINT "PK_Chapters" PRIMARY KEY ("ItemId", "ChapterIndex"),
    CONSTRAINT "FK_Chapters_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "CustomItemDisplayPreferences" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_CustomItemDisplayPreferences" PRIMARY KEY AUTOINCREMENT,
    "Client" TEXT NOT NULL,
    "ItemId" TEXT NOT NULL,
    "Key" TEXT NOT NULL,
    "UserId" TEXT NOT NULL,
    "Value" TEXT
);
CREATE TABLE "DeviceOptions" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_DeviceOptions" PRIMARY KEY AUTOINCREMENT,
    "DeviceId" TEXT NOT NULL,
    "CustomName" TEXT
);
CREATE TABLE "Devices" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Devices" PRIMARY KEY AUTOINCREMENT,
    "UserId" TEXT NOT NULL,
    "AccessToken" TEXT NOT NULL,
    "AppName" TEXT NOT NULL,
    "AppVersion" TEXT NOT NULL,
    "DeviceName" TEXT NOT NULL,
    "DeviceId" TEXT NOT NULL,
    "IsActive" INTEGER NOT NULL,
    "DateCreated" TEXT NOT NULL,
    "DateModified" TEXT NOT NULL,
    "DateLastActivity" TEXT NOT NULL,
    CONSTRAINT "FK_Devices_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);
CREATE TABLE "DisplayPreferences" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_DisplayPreferences" PRIMARY KEY AUTOINCREMENT,
    "UserId" TEXT NOT NULL,
    "Client" TEXT NOT NULL,
    "ShowSidebar" INTEGER NOT NULL,
    "ShowBackdrop" INTEGER NOT NULL,
    "ScrollDirection" INTEGER NOT NULL,
    "IndexBy" INTEGER,
    "SkipForwardLength" INTEGER NOT NULL,
    "SkipBackwardLength" INTEGER NOT NULL,
    "ChromecastVersion" INTEGER NOT NULL,
    "EnableNextVideoInfoOverlay" INTEGER NOT NULL,
    "DashboardTheme" TEXT,
    "TvHome" TEXT,
    "ItemId" TEXT NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    CONSTRAINT "FK_DisplayPreferences_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);
CREATE TABLE "HomeSection" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_HomeSection" PRIMARY KEY AUTOINCREMENT,
    "DisplayPreferencesId" INTEGER NOT NULL,
    "Order" INTEGER NOT NULL,
    "Type" INTEGER NOT NULL,
    CONSTRAINT "FK_HomeSection_DisplayPreferences_DisplayPreferencesId" FOREIGN KEY ("DisplayPreferencesId") REFERENCES "DisplayPreferences" ("Id") ON DELETE CASCADE
);
CREATE TABLE "ImageInfos" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_ImageInfos" PRIMARY KEY AUTOINCREMENT,
    "LastModified" TEXT NOT NULL,
    "Path" TEXT NOT NULL,
    "UserId" TEXT,
    CONSTRAINT "FK_ImageInfos_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);
CREATE TABLE "ItemDisplayPreferences" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_ItemDisplayPreferences" PRIMARY KEY AUTOINCREMENT,
    "UserId" TEXT NOT NULL,
    "ItemId" TEXT NOT NULL,
    "Client" TEXT NOT NULL,
    "ViewType" INTEGER NOT NULL,
    "RememberIndexing" INTEGER NOT NULL,
    "IndexBy" INTEGER,
    "RememberSorting" INTEGER NOT NULL,
    "SortBy" TEXT NOT NULL,
    "SortOrder" INTEGER NOT NULL,
    CONSTRAINT "FK_ItemDisplayPreferences_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);
CREATE TABLE "ItemValues" (
    "ItemValueId" TEXT NOT NULL CONSTRAINT "PK_ItemValues" PRIMARY KEY,
    "Type" INTEGER NOT NULL,
    "Value" TEXT NOT NULL,
    "CleanValue" TEXT NOT NULL
);
CREATE TABLE "ItemValuesMap" (
    "ItemId" TEXT NOT NULL,
    "ItemValueId" TEXT NOT NULL,
    CONSTRAINT "PK_ItemValuesMap" PRIMARY KEY ("ItemValueId", "ItemId"),
    CONSTRAINT "FK_ItemValuesMap_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_ItemValuesMap_ItemValues_ItemValueId" FOREIGN KEY ("ItemValueId") REFERENCES "ItemValues" ("ItemValueId") ON DELETE CASCADE
);
CREATE TABLE "KeyframeData" (
    "ItemId" TEXT NOT NULL CONSTRAINT "PK_KeyframeData" PRIMARY KEY,
    "TotalDuration" INTEGER NOT NULL,
    "KeyframeTicks" TEXT,
    CONSTRAINT "FK_KeyframeData_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "MediaSegments" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_MediaSegments" PRIMARY KEY,
    "EndTicks" INTEGER NOT NULL,
    "ItemId" TEXT NOT NULL,
    "SegmentProviderId" TEXT NOT NULL,
    "StartTicks" INTEGER NOT NULL,
    "Type" INTEGER NOT NULL
);
CREATE TABLE "MediaStreamInfos" (
    "ItemId" TEXT NOT NULL,
    "StreamIndex" INTEGER NOT NULL,
    "AspectRatio" TEXT,
    "AverageFrameRate" REAL,
    "BitDepth" INTEGER,
    "BitRate" INTEGER,
    "BlPresentFlag" INTEGER,
    "ChannelLayout" TEXT,
    "Channels" INTEGER,
    "Codec" TEXT,
    "CodecTag" TEXT,
    "CodecTimeBase" TEXT,
    "ColorPrimaries" TEXT,
    "ColorSpace" TEXT,
    "ColorTransfer" TEXT,
    "Comment" TEXT,
    "DvBlSignalCompatibilityId" INTEGER,
    "DvLevel" INTEGER,
    "DvProfile" INTEGER,
    "DvVersionMajor" INTEGER,
    "DvVersionMinor" INTEGER,
    "ElPresentFlag" INTEGER,
    "Height" INTEGER,
    "IsAnamorphic" INTEGER,
    "IsAvc" INTEGER,
    "IsDefault" INTEGER NOT NULL,
    "IsExternal" INTEGER NOT NULL,
    "IsForced" INTEGER NOT NULL,
    "IsHearingImpaired" INTEGER,
    "IsInterlaced" INTEGER,
    "KeyFrames" TEXT,
    "Language" TEXT,
    "Level" REAL,
    "NalLengthSize" TEXT,
    "Path" TEXT,
    "PixelFormat" TEXT,
    "Profile" TEXT,
    "RealFrameRate" REAL,
    "RefFrames" INTEGER,
    "Rotation" INTEGER,
    "RpuPresentFlag" INTEGER,
    "SampleRate" INTEGER,
    "StreamType" INTEGER NOT NULL,
    "TimeBase" TEXT,
    "Title" TEXT,
    "Width" INTEGER,
    "Hdr10PlusPresentFlag" INTEGER,
    CONSTRAINT "PK_MediaStreamInfos" PRIMARY KEY ("ItemId", "StreamIndex"),
    CONSTRAINT "FK_MediaStreamInfos_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE
);
CREATE TABLE "Peoples" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Peoples" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "PersonType" TEXT
);
CREATE TABLE "PeopleBaseItemMap" (
    "ItemId" TEXT NOT NULL,
    "PeopleId" TEXT NOT NULL,
    "Role" TEXT NOT NULL,
    "ListOrder" INTEGER,
    "SortOrder" INTEGER,
    CONSTRAINT "PK_PeopleBaseItemMap" PRIMARY KEY ("ItemId", "PeopleId", "Role"),
    CONSTRAINT "FK_PeopleBaseItemMap_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_PeopleBaseItemMap_Peoples_PeopleId" FOREIGN KEY ("PeopleId") REFERENCES "Peoples" ("Id") ON DELETE CASCADE
);
CREATE TABLE "Permissions" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Permissions" PRIMARY KEY AUTOINCREMENT,
    "Kind" INTEGER NOT NULL,
    "Permission_Permissions_Guid" TEXT,
    "RowVersion" INTEGER NOT NULL,
    "UserId" TEXT,
    "Value" INTEGER NOT NULL,
    CONSTRAINT "FK_Permissions_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);
CREATE TABLE "Preferences" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Preferences" PRIMARY KEY AUTOINCREMENT,
    "Kind" INTEGER NOT NULL,
    "Preference_Preferences_Guid" TEXT,
    "RowVersion" INTEGER NOT NULL,
    "UserId" TEXT,
    "Value" TEXT NOT NULL,
    CONSTRAINT "FK_Preferences_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);
CREATE TABLE "TrickplayInfos" (
    "ItemId" TEXT NOT NULL,
    "Width" INTEGER NOT NULL,
    "Height" INTEGER NOT NULL,
    "TileWidth" INTEGER NOT NULL,
    "TileHeight" INTEGER NOT NULL,
    "ThumbnailCount" INTEGER NOT NULL,
    "Interval" INTEGER NOT NULL,
    "Bandwidth" INTEGER NOT NULL,
    CONSTRAINT "PK_TrickplayInfos" PRIMARY KEY ("ItemId", "Width")
);
CREATE TABLE "UserData" (
    "ItemId" TEXT NOT NULL,
    "UserId" TEXT NOT NULL,
    "CustomDataKey" TEXT NOT NULL,
    "AudioStreamIndex" INTEGER,
    "IsFavorite" INTEGER NOT NULL,
    "LastPlayedDate" TEXT,
    "Likes" INTEGER,
    "PlayCount" INTEGER NOT NULL,
    "PlaybackPositionTicks" INTEGER NOT NULL,
    "Played" INTEGER NOT NULL,
    "Rating" REAL,
    "SubtitleStreamIndex" INTEGER,
    "RetentionDate" TEXT,
    CONSTRAINT "PK_UserData" PRIMARY KEY ("ItemId", "UserId", "CustomDataKey"),
    CONSTRAINT "FK_UserData_BaseItems_ItemId" FOREIGN KEY ("ItemId") REFERENCES "BaseItems" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_UserData_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "IX_Users_NormalizedUsername" ON "Users" ("NormalizedUsername");
CREATE UNIQUE INDEX "IX_Users_Username" ON "Users" ("Username");
CREATE INDEX "IX_AccessSchedules_UserId" ON "AccessSchedules" ("UserId");
CREATE INDEX "IX_ActivityLogs_DateCreated" ON "ActivityLogs" ("DateCreated");
CREATE INDEX "IX_BaseItems_Id_Type_IsFolder_IsVirtualItem" ON "BaseItems" ("Id", "Type", "IsFolder", "IsVirtualItem");
CREATE INDEX "IX_BaseItems_IsFolder_TopParentId_IsVirtualItem_PresentationUniqueKey_DateCreated" ON "BaseItems" ("IsFolder", "TopParentId", "IsVirtualItem", "PresentationUniqueKey", "DateCreated");
CREATE INDEX "IX_BaseItems_MediaType_TopParentId_IsVirtualItem_PresentationUniqueKey" ON "BaseItems" ("MediaType", "TopParentId", "IsVirtualItem", "PresentationUniqueKey");
CREATE INDEX "IX_BaseItems_ParentId" ON "BaseItems" ("ParentId");
CREATE INDEX "IX_BaseItems_Path" ON "BaseItems" ("Path");
CREATE INDEX "IX_BaseItems_PresentationUniqueKey" ON "BaseItems" ("PresentationUniqueKey");
CREATE INDEX "IX_BaseItems_TopParentId_Id" ON "BaseItems" ("TopParentId", "Id");
CREATE INDEX "IX_BaseItems_Type_SeriesPresentationUniqueKey_IsFolder_IsVirtualItem" ON "BaseItems" ("Type", "SeriesPresentationUniqueKey", "IsFolder", "IsVirtualItem");
CREATE INDEX "IX_BaseItems_Type_SeriesPresentationUniqueKey_PresentationUniqueKey_SortName" ON "BaseItems" ("Type", "SeriesPresentationUniqueKey", "PresentationUniqueKey", "SortName");
CREATE INDEX "IX_BaseItems_Type_TopParentId_Id" ON "BaseItems" ("Type", "TopParentId", "Id");
CREATE INDEX "IX_BaseItems_Type_TopParentId_IsVirtualItem_PresentationUniqueKey_DateCreated" ON "BaseItems" ("Type", "TopParentId", "IsVirtualItem", "PresentationUniqueKey", "DateCreated");
CREATE INDEX "IX_BaseItems_Type_TopParentId_PresentationUniqueKey" ON "BaseItems" ("Type", "TopParentId", "PresentationUniqueKey");
CREATE INDEX "IX_BaseItems_Type_TopParentId_StartDate" ON "BaseItems" ("Type", "TopParentId", "StartDate");
CREATE INDEX "IX_AncestorIds_ParentItemId" ON "AncestorIds" ("ParentItemId");
CREATE UNIQUE INDEX "IX_ApiKeys_AccessToken" ON "ApiKeys" ("AccessToken");
CREATE INDEX "IX_BaseItemImageInfos_ItemId" ON "BaseItemImageInfos" ("ItemId");
CREATE INDEX "IX_BaseItemMetadataFields_ItemId" ON "BaseItemMetadataFields" ("ItemId");
CREATE INDEX "IX_BaseItemProviders_ProviderId_ProviderValue_ItemId" ON "BaseItemProviders" ("ProviderId", "ProviderValue", "ItemId");
CREATE INDEX "IX_BaseItemTrailerTypes_ItemId" ON "BaseItemTrailerTypes" ("ItemId");
CREATE INDEX "IX_CustomItemDisplayPreferences_UserId" ON "CustomItemDisplayPreferences" ("UserId");
CREATE UNIQUE INDEX "IX_CustomItemDisplayPreferences_UserId_ItemId_Client_Key" ON "CustomItemDisplayPreferences" ("UserId", "ItemId", "Client", "Key");
CREATE UNIQUE INDEX "IX_DeviceOptions_DeviceId" ON "DeviceOptions" ("DeviceId");
CREATE INDEX "IX_Devices_AccessToken_DateLastActivity" ON "Devices" ("AccessToken", "DateLastActivity");
CREATE INDEX "IX_Devices_DeviceId" ON "Devices" ("DeviceId");
CREATE INDEX "IX_Devices_DeviceId_DateLastActivity" ON "Devices" ("DeviceId", "DateLastActivity");
CREATE INDEX "IX_Devices_UserId_DeviceId" ON "Devices" ("UserId", "DeviceId");
CREATE UNIQUE INDEX "IX_DisplayPreferences_UserId_ItemId_Client" ON "DisplayPreferences" ("UserId", "ItemId", "Client");
CREATE INDEX "IX_HomeSection_DisplayPreferencesId" ON "HomeSection" ("DisplayPreferencesId");
CREATE UNIQUE INDEX "IX_ImageInfos_UserId" ON "ImageInfos" ("UserId");
CREATE INDEX "IX_ItemDisplayPreferences_UserId" ON "ItemDisplayPreferences" ("UserId");
CREATE INDEX "IX_ItemValues_Type_CleanValue" ON "ItemValues" ("Type", "CleanValue");
CREATE UNIQUE INDEX "IX_ItemValues_Type_Value" ON "ItemValues" ("Type", "Value");
CREATE INDEX "IX_ItemValuesMap_ItemId" ON "ItemValuesMap" ("ItemId");
CREATE INDEX "IX_MediaStreamInfos_StreamIndex" ON "MediaStreamInfos" ("StreamIndex");
CREATE INDEX "IX_MediaStreamInfos_StreamIndex_StreamType" ON "MediaStreamInfos" ("StreamIndex", "StreamType");
CREATE INDEX "IX_MediaStreamInfos_StreamIndex_StreamType_Language" ON "MediaStreamInfos" ("StreamIndex", "StreamType", "Language");
CREATE INDEX "IX_MediaStreamInfos_StreamType" ON "MediaStreamInfos" ("StreamType");
CREATE INDEX "IX_Peoples_Name" ON "Peoples" ("Name");
CREATE INDEX "IX_PeopleBaseItemMap_ItemId_ListOrder" ON "PeopleBaseItemMap" ("ItemId", "ListOrder");
CREATE INDEX "IX_PeopleBaseItemMap_ItemId_SortOrder" ON "PeopleBaseItemMap" ("ItemId", "SortOrder");
CREATE INDEX "IX_PeopleBaseItemMap_PeopleId" ON "PeopleBaseItemMap" ("PeopleId");
CREATE UNIQUE INDEX "IX_Permissions_UserId_Kind" ON "Permissions" ("UserId", "Kind") WHERE [UserId] IS NOT NULL;
CREATE UNIQUE INDEX "IX_Preferences_UserId_Kind" ON "Preferences" ("UserId", "Kind") WHERE [UserId] IS NOT NULL;
CREATE INDEX "IX_UserData_ItemId_UserId_IsFavorite" ON "UserData" ("ItemId", "UserId", "IsFavorite");
CREATE INDEX "IX_UserData_ItemId_UserId_LastPlayedDate" ON "UserData" ("ItemId", "UserId", "LastPlayedDate");
CREATE INDEX "IX_UserData_ItemId_UserId_PlaybackPositionTicks" ON "UserData" ("ItemId", "UserId", "PlaybackPositionTicks");
CREATE INDEX "IX_UserData_ItemId_UserId_Played" ON "UserData" ("ItemId", "UserId", "Played");
CREATE INDEX "IX_UserData_UserId" ON "UserData" ("UserId");
