package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

// probeTimeout bounds one ffprobe run; a file that hangs it is skipped.
const probeTimeout = 2 * time.Minute

// probeResult is the part of ffprobe's JSON the scanner reads.
type probeResult struct {
	Streams []struct {
		Index         int               `json:"index"`
		CodecName     string            `json:"codec_name"`
		CodecType     string            `json:"codec_type"`
		CodecTag      string            `json:"codec_tag_string"`
		Profile       string            `json:"profile"`
		Width         int               `json:"width"`
		Height        int               `json:"height"`
		PixFmt        string            `json:"pix_fmt"`
		Level         *float64          `json:"level"`
		DAR           string            `json:"display_aspect_ratio"`
		FieldOrder    string            `json:"field_order"`
		RFrameRate    string            `json:"r_frame_rate"`
		AvgFrameRate  string            `json:"avg_frame_rate"`
		TimeBase      string            `json:"time_base"`
		BitRate       string            `json:"bit_rate"`
		BitsPerRaw    string            `json:"bits_per_raw_sample"`
		SampleRate    string            `json:"sample_rate"`
		Channels      int               `json:"channels"`
		ChannelLayout string            `json:"channel_layout"`
		ColorSpace    string            `json:"color_space"`
		ColorTransfer string            `json:"color_transfer"`
		ColorPrims    string            `json:"color_primaries"`
		RefFrames     int               `json:"refs"`
		IsAVC         string            `json:"is_avc"`
		NalLength     string            `json:"nal_length_size"`
		Disposition   map[string]int    `json:"disposition"`
		Tags          map[string]string `json:"tags"`
	} `json:"streams"`
	Chapters []struct {
		StartTime string            `json:"start_time"`
		Tags      map[string]string `json:"tags"`
	} `json:"chapters"`
	Format struct {
		Duration string            `json:"duration"`
		BitRate  string            `json:"bit_rate"`
		Size     string            `json:"size"`
		Tags     map[string]string `json:"tags"`
	} `json:"format"`
}

// runProbe runs ffprobe on path and returns its JSON.
func runProbe(ctx context.Context, ffprobe, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-show_chapters", "--", path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if len(msg) > 300 {
			msg = msg[:300]
		}
		if msg == "" {
			msg = err.Error()
		}
		return "", errors.New(msg)
	}
	var p probeResult
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		return "", fmt.Errorf("ffprobe's output is not JSON: %w", err)
	}
	if len(p.Streams) == 0 {
		return "", errors.New("ffprobe found no streams")
	}
	return out.String(), nil
}

func parseProbe(s string) (*probeResult, error) {
	var p probeResult
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// tag returns a format tag in any case (ffprobe keeps the container's).
func tag(tags map[string]string, names ...string) string {
	for _, n := range names {
		for k, v := range tags {
			if strings.EqualFold(k, n) && strings.TrimSpace(v) != "" {
				return strings.TrimSpace(v)
			}
		}
	}
	return ""
}

func seconds(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && f >= 0
}

func ticksOf(sec float64) int64 { return int64(sec*1e7 + 0.5) }

// runtimeTicks is the file's duration in 100 ns ticks.
func (p *probeResult) runtimeTicks() *int64 {
	if d, ok := seconds(p.Format.Duration); ok && d > 0 {
		t := ticksOf(d)
		return &t
	}
	return nil
}

func atoiPtr(s string) *int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return nil
	}
	return &n
}

func intPtr(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}

func rate(s string) *float32 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		return nil
	}
	a, err1 := strconv.ParseFloat(num, 64)
	b, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || a <= 0 || b <= 0 {
		return nil
	}
	f := float32(a / b)
	return &f
}

func boolPtr(b bool) *bool { return &b }

