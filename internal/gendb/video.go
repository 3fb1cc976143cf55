package gendb

import (
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

type resolution struct{ w, h int }

var resolutions = []resolution{{1920, 1080}, {1920, 1080}, {1920, 1080}, {3840, 2160}, {1280, 720}, {1920, 800}, {720, 480}}

var audioFormats = []struct {
	codec, layout, profile string
	channels, bitrate      int
}{
	{"aac", "stereo", "LC", 2, 192000},
	{"ac3", "5.1(side)", "", 6, 640000},
	{"eac3", "5.1", "", 6, 768000},
	{"dts", "5.1(side)", "DTS-HD MA", 6, 3500000},
	{"truehd", "7.1", "", 8, 4000000},
	{"opus", "stereo", "", 2, 128000},
}

var languageNames = map[string]string{"eng": "English", "fre": "French", "ger": "German", "spa": "Spanish", "ita": "Italian", "jpn": "Japanese"}

// video fills a film's or episode's file facts and queues its streams,
// chapters and the extras some videos have: keyframes, trickplay tiles and
// attached fonts. force gives a video every extra, so that a tiny database
// has rows in every table.
func (g *gen) video(it *media.LibraryItem, base string, runtime time.Duration, force bool) {
	id := it.ID
	g.videos++
	res := oneOf(g, resolutions)
	codec := "h264"
	if res.h >= 2160 || g.chance(0.3) {
		codec = "hevc"
	} else if g.chance(0.05) {
		codec = "av1"
	}
	hdr := codec == "hevc" && res.h >= 2160 && g.chance(0.7)
	dv := hdr && g.chance(0.4)
	videoRate := 2000000 + g.r.IntN(6000000)
	if res.h >= 2160 {
		videoRate = 15000000 + g.r.IntN(45000000)
	}
	fps := float32(23.976025)
	if g.chance(0.2) {
		fps = 25
	}

	v := media.MediaStream{ItemID: id, StreamIndex: 0, StreamType: media.StreamVideo, Codec: codec, TimeBase: "1/1000",
		Width: ptr(res.w), Height: ptr(res.h), AspectRatio: aspect(res), AverageFrameRate: ptr(fps), RealFrameRate: ptr(fps),
		BitRate: ptr(videoRate), BitDepth: ptr(8), PixelFormat: "yuv420p", RefFrames: ptr(1), IsDefault: true,
		IsAnamorphic: ptr(false), IsInterlaced: ptr(false), IsAvc: ptr(codec == "h264"), IsHearingImpaired: ptr(false),
		Hdr10PlusPresentFlag: ptr(false), ColorPrimaries: "bt709", ColorTransfer: "bt709", ColorSpace: "bt709"}
	switch codec {
	case "h264":
		v.Profile, v.Level, v.NalLengthSize, v.RefFrames = "High", ptr(float32(41)), "4", ptr(4)
	case "hevc":
		v.Profile, v.Level, v.NalLengthSize = "Main", ptr(float32(120)), "4"
		if hdr {
			v.Profile, v.Level, v.BitDepth, v.PixelFormat = "Main 10", ptr(float32(153)), ptr(10), "yuv420p10le"
			v.ColorPrimaries, v.ColorTransfer, v.ColorSpace = "bt2020", "smpte2084", "bt2020nc"
			v.Hdr10PlusPresentFlag = ptr(g.chance(0.3))
		}
	case "av1":
		v.Profile, v.Level, v.BitDepth, v.PixelFormat = "Main", ptr(float32(8)), ptr(10), "yuv420p10le"
	}
	if dv {
		v.DvVersionMajor, v.DvVersionMinor, v.DvProfile, v.DvLevel = ptr(1), ptr(0), ptr(8), ptr(6)
		v.RpuPresentFlag, v.ElPresentFlag, v.BlPresentFlag, v.DvBlSignalCompatibilityID = ptr(1), ptr(0), ptr(1), ptr(1)
	}
	if g.chance(0.1) {
		v.Title = oneOf(g, []string{"Main Video", "x265", "Remux"})
	}
	g.b.streams = append(g.b.streams, v)

	index := 1
	totalRate := videoRate
	langs := g.audioLanguages()
	audio := g.pick(g.p.audioTracks)
	var surround bool
	for a := range audio {
		f := oneOf(g, audioFormats)
		lang := langs[a%len(langs)]
		m := media.MediaStream{ItemID: id, StreamIndex: index, StreamType: media.StreamAudio, Codec: f.codec, Profile: f.profile,
			Language: lang, ChannelLayout: f.layout, Channels: ptr(f.channels), SampleRate: ptr(48000), BitRate: ptr(f.bitrate),
			TimeBase: "1/1000", IsDefault: a == 0, IsInterlaced: ptr(false), IsAvc: ptr(false), IsHearingImpaired: ptr(false)}
		if f.codec == "truehd" || f.codec == "dts" {
			m.BitDepth = ptr(24)
		}
		if g.chance(0.5) {
			m.Title = languageName(lang) + " " + f.layout
		}
		if a > 0 && g.chance(0.1) {
			m.Title, m.Comment = "Commentary", "Director's commentary"
		}
		surround = surround || f.channels > 2
		totalRate += f.bitrate
		g.b.streams = append(g.b.streams, m)
		index++
	}
	subs := g.pick(g.p.subtitles)
	var ass bool
	for s := range subs {
		lang := "eng"
		if s > 0 {
			lang = languages[(s*7+g.r.IntN(3))%len(languages)]
		}
		m := media.MediaStream{ItemID: id, StreamIndex: index, StreamType: media.StreamSubtitle, Language: lang, TimeBase: "1/1000",
			Codec: oneOf(g, []string{"subrip", "subrip", "hdmv_pgs_subtitle", "ass"}), IsInterlaced: ptr(false), IsAvc: ptr(false),
			IsHearingImpaired: ptr(false), IsForced: s == 1 && g.chance(0.3)}
		if m.Codec == "ass" {
			ass = true
		}
		switch {
		case g.chance(0.08):
			m.IsHearingImpaired, m.Title = ptr(true), languageName(lang)+" (SDH)"
		case m.IsForced:
			m.Title = "Forced"
		case g.chance(0.3):
			m.Title = languageName(lang)
		}
		if s == subs-1 && g.chance(0.25) {
			// An external .srt beside the file.
			m.Codec, m.IsExternal, m.Path = "subrip", true, base+"."+lang[:2]+".srt"
		}
		g.b.streams = append(g.b.streams, m)
		index++
	}
	if (ass && g.chance(0.25)) || force {
		fonts := []string{"Arial.ttf", "Roboto-Regular.ttf", "NotoSansJP-Bold.otf", "Trebuchet MS.ttf"}
		for k, font := range fonts[:1+g.r.IntN(len(fonts))] {
			codec, mime := "ttf", "application/x-truetype-font"
			if strings.HasSuffix(font, ".otf") {
				codec, mime = "otf", "application/vnd.ms-opentype"
			}
			g.b.attachments = append(g.b.attachments, media.Attachment{ItemID: id, Index: index + k, Codec: codec, Filename: font, MimeType: mime})
		}
	}

	it.Width, it.Height = ptr(res.w), ptr(res.h)
	it.TotalBitrate = ptr(totalRate)
	it.Size = ptr(int64(runtime.Seconds() * float64(totalRate) / 8))
	it.Audio = ptr(1)
	if surround {
		it.Audio = ptr(3)
	}

	g.chapters(id, runtime)
	if force || g.chance(g.p.keyframeRate) {
		g.keyframes(id, runtime, fps)
	}
	if force || g.chance(0.3) {
		interval := 10000
		count := int(runtime / (time.Duration(interval) * time.Millisecond))
		for _, w := range []int{320, 640}[:1+g.r.IntN(2)] {
			h := w * res.h / res.w
			g.b.trickplay = append(g.b.trickplay, media.TrickplayInfo{ItemID: id, Width: w, Height: h, TileWidth: 10, TileHeight: 10,
				ThumbnailCount: count, Interval: interval, Bandwidth: w * h * 2 / 10 * (1 + g.r.IntN(3))})
		}
	}
}

// audioLanguages picks a video's audio languages, the original first.
func (g *gen) audioLanguages() []string {
	first := oneOf(g, []string{"eng", "eng", "eng", "fre", "jpn", "ger", "spa", "ita"})
	langs := []string{first}
	for _, l := range []string{"eng", "fre", "ger", "spa", "ita", "jpn"} {
		if l != first {
			langs = append(langs, l)
		}
	}
	return langs
}

func languageName(code string) string {
	if n, ok := languageNames[code]; ok {
		return n
	}
	return code
}

func aspect(r resolution) string {
	switch {
	case r.w*9 == r.h*16:
		return "16:9"
	case r.w == 1920 && r.h == 800:
		return "2.40:1"
	case r.w*2 == r.h*3:
		return "3:2"
	}
	return strconv.Itoa(r.w) + ":" + strconv.Itoa(r.h)
}

// chapters queues chapter markers every few minutes. Most videos have no
// chapter images, and Jellyfin stores DateTime.MinValue for them, which
// becomes 0001-01-01 05:51:00 through its UTC conversion.
func (g *gen) chapters(id media.ID, runtime time.Duration) {
	every := time.Duration(5+g.r.IntN(6)) * time.Minute
	withImages := g.chance(0.4)
	imageDate := g.ago(year)
	n := 0
	for at := time.Duration(0); at < runtime; at += every {
		c := media.Chapter{ItemID: id, ChapterIndex: n, StartPositionTicks: ticks(at), Name: "Chapter " + pad(n+1, 2)}
		if withImages {
			c.ImagePath = "/config/metadata/library/" + id.String()[:2] + "/" + id.String() + "/chapters/" + strconv.FormatInt(ticks(at), 10) + ".jpg"
			c.ImageDateModified = ptr(imageDate)
		} else {
			c.ImageDateModified = ptr(minDate)
		}
		g.b.chapters = append(g.b.chapters, c)
		n++
	}
}

// keyframes queues the keyframe positions of a video: a keyframe every
// GOP of 2 to 10 seconds' worth of frames, at exact frame times
// (23.976 fps: 48 frames are 20020000 ticks).
func (g *gen) keyframes(id media.ID, runtime time.Duration, fps float32) {
	num, den := int64(10010000), int64(24) // ticks per frame = num/den
	if fps == 25 {
		num, den = 400000, 1
	}
	gop := int64(48 + g.r.IntN(200))
	total := ticks(runtime)
	kf := make([]int64, 0, total*den/(num*gop)+1)
	for f := int64(0); f*num/den < total; f += gop {
		kf = append(kf, f*num/den)
	}
	g.b.keyframes = append(g.b.keyframes, media.KeyframeData{ItemID: id, TotalDuration: total, KeyframeTicks: kf})
}
