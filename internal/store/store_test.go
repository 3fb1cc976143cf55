package store_test

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/password"
	"github.com/jellyha/jellyha/internal/schema"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

// engines opens a fresh, migrated database on each engine. Every test in
// this file runs on both: the conformance suite.
var engines = map[string]func(t *testing.T) *database.DB{
	"sqlite": func(t *testing.T) *database.DB {
		return open(t, database.NewSQLite(testdb.SQLitePath(t), nil))
	},
	"postgres": func(t *testing.T) *database.DB {
		p, err := database.NewPostgres(testdb.NewPostgres(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		return open(t, p)
	},
}

func open(t *testing.T, p database.Provider) *database.DB {
	return testdb.Open(t, p)
}

func forEachEngine(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for name, openDB := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, store.New(openDB(t)))
		})
	}
}

func code(err error) string { return media.ErrorCode(err) }

func TestUsers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		hash, err := password.Hash("hunter2")
		if err != nil {
			t.Fatal(err)
		}
		admin := &media.User{Name: "Émile", PasswordHash: hash, IsAdministrator: true}
		if err := s.CreateUser(ctx, admin); err != nil {
			t.Fatal(err)
		}
		kid := &media.User{Name: "kid"}
		if err := s.CreateUser(ctx, kid); err != nil {
			t.Fatal(err)
		}
		if admin.InternalID != 1 || kid.InternalID != 2 {
			t.Errorf("InternalId = %d, %d; want 1, 2 (MAX+1 as Jellyfin)", admin.InternalID, kid.InternalID)
		}
		// Names are unique without regard to case (NormalizedUsername).
		if err := s.CreateUser(ctx, &media.User{Name: "KID"}); code(err) != media.ECONFLICT {
			t.Errorf("duplicate name: err %v, want conflict", err)
		}
		got, err := s.UserByName(ctx, "émile")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != admin.ID || !got.IsAdministrator || got.IsDisabled || !got.EnableAllFolders {
			t.Errorf("UserByName = %+v", got)
		}
		if ok, _, err := password.Verify("hunter2", got.PasswordHash); !ok || err != nil {
			t.Errorf("stored hash does not verify: %v %v", ok, err)
		}
		if _, err := s.User(ctx, media.NewID()); code(err) != media.ENOTFOUND {
			t.Errorf("missing user: %v", err)
		}
		users, err := s.Users(ctx)
		if err != nil || len(users) != 2 {
			t.Fatalf("Users = %d, %v", len(users), err)
		}

		// Update with the row version read; a stale copy conflicts.
		stale := *got
		folder := media.NewID()
		got.Name, got.EnableAllFolders, got.EnabledFolders = "Emile", false, []media.ID{folder}
		if err := s.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateUser(ctx, &stale); code(err) != media.ECONFLICT {
			t.Errorf("stale update: %v, want conflict", err)
		}
		again, err := s.User(ctx, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Name != "Emile" || again.EnableAllFolders || len(again.EnabledFolders) != 1 || again.EnabledFolders[0] != folder || again.RowVersion != 1 {
			t.Errorf("after update: %+v", again)
		}

		if err := s.DeleteUser(ctx, kid.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(ctx, kid.ID); code(err) != media.ENOTFOUND {
			t.Errorf("second delete: %v", err)
		}
		var perms int
		if err := s.DB().Read.QueryRowContext(ctx, s.DB().Rebind(`SELECT COUNT(*) FROM "Permissions" WHERE "UserId" = ?`), database.GUID(kid.ID)).Scan(&perms); err != nil || perms != 0 {
			t.Errorf("permissions left after delete: %d %v", perms, err)
		}
		if err := s.DB().Read.QueryRowContext(ctx, s.DB().Rebind(`SELECT COUNT(*) FROM "Permissions" WHERE "UserId" = ?`), database.GUID(admin.ID)).Scan(&perms); err != nil || perms != 24 {
			t.Errorf("admin has %d permission rows, want Jellyfin's 24: %v", perms, err)
		}
	})
}

