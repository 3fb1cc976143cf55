package jellyfin

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// hub is this replica's WebSocket connections and what events mean for
// them. It keeps nothing another replica would need: a client that
// reconnects elsewhere loses only the notices sent meanwhile.
type hub struct {
	rt *Router
	wg sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[*socketConn]struct{}
	// admins counts the administrators' connections; while there are any
	// the scan watcher runs (watchScan), stopped by stopWatch.
	admins    int
	stopWatch context.CancelFunc
	watching  sync.WaitGroup
	// pending gathers changed items per user until the flush timer fires.
	pending map[media.ID]map[media.ID]struct{}
	timer   *time.Timer

	// scanMu guards the last scan state read for the socket's messages.
	scanMu   sync.Mutex
	scanRead *store.ScanState
	scanAt   time.Time
}

func newHub(rt *Router) *hub {
	return &hub{rt: rt, conns: make(map[*socketConn]struct{})}
}

// add registers a connection; false once the hub is closed.
func (h *hub) add(c *socketConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	if c.admin {
		h.admins++
		if h.admins == 1 {
			var ctx context.Context
			ctx, h.stopWatch = context.WithCancel(context.Background())
			h.watching.Add(1)
			go h.watchScan(ctx)
		}
	}
	return true
}

func (h *hub) remove(c *socketConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.conns[c]; ok {
		delete(h.conns, c)
		h.wg.Done()
		if c.admin {
			h.admins--
			if h.admins == 0 {
				h.stopWatch()
			}
		}
	}
}

