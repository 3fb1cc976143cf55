package jellyfin

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// PlaybackInfo (jellyfin-api.md §3.9): the client describes what it can
// play (a DeviceProfile) and the server answers with the item's media
// source and how to play it. jellyha plays a file directly when the
// profile takes its container and codecs within the bitrate cap, and
// otherwise points at an HLS transcode (h264/aac).

// DeviceProfile is the part of a client's DeviceProfile the decision reads
// (profiles.go evaluates the conditions and picks subtitle delivery).
type DeviceProfile struct {
	MaxStreamingBitrate *int64
	DirectPlayProfiles  []DirectPlayProfile
	TranscodingProfiles []TranscodingProfile
	CodecProfiles       []CodecProfile
	ContainerProfiles   []ContainerProfile
	SubtitleProfiles    []SubtitleProfile
}

// DirectPlayProfile says which containers and codecs a client plays as they
// are; an empty list means any.
type DirectPlayProfile struct {
	Container, AudioCodec, VideoCodec string
	Type                              string // Video, Audio, Photo
}

// TranscodingProfile says what a client takes when the server converts.
type TranscodingProfile struct {
	Container, Type, VideoCodec, AudioCodec, Protocol, Context string
}

// PlaybackInfoDto is the body of POST /Items/{itemId}/PlaybackInfo.
type PlaybackInfoDto struct {
	UserID              string `json:"UserId"`
	MaxStreamingBitrate *int64
	StartTimeTicks      *int64
	AudioStreamIndex    *int
	SubtitleStreamIndex *int
	MediaSourceID       string `json:"MediaSourceId"`
	DeviceProfile       *DeviceProfile
	EnableDirectPlay    *bool
	EnableDirectStream  *bool
	EnableTranscoding   *bool
}

// MediaSourceInfo is one playable version of an item.
type MediaSourceInfo struct {
	Protocol                   string
	ID                         string `json:"Id"`
	Path                       string
	Type                       string
	Container                  string
	Size                       *int64 `json:",omitempty"`
	Name                       string
	IsRemote                   bool
	ETag                       string `json:",omitempty"`
	RunTimeTicks               *int64 `json:",omitempty"`
	ReadAtNativeFramerate      bool
	IgnoreDts                  bool
	IgnoreIndex                bool
	GenPtsInput                bool
	SupportsTranscoding        bool
	SupportsDirectStream       bool
	SupportsDirectPlay         bool
	IsInfiniteStream           bool
	RequiresOpening            bool
	RequiresClosing            bool
	RequiresLooping            bool
	SupportsProbing            bool
	VideoType                  string `json:",omitempty"`
	MediaStreams               []MediaStreamDto
	MediaAttachments           []struct{}
	Formats                    []string
	Bitrate                    *int64            `json:",omitempty"`
	RequiredHTTPHeaders        map[string]string `json:"RequiredHttpHeaders"`
	TranscodingURL             string            `json:"TranscodingUrl,omitempty"`
	TranscodingSubProtocol     string            `json:",omitempty"`
	TranscodingContainer       string            `json:",omitempty"`
	DefaultAudioStreamIndex    *int              `json:",omitempty"`
	DefaultSubtitleStreamIndex *int              `json:",omitempty"`
	HasSegments                bool
}

