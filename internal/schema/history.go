package schema

// Jellyfin records two kinds of rows in __EFMigrationsHistory: EF Core schema
// migrations and, since 10.11, its code migrations (id = order date + name).
// These lists are how jellyha tells which Jellyfin wrote a database.

// efMigrations are Jellyfin 10.11.11's 38 EF migration ids, in order.
var efMigrations = []string{
	"20200514181226_AddActivityLog",
	"20200613202153_AddUsers",
	"20200728005145_AddDisplayPreferences",
	"20200905220533_FixDisplayPreferencesIndex",
	"20201004171403_AddMaxActiveSessions",
	"20201204223655_AddCustomDisplayPreferences",
	"20210320181425_AddIndexesAndCollations",
	"20210407110544_NullableCustomPrefValue",
	"20210814002109_AddDevices",
	"20221022080052_AddIndexActivityLogsDateCreated",
	"20230526173516_RemoveEasyPassword",
	"20230626233818_AddTrickplayInfos",
	"20230923170422_UserCastReceiver",
	"20240729140605_AddMediaSegments",
	"20240928082930_MarkSegmentProviderIdNonNullable", // the last of 10.10
	"20241020103111_LibraryDbMigration",
	"20241111131257_AddedCustomDataKey",
	"20241111135439_AddedCustomDataKeyKey",
	"20241112152323_FixAncestorIdConfig",
	"20241112232041_FixMediaStreams",
	"20241112234144_FixMediaStreams2",
	"20241113133548_EnforceUniqueItemValue",
	"20250202021306_FixedCollation",
	"20250204092455_MakeStartEndDateNullable",
	"20250214031148_ChannelIdGuid",
	"20250326065026_AddInheritedParentalRatingSubValue",
	"20250327101120_AddKeyframeData",
	"20250327171413_AddHdr10PlusFlag",
	"20250331182844_FixAttachmentMigration",
	"20250401142247_FixAncestors",
	"20250405075612_FixItemValuesIndices",
	"20250609115616_DetachUserDataInsteadOfDelete",
	"20250622170802_BaseItemImageInfoDateModifiedNullable",
	"20250714044826_ResetJournalMode",
	"20250913211637_AddProperParentChildRelationBaseItemWithCascade",
	"20250925203415_ExtendPeopleMapKey", // the last of 10.11.0 to 10.11.9
	"20260522092303_AddNormalizedUsername",
	"20260524120336_AddUniqueNormalizedUsernameIndex",
}

// codeMigrations are Jellyfin 10.11.11's 33 code migration ids.
var codeMigrations = []string{
	"20250420000000_CreateNetworkConfiguration",
	"20250420010000_MigrateNetworkConfiguration",
	"20250420020000_MigrateMusicBrainzTimeout",
	"20250420030000_MigrateEncodingOptions",
	"20250420040000_RenameEnableGroupingIntoCollections",
	"20250420050000_DisableTranscodingThrottling",
	"20250420060000_CreateUserLoggingConfigFile",
	"20250420070000_MigrateActivityLogDb",
	"20250420080000_RemoveDuplicateExtras",
	"20250420090000_AddDefaultPluginRepository",
	"20250420100000_MigrateUserDb",
	"20250420110000_ReaddDefaultPluginRepository",
	"20250420120000_MigrateDisplayPreferencesDb",
	"20250420130000_RemoveDownloadImagesInAdvance",
	"20250420140000_MigrateAuthenticationDb",
	"20250420150000_FixPlaylistOwner",
	"20250420160000_AddDefaultCastReceivers",
	"20250420170000_UpdateDefaultPluginRepository",
	"20250420180000_FixAudioData",
	"20250420190000_RemoveDuplicatePlaylistChildren",
	"20250420193000_MigrateLibraryDbCompatibilityCheck",
	"20250420200000_MigrateLibraryDb",
	"20250420210000_MoveExtractedFiles",
	"20250420220000_MigrateRatingLevels",
	"20250420230000_MoveTrickplayFiles",
	"20250420230000_RefreshInternalDateModified",
	"20250421000000_MigrateKeyframeData",
	"20250618010000_MigrateLibraryUserData",
	"20250620180000_FixDates",
	"20250730215000_ReseedFolderFlag",
	"20251009200000_CleanMusicArtist",
	"20260206200000_FixLibrarySubtitleDownloadLanguages", // 10.11.7+
	"20260522092304_UpdateNormalizedUsername",            // 10.11.10+
}

const (
	// first10_11 is the EF migration that marks a 10.11 database: the one
	// 10.11.0 to 10.11.9 end with.
	first10_11Complete = "20250925203415_ExtendPeopleMapKey"
	last10_10          = "20240928082930_MarkSegmentProviderIdNonNullable"

	// ProductVersion values written with the rows, the versions Jellyfin
	// 10.11.11 itself records (EF Core 9.0.11, assembly 10.11.11.0), so that
	// the history reads as Jellyfin's own.
	efProductVersion   = "9.0.11"
	codeProductVersion = "10.11.11.0"
)

// normalizedUsernameMigrations are the three history rows of 10.11.10's one
// schema change, which jellyha applies to a 10.11.0 to 10.11.9 database.
var normalizedUsernameMigrations = []string{
	"20260522092303_AddNormalizedUsername",
	"20260524120336_AddUniqueNormalizedUsernameIndex",
	"20260522092304_UpdateNormalizedUsername",
}

func isEF(id string) bool {
	for _, m := range efMigrations {
		if m == id {
			return true
		}
	}
	return false
}

func known(id string) bool {
	if isEF(id) {
		return true
	}
	for _, m := range codeMigrations {
		if m == id {
			return true
		}
	}
	return false
}
