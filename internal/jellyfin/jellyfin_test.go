package jellyfin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/password"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

// These are end-to-end tests: the whole router over HTTP on a real,
// migrated database, on each engine.

var engines = map[string]func(t testing.TB) database.Provider{
	"sqlite": func(t testing.TB) database.Provider { return database.NewSQLite(testdb.SQLitePath(t), nil) },
	"postgres": func(t testing.TB) database.Provider {
		p, err := database.NewPostgres(testdb.NewPostgres(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	},
}

type testServer struct {
	t     testing.TB
	rt    *Router
	store *store.Store
	url   string
}

func forEachEngine(t *testing.T, fn func(t *testing.T, s *testServer)) {
	for name, provider := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newTestServer(t, provider(t), nil))
		})
	}
}

// newTestServer serves a Router on a migrated database of provider over
// loopback HTTP until the test ends; fn, if not nil, configures the router
// before it serves (so that tests can shorten its timers without a data
// race).
func newTestServer(t testing.TB, p database.Provider, fn func(rt *Router)) *testServer {
	t.Helper()
	ctx := context.Background()
	st := store.New(testdb.Open(t, p))
	rt, err := New(ctx, st, "testhost", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Uploaded user pictures are also written as files under it: a test's
	// own folder, not the system's temporary one.
	rt.SetConfigDir(t.TempDir())
	if fn != nil {
		fn(rt)
	}
	ts := httptest.NewServer(rt)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), socketWait)
		defer cancel()
		_ = rt.CloseSockets(ctx)
		ts.Close()
	})
	return &testServer{t: t, rt: rt, store: st, url: ts.URL}
}

// req is one request: headers as pairs, body marshalled as JSON unless it
// is a string.
type req struct {
	method, path string
	body         any
	header       []string
}

