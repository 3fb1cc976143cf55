package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// This file holds what the library scanner writes: whole items with their
// streams, chapters, genres, people and images, what it remembers of each
// file between scans, and the lease that lets one scan run at a time across
// every replica.

// upsertItem inserts or replaces an item (every column BulkInsertItems
// writes) and its AncestorIds rows inside t.
func upsertItem(ctx context.Context, t tx, it *media.LibraryItem) error {
	if it.Type == "" {
		return media.Errorf(media.EINVALID, "item %s has no type", it.ID)
	}
	if it.DateLastSaved == nil {
		now := time.Now().UTC()
		it.DateLastSaved = &now
	}
	quoted := make([]string, len(itemBulkColumns))
	updates := make([]string, 0, len(itemBulkColumns)-1)
	for i, c := range itemBulkColumns {
		quoted[i] = `"` + c + `"`
		if i > 0 {
			updates = append(updates, quoted[i]+" = excluded."+quoted[i])
		}
	}
	query := insertSQL("BaseItems", itemBulkColumns, 1) + ` ON CONFLICT ("Id") DO UPDATE SET ` + strings.Join(updates, ", ")
	if err := bumpItems(ctx, t); err != nil {
		return err
	}
	if _, err := t.exec(ctx, query, itemArgs(t.db, nil, it)...); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM "AncestorIds" WHERE "ItemId" = ?`, database.GUID(it.ID)); err != nil {
		return err
	}
	for _, a := range it.AncestorIDs {
		if _, err := t.exec(ctx, `INSERT INTO "AncestorIds" ("ItemId", "ParentItemId") VALUES (?, ?)`, database.GUID(it.ID), database.GUID(a)); err != nil {
			return err
		}
	}
	return nil
}

// ScanFile is what the scanner remembers of an item's file or folder.
type ScanFile struct {
	ItemID    media.ID
	LibraryID media.ID
	Path      string
	ItemType  string
	Size      int64
	MtimeNS   int64
	// Probe is ffprobe's JSON for a media file, "" for a folder, or
	// "error: ..." when ffprobe could not read the file.
	Probe string
	// Sig is a hash of what was last written for the item.
	Sig string
}

// ScanCredit is a person credited on a scanned item.
type ScanCredit struct {
	Name string
	Kind string // PersonKind: Actor, Director...
	Role string
}

// ScannedItem is one item as the scanner builds it.
type ScannedItem struct {
	Item *media.LibraryItem
	// Media is set when the item's file was probed (or its probe reused):
	// its streams and chapters then replace the stored ones.
	Media    bool
	Streams  []media.MediaStream
	Chapters []media.Chapter
	Values   []media.ItemValue // Type and Value; ids are found or made
	Credits  []ScanCredit
	Images   []media.ItemImage
	// UserDataKeys are the item's user data keys: play state left on the
	// placeholder item under one of them is re-attached (Jellyfin's rule
	// for an item that comes back).
	UserDataKeys []string
	File         ScanFile
}

// SaveScanned writes a scanned item and everything it owns in one
// transaction, and records its ScanFile.
func (s *Store) SaveScanned(ctx context.Context, sc *ScannedItem) error {
	it := sc.Item
	id := database.GUID(it.ID)
	err := s.inTx(ctx, func(t tx) error {
		if err := upsertItem(ctx, t, it); err != nil {
			return err
		}
		if sc.Media {
			if err := s.replaceMedia(ctx, t, it.ID, sc.Streams, sc.Chapters); err != nil {
				return err
			}
		}
		for _, table := range []string{"ItemValuesMap", "PeopleBaseItemMap", "BaseItemImageInfos"} {
			if _, err := t.exec(ctx, `DELETE FROM "`+table+`" WHERE "ItemId" = ?`, id); err != nil {
				return err
			}
		}
		for _, v := range sc.Values {
			if _, err := t.exec(ctx, `INSERT INTO "ItemValues" ("ItemValueId", "Type", "Value", "CleanValue") VALUES (?, ?, ?, ?) ON CONFLICT ("Type", "Value") DO NOTHING`,
				database.GUID(media.NewID()), int(v.Type), v.Value, media.CleanName(v.Value)); err != nil {
				return err
			}
			var vid media.ID
			if err := t.queryRow(ctx, `SELECT "ItemValueId" FROM "ItemValues" WHERE "Type" = ? AND "Value" = ?`, int(v.Type), v.Value).Scan(database.ScanGUID{ID: &vid}); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO "ItemValuesMap" ("ItemId", "ItemValueId") VALUES (?, ?) ON CONFLICT DO NOTHING`, id, database.GUID(vid)); err != nil {
				return err
			}
		}
		for i, c := range sc.Credits {
			var pid media.ID
			err := t.queryRow(ctx, `SELECT "Id" FROM "Peoples" WHERE "Name" = ? AND COALESCE("PersonType", '') = ? ORDER BY "Id" LIMIT 1`, c.Name, c.Kind).Scan(database.ScanGUID{ID: &pid})
			if errors.Is(err, sql.ErrNoRows) {
				pid = media.NewID()
				_, err = t.exec(ctx, `INSERT INTO "Peoples" ("Id", "Name", "PersonType") VALUES (?, ?, ?)`, database.GUID(pid), c.Name, nullString(c.Kind))
			}
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO "PeopleBaseItemMap" ("ItemId", "PeopleId", "Role", "ListOrder", "SortOrder") VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				id, database.GUID(pid), c.Role, i, i); err != nil {
				return err
			}
		}
		for i := range sc.Images {
			sc.Images[i].ItemID = it.ID
			if sc.Images[i].ID.IsZero() {
				sc.Images[i].ID = media.NewID()
			}
		}
		if err := insertRows(ctx, t, "BaseItemImageInfos", imageColumns, len(sc.Images), func(i int, a []any) []any {
			return imageArgs(s.db, a, &sc.Images[i])
		}); err != nil {
			return err
		}
		if len(sc.UserDataKeys) > 0 {
			args := []any{id, database.GUID(media.PlaceholderItemID)}
			for _, k := range sc.UserDataKeys {
				args = append(args, k)
			}
			args = append(args, id)
			if _, err := t.exec(ctx, `UPDATE "UserData" SET "ItemId" = ?, "RetentionDate" = NULL WHERE "ItemId" = ? AND "CustomDataKey" IN (?`+strings.Repeat(", ?", len(sc.UserDataKeys)-1)+`)
  AND NOT EXISTS (SELECT 1 FROM "UserData" u WHERE u."ItemId" = ? AND u."UserId" = "UserData"."UserId" AND u."CustomDataKey" = "UserData"."CustomDataKey")`, args...); err != nil {
				return err
			}
		}
		f := sc.File
		f.ItemID, f.ItemType = it.ID, it.Type
		return upsertScanFile(ctx, t, &f)
	})
	if err != nil {
		return fmt.Errorf("store: save scanned item %s (%s): %w", it.ID, it.Path, err)
	}
	return nil
}

