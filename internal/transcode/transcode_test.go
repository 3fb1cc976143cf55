package transcode

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

// These tests run the real ffmpeg on clips they make with it.

// clip makes a test clip of secs seconds: "h264" (h264/aac in mp4, a
// keyframe every 2 s), "mpeg4" (mpeg4/mp3 in avi, which needs a transcode)
// or "corrupt" (an mkv of noise).
func clip(t *testing.T, kind string, secs int) (string, Source) {
	t.Helper()
	dir := t.TempDir()
	d := strconv.Itoa(secs)
	in := []string{"-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i",
		"sine=frequency=440:sample_rate=48000", "-t", d, "-shortest"}
	var path string
	var src Source
	switch kind {
	case "h264":
		path = filepath.Join(dir, "clip.mp4")
		in = append(in, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-force_key_frames", "expr:gte(t,n_forced*2)",
			"-c:a", "aac", "-ac", "2", "-b:a", "128k", path)
		src = Source{VideoCodec: "h264", VideoProfile: "High", PixelFormat: "yuv420p", Width: 320, Height: 180, BitDepth: 8,
			AudioCodec: "aac", AudioChannels: 2, VideoBitrate: 300_000, AudioBitrate: 128_000}
	case "mpeg4":
		path = filepath.Join(dir, "clip.avi")
		in = append(in, "-c:v", "mpeg4", "-c:a", "libmp3lame", "-ac", "2", path)
		src = Source{VideoCodec: "mpeg4", Width: 320, Height: 180, AudioCodec: "mp3", AudioChannels: 2}
	case "corrupt":
		path = filepath.Join(dir, "clip.mkv")
		noise := bytes.Repeat([]byte("not a matroska file at all "), 4000)
		if err := os.WriteFile(path, noise, 0o644); err != nil {
			t.Fatal(err)
		}
		return path, Source{VideoCodec: "h264", Width: 320, Height: 180, AudioCodec: "aac", AudioChannels: 2}
	}
	if out, err := exec.Command("ffmpeg", in...).CombinedOutput(); err != nil {
		t.Fatalf("make the clip: %v: %s", err, out)
	}
	return path, src
}

// slowFFmpeg is an ffmpeg that reads its input at its native rate, so
// that a job is still running when a test looks at it.
func slowFFmpeg(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ffmpeg-re")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexec ffmpeg -re \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func sqliteStore(t *testing.T) *store.Store {
	t.Helper()
	db := testdb.Open(t, database.NewSQLite(testdb.SQLitePath(t), nil))
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store.New(db)
}

type fixture struct {
	t   *testing.T
	m   *Manager
	url string
	log *syncBuffer
	// reqs are the streams the server serves, by name.
	mu   sync.Mutex
	reqs map[string]*Request
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newFixture runs a Manager behind a server answering /{stream}/{n}.
func newFixture(t *testing.T, opt Options) *fixture {
	t.Helper()
	f := &fixture{t: t, log: &syncBuffer{}, reqs: map[string]*Request{}}
	if opt.Dir == "" {
		opt.Dir = t.TempDir()
	}
	opt.Log = slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	ctx, cancel := context.WithCancel(context.Background())
	go m.Run(ctx)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, num, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		f.mu.Lock()
		req := f.reqs[name]
		f.mu.Unlock()
		n, _ := strconv.Atoi(num)
		if err := m.ServeSegment(w, r, req, n); err != nil {
			code := map[string]int{media.ENOTFOUND: 404, media.EUNAVAILABLE: 503, media.EMEDIA: 500}[media.ErrorCode(err)]
			if code == 0 {
				code = 500
			}
			http.Error(w, err.Error(), code)
		}
	}))
	f.url = srv.URL
	m.opt.ReplicaURL = srv.URL
	t.Cleanup(func() {
		srv.Close()
		cancel()
		m.Close()
		if n := ffmpegChildren(t, opt.Dir); n != 0 {
			t.Errorf("%d ffmpeg processes outlive the test", n)
		}
	})
	return f
}

