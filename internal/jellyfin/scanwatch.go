package jellyfin

import (
	"context"
	"strconv"
	"time"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// The library scan as administrators' connections see it live, as Jellyfin
// 10.11 shows it: RefreshProgress {ItemId, Progress} (both strings; the
// library cards' progress rings, hidden at 0 and 100) while a scan runs,
// Progress "100" and ScheduledTaskEnded with the TaskResult when it ends,
// and a ScheduledTasksInfo push to subscribers when it starts or ends (the
// dashboard's task list and the libraries page's scan button).
//
// A scan may run on any replica, or in a `jellyha scan` process with no
// event bus at all, and its progress is already in the database: the scan
// renews its lease in jellyha_scan every 2 s with the percentage done. So
// each replica that has an administrator connected reads that one row once
// per scanPoll (1 s) and tells its own connections what changed, rather
// than the scanner publishing events:
//   - nothing is lost: a notice missed while a replica's LISTEN connection
//     reconnects would leave its dashboards showing a scan that ended,
//     while the next read always tells the truth;
//   - a replica that dies mid-scan publishes nothing, but its lease
//     expiring shows in the row, and is announced (Aborted);
//   - the load is one primary-key read of a one-row table per second per
//     replica, only while an administrator is connected to it, whatever
//     the number of connections; ScheduledTasksInfo pushes share that read
//     (hub.scanState). Events would cost a NOTIFY per heartbeat and the
//     same read on every replica anyway, events being notices, not state.
//
// As in Jellyfin, progress is not pushed faster than once a second, and a
// progress report between starts and ends does not make ScheduledTasksInfo
// subscribers push early: their next periodic push shows it.

// scanWatch is what the watcher last saw.
type scanWatch struct {
	last *store.ScanState
	// libs are the libraries whose cards show the running scan, read when
	// it is first seen.
	libs []media.ID
}

// watchScan reads the scan state every scanPoll until ctx ends (the last
// administrator's connection went).
func (h *hub) watchScan(ctx context.Context) {
	defer h.watching.Done()
	var w scanWatch
	t := time.NewTicker(h.rt.scanPoll)
	defer t.Stop()
	for {
		h.pollScan(ctx, &w)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pollScan reads the scan state once and sends what changed since w.last.
// The first read only sends the progress of a scan running already: the
// administrators just connected, and what ended before is in the task list.
func (h *hub) pollScan(ctx context.Context, w *scanWatch) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	st, err := h.scanState(rctx, true)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			h.rt.log.Warn("websocket: read the library scan's state", "err", err)
		}
		return
	}
	prev := w.last
	w.last = st
	var out [][]byte
	defer func() { h.sendAdmins(ctx, out) }()
	if prev == nil {
		if st.Running {
			out = h.progress(ctx, w, st.Progress)
		}
		return
	}
	// A scan is known by its start time: a lease taken over after it
	// expired starts another.
	var ended *TaskResult
	switch {
	case !st.Ended.Equal(prev.Ended) && st.Result != "":
		// A scan ended since the last read, seen running or not (one
		// shorter than scanPoll is never seen running).
		ended = scanResult(st)
		if prev.Running {
			ended.StartTimeUtc = Time{prev.Started}
		}
	case prev.Running && (!st.Running || !st.Started.Equal(prev.Started)):
		// Its lease expired with no end recorded: the process running
		// it died or lost the database. Jellyfin says Aborted of a task a
		// shutdown interrupted.
		ended = &TaskResult{StartTimeUtc: Time{prev.Started}, EndTimeUtc: Time{time.Now().UTC()}, Status: "Aborted",
			Name: scanTaskName, Key: scanTaskKey, ID: scanTaskID}
	}
	started := st.Running && (!prev.Running || !st.Started.Equal(prev.Started))
	if started || ended != nil {
		for _, c := range h.connections() {
			c.kick(tasksFeed)
		}
	}
	if ended != nil {
		// The rings hide at 100, as after Jellyfin's RefreshCompleted. A
		// scan started since is then shown afresh, its libraries read
		// again.
		out = h.progress(ctx, w, 100)
		w.libs = nil
		if msg, err := encodeMessage("ScheduledTaskEnded", ended); err == nil {
			out = append(out, msg)
		}
	}
	if st.Running && (started || st.Progress != prev.Progress) {
		out = append(out, h.progress(ctx, w, st.Progress)...)
	}
}

// progress is RefreshProgress for each library. jellyha's scan records one
// percentage for the whole scan, so every library shows it, as GET
// /Library/VirtualFolders does.
func (h *hub) progress(ctx context.Context, w *scanWatch, pct float64) [][]byte {
	if w.libs == nil {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		libs, err := h.rt.store.Libraries(rctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				h.rt.log.Warn("websocket: list the libraries for scan progress", "err", err)
			}
			return nil
		}
		w.libs = make([]media.ID, 0, len(libs))
		for _, l := range libs {
			w.libs = append(w.libs, l.ID)
		}
	}
	// As Jellyfin writes a double: "42.5", "100".
	p := strconv.FormatFloat(pct, 'f', -1, 64)
	var out [][]byte
	for _, id := range w.libs {
		msg, err := encodeMessage("RefreshProgress", map[string]string{"ItemId": id.String(), "Progress": p})
		if err == nil {
			out = append(out, msg)
		}
	}
	return out
}

// connections returns this replica's connections.
func (h *hub) connections() []*socketConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*socketConn, 0, len(h.conns))
	for c := range h.conns {
		out = append(out, c)
	}
	return out
}

// sendAdmins sends msgs to the administrators' connections (and API
// keys', which may do all an administrator may), as Jellyfin's
// SendMessageToAdminSessions does. Who is an administrator is read now,
// once for all connections: one demoted since connecting hears no more,
// one promoted starts hearing. Unread, nobody hears.
func (h *hub) sendAdmins(ctx context.Context, msgs [][]byte) {
	if len(msgs) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	users, err := h.rt.store.Users(rctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			h.rt.log.Warn("websocket: read who is an administrator", "err", err)
		}
		return
	}
	admins := make(map[media.ID]bool, len(users))
	for _, u := range users {
		admins[u.ID] = u.IsAdministrator && !u.IsDisabled
	}
	for _, c := range h.connections() {
		if (c.user == nil && c.admin) || (c.user != nil && admins[c.user.ID]) {
			for _, msg := range msgs {
				c.send(msg)
			}
		}
	}
}
