// Package transcode produces HLS for jellyha with ffmpeg: the segments of
// an item's file as H.264/AAC MPEG-TS (or its streams copied when the
// client takes them as they are), on demand, on any replica.
//
// # Segments
//
// A stream is cut into segments of a fixed length (6 s): segment n always
// covers [n*len, (n+1)*len) of the item, whichever segment ffmpeg started
// at (see Request.args). So the playlist lists every segment up front from
// the item's duration, and any replica can produce any segment: that is
// what makes restarts, seeks and the loss of a replica cheap.
//
// # Jobs
//
// A job is one stream (Request.Key: the play session and everything that
// changes the output) with its directory of segments and at most one
// ffmpeg process. It starts on the first request, and every request for
// the same stream shares it. A request for segment n returns the file once
// ffmpeg has written it whole (it appears under its name only then), and
// waits for it at most Options.WaitTimeout, or until the client goes away.
// A segment before the process's first one, or further than
// restartGap segments past what it has written, restarts ffmpeg at that
// segment (-ss, -start_number); segments already written are kept, being
// the same whichever run wrote them. A job ends when its play session
// stops (/Sessions/Playing/Stopped, DELETE /Videos/ActiveEncodings), or
// when no segment was asked of it for Options.IdleTimeout; its process is
// killed with its process group, reaped, and its directory removed. At
// most Options.MaxJobs processes run at once: a new job beyond that is
// refused (EUNAVAILABLE, 503) at once rather than queued. ffmpeg failing
// (a corrupt file, an unknown codec) fails the waiting requests with
// EMEDIA and logs the end of its stderr.
//
// # Several replicas
//
// With no sticky sessions, the segments of one stream are requested from
// every replica, but a job's files are on the disk of the replica that
// runs it. The jellyha_transcodes table (package store) registers each job:
// its play session, device and item, the replica that runs it (a random id
// per process) and the URL where the other replicas reach it
// (Options.ReplicaURL, serve --advertise-url), with a heartbeat the owner
// renews every Options.Heartbeat. A segment request on a replica that has
// no such job reads the row:
//
//   - no row, or a row whose heartbeat is older than Options.StaleAfter
//     (its replica is dead): the replica claims the job, with a conditional
//     upsert so that two claiming at once agree on one owner, and runs it
//     from the requested segment;
//   - a live owner: the request is sent there (the response is read whole,
//     segments being a few megabytes, then relayed, so a failure half way
//     is still recoverable), marked with the ProxiedHeader so the owner
//     serves it itself and never sends it on;
//   - the owner cannot be reached (killed, restarting): the replica takes
//     the job over at once (the claim names the dead owner, so it wins even
//     with a fresh heartbeat) and runs it from the requested segment.
//     Determinism makes its segments interchangeable with the lost ones.
//
// Stopping playback on any replica deletes the job's rows; the owner's next
// heartbeat (which returns the keys it still owns) finds its job gone and
// ends it. A replica that was taken over from ends its copy the same way.
// Rows whose heartbeat is older than StaleAfter are deleted by any
// replica's heartbeat. Each replica keeps its jobs under
// <dir>/jellyha-<replica id>/, holding an flock on a file there while it
// runs; at startup, directories whose lock nobody holds (their replica is
// gone) are removed, so replicas sharing a directory leave each other be.
package transcode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// ProxiedHeader marks a segment request one replica sends to another; it
// carries the sender's replica id.
const ProxiedHeader = "X-Jellyha-Proxied-By"

// Options configure a Manager; zero values take the defaults.
type Options struct {
	// Dir is the replica's transcode directory (Jellyfin's
	// <cachedir>/transcodes; /data/transcode in the Kubernetes layout).
	Dir string
	// FFmpeg is the ffmpeg binary ("ffmpeg", from PATH).
	FFmpeg string
	// SegmentLength is the length of every segment but the last (6 s).
	SegmentLength time.Duration
	// IdleTimeout ends a job no segment was asked of for this long (60 s).
	IdleTimeout time.Duration
	// MaxJobs caps the ffmpeg processes running at once (the number of
	// CPUs, at least 2).
	MaxJobs int
	// WaitTimeout bounds how long a request waits for its segment (60 s).
	WaitTimeout time.Duration
	// Store is the registry of jobs shared by the replicas; nil for a
	// replica alone.
	Store *store.Store
	// ReplicaURL is where the other replicas reach this one.
	ReplicaURL string
	// Heartbeat is how often the registry is renewed and idle jobs are
	// ended (2 s); StaleAfter is how old a heartbeat says its replica is
	// dead (5 heartbeats).
	Heartbeat, StaleAfter time.Duration
	Log                   *slog.Logger
}

