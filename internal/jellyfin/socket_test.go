package jellyfin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/testdb"
)

// The /socket WebSocket end to end, with the websocket package's client.

// socketWait bounds every wait for a message: generous, because a busy
// machine is slow, and a correct run never waits this long.
const socketWait = 30 * time.Second

// wsMessage reads a message back.
type wsMessage struct {
	MessageType string
	Data        json.RawMessage
	MessageID   string `json:"MessageId"`
}

type wsClient struct {
	t testing.TB
	c *websocket.Conn
}

func wsURL(s *testServer, path string) string { return "ws" + strings.TrimPrefix(s.url, "http") + path }

// dial connects as the web client does: token and device in the query.
func (s *testServer) dial(token, device string) *wsClient {
	s.t.Helper()
	return s.dialURL(wsURL(s, "/socket?api_key="+url.QueryEscape(token)+"&deviceId="+url.QueryEscape(device)), nil)
}

func (s *testServer) dialURL(u string, h http.Header) *wsClient {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), socketWait)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		s.t.Fatalf("dial %s: %v", u, err)
	}
	s.t.Cleanup(func() { c.CloseNow() })
	return &wsClient{t: s.t, c: c}
}

// refused dials and returns the HTTP status that refused the upgrade.
func (s *testServer) refused(u string, h http.Header) int {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), socketWait)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err == nil {
		c.CloseNow()
		s.t.Fatalf("dial %s: connected, want refused", u)
	}
	if resp == nil {
		s.t.Fatalf("dial %s: %v", u, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (w *wsClient) read() (wsMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), socketWait)
	defer cancel()
	var m wsMessage
	_, data, err := w.c.Read(ctx)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		w.t.Fatalf("message is not JSON: %v: %s", err, data)
	}
	if !hex32.MatchString(m.MessageID) {
		w.t.Errorf("%s: MessageId %q, want 32 hex digits", m.MessageType, m.MessageID)
	}
	return m, nil
}

// next returns the next message of type typ, skipping others.
func (w *wsClient) next(typ string) wsMessage {
	w.t.Helper()
	for {
		m, err := w.read()
		if err != nil {
			w.t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m.MessageType == typ {
			return m
		}
	}
}

func (w *wsClient) write(s string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), socketWait)
	defer cancel()
	if err := w.c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		w.t.Fatal(err)
	}
}

