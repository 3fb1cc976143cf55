// Package gendb generates realistic Jellyfin 10.11 databases: a library of
// movies, series and music with everything a scan leaves in jellyfin.db
// (streams, chapters, images, people, genres, provider ids...), users with
// sessions, preferences and play state, and an activity log. The migrator's
// tests and benchmarks run on them. Every value is stored as Jellyfin
// stores it, and the same seed always gives the same database.
package gendb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/schema"
	"github.com/jellyha/jellyha/internal/store"
)

// Size names a library size.
type Size int

// The named sizes.
const (
	// Tiny is about 60 items with a row in every one of the 30 tables,
	// for unit tests.
	Tiny Size = iota + 1
	// Moderate is the HA write-up's "moderate library": about 5,000
	// BaseItems, 50,000 ItemValuesMap rows over a few thousand ItemValues,
	// and 100,000 MediaStreamInfos.
	Moderate
	// Large is 100,000 BaseItems and well over 2,000,000 rows in all.
	Large
)

var sizeNames = map[Size]string{Tiny: "tiny", Moderate: "moderate", Large: "large"}

func (z Size) String() string {
	if n, ok := sizeNames[z]; ok {
		return n
	}
	return fmt.Sprintf("Size(%d)", int(z))
}

// ParseSize reads "tiny", "moderate" or "large".
func ParseSize(s string) (Size, error) {
	for z, n := range sizeNames {
		if strings.EqualFold(s, n) {
			return z, nil
		}
	}
	return 0, fmt.Errorf("gendb: unknown size %q: use tiny, moderate or large", s)
}

// Options choose what to generate.
type Options struct {
	Size Size
	Seed int64
	// Now is the generated database's present: every date lies before it.
	// The zero value means DefaultNow, so that a seed alone fixes the
	// content.
	Now time.Time
}

// DefaultNow is the present of a generated database unless Options.Now says
// otherwise.
var DefaultNow = time.Date(2025, 12, 15, 18, 0, 0, 0, time.UTC)

// AdminName and AdminPassword are the generated administrator's login.
const (
	AdminName     = "admin"
	AdminPassword = "jellyfin"
)

// Tables lists Jellyfin 10.11's 30 tables.
var Tables = []string{
	"AccessSchedules", "ActivityLogs", "AncestorIds", "ApiKeys", "AttachmentStreamInfos", "BaseItemImageInfos",
	"BaseItemMetadataFields", "BaseItemProviders", "BaseItemTrailerTypes", "BaseItems", "Chapters",
	"CustomItemDisplayPreferences", "DeviceOptions", "Devices", "DisplayPreferences", "HomeSection", "ImageInfos",
	"ItemDisplayPreferences", "ItemValues", "ItemValuesMap", "KeyframeData", "MediaSegments", "MediaStreamInfos",
	"PeopleBaseItemMap", "Peoples", "Permissions", "Preferences", "TrickplayInfos", "UserData", "Users",
}

// Stats reports what Generate wrote.
type Stats struct {
	// Rows is the row count of each of Jellyfin's tables after generation
	// (BaseItems includes the placeholder item).
	Rows    map[string]int64
	Elapsed time.Duration
}

// Total is the number of rows in all tables.
func (s *Stats) Total() int64 {
	var n int64
	for _, c := range s.Rows {
		n += c
	}
	return n
}

