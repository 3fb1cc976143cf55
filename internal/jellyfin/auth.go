package jellyfin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

// authInfo is what a client says about itself in its authorization header.
type authInfo struct {
	Client, Device, DeviceID, Version, Token string
}

// parseAuthorization reads `MediaBrowser Client="...", Token="..."` (or the
// older `Emby` scheme) as Jellyfin's AuthorizationContext does: pairs split
// on commas outside quotes, values unquoted and URL-decoded. Kodi sends the
// values unquoted; the SDK quotes and URL-encodes them. ok is false for any
// other scheme (Basic, Bearer...), which carries no Jellyfin token.
func parseAuthorization(h string) (a authInfo, ok bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || (!strings.EqualFold(scheme, "MediaBrowser") && !strings.EqualFold(scheme, "Emby")) {
		return a, false
	}
	var parts []string
	inQuote, start := false, 0
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				parts = append(parts, rest[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, rest[start:])
	for _, p := range parts {
		k, v, found := strings.Cut(p, "=")
		if !found {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if d, err := url.QueryUnescape(v); err == nil {
			v = d
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "client":
			a.Client = v
		case "device":
			a.Device = v
		case "deviceid":
			a.DeviceID = v
		case "version":
			a.Version = v
		case "token":
			a.Token = v
		}
	}
	return a, true
}

// readAuth collects the client's description and its token from every
// carrier Jellyfin 10.11 accepts, in its order of precedence. Players that
// fetch media without headers (ExoPlayer, AVPlayer, VLC) and the web
// client's WebSocket put the token in the query. `Token=""` means none.
func readAuth(r *http.Request) authInfo {
	a, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok {
		a, _ = parseAuthorization(r.Header.Get("X-Emby-Authorization"))
	}
	for _, t := range []func() string{
		func() string { return r.Header.Get("X-Emby-Token") },
		func() string { return r.Header.Get("X-MediaBrowser-Token") },
		func() string { return query(r, "ApiKey") },
		func() string { return query(r, "api_key") },
	} {
		if a.Token != "" {
			break
		}
		a.Token = strings.TrimSpace(t())
	}
	return a
}

// principal is who made a request: anonymous (no token), a user's session
// (a Devices row), or an API key, which acts as an administrator with no
// user behind it.
type principal struct {
	auth   authInfo
	user   *media.User
	device *media.Device
	apiKey *media.APIKey
}

func (p *principal) authenticated() bool { return p.user != nil || p.apiKey != nil }

func (p *principal) admin() bool {
	return p.apiKey != nil || (p.user != nil && p.user.IsAdministrator)
}

// ownSettings guards the routes by which users change their own account,
// picture or play state: a user who is not an administrator needs
// EnableUserPreferenceAccess in their policy, as Jellyfin's
// AssertCanUpdateUser(restrictUserPreferences: true) requires. Jellyfin
// guards reading an item's user data the same way, and so does jellyha.
func ownSettings(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		if !p.admin() && p.user != nil && !p.user.EnableUserPreferenceAccess {
			return media.Errorf(media.EFORBIDDEN, "User is not allowed to change their own settings.")
		}
		return h(w, r, p)
	}
}

// authenticate resolves the request's token against the database on every
// request; no session table is kept in memory, so a logout or a disabled
// user takes effect on every replica at once. A request without a token is
// anonymous; a token that matches nothing, or a disabled user's, is
// EUNAUTHORIZED.
func (rt *Router) authenticate(r *http.Request) (*principal, error) {
	p := &principal{auth: readAuth(r)}
	if p.auth.Token == "" {
		return p, nil
	}
	return p, rt.resolveToken(r.Context(), p)
}

// resolveToken fills in who p.auth.Token belongs to, or says why nobody
// does (EUNAUTHORIZED). The WebSocket calls it again on a long-lived
// connection, so that a logout ends that too.
func (rt *Router) resolveToken(ctx context.Context, p *principal) error {
	d, err := rt.store.DeviceByToken(ctx, p.auth.Token)
	switch media.ErrorCode(err) {
	case "":
		u, err := rt.store.User(ctx, d.UserID)
		if media.ErrorCode(err) == media.ENOTFOUND {
			return media.Errorf(media.EUNAUTHORIZED, "the access token's user no longer exists")
		} else if err != nil {
			return err
		}
		if u.IsDisabled {
			return media.Errorf(media.EUNAUTHORIZED, "the account %s is disabled", u.Name)
		}
		p.user, p.device = u, d
		rt.touchDevice(ctx, d)
		return nil
	case media.ENOTFOUND:
	default:
		return err
	}
	k, err := rt.store.APIKeyByToken(ctx, p.auth.Token)
	switch media.ErrorCode(err) {
	case "":
		p.apiKey = k
		rt.touchAPIKey(ctx, k)
		return nil
	case media.ENOTFOUND:
		return media.Errorf(media.EUNAUTHORIZED, "invalid access token")
	default:
		return err
	}
}

// activityInterval is how often a session's last activity is written. Every
// request would be a write per request; Jellyfin itself waits 3 minutes.
const activityInterval = time.Minute

func (rt *Router) touchDevice(ctx context.Context, d *media.Device) {
	now := time.Now().UTC()
	// The database's own date already says whether a write is due, which
	// also holds across replicas and after the cache is dropped; the cache
	// spares the write when several requests race past that check.
	if now.Sub(d.DateLastActivity) < activityInterval || !rt.touch.due("d"+strconv.FormatInt(d.ID, 10), now) {
		return
	}
	if err := rt.store.TouchDevice(ctx, d.ID, now); err != nil {
		rt.log.Warn("record session activity", "device", d.ID, "err", err)
	}
}

func (rt *Router) touchAPIKey(ctx context.Context, k *media.APIKey) {
	now := time.Now().UTC()
	if now.Sub(k.DateLastActivity) < activityInterval || !rt.touch.due("k"+strconv.FormatInt(k.ID, 10), now) {
		return
	}
	if err := rt.store.TouchAPIKey(ctx, k.ID, now); err != nil {
		rt.log.Warn("record API key activity", "key", k.ID, "err", err)
	}
}

// touchCache remembers when activity was last written per session. It is
// only an optimisation: dropping it costs at most one extra write.
type touchCache struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func newTouchCache() *touchCache { return &touchCache{last: make(map[string]time.Time)} }

// maxTouchEntries bounds the cache; when full it starts over.
const maxTouchEntries = 10000

// due reports whether key's activity should be written now, and if so
// notes that it is.
func (c *touchCache) due(key string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.last[key]; ok && now.Sub(t) < activityInterval {
		return false
	}
	if len(c.last) >= maxTouchEntries {
		clear(c.last)
	}
	c.last[key] = now
	return true
}

// access says who may call a route.
type access int

const (
	// accessPublic routes need no token; one that is sent is still read
	// (login reads the client's description from the header).
	accessPublic access = iota
	// accessUser routes need any valid token.
	accessUser
	// accessSelf routes name a user in {userId}: that user or an
	// administrator.
	accessSelf
	// accessAdmin routes need an administrator or an API key.
	accessAdmin
	// accessSetup routes (the startup wizard) are open while the wizard is
	// incomplete and need an administrator afterwards: Jellyfin's
	// FirstTimeSetupOrElevated policy.
	accessSetup
)

func (a access) String() string {
	return [...]string{"public", "user", "self", "admin", "setup"}[a]
}

// handlerFunc is a route's handler. It returns an error rather than
// writing one, so that errors become statuses in one place (writeError).
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *principal) error

