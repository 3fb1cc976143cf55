package jellyfin

import (
	"net/http"
	"strings"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// SearchHint is one result of /Search/Hints: an item reduced to what a
// search drop-down shows.
type SearchHint struct {
	ItemID                  string `json:"ItemId"` // deprecated twin of Id, still read by older clients
	ID                      string `json:"Id"`
	Name                    string
	MatchedTerm             string   `json:",omitempty"`
	IndexNumber             *int     `json:",omitempty"`
	ProductionYear          *int     `json:",omitempty"`
	ParentIndexNumber       *int     `json:",omitempty"`
	PrimaryImageTag         string   `json:",omitempty"`
	ThumbImageTag           string   `json:",omitempty"`
	ThumbImageItemID        string   `json:"ThumbImageItemId,omitempty"`
	BackdropImageTag        string   `json:",omitempty"`
	BackdropImageItemID     string   `json:"BackdropImageItemId,omitempty"`
	Type                    string   `json:"Type"`
	IsFolder                bool     `json:"IsFolder"`
	RunTimeTicks            *int64   `json:",omitempty"`
	MediaType               string   `json:"MediaType"`
	Series                  string   `json:",omitempty"`
	Album                   string   `json:",omitempty"`
	AlbumArtist             string   `json:",omitempty"`
	Artists                 []string `json:"Artists"`
	PrimaryImageAspectRatio *float64 `json:",omitempty"`
}

// SearchHintResult is the answer of /Search/Hints.
type SearchHintResult struct {
	SearchHints      []SearchHint
	TotalRecordCount int
}

// getSearchHints is GET /Search/Hints: items whose name matches
// searchTerm, by sort name, through the same scoped query as /Items (so a
// user finds only what their libraries hold). People, genres and studios
// are not items jellyha lists, so includePeople and the like find nothing
// more.
func (rt *Router) getSearchHints(w http.ResponseWriter, r *http.Request, p *principal) error {
	term := strings.TrimSpace(query(r, "searchTerm"))
	if term == "" {
		return media.Errorf(media.EINVALID, "searchTerm is required")
	}
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	q := v.query()
	q.SearchTerm, q.Recursive = term, true
	if q.ParentID, err = queryID(r, "parentId"); err != nil {
		return err
	}
	q.Types = itemTypes(queryList(r, "includeItemTypes"), true)
	q.ExcludeTypes = itemTypes(queryList(r, "excludeItemTypes"), false)
	for _, m := range queryList(r, "mediaTypes") {
		q.MediaTypes = append(q.MediaTypes, mediaTypeName(m))
	}
	if b := queryBool(r, "includeMedia"); b != nil && !*b {
		// Only people, genres, studios... were asked for: none are items.
		writeJSON(w, http.StatusOK, &SearchHintResult{SearchHints: []SearchHint{}})
		return nil
	}
	if err := paging(r, q); err != nil {
		return err
	}
	q.Sort = []store.ItemSort{{By: "SortName"}}
	q.SkipProviders = true // hints carry no provider ids
	page, err := rt.store.QueryItems(r.Context(), q)
	if err != nil {
		return err
	}
	res := &SearchHintResult{SearchHints: make([]SearchHint, 0, len(page.Items)), TotalRecordCount: page.Total}
	for _, it := range page.Items {
		d := rt.itemDto(it, dtoOptions{images: true, fields: allFields})
		h := SearchHint{ItemID: d.ID, ID: d.ID, Name: d.Name, MatchedTerm: term, IndexNumber: d.IndexNumber,
			ProductionYear: d.ProductionYear, ParentIndexNumber: d.ParentIndexNumber, PrimaryImageTag: d.ImageTags["Primary"],
			Type: d.Type, IsFolder: d.IsFolder, RunTimeTicks: d.RunTimeTicks, MediaType: d.MediaType, Series: d.SeriesName,
			Album: d.Album, AlbumArtist: d.AlbumArtist, Artists: d.Artists, PrimaryImageAspectRatio: d.PrimaryImageAspectRatio}
		if h.Artists == nil {
			h.Artists = []string{}
		}
		if tag := d.ImageTags["Thumb"]; tag != "" {
			h.ThumbImageTag, h.ThumbImageItemID = tag, d.ID
		}
		if len(d.BackdropImageTags) > 0 {
			h.BackdropImageTag, h.BackdropImageItemID = d.BackdropImageTags[0], d.ID
		}
		res.SearchHints = append(res.SearchHints, h)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
