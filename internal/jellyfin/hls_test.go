package jellyfin

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/transcode"
)

// hlsLibrary makes a 20-second film that needs a transcode (mpeg4 video,
// mp3 audio in avi), scans it, and gives the router a transcoder. It
// returns the film's id, an administrator's token and the token of a user
// who may not see the film.
func hlsLibrary(t testing.TB, s *testServer) (id, admin, carol string, m *transcode.Manager) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "Clip (2021)", "Clip (2021).avi")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25", "-f", "lavfi",
		"-i", "sine=sample_rate=48000", "-t", "20", "-c:v", "mpeg4", "-c:a", "libmp3lame", "-ac", "2", "-shortest", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	m, err := transcode.New(transcode.Options{Dir: t.TempDir(), Store: s.store, ReplicaURL: s.url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	s.rt.SetTranscoder(m)
	id, admin, carol = oneFilmLibrary(t, s, "Clips", dir)
	return id, admin, carol, m
}

// transcodingURL asks PlaybackInfo with a profile that takes nothing as
// it is, and returns the TranscodingUrl and the play session.
func (s *testServer) transcodingURL(id, token string) (string, string) {
	s.t.Helper()
	var info PlaybackInfoIn
	s.expect(req{"POST", "/Items/" + id + "/PlaybackInfo", map[string]any{"DeviceProfile": nothingProfile}, as(token)}, 200, &info)
	src := info.MediaSources[0]
	if src.SupportsDirectPlay || src.TranscodingURL == "" || src.TranscodingSubProtocol != "hls" {
		s.t.Fatalf("PlaybackInfo offers no transcode: %+v", src)
	}
	return src.TranscodingURL, info.PlaySessionID
}

var (
	streamInf  = regexp.MustCompile(`^#EXT-X-STREAM-INF:BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=\d+,CODECS="avc1\.640028,mp4a\.40\.2",RESOLUTION=320x180$`)
	segmentURI = regexp.MustCompile(`^hls1/main/(\d+)\.ts\?(.+)$`)
)

func TestHLS(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		id, admin, carol, m := hlsLibrary(t, s)
		master, session := s.transcodingURL(id, admin)
		if !strings.Contains(master, "SegmentContainer=ts") {
			t.Errorf("TranscodingUrl %s does not ask for MPEG-TS", master)
		}
		resp, body := s.get("GET", master)
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-mpegURL" || len(lines) != 3 || lines[0] != "#EXTM3U" ||
			!streamInf.MatchString(lines[1]) || !strings.HasPrefix(lines[2], "main.m3u8?") || !strings.Contains(lines[2], "api_key="+admin) {
			t.Fatalf("master playlist %d %v:\n%s", resp.StatusCode, resp.Header, body)
		}
		if resp, _ := s.get("HEAD", master); resp.StatusCode != 200 {
			t.Errorf("HEAD master: %d", resp.StatusCode)
		}
		base, _ := url.Parse(s.url + master)
		mainURL, _ := base.Parse(lines[2])
		resp, body = s.get("GET", mainURL.RequestURI())
		if resp.StatusCode != 200 {
			t.Fatalf("main playlist %d %s", resp.StatusCode, body)
		}
		lines = strings.Split(strings.TrimSpace(string(body)), "\n")
		head := "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0"
		if !strings.HasPrefix(string(body), head) || lines[len(lines)-1] != "#EXT-X-ENDLIST" || len(lines) != 5+2*4+1 {
			t.Fatalf("main playlist:\n%s", body)
		}
		var at int64
		for n := range 4 {
			extinf, uri := lines[5+2*n], lines[6+2*n]
			d, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(extinf, "#EXTINF:"), ", nodesc"), 64)
			if err != nil || (n < 3 && d != 6) || (n == 3 && (d < 1.9 || d > 2.2)) {
				t.Errorf("segment %d: %q", n, extinf)
			}
			m := segmentURI.FindStringSubmatch(uri)
			if m == nil || m[1] != strconv.Itoa(n) {
				t.Fatalf("segment %d: %q", n, uri)
			}
			q, _ := url.ParseQuery(m[2])
			ticks := strconv.FormatInt(int64(d*1e7+0.5), 10)
			if q.Get("api_key") != admin || q.Get("playsessionid") != session || q.Get("runtimeTicks") != strconv.FormatInt(at, 10) ||
				q.Get("actualSegmentLengthTicks") != ticks {
				t.Errorf("segment %d query %v", n, q)
			}
			at += int64(d*1e7 + 0.5)
			segURL, _ := mainURL.Parse(uri)
			resp, seg := s.get("GET", segURL.RequestURI())
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp2t" {
				t.Fatalf("segment %d: %d %s", n, resp.StatusCode, seg)
			}
			if got := probeCodecs(t, seg); got != "h264,aac" {
				t.Errorf("segment %d holds %s", n, got)
			}
		}
		segURL, _ := mainURL.Parse(lines[6])
		// Another user's library: not found, like an unknown item.
		q := segURL.Query()
		q.Set("api_key", carol)
		if resp, _ := s.get("GET", segURL.Path+"?"+q.Encode()); resp.StatusCode != 404 {
			t.Errorf("a segment of an item carol may not see: %d", resp.StatusCode)
		}
		if resp, _ := s.get("GET", strings.Replace(segURL.RequestURI(), "/0.ts", "/0.mp4", 1)); resp.StatusCode != 404 {
			t.Errorf("an fMP4 segment: %d", resp.StatusCode)
		}
		if resp, _ := s.get("GET", strings.Replace(segURL.RequestURI(), "/0.ts", "/9.ts", 1)); resp.StatusCode != 404 {
			t.Errorf("a segment past the end: %d", resp.StatusCode)
		}
		if m.Jobs() != 1 {
			t.Errorf("%d jobs", m.Jobs())
		}

		// Stopping playback ends the job.
		s.expect(req{"POST", "/Sessions/Playing/Stopped", map[string]any{"ItemId": id, "PlaySessionId": session, "PositionTicks": 0},
			as(admin)}, 204, nil)
		if m.Jobs() != 0 {
			t.Errorf("%d jobs after playback stopped", m.Jobs())
		}
		// So does DELETE /Videos/ActiveEncodings.
		if resp, body := s.get("GET", segURL.RequestURI()); resp.StatusCode != 200 || m.Jobs() != 1 {
			t.Fatalf("again: %d %s, %d jobs", resp.StatusCode, body, m.Jobs())
		}
		s.expect(req{"DELETE", "/Videos/ActiveEncodings?deviceId=dev-1&playSessionId=" + session, nil, as(admin)}, 204, nil)
		if m.Jobs() != 0 || m.Running() != 0 {
			t.Errorf("%d jobs, %d processes after DELETE ActiveEncodings", m.Jobs(), m.Running())
		}
		s.expect(req{"DELETE", "/Videos/ActiveEncodings", nil, as(admin)}, 400, nil)
	})
}

