package cli

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTwoReplicasHLS runs two "jellyha serve" processes on one PostgreSQL
// database, sharing one transcode directory, and plays a transcode across
// them as a load balancer without sticky sessions would: segments and
// progress reports alternate between the replicas, and one replica is
// killed (SIGKILL) while a segment request to the other depends on it,
// then started again. No request to a live replica fails, every segment
// is whole h264/aac, every acknowledged report is kept, and no ffmpeg is
// left at the end.
func TestTwoReplicasHLS(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "jellyha")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/jellyha").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	media := t.TempDir()
	film := filepath.Join(media, "Long Clip (2022)", "Long Clip (2022).avi")
	if err := os.MkdirAll(filepath.Dir(film), 0o755); err != nil {
		t.Fatal(err)
	}
	// Over 300 s, so that a position is kept (shorter items are never
	// resumed); small and at 5 frames a second, so that it encodes fast.
	if out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=5", "-f", "lavfi",
		"-i", "sine=sample_rate=22050", "-t", "330", "-c:v", "mpeg4", "-c:a", "libmp3lame", "-ac", "1", "-shortest", film).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	transcodes := t.TempDir()
	env := append(os.Environ(), pgEnv(t)...)
	env = append(env, "JELLYHA_TRANSCODE_DIR="+transcodes)
	jellyha := func(stdin string, args ...string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("jellyha %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	jellyha("", "library", "add", "Films", "--type", "movies", media)
	jellyha("", "scan")
	jellyha("pw\n", "user", "add", "ops", "--admin", "--password-stdin")

	a := startReplica(t, bin, env)
	b := startReplica(t, bin, env)
	var login struct{ AccessToken string }
	if code := a.call(t, "POST", "/Users/AuthenticateByName", "", map[string]string{"Username": "ops", "Pw": "pw"}, &login); code != 200 {
		t.Fatalf("login: %d", code)
	}
	token := login.AccessToken
	var page struct {
		Items []struct {
			ID string `json:"Id"`
		}
	}
	if code := b.call(t, "GET", "/Items?Recursive=true&IncludeItemTypes=Movie", token, nil, &page); code != 200 || len(page.Items) != 1 {
		t.Fatalf("items: %d %+v", code, page)
	}
	id := page.Items[0].ID
	profile := map[string]any{"DeviceProfile": map[string]any{"TranscodingProfiles": []map[string]string{
		{"Container": "ts", "Type": "Video", "VideoCodec": "h264", "AudioCodec": "aac", "Protocol": "hls", "Context": "Streaming"}}}}
	var info struct {
		MediaSources []struct {
			TranscodingURL string `json:"TranscodingUrl"`
		}
		PlaySessionID string `json:"PlaySessionId"`
	}
	if code := b.call(t, "POST", "/Items/"+id+"/PlaybackInfo", token, profile, &info); code != 200 || info.MediaSources[0].TranscodingURL == "" {
		t.Fatalf("PlaybackInfo: %d %+v", code, info)
	}
	get := func(r *replica, uri string) (int, []byte, error) {
		resp, err := http.Get(r.url + uri)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, body, err
	}
	mustGet := func(r *replica, uri string) []byte {
		t.Helper()
		code, body, err := get(r, uri)
		if err != nil || code != 200 {
			t.Fatalf("GET %s on %s: %d %v %s\n%s", uri, r.url, code, err, body, r.log())
		}
		return body
	}
	master := mustGet(a, info.MediaSources[0].TranscodingURL)
	base, _ := url.Parse(info.MediaSources[0].TranscodingURL)
	mainURL, _ := base.Parse(strings.TrimSpace(string(master[bytes.LastIndexByte(bytes.TrimSpace(master), '\n')+1:])))
	// main.m3u8 on A starts the job there.
	var segs []string
	for l := range strings.SplitSeq(string(mustGet(a, mainURL.RequestURI())), "\n") {
		if strings.HasPrefix(l, "hls1/") {
			u, _ := mainURL.Parse(l)
			segs = append(segs, u.RequestURI())
		}
	}
	// 330 s and the encoder's last audio frame: 55 segments and a sliver.
	if len(segs) < 55 || len(segs) > 56 {
		t.Fatalf("%d segments listed, want 55 or 56", len(segs))
	}
	progress := func(r *replica, pos int64) {
		t.Helper()
		body := map[string]any{"ItemId": id, "PlaySessionId": info.PlaySessionID, "PositionTicks": pos, "PlayMethod": "Transcode"}
		if code := r.call(t, "POST", "/Sessions/Playing/Progress", token, body, nil); code != 204 {
			t.Fatalf("progress on %s: %d\n%s", r.url, code, r.log())
		}
	}
	checkSeg := func(n int, body []byte) {
		t.Helper()
		p := filepath.Join(t.TempDir(), "seg.ts")
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", p).Output()
		// MPEG-TS lists its streams twice: as such and in their program.
		if got := strings.Join(strings.Fields(string(out)), ","); err != nil || strings.ReplaceAll(got, "h264,aac,h264,aac", "h264,aac") != "h264,aac" {
			t.Errorf("segment %d holds %q (%v)", n, got, err)
		}
	}
	if code := a.call(t, "POST", "/Sessions/Playing", token, map[string]any{"ItemId": id, "PlaySessionId": info.PlaySessionID}, nil); code != 204 {
		t.Fatalf("start: %d", code)
	}
	replicas := []*replica{a, b}
	var last int64
	for n := range 12 {
		r := replicas[n%2]
		if n == 6 {
			// B's request needs A's job: kill A while it is under way.
			// B relays to A or, A gone, takes the job over; either way the
			// request succeeds.
			done := make(chan error, 1)
			var body []byte
			go func() {
				var code int
				var err error
				code, body, err = get(b, segs[n])
				if err == nil && code != 200 {
					err = fmt.Errorf("status %d: %s", code, body)
				}
				done <- err
			}()
			time.Sleep(20 * time.Millisecond)
			if err := a.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = a.cmd.Wait()
			if err := <-done; err != nil {
				t.Fatalf("segment %d on B while A was killed: %v\n%s", n, err, b.log())
			}
			checkSeg(n, body)
			last = int64(n) * 60_000_000
			progress(b, last)
			a = startReplica(t, bin, env)
			replicas[0] = a
			continue
		}
		checkSeg(n, mustGet(r, segs[n]))
		last = int64(n) * 60_000_000
		progress(replicas[(n+1)%2], last)
	}
	// A ran the job (main.m3u8 started it there); B relayed to it, then
	// took it over when A was gone.
	if l := b.log(); !strings.Contains(l, "taking the job over") {
		t.Errorf("B never took the job over:\n%s", l)
	}
	// A jump far ahead, on the restarted A.
	checkSeg(40, mustGet(a, segs[40]))
	last = 40 * 60_000_000
	progress(b, last)
	var ud struct{ PlaybackPositionTicks int64 }
	for _, r := range []*replica{a, b} {
		if code := r.call(t, "GET", "/UserItems/"+id+"/UserData", token, nil, &ud); code != 200 || ud.PlaybackPositionTicks != last {
			t.Errorf("user data on %s: %d %+v, want position %d", r.url, code, ud, last)
		}
	}
	// Stopping on A ends the job wherever it runs; nothing is left.
	if code := a.call(t, "DELETE", "/Videos/ActiveEncodings?PlaySessionId="+info.PlaySessionID, token, nil, nil); code != 204 {
		t.Fatalf("DELETE ActiveEncodings: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := ffmpegUnder(transcodes)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d ffmpeg processes still write under %s", n, transcodes)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ffmpegUnder counts the ffmpeg processes whose command line names dir.
func ffmpegUnder(dir string) int {
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	n := 0
	for _, c := range cmdlines {
		b, err := os.ReadFile(c)
		if err != nil || !bytes.HasPrefix(b, []byte("ffmpeg")) && !bytes.Contains(b, []byte("/ffmpeg\x00")) {
			continue
		}
		if bytes.Contains(b, []byte(dir)) {
			n++
		}
	}
	return n
}
