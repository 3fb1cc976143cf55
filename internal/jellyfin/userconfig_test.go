package jellyfin

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// TestUserConfiguration: the settings a user saves from jellyfin-web's
// display, home screen and playback pages are stored where Jellyfin keeps
// them, come back in every UserDto, and change what the home screen shows.
func TestUserConfiguration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		e := newBrowseEnv(t, s)
		admin, bob := as(e.admin), as(e.bob)
		adminID, bobID := e.adminID.String(), e.bobID.String()
		config := func(h []string, userID string) map[string]any {
			t.Helper()
			var u UserIn
			e.expect(req{"GET", "/Users/" + userID, nil, h}, 200, &u)
			return u.Configuration
		}

		// A new user has Jellyfin's defaults.
		c := config(bob, bobID)
		for k, want := range map[string]any{"HidePlayedInLatest": true, "PlayDefaultAudioTrack": true, "SubtitleMode": "Default",
			"EnableNextEpisodeAutoPlay": true, "SubtitleLanguagePreference": "", "DisplayMissingEpisodes": false} {
			if c[k] != want {
				t.Errorf("default %s = %v, want %v", k, c[k], want)
			}
		}
		if v, ok := c["OrderedViews"].([]any); !ok || len(v) != 0 {
			t.Errorf("default OrderedViews = %#v, want []", c["OrderedViews"])
		}

		// Saved by the current path, with the caller as the user; members
		// left out take the defaults, ids in either form.
		e.expect(req{"POST", "/Users/Configuration", map[string]any{
			"AudioLanguagePreference": "fre", "SubtitleLanguagePreference": "eng", "SubtitleMode": "Always",
			"HidePlayedInLatest": false, "OrderedViews": []string{e.music.Hyphenated(), e.shows.String()},
			"LatestItemsExcludes": []string{e.shows.String()}}, admin}, 204, nil)
		c = config(admin, adminID)
		for k, want := range map[string]any{"AudioLanguagePreference": "fre", "SubtitleLanguagePreference": "eng", "SubtitleMode": "Always",
			"HidePlayedInLatest": false, "PlayDefaultAudioTrack": true, "RememberAudioSelections": true} {
			if c[k] != want {
				t.Errorf("saved %s = %v, want %v", k, c[k], want)
			}
		}
		if got := c["OrderedViews"]; !slices.Equal(anyStrings(got), []string{e.music.String(), e.shows.String()}) {
			t.Errorf("OrderedViews = %v", got)
		}
		// Stored as Jellyfin stores them: the mode's number in Users, the
		// lists as lowercase hyphenated ids in Preferences.
		db := e.store.DB()
		var mode int
		var prefs string
		if err := db.Read.QueryRow(db.Rebind(`SELECT "SubtitleMode" FROM "Users" WHERE "Id" = ?`), database.GUID(e.adminID)).Scan(&mode); err != nil || mode != 1 {
			t.Errorf("Users.SubtitleMode = %d (%v), want 1", mode, err)
		}
		if err := db.Read.QueryRow(db.Rebind(`SELECT "Value" FROM "Preferences" WHERE "UserId" = ? AND "Kind" = ?`),
			database.GUID(e.adminID), int(media.PreferenceOrderedViews)).Scan(&prefs); err != nil || prefs != e.music.Hyphenated()+","+e.shows.Hyphenated() {
			t.Errorf("Preferences OrderedViews = %q (%v)", prefs, err)
		}

		// The home screen: ordered libraries first, the rest by name.
		if got := names(e.list(e.admin, "/UserViews").Items); !slices.Equal(got, []string{"Music", "Shows", "Movies"}) {
			t.Errorf("ordered views = %v", got)
		}
		e.expect(req{"POST", "/Users/" + adminID + "/Configuration", map[string]any{
			"OrderedViews": []string{e.music.String()}, "MyMediaExcludes": []string{e.shows.String()}}, admin}, 204, nil)
		if got := names(e.list(e.admin, "/UserViews").Items); !slices.Equal(got, []string{"Music", "Movies"}) {
			t.Errorf("views without the excluded library = %v", got)
		}
		if got := names(e.list(e.admin, "/Users/"+adminID+"/Views?IncludeHidden=true").Items); !slices.Equal(got, []string{"Music", "Movies", "Shows"}) {
			t.Errorf("views with hidden ones = %v", got)
		}

		// The home screen settings page lists the libraries that may be
		// grouped (films, shows, mixed) before it shows at all.
		var groups []struct{ Name, ID string }
		e.expect(req{"GET", "/UserViews/GroupingOptions", nil, admin}, 200, &groups)
		if len(groups) != 2 || groups[0].Name != "Movies" || groups[0].ID != e.movies.String() || groups[1].Name != "Shows" {
			t.Errorf("grouping options %+v, want Movies and Shows", groups)
		}
		e.expect(req{"GET", "/Users/" + bobID + "/GroupingOptions", nil, bob}, 200, &groups)
		for _, g := range groups {
			if g.Name == "Music" {
				t.Errorf("bob's grouping options %+v", groups)
			}
		}
		e.expect(req{"GET", "/Users/" + adminID + "/GroupingOptions", nil, bob}, 403, nil)

		// Latest: the home row leaves out excluded libraries, the library's
		// own row does not.
		e.expect(req{"POST", "/Users/Configuration?userId=" + adminID, map[string]any{
			"LatestItemsExcludes": []string{e.shows.String()}, "HidePlayedInLatest": false}, admin}, 204, nil)
		var latest []ItemIn
		e.expect(req{"GET", "/Items/Latest?Limit=50", nil, admin}, 200, &latest)
		kinds := map[string]bool{}
		for _, it := range latest {
			kinds[it.Type] = true
		}
		if kinds["Series"] || kinds["Episode"] || kinds["Season"] || !kinds["Movie"] {
			t.Errorf("latest with shows excluded has %v", kinds)
		}
		e.expect(req{"GET", "/Items/Latest?Limit=50&ParentId=" + e.shows.String(), nil, admin}, 200, &latest)
		if len(latest) == 0 {
			t.Error("the shows library's own latest row is empty")
		}

		// HidePlayedInLatest: off, a played film stays; on, it goes.
		e.expect(req{"GET", "/Items/Latest?Limit=1&ParentId=" + e.movies.String(), nil, admin}, 200, &latest)
		if len(latest) != 1 {
			t.Fatalf("latest films: %v", names(latest))
		}
		film := latest[0].ID
		e.expect(req{"POST", "/UserPlayedItems/" + film, nil, admin}, 200, nil)
		latestFilms := func() []string {
			var l []ItemIn
			e.expect(req{"GET", "/Items/Latest?Limit=50&ParentId=" + e.movies.String(), nil, admin}, 200, &l)
			return ids(l)
		}
		if !slices.Contains(latestFilms(), film) {
			t.Error("a played film left latest with HidePlayedInLatest off")
		}
		e.expect(req{"POST", "/Users/Configuration", map[string]any{"HidePlayedInLatest": true}, admin}, 204, nil)
		if slices.Contains(latestFilms(), film) {
			t.Error("a played film is in latest with HidePlayedInLatest on")
		}
		// A music library lists new albums played or not, as Jellyfin does.
		e.expect(req{"GET", "/Items/Latest?Limit=1&ParentId=" + e.music.String(), nil, admin}, 200, &latest)
		if len(latest) != 1 {
			t.Fatalf("latest music: %v", names(latest))
		}
		album := latest[0].ID
		e.expect(req{"POST", "/UserPlayedItems/" + album, nil, admin}, 200, nil)
		e.expect(req{"GET", "/Items/Latest?Limit=50&IsPlayed=false&ParentId=" + e.music.String(), nil, admin}, 200, &latest)
		if !slices.Contains(ids(latest), album) {
			t.Error("a played album left the music library's latest")
		}

		// Who may change whose: a user their own, an administrator anyone's.
		e.expect(req{"POST", "/Users/" + adminID + "/Configuration", map[string]any{}, bob}, 403, nil)
		e.expect(req{"POST", "/Users/Configuration?userId=" + adminID, map[string]any{}, bob}, 403, nil)
		e.expect(req{"POST", "/Users?userId=" + adminID, map[string]any{"Name": "bob2"}, bob}, 403, nil)
		e.expect(req{"POST", "/Users/Configuration?userId=" + bobID, map[string]any{"SubtitleMode": 2}, admin}, 204, nil)
		if c := config(bob, bobID); c["SubtitleMode"] != "OnlyForced" {
			t.Errorf("mode set by number = %v", c["SubtitleMode"])
		}
		e.expect(req{"POST", "/Users/Configuration", nil, nil}, 401, nil)

		// POST /Users?userId= renames and saves the configuration it
		// carries; a body without one keeps the stored one.
		e.expect(req{"POST", "/Users?userId=" + bobID, map[string]any{"Name": "robert",
			"Configuration": map[string]any{"SubtitleLanguagePreference": "ger", "SubtitleMode": "Smart"}}, bob}, 204, nil)
		var u UserIn
		e.expect(req{"GET", "/Users/Me", nil, bob}, 200, &u)
		if u.Name != "robert" || u.Configuration["SubtitleLanguagePreference"] != "ger" || u.Configuration["SubtitleMode"] != "Smart" {
			t.Errorf("after POST /Users: %s %v", u.Name, u.Configuration)
		}
		e.expect(req{"POST", "/Users/" + bobID, map[string]any{"Name": "bob"}, bob}, 204, nil)
		if c := config(bob, bobID); c["SubtitleLanguagePreference"] != "ger" {
			t.Errorf("a rename without a configuration reset it: %v", c)
		}
		// Every user in a list carries their own. The admin's later posts
		// replaced the whole configuration, as in Jellyfin.
		var all []UserIn
		e.expect(req{"GET", "/Users", nil, admin}, 200, &all)
		for _, u := range all {
			want := map[string]any{"bob": "ger", "admin": ""}[u.Name]
			if want != nil && u.Configuration["SubtitleLanguagePreference"] != want {
				t.Errorf("%s in /Users: %v", u.Name, u.Configuration["SubtitleLanguagePreference"])
			}
		}

		// The password by the current path, for the caller.
		e.expect(req{"POST", "/Users/Password", map[string]any{"CurrentPw": "bob-password", "NewPw": "bob-password"}, bob}, 204, nil)

		// Bad input is refused and changes nothing.
		for _, body := range []any{
			map[string]any{"SubtitleMode": "Sometimes"},
			map[string]any{"SubtitleMode": 9},
			map[string]any{"AudioLanguagePreference": strings.Repeat("x", 256)},
			map[string]any{"OrderedViews": []string{"not-an-id"}},
			"not an object",
		} {
			e.expect(req{"POST", "/Users/Configuration", body, bob}, 400, nil)
		}
		if c := config(bob, bobID); c["SubtitleMode"] != "Smart" {
			t.Errorf("a refused body changed the mode to %v", c["SubtitleMode"])
		}
	})
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, x := range l {
		out[i], _ = x.(string)
	}
	return out
}

