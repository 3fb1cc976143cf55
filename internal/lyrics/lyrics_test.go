package lyrics

import (
	"reflect"
	"testing"
)

func ptr(v int64) *int64 { return &v }

func TestLRC(t *testing.T) {
	text := "\uFEFF[ar:The Oscillators]\r\n[ti:440 Hertz]\r\n" +
		"[00:12.50]Première ligne\r\n" +
		"[00:05.00][00:20.1]Refrain\r\n" +
		"[00:25.00]\r\n" +
		"an untimed line\r\n" +
		"[01:02:03]Fin"
	got, ok := Parse("song.lrc", text)
	if !ok {
		t.Fatal("no lyrics")
	}
	want := []Line{
		{Text: "Refrain", Start: ptr(50_000_000), Cues: []Cue{{0, 7, 50_000_000, ptr(125_000_000)}}},
		{Text: "Première ligne", Start: ptr(125_000_000), Cues: []Cue{{0, 14, 125_000_000, ptr(201_000_000)}}},
		{Text: "Refrain", Start: ptr(201_000_000), Cues: []Cue{{0, 7, 201_000_000, ptr(250_000_000)}}},
		{Text: "", Start: ptr(250_000_000)},
		{Text: "Fin", Start: ptr(620_300_000), Cues: []Cue{{0, 3, 620_300_000, nil}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n%+v\nwant\n%+v", got, want)
	}
}

// Enhanced LRC: a cue per timed word, the last until the next line.
func TestEnhancedLRC(t *testing.T) {
	got, ok := Parse("song.elrc", "[00:01.00]<00:01.00>Hello <00:01.50>wörld\n[00:03.00]Next")
	if !ok {
		t.Fatal("no lyrics")
	}
	want := []Line{
		{Text: "Hello wörld", Start: ptr(10_000_000), Cues: []Cue{{0, 6, 10_000_000, ptr(15_000_000)}, {6, 11, 15_000_000, ptr(30_000_000)}}},
		{Text: "Next", Start: ptr(30_000_000), Cues: []Cue{{0, 4, 30_000_000, nil}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n%+v\nwant\n%+v", got, want)
	}
}

// Plain text, and an .lrc with no time at all, are untimed lines; an
// empty file is no lyrics.
func TestPlain(t *testing.T) {
	for _, name := range []string{"song.txt", "song.lrc"} {
		got, ok := Parse(name, "First line  \r\n\r\n  Second")
		want := []Line{{Text: "First line"}, {Text: ""}, {Text: "Second"}}
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v %v", name, got, ok)
		}
	}
	if _, ok := Parse("song.txt", " \n "); ok {
		t.Error("blank lyrics read as lyrics")
	}
}
