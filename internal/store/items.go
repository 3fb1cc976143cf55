package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// SaveItem inserts or replaces an item and its AncestorIds rows, writing
// the same columns as the scanner and BulkInsertItems (those a plain Item
// does not carry get Jellyfin's defaults). Its ancestors must already exist
// (Jellyfin's foreign keys).
func (s *Store) SaveItem(ctx context.Context, it *media.Item) error {
	if it.ID.IsZero() {
		it.ID = media.NewID()
	}
	li := &media.LibraryItem{Item: *it}
	err := s.inTx(ctx, func(t tx) error { return upsertItem(ctx, t, li) })
	if err != nil {
		return fmt.Errorf("store: save item %s: %w", it.ID, err)
	}
	it.DateLastSaved = li.DateLastSaved
	return nil
}

const itemColumns = `"Id", "Type", COALESCE("Name", ''), "ParentId", "TopParentId", COALESCE("Path", ''), "IsFolder", "IsVirtualItem",
  COALESCE("MediaType", ''), COALESCE("SortName", ''), COALESCE("CleanName", ''), COALESCE("Overview", ''),
  COALESCE("PresentationUniqueKey", ''), COALESCE("SeriesPresentationUniqueKey", ''), "SeriesId", COALESCE("SeriesName", ''),
  "SeasonId", COALESCE("SeasonName", ''), COALESCE("Album", ''), COALESCE("Artists", ''), COALESCE("AlbumArtists", ''), COALESCE("Genres", ''),
  "IndexNumber", "ParentIndexNumber", "ProductionYear", "RunTimeTicks", "Size", "Width", "Height", "CommunityRating",
  "DateCreated", "DateModified", "PremiereDate", "DateLastSaved"`

// itemScan holds what scanning itemColumns needs besides the item.
type itemScan struct {
	it                            *media.Item
	artists, albumArtists, genres string
	index, parentIndex, year      sql.NullInt64
	width, height                 sql.NullInt64
	runtime, size                 sql.NullInt64
	rating                        sql.NullFloat64
}

// dest returns the scan destinations of itemColumns.
func (x *itemScan) dest() []any {
	it := x.it
	return []any{database.ScanGUID{ID: &it.ID}, &it.Type, &it.Name, database.ScanGUID{ID: &it.ParentID}, database.ScanGUID{ID: &it.TopParentID},
		&it.Path, &it.IsFolder, &it.IsVirtualItem, &it.MediaType, &it.SortName, &it.CleanName, &it.Overview,
		&it.PresentationUniqueKey, &it.SeriesPresentationUniqueKey, database.ScanGUID{ID: &it.SeriesID}, &it.SeriesName,
		database.ScanGUID{ID: &it.SeasonID}, &it.SeasonName, &it.Album, &x.artists, &x.albumArtists, &x.genres,
		&x.index, &x.parentIndex, &x.year, &x.runtime, &x.size, &x.width, &x.height, &x.rating,
		database.ScanTime{T: &it.DateCreated}, database.ScanTime{T: &it.DateModified}, database.ScanTime{T: &it.PremiereDate}, database.ScanTime{T: &it.DateLastSaved}}
}

// finish converts the scanned values into the item.
func (x *itemScan) finish() {
	it := x.it
	it.Artists, it.AlbumArtists, it.Genres = splitList(x.artists), splitList(x.albumArtists), splitList(x.genres)
	it.IndexNumber, it.ParentIndexNumber, it.ProductionYear = intPtr(x.index), intPtr(x.parentIndex), intPtr(x.year)
	it.Width, it.Height = intPtr(x.width), intPtr(x.height)
	if x.runtime.Valid {
		it.RunTimeTicks = &x.runtime.Int64
	}
	if x.size.Valid {
		it.Size = &x.size.Int64
	}
	if x.rating.Valid {
		f := float32(x.rating.Float64)
		it.CommunityRating = &f
	}
}

