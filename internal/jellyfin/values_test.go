package jellyfin

import (
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/media"
)

// The names lists (/Genres, /Studios, /Persons, /Artists, /Items/Filters)
// against what /Items says the caller's items carry, on each engine.

func TestValues(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		e := newBrowseEnv(t, s)
		for _, c := range []struct {
			name string
			fn   func(*testing.T, *browseEnv)
		}{
			{"Genres", testGenres},
			{"StudiosPersons", testStudiosPersons},
			{"Artists", testArtists},
			{"ItemsFilters", testItemsFilters},
		} {
			t.Run(c.name, func(t *testing.T) {
				parent := e.t
				e.t = t
				defer func() { e.t = parent }()
				c.fn(t, e)
			})
		}
	})
}

// carried maps each name the items of path carry (by what) to the ids of
// the items carrying it.
func (e *browseEnv) carried(token, path string, what func(ItemIn) []string) map[string][]string {
	out := map[string][]string{}
	for _, it := range e.list(token, path).Items {
		for _, n := range what(it) {
			if !slices.Contains(out[n], it.ID) {
				out[n] = append(out[n], it.ID)
			}
		}
	}
	return out
}

func genresOf(it ItemIn) []string { return it.Genres }

func studiosOf(it ItemIn) []string {
	var out []string
	for _, s := range it.Studios {
		out = append(out, s.Name)
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	return slices.Sorted(maps.Keys(m))
}

func sortedNames(items []ItemIn) []string {
	out := names(items)
	sort.Strings(out)
	return out
}

// checkIDs checks that each name's id, as filter on /Items, finds exactly
// the items carrying it.
func (e *browseEnv) checkIDs(t *testing.T, token, base, filter string, list []ItemIn, want map[string][]string) {
	t.Helper()
	for _, v := range list {
		if !hex32.MatchString(v.ID) {
			t.Errorf("%s: id %q", v.Name, v.ID)
		}
		got := ids(e.list(token, base+"&"+filter+"="+v.ID).Items)
		sort.Strings(got)
		w := slices.Clone(want[v.Name])
		sort.Strings(w)
		if !slices.Equal(got, w) || len(w) == 0 {
			t.Errorf("%s=%s (%s): %d items, want %d", filter, v.ID, v.Name, len(got), len(w))
		}
	}
	unknown := "0badc0de0badc0de0badc0de0badc0de"
	if l := e.list(token, base+"&"+filter+"="+unknown); l.TotalRecordCount != 0 || len(l.Items) != 0 {
		t.Errorf("%s of an unknown id: %d items", filter, l.TotalRecordCount)
	}
}

func testGenres(t *testing.T, e *browseEnv) {
	all := "/Items?Recursive=true&Fields=Genres"
	adminWant := e.carried(e.admin, all, genresOf)
	genres := e.list(e.admin, "/Genres?SortBy=SortName")
	if got := sortedNames(genres.Items); !slices.Equal(got, sortedKeys(adminWant)) || genres.TotalRecordCount != len(got) {
		t.Errorf("admin's genres %v (total %d), want %v", got, genres.TotalRecordCount, sortedKeys(adminWant))
	}
	for i, g := range genres.Items {
		if g.Type != "Genre" || g.ServerID != e.rt.serverID.String() {
			t.Errorf("genre %+v", g)
		}
		if i > 0 && strings.ToLower(genres.Items[i-1].Name) > strings.ToLower(g.Name) {
			t.Errorf("genres not by name: %v", names(genres.Items))
		}
	}
	e.checkIDs(t, e.admin, "/Items?Recursive=true", "GenreIds", genres.Items, adminWant)

	// Bob cannot see Music: its genres are not his.
	bobWant := e.carried(e.bob, all, genresOf)
	bob := e.list(e.bob, "/Genres")
	if got := sortedNames(bob.Items); !slices.Equal(got, sortedKeys(bobWant)) || len(got) == 0 {
		t.Errorf("bob's genres %v, want %v", got, sortedKeys(bobWant))
	}
	musicOnly := 0
	for g := range adminWant {
		if _, ok := bobWant[g]; !ok {
			musicOnly++
		}
	}
	if musicOnly == 0 {
		t.Errorf("the library has no genre bob may not see: the test proves nothing")
	}
	// The admin looking as bob sees bob's.
	if got := sortedNames(e.list(e.admin, "/Genres?userId="+e.bobID.String()).Items); !slices.Equal(got, sortedKeys(bobWant)) {
		t.Errorf("genres as bob %v", got)
	}
	if l := e.list(e.bob, "/Genres?ParentId="+e.music.String()); len(l.Items) != 0 || l.TotalRecordCount != 0 {
		t.Errorf("bob's genres in music: %v", names(l.Items))
	}

	// ParentId and IncludeItemTypes.
	movieWant := e.carried(e.admin, "/Items?Recursive=true&Fields=Genres&ParentId="+e.movies.String(), genresOf)
	if got := sortedNames(e.list(e.admin, "/Genres?ParentId="+e.movies.String()).Items); !slices.Equal(got, sortedKeys(movieWant)) {
		t.Errorf("movies' genres %v, want %v", got, sortedKeys(movieWant))
	}
	seriesWant := e.carried(e.admin, "/Items?Recursive=true&Fields=Genres&IncludeItemTypes=Series", genresOf)
	if got := sortedNames(e.list(e.admin, "/Genres?IncludeItemTypes=Series").Items); !slices.Equal(got, sortedKeys(seriesWant)) {
		t.Errorf("series' genres %v, want %v", got, sortedKeys(seriesWant))
	}

	// Paging, order and the total.
	page := e.list(e.admin, "/Genres?SortBy=SortName&StartIndex=2&Limit=3")
	if page.TotalRecordCount != len(genres.Items) || page.StartIndex != 2 || !slices.Equal(ids(page.Items), ids(genres.Items)[2:5]) {
		t.Errorf("page 2+3: total %d, %v", page.TotalRecordCount, names(page.Items))
	}
	desc := e.list(e.admin, "/Genres?SortBy=SortName&SortOrder=Descending")
	rev := slices.Clone(ids(genres.Items))
	slices.Reverse(rev)
	if !slices.Equal(ids(desc.Items), rev) {
		t.Errorf("descending %v", names(desc.Items))
	}
	// SearchTerm and NameStartsWith.
	g := genres.Items[0].Name
	for _, p := range []string{"/Genres?SearchTerm=" + urlEscape(strings.ToLower(g[1:])), "/Genres?NameStartsWith=" + urlEscape(g[:2])} {
		l := e.list(e.admin, p)
		if !slices.Contains(names(l.Items), g) {
			t.Errorf("%s: %v lacks %s", p, names(l.Items), g)
		}
		for _, n := range names(l.Items) {
			if !strings.Contains(strings.ToLower(n), strings.ToLower(g[1:])) && !strings.HasPrefix(strings.ToLower(n), strings.ToLower(g[:2])) {
				t.Errorf("%s: %s", p, n)
			}
		}
	}
	// MusicGenres: the genres of music.
	musicWant := e.carried(e.admin, "/Items?Recursive=true&Fields=Genres&ParentId="+e.music.String(), genresOf)
	mg := e.list(e.admin, "/MusicGenres")
	if got := sortedNames(mg.Items); !slices.Equal(got, sortedKeys(musicWant)) || len(got) == 0 {
		t.Errorf("music genres %v, want %v", got, sortedKeys(musicWant))
	}
}

func testStudiosPersons(t *testing.T, e *browseEnv) {
	all := "/Items?Recursive=true&Fields=Studios,People"
	want := e.carried(e.admin, all, studiosOf)
	studios := e.list(e.admin, "/Studios")
	if got := sortedNames(studios.Items); !slices.Equal(got, sortedKeys(want)) || len(got) == 0 {
		t.Errorf("studios %v, want %v", got, sortedKeys(want))
	}
	for _, s := range studios.Items {
		if s.Type != "Studio" {
			t.Errorf("studio %+v", s)
		}
	}
	e.checkIDs(t, e.admin, "/Items?Recursive=true", "StudioIds", studios.Items, want)
	movieWant := e.carried(e.admin, all+"&ParentId="+e.movies.String(), studiosOf)
	if got := sortedNames(e.list(e.admin, "/Studios?ParentId="+e.movies.String()).Items); !slices.Equal(got, sortedKeys(movieWant)) {
		t.Errorf("movies' studios %v, want %v", got, sortedKeys(movieWant))
	}
	// Studios by name.
	s0 := studios.Items[0].Name
	if got := len(e.list(e.admin, "/Items?Recursive=true&Studios="+urlEscape(s0)).Items); got != len(want[s0]) {
		t.Errorf("studio %s by name: %d items, want %d", s0, got, len(want[s0]))
	}

	// People: by Peoples id; a name can be two people, so ids count.
	byID := map[string][]string{}
	idsByType := map[string]map[string]bool{}
	byNameType := map[[2]string][]string{} // {name, type}: the items crediting it so
	for _, it := range e.list(e.admin, all).Items {
		for _, p := range it.People {
			if k := [2]string{p.Name, p.Type}; !slices.Contains(byNameType[k], it.ID) {
				byNameType[k] = append(byNameType[k], it.ID)
			}
			if !slices.Contains(byID[p.ID], it.ID) {
				byID[p.ID] = append(byID[p.ID], it.ID)
			}
			if idsByType[p.Type] == nil {
				idsByType[p.Type] = map[string]bool{}
			}
			idsByType[p.Type][p.ID] = true
		}
	}
	persons := e.list(e.admin, "/Persons")
	if got := ids(persons.Items); len(got) != len(byID) || persons.TotalRecordCount != len(byID) || len(got) == 0 {
		t.Errorf("persons: %d (total %d), want %d", len(got), persons.TotalRecordCount, len(byID))
	}
	byName := map[string][]string{}
	for _, p := range persons.Items {
		if p.Type != "Person" || byID[p.ID] == nil {
			t.Errorf("person %+v is credited on nothing", p)
		}
		byName[p.Name] = byID[p.ID]
	}
	// Each id finds its items (check a sample: every fifth).
	var sample []ItemIn
	for i := 0; i < len(persons.Items); i += 5 {
		p := persons.Items[i]
		if slices.Equal(byName[p.Name], byID[p.ID]) {
			sample = append(sample, p)
		}
	}
	e.checkIDs(t, e.admin, "/Items?Recursive=true", "PersonIds", sample, byName)
	// By name, and by name and the kind of credit.
	for k, want := range byNameType {
		for _, q := range []string{"&Person=" + url.QueryEscape(k[0]) + "&PersonTypes=" + k[1], "&Person=" + url.QueryEscape(k[0])} {
			got := ids(e.list(e.admin, "/Items?Recursive=true"+q).Items)
			w := want
			if !strings.Contains(q, "PersonTypes") {
				w = nil
				for kk, items := range byNameType {
					if kk[0] == k[0] {
						for _, id := range items {
							if !slices.Contains(w, id) {
								w = append(w, id)
							}
						}
					}
				}
			}
			sort.Strings(got)
			w = slices.Clone(w)
			sort.Strings(w)
			if !slices.Equal(got, w) {
				t.Errorf("items%s: %d, want %d", q, len(got), len(w))
			}
		}
	}
	for typ, set := range idsByType {
		l := e.list(e.admin, "/Persons?PersonTypes="+typ)
		if len(l.Items) != len(set) {
			t.Errorf("persons of type %s: %d, want %d", typ, len(l.Items), len(set))
		}
		for _, p := range l.Items {
			if !set[p.ID] {
				t.Errorf("%s is no %s", p.Name, typ)
			}
		}
	}
	page := e.list(e.admin, "/Persons?StartIndex=3&Limit=4")
	if page.TotalRecordCount != len(persons.Items) || !slices.Equal(ids(page.Items), ids(persons.Items)[3:7]) {
		t.Errorf("persons page: total %d, %v", page.TotalRecordCount, names(page.Items))
	}
	if l := e.list(e.admin, "/Persons?Limit=2&EnableTotalRecordCount=false"); len(l.Items) != 2 || l.TotalRecordCount != 2 {
		t.Errorf("persons without a total: %d, %d", len(l.Items), l.TotalRecordCount)
	}
}

func testArtists(t *testing.T, e *browseEnv) {
	// Artists are the names of the Artist and AlbumArtist values music
	// items carry.
	artistsOf := func(types string) map[string]int {
		out := map[string]int{}
		var name string
		var n int
		rows, err := e.store.DB().Read.Query(`SELECT v."Value", COUNT(DISTINCT m."ItemId") FROM "ItemValues" v JOIN "ItemValuesMap" m ON m."ItemValueId" = v."ItemValueId"
JOIN "BaseItems" b ON b."Id" = m."ItemId" WHERE b."IsVirtualItem" = `+e.store.DB().Rebind("?")+` AND v."Type" IN (`+types+`) GROUP BY v."Value"`, false)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(&name, &n); err != nil {
				t.Fatal(err)
			}
			out[name] = n
		}
		return out
	}
	want := artistsOf("0, 1")
	artists := e.list(e.admin, "/Artists")
	if got := sortedNames(artists.Items); len(got) == 0 || !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Errorf("artists %v, want %v", got, slices.Sorted(maps.Keys(want)))
	}
	for i, a := range artists.Items {
		if a.Type != "MusicArtist" {
			t.Errorf("artist %+v", a)
		}
		if i%3 != 0 {
			continue
		}
		if got := e.list(e.admin, "/Items?Recursive=true&ArtistIds="+a.ID).TotalRecordCount; got != want[a.Name] {
			t.Errorf("ArtistIds=%s (%s): %d items, want %d", a.ID, a.Name, got, want[a.Name])
		}
	}
	albumWant := artistsOf("1")
	album := e.list(e.admin, "/Artists/AlbumArtists")
	if got := sortedNames(album.Items); !slices.Equal(got, slices.Sorted(maps.Keys(albumWant))) {
		t.Errorf("album artists %v", got)
	}
	if a := album.Items[0]; e.list(e.admin, "/Items?Recursive=true&AlbumArtistIds="+a.ID).TotalRecordCount != albumWant[a.Name] {
		t.Errorf("AlbumArtistIds=%s: want %d", a.ID, albumWant[a.Name])
	}
	for _, f := range []string{"ArtistIds", "AlbumArtistIds"} {
		if l := e.list(e.admin, "/Items?Recursive=true&"+f+"=0badc0de0badc0de0badc0de0badc0de"); l.TotalRecordCount != 0 {
			t.Errorf("%s of an unknown id: %d", f, l.TotalRecordCount)
		}
	}
	// Bob cannot see Music.
	if l := e.list(e.bob, "/Artists"); len(l.Items) != 0 || l.TotalRecordCount != 0 {
		t.Errorf("bob's artists %v", names(l.Items))
	}
	if l := e.list(e.admin, "/Artists?ParentId="+e.movies.String()); len(l.Items) != 0 {
		t.Errorf("artists of movies %v", names(l.Items))
	}
}

