package jellyfin

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/password"
)

// userDtos returns the DTOs of users, reading every permission and every
// configuration at once.
func (rt *Router) userDtos(ctx context.Context, users []*media.User) ([]*UserDto, error) {
	perms, err := rt.store.Permissions(ctx)
	if err != nil {
		return nil, err
	}
	cfgs, err := rt.store.UserConfigurations(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*UserDto, 0, len(users))
	for _, u := range users {
		cfg := cfgs[u.ID]
		if cfg == nil { // added since the list was read
			d := media.DefaultUserConfiguration()
			cfg = &d
		}
		out = append(out, rt.userDto(u, perms[u.ID], cfg))
	}
	return out, nil
}

// oneUserDto reads a user, its permissions and its configuration.
func (rt *Router) oneUserDto(ctx context.Context, id media.ID) (*UserDto, error) {
	u, err := rt.store.User(ctx, id)
	if err != nil {
		return nil, err
	}
	perms, err := rt.store.UserPermissions(ctx, id)
	if err != nil {
		return nil, err
	}
	cfg, err := rt.store.UserConfiguration(ctx, id)
	if err != nil {
		return nil, err
	}
	return rt.userDto(u, perms, cfg), nil
}

// publicUsers lists who appears on the login screen: users neither hidden
// nor disabled. Jellyfin hides new users by default, so this is often [].
func (rt *Router) publicUsers(w http.ResponseWriter, r *http.Request, _ *principal) error {
	users, err := rt.store.Users(r.Context())
	if err != nil {
		return err
	}
	shown := users[:0]
	for _, u := range users {
		if !u.IsHidden && !u.IsDisabled {
			shown = append(shown, u)
		}
	}
	dtos, err := rt.userDtos(r.Context(), shown)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dtos)
	return nil
}

func (rt *Router) listUsers(w http.ResponseWriter, r *http.Request, _ *principal) error {
	users, err := rt.store.Users(r.Context())
	if err != nil {
		return err
	}
	hidden, disabled := queryBool(r, "isHidden"), queryBool(r, "isDisabled")
	kept := users[:0]
	for _, u := range users {
		if (hidden == nil || *hidden == u.IsHidden) && (disabled == nil || *disabled == u.IsDisabled) {
			kept = append(kept, u)
		}
	}
	dtos, err := rt.userDtos(r.Context(), kept)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dtos)
	return nil
}

func (rt *Router) me(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.user == nil {
		// An API key has no user; Jellyfin answers 400 too.
		return media.Errorf(media.EINVALID, "the token belongs to no user")
	}
	dto, err := rt.oneUserDto(r.Context(), p.user.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dto)
	return nil
}

func (rt *Router) getUser(w http.ResponseWriter, r *http.Request, _ *principal) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	dto, err := rt.oneUserDto(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dto)
	return nil
}

