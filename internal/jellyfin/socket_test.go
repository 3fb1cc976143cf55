package jellyfin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/gendb"
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
	// Unknown messages, messages that are not JSON, a subscription with
	// unreadable Data and a task list subscription from someone who is not
	// an administrator are ignored; the connection goes on.
	w.write(`{"MessageType":"SomethingNew","Data":"x"}`)
	w.write(`not json at all`)
	w.write(`{"MessageType":"ScheduledTasksInfoStart","Data":"0,1000"}`)
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
// list at once, again when playback starts, and periodically; a user's
// gets their own sessions.
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
	// bob, who is not an administrator, follows his own sessions only
	// (Jellyfin 10.11); made one, he sees everyone's from the next push,
	// and demoted again, only his own.
	e.expect(req{"POST", "/Sessions/Playing", map[string]any{"ItemId": film.ID, "PositionTicks": 0}, as(e.admin)}, 204, nil)
	bob := s.dial(e.bob, "bob-dev")
	bob.write(`{"MessageType":"SessionsStart","Data":"0,1000"}`)
	decodeData(t, bob.next("Sessions"), &list)
	if list.of("bob") == nil {
		t.Errorf("bob does not see his own session: %+v", list)
	}
	for _, x := range list {
		if x.UserName != "bob" {
			t.Errorf("bob sees %s's session", x.UserName)
		}
	}
	waitFor := func(what string, ok func(SessionsIn) bool) {
		t.Helper()
		deadline := time.Now().Add(socketWait)
		for {
			var l SessionsIn
			decodeData(t, bob.next("Sessions"), &l)
			if ok(l) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("bob's Sessions never %s: %+v", what, l)
			}
		}
	}
	policy := func(admin bool) {
		e.expect(req{"POST", "/Users/" + e.bobID.String() + "/Policy", map[string]any{"IsAdministrator": admin}, as(e.admin)}, 204, nil)
	}
	policy(true)
	waitFor("showed the administrator's session once bob was one", func(l SessionsIn) bool { return l.of(gendb.AdminName) != nil })
	policy(false)
	waitFor("went back to bob's own", func(l SessionsIn) bool { return l.of(gendb.AdminName) == nil && l.of("bob") != nil })

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

