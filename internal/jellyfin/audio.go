package jellyfin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

// /Audio/{id}/universal (jellyfin-api.md §3.9), the music clients' one URL:
// the client lists the containers it plays ("Container=mp3,flac,mp4|aac")
// and how it wants the rest (TranscodingContainer, AudioCodec,
// TranscodingProtocol). jellyha builds the DeviceProfile Jellyfin's
// UniversalAudioController builds from them, decides as PlaybackInfo does,
// and then sends the file, redirects an HLS client to the HLS playlist, or
// transcodes with ffmpeg as the client reads: a chunked response with no
// length and no ranges, ffmpeg killed when the client goes away.

// audioTarget is one progressive transcode output.
type audioTarget struct {
	encoder, muxer, mime string
	muxerArgs            []string
	maxChannels          int // 0: any
	minRate, maxRate     int // bits per second the encoder takes
}

// audioTargets are the outputs by codec, then container ("" the codec's
// own).
var audioTargets = map[string]map[string]audioTarget{
	"mp3": {"": {encoder: "libmp3lame", muxer: "mp3", mime: "audio/mpeg", maxChannels: 2, minRate: 32_000, maxRate: 320_000}},
	"aac": {
		"":    {encoder: "aac", muxer: "adts", mime: "audio/aac", minRate: 32_000, maxRate: 640_000},
		"mp4": {encoder: "aac", muxer: "mp4", mime: "audio/mp4", muxerArgs: []string{"-movflags", "frag_keyframe+empty_moov+default_base_moof"}, minRate: 32_000, maxRate: 640_000},
		"m4a": {encoder: "aac", muxer: "mp4", mime: "audio/mp4", muxerArgs: []string{"-movflags", "frag_keyframe+empty_moov+default_base_moof"}, minRate: 32_000, maxRate: 640_000},
	},
	"opus": {
		"":     {encoder: "libopus", muxer: "ogg", mime: "audio/ogg", minRate: 6_000, maxRate: 510_000},
		"webm": {encoder: "libopus", muxer: "webm", mime: "audio/webm", minRate: 6_000, maxRate: 510_000},
	},
	"vorbis": {"": {encoder: "libvorbis", muxer: "ogg", mime: "audio/ogg", minRate: 45_000, maxRate: 500_000}},
	"flac":   {"": {encoder: "flac", muxer: "flac", mime: "audio/flac"}},
}

// sameAsCodec are container names that mean "the codec's own".
var sameAsCodec = map[string]bool{"": true, "mp3": true, "aac": true, "adts": true, "ogg": true, "oga": true, "opus": true, "flac": true}

func pickAudioTarget(codec, container string) (audioTarget, bool) {
	byContainer, ok := audioTargets[codec]
	if !ok {
		return audioTarget{}, false
	}
	if t, ok := byContainer[container]; ok {
		return t, true
	}
	if sameAsCodec[container] {
		return byContainer[""], true
	}
	return audioTarget{}, false
}

