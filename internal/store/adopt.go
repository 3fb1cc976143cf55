package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// This file holds the libraries Jellyfin set up, and their adoption.
//
// A database Jellyfin wrote (a jellyfin.db opened in place, or migrated to
// PostgreSQL) has libraries without a jellyha_libraries row: a
// CollectionFolder item whose Data JSON gives the collection type and the
// media paths (PhysicalLocationsList) and names a physical Folder item per
// path (PhysicalFolderIds). Jellyfin files a library's items under those
// Folders, not under the CollectionFolder: the Folder is their TopParentId,
// and the ParentId of the top-level ones; their AncestorIds hold their
// parents up to the AggregateFolder root, the physical Folder among them,
// and the CollectionFolder.
//
// jellyha browses and plays such a library as it is (LibraryFolders). To
// manage or scan one it adopts it first (AdoptLibrary, done on the first
// scan or change, never by merely reading): the library gets a
// jellyha_libraries row like jellyha's own, so that every replica sees one
// definition, with layout 'jellyfin', and each media path's row names its
// physical Folder (folder_id). Jellyfin's rows are left as they were: the
// CollectionFolder keeps its id, name and Data, the Folders and items keep
// theirs. Only what is missing is made: a physical Folder for a media path
// that has none, and its id in the CollectionFolder's Data. From then on
// renames, media paths and removal go through the row, and the scanner
// files new items under the physical Folders as Jellyfin would (package
// scan says how it treats the items Jellyfin made).
//
// A CollectionFolder without PhysicalFolderIds whose items hang from it
// directly is a library jellyha made whose rows did not come along (jellyha
// migrate copies Jellyfin's tables only); it is adopted in jellyha's own
// layout.

// jellyfinLibrary is a library as its CollectionFolder describes it.
type jellyfinLibrary struct {
	Library
	own     string     // the CollectionFolder's own Path, under root/default
	folders []media.ID // PhysicalFolderIds
}

// JellyfinLibraries are the libraries Jellyfin set up that jellyha has not
// adopted (CollectionFolder items with no jellyha_libraries row), as their
// Data describes them: the collection type ("" for Jellyfin's mixed
// libraries) and the media paths (PhysicalLocationsList, less the
// library's own folder under root/default). jellyha browses and plays them
// (LibraryFolders); AdoptLibrary makes one manageable and scannable.
func (s *Store) JellyfinLibraries(ctx context.Context) ([]*Library, error) {
	jls, err := s.jellyfinLibraries(ctx, media.NilID)
	if err != nil {
		return nil, err
	}
	out := make([]*Library, len(jls))
	for i, j := range jls {
		out[i] = &j.Library
	}
	return out, nil
}

