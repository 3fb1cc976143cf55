package jellyfin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/subtitle"
)

// subtitleSRT is the external .en.srt of the subtitled clip: a BOM, CRLF
// line ends and a cue number missing.
const subtitleSRT = "\xEF\xBB\xBF1\r\n00:00:00,500 --> 00:00:01,500\r\nHello\r\n\r\n00:00:02,000 --> 00:00:03,500\r\n<i>World</i>\r\n"

// subClip is a scanned film with subtitles inside and beside it.
type subClip struct {
	id, dir          string
	admin, carol     string
	streams          []media.MediaStream
	embedded         int // the mkv's subrip stream
	srt, vtt, ass    int // the external files' streams
	badAss           int // an .ass file ffmpeg cannot read
	srtPath, vttPath string
}

// subtitleLibrary makes a three-second mkv with an embedded subrip stream,
// external .en.srt, .fr.forced.vtt and .de.ass files (and a broken
// .es.ass), scans it, and returns where its streams are.
func subtitleLibrary(t *testing.T, s *testServer) *subClip {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	dir := filepath.Join(root, "Subbed (2020)")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inner := filepath.Join(root, "inner.srt")
	if err := os.WriteFile(inner, []byte("1\n00:00:01,000 --> 00:00:02,000\nInside the file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ff := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, out)
		}
	}
	ff("-f", "lavfi", "-i", "testsrc=size=160x90:rate=10", "-f", "lavfi", "-i", "sine", "-i", inner, "-t", "3",
		"-map", "0:v", "-map", "1:a", "-map", "2:s", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-c:s", "srt",
		"-metadata:s:s:0", "language=eng", filepath.Join(dir, "Subbed (2020).mkv"))
	c := &subClip{dir: dir}
	c.srtPath = write("Subbed (2020).en.srt", subtitleSRT)
	c.vttPath = write("Subbed (2020).fr.forced.vtt", "WEBVTT\n\n00:00.250 --> 00:01.000\nBonjour\n")
	ff("-i", inner, filepath.Join(dir, "Subbed (2020).de.ass"))
	write("Subbed (2020).es.ass", "this is not a subtitle file at all\x00\x01")

	c.id, c.admin, c.carol = oneFilmLibrary(t, s, "Subbed", root)
	id, _ := media.ParseID(c.id)
	var err error
	if c.streams, err = s.store.ItemStreams(ctx, id); err != nil {
		t.Fatal(err)
	}
	for _, m := range c.streams {
		switch {
		case m.StreamType == media.StreamSubtitle && !m.IsExternal:
			c.embedded = m.StreamIndex
		case strings.HasSuffix(m.Path, ".en.srt"):
			c.srt = m.StreamIndex
		case strings.HasSuffix(m.Path, ".vtt"):
			c.vtt = m.StreamIndex
		case strings.HasSuffix(m.Path, ".de.ass"):
			c.ass = m.StreamIndex
		case strings.HasSuffix(m.Path, ".es.ass"):
			c.badAss = m.StreamIndex
		}
	}
	if len(c.streams) != 7 || c.embedded != 2 || c.srt == 0 || c.vtt == 0 || c.ass == 0 || c.badAss == 0 {
		t.Fatalf("streams of the subtitled clip: %+v", c.streams)
	}
	return c
}

func (c *subClip) url(index int, rest string) string {
	return "/Videos/" + c.id + "/" + c.id + "/Subtitles/" + itoa(index) + "/" + rest
}

