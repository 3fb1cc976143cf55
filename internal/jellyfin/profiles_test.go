package jellyfin

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/media"
)

func ptrTo[T any](v T) *T { return &v }

// hdVideo is a 1080p h264 High@5.1 stream with an unknown bitrate.
func hdVideo() media.MediaStream {
	return media.MediaStream{StreamIndex: 0, StreamType: media.StreamVideo, Codec: "h264", Profile: "High", Width: ptrTo(1920), Height: ptrTo(1080),
		Level: ptrTo(float32(51)), BitDepth: ptrTo(8), RefFrames: ptrTo(4), IsInterlaced: ptrTo(false), IsAnamorphic: ptrTo(false), IsAvc: ptrTo(true),
		RealFrameRate: ptrTo(float32(23.976)), CodecTag: "avc1"}
}

func surround() media.MediaStream {
	return media.MediaStream{StreamIndex: 1, StreamType: media.StreamAudio, Codec: "aac", Profile: "LC", Channels: ptrTo(6), SampleRate: ptrTo(48000),
		BitRate: ptrTo(640000)}
}

func TestConditions(t *testing.T) {
	v, a := hdVideo(), surround()
	streams := []media.MediaStream{v, a, {StreamIndex: 2, StreamType: media.StreamAudio}}
	vv := videoValues(&v, streams)
	av := audioValues(&a, ptrTo(false))
	hdr := hdVideo()
	hdr.ColorTransfer, hdr.Hdr10PlusPresentFlag = "smpte2084", ptrTo(true)
	hv := videoValues(&hdr, nil)
	hlg := hdVideo()
	hlg.ColorTransfer = "arib-std-b67"
	gv := videoValues(&hlg, nil)
	for _, c := range []struct {
		sv                  *streamValues
		cond, prop, value   string
		required, satisfied bool
	}{
		{&vv, "Equals", "Width", "1920", false, true},
		{&vv, "Equals", "Width", "1280", false, false},
		{&vv, "NotEquals", "Width", "1280", false, true},
		{&vv, "LessThanEqual", "Height", "1080", false, true},
		{&vv, "LessThanEqual", "Height", "720", false, false},
		{&vv, "GreaterThanEqual", "Height", "720", false, true},
		{&vv, "GreaterThanEqual", "Height", "2160", false, false},
		{&vv, "EqualsAny", "Width", "1280|1920", false, true},
		{&vv, "EqualsAny", "Width", "1280|3840", false, false},
		{&vv, "LessThanEqual", "VideoLevel", "41", false, false}, // a client that says h264 level <= 4.1
		{&vv, "LessThanEqual", "VideoLevel", "52", false, true},
		{&vv, "EqualsAny", "VideoLevel", "40|51", false, true},
		{&vv, "EqualsAny", "VideoProfile", "main|high", false, true},
		{&vv, "EqualsAny", "VideoProfile", "baseline|main", false, false},
		{&vv, "NotEquals", "VideoProfile", "high 10", false, true},
		{&vv, "LessThanEqual", "VideoProfile", "high", false, false}, // no order on text
		{&vv, "LessThanEqual", "VideoBitDepth", "8", false, true},
		{&vv, "LessThanEqual", "RefFrames", "3", false, false},
		{&vv, "LessThanEqual", "VideoFramerate", "30", false, true},
		{&vv, "LessThanEqual", "VideoBitrate", "1000", false, true}, // unknown: fine...
		{&vv, "LessThanEqual", "VideoBitrate", "1000", true, false}, // ...unless required
		{&vv, "Equals", "IsInterlaced", "false", false, true},
		{&vv, "NotEquals", "IsAnamorphic", "true", false, true},
		{&vv, "Equals", "IsAvc", "False", false, false},
		{&vv, "Equals", "IsAvc", "yes", false, false}, // not a boolean
		{&vv, "Equals", "VideoCodecTag", "AVC1", false, true},
		{&vv, "LessThanEqual", "NumAudioStreams", "1", false, false},
		{&vv, "Equals", "NumStreams", "3", false, true},
		{&vv, "Equals", "Width", "wide", false, false},            // a value that is no number fails
		{&vv, "LessThanEqual", "PacketLength", "10", false, true}, // a property jellyha does not know
		{&vv, "LessThanEqual", "PacketLength", "10", true, false},
		{&vv, "EqualsAny", "VideoRangeType", "SDR|HDR10", false, true},
		{&hv, "EqualsAny", "VideoRangeType", "SDR|HDR10", false, true}, // HDR10+ passes as HDR10
		{&hv, "Equals", "VideoRangeType", "HDR10Plus", false, true},
		{&gv, "EqualsAny", "VideoRangeType", "SDR|HDR10", false, false},
		{&gv, "NotEquals", "VideoRangeType", "SDR", false, true},
		{&av, "LessThanEqual", "AudioChannels", "2", false, false},
		{&av, "LessThanEqual", "AudioChannels", "6", false, true},
		{&av, "LessThanEqual", "AudioSampleRate", "48000", false, true},
		{&av, "LessThanEqual", "AudioBitrate", "320000", false, false},
		{&av, "Equals", "AudioProfile", "lc", false, true},
		{&av, "Equals", "IsSecondaryAudio", "false", false, true},
		{&av, "LessThanEqual", "AudioBitDepth", "16", false, true}, // unknown
		{&av, "LessThanEqual", "AudioBitDepth", "16", true, false},
	} {
		cond := ProfileCondition{Condition: c.cond, Property: c.prop, Value: c.value, IsRequired: c.required}
		if got := c.sv.satisfied(cond); got != c.satisfied {
			t.Errorf("%+v: %v, want %v", cond, got, c.satisfied)
		}
	}
}

