package jellyfin

import (
	"net/url"
	"strings"
	"testing"
)

// browserProfile takes mp4 with h264 and aac, and HLS for everything else,
// as jellyfin-web in a browser declares.
var browserProfile = &DeviceProfile{
	DirectPlayProfiles: []DirectPlayProfile{
		{Container: "mp4,m4v", Type: "Video", VideoCodec: "h264", AudioCodec: "aac,mp3"},
		{Container: "mp3", Type: "Audio"},
		{Container: "m4a", Type: "Audio", AudioCodec: "aac"},
	},
	TranscodingProfiles: []TranscodingProfile{
		{Container: "ts", Type: "Video", VideoCodec: "h264", AudioCodec: "aac", Protocol: "hls", Context: "Streaming"},
		{Container: "mp3", Type: "Audio", AudioCodec: "mp3", Protocol: "http", Context: "Streaming"},
		{Container: "aac", Type: "Audio", AudioCodec: "aac", Protocol: "hls", Context: "Streaming"},
	},
}

// nothingProfile plays nothing directly and transcodes video to HLS.
var nothingProfile = &DeviceProfile{
	TranscodingProfiles: []TranscodingProfile{{Container: "ts", Type: "Video", VideoCodec: "h264", AudioCodec: "aac", Protocol: "hls"}},
}

func TestDecide(t *testing.T) {
	mp4 := sourceFacts{mediaType: "Video", container: "mp4", videoCodec: "h264", audioCodec: "aac", bitrate: 4_000_000}
	for _, c := range []struct {
		name              string
		profile           *DeviceProfile
		src               sourceFacts
		maxBitrate        int64
		direct, transcode bool
		allowDirect       bool
	}{
		{"browser takes mp4 h264 aac", browserProfile, mp4, 0, true, true, true},
		{"browser: bitrate under the cap", browserProfile, mp4, 4_000_000, true, true, true},
		{"browser: bitrate over the cap", browserProfile, mp4, 3_999_999, false, true, true},
		{"browser: mkv container", browserProfile, sourceFacts{mediaType: "Video", container: "mkv", videoCodec: "h264", audioCodec: "aac", bitrate: 1}, 0, false, true, true},
		{"browser: hevc", browserProfile, sourceFacts{mediaType: "Video", container: "mp4", videoCodec: "hevc", audioCodec: "aac", bitrate: 1}, 0, false, true, true},
		{"browser: ac3 audio", browserProfile, sourceFacts{mediaType: "Video", container: "mp4", videoCodec: "h264", audioCodec: "ac3", bitrate: 1}, 0, false, true, true},
		{"browser: silent mp4", browserProfile, sourceFacts{mediaType: "Video", container: "mp4", videoCodec: "h264", audioCodec: "", bitrate: 1}, 0, true, true, true},
		{"browser: direct play disabled", browserProfile, mp4, 0, false, true, false},
		{"browser: mp3 track", browserProfile, sourceFacts{mediaType: "Audio", container: "mp3", videoCodec: "", audioCodec: "mp3", bitrate: 1}, 0, true, true, true},
		{"browser: flac track", browserProfile, sourceFacts{mediaType: "Audio", container: "flac", videoCodec: "", audioCodec: "flac", bitrate: 1}, 0, false, true, true},
		{"nothing: transcode", nothingProfile, mp4, 0, false, true, true},
		{"nothing: no audio transcoding", nothingProfile, sourceFacts{mediaType: "Audio", container: "mp3", videoCodec: "", audioCodec: "mp3", bitrate: 1}, 0, false, false, true},
		{"no profile: the file", nil, mp4, 0, true, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := decide(c.profile, c.src, c.maxBitrate, c.allowDirect, true)
			if d.directPlay != c.direct || d.transcode != c.transcode {
				t.Errorf("direct %v transcode %v, want %v %v", d.directPlay, d.transcode, c.direct, c.transcode)
			}
		})
	}
	if d := decide(browserProfile, mp4, 3_000_000, true, true); d.videoBitrate != 3_000_000-192_000 || d.transcodeContainer != "ts" {
		t.Errorf("capped transcode %+v", d)
	}
}

