package gendb

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/password"
)

// user is a generated user.
type user struct {
	id         media.ID
	name       string
	activity   float64 // share of playable items they played, started or rated
	restricted bool
	devices    []media.Device
}

var userNames = []string{AdminName, "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
	"niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "kids", "guest", "living-room", "zoë", "björn"}

var clients = []struct{ app, version, device string }{
	{"Jellyfin Web", "10.11.11", "Firefox"},
	{"Jellyfin Web", "10.11.11", "Chrome"},
	{"Jellyfin Android", "2.6.3", "Pixel 8"},
	{"Jellyfin Media Player", "1.12.0", "DESKTOP-7QK2M"},
	{"Swiftfin iOS", "1.3.0", "iPhone"},
	{"Infuse-Direct", "8.1.5", "Apple TV"},
	{"Findroid", "0.16.0", "Galaxy Tab S9"},
	{"Kodi", "1.0.5", "LibreELEC"},
	{"Jellyfin Roku", "2.2.7", "Roku Ultra"},
}

// makeUsers writes the users (through CreateUser, so each gets Jellyfin's
// permission and preference rows) and their sessions, API keys, access
// schedules and profile pictures. The first user is the administrator,
// whose password is AdminPassword.
func (g *gen) makeUsers(ctx context.Context) error {
	var devices []media.Device
	var options []media.DeviceOptions
	var schedules []media.AccessSchedule
	var images []media.UserImage
	for i := range g.p.users {
		name := userNames[i%len(userNames)]
		if i >= len(userNames) {
			name += strconv.Itoa(i / len(userNames))
		}
		u := &user{id: g.id(), name: name, activity: g.p.playRate * (0.3 + 1.4*g.r.Float64())}
		mu := &media.User{ID: u.id, Name: name}
		switch {
		case i == 0:
			mu.IsAdministrator = true
			u.activity = g.p.playRate * 1.5
		case name == "kids" || (i == g.p.users-1 && g.p.users > 2):
			u.restricted = true
			mu.EnabledFolders = []media.ID{g.lib.movies, g.lib.shows}
			mu.LoginAttemptsBeforeLockout = ptr(3)
		case name == "guest":
			mu.IsHidden = true
		}
		if i < 3 {
			salt := make([]byte, 16)
			for k := range salt {
				salt[k] = byte(g.r.Uint32())
			}
			plain := AdminPassword
			if i > 0 {
				plain = name + "-password"
			}
			hash, err := password.HashWithSalt(plain, salt)
			if err != nil {
				return err
			}
			mu.PasswordHash = hash
		}
		if err := g.s.CreateUser(ctx, mu); err != nil {
			return err
		}
		login := g.ago(60 * day)
		if err := g.s.RecordLogin(ctx, u.id, login); err != nil {
			return err
		}
		for k := range 1 + g.r.IntN(3) {
			c := clients[(i+k*4)%len(clients)]
			created := g.at(g.now.Add(-2*year), login)
			deviceID := g.token()
			if strings.HasPrefix(c.app, "Jellyfin Web") {
				// The web client's id: the user agent and a timestamp, base64.
				deviceID = base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 %s/133.0|%d",
					c.device, created.UnixMilli())))
			}
			last := g.at(created, g.now)
			d := media.Device{UserID: u.id, AccessToken: g.token(), AppName: c.app, AppVersion: c.version, DeviceName: c.device,
				DeviceID: deviceID, IsActive: g.chance(0.9), DateCreated: created, DateModified: g.at(created, last), DateLastActivity: last}
			devices = append(devices, d)
			u.devices = append(u.devices, d)
			o := media.DeviceOptions{DeviceID: deviceID}
			if g.chance(0.3) || (i == 0 && k == 0) {
				o.CustomName = oneOf(g, []string{"Living room TV", "Bedroom", "Office PC", name + "'s phone"})
			}
			options = append(options, o)
		}
		if u.restricted {
			schedules = append(schedules,
				media.AccessSchedule{UserID: u.id, DayOfWeek: 8, StartHour: 7, EndHour: 20.5},
				media.AccessSchedule{UserID: u.id, DayOfWeek: 9, StartHour: 8.5, EndHour: 21})
		}
		if i == 0 || g.chance(0.6) {
			ext := oneOf(g, []string{"jpg", "png", "webp"})
			images = append(images, media.UserImage{UserID: u.id, Path: "/config/users/" + name + "/profile." + ext, LastModified: g.ago(year)})
		}
		g.users = append(g.users, u)
	}
	if len(schedules) == 0 { // every table gets rows, even with few users
		schedules = append(schedules, media.AccessSchedule{UserID: g.users[len(g.users)-1].id, DayOfWeek: 7, StartHour: 6, EndHour: 23.5})
	}
	keys := []media.APIKey{}
	for k, name := range []string{"Home Assistant", "Jellyseerr", "Sonarr", "Radarr", "Kodi Sync Queue"}[:2+g.r.IntN(4)] {
		created := g.ago(2 * year)
		last := minDate // never used: DateTime.MinValue through Jellyfin's UTC conversion
		if k > 0 {
			last = g.at(created, g.now)
		}
		keys = append(keys, media.APIKey{Name: name, AccessToken: g.token(), DateCreated: created, DateLastActivity: last})
	}
	return inOrder(
		func() error { return g.s.BulkInsertDevices(ctx, devices) },
		func() error { return g.s.BulkInsertDeviceOptions(ctx, options) },
		func() error { return g.s.BulkInsertAccessSchedules(ctx, schedules) },
		func() error { return g.s.BulkInsertUserImages(ctx, images) },
		func() error { return g.s.BulkInsertAPIKeys(ctx, keys) },
	)
}