// count is the number of open connections.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// close says goodbye to every client (1001, going away: they reconnect,
// through the load balancer, to a replica that stays) and waits for their
// connections to end, or for ctx.
func (h *hub) close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	conns := make([]*socketConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		go c.close(websocket.StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		// The last administrator's going stopped the scan watcher; it
		// must not read the database once the server closes it.
		h.watching.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// onEvent is the hub's subscription to the event bus. It runs on the
// publisher's or the listener's goroutine, so it only notes the event.
func (h *hub) onEvent(e events.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch e.Kind {
	case events.UserDataChanged:
		if e.User.IsZero() || !h.hasUserLocked(e.User) {
			return // nobody here to tell
		}
		if h.pending == nil {
			h.pending = make(map[media.ID]map[media.ID]struct{})
		}
		items := h.pending[e.User]
		if items == nil {
			items = make(map[media.ID]struct{})
			h.pending[e.User] = items
		}
		for _, id := range e.Items {
			items[id] = struct{}{}
		}
		if h.timer == nil {
			h.timer = time.AfterFunc(h.rt.userDataDelay, h.flushUserData)
		}
	case events.SessionsChanged:
		for c := range h.conns {
			c.kick(sessionsFeed)
		}
	case events.SessionCommand:
		for c := range h.conns {
			if c.user != nil && c.user.ID == e.User && c.device == e.Device {
				c.send(e.Message)
			}
		}
	}
}

func (h *hub) hasUserLocked(user media.ID) bool {
	for c := range h.conns {
		if c.user != nil && c.user.ID == user {
			return true
		}
	}
	return false
}

func (h *hub) connsOf(user media.ID) []*socketConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*socketConn
	for c := range h.conns {
		if c.user != nil && c.user.ID == user {
			out = append(out, c)
		}
	}
	return out
}

// flushUserData sends what gathered: one UserDataChanged per user, read
// once from the database and sent to each of their connections.
func (h *hub) flushUserData() {
	h.mu.Lock()
	pending := h.pending
	h.pending, h.timer = nil, nil
	h.mu.Unlock()
	for user, set := range pending {
		conns := h.connsOf(user)
		if len(conns) == 0 {
			continue
		}
		items := make([]media.ID, 0, len(set))
		for id := range set {
			items = append(items, id)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		info, err := h.rt.userDataChange(ctx, user, items)
		cancel()
		if err != nil {
			h.rt.log.Warn("websocket: read changed user data", "user", user, "err", err)
			continue
		}
		if len(info.UserDataList) == 0 {
			continue
		}
		msg, err := encodeMessage("UserDataChanged", info)
		if err != nil {
			continue
		}
		for _, c := range conns {
			c.send(msg)
		}
	}
}

// scanState reads the library scan's state for the socket's messages. A
// read younger than scanPoll is shared unless fresh is asked for: every
// administrator's dashboard subscribes to ScheduledTasksInfo, and they
// need not each read the same row. The lock makes concurrent callers wait
// for one read rather than each make their own.
func (h *hub) scanState(ctx context.Context, fresh bool) (*store.ScanState, error) {
	h.scanMu.Lock()
	defer h.scanMu.Unlock()
	if !fresh && h.scanRead != nil && time.Since(h.scanAt) < h.rt.scanPoll {
		return h.scanRead, nil
	}
	st, err := h.rt.store.ScanState(ctx)
	if err != nil {
		return nil, err
	}
	h.scanRead, h.scanAt = st, time.Now()
	return st, nil
}

// userDataBatch bounds the ids of one query.
const userDataBatch = 500

// userDataChange reads a user's play state of the changed items, and of
// their parents (a season's unplayed count changes with its episode), as
// the user sees them: items outside their libraries are left out.
func (rt *Router) userDataChange(ctx context.Context, userID media.ID, items []media.ID) (*UserDataChangeInfo, error) {
	u, err := rt.store.User(ctx, userID)
	if media.ErrorCode(err) == media.ENOTFOUND {
		return &UserDataChangeInfo{UserID: userID.String()}, nil
	} else if err != nil {
		return nil, err
	}
	v, err := rt.viewerFor(ctx, u)
	if err != nil {
		return nil, err
	}
	seen := make(map[media.ID]bool, len(items))
	for _, id := range items {
		seen[id] = true
	}
	info := &UserDataChangeInfo{UserID: userID.String(), UserDataList: []*UserItemDataDto{}}
	read := func(ids []media.ID) ([]*store.ItemRow, error) {
		var rows []*store.ItemRow
		for chunk := range slices.Chunk(ids, userDataBatch) {
			q := v.query()
			q.IDs = chunk
			q.IncludeVirtual = true
			page, err := rt.store.QueryItems(ctx, q)
			if err != nil {
				return nil, err
			}
			rows = append(rows, page.Items...)
		}
		return rows, nil
	}
	rows, err := read(items)
	if err != nil {
		return nil, err
	}
	var parents []media.ID
	for _, r := range rows {
		info.UserDataList = append(info.UserDataList, userDataDto(r))
		// Jellyfin's "go up one level": an extra's owner, else the parent.
		p := r.OwnerID
		if p.IsZero() {
			p = r.ParentID
		}
		if !p.IsZero() && !seen[p] {
			seen[p] = true
			parents = append(parents, p)
		}
	}
	rows, err = read(parents)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		info.UserDataList = append(info.UserDataList, userDataDto(r))
	}
	return info, nil
}

// publish announces a committed change. Failing to is logged, never
// returned: the change stands, and the request that made it succeeded.
// The request's cancellation is ignored: a client that hangs up after its
// change was committed must not keep other clients from hearing of it.
func (rt *Router) publish(ctx context.Context, e events.Event) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := rt.events.Publish(ctx, e); err != nil {
		rt.log.Warn("announce a change to other replicas", "kind", e.Kind, "err", err)
	}
}

// SetEvents replaces the in-process event bus the Router starts with; a
// Router on PostgreSQL is given the LISTEN/NOTIFY one (events.Open), so
// that changes reach the clients of every replica. The caller closes it.
func (rt *Router) SetEvents(b events.Bus) {
	rt.unsubscribe()
	rt.events = b
	rt.unsubscribe = b.Subscribe(rt.hub.onEvent)
}

// CloseSockets ends every WebSocket connection (1001, going away) and
// waits for them, or for ctx; new connections are refused. http.Server's
// Shutdown does not track hijacked connections, so the server calls this.
func (rt *Router) CloseSockets(ctx context.Context) error { return rt.hub.close(ctx) }