// MediaSourceIn reads a MediaSourceInfo back.
type MediaSourceIn struct {
	ID, Path, Protocol, Container, TranscodingURL, TranscodingSubProtocol string
	Size, Bitrate, RunTimeTicks                                           *int64
	SupportsDirectPlay, SupportsDirectStream, SupportsTranscoding         bool
	DefaultAudioStreamIndex, DefaultSubtitleStreamIndex                   *int
	MediaStreams                                                          []struct {
		Type, Codec, Language, DisplayTitle string
		Index                               int
		IsDefault                           bool
		Width, Height, Channels             *int
	}
}

// PlaybackInfoIn reads a PlaybackInfoResponse back.
type PlaybackInfoIn struct {
	MediaSources  []MediaSourceIn
	PlaySessionID string `json:"PlaySessionId"`
	ErrorCode     string
}

func TestPlaybackInfo(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		e := newBrowseEnv(t, s)
		films := e.list(e.bob, "/Items?ParentId="+e.movies.String()+"&IncludeItemTypes=Movie&Recursive=true").Items
		if len(films) == 0 {
			t.Fatal("no films")
		}
		film := films[0]
		var info PlaybackInfoIn
		e.expect(req{"POST", "/Items/" + film.ID + "/PlaybackInfo?userId=" + e.bobID.String(),
			map[string]any{"DeviceProfile": nothingProfile}, as(e.bob)}, 200, &info)
		if len(info.MediaSources) != 1 || !hex32.MatchString(info.PlaySessionID) {
			t.Fatalf("playback info %+v", info)
		}
		src := info.MediaSources[0]
		if src.ID != film.ID || src.Protocol != "File" || src.Path == "" || src.Container == "" || src.RunTimeTicks == nil ||
			src.SupportsDirectPlay || src.SupportsDirectStream || !src.SupportsTranscoding || src.TranscodingSubProtocol != "hls" {
			t.Errorf("media source %+v", src)
		}
		u, err := url.Parse(src.TranscodingURL)
		if err != nil || !strings.HasPrefix(u.Path, "/videos/"+film.ID+"/master.m3u8") {
			t.Fatalf("transcoding url %q", src.TranscodingURL)
		}
		q := u.Query()
		if q.Get("MediaSourceId") != film.ID || q.Get("PlaySessionId") != info.PlaySessionID || q.Get("VideoCodec") != "h264" ||
			q.Get("AudioCodec") != "aac" || q.Get("api_key") != e.bob {
			t.Errorf("transcoding url query %v", q)
		}
		var video, audio int
		for _, m := range src.MediaStreams {
			switch m.Type {
			case "Video":
				video++
				if m.Width == nil || m.Height == nil || m.Codec == "" || m.DisplayTitle == "" {
					t.Errorf("video stream %+v", m)
				}
			case "Audio":
				audio++
				if m.Channels == nil || m.Codec == "" {
					t.Errorf("audio stream %+v", m)
				}
			}
		}
		if video != 1 || audio == 0 || src.DefaultAudioStreamIndex == nil {
			t.Errorf("streams: %d video, %d audio, default audio %v", video, audio, src.DefaultAudioStreamIndex)
		}
		// GET without a profile offers the file.
		info = PlaybackInfoIn{}
		e.expect(req{"GET", "/Items/" + film.ID + "/PlaybackInfo", nil, as(e.bob)}, 200, &info)
		if src := info.MediaSources[0]; !src.SupportsDirectPlay || src.TranscodingURL != "" {
			t.Errorf("without a profile %+v", src)
		}
		// A folder is not playable; another library's item is not found.
		e.expect(req{"GET", "/Items/" + e.movies.String() + "/PlaybackInfo", nil, as(e.bob)}, 400, nil)
		tracks := e.list(e.admin, "/Items?ParentId="+e.music.String()+"&IncludeItemTypes=Audio&Recursive=true&Limit=1").Items
		e.expect(req{"GET", "/Items/" + tracks[0].ID + "/PlaybackInfo", nil, as(e.bob)}, 404, nil)
		info = PlaybackInfoIn{}
		e.expect(req{"POST", "/Items/" + tracks[0].ID + "/PlaybackInfo", map[string]any{"DeviceProfile": browserProfile}, as(e.admin)}, 200, &info)
		if len(info.MediaSources) != 1 || info.MediaSources[0].DefaultAudioStreamIndex == nil {
			t.Errorf("a track's playback info %+v", info)
		}
	})
}
