package jellyfin

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/scan"
	"github.com/jellyha/jellyha/internal/store"
)

// §3.12 libraries ("virtual folders"), kept in jellyha_libraries so every
// replica sees them, and the library scan, which clients follow through the
// "Scan Media Library" scheduled task.

// SetScanner replaces the scanner /Library/Refresh runs (serve sets one
// with the configured metadata folder).
func (rt *Router) SetScanner(sc *scan.Scanner) { rt.scanner = sc }

// VirtualFolderInfo is Jellyfin's description of a library.
type VirtualFolderInfo struct {
	Name               string
	Locations          []string
	CollectionType     string
	LibraryOptions     map[string]any
	ItemID             string `json:"ItemId"`
	PrimaryImageItemID string `json:"PrimaryImageItemId"`
	RefreshProgress    *float64
	RefreshStatus      string
}

func (rt *Router) virtualFolder(l *store.Library, st *store.ScanState) VirtualFolderInfo {
	opts := map[string]any{}
	_ = json.Unmarshal([]byte(l.Options), &opts)
	paths := make([]map[string]string, len(l.Paths))
	for i, p := range l.Paths {
		paths[i] = map[string]string{"Path": p}
	}
	opts["PathInfos"] = paths
	if _, ok := opts["Enabled"]; !ok {
		opts["Enabled"] = true
	}
	v := VirtualFolderInfo{Name: l.Name, Locations: append([]string{}, l.Paths...), CollectionType: l.CollectionType,
		LibraryOptions: opts, ItemID: l.ID.String(), PrimaryImageItemID: l.ID.String(), RefreshStatus: "Idle"}
	if st != nil && st.Running {
		p := st.Progress
		v.RefreshProgress, v.RefreshStatus = &p, "Active"
	}
	return v
}