func TestVideoRange(t *testing.T) {
	for _, c := range []struct {
		s        media.MediaStream
		rng, typ string
	}{
		{media.MediaStream{}, "SDR", "SDR"},
		{media.MediaStream{ColorTransfer: "smpte2084"}, "HDR", "HDR10"},
		{media.MediaStream{ColorTransfer: "arib-std-b67"}, "HDR", "HLG"},
		{media.MediaStream{DvProfile: ptrTo(8), RpuPresentFlag: ptrTo(1), BlPresentFlag: ptrTo(1), DvBlSignalCompatibilityID: ptrTo(1)}, "HDR", "DOVIWithHDR10"},
		{media.MediaStream{DvProfile: ptrTo(8), RpuPresentFlag: ptrTo(1), BlPresentFlag: ptrTo(1), DvBlSignalCompatibilityID: ptrTo(2)}, "SDR", "DOVIWithSDR"},
		{media.MediaStream{DvProfile: ptrTo(5), RpuPresentFlag: ptrTo(1), BlPresentFlag: ptrTo(1), DvBlSignalCompatibilityID: ptrTo(0)}, "HDR", "DOVI"},
		{media.MediaStream{CodecTag: "dvh1", DvProfile: ptrTo(8), DvBlSignalCompatibilityID: ptrTo(6)}, "HDR", "DOVIInvalid"},
	} {
		if rng, typ := videoRange(&c.s); rng != c.rng || typ != c.typ {
			t.Errorf("%+v: %s %s, want %s %s", c.s, rng, typ, c.rng, c.typ)
		}
	}
}