func (f *fixture) children() int { return ffmpegChildren(f.t, f.m.opt.Dir) }

func (f *fixture) add(name string, req *Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs[name] = req
}

// get fetches segment n of a stream, returning the status and body.
func (f *fixture) get(name string, n int) (int, []byte) {
	f.t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/%s/%d", f.url, name, n))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (f *fixture) job(key string) *job {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	return f.m.jobs[key]
}

// ffmpegChildren counts this process's ffmpeg children writing under dir
// (tests run in parallel, each with its own directory).
func ffmpegChildren(t *testing.T, dir string) int {
	t.Helper()
	me := strconv.Itoa(os.Getpid())
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		str := string(b)
		i := strings.LastIndexByte(str, ')')
		if i < 0 {
			continue
		}
		comm := str[strings.IndexByte(str, '(')+1 : i]
		fields := strings.Fields(str[i+1:])
		if len(fields) > 1 && fields[1] == me && strings.HasPrefix(comm, "ffmpeg") && fields[0] != "Z" {
			cmdline, _ := os.ReadFile(filepath.Join(filepath.Dir(s), "cmdline"))
			if bytes.Contains(cmdline, []byte(dir)) {
				n++
			}
		}
	}
	return n
}

// eventually polls cond for up to 30 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// probe is what ffprobe says of a segment.
type probe struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Width     int
		Height    int
		Channels  int
	}
	Format struct {
		StartTime string `json:"start_time"`
		Duration  string
	}
}

func ffprobe(t *testing.T, seg []byte) (p probe, start, dur float64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seg.ts")
	if err := os.WriteFile(path, seg, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	start, _ = strconv.ParseFloat(p.Format.StartTime, 64)
	dur, _ = strconv.ParseFloat(p.Format.Duration, 64)
	return p, start, dur
}

func (p probe) codecs() string {
	var out []string
	for _, s := range p.Streams {
		out = append(out, s.CodecType+":"+s.CodecName)
	}
	return strings.Join(out, ",")
}

// mpegtsDelay is where MPEG-TS timestamps begin (the muxer's 1.4 s
// initial delay): segment n starts at mpegtsDelay + n*length.
const mpegtsDelay = 1.4

func checkSegment(t *testing.T, seg []byte, n int, length, want float64, codecs string) probe {
	t.Helper()
	p, start, dur := ffprobe(t, seg)
	if p.codecs() != codecs {
		t.Errorf("segment %d holds %s, want %s", n, p.codecs(), codecs)
	}
	if math.Abs(dur-want) > 0.3 {
		t.Errorf("segment %d lasts %.3f s, want %.3f", n, dur, want)
	}
	if s := mpegtsDelay + float64(n)*length; math.Abs(start-s) > 0.2 {
		t.Errorf("segment %d starts at %.3f s, want %.3f", n, start, s)
	}
	return p
}

func request(path string, src Source, secs int, session string) *Request {
	return &Request{ItemID: media.NewID(), Path: path, RunTimeTicks: int64(secs) * 10_000_000, PlaySessionID: session, DeviceID: "dev",
		Source: src, AllowVideoCopy: true, AllowAudioCopy: true}
}

// TestSegments: every segment of a transcode (mpeg4/mp3) and of a remux
// (h264/aac, copied) is whole h264/aac MPEG-TS covering exactly its slot.
func TestSegments(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	for _, c := range []struct {
		kind string
		copy bool
	}{{"mpeg4", false}, {"h264", true}} {
		path, src := clip(t, c.kind, 20)
		req := request(path, src, 20, "ps-"+c.kind)
		if p := req.plan(); p.copyVideo != c.copy || p.copyAudio != c.copy {
			t.Errorf("%s: plan %+v, want copy=%v", c.kind, p, c.copy)
		}
		f.add(c.kind, req)
		durs := SegmentDurations(req.RunTimeTicks, 6*time.Second)
		if len(durs) != 4 || durs[3] != 2*time.Second {
			t.Fatalf("segments %v", durs)
		}
		for n, d := range durs {
			code, body := f.get(c.kind, n)
			if code != 200 {
				t.Fatalf("%s segment %d: %d %s", c.kind, n, code, body)
			}
			p := checkSegment(t, body, n, 6, d.Seconds(), "video:h264,audio:aac")
			if p.Streams[0].Width != 320 || p.Streams[0].Height != 180 || p.Streams[1].Channels != 2 {
				t.Errorf("%s segment %d: %+v", c.kind, n, p.Streams)
			}
		}
		if code, _ := f.get(c.kind, 4); code != 404 {
			t.Errorf("%s: a segment past the end: %d, want 404", c.kind, code)
		}
	}
	if f.m.Jobs() != 2 {
		t.Errorf("%d jobs, want 2", f.m.Jobs())
	}
}

// TestLimits: the client's size, bitrate and channel limits make an
// encode of a file that would otherwise be copied.
func TestLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	path, src := clip(t, "h264", 8)
	req := request(path, src, 8, "limits")
	req.MaxWidth, req.MaxAudioChannels, req.VideoBitrate = 160, 1, 200_000
	p := req.plan()
	if p.copyVideo || p.copyAudio || p.width != 160 || p.height != 90 || p.channels != 1 || p.videoBitrate != 200_000 {
		t.Fatalf("plan %+v", p)
	}
	if v := req.Variant(); v.Width != 160 || v.Height != 90 || v.Bandwidth != 200_000+defaultAudioBitrate || v.Codecs != "avc1.640028,mp4a.40.2" {
		t.Errorf("variant %+v", v)
	}
	f.add("small", req)
	code, body := f.get("small", 0)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	pr := checkSegment(t, body, 0, 6, 6, "video:h264,audio:aac")
	if pr.Streams[0].Width != 160 || pr.Streams[0].Height != 90 || pr.Streams[1].Channels != 1 {
		t.Errorf("streams %+v", pr.Streams)
	}
}