// closed waits for the server to close the connection and returns its code.
func (w *wsClient) closed() websocket.StatusCode {
	w.t.Helper()
	for {
		_, err := w.read()
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func decodeData(t *testing.T, m wsMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(m.Data, v); err != nil {
		t.Fatalf("%s Data: %v: %s", m.MessageType, err, m.Data)
	}
}

// TestSocketProtocol: authentication before the upgrade, the keep-alive
// exchange, what is ignored and what ends a connection.
func TestSocketProtocol(t *testing.T) {
	s := newTestServer(t, engines["sqlite"](t), nil)
	s.completeWizard()
	s.addUser("alice", "a", false)
	tok := s.login("alice", "a", "alice-dev").AccessToken

	if code := s.refused(wsURL(s, "/socket"), nil); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code := s.refused(wsURL(s, "/socket?api_key=ffffffffffffffffffffffffffffffff&deviceId=x"), nil); code != http.StatusUnauthorized {
		t.Errorf("unknown token: %d, want 401", code)
	}
	if code, _ := s.do(req{"GET", "/socket?api_key=" + tok, nil, nil}); code != http.StatusUpgradeRequired {
		t.Errorf("a plain GET: %d, want 426", code)
	}

	w := s.dial(tok, "alice-dev")
	m := w.next("ForceKeepAlive")
	var secs int
	decodeData(t, m, &secs)
	if secs != 60 {
		t.Errorf("ForceKeepAlive %d, want 60", secs)
	}
	w.write(`{"MessageType":"KeepAlive"}`)
	if m := w.next("KeepAlive"); m.Data != nil {
		t.Errorf("KeepAlive answer has Data %s", m.Data)
	}
	// Unknown messages, messages that are not JSON, and a Sessions
	// subscription from someone who is not an administrator are ignored;
	// the connection goes on.
	w.write(`{"MessageType":"SomethingNew","Data":"x"}`)
	w.write(`not json at all`)
	w.write(`{"MessageType":"SessionsStart","Data":"0,1000"}`)
	w.write(`{"MessageType":"SessionsStart","Data":"garbage"}`)
	w.write(`{"MessageType":"KeepAlive"}`)
	if m, err := w.read(); err != nil || m.MessageType != "KeepAlive" {
		t.Errorf("after ignored messages: %+v %v, want KeepAlive", m, err)
	}

	// The token in a header, and Jellyfin's /emby prefix, in any case.
	h := http.Header{"Authorization": as(tok)[1:]}
	w2 := s.dialURL(wsURL(s, "/emby/Socket"), h)
	w2.next("ForceKeepAlive")

	// A message over the size limit ends the connection with 1009.
	w2.write(`{"MessageType":"KeepAlive","Data":"` + strings.Repeat("x", socketReadLimit) + `"}`)
	if code := w2.closed(); code != websocket.StatusMessageTooBig {
		t.Errorf("oversized message: close %d, want %d", code, websocket.StatusMessageTooBig)
	}
	// A client that closes is let go.
	if err := w.c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Errorf("close: %v", err)
	}
	deadline := time.Now().Add(socketWait)
	for s.rt.hub.count() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.rt.hub.count(); n != 0 {
		t.Errorf("%d connections left after the clients went", n)
	}
}

// TestSocketKeepAliveMissed: a client that stops sending is reminded, then
// closed.
func TestSocketKeepAliveMissed(t *testing.T) {
	s := newTestServer(t, engines["sqlite"](t), func(rt *Router) { rt.keepAlive = 2 * time.Second })
	s.completeWizard()
	s.addUser("alice", "a", false)
	w := s.dial(s.login("alice", "a", "alice-dev").AccessToken, "alice-dev")
	var secs int
	decodeData(t, w.next("ForceKeepAlive"), &secs)
	if secs != 2 {
		t.Errorf("ForceKeepAlive %d, want 2", secs)
	}
	w.next("ForceKeepAlive") // the reminder
	if code := w.closed(); code != websocket.StatusPolicyViolation {
		t.Errorf("close %d, want %d", code, websocket.StatusPolicyViolation)
	}
}

// TestSocketLogout: a logout, through any replica, ends the session's
// WebSocket within a keep-alive period, however diligently it keeps alive.
func TestSocketLogout(t *testing.T) {
	s := newTestServer(t, engines["sqlite"](t), func(rt *Router) { rt.keepAlive = 2 * time.Second })
	s.completeWizard()
	s.addUser("alice", "a", false)
	tok := s.login("alice", "a", "alice-dev").AccessToken
	w := s.dial(tok, "alice-dev")
	w.next("ForceKeepAlive")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			_ = w.c.Write(ctx, websocket.MessageText, []byte(`{"MessageType":"KeepAlive"}`))
			time.Sleep(200 * time.Millisecond)
		}
	}()
	s.expect(req{"POST", "/Sessions/Logout", nil, as(tok)}, 204, nil)
	if code := w.closed(); code != websocket.StatusPolicyViolation {
		t.Errorf("close %d, want %d", code, websocket.StatusPolicyViolation)
	}
}

// UserDataChangeIn reads UserDataChanged's Data back.
type UserDataChangeIn struct {
	UserID       string `json:"UserId"`
	UserDataList []UserDataIn
}

func (u UserDataChangeIn) find(id string) *UserDataIn {
	for i := range u.UserDataList {
		if u.UserDataList[i].ItemID == id {
			return &u.UserDataList[i]
		}
	}
	return nil
}

// pickFilm returns a film of more than ten minutes bob can see.
func pickFilm(t *testing.T, e *browseEnv) ItemIn {
	t.Helper()
	for _, it := range e.list(e.bob, "/Items?ParentId="+e.movies.String()+"&IncludeItemTypes=Movie&Recursive=true").Items {
		if it.RunTimeTicks != nil && *it.RunTimeTicks > 600*media.TicksPerSecond && !it.UserData.IsFavorite {
			return it
		}
	}
	t.Fatal("no film in the generated library")
	return ItemIn{}
}

