package subtitle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ExtractTimeout bounds one ffmpeg run: a subtitle stream is read by
// demuxing the whole video, which takes seconds for a film on a slow disk,
// never minutes.
const ExtractTimeout = 2 * time.Minute

// maxOutput caps what Extract keeps: a text subtitle of a long film is a
// few hundred kilobytes.
const maxOutput = 32 << 20

// ffmpegFormats names ffmpeg's muxers for the formats Extract writes.
var ffmpegFormats = map[string]string{"vtt": "webvtt", "webvtt": "webvtt", "srt": "srt", "subrip": "srt", "ass": "ass", "ssa": "ass"}

// Extract has ffmpeg convert stream index of path (a stream of a video, or
// 0 of a subtitle file) to format (vtt, srt or ass) and returns it. A
// picture subtitle (PGS, VobSub) cannot become text: ffmpeg refuses, and
// the error says so with ffmpeg's own words.
func Extract(ctx context.Context, ffmpeg, path string, index int, format string) ([]byte, error) {
	muxer, ok := ffmpegFormats[strings.ToLower(format)]
	if !ok {
		return nil, fmt.Errorf("subtitle: no conversion to %q", format)
	}
	ctx, cancel := context.WithTimeout(ctx, ExtractTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-v", "error", "-i", path, "-copyts", "-map", "0:"+strconv.Itoa(index), "-f", muxer, "pipe:1")
	out := &capped{max: maxOutput}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	// Wait returns once the process is gone; this bounds the wait for its
	// pipes after a kill.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("subtitle: ffmpeg took longer than %s", ExtractTimeout)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case out.over:
		return nil, fmt.Errorf("subtitle: the stream is larger than %d bytes", maxOutput)
	case err != nil:
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 400 {
			msg = msg[len(msg)-400:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("subtitle: ffmpeg could not convert stream %d: %s", index, msg)
	}
	return out.b.Bytes(), nil
}

// capped keeps up to max bytes and fails the write after that, which
// stops ffmpeg (its next write hits a closed pipe).
type capped struct {
	b    bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.b.Len()+len(p) > c.max {
		c.over = true
		return 0, errors.New("output too large")
	}
	return c.b.Write(p)
}
