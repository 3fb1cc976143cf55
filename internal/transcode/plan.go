package transcode

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

// Request is one HLS stream a client asks for: the item's file, what the
// file holds, and the client's limits (the query of master.m3u8, main.m3u8
// and the segments, which all carry the same parameters).
type Request struct {
	ItemID       media.ID
	Path         string
	Audio        bool  // audio only: no video in the output
	RunTimeTicks int64 // the item's duration, 100 ns ticks
	// PlaySessionID (or, without one, DeviceID) scopes the job: two
	// clients never share one, and stopping a play session stops its jobs.
	PlaySessionID, DeviceID string
	Source                  Source

	// VideoCodecs and AudioCodecs are what the client takes as they are
	// (the VideoCodec and AudioCodec lists); jellyha outputs h264 and aac.
	VideoCodecs, AudioCodecs []string
	// VideoBitrate caps the video (VideoBitrate, else MaxStreamingBitrate
	// less the audio); 0 for no cap.
	VideoBitrate, AudioBitrate         int64
	MaxWidth, MaxHeight, Width, Height int
	MaxAudioChannels                   int // 0 for no limit
	AudioStreamIndex                   *int
	AllowVideoCopy, AllowAudioCopy     bool
}

// Source is what the file holds, from the scan (MediaStreamInfos).
type Source struct {
	VideoCodec, VideoProfile, PixelFormat string
	Width, Height, BitDepth               int
	VideoLevel                            float32
	VideoBitrate                          int64
	AudioCodec                            string
	AudioChannels                         int
	AudioBitrate                          int64
}

// plan is how a Request is produced: copied or encoded, at what size and
// bitrate. It is a pure function of the Request, so every replica plans a
// stream alike and cuts the same segments.
type plan struct {
	copyVideo, copyAudio bool
	width, height        int   // output size; 0 when unknown (copy, or no source size)
	videoBitrate         int64 // 0: quality-based (CRF)
	audioBitrate         int64
	channels             int // 0: as the source
}

// defaultAudioBitrate is what an aac encode gets per the client's
// AudioBitrate absent: 192 kb/s for stereo, as Jellyfin's default.
const defaultAudioBitrate = 192_000

func (r *Request) plan() plan {
	var p plan
	s := r.Source
	p.channels = s.AudioChannels
	if r.MaxAudioChannels > 0 && (p.channels == 0 || p.channels > r.MaxAudioChannels) {
		p.channels = r.MaxAudioChannels
	}
	p.copyAudio = r.AllowAudioCopy && strings.EqualFold(s.AudioCodec, "aac") && accepts(r.AudioCodecs, "aac") &&
		s.AudioChannels > 0 && s.AudioChannels == p.channels && (r.AudioBitrate == 0 || (s.AudioBitrate > 0 && s.AudioBitrate <= r.AudioBitrate))
	p.audioBitrate = r.AudioBitrate
	if p.audioBitrate == 0 {
		p.audioBitrate = defaultAudioBitrate
		if p.channels > 2 {
			p.audioBitrate = 384_000
		}
	}
	if p.copyAudio {
		p.audioBitrate = s.AudioBitrate
	}
	if r.Audio {
		return p
	}
	maxW, maxH := r.MaxWidth, r.MaxHeight
	if r.Width > 0 && (maxW == 0 || r.Width < maxW) {
		maxW = r.Width
	}
	if r.Height > 0 && (maxH == 0 || r.Height < maxH) {
		maxH = r.Height
	}
	fits := (maxW == 0 || s.Width <= maxW) && (maxH == 0 || s.Height <= maxH)
	// Browsers decode 8-bit 4:2:0 h264 only; "High 10" and 4:2:2 need an encode.
	eightBit := s.BitDepth <= 8 && (s.PixelFormat == "" || s.PixelFormat == "yuv420p" || s.PixelFormat == "yuvj420p")
	p.copyVideo = r.AllowVideoCopy && strings.EqualFold(s.VideoCodec, "h264") && accepts(r.VideoCodecs, "h264") && eightBit &&
		s.Width > 0 && fits && (r.VideoBitrate == 0 || (s.VideoBitrate > 0 && s.VideoBitrate <= r.VideoBitrate))
	if p.copyVideo {
		p.width, p.height, p.videoBitrate = s.Width, s.Height, s.VideoBitrate
		return p
	}
	p.width, p.height = fitBox(s.Width, s.Height, maxW, maxH)
	p.videoBitrate = r.VideoBitrate
	if p.videoBitrate > 0 && s.VideoBitrate > 0 && s.VideoBitrate < p.videoBitrate && s.Width > 0 && p.width >= s.Width {
		// More bits than the source had buys nothing.
		p.videoBitrate = max(s.VideoBitrate, 64_000)
	}
	return p
}