// pgReplica is a router on the PostgreSQL database dsn with the
// LISTEN/NOTIFY event bus, listening, as a replica runs.
func pgReplica(t *testing.T, dsn string) *testServer {
	t.Helper()
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

// TestSocketAcrossReplicas: two routers, each with its own connections to
// one PostgreSQL database, as two replicas are. A client of replica A hears
// of changes made through replica B, also after PostgreSQL ended A's
// listening connection.
func TestSocketAcrossReplicas(t *testing.T) {
	dsn := testdb.NewPostgres(t)
	a, b := pgReplica(t, dsn), pgReplica(t, dsn)
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

// connOf returns the server's side of a device's connection.
func (s *testServer) connOf(device string) *socketConn {
	s.t.Helper()
	for _, c := range s.rt.hub.connections() {
		if c.device == device {
			return c
		}
	}
	s.t.Fatalf("no connection of %s", device)
	return nil
}

// until reads messages until one satisfies stop and returns them all.
func (w *wsClient) until(what string, stop func(wsMessage) bool) []wsMessage {
	w.t.Helper()
	var seen []wsMessage
	for {
		m, err := w.read()
		if err != nil {
			w.t.Fatalf("waiting for %s: %v", what, err)
		}
		seen = append(seen, m)
		if stop(m) {
			return seen
		}
	}
}

// quiet sends a KeepAlive and checks that its answer is all that comes
// before it, apart from the other types allowed.
func (w *wsClient) quiet(why string, allowed ...string) {
	w.t.Helper()
	w.write(`{"MessageType":"KeepAlive"}`)
	for _, m := range w.until("KeepAlive", func(m wsMessage) bool { return m.MessageType == "KeepAlive" }) {
		if m.MessageType != "KeepAlive" && m.MessageType != "ForceKeepAlive" && !slices.Contains(allowed, m.MessageType) {
			w.t.Errorf("%s: got %s %s", why, m.MessageType, m.Data)
		}
	}
}

// RefreshProgressIn reads RefreshProgress's Data back: strings, as
// Jellyfin sends them.
type RefreshProgressIn struct {
	ItemID   string `json:"ItemId"`
	Progress string
}

// progressOf reports whether m is RefreshProgress of item at pct.
func progressOf(t *testing.T, m wsMessage, item, pct string) bool {
	if m.MessageType != "RefreshProgress" {
		return false
	}
	var p RefreshProgressIn
	decodeData(t, m, &p)
	return p.ItemID == item && p.Progress == pct
}

// taskEnded reports whether m is ScheduledTaskEnded with status.
func taskEnded(t *testing.T, m wsMessage, status string) bool {
	if m.MessageType != "ScheduledTaskEnded" {
		return false
	}
	var r TaskResult
	decodeData(t, m, &r)
	if r.Key != scanTaskKey || r.ID != scanTaskID || r.Name != "Scan Media Library" || r.StartTimeUtc.IsZero() || r.EndTimeUtc.IsZero() {
		t.Errorf("ScheduledTaskEnded: %s", m.Data)
	}
	return r.Status == status
}

// scanTaskIn finds the scan task in ScheduledTasksInfo's Data.
func scanTaskIn(t *testing.T, m wsMessage) *TaskInfo {
	t.Helper()
	var tasks []TaskInfo
	decodeData(t, m, &tasks)
	for i := range tasks {
		if tasks[i].Key == scanTaskKey {
			return &tasks[i]
		}
	}
	t.Fatalf("no scan task in %s", m.Data)
	return nil
}

// addFilms adds a library of one empty film folder through s and returns
// its id.
func (s *testServer) addFilms(admin []string) string {
	s.t.Helper()
	dir := s.t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "Film (2000)"), 0o755); err != nil {
		s.t.Fatal(err)
	}
	q := url.Values{"name": {"Films"}, "collectionType": {"movies"}, "paths": {dir}, "refreshLibrary": {"false"}}
	s.expect(req{"POST", "/Library/VirtualFolders?" + q.Encode(), nil, admin}, 204, nil)
	var folders []VirtualFolderInfo
	s.expect(req{"GET", "/Library/VirtualFolders", nil, admin}, 200, &folders)
	if len(folders) != 1 {
		s.t.Fatalf("virtual folders: %+v", folders)
	}
	return folders[0].ItemID
}

