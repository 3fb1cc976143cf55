package jellyfin

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// Playback reporting (jellyfin-api.md §3.10) and the session list (§3.11).
// Each report changes the user's play state by Jellyfin's rules
// (media.StartPlay, UpdatePlayState, StopPlay) and rewrites the session's
// row of jellyha_sessions, both in one transaction committed before the
// 204, so any replica can take the next report and /Sessions on any
// replica shows it.

// PlaybackInfoReport is the body of the three reports (PlaybackStartInfo,
// PlaybackProgressInfo, PlaybackStopInfo share these members).
type PlaybackInfoReport struct {
	ItemID              string `json:"ItemId"`
	MediaSourceID       string `json:"MediaSourceId"`
	PlaySessionID       string `json:"PlaySessionId"`
	PositionTicks       *float64
	IsPaused, IsMuted   bool
	CanSeek             bool
	PlayMethod          string
	AudioStreamIndex    *int
	SubtitleStreamIndex *int
	Failed              bool
}

type reportKind int

const (
	reportStart reportKind = iota
	reportProgress
	reportStop
)

func (rt *Router) playingStart(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.reportBody(w, r, p, reportStart)
}

func (rt *Router) playingProgress(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.reportBody(w, r, p, reportProgress)
}

func (rt *Router) playingStopped(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.reportBody(w, r, p, reportStop)
}

func (rt *Router) reportBody(w http.ResponseWriter, r *http.Request, p *principal, kind reportKind) error {
	var info PlaybackInfoReport
	if err := decode(r, &info, true); err != nil {
		return err
	}
	return rt.report(w, r, p, kind, &info)
}

// The legacy twins carry the report in the path and query.

func (rt *Router) legacyStart(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.reportQuery(w, r, p, reportStart)
}

func (rt *Router) legacyProgress(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.reportQuery(w, r, p, reportProgress)
}

func (rt *Router) legacyStopped(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.reportQuery(w, r, p, reportStop)
}

func (rt *Router) reportQuery(w http.ResponseWriter, r *http.Request, p *principal, kind reportKind) error {
	info := PlaybackInfoReport{ItemID: r.PathValue("itemId"), MediaSourceID: query(r, "MediaSourceId"),
		PlaySessionID: query(r, "PlaySessionId"), PlayMethod: query(r, "PlayMethod")}
	if v := query(r, "PositionTicks"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return media.Errorf(media.EINVALID, "positionTicks must be a number")
		}
		info.PositionTicks = &f
	}
	for name, dst := range map[string]**int{"AudioStreamIndex": &info.AudioStreamIndex, "SubtitleStreamIndex": &info.SubtitleStreamIndex} {
		if v := query(r, name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return media.Errorf(media.EINVALID, "%s must be a whole number", name)
			}
			*dst = &n
		}
	}
	for name, dst := range map[string]*bool{"IsPaused": &info.IsPaused, "IsMuted": &info.IsMuted, "CanSeek": &info.CanSeek} {
		if b := queryBool(r, name); b != nil {
			*dst = *b
		}
	}
	return rt.report(w, r, p, kind, &info)
}