// TestSeekAndSharing: two requests at once share one job and one process;
// a segment far ahead restarts ffmpeg there, and one behind its start
// restarts it again; every segment covers its slot whichever run wrote it.
func TestSeekAndSharing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{FFmpeg: slowFFmpeg(t), SegmentLength: 2 * time.Second})
	path, src := clip(t, "mpeg4", 30)
	req := request(path, src, 30, "seek")
	f.add("s", req)
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Go(func() { codes[i], _ = f.get("s", 0) })
	}
	// While they wait, one job and one ffmpeg.
	eventually(t, "the job starts", func() bool { return f.m.Running() == 1 })
	if f.m.Jobs() != 1 || f.children() != 1 {
		t.Errorf("%d jobs, %d ffmpeg processes for two requests of one stream", f.m.Jobs(), f.children())
	}
	wg.Wait()
	if codes[0] != 200 || codes[1] != 200 {
		t.Fatalf("concurrent requests: %v", codes)
	}
	j := f.job(req.Key())
	code, body := f.get("s", 12)
	if code != 200 {
		t.Fatalf("segment 12: %d %s", code, body)
	}
	checkSegment(t, body, 12, 2, 2, "video:h264,audio:aac")
	if j.run.start != 12 {
		t.Errorf("the seek to segment 12 ran ffmpeg from %d, want a restart at 12", j.run.start)
	}
	code, body = f.get("s", 3)
	if code != 200 {
		t.Fatalf("segment 3: %d %s", code, body)
	}
	checkSegment(t, body, 3, 2, 2, "video:h264,audio:aac")
	if j.run.start > 3 {
		t.Errorf("segment 3 came from a run started at %d", j.run.start)
	}
	if n := f.children(); n > 1 {
		t.Errorf("%d ffmpeg processes after two restarts, want at most 1", n)
	}
}

