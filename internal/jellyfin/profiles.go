package jellyfin

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jellyha/jellyha/internal/media"
)

// A DeviceProfile's conditions, evaluated as Jellyfin's StreamBuilder and
// ConditionProcessor do: a ContainerProfile's conditions apply to every
// file in its containers, a CodecProfile's to the streams of its codecs
// (Video: the video stream; VideoAudio: the audio stream of a video; Audio:
// an audio file's stream) when its ApplyConditions hold. One failed
// condition rules out direct play. A value the file does not have (an
// unknown bit depth, say) satisfies a condition unless it IsRequired.

// ProfileCondition is one condition of a profile.
type ProfileCondition struct {
	Condition  string // Equals, NotEquals, LessThanEqual, GreaterThanEqual, EqualsAny
	Property   string // Width, VideoLevel, AudioChannels, ...
	Value      string
	IsRequired bool
}

// CodecProfile holds conditions on the streams of some codecs.
type CodecProfile struct {
	Type                        string // Video, VideoAudio, Audio
	Conditions, ApplyConditions []ProfileCondition
	Codec, Container            string
}

// ContainerProfile holds conditions on the files of some containers.
type ContainerProfile struct {
	Type       string // Video, Audio
	Conditions []ProfileCondition
	Container  string
}

// SubtitleProfile says how a client takes subtitles of a format.
type SubtitleProfile struct {
	Format    string
	Method    string // Encode, Embed, External, Hls, Drop
	Language  string
	Container string
}

// profileList is Jellyfin's ContainerHelper.ContainsContainer: whether a
// profile's comma list holds any of v's comma-separated names; an empty
// list holds everything, and a list starting with "-" is everything but
// its names.
func profileList(list, v string) bool {
	negative := strings.HasPrefix(list, "-")
	if negative {
		list = list[1:]
	}
	if list == "" {
		return true
	}
	for name := range strings.SplitSeq(v, ",") {
		if name == "" {
			continue
		}
		for p := range strings.SplitSeq(list, ",") {
			if p != "" && strings.EqualFold(p, name) {
				return !negative
			}
		}
	}
	return negative
}

// codecProfileApplies is CodecProfile.ContainsAnyCodec: its container list
// (which may be negative) takes the container, and its codec list (which
// may not) the codec; an empty codec fits only an empty list.
func (cp *CodecProfile) applies(codec, container string) bool {
	if !profileList(cp.Container, container) {
		return false
	}
	if cp.Codec == "" {
		return true
	}
	return codec != "" && profileList(strings.TrimPrefix(cp.Codec, "-"), codec)
}

// streamValues are the values conditions are tested against; nil or ""
// is unknown.
type streamValues struct {
	ints    map[string]*int
	floats  map[string]*float64
	strs    map[string]string
	bools   map[string]*bool
	rangeTy string // VideoRangeType, "" unknown
}

func intOf(p *int) *int { return p }

func floatOf(p *float32) *float64 {
	if p == nil {
		return nil
	}
	f := float64(*p)
	return &f
}

// videoValues are a video's values for Video codec and container
// conditions.
func videoValues(v *media.MediaStream, streams []media.MediaStream) streamValues {
	nv, na := 0, 0
	for _, s := range streams {
		switch s.StreamType {
		case media.StreamVideo:
			nv++
		case media.StreamAudio:
			na++
		}
	}
	n := len(streams)
	sv := streamValues{
		ints:   map[string]*int{"NumStreams": &n, "NumVideoStreams": &nv, "NumAudioStreams": &na},
		floats: map[string]*float64{},
		strs:   map[string]string{},
		bools:  map[string]*bool{},
	}
	if v == nil {
		return sv
	}
	sv.ints["Width"], sv.ints["Height"], sv.ints["VideoBitDepth"] = intOf(v.Width), intOf(v.Height), intOf(v.BitDepth)
	sv.ints["VideoBitrate"], sv.ints["RefFrames"] = intOf(v.BitRate), intOf(v.RefFrames)
	sv.floats["VideoLevel"] = floatOf(v.Level)
	rate := v.RealFrameRate
	if rate == nil {
		rate = v.AverageFrameRate
	}
	sv.floats["VideoFramerate"] = floatOf(rate)
	sv.strs["VideoProfile"], sv.strs["VideoCodecTag"] = v.Profile, v.CodecTag
	sv.bools["IsAnamorphic"], sv.bools["IsInterlaced"], sv.bools["IsAvc"] = v.IsAnamorphic, v.IsInterlaced, v.IsAvc
	_, sv.rangeTy = videoRange(v)
	return sv
}

