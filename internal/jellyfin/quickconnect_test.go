package jellyfin

import (
	"regexp"
	"testing"

	"github.com/jellyha/jellyha/internal/testdb"
)

// tvHeader is the Authorization header of a television that has no token.
var tvHeader = []string{"Authorization", `MediaBrowser Client="Jellyfin Android TV", Device="Living room", DeviceId="tv-1", Version="0.18.0"`}

// quickConnect walks Quick Connect: the television asks at initiator, the
// user approves at approver, the television polls and logs in at
// initiator. It returns the television's login.
func quickConnect(t *testing.T, initiator, approver *testServer, userToken string) *AuthenticationResultIn {
	t.Helper()
	var enabled bool
	initiator.expect(req{"GET", "/QuickConnect/Enabled", nil, nil}, 200, &enabled)
	if !enabled {
		t.Fatal("Quick Connect is not enabled")
	}
	var start QuickConnectResultIn
	initiator.expect(req{"POST", "/QuickConnect/Initiate", nil, tvHeader}, 200, &start)
	if !regexp.MustCompile(`^[0-9A-F]{64}$`).MatchString(start.Secret) || !regexp.MustCompile(`^[1-9][0-9]{5}$`).MatchString(start.Code) ||
		start.Authenticated || start.DeviceID != "tv-1" || start.DeviceName != "Living room" || start.AppName != "Jellyfin Android TV" {
		t.Fatalf("initiate: %+v", start)
	}
	var poll QuickConnectResultIn
	initiator.expect(req{"GET", "/QuickConnect/Connect?secret=" + start.Secret, nil, nil}, 200, &poll)
	if poll.Authenticated || poll.Code != start.Code {
		t.Fatalf("poll before approval: %+v", poll)
	}
	// Not approved yet: no login.
	initiator.expect(req{"POST", "/Users/AuthenticateWithQuickConnect", map[string]string{"Secret": start.Secret}, tvHeader}, 404, nil)
	var ok bool
	approver.expect(req{"POST", "/QuickConnect/Authorize?code=" + start.Code, nil, as(userToken)}, 200, &ok)
	if !ok {
		t.Fatal("authorize said false")
	}
	approver.expect(req{"POST", "/QuickConnect/Authorize?code=" + start.Code, nil, as(userToken)}, 409, nil)
	initiator.expect(req{"GET", "/QuickConnect/Connect?secret=" + start.Secret, nil, nil}, 200, &poll)
	if !poll.Authenticated {
		t.Fatalf("poll after approval: %+v", poll)
	}
	var login AuthenticationResultIn
	initiator.expect(req{"POST", "/Users/AuthenticateWithQuickConnect", map[string]string{"Secret": start.Secret}, tvHeader}, 200, &login)
	// Once only.
	initiator.expect(req{"POST", "/Users/AuthenticateWithQuickConnect", map[string]string{"Secret": start.Secret}, tvHeader}, 404, nil)
	initiator.expect(req{"GET", "/QuickConnect/Connect?secret=" + start.Secret, nil, nil}, 404, nil)
	if login.AccessToken == "" || login.SessionInfo.DeviceID != "tv-1" {
		t.Fatalf("login: %+v", login)
	}
	return &login
}

// QuickConnectResultIn reads a QuickConnectResult back.
type QuickConnectResultIn struct {
	Authenticated                                bool
	Secret, Code, DeviceName, AppName, DateAdded string
	DeviceID                                     string `json:"DeviceId"`
}

// TestQuickConnect: a television logs in as the user who enters its code;
// the code and secret work once and for nobody else.
func TestQuickConnect(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		s.completeWizard()
		s.addUser("admin", "root", true)
		alice := s.addUser("alice", "a", false)
		bob := s.addUser("bob", "b", false)
		aliceTok := s.login("alice", "a", "alice-phone").AccessToken
		login := quickConnect(t, s, s, aliceTok)
		if login.User.Name != "alice" {
			t.Errorf("the television logged in as %q", login.User.Name)
		}
		var me UserIn
		s.expect(req{"GET", "/Users/Me", nil, as(login.AccessToken)}, 200, &me)
		if me.ID != alice.ID.String() {
			t.Errorf("the television's token is %s's", me.Name)
		}
		// Alice may not approve for bob; an administrator may.
		var start QuickConnectResultIn
		s.expect(req{"POST", "/QuickConnect/Initiate", nil, tvHeader}, 200, &start)
		s.expect(req{"POST", "/QuickConnect/Authorize?code=" + start.Code + "&userId=" + bob.ID.String(), nil, as(aliceTok)}, 403, nil)
		adminTok := s.login("admin", "root", "admin-dev").AccessToken
		s.expect(req{"POST", "/QuickConnect/Authorize?code=" + start.Code + "&userId=" + bob.ID.String(), nil, as(adminTok)}, 200, nil)
		var bobs AuthenticationResultIn
		s.expect(req{"POST", "/Users/AuthenticateWithQuickConnect", map[string]string{"Secret": start.Secret}, tvHeader}, 200, &bobs)
		if bobs.User.Name != "bob" {
			t.Errorf("approved for bob, logged in as %q", bobs.User.Name)
		}
		// Bad input.
		s.expect(req{"POST", "/QuickConnect/Initiate", nil, []string{"Authorization", `MediaBrowser Client="x"`}}, 400, nil)
		s.expect(req{"POST", "/QuickConnect/Authorize?code=000000", nil, as(aliceTok)}, 404, nil)
		s.expect(req{"POST", "/QuickConnect/Authorize", nil, as(aliceTok)}, 400, nil)
		s.expect(req{"POST", "/QuickConnect/Authorize?code=123456", nil, nil}, 401, nil)
		s.expect(req{"GET", "/QuickConnect/Connect?secret=nonsense", nil, nil}, 404, nil)
		s.expect(req{"POST", "/Users/AuthenticateWithQuickConnect", map[string]string{}, tvHeader}, 400, nil)
	})
}

// TestQuickConnectAcrossReplicas: the television asks replica A, the user
// approves through replica B, and the television logs in at A.
func TestQuickConnectAcrossReplicas(t *testing.T) {
	dsn := testdb.NewPostgres(t)
	a, b := pgReplica(t, dsn), pgReplica(t, dsn)
	b.completeWizard()
	b.addUser("alice", "a", true)
	if login := quickConnect(t, a, b, b.login("alice", "a", "alice-phone").AccessToken); login.User.Name != "alice" {
		t.Errorf("logged in as %q", login.User.Name)
	}
}