// TestSocketUserData: a user's connections hear of their play state
// changes (toggles, playback start and stop), and nobody else does.
func TestSocketUserData(t *testing.T) {
	s := newTestServer(t, engines["sqlite"](t), func(rt *Router) { rt.userDataDelay = 50 * time.Millisecond })
	e := newBrowseEnv(t, s)
	film := pickFilm(t, e)
	bob := s.dial(e.bob, "bob-phone")
	bob.next("ForceKeepAlive")
	admin := s.dial(e.admin, "admin-tv")
	admin.next("ForceKeepAlive")

	// Another of bob's devices marks the film a favourite.
	e.expect(req{"POST", "/UserFavoriteItems/" + film.ID, nil, as(e.bob)}, 200, nil)
	var ch UserDataChangeIn
	decodeData(t, bob.next("UserDataChanged"), &ch)
	if ch.UserID != e.bobID.String() {
		t.Errorf("UserId %s, want bob's %s", ch.UserID, e.bobID)
	}
	if d := ch.find(film.ID); d == nil || !d.IsFavorite || d.Key == "" {
		t.Errorf("the film's user data: %+v in %+v", d, ch)
	}
	if film.ParentID != "" && ch.find(film.ParentID) == nil {
		t.Errorf("the film's parent %s is missing from %+v", film.ParentID, ch)
	}

	// The administrator's own change is the first thing they hear: bob's
	// was never sent to them.
	e.expect(req{"POST", "/UserPlayedItems/" + film.ID, nil, as(e.admin)}, 200, nil)
	var mine UserDataChangeIn
	decodeData(t, admin.next("UserDataChanged"), &mine)
	if mine.UserID != e.adminID.String() {
		t.Errorf("the administrator heard of %s's change", mine.UserID)
	}

	// Playback start and stop are announced, with the position kept.
	post := func(path string, body any) { e.expect(req{"POST", path, body, as(e.bob)}, 204, nil) }
	post("/Sessions/Playing", map[string]any{"ItemId": film.ID, "PositionTicks": 0})
	decodeData(t, bob.next("UserDataChanged"), &ch)
	if d := ch.find(film.ID); d == nil || d.PlayCount != 1 {
		t.Errorf("after start: %+v", d)
	}
	pos := *film.RunTimeTicks / 2
	post("/Sessions/Playing/Progress", map[string]any{"ItemId": film.ID, "PositionTicks": pos})
	post("/Sessions/Playing/Stopped", map[string]any{"ItemId": film.ID, "PositionTicks": pos})
	decodeData(t, bob.next("UserDataChanged"), &ch)
	if d := ch.find(film.ID); d == nil || d.PlaybackPositionTicks != pos || !d.IsFavorite {
		t.Errorf("after stop: %+v", d)
	}
}

// SessionsIn reads a Sessions message's Data back.
type SessionsIn []SessionIn

func (ss SessionsIn) of(user string) *SessionIn {
	for i := range ss {
		if ss[i].UserName == user {
			return &ss[i]
		}
	}
	return nil
}

// TestSocketSessions: an administrator's Sessions subscription gets the
// list at once, again when playback starts, and periodically.
func TestSocketSessions(t *testing.T) {
	s := newTestServer(t, engines["sqlite"](t), nil)
	e := newBrowseEnv(t, s)
	film := pickFilm(t, e)
	admin := s.dial(e.admin, "admin-tv")
	admin.write(`{"MessageType":"SessionsStart","Data":"0,1000"}`)
	var list SessionsIn
	decodeData(t, admin.next("Sessions"), &list)
	if list == nil || list.of("bob") != nil {
		t.Errorf("before playback: %+v", list)
	}
	e.expect(req{"POST", "/Sessions/Playing", map[string]any{"ItemId": film.ID, "PositionTicks": 0}, as(e.bob)}, 204, nil)
	for {
		decodeData(t, admin.next("Sessions"), &list)
		if b := list.of("bob"); b != nil {
			if b.NowPlayingItem == nil || b.NowPlayingItem.ID != film.ID {
				t.Errorf("bob's session: %+v", b)
			}
			break
		}
	}
	// Progress is seen on the next periodic push.
	pos := *film.RunTimeTicks / 3
	e.expect(req{"POST", "/Sessions/Playing/Progress", map[string]any{"ItemId": film.ID, "PositionTicks": pos, "IsPaused": true}, as(e.bob)}, 204, nil)
	for {
		decodeData(t, admin.next("Sessions"), &list)
		if b := list.of("bob"); b != nil && b.PlayState.PositionTicks != nil && *b.PlayState.PositionTicks == pos {
			if !b.PlayState.IsPaused {
				t.Errorf("bob's session not paused: %+v", b.PlayState)
			}
			break
		}
	}
	// SessionsStop ends it: a KeepAlive answer is then the last message,
	// however long one waits (one tick of the 1 s period here).
	admin.write(`{"MessageType":"SessionsStop"}`)
	admin.write(`{"MessageType":"KeepAlive"}`)
	admin.next("KeepAlive")
	time.Sleep(1500 * time.Millisecond)
	admin.write(`{"MessageType":"KeepAlive"}`)
	if m, err := admin.read(); err != nil || m.MessageType != "KeepAlive" {
		t.Errorf("after SessionsStop: %s %v, want KeepAlive", m.MessageType, err)
	}
}