// createUser is POST /Users/New {Name, Password}. Like Jellyfin, the new
// user is hidden from the login screen until an administrator shows it.
func (rt *Router) createUser(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var body struct {
		Name     string
		Password *string
	}
	if err := decode(r, &body, true); err != nil {
		return err
	}
	if err := media.ValidateUserName(body.Name); err != nil {
		return err
	}
	u := &media.User{Name: body.Name, IsHidden: true, EnableAllFolders: true}
	if body.Password != nil && *body.Password != "" {
		h, err := password.Hash(*body.Password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	if err := rt.store.CreateUser(r.Context(), u); err != nil {
		return err
	}
	dto, err := rt.oneUserDto(r.Context(), u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dto)
	return nil
}

// updateUser is POST /Users?userId= and its legacy twin POST
// /Users/{userId}: a new name, and the Configuration the body carries,
// as Jellyfin's UpdateUser stores both. A body without a configuration
// keeps the stored one (Jellyfin fails on it).
func (rt *Router) updateUser(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := targetUser(r, p)
	if err != nil {
		return err
	}
	var body struct {
		Name          string
		Configuration *UserConfiguration
	}
	if err := decode(r, &body, true); err != nil {
		return err
	}
	ctx := r.Context()
	u, err := rt.store.User(ctx, id)
	if err != nil {
		return err
	}
	if body.Name != "" && body.Name != u.Name {
		if err := media.ValidateUserName(body.Name); err != nil {
			return err
		}
		u.Name = body.Name
		if err := rt.store.UpdateUser(ctx, u); err != nil {
			return err
		}
	}
	if body.Configuration != nil {
		if err := rt.saveConfiguration(ctx, id, body.Configuration); err != nil {
			return err
		}
	}
	noContent(w)
	return nil
}

// updateUserConfiguration is POST /Users/Configuration?userId= and its
// legacy twin POST /Users/{userId}/Configuration, by which jellyfin-web's
// display, home screen, playback and subtitle settings pages save. Members
// the body leaves out take Jellyfin's defaults, as they do in Jellyfin.
func (rt *Router) updateUserConfiguration(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := targetUser(r, p)
	if err != nil {
		return err
	}
	var body UserConfiguration
	if err := decode(r, &body, true); err != nil {
		return err
	}
	if err := rt.saveConfiguration(r.Context(), id, &body); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (rt *Router) saveConfiguration(ctx context.Context, id media.ID, d *UserConfiguration) error {
	c := d.model()
	// The Users columns are varchar(255) on PostgreSQL; say so rather
	// than fail there only.
	for name, v := range map[string]string{"AudioLanguagePreference": c.AudioLanguagePreference,
		"SubtitleLanguagePreference": c.SubtitleLanguagePreference} {
		if utf8.RuneCountInString(v) > 255 {
			return media.Errorf(media.EINVALID, "%s is longer than 255 characters", name)
		}
	}
	return rt.store.SetUserConfiguration(ctx, id, c)
}

// targetUser is the user a request changes: the path's {userId} (checked
// by accessSelf), else the userId query parameter, else the caller. Only an
// administrator may name someone else.
func targetUser(r *http.Request, p *principal) (media.ID, error) {
	if r.PathValue("userId") != "" {
		return pathID(r, "userId")
	}
	if raw := query(r, "userId"); raw != "" {
		id, err := media.ParseID(raw)
		if err != nil {
			return id, media.Errorf(media.EINVALID, "userId is not a valid id")
		}
		if !p.admin() && (p.user == nil || p.user.ID != id) {
			return id, media.Errorf(media.EFORBIDDEN, "only the user or an administrator may do this")
		}
		return id, nil
	}
	if p.user == nil {
		return media.NilID, media.Errorf(media.EINVALID, "userId is required with an API key")
	}
	return p.user.ID, nil
}

func (rt *Router) deleteUser(w http.ResponseWriter, r *http.Request, _ *principal) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	// Sessions go with the user: Devices cascades on delete.
	if err := rt.store.DeleteUserKeepingAdmin(r.Context(), id); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// updatePassword is POST /Users/Password?userId= and POST
// /Users/{userId}/Password. A user changing their own
// password proves the current one (a failure counts towards lockout, as in
// Jellyfin); an administrator changing someone else's need not. The
// caller's other sessions end, as Jellyfin's RevokeUserTokens does.
// ResetPassword (clear the password) is for administrators only: Jellyfin
// lets users clear their own without the current password, which would let
// a stolen token lock the owner out of a password-less account.
func (rt *Router) updatePassword(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := targetUser(r, p)
	if err != nil {
		return err
	}
	var body struct {
		CurrentPw     string
		NewPw         string
		ResetPassword bool
	}
	if err := decode(r, &body, true); err != nil {
		return err
	}
	ctx := r.Context()
	u, err := rt.store.User(ctx, id)
	if err != nil {
		return err
	}
	self := p.user != nil && p.user.ID == id
	newPw := body.NewPw
	if body.ResetPassword {
		if !p.admin() {
			return media.Errorf(media.EFORBIDDEN, "only an administrator may reset a password")
		}
		newPw = ""
	} else if self || !p.admin() {
		ok, _, err := password.Verify(body.CurrentPw, u.PasswordHash)
		if err != nil {
			rt.log.Warn("unreadable password hash", "user", u.Name, "err", err)
		}
		if !ok {
			if _, err := rt.store.RecordLoginFailure(ctx, id); err != nil {
				return err
			}
			return media.Errorf(media.EFORBIDDEN, "Invalid user or password entered.")
		}
	}
	if strings.TrimSpace(newPw) == "" && u.IsAdministrator {
		return media.Errorf(media.EINVALID, "an administrator's password must not be empty")
	}
	u.PasswordHash = ""
	if newPw != "" {
		if u.PasswordHash, err = password.Hash(newPw); err != nil {
			return err
		}
	}
	if err := rt.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	if err := rt.store.DeleteUserDevices(ctx, id, p.auth.Token); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// policyUpdate is the part of a posted UserPolicy jellyha stores. Members
// left out keep their current value (Jellyfin would reset them to
// UserPolicy's defaults; jellyfin-web always posts the whole policy, and a
// partial post from a script is safer this way).
type policyUpdate struct {
	IsAdministrator            *bool
	IsHidden                   *bool
	IsDisabled                 *bool
	EnableAllFolders           *bool
	EnabledFolders             *[]media.ID
	LoginAttemptsBeforeLockout *int
	InvalidLoginAttemptCount   *int
	EnableUserPreferenceAccess *bool

	EnableCollectionManagement      *bool
	EnableSubtitleManagement        *bool
	EnableLyricManagement           *bool
	EnableRemoteControlOfOtherUsers *bool
	EnableSharedDeviceControl       *bool
	EnableRemoteAccess              *bool
	EnableLiveTvManagement          *bool
	EnableLiveTvAccess              *bool
	EnableMediaPlayback             *bool
	EnableAudioPlaybackTranscoding  *bool
	EnableVideoPlaybackTranscoding  *bool
	EnablePlaybackRemuxing          *bool
	ForceRemoteSourceTranscoding    *bool
	EnableContentDeletion           *bool
	EnableContentDownloading        *bool
	EnableSyncTranscoding           *bool
	EnableMediaConversion           *bool
	EnableAllDevices                *bool
	EnableAllChannels               *bool
	EnablePublicSharing             *bool
}

func (pu *policyUpdate) otherFlags() map[media.PermissionKind]*bool {
	return map[media.PermissionKind]*bool{
		media.PermissionEnableCollectionManagement:      pu.EnableCollectionManagement,
		media.PermissionEnableSubtitleManagement:        pu.EnableSubtitleManagement,
		media.PermissionEnableLyricManagement:           pu.EnableLyricManagement,
		media.PermissionEnableRemoteControlOfOtherUsers: pu.EnableRemoteControlOfOtherUsers,
		media.PermissionEnableSharedDeviceControl:       pu.EnableSharedDeviceControl,
		media.PermissionEnableRemoteAccess:              pu.EnableRemoteAccess,
		media.PermissionEnableLiveTvManagement:          pu.EnableLiveTvManagement,
		media.PermissionEnableLiveTvAccess:              pu.EnableLiveTvAccess,
		media.PermissionEnableMediaPlayback:             pu.EnableMediaPlayback,
		media.PermissionEnableAudioPlaybackTranscoding:  pu.EnableAudioPlaybackTranscoding,
		media.PermissionEnableVideoPlaybackTranscoding:  pu.EnableVideoPlaybackTranscoding,
		media.PermissionEnablePlaybackRemuxing:          pu.EnablePlaybackRemuxing,
		media.PermissionForceRemoteSourceTranscoding:    pu.ForceRemoteSourceTranscoding,
		media.PermissionEnableContentDeletion:           pu.EnableContentDeletion,
		media.PermissionEnableContentDownloading:        pu.EnableContentDownloading,
		media.PermissionEnableSyncTranscoding:           pu.EnableSyncTranscoding,
		media.PermissionEnableMediaConversion:           pu.EnableMediaConversion,
		media.PermissionEnableAllDevices:                pu.EnableAllDevices,
		media.PermissionEnableAllChannels:               pu.EnableAllChannels,
		media.PermissionEnablePublicSharing:             pu.EnablePublicSharing,
	}
}

// updatePolicy is POST /Users/{userId}/Policy, with Jellyfin's guards: the
// last administrator keeps the role, administrators cannot be disabled, and
// one enabled user must remain. Re-enabling a locked-out user clears the
// failure count, so the next mistyped password does not lock them again.
func (rt *Router) updatePolicy(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	var in policyUpdate
	if err := decode(r, &in, true); err != nil {
		return err
	}
	ctx := r.Context()
	users, err := rt.store.Users(ctx)
	if err != nil {
		return err
	}
	var u *media.User
	admins, enabled := 0, 0
	for _, x := range users {
		if x.ID == id {
			u = x
		}
		if x.IsAdministrator {
			admins++
		}
		if !x.IsDisabled {
			enabled++
		}
	}
	if u == nil {
		return media.Errorf(media.ENOTFOUND, "user %s not found", id)
	}
	if in.IsAdministrator != nil && !*in.IsAdministrator && u.IsAdministrator && admins == 1 {
		return media.Errorf(media.EFORBIDDEN, "there must be at least one user with administrative access")
	}
	disabling := in.IsDisabled != nil && *in.IsDisabled && !u.IsDisabled
	if in.IsDisabled != nil && *in.IsDisabled && u.IsAdministrator {
		return media.Errorf(media.EFORBIDDEN, "administrators cannot be disabled")
	}
	if disabling && enabled == 1 {
		return media.Errorf(media.EFORBIDDEN, "there must be at least one enabled user")
	}
	reenabling := in.IsDisabled != nil && !*in.IsDisabled && u.IsDisabled

	setBool(&u.IsAdministrator, in.IsAdministrator)
	setBool(&u.IsHidden, in.IsHidden)
	setBool(&u.IsDisabled, in.IsDisabled)
	setBool(&u.EnableAllFolders, in.EnableAllFolders)
	setBool(&u.EnableUserPreferenceAccess, in.EnableUserPreferenceAccess)
	if in.EnabledFolders != nil {
		u.EnabledFolders = *in.EnabledFolders
	}
	if in.LoginAttemptsBeforeLockout != nil {
		// UserManager.UpdatePolicyAsync: -1 means never, and clients send 0
		// for "the default", which is 3.
		switch n := *in.LoginAttemptsBeforeLockout; {
		case n < 0:
			u.LoginAttemptsBeforeLockout = nil
		case n == 0:
			three := 3
			u.LoginAttemptsBeforeLockout = &three
		default:
			u.LoginAttemptsBeforeLockout = &n
		}
	}
	if in.InvalidLoginAttemptCount != nil && *in.InvalidLoginAttemptCount >= 0 {
		u.InvalidLoginAttemptCount = *in.InvalidLoginAttemptCount
	}
	if reenabling {
		u.InvalidLoginAttemptCount = 0
	}
	if err := rt.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	others := map[media.PermissionKind]bool{}
	for kind, v := range in.otherFlags() {
		if v != nil {
			others[kind] = *v
		}
	}
	if len(others) > 0 {
		if err := rt.store.SetPermissions(ctx, id, others); err != nil {
			return err
		}
	}
	if disabling {
		if err := rt.store.DeleteUserDevices(ctx, id, p.auth.Token); err != nil {
			return err
		}
	}
	noContent(w)
	return nil
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

// authenticateByName is the login: POST /Users/AuthenticateByName
// {Username, Pw}. The client names itself in the Authorization header; the
// new session is a Devices row whose token every replica can check.
func (rt *Router) authenticateByName(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Username string
		Pw       string
	}
	if err := decode(r, &body, true); err != nil {
		return err
	}
	if strings.TrimSpace(body.Username) == "" {
		return media.Errorf(media.EINVALID, "a user name is required")
	}
	a := p.auth
	if a.Client == "" || a.DeviceID == "" {
		return media.Errorf(media.EINVALID, `the Authorization header must name the client and device: MediaBrowser Client="...", Device="...", DeviceId="...", Version="..."`)
	}
	ctx := r.Context()
	u, err := rt.store.UserByName(ctx, body.Username)
	if media.ErrorCode(err) == media.ENOTFOUND {
		// Spend the time a hash check takes, so that response times do
		// not tell which user names exist.
		_, _, _ = password.Verify(body.Pw, dummyHash)
		rt.log.Info("login denied", "user", body.Username, "remote", r.RemoteAddr)
		return media.Errorf(media.EUNAUTHORIZED, "Invalid username or password entered.")
	} else if err != nil {
		return err
	}
	if u.IsDisabled {
		rt.log.Info("login denied: account disabled", "user", u.Name, "remote", r.RemoteAddr)
		return media.Errorf(media.EFORBIDDEN, "The %s account is currently disabled. Please consult with your administrator.", u.Name)
	}
	ok, rehash, err := password.Verify(body.Pw, u.PasswordHash)
	if err != nil {
		rt.log.Warn("unreadable password hash", "user", u.Name, "err", err)
	}
	if !ok {
		locked, err := rt.store.RecordLoginFailure(ctx, u.ID)
		if err != nil {
			return err
		}
		rt.log.Info("login denied: wrong password", "user", u.Name, "remote", r.RemoteAddr, "locked", locked)
		return media.Errorf(media.EUNAUTHORIZED, "Invalid username or password entered.")
	}
	if rehash {
		// An older algorithm or iteration count: store today's hash, as
		// Jellyfin does. Failing here must not fail the login.
		if h, err := password.Hash(body.Pw); err == nil {
			u.PasswordHash = h
			if err := rt.store.UpdateUser(ctx, u); err != nil {
				rt.log.Warn("rehash password", "user", u.Name, "err", err)
			}
		}
	}
	return rt.logIn(w, r, u, &media.Device{AppName: a.Client, AppVersion: a.Version, DeviceName: a.Device, DeviceID: a.DeviceID})
}

// logIn opens a session for u on device d (its token made here) and
// answers with the AuthenticationResult clients keep.
func (rt *Router) logIn(w http.ResponseWriter, r *http.Request, u *media.User, d *media.Device) error {
	ctx := r.Context()
	if err := rt.store.RecordLogin(ctx, u.ID, time.Now().UTC()); err != nil {
		return err
	}
	d.UserID = u.ID
	if err := rt.store.CreateDevice(ctx, d); err != nil {
		return err
	}
	dto, err := rt.oneUserDto(ctx, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &AuthenticationResult{
		User:        dto,
		SessionInfo: rt.sessionInfo(r, u, d),
		AccessToken: d.AccessToken,
		ServerID:    rt.serverID.String(),
	})
	return nil
}

// dummyHash is checked against when the user does not exist.
const dummyHash = "$PBKDF2-SHA512$iterations=210000$00000000000000000000000000000000$" +
	"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

// logout ends the caller's session. An API key is not a session and stays.
func (rt *Router) logout(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.device != nil {
		if err := rt.store.DeleteDevice(r.Context(), p.auth.Token); err != nil && media.ErrorCode(err) != media.ENOTFOUND {
			return err
		}
	}
	noContent(w)
	return nil
}

// firstUser is Jellyfin's GetFirstUser: the user created first.
func firstUser(users []*media.User) *media.User {
	if len(users) == 0 {
		return nil
	}
	sorted := append([]*media.User(nil), users...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].InternalID < sorted[j].InternalID })
	return sorted[0]
}

// ForgotPasswordResult answers POST /Users/ForgotPassword.
type ForgotPasswordResult struct {
	Action string
}

// forgotPassword is POST /Users/ForgotPassword, the login page's "Forgot
// password". Jellyfin writes a PIN to a file on the server for someone
// with a shell there to read; jellyha has no such file, so the answer is
// Jellyfin's ContactAdmin, which the page shows as "contact your server
// administrator" (who resets it with `jellyha user reset-password`, or the
// dashboard). Whether the user exists is not told.
func (rt *Router) forgotPassword(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var body struct{ EnteredUsername string }
	if err := decode(r, &body, true); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &ForgotPasswordResult{Action: "ContactAdmin"})
	return nil
}

// forgotPasswordPin is POST /Users/ForgotPassword/Pin: no PIN was ever
// given, so none is redeemed.
func (rt *Router) forgotPasswordPin(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var body struct{ Pin string }
	if err := decode(r, &body, true); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &struct {
		Success    bool
		UsersReset []string
	}{UsersReset: []string{}})
	return nil
}
