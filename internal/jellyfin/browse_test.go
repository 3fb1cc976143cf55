package jellyfin

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/gendb"
	"github.com/jellyha/jellyha/internal/media"
)

// The browse API end to end on a generated tiny library, on each engine.

// ItemIn reads a BaseItemDto back.
type ItemIn struct {
	Name, SortName, ID, Type, ParentID, SeriesID, SeasonID, SeriesName, CollectionType, Overview, ServerID, MediaType string
	IsFolder                                                                                                          bool
	IndexNumber, ParentIndexNumber, ProductionYear, ChildCount                                                        *int
	RunTimeTicks                                                                                                      *int64
	Genres                                                                                                            []string
	GenreItems, Studios                                                                                               []struct{ Name, ID string }
	People                                                                                                            []struct{ Name, ID, Role, Type string }
	ImageTags                                                                                                         map[string]string
	BackdropImageTags                                                                                                 []string
	ProviderIDs                                                                                                       map[string]string `json:"ProviderIds"`
	PrimaryImageAspectRatio                                                                                           *float64
	DateCreated, PremiereDate                                                                                         string
	UserData                                                                                                          *UserDataIn
}

// UserDataIn reads a UserItemDataDto back.
type UserDataIn struct {
	PlaybackPositionTicks int64
	PlayCount             int
	IsFavorite, Played    bool
	LastPlayedDate, Key   string
	ItemID                string `json:"ItemId"`
	UnplayedItemCount     *int
}

type listIn struct {
	Items            []ItemIn
	TotalRecordCount int
	StartIndex       int
}

// browseEnv is a generated library with the admin's and the restricted
// user's sessions.
type browseEnv struct {
	*testServer
	admin, bob       string // tokens
	adminID, bobID   media.ID
	movies, shows    media.ID
	music            media.ID
	libsByName       map[string]media.ID
	viewsOfAdminJSON []ItemIn
}

