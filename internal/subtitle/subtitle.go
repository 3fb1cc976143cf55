// Package subtitle reads text subtitles (SubRip and WebVTT) into cues and
// writes them as WebVTT, SubRip or Jellyfin's JSON track events, for
// delivering a video's subtitles to players that draw them; other formats, and streams inside a video file,
// are converted by ffmpeg (Extract).
//
// Real subtitle files are untidy: a byte-order mark, CRLF or CR line ends,
// Latin-1 instead of UTF-8, missing or repeated cue numbers, a missing blank
// line between cues, one-digit milliseconds, cues that end before they
// start. Read takes all of these; a cue whose timing cannot be read is
// skipped, never an error.
package subtitle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Cue is one subtitle: text shown from Start to End.
type Cue struct {
	Start, End time.Duration
	// Settings are a WebVTT cue's settings ("align:start line:10%"), kept
	// from WebVTT input only.
	Settings string
	Text     []string // lines
}

// Decode turns a subtitle file's bytes into UTF-8 text with "\n" line
// ends: a UTF-8 or UTF-16 byte-order mark is honoured and dropped, and
// bytes that are not UTF-8 are read as Windows-1252 (the usual encoding of
// old .srt files).
func Decode(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		big := b[0] == 0xFE
		b = b[2:]
		u := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			if big {
				u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
			} else {
				u = append(u, uint16(b[i+1])<<8|uint16(b[i]))
			}
		}
		b = []byte(string(utf16.Decode(u)))
	}
	s := string(b)
	if !utf8.ValidString(s) {
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(cp1252(c))
		}
		s = sb.String()
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// cp1252 maps a Windows-1252 byte to its rune (0x80-0x9F differ from
// Latin-1).
func cp1252(c byte) rune {
	if c < 0x80 || c >= 0xA0 {
		return rune(c)
	}
	const hi = "€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ"
	return []rune(hi)[c-0x80]
}

// Read parses SubRip or WebVTT text (as Decode returns it) into cues in
// the order they appear. Headers, NOTE, STYLE and REGION blocks, and cue
// numbers or identifiers are dropped.
func Read(text string) []Cue {
	vtt := strings.HasPrefix(strings.TrimLeft(text, "\ufeff"), "WEBVTT")
	var cues []Cue
	var cur *Cue
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if strings.Contains(line, "-->") {
			c, ok := parseTiming(line, vtt)
			if !ok {
				// Within a cue's text it is text; otherwise it is a cue
				// whose timing we cannot read, skipped whole.
				if cur != nil {
					cur.Text = append(cur.Text, line)
				}
				continue
			}
			// A cue number straight after the previous cue's text, with no
			// blank line between: it belongs to this cue, not to the text.
			if cur != nil && i > 0 && len(cur.Text) > 0 && isNumber(lines[i-1]) {
				cur.Text = cur.Text[:len(cur.Text)-1]
			}
			cues = append(cues, c)
			cur = &cues[len(cues)-1]
			continue
		}
		if strings.TrimSpace(line) == "" {
			cur = nil
			continue
		}
		if cur != nil {
			cur.Text = append(cur.Text, line)
		}
	}
	out := cues[:0]
	for _, c := range cues {
		if len(c.Text) > 0 && c.End > c.Start {
			out = append(out, c)
		}
	}
	return out
}

