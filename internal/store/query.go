package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/schema"
)

// This file is the browse query: /Items and everything built on it (views'
// contents, resume, latest, seasons, episodes). A page is one statement,
// written once with ? placeholders for both engines; the images and provider
// ids of the page's items follow in one batched statement each.
//
// Both engines must return the same rows in the same order:
//   - NULLs sort as SQLite sorts them (first ascending, last descending);
//     PostgreSQL does the opposite, so every nullable key is preceded by an
//     explicit "is null" key.
//   - Text is compared bytewise: SQLite's BINARY, PostgreSQL's COLLATE "C".
//   - Dates are ordered text on SQLite ("yyyy-MM-dd HH:mm:ss.FFFFFFF" sorts
//     chronologically) and timestamptz on PostgreSQL.
//   - Ties are broken by Id, whose uppercase text on SQLite orders as the
//     uuid does on PostgreSQL.
//   - Case-insensitive matching lowers both sides (ASCII on both engines)
//     rather than relying on SQLite's LIKE or PostgreSQL's ILIKE.

// ItemSort is one sort key of a query.
type ItemSort struct {
	By         string // Jellyfin's ItemSortBy name: SortName, DateCreated...
	Descending bool
}

// ItemQuery selects library items. Zero fields do not filter.
type ItemQuery struct {
	// Libraries are the collection folders the caller may see; only items
	// in them (TopParentId) or the folders themselves are returned. Nil
	// means none: every query is scoped.
	Libraries []media.ID
	// Physical are the libraries' physical folders, Jellyfin's layout
	// (LibraryFolders): an item under one of them is in its library.
	Physical map[media.ID][]media.ID
	// UserID is whose play state filters, sorts and is returned; NilID for
	// none (an API key without a user).
	UserID media.ID

	ParentID  media.ID
	Recursive bool
	IDs       []media.ID
	// ExcludeIDs are left out (an item's similar items, without it).
	ExcludeIDs []media.ID
	// Types and ExcludeTypes are stored (.NET) type names.
	Types, ExcludeTypes []string
	MediaTypes          []string
	IsFolder            *bool
	IsPlayed            *bool
	IsFavorite          *bool
	// IsResumable keeps items with a playback position.
	IsResumable bool
	// Likes keeps the items the user rated up (true) or down (false);
	// FavoriteOrLikes those they marked favourite or rated up.
	Likes           *bool
	FavoriteOrLikes bool
	// NotPlayed excludes played items (resume, latest).
	NotPlayed bool
	Genres    []string
	GenreIDs  []media.ID
	// Studios, StudioIDs, ArtistIDs (artist or album artist) and
	// AlbumArtistIDs are ItemValues names and ids, as GenreIDs.
	Studios                   []string
	StudioIDs                 []media.ID
	ArtistIDs, AlbumArtistIDs []media.ID
	// PersonIDs are Peoples ids; Persons names; PersonTypes restricts
	// both to credits of these kinds (Actor, Director...).
	PersonIDs   []media.ID
	Persons     []string
	PersonTypes []string
	Years       []int
	// CleanNames keeps the items with these CleanNames (the artist items
	// behind an artists list's names).
	CleanNames []string
	// MinPremiereDate keeps items first aired (or released) then or later.
	MinPremiereDate *time.Time
	SearchTerm      string
	NameStartsWith  string
	// NameLessThan and NameStartsWithOrGreater bound the sort name
	// (compared lower-cased): the web client's alphabet picker.
	NameLessThan, NameStartsWithOrGreater string
	SeriesID                              media.ID
	SeasonID                              media.ID
	// SeasonNumber, with SeasonID, also takes the series' episodes that
	// name no season but carry this season number: Jellyfin files the
	// episodes of a show without season folders under the series, with an
	// empty SeasonId.
	SeasonNumber      *int
	ParentIndexNumber *int
	// IsMissing false (or nil) drops virtual items, as clients expect.
	IncludeVirtual bool
	// OnlyVirtual keeps only virtual items (IsMissing=true): the episodes
	// Jellyfin knows of but has no file for.
	OnlyVirtual bool

	Sort       []ItemSort
	StartIndex int
	Limit      int // 0: no limit
	// SkipTotal leaves the unpaged count out (a client's
	// EnableTotalRecordCount=false): Total is then the number of items
	// returned, as Jellyfin answers.
	SkipTotal bool
	// SkipAttach leaves the rows' images and provider ids out, for a
	// caller that keeps only some of them and attaches those (Attach).
	SkipAttach bool
	// SkipImages and SkipProviders leave out what the caller will not
	// send (a client's EnableImages=false, Fields without ProviderIds):
	// each is a statement less.
	SkipImages, SkipProviders bool
}

// ItemRow is an item as browsing returns it: the item with what the page
// query computes for the caller.
type ItemRow struct {
	media.LibraryItem
	// ChildCount is the number of direct children of a folder.
	ChildCount *int
	// Episodes and PlayedEpisodes count a series' or season's episodes,
	// for its unplayed count and played percentage.
	Episodes, PlayedEpisodes *int
	// UserData is the caller's play state, nil when they have none.
	UserData  *media.UserData
	Images    []media.ItemImage
	Providers map[string]string
}

// ItemPage is one page of a query.
type ItemPage struct {
	Items []*ItemRow
	// Total is the number of matching items, ignoring paging.
	Total int
}