// jellyfinLibraries reads the libraries Jellyfin set up that have no row
// (only the one with id only, when given).
func (s *Store) jellyfinLibraries(ctx context.Context, only media.ID) ([]*jellyfinLibrary, error) {
	filter, args := "", []any{media.ItemTypeCollectionFolder, false}
	if !only.IsZero() {
		filter = ` AND b."Id" = ?`
		args = append(args, database.GUID(only))
	}
	out, err := queryList(ctx, s, `SELECT b."Id", COALESCE(b."Name", ''), COALESCE(b."Path", ''), COALESCE(b."Data", '') FROM "BaseItems" b
WHERE b."Type" = ? AND b."IsVirtualItem" = ? AND NOT EXISTS (SELECT 1 FROM jellyha_libraries l WHERE l.id = b."Id")`+filter+`
ORDER BY b."SortName", b."Id"`, args,
		func(sc interface{ Scan(...any) error }) (*jellyfinLibrary, error) {
			j := &jellyfinLibrary{Library: Library{Options: "{}"}}
			var data string
			if err := sc.Scan(database.ScanGUID{ID: &j.ID}, &j.Name, &j.own, &data); err != nil {
				return nil, err
			}
			var d struct {
				CollectionType        string
				PhysicalLocationsList []string
			}
			_ = json.Unmarshal([]byte(data), &d) // unreadable Data: a library without type or paths
			j.CollectionType = d.CollectionType
			for _, p := range d.PhysicalLocationsList {
				if p != j.own && p != "" && !containsPath(j.Paths, p) {
					j.Paths = append(j.Paths, p)
				}
			}
			j.folders = physicalFolderIDs(j.ID, data)
			return j, nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: Jellyfin's libraries: %w", err)
	}
	return out, nil
}

// containsPath reports whether paths holds p, both cleaned.
func containsPath(paths []string, p string) bool {
	p = filepath.Clean(p)
	return slices.ContainsFunc(paths, func(q string) bool { return filepath.Clean(q) == p })
}

// AdoptLibrary gives the library Jellyfin set up whose CollectionFolder is
// id a jellyha_libraries row (see the top of this file) and returns it; a
// library that has one already is returned as it is. It fails with
// ECONFLICT for a kind of library jellyha does not scan (books, photos,
// home videos...: they stay Jellyfin's, browsed and played as they are),
// and when jellyha already has a library of the same name.
func (s *Store) AdoptLibrary(ctx context.Context, id media.ID) (*Library, error) {
	if l, err := s.library(ctx, id); err == nil || media.ErrorCode(err) != media.ENOTFOUND {
		return l, err
	}
	jls, err := s.jellyfinLibraries(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(jls) == 0 {
		// Adopted meanwhile by another replica, or no library at all.
		return s.library(ctx, id)
	}
	j := jls[0]
	typ := j.CollectionType
	if typ == "" {
		typ = "mixed" // Jellyfin's mixed libraries name no type
	}
	if !validCollectionType(typ) {
		return nil, media.Errorf(media.ECONFLICT, "the library %q that Jellyfin set up holds %s, which jellyha does not scan; jellyha shows and plays it but cannot change or scan it", j.Name, typ)
	}
	layout := LayoutJellyfin
	if len(j.folders) == 0 {
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM "BaseItems" WHERE "TopParentId" = ? AND "Id" <> ? LIMIT 1) x`,
			[]any{database.GUID(id), database.GUID(id)}, &n); err != nil {
			return nil, fmt.Errorf("store: adopt library: %w", err)
		}
		if n > 0 {
			layout = LayoutJellyha
		}
	}
	now := time.Now().UTC()
	err = s.inTx(ctx, func(t tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM jellyha_libraries WHERE LOWER(name) = LOWER(?) AND id <> ?`, j.Name, database.GUID(id)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return media.Errorf(media.ECONFLICT, "jellyha has another library named %q; rename that one, then the library Jellyfin set up can be changed and scanned", j.Name)
		}
		res, err := t.exec(ctx, `INSERT INTO jellyha_libraries (id, name, collection_type, options, layout) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			database.GUID(id), j.Name, typ, "{}", layout)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another replica adopted it first
		}
		l := &Library{ID: id, Name: j.Name, CollectionType: typ, Layout: layout, Paths: j.Paths}
		changed := false
		if layout == LayoutJellyfin {
			// The physical folders Jellyfin made, by path; a folder it
			// names whose path is not among the locations is a media
			// path all the same (its items are in the library).
			byPath := map[string]media.ID{}
			for _, f := range j.folders {
				var typ string
				var p sql.NullString
				err := t.queryRow(ctx, `SELECT "Type", "Path" FROM "BaseItems" WHERE "Id" = ?`, database.GUID(f)).Scan(&typ, &p)
				if errors.Is(err, sql.ErrNoRows) || (err == nil && (typ != media.ItemTypeFolder || p.String == "")) {
					changed = true // gone, or not a folder: dropped from the Data
					continue
				}
				if err != nil {
					return err
				}
				if _, dup := byPath[filepath.Clean(p.String)]; dup {
					changed = true
					continue
				}
				byPath[filepath.Clean(p.String)] = f
				if !containsPath(l.Paths, p.String) {
					l.Paths = append(l.Paths, p.String)
				}
			}
			root, err := rootFolder(ctx, t, now)
			if err != nil {
				return err
			}
			for _, p := range l.Paths {
				f, ok := byPath[filepath.Clean(p)]
				if !ok {
					if f, err = physicalFolder(ctx, t, root, p, now); err != nil {
						return err
					}
					changed = true
				}
				l.Folders = append(l.Folders, f)
			}
		}
		for i, p := range l.Paths {
			var folder any
			if layout == LayoutJellyfin {
				folder = database.GUID(l.Folders[i])
			}
			if _, err := t.exec(ctx, `INSERT INTO jellyha_library_paths (library_id, path, position, folder_id) VALUES (?, ?, ?, ?)`,
				database.GUID(id), p, i, folder); err != nil {
				return err
			}
		}
		if changed {
			var data sql.NullString
			if err := t.queryRow(ctx, `SELECT "Data" FROM "BaseItems" WHERE "Id" = ?`, database.GUID(id)).Scan(&data); err != nil {
				return err
			}
			if err := bumpItems(ctx, t); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE "BaseItems" SET "Data" = ?, "DateLastSaved" = ? WHERE "Id" = ?`,
				jellyfinData(data.String, j.own, j.own, l), s.db.Time(now), database.GUID(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if database.IsUniqueViolation(err) {
			return nil, media.Errorf(media.ECONFLICT, "jellyha has another library named %q; rename that one, then the library Jellyfin set up can be changed and scanned", j.Name)
		}
		if media.ErrorCode(err) != media.EINTERNAL {
			return nil, err
		}
		return nil, fmt.Errorf("store: adopt library %q: %w", j.Name, err)
	}
	return s.library(ctx, id)
}

// physicalFolder returns the physical Folder item of a media path: the one
// under root with that path (Jellyfin makes one per path, shared by the
// libraries that have it), or a new one.
func physicalFolder(ctx context.Context, t tx, root media.ID, path string, now time.Time) (media.ID, error) {
	var id media.ID
	err := t.queryRow(ctx, `SELECT "Id" FROM "BaseItems" WHERE "ParentId" = ? AND "Type" = ? AND "Path" = ? AND "IsVirtualItem" = ? ORDER BY "Id" LIMIT 1`,
		database.GUID(root), media.ItemTypeFolder, path, false).Scan(database.ScanGUID{ID: &id})
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	id = media.NewID()
	return id, insertPhysicalFolder(ctx, t, id, root, path, now)
}

// insertPhysicalFolder writes a physical Folder as Jellyfin has them: named
// after the folder, a child of the root, its own TopParentId.
func insertPhysicalFolder(ctx context.Context, t tx, id, root media.ID, path string, now time.Time) error {
	name := filepath.Base(path)
	return upsertItem(ctx, t, &media.LibraryItem{Item: media.Item{
		ID: id, Type: media.ItemTypeFolder, Name: name, ParentID: root, TopParentID: id, Path: path, IsFolder: true,
		SortName: media.SortName(name), CleanName: media.CleanName(name), PresentationUniqueKey: id.String(),
		DateCreated: &now, DateModified: &now, DateLastSaved: &now, AncestorIDs: []media.ID{root},
	}, DateLastRefreshed: &now})
}

// EnsureLibraryFolders makes sure each media path of a library in
// Jellyfin's layout has its physical Folder item, which the scanner files
// items under: one deleted behind jellyha's back is made again with its
// id. It returns the library as it then is.
func (s *Store) EnsureLibraryFolders(ctx context.Context, l *Library) (*Library, error) {
	if l.Layout != LayoutJellyfin {
		return l, nil
	}
	now := time.Now().UTC()
	fixed := false
	err := s.inTx(ctx, func(t tx) error {
		var root media.ID
		for i, p := range l.Paths {
			f := l.Folders[i]
			if !f.IsZero() {
				var n int
				if err := t.queryRow(ctx, `SELECT COUNT(*) FROM "BaseItems" WHERE "Id" = ?`, database.GUID(f)).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					continue
				}
			}
			if root.IsZero() {
				var err error
				if root, err = rootFolder(ctx, t, now); err != nil {
					return err
				}
			}
			if f.IsZero() {
				var err error
				if f, err = physicalFolder(ctx, t, root, p, now); err != nil {
					return err
				}
			} else if err := insertPhysicalFolder(ctx, t, f, root, p, now); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE jellyha_library_paths SET folder_id = ? WHERE library_id = ? AND path = ?`, database.GUID(f), database.GUID(l.ID), p); err != nil {
				return err
			}
			fixed = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: library folders of %q: %w", l.Name, err)
	}
	if !fixed {
		return l, nil
	}
	if err := s.syncCollectionFolder(ctx, l.ID); err != nil {
		return nil, err
	}
	return s.library(ctx, l.ID)
}

// deletePhysicalFolder deletes a physical Folder of library lib with the
// items below it (DeleteItem: play state kept on the placeholder), unless
// another library names it too; anything but a Folder is left alone.
func (s *Store) deletePhysicalFolder(ctx context.Context, lib, folder media.ID) error {
	lf, err := s.LibraryFolders(ctx)
	if err != nil {
		return err
	}
	for other, phys := range lf.Physical {
		if other != lib && slices.Contains(phys, folder) {
			return nil
		}
	}
	libs, err := s.Libraries(ctx)
	if err != nil {
		return err
	}
	for _, l := range libs {
		if l.ID != lib && slices.Contains(l.Folders, folder) {
			return nil
		}
	}
	var typ string
	err = s.queryRow(ctx, `SELECT "Type" FROM "BaseItems" WHERE "Id" = ?`, []any{database.GUID(folder)}, &typ)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && typ != media.ItemTypeFolder) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: delete library folder: %w", err)
	}
	if err := s.DeleteItem(ctx, folder); err != nil && media.ErrorCode(err) != media.ENOTFOUND {
		return err
	}
	return nil
}

// renamedFolder is a CollectionFolder's path for a new name: Jellyfin's
// path with its last element renamed.
func renamedFolder(old, name string) string {
	i := strings.LastIndexAny(old, `/\`)
	if i < 0 {
		return "%AppDataPath%/root/default/" + name
	}
	return old[:i+1] + name
}

// jellyfinData is a CollectionFolder's Data in Jellyfin's layout after a
// change: PhysicalLocationsList (the library's own folder first when
// Jellyfin listed it, renamed from oldOwn to own, then the media paths) and
// PhysicalFolderIds (written as Jellyfin wrote the ones there: hyphenated
// if they were, else 32 hex digits as in a real 10.11.4 file) from l,
// every other member as it was.
func jellyfinData(old, oldOwn, own string, l *Library) string {
	m := map[string]json.RawMessage{}
	if json.Unmarshal([]byte(old), &m) != nil || m == nil {
		m = map[string]json.RawMessage{}
	}
	var oldLocs, oldIDs []string
	_ = json.Unmarshal(m["PhysicalLocationsList"], &oldLocs)
	_ = json.Unmarshal(m["PhysicalFolderIds"], &oldIDs)
	locs := []string{}
	if oldOwn != "" && slices.Contains(oldLocs, oldOwn) {
		locs = append(locs, own)
	}
	locs = append(locs, l.Paths...)
	hyphens := slices.ContainsFunc(oldIDs, func(s string) bool { return strings.Contains(s, "-") })
	ids := []string{}
	for _, f := range l.Folders {
		if hyphens {
			ids = append(ids, f.Hyphenated())
		} else {
			ids = append(ids, f.String())
		}
	}
	m["PhysicalLocationsList"] = marshalRaw(locs)
	m["PhysicalFolderIds"] = marshalRaw(ids)
	return string(marshalRaw(m))
}

// marshalRaw is json.Marshal without escaping <, > and & (paths keep
// their characters, as Jellyfin writes them).
func marshalRaw(v any) json.RawMessage {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(v) // strings, lists and raw JSON only
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