// playState queues the users' play state of a playable item: one row per
// user data key, as Jellyfin writes them.
func (g *gen) playState(it media.Item, keys []string, runtime time.Duration, video bool) {
	for ui, u := range g.users {
		if !g.chance(u.activity) && (ui != 0 || g.videos != 1) {
			continue
		}
		d := media.UserData{ItemID: it.ID, UserID: u.id}
		playing := true
		switch x := g.r.Float64(); {
		case x < 0.6:
			d.Played = true
			d.PlayCount = 1 + g.skewed(6)
			d.LastPlayedDate = ptr(g.ago(2 * year))
		case x < 0.85:
			// In progress: between 5% and 90% of the runtime.
			total := ticks(runtime)
			d.PlaybackPositionTicks = total/20 + g.r.Int64N(total*85/100)
			d.PlayCount = g.r.IntN(2)
			d.LastPlayedDate = ptr(g.ago(90 * day))
		default:
			playing = false
		}
		if g.chance(0.12) || !playing {
			d.IsFavorite = true
		}
		if g.chance(0.05) {
			d.Rating = ptr(float64(g.r.IntN(21)) / 2)
			d.Likes = ptr(*d.Rating >= 6)
		}
		if video && playing && g.chance(0.3) {
			d.AudioStreamIndex = ptr(1)
			d.SubtitleStreamIndex = ptr(oneOf(g, []int{-1, 2, 3}))
		}
		for _, k := range keys {
			d.Key = k
			g.b.userData = append(g.b.userData, d)
		}
		if playing && len(u.devices) > 0 && g.chance(0.1) {
			g.playbackLog(u, it, video, *d.LastPlayedDate)
		}
	}
}

// playbackLog queues the activity log entries of one playback.
func (g *gen) playbackLog(u *user, it media.Item, video bool, at time.Time) {
	dev := oneOf(g, u.devices)
	kind := "AudioPlayback"
	if video {
		kind = "VideoPlayback"
	}
	g.b.logs = append(g.b.logs,
		media.ActivityLog{Name: fmt.Sprintf("%s is playing %s on %s", u.name, it.Name, dev.DeviceName), Type: kind,
			UserID: u.id, ItemID: it.ID.String(), DateCreated: at, LogSeverity: 2},
		media.ActivityLog{Name: fmt.Sprintf("%s has finished playing %s on %s", u.name, it.Name, dev.DeviceName), Type: kind + "Stopped",
			UserID: u.id, ItemID: it.ID.String(), DateCreated: at.Add(time.Duration(1+g.r.IntN(7200)) * time.Second), LogSeverity: 2})
}

// placeholderUserData queues play state of deleted items: re-pointed to
// Jellyfin's placeholder item with a retention date, waiting for the item
// to come back.
func (g *gen) placeholderUserData() {
	n := max(3, g.p.movies/200)
	for range n {
		u := oneOf(g, g.users)
		g.b.userData = append(g.b.userData, media.UserData{ItemID: media.PlaceholderItemID, UserID: u.id, Key: g.nextImdb(),
			Played: true, PlayCount: 1 + g.r.IntN(3), LastPlayedDate: ptr(g.ago(2 * year)), RetentionDate: ptr(g.ago(60 * day))})
	}
}