func TestDecideConditions(t *testing.T) {
	v, a := hdVideo(), surround()
	second := surround()
	second.StreamIndex = 2
	facts := func(container string, audio *media.MediaStream, secondary bool) sourceFacts {
		return sourceFacts{mediaType: "Video", container: container, videoCodec: "h264", audioCodec: "aac", bitrate: 1,
			streams: []media.MediaStream{v, a, second}, video: &v, audio: audio, secondaryAudio: secondary}
	}
	with := func(cps []CodecProfile, ctps []ContainerProfile) *DeviceProfile {
		p := *browserProfile
		p.CodecProfiles, p.ContainerProfiles = cps, ctps
		return &p
	}
	level := func(max string) []ProfileCondition {
		return []ProfileCondition{{Condition: "LessThanEqual", Property: "VideoLevel", Value: max, IsRequired: false}}
	}
	for _, c := range []struct {
		name    string
		p       *DeviceProfile
		s       sourceFacts
		direct  bool
		failing string
	}{
		{"no conditions", with(nil, nil), facts("mp4", &a, false), true, ""},
		{"h264 level <= 41 refuses 5.1", with([]CodecProfile{{Type: "Video", Codec: "h264", Conditions: level("41")}}, nil), facts("mp4", &a, false), false, "VideoLevel"},
		{"h264 level <= 52 takes 5.1", with([]CodecProfile{{Type: "Video", Codec: "h264", Conditions: level("52")}}, nil), facts("mp4", &a, false), true, ""},
		{"a profile for hevc only", with([]CodecProfile{{Type: "Video", Codec: "hevc,av1", Conditions: level("10")}}, nil), facts("mp4", &a, false), true, ""},
		{"a profile for mkv only", with([]CodecProfile{{Type: "Video", Codec: "h264", Container: "mkv", Conditions: level("10")}}, nil), facts("mp4", &a, false), true, ""},
		{"a profile for all but mp4", with([]CodecProfile{{Type: "Video", Container: "-mp4", Conditions: level("10")}}, nil), facts("mp4", &a, false), true, ""},
		{"apply conditions that do not hold", with([]CodecProfile{{Type: "Video", Codec: "h264", Conditions: level("10"),
			ApplyConditions: []ProfileCondition{{Condition: "GreaterThanEqual", Property: "Width", Value: "3840"}}}}, nil), facts("mp4", &a, false), true, ""},
		{"apply conditions that hold", with([]CodecProfile{{Type: "Video", Codec: "h264", Conditions: level("10"),
			ApplyConditions: []ProfileCondition{{Condition: "GreaterThanEqual", Property: "Width", Value: "1280"}}}}, nil), facts("mp4", &a, false), false, "VideoLevel"},
		{"stereo only", with([]CodecProfile{{Type: "VideoAudio", Codec: "aac", Conditions: []ProfileCondition{{Condition: "LessThanEqual", Property: "AudioChannels", Value: "2"}}}}, nil),
			facts("mp4", &a, false), false, "AudioChannels"},
		{"no secondary audio", with([]CodecProfile{{Type: "VideoAudio", Conditions: []ProfileCondition{{Condition: "Equals", Property: "IsSecondaryAudio", Value: "false"}}}}, nil),
			facts("mp4", &second, true), false, "IsSecondaryAudio"},
		{"container: one audio stream", with(nil, []ContainerProfile{{Type: "Video", Container: "mp4", Conditions: []ProfileCondition{{Condition: "LessThanEqual", Property: "NumAudioStreams", Value: "1"}}}}),
			facts("mp4", &a, false), false, "NumAudioStreams"},
		{"container profile of another container", with(nil, []ContainerProfile{{Type: "Video", Container: "mkv", Conditions: []ProfileCondition{{Condition: "LessThanEqual", Property: "NumAudioStreams", Value: "1"}}}}),
			facts("mp4", &a, false), true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := decide(c.p, c.s, 0, true, true)
			var failing []string
			for _, f := range d.failed {
				failing = append(failing, f.Property)
			}
			if d.directPlay != c.direct || strings.Join(failing, ",") != c.failing || !d.transcode {
				t.Errorf("direct %v transcode %v failing %v, want direct %v failing %q", d.directPlay, d.transcode, failing, c.direct, c.failing)
			}
		})
	}
	// An audio file's Audio codec profile.
	flac := media.MediaStream{StreamType: media.StreamAudio, Codec: "flac", SampleRate: ptrTo(96000), Channels: ptrTo(2)}
	p := &DeviceProfile{DirectPlayProfiles: []DirectPlayProfile{{Type: "Audio", Container: "flac"}},
		CodecProfiles: []CodecProfile{{Type: "Audio", Codec: "flac", Conditions: []ProfileCondition{{Condition: "LessThanEqual", Property: "AudioSampleRate", Value: "48000"}}}}}
	s := sourceFacts{mediaType: "Audio", container: "flac", audioCodec: "flac", streams: []media.MediaStream{flac}, audio: &flac}
	if d := decide(p, s, 0, true, true); d.directPlay || len(d.failed) != 1 {
		t.Errorf("96 kHz flac to a 48 kHz client: %+v", d)
	}
	flac.SampleRate = ptrTo(44100)
	if d := decide(p, s, 0, true, true); !d.directPlay {
		t.Errorf("44.1 kHz flac: %+v", d)
	}
}

// webSubtitles is what jellyfin-web declares: WebVTT, and ASS/SSA for its
// own renderer, as files of their own.
var webSubtitles = []SubtitleProfile{{Format: "vtt", Method: "External"}, {Format: "ass", Method: "External"}, {Format: "ssa", Method: "External"}}