func testItemsFilters(t *testing.T, e *browseEnv) {
	var legacy struct {
		Genres, Tags, OfficialRatings []string
		Years                         []int
	}
	e.expect(req{"GET", "/Items/Filters?ParentId=" + e.movies.String() + "&IncludeItemTypes=Movie", nil, as(e.admin)}, 200, &legacy)
	movies := e.list(e.admin, "/Items?Recursive=true&IncludeItemTypes=Movie&Fields=Genres&ParentId="+e.movies.String())
	genres, years := map[string]bool{}, map[int]bool{}
	for _, it := range movies.Items {
		for _, g := range it.Genres {
			genres[g] = true
		}
		if it.ProductionYear != nil {
			years[*it.ProductionYear] = true
		}
	}
	gotG := slices.Clone(legacy.Genres)
	sort.Strings(gotG)
	if !slices.Equal(gotG, slices.Sorted(maps.Keys(genres))) || !slices.Equal(legacy.Years, slices.Sorted(maps.Keys(years))) {
		t.Errorf("filters: genres %v years %v, want %v %v", legacy.Genres, legacy.Years, slices.Sorted(maps.Keys(genres)), slices.Sorted(maps.Keys(years)))
	}
	if legacy.Tags == nil || legacy.OfficialRatings == nil {
		t.Errorf("filters: null lists %+v", legacy)
	}
	var filters struct {
		Genres []struct{ Name, ID string }
		Tags   []string
	}
	// Lower case, as some clients send it: not an item id.
	e.expect(req{"GET", "/items/filters2?userId=" + e.bobID.String(), nil, as(e.bob)}, 200, &filters)
	bobGenres := e.list(e.bob, "/Genres")
	var got, want []string
	for _, g := range filters.Genres {
		got = append(got, g.Name+"="+g.ID)
	}
	for _, g := range bobGenres.Items {
		want = append(want, g.Name+"="+g.ID)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) || len(got) == 0 {
		t.Errorf("filters2 genres %v, want %v", got, want)
	}
	if e.count(`SELECT COUNT(*) FROM "ItemValues" WHERE "Type" = ?`, int(media.ItemValueTag)) > 0 && filters.Tags == nil {
		t.Errorf("filters2: no tags")
	}
	// Only an administrator may look as someone else.
	e.expect(req{"GET", "/Items/Filters?userId=" + e.adminID.String(), nil, as(e.bob)}, 403, nil)
}
