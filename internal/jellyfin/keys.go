package jellyfin

import (
	"net/http"

	"github.com/jellyha/jellyha/internal/media"
)

// AuthenticationInfo is an API key as the dashboard lists it. Jellyfin uses
// the same shape for sessions; a key has no device, version or user.
type AuthenticationInfo struct {
	ID               int64 `json:"Id"`
	AccessToken      string
	DeviceID         string `json:"DeviceId"`
	AppName          string
	AppVersion       string
	DeviceName       string
	IsActive         bool
	DateCreated      *Time `json:",omitempty"`
	DateLastActivity *Time `json:",omitempty"`
}

// QueryResult is Jellyfin's list envelope.
type QueryResult[T any] struct {
	Items            []T
	TotalRecordCount int
	StartIndex       int
}

func (rt *Router) listAPIKeys(w http.ResponseWriter, r *http.Request, _ *principal) error {
	keys, err := rt.store.APIKeys(r.Context())
	if err != nil {
		return err
	}
	items := make([]AuthenticationInfo, 0, len(keys))
	for _, k := range keys {
		items = append(items, AuthenticationInfo{
			ID:               k.ID,
			AccessToken:      k.AccessToken,
			AppName:          k.Name,
			IsActive:         true,
			DateCreated:      timePtr(&k.DateCreated),
			DateLastActivity: timePtr(&k.DateLastActivity),
		})
	}
	writeJSON(w, http.StatusOK, QueryResult[AuthenticationInfo]{Items: items, TotalRecordCount: len(items)})
	return nil
}

// createAPIKey is POST /Auth/Keys?app=Name. Jellyfin answers 204 without
// the key; the dashboard lists the keys again to show it.
func (rt *Router) createAPIKey(w http.ResponseWriter, r *http.Request, _ *principal) error {
	app := query(r, "app")
	if app == "" {
		return media.Errorf(media.EINVALID, "the app parameter (the key's name) is required")
	}
	if _, err := rt.store.CreateAPIKey(r.Context(), app); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (rt *Router) deleteAPIKey(w http.ResponseWriter, r *http.Request, _ *principal) error {
	if err := rt.store.DeleteAPIKey(r.Context(), r.PathValue("key")); err != nil {
		return err
	}
	noContent(w)
	return nil
}