// guard enforces a route's access rule, then runs its handler.
func (rt *Router) guard(rte route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := rt.authenticate(r)
		if err == nil {
			err = rt.allow(r, rte.access, p)
		} else if rte.access == accessPublic && media.ErrorCode(err) == media.EUNAUTHORIZED {
			// A stale token must not lock a client out of the login page.
			p, err = &principal{auth: p.auth}, nil
		} else if rte.access == accessSetup && media.ErrorCode(err) == media.EUNAUTHORIZED {
			if done, werr := rt.wizardCompleted(r.Context()); werr != nil {
				err = werr
			} else if !done {
				p, err = &principal{auth: p.auth}, nil
			}
		}
		if err == nil {
			err = rte.handler(w, r, p)
		}
		if err != nil {
			rt.writeError(w, r, err)
		}
	})
}

func (rt *Router) allow(r *http.Request, a access, p *principal) error {
	switch a {
	case accessPublic:
		return nil
	case accessSetup:
		done, err := rt.wizardCompleted(r.Context())
		if err != nil || !done {
			return err
		}
		a = accessAdmin
	}
	if !p.authenticated() {
		return media.Errorf(media.EUNAUTHORIZED, "authentication required")
	}
	switch a {
	case accessAdmin:
		if !p.admin() {
			return media.Errorf(media.EFORBIDDEN, "this requires an administrator")
		}
	case accessSelf:
		id, err := pathID(r, "userId")
		if err != nil {
			return err
		}
		if !p.admin() && (p.user == nil || p.user.ID != id) {
			return media.Errorf(media.EFORBIDDEN, "only the user or an administrator may do this")
		}
	}
	return nil
}

// pathID reads a GUID path value in any form Jellyfin accepts.
func pathID(r *http.Request, name string) (media.ID, error) {
	id, err := media.ParseID(r.PathValue(name))
	if err != nil {
		return id, media.Errorf(media.EINVALID, "%s is not a valid id", name)
	}
	return id, nil
}