// MediaStreamDto is one stream of a media source.
type MediaStreamDto struct {
	Codec                  string   `json:",omitempty"`
	CodecTag               string   `json:",omitempty"`
	Language               string   `json:",omitempty"`
	Title                  string   `json:",omitempty"`
	DisplayTitle           string   `json:",omitempty"`
	Profile                string   `json:",omitempty"`
	VideoRange             string   `json:",omitempty"`
	VideoRangeType         string   `json:",omitempty"`
	IsInterlaced           bool     `json:"IsInterlaced"`
	IsAVC                  *bool    `json:"IsAVC,omitempty"`
	ChannelLayout          string   `json:",omitempty"`
	BitRate                *int     `json:",omitempty"`
	BitDepth               *int     `json:",omitempty"`
	RefFrames              *int     `json:",omitempty"`
	Channels               *int     `json:",omitempty"`
	SampleRate             *int     `json:",omitempty"`
	IsDefault              bool     `json:"IsDefault"`
	IsForced               bool     `json:"IsForced"`
	IsHearingImpaired      bool     `json:"IsHearingImpaired"`
	Height                 *int     `json:",omitempty"`
	Width                  *int     `json:",omitempty"`
	AverageFrameRate       *float32 `json:",omitempty"`
	RealFrameRate          *float32 `json:",omitempty"`
	Level                  *float32 `json:",omitempty"`
	AspectRatio            string   `json:",omitempty"`
	PixelFormat            string   `json:",omitempty"`
	Type                   string
	Index                  int
	IsExternal             bool
	IsTextSubtitleStream   bool
	SupportsExternalStream bool
	Path                   string `json:",omitempty"`
	// How a client with a DeviceProfile gets a subtitle stream
	// (SetDeviceSpecificSubtitleInfo): Encode, Embed, External or Hls, and
	// for External the URL to fetch.
	DeliveryMethod string `json:",omitempty"`
	DeliveryURL    string `json:"DeliveryUrl,omitempty"`
	IsExternalURL  *bool  `json:"IsExternalUrl,omitempty"`
	// The words Jellyfin's DisplayTitle is made of, in the server's
	// language: Default and External on every stream, the others on
	// subtitles.
	LocalizedUndefined       string `json:",omitempty"`
	LocalizedDefault         string `json:",omitempty"`
	LocalizedForced          string `json:",omitempty"`
	LocalizedExternal        string `json:",omitempty"`
	LocalizedHearingImpaired string `json:",omitempty"`
}

// PlaybackInfoResponse answers PlaybackInfo.
type PlaybackInfoResponse struct {
	MediaSources  []*MediaSourceInfo
	PlaySessionID string `json:"PlaySessionId"`
	ErrorCode     string `json:",omitempty"`
}

var streamTypeNames = []string{"Audio", "Video", "Subtitle", "EmbeddedImage", "Data", "Lyric"}

// containerOf names a file's container by its extension, as clients name
// containers in their profiles.
func containerOf(path string) string {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	switch ext {
	case "m4v":
		return "mp4"
	case "mpeg", "mpg":
		return "mpeg"
	case "m2ts", "mts":
		return "m2ts"
	case "oga":
		return "ogg"
	}
	return ext
}

// listHas reports whether a comma list (a profile's) holds v; an empty list
// holds everything. An empty v (no such stream) fits any list.
func listHas(list, v string) bool {
	list = strings.TrimSpace(list)
	if list == "" || v == "" {
		return true
	}
	for p := range strings.SplitSeq(list, ",") {
		if strings.EqualFold(strings.TrimSpace(p), v) {
			return true
		}
	}
	return false
}

// playDecision is what PlaybackInfo decides for a source.
type playDecision struct {
	directPlay, transcode bool
	// transcodeContainer and protocol are from the matching transcoding
	// profile.
	transcodeContainer string
	// videoBitrate caps the transcode, 0 for no cap.
	videoBitrate int64
	// failed are the profile conditions the file does not meet.
	failed []ProfileCondition
	// subtitleBlocks is set when the chosen subtitle stream can reach the
	// client only burned into a transcode.
	subtitleBlocks bool
}

// sourceFacts is what the decision looks at.
type sourceFacts struct {
	mediaType  string // "Video" or "Audio"
	container  string
	videoCodec string
	audioCodec string
	bitrate    int64
	// The file's streams, and the video, audio and subtitle streams that
	// would play (nil: none), for the profiles' conditions.
	streams                []media.MediaStream
	video, audio, subtitle *media.MediaStream
	secondaryAudio         bool // audio is not the file's first audio stream
}

