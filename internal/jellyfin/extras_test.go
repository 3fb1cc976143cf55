package jellyfin

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// testExtras covers the detail page's extras and the smaller browse
// endpoints (extras.go), and the /Items filters on ratings and names.
// It runs last in TestBrowse: it rates and marks items.
func testExtras(t *testing.T, e *browseEnv) {
	movies := e.list(e.admin, "/Items?ParentId="+e.movies.String()+"&Recursive=true&IncludeItemTypes=Movie&Fields=Genres")
	if len(movies.Items) < 3 {
		t.Fatalf("movies: %d", len(movies.Items))
	}
	episodes := e.list(e.admin, "/Items?ParentId="+e.shows.String()+"&Recursive=true&IncludeItemTypes=Episode&Limit=1")
	songs := e.list(e.admin, "/Items?ParentId="+e.music.String()+"&Recursive=true&IncludeItemTypes=Audio&Limit=1")
	if len(episodes.Items) != 1 || len(songs.Items) != 1 {
		t.Fatalf("an episode and a song: %d %d", len(episodes.Items), len(songs.Items))
	}

	t.Run("Counts", func(t *testing.T) {
		var c ItemCounts
		e.expect(req{"GET", "/Items/Counts", nil, as(e.admin)}, 200, &c)
		if c.MovieCount != movies.TotalRecordCount || c.EpisodeCount != episodes.TotalRecordCount || c.SongCount != songs.TotalRecordCount ||
			c.ItemCount != c.MovieCount+c.EpisodeCount+c.SongCount {
			t.Errorf("admin's counts %+v; movies %d, episodes %d, songs %d", c, movies.TotalRecordCount, episodes.TotalRecordCount, songs.TotalRecordCount)
		}
		var b ItemCounts
		e.expect(req{"GET", "/Items/Counts?userId=" + e.bobID.String(), nil, as(e.bob)}, 200, &b)
		if b.SongCount != 0 || b.MovieCount != c.MovieCount {
			t.Errorf("bob, who may not see Music: %+v", b)
		}
		e.expect(req{"GET", "/Items/Counts?userId=" + e.adminID.String(), nil, as(e.bob)}, 403, nil)
	})

	t.Run("Root", func(t *testing.T) {
		var root ItemIn
		e.expect(req{"GET", "/Items/Root", nil, as(e.admin)}, 200, &root)
		if root.Type != "UserRootFolder" || !root.IsFolder || !hex32.MatchString(root.ID) {
			t.Fatalf("root %+v", root)
		}
		e.expect(req{"GET", "/Users/" + e.bobID.String() + "/Items/Root", nil, as(e.bob)}, 200, nil)
		for _, c := range []struct{ token, want string }{{e.admin, "Movies,Music,Shows"}, {e.bob, "Movies,Shows"}} {
			l := e.list(c.token, "/Items?ParentId="+root.ID)
			if got := strings.Join(names(l.Items), ","); got != c.want {
				t.Errorf("the root's children: %s, want %s", got, c.want)
			}
		}
		var folders listIn
		e.expect(req{"GET", "/Library/MediaFolders", nil, as(e.admin)}, 200, &folders)
		if got := strings.Join(names(folders.Items), ","); got != "Movies,Music,Shows" || folders.Items[0].CollectionType != "movies" {
			t.Errorf("media folders %s %+v", got, folders.Items)
		}
		e.expect(req{"GET", "/Library/MediaFolders", nil, as(e.bob)}, 403, nil)
	})

	t.Run("Similar", func(t *testing.T) {
		var m ItemIn
		for _, it := range movies.Items {
			if len(it.Genres) > 0 {
				m = it
				break
			}
		}
		if m.ID == "" {
			t.Fatal("no movie has a genre")
		}
		sim := e.list(e.admin, "/Items/"+m.ID+"/Similar?Fields=Genres&Limit=50")
		if len(sim.Items) == 0 {
			t.Fatalf("%s (%v) has no similar items", m.Name, m.Genres)
		}
		want := 0
		for _, it := range movies.Items {
			if it.ID != m.ID && slices.ContainsFunc(it.Genres, func(g string) bool { return slices.Contains(m.Genres, g) }) {
				want++
			}
		}
		if len(sim.Items) != min(want, 50) {
			t.Errorf("similar to %s: %d, want %d", m.Name, len(sim.Items), want)
		}
		for _, it := range sim.Items {
			if it.ID == m.ID || it.Type != "Movie" || !slices.ContainsFunc(it.Genres, func(g string) bool { return slices.Contains(m.Genres, g) }) {
				t.Errorf("similar to %s (%v): %s %s %v", m.Name, m.Genres, it.Name, it.Type, it.Genres)
			}
		}
	})

	t.Run("Ancestors", func(t *testing.T) {
		var anc []ItemIn
		ep := episodes.Items[0]
		e.expect(req{"GET", "/Items/" + ep.ID + "/Ancestors", nil, as(e.admin)}, 200, &anc)
		var types []string
		for _, a := range anc {
			types = append(types, a.Type)
		}
		if strings.Join(types, ",") != "Season,Series,CollectionFolder" || anc[0].ID != ep.SeasonID || anc[1].ID != ep.SeriesID || anc[2].ID != e.shows.String() {
			t.Errorf("ancestors of an episode: %v", anc)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		m, song := movies.Items[0].ID, songs.Items[0].ID
		for _, path := range []string{"/Items/%s/SpecialFeatures", "/Items/%s/LocalTrailers", "/Users/" + e.bobID.String() + "/Items/%s/SpecialFeatures"} {
			var got []ItemIn
			e.expect(req{"GET", strings.Replace(path, "%s", m, 1), nil, as(e.bob)}, 200, &got)
			if got == nil || len(got) != 0 {
				t.Errorf("%s: %v", path, got)
			}
			// Bob may not see the music library.
			e.expect(req{"GET", strings.Replace(path, "%s", song, 1), nil, as(e.bob)}, 404, nil)
		}
		for _, path := range []string{"/Items/" + m + "/Intros", "/Videos/" + m + "/AdditionalParts", "/MediaSegments/" + m, "/Items/Suggestions"} {
			if l := e.list(e.bob, path); l.Items == nil || len(l.Items) != 0 {
				t.Errorf("%s: %+v", path, l)
			}
		}
		var theme AllThemeMediaResult
		e.expect(req{"GET", "/Items/" + m + "/ThemeMedia", nil, as(e.bob)}, 200, &theme)
		if theme.ThemeSongsResult.OwnerId != m || theme.ThemeVideosResult.Items == nil {
			t.Errorf("theme media %+v", theme)
		}
	})

	t.Run("Images", func(t *testing.T) {
		for _, it := range movies.Items {
			if len(it.ImageTags) == 0 {
				continue
			}
			var infos []ImageInfo
			e.expect(req{"GET", "/Items/" + it.ID + "/Images", nil, as(e.admin)}, 200, &infos)
			got := map[string]string{}
			backdrops := 0
			for _, in := range infos {
				if in.ImageType == "Backdrop" {
					if in.ImageIndex == nil || *in.ImageIndex != backdrops || in.ImageTag != it.BackdropImageTags[backdrops] {
						t.Errorf("%s: backdrop %+v", it.Name, in)
					}
					backdrops++
					continue
				}
				got[in.ImageType] = in.ImageTag
			}
			if !maps.Equal(got, it.ImageTags) || backdrops != len(it.BackdropImageTags) {
				t.Errorf("%s: images %+v, want %v and %d backdrops", it.Name, infos, it.ImageTags, len(it.BackdropImageTags))
			}
			return
		}
		t.Fatal("no movie has an image")
	})

	t.Run("Ratings", func(t *testing.T) {
		a, b, c := movies.Items[0].ID, movies.Items[1].ID, movies.Items[2].ID
		byFilter := func(token, f string) []string {
			got := ids(e.list(token, "/Items?Recursive=true&IncludeItemTypes=Movie&Filters="+f).Items)
			slices.Sort(got)
			return got
		}
		with := func(set []string, add []string, drop ...string) []string {
			out := slices.DeleteFunc(slices.Clone(set), func(id string) bool { return slices.Contains(drop, id) || slices.Contains(add, id) })
			out = append(out, add...)
			slices.Sort(out)
			return out
		}
		// The generated library rates some items already.
		likes, dislikes := byFilter(e.bob, "Likes"), byFilter(e.bob, "Dislikes")
		adminLikes := byFilter(e.admin, "Likes")
		var ud struct{ Likes *bool }
		e.expect(req{"POST", "/UserItems/" + a + "/Rating?likes=true", nil, as(e.bob)}, 200, &ud)
		if ud.Likes == nil || !*ud.Likes {
			t.Errorf("after liking: %+v", ud)
		}
		e.expect(req{"POST", "/Users/" + e.bobID.String() + "/Items/" + b + "/Rating?Likes=false", nil, as(e.bob)}, 200, nil)
		e.expect(req{"POST", "/UserFavoriteItems/" + c, nil, as(e.bob)}, 200, nil)
		e.expect(req{"POST", "/UserItems/" + a + "/Rating?likes=maybe", nil, as(e.bob)}, 400, nil)
		if got, want := byFilter(e.bob, "Likes"), with(likes, []string{a}, b); !slices.Equal(got, want) {
			t.Errorf("Likes: %v, want %v", got, want)
		}
		if got, want := byFilter(e.bob, "Dislikes"), with(dislikes, []string{b}, a); !slices.Equal(got, want) {
			t.Errorf("Dislikes: %v, want %v", got, want)
		}
		if got := byFilter(e.bob, "IsFavoriteOrLikes"); !slices.Contains(got, a) || !slices.Contains(got, c) {
			t.Errorf("IsFavoriteOrLikes: %v, want %s and %s among them", got, a, c)
		}
		if got := byFilter(e.admin, "Likes"); !slices.Equal(got, adminLikes) {
			t.Errorf("the admin's likes changed: %v, were %v", got, adminLikes)
		}
		ud.Likes = nil
		e.expect(req{"DELETE", "/UserItems/" + a + "/Rating", nil, as(e.bob)}, 200, &ud)
		if ud.Likes != nil {
			t.Errorf("after clearing: %+v", ud)
		}
		if got, want := byFilter(e.bob, "Likes"), with(likes, nil, a, b); !slices.Equal(got, want) {
			t.Errorf("Likes after clearing: %v, want %v", got, want)
		}
	})

	t.Run("Names", func(t *testing.T) {
		base := "/Items?ParentId=" + e.movies.String() + "&Recursive=true&IncludeItemTypes=Movie&SortBy=SortName&Fields=SortName"
		all := e.list(e.admin, base)
		pivot := all.Items[len(all.Items)/2].SortName[:1]
		below := e.list(e.admin, base+"&NameLessThan="+pivot)
		above := e.list(e.admin, base+"&nameStartsWithOrGreater="+strings.ToUpper(pivot))
		if len(below.Items) == 0 || len(above.Items) == 0 || len(below.Items)+len(above.Items) != len(all.Items) ||
			!slices.Equal(append(ids(below.Items), ids(above.Items)...), ids(all.Items)) {
			t.Errorf("split at %q: %d below, %d above, %d in all", pivot, len(below.Items), len(above.Items), len(all.Items))
		}
		if l := e.list(e.admin, base+"&HasThemeSong=true"); len(l.Items) != 0 {
			t.Errorf("items with theme songs: %v", names(l.Items))
		}
		if l := e.list(e.admin, base+"&HasThemeSong=false"); len(l.Items) != len(all.Items) {
			t.Errorf("items without theme songs: %d of %d", len(l.Items), len(all.Items))
		}
	})
}