// replaceMedia replaces an item's streams and chapters.
func (s *Store) replaceMedia(ctx context.Context, t tx, item media.ID, streams []media.MediaStream, chapters []media.Chapter) error {
	for _, table := range []string{"MediaStreamInfos", "Chapters"} {
		if _, err := t.exec(ctx, `DELETE FROM "`+table+`" WHERE "ItemId" = ?`, database.GUID(item)); err != nil {
			return err
		}
	}
	for i := range streams {
		streams[i].ItemID = item
	}
	for i := range chapters {
		chapters[i].ItemID = item
	}
	if err := insertRows(ctx, t, "MediaStreamInfos", mediaStreamColumns, len(streams), func(i int, a []any) []any {
		return mediaStreamArgs(a, &streams[i])
	}); err != nil {
		return err
	}
	return insertRows(ctx, t, "Chapters", chapterColumns, len(chapters), func(i int, a []any) []any {
		c := &chapters[i]
		return append(a, database.GUID(c.ItemID), c.ChapterIndex, c.StartPositionTicks, nullString(c.Name), nullString(c.ImagePath), s.db.NullTime(c.ImageDateModified))
	})
}

// SigJellyfin is the Sig of the ScanFile of an item whose metadata Jellyfin
// made: the scanner never rebuilds such an item (see KeptItem).
const SigJellyfin = "jellyfin"