// factsOf gathers the decision's facts about a media source.
func factsOf(src *MediaSourceInfo, mediaType string, streams []media.MediaStream) sourceFacts {
	sf := sourceFacts{mediaType: "Video", container: src.Container, streams: streams}
	if mediaType == "Audio" {
		sf.mediaType = "Audio"
	}
	if src.Bitrate != nil {
		sf.bitrate = *src.Bitrate
	}
	firstAudio := -1
	for i := range streams {
		s := &streams[i]
		switch {
		case s.StreamType == media.StreamVideo && sf.video == nil:
			sf.video, sf.videoCodec = s, s.Codec
		case s.StreamType == media.StreamAudio:
			if firstAudio < 0 {
				firstAudio = s.StreamIndex
			}
			if src.DefaultAudioStreamIndex != nil && s.StreamIndex == *src.DefaultAudioStreamIndex {
				sf.audio, sf.audioCodec = s, s.Codec
				sf.secondaryAudio = s.StreamIndex != firstAudio
			}
		case s.StreamType == media.StreamSubtitle && src.DefaultSubtitleStreamIndex != nil && s.StreamIndex == *src.DefaultSubtitleStreamIndex:
			sf.subtitle = s
		}
	}
	return sf
}

// conditionFailures are the conditions of p's container and codec
// profiles that the source does not meet (StreamBuilder's
// GetCompatibilityContainer, -VideoCodec and -AudioCodec).
func conditionFailures(p *DeviceProfile, s sourceFacts) []ProfileCondition {
	var out []ProfileCondition
	codecConditions := func(typ, codec string, sv *streamValues) {
		for i := range p.CodecProfiles {
			cp := &p.CodecProfiles[i]
			if strings.EqualFold(cp.Type, typ) && cp.applies(codec, s.container) && len(sv.failed(cp.ApplyConditions)) == 0 {
				out = append(out, sv.failed(cp.Conditions)...)
			}
		}
	}
	if s.mediaType == "Audio" {
		if s.audio != nil {
			av := audioValues(s.audio, nil)
			codecConditions("Audio", s.audioCodec, &av)
		}
		return out
	}
	vv := videoValues(s.video, s.streams)
	for _, cp := range p.ContainerProfiles {
		if strings.EqualFold(cp.Type, "Video") && profileList(cp.Container, s.container) {
			out = append(out, vv.failed(cp.Conditions)...)
		}
	}
	if s.video != nil {
		codecConditions("Video", s.videoCodec, &vv)
	}
	if s.audio != nil {
		secondary := s.secondaryAudio
		av := audioValues(s.audio, &secondary)
		codecConditions("VideoAudio", s.audioCodec, &av)
	}
	return out
}

// decide applies a profile to a source. maxBitrate 0 means no cap.
func decide(p *DeviceProfile, s sourceFacts, maxBitrate int64, allowDirect, allowTranscode bool) playDecision {
	var d playDecision
	if p == nil {
		// A client that sends no profile (old ones, scripts) gets the file.
		d.directPlay = allowDirect
		return d
	}
	withinCap := maxBitrate <= 0 || s.bitrate <= maxBitrate
	d.failed = conditionFailures(p, s)
	if s.subtitle != nil {
		// A subtitle the client can take neither inside the file nor as a
		// file of its own must be burned in: no direct play.
		m := deliverSubtitle(p.SubtitleProfiles, s.subtitle, false, s.container, "").method
		d.subtitleBlocks = m != "External" && m != "Embed" && m != "Drop"
	}
	if allowDirect && withinCap && len(d.failed) == 0 && !d.subtitleBlocks {
		for _, dp := range p.DirectPlayProfiles {
			if !strings.EqualFold(dp.Type, s.mediaType) {
				continue
			}
			if listHas(dp.Container, s.container) && listHas(dp.VideoCodec, s.videoCodec) && listHas(dp.AudioCodec, s.audioCodec) {
				d.directPlay = true
				break
			}
		}
	}
	if !allowTranscode {
		return d
	}
	for _, tp := range p.TranscodingProfiles {
		if !strings.EqualFold(tp.Type, s.mediaType) || strings.EqualFold(tp.Context, "Static") {
			continue
		}
		// jellyha transcodes to h264 and aac only.
		if (s.mediaType == "Video" && !listHas(tp.VideoCodec, "h264")) || !listHas(tp.AudioCodec, "aac") {
			continue
		}
		d.transcode = true
		// jellyha writes MPEG-TS segments only (package transcode); every
		// HLS client takes them, whatever container its profile prefers.
		d.transcodeContainer = "ts"
		if strings.EqualFold(tp.Protocol, "hls") {
			break
		}
	}
	if d.transcode && maxBitrate > 0 {
		d.videoBitrate = max(maxBitrate-192_000, 64_000)
	}
	return d
}

