package subtitle

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func vtt(t *testing.T, cues []Cue) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteVTT(&b, cues); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSRTToVTT(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"plain", "1\n00:00:01,000 --> 00:00:02,500\nHello\nthere\n\n2\n00:00:03,000 --> 00:00:04,000\nBye\n",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\nthere\n\n00:00:03.000 --> 00:00:04.000\nBye\n"},
		{"BOM and CRLF", "\xEF\xBB\xBF1\r\n00:00:01,000 --> 00:00:02,000\r\nHi\r\n\r\n",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"},
		{"CR only", "1\r00:00:01,000 --> 00:00:02,000\rHi\r\r",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"},
		{"no cue numbers, blank lines around", "\n\n00:00:01,000 --> 00:00:02,000\nA\n\n\n\n00:00:03,000 --> 00:00:04,000\nB\n\n\n",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n\n00:00:03.000 --> 00:00:04.000\nB\n"},
		{"no blank line between cues", "1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:03,000 --> 00:00:04,000\nB\n",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n\n00:00:03.000 --> 00:00:04.000\nB\n"},
		{"short fractions, long hours, dots", "1\n0:0:1,5 --> 100:00:02.25\nA\n",
			"WEBVTT\n\n00:00:01.500 --> 100:00:02.250\nA\n"},
		{"SRT coordinates dropped", "1\n00:00:01,000 --> 00:00:02,000 X1:100 X2:200 Y1:1 Y2:2\nA\n",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n"},
		{"malformed cues skipped", "1\n00:00:xx,000 --> 00:00:02,000\nbad start\n\n2\n00:00:05,000 --> 00:00:04,000\nends first\n\n3\n00:00:06,000 --> 00:00:07,000\n\n4\n00:01:00,000 --> 00:01:01,000\nGood\n\ngarbage\n",
			"WEBVTT\n\n00:01:00.000 --> 00:01:01.000\nGood\n"},
		{"tags", "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<font color=\"#ff0000\"><i>Red</i></font> --> here\n",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<i>Red</i> --&gt; here\n"},
		{"Windows-1252", "1\n00:00:01,000 --> 00:00:02,000\nCaf\xe9 \x93quoted\x94\n",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nCafé “quoted”\n"},
		{"UTF-16", string(utf16LE("1\r\n00:00:01,000 --> 00:00:02,000\r\nÉté\r\n")),
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nÉté\n"},
		{"empty", "", "WEBVTT\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := vtt(t, Read(Decode([]byte(c.in)))); got != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func utf16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

func TestReadVTT(t *testing.T) {
	in := "WEBVTT - a title\n\nNOTE a comment\nover lines\n\nSTYLE\n::cue { color: red }\n\nintro\n00:01.000 --> 00:02.000 align:start  line:10%\nFirst\n\n00:00:03.000 --> 00:00:04.000\nSecond\n"
	cues := Read(Decode([]byte(in)))
	want := "WEBVTT\n\n00:00:01.000 --> 00:00:02.000 align:start line:10%\nFirst\n\n00:00:03.000 --> 00:00:04.000\nSecond\n"
	if got := vtt(t, cues); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestWindow(t *testing.T) {
	s := time.Second
	cues := []Cue{{Start: 1 * s, End: 2 * s, Text: []string{"a"}}, {Start: 3 * s, End: 6 * s, Text: []string{"b"}},
		{Start: 7 * s, End: 8 * s, Text: []string{"c"}}, {Start: 20 * s, End: 21 * s, Text: []string{"d"}}}
	got := Window(cues, 4*s, 0, false)
	if len(got) != 3 || got[0].Start != 0 || got[0].End != 2*s || got[1].Start != 3*s || got[2].Start != 16*s {
		t.Errorf("from 4s: %+v", got)
	}
	if got := Window(cues, 4*s, 10*s, true); len(got) != 2 || got[0].Start != 3*s || got[1].End != 8*s {
		t.Errorf("4s to 10s, times kept: %+v", got)
	}
	if got := Window(cues, 0, 0, false); len(got) != 4 || got[0].Start != s {
		t.Errorf("everything: %+v", got)
	}
	if got := Window(cues, time.Hour, 0, false); len(got) != 0 {
		t.Errorf("after the end: %+v", got)
	}
}

func TestWriteSRT(t *testing.T) {
	var b bytes.Buffer
	cues := Read(Decode([]byte("WEBVTT\n\n00:01.000 --> 01:02:03.004\nA\nB\n\n00:05.000 --> 00:06.000\nC\n")))
	if err := WriteSRT(&b, cues); err != nil {
		t.Fatal(err)
	}
	if want := "1\n00:00:01,000 --> 01:02:03,004\nA\nB\n\n2\n00:00:05,000 --> 00:00:06,000\nC\n"; b.String() != want {
		t.Errorf("got %q", b.String())
	}
}

// Extract with the real ffmpeg: an .ass file and the subrip stream of an
// mkv become WebVTT; a stream that is not there is a clear error.
func TestWriteJSON(t *testing.T) {
	cues := []Cue{
		{Start: 1500 * time.Millisecond, End: 3 * time.Second, Text: []string{"<font color=red>Two</font>", "lines & <i>more</i>"}},
		{Start: time.Hour, End: time.Hour + time.Second, Text: []string{"{\\an8}Top"}},
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, cues); err != nil {
		t.Fatal(err)
	}
	want := `{"TrackEvents":[{"Id":"1","Text":"Two\nlines & <i>more</i>","StartPositionTicks":15000000,"EndPositionTicks":30000000},` +
		`{"Id":"2","Text":"Top","StartPositionTicks":36000000000,"EndPositionTicks":36010000000}]}` + "\n"
	if b.String() != want {
		t.Errorf("WriteJSON:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteJSON(&b, nil); err != nil || b.String() != `{"TrackEvents":[]}`+"\n" {
		t.Errorf("no cues: %q %v", b.String(), err)
	}
}

func TestExtract(t *testing.T) {
	dir := t.TempDir()
	srt := filepath.Join(dir, "in.srt")
	if err := os.WriteFile(srt, []byte("1\n00:00:00,500 --> 00:00:01,500\nEmbedded words\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, out)
		}
	}
	ass := filepath.Join(dir, "in.ass")
	run("-i", srt, ass)
	mkv := filepath.Join(dir, "v.mkv")
	run("-f", "lavfi", "-t", "2", "-i", "testsrc=size=64x36:rate=5", "-i", srt, "-map", "0", "-map", "1", "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "srt", mkv)
	ctx := context.Background()
	for _, c := range []struct {
		path  string
		index int
	}{{ass, 0}, {mkv, 1}} {
		b, err := Extract(ctx, "ffmpeg", c.path, c.index, "vtt")
		if err != nil {
			t.Fatal(err)
		}
		cues := Read(Decode(b))
		if !strings.HasPrefix(string(b), "WEBVTT") || len(cues) != 1 || cues[0].Text[0] != "Embedded words" || cues[0].Start != 500*time.Millisecond {
			t.Errorf("%s: %q", c.path, b)
		}
	}
	if _, err := Extract(ctx, "ffmpeg", mkv, 7, "vtt"); err == nil || !strings.Contains(err.Error(), "stream 7") {
		t.Errorf("missing stream: %v", err)
	}
	if _, err := Extract(ctx, "ffmpeg", mkv, 0, "vtt"); err == nil {
		t.Errorf("a video stream as subtitles: no error")
	}
	if _, err := Extract(ctx, "ffmpeg", mkv, 1, "docx"); err == nil {
		t.Errorf("unknown format: no error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Extract(cancelled, "ffmpeg", mkv, 1, "vtt"); err == nil {
		t.Errorf("cancelled: no error")
	}
}

// BenchmarkSRTToVTT converts a film's worth of SubRip (1,500 cues).
func BenchmarkSRTToVTT(b *testing.B) {
	var in strings.Builder
	for i := range 1500 {
		s := time.Duration(i) * 4 * time.Second
		in.WriteString(strconv.Itoa(i+1) + "\r\n" + stamp(s, ',') + " --> " + stamp(s+3*time.Second, ',') + "\r\nA line of dialogue\r\n<i>and another</i>\r\n\r\n")
	}
	raw := []byte(in.String())
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var out bytes.Buffer
		if err := WriteVTT(&out, Window(Read(Decode(raw)), 0, 0, false)); err != nil {
			b.Fatal(err)
		}
	}
}