// streams converts ffprobe's streams to MediaStreamInfos rows.
func (p *probeResult) streams() []media.MediaStream {
	var out []media.MediaStream
	for _, s := range p.Streams {
		m := media.MediaStream{StreamIndex: s.Index, Codec: s.CodecName, Profile: s.Profile, TimeBase: s.TimeBase,
			Language: tag(s.Tags, "language"), Title: tag(s.Tags, "title"), Comment: tag(s.Tags, "comment"),
			IsDefault: s.Disposition["default"] == 1, IsForced: s.Disposition["forced"] == 1,
			BitRate: atoiPtr(s.BitRate)}
		if s.CodecTag != "" && s.CodecTag != "[0][0][0][0]" {
			m.CodecTag = s.CodecTag
		}
		switch s.CodecType {
		case "video":
			m.StreamType = media.StreamVideo
			if s.Disposition["attached_pic"] == 1 {
				m.StreamType = media.StreamEmbeddedImage
			}
			m.Width, m.Height = intPtr(s.Width), intPtr(s.Height)
			m.PixelFormat, m.AspectRatio = s.PixFmt, s.DAR
			m.ColorSpace, m.ColorTransfer, m.ColorPrimaries = s.ColorSpace, s.ColorTransfer, s.ColorPrims
			m.AverageFrameRate, m.RealFrameRate = rate(s.AvgFrameRate), rate(s.RFrameRate)
			m.BitDepth = atoiPtr(s.BitsPerRaw)
			m.RefFrames = intPtr(s.RefFrames)
			m.NalLengthSize = s.NalLength
			if m.StreamType == media.StreamVideo {
				m.IsInterlaced = boolPtr(s.FieldOrder != "" && s.FieldOrder != "progressive" && s.FieldOrder != "unknown")
				m.IsAvc = boolPtr(s.IsAVC == "true" || s.IsAVC == "1")
				m.IsAnamorphic = boolPtr(false)
			}
			if s.Level != nil && *s.Level > 0 {
				l := float32(*s.Level)
				m.Level = &l
			}
		case "audio":
			m.StreamType = media.StreamAudio
			m.Channels, m.ChannelLayout = intPtr(s.Channels), s.ChannelLayout
			m.SampleRate = atoiPtr(s.SampleRate)
			m.BitDepth = atoiPtr(s.BitsPerRaw)
		case "subtitle":
			m.StreamType = media.StreamSubtitle
			m.Codec = subtitleCodecName(s.CodecName)
			m.IsHearingImpaired = boolPtr(s.Disposition["hearing_impaired"] == 1)
		case "attachment":
			continue // AttachmentStreamInfos, not a media stream
		default:
			m.StreamType = media.StreamData
		}
		out = append(out, m)
	}
	return out
}

// subtitleCodecName renames ffprobe's picture subtitle codecs as Jellyfin's
// probe normaliser stores them.
func subtitleCodecName(c string) string {
	switch c {
	case "dvb_subtitle":
		return "DVBSUB"
	case "dvb_teletext":
		return "DVBTXT"
	case "dvd_subtitle":
		return "DVDSUB"
	case "hdmv_pgs_subtitle":
		return "PGSSUB"
	}
	return c
}

// chapters converts ffprobe's chapters to Chapters rows.
func (p *probeResult) chapters() []media.Chapter {
	var out []media.Chapter
	for i, c := range p.Chapters {
		start, ok := seconds(c.StartTime)
		if !ok {
			continue
		}
		name := tag(c.Tags, "title")
		if name == "" {
			name = fmt.Sprintf("Chapter %d", i+1)
		}
		out = append(out, media.Chapter{ChapterIndex: i, StartPositionTicks: ticksOf(start), Name: name})
	}
	return out
}

// video returns the first video stream's size.
func (p *probeResult) videoSize() (w, h *int) {
	for _, s := range p.Streams {
		if s.CodecType == "video" && s.Disposition["attached_pic"] != 1 {
			return intPtr(s.Width), intPtr(s.Height)
		}
	}
	return nil, nil
}

// coverStream returns the index of an embedded cover picture, or -1.
func (p *probeResult) coverStream() int {
	for _, s := range p.Streams {
		if s.CodecType == "video" && s.Disposition["attached_pic"] == 1 {
			return s.Index
		}
	}
	return -1
}

// extractCover writes the embedded picture of stream index of src to dst as
// a JPEG.
func extractCover(ctx context.Context, ffmpeg, src string, index int, dst string) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-v", "error", "-y", "-i", src, "-map", "0:"+strconv.Itoa(index), "-frames:v", "1", "-f", "image2", "-c:v", "mjpeg", dst)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
