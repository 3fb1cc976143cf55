package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/jellyha/jellyha/internal/gendb"
	"github.com/jellyha/jellyha/internal/store"
)

// TestUnpagedQueryInChunks: a query without a limit returns every item of
// the library with its images and provider ids, however many statements
// attach needs (SQLite refused one with more than 32,766 parameters: an
// unpaged /Items on a 100,000-item library failed).
func TestUnpagedQueryInChunks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := gendb.Generate(ctx, s, gendb.Options{Size: gendb.Tiny, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		libs, err := s.CollectionFolders(ctx)
		if err != nil {
			t.Fatal(err)
		}
		q := &store.ItemQuery{Libraries: libs, Recursive: true, Sort: []store.ItemSort{{By: "SortName"}}}
		whole, err := s.QueryItems(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		restore := store.SetAttachChunk(7)
		chunked, err := s.QueryItems(ctx, q)
		restore()
		if err != nil {
			t.Fatal(err)
		}
		if len(whole.Items) < 20 || len(chunked.Items) != len(whole.Items) || chunked.Total != whole.Total {
			t.Fatalf("%d items in one go, %d in chunks (totals %d, %d)", len(whole.Items), len(chunked.Items), whole.Total, chunked.Total)
		}
		images := 0
		for i, w := range whole.Items {
			c := chunked.Items[i]
			if c.ID != w.ID || !reflect.DeepEqual(c.Images, w.Images) || !reflect.DeepEqual(c.Providers, w.Providers) {
				t.Errorf("item %d (%s): images or providers differ when read in chunks", i, w.Name)
			}
			images += len(c.Images)
		}
		if images == 0 {
			t.Error("no images at all: the test shows nothing")
		}
	})
}
