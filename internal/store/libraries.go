package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// Library is a media library (Jellyfin's "virtual folder"): a name, a
// collection type and the folders it scans. Its ID is the id of the
// CollectionFolder item that stands for it in BaseItems.
type Library struct {
	ID             media.ID
	Name           string
	CollectionType string // movies, tvshows, music or mixed
	Paths          []string
	// Options is Jellyfin's LibraryOptions as JSON ("{}" when none).
	Options string
	// Layout is how the library's items are filed: LayoutJellyha for the
	// libraries jellyha made, LayoutJellyfin for those Jellyfin made and
	// jellyha adopted (AdoptLibrary).
	Layout string
	// Folders are, in the Jellyfin layout, the physical Folder item of each
	// of Paths, index for index; nil in jellyha's.
	Folders []media.ID
}

// The layouts of a library's items.
const (
	// LayoutJellyha files a library's items under its CollectionFolder:
	// their TopParentId, and the ParentId of the top-level ones.
	LayoutJellyha = "jellyha"
	// LayoutJellyfin files them as Jellyfin does: each media path is a
	// Folder item of its own under the AggregateFolder root, the
	// TopParentId of the items below it and the ParentId of the top-level
	// ones; the CollectionFolder names those Folders in its Data
	// ("PhysicalFolderIds") and is among the items' AncestorIds.
	LayoutJellyfin = "jellyfin"
)

// Tops are the TopParentId values of the library's items: the
// CollectionFolder in jellyha's layout, the physical folders in Jellyfin's.
func (l *Library) Tops() []media.ID {
	if l.Layout == LayoutJellyfin {
		return slices.Clone(l.Folders)
	}
	return []media.ID{l.ID}
}

// CollectionTypes are the library kinds jellyha scans.
var CollectionTypes = []string{"movies", "tvshows", "music", "mixed"}

// Libraries returns every library, by name.
func (s *Store) Libraries(ctx context.Context) ([]*Library, error) {
	var libs []*Library
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		libs = nil
		byID := map[media.ID]*Library{}
		rows, err := s.db.Read.QueryContext(ctx, `SELECT id, name, collection_type, options, layout FROM jellyha_libraries ORDER BY name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			l := &Library{}
			if err := rows.Scan(database.ScanGUID{ID: &l.ID}, &l.Name, &l.CollectionType, &l.Options, &l.Layout); err != nil {
				return err
			}
			libs = append(libs, l)
			byID[l.ID] = l
		}
		if err := rows.Err(); err != nil {
			return err
		}
		prows, err := s.db.Read.QueryContext(ctx, `SELECT library_id, path, folder_id FROM jellyha_library_paths ORDER BY position, path`)
		if err != nil {
			return err
		}
		defer prows.Close()
		for prows.Next() {
			var id, folder media.ID
			var p string
			if err := prows.Scan(database.ScanGUID{ID: &id}, &p, database.ScanGUID{ID: &folder}); err != nil {
				return err
			}
			if l := byID[id]; l != nil {
				l.Paths = append(l.Paths, p)
				if l.Layout == LayoutJellyfin {
					l.Folders = append(l.Folders, folder)
				}
			}
		}
		return prows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: libraries: %w", err)
	}
	return libs, nil
}

// LibraryByName returns the library called name (case-insensitively, as
// Jellyfin compares them).
func (s *Store) LibraryByName(ctx context.Context, name string) (*Library, error) {
	libs, err := s.Libraries(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range libs {
		if strings.EqualFold(l.Name, name) {
			return l, nil
		}
	}
	return nil, media.Errorf(media.ENOTFOUND, "there is no library named %q", name)
}

// library returns the library with id.
func (s *Store) library(ctx context.Context, id media.ID) (*Library, error) {
	libs, err := s.Libraries(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range libs {
		if l.ID == id {
			return l, nil
		}
	}
	return nil, media.Errorf(media.ENOTFOUND, "library %s not found", id)
}

// validCollectionType reports whether t is a type jellyha scans.
func validCollectionType(t string) bool {
	for _, c := range CollectionTypes {
		if t == c {
			return true
		}
	}
	return false
}

// rootFolders returns the AggregateFolder every library hangs from,
// creating it (and the UserRootFolder clients list views from) if missing.
func rootFolder(ctx context.Context, t tx, now time.Time) (media.ID, error) {
	var root media.ID
	err := t.queryRow(ctx, `SELECT "Id" FROM "BaseItems" WHERE "Type" = ? ORDER BY "Id" LIMIT 1`, media.ItemTypeAggregateFolder).Scan(database.ScanGUID{ID: &root})
	if err == nil {
		return root, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return root, err
	}
	root = media.NewID()
	if err := insertFolder(ctx, t, root, media.ItemTypeAggregateFolder, "root", "%AppDataPath%/root", media.NilID, nil, `{"IsRoot":true}`, now); err != nil {
		return root, err
	}
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM "BaseItems" WHERE "Type" = ?`, media.ItemTypeUserRootFolder).Scan(&n); err != nil {
		return root, err
	}
	if n == 0 {
		err = insertFolder(ctx, t, media.NewID(), media.ItemTypeUserRootFolder, "Media Folders", "%AppDataPath%/root/default", media.NilID, nil, "", now)
	}
	return root, err
}