func (s *testServer) do(r req) (int, []byte) {
	s.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	hr, err := http.NewRequest(r.method, s.url+r.path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(r.header); i += 2 {
		hr.Header.Set(r.header[i], r.header[i+1])
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// as returns the header pairs of a client with token.
func as(token string) []string {
	return []string{"Authorization", `MediaBrowser Client="Test", Device="Box", DeviceId="dev-1", Version="1.0", Token="` + token + `"`}
}

// expect checks the status and decodes a JSON answer into v (if not nil).
func (s *testServer) expect(r req, status int, v any) {
	s.t.Helper()
	code, body := s.do(r)
	if code != status {
		s.t.Fatalf("%s %s: status %d, want %d: %s", r.method, r.path, code, status, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			s.t.Fatalf("%s %s: %v: %s", r.method, r.path, err, body)
		}
	}
}

// addUser creates a user directly in the store.
func (s *testServer) addUser(name, pw string, admin bool) *media.User {
	s.t.Helper()
	u := &media.User{Name: name, IsAdministrator: admin, EnableAllFolders: true}
	if pw != "" {
		h, err := password.Hash(pw)
		if err != nil {
			s.t.Fatal(err)
		}
		u.PasswordHash = h
	}
	if err := s.store.CreateUser(context.Background(), u); err != nil {
		s.t.Fatal(err)
	}
	return u
}

func (s *testServer) login(name, pw, deviceID string) *AuthenticationResultIn {
	s.t.Helper()
	var res AuthenticationResultIn
	s.expect(req{"POST", "/Users/AuthenticateByName", map[string]string{"Username": name, "Pw": pw},
		[]string{"Authorization", `MediaBrowser Client="Test", Device="Box", DeviceId="` + deviceID + `", Version="1.0"`}}, 200, &res)
	return &res
}

func (s *testServer) completeWizard() {
	s.t.Helper()
	if err := s.store.SetSetting(context.Background(), settingWizardCompleted, "true"); err != nil {
		s.t.Fatal(err)
	}
}

// AuthenticationResultIn reads an AuthenticationResult back.
type AuthenticationResultIn struct {
	User        UserIn
	SessionInfo struct{ ID, UserID, DeviceID, Client, ServerID string }
	AccessToken string
	ServerID    string `json:"ServerId"`
}

// UserIn reads a UserDto back.
type UserIn struct {
	Name, ID, ServerID string
	PrimaryImageTag    string
	HasPassword        bool
	LastLoginDate      string
	Configuration      map[string]any
	Policy             struct {
		IsAdministrator, IsHidden, IsDisabled, EnableAllFolders, EnableMediaPlayback bool
		EnableUserPreferenceAccess                                                   bool
		LoginAttemptsBeforeLockout, InvalidLoginAttemptCount                         int
		AuthenticationProviderID                                                     string `json:"AuthenticationProviderId"`
		EnabledFolders                                                               []string
	}
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestStartupWizard(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		var info PublicSystemInfo
		s.expect(req{"GET", "/System/Info/Public", nil, nil}, 200, &info)
		if info.StartupWizardCompleted || info.Version != "10.11.11" || !hex32.MatchString(info.ID) || info.ServerName != "testhost" {
			t.Fatalf("public info before the wizard: %+v", info)
		}
		var cfg StartupConfiguration
		s.expect(req{"GET", "/Startup/Configuration", nil, nil}, 200, &cfg)
		if cfg.UICulture != "en-US" || cfg.MetadataCountryCode != "US" || cfg.PreferredMetadataLanguage != "en" {
			t.Errorf("default startup configuration %+v", cfg)
		}
		s.expect(req{"POST", "/Startup/Configuration", StartupConfiguration{ServerName: "den", UICulture: "fr-FR", MetadataCountryCode: "FR", PreferredMetadataLanguage: "fr"}, nil}, 204, nil)
		s.expect(req{"GET", "/Startup/Configuration", nil, nil}, 200, &cfg)
		if cfg.ServerName != "den" || cfg.UICulture != "fr-FR" {
			t.Errorf("startup configuration after POST %+v", cfg)
		}
		// GET /Startup/User creates the first administrator, once.
		var first StartupUser
		s.expect(req{"GET", "/Startup/User", nil, nil}, 200, &first)
		s.expect(req{"GET", "/Startup/FirstUser", nil, nil}, 200, &first)
		users, _ := s.store.Users(context.Background())
		if first.Name == "" || len(users) != 1 || !users[0].IsAdministrator || users[0].Name != first.Name {
			t.Fatalf("first user %+v, users %+v", first, users)
		}
		s.expect(req{"POST", "/Startup/User", StartupUser{Name: "root"}, nil}, 400, nil) // a password is required
		s.expect(req{"POST", "/Startup/User", StartupUser{Name: "root", Password: "s3cret"}, nil}, 204, nil)
		s.expect(req{"POST", "/Startup/RemoteAccess", map[string]bool{"EnableRemoteAccess": true}, nil}, 204, nil)
		s.expect(req{"POST", "/Startup/Complete", nil, nil}, 204, nil)

		s.expect(req{"GET", "/System/Info/Public", nil, nil}, 200, &info)
		if !info.StartupWizardCompleted || info.ServerName != "den" {
			t.Errorf("public info after the wizard: %+v", info)
		}
		// Completed: anonymous callers are refused, and the wizard can no
		// longer take over the first user.
		for _, r := range []req{{"GET", "/Startup/User", nil, nil}, {"POST", "/Startup/User", StartupUser{Name: "evil", Password: "x"}, nil}, {"POST", "/Startup/Complete", nil, nil}} {
			s.expect(r, 401, nil)
		}
		admin := s.login("root", "s3cret", "wizard-dev")
		if !admin.User.Policy.IsAdministrator || admin.User.Name != "root" {
			t.Errorf("first user after the wizard %+v", admin.User)
		}
		s.addUser("kid", "pw", false)
		kid := s.login("kid", "pw", "kid-dev")
		s.expect(req{"GET", "/Startup/Configuration", nil, as(kid.AccessToken)}, 403, nil)
		// As in Jellyfin (FirstTimeSetupOrElevated), an administrator still may.
		s.expect(req{"GET", "/Startup/Configuration", nil, as(admin.AccessToken)}, 200, nil)
	})
}

// A client that posts the wizard's user page without reading it first (the
// SDK's setup scripts do) finds the first user there, as in Jellyfin, which
// creates it at startup.
func TestStartupUserWithoutGet(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		s.expect(req{"POST", "/Startup/User", StartupUser{Name: "root", Password: "s3cret"}, nil}, 204, nil)
		users, _ := s.store.Users(context.Background())
		if len(users) != 1 || users[0].Name != "root" || !users[0].IsAdministrator {
			t.Fatalf("users after POST /Startup/User: %+v", users)
		}
		s.expect(req{"POST", "/Startup/Complete", nil, nil}, 204, nil)
		if admin := s.login("root", "s3cret", "dev"); !admin.User.Policy.IsAdministrator {
			t.Errorf("the wizard's user is not an administrator: %+v", admin.User)
		}
	})
}

