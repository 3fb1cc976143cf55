package jellyfin

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// Remote control: a client says what it can do (POST
// /Sessions/Capabilities), and its user's other clients (web's cast menu,
// the phone apps) list it in GET /Sessions?ControllableByUserId= and send
// it commands: play these items, pause, seek, show a message. A command
// goes to the target device's WebSocket as Jellyfin sends it (Play,
// Playstate, GeneralCommand), through the event bus, so the controller
// and the controlled client may be connected to different replicas.

// capabilities is POST /Sessions/Capabilities: the client's capabilities
// in the query (playableMediaTypes, supportedCommands, supportsMediaControl).
func (rt *Router) capabilities(w http.ResponseWriter, r *http.Request, p *principal) error {
	c := store.Capabilities{PlayableMediaTypes: queryList(r, "playableMediaTypes"), SupportedCommands: queryList(r, "supportedCommands")}
	if b := queryBool(r, "supportsMediaControl"); b != nil {
		c.SupportsMediaControl = *b
	}
	return rt.saveCapabilities(w, r, p, c)
}

// capabilitiesFull is POST /Sessions/Capabilities/Full: the same, as a
// ClientCapabilitiesDto body.
func (rt *Router) capabilitiesFull(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		PlayableMediaTypes   []string
		SupportedCommands    []string
		SupportsMediaControl bool
	}
	if err := decode(r, &body, false); err != nil {
		return err
	}
	return rt.saveCapabilities(w, r, p, store.Capabilities{PlayableMediaTypes: body.PlayableMediaTypes,
		SupportedCommands: body.SupportedCommands, SupportsMediaControl: body.SupportsMediaControl})
}

func (rt *Router) saveCapabilities(w http.ResponseWriter, r *http.Request, p *principal, c store.Capabilities) error {
	for _, l := range [][]string{c.PlayableMediaTypes, c.SupportedCommands} {
		for _, v := range l {
			if !isName(v) {
				return media.Errorf(media.EINVALID, "%q is not a media type or command name", v)
			}
		}
	}
	if p.user == nil {
		noContent(w) // an API key has no session to describe
		return nil
	}
	ps := rt.playSession(p, p.user)
	ps.Started, ps.LastReport = time.Now().UTC(), time.Now().UTC()
	if err := rt.store.SetCapabilities(r.Context(), ps, c); err != nil {
		return err
	}
	rt.publish(r.Context(), events.Event{Kind: events.SessionsChanged})
	noContent(w)
	return nil
}

// isName reports whether s is a plain enum name (Video, DisplayMessage).
func isName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// canControl says whether p may send commands to sessions of user: their
// own, or anyone's with EnableRemoteControlOfOtherUsers (administrators
// have it), or an API key, as Jellyfin's GetSessions and AssertCanControl.
func (rt *Router) canControl(r *http.Request, p *principal, user media.ID) (bool, error) {
	if p.apiKey != nil || (p.user != nil && p.user.ID == user) {
		return true, nil
	}
	if p.user == nil {
		return false, nil
	}
	perms, err := rt.store.UserPermissions(r.Context(), p.user.ID)
	if err != nil {
		return false, err
	}
	return perms[media.PermissionEnableRemoteControlOfOtherUsers], nil
}

// targetSession is the path's {sessionId}, if p may control it and it
// takes remote control.
func (rt *Router) targetSession(r *http.Request, p *principal) (*store.PlaySession, error) {
	s, err := rt.store.Session(r.Context(), r.PathValue("sessionId"))
	if err != nil {
		return nil, err
	}
	ok, err := rt.canControl(r, p, s.UserID)
	if err != nil {
		return nil, err
	}
	if !ok {
		// As an unknown one: another user's session is not the
		// caller's to know of.
		return nil, media.Errorf(media.ENOTFOUND, "session %s not found", s.ID)
	}
	if !s.Capabilities.SupportsMediaControl {
		return nil, media.Errorf(media.EINVALID, "the session %s does not take remote control", s.ID)
	}
	return s, nil
}

