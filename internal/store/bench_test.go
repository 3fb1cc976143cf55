package store_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// The browse benchmarks run on a generated library named by
// JELLYHA_BENCH_DB: a jellyfin.db path, or a postgres:// URL of a database
// filled by `jellyha gendb`. Without it they are skipped.
//
//	jellyha gendb --size large --out /tmp/large.db
//	JELLYHA_BENCH_DB=/tmp/large.db go test ./internal/store -run '^$' -bench Browse -benchtime 50x

type benchEnv struct {
	s    *store.Store
	user media.ID
	libs []media.ID
}

func openBench(b *testing.B) *benchEnv {
	b.Helper()
	src := os.Getenv("JELLYHA_BENCH_DB")
	if src == "" {
		b.Skip("set JELLYHA_BENCH_DB to a generated jellyfin.db or postgres:// URL")
	}
	ctx := context.Background()
	var p database.Provider = database.NewSQLite(src, nil)
	if strings.HasPrefix(src, "postgres://") || strings.HasPrefix(src, "postgresql://") {
		var err error
		if p, err = database.NewPostgres(src, nil); err != nil {
			b.Fatal(err)
		}
	}
	db, err := p.Open(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s := store.New(db)
	e := &benchEnv{s: s}
	// The user with the most play state: the heaviest resume and next up.
	if err := db.Read.QueryRowContext(ctx, `SELECT "UserId" FROM "UserData" GROUP BY "UserId" ORDER BY COUNT(*) DESC LIMIT 1`).
		Scan(database.ScanGUID{ID: &e.user}); err != nil {
		b.Fatal(err)
	}
	if e.libs, err = s.CollectionFolders(ctx); err != nil {
		b.Fatal(err)
	}
	return e
}

func BenchmarkBrowseItemsPage(b *testing.B) {
	e := openBench(b)
	ctx := context.Background()
	for _, sort := range []store.ItemSort{{By: "SortName"}, {By: "DateCreated", Descending: true}, {By: "CommunityRating", Descending: true}} {
		b.Run(sort.By, func(b *testing.B) {
			for b.Loop() {
				page, err := e.s.QueryItems(ctx, &store.ItemQuery{Libraries: e.libs, UserID: e.user, Recursive: true,
					Types: []string{media.ItemTypeMovie}, Sort: []store.ItemSort{sort}, StartIndex: 1000, Limit: 100})
				if err != nil || len(page.Items) == 0 {
					b.Fatal(err, page)
				}
			}
		})
	}
}

func BenchmarkBrowseResume(b *testing.B) {
	e := openBench(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.s.QueryItems(ctx, &store.ItemQuery{Libraries: e.libs, UserID: e.user, Recursive: true, IsResumable: true, NotPlayed: true,
			MediaTypes: []string{"Video"}, Sort: []store.ItemSort{{By: "DatePlayed", Descending: true}}, Limit: 12}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBrowseNextUp(b *testing.B) {
	e := openBench(b)
	ctx := context.Background()
	for b.Loop() {
		ids, _, err := e.s.NextUp(ctx, e.user, e.libs, media.NilID, 0, 24)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.s.QueryItems(ctx, &store.ItemQuery{Libraries: e.libs, UserID: e.user, IDs: ids}); err != nil {
			b.Fatal(err)
		}
	}
}
