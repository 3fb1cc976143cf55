package gendb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

// roots writes the folder items every library hangs from: the
// AggregateFolder root with a CollectionFolder per library, and the
// UserRootFolder.
func (g *gen) roots(ctx context.Context) error {
	created := g.at(g.now.Add(-4*year), g.now.Add(-3*year))
	folder := func(typ, name, path string, parent media.ID, ancestors []media.ID, data string) media.ID {
		id := g.id()
		it := &media.LibraryItem{Item: media.Item{
			ID: id, Type: typ, Name: name, ParentID: parent, Path: path, IsFolder: true,
			SortName: sortName(name), CleanName: cleanValue(name), PresentationUniqueKey: id.String(),
			DateCreated: ptr(created), DateModified: ptr(created), DateLastSaved: ptr(g.ago(30 * day)),
			AncestorIDs: ancestors,
		}, Data: data, DateLastRefreshed: ptr(g.ago(30 * day))}
		g.b.items = append(g.b.items, it)
		return id
	}
	g.lib.root = folder(media.ItemTypeAggregateFolder, "root", "%AppDataPath%/root", media.NilID, nil, `{"IsRoot":true}`)
	lib := func(name, kind, dir string) media.ID {
		data := fmt.Sprintf(`{"CollectionType":%q,"PhysicalLocationsList":[%q]}`, kind, dir)
		id := folder(media.ItemTypeCollectionFolder, name, "%AppDataPath%/root/default/"+name, g.lib.root, []media.ID{g.lib.root}, data)
		g.image(id, media.ImagePrimary, "folder.jpg", 1920, 1080)
		return id
	}
	g.lib.movies = lib("Movies", "movies", "/media/movies")
	g.lib.shows = lib("Shows", "tvshows", "/media/tv")
	g.lib.music = lib("Music", "music", "/media/music")
	g.lib.userRoot = folder(media.ItemTypeUserRootFolder, "Media Folders", "%AppDataPath%/root/default", media.NilID, nil, "")
	return g.flush(ctx)
}

// item fills what every library item has.
func (g *gen) item(typ, name, path string, parent, top media.ID, ancestors []media.ID, folder bool) *media.LibraryItem {
	id := g.id()
	created := g.at(g.now.Add(-3*year), g.now.Add(-day))
	saved := g.at(created, g.now)
	it := &media.LibraryItem{Item: media.Item{
		ID: id, Type: typ, Name: name, ParentID: parent, TopParentID: top, Path: path, IsFolder: folder,
		SortName: sortName(name), CleanName: cleanValue(name), PresentationUniqueKey: id.String(),
		DateCreated: ptr(created), DateModified: ptr(g.at(created.Add(-2*year), created)), DateLastSaved: ptr(saved),
		AncestorIDs: ancestors,
	}, DateLastRefreshed: ptr(saved), PreferredMetadataLanguage: "", PreferredMetadataCountryCode: ""}
	if g.chance(0.05) {
		it.PreferredMetadataLanguage, it.PreferredMetadataCountryCode = "en", "US"
	}
	if g.chance(0.02) {
		it.IsLocked = true
		for _, f := range g.distinct(1+g.r.IntN(3), 9) {
			g.b.fields = append(g.b.fields, media.MetadataField{ItemID: id, Field: f})
		}
	}
	g.b.items = append(g.b.items, it)
	return it
}

