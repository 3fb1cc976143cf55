package jellyfin

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/transcode"
)

// musicLibrary makes tracks with ffmpeg (a 96 kHz stereo flac, a 5.1 wav,
// a five-minute flac, a file that is no audio at all), scans them and
// returns an administrator's token and the tracks' ids and paths by name.
func musicLibrary(t *testing.T, s *testServer) (admin string, ids, paths map[string]string) {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	album := filepath.Join(root, "Osc", "Tones")
	if err := os.MkdirAll(album, 0o755); err != nil {
		t.Fatal(err)
	}
	ff := func(name string, args ...string) {
		t.Helper()
		full := append([]string{"-nostdin", "-v", "error", "-y"}, args...)
		if out, err := exec.Command("ffmpeg", append(full, filepath.Join(album, name))...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %s: %v: %s", name, err, out)
		}
	}
	ff("01 Hi.flac", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=96000:duration=3", "-ac", "2", "-c:a", "flac", "-metadata", "title=Hi")
	ff("02 Wide.wav", "-f", "lavfi", "-i", "sine=frequency=330:duration=3", "-ac", "6", "-metadata", "title=Wide")
	ff("03 Long.flac", "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=48000:duration=300", "-ac", "2", "-c:a", "flac", "-metadata", "title=Long")
	if err := os.WriteFile(filepath.Join(album, "04 Broken.flac"), bytes.Repeat([]byte("not flac "), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.store.CreateLibrary(ctx, &store.Library{Name: "Music", CollectionType: "music", Paths: []string{root}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.rt.scanner.Scan(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	s.completeWizard()
	s.addUser("admin", "root", true)
	admin = s.login("admin", "root", "admin-dev").AccessToken
	var l struct {
		Items []struct{ ID, Name string }
	}
	s.expect(req{"GET", "/Items?Recursive=true&IncludeItemTypes=Audio", nil, as(admin)}, 200, &l)
	files := map[string]string{"Hi": "01 Hi.flac", "Wide": "02 Wide.wav", "Long": "03 Long.flac", "Broken": "Broken"}
	ids, paths = map[string]string{}, map[string]string{}
	for _, it := range l.Items {
		ids[it.Name], paths[it.Name] = it.ID, filepath.Join(album, files[it.Name])
	}
	if len(ids) != 4 {
		t.Fatalf("tracks: %+v", l.Items)
	}
	return admin, ids, paths
}

// probeAudio reads what ffprobe says of an audio file.
func probeAudio(t *testing.T, b []byte) (codec, format string, channels, rate, bitrate int) {
	t.Helper()
	cmd := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", "-")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe: %v (%d bytes)", err, len(b))
	}
	var p struct {
		Streams []struct {
			CodecName  string `json:"codec_name"`
			Channels   int    `json:"channels"`
			SampleRate string `json:"sample_rate"`
			BitRate    string `json:"bit_rate"`
		} `json:"streams"`
		Format struct {
			Name    string `json:"format_name"`
			BitRate string `json:"bit_rate"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe: %v %s", err, out)
	}
	st := p.Streams[0]
	rate, _ = strconv.Atoi(st.SampleRate)
	bitrate, _ = strconv.Atoi(st.BitRate)
	if bitrate == 0 {
		bitrate, _ = strconv.Atoi(p.Format.BitRate)
	}
	return st.CodecName, p.Format.Name, st.Channels, rate, bitrate
}

func TestUniversalAudio(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		admin, ids, paths := musicLibrary(t, s)
		key := "&api_key=" + admin
		u := func(name, q string) string { return "/Audio/" + ids[name] + "/universal?" + q + key }

		// A container the client lists: the file itself.
		file, _ := os.ReadFile(paths["Hi"])
		if resp, body := s.get("GET", u("Hi", "Container=mp3,flac")); resp.StatusCode != 200 || !bytes.Equal(body, file) || resp.Header.Get("Content-Type") != "audio/flac" {
			t.Errorf("flac to a flac client: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		// Not listed: transcoded, mp3 by default.
		for _, c := range []struct {
			name, q, mime, codec, format string
			channels, rate               int
		}{
			{"Hi", "Container=mp3,aac", "audio/mpeg", "mp3", "mp3", 2, 0},
			{"Hi", "Container=mp3&TranscodingContainer=aac&AudioCodec=aac&MaxAudioSampleRate=44100", "audio/aac", "aac", "aac", 2, 44100},
			{"Hi", "Container=mp3&TranscodingContainer=ogg&AudioCodec=opus&MaxAudioChannels=1", "audio/ogg", "opus", "ogg", 1, 48000},
			{"Hi", "Container=mp3&TranscodingContainer=mp4&AudioCodec=aac", "audio/mp4", "aac", "mov,mp4,m4a,3gp,3g2,mj2", 2, 0},
			{"Wide", "Container=flac", "audio/mpeg", "mp3", "mp3", 2, 0},                                                          // MP3 is stereo at most
			{"Wide", "Container=flac&TranscodingContainer=aac&AudioCodec=aac", "audio/aac", "aac", "aac", 6, 0},                   // AAC keeps 5.1
			{"Wide", "Container=wav&MaxAudioChannels=2&AudioCodec=aac&TranscodingContainer=aac", "audio/aac", "aac", "aac", 2, 0}, // a wav, but too many channels
			{"Hi", "Container=flac&MaxAudioSampleRate=48000&AudioCodec=flac&TranscodingContainer=flac", "audio/flac", "flac", "flac", 2, 48000},
		} {
			resp, body := s.get("GET", u(c.name, c.q))
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.mime || resp.Header.Get("Content-Length") != "" {
				t.Errorf("%s %s: %d %v %s", c.name, c.q, resp.StatusCode, resp.Header, body)
				continue
			}
			codec, format, ch, rate, _ := probeAudio(t, body)
			if codec != c.codec || format != c.format || ch != c.channels || (c.rate != 0 && rate != c.rate) {
				t.Errorf("%s %s: %s in %s, %d channels at %d Hz", c.name, c.q, codec, format, ch, rate)
			}
		}
		// The bitrate the client asks for.
		for _, q := range []string{"Container=aac&AudioBitRate=64000", "Container=aac&MaxStreamingBitrate=64000"} {
			_, body := s.get("GET", u("Long", q))
			if _, _, _, _, br := probeAudio(t, body); br < 60_000 || br > 68_000 {
				t.Errorf("%s: %d bit/s", q, br)
			}
		}
		// Over the bitrate limit: transcoded even in a listed container.
		if resp, _ := s.get("GET", u("Hi", "Container=flac&MaxStreamingBitrate=100000")); resp.Header.Get("Content-Type") != "audio/mpeg" {
			t.Errorf("flac over the bitrate limit: %s", resp.Header.Get("Content-Type"))
		}
		// HEAD runs nothing; HLS is a redirect to the playlist.
		if resp, body := s.get("HEAD", u("Hi", "Container=mp3")); resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Type") != "audio/mpeg" {
			t.Errorf("HEAD: %d %v", resp.StatusCode, resp.Header)
		}
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Get(s.url + u("Hi", "Container=mp3&TranscodingProtocol=hls&TranscodingContainer=ts&AudioCodec=aac"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != 302 || !strings.HasPrefix(loc, "/Audio/"+ids["Hi"]+"/master.m3u8?") ||
			!strings.Contains(loc, "AudioCodec=aac") || !strings.Contains(loc, "api_key="+admin) {
			t.Errorf("HLS: %d %s", resp.StatusCode, loc)
		}
		// Clear errors: a codec jellyha does not make, a file ffmpeg cannot read.
		if resp, body := s.get("GET", u("Hi", "Container=mp3&AudioCodec=wma&TranscodingContainer=asf")); resp.StatusCode != 400 || !strings.Contains(string(body), "wma") {
			t.Errorf("wma: %d %s", resp.StatusCode, body)
		}
		if resp, body := s.get("GET", u("Broken", "Container=mp3")); resp.StatusCode != 500 || !strings.Contains(string(body), "transcoding failed: ffmpeg:") {
			t.Errorf("a broken file: %d %s", resp.StatusCode, body)
		}

		// The transcode cap counts audio transcodes too: with every slot
		// taken the client is told to come back (503), the file itself
		// still plays, and a freed slot transcodes again.
		m, err := transcode.New(transcode.Options{Dir: t.TempDir(), Store: s.store, ReplicaURL: s.url, MaxJobs: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		s.rt.SetTranscoder(m)
		release, err := m.Slot()
		if err != nil {
			t.Fatal(err)
		}
		if resp, body := s.get("GET", u("Hi", "Container=mp3")); resp.StatusCode != 503 {
			t.Errorf("a transcode over the cap: %d %s", resp.StatusCode, body)
		}
		if resp, _ := s.get("GET", u("Hi", "Container=flac")); resp.StatusCode != 200 {
			t.Errorf("direct play over the cap: %d", resp.StatusCode)
		}
		release()
		if resp, _ := s.get("GET", u("Hi", "Container=mp3")); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/mpeg" {
			t.Errorf("a transcode once a slot is free: %d", resp.StatusCode)
		}
		if n := m.Running(); n != 0 {
			t.Errorf("%d transcodes counted after the requests ended", n)
		}
		s.rt.SetTranscoder(nil)
	})
}

// ffmpegsOn lists the ffmpeg processes whose command line names path.
func ffmpegsOn(t *testing.T, path string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmd), "\x00")
		if filepath.Base(args[0]) == "ffmpeg" && strings.Contains(string(cmd), path) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// A client that stops reading and hangs up: ffmpeg is killed and reaped.
func TestUniversalAudioDisconnect(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		admin, ids, paths := musicLibrary(t, s)
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		// 320 kbit/s of five minutes is 12 MB: more than the socket buffers
		// hold, so ffmpeg is still writing when the client hangs up.
		_, _ = conn.Write([]byte("GET /Audio/" + ids["Long"] + "/universal?Container=aac&AudioBitRate=320000&api_key=" + admin + " HTTP/1.1\r\nHost: x\r\n\r\n"))
		buf := make([]byte, 4096)
		if n, err := conn.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
			t.Fatalf("first bytes: %v %q", err, buf[:n])
		}
		deadline := time.Now().Add(30 * time.Second)
		var pids []int
		for pids = ffmpegsOn(t, paths["Long"]); len(pids) == 0; pids = ffmpegsOn(t, paths["Long"]) {
			if time.Now().After(deadline) {
				t.Fatal("no ffmpeg running for the transcode")
			}
			time.Sleep(50 * time.Millisecond)
		}
		conn.Close()
		// Gone from /proc: killed and waited for (a zombie would stay).
		for _, pid := range pids {
			for {
				if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err != nil {
					break
				}
				if time.Now().After(deadline) {
					st, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
					t.Fatalf("ffmpeg %d still there after the client left: %s", pid, st)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	})
}