func insertFolder(ctx context.Context, t tx, id media.ID, typ, name, path string, parent media.ID, ancestors []media.ID, data string, now time.Time) error {
	it := &media.LibraryItem{Item: media.Item{
		ID: id, Type: typ, Name: name, ParentID: parent, Path: path, IsFolder: true,
		SortName: media.SortName(name), CleanName: media.CleanName(name), PresentationUniqueKey: id.String(),
		DateCreated: &now, DateModified: &now, DateLastSaved: &now, AncestorIDs: ancestors,
	}, Data: data, DateLastRefreshed: &now}
	return upsertItem(ctx, t, it)
}

// collectionData is the JSON Jellyfin keeps in a CollectionFolder's Data.
// A mixed library has none: its CollectionFolder's CollectionType is null
// in Jellyfin, and "mixed" is no value of the enum clients decode.
func collectionData(l *Library) string {
	v := map[string]any{"PhysicalLocationsList": nonNil(l.Paths)}
	if l.CollectionType != "mixed" {
		v["CollectionType"] = l.CollectionType
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateLibrary stores a new library and its CollectionFolder item (under
// the AggregateFolder root, created if need be). l.ID is filled in.
func (s *Store) CreateLibrary(ctx context.Context, l *Library) error {
	l.Name = strings.TrimSpace(l.Name)
	if l.Name == "" {
		return media.Errorf(media.EINVALID, "a library needs a name")
	}
	if l.CollectionType == "" {
		l.CollectionType = "mixed"
	}
	if !validCollectionType(l.CollectionType) {
		return media.Errorf(media.EINVALID, "collection type %q: use one of %s", l.CollectionType, strings.Join(CollectionTypes, ", "))
	}
	if l.Options == "" {
		l.Options = "{}"
	}
	l.ID = media.NewID()
	now := time.Now().UTC()
	err := s.inTx(ctx, func(t tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM jellyha_libraries WHERE LOWER(name) = LOWER(?)`, l.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return media.Errorf(media.ECONFLICT, "there is already a library named %q", l.Name)
		}
		root, err := rootFolder(ctx, t, now)
		if err != nil {
			return err
		}
		if err := insertFolder(ctx, t, l.ID, media.ItemTypeCollectionFolder, l.Name, "%AppDataPath%/root/default/"+l.Name, root, []media.ID{root}, collectionData(l), now); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO jellyha_libraries (id, name, collection_type, options) VALUES (?, ?, ?, ?)`,
			database.GUID(l.ID), l.Name, l.CollectionType, l.Options); err != nil {
			return err
		}
		for i, p := range l.Paths {
			if _, err := t.exec(ctx, `INSERT INTO jellyha_library_paths (library_id, path, position) VALUES (?, ?, ?)`, database.GUID(l.ID), p, i); err != nil {
				if database.IsUniqueViolation(err) {
					return media.Errorf(media.EINVALID, "the folder %s is given twice", p)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		l.ID = media.NilID
		if database.IsUniqueViolation(err) {
			return media.Errorf(media.ECONFLICT, "there is already a library named %q", l.Name)
		}
		return fmt.Errorf("store: create library %q: %w", l.Name, err)
	}
	return nil
}

// DeleteLibrary removes a library and, through DeleteItem, its
// CollectionFolder and every item in it; users' play state is kept on the
// placeholder item, as Jellyfin does. In Jellyfin's layout its physical
// folders go too, with the items below them, unless another library names
// the same folder.
func (s *Store) DeleteLibrary(ctx context.Context, id media.ID) error {
	l, err := s.library(ctx, id)
	if err != nil && media.ErrorCode(err) != media.ENOTFOUND {
		return fmt.Errorf("store: delete library: %w", err)
	}
	for _, q := range []string{
		`DELETE FROM jellyha_library_paths WHERE library_id = ?`,
		`DELETE FROM jellyha_libraries WHERE id = ?`,
		`DELETE FROM jellyha_scan_files WHERE library_id = ?`,
	} {
		if _, err := s.exec(ctx, q, database.GUID(id)); err != nil {
			return fmt.Errorf("store: delete library: %w", err)
		}
	}
	if l != nil && l.Layout == LayoutJellyfin {
		folders := slices.Clone(l.Folders)
		// And any the CollectionFolder names that had no path row.
		var data sql.NullString
		if err := s.queryRow(ctx, `SELECT "Data" FROM "BaseItems" WHERE "Id" = ?`, []any{database.GUID(id)}, &data); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: delete library: %w", err)
		}
		for _, f := range physicalFolderIDs(id, data.String) {
			if !slices.Contains(folders, f) {
				folders = append(folders, f)
			}
		}
		for _, f := range folders {
			if err := s.deletePhysicalFolder(ctx, id, f); err != nil {
				return err
			}
		}
	}
	if err := s.DeleteItem(ctx, id); err != nil && media.ErrorCode(err) != media.ENOTFOUND {
		return err
	}
	return nil
}

// AddLibraryPath adds a folder to a library. In Jellyfin's layout the
// folder gets its physical Folder item (the one Jellyfin made for that path,
// if there is one), which the CollectionFolder's Data then names.
func (s *Store) AddLibraryPath(ctx context.Context, id media.ID, path string) error {
	l, err := s.library(ctx, id)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(t tx) error {
		var pos int
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM jellyha_library_paths WHERE library_id = ?`, database.GUID(id)).Scan(&pos); err != nil {
			return err
		}
		var folder any
		if l.Layout == LayoutJellyfin {
			now := time.Now().UTC()
			root, err := rootFolder(ctx, t, now)
			if err != nil {
				return err
			}
			f, err := physicalFolder(ctx, t, root, path, now)
			if err != nil {
				return err
			}
			folder = database.GUID(f)
		}
		_, err := t.exec(ctx, `INSERT INTO jellyha_library_paths (library_id, path, position, folder_id) VALUES (?, ?, ?, ?)`, database.GUID(id), path, pos, folder)
		return err
	})
	if database.IsUniqueViolation(err) {
		return media.Errorf(media.EINVALID, "the library already has the folder %s", path)
	}
	if err != nil {
		return fmt.Errorf("store: add library path: %w", err)
	}
	return s.syncCollectionFolder(ctx, id)
}

// RemoveLibraryPath removes a folder from a library. In jellyha's layout
// the next scan removes its items; in Jellyfin's they go now, with the
// folder's physical Folder item (unless another library names it), since
// nothing would scan them again.
func (s *Store) RemoveLibraryPath(ctx context.Context, id media.ID, path string) error {
	l, err := s.library(ctx, id)
	if err != nil {
		return err
	}
	i := slices.Index(l.Paths, path)
	if i < 0 {
		return media.Errorf(media.ENOTFOUND, "the library has no folder %s", path)
	}
	if _, err := s.exec(ctx, `DELETE FROM jellyha_library_paths WHERE library_id = ? AND path = ?`, database.GUID(id), path); err != nil {
		return fmt.Errorf("store: remove library path: %w", err)
	}
	if err := s.syncCollectionFolder(ctx, id); err != nil {
		return err
	}
	if l.Layout == LayoutJellyfin && !l.Folders[i].IsZero() {
		return s.deletePhysicalFolder(ctx, id, l.Folders[i])
	}
	return nil
}

// RenameLibrary renames a library and its CollectionFolder item.
func (s *Store) RenameLibrary(ctx context.Context, id media.ID, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return media.Errorf(media.EINVALID, "a library needs a name")
	}
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM jellyha_libraries WHERE LOWER(name) = LOWER(?) AND id <> ?`, []any{name, database.GUID(id)}, &n); err != nil {
		return fmt.Errorf("store: rename library: %w", err)
	}
	if n > 0 {
		return media.Errorf(media.ECONFLICT, "there is already a library named %q", name)
	}
	if _, err := s.exec(ctx, `UPDATE jellyha_libraries SET name = ? WHERE id = ?`, name, database.GUID(id)); err != nil {
		if database.IsUniqueViolation(err) {
			return media.Errorf(media.ECONFLICT, "there is already a library named %q", name)
		}
		return fmt.Errorf("store: rename library: %w", err)
	}
	return s.syncCollectionFolder(ctx, id)
}

// syncCollectionFolder rewrites the CollectionFolder item's name, path and
// Data from the library's row. In Jellyfin's layout the folder keeps
// Jellyfin's path (its base renamed, as Jellyfin renames the library's
// folder) and every member of its Data but the two lists of media paths
// and physical folders.
func (s *Store) syncCollectionFolder(ctx context.Context, id media.ID) error {
	l, err := s.library(ctx, id)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(t tx) error {
		if err := bumpItems(ctx, t); err != nil {
			return err
		}
		path, data := "%AppDataPath%/root/default/"+l.Name, collectionData(l)
		if l.Layout == LayoutJellyfin {
			var oldPath, oldData sql.NullString
			if err := t.queryRow(ctx, `SELECT "Path", "Data" FROM "BaseItems" WHERE "Id" = ?`, database.GUID(id)).Scan(&oldPath, &oldData); err != nil {
				return notFound(err, "collection folder", id)
			}
			path = renamedFolder(oldPath.String, l.Name)
			data = jellyfinData(oldData.String, oldPath.String, path, l)
		}
		_, err := t.exec(ctx, `UPDATE "BaseItems" SET "Name" = ?, "SortName" = ?, "CleanName" = ?, "Path" = ?, "Data" = ?, "DateLastSaved" = ? WHERE "Id" = ?`,
			l.Name, media.SortName(l.Name), media.CleanName(l.Name), path, data, s.db.Time(time.Now()), database.GUID(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: update collection folder: %w", err)
	}
	return nil
}

// UserRootFolder returns the UserRootFolder item ("Media Folders"), whose
// children clients take to be the libraries; ENOTFOUND before the first
// library made it.
func (s *Store) UserRootFolder(ctx context.Context) (*ItemRow, error) {
	var it *media.Item
	err := s.db.Retry(ctx, func(ctx context.Context) error {
		var err error
		it, err = scanItem(s.db.QueryRow(ctx, `SELECT `+itemColumns+` FROM "BaseItems" WHERE "Type" = ? ORDER BY "Id" LIMIT 1`, media.ItemTypeUserRootFolder))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: %w", notFound(err, "folder", "Media Folders"))
	}
	return &ItemRow{LibraryItem: media.LibraryItem{Item: *it}}, nil
}