// audioValues are an audio stream's values for VideoAudio and Audio
// conditions; secondary is whether it is not the file's first audio
// stream (IsSecondaryAudio, asked of videos only).
func audioValues(a *media.MediaStream, secondary *bool) streamValues {
	sv := streamValues{ints: map[string]*int{}, floats: map[string]*float64{}, strs: map[string]string{},
		bools: map[string]*bool{"IsSecondaryAudio": secondary}}
	if a == nil {
		return sv
	}
	sv.ints["AudioChannels"], sv.ints["AudioBitrate"] = intOf(a.Channels), intOf(a.BitRate)
	sv.ints["AudioSampleRate"], sv.ints["AudioBitDepth"] = intOf(a.SampleRate), intOf(a.BitDepth)
	sv.strs["AudioProfile"] = a.Profile
	return sv
}

// satisfied tests one condition. A property the values do not know of
// (PacketLength, VideoTimestamp, Has64BitOffsets, or a misspelt one) is
// unknown: satisfied unless required.
func (sv *streamValues) satisfied(c ProfileCondition) bool {
	p := c.Property
	switch {
	case p == "VideoRangeType":
		return rangeSatisfied(c, sv.rangeTy)
	case hasKey(sv.ints, p):
		v := sv.ints[p]
		if v == nil {
			return !c.IsRequired
		}
		f := float64(*v)
		return numberSatisfied(c, f, true)
	case hasKey(sv.floats, p):
		v := sv.floats[p]
		if v == nil {
			return !c.IsRequired
		}
		return numberSatisfied(c, *v, false)
	case hasKey(sv.strs, p):
		return stringSatisfied(c, sv.strs[p])
	case hasKey(sv.bools, p):
		return boolSatisfied(c, sv.bools[p])
	}
	return !c.IsRequired
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// numberSatisfied compares a number; integer properties take only integer
// values (as Jellyfin's int.TryParse), and a value that does not parse
// fails the condition.
func numberSatisfied(c ProfileCondition, v float64, integer bool) bool {
	parse := func(s string) (float64, bool) {
		s = strings.TrimSpace(s)
		if integer {
			n, err := strconv.ParseInt(s, 10, 64)
			return float64(n), err == nil
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		return f, err == nil
	}
	if strings.EqualFold(c.Condition, "EqualsAny") {
		for s := range strings.SplitSeq(c.Value, "|") {
			if want, ok := parse(s); ok && want == v {
				return true
			}
		}
		return false
	}
	want, ok := parse(c.Value)
	if !ok {
		return false
	}
	switch strings.ToLower(c.Condition) {
	case "equals":
		return v == want
	case "notequals":
		return v != want
	case "lessthanequal":
		return v <= want
	case "greaterthanequal":
		return v >= want
	}
	return false
}

// stringSatisfied compares text without regard to case; only Equals,
// NotEquals and EqualsAny ("a|b|c") apply to text.
func stringSatisfied(c ProfileCondition, v string) bool {
	if v == "" {
		return !c.IsRequired
	}
	switch strings.ToLower(c.Condition) {
	case "equalsany":
		return slices.ContainsFunc(strings.Split(c.Value, "|"), func(s string) bool { return strings.EqualFold(s, v) })
	case "equals":
		return strings.EqualFold(v, c.Value)
	case "notequals":
		return !strings.EqualFold(v, c.Value)
	}
	return false
}

func boolSatisfied(c ProfileCondition, v *bool) bool {
	if v == nil {
		return !c.IsRequired
	}
	want, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(c.Value)))
	if err != nil {
		return false
	}
	switch strings.ToLower(c.Condition) {
	case "equals":
		return *v == want
	case "notequals":
		return *v != want
	}
	return false
}