// KeptItem is what the scanner writes of an item whose metadata Jellyfin
// made (in a library Jellyfin set up): Jellyfin's Name, Overview, provider
// ids, images, people, genres, ratings... came from online sources that a
// local scan cannot match, so they are never rewritten. Only what follows
// from the file itself is: where it is, when it moved (Move), and what
// ffprobe reads in it, when it changed (Media). With neither, only the
// ScanFile is recorded.
type KeptItem struct {
	ID    media.ID
	Move  *Placement
	Media *FileMedia
	File  ScanFile
}

// Placement is where an item's file is in the library's tree.
type Placement struct {
	Path                  string
	ParentID, TopParentID media.ID
	AncestorIDs           []media.ID
	// Episode: the series and season links and names below are written
	// too, and the numbers when the file's name has them (nil: kept).
	Episode                        bool
	SeriesID, SeasonID             media.ID
	SeriesName, SeasonName         string
	SeriesPresentationUniqueKey    string
	IndexNumber, ParentIndexNumber *int
}

// FileMedia is what ffprobe read in a file, and its size and time.
type FileMedia struct {
	Streams                     []media.MediaStream
	Chapters                    []media.Chapter
	RunTimeTicks                *int64
	Width, Height, TotalBitrate *int
	Size                        int64
	DateModified                time.Time
}

// SaveKept writes a KeptItem in one transaction.
func (s *Store) SaveKept(ctx context.Context, k *KeptItem) error {
	id := database.GUID(k.ID)
	now := s.db.Time(time.Now())
	err := s.inTx(ctx, func(t tx) error {
		if k.Move != nil || k.Media != nil {
			if err := bumpItems(ctx, t); err != nil {
				return err
			}
		}
		if m := k.Move; m != nil {
			if _, err := t.exec(ctx, `UPDATE "BaseItems" SET "Path" = ?, "ParentId" = ?, "TopParentId" = ?, "DateLastSaved" = ? WHERE "Id" = ?`,
				m.Path, database.NullGUID(m.ParentID), database.NullGUID(m.TopParentID), now, id); err != nil {
				return err
			}
			if m.Episode {
				if _, err := t.exec(ctx, `UPDATE "BaseItems" SET "SeriesId" = ?, "SeriesName" = ?, "SeriesPresentationUniqueKey" = ?, "SeasonId" = ?, "SeasonName" = ?,
  "IndexNumber" = COALESCE(?, "IndexNumber"), "ParentIndexNumber" = COALESCE(?, "ParentIndexNumber") WHERE "Id" = ?`,
					database.NullGUID(m.SeriesID), nullString(m.SeriesName), nullString(m.SeriesPresentationUniqueKey), database.NullGUID(m.SeasonID), nullString(m.SeasonName),
					nullInt(m.IndexNumber), nullInt(m.ParentIndexNumber), id); err != nil {
					return err
				}
			}
			if _, err := t.exec(ctx, `DELETE FROM "AncestorIds" WHERE "ItemId" = ?`, id); err != nil {
				return err
			}
			for _, a := range m.AncestorIDs {
				if _, err := t.exec(ctx, `INSERT INTO "AncestorIds" ("ItemId", "ParentItemId") VALUES (?, ?)`, id, database.GUID(a)); err != nil {
					return err
				}
			}
		}
		if m := k.Media; m != nil {
			if _, err := t.exec(ctx, `UPDATE "BaseItems" SET "RunTimeTicks" = ?, "Width" = ?, "Height" = ?, "TotalBitrate" = ?, "Size" = ?,
  "DateModified" = ?, "DateLastSaved" = ? WHERE "Id" = ?`,
				nullInt64(m.RunTimeTicks), nullInt(m.Width), nullInt(m.Height), nullInt(m.TotalBitrate), m.Size, s.db.Time(m.DateModified), now, id); err != nil {
				return err
			}
			if err := s.replaceMedia(ctx, t, k.ID, m.Streams, m.Chapters); err != nil {
				return err
			}
		}
		f := k.File
		f.ItemID, f.Sig = k.ID, SigJellyfin
		return upsertScanFile(ctx, t, &f)
	})
	if err != nil {
		return fmt.Errorf("store: save item %s (%s): %w", k.ID, k.File.Path, err)
	}
	return nil
}

