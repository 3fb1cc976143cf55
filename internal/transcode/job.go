package transcode

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

// job is one stream on this replica: its directory and its ffmpeg run.
type job struct {
	m    *Manager
	key  string
	req  Request
	plan plan
	dir  string

	mu       sync.Mutex
	run      *run // the current or last ffmpeg process; nil before the first
	accessed time.Time
	removed  bool
}

// run is one ffmpeg process of a job, writing segments from start on.
type run struct {
	start   int
	next    int // the lowest segment from start on not yet seen written
	cancel  context.CancelFunc
	done    chan struct{} // closed once the process is reaped
	err     error         // why it ended, set before done is closed
	stopped atomic.Bool   // ended by us (a restart, a stop), not a failure
	stderr  *tail
}

func (r *run) ended() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// kill ends the process (and its process group) and waits until it is
// reaped.
func (r *run) kill() {
	r.stopped.Store(true)
	r.cancel()
	<-r.done
}

func (j *job) touch() {
	j.mu.Lock()
	j.accessed = time.Now()
	j.mu.Unlock()
}

func (j *job) lastAccess() time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.accessed
}

func (j *job) isRemoved() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.removed
}

func (j *job) path(n int) string { return filepath.Join(j.dir, strconv.Itoa(n)+".ts") }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// segment returns the path of segment n once it is written whole, starting
// or restarting ffmpeg as needed, within the wait timeout.
func (j *job) segment(ctx context.Context, n int) (string, error) {
	j.touch()
	deadline := time.NewTimer(j.m.opt.WaitTimeout)
	defer deadline.Stop()
	// ffmpeg says nothing when it renames a segment into place, so the
	// file is looked for; a stat every 50 ms costs nothing.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		// A job someone waits on is not idle.
		j.touch()
		p := j.path(n)
		if exists(p) {
			return p, nil
		}
		done, err := j.ensure(n)
		if err != nil {
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", media.Errorf(media.EUNAVAILABLE, "the request ended before segment %d was ready", n)
		case <-deadline.C:
			return "", media.Errorf(media.EUNAVAILABLE, "segment %d was not ready within %s", n, j.m.opt.WaitTimeout)
		case <-done:
		case <-tick.C:
		}
	}
}

// closed is a channel that is already closed.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// ensure makes sure a run will write segment n: the current one when it is
// on its way there, else a new one started at n. It returns a channel
// closed when that run ends.
func (j *job) ensure(n int) (<-chan struct{}, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.removed {
		return nil, media.Errorf(media.ENOTFOUND, "the transcode was stopped")
	}
	if r := j.run; r != nil {
		if r.ended() {
			if exists(j.path(n)) {
				return closed, nil // written just before the end
			}
			if !r.stopped.Load() && n >= r.start {
				if r.err != nil {
					return nil, media.Errorf(media.EMEDIA, "ffmpeg could not transcode this item (%v); the server log has its reason", r.err)
				}
				return nil, media.Errorf(media.ENOTFOUND, "segment %d is past the end of the stream", n)
			}
		} else {
			for exists(j.path(r.next)) {
				r.next++
			}
			if n >= r.start && n <= r.next+restartGap {
				return r.done, nil
			}
			j.m.opt.Log.Debug("transcode: restarting at a segment", "job", j.key, "segment", n, "from", r.start, "written", r.next)
			r.kill()
		}
	}
	r, err := j.start(n)
	if err != nil {
		return nil, err
	}
	j.run = r
	return r.done, nil
}

// start runs ffmpeg from segment n, within the cap on processes.
func (j *job) start(n int) (*run, error) {
	m := j.m
	m.mu.Lock()
	if m.running >= m.opt.MaxJobs {
		m.mu.Unlock()
		return nil, m.busy()
	}
	m.running++
	m.mu.Unlock()
	// What a killed run was writing.
	if tmps, err := filepath.Glob(filepath.Join(j.dir, "*.tmp")); err == nil {
		for _, t := range tmps {
			_ = os.Remove(t)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, m.opt.FFmpeg, j.req.args(j.plan, j.dir, n, m.opt.SegmentLength)...)
	// ffmpeg gets its own process group, killed whole: nothing it starts
	// outlives the job.
	// Pdeathsig: a replica killed outright (SIGKILL, OOM) takes its ffmpeg
	// with it rather than leaving it to encode for nobody.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	r := &run{start: n, next: n, cancel: cancel, done: make(chan struct{}), stderr: &tail{}}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		cancel()
		m.mu.Lock()
		m.running--
		m.mu.Unlock()
		return nil, fmt.Errorf("transcode: start ffmpeg: %w", err)
	}
	pid := cmd.Process.Pid
	go func() {
		err := cmd.Wait()
		_ = syscall.Kill(-pid, syscall.SIGKILL) // anything left in the group
		cancel()
		m.mu.Lock()
		m.running--
		m.mu.Unlock()
		if err != nil && !r.stopped.Load() {
			m.opt.Log.Warn("transcode: ffmpeg failed", "item", j.req.ItemID, "path", j.req.Path, "segment", n, "err", err,
				"stderr", r.stderr.String())
		}
		r.err = err
		close(r.done)
	}()
	return r, nil
}

// end kills the job's process, if it runs, and marks the job gone.
func (j *job) end() {
	j.mu.Lock()
	j.removed = true
	r := j.run
	j.mu.Unlock()
	if r != nil && !r.ended() {
		r.kill()
	}
}

// tail keeps the end of ffmpeg's stderr, which says why it failed.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2048

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = t.buf[len(t.buf)-tailSize:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