// movie generates a film in its "Name (Year)" folder.
func (g *gen) movie(i int) {
	name := g.title()
	year := 2024 - g.skewed(75)
	folder := fmt.Sprintf("%s (%d)", name, year)
	runtime := time.Duration(80+g.r.IntN(100))*time.Minute + time.Duration(g.r.IntN(60))*time.Second
	it := g.item(media.ItemTypeMovie, name, "/media/movies/"+folder+"/"+folder+".mkv", g.lib.movies, g.lib.movies,
		[]media.ID{g.lib.movies, g.lib.root}, false)
	id := it.ID
	it.MediaType = "Video"
	it.Overview = g.overview()
	it.ProductionYear = ptr(year)
	it.PremiereDate = ptr(time.Date(year, time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC))
	it.RunTimeTicks = ptr(ticks(runtime))
	it.CommunityRating = ptr(float32(40+g.r.IntN(50)) / 10)
	if g.chance(0.7) {
		it.CriticRating = ptr(float32(20 + g.r.IntN(80)))
	}
	it.OfficialRating = oneOf(g, ratings[:5])
	it.InheritedParentalRatingValue = ptr(g.r.IntN(18))
	it.UnratedType = "Movie"
	if g.chance(0.4) {
		it.Tagline = "Every " + strings.ToLower(oneOf(g, nouns)) + " has a " + strings.ToLower(oneOf(g, nouns)) + "."
	}
	if g.chance(0.15) {
		it.OriginalTitle = oneOf(g, adjectives) + " " + oneOf(g, nouns)
	}
	if g.chance(0.5) {
		it.ProductionLocations = []string{oneOf(g, []string{"United States of America", "United Kingdom", "France", "Japan", "Germany", "Canada"})}
	}
	it.Genres = g.genres(videoGenres, 1+g.r.IntN(4))
	it.Studios = g.studios(1 + g.r.IntN(3))
	it.Tags = g.tags(g.pick(g.p.movieTags))
	g.mapValues(id, media.ItemValueGenre, it.Genres)
	g.mapValues(id, media.ItemValueStudio, it.Studios)
	g.mapValues(id, media.ItemValueTag, it.Tags)
	// Jellyfin keeps an item's own and inherited tags as InheritedTags too.
	g.mapValues(id, media.ItemValueInheritedTags, it.Tags)
	if i == 0 && !it.IsLocked { // a tiny library has a locked field too
		it.IsLocked = true
		g.b.fields = append(g.b.fields, media.MetadataField{ItemID: id, Field: 6})
	}
	if g.chance(0.1) || i == 0 {
		g.b.trailers = append(g.b.trailers, media.TrailerType{ItemID: id, Type: 1 + g.r.IntN(5)})
	}

	var keys []string
	if g.chance(0.92) || i == 0 {
		imdb, tmdb := g.nextImdb(), g.nextTmdb()
		g.provider(id, "Imdb", imdb)
		g.provider(id, "Tmdb", tmdb)
		keys = []string{imdb, tmdb}
		if g.chance(0.3) {
			g.provider(id, "TmdbCollection", strconv.Itoa(1000+g.r.IntN(90000)))
		}
	} else {
		keys = []string{id.Hyphenated()}
	}
	g.image(id, media.ImagePrimary, "poster.jpg", 1000, 1500)
	for b := range 1 + g.r.IntN(3) {
		file := "backdrop.jpg"
		if b > 0 {
			file = "backdrop" + strconv.Itoa(b) + ".jpg"
		}
		g.image(id, media.ImageBackdrop, file, 1920, 1080)
	}
	if g.chance(0.6) {
		g.image(id, media.ImageLogo, "logo.png", 800, 310)
	}
	g.credits(id, g.pick(g.p.cast), true)
	g.video(it, "/media/movies/"+folder+"/"+folder, runtime, i == 0)
	g.playState(it.Item, keys, runtime, true)
}

// credits queues cast and crew of a film, series or episode.
func (g *gen) credits(item media.ID, actors int, crew bool) {
	order := 0
	seen := map[media.ID]bool{}
	for _, k := range g.distinct(actors, g.p.actors) {
		pid := g.person(k, "Actor")
		seen[pid] = true
		role := oneOf(g, characterRoles)
		if g.chance(0.5) {
			role = firstNames[g.r.IntN(len(firstNames))] + " " + lastNames[g.r.IntN(len(lastNames))]
		}
		if g.chance(0.08) {
			role = "" // uncredited: Jellyfin stores '' (Role is part of the key)
		}
		g.b.personMaps = append(g.b.personMaps, media.PersonMap{ItemID: item, PersonID: pid, Role: role, ListOrder: ptr(order), SortOrder: ptr(order)})
		order++
	}
	if !crew {
		return
	}
	for _, kind := range []string{"Director", "Writer", "Writer", "Producer"} {
		if kind != "Director" && g.chance(0.5) {
			continue
		}
		pid := g.person(g.p.actors+g.skewed(g.p.crew), kind)
		if seen[pid] {
			continue
		}
		seen[pid] = true
		g.b.personMaps = append(g.b.personMaps, media.PersonMap{ItemID: item, PersonID: pid, Role: "", ListOrder: ptr(order)})
		order++
	}
}

