package jellyfin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/transcode"
)

// HLS transcoding (jellyfin-api.md §3.9): the TranscodingUrl PlaybackInfo
// gives is /videos/{id}/master.m3u8?...; the master playlist names one
// variant, main.m3u8 with the same query; main.m3u8 lists every segment of
// the item up front (a VOD playlist, from the item's duration) as
// hls1/main/{n}.ts with the query, runtimeTicks and
// actualSegmentLengthTicks, as Jellyfin 10.11 writes them. Players fetch
// all of these without headers, so the token is the query's api_key. The
// segments come from package transcode, which explains how any replica
// serves any of them.

// SetTranscoder sets the transcode jobs' manager; without one the HLS
// routes answer 503.
func (rt *Router) SetTranscoder(m *transcode.Manager) { rt.transcoder = m }

// hlsRequest reads the stream a HLS request asks for: the path's item
// (visible to the caller) and the client's limits from the query.
func (rt *Router) hlsRequest(r *http.Request, p *principal) (*transcode.Request, error) {
	if rt.transcoder == nil {
		return nil, media.Errorf(media.EUNAVAILABLE, "transcoding is not enabled on this server")
	}
	ctx := r.Context()
	_, it, err := rt.pathItem(r, p)
	if err != nil {
		return nil, err
	}
	id := it.ID
	if ms := query(r, "MediaSourceId"); ms != "" {
		if msID, err := media.ParseID(ms); err != nil || msID != id {
			return nil, media.Errorf(media.ENOTFOUND, "no media source %s for this item", ms)
		}
	}
	if it.IsFolder || it.Path == "" {
		return nil, media.Errorf(media.ENOTFOUND, "%s has no file to stream", it.Name)
	}
	if it.RunTimeTicks == nil || *it.RunTimeTicks <= 0 {
		return nil, media.Errorf(media.EINVALID, "%s has no known duration to cut into segments", it.Name)
	}
	streams, err := rt.store.ItemStreams(ctx, id)
	if err != nil {
		return nil, err
	}
	req := &transcode.Request{ItemID: id, Path: it.Path, Audio: it.MediaType == "Audio", RunTimeTicks: *it.RunTimeTicks,
		PlaySessionID: query(r, "PlaySessionId"), DeviceID: query(r, "DeviceId"),
		VideoCodecs: queryList(r, "VideoCodec"), AudioCodecs: queryList(r, "AudioCodec")}
	if req.DeviceID == "" {
		req.DeviceID = p.auth.DeviceID
	}
	ints := map[string]*int{"MaxWidth": &req.MaxWidth, "MaxHeight": &req.MaxHeight, "Width": &req.Width, "Height": &req.Height}
	for name, dst := range ints {
		if *dst, err = queryNonNegative(r, name); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"MaxAudioChannels", "TranscodingMaxAudioChannels", "AudioChannels"} {
		n, err := queryNonNegative(r, name)
		if err != nil {
			return nil, err
		}
		if n > 0 && (req.MaxAudioChannels == 0 || n < req.MaxAudioChannels) {
			req.MaxAudioChannels = n
		}
	}
	ab, err := queryNonNegative(r, "AudioBitrate")
	if err != nil {
		return nil, err
	}
	req.AudioBitrate = int64(ab)
	vb, err := queryNonNegative(r, "VideoBitrate")
	if err != nil {
		return nil, err
	}
	req.VideoBitrate = int64(vb)
	if req.VideoBitrate == 0 {
		mb, err := queryNonNegative(r, "MaxStreamingBitrate")
		if err != nil {
			return nil, err
		}
		if mb > 0 {
			audio := req.AudioBitrate
			if audio == 0 {
				audio = 192_000
			}
			req.VideoBitrate = max(int64(mb)-audio, 64_000)
		}
	}
	allow := func(name string) bool {
		b := queryBool(r, name)
		return b == nil || *b
	}
	auto := allow("EnableAutoStreamCopy")
	req.AllowVideoCopy, req.AllowAudioCopy = auto && allow("AllowVideoStreamCopy"), auto && allow("AllowAudioStreamCopy")

	var audioIndex *int
	if v := query(r, "AudioStreamIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, media.Errorf(media.EINVALID, "AudioStreamIndex must be a whole number")
		}
		audioIndex = &n
	}
	var firstAudio, defAudio *media.MediaStream
	src := &req.Source
	for i := range streams {
		s := &streams[i]
		switch s.StreamType {
		case media.StreamVideo:
			if src.VideoCodec == "" && !s.IsExternal {
				src.VideoCodec, src.VideoProfile, src.PixelFormat = s.Codec, s.Profile, s.PixelFormat
				src.Width, src.Height, src.BitDepth = deref(s.Width), deref(s.Height), deref(s.BitDepth)
				src.VideoBitrate = int64(deref(s.BitRate))
				if s.Level != nil {
					src.VideoLevel = *s.Level
				}
			}
		case media.StreamAudio:
			if s.IsExternal {
				continue
			}
			if firstAudio == nil {
				firstAudio = s
			}
			if audioIndex != nil && s.StreamIndex == *audioIndex || audioIndex == nil && s.IsDefault && defAudio == nil {
				defAudio = s
			}
		}
	}
	if audioIndex != nil && defAudio == nil {
		return nil, media.Errorf(media.EINVALID, "%s has no audio stream %d", it.Name, *audioIndex)
	}
	if defAudio == nil {
		defAudio = firstAudio
	}
	if defAudio != nil {
		idx := defAudio.StreamIndex
		req.AudioStreamIndex = &idx
		src.AudioCodec, src.AudioChannels, src.AudioBitrate = defAudio.Codec, deref(defAudio.Channels), int64(deref(defAudio.BitRate))
	}
	return req, nil
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// queryNonNegative reads an optional whole number; absent is 0.
func queryNonNegative(r *http.Request, name string) (int, error) {
	v := query(r, name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, media.Errorf(media.EINVALID, "%s must be a whole number", name)
	}
	return n, nil
}