// accepts reports whether a client's codec list takes codec; an empty list
// takes what jellyha outputs.
func accepts(list []string, codec string) bool {
	return len(list) == 0 || slices.ContainsFunc(list, func(c string) bool { return strings.EqualFold(strings.TrimSpace(c), codec) })
}

// fitBox scales w×h down (never up) into maxW×maxH keeping the aspect
// ratio, to even sizes as 4:2:0 h264 needs. An unknown source size gives 0×0:
// ffmpeg then scales by expression.
func fitBox(w, h, maxW, maxH int) (int, int) {
	if w <= 0 || h <= 0 {
		return 0, 0
	}
	fw, fh := float64(w), float64(h)
	scale := 1.0
	if maxW > 0 && fw*scale > float64(maxW) {
		scale = float64(maxW) / fw
	}
	if maxH > 0 && fh*scale > float64(maxH) {
		scale = float64(maxH) / fh
	}
	even := func(v float64) int { return max(2, int(v/2)*2) }
	return even(fw * scale), even(fh * scale)
}

// Key names the job that produces r: the play session and everything that
// changes the output, so requests for the same stream share one job and a
// different quality is another job.
func (r *Request) Key() string {
	p := r.plan()
	scope := r.PlaySessionID
	if scope == "" {
		scope = "device:" + r.DeviceID
	}
	audio := "default"
	if r.AudioStreamIndex != nil {
		audio = strconv.Itoa(*r.AudioStreamIndex)
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%s|%v|%+v|%s|%d|%d|%d|%d", scope, r.ItemID, r.Path, r.Audio, p, audio,
		r.MaxWidth, r.MaxHeight, r.Width, r.Height))
	return hex.EncodeToString(h[:16])
}

// Variant describes the stream a Request gives, for a master playlist.
type Variant struct {
	Bandwidth     int64
	Width, Height int    // 0 for audio, or a size not known before encoding
	Codecs        string // RFC 6381: "avc1.640028,mp4a.40.2"
}

// Variant returns what r's stream will be.
func (r *Request) Variant() Variant {
	p := r.plan()
	v := Variant{Bandwidth: p.audioBitrate, Codecs: "mp4a.40.2"}
	if p.audioBitrate == 0 {
		v.Bandwidth = defaultAudioBitrate
	}
	if r.Audio {
		return v
	}
	v.Width, v.Height = p.width, p.height
	vb := p.videoBitrate
	if vb == 0 {
		// A quality-based encode: estimate from the size, about 0.1 bit per
		// pixel at 30 frames a second, so players pick it sensibly.
		vb = int64(max(p.width*p.height, 640*360)) * 3
	}
	v.Bandwidth += vb
	v.Codecs = videoCodecTag(p, r.Source) + "," + v.Codecs
	return v
}

