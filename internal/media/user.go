package media

import "time"

// Jellyfin's provider type names, stored in every Users row.
const (
	DefaultAuthenticationProviderID = "Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider"
	DefaultPasswordResetProviderID  = "Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider" //nolint:gosec // a type name, not a credential
)

// User is a row of Jellyfin's Users table with the permissions that clients
// and the server act on. Fields left out here keep Jellyfin's defaults.
type User struct {
	ID         ID
	Name       string
	InternalID int64
	// PasswordHash is Jellyfin's PHC-style string ("$PBKDF2-SHA512$..."),
	// or "" for a user without a password.
	PasswordHash string

	IsAdministrator bool
	IsDisabled      bool
	IsHidden        bool
	// EnableAllFolders lets the user see every library; otherwise only
	// EnabledFolders.
	EnableAllFolders bool
	EnabledFolders   []ID
	// EnableUserPreferenceAccess lets a user who is not an administrator
	// change their own account, pictures and play state (Jellyfin's
	// AssertCanUpdateUser with restrictUserPreferences).
	EnableUserPreferenceAccess bool
	// EnableContentDownloading lets the user download files
	// (/Items/{id}/Download).
	EnableContentDownloading bool

	InvalidLoginAttemptCount int
	// LoginAttemptsBeforeLockout is Jellyfin's per-user lockout threshold;
	// see LockoutThreshold.
	LoginAttemptsBeforeLockout *int
	LastLoginDate              *time.Time
	LastActivityDate           *time.Time

	// RowVersion is Jellyfin's optimistic concurrency token.
	RowVersion int64

	// ProfileImage is the user's picture (their ImageInfos row), nil when
	// they have none. Only UserID, Path and LastModified are read.
	ProfileImage *UserImage
}

// PermissionKind is Jellyfin's PermissionKind enum, stored as an integer in
// the Permissions table.
type PermissionKind int

// Jellyfin's permission kinds, in enum order.
const (
	PermissionIsAdministrator PermissionKind = iota
	PermissionIsHidden
	PermissionIsDisabled
	PermissionEnableSharedDeviceControl
	PermissionEnableRemoteAccess
	PermissionEnableLiveTvManagement
	PermissionEnableLiveTvAccess
	PermissionEnableMediaPlayback
	PermissionEnableAudioPlaybackTranscoding
	PermissionEnableVideoPlaybackTranscoding
	PermissionEnableContentDeletion
	PermissionEnableContentDownloading
	PermissionEnableSyncTranscoding
	PermissionEnableMediaConversion
	PermissionEnableAllDevices
	PermissionEnableAllChannels
	PermissionEnableAllFolders
	PermissionEnablePublicSharing
	PermissionEnableRemoteControlOfOtherUsers
	PermissionEnablePlaybackRemuxing
	PermissionForceRemoteSourceTranscoding
	PermissionEnableCollectionManagement
	PermissionEnableSubtitleManagement
	PermissionEnableLyricManagement
)

// PreferenceKind is Jellyfin's PreferenceKind enum (the Preferences table).
type PreferenceKind int

// Jellyfin's preference kinds, in enum order.
const (
	PreferenceBlockedTags PreferenceKind = iota
	PreferenceBlockedChannels
	PreferenceBlockedMediaFolders
	PreferenceEnabledDevices
	PreferenceEnabledChannels
	PreferenceEnabledFolders
	PreferenceEnableContentDeletionFromFolders
	PreferenceLatestItemExcludes
	PreferenceMyMediaExcludes
	PreferenceGroupedFolders
	PreferenceBlockUnratedItems
	PreferenceOrderedViews
	PreferenceAllowedTags
)

// LockoutThreshold returns how many failed logins in a row disable u, or 0
// when u is never locked out. Jellyfin's server stores no threshold (NULL)
// until an administrator saves a policy, and then never locks the user out;
// a policy value of 0 is stored as 3.
func (u *User) LockoutThreshold() int {
	if u.LoginAttemptsBeforeLockout == nil || *u.LoginAttemptsBeforeLockout < 0 {
		return 0
	}
	if *u.LoginAttemptsBeforeLockout == 0 {
		return 3
	}
	return *u.LoginAttemptsBeforeLockout
}