// universalAudio is GET|HEAD /Audio/{itemId}/universal.
func (rt *Router) universalAudio(w http.ResponseWriter, r *http.Request, p *principal) error {
	it, err := rt.playableItem(r, p)
	if err != nil {
		return err
	}
	id, _ := pathID(r, "itemId")
	streams, err := rt.store.ItemStreams(r.Context(), id)
	if err != nil {
		return err
	}
	num := func(name string) int64 {
		n, _ := strconv.ParseInt(query(r, name), 10, 64)
		return max(n, 0)
	}
	transContainer := strings.ToLower(query(r, "TranscodingContainer"))
	codec := strings.ToLower(strings.TrimSpace(strings.Split(query(r, "AudioCodec"), ",")[0]))
	if transContainer == "" {
		transContainer = "mp3"
	}
	if codec == "" {
		codec = "mp3"
	}
	// The DeviceProfile UniversalAudioController makes of the query.
	profile := &DeviceProfile{TranscodingProfiles: []TranscodingProfile{{Type: "Audio", Container: transContainer, AudioCodec: codec,
		Protocol: query(r, "TranscodingProtocol"), Context: "Streaming"}}}
	var names []string
	for _, c := range queryList(r, "Container") {
		name, codecs, _ := strings.Cut(c, "|")
		profile.DirectPlayProfiles = append(profile.DirectPlayProfiles, DirectPlayProfile{Type: "Audio", Container: name,
			AudioCodec: strings.ReplaceAll(codecs, "|", ",")})
		names = append(names, name)
	}
	var conds []ProfileCondition
	for _, c := range []struct{ param, prop string }{{"MaxAudioSampleRate", "AudioSampleRate"}, {"MaxAudioBitDepth", "AudioBitDepth"}, {"MaxAudioChannels", "AudioChannels"}} {
		if n := num(c.param); n > 0 {
			conds = append(conds, ProfileCondition{Condition: "LessThanEqual", Property: c.prop, Value: strconv.FormatInt(n, 10)})
		}
	}
	if len(conds) > 0 {
		profile.CodecProfiles = []CodecProfile{{Type: "Audio", Container: strings.Join(names, ","), Conditions: conds}}
	}
	if len(profile.DirectPlayProfiles) == 0 {
		// No list: the client takes the file as it is.
		profile.DirectPlayProfiles = []DirectPlayProfile{{Type: "Audio"}}
	}
	src := &MediaSourceInfo{Container: containerOf(it.Path)}
	for _, s := range streams {
		if s.StreamType == media.StreamAudio {
			idx := s.StreamIndex
			src.DefaultAudioStreamIndex = &idx
			break
		}
	}
	sf := factsOf(src, "Audio", streams)
	if facts, err := rt.store.ItemPlaybackFacts(r.Context(), id); err == nil && facts.TotalBitrate != nil {
		sf.bitrate = int64(*facts.TotalBitrate)
	}
	maxBitrate := num("MaxStreamingBitrate")
	d := decide(profile, sf, maxBitrate, true, false)
	if d.directPlay {
		return rt.sendFile(w, r, it.Path, src.Container, it.MediaType)
	}
	if strings.EqualFold(query(r, "TranscodingProtocol"), "hls") {
		// The HLS playlist of the audio; jellyha's HLS routes make it.
		q := url.Values{}
		for _, k := range []string{"MediaSourceId", "DeviceId", "PlaySessionId", "MaxAudioChannels", "StartTimeTicks", "api_key", "ApiKey"} {
			if v := query(r, k); v != "" {
				q.Set(k, v)
			}
		}
		if q.Get("MediaSourceId") == "" {
			q.Set("MediaSourceId", id.String())
		}
		q.Set("AudioCodec", codec)
		q.Set("SegmentContainer", map[bool]string{true: "mp4", false: "ts"}[transContainer == "mp4"])
		if br := audioBitrate(r, maxBitrate); br > 0 {
			q.Set("AudioBitRate", strconv.FormatInt(br, 10))
		}
		// A path of this server (the id is parsed, the query re-encoded).
		http.Redirect(w, r, "/Audio/"+id.String()+"/master.m3u8?"+q.Encode(), http.StatusFound) //nolint:gosec // G710: never another host
		return nil
	}
	target, ok := pickAudioTarget(codec, transContainer)
	if !ok {
		return media.Errorf(media.EINVALID, "jellyha cannot transcode audio to %s in %s (it makes mp3, aac, opus, vorbis or flac)", codec, transContainer)
	}
	job := audioJob{path: it.Path, target: target, stream: -1, start: ticksDuration(num("StartTimeTicks")),
		bitrate: audioBitrate(r, maxBitrate), channels: int(num("MaxAudioChannels")), sampleRate: int(num("MaxAudioSampleRate"))}
	if sf.audio != nil {
		job.stream = sf.audio.StreamIndex
		if sf.audio.Channels != nil {
			job.srcChannels = *sf.audio.Channels
		}
		if sf.audio.SampleRate != nil {
			job.srcRate = *sf.audio.SampleRate
		}
	}
	if tc := num("TranscodingAudioChannels"); tc > 0 && (job.channels == 0 || int(tc) < job.channels) {
		job.channels = int(tc)
	}
	return rt.streamAudio(w, r, job)
}

// audioBitrate is the transcode's bitrate: AudioBitRate, else
// MaxStreamingBitrate, as UniversalAudioController passes them on.
func audioBitrate(r *http.Request, maxStreaming int64) int64 {
	if n, err := strconv.ParseInt(query(r, "AudioBitRate"), 10, 64); err == nil && n > 0 {
		return n
	}
	return maxStreaming
}

// audioJob is one progressive audio transcode.
type audioJob struct {
	path                  string
	target                audioTarget
	stream                int // the audio stream, -1 the first
	start                 time.Duration
	bitrate               int64
	channels, srcChannels int // the client's limit (0 none), the source's (0 unknown)
	sampleRate, srcRate   int // the same for the sample rate
}

// defaultAudioBitrate is StreamBuilder's when a client names none.
const defaultAudioBitrate = 128_000