// TestInstantMix: the mix of a song, an album, an artist or a genre is
// songs sharing the seed's genres, shuffled, up to the limit, from the
// libraries the user may see.
func TestInstantMix(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		e := newBrowseEnv(t, s)
		admin, bob := as(e.admin), as(e.bob)
		mix := func(h []string, path string, status int) []ItemIn {
			t.Helper()
			var l listIn
			if status != 200 {
				e.expect(req{"GET", path, nil, h}, status, nil)
				return nil
			}
			e.expect(req{"GET", path, nil, h}, status, &l)
			for _, it := range l.Items {
				if it.Type != "Audio" {
					t.Errorf("%s: a %s in the mix", path, it.Type)
				}
			}
			if l.TotalRecordCount != len(l.Items) {
				t.Errorf("%s: total %d for %d songs", path, l.TotalRecordCount, len(l.Items))
			}
			return l.Items
		}
		albums := e.list(e.admin, "/Items?ParentId="+e.music.String()+"&Recursive=true&IncludeItemTypes=MusicAlbum&Limit=1").Items
		if len(albums) == 0 {
			t.Fatal("no album")
		}
		album := albums[0].ID
		genres := map[string]bool{}
		for _, song := range e.list(e.admin, "/Items?ParentId="+album+"&Recursive=true&IncludeItemTypes=Audio&Fields=Genres").Items {
			for _, g := range song.Genres {
				genres[g] = true
			}
		}
		if len(genres) == 0 {
			t.Fatal("the album's songs have no genre")
		}
		got := mix(admin, "/Albums/"+album+"/InstantMix?Fields=Genres", 200)
		if len(got) == 0 {
			t.Fatal("an empty mix of an album")
		}
		for _, it := range got {
			if !slices.ContainsFunc(it.Genres, func(g string) bool { return genres[g] }) {
				t.Errorf("%s (%v) shares no genre with the album's %v", it.Name, it.Genres, genres)
			}
		}
		if n := len(mix(admin, "/Items/"+album+"/InstantMix?Limit=3", 200)); n != 3 {
			t.Errorf("a mix of 3: %d songs", n)
		}
		song := e.list(e.admin, "/Items?ParentId="+album+"&Recursive=true&IncludeItemTypes=Audio&Limit=1").Items[0].ID
		if len(mix(admin, "/Songs/"+song+"/InstantMix", 200)) == 0 {
			t.Error("an empty mix of a song")
		}
		// Names lists give ItemValues ids: a genre mixes its own songs.
		var musicGenres listIn
		e.expect(req{"GET", "/MusicGenres?ParentId=" + e.music.String(), nil, admin}, 200, &musicGenres)
		if len(musicGenres.Items) == 0 {
			t.Fatal("no music genres")
		}
		g := musicGenres.Items[0]
		for _, path := range []string{"/MusicGenres/InstantMix?id=" + g.ID + "&Fields=Genres", "/MusicGenres/" + urlEscape(g.Name) + "/InstantMix?Fields=Genres"} {
			got := mix(admin, path, 200)
			if len(got) == 0 {
				t.Errorf("%s: empty", path)
			}
			for _, it := range got {
				if !slices.Contains(it.Genres, g.Name) {
					t.Errorf("%s: %s is not %s (%v)", path, it.Name, g.Name, it.Genres)
				}
			}
		}
		var artists listIn
		e.expect(req{"GET", "/Artists?ParentId=" + e.music.String() + "&Limit=1", nil, admin}, 200, &artists)
		if len(artists.Items) == 0 || len(mix(admin, "/Artists/InstantMix?id="+artists.Items[0].ID, 200)) == 0 {
			t.Errorf("an artist's mix: artists %v", names(artists.Items))
		}
		// Bob may not see the music library: nothing of it mixes for him.
		mix(bob, "/Albums/"+album+"/InstantMix", 404)
		mix(bob, "/MusicGenres/InstantMix?id="+g.ID, 404)
		mix(admin, "/Items/"+media.NewID().String()+"/InstantMix", 404)
		mix(admin, "/Items/nonsense/InstantMix", 400)
	})
}