func TestLoginLockout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		three := 3
		u := &media.User{Name: "guest", LoginAttemptsBeforeLockout: &three}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 3; i++ {
			disabled, err := s.RecordLoginFailure(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if disabled != (i == 3) {
				t.Fatalf("failure %d: disabled = %v", i, disabled)
			}
		}
		got, _ := s.User(ctx, u.ID)
		if !got.IsDisabled || got.InvalidLoginAttemptCount != 3 {
			t.Errorf("after 3 failures: disabled %v count %d", got.IsDisabled, got.InvalidLoginAttemptCount)
		}
		// No threshold (NULL) never locks out, as in Jellyfin.
		free := &media.User{Name: "free"}
		if err := s.CreateUser(ctx, free); err != nil {
			t.Fatal(err)
		}
		for range 10 {
			if disabled, err := s.RecordLoginFailure(ctx, free.ID); err != nil || disabled {
				t.Fatalf("unlimited user locked: %v %v", disabled, err)
			}
		}
		if err := s.RecordLogin(ctx, free.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		got, _ = s.User(ctx, free.ID)
		if got.InvalidLoginAttemptCount != 0 || got.LastLoginDate == nil {
			t.Errorf("after login: %+v", got)
		}
	})
}

func TestDevicesAndAPIKeys(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &media.User{Name: "viewer"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		d := &media.Device{UserID: u.ID, AppName: "Jellyfin Web", AppVersion: "10.11.11", DeviceName: "Firefox", DeviceID: "dev-1"}
		if err := s.CreateDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(d.AccessToken) {
			t.Errorf("token %q is not Jellyfin's 32 lowercase hex", d.AccessToken)
		}
		got, err := s.DeviceByToken(ctx, d.AccessToken)
		if err != nil || got.UserID != u.ID || got.DeviceID != "dev-1" || !got.IsActive {
			t.Fatalf("DeviceByToken = %+v, %v", got, err)
		}
		// Logging in again from the same device revokes the old token.
		d2 := &media.Device{UserID: u.ID, AppName: "Jellyfin Web", AppVersion: "10.11.11", DeviceName: "Firefox", DeviceID: "dev-1"}
		if err := s.CreateDevice(ctx, d2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeviceByToken(ctx, d.AccessToken); code(err) != media.ENOTFOUND {
			t.Errorf("old token still valid: %v", err)
		}
		if err := s.DeleteDevice(ctx, d2.AccessToken); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeviceByToken(ctx, d2.AccessToken); code(err) != media.ENOTFOUND {
			t.Errorf("token valid after logout: %v", err)
		}

		k, err := s.CreateAPIKey(ctx, "home assistant")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.APIKeyByToken(ctx, k.AccessToken); err != nil || got.Name != "home assistant" {
			t.Errorf("APIKeyByToken = %+v, %v", got, err)
		}
		if keys, err := s.APIKeys(ctx); err != nil || len(keys) != 1 {
			t.Errorf("APIKeys = %d, %v", len(keys), err)
		}
		if err := s.DeleteAPIKey(ctx, k.AccessToken); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAPIKey(ctx, ""); code(err) != media.EINVALID {
			t.Errorf("empty key name: %v", err)
		}
	})
}

