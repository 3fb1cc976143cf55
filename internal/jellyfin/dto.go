package jellyfin

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"

	"github.com/jellyha/jellyha/internal/media"
)

// UserDto is Jellyfin's user as clients see it. jellyfin-web reads many of
// the Configuration and Policy flags, so both are always sent in full.
type UserDto struct {
	Name                  string
	ServerID              string `json:"ServerId"`
	ID                    string `json:"Id"`
	HasPassword           bool
	HasConfiguredPassword bool
	EnableAutoLogin       bool
	LastLoginDate         *Time `json:",omitempty"`
	LastActivityDate      *Time `json:",omitempty"`
	// PrimaryImageTag is the picture's tag (media.UserImage.Tag), left
	// out when the user has none; clients ask for /Users/{id}/Images/Primary
	// only when it is set, and cache the picture by it.
	PrimaryImageTag string `json:",omitempty"`
	Configuration   UserConfiguration
	Policy          UserPolicy
}

// UserConfiguration is a user's display and playback preferences
// (media.UserConfiguration) as Jellyfin's UserConfiguration.
type UserConfiguration struct {
	AudioLanguagePreference    string `json:",omitempty"`
	PlayDefaultAudioTrack      bool
	SubtitleLanguagePreference string
	DisplayMissingEpisodes     bool
	GroupedFolders             []media.ID
	SubtitleMode               subtitleMode
	DisplayCollectionsView     bool
	EnableLocalPassword        bool
	OrderedViews               []media.ID
	LatestItemsExcludes        []media.ID
	MyMediaExcludes            []media.ID
	HidePlayedInLatest         bool
	RememberAudioSelections    bool
	RememberSubtitleSelections bool
	EnableNextEpisodeAutoPlay  bool
}

func userConfigurationDto(c *media.UserConfiguration) UserConfiguration {
	list := func(ids []media.ID) []media.ID {
		if ids == nil {
			return []media.ID{}
		}
		return ids
	}
	return UserConfiguration{
		AudioLanguagePreference:    c.AudioLanguagePreference,
		PlayDefaultAudioTrack:      c.PlayDefaultAudioTrack,
		SubtitleLanguagePreference: c.SubtitleLanguagePreference,
		DisplayMissingEpisodes:     c.DisplayMissingEpisodes,
		GroupedFolders:             list(c.GroupedFolders),
		SubtitleMode:               subtitleMode(c.SubtitleMode),
		DisplayCollectionsView:     c.DisplayCollectionsView,
		EnableLocalPassword:        c.EnableLocalPassword,
		OrderedViews:               list(c.OrderedViews),
		LatestItemsExcludes:        list(c.LatestItemsExcludes),
		MyMediaExcludes:            list(c.MyMediaExcludes),
		HidePlayedInLatest:         c.HidePlayedInLatest,
		RememberAudioSelections:    c.RememberAudioSelections,
		RememberSubtitleSelections: c.RememberSubtitleSelections,
		EnableNextEpisodeAutoPlay:  c.EnableNextEpisodeAutoPlay,
	}
}

// model is the configuration a client posted.
func (d *UserConfiguration) model() *media.UserConfiguration {
	return &media.UserConfiguration{
		AudioLanguagePreference:    d.AudioLanguagePreference,
		SubtitleLanguagePreference: d.SubtitleLanguagePreference,
		SubtitleMode:               media.SubtitleMode(d.SubtitleMode),
		PlayDefaultAudioTrack:      d.PlayDefaultAudioTrack,
		DisplayMissingEpisodes:     d.DisplayMissingEpisodes,
		DisplayCollectionsView:     d.DisplayCollectionsView,
		EnableLocalPassword:        d.EnableLocalPassword,
		HidePlayedInLatest:         d.HidePlayedInLatest,
		RememberAudioSelections:    d.RememberAudioSelections,
		RememberSubtitleSelections: d.RememberSubtitleSelections,
		EnableNextEpisodeAutoPlay:  d.EnableNextEpisodeAutoPlay,
		OrderedViews:               d.OrderedViews,
		MyMediaExcludes:            d.MyMediaExcludes,
		LatestItemsExcludes:        d.LatestItemsExcludes,
		GroupedFolders:             d.GroupedFolders,
	}
}

// UnmarshalJSON reads a posted configuration over Jellyfin's defaults, so
// that a member left out is the default rather than false or empty.
func (d *UserConfiguration) UnmarshalJSON(b []byte) error {
	type plain UserConfiguration
	def := media.DefaultUserConfiguration()
	x := plain(userConfigurationDto(&def))
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*d = UserConfiguration(x)
	return nil
}

// subtitleMode is a SubtitlePlaybackMode in JSON: written by name, read by
// name or by number, as .NET's enum converter allows.
type subtitleMode media.SubtitleMode

func (m subtitleMode) MarshalText() ([]byte, error) {
	return []byte(media.SubtitleMode(m).String()), nil
}

func (m *subtitleMode) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		if n < 0 || n > int(media.SubtitleModeSmart) {
			return fmt.Errorf("SubtitleMode %d is out of range", n)
		}
		*m = subtitleMode(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("SubtitleMode must be a name or a number")
	}
	v, err := media.ParseSubtitleMode(s)
	*m = subtitleMode(v)
	return err
}