// getPlaybackInfo is GET and POST /Items/{itemId}/PlaybackInfo.
func (rt *Router) getPlaybackInfo(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	var dto PlaybackInfoDto
	if r.Method == http.MethodPost {
		if err := decode(r, &dto, false); err != nil {
			return err
		}
	}
	v, it, err := rt.pathItem(r, p)
	if err != nil {
		return err
	}
	id := it.ID
	if it.IsFolder || it.Path == "" {
		return media.Errorf(media.EINVALID, "%s is not playable", it.Name)
	}
	streams, err := rt.store.ItemStreams(ctx, id)
	if err != nil {
		return err
	}
	facts, err := rt.store.ItemPlaybackFacts(ctx, id)
	if err != nil {
		return err
	}
	// The query's values win over the body's, as in Jellyfin.
	maxBitrate := int64(0)
	if dto.MaxStreamingBitrate != nil {
		maxBitrate = *dto.MaxStreamingBitrate
	} else if dto.DeviceProfile != nil && dto.DeviceProfile.MaxStreamingBitrate != nil {
		maxBitrate = *dto.DeviceProfile.MaxStreamingBitrate
	}
	if n, err := strconv.ParseInt(query(r, "MaxStreamingBitrate"), 10, 64); err == nil {
		maxBitrate = n
	}
	audioIndex := dto.AudioStreamIndex
	if n, err := strconv.Atoi(query(r, "AudioStreamIndex")); err == nil {
		audioIndex = &n
	}
	subIndex := dto.SubtitleStreamIndex
	if n, err := strconv.Atoi(query(r, "SubtitleStreamIndex")); err == nil {
		subIndex = &n
	}
	allow := func(body *bool, name string) bool {
		if b := queryBool(r, name); b != nil {
			return *b
		}
		return body == nil || *body
	}
	allowDirect := allow(dto.EnableDirectPlay, "EnableDirectPlay") || allow(dto.EnableDirectStream, "EnableDirectStream")
	allowTranscode := allow(dto.EnableTranscoding, "EnableTranscoding")

	// Without a choice in the request, the user's: what they picked last
	// time, else their languages and subtitle mode. A default subtitle is
	// offered to the player, not burnt into a transcode; that takes the
	// request's own SubtitleStreamIndex.
	var prefs *media.UserConfiguration
	if v.user != nil {
		if prefs, err = rt.store.UserConfiguration(ctx, v.user.ID); err != nil {
			return err
		}
	}
	defAudio, defSub, chosen := defaultStreams(prefs, it, streams)
	if audioIndex == nil {
		audioIndex = defAudio
	}
	src := rt.mediaSource(it, streams, facts, audioIndex, subIndex)
	if subIndex == nil && chosen {
		// None is the user's choice too (subtitles off).
		src.DefaultSubtitleStreamIndex = defSub
	}
	sf := factsOf(src, it.MediaType, streams)
	d := decide(dto.DeviceProfile, sf, maxBitrate, allowDirect, allowTranscode)
	setSubtitleDelivery(src, dto.DeviceProfile, d, p.auth.Token)
	playSession := media.NewID().String()
	src.SupportsDirectPlay, src.SupportsDirectStream, src.SupportsTranscoding = d.directPlay, d.directPlay, d.transcode
	res := &PlaybackInfoResponse{MediaSources: []*MediaSourceInfo{src}, PlaySessionID: playSession}
	if !d.directPlay && d.transcode {
		q := url.Values{}
		q.Set("DeviceId", p.auth.DeviceID)
		q.Set("MediaSourceId", src.ID)
		q.Set("PlaySessionId", playSession)
		q.Set("AudioCodec", "aac")
		q.Set("SegmentContainer", d.transcodeContainer)
		q.Set("api_key", p.auth.Token)
		if src.DefaultAudioStreamIndex != nil {
			q.Set("AudioStreamIndex", strconv.Itoa(*src.DefaultAudioStreamIndex))
		}
		kind := "audio"
		if sf.mediaType == "Video" {
			kind = "videos"
			q.Set("VideoCodec", "h264")
			if d.videoBitrate > 0 {
				q.Set("VideoBitrate", strconv.FormatInt(d.videoBitrate, 10))
			}
			if subIndex != nil {
				q.Set("SubtitleStreamIndex", strconv.Itoa(*subIndex))
				q.Set("SubtitleMethod", "Encode")
			}
		}
		if n, err := strconv.ParseInt(query(r, "StartTimeTicks"), 10, 64); err == nil && n > 0 {
			q.Set("StartTimeTicks", strconv.FormatInt(n, 10))
		}
		src.TranscodingURL = fmt.Sprintf("/%s/%s/master.m3u8?%s", kind, it.ID, q.Encode())
		src.TranscodingSubProtocol, src.TranscodingContainer = "hls", d.transcodeContainer
	}
	if !d.directPlay && !d.transcode {
		res.ErrorCode = "NoCompatibleStream"
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// mediaSource describes an item's file.
func (rt *Router) mediaSource(it *store.ItemRow, streams []media.MediaStream, facts *store.PlaybackFacts, audioIndex, subIndex *int) *MediaSourceInfo {
	src := &MediaSourceInfo{
		Protocol: "File", ID: it.ID.String(), Path: it.Path, Type: "Default", Container: containerOf(it.Path),
		Size: it.Size, Name: strings.TrimSuffix(filepath.Base(it.Path), filepath.Ext(it.Path)), RunTimeTicks: it.RunTimeTicks,
		SupportsProbing: true, MediaStreams: []MediaStreamDto{}, MediaAttachments: []struct{}{}, Formats: []string{},
		RequiredHTTPHeaders: map[string]string{},
	}
	if it.MediaType == "Video" {
		src.VideoType = "VideoFile"
	}
	if it.DateModified != nil {
		src.ETag = strconv.FormatInt(it.DateModified.UnixNano()/100, 16)
	}
	switch {
	case facts.TotalBitrate != nil && *facts.TotalBitrate > 0:
		b := int64(*facts.TotalBitrate)
		src.Bitrate = &b
	case it.Size != nil && it.RunTimeTicks != nil && *it.RunTimeTicks > 0:
		b := *it.Size * 8 * media.TicksPerSecond / *it.RunTimeTicks
		src.Bitrate = &b
	}
	var firstAudio, defAudio, defSub *int
	for i := range streams {
		s := &streams[i]
		idx := s.StreamIndex
		switch s.StreamType {
		case media.StreamAudio:
			if firstAudio == nil {
				firstAudio = &idx
			}
			if s.IsDefault && defAudio == nil {
				defAudio = &idx
			}
			if audioIndex != nil && *audioIndex == idx {
				defAudio = &idx
				audioIndex = nil
			}
		case media.StreamSubtitle:
			if (s.IsDefault || s.IsForced) && defSub == nil {
				defSub = &idx
			}
		}
		src.MediaStreams = append(src.MediaStreams, streamDto(s))
	}
	if defAudio == nil {
		defAudio = firstAudio
	}
	src.DefaultAudioStreamIndex = defAudio
	if subIndex != nil {
		defSub = subIndex
	}
	src.DefaultSubtitleStreamIndex = defSub
	return src
}

func streamDto(s *media.MediaStream) MediaStreamDto {
	typ := "Data"
	if int(s.StreamType) < len(streamTypeNames) {
		typ = streamTypeNames[s.StreamType]
	}
	d := MediaStreamDto{
		Codec: s.Codec, CodecTag: s.CodecTag, Language: s.Language, Title: s.Title, Profile: s.Profile,
		ChannelLayout: s.ChannelLayout, BitRate: s.BitRate, BitDepth: s.BitDepth, RefFrames: s.RefFrames, Channels: s.Channels,
		SampleRate: s.SampleRate, IsDefault: s.IsDefault, IsForced: s.IsForced, Height: s.Height, Width: s.Width,
		AverageFrameRate: s.AverageFrameRate, RealFrameRate: s.RealFrameRate, Level: s.Level, AspectRatio: s.AspectRatio,
		PixelFormat: s.PixelFormat, Type: typ, Index: s.StreamIndex, IsExternal: s.IsExternal, IsAVC: s.IsAvc,
	}
	if s.IsInterlaced != nil {
		d.IsInterlaced = *s.IsInterlaced
	}
	if s.IsHearingImpaired != nil {
		d.IsHearingImpaired = *s.IsHearingImpaired
	}
	if s.IsExternal {
		d.Path = s.Path
	}
	codec := strings.ToUpper(s.Codec)
	lang := s.Language
	switch s.StreamType {
	case media.StreamVideo:
		d.VideoRange, d.VideoRangeType = videoRange(s)
		parts := []string{}
		if s.Height != nil {
			parts = append(parts, resolutionName(*s.Height))
		}
		d.DisplayTitle = strings.Join(append(parts, codec, d.VideoRange), " ")
	case media.StreamAudio:
		parts := []string{}
		if lang != "" {
			parts = append(parts, lang)
		}
		parts = append(parts, codec)
		if s.ChannelLayout != "" {
			parts = append(parts, s.ChannelLayout)
		}
		if s.IsDefault {
			parts = append(parts, "Default")
		}
		d.DisplayTitle = strings.Join(parts, " - ")
	case media.StreamSubtitle:
		d.IsTextSubtitleStream = s.IsTextSubtitle()
		d.SupportsExternalStream = s.SupportsExternalStream()
		d.LocalizedUndefined, d.LocalizedForced, d.LocalizedHearingImpaired = "Undefined", "Forced", "Hearing Impaired"
		d.DisplayTitle = subtitleTitle(&d)
	}
	d.LocalizedDefault, d.LocalizedExternal = "Default", "External"
	return d
}

// subtitleTitle is MediaStream.DisplayTitle of a subtitle stream: the
// language's name (or Undefined), then Hearing Impaired, Default, Forced,
// the codec and External as they apply, after the stream's title if it has
// one (leaving out words the title already says).
func subtitleTitle(d *MediaStreamDto) string {
	var tags []string
	switch {
	case d.Language == "":
		tags = append(tags, d.LocalizedUndefined)
	case media.LanguageDisplayName(d.Language) != "":
		tags = append(tags, media.LanguageDisplayName(d.Language))
	default:
		tags = append(tags, strings.ToUpper(d.Language[:1])+d.Language[1:])
	}
	if d.IsHearingImpaired {
		tags = append(tags, d.LocalizedHearingImpaired)
	}
	if d.IsDefault {
		tags = append(tags, "Default")
	}
	if d.IsForced {
		tags = append(tags, d.LocalizedForced)
	}
	if d.Codec != "" {
		tags = append(tags, strings.ToUpper(d.Codec))
	}
	if d.IsExternal {
		tags = append(tags, "External")
	}
	if d.Title == "" {
		return strings.Join(tags, " - ")
	}
	title := d.Title
	for _, t := range tags {
		if !strings.Contains(strings.ToLower(d.Title), strings.ToLower(t)) {
			title += " - " + t
		}
	}
	return title
}

func resolutionName(h int) string {
	switch {
	case h >= 2000:
		return "4K"
	case h >= 1000:
		return "1080p"
	case h >= 700:
		return "720p"
	case h >= 560:
		return "576p"
	case h >= 470:
		return "480p"
	}
	return strconv.Itoa(h) + "p"
}