func (rt *Router) listVirtualFolders(w http.ResponseWriter, r *http.Request, _ *principal) error {
	libs, err := rt.store.Libraries(r.Context())
	if err != nil {
		return err
	}
	st, err := rt.store.ScanState(r.Context())
	if err != nil {
		return err
	}
	out := make([]VirtualFolderInfo, 0, len(libs))
	for _, l := range libs {
		out = append(out, rt.virtualFolder(l, st))
	}
	// And those Jellyfin set up that jellyha has not adopted yet (its first
	// scan or change of one adopts it), as their CollectionFolders say.
	jl, err := rt.store.JellyfinLibraries(r.Context())
	if err != nil {
		return err
	}
	for _, l := range jl {
		out = append(out, rt.virtualFolder(l, nil))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// checkPath refuses a folder this replica cannot see, and one a library
// Jellyfin set up already holds (other than lib), adopted or not: scanning
// it again would make new items beside Jellyfin's, without their metadata
// and play state.
func (rt *Router) checkPath(ctx context.Context, p string, lib media.ID) error {
	if p == "" {
		return media.Errorf(media.EINVALID, "a folder path is required")
	}
	fi, err := os.Stat(p) //nolint:gosec // an administrator names a folder on the server: that is the endpoint
	if err != nil || !fi.IsDir() {
		return media.Errorf(media.EINVALID, "the folder %s does not exist", p)
	}
	jl, err := rt.store.JellyfinLibraries(ctx)
	if err != nil {
		return err
	}
	libs, err := rt.store.Libraries(ctx)
	if err != nil {
		return err
	}
	for _, l := range libs {
		if l.Layout == store.LayoutJellyfin {
			jl = append(jl, l)
		}
	}
	clean := filepath.Clean(p)
	for _, l := range jl {
		if l.ID == lib {
			continue
		}
		for _, have := range l.Paths {
			if filepath.Clean(have) == clean {
				return media.Errorf(media.ECONFLICT, "the folder %s is in the library %q that Jellyfin set up; adding it again would list its items twice", p, l.Name)
			}
		}
	}
	return nil
}

func (rt *Router) addVirtualFolder(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var body struct{ LibraryOptions json.RawMessage }
	if err := decode(r, &body, false); err != nil {
		return err
	}
	l := &store.Library{Name: query(r, "name"), CollectionType: strings.ToLower(query(r, "collectionType")), Paths: r.URL.Query()["paths"]}
	if len(body.LibraryOptions) > 0 && string(body.LibraryOptions) != "null" {
		var opts map[string]any
		if err := json.Unmarshal(body.LibraryOptions, &opts); err != nil {
			return media.Errorf(media.EINVALID, "LibraryOptions is not a JSON object")
		}
		// The folders are kept as rows; PathInfos in the options adds them.
		if infos, ok := opts["PathInfos"].([]any); ok {
			for _, pi := range infos {
				if m, ok := pi.(map[string]any); ok {
					if p, ok := m["Path"].(string); ok && p != "" {
						l.Paths = append(l.Paths, p)
					}
				}
			}
		}
		delete(opts, "PathInfos")
		b, _ := json.Marshal(opts)
		l.Options = string(b)
	}
	for _, p := range l.Paths {
		if err := rt.checkPath(r.Context(), p, media.NilID); err != nil {
			return err
		}
	}
	if err := rt.store.CreateLibrary(r.Context(), l); err != nil {
		return err
	}
	rt.log.Info("library added", "name", l.Name, "type", l.CollectionType, "paths", l.Paths)
	if b := queryBool(r, "refreshLibrary"); b != nil && *b {
		rt.startScan()
	}
	noContent(w)
	return nil
}

func (rt *Router) libraryNamed(r *http.Request, name string) (*store.Library, error) {
	if name == "" {
		return nil, media.Errorf(media.EINVALID, "name is required")
	}
	l, err := rt.store.LibraryByName(r.Context(), name)
	if media.ErrorCode(err) != media.ENOTFOUND {
		return l, err
	}
	// A library Jellyfin set up is adopted on its first change
	// (store.AdoptLibrary): from then on it is managed and scanned like
	// jellyha's own, its items still filed Jellyfin's way. A kind of
	// library jellyha does not scan cannot be adopted (409, saying so).
	jl, jerr := rt.store.JellyfinLibraries(r.Context())
	if jerr != nil {
		return nil, jerr
	}
	for _, j := range jl {
		if strings.EqualFold(j.Name, name) {
			l, err := rt.store.AdoptLibrary(r.Context(), j.ID)
			if err != nil {
				return nil, err
			}
			rt.log.Info("library adopted", "name", l.Name, "layout", l.Layout, "paths", l.Paths)
			return l, nil
		}
	}
	return nil, err
}

func (rt *Router) removeVirtualFolder(w http.ResponseWriter, r *http.Request, _ *principal) error {
	l, err := rt.libraryNamed(r, query(r, "name"))
	if err != nil {
		return err
	}
	if err := rt.store.DeleteLibrary(r.Context(), l.ID); err != nil {
		return err
	}
	rt.log.Info("library removed", "name", l.Name)
	noContent(w)
	return nil
}

func (rt *Router) addMediaPath(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var body struct {
		Name     string
		Path     string
		PathInfo struct{ Path string }
	}
	if err := decode(r, &body, true); err != nil {
		return err
	}
	l, err := rt.libraryNamed(r, body.Name)
	if err != nil {
		return err
	}
	p := body.PathInfo.Path
	if p == "" {
		p = body.Path
	}
	if err := rt.checkPath(r.Context(), p, l.ID); err != nil {
		return err
	}
	if err := rt.store.AddLibraryPath(r.Context(), l.ID, p); err != nil {
		return err
	}
	if b := queryBool(r, "refreshLibrary"); b == nil || *b {
		rt.startScan()
	}
	noContent(w)
	return nil
}

func (rt *Router) removeMediaPath(w http.ResponseWriter, r *http.Request, _ *principal) error {
	l, err := rt.libraryNamed(r, query(r, "name"))
	if err != nil {
		return err
	}
	if err := rt.store.RemoveLibraryPath(r.Context(), l.ID, query(r, "path")); err != nil {
		return err
	}
	if b := queryBool(r, "refreshLibrary"); b != nil && *b {
		rt.startScan()
	}
	noContent(w)
	return nil
}

func (rt *Router) renameVirtualFolder(w http.ResponseWriter, r *http.Request, _ *principal) error {
	l, err := rt.libraryNamed(r, query(r, "name"))
	if err != nil {
		return err
	}
	if err := rt.store.RenameLibrary(r.Context(), l.ID, query(r, "newName")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (rt *Router) refreshLibrary(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	rt.startScan()
	noContent(w)
	return nil
}

// startScan scans every library in the background on this replica. A scan
// already running here or on another replica is left to finish (Jellyfin
// too runs one library scan at a time).
func (rt *Router) startScan() {
	sc := rt.scanner
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 24*time.Hour)
		defer cancel()
		res, err := sc.Scan(ctx, nil, nil)
		switch {
		case media.ErrorCode(err) == media.ECONFLICT:
			rt.log.Info("library scan not started", "reason", err)
		case err != nil:
			rt.log.Error("library scan failed", "err", err)
		default:
			rt.log.Info("library scan done", "items", res.Items, "added", res.Added, "updated", res.Updated, "moved", res.Moved,
				"deleted", res.Deleted, "kept", res.Kept, "probed", res.Probed, "took", res.Duration.Round(time.Millisecond))
		}
	}()
}

// The library scan as Jellyfin's scheduled task.
const (
	scanTaskID   = "7738148ffcd07979c7ceb148e06b3aed"
	scanTaskKey  = "RefreshLibrary"
	scanTaskName = "Scan Media Library"
)

// TaskInfo is Jellyfin's scheduled task description.
type TaskInfo struct {
	Name                      string
	State                     string
	CurrentProgressPercentage *float64
	ID                        string `json:"Id"`
	LastExecutionResult       *TaskResult
	Triggers                  []struct{}
	Description               string
	Category                  string
	IsHidden                  bool
	Key                       string
}

// TaskResult is the outcome of a task's last run.
type TaskResult struct {
	StartTimeUtc Time
	EndTimeUtc   Time
	Status       string
	Name         string
	Key          string
	ID           string `json:"Id"`
	ErrorMessage string `json:",omitempty"`
}

func (rt *Router) scanTask(ctx context.Context) (*TaskInfo, error) {
	st, err := rt.store.ScanState(ctx)
	if err != nil {
		return nil, err
	}
	return scanTaskInfo(st), nil
}

// scanTaskInfo describes the scan task in state st.
func scanTaskInfo(st *store.ScanState) *TaskInfo {
	t := &TaskInfo{Name: scanTaskName, State: "Idle", ID: scanTaskID, Triggers: []struct{}{},
		Description: "Scans your media library for new files and refreshes metadata.", Category: "Library", Key: scanTaskKey}
	if st.Running {
		p := st.Progress
		t.State, t.CurrentProgressPercentage = "Running", &p
	}
	t.LastExecutionResult = scanResult(st)
	return t
}

// scanResult is the outcome of the last scan that ended, nil before any.
func scanResult(st *store.ScanState) *TaskResult {
	if st.Result == "" {
		return nil
	}
	r := &TaskResult{StartTimeUtc: Time{st.Started}, EndTimeUtc: Time{st.Ended}, Status: st.Result,
		Name: scanTaskName, Key: scanTaskKey, ID: scanTaskID}
	if st.Result == "Failed" {
		r.ErrorMessage = st.Message
	}
	return r
}

func (rt *Router) listScheduledTasks(w http.ResponseWriter, r *http.Request, _ *principal) error {
	t, err := rt.scanTask(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, []*TaskInfo{t})
	return nil
}

func (rt *Router) getScheduledTask(w http.ResponseWriter, r *http.Request, _ *principal) error {
	if r.PathValue("taskId") != scanTaskID {
		return media.Errorf(media.ENOTFOUND, "no scheduled task %s", r.PathValue("taskId"))
	}
	t, err := rt.scanTask(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (rt *Router) startScheduledTask(w http.ResponseWriter, r *http.Request, _ *principal) error {
	if r.PathValue("taskId") != scanTaskID {
		return media.Errorf(media.ENOTFOUND, "no scheduled task %s", r.PathValue("taskId"))
	}
	rt.startScan()
	noContent(w)
	return nil
}
