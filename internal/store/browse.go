package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/schema"
)

// LibraryFolders are the libraries (CollectionFolder items, by SortName)
// and, for each, the physical folders Jellyfin files its items under.
//
// Jellyfin does not make a library's items children of its
// CollectionFolder: each media path of a library is a Folder item of its
// own under the root (the AggregateFolder), and the items under it carry
// that Folder as TopParentId and, at the top, as ParentId; the
// CollectionFolder lists those Folders in its Data JSON
// ("PhysicalFolderIds"). jellyha's scanner files the items of its own
// libraries under the CollectionFolder itself, and those of a library
// Jellyfin set up (adopted: adopt.go) as Jellyfin does. Queries accept
// both: a library stands for itself and its physical folders.
type LibraryFolders struct {
	IDs []media.ID
	// Physical maps a library to its physical folders (Jellyfin's layout);
	// libraries jellyha made have none.
	Physical map[media.ID][]media.ID
	// Types are the libraries' CollectionType ("movies", "music"...) as
	// their Data says; a mixed library has none.
	Types map[media.ID]string
}

// LibraryFolders reads the libraries and their physical folders.
func (s *Store) LibraryFolders(ctx context.Context) (*LibraryFolders, error) {
	var lf *LibraryFolders
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		lf = &LibraryFolders{}
		rows, err := s.db.Query(ctx, `SELECT "Id", "Data" FROM "BaseItems" WHERE "Type" = ? AND "IsVirtualItem" = ?
ORDER BY "SortName", "Id"`, media.ItemTypeCollectionFolder, false)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id media.ID
			var data sql.NullString
			if err := rows.Scan(database.ScanGUID{ID: &id}, &data); err != nil {
				return err
			}
			lf.IDs = append(lf.IDs, id)
			if t := dataCollectionType(data.String); t != "" {
				if lf.Types == nil {
					lf.Types = map[media.ID]string{}
				}
				lf.Types[id] = t
			}
			if phys := physicalFolderIDs(id, data.String); len(phys) > 0 {
				if lf.Physical == nil {
					lf.Physical = map[media.ID][]media.ID{}
				}
				lf.Physical[id] = phys
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: libraries: %w", err)
	}
	return lf, nil
}

