package jellyfin

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/jellyha/jellyha/internal/media"
)

// The /socket WebSocket (jellyfin-api.md §3.11). Messages are JSON objects
// {MessageType, Data, MessageId}, as Jellyfin 10.11 sends them:
//
//   - right after the upgrade the server sends ForceKeepAlive with the
//     keep-alive timeout in seconds (60); the client then sends KeepAlive
//     every half of it and the server answers KeepAlive. A connection that
//     has sent nothing for 3/4 of the timeout is reminded with another
//     ForceKeepAlive; after the whole timeout it is closed (Jellyfin only
//     forgets it; closing frees the goroutines and the client reconnects).
//   - SessionsStart with Data "initialDelayMs,intervalMs" makes the server
//     send Sessions, the list GET /Sessions gives the user (every session
//     to an administrator, their own to anyone else, as Jellyfin 10.11),
//     after the delay (at most a minute), then every interval (at least a
//     second) and whenever a session starts or stops playing, on any
//     replica; SessionsStop ends it. Whether the user is an administrator
//     is read at each push, so a demoted one stops seeing the others.
//   - ScheduledTasksInfoStart, alike (administrators and API keys only:
//     Jellyfin does not check, but it is GET /ScheduledTasks), sends
//     ScheduledTasksInfo, that list, after the delay, every interval and
//     when a library scan starts or ends; ScheduledTasksInfoStop ends it.
//     Both are feeds: one helper (subscribe) serves them.
//   - While a library scan runs, on this replica or another, administrators'
//     connections get RefreshProgress {ItemId, Progress} (strings) for each
//     library at most once a second, then Progress "100" and
//     ScheduledTaskEnded with the TaskResult (Completed, Failed, Cancelled,
//     or Aborted when the scanning process died and its lease expired).
//     Each replica reads the scan's row itself (scanwatch.go says why).
//     Who is an administrator is read at each send; the replica watches
//     the scan while a connection that was an administrator's when it
//     opened is there, so a user promoted since hears the scan only
//     alongside such a connection, or after reconnecting.
//   - Play, Playstate and GeneralCommand go to every connection of the
//     device a remote control command names (remote.go), on any replica;
//     the connection's keep-alives keep the device's sessions listed.
//   - UserDataChanged {UserId, UserDataList: [UserItemDataDto]} goes to
//     every connection of a user whose play state changed, on any replica:
//     played and favourite toggles, POST UserData, playback start and stop
//     (not progress, which Jellyfin does not announce either). As in
//     Jellyfin, changes are gathered for half a second per user and sent
//     with the changed items' parents, whose counts changed with them.
//
// Replicas hold no state a client depends on: a connection is only a
// listener. Changes reach every replica as events (package events), or, for
// the scan, by reading its progress, and each replica reads what it sends
// from the database.
//
// Other inbound messages are ignored (logged at debug level), as is a
// message that is not JSON; frames that break RFC 6455 (unmasked, bad
// UTF-8, oversized) end the connection with the matching close code, which
// the websocket package sends.

// Keep-alive and delivery settings.
const (
	// defaultKeepAlive is Jellyfin's WebSocketLostTimeout.
	defaultKeepAlive = 60 * time.Second
	// defaultUserDataDelay is Jellyfin's UserDataChangeNotifier window.
	defaultUserDataDelay = 500 * time.Millisecond
	// socketReadLimit bounds one inbound message; clients send a few dozen
	// bytes.
	socketReadLimit = 64 << 10
	// socketQueue is how many messages may wait for a slow client before
	// it is disconnected rather than let memory grow.
	socketQueue = 64
	// socketWriteTimeout bounds one write to a client.
	socketWriteTimeout = 10 * time.Second
	// minPushInterval is the shortest period of a feed (Sessions,
	// ScheduledTasksInfo) a client gets: each push reads the database.
	minPushInterval = time.Second
	// maxPushDelay caps the initial delay a client may ask for.
	maxPushDelay = time.Minute
	// defaultScanPoll is how often a replica with administrators connected
	// reads the library scan's state (hub.watchScan).
	defaultScanPoll = time.Second
)

// outbound is a message to a client.
type outbound struct {
	MessageType string
	Data        any    `json:",omitempty"`
	MessageID   string `json:"MessageId"`
}

// inbound is a message from a client. Data is a string for the messages
// jellyha reads (SessionsStart's "0,1500").
type inbound struct {
	MessageType string
	Data        json.RawMessage
}