// series generates a show with its seasons and episodes.
func (g *gen) series(i int) {
	name := g.title()
	year := 2024 - g.skewed(40)
	dir := fmt.Sprintf("/media/tv/%s (%d)", name, year)
	s := g.item(media.ItemTypeSeries, name, dir, g.lib.shows, g.lib.shows, []media.ID{g.lib.shows, g.lib.root}, true)
	tvdb, imdb := g.nextTvdb(), g.nextImdb()
	key := tvdb // the series' user data key and presentation key
	s.PresentationUniqueKey = key
	s.Overview = g.overview()
	s.ProductionYear = ptr(year)
	s.PremiereDate = ptr(time.Date(year, time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC))
	s.CommunityRating = ptr(float32(50+g.r.IntN(45)) / 10)
	s.OfficialRating = oneOf(g, ratings[5:8])
	s.UnratedType = "Series"
	s.Genres = g.genres(videoGenres, 1+g.r.IntN(3))
	s.Studios = g.studios(1 + g.r.IntN(2))
	s.Tags = g.tags(g.pick(g.p.seriesTags))
	s.DateLastMediaAdded = ptr(g.ago(200 * day))
	g.mapValues(s.ID, media.ItemValueGenre, s.Genres)
	g.mapValues(s.ID, media.ItemValueStudio, s.Studios)
	g.mapValues(s.ID, media.ItemValueTag, s.Tags)
	g.mapValues(s.ID, media.ItemValueInheritedTags, s.Tags)
	g.provider(s.ID, "Tvdb", tvdb)
	g.provider(s.ID, "Imdb", imdb)
	g.provider(s.ID, "Tmdb", g.nextTmdb())
	g.image(s.ID, media.ImagePrimary, "poster.jpg", 680, 1000)
	g.image(s.ID, media.ImageBackdrop, "backdrop.jpg", 1920, 1080)
	g.image(s.ID, media.ImageLogo, "logo.png", 800, 310)
	if g.chance(0.5) {
		g.image(s.ID, media.ImageBanner, "banner.jpg", 758, 140)
	}
	g.credits(s.ID, g.pick(g.p.cast), false)
	for _, u := range g.users {
		if g.chance(u.activity * 0.5) {
			g.b.userData = append(g.b.userData, media.UserData{ItemID: s.ID, UserID: u.id, Key: key, IsFavorite: true})
		}
	}
	episodeLen := time.Duration(22+g.r.IntN(40)) * time.Minute
	seasons := g.pick(g.p.seasons)
	for sn := 1; sn <= seasons; sn++ {
		seasonName := "Season " + strconv.Itoa(sn)
		seasonDir := fmt.Sprintf("%s/Season %02d", dir, sn)
		se := g.item(media.ItemTypeSeason, seasonName, seasonDir, s.ID, g.lib.shows, []media.ID{s.ID, g.lib.shows, g.lib.root}, true)
		se.IndexNumber = ptr(sn)
		se.SeriesID, se.SeriesName, se.SeriesPresentationUniqueKey = s.ID, name, key
		se.PresentationUniqueKey = key + "-" + pad(sn, 3)
		se.ProductionYear = ptr(year + sn - 1)
		se.Tags = nil
		g.mapValues(se.ID, media.ItemValueInheritedTags, s.Tags)
		g.image(se.ID, media.ImagePrimary, "poster.jpg", 680, 1000)
		if g.chance(0.5) {
			g.provider(se.ID, "Tvdb", g.nextTvdb())
		}
		episodes := g.pick(g.p.episodes)
		for en := 1; en <= episodes; en++ {
			title := g.title()
			base := fmt.Sprintf("%s/%s - S%02dE%02d - %s", seasonDir, name, sn, en, title)
			e := g.item(media.ItemTypeEpisode, title, base+".mkv", se.ID, g.lib.shows, []media.ID{se.ID, s.ID, g.lib.shows, g.lib.root}, false)
			runtime := episodeLen + time.Duration(g.r.IntN(300)-150)*time.Second
			e.MediaType = "Video"
			e.Overview = g.overview()
			e.IndexNumber, e.ParentIndexNumber = ptr(en), ptr(sn)
			e.SeriesID, e.SeriesName, e.SeriesPresentationUniqueKey = s.ID, name, key
			e.SeasonID, e.SeasonName = se.ID, seasonName
			e.ProductionYear = se.ProductionYear
			e.PremiereDate = ptr(time.Date(year+sn-1, time.Month(1+(en-1)%12), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC))
			e.RunTimeTicks = ptr(ticks(runtime))
			e.CommunityRating = ptr(float32(50+g.r.IntN(45)) / 10)
			e.OfficialRating = s.OfficialRating
			e.UnratedType = "Series"
			g.mapValues(e.ID, media.ItemValueInheritedTags, s.Tags)
			g.provider(e.ID, "Tvdb", g.nextTvdb())
			if g.chance(0.4) {
				g.provider(e.ID, "Imdb", g.nextImdb())
			}
			g.image(e.ID, media.ImagePrimary, "thumb.jpg", 1920, 1080)
			if g.chance(0.5) {
				g.credits(e.ID, g.r.IntN(3), true)
			}
			first := i == 0 && sn == 1 && en == 1
			g.video(e, base, runtime, first)
			g.segments(e.ID, runtime, first)
			// Episodes' keys: the series key with season and episode
			// numbers, the series' IMDb id likewise when known.
			keys := []string{key + pad(sn, 3) + pad(en, 3)}
			if g.chance(0.3) {
				keys = append(keys, imdb+pad(sn, 3)+pad(en, 3))
			}
			g.playState(e.Item, keys, runtime, true)
		}
	}
}

