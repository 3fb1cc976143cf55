package jellyfin

import (
	"net/http"
	"strings"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// Quick Connect: a television or a new phone logs in without a password.
// It asks for a request (Initiate) and shows its six-digit code; the user,
// logged in elsewhere, enters the code (Authorize, web's profile page);
// the device, polling (Connect), sees it approved and logs in with its
// secret (AuthenticateWithQuickConnect). The requests live in the database
// (store.QuickConnect), so each step may reach another replica.

// QuickConnectResult is a request as the device sees it.
type QuickConnectResult struct {
	Authenticated bool
	Secret        string
	Code          string
	DeviceID      string `json:"DeviceId"`
	DeviceName    string
	AppName       string
	AppVersion    string
	DateAdded     Time
}

func quickConnectResult(q *store.QuickConnect) *QuickConnectResult {
	return &QuickConnectResult{Authenticated: !q.UserID.IsZero(), Secret: q.Secret, Code: q.Code, DeviceID: q.DeviceID,
		DeviceName: q.DeviceName, AppName: q.AppName, AppVersion: q.AppVersion, DateAdded: Time{q.Created}}
}

// quickConnectEnabled is GET /QuickConnect/Enabled: it is, as Jellyfin's
// default says.
func (rt *Router) quickConnectEnabled(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	writeJSON(w, http.StatusOK, true)
	return nil
}

// quickConnectInitiate is POST (and the older GET) /QuickConnect/Initiate:
// a request for the device the Authorization header names, which must
// name all of it, as Jellyfin requires.
func (rt *Router) quickConnectInitiate(w http.ResponseWriter, r *http.Request, p *principal) error {
	a := p.auth
	if a.Client == "" || a.Device == "" || a.DeviceID == "" || a.Version == "" {
		return media.Errorf(media.EINVALID, `the Authorization header must name the client and device: MediaBrowser Client="...", Device="...", DeviceId="...", Version="..."`)
	}
	q := &store.QuickConnect{DeviceID: a.DeviceID, DeviceName: a.Device, AppName: a.Client, AppVersion: a.Version}
	if err := rt.store.StartQuickConnect(r.Context(), q); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, quickConnectResult(q))
	return nil
}

// quickConnectConnect is GET /QuickConnect/Connect?secret=: the device's
// poll, Authenticated once a user approved it.
func (rt *Router) quickConnectConnect(w http.ResponseWriter, r *http.Request, _ *principal) error {
	q, err := rt.store.QuickConnectBySecret(r.Context(), query(r, "secret"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, quickConnectResult(q))
	return nil
}

// quickConnectAuthorize is POST /QuickConnect/Authorize?code=&userId=: the
// caller approves the request showing code, for themselves (or, an
// administrator, for userId).
func (rt *Router) quickConnectAuthorize(w http.ResponseWriter, r *http.Request, p *principal) error {
	code := strings.TrimSpace(query(r, "code"))
	if code == "" {
		return media.Errorf(media.EINVALID, "code is required")
	}
	user, err := targetUser(r, p)
	if err != nil {
		return err
	}
	if err := rt.store.AuthorizeQuickConnect(r.Context(), code, user); err != nil {
		return err
	}
	rt.log.Info("quick connect approved", "user", user, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, true)
	return nil
}

// authenticateWithQuickConnect is POST /Users/AuthenticateWithQuickConnect
// {Secret}: the approved device logs in, once, as the user who approved
// it, under the device name it asked with.
func (rt *Router) authenticateWithQuickConnect(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var body struct{ Secret string }
	if err := decode(r, &body, true); err != nil {
		return err
	}
	if body.Secret == "" {
		return media.Errorf(media.EINVALID, "Secret is required")
	}
	q, err := rt.store.RedeemQuickConnect(r.Context(), body.Secret)
	if err != nil {
		return err
	}
	u, err := rt.store.User(r.Context(), q.UserID)
	if err != nil {
		return err
	}
	if u.IsDisabled {
		return media.Errorf(media.EFORBIDDEN, "The %s account is currently disabled. Please consult with your administrator.", u.Name)
	}
	return rt.logIn(w, r, u, &media.Device{AppName: q.AppName, AppVersion: q.AppVersion, DeviceName: q.DeviceName, DeviceID: q.DeviceID})
}