func TestSubtitleDelivery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		c := subtitleLibrary(t, s)
		key := "?api_key=" + c.admin
		get := func(path string, status int, ctype string) string {
			t.Helper()
			resp, body := s.get("GET", path)
			if resp.StatusCode != status {
				t.Fatalf("%s: %d %s, want %d", path, resp.StatusCode, body, status)
			}
			if ctype != "" && resp.Header.Get("Content-Type") != ctype {
				t.Errorf("%s: Content-Type %q, want %q", path, resp.Header.Get("Content-Type"), ctype)
			}
			return string(body)
		}
		const vttType = "text/vtt; charset=utf-8"

		// The external .srt, converted in Go.
		want := "WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nHello\n\n00:00:02.000 --> 00:00:03.500\n<i>World</i>\n"
		for _, p := range []string{c.url(c.srt, "0/Stream.vtt"), c.url(c.srt, "Stream.vtt"), strings.ToLower(c.url(c.srt, "0/stream.VTT")),
			"/Videos/" + c.id + "/" + strings.ToUpper(c.id) + "/Subtitles/" + itoa(c.srt) + "/Stream.webvtt"} {
			if got := get(p+key, 200, vttType); got != want {
				t.Errorf("%s: %q", p, got)
			}
		}
		// From a start position: cues move back, one on screen is cut.
		if got := get(c.url(c.srt, "10000000/Stream.vtt")+key, 200, vttType); got !=
			"WEBVTT\n\n00:00:00.000 --> 00:00:00.500\nHello\n\n00:00:01.000 --> 00:00:02.500\n<i>World</i>\n" {
			t.Errorf("from 1 s: %q", got)
		}
		if got := get(c.url(c.srt, "Stream.vtt")+key+"&startPositionTicks=18000000&copyTimestamps=true", 200, vttType); got !=
			"WEBVTT\n\n00:00:02.000 --> 00:00:03.500\n<i>World</i>\n" {
			t.Errorf("from 1.8 s, times kept: %q", got)
		}
		if got := get(c.url(c.srt, "0/Stream.vtt")+key+"&endPositionTicks=10000000", 200, vttType); strings.Contains(got, "World") || !strings.Contains(got, "Hello") {
			t.Errorf("up to 1 s: %q", got)
		}
		if got := get(c.url(c.srt, "0/Stream.vtt")+key+"&addVttTimeMap=true", 200, vttType); !strings.HasPrefix(got, "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n") {
			t.Errorf("with the time map: %q", got)
		}
		// SRT asked of an .srt: the file as it is; of a start position: rewritten.
		if got := get(c.url(c.srt, "0/Stream.srt")+key, 200, "application/x-subrip; charset=utf-8"); got != subtitleSRT {
			t.Errorf("the .srt as srt: %q", got)
		}
		if got := get(c.url(c.srt, "10000000/Stream.srt")+key, 200, ""); got != "1\n00:00:00,000 --> 00:00:00,500\nHello\n\n2\n00:00:01,000 --> 00:00:02,500\n<i>World</i>\n" {
			t.Errorf("the .srt as srt from 1 s: %q", got)
		}
		// As jellyfin-web's player asks (Stream.js): Jellyfin's JSON track
		// events, ticks and lines as it writes them.
		const jsonType = "application/json; charset=utf-8"
		if got := get(c.url(c.srt, "0/Stream.js")+key, 200, jsonType); got !=
			`{"TrackEvents":[{"Id":"1","Text":"Hello","StartPositionTicks":5000000,"EndPositionTicks":15000000},`+
				`{"Id":"2","Text":"<i>World</i>","StartPositionTicks":20000000,"EndPositionTicks":35000000}]}`+"\n" {
			t.Errorf("the .srt as js: %q", got)
		}
		if got := get(c.url(c.srt, "10000000/Stream.js")+key, 200, jsonType); !strings.Contains(got,
			`{"Id":"1","Text":"Hello","StartPositionTicks":0,"EndPositionTicks":5000000}`) {
			t.Errorf("the .srt as js from 1 s: %q", got)
		}
		if got := get(c.url(c.ass, "0/Stream.js")+key, 200, jsonType); got !=
			`{"TrackEvents":[{"Id":"1","Text":"Inside the file","StartPositionTicks":10000000,"EndPositionTicks":20000000}]}`+"\n" {
			t.Errorf("the .ass as js (through ffmpeg): %q", got)
		}
		// The external .vtt as it is.
		vtt, _ := os.ReadFile(c.vttPath)
		if got := get(c.url(c.vtt, "0/Stream.vtt")+key, 200, vttType); got != string(vtt) {
			t.Errorf("the .vtt: %q", got)
		}
		// The .ass file and the stream inside the mkv, through ffmpeg.
		if got := get(c.url(c.ass, "0/Stream.vtt")+key, 200, vttType); !strings.HasPrefix(got, "WEBVTT") || !strings.Contains(got, "00:01.000 --> 00:02.000") ||
			!strings.Contains(got, "Inside the file") {
			t.Errorf("the .ass as vtt: %q", got)
		}
		if got := get(c.url(c.ass, "0/Stream.ass")+key, 200, "text/x-ssa; charset=utf-8"); !strings.HasPrefix(got, "[Script Info]") {
			t.Errorf("the .ass as ass: %q", got)
		}
		whole := get(c.url(c.embedded, "0/Stream.vtt")+key, 200, vttType)
		cues := subtitle.Read(whole)
		if len(cues) != 1 || cues[0].Text[0] != "Inside the file" || cues[0].Start < time.Second {
			t.Fatalf("the embedded stream: %q", whole)
		}
		// (The muxer put the cue a little after 1 s, behind the audio's
		// priming samples; what matters is that the window moves it.)
		if got := get(c.url(c.embedded, "5000000/Stream.vtt")+key, 200, vttType); got != fmt.Sprintf("WEBVTT\n\n%s --> %s\nInside the file\n",
			vttStamp(cues[0].Start-500*time.Millisecond), vttStamp(cues[0].End-500*time.Millisecond)) {
			t.Errorf("the embedded stream from 0.5 s: %q after %q", got, whole)
		}

		// Errors.
		if got := get(c.url(c.badAss, "0/Stream.vtt")+key, 400, ""); !strings.Contains(got, "ffmpeg could not convert") {
			t.Errorf("a broken .ass: %q", got)
		}
		for _, e := range []struct {
			path   string
			status int
		}{
			{c.url(c.srt, "0/Stream.vtt"), 401},
			{c.url(c.srt, "0/Stream.vtt?api_key="+c.carol), 404},
			{c.url(0, "0/Stream.vtt"+key), 404},  // the video stream
			{c.url(99, "0/Stream.vtt"+key), 404}, // no such stream
			{c.url(c.srt, "0/Stream.docx"+key), 400},
			{c.url(c.srt, "0/Other.vtt"+key), 404},
			{c.url(c.srt, "-5/Stream.vtt"+key), 400},
			{"/Videos/" + c.id + "/" + media.NewID().String() + "/Subtitles/" + itoa(c.srt) + "/0/Stream.vtt" + key, 404},
			{"/Videos/" + c.id + "/" + c.id + "/Subtitles/x/0/Stream.vtt" + key, 400},
		} {
			if resp, body := s.get("GET", e.path); resp.StatusCode != e.status {
				t.Errorf("%s: %d %s, want %d", e.path, resp.StatusCode, body, e.status)
			}
		}
		// A picture subtitle cannot become text.
		id, _ := media.ParseID(c.id)
		if _, err := s.store.DB().Write.Exec(s.store.DB().Rebind(`UPDATE "MediaStreamInfos" SET "Codec" = 'PGSSUB' WHERE "ItemId" = ? AND "StreamIndex" = ?`),
			database.GUID(id), c.embedded); err != nil {
			t.Fatal(err)
		}
		if got := get(c.url(c.embedded, "0/Stream.vtt")+key, 400, ""); !strings.Contains(got, "pictures") {
			t.Errorf("a picture subtitle: %q", got)
		}
		// A subtitle file gone since the scan.
		if err := os.Remove(c.vttPath); err != nil {
			t.Fatal(err)
		}
		get(c.url(c.vtt, "0/Stream.vtt")+key, 404, "")
	})
}