// segments queues intro and outro markers, as a segment provider plugin
// finds them.
func (g *gen) segments(item media.ID, runtime time.Duration, force bool) {
	if !force && !g.chance(0.6) {
		return
	}
	provider := md5Hex("intro skipper")
	start := time.Duration(g.r.IntN(120)) * time.Second
	g.b.segments = append(g.b.segments, media.MediaSegment{ID: g.id(), ItemID: item, Type: media.SegmentIntro,
		StartTicks: ticks(start), EndTicks: ticks(start + time.Duration(30+g.r.IntN(60))*time.Second), SegmentProviderID: provider})
	if force || g.chance(0.7) {
		end := runtime - time.Duration(g.r.IntN(120))*time.Second
		g.b.segments = append(g.b.segments, media.MediaSegment{ID: g.id(), ItemID: item, Type: media.SegmentOutro,
			StartTicks: ticks(end - time.Duration(30+g.r.IntN(90))*time.Second), EndTicks: ticks(end), SegmentProviderID: provider})
	}
}

// artist generates a music artist with albums and tracks.
func (g *gen) artist(i int) {
	name := oneOf(g, []string{"The ", "", "", ""}) + oneOf(g, adjectives) + " " + oneOf(g, nouns) + oneOf(g, []string{"s", "", " Quartet", " Orchestra"})
	if g.chance(0.3) {
		name = personName(g.p.actors + g.p.crew + i)
	}
	dir := "/media/music/" + name
	a := g.item(media.ItemTypeMusicArtist, name, dir, g.lib.music, g.lib.music, []media.ID{g.lib.music, g.lib.root}, true)
	genres := g.genres(musicGenres, 1+g.r.IntN(2))
	a.Genres = genres
	g.mapValues(a.ID, media.ItemValueGenre, genres)
	g.provider(a.ID, "MusicBrainzArtist", g.id().Hyphenated())
	g.image(a.ID, media.ImagePrimary, "folder.jpg", 1000, 1000)
	if g.chance(0.5) {
		g.image(a.ID, media.ImageBackdrop, "backdrop.jpg", 1920, 1080)
	}
	albums := g.pick(g.p.albums)
	for range albums {
		title := g.title()
		year := 2024 - g.skewed(60)
		albumDir := fmt.Sprintf("%s/%s (%d)", dir, title, year)
		al := g.item(media.ItemTypeMusicAlbum, title, albumDir, a.ID, g.lib.music, []media.ID{a.ID, g.lib.music, g.lib.root}, true)
		al.ProductionYear = ptr(year)
		al.PremiereDate = ptr(time.Date(year, time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC))
		al.Artists, al.AlbumArtists, al.Genres = []string{name}, []string{name}, genres
		al.PresentationUniqueKey = name + "-" + title
		g.mapValues(al.ID, media.ItemValueArtist, al.Artists)
		g.mapValues(al.ID, media.ItemValueAlbumArtist, al.AlbumArtists)
		g.mapValues(al.ID, media.ItemValueGenre, genres)
		g.provider(al.ID, "MusicBrainzAlbum", g.id().Hyphenated())
		g.provider(al.ID, "MusicBrainzReleaseGroup", g.id().Hyphenated())
		g.provider(al.ID, "MusicBrainzAlbumArtist", g.id().Hyphenated())
		g.image(al.ID, media.ImagePrimary, "cover.jpg", 1000, 1000)
		tracks := g.pick(g.p.tracks)
		discs := 1
		if tracks > 12 && g.chance(0.2) {
			discs = 2
		}
		for tn := 1; tn <= tracks; tn++ {
			disc, track := 1, tn
			if discs == 2 && tn > tracks/2 {
				disc, track = 2, tn-tracks/2
			}
			song := g.title()
			ext := oneOf(g, []string{"flac", "flac", "mp3", "m4a", "opus"})
			path := fmt.Sprintf("%s/%02d - %s.%s", albumDir, track, song, ext)
			if discs == 2 {
				path = fmt.Sprintf("%s/Disc %d/%02d - %s.%s", albumDir, disc, track, song, ext)
			}
			t := g.item(media.ItemTypeAudio, song, path, al.ID, g.lib.music, []media.ID{al.ID, a.ID, g.lib.music, g.lib.root}, false)
			runtime := time.Duration(120+g.r.IntN(300))*time.Second + time.Duration(g.r.IntN(1000))*time.Millisecond
			t.MediaType = "Audio"
			t.Album = title
			t.AlbumArtists = []string{name}
			t.Artists = []string{name}
			if g.chance(0.15) {
				t.Artists = append(t.Artists, personName(g.p.actors+g.p.crew+g.p.artists+g.r.IntN(200)))
			}
			t.Genres = genres
			t.IndexNumber, t.ParentIndexNumber = ptr(track), ptr(disc)
			t.ProductionYear = ptr(year)
			t.RunTimeTicks = ptr(ticks(runtime))
			t.LUFS = ptr(-float32(6+g.r.IntN(120)) / 10)
			t.NormalizationGain = ptr(-float32(g.r.IntN(100)) / 10)
			bitrate := 320000
			if ext == "flac" {
				bitrate = 800000 + g.r.IntN(400000)
			}
			t.TotalBitrate = ptr(bitrate)
			t.Size = ptr(int64(runtime.Seconds() * float64(bitrate) / 8))
			g.mapValues(t.ID, media.ItemValueArtist, t.Artists)
			g.mapValues(t.ID, media.ItemValueAlbumArtist, t.AlbumArtists)
			g.mapValues(t.ID, media.ItemValueGenre, genres)
			g.provider(t.ID, "MusicBrainzTrack", g.id().Hyphenated())
			g.audioStreams(t.ID, ext, bitrate)
			key := fmt.Sprintf("%s-%s-%s-%s%s", name, title, pad(disc, 4), pad(track, 4), song)
			g.playState(t.Item, []string{key}, runtime, false)
		}
	}
}