// report records one playback report.
func (rt *Router) report(w http.ResponseWriter, r *http.Request, p *principal, kind reportKind, info *PlaybackInfoReport) error {
	ctx := r.Context()
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	if v.user == nil {
		return media.Errorf(media.EINVALID, "playback is reported by a user's session")
	}
	var pos *int64
	if info.PositionTicks != nil {
		if *info.PositionTicks < 0 {
			return media.Errorf(media.EINVALID, "positionTicks must not be negative")
		}
		t := int64(*info.PositionTicks)
		pos = &t
	}
	now := time.Now().UTC()
	ps := rt.playSession(p, v.user)
	ps.MediaSourceID, ps.PlaySessionID, ps.PlayMethod = info.MediaSourceID, info.PlaySessionID, info.PlayMethod
	ps.IsPaused, ps.IsMuted = info.IsPaused, info.IsMuted
	ps.AudioStreamIndex, ps.SubtitleStreamIndex = info.AudioStreamIndex, info.SubtitleStreamIndex
	ps.Started, ps.LastReport = now, now
	if pos != nil {
		ps.PositionTicks = *pos
	}
	rep := &store.PlayReport{Session: ps, KeepStart: kind == reportProgress}
	if info.ItemID != "" {
		id, err := media.ParseID(info.ItemID)
		if err != nil {
			return media.Errorf(media.EINVALID, "ItemId is not a valid id")
		}
		it, err := rt.item(ctx, v, id)
		if err != nil {
			return err
		}
		facts, err := rt.store.ItemPlaybackFacts(ctx, id)
		if err != nil {
			return err
		}
		pl := media.Playable{Type: it.Type, ExtraType: facts.ExtraType}
		if it.RunTimeTicks != nil {
			pl.RunTimeTicks = *it.RunTimeTicks
		}
		cfg := media.DefaultResumeConfig
		rep.Item = &store.KeyedItem{ID: it.ID, Key: userDataKey(it)}
		if kind != reportStop {
			ps.ItemID = it.ID
		}
		if ps.MediaSourceID == "" {
			ps.MediaSourceID = it.ID.String()
		}
		switch kind {
		case reportStart:
			rep.Apply = func(d *media.UserData) { media.StartPlay(pl, d, now) }
		case reportProgress:
			audio, subs, err := rt.store.RememberSelections(ctx, v.user.ID)
			if err != nil {
				return err
			}
			rep.Apply = func(d *media.UserData) {
				if pos != nil {
					media.UpdatePlayState(cfg, pl, d, pos)
				}
				media.RememberStreams(d, audio, subs, info.AudioStreamIndex, info.SubtitleStreamIndex)
			}
		case reportStop:
			rep.Apply = func(d *media.UserData) { media.StopPlay(cfg, pl, d, pos, info.Failed) }
		}
	}
	if _, err := rt.store.RecordPlayback(ctx, rep); err != nil {
		return err
	}
	// Progress is not announced, as in Jellyfin: every few seconds per
	// player, it would flood; Sessions subscribers see it on their next
	// periodic refresh.
	if kind != reportProgress {
		if rep.Item != nil {
			rt.publish(ctx, events.Event{Kind: events.UserDataChanged, User: v.user.ID, Items: []media.ID{rep.Item.ID}})
		}
		rt.publish(ctx, events.Event{Kind: events.SessionsChanged})
	}
	if kind == reportStop {
		// As Jellyfin: the play session's transcodes end with it (or, when
		// the client names none, the device's).
		if info.PlaySessionID != "" {
			rt.stopTranscodes(ctx, info.PlaySessionID, "")
		} else {
			rt.stopTranscodes(ctx, "", ps.DeviceID)
		}
	}
	noContent(w)
	return nil
}

// playSession describes the caller's session: its device row when it
// logged in, else what its authorization header says.
func (rt *Router) playSession(p *principal, u *media.User) *store.PlaySession {
	ps := &store.PlaySession{UserID: u.ID, Client: p.auth.Client, DeviceID: p.auth.DeviceID, DeviceName: p.auth.Device, AppVersion: p.auth.Version}
	if d := p.device; d != nil {
		ps.Client, ps.DeviceID, ps.DeviceName, ps.AppVersion = d.AppName, d.DeviceID, d.DeviceName, d.AppVersion
	}
	ps.ID = sessionID(ps.Client, ps.DeviceID)
	return ps
}

// pingSession is POST /Sessions/Playing/Ping: the player is still there.
func (rt *Router) pingSession(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.user != nil {
		ps := rt.playSession(p, p.user)
		if err := rt.store.TouchSession(r.Context(), ps.ID, time.Now().UTC()); err != nil {
			return err
		}
	}
	noContent(w)
	return nil
}

// defaultActiveWithin is how far back GET /Sessions looks without
// activeWithinSeconds: Jellyfin drops a session idle for longer.
const defaultActiveWithin = 10 * time.Minute