func vttStamp(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}

// TestStreamPreferences: the subtitles a film starts with follow the
// user's subtitle mode and language, in PlaybackInfo and in the item's
// detail (where players fill their pickers from), until the user picks
// one while playing, which is remembered; the request's own choice wins.
func TestStreamPreferences(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		c := subtitleLibrary(t, s)
		admin := as(c.admin)
		defaults := func(path string) (audio, sub *int) {
			t.Helper()
			var info PlaybackInfoIn
			s.expect(req{"POST", path, map[string]any{"DeviceProfile": nothingProfile}, admin}, 200, &info)
			if len(info.MediaSources) != 1 {
				t.Fatalf("%s: %+v", path, info)
			}
			return info.MediaSources[0].DefaultAudioStreamIndex, info.MediaSources[0].DefaultSubtitleStreamIndex
		}
		wantSub := func(what string, want *int) {
			t.Helper()
			audio, sub := defaults("/Items/" + c.id + "/PlaybackInfo")
			var detail struct{ MediaSources []MediaSourceIn }
			s.expect(req{"GET", "/Items/" + c.id, nil, admin}, 200, &detail)
			if audio == nil || *audio != 1 {
				t.Errorf("%s: default audio %v, want the only one (1)", what, audio)
			}
			if !equalInt(sub, want) {
				t.Errorf("%s: PlaybackInfo's default subtitles %v, want %v", what, show(sub), show(want))
			}
			if len(detail.MediaSources) != 1 || !equalInt(detail.MediaSources[0].DefaultSubtitleStreamIndex, want) {
				t.Errorf("%s: the detail's default subtitles %+v, want %v", what, detail.MediaSources, show(want))
			}
		}
		configure := func(cfg map[string]any) {
			t.Helper()
			s.expect(req{"POST", "/Users/Configuration", cfg, admin}, 204, nil)
		}
		configure(map[string]any{"SubtitleMode": "Always", "SubtitleLanguagePreference": "German"})
		wantSub("always German", &c.ass)
		configure(map[string]any{"SubtitleMode": "OnlyForced", "SubtitleLanguagePreference": "fre"})
		wantSub("only forced French", &c.vtt)
		configure(map[string]any{"SubtitleMode": "None", "SubtitleLanguagePreference": "fre"})
		wantSub("none", nil)
		if _, sub := defaults("/Items/" + c.id + "/PlaybackInfo?SubtitleStreamIndex=" + itoa(c.srt)); !equalInt(sub, &c.srt) {
			t.Errorf("the request's choice: %v, want %d", show(sub), c.srt)
		}

		// Picked while playing: remembered over the language.
		configure(map[string]any{"SubtitleMode": "Always", "SubtitleLanguagePreference": "ger"})
		s.expect(req{"POST", "/Sessions/Playing/Progress", map[string]any{"ItemId": c.id, "PositionTicks": 1e7,
			"AudioStreamIndex": 1, "SubtitleStreamIndex": c.srt}, admin}, 204, nil)
		wantSub("remembered", &c.srt)
		// Not when the user asks not to be remembered.
		configure(map[string]any{"SubtitleMode": "Always", "SubtitleLanguagePreference": "ger", "RememberSubtitleSelections": false})
		wantSub("not remembered", &c.ass)
	})
}

func equalInt(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func show(p *int) string {
	if p == nil {
		return "none"
	}
	return itoa(*p)
}