// restartGap is how many segments past the last one written a request may
// ask before ffmpeg is restarted there: about 24 s of video, which takes
// longer to encode through than a restart takes.
const restartGap = 4

// maxProxiedBytes bounds a segment relayed from another replica.
const maxProxiedBytes = 256 << 20

// Manager runs the transcode jobs of one replica.
type Manager struct {
	opt       Options
	replicaID string
	root      string   // Dir/jellyha-<replicaID>
	lock      *os.File // flock held on root/.lock while the replica lives
	client    *http.Client

	mu      sync.Mutex
	jobs    map[string]*job
	running int // ffmpeg processes alive
	closed  bool
}

// New prepares the transcode directory (removing what dead replicas left
// there) and returns a Manager. Run must be running for jobs to end when
// idle or stopped elsewhere.
func New(opt Options) (*Manager, error) {
	if opt.Dir == "" {
		return nil, errors.New("transcode: no directory")
	}
	if opt.FFmpeg == "" {
		opt.FFmpeg = "ffmpeg"
	}
	if opt.SegmentLength <= 0 {
		opt.SegmentLength = 6 * time.Second
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = time.Minute
	}
	if opt.MaxJobs <= 0 {
		opt.MaxJobs = max(2, runtime.NumCPU())
	}
	if opt.WaitTimeout <= 0 {
		opt.WaitTimeout = time.Minute
	}
	if opt.Heartbeat <= 0 {
		opt.Heartbeat = 2 * time.Second
	}
	if opt.StaleAfter <= 0 {
		opt.StaleAfter = 5 * opt.Heartbeat
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("transcode: %w", err)
	}
	removeStale(opt.Dir, opt.Log)
	m := &Manager{opt: opt, replicaID: media.NewID().String(), jobs: map[string]*job{}}
	m.root = filepath.Join(opt.Dir, "jellyha-"+m.replicaID)
	if err := os.MkdirAll(m.root, 0o755); err != nil {
		return nil, fmt.Errorf("transcode: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(m.root, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("transcode: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("transcode: lock %s: %w", m.root, err)
	}
	m.lock = f
	m.client = &http.Client{Transport: &http.Transport{
		Proxy:       nil, // replicas talk directly, whatever HTTP_PROXY says
		DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		// The owner answers once ffmpeg has written the segment.
		ResponseHeaderTimeout: opt.WaitTimeout + 5*time.Second,
		MaxIdleConnsPerHost:   4,
	}}
	return m, nil
}

// removeStale removes the directories of replicas that no longer run: a
// lock on their .lock file is free once its holder died.
func removeStale(dir string, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Warn("transcode: read the transcode directory", "dir", dir, "err", err)
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "jellyha-") {
			continue
		}
		d := filepath.Join(dir, e.Name())
		f, err := os.OpenFile(filepath.Join(d, ".lock"), os.O_RDWR, 0)
		if err == nil {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			if err != nil {
				f.Close()
				continue // a live replica's
			}
		}
		if err := os.RemoveAll(d); err != nil {
			log.Warn("transcode: remove a stale directory", "dir", d, "err", err)
		} else {
			log.Info("transcode: removed a stale directory", "dir", d)
		}
		if f != nil {
			f.Close()
		}
	}
}

// ReplicaID is this replica's id in the registry.
func (m *Manager) ReplicaID() string { return m.replicaID }

// SegmentLength is the length of every segment but the last.
func (m *Manager) SegmentLength() time.Duration { return m.opt.SegmentLength }

// Run renews the registry and ends idle jobs, and jobs stopped or taken
// over by another replica, every Heartbeat until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.opt.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.tick(ctx)
		}
	}
}

func (m *Manager) tick(ctx context.Context) {
	now := time.Now()
	m.mu.Lock()
	// Only jobs that exist before the heartbeat reads the registry are
	// judged by it: a job claimed after the read would look stopped.
	jobs := make([]*job, 0, len(m.jobs))
	for _, j := range m.jobs {
		jobs = append(jobs, j)
	}
	m.mu.Unlock()
	for _, j := range jobs {
		if now.Sub(j.lastAccess()) > m.opt.IdleTimeout {
			m.opt.Log.Info("transcode: ending an idle job", "job", j.key, "item", j.req.ItemID)
			m.remove(j, true)
		}
	}
	if m.opt.Store == nil {
		return
	}
	hctx, cancel := context.WithTimeout(ctx, m.opt.Heartbeat*2)
	defer cancel()
	owned, err := m.opt.Store.HeartbeatTranscodes(hctx, m.replicaID, now, now.Add(-m.opt.StaleAfter))
	if err != nil {
		m.opt.Log.Warn("transcode: heartbeat", "err", err)
		return
	}
	for _, j := range jobs {
		if !owned[j.key] && !j.isRemoved() {
			m.opt.Log.Info("transcode: job stopped or taken over by another replica", "job", j.key, "item", j.req.ItemID)
			m.remove(j, false)
		}
	}
}