func TestDeliverSubtitle(t *testing.T) {
	sub := func(codec, lang string, external bool) *media.MediaStream {
		return &media.MediaStream{StreamType: media.StreamSubtitle, Codec: codec, Language: lang, IsExternal: external}
	}
	for _, c := range []struct {
		name                string
		profiles            []SubtitleProfile
		s                   *media.MediaStream
		transcode           bool
		container, protocol string
		method, format      string
	}{
		{"external srt to web", webSubtitles, sub("subrip", "eng", true), false, "mkv", "", "External", "vtt"},
		{"external vtt to web", webSubtitles, sub("webvtt", "", true), false, "mkv", "", "External", "vtt"},
		{"external ass to web", webSubtitles, sub("ass", "", true), false, "mkv", "", "External", "ass"},
		{"external ass, vtt only", webSubtitles[:1], sub("ass", "", true), false, "mkv", "", "Encode", "ass"},
		{"embedded srt to web", webSubtitles, sub("subrip", "eng", false), false, "mkv", "", "External", "vtt"},
		{"embedded mov_text to web", webSubtitles, sub("mov_text", "", false), false, "mp4", "", "External", "vtt"},
		{"embedded srt, embed srt in mkv", append([]SubtitleProfile{{Format: "srt", Method: "Embed", Container: "mkv"}}, webSubtitles...),
			sub("srt", "", false), false, "mkv", "", "Embed", "srt"},
		{"embedded subrip, embed srt in mkv: converted", append([]SubtitleProfile{{Format: "srt", Method: "Embed"}}, webSubtitles...),
			sub("subrip", "", false), false, "mkv", "", "Embed", "srt"},
		{"embed profile for another container", append([]SubtitleProfile{{Format: "srt", Method: "Embed", Container: "mkv"}}, webSubtitles...),
			sub("srt", "", false), false, "mp4", "", "External", "vtt"},
		{"embedding into a ts transcode: no", []SubtitleProfile{{Format: "srt", Method: "Embed"}}, sub("srt", "", false), true, "ts", "hls", "Encode", "srt"},
		{"HLS subtitles in an HLS transcode", append([]SubtitleProfile{{Format: "vtt", Method: "Hls"}}, webSubtitles...),
			sub("subrip", "", false), true, "ts", "hls", "Hls", "vtt"},
		{"HLS profile when playing the file: no", []SubtitleProfile{{Format: "vtt", Method: "Hls"}}, sub("subrip", "", false), false, "mkv", "", "Encode", "subrip"},
		{"PGS to a text-only client", webSubtitles, sub("PGSSUB", "", false), false, "mkv", "", "Encode", "PGSSUB"},
		{"PGS to a PGS client", []SubtitleProfile{{Format: "pgssub", Method: "External"}}, sub("PGSSUB", "", false), false, "mkv", "", "External", "pgssub"},
		{"language: not this one", []SubtitleProfile{{Format: "vtt", Method: "External", Language: "eng"}}, sub("subrip", "fra", true), false, "mkv", "", "Encode", "subrip"},
		{"language: undetermined", []SubtitleProfile{{Format: "vtt", Method: "External", Language: "und,eng"}}, sub("subrip", "", true), false, "mkv", "", "External", "vtt"},
		{"no profiles", nil, sub("subrip", "", true), false, "mkv", "", "Encode", "subrip"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if d := deliverSubtitle(c.profiles, c.s, c.transcode, c.container, c.protocol); d.method != c.method || d.format != c.format {
				t.Errorf("%+v, want %s %s", d, c.method, c.format)
			}
		})
	}
}