// sortKeys maps Jellyfin's ItemSortBy names (lower case) to expressions on
// b (the item); "%u" marks where the user's id goes.
var sortKeys = map[string]string{
	"sortname":             `b."SortName"`,
	"name":                 `b."Name"`,
	"datecreated":          `b."DateCreated"`,
	"premieredate":         `b."PremiereDate"`,
	"productionyear":       `b."ProductionYear"`,
	"communityrating":      `b."CommunityRating"`,
	"criticrating":         `b."CriticRating"`,
	"runtime":              `b."RunTimeTicks"`,
	"indexnumber":          `b."IndexNumber"`,
	"parentindexnumber":    `b."ParentIndexNumber"`,
	"seriessortname":       `b."SeriesName"`,
	"album":                `b."Album"`,
	"officialrating":       `b."OfficialRating"`,
	"datelastcontentadded": `b."DateLastMediaAdded"`,
	"dateplayed":           `(SELECT MAX(u."LastPlayedDate") FROM "UserData" u WHERE u."ItemId" = b."Id" AND u."UserId" = ?)`,
	"playcount":            `COALESCE((SELECT MAX(u."PlayCount") FROM "UserData" u WHERE u."ItemId" = b."Id" AND u."UserId" = ?), 0)`,
	"isfavoriteorliked":    `COALESCE((SELECT MAX(CASE WHEN u."IsFavorite" THEN 1 ELSE 0 END) FROM "UserData" u WHERE u."ItemId" = b."Id" AND u."UserId" = ?), 0)`,
}

// indexedSorts are the first sort keys jellyha's browse indexes deliver
// in order (0007_browse_indexes.sql), so that a shallow page stops early.
var indexedSorts = map[string]bool{"sortname": true, "datecreated": true}

// sortedWithoutIndex reports whether q is a library-wide list (recursive,
// no search) whose order no index holds: each of its pages, the first
// included, would read and sort the whole list (100 ms for 20,000 films by
// rating on SQLite), so its pages come from the order cache, which reads
// and sorts it once per change of the library. Search results and lists of
// a folder's children are left out, as one-off or small lists that would
// only push the big ones out of the cache.
func sortedWithoutIndex(q *ItemQuery) bool {
	return q.Recursive && q.SearchTerm == "" && q.NameStartsWith == "" && len(q.IDs) == 0 && len(q.Sort) > 0 &&
		!indexedSorts[strings.ToLower(q.Sort[0].By)]
}

// KnownSort reports whether by is a sort key QueryItems understands.
func KnownSort(by string) bool {
	_, ok := sortKeys[strings.ToLower(by)]
	return ok || strings.EqualFold(by, "Random")
}

// cond collects a WHERE clause and its arguments in order.
type cond struct {
	parts []string
	args  []any
}

func (c *cond) add(sql string, args ...any) {
	c.parts = append(c.parts, sql)
	c.args = append(c.args, args...)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func guids(ids []media.ID) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = database.GUID(id)
	}
	return out
}