// UserDataChangeInfo is UserDataChanged's Data.
type UserDataChangeInfo struct {
	UserID       string `json:"UserId"`
	UserDataList []*UserItemDataDto
}

func encodeMessage(typ string, data any) ([]byte, error) {
	return json.Marshal(outbound{MessageType: typ, Data: data, MessageID: media.NewID().String()})
}

// socket is GET /socket: the token was checked by the route's access rule,
// so an invalid one was answered 401 before any upgrade.
func (rt *Router) socket(w http.ResponseWriter, r *http.Request, p *principal) error {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// Jellyfin does not check Origin, and need not: the token travels
		// in the URL or a header, never in a cookie, so another site's page
		// cannot open a socket as the user. Clients served from elsewhere
		// (a hosted web client, apps' web views) must be able to connect.
		InsecureSkipVerify: true,
	})
	if err != nil {
		// Accept has answered (426 Upgrade Required to a plain GET).
		rt.log.Debug("websocket upgrade refused", "err", err)
		return nil
	}
	ws.SetReadLimit(socketReadLimit)
	c := &socketConn{rt: rt, ws: ws, user: p.user, admin: p.admin(), out: make(chan []byte, socketQueue),
		token: p.auth.Token, device: query(r, "deviceId"), remote: r.RemoteAddr}
	if c.device == "" {
		c.device = p.auth.DeviceID
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.alive.Store(time.Now().UnixNano())
	if !rt.hub.add(c) {
		_ = ws.Close(websocket.StatusGoingAway, "server shutting down")
		return nil
	}
	defer rt.hub.remove(c)
	rt.log.Debug("websocket connected", "remote", c.remote, "device", c.device)
	c.run()
	rt.log.Debug("websocket closed", "remote", c.remote, "device", c.device)
	return nil
}

// socketConn is one client's WebSocket.
type socketConn struct {
	rt     *Router
	ws     *websocket.Conn
	user   *media.User // nil for an API key
	admin  bool
	token  string
	device string
	remote string
	out    chan []byte
	ctx    context.Context
	cancel context.CancelFunc
	// alive is when the client last sent something (UnixNano).
	alive     atomic.Int64
	closing   atomic.Bool
	closeOnce sync.Once

	mu sync.Mutex
	// subs are the running feeds (Sessions, ScheduledTasksInfo).
	subs map[*feed]*subscription
}

// run serves the connection until it ends: the caller's goroutine reads,
// another writes. A graceful end (keep-alive missed, shutdown, a slow
// client) calls close, whose handshake the reader completes; cancelling
// c.ctx instead would drop the TCP connection without a close frame, so it
// is cancelled only once reading has stopped.
func (c *socketConn) run() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.writeLoop()
	}()
	if msg, err := encodeMessage("ForceKeepAlive", int(c.rt.keepAlive/time.Second)); err == nil {
		c.send(msg)
	}
	c.readLoop()
	c.cancel()
	<-done
	c.close(websocket.StatusNormalClosure, "")
}

func (c *socketConn) readLoop() {
	for {
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			if s := websocket.CloseStatus(err); s == -1 && c.ctx.Err() == nil {
				c.rt.log.Debug("websocket read", "remote", c.remote, "err", err)
			}
			return
		}
		c.alive.Store(time.Now().UnixNano())
		c.handle(data)
	}
}

func (c *socketConn) handle(data []byte) {
	var m inbound
	if err := json.Unmarshal(data, &m); err != nil {
		c.rt.log.Debug("websocket message is not JSON; ignored", "remote", c.remote, "err", err)
		return
	}
	switch m.MessageType {
	case "KeepAlive":
		if msg, err := encodeMessage("KeepAlive", nil); err == nil {
			c.send(msg)
		}
		c.touchSessions()
	case "SessionsStart":
		c.subscribe(sessionsFeed, dataString(m.Data))
	case "SessionsStop":
		c.unsubscribe(sessionsFeed)
	case "ScheduledTasksInfoStart":
		c.subscribe(tasksFeed, dataString(m.Data))
	case "ScheduledTasksInfoStop":
		c.unsubscribe(tasksFeed)
	default:
		c.rt.log.Debug("websocket message ignored", "remote", c.remote, "type", m.MessageType)
	}
}

// dataString reads a message's Data as Jellyfin does (its text): a JSON
// string's contents, or any other value as written.
func dataString(raw json.RawMessage) string {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}