// PlaybackInfo through the router: the clip's level against a client's
// limit, and how its subtitle streams reach the client.
func TestPlaybackInfoProfiles(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		c := subtitleLibrary(t, s)
		if c.streams[0].Level == nil {
			t.Fatalf("no level on the clip's video: %+v", c.streams[0])
		}
		level := int(*c.streams[0].Level)
		profile := func(maxLevel int, subs []SubtitleProfile) map[string]any {
			return map[string]any{"DeviceProfile": map[string]any{
				"DirectPlayProfiles": []map[string]any{{"Container": "mkv,webm", "Type": "Video", "VideoCodec": "h264", "AudioCodec": "aac"}},
				"TranscodingProfiles": []map[string]any{{"Container": "ts", "Type": "Video", "VideoCodec": "h264", "AudioCodec": "aac",
					"Protocol": "hls", "Context": "Streaming"}},
				"CodecProfiles": []map[string]any{{"Type": "Video", "Codec": "h264", "Conditions": []map[string]any{
					{"Condition": "LessThanEqual", "Property": "VideoLevel", "Value": strconv.Itoa(maxLevel), "IsRequired": false}}}},
				"SubtitleProfiles": subs,
			}}
		}
		type streamIn struct {
			Type, Codec, DeliveryMethod, DisplayTitle string
			Index                                     int
			IsExternalURL                             *bool
			DeliveryURLJSON                           string `json:"DeliveryUrl"`
		}
		var info struct {
			MediaSources []struct {
				SupportsDirectPlay bool
				TranscodingURL     string `json:"TranscodingUrl"`
				MediaStreams       []streamIn
			}
		}
		post := func(body map[string]any) []streamIn {
			t.Helper()
			info.MediaSources = nil
			s.expect(req{"POST", "/Items/" + c.id + "/PlaybackInfo", body, as(c.admin)}, 200, &info)
			return info.MediaSources[0].MediaStreams
		}
		// Level within the limit: the file, with subtitles beside it.
		streams := post(profile(level, webSubtitles))
		if !info.MediaSources[0].SupportsDirectPlay {
			t.Fatalf("level %d under a limit of %d: not direct play", level, level)
		}
		byIndex := map[int]streamIn{}
		for _, m := range streams {
			byIndex[m.Index] = m
		}
		for _, w := range []struct {
			index          int
			method, format string
		}{
			{c.embedded, "External", "vtt"}, {c.srt, "External", "vtt"}, {c.vtt, "External", "vtt"}, {c.ass, "External", "ass"},
		} {
			m := byIndex[w.index]
			want := "/Videos/" + c.id + "/" + c.id + "/Subtitles/" + strconv.Itoa(w.index) + "/0/Stream." + w.format + "?ApiKey=" + c.admin
			if m.DeliveryMethod != w.method || m.DeliveryURLJSON != want || m.IsExternalURL == nil || *m.IsExternalURL {
				t.Errorf("stream %d: %+v, want %s %s", w.index, m, w.method, want)
			}
		}
		if m := byIndex[c.srt]; m.DisplayTitle != "English - SUBRIP - External" {
			t.Errorf("the .en.srt's title: %q", m.DisplayTitle)
		}
		if m := byIndex[c.vtt]; m.DisplayTitle != "French - Forced - WEBVTT - External" {
			t.Errorf("the .fr.forced.vtt's title: %q", m.DisplayTitle)
		}
		if m := byIndex[0]; m.DeliveryMethod != "" || m.DeliveryURLJSON != "" {
			t.Errorf("the video stream has a delivery: %+v", m)
		}
		// The DeliveryUrl serves the subtitle.
		resp, body := s.get("GET", byIndex[c.srt].DeliveryURLJSON)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/vtt; charset=utf-8" || !strings.Contains(string(body), "00:00:00.500 --> 00:00:01.500\nHello") {
			t.Errorf("the DeliveryUrl: %d %q", resp.StatusCode, body)
		}
		// An Embed profile for srt in mkv keeps the embedded stream inside.
		streams = post(profile(level, append([]SubtitleProfile{{Format: "subrip", Method: "Embed", Container: "mkv"}}, webSubtitles...)))
		for _, m := range streams {
			if m.Index == c.embedded && (m.DeliveryMethod != "Embed" || m.DeliveryURLJSON != "") {
				t.Errorf("embedded with an Embed profile: %+v", m)
			}
		}
		// A level over the limit: a transcode, the text streams as files.
		streams = post(profile(level-1, webSubtitles))
		src := info.MediaSources[0]
		if src.SupportsDirectPlay || src.TranscodingURL == "" {
			t.Fatalf("level %d over a limit of %d: %+v", level, level-1, src)
		}
		u, _ := url.Parse(src.TranscodingURL)
		if u.Query().Get("VideoCodec") != "h264" {
			t.Errorf("transcoding url %s", src.TranscodingURL)
		}
		for _, m := range streams {
			if m.Type == "Subtitle" && m.Index == c.srt && m.DeliveryMethod != "External" {
				t.Errorf("a transcode's external srt: %+v", m)
			}
		}
		// No subtitle profiles: the chosen subtitle is burned in, so the
		// file cannot be played as it is.
		streams = post(map[string]any{"SubtitleStreamIndex": c.srt, "DeviceProfile": profile(level, nil)["DeviceProfile"]})
		if info.MediaSources[0].SupportsDirectPlay {
			t.Errorf("a subtitle to burn in, yet direct play")
		}
		for _, m := range streams {
			if m.Type == "Subtitle" && m.DeliveryMethod != "Encode" {
				t.Errorf("no subtitle profiles: %+v", m)
			}
		}
		// Without a profile, no delivery is decided (as Jellyfin).
		streams = post(map[string]any{})
		for _, m := range streams {
			if m.DeliveryMethod != "" {
				t.Errorf("without a profile: %+v", m)
			}
		}
	})
}