// library builds: library folder > series > season > episode.
func library(t *testing.T, s *store.Store) (lib, series, season, episode *media.Item) {
	t.Helper()
	ctx := context.Background()
	created := time.Date(2025, 12, 11, 12, 27, 10, 265517700, time.UTC)
	lib = &media.Item{Type: media.ItemTypeCollectionFolder, Name: "Shows", IsFolder: true, DateCreated: &created}
	series = &media.Item{Type: media.ItemTypeSeries, Name: "Severance", IsFolder: true, SortName: "severance", Genres: []string{"Drama", "Mystery"}}
	season = &media.Item{Type: media.ItemTypeSeason, Name: "Season 1", IsFolder: true, IndexNumber: ptr(1)}
	episode = &media.Item{Type: media.ItemTypeEpisode, Name: "Good News About Hell", MediaType: "Video",
		IndexNumber: ptr(1), ParentIndexNumber: ptr(1), RunTimeTicks: ptr(int64(34_560_000_000)), DateCreated: &created}
	for _, it := range []*media.Item{lib, series, season, episode} {
		it.ID = media.NewID()
	}
	series.ParentID, series.TopParentID, series.AncestorIDs = lib.ID, lib.ID, []media.ID{lib.ID}
	season.ParentID, season.TopParentID, season.SeriesID, season.AncestorIDs = series.ID, lib.ID, series.ID, []media.ID{series.ID, lib.ID}
	episode.ParentID, episode.TopParentID, episode.SeriesID, episode.SeasonID = season.ID, lib.ID, series.ID, season.ID
	episode.AncestorIDs = []media.ID{season.ID, series.ID, lib.ID}
	for _, it := range []*media.Item{lib, series, season, episode} {
		if err := s.SaveItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	return lib, series, season, episode
}

func ptr[T any](v T) *T { return &v }

func TestItems(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		lib, series, season, episode := library(t, s)
		got, err := s.Item(ctx, episode.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != episode.Name || got.SeriesID != series.ID || got.SeasonID != season.ID || got.ParentID != season.ID ||
			*got.RunTimeTicks != 34_560_000_000 || *got.IndexNumber != 1 || got.DateCreated.Sub(*episode.DateCreated).Abs() > time.Microsecond {
			t.Errorf("Item = %+v", got)
		}
		if fmt.Sprint(got.AncestorIDs) != fmt.Sprint([]media.ID{season.ID, series.ID, lib.ID}) {
			t.Errorf("ancestors %v, want season, series, library", got.AncestorIDs)
		}
		if s, _ := s.Item(ctx, series.ID); fmt.Sprint(s.Genres) != "[Drama Mystery]" {
			t.Errorf("genres %v", s.Genres)
		}
		kids, err := s.Children(ctx, series.ID)
		if err != nil || len(kids) != 1 || kids[0].ID != season.ID {
			t.Errorf("Children = %v, %v", kids, err)
		}
		all, err := s.Descendants(ctx, lib.ID)
		if err != nil || len(all) != 3 {
			t.Errorf("Descendants = %d, %v", len(all), err)
		}
		// Saving again replaces, not duplicates.
		episode.Name = "Good News About Hell (2022)"
		if err := s.SaveItem(ctx, episode); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Item(ctx, episode.ID); got.Name != episode.Name || len(got.AncestorIDs) != 3 {
			t.Errorf("after resave: %q, %d ancestors", got.Name, len(got.AncestorIDs))
		}
		// An item whose parent does not exist breaks Jellyfin's foreign key.
		orphan := &media.Item{Type: media.ItemTypeMovie, Name: "orphan", ParentID: media.NewID()}
		if err := s.SaveItem(ctx, orphan); err == nil {
			t.Error("saved an item whose parent does not exist")
		}
		if _, err := s.Item(ctx, media.NewID()); code(err) != media.ENOTFOUND {
			t.Errorf("missing item: %v", err)
		}
	})
}

func TestUserData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &media.User{Name: "watcher"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		_, series, _, episode := library(t, s)
		zero, err := s.UserData(ctx, u.ID, episode.ID)
		if err != nil || zero.Played || zero.PlaybackPositionTicks != 0 || zero.Key != episode.ID.Hyphenated() {
			t.Fatalf("untouched item: %+v, %v", zero, err)
		}
		played := time.Date(2026, 11, 21, 20, 15, 3, 123456700, time.UTC)
		d := &media.UserData{ItemID: episode.ID, UserID: u.ID, PlaybackPositionTicks: 12_000_000_000, PlayCount: 1,
			LastPlayedDate: &played, IsFavorite: true, AudioStreamIndex: ptr(1), Likes: ptr(true), Rating: ptr(8.5)}
		if err := s.SaveUserData(ctx, d); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserData(ctx, u.ID, episode.ID)
		if err != nil {
			t.Fatal(err)
		}
		// PostgreSQL keeps microseconds, .NET ticks are 100 ns.
		if got.PlaybackPositionTicks != 12_000_000_000 || !got.IsFavorite || got.PlayCount != 1 || *got.AudioStreamIndex != 1 ||
			!*got.Likes || *got.Rating != 8.5 || got.LastPlayedDate.Sub(played).Abs() > time.Microsecond {
			t.Errorf("UserData = %+v", got)
		}
		d.Played, d.PlaybackPositionTicks = true, 0
		if err := s.SaveUserData(ctx, d); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.UserData(ctx, u.ID, episode.ID); !got.Played || got.PlaybackPositionTicks != 0 {
			t.Errorf("after update: %+v", got)
		}
		// Deleting the series keeps the history, on the placeholder item.
		if err := s.DeleteItem(ctx, series.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Item(ctx, episode.ID); code(err) != media.ENOTFOUND {
			t.Errorf("episode survived its series: %v", err)
		}
		kept, err := s.UserData(ctx, u.ID, media.PlaceholderItemID)
		if err != nil || !kept.Played || kept.Key != episode.ID.Hyphenated() || kept.RetentionDate == nil {
			t.Errorf("history not kept on the placeholder: %+v, %v", kept, err)
		}
	})
}