func scanItem(sc interface{ Scan(...any) error }) (*media.Item, error) {
	var it media.Item
	x := &itemScan{it: &it}
	if err := sc.Scan(x.dest()...); err != nil {
		return nil, err
	}
	x.finish()
	return &it, nil
}

// Item returns the item with id, with its ancestors.
func (s *Store) Item(ctx context.Context, id media.ID) (*media.Item, error) {
	var it *media.Item
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		var err error
		it, err = scanItem(s.db.QueryRow(ctx, `SELECT `+itemColumns+` FROM "BaseItems" WHERE "Id" = ?`, database.GUID(id)))
		if err != nil {
			return err
		}
		it.AncestorIDs, err = s.ancestors(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: %w", notFound(err, "item", id))
	}
	return it, nil
}

// ancestors returns an item's AncestorIds, nearest first: an ancestor that
// is itself below another comes before it.
func (s *Store) ancestors(ctx context.Context, id media.ID) ([]media.ID, error) {
	rows, err := s.db.Query(ctx, `SELECT a."ParentItemId",
  (SELECT COUNT(*) FROM "AncestorIds" b WHERE b."ItemId" = a."ParentItemId") AS depth
FROM "AncestorIds" a WHERE a."ItemId" = ? ORDER BY depth DESC`, database.GUID(id))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []media.ID
	for rows.Next() {
		var a media.ID
		var depth int
		if err := rows.Scan(database.ScanGUID{ID: &a}, &depth); err != nil {
			return nil, err
		}
		ids = append(ids, a)
	}
	return ids, rows.Err()
}

// Children returns the items whose parent is id, by sort name.
func (s *Store) Children(ctx context.Context, id media.ID) ([]*media.Item, error) {
	return s.items(ctx, `"ParentId" = ? ORDER BY "SortName", "Id"`, database.GUID(id))
}

// Descendants returns every item below id (by AncestorIds), by sort name.
func (s *Store) Descendants(ctx context.Context, id media.ID) ([]*media.Item, error) {
	return s.items(ctx, `"Id" IN (SELECT "ItemId" FROM "AncestorIds" WHERE "ParentItemId" = ?) ORDER BY "SortName", "Id"`, database.GUID(id))
}

func (s *Store) items(ctx context.Context, where string, args ...any) ([]*media.Item, error) {
	items, err := queryList(ctx, s, `SELECT `+itemColumns+` FROM "BaseItems" WHERE `+where, args, scanItem)
	if err != nil {
		return nil, fmt.Errorf("store: list items: %w", err)
	}
	return items, nil
}

// DeleteItem removes an item and, through Jellyfin's cascading foreign
// keys, everything below it. As Jellyfin does, users' play state for the
// removed items is kept: re-pointed to the placeholder item with a
// retention date, to be re-attached if the item comes back.
func (s *Store) DeleteItem(ctx context.Context, id media.ID) error {
	now := time.Now().UTC()
	err := s.inTx(ctx, func(t tx) error {
		if err := bumpItems(ctx, t); err != nil {
			return err
		}
		affected := `SELECT ? UNION SELECT "ItemId" FROM "AncestorIds" WHERE "ParentItemId" = ?`
		_, err := t.exec(ctx, `UPDATE "UserData" SET "ItemId" = ?, "RetentionDate" = ? WHERE "ItemId" IN (`+affected+`)
  AND NOT EXISTS (SELECT 1 FROM "UserData" p WHERE p."ItemId" = ? AND p."UserId" = "UserData"."UserId" AND p."CustomDataKey" = "UserData"."CustomDataKey")`,
			database.GUID(media.PlaceholderItemID), s.db.Time(now), database.GUID(id), database.GUID(id), database.GUID(media.PlaceholderItemID))
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM "BaseItems" WHERE "Id" = ?`, database.GUID(id))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return media.Errorf(media.ENOTFOUND, "item %s not found", id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete item %s: %w", id, err)
	}
	return nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

func int64Ptr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func intPtr(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

func nullInt64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullFloat32(p *float32) any {
	if p == nil {
		return nil
	}
	return float64(*p)
}
