package store

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// The order cache answers deep pages of big sorted lists. A page at
// StartIndex 70,000 of a 78,000-item list makes either engine step through
// 70,000 index entries (50-80 ms on the pure-Go SQLite), whatever the
// statement looks like: OFFSET has no shortcut. So the first deep page of a
// list reads the ids of the whole list once, in order, and keeps them; the
// next deep pages of the same list take their ids from it and read just
// those rows.
//
// It is a cache in the architecture's sense: safe to drop at any moment,
// and never trusted past a change by any replica. Every write to BaseItems
// (a scan, an import, a delete, a library rename), or to the genres,
// studios, tags and people lists filter on, bumps ItemsVersion in
// jellyha_settings in the same transaction; a list is used only while the
// version it was read under is still the database's. Lists whose result
// depends on a user's play state (played, favourite, resume filters and
// their sorts) are never cached, since those change without a BaseItems
// write.
//
// It keeps lists' totals the same way: the count a client's
// TotalRecordCount needs when the page does not tell it (countOf).

// orderCacheMinStart is the StartIndex from which a page uses the cache:
// shallower pages stop early in an index and are fast without it.
var orderCacheMinStart = 1000

// orderCacheEntries bounds the memory: a 100,000-item list is 1.6 MB.
const orderCacheEntries = 32

const settingItemsVersion = "ItemsVersion"

// bumpItemsSQL advances ItemsVersion; it runs in the transaction of every
// write to BaseItems, first, so that every such transaction takes the
// version row's lock before any item's (one order, no deadlock).
const bumpItemsSQL = `INSERT INTO jellyha_settings (key, value) VALUES ('` + settingItemsVersion + `', '1')
ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(jellyha_settings.value AS BIGINT) + 1 AS TEXT)`

// ItemsChanged advances ItemsVersion for a writer that goes around the
// store (jellyha migrate's bulk copy), so that running replicas drop the
// lists they cached.
func (s *Store) ItemsChanged(ctx context.Context) error {
	_, err := s.exec(ctx, bumpItemsSQL)
	return err
}

func bumpItems(ctx context.Context, t tx) error {
	_, err := t.exec(ctx, bumpItemsSQL)
	return err
}

// orderCache holds lists' orders (their ids) and their totals, each under
// the ItemsVersion it was read at, the least recently used dropped first.
type orderCache struct {
	mu     sync.Mutex
	lists  map[string]*cached[[]media.ID]
	counts map[string]*cached[int]
	// names are whole names lists (cachedList), each a []T of its query.
	names map[string]*cached[any]
	clock uint64
}

type cached[T any] struct {
	version string
	v       T
	used    uint64
}

// namesCacheEntries bounds the names lists kept: the filter dialog of a
// 20,000-film library lists 6,000 tags, about 600 KB.
const namesCacheEntries = 32

// countCacheEntries bounds the totals kept (a few dozen bytes each). A
// total is what a client's TotalRecordCount needs: the web client asks
// for it with every page of a grid, and counting all 77,839 films and
// episodes of the large library took 40 ms on SQLite, page after page,
// for the same number.
const countCacheEntries = 256

// lookup returns *m's entry for key if it was read at version.
func lookup[T any](c *orderCache, m *map[string]*cached[T], key, version string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := (*m)[key]
	if e == nil || e.version != version {
		var zero T
		return zero, false
	}
	c.clock++
	e.used = c.clock
	return e.v, true
}

// keep stores v under key in *m, dropping the least recently used entry
// when m holds max.
func keep[T any](c *orderCache, m *map[string]*cached[T], max int, key, version string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *m == nil {
		*m = map[string]*cached[T]{}
	}
	if len(*m) >= max {
		var oldest string
		var at uint64
		for k, e := range *m {
			if oldest == "" || e.used < at {
				oldest, at = k, e.used
			}
		}
		delete(*m, oldest)
	}
	c.clock++
	(*m)[key] = &cached[T]{version: version, v: v, used: c.clock}
}

// itemsVersion reads ItemsVersion ("0" before the first write).
func (s *Store) itemsVersion(ctx context.Context) (string, error) {
	v, err := s.Settings(ctx, settingItemsVersion)
	if err != nil {
		return "", err
	}
	if v[settingItemsVersion] == "" {
		return "0", nil
	}
	return v[settingItemsVersion], nil
}

// orderedIDs returns the ids of every row the ordered statement query
// (whose first column is the id) selects, from the cache when it holds them
// under the current ItemsVersion.
func (s *Store) orderedIDs(ctx context.Context, query string, args []any) ([]media.ID, error) {
	version, err := s.itemsVersion(ctx)
	if err != nil {
		return nil, err
	}
	key := cacheKey(query, args)
	if ids, ok := lookup(&s.orders, &s.orders.lists, key, version); ok {
		return ids, nil
	}
	var ids []media.ID
	err = s.db.Retry(ctx, func(ctx context.Context) error {
		ids = ids[:0]
		rows, err := s.db.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		var id media.ID
		dest := make([]any, len(cols))
		dest[0] = database.ScanGUID{ID: &id}
		for i := 1; i < len(dest); i++ {
			dest[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	keep(&s.orders, &s.orders.lists, orderCacheEntries, key, version, ids)
	return ids, nil
}

// countOf returns the count the statement query (a SELECT COUNT(*) whose
// result depends on BaseItems alone, not on play state) gives, from the
// cache when it holds it under the current ItemsVersion.
func (s *Store) countOf(ctx context.Context, query string, args []any) (int, error) {
	version, err := s.itemsVersion(ctx)
	if err != nil {
		return 0, err
	}
	key := cacheKey(query, args)
	if n, ok := lookup(&s.orders, &s.orders.counts, key, version); ok {
		return n, nil
	}
	var n int
	if err := s.queryRow(ctx, query, args, &n); err != nil {
		return 0, err
	}
	keep(&s.orders, &s.orders.counts, countCacheEntries, key, version, n)
	return n, nil
}

// cacheKey names a statement with its arguments. %#v quotes each string,
// so that ("ab", "c") and ("a", "bc") differ.
func cacheKey(query string, args []any) string {
	return query + "\x00" + fmt.Sprintf("%#v", args)
}

// cachedList runs a names list's statement (genres, tags, people, years,
// ratings: what the names lists and the filter dialog show), or takes its
// rows from the cache when they were read under the current ItemsVersion.
// Such a list reads many of a library's map rows to find a few dozen names
// (the filter dialog of 20,000 films: 250 ms on PostgreSQL, 150 on SQLite)
// and does not change until the items do; one whose statement reads play
// state is never cached. The rows returned are shared: callers must not
// change them.
func cachedList[T any](ctx context.Context, s *Store, query string, args []any, scan func(sc interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if strings.Contains(query, `"UserData"`) {
		return queryList(ctx, s, query, args, scan)
	}
	version, err := s.itemsVersion(ctx)
	if err != nil {
		return nil, err
	}
	key := cacheKey(query, args)
	if v, ok := lookup(&s.orders, &s.orders.names, key, version); ok {
		if l, ok := v.([]T); ok {
			return l, nil
		}
	}
	l, err := queryList(ctx, s, query, args, scan)
	if err != nil {
		return nil, err
	}
	keep(&s.orders, &s.orders.names, namesCacheEntries, key, version, any(l))
	return l, nil
}

// idList writes ids as SQL placeholders and their arguments.
func idList(ids []media.ID) (string, []any) {
	b := make([]byte, 0, 2*len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
		args[i] = database.GUID(id)
	}
	return string(b), args
}