// RecordScanFiles records ScanFiles without writing their items, a few
// hundred to a transaction.
func (s *Store) RecordScanFiles(ctx context.Context, files []ScanFile) error {
	for chunk := range slices.Chunk(files, 500) {
		err := s.inTx(ctx, func(t tx) error {
			for i := range chunk {
				if err := upsertScanFile(ctx, t, &chunk[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: record scanned files: %w", err)
		}
	}
	return nil
}

func upsertScanFile(ctx context.Context, t tx, f *ScanFile) error {
	_, err := t.exec(ctx, `INSERT INTO jellyha_scan_files (item_id, library_id, path, item_type, size, mtime_ns, probe, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (item_id) DO UPDATE SET library_id = excluded.library_id, path = excluded.path, item_type = excluded.item_type,
  size = excluded.size, mtime_ns = excluded.mtime_ns, probe = excluded.probe, sig = excluded.sig`,
		database.GUID(f.ItemID), database.GUID(f.LibraryID), f.Path, f.ItemType, f.Size, f.MtimeNS, f.Probe, f.Sig)
	return err
}

// LibraryFile is an item of a library that has a path, as the scanner
// matches it against the files it finds; File is nil for an item the
// scanner has never seen (one Jellyfin wrote, say).
type LibraryFile struct {
	ID                    media.ID
	Type                  string
	Path                  string
	ParentID              media.ID
	Name                  string
	PresentationUniqueKey string
	File                  *ScanFile
	// Size and Modified are the file's size and time as the item records
	// them (BaseItems' Size and DateModified): for an item Jellyfin made,
	// what Jellyfin saw of its file before jellyha had a record of it.
	Size     *int64
	Modified *time.Time
}

// LibraryFiles returns the non-virtual items of a library that have a path
// (those whose TopParentId is one of l.Tops()), with what the scanner
// remembers of each. Scanner records whose item is gone are dropped.
func (s *Store) LibraryFiles(ctx context.Context, l *Library) ([]*LibraryFile, error) {
	lib := l.ID
	if _, err := s.exec(ctx, `DELETE FROM jellyha_scan_files WHERE library_id = ? AND item_id NOT IN (SELECT "Id" FROM "BaseItems")`, database.GUID(lib)); err != nil {
		return nil, fmt.Errorf("store: library files: %w", err)
	}
	tops := guids(l.Tops())
	if len(tops) == 0 {
		return nil, nil
	}
	var out []*LibraryFile
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		out = nil
		args := append(append([]any{}, tops...), false)
		args = append(args, tops...)
		rows, err := s.db.Query(ctx, `SELECT b."Id", b."Type", b."Path", b."ParentId", COALESCE(b."Name", ''), COALESCE(b."PresentationUniqueKey", ''),
  f.size, f.mtime_ns, f.probe, f.sig, f.path, b."Size", b."DateModified"
FROM "BaseItems" b LEFT JOIN jellyha_scan_files f ON f.item_id = b."Id"
WHERE b."TopParentId" IN (`+placeholders(len(tops))+`) AND b."Path" IS NOT NULL AND b."IsVirtualItem" = ? AND b."Id" NOT IN (`+placeholders(len(tops))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			lf := &LibraryFile{}
			var size, mtime sql.NullInt64
			var probe, sig, fpath sql.NullString
			var itemSize sql.NullInt64
			if err := rows.Scan(database.ScanGUID{ID: &lf.ID}, &lf.Type, &lf.Path, database.ScanGUID{ID: &lf.ParentID}, &lf.Name, &lf.PresentationUniqueKey,
				&size, &mtime, &probe, &sig, &fpath, &itemSize, database.ScanTime{T: &lf.Modified}); err != nil {
				return err
			}
			lf.Size = int64Ptr(itemSize)
			if size.Valid {
				lf.File = &ScanFile{ItemID: lf.ID, LibraryID: lib, Path: fpath.String, ItemType: lf.Type, Size: size.Int64, MtimeNS: mtime.Int64, Probe: probe.String, Sig: sig.String}
			}
			out = append(out, lf)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: library files: %w", err)
	}
	return out, nil
}

// DeleteScannedItem deletes an item the scanner no longer finds, with
// DeleteItem (play state kept on the placeholder), and its scanner record.
// An item already gone (deleted with its parent) is not an error.
func (s *Store) DeleteScannedItem(ctx context.Context, id media.ID) error {
	if err := s.DeleteItem(ctx, id); err != nil && media.ErrorCode(err) != media.ENOTFOUND {
		return err
	}
	if _, err := s.exec(ctx, `DELETE FROM jellyha_scan_files WHERE item_id = ?`, database.GUID(id)); err != nil {
		return fmt.Errorf("store: delete scan record: %w", err)
	}
	return nil
}

// ScanState is the library scan's lease and progress (jellyha_scan).
type ScanState struct {
	Holder    string
	Running   bool // a scan holds a live lease
	Started   time.Time
	Heartbeat time.Time
	Ended     time.Time
	Progress  float64
	Result    string // Completed, Failed or Cancelled, of the last scan
	Message   string
}

// ScanLeaseTTL is how long a scan's lease outlives its last heartbeat: a
// replica that dies mid-scan blocks others for at most this long.
const ScanLeaseTTL = 60 * time.Second

// ErrScanRunning is the code of TakeScanLease's refusal.
var ErrScanRunning = media.ECONFLICT

func ms(t time.Time) int64 { return t.UnixMilli() }

// TakeScanLease makes holder the one scanner, unless another holder's scan
// is running (heartbeat within ScanLeaseTTL): then it fails with ECONFLICT
// naming that holder. One atomic UPDATE decides, so on PostgreSQL two
// replicas racing both run it and exactly one changes the row.
func (s *Store) TakeScanLease(ctx context.Context, holder string) error {
	now := time.Now()
	res, err := s.exec(ctx, `UPDATE jellyha_scan SET holder = ?, state = 'running', started_ms = ?, heartbeat_ms = ?, progress = 0, message = ''
WHERE name = 'library' AND (state <> 'running' OR heartbeat_ms < ? OR holder = ?)`, holder, ms(now), ms(now), ms(now.Add(-ScanLeaseTTL)), holder)
	if err != nil {
		return fmt.Errorf("store: take scan lease: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	st, err := s.ScanState(ctx)
	if err != nil {
		return err
	}
	return media.Errorf(media.ECONFLICT, "a library scan is already running (%s, %.0f%% done, started %s)", st.Holder, st.Progress, st.Started.Format(time.RFC3339))
}

// ScanHeartbeat renews holder's lease and records its progress (0-100). It
// fails with ECONFLICT if the lease was lost (expired and taken).
func (s *Store) ScanHeartbeat(ctx context.Context, holder string, progress float64, message string) error {
	res, err := s.exec(ctx, `UPDATE jellyha_scan SET heartbeat_ms = ?, progress = ?, message = ? WHERE name = 'library' AND holder = ? AND state = 'running'`,
		ms(time.Now()), progress, message, holder)
	if err != nil {
		return fmt.Errorf("store: scan heartbeat: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return media.Errorf(media.ECONFLICT, "the scan lease of %s was lost", holder)
	}
	return nil
}

// EndScan releases holder's lease with the scan's result.
func (s *Store) EndScan(ctx context.Context, holder, result, message string) error {
	_, err := s.exec(ctx, `UPDATE jellyha_scan SET state = 'idle', ended_ms = ?, heartbeat_ms = ?, result = ?, message = ?,
  progress = CASE WHEN ? = 'Completed' THEN 100 ELSE progress END WHERE name = 'library' AND holder = ? AND state = 'running'`,
		ms(time.Now()), ms(time.Now()), result, message, result, holder)
	if err != nil {
		return fmt.Errorf("store: end scan: %w", err)
	}
	return nil
}

// ScanState reads the scan lease and progress.
func (s *Store) ScanState(ctx context.Context) (*ScanState, error) {
	var st ScanState
	var state string
	var started, beat, ended int64
	err := s.queryRow(ctx, `SELECT holder, state, started_ms, heartbeat_ms, ended_ms, progress, result, message FROM jellyha_scan WHERE name = 'library'`, nil,
		&st.Holder, &state, &started, &beat, &ended, &st.Progress, &st.Result, &st.Message)
	if err != nil {
		return nil, fmt.Errorf("store: scan state: %w", err)
	}
	st.Started, st.Heartbeat, st.Ended = time.UnixMilli(started).UTC(), time.UnixMilli(beat).UTC(), time.UnixMilli(ended).UTC()
	st.Running = state == "running" && time.Since(st.Heartbeat) < ScanLeaseTTL
	return &st, nil
}