// playlistQuery is the request's query for the URLs a playlist names:
// what the segment route adds is dropped, and StartTimeTicks too, since
// the playlists always describe the whole item (players seek in it).
func playlistQuery(r *http.Request) url.Values {
	q := r.URL.Query()
	for _, k := range []string{"runtimeticks", "actualsegmentlengthticks", "starttimeticks"} {
		q.Del(k)
	}
	return q
}

func writePlaylist(w http.ResponseWriter, r *http.Request, body string) {
	w.Header().Set("Content-Type", "application/x-mpegURL")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// hlsMaster is GET|HEAD /Videos/{itemId}/master.m3u8 and its /Audio twin.
func (rt *Router) hlsMaster(w http.ResponseWriter, r *http.Request, p *principal) error {
	req, err := rt.hlsRequest(r, p)
	if err != nil {
		return err
	}
	v := req.Variant()
	var b strings.Builder
	b.WriteString("#EXTM3U\n")
	fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,CODECS=\"%s\"", v.Bandwidth, v.Bandwidth, v.Codecs)
	if v.Width > 0 && v.Height > 0 {
		fmt.Fprintf(&b, ",RESOLUTION=%dx%d", v.Width, v.Height)
	}
	// The query goes on as it came, StartTimeTicks included: main.m3u8
	// uses it to start the job where the player will start.
	b.WriteString("\nmain.m3u8")
	if r.URL.RawQuery != "" {
		b.WriteString("?" + r.URL.RawQuery)
	}
	b.WriteString("\n")
	writePlaylist(w, r, b.String())
	return nil
}

// hlsMain is GET|HEAD /Videos/{itemId}/main.m3u8 and its /Audio twin.
func (rt *Router) hlsMain(w http.ResponseWriter, r *http.Request, p *principal) error {
	req, err := rt.hlsRequest(r, p)
	if err != nil {
		return err
	}
	length := rt.transcoder.SegmentLength()
	durations := transcode.SegmentDurations(req.RunTimeTicks, length)
	start := 0
	startTicks, _ := strconv.ParseInt(query(r, "StartTimeTicks"), 10, 64)
	if startTicks > 0 {
		start = min(int(time.Duration(startTicks)*100/length), len(durations)-1)
	}
	if r.Method == http.MethodGet {
		// The player asks for its first segment next: have ffmpeg on it.
		go func(req transcode.Request) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rt.transcoder.Warm(ctx, &req, start)
		}(*req)
	}
	q := playlistQuery(r).Encode()
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-VERSION:3\n")
	fmt.Fprintf(&b, "#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n", int((length+time.Second-1)/time.Second))
	if startTicks > 0 {
		fmt.Fprintf(&b, "#EXT-X-START:TIME-OFFSET=%.3f,PRECISE=YES\n", (time.Duration(startTicks) * 100).Seconds())
	}
	var at int64
	for i, d := range durations {
		ticks := int64(d / 100)
		fmt.Fprintf(&b, "#EXTINF:%.6f, nodesc\nhls1/main/%d.ts?%s&runtimeTicks=%d&actualSegmentLengthTicks=%d\n", d.Seconds(), i, q, at, ticks)
		at += ticks
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	writePlaylist(w, r, b.String())
	return nil
}

// hlsSegment is GET|HEAD /Videos/{itemId}/hls1/{playlistId}/{segment} and
// its /Audio twin, segment being "{n}.ts".
func (rt *Router) hlsSegment(w http.ResponseWriter, r *http.Request, p *principal) error {
	name := r.PathValue("segment")
	num, ext, _ := strings.Cut(name, ".")
	n, err := strconv.Atoi(num)
	if err != nil || !strings.EqualFold(ext, "ts") {
		return media.Errorf(media.ENOTFOUND, "no segment %s: jellyha writes MPEG-TS segments, {n}.ts", name)
	}
	req, err := rt.hlsRequest(r, p)
	if err != nil {
		return err
	}
	return rt.transcoder.ServeSegment(w, r, req, n)
}

// stopEncodings is DELETE /Videos/ActiveEncodings?DeviceId=&PlaySessionId=:
// the player is done with its transcode (jellyfin-web sends it when it
// stops or changes stream).
func (rt *Router) stopEncodings(w http.ResponseWriter, r *http.Request, p *principal) error {
	if rt.transcoder == nil {
		noContent(w)
		return nil
	}
	if err := rt.transcoder.Stop(r.Context(), query(r, "PlaySessionId"), query(r, "DeviceId")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// stopTranscodes ends the transcodes of a play session that stopped (or,
// with no play session, of the device), on whichever replica runs them.
func (rt *Router) stopTranscodes(ctx context.Context, playSessionID, deviceID string) {
	if rt.transcoder == nil || playSessionID == "" && deviceID == "" {
		return
	}
	if err := rt.transcoder.Stop(ctx, playSessionID, deviceID); err != nil {
		rt.log.Warn("stop the transcodes of a play session", "playSession", playSessionID, "device", deviceID, "err", err)
	}
}