// TestSocketShutdown: closing the sockets says "going away" to clients and
// refuses new ones.
func TestSocketShutdown(t *testing.T) {
	s := newTestServer(t, engines["sqlite"](t), nil)
	s.completeWizard()
	s.addUser("alice", "a", false)
	tok := s.login("alice", "a", "alice-dev").AccessToken
	w := s.dial(tok, "alice-dev")
	w.next("ForceKeepAlive")
	ctx, cancel := context.WithTimeout(context.Background(), socketWait)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.rt.CloseSockets(ctx) }()
	if code := w.closed(); code != websocket.StatusGoingAway {
		t.Errorf("close %d, want %d", code, websocket.StatusGoingAway)
	}
	if err := <-done; err != nil {
		t.Errorf("CloseSockets: %v", err)
	}
	if code := s.dial(tok, "alice-dev").closed(); code != websocket.StatusGoingAway {
		t.Errorf("a connection after shutdown: close %d, want %d", code, websocket.StatusGoingAway)
	}
}

// TestSocketAcrossReplicas: two routers, each with its own connections to
// one PostgreSQL database, as two replicas are. A client of replica A hears
// of changes made through replica B, also after PostgreSQL ended A's
// listening connection.
func TestSocketAcrossReplicas(t *testing.T) {
	dsn := testdb.NewPostgres(t)
	replica := func() *testServer {
		p, err := database.NewPostgres(dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		var bus events.Bus
		s := newTestServer(t, p, func(rt *Router) {
			rt.userDataDelay = 50 * time.Millisecond
			bus = events.Open(rt.store.DB(), nil)
			rt.SetEvents(bus)
		})
		// Cleanups run last-registered first: the bus closes before the
		// database it listens on.
		t.Cleanup(func() { bus.Close() })
		select {
		case <-bus.(*events.Postgres).Listening():
		case <-time.After(socketWait):
			t.Fatal("the bus is not listening")
		}
		return s
	}
	a, b := replica(), replica()
	e := newBrowseEnv(t, b)
	film := pickFilm(t, e)

	bobAtA := a.dial(e.bob, "bob-phone")
	bobAtA.next("ForceKeepAlive")
	adminAtA := a.dial(e.admin, "admin-tv")
	adminAtA.write(`{"MessageType":"SessionsStart","Data":"0,1000"}`)
	adminAtA.next("Sessions")

	e.expect(req{"POST", "/UserFavoriteItems/" + film.ID, nil, as(e.bob)}, 200, nil)
	var ch UserDataChangeIn
	decodeData(t, bobAtA.next("UserDataChanged"), &ch)
	if d := ch.find(film.ID); d == nil || !d.IsFavorite {
		t.Errorf("at A after a favourite through B: %+v", ch)
	}

	e.expect(req{"POST", "/Sessions/Playing", map[string]any{"ItemId": film.ID, "PositionTicks": 0}, as(e.bob)}, 204, nil)
	pos := *film.RunTimeTicks / 4
	e.expect(req{"POST", "/Sessions/Playing/Progress", map[string]any{"ItemId": film.ID, "PositionTicks": pos}, as(e.bob)}, 204, nil)
	for {
		var list SessionsIn
		decodeData(t, adminAtA.next("Sessions"), &list)
		if bs := list.of("bob"); bs != nil && bs.PlayState.PositionTicks != nil && *bs.PlayState.PositionTicks == pos {
			break
		}
	}

	// PostgreSQL ends A's listener; A reconnects and hears B again.
	pid := a.rt.events.(*events.Postgres).ListenerPID()
	ctx := context.Background()
	pg, err := pgx.Connect(ctx, testdb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	if _, err := pg.Exec(ctx, `SELECT pg_terminate_backend($1)`, int(pid)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(socketWait)
	for {
		if n := a.rt.events.(*events.Postgres).ListenerPID(); n != 0 && n != pid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("replica A's listener did not come back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.expect(req{"DELETE", "/UserFavoriteItems/" + film.ID, nil, as(e.bob)}, 200, nil)
	for {
		decodeData(t, bobAtA.next("UserDataChanged"), &ch)
		if d := ch.find(film.ID); d != nil && !d.IsFavorite {
			break
		}
	}
}