// audioStreams queues a track's one or two streams: the audio and, often,
// the embedded cover.
func (g *gen) audioStreams(item media.ID, ext string, bitrate int) {
	codec := map[string]string{"flac": "flac", "mp3": "mp3", "m4a": "aac", "opus": "opus"}[ext]
	m := media.MediaStream{ItemID: item, StreamIndex: 0, StreamType: media.StreamAudio, Codec: codec, TimeBase: "1/44100",
		Channels: ptr(2), ChannelLayout: "stereo", SampleRate: ptr(44100), BitRate: ptr(bitrate), IsDefault: true,
		IsInterlaced: ptr(false), IsAvc: ptr(false), IsHearingImpaired: ptr(false)}
	if codec == "flac" {
		m.BitDepth = ptr(oneOf(g, []int{16, 16, 24}))
	}
	if codec == "aac" {
		m.Profile = "LC"
	}
	g.b.streams = append(g.b.streams, m)
	if g.chance(0.6) {
		g.b.streams = append(g.b.streams, media.MediaStream{ItemID: item, StreamIndex: 1, StreamType: media.StreamEmbeddedImage,
			Codec: oneOf(g, []string{"mjpeg", "png"}), Comment: "Cover (front)", Width: ptr(1000), Height: ptr(1000), TimeBase: "1/90000",
			IsInterlaced: ptr(false), IsAvc: ptr(false), IsHearingImpaired: ptr(false), RefFrames: ptr(1)})
	}
}
