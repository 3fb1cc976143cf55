package jellyfin

import (
	"net/http"
	"slices"
	"strings"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// The lists of names items are tagged with: /Genres, /MusicGenres,
// /Studios, /Persons, /Artists, /Artists/AlbumArtists, and the filter
// dialog's /Items/Filters and /Items/Filters2. Each lists the names used
// by the items the caller may see (as /Items scopes them), under ParentId
// and of IncludeItemTypes when given. Jellyfin 10.11 answers with the
// Genre, Studio, Person or MusicArtist item of the name; jellyha's scanner
// keeps no genre, studio or person items, so such a name's Id is its
// ItemValues id (a person's, its Peoples id): the id GenreItems and
// Studios carry, and the one GenreIds, StudioIds, ArtistIds,
// AlbumArtistIds and PersonIds of /Items accept (along with the id of such
// an item of the same name, for a database Jellyfin wrote). An artist is
// listed as its MusicArtist item when it has one (artistItems).

// valueItems reads the items whose names count: the caller's, under
// ParentId (recursively), of IncludeItemTypes, not of ExcludeItemTypes.
func (rt *Router) valueItems(r *http.Request, p *principal) (*store.ItemQuery, error) {
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return nil, err
	}
	q := v.query()
	q.Recursive = true
	if q.ParentID, err = queryID(r, "ParentId"); err != nil {
		return nil, err
	}
	if kinds := queryList(r, "IncludeItemTypes"); len(kinds) > 0 {
		q.Types = itemTypes(kinds, true)
	}
	q.ExcludeTypes = itemTypes(queryList(r, "ExcludeItemTypes"), false)
	for _, m := range queryList(r, "MediaTypes") {
		q.MediaTypes = append(q.MediaTypes, mediaTypeName(m))
	}
	return q, nil
}

// valueQuery reads a names list's parameters.
func (rt *Router) valueQuery(r *http.Request, p *principal) (*store.ValueQuery, error) {
	items, err := rt.valueItems(r, p)
	if err != nil {
		return nil, err
	}
	vq := &store.ValueQuery{Items: items, SearchTerm: query(r, "SearchTerm"), NameStartsWith: query(r, "NameStartsWith")}
	start, _, err := queryInt(r, "StartIndex")
	if err != nil {
		return nil, err
	}
	limit, _, err := queryInt(r, "Limit")
	if err != nil {
		return nil, err
	}
	vq.StartIndex, vq.Limit = start, limit
	if b := queryBool(r, "EnableTotalRecordCount"); b != nil && !*b {
		vq.SkipTotal = true
	}
	// Names sort by name whatever the key (SortName, Name); SortOrder
	// applies to it.
	if o := queryList(r, "SortOrder"); len(o) > 0 && strings.EqualFold(o[0], "Descending") {
		vq.Descending = true
	}
	return vq, nil
}

// writeValues answers with a names page as BaseItemDtos of kind; a name
// with an item of its own (items, by CleanValue) is that item's DTO.
func (rt *Router) writeValues(w http.ResponseWriter, r *http.Request, page *store.ValuePage, start int, kind string, items map[string]*BaseItemDto) {
	withSortName := slices.ContainsFunc(queryList(r, "Fields"), func(f string) bool { return strings.EqualFold(f, "SortName") })
	out := make([]*BaseItemDto, len(page.Values))
	for i, v := range page.Values {
		if d := items[v.CleanValue]; d != nil {
			out[i] = d
			continue
		}
		d := &BaseItemDto{
			Name: v.Value, ServerID: rt.serverID.String(), ID: v.ID.String(), Type: kind,
			IsFolder: kind != "Person", ImageTags: map[string]string{}, BackdropImageTags: []string{},
			ImageBlurHashes: map[string]map[string]string{}, LocationType: "FileSystem", MediaType: "Unknown",
		}
		if withSortName {
			d.SortName = v.CleanValue
			if d.SortName == "" {
				d.SortName = strings.ToLower(v.Value)
			}
		}
		out[i] = d
	}
	writeJSON(w, http.StatusOK, &QueryResult[*BaseItemDto]{Items: out, TotalRecordCount: page.Total, StartIndex: start})
}

// favouritesOnly reports whether a names list asks for the caller's
// favourites (IsFavorite=true, Filters=IsFavorite or IsFavoriteOrLikes),
// as the web client's Favorites page does.
func favouritesOnly(r *http.Request) bool {
	if b := queryBool(r, "IsFavorite"); b != nil && *b {
		return true
	}
	return slices.ContainsFunc(queryList(r, "Filters"), func(f string) bool {
		return strings.EqualFold(f, "IsFavorite") || strings.EqualFold(f, "IsFavoriteOrLikes")
	})
}

// writeFavourites answers a names list that asks for favourites. A name
// is a favourite when its item is: artists have items (artistItems), so
// the favourite artists are the MusicArtist items the caller marked in the
// list's scope; jellyha keeps no genre, studio or person items, so there
// are none of those.
func (rt *Router) writeFavourites(w http.ResponseWriter, r *http.Request, p *principal, vq *store.ValueQuery, kind string) error {
	if kind != "MusicArtist" {
		writeJSON(w, http.StatusOK, &QueryResult[*BaseItemDto]{Items: []*BaseItemDto{}, StartIndex: vq.StartIndex})
		return nil
	}
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	q := v.query()
	yes := true
	q.Recursive, q.ParentID, q.IsFavorite = true, vq.Items.ParentID, &yes
	q.Types = []string{media.ItemTypeMusicArtist}
	q.StartIndex, q.Limit, q.SkipTotal = vq.StartIndex, vq.Limit, vq.SkipTotal
	q.Sort = []store.ItemSort{{By: "SortName", Descending: vq.Descending}}
	return rt.writeQuery(w, r, v, p, q)
}

