package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/schema"
)

// This file lists the names items are tagged with (/Genres, /Studios,
// /Artists, /Persons, /Items/Filters): the ItemValues and Peoples rows
// used by the items an ItemQuery selects, so that they are scoped to the
// caller's libraries exactly as /Items is. A value is named to clients by
// its ItemValues id (a person by its Peoples id), the id ItemsCredits
// gives GenreItems and Studios and the id filters of ItemQuery accept.

// ValueQuery selects the names used by the items of Items.
type ValueQuery struct {
	Items *ItemQuery // the items whose values count; its paging is ignored
	// Types are the ItemValues types to list (Artist and AlbumArtist
	// together list an artist once).
	Types []media.ItemValueType
	// PersonTypes restricts a people list (Actor, Director...).
	PersonTypes    []string
	SearchTerm     string
	NameStartsWith string
	Descending     bool
	StartIndex     int
	Limit          int // 0: no limit
	SkipTotal      bool
}

// ValuePage is one page of names.
type ValuePage struct {
	Values []media.ItemValue // for people, Type is unset and Value the name
	Total  int
}

// valueNames is the condition on a name column of the search and prefix
// of vq.
func valueNames(c *cond, col string, vq *ValueQuery) {
	if t := strings.TrimSpace(vq.SearchTerm); t != "" {
		c.add(`LOWER(`+col+`) LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(strings.ToLower(t))+"%")
	}
	if vq.NameStartsWith != "" {
		c.add(`LOWER(`+col+`) LIKE ? ESCAPE '\'`, likeEscaper.Replace(strings.ToLower(vq.NameStartsWith))+"%")
	}
}

// ItemValues lists the ItemValues of vq.Types used by vq.Items' items,
// one per CleanValue (the first id of it), by name.
func (s *Store) ItemValues(ctx context.Context, vq *ValueQuery) (*ValuePage, error) {
	items := s.where(vq.Items, forPage)
	types := make([]any, len(vq.Types))
	for i, t := range vq.Types {
		types[i] = int(t)
	}
	c := &cond{}
	c.add(`v."Type" IN (`+placeholders(len(types))+`)`, types...)
	perValue, err := s.probePerName(ctx, items, vq.Limit > 0)
	if err != nil {
		return nil, fmt.Errorf("store: item values: %w", err)
	}
	used := func(alias string) string {
		return s.usedBy(perValue, items, `"ItemValuesMap"`, `"ItemValueId"`, alias+`."ItemValueId"`)
	}
	c.add(used("v"), items.args...)
	valueNames(c, `v."Value"`, vq)
	// Artists and album artists: one row per clean value, the lowest id
	// of it (text order on SQLite and uuid order on PostgreSQL agree, see
	// query.go). The Artist and the AlbumArtist row of a name are both
	// accepted by ArtistIds, which matches by clean value.
	if len(types) > 1 {
		c.add(`NOT EXISTS (SELECT 1 FROM "ItemValues" w WHERE w."CleanValue" = v."CleanValue" AND w."Type" IN (`+
			placeholders(len(types))+`) AND w."ItemValueId" < v."ItemValueId" AND `+used("w")+`)`, append(append([]any{}, types...), items.args...)...)
	}
	dir := " ASC"
	if vq.Descending {
		dir = " DESC"
	}
	from := ` FROM "ItemValues" v WHERE ` + strings.Join(c.parts, " AND ")
	list := `SELECT v."ItemValueId", v."Type", v."Value", v."CleanValue"` + from +
		` ORDER BY v."CleanValue"` + dir + `, v."Value"` + dir + `, v."ItemValueId" LIMIT ? OFFSET ?`
	values, err := cachedList(ctx, s, list, append(append([]any{}, c.args...), limitOf(vq.Limit), max(vq.StartIndex, 0)),
		func(sc interface{ Scan(...any) error }) (media.ItemValue, error) {
			var v media.ItemValue
			var typ int
			err := sc.Scan(database.ScanGUID{ID: &v.ID}, &typ, &v.Value, &v.CleanValue)
			v.Type = media.ItemValueType(typ)
			return v, err
		})
	if err != nil {
		return nil, fmt.Errorf("store: item values: %w", err)
	}
	page := &ValuePage{Values: values}
	if err := s.valueTotal(ctx, page, vq, `SELECT COUNT(*)`+from, c.args); err != nil {
		return nil, fmt.Errorf("store: count item values: %w", err)
	}
	return page, nil
}

// People lists the people credited on vq.Items' items, by name.
func (s *Store) People(ctx context.Context, vq *ValueQuery) (*ValuePage, error) {
	items := s.where(vq.Items, forPage)
	c := &cond{}
	perPerson, err := s.probePerName(ctx, items, vq.Limit > 0)
	if err != nil {
		return nil, fmt.Errorf("store: people: %w", err)
	}
	c.add(s.usedBy(perPerson, items, `"PeopleBaseItemMap"`, `"PeopleId"`, `p."Id"`), items.args...)
	if len(vq.PersonTypes) > 0 {
		c.add(`p."PersonType" IN (`+placeholders(len(vq.PersonTypes))+`)`, strs(vq.PersonTypes)...)
	}
	valueNames(c, `p."Name"`, vq)
	dir := " ASC"
	if vq.Descending {
		dir = " DESC"
	}
	from := ` FROM "Peoples" p WHERE ` + strings.Join(c.parts, " AND ")
	list := `SELECT p."Id", p."Name"` + from + ` ORDER BY p."Name"` + dir + `, p."Id" LIMIT ? OFFSET ?`
	values, err := cachedList(ctx, s, list, append(append([]any{}, c.args...), limitOf(vq.Limit), max(vq.StartIndex, 0)),
		func(sc interface{ Scan(...any) error }) (media.ItemValue, error) {
			var v media.ItemValue
			err := sc.Scan(database.ScanGUID{ID: &v.ID}, &v.Value)
			return v, err
		})
	if err != nil {
		return nil, fmt.Errorf("store: people: %w", err)
	}
	page := &ValuePage{Values: values}
	if err := s.valueTotal(ctx, page, vq, `SELECT COUNT(*)`+from, c.args); err != nil {
		return nil, fmt.Errorf("store: count people: %w", err)
	}
	return page, nil
}

// fewItems is the size of scope under which a names list gathers the names
// of the items in it rather than probing each name.
var fewItems = 2000

// probePerName tells how a names list should find the names its items use.
// There are two ways, and each is slow where the other is quick:
//   - probing each name (EXISTS: one of its items is in scope), which walks
//     the names in order and stops at a page's end. Over a whole library of
//     100,000 items, gathering took 0.3 to 2.6 s on SQLite; probing 5 to 50 ms.
//   - gathering the names of every item in scope (IN), which reads a few
//     rows per item. For a few items and many names (the filter dialog of
//     1,500 albums, among 6,000 tags mostly on videos), probing read every
//     tag's rows: 176 ms, against 23 ms gathering.
//
// Neither engine chooses well by itself: SQLite keeps the form it is
// given, and PostgreSQL turns both into a hash semi-join over every item in
// scope. So one bounded count (at most fewItems+1 index rows) tells which
// to use: gathering for at most fewItems items, probing for more. On
// PostgreSQL probing is only worth it for a page (limited): each probe
// costs it more than SQLite, and a whole list of 6,000 tags probed took
// 1.4 s where its hash semi-join took 0.33 s.
func (s *Store) probePerName(ctx context.Context, items *cond, limited bool) (bool, error) {
	if s.db.Engine == schema.PostgreSQL && !limited {
		return false, nil
	}
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM "BaseItems" b WHERE `+strings.Join(items.parts, " AND ")+
		` LIMIT `+strconv.Itoa(fewItems+1)+`) s`, items.args, &n)
	return n > fewItems, err
}

// usedBy is the condition that the name key (a column of the outer query)
// is on one of the items of items, through the map table linking names to
// items by its column col: probed for this name (perName) or gathered
// from the items (see probePerName).
func (s *Store) usedBy(perName bool, items *cond, mapTable, col, key string) string {
	where := strings.Join(items.parts, " AND ")
	if perName {
		return `EXISTS (SELECT 1 FROM ` + mapTable + ` m JOIN "BaseItems" b ON b."Id" = m."ItemId"
  WHERE m.` + col + ` = ` + key + ` AND ` + where + s.probeEach() + `)`
	}
	return key + ` IN (SELECT m.` + col + ` FROM ` + mapTable + ` m JOIN "BaseItems" b ON b."Id" = m."ItemId"
  WHERE ` + where + `)`
}

// probeEach ends a probing subquery. PostgreSQL does not flatten a
// subquery with an OFFSET into a join, so it runs it once per name, as
// asked; SQLite runs it so anyway.
func (s *Store) probeEach() string {
	if s.db.Engine == schema.PostgreSQL {
		return ` OFFSET 0`
	}
	return ``
}

func limitOf(n int) int {
	if n <= 0 {
		return 1<<31 - 1
	}
	return n
}

// valueTotal sets page.Total: counted unless the page tells it or the
// caller skips it.
func (s *Store) valueTotal(ctx context.Context, page *ValuePage, vq *ValueQuery, count string, args []any) error {
	start, n := max(vq.StartIndex, 0), len(page.Values)
	switch {
	case vq.SkipTotal:
		page.Total = n
	case n < limitOf(vq.Limit) && (n > 0 || start == 0):
		page.Total = start + n
	case strings.Contains(count, `"UserData"`):
		return s.queryRow(ctx, count, args, &page.Total)
	default:
		n, err := s.countOf(ctx, count, args)
		page.Total = n
		return err
	}
	return nil
}

// ItemYears lists the production years of vq.Items' items, ascending.
func (s *Store) ItemYears(ctx context.Context, q *ItemQuery) ([]int, error) {
	c := s.where(q, forAll)
	years, err := cachedList(ctx, s, `SELECT DISTINCT b."ProductionYear" FROM "BaseItems" b WHERE b."ProductionYear" IS NOT NULL AND `+
		strings.Join(c.parts, " AND ")+` ORDER BY b."ProductionYear"`, c.args,
		func(sc interface{ Scan(...any) error }) (int, error) {
			var y int
			err := sc.Scan(&y)
			return y, err
		})
	if err != nil {
		return nil, fmt.Errorf("store: item years: %w", err)
	}
	return years, nil
}

// ItemRatings lists the official ratings of q's items, by name.
func (s *Store) ItemRatings(ctx context.Context, q *ItemQuery) ([]string, error) {
	c := s.where(q, forAll)
	ratings, err := cachedList(ctx, s, `SELECT DISTINCT b."OfficialRating" FROM "BaseItems" b WHERE b."OfficialRating" IS NOT NULL AND b."OfficialRating" <> '' AND `+
		strings.Join(c.parts, " AND ")+` ORDER BY b."OfficialRating"`, c.args,
		func(sc interface{ Scan(...any) error }) (string, error) {
			var r string
			err := sc.Scan(&r)
			return r, err
		})
	if err != nil {
		return nil, fmt.Errorf("store: item ratings: %w", err)
	}
	return ratings, nil
}