// UserPolicy is what a user may do. The booleans come from the user's
// Permissions rows; a missing row reads as false, as Jellyfin's
// HasPermission does.
type UserPolicy struct {
	IsAdministrator                  bool
	IsHidden                         bool
	EnableCollectionManagement       bool
	EnableSubtitleManagement         bool
	EnableLyricManagement            bool
	IsDisabled                       bool
	BlockedTags                      []string
	AllowedTags                      []string
	EnableUserPreferenceAccess       bool
	AccessSchedules                  []struct{}
	BlockUnratedItems                []string
	EnableRemoteControlOfOtherUsers  bool
	EnableSharedDeviceControl        bool
	EnableRemoteAccess               bool
	EnableLiveTvManagement           bool
	EnableLiveTvAccess               bool
	EnableMediaPlayback              bool
	EnableAudioPlaybackTranscoding   bool
	EnableVideoPlaybackTranscoding   bool
	EnablePlaybackRemuxing           bool
	ForceRemoteSourceTranscoding     bool
	EnableContentDeletion            bool
	EnableContentDeletionFromFolders []string
	EnableContentDownloading         bool
	EnableSyncTranscoding            bool
	EnableMediaConversion            bool
	EnabledDevices                   []string
	EnableAllDevices                 bool
	EnabledChannels                  []string
	EnableAllChannels                bool
	EnabledFolders                   []string
	EnableAllFolders                 bool
	InvalidLoginAttemptCount         int
	LoginAttemptsBeforeLockout       int
	MaxActiveSessions                int
	EnablePublicSharing              bool
	RemoteClientBitrateLimit         int
	AuthenticationProviderID         string `json:"AuthenticationProviderId"`
	PasswordResetProviderID          string `json:"PasswordResetProviderId"`
	SyncPlayAccess                   string
}

// permissionFlags pairs each policy boolean with its permission kind, for
// reading a policy out of the Permissions rows and writing one back.
func (p *UserPolicy) permissionFlags() map[media.PermissionKind]*bool {
	return map[media.PermissionKind]*bool{
		media.PermissionIsAdministrator:                 &p.IsAdministrator,
		media.PermissionIsHidden:                        &p.IsHidden,
		media.PermissionIsDisabled:                      &p.IsDisabled,
		media.PermissionEnableSharedDeviceControl:       &p.EnableSharedDeviceControl,
		media.PermissionEnableRemoteAccess:              &p.EnableRemoteAccess,
		media.PermissionEnableLiveTvManagement:          &p.EnableLiveTvManagement,
		media.PermissionEnableLiveTvAccess:              &p.EnableLiveTvAccess,
		media.PermissionEnableMediaPlayback:             &p.EnableMediaPlayback,
		media.PermissionEnableAudioPlaybackTranscoding:  &p.EnableAudioPlaybackTranscoding,
		media.PermissionEnableVideoPlaybackTranscoding:  &p.EnableVideoPlaybackTranscoding,
		media.PermissionEnableContentDeletion:           &p.EnableContentDeletion,
		media.PermissionEnableContentDownloading:        &p.EnableContentDownloading,
		media.PermissionEnableSyncTranscoding:           &p.EnableSyncTranscoding,
		media.PermissionEnableMediaConversion:           &p.EnableMediaConversion,
		media.PermissionEnableAllDevices:                &p.EnableAllDevices,
		media.PermissionEnableAllChannels:               &p.EnableAllChannels,
		media.PermissionEnableAllFolders:                &p.EnableAllFolders,
		media.PermissionEnablePublicSharing:             &p.EnablePublicSharing,
		media.PermissionEnableRemoteControlOfOtherUsers: &p.EnableRemoteControlOfOtherUsers,
		media.PermissionEnablePlaybackRemuxing:          &p.EnablePlaybackRemuxing,
		media.PermissionForceRemoteSourceTranscoding:    &p.ForceRemoteSourceTranscoding,
		media.PermissionEnableCollectionManagement:      &p.EnableCollectionManagement,
		media.PermissionEnableSubtitleManagement:        &p.EnableSubtitleManagement,
		media.PermissionEnableLyricManagement:           &p.EnableLyricManagement,
	}
}