// physicalFolderIDs reads PhysicalFolderIds from a CollectionFolder's Data;
// anything unreadable counts as none (the library then stands for itself
// alone).
func physicalFolderIDs(lib media.ID, data string) []media.ID {
	if !strings.Contains(data, "PhysicalFolderIds") {
		return nil
	}
	var d struct{ PhysicalFolderIds []string }
	if json.Unmarshal([]byte(data), &d) != nil {
		return nil
	}
	var out []media.ID
	for _, raw := range d.PhysicalFolderIds {
		if id, err := media.ParseID(raw); err == nil && !id.IsZero() && id != lib && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// dataCollectionType reads a CollectionFolder's CollectionType from its
// Data; "mixed", which earlier jellyha versions wrote, is none.
func dataCollectionType(data string) string {
	if !strings.Contains(data, "CollectionType") {
		return ""
	}
	var d struct{ CollectionType string }
	if json.Unmarshal([]byte(data), &d) != nil || d.CollectionType == "mixed" {
		return ""
	}
	return d.CollectionType
}

// CollectionFolders returns the ids of the libraries, by SortName.
func (s *Store) CollectionFolders(ctx context.Context) ([]media.ID, error) {
	lf, err := s.LibraryFolders(ctx)
	if err != nil {
		return nil, err
	}
	return lf.IDs, nil
}

// ItemImages returns an item's images, by type and path.
func (s *Store) ItemImages(ctx context.Context, id media.ID) ([]media.ItemImage, error) {
	r := &ItemRow{}
	r.ID = id
	if err := s.attach(ctx, []*ItemRow{r}, true, false); err != nil {
		return nil, err
	}
	return r.Images, nil
}

// NextUp returns, for each series of the given libraries in which user
// has played an episode, the episode that follows the last one played (by
// season and episode number, specials left out), the series whose episodes
// were played most recently first (ties by series id); and how many there
// are in all, or, with skipTotal, how many it returns.
//
// It starts from the user's play state, newest first, through
// jellyha_UserData_UserId_LastPlayedDate: the first played episode seen of
// a series carries the series' last played date, so series come in their
// final order and, without a total to count, the reading stops as soon as
// the page is full. The episodes of the series found are then read a batch
// at a time (jellyha_BaseItems_SeriesId_Episodes, from the index alone) to
// find each one's last played and next episode.
func (s *Store) NextUp(ctx context.Context, user media.ID, libs []media.ID, series media.ID, start, limit int, skipTotal bool) ([]media.ID, int, error) {
	if len(libs) == 0 {
		return nil, 0, nil
	}
	start = max(start, 0)
	want := math.MaxInt
	if limit > 0 && skipTotal {
		want = start + limit
	}
	var found []media.ID // the next episode of each series, in order
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		found = nil
		seen := map[media.ID]bool{}
		var group []media.ID   // series first seen at the current date
		var pending []media.ID // series in order, next episode not yet looked up
		groupDate, started := "", false
		closeGroup := func() {
			// Series tied on their last played date go by id, as the
			// ORDER BY of the set form would put them.
			slices.SortFunc(group, func(a, b media.ID) int { return bytes.Compare(a[:], b[:]) })
			pending = append(pending, group...)
			group = group[:0]
		}
		resolve := func() error {
			next, err := s.nextEpisodes(ctx, user, libs, pending)
			if err != nil {
				return err
			}
			for _, sid := range pending {
				if id, ok := next[sid]; ok {
					found = append(found, id)
				}
			}
			pending = pending[:0]
			return nil
		}
		// Pages of the user's played episodes, newest first; a page
		// boundary never splits a run of equal dates from its series,
		// since a group is only closed when the date changes.
		pageSize := 64
		if want == math.MaxInt {
			// Every series is wanted (a total to count, or no limit):
			// one read, rather than pages that each sort the user's whole
			// history again to skip what the previous ones read.
			pageSize = math.MaxInt32
		}
		for offset := 0; ; pageSize = min(4*pageSize, math.MaxInt32) {
			rows, err := s.playedEpisodes(ctx, user, libs, series, pageSize, offset)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if seen[r.series] {
					continue
				}
				if !started || r.played != groupDate {
					// The date changed: the series gathered so far are
					// complete and in order. Look up their next episodes
					// once there are enough of them to fill the page
					// (some series are watched to the end), a batch at a
					// time; stop when the page is full.
					closeGroup()
					if len(pending) >= min(want-len(found), attachChunkSize)+8 {
						if err := resolve(); err != nil {
							return err
						}
						if len(found) >= want {
							return nil
						}
					}
					groupDate, started = r.played, true
				}
				seen[r.series] = true
				group = append(group, r.series)
			}
			offset += len(rows)
			if len(rows) < pageSize {
				break
			}
		}
		closeGroup()
		return resolve()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: next up: %w", err)
	}
	total := len(found)
	if start >= len(found) {
		found = nil
	} else {
		found = found[start:]
	}
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	if skipTotal {
		total = len(found)
	}
	return found, total, nil
}

// noDate stands for a NULL LastPlayedDate, which no rendered date equals.
const noDate = "\x00"

// playedRow is one of a user's played episodes: its series and when.
type playedRow struct {
	series media.ID
	// played is the LastPlayedDate as the database renders it, or
	// noDate; only compared for equality.
	played string
}

// nextUpEpisode is the condition on an episode NextUp counts: a real
// episode with a season and an episode number, specials (season 0) left out.
func nextUpEpisode(a string) string {
	return fmt.Sprintf(`%[1]s."Type" = ? AND %[1]s."IsVirtualItem" = ? AND %[1]s."ParentIndexNumber" > 0 AND %[1]s."IndexNumber" IS NOT NULL`, a)
}