func TestSettings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, ok, err := s.Setting(ctx, "ServerId"); ok || err != nil {
			t.Fatalf("unset setting: %v %v", ok, err)
		}
		v, err := s.SettingOrInit(ctx, "ServerId", func() string { return "first" })
		if err != nil || v != "first" {
			t.Fatalf("SettingOrInit = %q, %v", v, err)
		}
		if v, _ := s.SettingOrInit(ctx, "ServerId", func() string { return "second" }); v != "first" {
			t.Errorf("second init overwrote: %q", v)
		}
	})
}

// TestConcurrentWrites hammers one database with writers and readers at
// once: none may fail with "database is locked" (SQLite) or otherwise.
func TestConcurrentWrites(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &media.User{Name: "busy"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		_, _, _, episode := library(t, s)
		var wg sync.WaitGroup
		errs := make(chan error, 400)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					d := &media.UserData{ItemID: episode.ID, UserID: u.ID, Key: fmt.Sprintf("k%d", w), PlaybackPositionTicks: int64(i)}
					if err := s.SaveUserData(ctx, d); err != nil {
						errs <- err
					}
					if _, err := s.UserData(ctx, u.ID, episode.ID); err != nil {
						errs <- err
					}
					if _, err := s.RecordLoginFailure(ctx, u.ID); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got, _ := s.User(ctx, u.ID)
		if got.InvalidLoginAttemptCount != 200 {
			t.Errorf("%d failures counted, want 200: a lost update", got.InvalidLoginAttemptCount)
		}
	})
}