// activity queues the rest of the activity log: logins, failures and
// scheduled tasks.
func (g *gen) activity() {
	tasks := []string{"Scan Media Library", "Extract Chapter Images", "Refresh People", "Clean Cache Directory", "Generate Trickplay Images", "Optimize database"}
	for range g.p.activity {
		at := g.ago(year)
		ip := fmt.Sprintf("IP address: 192.168.1.%d", 2+g.r.IntN(250))
		u := oneOf(g, g.users)
		var l media.ActivityLog
		switch x := g.r.IntN(10); {
		case x < 3:
			l = media.ActivityLog{Name: u.name + " successfully authenticated", Type: "AuthenticationSucceeded", UserID: u.id, ShortOverview: ip, LogSeverity: 2}
		case x < 5:
			app := "Jellyfin Web"
			if len(u.devices) > 0 {
				app = oneOf(g, u.devices).AppName
			}
			l = media.ActivityLog{Name: u.name + " is online from " + app, Type: "SessionStarted", UserID: u.id, ShortOverview: ip, LogSeverity: 2}
		case x < 6:
			l = media.ActivityLog{Name: "Failed login try from " + u.name, Type: "AuthenticationFailed", ShortOverview: ip, LogSeverity: 3}
		case x < 9:
			t := oneOf(g, tasks)
			l = media.ActivityLog{Name: t + " completed", Type: "TaskCompleted", Overview: fmt.Sprintf("Task '%s' completed in %d seconds", t, 1+g.r.IntN(900)),
				ShortOverview: "Completed", LogSeverity: 2}
		default:
			t := oneOf(g, tasks)
			l = media.ActivityLog{Name: t + " failed", Type: "TaskFailed", Overview: "The operation has timed out.", LogSeverity: 4}
		}
		l.DateCreated = at
		g.b.logs = append(g.b.logs, l)
	}
}

// userSettings writes display preferences: the web client's settings and
// home sections, per-library views and custom settings.
func (g *gen) userSettings(ctx context.Context) error {
	settings := dotnetGUIDFromMD5("usersettings")
	var prefs []*media.DisplayPreferences
	var views []media.ItemDisplayPreferences
	var custom []media.CustomItemDisplayPreferences
	libs := []media.ID{g.lib.movies, g.lib.shows, g.lib.music}
	for _, u := range g.users {
		for c, client := range []string{"emby", "Jellyfin Android"} {
			if c > 0 && !g.chance(0.3) {
				continue
			}
			p := &media.DisplayPreferences{UserID: u.id, ItemID: settings, Client: client, ShowSidebar: g.chance(0.2), ShowBackdrop: true,
				ScrollDirection: g.r.IntN(2), SkipForwardLength: 30000, SkipBackwardLength: 10000, ChromecastVersion: 0,
				EnableNextVideoInfoOverlay: g.chance(0.7), DashboardTheme: "", TvHome: ""}
			if g.chance(0.2) {
				p.IndexBy = ptr(g.r.IntN(3))
			}
			if g.chance(0.3) {
				p.DashboardTheme = oneOf(g, []string{"dark", "light", "purplehaze"})
			}
			for order, typ := range []int{1, 4, 5, 9, 8, 7, 6, 0, 0, 0} {
				p.HomeSections = append(p.HomeSections, media.HomeSection{Order: order, Type: typ})
			}
			prefs = append(prefs, p)
		}
		for _, lib := range libs {
			views = append(views, media.ItemDisplayPreferences{UserID: u.id, ItemID: lib, Client: "emby", ViewType: g.r.IntN(21),
				RememberIndexing: false, RememberSorting: g.chance(0.5), SortBy: oneOf(g, []string{"SortName", "DateCreated,SortName", "PremiereDate,ProductionYear,SortName"}),
				SortOrder: g.r.IntN(2)})
			custom = append(custom, media.CustomItemDisplayPreferences{UserID: u.id, ItemID: settings, Client: "emby",
				Key: "landing-" + lib.String(), Value: ptr(oneOf(g, []string{"suggestions", "favorites", "movies", "series", "albums"}))})
		}
		for k, v := range [][2]string{{"chromecastVersion", "stable"}, {"skipForwardLength", "30000"}, {"skipBackLength", "10000"},
			{"enableNextVideoInfoOverlay", "False"}, {"homesection0", "smalllibrarytiles"}, {"homesection1", "resume"}} {
			var val *string
			if k < 5 || g.chance(0.5) {
				val = ptr(v[1])
			}
			custom = append(custom, media.CustomItemDisplayPreferences{UserID: u.id, ItemID: settings, Client: "emby", Key: v[0], Value: val})
		}
	}
	return inOrder(
		func() error { return g.s.BulkInsertDisplayPreferences(ctx, prefs) },
		func() error { return g.s.BulkInsertItemDisplayPreferences(ctx, views) },
		func() error { return g.s.BulkInsertCustomItemDisplayPreferences(ctx, custom) },
	)
}
