package jellyfin

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// The browse API (jellyfin-api.md §3.4-§3.8). Every item a handler reads
// goes through store.QueryItems scoped to the libraries the caller may
// see, so an item of another library answers 404, exactly as an unknown
// one does.

// viewer is whose eyes a request looks through: the user whose play state
// is shown and whose libraries bound what is found.
type viewer struct {
	user *media.User // nil for an API key acting without a user
	libs []media.ID
	// phys are Jellyfin's physical folders of the libraries
	// (store.LibraryFolders).
	phys map[media.ID][]media.ID
	// types are the libraries' collection types, as their Data says.
	types map[media.ID]string
}

func (v *viewer) userID() media.ID {
	if v.user == nil {
		return media.NilID
	}
	return v.user.ID
}

// viewerOf resolves the user a request is about: the {userId} of a legacy
// path (already checked by accessSelf), else the userId query parameter,
// which only an administrator may point at someone else, else the caller.
func (rt *Router) viewerOf(r *http.Request, p *principal) (*viewer, error) {
	ctx := r.Context()
	u := p.user
	raw := r.PathValue("userId")
	if raw == "" {
		raw = query(r, "userId")
	}
	if raw != "" {
		id, err := media.ParseID(raw)
		if err != nil {
			return nil, media.Errorf(media.EINVALID, "userId is not a valid id")
		}
		if u == nil || u.ID != id {
			if !p.admin() {
				return nil, media.Errorf(media.EFORBIDDEN, "only the user or an administrator may do this")
			}
			if u, err = rt.store.User(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	return rt.viewerFor(ctx, u)
}

// viewerFor is the viewer of a user (nil: an API key without one): the
// libraries they may see.
func (rt *Router) viewerFor(ctx context.Context, u *media.User) (*viewer, error) {
	lf, err := rt.store.LibraryFolders(ctx)
	if err != nil {
		return nil, err
	}
	v := &viewer{user: u, libs: lf.IDs, phys: lf.Physical, types: lf.Types}
	if u != nil && !u.EnableAllFolders {
		v.libs = slices.DeleteFunc(slices.Clone(lf.IDs), func(id media.ID) bool { return !slices.Contains(u.EnabledFolders, id) })
	}
	return v, nil
}

// isMusicLibrary says whether id is a music library v may see.
func (v *viewer) isMusicLibrary(id media.ID) bool {
	return slices.Contains(v.libs, id) && v.types[id] == "music"
}

// without is v less some libraries (a user's exclusions).
func (v *viewer) without(libs []media.ID) *viewer {
	out := &viewer{user: v.user, phys: v.phys, types: v.types}
	for _, id := range v.libs {
		if !slices.Contains(libs, id) {
			out.libs = append(out.libs, id)
		}
	}
	if out.libs == nil {
		out.libs = []media.ID{}
	}
	return out
}

func (v *viewer) query() *store.ItemQuery {
	return &store.ItemQuery{Libraries: v.libs, Physical: v.phys, UserID: v.userID()}
}

// pathItem is the path's {itemId} as the caller may see it (404 when they
// may not), with the viewer it was read as.
func (rt *Router) pathItem(r *http.Request, p *principal) (*viewer, *store.ItemRow, error) {
	id, err := pathID(r, "itemId")
	if err != nil {
		return nil, nil, err
	}
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return nil, nil, err
	}
	it, err := rt.item(r.Context(), v, id)
	if err != nil {
		return nil, nil, err
	}
	return v, it, nil
}

// scope is every TopParentId of the items the viewer may see: the
// libraries and their physical folders.
func (v *viewer) scope() []media.ID {
	out := slices.Clone(v.libs)
	for _, l := range v.libs {
		out = append(out, v.phys[l]...)
	}
	return out
}

// dtoOpts reads what a list's DTOs carry: EnableUserData and EnableImages
// (both default to true), EnableImageTypes, ImageTypeLimit and Fields,
// with the fields Jellyfin adds for the clients that rely on them without
// asking. A Fields or image type it does not know is ignored, as Jellyfin
// ignores them; a malformed ImageTypeLimit is an error.
func dtoOpts(r *http.Request, v *viewer, p *principal) (dtoOptions, error) {
	o := dtoOptions{user: v.userID(), userData: v.user != nil, images: true,
		download: v.user == nil || v.user.EnableContentDownloading}
	if b := queryBool(r, "EnableUserData"); b != nil && !*b {
		o.userData = false
	}
	if b := queryBool(r, "EnableImages"); b != nil {
		o.images = *b
	}
	for _, t := range queryList(r, "EnableImageTypes") {
		if n, ok := imageTypeOf(t); ok {
			o.imageTypes |= 1 << n
		}
	}
	if n, ok, err := queryInt(r, "ImageTypeLimit"); err != nil {
		return o, err
	} else if ok {
		// 0 is Jellyfin's "none of any type" (ImageTags is then sent
		// empty): a type bit no stored type has; absent is "all".
		o.imagesPerType = n
		if n == 0 {
			o.imageTypes = noImageType
		}
	}
	for _, f := range queryList(r, "Fields") {
		o.fields |= itemFieldNames[strings.ToLower(f)]
	}
	// Jellyfin's AddClientFields: these clients show folder counts and do
	// not ask for them. The client is the one the request names, else the
	// one its token was issued to.
	client := p.auth.Client
	if client == "" && p.device != nil {
		client = p.device.AppName
	}
	client = strings.ToLower(client)
	for _, c := range []string{"kodi", "wmc", "media center", "classic", "roku", "samsung", "androidtv"} {
		if strings.Contains(client, c) {
			o.fields |= fieldChildCount
		}
	}
	return o, nil
}

// listOpts are dtoOpts for a list read with q, which then skips the
// statements for what the DTOs will not carry.
func listOpts(r *http.Request, v *viewer, p *principal, q *store.ItemQuery) (dtoOptions, error) {
	o, err := dtoOpts(r, v, p)
	o.skipUnsent(q)
	return o, err
}

// allDtoOpts are the options of an item's detail and the user's views:
// every field, as Jellyfin's default DtoOptions.
func allDtoOpts(r *http.Request, v *viewer, p *principal) (dtoOptions, error) {
	o, err := dtoOpts(r, v, p)
	o.fields = allFields
	return o, err
}

// skipUnsent spares q the statements for what o will not send.
func (o dtoOptions) skipUnsent(q *store.ItemQuery) {
	q.SkipImages = !o.images && !o.has(fieldPrimaryImageAspectRatio)
	q.SkipProviders = !o.has(fieldProviderIDs)
}

// dtos are rows as DTOs, with the media members when o asks for them:
// those are read for the whole list at once (three statements).
func (rt *Router) dtos(ctx context.Context, rows []*store.ItemRow, o dtoOptions) ([]*BaseItemDto, error) {
	out := make([]*BaseItemDto, 0, len(rows))
	for _, it := range rows {
		out = append(out, rt.itemDto(it, o))
	}
	if o.withMedia() {
		if err := rt.addListMedia(ctx, out, rows, o); err != nil {
			return nil, err
		}
	}
	kinds := store.CreditKinds{People: o.has(fieldPeople), Genres: o.has(fieldGenres), Studios: o.has(fieldStudios)}
	if kinds != (store.CreditKinds{}) && len(rows) > 0 {
		ids := make([]media.ID, len(rows))
		for i, it := range rows {
			ids[i] = it.ID
		}
		if err := rt.addCredits(ctx, out, ids, kinds); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// addListMedia fills the media members a list asked for, read for the
// whole page at once.
func (rt *Router) addListMedia(ctx context.Context, out []*BaseItemDto, rows []*store.ItemRow, o dtoOptions) error {
	var ids []media.ID
	for _, it := range rows {
		if hasMedia(it) {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	m, err := rt.store.ItemsMedia(ctx, ids)
	if err != nil {
		return err
	}
	cfg, err := rt.streamPrefs(ctx, o)
	if err != nil {
		return err
	}
	for i, it := range rows {
		if !hasMedia(it) {
			continue
		}
		d := out[i]
		rt.fillMedia(d, it, m[it.ID], cfg)
		if !o.has(fieldMediaSources) {
			d.MediaSources = nil
		}
		if !o.has(fieldMediaStreams) {
			d.MediaStreams = nil
		}
		if !o.has(fieldChapters) {
			d.Chapters = nil
		}
	}
	return nil
}

// addCredits fills People, GenreItems and Studios of the items ids (out[i]
// is ids[i]), as Jellyfin's DtoService does for Fields People, Genres and
// Studios: every genre and studio named by its ItemValues id.
func (rt *Router) addCredits(ctx context.Context, out []*BaseItemDto, ids []media.ID, kinds store.CreditKinds) error {
	credits, err := rt.store.ItemsCredits(ctx, ids, kinds)
	if err != nil {
		return err
	}
	pairs := func(values []media.ItemValue) []NameGuidPair {
		p := make([]NameGuidPair, 0, len(values))
		for _, v := range values {
			p = append(p, NameGuidPair{Name: v.Value, ID: v.ID.String()})
		}
		return p
	}
	for i, id := range ids {
		c, d := credits[id], out[i]
		if kinds.People {
			d.People = make([]BaseItemPerson, 0, len(c.People))
			for _, p := range c.People {
				d.People = append(d.People, BaseItemPerson{Name: p.Name, ID: p.ID.String(), Role: p.Role, Type: p.Type})
			}
		}
		if kinds.Genres {
			d.GenreItems = pairs(c.Genres)
		}
		if kinds.Studios {
			d.Studios = pairs(c.Studios)
		}
	}
	return nil
}

func (rt *Router) result(ctx context.Context, page *store.ItemPage, start int, o dtoOptions) (*QueryResult[*BaseItemDto], error) {
	items, err := rt.dtos(ctx, page.Items, o)
	if err != nil {
		return nil, err
	}
	return &QueryResult[*BaseItemDto]{Items: items, TotalRecordCount: page.Total, StartIndex: start}, nil
}

// writeResult answers with page as a QueryResult.
// writeQuery answers with the page q selects, as DTOs with what the
// request asks for (listOpts).
func (rt *Router) writeQuery(w http.ResponseWriter, r *http.Request, v *viewer, p *principal, q *store.ItemQuery) error {
	o, err := listOpts(r, v, p, q)
	if err != nil {
		return err
	}
	page, err := rt.store.QueryItems(r.Context(), q)
	if err != nil {
		return err
	}
	return rt.writeResult(w, r, page, q.StartIndex, o)
}

func (rt *Router) writeResult(w http.ResponseWriter, r *http.Request, page *store.ItemPage, start int, o dtoOptions) error {
	res, err := rt.result(r.Context(), page, start, o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func queryInt(r *http.Request, name string) (int, bool, error) {
	v := query(r, name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false, media.Errorf(media.EINVALID, "%s must be a whole number", name)
	}
	return n, true, nil
}

func queryID(r *http.Request, name string) (media.ID, error) {
	v := query(r, name)
	if v == "" {
		return media.NilID, nil
	}
	id, err := media.ParseID(v)
	if err != nil {
		return id, media.Errorf(media.EINVALID, "%s is not a valid id", name)
	}
	return id, nil
}

func queryIDs(r *http.Request, name string) ([]media.ID, error) {
	var out []media.ID
	for _, v := range queryList(r, name) {
		id, err := media.ParseID(v)
		if err != nil {
			return nil, media.Errorf(media.EINVALID, "%s holds an invalid id %q", name, v)
		}
		out = append(out, id)
	}
	return out, nil
}

// noType matches no stored type: a filter on kinds jellyha does not know
// finds nothing, rather than everything.
const noType = "?"

func itemTypes(kinds []string, include bool) []string {
	var out []string
	for _, k := range kinds {
		if t, ok := media.ItemTypeOf(k); ok {
			out = append(out, t)
		}
	}
	if include && len(kinds) > 0 && len(out) == 0 {
		out = []string{noType}
	}
	return out
}

// paging reads StartIndex, Limit and EnableTotalRecordCount into q.
func paging(r *http.Request, q *store.ItemQuery) error {
	start, _, err := queryInt(r, "StartIndex")
	if err != nil {
		return err
	}
	limit, _, err := queryInt(r, "Limit")
	if err != nil {
		return err
	}
	q.StartIndex, q.Limit = start, limit
	if b := queryBool(r, "EnableTotalRecordCount"); b != nil && !*b {
		q.SkipTotal = true
	}
	return nil
}

// sorting reads SortBy and SortOrder (comma lists; an order applies to the
// key at its position, the last one to any keys beyond).
func sorting(r *http.Request, q *store.ItemQuery, def ...store.ItemSort) {
	by, orders := queryList(r, "SortBy"), queryList(r, "SortOrder")
	q.Sort = nil
	for i, b := range by {
		if !store.KnownSort(b) {
			continue
		}
		desc := false
		if len(orders) > 0 {
			desc = strings.EqualFold(orders[min(i, len(orders)-1)], "Descending")
		}
		q.Sort = append(q.Sort, store.ItemSort{By: b, Descending: desc})
	}
	if len(q.Sort) == 0 {
		q.Sort = def
	}
}

// mediaTypeName spells a MediaType as Jellyfin stores it.
func mediaTypeName(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

// itemQuery reads /Items' parameters.
func itemQuery(r *http.Request, v *viewer) (*store.ItemQuery, error) {
	q := v.query()
	var err error
	if q.ParentID, err = queryID(r, "ParentId"); err != nil {
		return nil, err
	}
	if b := queryBool(r, "Recursive"); b != nil {
		q.Recursive = *b
	}
	if q.IDs, err = queryIDs(r, "Ids"); err != nil {
		return nil, err
	}
	if len(q.IDs) == 0 && q.ParentID.IsZero() && !q.Recursive {
		// Jellyfin lists the user's root folder then: the libraries.
		q.Types = []string{media.ItemTypeCollectionFolder}
	}
	if kinds := queryList(r, "IncludeItemTypes"); len(kinds) > 0 {
		q.Types = itemTypes(kinds, true)
	}
	q.ExcludeTypes = itemTypes(queryList(r, "ExcludeItemTypes"), false)
	for _, m := range queryList(r, "MediaTypes") {
		q.MediaTypes = append(q.MediaTypes, mediaTypeName(m))
	}
	q.IsFavorite, q.IsPlayed, q.IsFolder = queryBool(r, "IsFavorite"), queryBool(r, "IsPlayed"), queryBool(r, "IsFolder")
	yes, no := true, false
	for _, f := range queryList(r, "Filters") {
		switch strings.ToLower(f) {
		case "isplayed":
			q.IsPlayed = &yes
		case "isunplayed":
			q.IsPlayed = &no
		case "isfavorite":
			q.IsFavorite = &yes
		case "isresumable":
			q.IsResumable = true
		case "isfolder":
			q.IsFolder = &yes
		case "isnotfolder":
			q.IsFolder = &no
		case "likes":
			q.Likes = &yes
		case "dislikes":
			q.Likes = &no
		case "isfavoriteorlikes":
			q.FavoriteOrLikes = true
		}
	}
	if b := queryBool(r, "IsMissing"); b != nil && *b {
		q.OnlyVirtual = true
	}
	// jellyha keeps no theme songs or videos: asking for items with them
	// finds none, rather than everything.
	for _, k := range []string{"HasThemeSong", "HasThemeVideo"} {
		if b := queryBool(r, k); b != nil && *b {
			q.Types = []string{noType}
		}
	}
	// Genres are pipe-delimited (names hold commas); GenreIds and Years
	// are comma lists.
	q.Genres = pipeList(r, "genres")
	if q.GenreIDs, err = queryIDs(r, "GenreIds"); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		ids  *[]media.ID
	}{{"StudioIds", &q.StudioIDs}, {"PersonIds", &q.PersonIDs}, {"ArtistIds", &q.ArtistIDs}, {"AlbumArtistIds", &q.AlbumArtistIDs}} {
		if *f.ids, err = queryIDs(r, f.name); err != nil {
			return nil, err
		}
	}
	// Studios and Person are names (pipe-delimited, as Genres).
	q.Studios = pipeList(r, "studios")
	if n := strings.TrimSpace(query(r, "Person")); n != "" {
		q.Persons = []string{n}
	}
	q.PersonTypes = queryList(r, "PersonTypes")
	for _, y := range queryList(r, "Years") {
		n, err := strconv.Atoi(y)
		if err != nil {
			return nil, media.Errorf(media.EINVALID, "Years holds %q, not a year", y)
		}
		q.Years = append(q.Years, n)
	}
	q.SearchTerm, q.NameStartsWith = query(r, "SearchTerm"), query(r, "NameStartsWith")
	q.NameLessThan, q.NameStartsWithOrGreater = query(r, "NameLessThan"), query(r, "NameStartsWithOrGreater")
	if err := paging(r, q); err != nil {
		return nil, err
	}
	sorting(r, q, store.ItemSort{By: "SortName"})
	return q, nil
}

// pipeList reads a list of names given pipe-delimited (names may hold
// commas), key repeated or not; key is lower case, as the normaliser leaves
// query keys.
func pipeList(r *http.Request, key string) []string {
	var out []string
	for _, v := range r.URL.Query()[key] {
		for n := range strings.SplitSeq(v, "|") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// getItems is GET /Items and /Users/{userId}/Items.
func (rt *Router) getItems(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	q, err := itemQuery(r, v)
	if err != nil {
		return err
	}
	if !q.ParentID.IsZero() && !slices.Contains(v.libs, q.ParentID) {
		// The user's root folder (/Items/Root): its children are the
		// libraries, which Jellyfin computes rather than stores.
		if root, err := rt.store.UserRootFolder(r.Context()); err == nil && root.ID == q.ParentID {
			q.ParentID = media.NilID
			if !q.Recursive && len(queryList(r, "IncludeItemTypes")) == 0 {
				q.Types = []string{media.ItemTypeCollectionFolder}
			}
		}
	}
	return rt.writeQuery(w, r, v, p, q)
}

// item returns one item the viewer may see, ENOTFOUND otherwise.
func (rt *Router) item(ctx context.Context, v *viewer, id media.ID) (*store.ItemRow, error) {
	q := v.query()
	q.IDs = []media.ID{id}
	page, err := rt.store.QueryItems(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, media.Errorf(media.ENOTFOUND, "item %s not found", id)
	}
	return page.Items[0], nil
}

// getItem is GET /Items/{itemId} and /Users/{userId}/Items/{itemId}: the
// item with its credits, genres and studios.
func (rt *Router) getItem(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	v, it, err := rt.pathItem(r, p)
	if err != nil {
		return err
	}
	id := it.ID
	o, err := allDtoOpts(r, v, p)
	if err != nil {
		return err
	}
	dto := rt.itemDto(it, o)
	dto.PlayAccess = "Full"
	if err := rt.addMediaInfo(ctx, dto, it, o); err != nil {
		return err
	}
	if err := rt.addCredits(ctx, []*BaseItemDto{dto}, []media.ID{id}, store.CreditKinds{People: true, Genres: true, Studios: true}); err != nil {
		return err
	}
	if it.Type == media.ItemTypeCollectionFolder && dto.CollectionType == "" {
		if dto.CollectionType, err = rt.derivedCollectionType(ctx, id); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, dto)
	return nil
}

// derivedCollectionType names a library without a stored type after what
// it holds, when all of it is of one kind.
func (rt *Router) derivedCollectionType(ctx context.Context, lib media.ID) (string, error) {
	types, err := rt.store.ContentTypes(ctx, lib)
	if err != nil {
		return "", err
	}
	kinds := map[string]string{
		media.ItemTypeMovie: "movies", media.ItemTypeSeries: "tvshows", media.ItemTypeEpisode: "tvshows",
		media.ItemTypeMusicAlbum: "music", media.ItemTypeAudio: "music", media.ItemTypeMusicArtist: "music",
		media.ItemTypeMusicVideo: "musicvideos", media.ItemTypeBook: "books", media.ItemTypeAudioBook: "books",
		media.ItemTypePhoto: "homevideos", media.ItemTypeBoxSet: "boxsets", media.ItemTypePlaylist: "playlists",
	}
	found := map[string]bool{}
	for t := range types {
		if k, ok := kinds[t]; ok {
			found[k] = true
		}
	}
	if len(found) == 1 {
		for k := range found {
			return k, nil
		}
	}
	// A mixed (or empty) library has no CollectionType, as in Jellyfin:
	// "mixed" is a value of VirtualFolders' CollectionTypeOptions only,
	// not of the CollectionType enum clients decode.
	return "", nil
}

// getViews is GET /UserViews and /Users/{userId}/Views: the libraries the
// user may see.
func (rt *Router) getViews(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	if v.user == nil {
		return rt.writeLibraries(w, r, v, p, nil)
	}
	cfg, err := rt.store.UserConfiguration(r.Context(), v.user.ID)
	if err != nil {
		return err
	}
	if b := queryBool(r, "IncludeHidden"); b == nil || !*b {
		// The libraries the user took off their home screen; the home
		// screen settings page asks with IncludeHidden to list them all.
		v = v.without(cfg.MyMediaExcludes)
	}
	return rt.writeLibraries(w, r, v, p, cfg)
}

// SpecialViewOptionDto is a library the home screen settings offer to
// group.
type SpecialViewOptionDto struct {
	Name string
	ID   string `json:"Id"`
}

// getGroupingOptions is GET /UserViews/GroupingOptions and
// /Users/{userId}/GroupingOptions: the libraries of the user that may be
// grouped into one view (films, shows and mixed ones), by name, which
// jellyfin-web's home screen settings list before they show at all. The
// choice is stored (GroupedFolders) but jellyha does not group.
func (rt *Router) getGroupingOptions(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	out := []SpecialViewOptionDto{}
	for _, id := range v.libs {
		if t := v.types[id]; t != "movies" && t != "tvshows" && t != "" {
			continue
		}
		it, err := rt.store.Item(ctx, id)
		if err != nil {
			return err
		}
		out = append(out, SpecialViewOptionDto{Name: it.Name, ID: id.String()})
	}
	slices.SortStableFunc(out, func(a, b SpecialViewOptionDto) int { return strings.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, out)
	return nil
}

// writeLibraries answers with the libraries v may see, by name, each with
// its collection type; with a user's configuration, those the user ordered
// come first, in their order.
func (rt *Router) writeLibraries(w http.ResponseWriter, r *http.Request, v *viewer, p *principal, cfg *media.UserConfiguration) error {
	ctx := r.Context()
	q := v.query()
	q.Types = []string{media.ItemTypeCollectionFolder}
	q.Sort = []store.ItemSort{{By: "SortName"}}
	o, err := allDtoOpts(r, v, p)
	if err != nil {
		return err
	}
	page, err := rt.store.QueryItems(ctx, q)
	if err != nil {
		return err
	}
	res, err := rt.result(ctx, page, 0, o)
	if err != nil {
		return err
	}
	if err := rt.deriveCollectionTypes(ctx, res.Items); err != nil {
		return err
	}
	if cfg != nil && len(cfg.OrderedViews) > 0 {
		byID := make(map[media.ID]*BaseItemDto, len(res.Items))
		ids := make([]media.ID, len(res.Items))
		for i, d := range res.Items {
			ids[i], _ = media.ParseID(d.ID)
			byID[ids[i]] = d
		}
		for i, id := range cfg.OrderViews(ids) {
			res.Items[i] = byID[id]
		}
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// deriveCollectionTypes fills the CollectionType of libraries that store
// none (derivedCollectionType).
func (rt *Router) deriveCollectionTypes(ctx context.Context, libs []*BaseItemDto) error {
	for _, dto := range libs {
		if dto.CollectionType == "" {
			id, _ := media.ParseID(dto.ID)
			var err error
			if dto.CollectionType, err = rt.derivedCollectionType(ctx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// getResume is GET /UserItems/Resume and /Users/{userId}/Items/Resume:
// items in progress, the most recently played first.
func (rt *Router) getResume(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	if v.user == nil {
		writeJSON(w, http.StatusOK, &QueryResult[*BaseItemDto]{Items: []*BaseItemDto{}})
		return nil
	}
	q := v.query()
	if q.ParentID, err = queryID(r, "ParentId"); err != nil {
		return err
	}
	q.Recursive = true
	q.IsResumable, q.NotPlayed = true, true
	for _, m := range queryList(r, "MediaTypes") {
		q.MediaTypes = append(q.MediaTypes, mediaTypeName(m))
	}
	q.Types = itemTypes(queryList(r, "IncludeItemTypes"), true)
	q.ExcludeTypes = itemTypes(queryList(r, "ExcludeItemTypes"), false)
	if err := paging(r, q); err != nil {
		return err
	}
	q.Sort = []store.ItemSort{{By: "DatePlayed", Descending: true}}
	return rt.writeQuery(w, r, v, p, q)
}

// getUpcoming is GET /Shows/Upcoming, the TV library's Upcoming tab:
// episodes first aired from yesterday (UTC) on, the soonest first, as
// Jellyfin lists them. Jellyfin counts only the page in TotalRecordCount.
func (rt *Router) getUpcoming(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	q := v.query()
	if q.ParentID, err = queryID(r, "ParentId"); err != nil {
		return err
	}
	q.Recursive = true
	q.Types = []string{media.ItemTypeEpisode}
	since := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	q.MinPremiereDate = &since
	if err := paging(r, q); err != nil {
		return err
	}
	q.SkipTotal = true
	q.Sort = []store.ItemSort{{By: "PremiereDate"}, {By: "SortName"}}
	return rt.writeQuery(w, r, v, p, q)
}

// getNextUp is GET /Shows/NextUp: per series, the episode after the last
// one the user played.
func (rt *Router) getNextUp(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	if v.user == nil {
		return media.Errorf(media.EINVALID, "userId is required")
	}
	series, err := queryID(r, "SeriesId")
	if err != nil {
		return err
	}
	q := v.query()
	if err := paging(r, q); err != nil {
		return err
	}
	o, err := dtoOpts(r, v, p)
	if err != nil {
		return err
	}
	ids, total, err := rt.store.NextUp(ctx, v.user.ID, v.scope(), series, q.StartIndex, q.Limit, q.SkipTotal)
	if err != nil {
		return err
	}
	rows, err := rt.rowsInOrder(ctx, v, ids, o)
	if err != nil {
		return err
	}
	return rt.writeResult(w, r, &store.ItemPage{Items: rows, Total: total}, q.StartIndex, o)
}

// rowsInOrder reads items by id and returns them in the order of ids.
func (rt *Router) rowsInOrder(ctx context.Context, v *viewer, ids []media.ID, o dtoOptions) ([]*store.ItemRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q := v.query()
	q.IDs = ids
	o.skipUnsent(q)
	page, err := rt.store.QueryItems(ctx, q)
	if err != nil {
		return nil, err
	}
	byID := make(map[media.ID]*store.ItemRow, len(page.Items))
	for _, it := range page.Items {
		byID[it.ID] = it
	}
	out := make([]*store.ItemRow, 0, len(ids))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// latestScan is how many new items per wanted group Latest reads before
// grouping them; a library whose newest items all belong to a few series
// may show fewer groups than asked.
const latestScan = 10

// getLatest is GET /Items/Latest and /Users/{userId}/Items/Latest: the
// newest items, a bare array. With GroupItems (the default), several new
// episodes of a series collapse into the series and tracks into their
// album, with ChildCount the number of new ones, as Jellyfin does.
func (rt *Router) getLatest(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	q := v.query()
	if q.ParentID, err = queryID(r, "ParentId"); err != nil {
		return err
	}
	limit, ok, err := queryInt(r, "Limit")
	if err != nil {
		return err
	}
	if !ok || limit == 0 {
		limit = 20
	}
	group := true
	if b := queryBool(r, "GroupItems"); b != nil {
		group = *b
	}
	q.Recursive = true
	no := false
	q.IsFolder = &no
	var cfg *media.UserConfiguration
	if v.user != nil {
		if cfg, err = rt.store.UserConfiguration(ctx, v.user.ID); err != nil {
			return err
		}
	}
	switch b := queryBool(r, "IsPlayed"); {
	case v.isMusicLibrary(q.ParentID):
		// Jellyfin lists a music library's new albums played or not,
		// whatever the request or the user's HidePlayedInLatest say.
	case b != nil:
		q.IsPlayed = b
	case cfg != nil && cfg.HidePlayedInLatest:
		q.NotPlayed = true
	}
	if q.ParentID.IsZero() && cfg != nil && len(cfg.LatestItemsExcludes) > 0 {
		// Only the home screen's row, which names no library, leaves out
		// the libraries the user excluded; a library's own Latest still
		// lists its new items, as in Jellyfin.
		v = v.without(cfg.LatestItemsExcludes)
		if len(v.libs) == 0 {
			writeJSON(w, http.StatusOK, []*BaseItemDto{})
			return nil
		}
		q.Libraries, q.Physical = v.libs, v.phys
	}
	q.Types = itemTypes(queryList(r, "IncludeItemTypes"), true)
	q.Sort = []store.ItemSort{{By: "DateCreated", Descending: true}}
	q.Limit = limit
	q.SkipTotal = true // a bare array: counting every new item would be wasted
	o, err := listOpts(r, v, p, q)
	if err != nil {
		return err
	}
	if group {
		// Read many, keep one per group: only the kept rows get their
		// images and provider ids (below).
		q.Limit = min(limit*latestScan, 2000)
		q.SkipAttach = true
	}
	page, err := rt.store.QueryItems(ctx, q)
	if err != nil {
		return err
	}
	if !group {
		out, err := rt.dtos(ctx, page.Items, o)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	type bucket struct {
		container media.ID
		album     bool
		items     []*store.ItemRow
	}
	var buckets []*bucket
	index := map[media.ID]*bucket{}
	for _, it := range page.Items {
		var c media.ID
		album := false
		switch it.Type {
		case media.ItemTypeEpisode:
			c = it.SeriesID
		case media.ItemTypeAudio:
			c, album = it.ParentID, true
		}
		if c.IsZero() {
			if len(buckets) < limit {
				buckets = append(buckets, &bucket{items: []*store.ItemRow{it}})
			}
			continue
		}
		if b, ok := index[c]; ok {
			b.items = append(b.items, it)
			continue
		}
		if len(buckets) < limit {
			b := &bucket{container: c, album: album, items: []*store.ItemRow{it}}
			index[c] = b
			buckets = append(buckets, b)
		}
	}
	var containers []media.ID
	for _, b := range buckets {
		if !b.container.IsZero() && (len(b.items) > 1 || b.album) {
			containers = append(containers, b.container)
		}
	}
	var kept []*store.ItemRow
	for _, b := range buckets {
		kept = append(kept, b.items[0])
	}
	if err := rt.store.Attach(ctx, kept, q); err != nil {
		return err
	}
	byID := map[media.ID]*store.ItemRow{}
	if len(containers) > 0 {
		rows, err := rt.rowsInOrder(ctx, v, containers, o)
		if err != nil {
			return err
		}
		for _, c := range rows {
			byID[c.ID] = c
		}
	}
	rows := make([]*store.ItemRow, 0, len(buckets))
	var counts []*int // a group's new items, nil for an item alone
	for _, b := range buckets {
		if c, ok := byID[b.container]; ok && (len(b.items) > 1 || b.album) {
			n := len(b.items)
			rows, counts = append(rows, c), append(counts, &n)
			continue
		}
		rows, counts = append(rows, b.items[0]), append(counts, nil)
	}
	out, err := rt.dtos(ctx, rows, o)
	if err != nil {
		return err
	}
	for i, n := range counts {
		if n != nil {
			// Jellyfin always sets a group's ChildCount: its new items.
			out[i].ChildCount = n
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pathSeries is the path's {seriesId}, checked to be a series the caller
// may see, with the viewer it was read as (pathItem's twin for /Shows).
func (rt *Router) pathSeries(r *http.Request, p *principal) (*viewer, media.ID, error) {
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return nil, media.NilID, err
	}
	id, err := pathID(r, "seriesId")
	if err != nil {
		return nil, id, err
	}
	it, err := rt.item(r.Context(), v, id)
	if err != nil {
		return nil, id, err
	}
	if it.Type != media.ItemTypeSeries {
		return nil, id, media.Errorf(media.ENOTFOUND, "series %s not found", id)
	}
	return v, id, nil
}

// getSeasons is GET /Shows/{seriesId}/Seasons.
func (rt *Router) getSeasons(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, series, err := rt.pathSeries(r, p)
	if err != nil {
		return err
	}
	q := v.query()
	q.ParentID = series
	q.Types = []string{media.ItemTypeSeason}
	q.Sort = []store.ItemSort{{By: "IndexNumber"}, {By: "SortName"}}
	return rt.writeQuery(w, r, v, p, q)
}

// getEpisodes is GET /Shows/{seriesId}/Episodes, optionally of one season
// (SeasonId, or Season by number).
func (rt *Router) getEpisodes(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, series, err := rt.pathSeries(r, p)
	if err != nil {
		return err
	}
	q := v.query()
	q.SeriesID = series
	q.Types = []string{media.ItemTypeEpisode}
	if q.SeasonID, err = queryID(r, "SeasonId"); err != nil {
		return err
	}
	if !q.SeasonID.IsZero() {
		// A season of episodes Jellyfin filed under the series (no season
		// folders): they name no season, only its number.
		if season, err := rt.item(r.Context(), v, q.SeasonID); err == nil && season.SeriesID == series {
			q.SeasonNumber = season.IndexNumber
		}
	}
	if n, ok, err := queryInt(r, "Season"); err != nil {
		return err
	} else if ok {
		q.ParentIndexNumber = &n
	}
	if err := paging(r, q); err != nil {
		return err
	}
	sorting(r, q, store.ItemSort{By: "ParentIndexNumber"}, store.ItemSort{By: "IndexNumber"}, store.ItemSort{By: "SortName"})
	startItem, err := queryID(r, "StartItemId")
	if err != nil {
		return err
	}
	adjacentTo, err := queryID(r, "AdjacentTo")
	if err != nil {
		return err
	}
	o, err := listOpts(r, v, p, q)
	if err != nil {
		return err
	}
	if startItem.IsZero() && adjacentTo.IsZero() {
		page, err := rt.store.QueryItems(r.Context(), q)
		if err != nil {
			return err
		}
		return rt.writeResult(w, r, page, q.StartIndex, o)
	}
	// StartItemId (the episodes from that one on) and AdjacentTo (that one
	// and its neighbours, the player's previous and next) cut the whole
	// list, which paging then applies to, as in Jellyfin.
	start, limit := q.StartIndex, q.Limit
	q.StartIndex, q.Limit, q.SkipTotal = 0, 0, false
	page, err := rt.store.QueryItems(r.Context(), q)
	if err != nil {
		return err
	}
	items := page.Items
	at := func(id media.ID) int {
		return slices.IndexFunc(items, func(it *store.ItemRow) bool { return it.ID == id })
	}
	if !startItem.IsZero() {
		// Jellyfin skips until the item: none when it is not there.
		if i := at(startItem); i >= 0 {
			items = items[i:]
		} else {
			items = nil
		}
	}
	if !adjacentTo.IsZero() {
		if i := at(adjacentTo); i >= 0 {
			items = items[max(i-1, 0):min(i+2, len(items))]
		} else {
			items = nil
		}
	}
	page.Total = len(items)
	items = items[min(start, len(items)):]
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	page.Items = items
	return rt.writeResult(w, r, page, start, o)
}

// changeUserData applies fn to the viewer's play state of the item in the
// path and answers with the new UserItemDataDto. With cascade, a folder's
// playable descendants are changed instead of the folder (marking a
// series played marks its episodes).
func (rt *Router) changeUserData(w http.ResponseWriter, r *http.Request, p *principal, cascade bool, fn func(*media.UserData)) error {
	ctx := r.Context()
	id, err := pathID(r, "itemId")
	if err != nil {
		return err
	}
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	if v.user == nil {
		return media.Errorf(media.EINVALID, "userId is required")
	}
	it, err := rt.item(ctx, v, id)
	if err != nil {
		return err
	}
	targets := []store.KeyedItem{{ID: it.ID, Key: userDataKey(it)}}
	if cascade && it.IsFolder {
		q := v.query()
		q.ParentID, q.Recursive = it.ID, true
		no := false
		q.IsFolder = &no
		q.Sort = []store.ItemSort{{By: "SortName"}}
		page, err := rt.store.QueryItems(ctx, q)
		if err != nil {
			return err
		}
		targets = targets[:0]
		for _, c := range page.Items {
			targets = append(targets, store.KeyedItem{ID: c.ID, Key: userDataKey(c)})
		}
	}
	if len(targets) > 0 {
		if _, err := rt.store.UpdateUserData(ctx, v.user.ID, targets, fn); err != nil {
			return err
		}
		changed := make([]media.ID, len(targets))
		for i, t := range targets {
			changed[i] = t.ID
		}
		rt.publish(ctx, events.Event{Kind: events.UserDataChanged, User: v.user.ID, Items: changed})
	}
	if it, err = rt.item(ctx, v, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userDataDto(it))
	return nil
}

// markPlayed is POST /UserPlayedItems/{itemId}: Jellyfin's MarkPlayed.
func (rt *Router) markPlayed(w http.ResponseWriter, r *http.Request, p *principal) error {
	at := time.Now().UTC()
	if s := query(r, "DatePlayed"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			if t, err = time.Parse("2006-01-02T15:04:05.9999999", s); err != nil {
				return media.Errorf(media.EINVALID, "datePlayed is not a date")
			}
		}
		at = t.UTC()
	}
	return rt.changeUserData(w, r, p, true, func(d *media.UserData) {
		d.Played = true
		d.PlayCount++
		d.LastPlayedDate = &at
		d.PlaybackPositionTicks = 0
	})
}

// markUnplayed is DELETE /UserPlayedItems/{itemId}: Jellyfin's
// MarkUnplayed, which forgets the play count and date too.
func (rt *Router) markUnplayed(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.changeUserData(w, r, p, true, func(d *media.UserData) {
		d.Played, d.PlayCount, d.LastPlayedDate, d.PlaybackPositionTicks = false, 0, nil, 0
	})
}

func (rt *Router) markFavorite(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.changeUserData(w, r, p, false, func(d *media.UserData) { d.IsFavorite = true })
}

func (rt *Router) unmarkFavorite(w http.ResponseWriter, r *http.Request, p *principal) error {
	return rt.changeUserData(w, r, p, false, func(d *media.UserData) { d.IsFavorite = false })
}

// getUserData is GET /UserItems/{itemId}/UserData.
func (rt *Router) getUserData(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "itemId")
	if err != nil {
		return err
	}
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	if v.user == nil {
		return media.Errorf(media.EINVALID, "userId is required")
	}
	it, err := rt.item(r.Context(), v, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userDataDto(it))
	return nil
}

// UpdateUserItemDataDto is the body of POST /UserItems/{itemId}/UserData:
// the members sent are written, the others kept.
type UpdateUserItemDataDto struct {
	Rating                *float64
	PlaybackPositionTicks *int64
	PlayCount             *int
	IsFavorite            *bool
	Likes                 *bool
	LastPlayedDate        *time.Time
	Played                *bool
}

// setUserData is POST /UserItems/{itemId}/UserData.
func (rt *Router) setUserData(w http.ResponseWriter, r *http.Request, p *principal) error {
	var u UpdateUserItemDataDto
	if err := decode(r, &u, true); err != nil {
		return err
	}
	return rt.changeUserData(w, r, p, false, func(d *media.UserData) {
		if u.Rating != nil {
			d.Rating = u.Rating
		}
		if u.PlaybackPositionTicks != nil {
			d.PlaybackPositionTicks = *u.PlaybackPositionTicks
		}
		if u.PlayCount != nil {
			d.PlayCount = *u.PlayCount
		}
		if u.IsFavorite != nil {
			d.IsFavorite = *u.IsFavorite
		}
		if u.Likes != nil {
			d.Likes = u.Likes
		}
		if u.LastPlayedDate != nil {
			t := u.LastPlayedDate.UTC()
			d.LastPlayedDate = &t
		}
		if u.Played != nil {
			d.Played = *u.Played
		}
	})
}