func isNumber(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseTiming reads "00:00:01,000 --> 00:00:02,500 [settings]".
func parseTiming(line string, vtt bool) (Cue, bool) {
	from, to, _ := strings.Cut(line, "-->")
	start, ok1 := parseTime(from)
	to = strings.TrimSpace(to)
	endText, settings, _ := strings.Cut(to, " ")
	if tab := strings.IndexByte(endText, '\t'); tab >= 0 {
		endText, settings = endText[:tab], endText[tab+1:]
	}
	end, ok2 := parseTime(endText)
	if !ok1 || !ok2 {
		return Cue{}, false
	}
	c := Cue{Start: start, End: end}
	if vtt {
		c.Settings = strings.Join(strings.Fields(settings), " ")
	}
	return c, true
}

// parseTime reads [hh:]mm:ss[,.]fff, where hours may have any number of
// digits and the fraction one to three (more are cut).
func parseTime(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	secText, frac, _ := strings.Cut(strings.ReplaceAll(parts[len(parts)-1], ",", "."), ".")
	nums := make([]string, 0, 3)
	nums = append(nums, parts[:len(parts)-1]...)
	nums = append(nums, secText)
	var total int64
	for i, p := range nums {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || n < 0 || (i > 0 && n >= 60) {
			return 0, false
		}
		total = total*60 + n
	}
	ms := int64(0)
	if frac != "" {
		if len(frac) > 3 {
			frac = frac[:3]
		}
		for len(frac) < 3 {
			frac += "0"
		}
		n, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || n < 0 {
			return 0, false
		}
		ms = n
	}
	return time.Duration(total)*time.Second + time.Duration(ms)*time.Millisecond, true
}

// Window keeps the cues shown from start on, and when end > 0 those that
// start by end. Unless keepTimes, times are moved back by start, and a cue
// already on screen at start is kept from 0 (a player that starts
// mid-file, with a subtitle stream starting there too).
func Window(cues []Cue, start, end time.Duration, keepTimes bool) []Cue {
	out := make([]Cue, 0, len(cues))
	for _, c := range cues {
		if c.End <= start || (end > 0 && c.Start > end) {
			continue
		}
		if !keepTimes {
			c.Start, c.End = max(c.Start-start, 0), c.End-start
		}
		out = append(out, c)
	}
	return out
}

// stripRe matches what SubRip files carry that WebVTT has no use for:
// <font> tags and {\an8}-style overrides.
var stripRe = regexp.MustCompile(`(?i)</?font[^>]*>|\{\\[^}]*\}`)

// WriteVTT writes cues as a WebVTT file.
func WriteVTT(w io.Writer, cues []Cue) error {
	var b bytes.Buffer
	b.WriteString("WEBVTT\n")
	for _, c := range cues {
		b.WriteString("\n")
		b.WriteString(stamp(c.Start, '.') + " --> " + stamp(c.End, '.'))
		if c.Settings != "" {
			b.WriteString(" " + c.Settings)
		}
		b.WriteString("\n")
		for _, l := range c.Text {
			l = stripRe.ReplaceAllString(l, "")
			// "-->" would end the cue text early in WebVTT.
			l = strings.ReplaceAll(l, "-->", "--&gt;")
			b.WriteString(l + "\n")
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteSRT writes cues as a SubRip file, numbered from 1.
func WriteSRT(w io.Writer, cues []Cue) error {
	var b bytes.Buffer
	for i, c := range cues {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%d\n%s --> %s\n", i+1, stamp(c.Start, ','), stamp(c.End, ','))
		for _, l := range c.Text {
			b.WriteString(l + "\n")
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteJSON writes cues as Jellyfin's "JSON Jellyfin" subtitle format,
// which jellyfin-web's player asks for (Stream.js) to draw text subtitles
// itself: {"TrackEvents": [{"Id": "1", "Text": "line\nline",
// "StartPositionTicks": n, "EndPositionTicks": n}, ...]}, ids numbered
// from 1, times in 100 ns ticks.
func WriteJSON(w io.Writer, cues []Cue) error {
	type event struct {
		ID                 string `json:"Id"`
		Text               string
		StartPositionTicks int64
		EndPositionTicks   int64
	}
	out := struct{ TrackEvents []event }{TrackEvents: make([]event, len(cues))}
	for i, c := range cues {
		lines := make([]string, len(c.Text))
		for j, l := range c.Text {
			lines[j] = stripRe.ReplaceAllString(l, "")
		}
		out.TrackEvents[i] = event{ID: strconv.Itoa(i + 1), Text: strings.Join(lines, "\n"),
			StartPositionTicks: int64(c.Start / 100), EndPositionTicks: int64(c.End / 100)}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // <i> stays <i>: the player renders it
	return enc.Encode(out)
}

// stamp writes hh:mm:ss.mmm (or with a comma for SubRip).
func stamp(d time.Duration, sep byte) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d%c%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, sep, ms%1000)
}
