package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// TestNamesBothWays: a names list finds the same names, pages and totals
// whether it probes each name or gathers the names of the items in scope
// (probePerName picks one by the scope's size; the tiny library is below
// the threshold, so each way is forced here in turn).
func TestNamesBothWays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		libs := tinyLibrary(t, s)
		all := func() *store.ItemQuery { return &store.ItemQuery{Libraries: libs, Recursive: true} }
		underFirst := func() *store.ItemQuery {
			q := all()
			q.ParentID = libs[0]
			return q
		}
		movies := func() *store.ItemQuery {
			q := all()
			q.Types = []string{media.ItemTypeMovie}
			return q
		}
		kinds := map[string][]media.ItemValueType{
			"genres": {media.ItemValueGenre}, "studios": {media.ItemValueStudio}, "tags": {media.ItemValueTag},
			"artists": {media.ItemValueArtist, media.ItemValueAlbumArtist},
		}
		type list struct {
			names []string
			total int
		}
		run := func(people bool, kind []media.ItemValueType, items func() *store.ItemQuery, start, limit int, search string, desc bool) list {
			t.Helper()
			vq := &store.ValueQuery{Items: items(), Types: kind, StartIndex: start, Limit: limit, SearchTerm: search, Descending: desc}
			var page *store.ValuePage
			var err error
			if people {
				page, err = s.People(ctx, vq)
			} else {
				page, err = s.ItemValues(ctx, vq)
			}
			if err != nil {
				t.Fatal(err)
			}
			var l list
			for _, v := range page.Values {
				l.names = append(l.names, v.ID.String()+" "+v.Value)
			}
			l.total = page.Total
			return l
		}
		nonEmpty := 0
		for _, people := range []bool{false, true} {
			for kindName, kind := range kinds {
				if people && kindName != "genres" {
					continue // people have no value types
				}
				for scopeName, items := range map[string]func() *store.ItemQuery{"all": all, "under a library": underFirst, "movies": movies} {
					for _, p := range []struct {
						start, limit int
						search       string
						desc         bool
					}{{0, 0, "", false}, {0, 3, "", false}, {2, 3, "", true}, {0, 0, "a", false}} {
						name := fmt.Sprintf("people=%v %s %s %+v", people, kindName, scopeName, p)
						restore := store.SetFewItems(0) // probe each name
						probed := run(people, kind, items, p.start, p.limit, p.search, p.desc)
						restore()
						restore = store.SetFewItems(1 << 30) // gather
						gathered := run(people, kind, items, p.start, p.limit, p.search, p.desc)
						restore()
						if !slices.Equal(probed.names, gathered.names) || probed.total != gathered.total {
							t.Errorf("%s: probing found %v (total %d), gathering %v (total %d)", name, probed.names, probed.total, gathered.names, gathered.total)
						}
						if len(gathered.names) > 0 {
							nonEmpty++
						}
					}
				}
			}
		}
		// The comparison means something only if the lists hold names.
		if nonEmpty < 20 {
			t.Errorf("only %d of the lists compared held names", nonEmpty)
		}
	})
}