func newBrowseEnv(t *testing.T, s *testServer) *browseEnv {
	t.Helper()
	ctx := context.Background()
	if _, err := gendb.Generate(ctx, s.store, gendb.Options{Size: gendb.Tiny, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	s.completeWizard()
	e := &browseEnv{testServer: s, libsByName: map[string]media.ID{}}
	a := s.login(gendb.AdminName, gendb.AdminPassword, "admin-dev")
	b := s.login("bob", "bob-password", "bob-dev")
	e.admin, e.bob = a.AccessToken, b.AccessToken
	e.adminID, e.bobID = media.MustParseID(a.User.ID), media.MustParseID(b.User.ID)
	var views listIn
	s.expect(req{"GET", "/UserViews", nil, as(e.admin)}, 200, &views)
	for _, v := range views.Items {
		e.libsByName[v.Name] = media.MustParseID(v.ID)
	}
	e.movies, e.shows, e.music = e.libsByName["Movies"], e.libsByName["Shows"], e.libsByName["Music"]
	e.viewsOfAdminJSON = views.Items
	return e
}

func (e *browseEnv) list(token, path string) listIn {
	e.t.Helper()
	var l listIn
	e.expect(req{"GET", path, nil, as(token)}, 200, &l)
	return l
}

func names(items []ItemIn) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

func ids(items []ItemIn) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// count runs a COUNT query on the store's database.
func (e *browseEnv) count(q string, args ...any) int {
	e.t.Helper()
	db := e.store.DB()
	var n int
	if err := db.Read.QueryRowContext(context.Background(), db.Rebind(q), args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestBrowse(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		e := newBrowseEnv(t, s)
		for _, c := range []struct {
			name string
			fn   func(*testing.T, *browseEnv)
		}{
			{"Views", testViews},
			{"Items", testItems},
			{"Filters", testFilters},
			{"Detail", testDetail},
			{"Shows", testShows},
			{"Latest", testLatest},
			{"Fields", testFields},
			{"Resume", testResume},
			{"NextUp", testNextUp},
			{"SearchHints", testSearchHints},
			{"UserData", testUserData},
			{"DisplayPreferences", testDisplayPreferences},
			{"Images", testImages},
			{"Permissions", testBrowsePermissions},
			{"Extras", testExtras},
		} {
			t.Run(c.name, func(t *testing.T) {
				// The helpers report to the running subtest.
				parent := e.t
				e.t = t
				defer func() { e.t = parent }()
				c.fn(t, e)
			})
		}
	})
}

func testViews(t *testing.T, e *browseEnv) {
	types := map[string]string{}
	for _, v := range e.viewsOfAdminJSON {
		types[v.Name] = v.CollectionType
		if v.Type != "CollectionFolder" || !v.IsFolder || !hex32.MatchString(v.ID) {
			t.Errorf("view %+v", v)
		}
	}
	if types["Movies"] != "movies" || types["Shows"] != "tvshows" || types["Music"] != "music" || len(types) != 3 {
		t.Errorf("admin's views %v", types)
	}
	bob := e.list(e.bob, "/Users/"+e.bobID.String()+"/Views")
	if got := strings.Join(names(bob.Items), ","); got != "Movies,Shows" {
		t.Errorf("restricted user's views %s", got)
	}
}

func testItems(t *testing.T, e *browseEnv) {
	all := e.list(e.admin, "/Items?ParentId="+e.movies.String()+"&SortBy=SortName&fields=Overview,Genres")
	if all.TotalRecordCount != 12 || len(all.Items) != 12 {
		t.Fatalf("movies: %d items, total %d", len(all.Items), all.TotalRecordCount)
	}
	var got []string
	for _, it := range all.Items {
		got = append(got, it.SortName)
	}
	if !sort.StringsAreSorted(got) {
		t.Errorf("not sorted by sort name: %v", got)
	}
	desc := e.list(e.admin, "/Items?ParentId="+e.movies.String()+"&SortBy=SortName&SortOrder=Descending")
	rev := slices.Clone(ids(all.Items))
	slices.Reverse(rev)
	if !slices.Equal(ids(desc.Items), rev) {
		t.Errorf("descending is not the reverse")
	}
	page := e.list(e.admin, "/Items?ParentId="+e.movies.String()+"&SortBy=SortName&StartIndex=5&Limit=3")
	if page.TotalRecordCount != 12 || page.StartIndex != 5 || !slices.Equal(ids(page.Items), ids(all.Items)[5:8]) {
		t.Errorf("page 5+3: total %d, %v", page.TotalRecordCount, names(page.Items))
	}
	past := e.list(e.admin, "/Items?ParentId="+e.movies.String()+"&StartIndex=50&Limit=3")
	if past.TotalRecordCount != 12 || len(past.Items) != 0 {
		t.Errorf("past the end: %+v", past)
	}
	// Recursive with types, and ExcludeItemTypes.
	eps := e.list(e.admin, "/Users/"+e.adminID.String()+"/Items?ParentId="+e.shows.String()+"&Recursive=true&IncludeItemTypes=Episode")
	want := e.count(`SELECT COUNT(*) FROM "BaseItems" WHERE "Type" = ?`, media.ItemTypeEpisode)
	if eps.TotalRecordCount != want || want == 0 {
		t.Errorf("episodes %d, want %d", eps.TotalRecordCount, want)
	}
	noEps := e.list(e.admin, "/Items?ParentId="+e.shows.String()+"&Recursive=true&ExcludeItemTypes=Episode,Season")
	for _, it := range noEps.Items {
		if it.Type != "Series" {
			t.Errorf("excluded types leaked: %s", it.Type)
		}
	}
	// Every sort key answers, in both directions, with the same total.
	for _, by := range []string{"Name", "DateCreated", "PremiereDate", "ProductionYear", "CommunityRating", "Random", "DatePlayed",
		"PlayCount", "IndexNumber,ParentIndexNumber", "Runtime", "ProductionYear,SortName"} {
		for _, order := range []string{"Ascending", "Descending"} {
			l := e.list(e.admin, "/Items?Recursive=true&IncludeItemTypes=Movie,Episode&SortBy="+by+"&SortOrder="+order+"&Limit=7")
			if l.TotalRecordCount != 12+want || len(l.Items) != 7 {
				t.Errorf("sort %s %s: total %d, %d items", by, order, l.TotalRecordCount, len(l.Items))
			}
		}
	}
	years := e.list(e.admin, "/Items?ParentId="+e.movies.String()+"&SortBy=ProductionYear,SortName&SortOrder=Descending,Ascending")
	for i := 1; i < len(years.Items); i++ {
		a, b := years.Items[i-1], years.Items[i]
		if *a.ProductionYear < *b.ProductionYear || (*a.ProductionYear == *b.ProductionYear && a.Name > b.Name) {
			t.Errorf("year desc, name asc broken at %s (%d) / %s (%d)", a.Name, *a.ProductionYear, b.Name, *b.ProductionYear)
		}
	}
}

func testFilters(t *testing.T, e *browseEnv) {
	base := "/Items?Recursive=true&IncludeItemTypes=Movie&userId=" + e.adminID.String()
	all := e.list(e.admin, base+"&Fields=Genres")
	user := database.GUID(e.adminID)
	typ := media.ItemTypeMovie
	countWhere := func(cond string, args ...any) int {
		return e.count(`SELECT COUNT(*) FROM "BaseItems" b WHERE b."Type" = ? AND EXISTS (SELECT 1 FROM "UserData" u WHERE u."ItemId" = b."Id" AND u."UserId" = ? AND `+cond+`)`,
			append([]any{typ, user}, args...)...)
	}
	played := countWhere(`u."Played" = ?`, true)
	for _, c := range []struct {
		path string
		want int
		ok   func(it ItemIn) bool
	}{
		{"&Filters=IsPlayed", played, func(it ItemIn) bool { return it.UserData.Played }},
		{"&IsPlayed=true", played, func(it ItemIn) bool { return it.UserData.Played }},
		{"&Filters=IsUnplayed", all.TotalRecordCount - played, func(it ItemIn) bool { return !it.UserData.Played }},
		{"&Filters=IsFavorite", countWhere(`u."IsFavorite" = ?`, true), func(it ItemIn) bool { return it.UserData.IsFavorite }},
		{"&IsFavorite=true", countWhere(`u."IsFavorite" = ?`, true), func(it ItemIn) bool { return it.UserData.IsFavorite }},
		{"&Filters=IsResumable", countWhere(`u."PlaybackPositionTicks" > 0`), func(it ItemIn) bool { return it.UserData.PlaybackPositionTicks > 0 }},
		{"&Filters=IsNotFolder", 12, func(it ItemIn) bool { return !it.IsFolder }},
		{"&Filters=IsFolder", 0, func(ItemIn) bool { return false }},
	} {
		l := e.list(e.admin, base+c.path)
		if l.TotalRecordCount != c.want {
			t.Errorf("%s: total %d, want %d", c.path, l.TotalRecordCount, c.want)
		}
		for _, it := range l.Items {
			if it.UserData == nil || !c.ok(it) {
				t.Errorf("%s: %s does not match (%+v)", c.path, it.Name, it.UserData)
			}
		}
	}
	// Genres, GenreIds, Years, SearchTerm, NameStartsWith, Ids.
	first := all.Items[0]
	genre := first.Genres[0]
	wantGenre := 0
	for _, it := range all.Items {
		if slices.Contains(it.Genres, genre) {
			wantGenre++
		}
	}
	if l := e.list(e.admin, base+"&Genres="+urlEscape(genre)); l.TotalRecordCount != wantGenre {
		t.Errorf("genre %s: %d, want %d", genre, l.TotalRecordCount, wantGenre)
	}
	var detail ItemIn
	e.expect(req{"GET", "/Items/" + first.ID, nil, as(e.admin)}, 200, &detail)
	for _, g := range detail.GenreItems {
		if g.Name == genre {
			if l := e.list(e.admin, base+"&GenreIds="+g.ID); l.TotalRecordCount != wantGenre {
				t.Errorf("genre id %s: %d, want %d", g.ID, l.TotalRecordCount, wantGenre)
			}
		}
	}
	year := *first.ProductionYear
	wantYear := 0
	for _, it := range all.Items {
		if *it.ProductionYear == year {
			wantYear++
		}
	}
	if l := e.list(e.admin, base+"&Years="+itoa(year)); l.TotalRecordCount != wantYear {
		t.Errorf("year %d: %d, want %d", year, l.TotalRecordCount, wantYear)
	}
	word := strings.ToUpper(first.Name[1 : len(first.Name)-1])
	search := e.list(e.admin, "/Items?Recursive=true&SearchTerm="+urlEscape(word))
	if !slices.Contains(ids(search.Items), first.ID) {
		t.Errorf("search %q did not find %q", word, first.Name)
	}
	for _, it := range search.Items {
		if !strings.Contains(strings.ToLower(it.Name), strings.ToLower(word)) {
			t.Errorf("search %q found %q", word, it.Name)
		}
	}
	if l := e.list(e.admin, "/Items?Recursive=true&SearchTerm=%25_%25"); l.TotalRecordCount != 0 {
		t.Errorf("wildcards are not escaped: %v", names(l.Items))
	}
	prefix := strings.ToLower(first.Name[:2])
	for _, it := range e.list(e.admin, base+"&NameStartsWith="+urlEscape(prefix)).Items {
		if !strings.HasPrefix(strings.ToLower(it.Name), prefix) {
			t.Errorf("NameStartsWith %q: %q", prefix, it.Name)
		}
	}
	two := e.list(e.admin, "/Items?Ids="+all.Items[1].ID+","+all.Items[3].ID)
	if two.TotalRecordCount != 2 {
		t.Errorf("Ids: %v", names(two.Items))
	}
}

func testDetail(t *testing.T, e *browseEnv) {
	movies := e.list(e.admin, "/Items?ParentId="+e.movies.String())
	var m ItemIn
	e.expect(req{"GET", "/Users/" + e.adminID.String() + "/Items/" + movies.Items[0].ID, nil, as(e.admin)}, 200, &m)
	if m.Type != "Movie" || m.ParentID != e.movies.String() || m.Overview == "" || len(m.Genres) == 0 || len(m.GenreItems) != len(m.Genres) ||
		len(m.Studios) == 0 || len(m.People) == 0 || m.ImageTags["Primary"] == "" || len(m.BackdropImageTags) == 0 ||
		m.RunTimeTicks == nil || m.ProductionYear == nil || m.PremiereDate == "" || !strings.HasSuffix(m.DateCreated, "Z") ||
		m.UserData == nil || m.UserData.ItemID != m.ID || m.ServerID != e.rt.serverID.String() || m.MediaType != "Video" ||
		m.PrimaryImageAspectRatio == nil {
		t.Errorf("movie detail %+v", m)
	}
	for _, p := range m.People {
		if !hex32.MatchString(p.ID) || p.Name == "" || p.Type == "" {
			t.Errorf("person %+v", p)
		}
	}
	eps := e.list(e.admin, "/Items?ParentId="+e.shows.String()+"&Recursive=true&IncludeItemTypes=Episode&Limit=1")
	var ep ItemIn
	e.expect(req{"GET", "/Items/" + eps.Items[0].ID, nil, as(e.admin)}, 200, &ep)
	if ep.Type != "Episode" || !hex32.MatchString(ep.SeriesID) || !hex32.MatchString(ep.SeasonID) || ep.SeriesName == "" ||
		ep.IndexNumber == nil || ep.ParentIndexNumber == nil || ep.ParentID != ep.SeasonID {
		t.Errorf("episode detail %+v", ep)
	}
	var lib ItemIn
	e.expect(req{"GET", "/Items/" + e.shows.String(), nil, as(e.admin)}, 200, &lib)
	if lib.CollectionType != "tvshows" || lib.ChildCount == nil || *lib.ChildCount != 2 {
		t.Errorf("library detail %+v", lib)
	}
	e.expect(req{"GET", "/Items/" + media.NewID().String(), nil, as(e.admin)}, 404, nil)
}

func testShows(t *testing.T, e *browseEnv) {
	series := e.list(e.admin, "/Items?ParentId="+e.shows.String()+"&IncludeItemTypes=Series")
	if len(series.Items) != 2 {
		t.Fatalf("series: %v", names(series.Items))
	}
	sid := series.Items[0].ID
	seasons := e.list(e.admin, "/Shows/"+sid+"/Seasons?userId="+e.adminID.String())
	if len(seasons.Items) != 2 || *seasons.Items[0].IndexNumber != 1 || *seasons.Items[1].IndexNumber != 2 {
		t.Fatalf("seasons %+v", seasons.Items)
	}
	all := e.list(e.admin, "/Shows/"+sid+"/Episodes")
	prev := 0
	for _, ep := range all.Items {
		key := *ep.ParentIndexNumber*1000 + *ep.IndexNumber
		if key <= prev || ep.SeriesID != sid {
			t.Errorf("episodes out of order or of another series: %+v", ep)
		}
		prev = key
	}
	s2 := e.list(e.admin, "/Shows/"+sid+"/Episodes?SeasonId="+seasons.Items[1].ID)
	byNum := e.list(e.admin, "/Shows/"+sid+"/Episodes?Season=2")
	if len(s2.Items) == 0 || !slices.Equal(ids(s2.Items), ids(byNum.Items)) || len(s2.Items)+countSeason(all.Items, 1) != len(all.Items) {
		t.Errorf("season 2: %d by id, %d by number, of %d", len(s2.Items), len(byNum.Items), len(all.Items))
	}
	for _, ep := range s2.Items {
		if ep.SeasonID != seasons.Items[1].ID {
			t.Errorf("episode of another season %+v", ep)
		}
	}
	e.expect(req{"GET", "/Shows/" + e.movies.String() + "/Seasons", nil, as(e.admin)}, 404, nil)

	// StartItemId and AdjacentTo (the player's previous and next) cut the
	// whole list; paging applies to what is left.
	if len(all.Items) < 4 {
		t.Fatalf("too few episodes to cut: %d", len(all.Items))
	}
	mid := all.Items[2].ID
	from := e.list(e.admin, "/Shows/"+sid+"/Episodes?StartItemId="+mid)
	if !slices.Equal(ids(from.Items), ids(all.Items[2:])) || from.TotalRecordCount != len(all.Items)-2 {
		t.Errorf("from the third episode: %v, total %d", names(from.Items), from.TotalRecordCount)
	}
	paged := e.list(e.admin, "/Shows/"+sid+"/Episodes?startItemId="+mid+"&StartIndex=1&Limit=1")
	if !slices.Equal(ids(paged.Items), ids(all.Items[3:4])) || paged.TotalRecordCount != len(all.Items)-2 {
		t.Errorf("from the third episode, second page of one: %v, total %d", names(paged.Items), paged.TotalRecordCount)
	}
	adj := e.list(e.admin, "/Shows/"+sid+"/Episodes?adjacentTo="+mid)
	if !slices.Equal(ids(adj.Items), ids(all.Items[1:4])) {
		t.Errorf("adjacent to the third episode: %v", names(adj.Items))
	}
	first := e.list(e.admin, "/Shows/"+sid+"/Episodes?AdjacentTo="+all.Items[0].ID)
	if !slices.Equal(ids(first.Items), ids(all.Items[:2])) {
		t.Errorf("adjacent to the first episode: %v", names(first.Items))
	}
	if l := e.list(e.admin, "/Shows/"+sid+"/Episodes?StartItemId="+e.movies.String()); len(l.Items) != 0 {
		t.Errorf("from an item not in the list: %v", names(l.Items))
	}
}

func countSeason(items []ItemIn, season int) int {
	n := 0
	for _, it := range items {
		if *it.ParentIndexNumber == season {
			n++
		}
	}
	return n
}

func testLatest(t *testing.T, e *browseEnv) {
	var latest []ItemIn
	e.expect(req{"GET", "/Items/Latest?ParentId=" + e.shows.String() + "&Limit=5", nil, as(e.admin)}, 200, &latest)
	seen := map[string]bool{}
	if len(latest) == 0 {
		t.Fatal("no latest shows")
	}
	for _, it := range latest {
		if seen[it.ID] || (it.Type != "Series" && it.Type != "Episode") {
			t.Errorf("latest shows: %s %s (dup %v)", it.Type, it.Name, seen[it.ID])
		}
		seen[it.ID] = true
		if it.Type == "Series" && (it.ChildCount == nil || *it.ChildCount < 2) {
			t.Errorf("grouped series without a count: %+v", it)
		}
		if it.Type == "Episode" && seen[it.SeriesID] {
			t.Errorf("episode %s beside its series", it.Name)
		}
	}
	var movies []ItemIn
	e.expect(req{"GET", "/Users/" + e.adminID.String() + "/Items/Latest?ParentId=" + e.movies.String() + "&Limit=4&Fields=ProviderIds", nil, as(e.admin)}, 200, &movies)
	if len(movies) == 0 || len(movies) > 4 {
		t.Fatalf("latest movies: %d", len(movies))
	}
	images := 0
	for i, m := range movies {
		if m.UserData.Played || (i > 0 && m.DateCreated > movies[i-1].DateCreated) {
			t.Errorf("latest movies: played or out of order at %d: %+v", i, m)
		}
		// Latest reads many rows and keeps a few; the kept ones carry
		// their images and provider ids as the item's detail does.
		var detail ItemIn
		e.expect(req{"GET", "/Items/" + m.ID, nil, as(e.admin)}, 200, &detail)
		if !maps.Equal(m.ImageTags, detail.ImageTags) || !maps.Equal(m.ProviderIDs, detail.ProviderIDs) {
			t.Errorf("latest movie %s: images %v and providers %v, in detail %v and %v", m.Name, m.ImageTags, m.ProviderIDs, detail.ImageTags, detail.ProviderIDs)
		}
		images += len(m.ImageTags)
	}
	if images == 0 {
		t.Error("no latest movie has an image: the comparison tests nothing")
	}
}

func testResume(t *testing.T, e *browseEnv) {
	l := e.list(e.admin, "/UserItems/Resume?userId="+e.adminID.String()+"&MediaTypes=Video")
	want := e.count(`SELECT COUNT(*) FROM "BaseItems" b WHERE b."MediaType" = ? AND EXISTS (SELECT 1 FROM "UserData" u WHERE u."ItemId" = b."Id"
  AND u."UserId" = ? AND u."PlaybackPositionTicks" > 0) AND NOT EXISTS (SELECT 1 FROM "UserData" u WHERE u."ItemId" = b."Id" AND u."UserId" = ? AND u."Played" = ?)`,
		"Video", database.GUID(e.adminID), database.GUID(e.adminID), true)
	if l.TotalRecordCount != want || want == 0 {
		t.Errorf("resume %d, want %d", l.TotalRecordCount, want)
	}
	for i, it := range l.Items {
		if it.UserData.PlaybackPositionTicks <= 0 || it.UserData.Played || (i > 0 && it.UserData.LastPlayedDate > l.Items[i-1].UserData.LastPlayedDate) {
			t.Errorf("resume item %d: %+v", i, it.UserData)
		}
	}
	legacy := e.list(e.admin, "/Users/"+e.adminID.String()+"/Items/Resume?MediaTypes=Video")
	if !slices.Equal(ids(legacy.Items), ids(l.Items)) {
		t.Errorf("legacy resume differs")
	}
}

func testNextUp(t *testing.T, e *browseEnv) {
	// The expectation, from the episodes and their play state: per
	// series, the episode after the last one played.
	want := map[string]bool{}
	for _, s := range e.list(e.admin, "/Items?ParentId="+e.shows.String()+"&IncludeItemTypes=Series").Items {
		eps := e.list(e.admin, "/Shows/"+s.ID+"/Episodes?userId="+e.adminID.String()).Items
		last := -1
		for i, ep := range eps {
			if ep.UserData.Played {
				last = i
			}
		}
		if last >= 0 && last+1 < len(eps) {
			want[eps[last+1].ID] = true
		}
	}
	got := e.list(e.admin, "/Shows/NextUp?userId="+e.adminID.String())
	if got.TotalRecordCount != len(want) || len(got.Items) != len(want) {
		t.Fatalf("next up %v, want %d", names(got.Items), len(want))
	}
	for _, it := range got.Items {
		if !want[it.ID] || it.Type != "Episode" {
			t.Errorf("next up has %s %s", it.Type, it.Name)
		}
	}
	// Marking a next-up episode played moves next up along.
	if len(got.Items) > 0 {
		ep := got.Items[0]
		e.expect(req{"POST", "/UserPlayedItems/" + ep.ID, nil, as(e.admin)}, 200, nil)
		after := e.list(e.admin, "/Shows/NextUp?SeriesId="+ep.SeriesID)
		for _, it := range after.Items {
			if it.ID == ep.ID {
				t.Errorf("played episode still next up")
			}
		}
	}
}

func testUserData(t *testing.T, e *browseEnv) {
	ctx := context.Background()
	movies := e.list(e.bob, "/Items?ParentId="+e.movies.String()+"&Filters=IsUnplayed")
	if len(movies.Items) == 0 {
		t.Fatal("bob has played every movie")
	}
	m := movies.Items[0]
	before := m.UserData.PlayCount
	var d UserDataIn
	e.expect(req{"POST", "/UserPlayedItems/" + m.ID, nil, as(e.bob)}, 200, &d)
	if !d.Played || d.PlayCount != before+1 || d.LastPlayedDate == "" || d.PlaybackPositionTicks != 0 || d.ItemID != m.ID {
		t.Errorf("after played %+v", d)
	}
	var back UserDataIn
	e.expect(req{"GET", "/UserItems/" + m.ID + "/UserData", nil, as(e.bob)}, 200, &back)
	if back != d {
		t.Errorf("read back %+v, want %+v", back, d)
	}
	// A film's new row is keyed by its IMDb id (or TMDb, or its id).
	var det ItemIn
	e.expect(req{"GET", "/Items/" + m.ID, nil, as(e.bob)}, 200, &det)
	wantKey := det.ProviderIDs["Imdb"]
	if wantKey == "" {
		wantKey = det.ProviderIDs["Tmdb"]
	}
	if wantKey == "" {
		wantKey = media.MustParseID(m.ID).Hyphenated()
	}
	if before == 0 && d.Key != wantKey {
		// Only a new row takes the computed key; an existing one keeps its own.
		n := e.count(`SELECT COUNT(*) FROM "UserData" WHERE "ItemId" = ? AND "UserId" = ?`, database.GUID(media.MustParseID(m.ID)), database.GUID(e.bobID))
		if n == 1 {
			t.Errorf("key %q, want %q", d.Key, wantKey)
		}
	}
	d = UserDataIn{}
	e.expect(req{"DELETE", "/Users/" + e.bobID.String() + "/PlayedItems/" + m.ID, nil, as(e.bob)}, 200, &d)
	if d.Played || d.PlayCount != 0 || d.LastPlayedDate != "" {
		t.Errorf("after unplayed %+v", d)
	}
	e.expect(req{"POST", "/UserFavoriteItems/" + m.ID, nil, as(e.bob)}, 200, &d)
	if !d.IsFavorite {
		t.Errorf("after favourite %+v", d)
	}
	fav := e.list(e.bob, "/Items?Recursive=true&Filters=IsFavorite&Ids="+m.ID)
	if fav.TotalRecordCount != 1 {
		t.Errorf("favourite filter misses the new favourite")
	}
	d = UserDataIn{}
	e.expect(req{"DELETE", "/Users/" + e.bobID.String() + "/FavoriteItems/" + m.ID, nil, as(e.bob)}, 200, &d)
	if d.IsFavorite {
		t.Errorf("after unfavourite %+v", d)
	}
	e.expect(req{"POST", "/UserItems/" + m.ID + "/UserData", map[string]any{"PlaybackPositionTicks": 12345, "Likes": true}, as(e.bob)}, 200, &d)
	if d.PlaybackPositionTicks != 12345 {
		t.Errorf("after update %+v", d)
	}
	// Every row of the item (one per key) says the same.
	db := e.store.DB()
	var distinct int
	if err := db.Read.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(DISTINCT "PlaybackPositionTicks") FROM "UserData" WHERE "ItemId" = ? AND "UserId" = ?`),
		database.GUID(media.MustParseID(m.ID)), database.GUID(e.bobID)).Scan(&distinct); err != nil || distinct != 1 {
		t.Errorf("rows disagree: %d %v", distinct, err)
	}
	// A series marked played marks its episodes; the grid's unplayed
	// count (a series' episodes, counted by SeriesId) follows.
	seriesList := "/Items?ParentId=" + e.shows.String() + "&IncludeItemTypes=Series"
	series := e.list(e.bob, seriesList).Items[1]
	episodes := 0
	for _, ep := range e.list(e.bob, "/Shows/"+series.ID+"/Episodes").Items {
		if !ep.UserData.Played {
			episodes++
		}
	}
	if u := series.UserData; episodes < 2 || u == nil || u.UnplayedItemCount == nil || *u.UnplayedItemCount != episodes {
		t.Errorf("series in the grid before played: %+v (unplayed %v), want %d unplayed", u, deref(u.UnplayedItemCount), episodes)
	}
	e.expect(req{"POST", "/UserPlayedItems/" + series.ID, nil, as(e.bob)}, 200, &d)
	if !d.Played || d.UnplayedItemCount == nil || *d.UnplayedItemCount != 0 {
		t.Errorf("series after played %+v", d)
	}
	if u := e.list(e.bob, seriesList).Items[1].UserData; u == nil || u.UnplayedItemCount == nil || *u.UnplayedItemCount != 0 || !u.Played {
		t.Errorf("series in the grid after played: %+v", u)
	}
	for _, ep := range e.list(e.bob, "/Shows/"+series.ID+"/Episodes").Items {
		if !ep.UserData.Played {
			t.Errorf("episode %s not played", ep.Name)
		}
	}
}

func testDisplayPreferences(t *testing.T, e *browseEnv) {
	var p DisplayPreferencesDto
	e.expect(req{"GET", "/DisplayPreferences/mypage?userId=" + e.bobID.String() + "&client=emby", nil, as(e.bob)}, 200, &p)
	if p.SortBy != "SortName" || !p.ShowBackdrop || p.ScrollDirection != "Horizontal" || *p.CustomPrefs["skipForwardLength"] != "30000" {
		t.Errorf("defaults %+v", p)
	}
	p.ShowSidebar, p.SortOrder, p.SortBy, p.ScrollDirection = true, "Descending", "DateCreated", "Vertical"
	p.CustomPrefs = map[string]*string{"homesection0": str("resume"), "homesection1": str("nextup"), "skipForwardLength": str("15000"), "landing": str("favorites")}
	e.expect(req{"POST", "/DisplayPreferences/mypage?userId=" + e.bobID.String() + "&client=emby", p, as(e.bob)}, 204, nil)
	var q DisplayPreferencesDto
	e.expect(req{"GET", "/DisplayPreferences/mypage?client=emby", nil, as(e.bob)}, 200, &q)
	if !q.ShowSidebar || q.SortOrder != "Descending" || q.SortBy != "DateCreated" || q.ScrollDirection != "Vertical" ||
		*q.CustomPrefs["homesection0"] != "resume" || *q.CustomPrefs["homesection1"] != "nextup" ||
		*q.CustomPrefs["skipForwardLength"] != "15000" || *q.CustomPrefs["landing"] != "favorites" {
		t.Errorf("round trip %+v", q)
	}
	// The generated web settings (id "usersettings") are found by its MD5.
	var g DisplayPreferencesDto
	e.expect(req{"GET", "/DisplayPreferences/usersettings?client=emby", nil, as(e.admin)}, 200, &g)
	if g.CustomPrefs["homesection0"] == nil || *g.CustomPrefs["homesection0"] != "smalllibrarytiles" {
		t.Errorf("generated preferences not found: %+v", g.CustomPrefs)
	}
}

func testImages(t *testing.T, e *browseEnv) {
	ctx := context.Background()
	dir := t.TempDir()
	e.rt.SetCacheDir(filepath.Join(dir, "cache"))
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for y := range 32 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 8), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "poster.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m := e.list(e.admin, "/Items?ParentId="+e.movies.String()+"&Limit=1").Items[0]
	db := e.store.DB()
	if _, err := db.Write.ExecContext(ctx, db.Rebind(`UPDATE "BaseItemImageInfos" SET "Path" = ? WHERE "ItemId" = ? AND "ImageType" = 0`),
		path, database.GUID(media.MustParseID(m.ID))); err != nil {
		t.Fatal(err)
	}
	code, body := e.do(req{"GET", "/Items/" + m.ID + "/Images/Primary", nil, nil})
	if code != 200 || !bytes.Equal(body, buf.Bytes()) {
		t.Fatalf("original image: %d, %d bytes", code, len(body))
	}
	for range 2 { // the second answer comes from the cache
		code, body = e.do(req{"GET", "/Items/" + m.ID + "/Images/primary/0?maxWidth=16&quality=80", nil, nil})
		if code != 200 {
			t.Fatalf("resized: %d %s", code, body)
		}
		got, _, err := image.Decode(bytes.NewReader(body))
		if err != nil || got.Bounds().Dx() != 16 || got.Bounds().Dy() != 8 {
			t.Fatalf("resized to %v (%v)", got.Bounds(), err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "cache", "images", "resized")); len(entries) != 1 {
		t.Errorf("cache holds %d files", len(entries))
	}
	// Format asks for an encoding: the PNG poster as JPEG, resized or not,
	// and as PNG.
	for q, want := range map[string]string{"format=Jpg&maxWidth=16": "jpeg", "format=jpg": "jpeg", "maxWidth=16&format=Png": "png", "format=Webp&maxWidth=16": "png"} {
		code, body = e.do(req{"GET", "/Items/" + m.ID + "/Images/Primary?" + q, nil, nil})
		if _, got, err := image.Decode(bytes.NewReader(body)); code != 200 || err != nil || got != want {
			t.Errorf("%s: %d, %s (%v), want %s", q, code, got, err, want)
		}
	}
	hr, _ := http.NewRequest("HEAD", e.url+"/Items/"+m.ID+"/Images/Primary?fillHeight=10", nil)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HEAD: %v %v", resp, err)
	}
	resp.Body.Close()
	// A row whose file is gone, and an image the item lacks.
	e.expect(req{"GET", "/Items/" + m.ID + "/Images/Backdrop", nil, nil}, 404, nil)
	e.expect(req{"GET", "/Items/" + m.ID + "/Images/Disc", nil, nil}, 404, nil)
	e.expect(req{"GET", "/Items/" + m.ID + "/Images/Nonsense", nil, nil}, 400, nil)
}

func testBrowsePermissions(t *testing.T, e *browseEnv) {
	tracks := e.list(e.admin, "/Items?ParentId="+e.music.String()+"&Recursive=true&IncludeItemTypes=Audio&Limit=1")
	if len(tracks.Items) == 0 {
		t.Fatal("no tracks")
	}
	track := tracks.Items[0].ID
	for _, path := range []string{"/Items/" + track, "/Users/" + e.bobID.String() + "/Items/" + track, "/Items/" + e.music.String(),
		"/UserItems/" + track + "/UserData"} {
		e.expect(req{"GET", path, nil, as(e.bob)}, 404, nil)
	}
	e.expect(req{"POST", "/UserPlayedItems/" + track, nil, as(e.bob)}, 404, nil)
	e.expect(req{"POST", "/UserFavoriteItems/" + track, nil, as(e.bob)}, 404, nil)
	for _, path := range []string{"/Items?ParentId=" + e.music.String() + "&Recursive=true", "/Items?Recursive=true&IncludeItemTypes=Audio,MusicAlbum,MusicArtist",
		"/Items?Ids=" + track, "/Items?Recursive=true&SearchTerm=" + urlEscape(tracks.Items[0].Name)} {
		if l := e.list(e.bob, path); l.TotalRecordCount != 0 {
			t.Errorf("%s: bob sees %v", path, names(l.Items))
		}
	}
	var latest []ItemIn
	e.expect(req{"GET", "/Items/Latest", nil, as(e.bob)}, 200, &latest)
	for _, it := range latest {
		if it.Type == "Audio" || it.Type == "MusicAlbum" {
			t.Errorf("bob's latest has %s", it.Type)
		}
	}
	// Another user's play state, by either route.
	m := e.list(e.admin, "/Items?ParentId="+e.movies.String()+"&Limit=1").Items[0]
	e.expect(req{"GET", "/UserItems/" + m.ID + "/UserData?userId=" + e.adminID.String(), nil, as(e.bob)}, 403, nil)
	e.expect(req{"GET", "/Users/" + e.adminID.String() + "/Items/" + m.ID + "/UserData", nil, as(e.bob)}, 403, nil)
	e.expect(req{"GET", "/Items?userId=" + e.adminID.String(), nil, as(e.bob)}, 403, nil)
	e.expect(req{"POST", "/UserPlayedItems/" + m.ID + "?userId=" + e.adminID.String(), nil, as(e.bob)}, 403, nil)
	// The administrator may look through bob's eyes.
	if l := e.list(e.admin, "/Items?ParentId="+e.music.String()+"&Recursive=true&userId="+e.bobID.String()); l.TotalRecordCount != 0 {
		t.Errorf("admin as bob sees music")
	}
}

func urlEscape(s string) string { return url.QueryEscape(s) }

func itoa(n int) string { return strconv.Itoa(n) }

// TestBrowseSameOrder generates the same library on both engines and
// checks that every sort gives the same items in the same order: NULLs,
// text and ties must be ordered alike.
func TestBrowseSameOrder(t *testing.T) {
	orders := map[string][][]string{}
	paths := []string{
		"/Items?Recursive=true&SortBy=SortName",
		"/Items?Recursive=true&SortBy=PremiereDate&SortOrder=Descending",
		"/Items?Recursive=true&SortBy=ProductionYear,Name&SortOrder=Ascending,Descending",
		"/Items?Recursive=true&SortBy=CommunityRating&SortOrder=Descending&StartIndex=10&Limit=40",
		"/Items?Recursive=true&SortBy=DatePlayed,SortName&SortOrder=Descending",
		"/Items?Recursive=true&SortBy=PlayCount,Runtime&SortOrder=Descending,Ascending",
		"/Items?Recursive=true&SortBy=IndexNumber,ParentIndexNumber",
		"/Items?Recursive=true&SortBy=DateCreated&IsPlayed=false&Limit=25",
		"/UserItems/Resume",
		"/Shows/NextUp",
	}
	for name, provider := range engines {
		t.Run(name, func(t *testing.T) {
			e := newBrowseEnv(t, newTestServer(t, provider(t), nil))
			for _, p := range paths {
				orders[name] = append(orders[name], ids(e.list(e.admin, p).Items))
			}
		})
	}
	for i, p := range paths {
		a, b := orders["sqlite"][i], orders["postgres"][i]
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("%s: the engines disagree (%d and %d items)", p, len(a), len(b))
		}
	}
}

// searchHintsIn is /Search/Hints' answer as the test reads it.
type searchHintsIn struct {
	SearchHints []struct {
		ItemID    string `json:"ItemId"`
		ID        string `json:"Id"`
		Name      string
		Type      string
		MediaType string
		Artists   []string
	}
	TotalRecordCount int
}

func testSearchHints(t *testing.T, e *browseEnv) {
	movies := e.list(e.admin, "/Items?ParentId="+e.movies.String()+"&SortBy=SortName")
	first := movies.Items[0]
	word := strings.ToUpper(first.Name[1 : len(first.Name)-1])
	// The same items, in the same order, as /Items' SearchTerm by sort name.
	want := e.list(e.admin, "/Items?Recursive=true&SortBy=SortName&SearchTerm="+urlEscape(word))
	var got searchHintsIn
	e.expect(req{"GET", "/Search/Hints?searchTerm=" + urlEscape(word), nil, as(e.admin)}, 200, &got)
	var gotIDs []string
	for _, h := range got.SearchHints {
		gotIDs = append(gotIDs, h.ID)
		if h.ItemID != h.ID || !hex32.MatchString(h.ID) || h.Type == "" || h.MediaType == "" || h.Artists == nil {
			t.Errorf("hint %+v", h)
		}
		if !strings.Contains(strings.ToLower(h.Name), strings.ToLower(word)) {
			t.Errorf("search %q found %q", word, h.Name)
		}
	}
	if !slices.Equal(gotIDs, ids(want.Items)) || got.TotalRecordCount != want.TotalRecordCount || !slices.Contains(gotIDs, first.ID) {
		t.Errorf("hints %v (total %d), want %v (total %d)", gotIDs, got.TotalRecordCount, ids(want.Items), want.TotalRecordCount)
	}
	// Paging and types.
	var one searchHintsIn
	e.expect(req{"GET", "/Search/Hints?searchTerm=" + urlEscape(word) + "&limit=1&includeItemTypes=Movie", nil, as(e.admin)}, 200, &one)
	if len(one.SearchHints) != 1 || one.SearchHints[0].Type != "Movie" {
		t.Errorf("limit 1, movies: %+v", one)
	}
	// Only what the user's libraries hold: bob does not see the music.
	tracks := e.list(e.admin, "/Items?ParentId="+e.music.String()+"&Recursive=true&IncludeItemTypes=Audio&Limit=1")
	var bobs searchHintsIn
	e.expect(req{"GET", "/Search/Hints?searchTerm=" + urlEscape(tracks.Items[0].Name), nil, as(e.bob)}, 200, &bobs)
	for _, h := range bobs.SearchHints {
		if h.Type == "Audio" || h.Type == "MusicAlbum" {
			t.Errorf("bob finds %s %q", h.Type, h.Name)
		}
	}
	// No term is a bad request; no media asked for finds nothing; no
	// caller is refused.
	e.expect(req{"GET", "/Search/Hints", nil, as(e.admin)}, 400, nil)
	var none searchHintsIn
	e.expect(req{"GET", "/Search/Hints?searchTerm=" + urlEscape(word) + "&includeMedia=false", nil, as(e.admin)}, 200, &none)
	if len(none.SearchHints) != 0 || none.SearchHints == nil {
		t.Errorf("includeMedia=false: %+v", none)
	}
	e.expect(req{"GET", "/Search/Hints?searchTerm=" + urlEscape(word), nil, nil}, 401, nil)
}

// testFields checks that a list carries the optional members only when
// Fields asks for them, as Jellyfin answers, and then as the item's
// detail (which carries them all) has them.
func testFields(t *testing.T, e *browseEnv) {
	optional := []string{"Overview", "Genres", "ProviderIds", "Path", "SortName", "DateCreated", "ParentId", "OriginalTitle",
		"MediaSources", "MediaStreams", "Chapters", "PlayAccess", "PrimaryImageAspectRatio", "GenreItems", "Studios", "People"}
	base := "/Items?ParentId=" + e.movies.String() + "&Recursive=true&IncludeItemTypes=Movie&SortBy=SortName&Limit=5"
	var bare struct{ Items []map[string]json.RawMessage }
	e.expect(req{"GET", base, nil, as(e.admin)}, 200, &bare)
	if len(bare.Items) == 0 {
		t.Fatal("no movies")
	}
	for _, it := range bare.Items {
		for _, f := range optional {
			if _, ok := it[f]; ok {
				t.Errorf("%s sent without being asked for: %s", f, it[f])
			}
		}
		for _, f := range []string{"Id", "Name", "ServerId", "Type", "ImageTags", "BackdropImageTags", "ImageBlurHashes", "UserData", "RunTimeTicks", "LocationType", "MediaType"} {
			if _, ok := it[f]; !ok {
				t.Errorf("%s missing from a list item", f)
			}
		}
	}
	// Asked for, in the two forms clients use and in any case.
	for _, fields := range []string{
		"&Fields=Overview,Genres,ProviderIds,Path,SortName,DateCreated,ParentId,OriginalTitle,MediaSources,MediaStreams,Chapters,PlayAccess,PrimaryImageAspectRatio,Studios,People",
		"&fields=overview&fields=genres&fields=providerIds&fields=path&fields=sortname&fields=DateCreated&fields=ParentId&fields=OriginalTitle" +
			"&fields=MediaSources&fields=mediastreams&fields=Chapters&fields=PlayAccess&fields=PrimaryImageAspectRatio&fields=studios&fields=PEOPLE",
	} {
		credited := 0 // items whose list entry has people, genres and studios: the comparison below is not vacuous
		var asked struct{ Items []map[string]json.RawMessage }
		e.expect(req{"GET", base + fields, nil, as(e.admin)}, 200, &asked)
		for _, it := range asked.Items {
			var id string
			_ = json.Unmarshal(it["Id"], &id)
			var detail map[string]json.RawMessage
			e.expect(req{"GET", "/Items/" + id, nil, as(e.admin)}, 200, &detail)
			if len(it["People"]) > 2 && len(it["Studios"]) > 2 && len(it["GenreItems"]) > 2 {
				credited++
			}
			asDetail := func(f string) {
				var a, b any
				_ = json.Unmarshal(it[f], &a)
				_ = json.Unmarshal(detail[f], &b)
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s %s: %s in the list, %s in the detail", id, f, it[f], detail[f])
				}
			}
			for _, f := range optional {
				if f == "GenreItems" || f == "Studios" || f == "People" {
					// Read for the whole page; as the detail has them, in
					// order, and left out when the item has none.
					asDetail(f)
					continue
				}
				if f == "OriginalTitle" || f == "Chapters" || f == "PrimaryImageAspectRatio" {
					// Sent only when the item has one.
					if string(it[f]) != string(detail[f]) {
						t.Errorf("%s %s: %s in the list, %s in the detail", id, f, it[f], detail[f])
					}
					continue
				}
				if _, ok := it[f]; !ok {
					t.Errorf("%s %s asked for and not sent", id, f)
				}
				if f == "Genres" || f == "ProviderIds" || f == "MediaStreams" {
					asDetail(f)
				}
			}
		}
		if credited == 0 {
			t.Errorf("%s: no item with people, genres and studios in the list", fields)
		}
	}
	// EnableImageTypes and ImageTypeLimit, as the web client sends them:
	// only those types, and that many of each.
	var all, limited listIn
	all = e.list(e.admin, base+"&Limit=50")
	limited = e.list(e.admin, base+"&Limit=50&EnableImageTypes=Primary,Backdrop&ImageTypeLimit=1")
	trimmed := 0
	for i, it := range limited.Items {
		full := all.Items[i]
		if it.ID != full.ID {
			t.Fatalf("order differs: %s, %s", it.ID, full.ID)
		}
		for k, tag := range it.ImageTags {
			if k != "Primary" || full.ImageTags[k] != tag {
				t.Errorf("%s: image %s %s with EnableImageTypes=Primary,Backdrop (all: %v)", it.Name, k, tag, full.ImageTags)
			}
		}
		if len(it.BackdropImageTags) != min(1, len(full.BackdropImageTags)) {
			t.Errorf("%s: backdrops %v with ImageTypeLimit=1 (all: %v)", it.Name, it.BackdropImageTags, full.BackdropImageTags)
		}
		if len(full.ImageTags) > len(it.ImageTags) || len(full.BackdropImageTags) > len(it.BackdropImageTags) {
			trimmed++
		}
	}
	if trimmed == 0 {
		t.Error("no item had images to leave out: the case is not tested")
	}
	// A malformed limit is refused, on every route that reads it; an
	// unknown field or image type is ignored, as Jellyfin ignores them.
	for _, path := range []string{base + "&ImageTypeLimit=one", "/Shows/NextUp?ImageTypeLimit=-1&userId=" + e.adminID.String(),
		"/Items/" + limited.Items[0].ID + "?ImageTypeLimit=1.5"} {
		code, body := e.do(req{"GET", path, nil, as(e.admin)})
		if code != http.StatusBadRequest || !strings.Contains(string(body), "ImageTypeLimit") {
			t.Errorf("%s: %d %s, want 400 naming ImageTypeLimit", path, code, body)
		}
	}
	if l := e.list(e.admin, base+"&Fields=NoSuchField&EnableImageTypes=NoSuchType"); len(l.Items) == 0 {
		t.Error("unknown Fields or EnableImageTypes values emptied the list")
	}
	var noImages struct{ Items []map[string]json.RawMessage }
	e.expect(req{"GET", base + "&EnableImages=false", nil, as(e.admin)}, 200, &noImages)
	for _, it := range noImages.Items {
		if _, ok := it["ImageTags"]; ok {
			t.Errorf("ImageTags with EnableImages=false: %s", it["ImageTags"])
		}
	}
	// A show's folders carry ChildCount only when asked, or for the
	// clients Jellyfin adds it for (Kodi).
	series := "/Items?ParentId=" + e.shows.String() + "&IncludeItemTypes=Series&Recursive=true&Limit=3"
	for _, c := range []struct {
		path, client string
		want         bool
	}{
		{series, "Test", false},
		{series + "&Fields=ChildCount", "Test", true},
		{series, "Kodi", true},
	} {
		var l listIn
		e.expect(req{"GET", c.path, nil, []string{"Authorization", `MediaBrowser Client="` + c.client + `", Device="Box", DeviceId="admin-dev", Version="1.0", Token="` + e.admin + `"`}}, 200, &l)
		if len(l.Items) == 0 {
			t.Fatalf("%s: no series", c.path)
		}
		for _, it := range l.Items {
			if (it.ChildCount != nil) != c.want {
				t.Errorf("%s as %s: %s ChildCount %v, want it sent: %v", c.path, c.client, it.Name, it.ChildCount, c.want)
			}
		}
	}
}