func (rt *Router) userDto(u *media.User, perms map[media.PermissionKind]bool, cfg *media.UserConfiguration) *UserDto {
	folders := make([]string, len(u.EnabledFolders))
	for i, id := range u.EnabledFolders {
		folders[i] = id.String()
	}
	lockout := -1
	if u.LoginAttemptsBeforeLockout != nil {
		lockout = *u.LoginAttemptsBeforeLockout
	}
	policy := UserPolicy{
		BlockedTags:                      []string{},
		AllowedTags:                      []string{},
		EnableUserPreferenceAccess:       u.EnableUserPreferenceAccess,
		AccessSchedules:                  []struct{}{},
		BlockUnratedItems:                []string{},
		EnableContentDeletionFromFolders: []string{},
		EnabledDevices:                   []string{},
		EnabledChannels:                  []string{},
		EnabledFolders:                   folders,
		InvalidLoginAttemptCount:         u.InvalidLoginAttemptCount,
		LoginAttemptsBeforeLockout:       lockout,
		AuthenticationProviderID:         media.DefaultAuthenticationProviderID,
		PasswordResetProviderID:          media.DefaultPasswordResetProviderID,
		SyncPlayAccess:                   "CreateAndJoinGroups",
	}
	for kind, flag := range policy.permissionFlags() {
		*flag = perms[kind]
	}
	// These four come from the same rows through media.User, which the
	// server acts on; keep the DTO consistent with what is enforced.
	policy.IsAdministrator, policy.IsHidden, policy.IsDisabled, policy.EnableAllFolders =
		u.IsAdministrator, u.IsHidden, u.IsDisabled, u.EnableAllFolders
	has := u.PasswordHash != ""
	return &UserDto{
		Name:                  u.Name,
		ServerID:              rt.serverID.String(),
		ID:                    u.ID.String(),
		HasPassword:           has,
		HasConfiguredPassword: has,
		LastLoginDate:         timePtr(u.LastLoginDate),
		LastActivityDate:      timePtr(u.LastActivityDate),
		PrimaryImageTag:       primaryImageTag(u),
		Configuration:         userConfigurationDto(cfg),
		Policy:                policy,
	}
}

// AuthenticationResult answers a login.
type AuthenticationResult struct {
	User        *UserDto
	SessionInfo *SessionInfo
	AccessToken string
	ServerID    string `json:"ServerId"`
}

// SessionInfo is Jellyfin's SessionInfoDto for a session just opened:
// nothing playing, no capabilities reported yet.
type SessionInfo struct {
	PlayState                PlayState
	AdditionalUsers          []struct{}
	Capabilities             ClientCapabilities
	RemoteEndPoint           string
	PlayableMediaTypes       []string
	ID                       string `json:"Id"`
	UserID                   string `json:"UserId"`
	UserName                 string
	UserPrimaryImageTag      string `json:",omitempty"`
	Client                   string
	LastActivityDate         Time
	LastPlaybackCheckIn      Time
	DeviceName               string
	DeviceID                 string `json:"DeviceId"`
	ApplicationVersion       string
	IsActive                 bool
	SupportsMediaControl     bool
	SupportsRemoteControl    bool
	NowPlayingItem           *BaseItemDto `json:",omitempty"`
	NowPlayingQueue          []struct{}
	NowPlayingQueueFullItems []struct{}
	HasCustomDeviceName      bool
	ServerID                 string `json:"ServerId"`
	SupportedCommands        []string
}

// PlayState is a player's state; the members after IsMuted are left out
// when nothing plays.
type PlayState struct {
	PositionTicks       *int64 `json:",omitempty"`
	CanSeek             bool
	IsPaused            bool
	IsMuted             bool
	AudioStreamIndex    *int   `json:",omitempty"`
	SubtitleStreamIndex *int   `json:",omitempty"`
	MediaSourceID       string `json:"MediaSourceId,omitempty"`
	PlayMethod          string `json:",omitempty"`
	RepeatMode          string
	PlaybackOrder       string
}

// ClientCapabilities is what a client declared; nothing until it posts
// /Sessions/Capabilities.
type ClientCapabilities struct {
	PlayableMediaTypes           []string
	SupportedCommands            []string
	SupportsMediaControl         bool
	SupportsPersistentIdentifier bool
}

func (rt *Router) sessionInfo(r *http.Request, u *media.User, d *media.Device) *SessionInfo {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return &SessionInfo{
		PlayState:                PlayState{RepeatMode: "RepeatNone", PlaybackOrder: "Default"},
		AdditionalUsers:          []struct{}{},
		Capabilities:             ClientCapabilities{PlayableMediaTypes: []string{}, SupportedCommands: []string{}, SupportsPersistentIdentifier: true},
		RemoteEndPoint:           host,
		PlayableMediaTypes:       []string{},
		ID:                       sessionID(d.AppName, d.DeviceID),
		UserID:                   u.ID.String(),
		UserName:                 u.Name,
		Client:                   d.AppName,
		LastActivityDate:         Time{d.DateLastActivity},
		DeviceName:               d.DeviceName,
		DeviceID:                 d.DeviceID,
		ApplicationVersion:       d.AppVersion,
		IsActive:                 true,
		NowPlayingQueue:          []struct{}{},
		NowPlayingQueueFullItems: []struct{}{},
		ServerID:                 rt.serverID.String(),
		SupportedCommands:        []string{},
	}
}

// sessionID is Jellyfin's session id: the MD5 of the client name and device
// id as UTF-16 (.NET's Encoding.Unicode), read as a .NET Guid, whose first
// three fields are little-endian, and written in "N" form. Deriving it
// rather than storing it lets every replica name a session alike.
func sessionID(appName, deviceID string) string {
	sum := dotnetMD5(appName + deviceID)
	return hex.EncodeToString(sum[:])
}

func primaryImageTag(u *media.User) string {
	if u.ProfileImage == nil {
		return ""
	}
	return u.ProfileImage.Tag()
}