// TestStop: stopping a play session kills its ffmpeg, removes its
// directory and its registry row, and leaves other sessions alone.
func TestStop(t *testing.T) {
	t.Parallel()
	st := sqliteStore(t)
	f := newFixture(t, Options{FFmpeg: slowFFmpeg(t), Store: st})
	path, src := clip(t, "mpeg4", 30)
	a, b := request(path, src, 30, "stop-a"), request(path, src, 30, "stop-b")
	f.add("a", a)
	f.add("b", b)
	for _, name := range []string{"a", "b"} {
		if code, body := f.get(name, 0); code != 200 {
			t.Fatalf("%s: %d %s", name, code, body)
		}
	}
	ja := f.job(a.Key())
	if f.children() != 2 {
		t.Fatalf("%d ffmpeg processes, want 2", f.children())
	}
	if err := f.m.Stop(context.Background(), "stop-a", ""); err != nil {
		t.Fatal(err)
	}
	if f.m.Jobs() != 1 || f.children() != 1 {
		t.Errorf("after the stop: %d jobs, %d ffmpeg", f.m.Jobs(), f.children())
	}
	if _, err := os.Stat(ja.dir); !os.IsNotExist(err) {
		t.Errorf("the stopped job's directory is still there: %v", err)
	}
	if c, err := st.TranscodeOwner(context.Background(), a.Key()); err != nil || c != nil {
		t.Errorf("the stopped job's row: %+v %v", c, err)
	}
	if c, err := st.TranscodeOwner(context.Background(), b.Key()); err != nil || c == nil || c.ReplicaID != f.m.ReplicaID() {
		t.Errorf("the other job's row: %+v %v", c, err)
	}
}

// TestStopElsewhere: a stop recorded by another replica (the registry row
// deleted) ends the job here at the next heartbeat.
func TestStopElsewhere(t *testing.T) {
	t.Parallel()
	st := sqliteStore(t)
	f := newFixture(t, Options{FFmpeg: slowFFmpeg(t), Store: st, Heartbeat: 100 * time.Millisecond})
	path, src := clip(t, "mpeg4", 30)
	req := request(path, src, 30, "elsewhere")
	f.add("e", req)
	if code, body := f.get("e", 0); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if _, err := st.StopTranscodes(context.Background(), "elsewhere", ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the job ends", func() bool { return f.m.Jobs() == 0 && f.children() == 0 })
}

// TestIdle: a job no segment was asked of for the idle timeout ends, with
// its process and directory.
func TestIdle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{FFmpeg: slowFFmpeg(t), IdleTimeout: time.Second, Heartbeat: 100 * time.Millisecond})
	path, src := clip(t, "mpeg4", 30)
	req := request(path, src, 30, "idle")
	f.add("i", req)
	if code, body := f.get("i", 0); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	dir := f.job(req.Key()).dir
	eventually(t, "the idle job ends with its process and directory", func() bool {
		_, err := os.Stat(dir)
		return f.m.Jobs() == 0 && f.children() == 0 && os.IsNotExist(err)
	})
	if !strings.Contains(f.log.String(), "ending an idle job") {
		t.Errorf("nothing logged:\n%s", f.log.String())
	}
}

// TestCap: beyond MaxJobs running processes a new stream is refused at
// once with 503; once one ends, it is served.
func TestCap(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{FFmpeg: slowFFmpeg(t), MaxJobs: 1})
	path, src := clip(t, "mpeg4", 30)
	f.add("a", request(path, src, 30, "cap-a"))
	f.add("b", request(path, src, 30, "cap-b"))
	if code, body := f.get("a", 0); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	start := time.Now()
	code, body := f.get("b", 0)
	if code != 503 || !strings.Contains(string(body), "limit of 1 transcodes") {
		t.Errorf("beyond the cap: %d %s, want 503", code, body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the refusal took %s", d)
	}
	if err := f.m.Stop(context.Background(), "cap-a", ""); err != nil {
		t.Fatal(err)
	}
	if code, body := f.get("b", 0); code != 200 {
		t.Errorf("after the first ended: %d %s", code, body)
	}
}