// rangeSatisfied compares a VideoRangeType; HDR10+ also passes for HDR10.
func rangeSatisfied(c ProfileCondition, v string) bool {
	if v == "" || v == "Unknown" {
		return !c.IsRequired
	}
	if v == "HDR10Plus" && rangeSatisfied(c, "HDR10") {
		return true
	}
	switch strings.ToLower(c.Condition) {
	case "equalsany":
		return slices.ContainsFunc(strings.Split(c.Value, "|"), func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), v) })
	case "equals":
		return strings.EqualFold(strings.TrimSpace(c.Value), v)
	case "notequals":
		return !strings.EqualFold(strings.TrimSpace(c.Value), v)
	}
	return false
}

// failed returns the conditions that do not hold.
func (sv *streamValues) failed(cs []ProfileCondition) []ProfileCondition {
	var out []ProfileCondition
	for _, c := range cs {
		if !sv.satisfied(c) {
			out = append(out, c)
		}
	}
	return out
}

// videoRange is Jellyfin's MediaStream.GetVideoColorRange: SDR or HDR,
// and the range type (SDR, HDR10, HDR10Plus, HLG, DOVI...), from a video
// stream's Dolby Vision fields, codec tag and color transfer.
func videoRange(v *media.MediaStream) (rng, typ string) {
	is := func(p *int, vals ...int) bool { return p != nil && slices.Contains(vals, *p) }
	hdr10Plus := v.Hdr10PlusPresentFlag != nil && *v.Hdr10PlusPresentFlag
	doviFlags := is(v.RpuPresentFlag, 1) && is(v.BlPresentFlag, 1) && is(v.DvBlSignalCompatibilityID, 0, 1, 2, 4, 6)
	tag := strings.ToLower(v.CodecTag)
	if (is(v.DvProfile, 5, 7, 8, 10) && doviFlags) || tag == "dovi" || tag == "dvh1" || tag == "dvhe" || tag == "dav1" {
		compat := -1
		if v.DvBlSignalCompatibilityID != nil {
			compat = *v.DvBlSignalCompatibilityID
		}
		rng, typ = "HDR", "DOVIInvalid" // out of Dolby's spec
		switch {
		case is(v.DvProfile, 5):
			typ = "DOVI"
		case is(v.DvProfile, 7):
			typ = "DOVIWithEL"
		case is(v.DvProfile, 8, 10):
			switch {
			case compat == 0 && is(v.DvProfile, 10):
				typ = "DOVI"
			case compat == 1:
				typ = "DOVIWithHDR10"
			case compat == 4:
				typ = "DOVIWithHLG"
			case compat == 2:
				rng, typ = "SDR", "DOVIWithSDR"
			}
		default:
			rng, typ = "SDR", "SDR"
		}
		if hdr10Plus && typ == "DOVIWithHDR10" {
			typ = "DOVIWithHDR10Plus"
		} else if hdr10Plus && typ == "DOVIWithEL" {
			typ = "DOVIWithELHDR10Plus"
		}
		return rng, typ
	}
	switch strings.ToLower(v.ColorTransfer) {
	case "smpte2084":
		if hdr10Plus {
			return "HDR", "HDR10Plus"
		}
		return "HDR", "HDR10"
	case "arib-std-b67":
		return "HDR", "HLG"
	}
	return "SDR", "SDR"
}

// Subtitle delivery (StreamBuilder.GetSubtitleProfile): how a client gets
// each subtitle stream. Embed when it plays the file (or an mkv transcode)
// and a profile takes the stream's format inside the container; External
// (a DeliveryUrl of its own) when a profile takes the format, or a text
// format it can be converted to, as a separate file; Hls for a text stream
// of an HLS transcode; otherwise Encode (burned into a transcode).

// subtitleDelivery is a stream's delivery: its method and format.
type subtitleDelivery struct{ method, format string }

func (sp *SubtitleProfile) takesLanguage(lang string) bool {
	if sp.Language == "" {
		return true
	}
	if lang == "" {
		lang = "und"
	}
	return profileList(sp.Language, lang)
}

