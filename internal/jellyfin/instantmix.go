package jellyfin

import (
	"context"
	"net/http"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// Instant Mix: the button on a song, album, artist or genre (and in their
// menus) that plays a shuffled list of songs like it. Jellyfin's
// MusicManager picks songs sharing the seed's genres, at random, 200 at
// most; so does jellyha, the genres being those of the seed's songs (an
// album's, an artist's, a folder's). A seed whose songs have no genre mixes
// its own songs. The seed is an item, or, as jellyha's names lists give
// them, an artist's or genre's ItemValues id; /MusicGenres/{name} names a
// genre.

// instantMixSize is how many songs Jellyfin's MusicManager mixes.
const instantMixSize = 200

// getInstantMix is GET /Items/{itemId}/InstantMix and its twins under
// /Songs, /Albums, /Artists, /Playlists and /MusicGenres, and
// /Artists/InstantMix and /MusicGenres/InstantMix with the seed in ?id=.
func (rt *Router) getInstantMix(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return err
	}
	limit, ok, err := queryInt(r, "Limit")
	if err != nil {
		return err
	}
	if !ok || limit == 0 || limit > instantMixSize {
		limit = instantMixSize
	}
	songs := func() *store.ItemQuery {
		q := v.query()
		q.Recursive = true
		q.Types = []string{media.ItemTypeAudio}
		return q
	}
	var seed *store.ItemQuery
	genre := false // a genre's mix is its songs, not its songs' other genres'
	if name := r.PathValue("name"); name != "" {
		seed, genre = songs(), true
		seed.Genres = []string{name}
	} else {
		raw := r.PathValue("itemId")
		if raw == "" {
			raw = query(r, "id")
		}
		id, err := media.ParseID(raw)
		if err != nil {
			return media.Errorf(media.EINVALID, "%q is not a valid id", raw)
		}
		if seed, genre, err = rt.mixSeed(ctx, v, id, songs); err != nil {
			return err
		}
	}
	q := seed
	if !genre {
		q = songs()
		if q.GenreIDs, err = rt.seedGenres(ctx, seed); err != nil {
			return err
		}
		if len(q.GenreIDs) == 0 {
			q = seed
		}
	}
	q.Sort = []store.ItemSort{{By: "Random"}}
	q.Limit, q.SkipTotal = limit, true
	return rt.writeQuery(w, r, v, p, q)
}

// mixSeed is the songs an Instant Mix starts from, and whether they are a
// genre's: a song itself; an artist's or a genre's songs, for such an item
// (a database Jellyfin wrote has them) or, for an id that is no item the
// user may see, such an ItemValues id; the songs under any other item.
func (rt *Router) mixSeed(ctx context.Context, v *viewer, id media.ID, songs func() *store.ItemQuery) (*store.ItemQuery, bool, error) {
	seed := songs()
	it, err := rt.item(ctx, v, id)
	if err == nil {
		switch it.Type {
		case media.ItemTypeAudio:
			seed.IDs = []media.ID{id}
		case media.ItemTypeMusicGenre, media.ItemTypeGenre:
			seed.Genres = []string{it.Name}
			return seed, true, nil
		case media.ItemTypeMusicArtist:
			seed.ArtistIDs = []media.ID{id}
		default:
			seed.ParentID = id
		}
		return seed, false, nil
	}
	if media.ErrorCode(err) != media.ENOTFOUND {
		return nil, false, err
	}
	for i, by := range []func(q *store.ItemQuery){
		func(q *store.ItemQuery) { q.GenreIDs = []media.ID{id} },
		func(q *store.ItemQuery) { q.ArtistIDs = []media.ID{id} },
	} {
		seed = songs()
		by(seed)
		probe := *seed
		probe.Limit, probe.SkipTotal, probe.SkipAttach = 1, true, true
		page, err := rt.store.QueryItems(ctx, &probe)
		if err != nil {
			return nil, false, err
		}
		if len(page.Items) > 0 {
			return seed, i == 0, nil
		}
	}
	return nil, false, media.Errorf(media.ENOTFOUND, "item %s not found", id)
}

// seedGenres are the genres of the seed's songs (of up to instantMixSize
// of them).
func (rt *Router) seedGenres(ctx context.Context, seed *store.ItemQuery) ([]media.ID, error) {
	q := *seed
	q.Limit, q.SkipTotal, q.SkipAttach = instantMixSize, true, true
	q.Sort = []store.ItemSort{{By: "Random"}}
	page, err := rt.store.QueryItems(ctx, &q)
	if err != nil || len(page.Items) == 0 {
		return nil, err
	}
	ids := make([]media.ID, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	credits, err := rt.store.ItemsCredits(ctx, ids, store.CreditKinds{Genres: true})
	if err != nil {
		return nil, err
	}
	var genres []media.ID
	seen := map[media.ID]bool{}
	for _, id := range ids {
		for _, g := range credits[id].Genres {
			if !seen[g.ID] {
				seen[g.ID] = true
				genres = append(genres, g.ID)
			}
		}
	}
	return genres, nil
}