// videoCodecTag is the avc1 tag of the output: the source's profile and
// level when copied, High at a level that fits the size when encoded.
func videoCodecTag(p plan, s Source) string {
	if p.copyVideo {
		prof := map[string]string{"baseline": "4200", "constrained baseline": "42e0", "main": "4d40", "high": "6400"}[strings.ToLower(s.VideoProfile)]
		if prof == "" {
			prof = "6400"
		}
		level := int(s.VideoLevel)
		if level <= 0 {
			level = 40
		}
		return fmt.Sprintf("avc1.%s%02x", prof, level)
	}
	if p.height > 1088 || p.width > 1920 {
		return "avc1.640033" // High, level 5.1
	}
	return "avc1.640028" // High, level 4.0
}

// SegmentDurations lists the segments of r's stream: the segment length
// for each but the last, which ends with the item.
func SegmentDurations(runTimeTicks int64, length time.Duration) []time.Duration {
	total := time.Duration(runTimeTicks) * 100
	if total <= 0 || length <= 0 {
		return nil
	}
	n := int((total + length - 1) / length)
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = length
	}
	if rest := total - time.Duration(n-1)*length; rest > 0 {
		out[n-1] = rest
	}
	return out
}

// args is the ffmpeg command line that writes r's segments from segment
// start on into dir as start.ts, start+1.ts, ...
//
// Segment n always covers [n*length, (n+1)*length) of the item, whichever
// segment ffmpeg started at: the input is seeked to start*length (-ss before
// -i), timestamps are kept (-copyts, from zero), keyframes are forced every
// segment length from the start, and the HLS muxer cuts at the first
// keyframe after each segment length. A stream copy cuts at the source's
// keyframes, so its segments are as long as its GOPs allow.
func (r *Request) args(p plan, dir string, start int, length time.Duration) []string {
	secs := strconv.FormatFloat(length.Seconds(), 'f', -1, 64)
	a := []string{"-nostdin", "-hide_banner", "-loglevel", "error"}
	if start > 0 {
		a = append(a, "-ss", strconv.FormatFloat((time.Duration(start)*length).Seconds(), 'f', 3, 64))
	}
	a = append(a, "-i", r.Path)
	if !r.Audio {
		a = append(a, "-map", "0:V:0?")
	}
	if r.AudioStreamIndex != nil {
		a = append(a, "-map", "0:"+strconv.Itoa(*r.AudioStreamIndex))
	} else {
		a = append(a, "-map", "0:a:0?")
	}
	a = append(a, "-map_metadata", "-1", "-map_chapters", "-1", "-sn", "-dn",
		"-copyts", "-start_at_zero", "-avoid_negative_ts", "disabled", "-max_muxing_queue_size", "2048")
	switch {
	case r.Audio:
		a = append(a, "-vn")
	case p.copyVideo:
		a = append(a, "-c:v", "copy")
	default:
		a = append(a, "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p",
			// t counts from this run's first frame, which is the start of
			// segment start: a keyframe at every segment boundary.
			"-force_key_frames", "expr:gte(t,n_forced*"+secs+")")
		if p.width > 0 {
			a = append(a, "-vf", fmt.Sprintf("scale=%d:%d", p.width, p.height))
		} else {
			a = append(a, "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2")
		}
		if p.videoBitrate > 0 {
			b := strconv.FormatInt(p.videoBitrate, 10)
			a = append(a, "-b:v", b, "-maxrate", b, "-bufsize", strconv.FormatInt(2*p.videoBitrate, 10))
		} else {
			a = append(a, "-crf", "23")
		}
	}
	if p.copyAudio {
		a = append(a, "-c:a", "copy")
	} else {
		a = append(a, "-c:a", "aac", "-b:a", strconv.FormatInt(p.audioBitrate, 10))
		if p.channels > 0 {
			a = append(a, "-ac", strconv.Itoa(p.channels))
		}
	}
	return append(a, "-f", "hls", "-hls_time", secs, "-hls_list_size", "0", "-hls_segment_type", "mpegts",
		"-start_number", strconv.Itoa(start),
		// A segment appears under its name only when it is whole.
		"-hls_flags", "temp_file",
		"-hls_segment_filename", dir+"/%d.ts", "-y", dir+"/ffmpeg.m3u8")
}