func (j *audioJob) args() []string {
	args := []string{"-nostdin", "-v", "error"}
	if j.start > 0 {
		args = append(args, "-ss", strconv.FormatFloat(j.start.Seconds(), 'f', 3, 64))
	}
	m := "0:a:0"
	if j.stream >= 0 {
		m = "0:" + strconv.Itoa(j.stream)
	}
	args = append(args, "-i", j.path, "-map", m, "-vn", "-sn", "-dn", "-map_metadata", "-1", "-c:a", j.target.encoder)
	if j.target.maxRate > 0 {
		br := j.bitrate
		if br <= 0 {
			br = defaultAudioBitrate
		}
		br = min(max(br, int64(j.target.minRate)), int64(j.target.maxRate))
		args = append(args, "-b:a", strconv.FormatInt(br, 10))
	}
	// Down-mix to the client's limit, and to what the encoder takes (MP3:
	// stereo); never up.
	ch := j.channels
	if m := j.target.maxChannels; m > 0 && (ch == 0 || ch > m) {
		ch = m
	}
	if ch > 0 && (j.srcChannels == 0 || ch < j.srcChannels) {
		args = append(args, "-ac", strconv.Itoa(ch))
	}
	// Resample down to the client's limit (Opus runs at 48 kHz whatever
	// it is given, and ffmpeg resamples to what an encoder takes anyway).
	if j.sampleRate > 0 && (j.srcRate == 0 || j.srcRate > j.sampleRate) && j.target.encoder != "libopus" {
		args = append(args, "-ar", strconv.Itoa(j.sampleRate))
	}
	args = append(args, j.target.muxerArgs...)
	return append(args, "-f", j.target.muxer, "pipe:1")
}

// streamAudio runs the transcode and sends its output as it comes. ffmpeg
// runs under the request's context: a client that goes away kills it, and
// it is always waited for. If it fails before its first byte, the client
// gets a 500 saying why; after that the connection is cut, so the client
// sees a broken download rather than a short file.
func (rt *Router) streamAudio(w http.ResponseWriter, r *http.Request, j audioJob) error {
	w.Header().Set("Content-Type", j.target.mime)
	w.Header().Set("Accept-Ranges", "none")
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if rt.transcoder != nil {
		// The same cap as the HLS transcodes: one client's players must
		// not take every core.
		release, err := rt.transcoder.Slot()
		if err != nil {
			return err
		}
		defer release()
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpegProgram, j.args()...)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{b: &stderr, n: 8 << 10}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start ffmpeg: %w", err)
	}
	waited := false
	wait := func() error {
		if waited {
			return nil
		}
		waited = true
		return cmd.Wait()
	}
	defer func() { cancel(); _ = wait() }()
	br := bufio.NewReaderSize(out, 64<<10)
	if _, perr := br.Peek(1); perr != nil {
		werr := wait()
		if r.Context().Err() != nil {
			return r.Context().Err()
		}
		msg := ffmpegMessage(stderr.String(), werr, perr)
		rt.log.Warn("audio transcode failed", "path", j.path, "args", strings.Join(j.args(), " "), "err", msg)
		writeText(w, http.StatusInternalServerError, "transcoding failed: ffmpeg: "+msg)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	fw := &flushWriter{w: w, rc: http.NewResponseController(w)}
	_, cerr := io.Copy(fw, br)
	if cerr != nil && fw.failed {
		return nil // the client went away; the deferred cancel kills ffmpeg
	}
	if werr := wait(); werr != nil && r.Context().Err() == nil {
		rt.log.Warn("audio transcode failed midway", "path", j.path, "err", ffmpegMessage(stderr.String(), werr, nil))
		panic(http.ErrAbortHandler)
	}
	return nil
}

func ffmpegMessage(stderr string, errs ...error) string {
	msg := strings.TrimSpace(stderr)
	if len(msg) > 400 {
		msg = msg[len(msg)-400:]
	}
	if msg != "" {
		return msg
	}
	for _, e := range errs {
		if e != nil && !errors.Is(e, io.EOF) {
			return e.Error()
		}
	}
	return "no output"
}

// flushWriter sends each chunk as it is written, so a player starts as
// soon as ffmpeg does.
type flushWriter struct {
	w      io.Writer
	rc     *http.ResponseController
	failed bool
}

func (f *flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err == nil {
		err = f.rc.Flush()
	}
	if err != nil {
		f.failed = true
	}
	return n, err
}

// limitedBuffer keeps the first n bytes written to it.
type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
