package jellyfin

import (
	"encoding/base64"
	"slices"
	"strconv"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// SessionIn reads a SessionInfoDto back.
type SessionIn struct {
	ID, UserID, UserName, Client, DeviceID string
	UserPrimaryImageTag                    string
	NowPlayingItem                         *ItemIn
	PlayState                              struct {
		PositionTicks                         *int64
		IsPaused                              bool
		AudioStreamIndex, SubtitleStreamIndex *int
		MediaSourceID                         string `json:"MediaSourceId"`
		PlayMethod                            string
	}
}

// TestPlayState reports playback as jellyfin-web does and checks the play
// state, the resume row and the session list, on each engine.
func TestPlayState(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		e := newBrowseEnv(t, s)
		// A film bob has never touched.
		var film ItemIn
		for _, it := range e.list(e.bob, "/Items?ParentId="+e.movies.String()+"&IncludeItemTypes=Movie&Recursive=true").Items {
			if it.RunTimeTicks != nil && *it.RunTimeTicks > 600*media.TicksPerSecond && it.UserData.PlayCount == 0 && !it.UserData.Played {
				film = it
				break
			}
		}
		if film.ID == "" {
			t.Fatal("no unplayed film in the generated library")
		}
		rt := *film.RunTimeTicks
		at := func(pct int64) int64 { return rt * pct / 100 }
		userData := func() UserDataIn {
			var d UserDataIn
			e.expect(req{"GET", "/UserItems/" + film.ID + "/UserData", nil, as(e.bob)}, 200, &d)
			return d
		}
		resume := func() []string { return ids(e.list(e.bob, "/UserItems/Resume").Items) }
		sessions := func(token string) []SessionIn {
			var out []SessionIn
			e.expect(req{"GET", "/Sessions", nil, as(token)}, 200, &out)
			return out
		}
		post := func(path string, body any) { e.expect(req{"POST", path, body, as(e.bob)}, 204, nil) }

		post("/Sessions/Playing", map[string]any{"ItemId": film.ID, "PositionTicks": 0, "PlaySessionId": "ps1", "PlayMethod": "DirectPlay"})
		if d := userData(); d.PlayCount != 1 || d.Played || d.LastPlayedDate == "" || d.PlaybackPositionTicks != 0 {
			t.Errorf("after start: %+v", d)
		}
		post("/Sessions/Playing/Progress", map[string]any{"ItemId": film.ID, "PositionTicks": at(50), "PlaySessionId": "ps1",
			"AudioStreamIndex": 1, "SubtitleStreamIndex": 2, "IsPaused": true, "PlayMethod": "DirectPlay"})
		if d := userData(); d.PlaybackPositionTicks != at(50) || d.Played {
			t.Errorf("after progress: %+v", d)
		}
		if n := e.count(`SELECT COUNT(*) FROM "UserData" WHERE "ItemId" = ? AND "UserId" = ? AND "AudioStreamIndex" = 1 AND "SubtitleStreamIndex" = 2`,
			database.GUID(media.MustParseID(film.ID)), database.GUID(e.bobID)); n != 1 {
			t.Errorf("stream selections not remembered")
		}
		bobs := sessions(e.bob)
		if len(bobs) != 1 || bobs[0].NowPlayingItem == nil || bobs[0].NowPlayingItem.ID != film.ID || bobs[0].UserName != "bob" ||
			bobs[0].PlayState.PositionTicks == nil || *bobs[0].PlayState.PositionTicks != at(50) || !bobs[0].PlayState.IsPaused ||
			bobs[0].PlayState.PlayMethod != "DirectPlay" || bobs[0].DeviceID != "bob-dev" || !hex32.MatchString(bobs[0].ID) {
			t.Errorf("bob's sessions while playing: %+v", bobs)
		}
		// The dashboard shows a session's user by their picture: a new
		// picture's tag reaches the session list.
		before := bobs[0].UserPrimaryImageTag
		if code, body := e.do(req{"POST", "/UserImage", base64.StdEncoding.EncodeToString(testPicture(t, 8, 8, false)),
			append(as(e.bob), "Content-Type", "image/png")}); code != 204 {
			t.Fatalf("upload bob's picture: %d %s", code, body)
		}
		var bob UserIn
		e.expect(req{"GET", "/Users/Me", nil, as(e.bob)}, 200, &bob)
		var adminSees []string
		for _, s := range sessions(e.admin) {
			adminSees = append(adminSees, s.UserName)
			if s.UserName == "bob" && (s.UserPrimaryImageTag == "" || s.UserPrimaryImageTag != bob.PrimaryImageTag || s.UserPrimaryImageTag == before) {
				t.Errorf("bob's session has tag %q (before the upload %q), his user %q", s.UserPrimaryImageTag, before, bob.PrimaryImageTag)
			}
		}
		if !slices.Contains(adminSees, "bob") {
			t.Errorf("the administrator sees %v", adminSees)
		}
		if !slices.Contains(resume(), film.ID) {
			t.Errorf("the film is not in Resume after a progress report")
		}

		// Stop in the middle: the position stays, the session plays nothing.
		post("/Sessions/Playing/Stopped", map[string]any{"ItemId": film.ID, "PositionTicks": at(40), "PlaySessionId": "ps1"})
		if d := userData(); d.PlaybackPositionTicks != at(40) || d.Played || d.PlayCount != 1 {
			t.Errorf("after stop at 40%%: %+v", d)
		}
		if r := resume(); len(r) == 0 || r[0] != film.ID {
			t.Errorf("resume after stop: %v", r)
		}
		if bobs := sessions(e.bob); len(bobs) != 1 || bobs[0].NowPlayingItem != nil || bobs[0].PlayState.PositionTicks != nil {
			t.Errorf("bob's sessions after stop: %+v", bobs)
		}

		// Play it again to the end: played, one more play, no resume point.
		post("/Sessions/Playing", map[string]any{"ItemId": film.ID, "PositionTicks": at(40)})
		post("/Sessions/Playing/Stopped", map[string]any{"ItemId": film.ID, "PositionTicks": at(95)})
		if d := userData(); d.PlaybackPositionTicks != 0 || !d.Played || d.PlayCount != 2 {
			t.Errorf("after stop at 95%%: %+v", d)
		}
		if slices.Contains(resume(), film.ID) {
			t.Errorf("a played film is still in Resume")
		}

		// The legacy twins, with the report in the query.
		legacy := "/Users/" + e.bobID.String() + "/PlayingItems/" + film.ID
		post(legacy+"?PlaySessionId=ps2&PositionTicks=0", nil)
		if d := userData(); d.Played || d.PlayCount != 3 {
			t.Errorf("after a legacy start: %+v", d)
		}
		post(legacy+"/Progress?PositionTicks="+strconv.FormatInt(at(30), 10)+"&IsPaused=false", nil)
		if d := userData(); d.PlaybackPositionTicks != at(30) {
			t.Errorf("after legacy progress: %+v", d)
		}
		e.expect(req{"DELETE", legacy + "?PositionTicks=" + strconv.FormatInt(at(2), 10), nil, as(e.bob)}, 204, nil)
		if d := userData(); d.PlaybackPositionTicks != 0 || d.Played {
			t.Errorf("after a legacy stop at 2%%: %+v", d)
		}
		// A failed playback leaves the state alone.
		post("/Sessions/Playing/Progress", map[string]any{"ItemId": film.ID, "PositionTicks": at(60)})
		post("/Sessions/Playing/Stopped", map[string]any{"ItemId": film.ID, "PositionTicks": at(99), "Failed": true})
		if d := userData(); d.PlaybackPositionTicks != at(60) || d.Played {
			t.Errorf("after a failed stop: %+v", d)
		}

		// Someone else's path, an item of a library bob may not see, bad bodies.
		e.expect(req{"POST", "/Users/" + e.adminID.String() + "/PlayingItems/" + film.ID, nil, as(e.bob)}, 403, nil)
		track := e.list(e.admin, "/Items?ParentId="+e.music.String()+"&IncludeItemTypes=Audio&Recursive=true&Limit=1").Items
		if len(track) != 1 {
			t.Fatal("no track")
		}
		e.expect(req{"POST", "/Sessions/Playing", map[string]any{"ItemId": track[0].ID}, as(e.bob)}, 404, nil)
		e.expect(req{"POST", "/Sessions/Playing", map[string]any{"ItemId": "nope"}, as(e.bob)}, 400, nil)
		e.expect(req{"POST", "/Sessions/Playing/Stopped", map[string]any{"ItemId": film.ID, "PositionTicks": -1}, as(e.bob)}, 400, nil)
		e.expect(req{"POST", "/Sessions/Playing/Ping?playSessionId=ps1", nil, as(e.bob)}, 204, nil)
	})
}
