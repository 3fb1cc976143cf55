package media

import (
	"testing"
	"time"
)

func TestUpdatePlayState(t *testing.T) {
	const sec = TicksPerSecond
	const movie = 6000 * sec // 100 minutes
	pct := func(p float64) int64 { return int64(p / 100 * movie) }
	clip := 1
	trailer := ExtraTypeTrailer
	strict := DefaultResumeConfig
	strict.MaxResumePct = 100
	for _, c := range []struct {
		name      string
		cfg       ResumeConfig
		item      Playable
		pos       *int64
		wantPos   int64
		played    bool // the played flag afterwards (it starts false)
		completed bool
	}{
		{"zero position", DefaultResumeConfig, Playable{ItemTypeMovie, movie, nil}, ptr(0), 0, false, false},
		{"just below min pct", DefaultResumeConfig, Playable{ItemTypeMovie, movie, nil}, ptr(pct(5) - 1), 0, false, false},
		{"at min pct", DefaultResumeConfig, Playable{ItemTypeMovie, movie, nil}, ptr(pct(5)), pct(5), false, false},
		{"middle", DefaultResumeConfig, Playable{ItemTypeEpisode, movie, nil}, ptr(pct(50)), pct(50), false, false},
		{"at max pct", DefaultResumeConfig, Playable{ItemTypeMovie, movie, nil}, ptr(pct(90)), pct(90), false, false},
		{"just above max pct", DefaultResumeConfig, Playable{ItemTypeMovie, movie, nil}, ptr(pct(90) + 1), 0, true, true},
		{"past the end", DefaultResumeConfig, Playable{ItemTypeMovie, movie, nil}, ptr(movie + sec), 0, true, true},
		{"last second", strict, Playable{ItemTypeMovie, movie, nil}, ptr(movie - sec), 0, true, true},
		{"before the last second", strict, Playable{ItemTypeMovie, movie, nil}, ptr(movie - sec - 1), movie - sec - 1, false, false},
		{"short item in the middle", DefaultResumeConfig, Playable{ItemTypeMovie, 299 * sec, nil}, ptr(150 * sec), 0, true, true},
		{"min duration item in the middle", DefaultResumeConfig, Playable{ItemTypeMovie, 300 * sec, nil}, ptr(150 * sec), 150 * sec, false, false},
		{"short item at the start", DefaultResumeConfig, Playable{ItemTypeMovie, 299 * sec, nil}, ptr(sec), 0, false, false},
		{"no runtime", DefaultResumeConfig, Playable{ItemTypeMovie, 0, nil}, ptr(10 * sec), 0, true, true},
		{"no position reported", DefaultResumeConfig, Playable{ItemTypeMovie, movie, nil}, nil, 0, true, true},
		{"song in the middle", DefaultResumeConfig, Playable{ItemTypeAudio, 200 * sec, nil}, ptr(100 * sec), 0, true, true},
		{"song at the start", DefaultResumeConfig, Playable{ItemTypeAudio, 200 * sec, nil}, ptr(sec), 0, false, false},
		{"trailer extra", DefaultResumeConfig, Playable{ItemTypeMovie, movie, &trailer}, ptr(pct(50)), 0, false, false},
		{"clip extra", DefaultResumeConfig, Playable{ItemTypeMovie, movie, &clip}, ptr(pct(50)), pct(50), false, false},
		{"audiobook before min minutes", DefaultResumeConfig, Playable{ItemTypeAudioBook, 3600 * sec, nil}, ptr(300*sec - 1), 0, false, false},
		{"audiobook at min minutes", DefaultResumeConfig, Playable{ItemTypeAudioBook, 3600 * sec, nil}, ptr(300 * sec), 300 * sec, false, false},
		{"audiobook 5 minutes left", DefaultResumeConfig, Playable{ItemTypeAudioBook, 3600 * sec, nil}, ptr(3300 * sec), 3300 * sec, false, false},
		{"audiobook under 5 minutes left", DefaultResumeConfig, Playable{ItemTypeAudioBook, 3600 * sec, nil}, ptr(3300*sec + 1), 0, true, true},
		{"audiobook 99% of a short one", DefaultResumeConfig, Playable{ItemTypeAudioBook, 600 * sec, nil}, ptr(594 * sec), 0, true, true},
		{"book anywhere", DefaultResumeConfig, Playable{ItemTypeBook, movie, nil}, ptr(pct(99)), pct(99), false, false},
		{"folder", DefaultResumeConfig, Playable{ItemTypeSeries, movie, nil}, ptr(pct(95)), 0, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &UserData{PlaybackPositionTicks: 42}
			completed := UpdatePlayState(c.cfg, c.item, d, c.pos)
			if d.PlaybackPositionTicks != c.wantPos || d.Played != c.played || completed != c.completed {
				t.Errorf("position %d played %v completed %v; want %d %v %v", d.PlaybackPositionTicks, d.Played, completed, c.wantPos, c.played, c.completed)
			}
		})
	}
}

func TestStartAndStop(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	movie := Playable{ItemTypeMovie, 6000 * TicksPerSecond, nil}
	d := &UserData{Played: true, PlayCount: 3}
	StartPlay(movie, d, now)
	if d.PlayCount != 4 || d.Played || d.LastPlayedDate == nil || !d.LastPlayedDate.Equal(now) {
		t.Errorf("start of a film: %+v", d)
	}
	song := Playable{ItemTypeAudio, 200 * TicksPerSecond, nil}
	s := &UserData{}
	StartPlay(song, s, now)
	if s.PlayCount != 1 || !s.Played {
		t.Errorf("start of a song counts it played: %+v", s)
	}

	pos := int64(3000 * TicksPerSecond)
	f := &UserData{PlaybackPositionTicks: 7, PlayCount: 1}
	if StopPlay(DefaultResumeConfig, movie, f, &pos, true) || f.PlaybackPositionTicks != 7 || f.PlayCount != 1 {
		t.Errorf("a failed playback changed the state: %+v", f)
	}
	if StopPlay(DefaultResumeConfig, movie, f, &pos, false) || f.PlaybackPositionTicks != pos || f.Played {
		t.Errorf("stop in the middle: %+v", f)
	}
	if !StopPlay(DefaultResumeConfig, movie, f, nil, false) || f.PlaybackPositionTicks != 0 || !f.Played || f.PlayCount != 2 {
		t.Errorf("stop without a position: %+v", f)
	}

	a, sub := 1, 3
	r := &UserData{AudioStreamIndex: &sub}
	RememberStreams(r, true, false, &a, &sub)
	if r.AudioStreamIndex == nil || *r.AudioStreamIndex != 1 || r.SubtitleStreamIndex != nil {
		t.Errorf("remembered streams %+v", r)
	}
}

func ptr(v int64) *int64 { return &v }