func TestLogin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		u := s.addUser("Émile", "hunter2", true)
		res := s.login("émile", "hunter2", "dev-a") // names compare without case
		if !hex32.MatchString(res.AccessToken) || res.User.ID != u.ID.String() || res.ServerID != s.rt.ServerID().String() || res.User.ServerID != res.ServerID {
			t.Fatalf("login result %+v", res)
		}
		if res.SessionInfo.DeviceID != "dev-a" || res.SessionInfo.Client != "Test" || res.SessionInfo.UserID != u.ID.String() || !hex32.MatchString(res.SessionInfo.ID) {
			t.Errorf("session info %+v", res.SessionInfo)
		}
		if !res.User.HasPassword || res.User.LastLoginDate == "" || !res.User.Policy.EnableMediaPlayback ||
			res.User.Policy.AuthenticationProviderID != media.DefaultAuthenticationProviderID || res.User.Configuration["SubtitleMode"] != "Default" {
			t.Errorf("user dto %+v", res.User)
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`).MatchString(res.User.LastLoginDate) {
			t.Errorf("LastLoginDate %q is not .NET's format", res.User.LastLoginDate)
		}
		var me UserIn
		s.expect(req{"GET", "/Users/Me", nil, as(res.AccessToken)}, 200, &me)
		if me.Name != "Émile" {
			t.Errorf("me %+v", me)
		}
		hdr := []string{"Authorization", `MediaBrowser Client="Test", Device="Box", DeviceId="dev-a", Version="1.0"`}
		s.expect(req{"POST", "/Users/AuthenticateByName", map[string]string{"Username": "Émile", "Pw": "wrong"}, hdr}, 401, nil)
		s.expect(req{"POST", "/Users/AuthenticateByName", map[string]string{"Username": "nobody", "Pw": "x"}, hdr}, 401, nil)
		s.expect(req{"POST", "/Users/AuthenticateByName", map[string]string{"Username": "Émile", "Pw": "hunter2"}, nil}, 400, nil) // no device
		s.expect(req{"POST", "/Users/AuthenticateByName", "{", hdr}, 400, nil)
		// Kodi's lower-case members.
		s.expect(req{"POST", "/Users/AuthenticateByName", `{"username":"Émile","pw":"hunter2"}`, hdr}, 200, nil)
		// That second login from dev-a revoked the first token.
		s.expect(req{"GET", "/Users/Me", nil, as(res.AccessToken)}, 401, nil)
		again := s.login("Émile", "hunter2", "dev-b")
		s.expect(req{"POST", "/Sessions/Logout", nil, as(again.AccessToken)}, 204, nil)
		s.expect(req{"GET", "/Users/Me", nil, as(again.AccessToken)}, 401, nil)
		// A failed login was counted, a successful one reset the count.
		got, _ := s.store.User(context.Background(), u.ID)
		if got.InvalidLoginAttemptCount != 0 {
			t.Errorf("failed-login count %d after a success", got.InvalidLoginAttemptCount)
		}
	})
}

func TestLockout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		s.addUser("admin", "root", true)
		kid := s.addUser("kid", "right", false)
		admin := s.login("admin", "root", "admin-dev")
		session := s.login("kid", "right", "kid-dev")
		s.expect(req{"POST", "/Users/" + kid.ID.String() + "/Policy", map[string]any{"LoginAttemptsBeforeLockout": 3}, as(admin.AccessToken)}, 204, nil)
		hdr := []string{"X-Emby-Authorization", `MediaBrowser Client="Test", Device="Box", DeviceId="x", Version="1"`}
		for range 3 {
			s.expect(req{"POST", "/Users/AuthenticateByName", map[string]string{"Username": "kid", "Pw": "wrong"}, hdr}, 401, nil)
		}
		// Locked out: even the right password is refused, and the open
		// session stops working.
		s.expect(req{"POST", "/Users/AuthenticateByName", map[string]string{"Username": "kid", "Pw": "right"}, hdr}, 403, nil)
		s.expect(req{"GET", "/Users/Me", nil, as(session.AccessToken)}, 401, nil)
		var dto UserIn
		s.expect(req{"GET", "/Users/" + kid.ID.String(), nil, as(admin.AccessToken)}, 200, &dto)
		if !dto.Policy.IsDisabled || dto.Policy.LoginAttemptsBeforeLockout != 3 || dto.Policy.InvalidLoginAttemptCount != 3 {
			t.Errorf("locked-out policy %+v", dto.Policy)
		}
		// An administrator re-enables the user, which clears the count.
		s.expect(req{"POST", "/Users/" + kid.ID.String() + "/Policy", map[string]any{"IsDisabled": false, "InvalidLoginAttemptCount": 3}, as(admin.AccessToken)}, 204, nil)
		s.expect(req{"POST", "/Users/AuthenticateByName", map[string]string{"Username": "kid", "Pw": "wrong"}, hdr}, 401, nil)
		s.login("kid", "right", "kid-dev")
		// Jellyfin's guards.
		adminID := admin.User.ID
		s.expect(req{"POST", "/Users/" + adminID + "/Policy", map[string]any{"IsDisabled": true}, as(admin.AccessToken)}, 403, nil)
		s.expect(req{"POST", "/Users/" + adminID + "/Policy", map[string]any{"IsAdministrator": false}, as(admin.AccessToken)}, 403, nil)
	})
}

func TestTokenCarriers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		s.addUser("admin", "root", true)
		tok := s.login("admin", "root", "carrier-dev").AccessToken
		key, err := s.store.CreateAPIKey(context.Background(), "ci")
		if err != nil {
			t.Fatal(err)
		}
		// Percent-encode every character of the token: clients URL-encode
		// header values.
		var enc strings.Builder
		for i := 0; i < len(tok); i++ {
			enc.WriteString("%" + strings.ToUpper(hex2(tok[i])))
		}
		for name, r := range map[string]req{
			"quoted":           {"GET", "/Users/Me", nil, []string{"Authorization", `MediaBrowser Client="Web", Device="Firefox", DeviceId="d1", Version="10.11.11", Token="` + tok + `"`}},
			"unquoted (Kodi)":  {"GET", "/Users/Me", nil, []string{"Authorization", `MediaBrowser Client=Kodi, Device=htpc, DeviceId=d2, Version=1.0, Token=` + tok}},
			"URL-encoded":      {"GET", "/Users/Me", nil, []string{"Authorization", `MediaBrowser Client="Probe%20Client", Device="Probe%20Device", DeviceId="d3", Version="1.0.0", Token="` + enc.String() + `"`}},
			"Emby scheme":      {"GET", "/Users/Me", nil, []string{"Authorization", `Emby Client="x", DeviceId="d4", Token="` + tok + `"`}},
			"token only":       {"GET", "/Users/Me", nil, []string{"Authorization", `MediaBrowser Token="` + tok + `"`}},
			"X-Emby-Auth":      {"GET", "/Users/Me", nil, []string{"X-Emby-Authorization", `MediaBrowser Client="x", DeviceId="d5", Token="` + tok + `"`}},
			"X-Emby-Token":     {"GET", "/Users/Me", nil, []string{"X-Emby-Token", tok}},
			"X-MB-Token":       {"GET", "/Users/Me", nil, []string{"X-MediaBrowser-Token", tok}},
			"ApiKey":           {"GET", "/Users/Me?ApiKey=" + tok, nil, nil},
			"api_key":          {"GET", "/Users/Me?api_key=" + tok, nil, nil},
			"APIKEY":           {"GET", "/Users/Me?APIKEY=" + tok, nil, nil},
			"empty then query": {"GET", "/Users/Me?api_key=" + tok, nil, []string{"Authorization", `MediaBrowser Client="x", DeviceId="d6", Token=""`}},
		} {
			t.Run(name, func(t *testing.T) {
				var me UserIn
				s.expect(r, 200, &me)
				if me.Name != "admin" {
					t.Errorf("me %+v", me)
				}
			})
		}
		// An API key is an administrator without a user.
		s.expect(req{"GET", "/Users?api_key=" + key.AccessToken, nil, nil}, 200, nil)
		s.expect(req{"GET", "/Users", nil, []string{"X-Emby-Token", key.AccessToken}}, 200, nil)
		s.expect(req{"GET", "/Users/Me", nil, []string{"X-Emby-Token", key.AccessToken}}, 400, nil)
		for _, r := range []req{
			{"GET", "/Users/Me", nil, as("")},
			{"GET", "/Users/Me", nil, as("0123456789abcdef0123456789abcdef")},
			{"GET", "/Users/Me?api_key=nope", nil, nil},
			{"GET", "/Users/Me", nil, []string{"Authorization", "Bearer " + tok}},
		} {
			s.expect(r, 401, nil)
		}
	})
}

func hex2(b byte) string { return string("0123456789abcdef"[b>>4]) + string("0123456789abcdef"[b&15]) }

func TestCaseAndPrefix(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		admin := s.addUser("admin", "root", true)
		hidden := s.addUser("ghost", "", false)
		if err := s.store.UpdateUser(context.Background(), func() *media.User { hidden.IsHidden = true; return hidden }()); err != nil {
			t.Fatal(err)
		}
		tok := s.login("admin", "root", "case-dev").AccessToken
		for _, p := range []string{"/users/me", "/USERS/ME", "/emby/Users/Me", "/EMBY/users/me", "/mediabrowser/Users/Me", "/Users/Me/",
			"/users/" + admin.ID.String(), "/Users/" + strings.ToUpper(admin.ID.Hyphenated())} {
			var me UserIn
			s.expect(req{"GET", p, nil, as(tok)}, 200, &me)
			if me.ID != admin.ID.String() {
				t.Errorf("%s: %+v", p, me)
			}
		}
		s.expect(req{"GET", "/system/info/public", nil, nil}, 200, nil)
		s.expect(req{"GET", "/emby/System/Ping", nil, nil}, 200, nil)
		s.expect(req{"GET", "/Users/not-an-id", nil, as(tok)}, 400, nil)
		s.expect(req{"GET", "/NoSuchThing", nil, nil}, 404, nil)
		s.expect(req{"GET", "/embyx/System/Ping", nil, nil}, 404, nil)
		// Query keys in any case.
		for _, q := range []string{"isHidden=true", "ISHIDDEN=True", "ishidden=true", "IsHidden=true"} {
			var users []UserIn
			s.expect(req{"GET", "/Users?" + q, nil, as(tok)}, 200, &users)
			if len(users) != 1 || users[0].Name != "ghost" {
				t.Errorf("%s: %+v", q, users)
			}
		}
		// POST /Auth/Keys?APP=...
		s.expect(req{"POST", "/auth/keys?APP=" + url.QueryEscape("My App"), nil, as(tok)}, 204, nil)
		var keys QueryResult[AuthenticationInfo]
		s.expect(req{"GET", "/Auth/Keys", nil, as(tok)}, 200, &keys)
		if keys.TotalRecordCount != 1 || keys.Items[0].AppName != "My App" || !hex32.MatchString(keys.Items[0].AccessToken) {
			t.Fatalf("keys %+v", keys)
		}
		s.expect(req{"DELETE", "/Auth/Keys/" + keys.Items[0].AccessToken, nil, as(tok)}, 204, nil)
		s.expect(req{"DELETE", "/Auth/Keys/" + keys.Items[0].AccessToken, nil, as(tok)}, 404, nil)
	})
}

func TestUsersAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		s.completeWizard()
		s.addUser("admin", "root", true)
		admin := s.login("admin", "root", "admin-dev")
		at := as(admin.AccessToken)
		var created UserIn
		s.expect(req{"POST", "/Users/New", map[string]string{"Name": "bob", "Password": "pw1"}, at}, 200, &created)
		if created.Name != "bob" || !created.HasPassword || !created.Policy.IsHidden || created.Policy.IsAdministrator {
			t.Fatalf("created %+v", created)
		}
		s.expect(req{"POST", "/Users/New", map[string]string{"Name": "BOB"}, at}, 409, nil)
		s.expect(req{"POST", "/Users/New", map[string]string{"Name": " bad"}, at}, 400, nil)
		var public []UserIn
		s.expect(req{"GET", "/Users/Public", nil, nil}, 200, &public)
		if len(public) != 1 || public[0].Name != "admin" {
			t.Errorf("public users %+v", public)
		}
		folder := media.NewID()
		s.expect(req{"POST", "/Users/" + created.ID + "/Policy", map[string]any{"IsHidden": false, "EnableAllFolders": false, "EnabledFolders": []string{folder.Hyphenated()}, "EnableContentDeletion": true}, at}, 204, nil)
		var bob UserIn
		s.expect(req{"GET", "/Users/" + created.ID, nil, at}, 200, &bob)
		if bob.Policy.IsHidden || bob.Policy.EnableAllFolders || len(bob.Policy.EnabledFolders) != 1 || bob.Policy.EnabledFolders[0] != folder.String() {
			t.Errorf("policy after update %+v", bob.Policy)
		}
		perms, _ := s.store.UserPermissions(context.Background(), media.MustParseID(created.ID))
		if !perms[media.PermissionEnableContentDeletion] {
			t.Error("EnableContentDeletion was not stored")
		}
		s.expect(req{"GET", "/Users/Public", nil, nil}, 200, &public)
		if len(public) != 2 {
			t.Errorf("public users after showing bob %+v", public)
		}
		// Bob renames himself and changes his password.
		b1 := s.login("bob", "pw1", "bob-1")
		b2 := s.login("bob", "pw1", "bob-2")
		s.expect(req{"POST", "/Users/" + created.ID, map[string]string{"Name": "robert"}, as(b1.AccessToken)}, 204, nil)
		s.expect(req{"POST", "/Users/" + created.ID + "/Password", map[string]string{"CurrentPw": "nope", "NewPw": "pw2"}, as(b1.AccessToken)}, 403, nil)
		s.expect(req{"POST", "/Users/" + created.ID + "/Password", map[string]any{"ResetPassword": true}, as(b1.AccessToken)}, 403, nil)
		s.expect(req{"POST", "/Users/" + created.ID + "/Password", map[string]string{"CurrentPw": "pw1", "NewPw": "pw2"}, as(b1.AccessToken)}, 204, nil)
		s.expect(req{"GET", "/Users/Me", nil, as(b1.AccessToken)}, 200, nil) // the caller's session stays
		s.expect(req{"GET", "/Users/Me", nil, as(b2.AccessToken)}, 401, nil) // the others end
		s.login("robert", "pw2", "bob-3")
		// An administrator resets it without the current one.
		s.expect(req{"POST", "/Users/" + created.ID + "/Password", map[string]any{"ResetPassword": true}, at}, 204, nil)
		s.login("robert", "", "bob-4")
		// ...but not an administrator's to empty.
		s.expect(req{"POST", "/Users/" + admin.User.ID + "/Password", map[string]any{"ResetPassword": true}, at}, 400, nil)
		// The last administrator cannot be deleted; others can.
		s.expect(req{"DELETE", "/Users/" + admin.User.ID, nil, at}, 400, nil)
		s.expect(req{"DELETE", "/Users/" + created.ID, nil, at}, 204, nil)
		s.expect(req{"DELETE", "/Users/" + created.ID, nil, at}, 404, nil)
		s.expect(req{"GET", "/Users/" + created.ID, nil, at}, 404, nil)
		var all []UserIn
		s.expect(req{"GET", "/Users", nil, at}, 200, &all)
		if len(all) != 1 {
			t.Errorf("users after delete %+v", all)
		}
		var sys SystemInfo
		s.expect(req{"GET", "/System/Info", nil, at}, 200, &sys)
		if sys.Version != Version || !sys.StartupWizardCompleted {
			t.Errorf("system info %+v", sys)
		}
		// The encoding section, which jellyfin-web's player reads before it
		// draws ASS subtitles; no other section is served.
		var enc map[string]any
		s.expect(req{"GET", "/System/Configuration/encoding", nil, at}, 200, &enc)
		if enc["EnableFallbackFont"] != false || enc["HardwareAccelerationType"] != "none" {
			t.Errorf("encoding configuration %v", enc)
		}
		s.expect(req{"GET", "/System/Configuration/network", nil, at}, 404, nil)
	})
}

// TestPermissions walks the route table: every route is tried anonymously,
// as a user on administrators' routes, and as another user on per-user
// routes. A route added to the table is covered without editing this test.
func TestPermissions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		s.completeWizard()
		s.addUser("admin", "root", true)
		alice := s.addUser("alice", "a", false)
		bob := s.addUser("bob", "b", false)
		aliceTok := s.login("alice", "a", "alice-dev").AccessToken
		fill := func(pattern string, userID media.ID) string {
			p := strings.ReplaceAll(pattern, "{userId}", userID.String())
			return regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(p, "x")
		}
		for _, r := range s.rt.routes {
			name := r.method + " " + r.pattern
			path := fill(r.pattern, bob.ID)
			t.Run(name, func(t *testing.T) {
				code, body := s.do(req{r.method, path, nil, nil})
				switch r.access {
				case accessPublic:
					if code == 401 || code == 403 {
						t.Errorf("anonymous: %d %s, want a public route", code, body)
					}
				default:
					if code != 401 {
						t.Errorf("anonymous: %d %s, want 401", code, body)
					}
				}
				// The same with a token that matches nothing.
				if code, _ := s.do(req{r.method, path, nil, as("ffffffffffffffffffffffffffffffff")}); r.access != accessPublic && code != 401 {
					t.Errorf("unknown token: %d, want 401", code)
				}
				switch r.access {
				case accessAdmin, accessSetup:
					if code, body := s.do(req{r.method, path, nil, as(aliceTok)}); code != 403 {
						t.Errorf("as a user: %d %s, want 403", code, body)
					}
				case accessSelf:
					if code, body := s.do(req{r.method, path, nil, as(aliceTok)}); code != 403 {
						t.Errorf("as another user: %d %s, want 403", code, body)
					}
					own := fill(r.pattern, alice.ID)
					if code, body := s.do(req{r.method, own, nil, as(aliceTok)}); code == 401 || code == 403 {
						t.Errorf("as the user: %d %s, want allowed", code, body)
					}
				}
			})
		}
	})
}

func TestParseAuthorization(t *testing.T) {
	for _, c := range []struct {
		h    string
		want authInfo
		ok   bool
	}{
		{`MediaBrowser Client="Jellyfin Web", Device="Firefox", DeviceId="TW96aWxsYQ", Version="10.11.11", Token="abc"`,
			authInfo{"Jellyfin Web", "Firefox", "TW96aWxsYQ", "10.11.11", "abc"}, true},
		{`MediaBrowser Client=Kodi,Device=htpc,DeviceId=1,Version=2,Token=t`, authInfo{"Kodi", "htpc", "1", "2", "t"}, true},
		{`mediabrowser Client="a%2Cb", Device="x, y", Token=""`, authInfo{Client: "a,b", Device: "x, y"}, true},
		{`Emby UserId="u", Client="c"`, authInfo{Client: "c"}, true},
		{`Basic dXNlcjpwYXNz`, authInfo{}, false},
		{`MediaBrowser`, authInfo{}, false},
		{``, authInfo{}, false},
		{`MediaBrowser ,,,==,"`, authInfo{}, true},
	} {
		got, ok := parseAuthorization(c.h)
		if got != c.want || ok != c.ok {
			t.Errorf("parseAuthorization(%q) = %+v, %v; want %+v, %v", c.h, got, ok, c.want, c.ok)
		}
	}
}