func (rt *Router) itemValues(kind string, types ...media.ItemValueType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		vq, err := rt.valueQuery(r, p)
		if err != nil {
			return err
		}
		if favouritesOnly(r) {
			return rt.writeFavourites(w, r, p, vq, kind)
		}
		vq.Types = types
		if kind == "MusicGenre" && len(vq.Items.Types) == 0 {
			vq.Items.Types = []string{media.ItemTypeMusicAlbum, media.ItemTypeAudio, media.ItemTypeMusicArtist}
		}
		page, err := rt.store.ItemValues(r.Context(), vq)
		if err != nil {
			return err
		}
		var items map[string]*BaseItemDto
		if kind == "MusicArtist" {
			if items, err = rt.artistItems(r, p, vq.Items, page.Values); err != nil {
				return err
			}
		}
		rt.writeValues(w, r, page, vq.StartIndex, kind, items)
		return nil
	}
}

// artistItems are the MusicArtist items behind an artists page's names, by
// clean name: a scanned artist folder, or Jellyfin's artist item in a
// database it wrote. Listed as such, an artist shows its picture and opens
// as the item it is; its id is taken wherever the name's is (ArtistIds,
// Instant Mix). A name with no item stays a name.
func (rt *Router) artistItems(r *http.Request, p *principal, scope *store.ItemQuery, values []media.ItemValue) (map[string]*BaseItemDto, error) {
	if len(values) == 0 {
		return nil, nil
	}
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return nil, err
	}
	q := v.query()
	q.Recursive, q.ParentID, q.SkipTotal = true, scope.ParentID, true
	q.Types = []string{media.ItemTypeMusicArtist}
	for _, val := range values {
		if val.CleanValue != "" && !slices.Contains(q.CleanNames, val.CleanValue) {
			q.CleanNames = append(q.CleanNames, val.CleanValue)
		}
	}
	if len(q.CleanNames) == 0 {
		return nil, nil
	}
	q.Sort = []store.ItemSort{{By: "SortName"}}
	o, err := listOpts(r, v, p, q)
	if err != nil {
		return nil, err
	}
	page, err := rt.store.QueryItems(r.Context(), q)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*BaseItemDto, len(page.Items))
	for _, it := range page.Items {
		if _, ok := out[it.CleanName]; !ok {
			out[it.CleanName] = rt.itemDto(it, o)
		}
	}
	return out, nil
}

// getPersons is GET /Persons.
func (rt *Router) getPersons(w http.ResponseWriter, r *http.Request, p *principal) error {
	vq, err := rt.valueQuery(r, p)
	if err != nil {
		return err
	}
	if favouritesOnly(r) {
		return rt.writeFavourites(w, r, p, vq, "Person")
	}
	vq.PersonTypes = queryList(r, "PersonTypes")
	page, err := rt.store.People(r.Context(), vq)
	if err != nil {
		return err
	}
	rt.writeValues(w, r, page, vq.StartIndex, "Person", nil)
	return nil
}

// QueryFiltersLegacy is /Items/Filters' answer.
type QueryFiltersLegacy struct {
	Genres, Tags, OfficialRatings []string
	Years                         []int
}

// QueryFilters is /Items/Filters2's answer.
type QueryFilters struct {
	Genres []NameGuidPair
	Tags   []string
}

// valueNames lists every name of types the items of q use.
func (rt *Router) valueNames(r *http.Request, q *store.ItemQuery, types ...media.ItemValueType) ([]media.ItemValue, error) {
	page, err := rt.store.ItemValues(r.Context(), &store.ValueQuery{Items: q, Types: types, SkipTotal: true})
	if err != nil {
		return nil, err
	}
	return page.Values, nil
}

func valueStrings(vs []media.ItemValue) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Value
	}
	return out
}

// filterValues reads what both filter endpoints list: the caller's items
// (as /Items scopes them), and the genres and tags those use.
func (rt *Router) filterValues(r *http.Request, p *principal) (q *store.ItemQuery, genres, tags []media.ItemValue, err error) {
	if q, err = rt.valueItems(r, p); err != nil {
		return nil, nil, nil, err
	}
	if genres, err = rt.valueNames(r, q, media.ItemValueGenre); err != nil {
		return nil, nil, nil, err
	}
	if tags, err = rt.valueNames(r, q, media.ItemValueTag); err != nil {
		return nil, nil, nil, err
	}
	return q, genres, tags, nil
}

// getFiltersLegacy is GET /Items/Filters.
func (rt *Router) getFiltersLegacy(w http.ResponseWriter, r *http.Request, p *principal) error {
	q, genres, tags, err := rt.filterValues(r, p)
	if err != nil {
		return err
	}
	ratings, err := rt.store.ItemRatings(r.Context(), q)
	if err != nil {
		return err
	}
	years, err := rt.store.ItemYears(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &QueryFiltersLegacy{Genres: valueStrings(genres), Tags: valueStrings(tags),
		OfficialRatings: orEmpty(ratings), Years: orEmpty(years)})
	return nil
}

// getFilters is GET /Items/Filters2.
func (rt *Router) getFilters(w http.ResponseWriter, r *http.Request, p *principal) error {
	_, genres, tags, err := rt.filterValues(r, p)
	if err != nil {
		return err
	}
	pairs := make([]NameGuidPair, len(genres))
	for i, g := range genres {
		pairs[i] = NameGuidPair{Name: g.Value, ID: g.ID.String()}
	}
	writeJSON(w, http.StatusOK, &QueryFilters{Genres: pairs, Tags: valueStrings(tags)})
	return nil
}

// orEmpty sends a nil list as [] rather than null.
func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