// Close ends every job and releases the directory.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	jobs := make([]*job, 0, len(m.jobs))
	for _, j := range m.jobs {
		jobs = append(jobs, j)
	}
	m.mu.Unlock()
	for _, j := range jobs {
		m.remove(j, true)
	}
	_ = os.RemoveAll(m.root)
	if m.lock != nil {
		m.lock.Close()
	}
}

// Running is how many ffmpeg processes run now.
func (m *Manager) Running() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.running
}

// Slot reserves one of the MaxJobs transcodes for an ffmpeg run outside the
// HLS jobs (a progressive audio transcode), so that every kind of
// transcode counts against the one cap; release gives it back.
func (m *Manager) Slot() (release func(), err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, media.Errorf(media.EUNAVAILABLE, "the server is shutting down")
	}
	if m.running >= m.opt.MaxJobs {
		return nil, m.busy()
	}
	m.running++
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			m.running--
			m.mu.Unlock()
		})
	}, nil
}

// Jobs is how many jobs this replica holds.
func (m *Manager) Jobs() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.jobs)
}

// Stop ends the jobs of a play session (or, with none, of a device) on
// every replica: here at once, elsewhere at their owner's next heartbeat.
func (m *Manager) Stop(ctx context.Context, playSessionID, deviceID string) error {
	if playSessionID == "" && deviceID == "" {
		return media.Errorf(media.EINVALID, "a play session or a device is required")
	}
	m.mu.Lock()
	var mine []*job
	for _, j := range m.jobs {
		if playSessionID != "" && j.req.PlaySessionID == playSessionID && (deviceID == "" || j.req.DeviceID == deviceID) ||
			playSessionID == "" && j.req.DeviceID == deviceID {
			mine = append(mine, j)
		}
	}
	m.mu.Unlock()
	for _, j := range mine {
		m.remove(j, false)
	}
	if m.opt.Store != nil {
		if _, err := m.opt.Store.StopTranscodes(ctx, playSessionID, deviceID); err != nil {
			return err
		}
	}
	return nil
}

// remove ends a job: its process is killed and reaped, its directory
// removed and, when release is set, its registry row deleted.
func (m *Manager) remove(j *job, release bool) {
	m.mu.Lock()
	if m.jobs[j.key] == j {
		delete(m.jobs, j.key)
	}
	m.mu.Unlock()
	j.end()
	if err := os.RemoveAll(j.dir); err != nil {
		m.opt.Log.Warn("transcode: remove a job's directory", "dir", j.dir, "err", err)
	}
	if release && m.opt.Store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.opt.Store.ReleaseTranscode(ctx, j.key, m.replicaID); err != nil {
			m.opt.Log.Warn("transcode: release a job", "job", j.key, "err", err)
		}
	}
}

// ServeSegment answers a request for segment n of req's stream: from this
// replica's job, or from the replica that runs it (see the package
// comment).
func (m *Manager) ServeSegment(w http.ResponseWriter, r *http.Request, req *Request, n int) error {
	if n < 0 || n >= len(SegmentDurations(req.RunTimeTicks, m.opt.SegmentLength)) {
		return media.Errorf(media.ENOTFOUND, "no segment %d in this stream", n)
	}
	key := req.Key()
	proxied := r.Header.Get(ProxiedHeader) != ""
	dead := ""
	for range 3 {
		j, owner, err := m.acquire(r.Context(), req, key, proxied, dead)
		if err != nil {
			return err
		}
		if j != nil {
			path, err := j.segment(r.Context(), n)
			if err != nil {
				return err
			}
			return serveFile(w, r, path)
		}
		if m.proxy(w, r, owner) {
			return nil
		}
		dead = owner.ReplicaID
	}
	return media.Errorf(media.EUNAVAILABLE, "the replica that runs this transcode cannot be reached")
}

// Warm starts req's job at segment n, if no replica runs it yet, so that
// the first segment a player asks for is under way when the request comes.
func (m *Manager) Warm(ctx context.Context, req *Request, n int) {
	j, _, err := m.acquire(ctx, req, req.Key(), false, "")
	if err != nil || j == nil {
		return
	}
	j.touch()
	if _, err := j.ensure(n); err != nil {
		m.opt.Log.Debug("transcode: warm start", "job", j.key, "err", err)
	}
}