// conversionTo is MediaStream.SupportsSubtitleConversionTo: text becomes
// any text format but ASS/SSA, and ASS/SSA becomes nothing.
func conversionTo(codec, format string) bool {
	if !media.IsTextSubtitleCodec(codec) {
		return false
	}
	for _, f := range []string{codec, format} {
		if strings.EqualFold(f, "ass") || strings.EqualFold(f, "ssa") {
			return false
		}
	}
	return true
}

// deliverSubtitle picks the delivery of subtitle stream s. transcode says
// whether the client gets a transcode (in container, over protocol "hls"
// or not) rather than the file (container the file's).
func deliverSubtitle(profiles []SubtitleProfile, s *media.MediaStream, transcode bool, container, protocol string) subtitleDelivery {
	text := media.IsTextSubtitleCodec(s.Codec)
	hls := transcode && strings.EqualFold(protocol, "hls")
	if !s.IsExternal && !hls {
		embedOK := func(sp *SubtitleProfile) bool {
			if !strings.EqualFold(sp.Method, "Embed") || !sp.takesLanguage(s.Language) || !profileList(sp.Container, container) {
				return false
			}
			// A transcode embeds subtitles only in Matroska.
			return !transcode || profileList("mkv,matroska", container)
		}
		for i := range profiles {
			sp := &profiles[i]
			if embedOK(sp) && text == media.IsTextSubtitleCodec(sp.Format) && strings.EqualFold(sp.Format, s.Codec) {
				return subtitleDelivery{"Embed", sp.Format}
			}
		}
		for i := range profiles {
			sp := &profiles[i]
			if embedOK(sp) && text && conversionTo(s.Codec, sp.Format) {
				return subtitleDelivery{"Embed", sp.Format}
			}
		}
	}
	for _, convert := range []bool{false, true} {
		for i := range profiles {
			sp := &profiles[i]
			external, viaHLS := strings.EqualFold(sp.Method, "External"), strings.EqualFold(sp.Method, "Hls")
			if (!external && !viaHLS) || (viaHLS && !transcode) || !sp.takesLanguage(s.Language) {
				continue
			}
			// External takes a format of the stream's kind (text or
			// pictures); Hls takes text.
			fits := (external && text == media.IsTextSubtitleCodec(sp.Format)) || (viaHLS && text)
			if !fits {
				continue
			}
			if strings.EqualFold(s.Codec, sp.Format) {
				return subtitleDelivery{sp.Method, sp.Format}
			}
			// Every stream jellyha lists supports external delivery
			// (MediaSourceManager: external files, text and PGS streams).
			if convert && text && conversionTo(s.Codec, sp.Format) {
				return subtitleDelivery{sp.Method, sp.Format}
			}
		}
	}
	return subtitleDelivery{"Encode", s.Codec}
}

// setSubtitleDelivery sets DeliveryMethod on each subtitle stream of src,
// and for External the URL to fetch it from, for a client with profile p
// given decision d, as Jellyfin's SetDeviceSpecificSubtitleInfo does (and
// only when there is a profile and a way to play). The URL carries the
// token, since players fetch it without headers.
func setSubtitleDelivery(src *MediaSourceInfo, p *DeviceProfile, d playDecision, token string) {
	if p == nil || (!d.directPlay && !d.transcode) {
		return
	}
	container, protocol := src.Container, ""
	if !d.directPlay {
		container, protocol = d.transcodeContainer, "hls"
	}
	for i := range src.MediaStreams {
		ms := &src.MediaStreams[i]
		if ms.Type != "Subtitle" {
			continue
		}
		s := media.MediaStream{Codec: ms.Codec, Language: ms.Language, IsExternal: ms.IsExternal}
		del := deliverSubtitle(p.SubtitleProfiles, &s, !d.directPlay, container, protocol)
		ms.DeliveryMethod = del.method
		if del.method == "External" {
			// Start 0: a direct play, or an HLS transcode, which keeps the
			// film's timestamps.
			ms.DeliveryURL = fmt.Sprintf("/Videos/%s/%s/Subtitles/%d/0/Stream.%s?ApiKey=%s",
				src.ID, src.ID, ms.Index, strings.ToLower(del.format), url.QueryEscape(token))
			f := false
			ms.IsExternalURL = &f
		}
	}
}