func TestQueryList(t *testing.T) {
	r := httptest.NewRequest("GET", "/Items?Fields=A,B&fields=C&FIELDS=&x=1", nil)
	(&normaliser{}).normalise(r)
	if got := strings.Join(queryList(r, "Fields"), "|"); got != "A|B|C" {
		t.Errorf("queryList = %q", got)
	}
	if query(r, "X") != "1" {
		t.Errorf("query X = %q", query(r, "X"))
	}
}

func TestSessionID(t *testing.T) {
	// Stable, GUID-shaped, and different per client and device.
	a, b := sessionID("Jellyfin Web", "dev"), sessionID("Jellyfin Web", "dev2")
	if !hex32.MatchString(a) || a == b || a != sessionID("Jellyfin Web", "dev") {
		t.Errorf("session ids %s %s", a, b)
	}
}

// wantAccess are the routes Jellyfin 10.11 answers anonymously, keeps for
// the startup wizard, or keeps for administrators (RequiresElevation),
// written out here rather than read from the route table: TestPermissions
// checks that each route enforces its class, this that the class is
// Jellyfin's, so a route put in the wrong one fails. Every other route is
// a user's (their own, when the path names a {userId}).
var wantAccess = map[string]access{
	"DELETE /Auth/Keys/{key}":                              accessAdmin,
	"DELETE /Library/VirtualFolders":                       accessAdmin,
	"DELETE /Library/VirtualFolders/Paths":                 accessAdmin,
	"DELETE /Users/{userId}":                               accessAdmin,
	"GET /Auth/Keys":                                       accessAdmin,
	"GET /Library/MediaFolders":                            accessAdmin,
	"GET /Library/VirtualFolders":                          accessAdmin,
	"GET /ScheduledTasks":                                  accessAdmin,
	"GET /ScheduledTasks/{taskId}":                         accessAdmin,
	"GET /Users":                                           accessAdmin,
	"POST /Auth/Keys":                                      accessAdmin,
	"POST /Library/Refresh":                                accessAdmin,
	"POST /Library/VirtualFolders":                         accessAdmin,
	"POST /Library/VirtualFolders/Name":                    accessAdmin,
	"POST /Library/VirtualFolders/Paths":                   accessAdmin,
	"POST /ScheduledTasks/Running/{taskId}":                accessAdmin,
	"POST /Users/New":                                      accessAdmin,
	"POST /Users/{userId}/Policy":                          accessAdmin,
	"GET /Branding/Configuration":                          accessPublic,
	"GET /Branding/Css":                                    accessPublic,
	"GET /Branding/Css.css":                                accessPublic,
	"GET /Items/{itemId}/Images/{imageType}":               accessPublic,
	"GET /Items/{itemId}/Images/{imageType}/{imageIndex}":  accessPublic,
	"GET /Localization/Countries":                          accessPublic,
	"GET /Localization/Cultures":                           accessPublic,
	"GET /Localization/Options":                            accessPublic,
	"GET /Localization/ParentalRatings":                    accessPublic,
	"GET /QuickConnect/Enabled":                            accessPublic,
	"GET /System/Info/Public":                              accessPublic,
	"GET /System/Ping":                                     accessPublic,
	"GET /Users/Public":                                    accessPublic,
	"GET /UserImage":                                       accessPublic,
	"HEAD /UserImage":                                      accessPublic,
	"GET /Users/{userId}/Images/{imageType}":               accessPublic,
	"HEAD /Users/{userId}/Images/{imageType}":              accessPublic,
	"GET /Users/{userId}/Images/{imageType}/{imageIndex}":  accessPublic,
	"HEAD /Users/{userId}/Images/{imageType}/{imageIndex}": accessPublic,
	"GET /health":                                          accessPublic,
	"GET /health/live":                                     accessPublic,
	"GET /health/ready":                                    accessPublic,
	"HEAD /Items/{itemId}/Images/{imageType}":              accessPublic,
	"HEAD /Items/{itemId}/Images/{imageType}/{imageIndex}": accessPublic,
	"POST /System/Ping":                                    accessPublic,
	"POST /Users/AuthenticateByName":                       accessPublic,
	"POST /Users/ForgotPassword":                           accessPublic,
	"POST /Users/AuthenticateWithQuickConnect":             accessPublic,
	"POST /QuickConnect/Initiate":                          accessPublic,
	"GET /QuickConnect/Initiate":                           accessPublic,
	"GET /QuickConnect/Connect":                            accessPublic,
	"POST /Users/ForgotPassword/Pin":                       accessPublic,
	"GET /Startup/Configuration":                           accessSetup,
	"GET /Startup/FirstUser":                               accessSetup,
	"GET /Startup/User":                                    accessSetup,
	"POST /Startup/Complete":                               accessSetup,
	"POST /Startup/Configuration":                          accessSetup,
	"POST /Startup/RemoteAccess":                           accessSetup,
	"POST /Startup/User":                                   accessSetup,
}

func TestRouteAccess(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range (&Router{}).table() {
		key := r.method + " " + r.pattern
		seen[key] = true
		want, listed := wantAccess[key]
		if !listed {
			want = accessUser
			if strings.Contains(r.pattern, "{userId}") {
				want = accessSelf
			}
		}
		if r.access != want {
			t.Errorf("%s: access %v, want %v", key, r.access, want)
		}
	}
	for key := range wantAccess {
		if !seen[key] {
			t.Errorf("%s is not routed", key)
		}
	}
}