// TestSocketScan: an administrator's connection follows a library scan
// that another replica runs (faked by writing its lease and progress into
// the database, as that replica's scanner does) and one run here: task
// list pushes, RefreshProgress for the library, ScheduledTaskEnded. Other
// users hear nothing of it.
func TestSocketScan(t *testing.T) {
	for name, provider := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, provider(t), func(rt *Router) { rt.scanPoll = 100 * time.Millisecond })
			s.completeWizard()
			s.addUser("admin", "root", true)
			s.addUser("alice", "a", false)
			adminTok := s.login("admin", "root", "admin-dev").AccessToken
			lib := s.addFilms(as(adminTok))
			ctx := t.Context()

			// Alice's subscription is refused: handled before the KeepAlive
			// that follows it, so it would stand by the time that is
			// answered.
			alice := s.dial(s.login("alice", "a", "alice-dev").AccessToken, "alice-dev")
			alice.write(`{"MessageType":"ScheduledTasksInfoStart","Data":"0,1000"}`)
			alice.quiet("alice's subscription")
			if s.connOf("alice-dev").subscribed(tasksFeed) {
				t.Error("a user who is not an administrator subscribed to ScheduledTasksInfo")
			}

			admin := s.dial(adminTok, "admin-dev")
			admin.write(`{"MessageType":"ScheduledTasksInfoStart","Data":"0,1000"}`)
			if task := scanTaskIn(t, admin.next("ScheduledTasksInfo")); task.State != "Idle" || task.CurrentProgressPercentage != nil ||
				task.ID != scanTaskID || task.LastExecutionResult != nil {
				t.Errorf("the scan task before any scan: %+v", task)
			}

			// Another replica scans: its progress reaches the library's
			// card and the task list.
			if err := s.store.TakeScanLease(ctx, "other-replica"); err != nil {
				t.Fatal(err)
			}
			if err := s.store.ScanHeartbeat(ctx, "other-replica", 42.5, "Films"); err != nil {
				t.Fatal(err)
			}
			admin.until("RefreshProgress 42.5", func(m wsMessage) bool { return progressOf(t, m, lib, "42.5") })
			admin.until("the task running at 42.5", func(m wsMessage) bool {
				if m.MessageType != "ScheduledTasksInfo" {
					return false
				}
				task := scanTaskIn(t, m)
				return task.State == "Running" && task.CurrentProgressPercentage != nil && *task.CurrentProgressPercentage == 42.5
			})

			// It ends: the card's ring goes (100), the task's end is
			// announced and the task list shows it idle with its result.
			if err := s.store.EndScan(ctx, "other-replica", "Completed", "0 items"); err != nil {
				t.Fatal(err)
			}
			seen := admin.until("ScheduledTaskEnded", func(m wsMessage) bool { return taskEnded(t, m, "Completed") })
			if !slices.ContainsFunc(seen, func(m wsMessage) bool { return progressOf(t, m, lib, "100") }) {
				t.Error("no RefreshProgress 100 before ScheduledTaskEnded")
			}
			admin.until("the task idle after its run", func(m wsMessage) bool {
				if m.MessageType != "ScheduledTasksInfo" {
					return false
				}
				task := scanTaskIn(t, m)
				return task.State == "Idle" && task.LastExecutionResult != nil && task.LastExecutionResult.Status == "Completed"
			})

			// A replica that dies mid-scan: its lease expires, and the scan
			// is announced as aborted.
			if err := s.store.TakeScanLease(ctx, "doomed-replica"); err != nil {
				t.Fatal(err)
			}
			admin.until("RefreshProgress 0", func(m wsMessage) bool { return progressOf(t, m, lib, "0") })
			if _, err := s.store.DB().Write.ExecContext(ctx, `UPDATE jellyha_scan SET heartbeat_ms = 0 WHERE name = 'library'`); err != nil {
				t.Fatal(err)
			}
			admin.until("ScheduledTaskEnded Aborted", func(m wsMessage) bool { return taskEnded(t, m, "Aborted") })

			// A scan run here ends as announced, however short it is.
			s.expect(req{"POST", "/Library/Refresh", nil, as(adminTok)}, 204, nil)
			admin.until("ScheduledTaskEnded of the refresh", func(m wsMessage) bool { return taskEnded(t, m, "Completed") })

			// Alice heard none of it: anything sent to her meanwhile was
			// queued before the administrator could read it.
			alice.quiet("alice during the scans")

			// Who hears is read at each send: promoted, alice hears the
			// next scan; the administrator demoted, he hears no more.
			aliceID := s.connOf("alice-dev").user.ID.String()
			adminID := s.connOf("admin-dev").user.ID.String()
			s.expect(req{"POST", "/Users/" + aliceID + "/Policy", map[string]any{"IsAdministrator": true}, as(adminTok)}, 204, nil)
			if err := s.store.TakeScanLease(ctx, "third-replica"); err != nil {
				t.Fatal(err)
			}
			if err := s.store.ScanHeartbeat(ctx, "third-replica", 7, "Films"); err != nil {
				t.Fatal(err)
			}
			alice.until("RefreshProgress 7 for alice promoted", func(m wsMessage) bool { return progressOf(t, m, lib, "7") })
			admin.until("RefreshProgress 7", func(m wsMessage) bool { return progressOf(t, m, lib, "7") })
			s.expect(req{"POST", "/Users/" + adminID + "/Policy", map[string]any{"IsAdministrator": false}, as(adminTok)}, 204, nil)
			if err := s.store.ScanHeartbeat(ctx, "third-replica", 8, "Films"); err != nil {
				t.Fatal(err)
			}
			alice.until("RefreshProgress 8", func(m wsMessage) bool { return progressOf(t, m, lib, "8") })
			admin.quiet("the administrator demoted", "ScheduledTasksInfo")
			if err := s.store.EndScan(ctx, "third-replica", "Completed", "0 items"); err != nil {
				t.Fatal(err)
			}
			alice.until("ScheduledTaskEnded for alice", func(m wsMessage) bool { return taskEnded(t, m, "Completed") })
			admin.quiet("the administrator demoted, at the end", "ScheduledTasksInfo")
			s.expect(req{"POST", "/Users/" + adminID + "/Policy", map[string]any{"IsAdministrator": true},
				as(s.login("alice", "a", "alice-dev2").AccessToken)}, 204, nil)

			// Stop ends the pushes: the subscription is gone once the
			// KeepAlive sent after it is answered, and nothing of it comes
			// in the next period either.
			admin.write(`{"MessageType":"ScheduledTasksInfoStop"}`)
			admin.quiet("after ScheduledTasksInfoStop", "ScheduledTasksInfo", "RefreshProgress", "ScheduledTaskEnded")
			if s.connOf("admin-dev").subscribed(tasksFeed) {
				t.Error("ScheduledTasksInfo still subscribed after Stop")
			}
			time.Sleep(1500 * time.Millisecond)
			admin.quiet("a period after ScheduledTasksInfoStop")
		})
	}
}