func probeCodecs(t testing.TB, seg []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seg.ts")
	if err := os.WriteFile(path, seg, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var p struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
		}
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range p.Streams {
		names = append(names, s.CodecName)
	}
	return strings.Join(names, ",")
}

// BenchmarkPlaybackToFirstSegment measures what a player waits before the
// picture starts on a transcode: PlaybackInfo, the master and main
// playlists, then the first segment (a new play session, so a new ffmpeg,
// each time), on each engine.
func BenchmarkPlaybackToFirstSegment(b *testing.B) {
	for name, provider := range engines {
		b.Run(name, func(b *testing.B) {
			s := newTestServer(b, provider(b), nil)
			id, admin, _, m := hlsLibrary(b, s)
			b.ResetTimer()
			for range b.N {
				master, session := s.transcodingURL(id, admin)
				_, body := s.get("GET", master)
				lines := strings.Split(strings.TrimSpace(string(body)), "\n")
				base, _ := url.Parse(s.url + master)
				mainURL, _ := base.Parse(lines[len(lines)-1])
				_, body = s.get("GET", mainURL.RequestURI())
				var first string
				for l := range strings.SplitSeq(string(body), "\n") {
					if strings.HasPrefix(l, "hls1/") {
						first = l
						break
					}
				}
				segURL, _ := mainURL.Parse(first)
				resp, seg := s.get("GET", segURL.RequestURI())
				if resp.StatusCode != 200 || len(seg) == 0 {
					b.Fatalf("first segment: %d", resp.StatusCode)
				}
				b.StopTimer()
				if err := m.Stop(context.Background(), session, ""); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/first-segment")
		})
	}
}
