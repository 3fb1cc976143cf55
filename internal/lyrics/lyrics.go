// Package lyrics reads a song's lyric file as Jellyfin 10.11's lyric
// parsers do: LRC and enhanced LRC (.lrc, .elrc) into timed lines, each
// with cues for the words or the whole line, and anything else (.txt, or
// an .lrc without a single time) into untimed lines.
package lyrics

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Line is one line of lyrics. Start is nil for untimed lyrics.
type Line struct {
	Text  string
	Start *int64 // ticks (100 ns)
	Cues  []Cue
}

// Cue times a part of a line's text, by UTF-16 positions (what the
// players' JavaScript indexes by): the word of enhanced LRC, or the whole
// line.
type Cue struct {
	Position, EndPosition int
	Start                 int64
	End                   *int64
}

const ticksPerMs = 10_000

// stampRe is one "[mm:ss.xx]" time at the start of a line (also
// "[mm:ss:xx]", "[mm:ss]", any number of fraction digits).
var stampRe = regexp.MustCompile(`^\[(\d+):(\d{1,2})(?:[.:](\d+))?\]`)

// wordRe is enhanced LRC's "<mm:ss.xx>" before a word.
var wordRe = regexp.MustCompile(`<(\d+):(\d{1,2})(?:[.:](\d+))?>`)

// Parse reads a lyric file named name with content text. ok is false when
// it holds no lyrics at all.
func Parse(name, text string) (lines []Line, ok bool) {
	text = strings.TrimPrefix(text, "\uFEFF")
	ext := strings.ToLower(name[strings.LastIndexByte(name, '.')+1:])
	if ext == "lrc" || ext == "elrc" {
		if l := parseLRC(text); len(l) > 0 {
			return l, true
		}
	}
	if strings.TrimSpace(text) == "" {
		return nil, false
	}
	// Jellyfin's TxtLyricParser: every line, trimmed, untimed.
	for _, l := range splitLines(text) {
		lines = append(lines, Line{Text: strings.TrimSpace(l)})
	}
	return lines, true
}

func splitLines(text string) []string {
	return strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
}

// stamp is one time tag, with where its text starts.
type stamp struct {
	ms  int64
	pos int // UTF-16 position in the line's text
}

// parseLRC reads the timed lines: a line may carry several times (a chorus
// sung twice) and enhanced LRC's word times; metadata tags ([ar:...]) and
// untimed lines are skipped. Lines come sorted by time, each with cues.
func parseLRC(text string) []Line {
	type timed struct {
		start int64
		text  string
		words []stamp
	}
	var all []timed
	for _, raw := range splitLines(text) {
		raw = strings.TrimSpace(raw)
		var starts []int64
		for {
			m := stampRe.FindStringSubmatch(raw)
			if m == nil {
				break
			}
			starts = append(starts, millis(m[1], m[2], m[3]))
			raw = raw[len(m[0]):]
		}
		if len(starts) == 0 {
			continue
		}
		// Enhanced LRC: the word times come out of the text and mark
		// where each word starts.
		var words []stamp
		var b strings.Builder
		rest := raw
		for {
			loc := wordRe.FindStringSubmatchIndex(rest)
			if loc == nil {
				b.WriteString(rest)
				break
			}
			b.WriteString(rest[:loc[0]])
			m := wordRe.FindStringSubmatch(rest[loc[0]:loc[1]])
			words = append(words, stamp{ms: millis(m[1], m[2], m[3]), pos: utf16Len(b.String())})
			rest = rest[loc[1]:]
		}
		line := b.String()
		for _, st := range starts {
			all = append(all, timed{start: st, text: line, words: words})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].start < all[j].start })
	out := make([]Line, len(all))
	for i, t := range all {
		var next *int64
		if i+1 < len(all) {
			n := all[i+1].start * ticksPerMs
			next = &n
		}
		// Cues as Jellyfin makes them from the time tags: the line's
		// own time marks its first character; each tag's text runs to
		// the next tag, the last one's to the end, until the next line.
		tags := append([]stamp{{ms: t.start, pos: 0}}, t.words...)
		if len(t.words) > 0 && t.words[0].pos == 0 {
			tags = t.words
		}
		n := utf16Len(t.text)
		var cues []Cue
		for k, tag := range tags {
			endPos, end := n, next
			if k+1 < len(tags) {
				endPos = tags[k+1].pos
				e := tags[k+1].ms * ticksPerMs
				end = &e
			}
			if strings.TrimSpace(utf16Slice(t.text, tag.pos, endPos)) == "" {
				continue
			}
			cues = append(cues, Cue{Position: tag.pos, EndPosition: endPos, Start: tag.ms * ticksPerMs, End: end})
		}
		start := t.start * ticksPerMs
		out[i] = Line{Text: t.text, Start: &start, Cues: cues}
	}
	return out
}

// millis reads minutes, seconds and a fraction ("5" is 500 ms, "05" 50,
// "005" 5).
func millis(min, sec, frac string) int64 {
	m, _ := strconv.ParseInt(min, 10, 64)
	s, _ := strconv.ParseInt(sec, 10, 64)
	ms := (m*60 + s) * 1000
	if frac != "" {
		frac = (frac + "00")[:3]
		f, _ := strconv.ParseInt(frac, 10, 64)
		ms += f
	}
	return ms
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func utf16Slice(s string, from, to int) string {
	u := utf16.Encode([]rune(s))
	return string(utf16.Decode(u[from:to]))
}
