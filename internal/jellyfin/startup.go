package jellyfin

import (
	"context"
	"net/http"
	"os"
	"strconv"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/password"
)

// The startup wizard (jellyfin-web's first run). Its state is in
// jellyha_settings, so a replica that restarts mid-wizard, or another
// replica behind the load balancer, continues where the user was.

// StartupConfiguration is the wizard's first page.
type StartupConfiguration struct {
	ServerName                string
	UICulture                 string
	MetadataCountryCode       string
	PreferredMetadataLanguage string
}

// Jellyfin's ServerConfiguration defaults for the wizard's first page.
var startupDefaults = map[string]string{
	settingUICulture:        "en-US",
	settingMetadataCountry:  "US",
	settingMetadataLanguage: "en",
}

func (rt *Router) getStartupConfiguration(w http.ResponseWriter, r *http.Request, _ *principal) error {
	s, err := rt.store.Settings(r.Context(), settingServerName, settingUICulture, settingMetadataCountry, settingMetadataLanguage)
	if err != nil {
		return err
	}
	get := func(k string) string {
		if v, ok := s[k]; ok {
			return v
		}
		return startupDefaults[k]
	}
	writeJSON(w, http.StatusOK, &StartupConfiguration{
		ServerName:                get(settingServerName),
		UICulture:                 get(settingUICulture),
		MetadataCountryCode:       get(settingMetadataCountry),
		PreferredMetadataLanguage: get(settingMetadataLanguage),
	})
	return nil
}

// setStartupConfiguration stores the page as Jellyfin does: a member left
// out becomes empty.
func (rt *Router) setStartupConfiguration(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var c StartupConfiguration
	if err := decode(r, &c, true); err != nil {
		return err
	}
	for k, v := range map[string]string{
		settingServerName:       c.ServerName,
		settingUICulture:        c.UICulture,
		settingMetadataCountry:  c.MetadataCountryCode,
		settingMetadataLanguage: c.PreferredMetadataLanguage,
	} {
		if err := rt.store.SetSetting(r.Context(), k, v); err != nil {
			return err
		}
	}
	noContent(w)
	return nil
}

// StartupUser is the wizard's user page. Jellyfin 10.11 no longer sends
// the password back, and neither does jellyha.
type StartupUser struct {
	Name     string
	Password string `json:",omitempty"`
}

// ensureFirstUser is Jellyfin's UserManager.InitializeAsync: with no user
// at all, create an administrator named after the account the server runs
// as (or MyJellyfinUser), without a password; the wizard's next page sets
// one. Replicas racing here collide on the unique name and both end with
// the one user.
func (rt *Router) ensureFirstUser(ctx context.Context) (*media.User, error) {
	users, err := rt.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	if u := firstUser(users); u != nil {
		return u, nil
	}
	name := os.Getenv("USER")
	if media.ValidateUserName(name) != nil {
		name = "MyJellyfinUser"
	}
	u := &media.User{Name: name, IsAdministrator: true, IsHidden: true, EnableAllFolders: true}
	switch err := rt.store.CreateUser(ctx, u); media.ErrorCode(err) {
	case "":
		rt.log.Warn("no users, created one", "name", name)
	case media.ECONFLICT: // another replica created it first
	default:
		return nil, err
	}
	users, err = rt.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	return firstUser(users), nil
}

func (rt *Router) getStartupUser(w http.ResponseWriter, r *http.Request, _ *principal) error {
	u, err := rt.ensureFirstUser(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &StartupUser{Name: u.Name})
	return nil
}

// setStartupUser names the first user and sets its password.
func (rt *Router) setStartupUser(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var body StartupUser
	if err := decode(r, &body, true); err != nil {
		return err
	}
	// Jellyfin creates the first user when it starts, so a client may post
	// this page without reading it first.
	u, err := rt.ensureFirstUser(r.Context())
	if err != nil {
		return err
	}
	if body.Password == "" {
		return media.Errorf(media.EINVALID, "Password must not be empty")
	}
	if body.Name != "" && body.Name != u.Name {
		if err := media.ValidateUserName(body.Name); err != nil {
			return err
		}
		u.Name = body.Name
	}
	if u.PasswordHash, err = password.Hash(body.Password); err != nil {
		return err
	}
	if err := rt.store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (rt *Router) setStartupRemoteAccess(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var body struct {
		EnableRemoteAccess         bool
		EnableAutomaticPortMapping bool
	}
	if err := decode(r, &body, true); err != nil {
		return err
	}
	if err := rt.store.SetSetting(r.Context(), settingEnableRemoteAccess, strconv.FormatBool(body.EnableRemoteAccess)); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (rt *Router) completeStartup(w http.ResponseWriter, r *http.Request, _ *principal) error {
	if err := rt.store.SetSetting(r.Context(), settingWizardCompleted, "true"); err != nil {
		return err
	}
	noContent(w)
	return nil
}