// TestUpcoming: the TV library's Upcoming tab lists episodes aired from
// yesterday on, the soonest first.
func TestUpcoming(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		e := newBrowseEnv(t, s)
		eps := e.list(e.admin, "/Items?ParentId="+e.shows.String()+"&Recursive=true&IncludeItemTypes=Episode&SortBy=SortName&Limit=3").Items
		if len(eps) != 3 {
			t.Fatalf("episodes: %v", names(eps))
		}
		db := e.store.DB()
		now := time.Now().UTC()
		for i, days := range []int{10, 1, -3} {
			if _, err := db.Write.Exec(db.Rebind(`UPDATE "BaseItems" SET "PremiereDate" = ? WHERE "Id" = ?`),
				db.Time(now.AddDate(0, 0, days)), database.GUID(media.MustParseID(eps[i].ID))); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.store.ItemsChanged(context.Background()); err != nil {
			t.Fatal(err)
		}
		var l listIn
		e.expect(req{"GET", "/Shows/Upcoming?Limit=10&Fields=PremiereDate", nil, as(e.admin)}, 200, &l)
		if got := ids(l.Items); !slices.Equal(got, []string{eps[1].ID, eps[0].ID}) || l.TotalRecordCount != 2 {
			t.Errorf("upcoming: %v (total %d), want %v then %v", names(l.Items), l.TotalRecordCount, eps[1].Name, eps[0].Name)
		}
		e.expect(req{"GET", "/Shows/Upcoming?ParentId=" + e.movies.String(), nil, as(e.admin)}, 200, &l)
		if len(l.Items) != 0 {
			t.Errorf("upcoming in the films: %v", names(l.Items))
		}
		e.expect(req{"GET", "/Shows/Upcoming", nil, nil}, 401, nil)
	})
}