func strs(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

// likeEscape escapes LIKE's wildcards with a backslash.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// userDataExists is a condition on the caller's play state rows of b.
func userDataExists(what string) string {
	return `EXISTS (SELECT 1 FROM "UserData" u WHERE u."ItemId" = b."Id" AND u."UserId" = ? AND ` + what + `)`
}

// userDataItems is the set form of userDataExists, for conditions that keep
// few items (in progress, favourite, played): written as b."Id" IN (...),
// both engines can start from the user's UserData rows (IX_UserData_UserId)
// and look the items up by key, instead of testing every item of the
// library one by one.
func userDataItems(what string) string {
	return `b."Id" IN (SELECT u."ItemId" FROM "UserData" u WHERE u."UserId" = ? AND ` + what + `)`
}

// topParent is the item's TopParentId as a condition on n libraries names
// it. No index that leads with TopParentId can deliver a page in order for
// several libraries at once, yet SQLite still picks one and then reads and
// sorts every item of them (77,839 for the web client's all-libraries grid
// by name); the unary + (SQLite's way of keeping a term off the indexes)
// leaves it jellyha_BaseItems_SortName, read in order, or the type indexes
// when the types asked for are rare. PostgreSQL plans it well as it is.
func (s *Store) topParent(n int) string {
	if n > 1 && s.db.Engine == schema.SQLite {
		return `+b."TopParentId"`
	}
	return `b."TopParentId"`
}

// mayMatchLibraries reports whether q could return a library (a
// CollectionFolder) itself, rather than only items in libraries.
func mayMatchLibraries(q *ItemQuery) bool {
	switch {
	case len(q.Types) > 0 && !slices.Contains(q.Types, media.ItemTypeCollectionFolder),
		slices.Contains(q.ExcludeTypes, media.ItemTypeCollectionFolder),
		q.IsFolder != nil && !*q.IsFolder,
		// A library is in no series, and is never in progress: Jellyfin's
		// resume list is scoped by TopParentId alone.
		!q.SeriesID.IsZero(), !q.SeasonID.IsZero(), q.IsResumable:
		return false
	}
	return true
}

// form is what a statement built by where reads the items for, which
// decides how its play state conditions are written.
type form int

const (
	// forPage: a page, which stops once it is full.
	forPage form = iota
	// forEach: a statement that already starts from the user's UserData
	// rows; its play state conditions are probes per item (EXISTS), not
	// sets.
	forEach
	// forAll: every matching item (a count), which reads them all.
	forAll
)

// where builds the conditions of q on the item b, written for f.
func (s *Store) where(q *ItemQuery, f form) *cond {
	perItem := f == forEach
	c := &cond{}
	userDataItems := userDataItems
	if perItem {
		userDataItems = userDataExists
	}
	user := database.GUID(q.UserID)
	c.add(`b."Type" <> ?`, media.ItemTypePlaceholder)
	switch {
	case q.OnlyVirtual:
		c.add(`b."IsVirtualItem" = ?`, true)
	case !q.IncludeVirtual:
		c.add(`b."IsVirtualItem" = ?`, false)
	}
	// A recursive query under one of the caller's libraries is scoped by
	// TopParentId alone, as Jellyfin scopes it (SetTopParentOrAncestorIds):
	// the same items as the library's AncestorIds, but found through the
	// (TopParentId, ...) indexes instead of a semi-join per item.
	underLibrary := q.Recursive && !q.ParentID.IsZero() && slices.Contains(q.Libraries, q.ParentID)
	// tops are the TopParentId values of a library's items: the library,
	// and Jellyfin's physical folders of it (LibraryFolders), which are
	// never listed themselves.
	tops := func(libs []media.ID) []any {
		out := guids(libs)
		for _, l := range libs {
			out = append(out, guids(q.Physical[l])...)
		}
		return out
	}
	var physical []any
	for _, l := range q.Libraries {
		physical = append(physical, guids(q.Physical[l])...)
	}
	if len(physical) > 0 {
		c.add(`b."Id" NOT IN (`+placeholders(len(physical))+`)`, physical...)
	}
	switch {
	case len(q.Libraries) == 0:
		c.add(`1 = 0`)
	case underLibrary:
		t := tops([]media.ID{q.ParentID})
		if len(t) == 1 {
			c.add(`b."TopParentId" = ?`, t...)
		} else {
			c.add(s.topParent(len(t))+` IN (`+placeholders(len(t))+`)`, t...)
		}
	case !mayMatchLibraries(q):
		// Without the "or the library itself" arm, which no index serves
		// (SQLite then reads every item of the libraries).
		t := tops(q.Libraries)
		c.add(s.topParent(len(t))+` IN (`+placeholders(len(t))+`)`, t...)
	default:
		t := tops(q.Libraries)
		libs := guids(q.Libraries)
		c.add(`(`+s.topParent(len(t))+` IN (`+placeholders(len(t))+`) OR b."Id" IN (`+placeholders(len(libs))+`))`, append(t, libs...)...)
	}
	if !q.ParentID.IsZero() && !underLibrary {
		if q.Recursive {
			c.add(`b."Id" IN (SELECT a."ItemId" FROM "AncestorIds" a WHERE a."ParentItemId" = ?)`, database.GUID(q.ParentID))
		} else if parents := append([]media.ID{q.ParentID}, q.Physical[q.ParentID]...); len(parents) > 1 {
			// A library's children in Jellyfin's layout are its
			// physical folders' children.
			c.add(`b."ParentId" IN (`+placeholders(len(parents))+`)`, guids(parents)...)
		} else {
			c.add(`b."ParentId" = ?`, database.GUID(q.ParentID))
		}
	}
	if len(q.IDs) > 0 {
		c.add(`b."Id" IN (`+placeholders(len(q.IDs))+`)`, guids(q.IDs)...)
	}
	if len(q.ExcludeIDs) > 0 {
		c.add(`b."Id" NOT IN (`+placeholders(len(q.ExcludeIDs))+`)`, guids(q.ExcludeIDs)...)
	}
	if len(q.Types) > 0 {
		c.add(`b."Type" IN (`+placeholders(len(q.Types))+`)`, strs(q.Types)...)
	}
	if len(q.ExcludeTypes) > 0 {
		c.add(`b."Type" NOT IN (`+placeholders(len(q.ExcludeTypes))+`)`, strs(q.ExcludeTypes)...)
	}
	if len(q.MediaTypes) > 0 {
		c.add(`b."MediaType" IN (`+placeholders(len(q.MediaTypes))+`)`, strs(q.MediaTypes)...)
	}
	if q.IsFolder != nil {
		c.add(`b."IsFolder" = ?`, *q.IsFolder)
	}
	// Items without a play state (unplayed, not favourite): PostgreSQL
	// makes a hash anti-join of NOT EXISTS. SQLite runs it as a probe per
	// item, which for the total of the unplayed films of a 20,000-film
	// library took 170 ms; as NOT IN it gathers the user's rows once (9,371
	// played) and checks each film against them in memory, 35-85 ms. Only
	// a count gets that form: a page stops after a few probes, where
	// gathering first cost "latest" (unplayed films, newest first) 9 ms.
	userDataNone := func(what string) string {
		if f != forAll || s.db.Engine == schema.PostgreSQL {
			return `NOT ` + userDataExists(what)
		}
		return `b."Id" NOT IN (SELECT u."ItemId" FROM "UserData" u WHERE u."UserId" = ? AND ` + what + `)`
	}
	if q.IsPlayed != nil {
		if *q.IsPlayed {
			c.add(userDataItems(`u."Played" = ?`), user, true)
		} else {
			c.add(userDataNone(`u."Played" = ?`), user, true)
		}
	}
	if q.NotPlayed {
		c.add(userDataNone(`u."Played" = ?`), user, true)
	}
	if q.IsFavorite != nil {
		if *q.IsFavorite {
			c.add(userDataItems(`u."IsFavorite" = ?`), user, true)
		} else {
			c.add(userDataNone(`u."IsFavorite" = ?`), user, true)
		}
	}
	if q.IsResumable {
		c.add(userDataItems(`u."PlaybackPositionTicks" > 0`), user)
	}
	if q.Likes != nil {
		c.add(userDataItems(`u."Likes" = ?`), user, *q.Likes)
	}
	if q.FavoriteOrLikes {
		c.add(userDataItems(`(u."IsFavorite" = ? OR u."Likes" = ?)`), user, true, true)
	}
	valueFilter(c, []media.ItemValueType{media.ItemValueGenre}, q.Genres, q.GenreIDs)
	valueFilter(c, []media.ItemValueType{media.ItemValueStudio}, q.Studios, q.StudioIDs)
	valueFilter(c, []media.ItemValueType{media.ItemValueArtist, media.ItemValueAlbumArtist}, nil, q.ArtistIDs)
	valueFilter(c, []media.ItemValueType{media.ItemValueAlbumArtist}, nil, q.AlbumArtistIDs)
	if len(q.PersonIDs) > 0 || len(q.Persons) > 0 {
		// A person is named by its Peoples id, or by the id of a Person
		// item of the same name (Jellyfin's own). Each way is a query of
		// its own in a UNION: joined by OR, PostgreSQL estimated half of
		// Peoples would match and hashed all the credits.
		types, typeArgs := "", strs(q.PersonTypes)
		if len(q.PersonTypes) > 0 {
			types = ` AND p."PersonType" IN (` + placeholders(len(q.PersonTypes)) + `)`
		}
		var arms []string
		var args []any
		arm := func(where string, a []any) {
			arms = append(arms, `SELECT p."Id" FROM "Peoples" p WHERE `+where+types)
			args = append(append(args, a...), typeArgs...)
		}
		if len(q.PersonIDs) > 0 {
			ids := guids(q.PersonIDs)
			arm(`p."Id" IN (`+placeholders(len(ids))+`)`, ids)
			arm(`p."Name" IN (SELECT g."Name" FROM "BaseItems" g WHERE g."Id" IN (`+placeholders(len(ids))+`))`, ids)
		}
		if len(q.Persons) > 0 {
			arm(`p."Name" IN (`+placeholders(len(q.Persons))+`)`, strs(q.Persons))
		}
		// From the person to the items (a person is on a few dozen), not
		// a probe per item in scope: that read the credits of all 100,000
		// items of a large library for an actor's page, 1 s.
		c.add(`b."Id" IN (SELECT pm."ItemId" FROM "PeopleBaseItemMap" pm WHERE pm."PeopleId" IN (`+strings.Join(arms, " UNION ")+`))`, args...)
	}
	if len(q.Years) > 0 {
		args := make([]any, len(q.Years))
		for i, y := range q.Years {
			args[i] = y
		}
		c.add(`b."ProductionYear" IN (`+placeholders(len(args))+`)`, args...)
	}
	if len(q.CleanNames) > 0 {
		c.add(`b."CleanName" IN (`+placeholders(len(q.CleanNames))+`)`, strs(q.CleanNames)...)
	}
	if q.MinPremiereDate != nil {
		c.add(`b."PremiereDate" >= ?`, s.db.Time(*q.MinPremiereDate))
	}
	if t := strings.TrimSpace(q.SearchTerm); t != "" {
		p := "%" + likeEscaper.Replace(strings.ToLower(t)) + "%"
		c.add(`(LOWER(b."Name") LIKE ? ESCAPE '\' OR LOWER(b."CleanName") LIKE ? ESCAPE '\' OR LOWER(b."OriginalTitle") LIKE ? ESCAPE '\')`, p, p, p)
	}
	if q.NameStartsWith != "" {
		p := likeEscaper.Replace(strings.ToLower(q.NameStartsWith)) + "%"
		c.add(`LOWER(b."SortName") LIKE ? ESCAPE '\'`, p)
	}
	if q.NameLessThan != "" {
		c.add(`LOWER(b."SortName") < ?`, strings.ToLower(q.NameLessThan))
	}
	if q.NameStartsWithOrGreater != "" {
		c.add(`LOWER(b."SortName") >= ?`, strings.ToLower(q.NameStartsWithOrGreater))
	}
	if !q.SeriesID.IsZero() {
		c.add(`b."SeriesId" = ?`, database.GUID(q.SeriesID))
	}
	if !q.SeasonID.IsZero() && q.SeasonNumber != nil {
		c.add(`(b."SeasonId" = ? OR (b."ParentIndexNumber" = ? AND (b."SeasonId" IS NULL OR b."SeasonId" = ?)))`,
			database.GUID(q.SeasonID), *q.SeasonNumber, database.GUID(media.NilID))
	} else if !q.SeasonID.IsZero() {
		c.add(`b."SeasonId" = ?`, database.GUID(q.SeasonID))
	}
	if q.ParentIndexNumber != nil {
		c.add(`b."ParentIndexNumber" = ?`, *q.ParentIndexNumber)
	}
	return c
}

// valueFilter adds the condition that an item carries one of the values
// of types named by names or ids: a value is named by its ItemValues id,
// or by the id of an item of the same clean name (a Genre, Studio or
// MusicArtist item, as Jellyfin has them). Matching ids by clean value
// lets the one id /Artists gives an artist find both its Artist and its
// AlbumArtist rows.
func valueFilter(c *cond, types []media.ItemValueType, names []string, ids []media.ID) {
	if len(names) == 0 && len(ids) == 0 {
		return
	}
	var alt []string
	var args []any
	for _, t := range types {
		args = append(args, int(t))
	}
	if len(names) > 0 {
		alt = append(alt, `v."Value" IN (`+placeholders(len(names))+`)`)
		args = append(args, strs(names)...)
	}
	if len(ids) > 0 {
		g := guids(ids)
		alt = append(alt, `v."ItemValueId" IN (`+placeholders(len(g))+`)`,
			`v."CleanValue" IN (SELECT x."CleanValue" FROM "ItemValues" x WHERE x."ItemValueId" IN (`+placeholders(len(g))+`))`,
			`v."CleanValue" IN (SELECT i."CleanName" FROM "BaseItems" i WHERE i."Id" IN (`+placeholders(len(g))+`))`)
		args = append(append(append(args, g...), g...), g...)
	}
	// From the values to their items, as for people: a studio or an
	// artist is on a handful of items among thousands in scope.
	c.add(`b."Id" IN (SELECT m."ItemId" FROM "ItemValuesMap" m JOIN "ItemValues" v ON v."ItemValueId" = m."ItemValueId"
  WHERE v."Type" IN (`+placeholders(len(types))+`) AND (`+strings.Join(alt, " OR ")+`))`, args...)
}

// qualified is itemColumns on the table alias b.
var qualified = regexp.MustCompile(`"(\w+)"`).ReplaceAllString(itemColumns, `b."$1"`)

// episodesOf counts the episodes of series or season b (with cond, more
// conditions on the episode e). A series' are those with its SeriesId, read
// from jellyha_BaseItems_SeriesId_Episodes: through AncestorIds each
// episode was a lookup of its own, 0.8 ms a series, 75 ms for the first
// 100 of the shows grid against 3 ms. A season's are those under it
// (AncestorIds) and, for a show Jellyfin filed without season folders,
// those of its series with its number and no season of their own; the
// second count is its own CASE arm so that the first keeps its index
// lookups.
func episodesOf(cond string) string {
	under := `e."Id" IN (SELECT a."ItemId" FROM "AncestorIds" a WHERE a."ParentItemId" = b."Id")`
	return `CASE WHEN b."Type" = ? THEN (SELECT COUNT(*) FROM "BaseItems" e WHERE e."SeriesId" = b."Id" AND e."Type" = ? AND e."IsVirtualItem" = ?` + cond + `)
    WHEN b."Type" = ? THEN (SELECT COUNT(*) FROM "BaseItems" e WHERE e."Type" = ? AND e."IsVirtualItem" = ? AND ` + under + cond + `)
    + (SELECT COUNT(*) FROM "BaseItems" e WHERE e."SeriesId" = b."SeriesId" AND e."Type" = ? AND e."IsVirtualItem" = ?
      AND e."ParentIndexNumber" = b."IndexNumber" AND (e."SeasonId" IS NULL OR e."SeasonId" = ?) AND NOT ` + under + cond + `) END`
}

func episodesOfArgs(extra ...any) []any {
	a := []any{media.ItemTypeSeries, media.ItemTypeEpisode, false}
	a = append(a, extra...)
	a = append(a, media.ItemTypeSeason, media.ItemTypeEpisode, false)
	a = append(a, extra...)
	a = append(a, media.ItemTypeEpisode, false, database.GUID(media.NilID))
	return append(a, extra...)
}

// pageExtra are the columns the page adds to an item's. The counts (a
// folder's children, a series' or season's episodes and those played) are
// correlated subqueries; where no folder can be on the page (IsFolder
// false, or items in progress) they are NULL instead, which spares
// PostgreSQL planning them (they were a third of the planning of
// Continue Watching's statement).
func pageExtra(folders bool) string {
	counts := `NULL, NULL, NULL`
	if folders {
		counts = `CASE WHEN b."IsFolder" THEN (SELECT COUNT(*) FROM "BaseItems" c WHERE c."ParentId" = b."Id" AND c."IsVirtualItem" = ?) END,
  ` + episodesOf("") + `,
  ` + episodesOf(` AND EXISTS (SELECT 1 FROM "UserData" p WHERE p."ItemId" = e."Id" AND p."UserId" = ? AND p."Played" = ?)`)
	}
	return `COALESCE(b."Studios", ''), COALESCE(b."OriginalTitle", ''), COALESCE(b."OfficialRating", ''), b."CriticRating",
  CASE WHEN b."Type" = ? THEN b."Data" END,
  ` + counts + `,
  ud."CustomDataKey", ud."AudioStreamIndex", ud."IsFavorite", ud."LastPlayedDate", ud."Likes", ud."PlayCount",
  ud."PlaybackPositionTicks", ud."Played", ud."Rating", ud."SubtitleStreamIndex"`
}

func pageExtraArgs(user media.ID, folders bool) []any {
	args := []any{media.ItemTypeCollectionFolder}
	if !folders {
		return args
	}
	args = append(args, false)
	args = append(args, episodesOfArgs()...)
	return append(args, episodesOfArgs(database.GUID(user), true)...)
}

// mayHoldFolders reports whether q's page can hold a folder: not when it
// asks for non-folders, for items in progress (never folders) or only for
// types that are never folders (the library grid's Movie, Episode...).
func mayHoldFolders(q *ItemQuery) bool {
	if (q.IsFolder != nil && !*q.IsFolder) || q.IsResumable {
		return false
	}
	if len(q.Types) == 0 {
		return true
	}
	return slices.ContainsFunc(q.Types, func(t string) bool { return !media.IsLeafType(t) })
}

// QueryItems returns one page of the items q selects, with the caller's
// play state, images and provider ids.
func (s *Store) QueryItems(ctx context.Context, q *ItemQuery) (*ItemPage, error) {
	c := s.where(q, forPage)
	user := database.GUID(q.UserID)

	// Items in progress by date played (resume) are read from the user's
	// UserData rows, newest first (jellyha_UserData_UserId_LastPlayedDate),
	// one row per item: the row with the item's latest date, which is the
	// date the DatePlayed key sorts by. The scan stops once the page is
	// full, instead of testing every item in progress and sorting them.
	// On PostgreSQL it is a prepared statement like any other: its generic
	// plan is that walk, and it runs in 0.3 ms (the large library's admin,
	// 15,664 rows) where planning it for each call took 6-10 ms. (An
	// earlier form of the statement, with the folder counts, got a generic
	// plan that hashed all of the user's rows, 25 ms.)
	byPlayed := q.IsResumable && !q.UserID.IsZero() && len(q.Sort) > 0 && strings.EqualFold(q.Sort[0].By, "DatePlayed")
	from, pageWhere := `"BaseItems" b`, c
	if byPlayed {
		from = `"UserData" du CROSS JOIN "BaseItems" b`
		pw := s.where(q, forEach)
		pageWhere = &cond{
			parts: append([]string{`du."UserId" = ?`, `b."Id" = du."ItemId"`, `NOT EXISTS (SELECT 1 FROM "UserData" d2
  WHERE d2."ItemId" = du."ItemId" AND d2."UserId" = du."UserId" AND (d2."LastPlayedDate" > du."LastPlayedDate"
    OR (d2."LastPlayedDate" IS NOT NULL AND du."LastPlayedDate" IS NULL)
    OR ((d2."LastPlayedDate" = du."LastPlayedDate" OR (d2."LastPlayedDate" IS NULL AND du."LastPlayedDate" IS NULL))
      AND d2."CustomDataKey" < du."CustomDataKey")))`}, pw.parts...),
			args: append([]any{user}, pw.args...),
		}
	}

	// The inner query picks the page: ids, the sort keys as columns (so
	// that the outer query orders by them without evaluating them again,
	// which matters for Random).
	var cols, order, outerOrder []string
	var keyArgs []any
	for i, k := range q.Sort {
		dir := " ASC"
		if k.Descending {
			dir = " DESC"
		}
		name := strings.ToLower(k.By)
		if name == "random" {
			cols = append(cols, fmt.Sprintf("RANDOM() AS k%d", i))
			order = append(order, fmt.Sprintf("k%d", i))
			outerOrder = append(outerOrder, fmt.Sprintf("p.k%d", i))
			continue
		}
		expr, ok := sortKeys[name]
		if !ok {
			continue
		}
		if byPlayed && i == 0 {
			expr = `du."LastPlayedDate"` // the item's latest, as above
		}
		for range strings.Count(expr, "?") {
			keyArgs = append(keyArgs, user)
		}
		// NULLs first ascending and last descending: SQLite's own order,
		// spelled out for PostgreSQL. Written on the expression itself
		// (not as a separate "is null" key) so that an index on the
		// column can deliver the order and the LIMIT stop the scan early.
		nulls := " NULLS FIRST"
		if k.Descending {
			nulls = " NULLS LAST"
		}
		cols = append(cols, fmt.Sprintf("%s AS k%d", expr, i))
		order = append(order, fmt.Sprintf("k%d%s%s", i, dir, nulls))
		outerOrder = append(outerOrder, fmt.Sprintf("p.k%d%s%s", i, dir, nulls))
	}
	order = append(order, "pid")
	outerOrder = append(outerOrder, "p.pid")
	limit := q.Limit
	if limit <= 0 {
		limit = math.MaxInt32
	}
	// The unpaged total is counted apart (below, and only when the page
	// does not tell it): a COUNT(*) OVER () here would make both engines
	// read and sort every matching row for every page.
	selectCols := append([]string{`b."Id" AS pid`}, cols...)
	inner := `SELECT ` + strings.Join(selectCols, ", ") + ` FROM ` + from + ` WHERE ` + strings.Join(pageWhere.parts, " AND ")
	search := strings.TrimSpace(q.SearchTerm) != ""
	if search && !byPlayed && s.db.Engine == schema.PostgreSQL {
		// A search finds its matches first, then orders them. PostgreSQL
		// guesses that a third of the items match LIKE '%term%', so it
		// walks the name index to stop at the page's end; for a term
		// that matches nothing that is every item, in index order: 630
		// ms for films, where reading the 20,000 films by type and
		// sorting the matches takes 20. A subquery with an OFFSET is not
		// flattened, which keeps the search apart from the order.
		inner = `SELECT ` + strings.Join(selectCols, ", ") + ` FROM (SELECT * FROM ` + from + ` WHERE ` +
			strings.Join(pageWhere.parts, " AND ") + ` OFFSET 0) b`
	}
	innerArgs := append(append([]any{}, keyArgs...), pageWhere.args...)
	orderBy := ` ORDER BY ` + strings.Join(order, ", ")
	offset := max(q.StartIndex, 0)
	total := -1
	folders := mayHoldFolders(q)
	var query string
	var args []any
	var pageIDs []media.ID // the page's ids, when they come from the order cache
	if q.Limit > 0 && (offset >= orderCacheMinStart || sortedWithoutIndex(q)) && !byPlayed &&
		!slices.ContainsFunc(q.Sort, func(k ItemSort) bool { return strings.EqualFold(k.By, "Random") }) &&
		!strings.Contains(inner, `"UserData"`) {
		// A deep page, or any page of a library sorted in an order no
		// index holds, of a list that does not depend on play state: its
		// ids from the order cache (ordercache.go), then just those rows,
		// looked up by id and put in the cached order here. (Ordering
		// them in SQL made PostgreSQL walk the library's sorted index
		// from its start, testing every entry against the ids: 4 ms
		// rather than 2 for a page deep in 20,000 films.) The rows are
		// still tested against the query, in case the library changed
		// since the ids were read.
		ids, err := s.orderedIDs(ctx, inner+orderBy, innerArgs)
		if err != nil {
			return nil, fmt.Errorf("store: query items: %w", err)
		}
		total = len(ids)
		ids = ids[min(offset, len(ids)):min(offset+limit, len(ids))]
		if len(ids) == 0 {
			return &ItemPage{Total: total}, nil
		}
		pageIDs = ids
		in, inArgs := idList(ids)
		query = `SELECT ` + qualified + `, ` + pageExtra(folders) + `
FROM "BaseItems" b` + userDataJoin + `
WHERE ` + strings.Join(pageWhere.parts, " AND ") + ` AND b."Id" IN (` + in + `)`
		args = append(append(append(pageExtraArgs(q.UserID, folders), user, user), pageWhere.args...), inArgs...)
	} else {
		query = `WITH p AS (` + inner + orderBy + ` LIMIT ? OFFSET ?)
SELECT ` + qualified + `, ` + pageExtra(folders) + `
FROM p JOIN "BaseItems" b ON b."Id" = p.pid` + userDataJoin + `
ORDER BY ` + strings.Join(outerOrder, ", ")
		innerArgs = append(innerArgs, limit, offset)
		args = append(append(innerArgs, pageExtraArgs(q.UserID, folders)...), user, user)
	}

	// A search's LIKE terms and types decide the plan (see
	// PlannedForValues); other pages keep the cached statement.
	if search {
		args = s.db.PlannedForValues(args)
	}
	page := &ItemPage{}
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		page.Items = nil
		rows, err := s.db.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRow(rows, q.UserID)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: query items: %w", err)
	}
	if pageIDs != nil {
		inOrder(page.Items, pageIDs)
	}
	start := max(q.StartIndex, 0)
	switch {
	case q.SkipTotal:
		page.Total = len(page.Items)
	case total >= 0:
		page.Total = total
	case len(page.Items) < limit && (len(page.Items) > 0 || start == 0):
		// The page ends the list: the total is where it ends.
		page.Total = start + len(page.Items)
	default:
		whole := s.where(q, forAll)
		count := `SELECT COUNT(*) FROM "BaseItems" b WHERE ` + strings.Join(whole.parts, " AND ")
		countArgs := whole.args
		if search {
			countArgs = s.db.PlannedForValues(countArgs)
		}
		var err error
		if strings.Contains(count, `"UserData"`) {
			// Played, favourite, resumable...: play state changes
			// without a BaseItems write, so such counts are not cached.
			err = s.queryRow(ctx, count, countArgs, &page.Total)
		} else {
			page.Total, err = s.countOf(ctx, count, countArgs)
		}
		if err != nil {
			return nil, fmt.Errorf("store: count items: %w", err)
		}
	}
	if !q.SkipAttach {
		if err := s.attach(ctx, page.Items, !q.SkipImages, !q.SkipProviders); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// userDataJoin joins the caller's play state row of b (the first by key
// when there are several): two user arguments.
const userDataJoin = `
LEFT JOIN "UserData" ud ON ud."ItemId" = b."Id" AND ud."UserId" = ?
  AND ud."CustomDataKey" = (SELECT MIN(u2."CustomDataKey") FROM "UserData" u2 WHERE u2."ItemId" = b."Id" AND u2."UserId" = ?)`

// inOrder sorts rows as ids lists them.
func inOrder(rows []*ItemRow, ids []media.ID) {
	at := make(map[media.ID]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	slices.SortFunc(rows, func(a, b *ItemRow) int { return at[a.ID] - at[b.ID] })
}

func scanRow(rows *sql.Rows, user media.ID) (*ItemRow, error) {
	r := &ItemRow{}
	var studios string
	var critic sql.NullFloat64
	var data sql.NullString
	var children, episodes, played sql.NullInt64
	var key sql.NullString
	var audio, sub, playCount, position sql.NullInt64
	var fav, likes, isPlayed sql.NullBool
	var rating sql.NullFloat64
	ud := &media.UserData{UserID: user}
	x := &itemScan{it: &r.Item}
	dest := append(x.dest(), &studios, &r.OriginalTitle, &r.OfficialRating, &critic, &data, &children, &episodes, &played,
		&key, &audio, &fav, database.ScanTime{T: &ud.LastPlayedDate}, &likes, &playCount, &position, &isPlayed, &rating, &sub)
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	x.finish()
	r.Studios = splitList(studios)
	if critic.Valid {
		f := float32(critic.Float64)
		r.CriticRating = &f
	}
	r.Data = data.String
	r.ChildCount, r.Episodes, r.PlayedEpisodes = intPtr(children), intPtr(episodes), intPtr(played)
	if key.Valid {
		ud.ItemID, ud.Key = r.ID, key.String
		ud.AudioStreamIndex, ud.SubtitleStreamIndex = intPtr(audio), intPtr(sub)
		ud.IsFavorite, ud.Played = fav.Bool, isPlayed.Bool
		ud.PlayCount, ud.PlaybackPositionTicks = int(playCount.Int64), position.Int64
		if likes.Valid {
			ud.Likes = &likes.Bool
		}
		if rating.Valid {
			ud.Rating = &rating.Float64
		}
		r.UserData = ud
	}
	return r, nil
}

// attachChunkSize is how many items one statement of attach asks about. An
// unpaged query (Limit absent) can return every item of a library, and
// SQLite refuses more than 32,766 parameters in one statement.
var attachChunkSize = 1000

// Attach reads rows' images and provider ids (for a query q made with
// SkipAttach), leaving out what q skips.
func (s *Store) Attach(ctx context.Context, rows []*ItemRow, q *ItemQuery) error {
	return s.attach(ctx, rows, !q.SkipImages, !q.SkipProviders)
}

// attach reads the images and provider ids of rows, one statement each per
// attachChunkSize items; images and providers say which.
func (s *Store) attach(ctx context.Context, rows []*ItemRow, images, providers bool) error {
	if len(rows) == 0 || (!images && !providers) {
		return nil
	}
	byID := make(map[media.ID]*ItemRow, len(rows))
	ids := make([]media.ID, 0, len(rows))
	for _, r := range rows {
		if _, dup := byID[r.ID]; !dup {
			ids = append(ids, r.ID)
		}
		byID[r.ID] = r
	}
	for chunk := range slices.Chunk(ids, attachChunkSize) {
		if err := s.attachChunk(ctx, byID, chunk, images, providers); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) attachChunk(ctx context.Context, byID map[media.ID]*ItemRow, ids []media.ID, images, providers bool) error {
	if images {
		if err := s.db.Retry(ctx, func(ctx context.Context) error { return s.attachImages(ctx, byID, ids) }); err != nil {
			return fmt.Errorf("store: item images: %w", err)
		}
	}
	if providers {
		if err := s.db.Retry(ctx, func(ctx context.Context) error { return s.attachProviders(ctx, byID, ids) }); err != nil {
			return fmt.Errorf("store: item provider ids: %w", err)
		}
	}
	return nil
}

func (s *Store) attachImages(ctx context.Context, byID map[media.ID]*ItemRow, ids []media.ID) error {
	for _, id := range ids {
		byID[id].Images = nil
	}
	rs, err := s.db.Query(ctx, `SELECT "ItemId", "ImageType", "Path", "Width", "Height", "DateModified", "Blurhash"
FROM "BaseItemImageInfos" WHERE "ItemId" IN (`+placeholders(len(ids))+`) ORDER BY "ItemId", "ImageType", "Path", "Id"`, guids(ids)...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var im media.ItemImage
		var hash []byte
		if err := rs.Scan(database.ScanGUID{ID: &im.ItemID}, &im.ImageType, &im.Path, &im.Width, &im.Height,
			database.ScanTime{T: &im.DateModified}, &hash); err != nil {
			return err
		}
		im.Blurhash = string(hash)
		r := byID[im.ItemID]
		r.Images = append(r.Images, im)
	}
	return rs.Err()
}

func (s *Store) attachProviders(ctx context.Context, byID map[media.ID]*ItemRow, ids []media.ID) error {
	for _, id := range ids {
		byID[id].Providers = nil
	}
	ps, err := s.db.Query(ctx, `SELECT "ItemId", "ProviderId", "ProviderValue" FROM "BaseItemProviders"
WHERE "ItemId" IN (`+placeholders(len(ids))+`)`, guids(ids)...)
	if err != nil {
		return err
	}
	defer ps.Close()
	for ps.Next() {
		var id media.ID
		var k, v string
		if err := ps.Scan(database.ScanGUID{ID: &id}, &k, &v); err != nil {
			return err
		}
		r := byID[id]
		if r.Providers == nil {
			r.Providers = map[string]string{}
		}
		r.Providers[k] = v
	}
	return ps.Err()
}

// CountTypes counts the items q matches by stored type (q's paging and
// sort are ignored): /Items/Counts.
func (s *Store) CountTypes(ctx context.Context, q *ItemQuery) (map[string]int, error) {
	c := s.where(q, forAll)
	out, err := s.countByType(ctx, `SELECT b."Type", COUNT(*) FROM "BaseItems" b WHERE `+strings.Join(c.parts, " AND ")+` GROUP BY b."Type"`, c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: count items by type: %w", err)
	}
	return out, nil
}

// countByType runs query, a SELECT of a type and its count per row, into
// a map.
func (s *Store) countByType(ctx context.Context, query string, args ...any) (map[string]int, error) {
	out := map[string]int{}
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		clear(out)
		rows, err := s.db.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			var n int
			if err := rows.Scan(&t, &n); err != nil {
				return err
			}
			out[t] = n
		}
		return rows.Err()
	})
	return out, err
}