// acquire returns this replica's job for key, creating it when no live
// replica has it (or when take is set: a request sent here by another
// replica is always served here), or else the claim of the replica that
// has it.
func (m *Manager) acquire(ctx context.Context, req *Request, key string, take bool, deadOwner string) (*job, *store.TranscodeClaim, error) {
	m.mu.Lock()
	if j := m.jobs[key]; j != nil {
		m.mu.Unlock()
		return j, nil, nil
	}
	if m.closed {
		m.mu.Unlock()
		return nil, nil, media.Errorf(media.EUNAVAILABLE, "the server is shutting down")
	}
	if m.running >= m.opt.MaxJobs {
		m.mu.Unlock()
		return nil, nil, m.busy()
	}
	m.mu.Unlock()
	if st := m.opt.Store; st != nil {
		now := time.Now()
		c := &store.TranscodeClaim{Key: key, PlaySessionID: req.PlaySessionID, DeviceID: req.DeviceID, ItemID: req.ItemID,
			ReplicaID: m.replicaID, ReplicaURL: m.opt.ReplicaURL, Started: now, Heartbeat: now}
		staleBefore := now.Add(-m.opt.StaleAfter)
		if take {
			staleBefore = now.Add(time.Hour) // every row is stale: take it
		}
		owner, err := st.ClaimTranscode(ctx, c, staleBefore, deadOwner)
		switch {
		case err != nil:
			// Serving the stream matters more than the registry: a job
			// the others do not know of costs at worst a second encode.
			m.opt.Log.Warn("transcode: claim a job", "job", key, "err", err)
		case owner.ReplicaID != m.replicaID:
			return nil, owner, nil
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if j := m.jobs[key]; j != nil {
		return j, nil, nil
	}
	dir := filepath.Join(m.root, key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("transcode: %w", err)
	}
	j := &job{m: m, key: key, req: *req, plan: req.plan(), dir: dir, accessed: time.Now()}
	m.jobs[key] = j
	return j, nil, nil
}

func (m *Manager) busy() error {
	return media.Errorf(media.EUNAVAILABLE, "the server is running its limit of %d transcodes; try again later", m.opt.MaxJobs)
}

// proxy relays the request to the replica that owns the job. It reports
// whether it answered; false means the owner could not be reached or did
// not answer whole, and nothing was written.
func (m *Manager) proxy(w http.ResponseWriter, r *http.Request, owner *store.TranscodeClaim) bool {
	ctx, cancel := context.WithTimeout(r.Context(), m.opt.WaitTimeout+10*time.Second)
	defer cancel()
	// The URL is a replica's own, from the registry, and the path the
	// request's, already routed here.
	out, err := http.NewRequestWithContext(ctx, r.Method, strings.TrimRight(owner.ReplicaURL, "/")+r.URL.RequestURI(), nil) //nolint:gosec // see above
	if err != nil {
		m.opt.Log.Warn("transcode: the owner's URL is not usable", "url", owner.ReplicaURL, "err", err)
		return false
	}
	for _, h := range []string{"Authorization", "X-Emby-Authorization", "X-Emby-Token", "X-Mediabrowser-Token", "Range", "If-Range", "User-Agent"} {
		if v := r.Header.Get(h); v != "" {
			out.Header.Set(h, v)
		}
	}
	out.Header.Set(ProxiedHeader, m.replicaID)
	resp, err := m.client.Do(out) //nolint:gosec // a replica's URL, as above
	if err != nil {
		m.opt.Log.Warn("transcode: the replica that runs the job does not answer; taking the job over", "owner", owner.ReplicaURL, "err", err)
		return false
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProxiedBytes))
	if err != nil {
		m.opt.Log.Warn("transcode: the replica that runs the job failed mid-answer; taking the job over", "owner", owner.ReplicaURL, "err", err)
		return false
	}
	for _, h := range []string{"Content-Type", "Content-Range", "Accept-Ranges", "Last-Modified", "Cache-Control", "WWW-Authenticate"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(resp.StatusCode)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return true
}

// serveFile sends a segment. Segments are written once and renamed into
// place, so an open file is never seen changing.
func serveFile(w http.ResponseWriter, r *http.Request, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return media.Errorf(media.ENOTFOUND, "the segment is gone (the transcode was stopped)")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "video/mp2t")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", fi.ModTime(), f)
	return nil
}