// getSessions is GET /Sessions: the sessions that reported recently, on
// any replica. An administrator sees every user's; a user their own.
func (rt *Router) getSessions(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	within := defaultActiveWithin
	if n, ok, err := queryInt(r, "ActiveWithinSeconds"); err != nil {
		return err
	} else if ok && n > 0 {
		within = time.Duration(n) * time.Second
	}
	var only media.ID
	if !p.admin() {
		only = p.user.ID
	}
	controllable := false
	if id := query(r, "ControllableByUserId"); id != "" {
		uid, err := media.ParseID(id)
		if err != nil {
			return media.Errorf(media.EINVALID, "ControllableByUserId is not a valid id")
		}
		// The sessions that user may send commands to: remote
		// controllable ones, their own unless they may control others'.
		controllable = true
		if u, err := rt.store.User(ctx, uid); err != nil {
			return err
		} else if ok, err := rt.canControl(r, &principal{user: u}, media.NilID); err != nil {
			return err
		} else if !ok {
			only = uid
		}
		if !p.admin() && (p.user == nil || p.user.ID != uid) {
			return media.Errorf(media.EFORBIDDEN, "only the user or an administrator may ask this")
		}
	}
	out, err := rt.sessionInfos(ctx, within, only, query(r, "DeviceId"))
	if err != nil {
		return err
	}
	if controllable {
		out = slices.DeleteFunc(out, func(s *SessionInfo) bool { return !s.SupportsRemoteControl })
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// sessionInfos lists the sessions active within the given time, of one
// user unless only is NilID, of one device unless device is empty. GET
// /Sessions and the WebSocket's Sessions messages share it.
func (rt *Router) sessionInfos(ctx context.Context, within time.Duration, only media.ID, device string) ([]*SessionInfo, error) {
	sessions, err := rt.store.Sessions(ctx, time.Now().Add(-within))
	if err != nil {
		return nil, err
	}
	out := []*SessionInfo{}
	users := map[media.ID]*media.User{} // read once per user, not per session
	userOf := func(id media.ID) *media.User {
		u, ok := users[id]
		if !ok {
			u, _ = rt.store.User(ctx, id) // a user deleted meanwhile: nil
			users[id] = u
		}
		return u
	}
	for _, s := range sessions {
		if (!only.IsZero() && s.UserID != only) || (device != "" && s.DeviceID != device) {
			continue
		}
		info := rt.sessionDto(s)
		u := userOf(s.UserID)
		if u != nil && u.ProfileImage != nil {
			// The dashboard shows each session's user by their picture.
			info.UserPrimaryImageTag = u.ProfileImage.Tag()
		}
		if !s.ItemID.IsZero() {
			// The item as its user sees it, without their play state.
			if u != nil {
				v, err := rt.viewerFor(ctx, u)
				if err != nil {
					return nil, err
				}
				if it, err := rt.item(ctx, v, s.ItemID); err == nil {
					info.NowPlayingItem = rt.itemDto(it, dtoOptions{images: true, fields: allFields})
				}
			}
		}
		out = append(out, info)
	}
	return out, nil
}

func (rt *Router) sessionDto(s *store.PlaySession) *SessionInfo {
	info := &SessionInfo{
		PlayState:                PlayState{RepeatMode: "RepeatNone", PlaybackOrder: "Default"},
		AdditionalUsers:          []struct{}{},
		Capabilities:             ClientCapabilities{PlayableMediaTypes: []string{}, SupportedCommands: []string{}, SupportsPersistentIdentifier: true},
		PlayableMediaTypes:       []string{},
		ID:                       s.ID,
		UserID:                   s.UserID.String(),
		UserName:                 s.UserName,
		Client:                   s.Client,
		LastActivityDate:         Time{s.LastReport},
		LastPlaybackCheckIn:      Time{s.LastReport},
		DeviceName:               s.DeviceName,
		DeviceID:                 s.DeviceID,
		ApplicationVersion:       s.AppVersion,
		IsActive:                 true,
		NowPlayingQueue:          []struct{}{},
		NowPlayingQueueFullItems: []struct{}{},
		ServerID:                 rt.serverID.String(),
		SupportedCommands:        []string{},
	}
	if c := s.Capabilities; len(c.PlayableMediaTypes) > 0 || len(c.SupportedCommands) > 0 || c.SupportsMediaControl {
		info.Capabilities.PlayableMediaTypes = slices.Clone(c.PlayableMediaTypes)
		info.Capabilities.SupportedCommands = slices.Clone(c.SupportedCommands)
		info.Capabilities.SupportsMediaControl = c.SupportsMediaControl
		info.PlayableMediaTypes, info.SupportedCommands = info.Capabilities.PlayableMediaTypes, info.Capabilities.SupportedCommands
		// Jellyfin: controllable when the client said so and can be
		// reached (jellyha sends commands over its WebSocket).
		info.SupportsMediaControl, info.SupportsRemoteControl = c.SupportsMediaControl, c.SupportsMediaControl
	}
	if !s.ItemID.IsZero() {
		pos := s.PositionTicks
		info.PlayState.PositionTicks = &pos
		info.PlayState.CanSeek = true
		info.PlayState.IsPaused, info.PlayState.IsMuted = s.IsPaused, s.IsMuted
		info.PlayState.AudioStreamIndex, info.PlayState.SubtitleStreamIndex = s.AudioStreamIndex, s.SubtitleStreamIndex
		info.PlayState.MediaSourceID, info.PlayState.PlayMethod = s.MediaSourceID, s.PlayMethod
	}
	return info
}