// Tables returns the table names in s, sorted.
func (s *Stats) Tables() []string {
	names := make([]string, 0, len(s.Rows))
	for n := range s.Rows {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// sqliteCacheKiB is the page cache Generate gives SQLite's write connection.
const sqliteCacheKiB = 256 * 1024

// ErrNotEmpty reports a target database that already holds a library or
// users.
var ErrNotEmpty = errors.New("database is not empty")

// Generate fills s, a migrated and empty database, with a library of the
// given size.
func Generate(ctx context.Context, s *store.Store, opts Options) (*Stats, error) {
	start := time.Now()
	p, ok := profiles[opts.Size]
	if !ok {
		return nil, fmt.Errorf("gendb: unknown size %v", opts.Size)
	}
	if err := CheckEmpty(ctx, s); err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = DefaultNow
	}
	seed := uint64(opts.Seed)
	g := &gen{
		s:      s,
		r:      rand.New(rand.NewPCG(seed, seed^0x6a656c6c79686121)), //nolint:gosec // reproducible test data, not secrets
		p:      p,
		now:    now.UTC(),
		values: map[valueKey]media.ID{},
		people: map[int]media.ID{},
	}
	g.ids.imdb = 100000 + g.r.IntN(100000)
	g.ids.tmdb = 1000 + g.r.IntN(5000)
	g.ids.tvdb = 70000 + g.r.IntN(10000)
	var indexes []string
	if s.DB().Engine == schema.SQLite {
		// SQLite's default page cache is 2 MB: inserting rows with
		// random GUID keys into indexes of hundreds of megabytes would
		// read and write the same pages again and again. And the many
		// checkpoints of a load of a gigabyte each wait for the disk
		// unless synchronous is off: a generation cut short by a crash
		// is thrown away anyway. The write connection is a single
		// long-lived one; both settings are restored afterwards.
		// Secondary indexes are dropped for the load and built again at
		// the end, by sorting: maintaining them row by row, with random
		// GUIDs leading most of them, took half the time of a large
		// generation. Their unique ones are checked when they are built.
		if err := pragmas(ctx, s, "cache_size = -"+strconv.Itoa(sqliteCacheKiB), "synchronous = OFF"); err != nil {
			return nil, err
		}
		defer func() { _ = pragmas(context.WithoutCancel(ctx), s, "cache_size = -2000", "synchronous = NORMAL") }()
		var err error
		if indexes, err = dropIndexes(ctx, s); err != nil {
			return nil, err
		}
	}
	if err := g.run(ctx); err != nil {
		return nil, err
	}
	for _, ddl := range indexes {
		if _, err := s.DB().Write.ExecContext(ctx, ddl); err != nil {
			return nil, fmt.Errorf("gendb: recreate index: %w", err)
		}
	}

	// Real Jellyfin databases carry planner statistics (its PRAGMA
	// optimize); generated ones must too, or benchmarks measure bad plans.
	if err := s.DB().Optimize(ctx, false); err != nil {
		return nil, fmt.Errorf("gendb: optimize: %w", err)
	}
	rows, err := Count(ctx, s)
	if err != nil {
		return nil, err
	}
	return &Stats{Rows: rows, Elapsed: time.Since(start)}, nil
}

func pragmas(ctx context.Context, s *store.Store, settings ...string) error {
	for _, p := range settings {
		if _, err := s.DB().Write.ExecContext(ctx, "PRAGMA "+p); err != nil {
			return fmt.Errorf("gendb: PRAGMA %s: %w", p, err)
		}
	}
	return nil
}

// CheckEmpty fails with ErrNotEmpty unless s holds no users and no items
// besides Jellyfin's placeholder.
func CheckEmpty(ctx context.Context, s *store.Store) error {
	db := s.DB()
	var items, users int64
	if err := db.Read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM "BaseItems"), (SELECT COUNT(*) FROM "Users")`).Scan(&items, &users); err != nil {
		return fmt.Errorf("gendb: %w", err)
	}
	if items > 1 || users > 0 {
		return fmt.Errorf("gendb: %w: it holds %d items and %d users; generate into a new database", ErrNotEmpty, items, users)
	}
	return nil
}

// Count returns the row count of each of Jellyfin's 30 tables.
func Count(ctx context.Context, s *store.Store) (map[string]int64, error) {
	rows := make(map[string]int64, len(Tables))
	for _, t := range Tables {
		var n int64
		if err := s.DB().Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("gendb: count %s: %w", t, err)
		}
		rows[t] = n
	}
	return rows, nil
}

// span is an inclusive range of counts.
type span struct{ lo, hi int }

// profile is the shape of a library size.
type profile struct {
	movies, series, artists int
	seasons, episodes       span // per series, per season
	albums, tracks          span // per artist, per album
	audioTracks, subtitles  span // streams per video besides the video stream
	movieTags, seriesTags   span
	genres, studios, tags   int // sizes of the name pools
	actors, crew            int
	cast                    span // actors per movie or series
	users                   int
	activity                int     // activity log entries besides playback
	playRate                float64 // share of playable items an average user touched
	keyframeRate            float64 // share of videos with keyframe data
	batch                   int     // items per flush
}

var profiles = map[Size]profile{
	Tiny: {
		movies: 12, series: 2, artists: 2,
		seasons: span{2, 2}, episodes: span{3, 5}, albums: span{1, 2}, tracks: span{3, 5},
		audioTracks: span{1, 4}, subtitles: span{1, 10}, movieTags: span{1, 4}, seriesTags: span{2, 4},
		genres: 20, studios: 10, tags: 30, actors: 60, crew: 20, cast: span{3, 6},
		users: 3, activity: 20, playRate: 0.4, keyframeRate: 0.3, batch: 1000,
	},
	Moderate: {
		// About 4,100 videos: reaching the write-up's 100,000 streams takes
		// about 24 per video, as in a library of remuxes with many
		// subtitle languages.
		movies: 1400, series: 70, artists: 25,
		seasons: span{1, 6}, episodes: span{6, 16}, albums: span{1, 3}, tracks: span{8, 14},
		audioTracks: span{2, 6}, subtitles: span{8, 30}, movieTags: span{2, 10}, seriesTags: span{4, 12},
		genres: 28, studios: 300, tags: 1500, actors: 2500, crew: 600, cast: span{5, 15},
		users: 8, activity: 1500, playRate: 0.12, keyframeRate: 0.05, batch: 2000,
	},
	Large: {
		movies: 20000, series: 950, artists: 600,
		seasons: span{1, 8}, episodes: span{6, 20}, albums: span{1, 4}, tracks: span{8, 16},
		audioTracks: span{1, 4}, subtitles: span{1, 10}, movieTags: span{2, 8}, seriesTags: span{2, 8},
		genres: 28, studios: 2000, tags: 6000, actors: 25000, crew: 6000, cast: span{5, 15},
		users: 25, activity: 20000, playRate: 0.08, keyframeRate: 0.02, batch: 5000,
	},
}

func (g *gen) run(ctx context.Context) error {
	if err := g.roots(ctx); err != nil {
		return err
	}
	if err := g.makeUsers(ctx); err != nil {
		return err
	}
	for i := range g.p.movies {
		g.movie(i)
		if err := g.maybeFlush(ctx); err != nil {
			return err
		}
	}
	for i := range g.p.series {
		g.series(i)
		if err := g.maybeFlush(ctx); err != nil {
			return err
		}
	}
	for i := range g.p.artists {
		g.artist(i)
		if err := g.maybeFlush(ctx); err != nil {
			return err
		}
	}
	g.placeholderUserData()
	g.activity()
	if err := g.flush(ctx); err != nil {
		return err
	}
	return g.userSettings(ctx)
}

// dropIndexes drops the secondary indexes of Jellyfin's tables and returns
// the statements that recreate them, in their original order.
func dropIndexes(ctx context.Context, s *store.Store) ([]string, error) {
	rows, err := s.DB().Write.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT LIKE 'jellyha%' AND tbl_name NOT LIKE '%EFMigrations%' ORDER BY rowid`)
	if err != nil {
		return nil, fmt.Errorf("gendb: %w", err)
	}
	var names, ddl []string
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			var n, q string
			if err := rows.Scan(&n, &q); err != nil {
				return err
			}
			names, ddl = append(names, n), append(ddl, q)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("gendb: %w", err)
	}
	for _, n := range names {
		if _, err := s.DB().Write.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
			return nil, fmt.Errorf("gendb: %w", err)
		}
	}
	return ddl, nil
}