// sendCommand sends a WebSocket message to the session's device, wherever
// it is connected.
func (rt *Router) sendCommand(w http.ResponseWriter, r *http.Request, s *store.PlaySession, typ string, data any) error {
	msg, err := encodeMessage(typ, data)
	if err != nil {
		return err
	}
	if len(msg) > events.MaxMessage {
		return media.Errorf(media.EINVALID, "the command is too long to send (%d bytes)", len(msg))
	}
	if err := rt.events.Publish(r.Context(), events.Event{Kind: events.SessionCommand, User: s.UserID, Device: s.DeviceID, Message: msg}); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// controller is the user a command names as sent by.
func controller(p *principal) string {
	if p.user == nil {
		return ""
	}
	return p.user.ID.String()
}

// PlayRequest is the Play message's Data.
type PlayRequest struct {
	ItemIDs             []string `json:"ItemIds"`
	StartPositionTicks  *int64   `json:",omitempty"`
	PlayCommand         string
	ControllingUserID   string `json:"ControllingUserId,omitempty"`
	SubtitleStreamIndex *int   `json:",omitempty"`
	AudioStreamIndex    *int   `json:",omitempty"`
	MediaSourceID       string `json:"MediaSourceId,omitempty"`
	StartIndex          *int   `json:",omitempty"`
}

var playCommands = []string{"PlayNow", "PlayNext", "PlayLast", "PlayInstantMix", "PlayShuffle"}

// sessionPlay is POST /Sessions/{sessionId}/Playing: play items there.
func (rt *Router) sessionPlay(w http.ResponseWriter, r *http.Request, p *principal) error {
	s, err := rt.targetSession(r, p)
	if err != nil {
		return err
	}
	cmd := enumValue(query(r, "playCommand"), playCommands)
	if cmd == "" {
		return media.Errorf(media.EINVALID, "playCommand must be one of %s", strings.Join(playCommands, ", "))
	}
	req := &PlayRequest{PlayCommand: cmd, ControllingUserID: controller(p), MediaSourceID: query(r, "mediaSourceId")}
	for _, raw := range queryList(r, "itemIds") {
		id, err := media.ParseID(raw)
		if err != nil {
			return media.Errorf(media.EINVALID, "itemIds: %q is not a valid id", raw)
		}
		req.ItemIDs = append(req.ItemIDs, id.String())
	}
	if len(req.ItemIDs) == 0 {
		return media.Errorf(media.EINVALID, "itemIds is required")
	}
	if req.StartPositionTicks, err = queryInt64(r, "startPositionTicks"); err != nil {
		return err
	}
	for name, dst := range map[string]**int{"audioStreamIndex": &req.AudioStreamIndex, "subtitleStreamIndex": &req.SubtitleStreamIndex, "startIndex": &req.StartIndex} {
		if n, ok, err := queryInt(r, name); err != nil {
			return err
		} else if ok {
			*dst = &n
		}
	}
	return rt.sendCommand(w, r, s, "Play", req)
}

var playstateCommands = []string{"Stop", "Pause", "Unpause", "NextTrack", "PreviousTrack", "Seek", "Rewind", "FastForward", "PlayPause"}

// sessionPlaystate is POST /Sessions/{sessionId}/Playing/{command}: pause,
// seek, skip there.
func (rt *Router) sessionPlaystate(w http.ResponseWriter, r *http.Request, p *principal) error {
	s, err := rt.targetSession(r, p)
	if err != nil {
		return err
	}
	cmd := enumValue(r.PathValue("command"), playstateCommands)
	if cmd == "" {
		return media.Errorf(media.EINVALID, "the command must be one of %s", strings.Join(playstateCommands, ", "))
	}
	seek, err := queryInt64(r, "seekPositionTicks")
	if err != nil {
		return err
	}
	return rt.sendCommand(w, r, s, "Playstate", &struct {
		Command           string
		SeekPositionTicks *int64 `json:",omitempty"`
		ControllingUserID string `json:"ControllingUserId,omitempty"`
	}{cmd, seek, controller(p)})
}

// GeneralCommand is the GeneralCommand message's Data.
type GeneralCommand struct {
	Name              string
	ControllingUserID string `json:"ControllingUserId,omitempty"`
	Arguments         map[string]string
}

// sessionCommand is POST /Sessions/{sessionId}/Command (a GeneralCommand
// body), /Command/{command} and /System/{command}: volume, mute, go
// home, show a message...
func (rt *Router) sessionCommand(w http.ResponseWriter, r *http.Request, p *principal) error {
	s, err := rt.targetSession(r, p)
	if err != nil {
		return err
	}
	c := &GeneralCommand{Name: r.PathValue("command")}
	if c.Name == "" {
		if err := decode(r, c, true); err != nil {
			return err
		}
	}
	if !isName(c.Name) {
		return media.Errorf(media.EINVALID, "%q is not a command name", c.Name)
	}
	c.ControllingUserID = controller(p)
	if c.Arguments == nil {
		c.Arguments = map[string]string{}
	}
	return rt.sendCommand(w, r, s, "GeneralCommand", c)
}

// sessionMessage is POST /Sessions/{sessionId}/Message: show a message
// there (GeneralCommand DisplayMessage).
func (rt *Router) sessionMessage(w http.ResponseWriter, r *http.Request, p *principal) error {
	s, err := rt.targetSession(r, p)
	if err != nil {
		return err
	}
	var body struct {
		Header, Text string
		TimeoutMs    *int64
	}
	if err := decode(r, &body, true); err != nil {
		return err
	}
	if body.Text == "" {
		return media.Errorf(media.EINVALID, "Text is required")
	}
	args := map[string]string{"Header": body.Header, "Text": body.Text}
	if body.TimeoutMs != nil {
		args["TimeoutMs"] = strconv.FormatInt(*body.TimeoutMs, 10)
	}
	return rt.sendCommand(w, r, s, "GeneralCommand", &GeneralCommand{Name: "DisplayMessage", ControllingUserID: controller(p), Arguments: args})
}

// sessionViewing is POST /Sessions/{sessionId}/Viewing: show an item's
// page there (GeneralCommand DisplayContent), what a remote control's
// browsing does.
func (rt *Router) sessionViewing(w http.ResponseWriter, r *http.Request, p *principal) error {
	s, err := rt.targetSession(r, p)
	if err != nil {
		return err
	}
	id, err := media.ParseID(query(r, "itemId"))
	if err != nil {
		return media.Errorf(media.EINVALID, "itemId is required")
	}
	args := map[string]string{"ItemId": id.String(), "ItemName": query(r, "itemName"), "ItemType": query(r, "itemType")}
	return rt.sendCommand(w, r, s, "GeneralCommand", &GeneralCommand{Name: "DisplayContent", ControllingUserID: controller(p), Arguments: args})
}

// enumValue is the name in names that s is, in any case, or "".
func enumValue(s string, names []string) string {
	if i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, s) }); i >= 0 {
		return names[i]
	}
	return ""
}

func queryInt64(r *http.Request, name string) (*int64, error) {
	v := query(r, name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, media.Errorf(media.EINVALID, "%s must be a whole number", name)
	}
	return &n, nil
}