// writeLoop writes queued messages, watches the keep-alive and, once per
// keep-alive period, checks that the token still stands.
func (c *socketConn) writeLoop() {
	check := time.NewTicker(c.rt.keepAlive / 5)
	defer check.Stop()
	authorized := time.Now()
	for {
		select {
		case <-c.ctx.Done():
			return
		case msg := <-c.out:
			ctx, cancel := context.WithTimeout(c.ctx, socketWriteTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				c.rt.log.Debug("websocket write", "remote", c.remote, "err", err)
				c.cancel()
				return
			}
		case <-check.C:
			if time.Since(authorized) >= c.rt.keepAlive {
				authorized = time.Now()
				if !c.stillAuthorized() {
					c.close(websocket.StatusPolicyViolation, "token revoked")
					return
				}
			}
			idle := time.Since(time.Unix(0, c.alive.Load()))
			switch {
			case idle >= c.rt.keepAlive:
				c.rt.log.Info("websocket missed its keep-alive; closing", "remote", c.remote, "device", c.device, "idle", idle.Round(time.Second))
				c.close(websocket.StatusPolicyViolation, "no keep-alive")
				return
			case idle > c.rt.keepAlive*3/4:
				if msg, err := encodeMessage("ForceKeepAlive", int(c.rt.keepAlive/time.Second)); err == nil {
					c.send(msg)
				}
			}
		}
	}
}

// stillAuthorized reads the connection's token again: a logout, a deleted
// API key or a disabled user, on any replica, ends the connection within a
// keep-alive period, as it ends HTTP requests at once. A database that does
// not answer ends nothing.
func (c *socketConn) stillAuthorized() bool {
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	err := c.rt.resolveToken(ctx, &principal{auth: authInfo{Token: c.token}})
	if media.ErrorCode(err) == media.EUNAUTHORIZED {
		c.rt.log.Info("websocket token no longer valid; closing", "remote", c.remote, "device", c.device, "reason", err)
		return false
	}
	if err != nil && c.ctx.Err() == nil {
		c.rt.log.Warn("websocket: check the token", "remote", c.remote, "err", err)
	}
	return true
}

// send queues a message. A client that lets its queue fill is too slow to
// keep: it is disconnected and will reconnect.
func (c *socketConn) send(msg []byte) {
	if c.closing.Load() {
		return
	}
	select {
	case c.out <- msg:
	case <-c.ctx.Done():
	default:
		c.rt.log.Warn("websocket client too slow; closing", "remote", c.remote, "device", c.device)
		go c.close(websocket.StatusTryAgainLater, "too slow")
	}
}

// close ends the connection once, with a close handshake (bounded by the
// websocket package: 5 s to write the frame, 5 s to hear the answer).
func (c *socketConn) close(code websocket.StatusCode, reason string) {
	c.closing.Store(true)
	c.closeOnce.Do(func() { _ = c.ws.Close(code, reason) })
}

// A feed is a periodic subscription, Jellyfin's BasePeriodicWebSocketListener:
// the client sends "<type>Start" with Data "initialDelayMs,intervalMs" and
// the server sends the message type after the delay, then every interval
// and whenever something it shows changes (a kick), until "<type>Stop".
// Each push reads what it sends, so every replica sends the same.
type feed struct {
	typ string // the message type pushed: Sessions, ScheduledTasksInfo
	// users: users who are not administrators may follow it too.
	users bool
	// read returns what to push to c, nil for nothing.
	read func(ctx context.Context, c *socketConn) (any, error)
}

var (
	// sessionsFeed sends the list GET /Sessions gives the connection's
	// user: every session to an administrator, their own to anyone else
	// (Jellyfin 10.11's SessionInfoWebSocketListener).
	sessionsFeed = &feed{typ: "Sessions", users: true, read: func(ctx context.Context, c *socketConn) (any, error) {
		admin, err := c.adminNow(ctx)
		if err != nil {
			return nil, err
		}
		only := media.NilID
		if !admin {
			only = c.user.ID
		}
		return c.rt.sessionInfos(ctx, defaultActiveWithin, only, "")
	}}
	// tasksFeed sends the list GET /ScheduledTasks gives, from the scan
	// state this replica read at most scanPoll ago (hub.scanState), so that
	// dashboards share one read instead of each making its own.
	tasksFeed = &feed{typ: "ScheduledTasksInfo", read: func(ctx context.Context, c *socketConn) (any, error) {
		if admin, err := c.adminNow(ctx); err != nil || !admin {
			return nil, err
		}
		st, err := c.rt.hub.scanState(ctx, false)
		if err != nil {
			return nil, err
		}
		return []*TaskInfo{scanTaskInfo(st)}, nil
	}}
)