// TestSocketScanAcrossReplicas: two routers on one PostgreSQL database, as
// two replicas are; an administrator connected to A follows scans run
// through B, with no event bus between them.
func TestSocketScanAcrossReplicas(t *testing.T) {
	dsn := testdb.NewPostgres(t)
	replica := func() *testServer {
		p, err := database.NewPostgres(dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		return newTestServer(t, p, func(rt *Router) { rt.scanPoll = 100 * time.Millisecond })
	}
	a, b := replica(), replica()
	b.completeWizard()
	b.addUser("admin", "root", true)
	adminTok := b.login("admin", "root", "admin-dev").AccessToken
	lib := b.addFilms(as(adminTok))

	atA := a.dial(adminTok, "admin-dev")
	atA.write(`{"MessageType":"ScheduledTasksInfoStart","Data":"0,1000"}`)
	atA.next("ScheduledTasksInfo")

	// B's scanner, as far as the database shows it.
	if err := b.store.TakeScanLease(t.Context(), "replica-b"); err != nil {
		t.Fatal(err)
	}
	if err := b.store.ScanHeartbeat(t.Context(), "replica-b", 12.25, "Films"); err != nil {
		t.Fatal(err)
	}
	atA.until("RefreshProgress 12.25 at A", func(m wsMessage) bool { return progressOf(t, m, lib, "12.25") })
	if err := b.store.EndScan(t.Context(), "replica-b", "Failed", "disk gone"); err != nil {
		t.Fatal(err)
	}
	var failed TaskResult
	decodeData(t, atA.next("ScheduledTaskEnded"), &failed)
	if failed.Status != "Failed" || failed.ErrorMessage != "disk gone" {
		t.Errorf("ScheduledTaskEnded at A: %+v", failed)
	}

	// A real scan through B.
	b.expect(req{"POST", "/Library/Refresh", nil, as(adminTok)}, 204, nil)
	atA.until("ScheduledTaskEnded of B's refresh at A", func(m wsMessage) bool { return taskEnded(t, m, "Completed") })
	atA.until("the task idle at A", func(m wsMessage) bool {
		if m.MessageType != "ScheduledTasksInfo" {
			return false
		}
		task := scanTaskIn(t, m)
		return task.State == "Idle" && task.LastExecutionResult != nil && task.LastExecutionResult.Status == "Completed"
	})
}

// remoteTV makes bob's login device ("bob-dev") a television: connected,
// and declaring that it takes remote control. It returns its socket and
// its session's id as bob's phone (another login of his) finds it in
// GET /Sessions?ControllableByUserId=.
func remoteTV(t *testing.T, at, phoneAt *testServer, e *browseEnv) (tv *wsClient, phone []string, session string) {
	t.Helper()
	tv = at.dial(e.bob, "bob-dev")
	tv.next("ForceKeepAlive")
	e.expect(req{"POST", "/Sessions/Capabilities/Full", map[string]any{"PlayableMediaTypes": []string{"Video", "Audio"},
		"SupportedCommands": []string{"DisplayMessage", "SetVolume"}, "SupportsMediaControl": true}, as(e.bob)}, 204, nil)
	phone = as(phoneAt.login("bob", "bob-password", "bob-phone").AccessToken)
	var list []struct {
		ID                    string `json:"Id"`
		DeviceID              string `json:"DeviceId"`
		SupportsRemoteControl bool
		Capabilities          struct{ SupportedCommands []string }
	}
	phoneAt.expect(req{"GET", "/Sessions?ControllableByUserId=" + e.bobID.String(), nil, phone}, 200, &list)
	if len(list) != 1 || list[0].DeviceID != "bob-dev" || !list[0].SupportsRemoteControl || len(list[0].Capabilities.SupportedCommands) != 2 {
		t.Fatalf("bob's controllable sessions: %+v", list)
	}
	return tv, phone, list[0].ID
}

// TestRemoteControl: from one of a user's clients, another that takes
// remote control gets Play, Playstate and GeneralCommand messages as
// Jellyfin sends them; nobody else's sessions can be driven, and bad
// commands are refused.
func TestRemoteControl(t *testing.T) {
	s := newTestServer(t, engines["sqlite"](t), nil)
	e := newBrowseEnv(t, s)
	film := pickFilm(t, e)
	tv, phone, session := remoteTV(t, s, s, e)
	base := "/Sessions/" + session

	e.expect(req{"POST", base + "/Playing?playCommand=PlayNow&itemIds=" + film.ID + "&startPositionTicks=30000000&audioStreamIndex=1", nil, phone}, 204, nil)
	var play struct {
		ItemIDs            []string `json:"ItemIds"`
		PlayCommand        string
		StartPositionTicks int64
		AudioStreamIndex   *int
		ControllingUserID  string `json:"ControllingUserId"`
	}
	decodeData(t, tv.next("Play"), &play)
	if len(play.ItemIDs) != 1 || play.ItemIDs[0] != film.ID || play.PlayCommand != "PlayNow" || play.StartPositionTicks != 30000000 ||
		play.AudioStreamIndex == nil || *play.AudioStreamIndex != 1 || play.ControllingUserID != e.bobID.String() {
		t.Errorf("Play: %+v", play)
	}
	e.expect(req{"POST", base + "/Playing/seek?seekPositionTicks=50000000", nil, phone}, 204, nil)
	var st struct {
		Command           string
		SeekPositionTicks int64
	}
	decodeData(t, tv.next("Playstate"), &st)
	if st.Command != "Seek" || st.SeekPositionTicks != 50000000 {
		t.Errorf("Playstate: %+v", st)
	}
	var gc GeneralCommand
	e.expect(req{"POST", base + "/Command", map[string]any{"Name": "SetVolume", "Arguments": map[string]string{"Volume": "40"}}, phone}, 204, nil)
	decodeData(t, tv.next("GeneralCommand"), &gc)
	if gc.Name != "SetVolume" || gc.Arguments["Volume"] != "40" {
		t.Errorf("GeneralCommand: %+v", gc)
	}
	e.expect(req{"POST", base + "/Message", map[string]any{"Header": "Hi", "Text": "Dinner is ready", "TimeoutMs": 5000}, phone}, 204, nil)
	decodeData(t, tv.next("GeneralCommand"), &gc)
	if gc.Name != "DisplayMessage" || gc.Arguments["Text"] != "Dinner is ready" || gc.Arguments["TimeoutMs"] != "5000" {
		t.Errorf("DisplayMessage: %+v", gc)
	}
	e.expect(req{"POST", base + "/Viewing?itemType=Movie&itemName=Film&itemId=" + film.ID, nil, phone}, 204, nil)
	decodeData(t, tv.next("GeneralCommand"), &gc)
	if gc.Name != "DisplayContent" || gc.Arguments["ItemId"] != film.ID || gc.Arguments["ItemType"] != "Movie" {
		t.Errorf("DisplayContent: %+v", gc)
	}
	e.expect(req{"POST", base + "/System/GoHome", nil, phone}, 204, nil)
	decodeData(t, tv.next("GeneralCommand"), &gc)
	if gc.Name != "GoHome" {
		t.Errorf("System command: %+v", gc)
	}
	// The administrator may drive anyone's; another user may not, and
	// does not learn the session exists.
	e.expect(req{"POST", base + "/Playing/Pause", nil, as(e.admin)}, 204, nil)
	decodeData(t, tv.next("Playstate"), &st)
	if st.Command != "Pause" {
		t.Errorf("the administrator's Pause: %+v", st)
	}
	s.addUser("carol", "c", false)
	carol := as(s.login("carol", "c", "carol-dev").AccessToken)
	e.expect(req{"POST", base + "/Playing/Pause", nil, carol}, 404, nil)
	var mine []SessionIn
	e.expect(req{"GET", "/Sessions?ControllableByUserId=" + e.bobID.String(), nil, carol}, 403, nil)
	e.expect(req{"GET", "/Sessions", nil, carol}, 200, &mine)
	for _, m := range mine {
		if m.UserName == "bob" {
			t.Errorf("carol sees bob's session %+v", m)
		}
	}
	// Bad commands, an unknown session, one that takes no control.
	for path, status := range map[string]int{
		base + "/Playing?playCommand=Dance&itemIds=" + film.ID: 400,
		base + "/Playing?playCommand=PlayNow":                  400,
		base + "/Playing?playCommand=PlayNow&itemIds=nonsense": 400,
		base + "/Playing/Explode":                              400,
		base + "/Command/Rm%20-rf":                             400,
		"/Sessions/nosuchsession/Playing/Pause":                404,
	} {
		e.expect(req{"POST", path, nil, phone}, status, nil)
	}
	e.expect(req{"POST", "/Sessions/Capabilities/Full", map[string]any{"SupportsMediaControl": false}, as(e.bob)}, 204, nil)
	e.expect(req{"POST", base + "/Playing/Pause", nil, phone}, 400, nil)
	var none []SessionIn
	e.expect(req{"GET", "/Sessions?ControllableByUserId=" + e.bobID.String(), nil, phone}, 200, &none)
	if len(none) != 0 {
		t.Errorf("controllable sessions after control was withdrawn: %+v", none)
	}
	e.expect(req{"POST", "/Sessions/Capabilities?playableMediaTypes=Video,Bad%20Type", nil, as(e.bob)}, 400, nil)
	tv.quiet("after the refused commands")
}

// TestRemoteControlAcrossReplicas: the television is connected to replica
// A, the phone sends its commands through replica B.
func TestRemoteControlAcrossReplicas(t *testing.T) {
	dsn := testdb.NewPostgres(t)
	a, b := pgReplica(t, dsn), pgReplica(t, dsn)
	e := newBrowseEnv(t, b)
	film := pickFilm(t, e)
	tv, phone, session := remoteTV(t, a, b, e)
	b.expect(req{"POST", "/Sessions/" + session + "/Playing?playCommand=PlayNext&itemIds=" + film.ID, nil, phone}, 204, nil)
	var play struct {
		ItemIDs     []string `json:"ItemIds"`
		PlayCommand string
	}
	decodeData(t, tv.next("Play"), &play)
	if len(play.ItemIDs) != 1 || play.ItemIDs[0] != film.ID || play.PlayCommand != "PlayNext" {
		t.Errorf("Play at A: %+v", play)
	}
}