// playedEpisodes reads one page of the user's played episodes in the
// libraries (of one series, when given), newest play first.
func (s *Store) playedEpisodes(ctx context.Context, user media.ID, libs []media.ID, series media.ID, limit, offset int) ([]playedRow, error) {
	args := []any{database.GUID(user), true, media.ItemTypeEpisode, false}
	args = append(args, guids(libs)...)
	filter := ""
	if !series.IsZero() {
		filter = ` AND e."SeriesId" = ?`
		args = append(args, database.GUID(series))
	}
	args = append(args, limit, offset)
	// The date is read as text on both engines so that equal dates compare
	// equal in Go whatever their precision. On SQLite the CROSS JOIN keeps
	// UserData (read in index order, no sort) as the outer loop;
	// PostgreSQL plans it as any inner join.
	query := `SELECT e."SeriesId", CAST(u."LastPlayedDate" AS TEXT)
FROM "UserData" u CROSS JOIN "BaseItems" e
WHERE u."UserId" = ? AND u."Played" = ? AND e."Id" = u."ItemId" AND ` + nextUpEpisode("e") + `
  AND e."SeriesId" IS NOT NULL AND e."TopParentId" IN (` + placeholders(len(libs)) + `)` + filter + `
ORDER BY u."LastPlayedDate" DESC NULLS LAST, u."ItemId" DESC, u."CustomDataKey" DESC
LIMIT ? OFFSET ?`
	var out []playedRow
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r playedRow
		var played sql.NullString
		if err := rows.Scan(database.ScanGUID{ID: &r.series}, &played); err != nil {
			return nil, err
		}
		r.played = noDate
		if played.Valid {
			r.played = played.String
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// nextEpisodes returns, for each of the given series that has one, the
// episode after the last one user played: among the episodes whose SeriesId
// is the series, the least season and episode position beyond the greatest
// played one (played episodes counted only where they are in the
// libraries), the least id among equals.
//
// Each series' episodes are walked from its last episode backwards, in
// jellyha_BaseItems_SeriesId_Episodes order, up to the first one played; the
// next is then one seek forward from there. Testing every episode's play
// state (some 1,800 lookups for a page of 24) was most of next up's time;
// walking back tests only the episodes after the last one played: none
// for a series watched to its end, the rest of the series for one being
// watched in order.
//
// On PostgreSQL l is MATERIALIZED because, inlined, it joined the last
// played episodes to BaseItems by hashing the whole table once a batch
// held a few hundred series: 60 ms before the first row, and each series'
// walk done twice (EXPLAIN ANALYZE, 200 series: 82 ms inlined, 16 ms
// materialized). SQLite already walks l once, and materializing it there
// cost 13 ms more on next up's total of 817 series.
func (s *Store) nextEpisodes(ctx context.Context, user media.ID, libs, series []media.ID) (map[media.ID]media.ID, error) {
	out := map[media.ID]media.ID{}
	// A list of values needs its type spelt out on PostgreSQL (a bare
	// parameter there is text, which does not compare with uuid).
	value, materialized := "(?)", ""
	if s.db.Engine == schema.PostgreSQL {
		value, materialized = "(CAST(? AS uuid))", "MATERIALIZED "
	}
	for chunk := range slices.Chunk(series, attachChunkSize) {
		args := guids(chunk)
		args = append(args, media.ItemTypeEpisode, false)
		args = append(args, guids(libs)...)
		args = append(args, database.GUID(user), true, media.ItemTypeEpisode, false)
		query := `WITH v(sid) AS (VALUES ` + strings.TrimSuffix(strings.Repeat(value+", ", len(chunk)), ", ") + `),
l AS ` + materialized + `(
  SELECT v.sid, (SELECT e."Id" FROM "BaseItems" e
    WHERE e."SeriesId" = v.sid AND ` + nextUpEpisode("e") + ` AND e."TopParentId" IN (` + placeholders(len(libs)) + `)
      AND EXISTS (SELECT 1 FROM "UserData" p WHERE p."ItemId" = e."Id" AND p."UserId" = ? AND p."Played" = ?)
    ORDER BY e."ParentIndexNumber" DESC, e."IndexNumber" DESC LIMIT 1) AS lid
  FROM v
)
SELECT l.sid, (SELECT n."Id" FROM "BaseItems" n
    WHERE n."SeriesId" = l.sid AND ` + nextUpEpisode("n") + `
      AND (n."ParentIndexNumber", n."IndexNumber") > (p."ParentIndexNumber", p."IndexNumber")
    ORDER BY n."ParentIndexNumber", n."IndexNumber", n."Id" LIMIT 1)
FROM l JOIN "BaseItems" p ON p."Id" = l.lid`
		err := func() error {
			rows, err := s.db.Query(ctx, query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var sid, id media.ID
				if err := rows.Scan(database.ScanGUID{ID: &sid}, database.ScanGUID{ID: &id}); err != nil {
					return err
				}
				if !id.IsZero() { // watched to the end
					out[sid] = id
				}
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Credit is a person credited on an item.
type Credit struct {
	ID   media.ID
	Name string
	Role string
	Type string // PersonKind: Actor, Director...
}

// ItemCredits are an item's people, genres and studios, as its detail and
// a list asking for Fields=People, Genres or Studios send them.
type ItemCredits struct {
	People []Credit // in credit order
	// Genres and Studios are ItemValues rows (their ids name them to
	// clients), by name.
	Genres, Studios []media.ItemValue
}

// CreditKinds says which of an item's credits ItemsCredits reads.
type CreditKinds struct{ People, Genres, Studios bool }

// ItemsCredits reads the credits of many items, one statement for people
// and one for genres and studios (per attachChunkSize items) rather than
// two or three per item. Every id has an entry.
func (s *Store) ItemsCredits(ctx context.Context, ids []media.ID, kinds CreditKinds) (map[media.ID]*ItemCredits, error) {
	out := make(map[media.ID]*ItemCredits, len(ids))
	for _, id := range ids {
		out[id] = &ItemCredits{}
	}
	var valueTypes []any
	if kinds.Genres {
		valueTypes = append(valueTypes, int(media.ItemValueGenre))
	}
	if kinds.Studios {
		valueTypes = append(valueTypes, int(media.ItemValueStudio))
	}
	type credit struct {
		item media.ID
		Credit
	}
	type value struct {
		item media.ID
		media.ItemValue
	}
	for chunk := range slices.Chunk(ids, attachChunkSize) {
		in, args := placeholders(len(chunk)), guids(chunk)
		if kinds.People {
			people, err := queryList(ctx, s, `SELECT m."ItemId", p."Id", p."Name", m."Role", COALESCE(p."PersonType", '')
FROM "PeopleBaseItemMap" m JOIN "Peoples" p ON p."Id" = m."PeopleId" WHERE m."ItemId" IN (`+in+`)
ORDER BY m."ItemId", CASE WHEN m."ListOrder" IS NULL THEN 0 ELSE 1 END DESC, m."ListOrder", p."Name", p."Id"`, args,
				func(sc interface{ Scan(...any) error }) (credit, error) {
					var c credit
					err := sc.Scan(database.ScanGUID{ID: &c.item}, database.ScanGUID{ID: &c.ID}, &c.Name, &c.Role, &c.Type)
					return c, err
				})
			if err != nil {
				return nil, fmt.Errorf("store: items' people: %w", err)
			}
			for _, c := range people {
				e := out[c.item]
				e.People = append(e.People, c.Credit)
			}
		}
		if len(valueTypes) == 0 {
			continue
		}
		values, err := queryList(ctx, s, `SELECT m."ItemId", v."ItemValueId", v."Type", v."Value", v."CleanValue"
FROM "ItemValuesMap" m JOIN "ItemValues" v ON v."ItemValueId" = m."ItemValueId"
WHERE m."ItemId" IN (`+in+`) AND v."Type" IN (`+placeholders(len(valueTypes))+`)
ORDER BY m."ItemId", v."Value", v."ItemValueId"`, append(args, valueTypes...),
			func(sc interface{ Scan(...any) error }) (value, error) {
				var v value
				var typ int
				err := sc.Scan(database.ScanGUID{ID: &v.item}, database.ScanGUID{ID: &v.ID}, &typ, &v.Value, &v.CleanValue)
				v.Type = media.ItemValueType(typ)
				return v, err
			})
		if err != nil {
			return nil, fmt.Errorf("store: items' genres and studios: %w", err)
		}
		for _, v := range values {
			e := out[v.item]
			if v.Type == media.ItemValueGenre {
				e.Genres = append(e.Genres, v.ItemValue)
			} else {
				e.Studios = append(e.Studios, v.ItemValue)
			}
		}
	}
	return out, nil
}

// KeyedItem is an item whose play state is written, with the key a new
// UserData row gets (Jellyfin's first user data key of the item).
type KeyedItem struct {
	ID  media.ID
	Key string
}

// UpdateUserData changes a user's play state of items in one transaction.
// An item that has rows already (Jellyfin writes one per user data key) has
// all of them updated alike, so that whichever Jellyfin reads agrees; one
// without gets a row under its Key. It returns the new state of the first
// item.
func (s *Store) UpdateUserData(ctx context.Context, user media.ID, items []KeyedItem, fn func(*media.UserData)) (*media.UserData, error) {
	var first *media.UserData
	err := s.inTx(ctx, func(t tx) error {
		var err error
		first, err = s.updateUserData(ctx, t, user, items, fn)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: update user data: %w", err)
	}
	return first, nil
}

// updateUserData is UpdateUserData inside t.
func (s *Store) updateUserData(ctx context.Context, t tx, user media.ID, items []KeyedItem, fn func(*media.UserData)) (*media.UserData, error) {
	var first *media.UserData
	for _, it := range items {
		if t.db.Engine == schema.PostgreSQL {
			// A row FOR UPDATE cannot lock is one that does not exist yet:
			// two first reports would both insert. This lock, held to the
			// end of the transaction, orders them.
			if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, "userdata:"+user.String()+":"+it.ID.String()); err != nil {
				return nil, err
			}
		}
		d, found, err := readUserData(ctx, t, user, it.ID)
		if err != nil {
			return nil, err
		}
		if !found {
			d.Key = it.Key
		}
		fn(d)
		if found {
			_, err = t.exec(ctx, `UPDATE "UserData" SET "AudioStreamIndex" = ?, "IsFavorite" = ?, "LastPlayedDate" = ?, "Likes" = ?,
  "PlayCount" = ?, "PlaybackPositionTicks" = ?, "Played" = ?, "Rating" = ?, "SubtitleStreamIndex" = ?
WHERE "ItemId" = ? AND "UserId" = ?`,
				nullInt(d.AudioStreamIndex), d.IsFavorite, s.db.NullTime(d.LastPlayedDate), nullBool(d.Likes), d.PlayCount,
				d.PlaybackPositionTicks, d.Played, nullFloat64(d.Rating), nullInt(d.SubtitleStreamIndex), database.GUID(it.ID), database.GUID(user))
		} else {
			_, err = t.exec(ctx, `INSERT INTO "UserData" ("ItemId", "UserId", "CustomDataKey", "AudioStreamIndex", "IsFavorite", "LastPlayedDate",
  "Likes", "PlayCount", "PlaybackPositionTicks", "Played", "Rating", "SubtitleStreamIndex")
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT ("ItemId", "UserId", "CustomDataKey") DO UPDATE SET
  "AudioStreamIndex" = excluded."AudioStreamIndex", "IsFavorite" = excluded."IsFavorite", "LastPlayedDate" = excluded."LastPlayedDate",
  "Likes" = excluded."Likes", "PlayCount" = excluded."PlayCount", "PlaybackPositionTicks" = excluded."PlaybackPositionTicks",
  "Played" = excluded."Played", "Rating" = excluded."Rating", "SubtitleStreamIndex" = excluded."SubtitleStreamIndex"`,
				database.GUID(it.ID), database.GUID(user), d.Key, nullInt(d.AudioStreamIndex), d.IsFavorite, s.db.NullTime(d.LastPlayedDate),
				nullBool(d.Likes), d.PlayCount, d.PlaybackPositionTicks, d.Played, nullFloat64(d.Rating), nullInt(d.SubtitleStreamIndex))
		}
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = d
		}
	}
	return first, nil
}

// forUpdate locks the rows a read-modify-write reads, on PostgreSQL, so that
// two replicas handling reports for the same item at the same moment apply
// them one after the other instead of losing one (a play count, say). On
// SQLite the single writer connection already serialises them.
func forUpdate(t tx) string {
	if t.db.Engine == schema.PostgreSQL {
		return " FOR UPDATE"
	}
	return ""
}

// readUserData reads the row the page query shows (the least key).
func readUserData(ctx context.Context, t tx, user, item media.ID) (*media.UserData, bool, error) {
	d := &media.UserData{ItemID: item, UserID: user}
	var audio, sub sql.NullInt64
	var likes sql.NullBool
	var rating sql.NullFloat64
	err := t.queryRow(ctx, `SELECT "CustomDataKey", "AudioStreamIndex", "IsFavorite", "LastPlayedDate", "Likes", "PlayCount",
  "PlaybackPositionTicks", "Played", "Rating", "SubtitleStreamIndex"
FROM "UserData" WHERE "ItemId" = ? AND "UserId" = ? ORDER BY "CustomDataKey" LIMIT 1`+forUpdate(t), database.GUID(item), database.GUID(user)).Scan(
		&d.Key, &audio, &d.IsFavorite, database.ScanTime{T: &d.LastPlayedDate}, &likes, &d.PlayCount,
		&d.PlaybackPositionTicks, &d.Played, &rating, &sub)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	d.AudioStreamIndex, d.SubtitleStreamIndex = intPtr(audio), intPtr(sub)
	if likes.Valid {
		d.Likes = &likes.Bool
	}
	if rating.Valid {
		d.Rating = &rating.Float64
	}
	return d, true, nil
}

// DisplayPreferences returns a user's display preferences for an item and
// client, with the item view settings and custom settings; found is false
// when none are stored (the first two are then nil).
func (s *Store) DisplayPreferences(ctx context.Context, user, item media.ID, client string) (
	p *media.DisplayPreferences, ip *media.ItemDisplayPreferences, custom map[string]*string, err error) {
	err = s.db.Retry(ctx, func(ctx context.Context) error {
		p, ip, custom = nil, nil, map[string]*string{}
		x := &media.DisplayPreferences{UserID: user, ItemID: item, Client: client}
		var indexBy sql.NullInt64
		var theme, tvHome sql.NullString
		err := s.db.QueryRow(ctx, `SELECT "Id", "ShowSidebar", "ShowBackdrop", "ScrollDirection", "IndexBy",
  "SkipForwardLength", "SkipBackwardLength", "ChromecastVersion", "EnableNextVideoInfoOverlay", "DashboardTheme", "TvHome"
FROM "DisplayPreferences" WHERE "UserId" = ? AND "ItemId" = ? AND "Client" = ?`, database.GUID(user), database.GUID(item), client).Scan(
			&x.ID, &x.ShowSidebar, &x.ShowBackdrop, &x.ScrollDirection, &indexBy, &x.SkipForwardLength, &x.SkipBackwardLength,
			&x.ChromecastVersion, &x.EnableNextVideoInfoOverlay, &theme, &tvHome)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			x.IndexBy, x.DashboardTheme, x.TvHome = intPtr(indexBy), theme.String, tvHome.String
			rows, err := s.db.Query(ctx, `SELECT "Id", "Order", "Type" FROM "HomeSection" WHERE "DisplayPreferencesId" = ? ORDER BY "Order", "Id"`, x.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var h media.HomeSection
				if err := rows.Scan(&h.ID, &h.Order, &h.Type); err != nil {
					return err
				}
				x.HomeSections = append(x.HomeSections, h)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			p = x
		}
		y := &media.ItemDisplayPreferences{UserID: user, ItemID: item, Client: client}
		var yIndex sql.NullInt64
		err = s.db.QueryRow(ctx, `SELECT "Id", "ViewType", "RememberIndexing", "IndexBy", "RememberSorting", "SortBy", "SortOrder"
FROM "ItemDisplayPreferences" WHERE "UserId" = ? AND "ItemId" = ? AND "Client" = ? ORDER BY "Id" LIMIT 1`, database.GUID(user), database.GUID(item), client).Scan(
			&y.ID, &y.ViewType, &y.RememberIndexing, &yIndex, &y.RememberSorting, &y.SortBy, &y.SortOrder)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			y.IndexBy = intPtr(yIndex)
			ip = y
		}
		rows, err := s.db.Query(ctx, `SELECT "Key", "Value" FROM "CustomItemDisplayPreferences"
WHERE "UserId" = ? AND "ItemId" = ? AND "Client" = ?`, database.GUID(user), database.GUID(item), client)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var v sql.NullString
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			if v.Valid {
				custom[k] = &v.String
			} else {
				custom[k] = nil
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("store: display preferences: %w", err)
	}
	return p, ip, custom, nil
}

// SaveDisplayPreferences replaces a user's display preferences for p's
// item and client: the preferences and home sections, the item view
// settings, and the whole set of custom settings.
func (s *Store) SaveDisplayPreferences(ctx context.Context, p *media.DisplayPreferences, ip *media.ItemDisplayPreferences, custom map[string]*string) error {
	if len(p.Client) > 32 || strings.TrimSpace(p.Client) == "" {
		return media.Errorf(media.EINVALID, "client must be 1 to 32 characters")
	}
	user, item := database.GUID(p.UserID), database.GUID(p.ItemID)
	err := s.inTx(ctx, func(t tx) error {
		err := t.queryRow(ctx, `INSERT INTO "DisplayPreferences" ("UserId", "ItemId", "Client", "ShowSidebar", "ShowBackdrop", "ScrollDirection", "IndexBy",
  "SkipForwardLength", "SkipBackwardLength", "ChromecastVersion", "EnableNextVideoInfoOverlay", "DashboardTheme", "TvHome")
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT ("UserId", "ItemId", "Client") DO UPDATE SET "ShowSidebar" = excluded."ShowSidebar", "ShowBackdrop" = excluded."ShowBackdrop",
  "ScrollDirection" = excluded."ScrollDirection", "IndexBy" = excluded."IndexBy", "SkipForwardLength" = excluded."SkipForwardLength",
  "SkipBackwardLength" = excluded."SkipBackwardLength", "ChromecastVersion" = excluded."ChromecastVersion",
  "EnableNextVideoInfoOverlay" = excluded."EnableNextVideoInfoOverlay", "DashboardTheme" = excluded."DashboardTheme", "TvHome" = excluded."TvHome"
RETURNING "Id"`, user, item, p.Client, p.ShowSidebar, p.ShowBackdrop, p.ScrollDirection, nullInt(p.IndexBy),
			p.SkipForwardLength, p.SkipBackwardLength, p.ChromecastVersion, p.EnableNextVideoInfoOverlay, nullString(p.DashboardTheme), nullString(p.TvHome)).Scan(&p.ID)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM "HomeSection" WHERE "DisplayPreferencesId" = ?`, p.ID); err != nil {
			return err
		}
		for _, h := range p.HomeSections {
			if _, err := t.exec(ctx, `INSERT INTO "HomeSection" ("DisplayPreferencesId", "Order", "Type") VALUES (?, ?, ?)`, p.ID, h.Order, h.Type); err != nil {
				return err
			}
		}
		// ItemDisplayPreferences has no unique key: the oldest row is the
		// one read and written.
		res, err := t.exec(ctx, `UPDATE "ItemDisplayPreferences" SET "ViewType" = ?, "RememberIndexing" = ?, "IndexBy" = ?, "RememberSorting" = ?,
  "SortBy" = ?, "SortOrder" = ? WHERE "Id" = (SELECT MIN("Id") FROM "ItemDisplayPreferences" WHERE "UserId" = ? AND "ItemId" = ? AND "Client" = ?)`,
			ip.ViewType, ip.RememberIndexing, nullInt(ip.IndexBy), ip.RememberSorting, ip.SortBy, ip.SortOrder, user, item, p.Client)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := t.exec(ctx, `INSERT INTO "ItemDisplayPreferences" ("UserId", "ItemId", "Client", "ViewType", "RememberIndexing", "IndexBy",
  "RememberSorting", "SortBy", "SortOrder") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				user, item, p.Client, ip.ViewType, ip.RememberIndexing, nullInt(ip.IndexBy), ip.RememberSorting, ip.SortBy, ip.SortOrder); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `DELETE FROM "CustomItemDisplayPreferences" WHERE "UserId" = ? AND "ItemId" = ? AND "Client" = ?`, user, item, p.Client); err != nil {
			return err
		}
		for k, v := range custom {
			var val any
			if v != nil {
				val = *v
			}
			if _, err := t.exec(ctx, `INSERT INTO "CustomItemDisplayPreferences" ("Client", "ItemId", "Key", "UserId", "Value") VALUES (?, ?, ?, ?, ?)`,
				p.Client, item, k, user, val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save display preferences: %w", err)
	}
	return nil
}

// ContentTypes counts a library's items by stored type, to tell what kind
// of library one without a stored collection type is.
func (s *Store) ContentTypes(ctx context.Context, lib media.ID) (map[string]int, error) {
	out, err := s.countByType(ctx, `SELECT "Type", COUNT(*) FROM "BaseItems" WHERE "TopParentId" = ? AND "IsVirtualItem" = ? GROUP BY "Type"`,
		database.GUID(lib), false)
	if err != nil {
		return nil, fmt.Errorf("store: library content: %w", err)
	}
	return out, nil
}