// adminNow reports whether the connection's user is an administrator now:
// one demoted (or disabled, or deleted) since connecting stops seeing what
// only administrators see. An API key's connection stays one.
func (c *socketConn) adminNow(ctx context.Context) (bool, error) {
	if c.user == nil {
		return c.admin, nil
	}
	u, err := c.rt.store.User(ctx, c.user.ID)
	if media.ErrorCode(err) == media.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return u.IsAdministrator && !u.IsDisabled, nil
}

// subscription is a connection's running feed.
type subscription struct {
	cancel context.CancelFunc
	// kick asks for a push now.
	kick chan struct{}
}

// subscribe handles a feed's Start message.
func (c *socketConn) subscribe(f *feed, data string) {
	if !c.admin && !f.users {
		// Only administrators and API keys, whose HTTP endpoint
		// (GET /ScheduledTasks) this is. Jellyfin does not check
		// ScheduledTasksInfoStart, though only its dashboard, an
		// administrator's page, sends it.
		c.rt.log.Debug("periodic subscription from a user who is not an administrator; ignored", "remote", c.remote, "type", f.typ)
		return
	}
	first, rest, _ := strings.Cut(data, ",")
	delay, err1 := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	interval, err2 := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
	if err1 != nil || err2 != nil || delay < 0 || interval < 0 {
		c.rt.log.Debug("periodic subscription with unreadable Data; ignored", "remote", c.remote, "type", f.typ, "data", data)
		return
	}
	d := min(time.Duration(delay)*time.Millisecond, maxPushDelay)
	every := max(time.Duration(interval)*time.Millisecond, minPushInterval)
	ctx, cancel := context.WithCancel(c.ctx)
	sub := &subscription{cancel: cancel, kick: make(chan struct{}, 1)}
	c.mu.Lock()
	if old := c.subs[f]; old != nil {
		old.cancel()
	}
	if c.subs == nil {
		c.subs = make(map[*feed]*subscription)
	}
	c.subs[f] = sub
	c.mu.Unlock()
	go c.feedLoop(ctx, f, sub, d, every)
}

// unsubscribe handles a feed's Stop message.
func (c *socketConn) unsubscribe(f *feed) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sub := c.subs[f]; sub != nil {
		sub.cancel()
		delete(c.subs, f)
	}
}

// subscribed reports whether f runs on the connection.
func (c *socketConn) subscribed(f *feed) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.subs[f] != nil
}

// kick asks f's subscription, if any, to push now.
func (c *socketConn) kick(f *feed) {
	c.mu.Lock()
	sub := c.subs[f]
	c.mu.Unlock()
	if sub != nil {
		select {
		case sub.kick <- struct{}{}:
		default: // a push is already due
		}
	}
}

func (c *socketConn) feedLoop(ctx context.Context, f *feed, sub *subscription, delay, every time.Duration) {
	wait := time.NewTimer(delay)
	defer wait.Stop()
	select {
	case <-wait.C:
	case <-ctx.Done():
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		c.push(ctx, f, sub)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-sub.kick:
			tick.Reset(every)
		}
	}
}

func (c *socketConn) push(ctx context.Context, f *feed, sub *subscription) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	data, err := f.read(ctx, c)
	if err != nil {
		if ctx.Err() == nil {
			c.rt.log.Warn("websocket: read what a subscription sends", "type", f.typ, "err", err)
		}
		return
	}
	if data == nil {
		return
	}
	msg, err := encodeMessage(f.typ, data)
	if err != nil {
		return
	}
	// Queued only while the subscription stands, under the lock Stop
	// takes: once Stop is handled nothing of it follows, not even a push
	// that was reading meanwhile. send does not block.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs[f] == sub {
		c.send(msg)
	}
}

// touchSessions keeps the device's sessions listed while its socket lives:
// a client that is connected but plays nothing is still one to send
// commands to, as in Jellyfin, whose sessions last as long as their socket.
func (c *socketConn) touchSessions() {
	if c.user == nil || c.device == "" {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	if err := c.rt.store.TouchDeviceSessions(ctx, c.user.ID, c.device, time.Now()); err != nil && ctx.Err() == nil {
		c.rt.log.Warn("websocket: keep the device's sessions listed", "device", c.device, "err", err)
	}
}