// TestStoredFormats reads the raw rows back to check that values are stored
// as Jellyfin stores them: on SQLite uppercase GUID text, 0/1 integers and
// "yyyy-MM-dd HH:mm:ss.FFFFFFF" dates; on PostgreSQL native types.
func TestStoredFormats(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &media.User{Name: "fmt"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		lib, _, _, _ := library(t, s)
		db := s.DB()
		if db.Engine == schema.SQLite {
			var id, idType, created, boolType string
			var isFolder int
			err := db.Read.QueryRowContext(ctx, `SELECT "Id", typeof("Id"), "DateCreated", "IsFolder", typeof("IsFolder") FROM "BaseItems" WHERE "Type" = ?`, media.ItemTypeCollectionFolder).
				Scan(&id, &idType, &created, &isFolder, &boolType)
			if err != nil {
				t.Fatal(err)
			}
			if id != database.GUID(lib.ID) || !regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`).MatchString(id) || idType != "text" {
				t.Errorf("GUID stored as %q (%s)", id, idType)
			}
			if created != "2025-12-11 12:27:10.2655177" {
				t.Errorf("date stored as %q", created)
			}
			if isFolder != 1 || boolType != "integer" {
				t.Errorf("flag stored as %d (%s)", isFolder, boolType)
			}
			var ownerID, channelID string
			if err := db.Read.QueryRowContext(ctx, `SELECT "OwnerId", "ChannelId" FROM "BaseItems" WHERE "Id" = ?`, id).Scan(&ownerID, &channelID); err != nil {
				t.Fatal(err)
			}
			if ownerID != "00000000-0000-0000-0000-000000000000" || channelID != "00000000-0000-0000-0000-000000000000" {
				t.Errorf("OwnerId %q ChannelId %q", ownerID, channelID)
			}
			return
		}
		var idType, dateType, boolType string
		err := db.Read.QueryRowContext(ctx, `SELECT pg_typeof("Id")::text, pg_typeof("DateCreated")::text, pg_typeof("IsFolder")::text FROM "BaseItems" WHERE "Id" = $1`, database.GUID(lib.ID)).
			Scan(&idType, &dateType, &boolType)
		if err != nil {
			t.Fatal(err)
		}
		if idType != "uuid" || dateType != "timestamp with time zone" || boolType != "boolean" {
			t.Errorf("types %s, %s, %s", idType, dateType, boolType)
		}
		var created time.Time
		if err := db.Read.QueryRowContext(ctx, `SELECT "DateCreated" FROM "BaseItems" WHERE "Id" = $1`, database.GUID(lib.ID)).Scan(&created); err != nil {
			t.Fatal(err)
		}
		if !created.Equal(time.Date(2025, 12, 11, 12, 27, 10, 265518000, time.UTC)) {
			t.Errorf("date %v, want the microsecond-rounded value", created)
		}
	})
}

// TestConcurrentPlayStateUpdates: read-modify-write updates of one item's
// play state from many writers at once (replicas taking reports) lose none.
func TestConcurrentPlayStateUpdates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &media.User{Name: "counter"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		_, _, _, episode := library(t, s)
		items := []store.KeyedItem{{ID: episode.ID, Key: episode.ID.Hyphenated()}}
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.UpdateUserData(ctx, u.ID, items, func(d *media.UserData) { d.PlayCount++ }); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		d, err := s.UserData(ctx, u.ID, episode.ID)
		if err != nil || d.PlayCount != 20 {
			t.Errorf("play count %d after 20 concurrent increments (%v)", d.PlayCount, err)
		}
	})
}

// TestUserConfiguration: a user's configuration round-trips through the
// Users columns and Preferences rows, a missing Preferences row (a user
// Jellyfin created before the kind existed) is added, a value that is not
// an id is skipped as Jellyfin skips it, and the RowVersion moves on.
func TestUserConfiguration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &media.User{Name: "kid"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserConfiguration(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if def := media.DefaultUserConfiguration(); !reflect.DeepEqual(*got, def) {
			t.Errorf("new user's configuration %+v, want %+v", *got, def)
		}
		db := s.DB()
		if _, err := db.Write.ExecContext(ctx, db.Rebind(`DELETE FROM "Preferences" WHERE "UserId" = ? AND "Kind" = ?`),
			database.GUID(u.ID), int(media.PreferenceOrderedViews)); err != nil {
			t.Fatal(err)
		}
		a, b := media.NewID(), media.NewID()
		want := media.UserConfiguration{AudioLanguagePreference: "fre", SubtitleLanguagePreference: "eng",
			SubtitleMode: media.SubtitleModeSmart, DisplayMissingEpisodes: true, EnableLocalPassword: true,
			OrderedViews: []media.ID{b, a}, MyMediaExcludes: []media.ID{a}, LatestItemsExcludes: []media.ID{b}, GroupedFolders: []media.ID{a, b}}
		if err := s.SetUserConfiguration(ctx, u.ID, &want); err != nil {
			t.Fatal(err)
		}
		if got, err = s.UserConfiguration(ctx, u.ID); err != nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("read back %+v (%v), want %+v", got, err, want)
		}
		if _, err := db.Write.ExecContext(ctx, db.Rebind(`UPDATE "Preferences" SET "Value" = ? WHERE "UserId" = ? AND "Kind" = ?`),
			"junk,"+a.Hyphenated(), database.GUID(u.ID), int(media.PreferenceMyMediaExcludes)); err != nil {
			t.Fatal(err)
		}
		all, err := s.UserConfigurations(ctx)
		if err != nil || len(all) != 1 || !reflect.DeepEqual(all[u.ID].MyMediaExcludes, []media.ID{a}) {
			t.Errorf("UserConfigurations = %+v, %v", all, err)
		}
		if again, err := s.User(ctx, u.ID); err != nil || again.RowVersion != 1 {
			t.Errorf("RowVersion after a configuration save: %+v %v", again, err)
		}
		if err := s.SetUserConfiguration(ctx, media.NewID(), &want); code(err) != media.ENOTFOUND {
			t.Errorf("unknown user: %v", err)
		}
		if _, err := s.UserConfiguration(ctx, media.NewID()); code(err) != media.ENOTFOUND {
			t.Errorf("unknown user: %v", err)
		}
	})
}