// TestCorruptFile: ffmpeg failing ends the request at once with a clear
// error, logs ffmpeg's reason, and leaves no process.
func TestCorruptFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	path, src := clip(t, "corrupt", 0)
	f.add("c", request(path, src, 30, "corrupt"))
	start := time.Now()
	code, body := f.get("c", 0)
	if code != 500 || !strings.Contains(string(body), "ffmpeg could not transcode this item") {
		t.Errorf("%d %s", code, body)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the failure took %s", d)
	}
	if n := f.children(); n != 0 {
		t.Errorf("%d ffmpeg processes left", n)
	}
	if l := f.log.String(); !strings.Contains(l, "ffmpeg failed") || !strings.Contains(l, "Invalid data") {
		t.Errorf("the log does not say why:\n%s", l)
	}
	// Asked again, it fails again at once rather than restarting forever.
	if code, _ := f.get("c", 1); code != 500 {
		t.Errorf("again: %d", code)
	}
}

// TestTwoReplicas: a segment asked of a replica without the job is sent to
// the replica that runs it; when that one is gone, the other takes the job
// over and goes on from the asked segment.
func TestTwoReplicas(t *testing.T) {
	t.Parallel()
	st := sqliteStore(t)
	a := newFixture(t, Options{Store: st, SegmentLength: 2 * time.Second})
	b := newFixture(t, Options{Store: st, SegmentLength: 2 * time.Second})
	path, src := clip(t, "mpeg4", 20)
	req := request(path, src, 20, "two")
	a.add("s", req)
	b.add("s", req)
	if code, body := a.get("s", 0); code != 200 {
		t.Fatalf("on A: %d %s", code, body)
	}
	code, body := b.get("s", 1)
	if code != 200 {
		t.Fatalf("on B: %d %s", code, body)
	}
	checkSegment(t, body, 1, 2, 2, "video:h264,audio:aac")
	if a.m.Jobs() != 1 || b.m.Jobs() != 0 {
		t.Errorf("A holds %d jobs, B %d: B should have relayed to A", a.m.Jobs(), b.m.Jobs())
	}
	// A's server goes away (its process would be dead): B takes over.
	a.m.opt.ReplicaURL = "http://127.0.0.1:1"
	c, _ := st.TranscodeOwner(context.Background(), req.Key())
	if _, err := st.DB().Write.Exec(`UPDATE jellyha_transcodes SET replica_url = 'http://127.0.0.1:1' WHERE job_key = ?`, c.Key); err != nil {
		t.Fatal(err)
	}
	code, body = b.get("s", 7)
	if code != 200 {
		t.Fatalf("on B with A unreachable: %d %s", code, body)
	}
	checkSegment(t, body, 7, 2, 2, "video:h264,audio:aac")
	if b.m.Jobs() != 1 {
		t.Errorf("B did not take the job over")
	}
	if c, _ := st.TranscodeOwner(context.Background(), req.Key()); c == nil || c.ReplicaID != b.m.ReplicaID() {
		t.Errorf("the row names %+v, want B", c)
	}
	// A finds at its next heartbeat that the job is B's now.
	eventually(t, "A lets its copy go", func() bool { return a.m.Jobs() == 0 })
}

// TestStaleDirectories: what a dead replica left is removed at startup;
// a live replica's directory is not.
func TestStaleDirectories(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dead := filepath.Join(dir, "jellyha-dead", "job")
	if err := os.MkdirAll(dead, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dead, "0.ts"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	live, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if _, err := os.Stat(filepath.Join(dir, "jellyha-dead")); !os.IsNotExist(err) {
		t.Errorf("the dead replica's directory is still there: %v", err)
	}
	other, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := os.Stat(live.root); err != nil {
		t.Errorf("a second replica removed the first one's directory: %v", err)
	}
}
