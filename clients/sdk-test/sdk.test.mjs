// jellyha through the official Jellyfin TypeScript SDK (0.13, the 10.11
// line), as a client written against Jellyfin would use it: the first-run
// wizard, login, the home screen, browsing, detail, shows, images, play
// state, search, display preferences, a second user and logout, on the
// demo library.
//
// Every reply is also read by strict.mjs, which checks what the SDK's
// lenient decoding does not: GUIDs, enum values, required members, nulls
// and dates.
//
// The tests run in order and build on one another (the wizard makes the
// administrator the rest log in as), on one server for the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Jellyfin } from '@jellyfin/sdk';
import WebSocket from 'ws';
import {
	BaseItemKind, GeneralCommandType, ImageType, ItemFields, ItemFilter, ItemSortBy, MediaType, PlayCommand, PlaystateCommand,
	SessionMessageType, SortOrder, SubtitlePlaybackMode,
} from '@jellyfin/sdk/lib/generated-client/models/index.js';
import {
	getArtistsApi, getDisplayPreferencesApi, getFilterApi, getGenresApi, getImageApi, getInstantMixApi, getItemsApi, getLibraryApi, getLyricsApi,
	getMediaSegmentsApi, getMoviesApi, getPersonsApi, getPlaystateApi, getQuickConnectApi, getSessionApi, getStartupApi, getStudiosApi,
	getSuggestionsApi, getSystemApi, getTvShowsApi, getUserApi, getUserLibraryApi, getUserViewsApi, getVideosApi,
} from '@jellyfin/sdk/lib/utils/api/index.js';

import { startServer } from './harness.mjs';
import { assertStrict, stats } from './strict.mjs';

const ADMIN = 'sdk-admin';
const PASSWORD = 'correct horse battery staple';

let server;
let jellyfin;
let api; // the administrator's, once logged in
let anon; // no token
let publicInfo;
let me;
const views = {}; // CollectionType -> view
const byName = {}; // item name -> BaseItemDto

before(async () => {
	server = await startServer();
	jellyfin = new Jellyfin({
		clientInfo: { name: 'jellyha SDK tests', version: '1.0.0' },
		deviceInfo: { name: 'node', id: `sdk-test-${process.pid}` },
	});
	api = jellyfin.createApi(server.url);
	anon = jellyfin.createApi(server.url);
	const t = server.timings;
	process.stderr.write(`jellyha on ${server.url} (${server.provider}): build ${t.build} ms, demo ${t.demo} ms, start ${t.start} ms\n`);
});

after(async () => {
	await server?.stop();
	process.stderr.write(`strict.mjs read ${stats.checked} replies\n`);
});

// where names a reply for messages: method, path and query.
function where(res) {
	return `${res.config.method.toUpperCase()} ${res.request?.path ?? res.config.url}`;
}

// ok awaits an SDK call, expects 200 and checks the body strictly as
// model ("X[]" for a bare array of X).
async function ok(model, call) {
	const res = await call;
	assert.equal(res.status, 200, `${where(res)}: status`);
	if (model.endsWith('[]')) {
		assert.ok(Array.isArray(res.data), `${where(res)}: not an array`);
		res.data.forEach((v, i) => assertStrict(model.slice(0, -2), v, `${where(res)} [${i}]`));
	} else {
		assertStrict(model, res.data, where(res));
	}
	return res.data;
}

// done awaits an SDK call that answers without a body.
async function done(call) {
	const res = await call;
	assert.ok(res.status === 204 || res.status === 200, `${where(res)}: status ${res.status}`);
	return res;
}

// fails expects an SDK call to be refused with status.
async function fails(status, call) {
	await assert.rejects(call, (err) => {
		assert.equal(err.response?.status, status, `expected ${status}, got ${err.response?.status ?? err.message}`);
		return true;
	});
}

const names = (result) => (result.Items ?? result).map((i) => i.Name);

describe('first run', () => {
	it('public system info says 10.11 and that the wizard has not run', async () => {
		publicInfo = await ok('PublicSystemInfo', getSystemApi(anon).getPublicSystemInfo());
		assert.match(publicInfo.Version, /^10\.11\.\d+$/);
		assert.equal(publicInfo.ProductName, 'Jellyfin Server');
		assert.equal(publicInfo.StartupWizardCompleted, false);
	});

	it('ping answers', async () => {
		const res = await getSystemApi(anon).getPingSystem();
		assert.equal(res.status, 200);
		assert.equal(typeof res.data, 'string');
	});

	it('the wizard reads and writes the startup configuration', async () => {
		const startup = getStartupApi(anon);
		const first = await ok('StartupConfigurationDto', startup.getStartupConfiguration());
		assert.ok(first.UICulture);
		await done(startup.updateInitialConfiguration({
			startupConfigurationDto: { UICulture: 'en-GB', MetadataCountryCode: 'GB', PreferredMetadataLanguage: 'en' },
		}));
		const again = await ok('StartupConfigurationDto', startup.getStartupConfiguration());
		assert.equal(again.UICulture, 'en-GB');
		assert.equal(again.MetadataCountryCode, 'GB');
		assert.equal(again.PreferredMetadataLanguage, 'en');
	});

	it('the wizard names the first user and sets its password', async () => {
		const startup = getStartupApi(anon);
		const proposed = await ok('StartupUserDto', startup.getFirstUser());
		assert.ok(proposed.Name, 'a name is proposed');
		await done(startup.updateStartupUser({ startupUserDto: { Name: ADMIN, Password: PASSWORD } }));
		const now = await ok('StartupUserDto', startup.getFirstUser2());
		assert.equal(now.Name, ADMIN);
	});

	it('the wizard completes, and is closed to anonymous callers afterwards', async () => {
		const startup = getStartupApi(anon);
		await done(startup.setRemoteAccess({ startupRemoteAccessDto: { EnableRemoteAccess: true, EnableAutomaticPortMapping: false } }));
		await done(startup.completeWizard());
		const info = await ok('PublicSystemInfo', getSystemApi(anon).getPublicSystemInfo());
		assert.equal(info.StartupWizardCompleted, true);
		assert.equal(info.Id, publicInfo.Id, 'the server id is stable');
		await fails(401, startup.getStartupConfiguration());
		await fails(401, startup.updateStartupUser({ startupUserDto: { Name: 'intruder', Password: 'x' } }));
	});
});

describe('login', () => {
	it('a wrong password is refused with 401', async () => {
		await fails(401, getUserApi(anon).authenticateUserByName({ authenticateUserByName: { Username: ADMIN, Pw: 'wrong' } }));
	});

	it('without a token the library is closed', async () => {
		await fails(401, getItemsApi(anon).getItems({ recursive: true }));
		await fails(401, getUserViewsApi(anon).getUserViews({}));
	});

	it('authenticateUserByName logs the wizard user in as an administrator', async () => {
		const auth = await ok('AuthenticationResult', getUserApi(api).authenticateUserByName({
			authenticateUserByName: { Username: ADMIN, Pw: PASSWORD },
		}));
		assert.ok(auth.AccessToken.length >= 16, 'a real token');
		assert.equal(auth.ServerId, publicInfo.Id);
		assert.equal(auth.User.Name, ADMIN);
		assert.equal(auth.User.ServerId, publicInfo.Id);
		assert.equal(auth.User.HasPassword, true);
		assert.equal(auth.User.Policy.IsAdministrator, true);
		assert.equal(auth.SessionInfo.UserId, auth.User.Id);
		assert.equal(auth.SessionInfo.DeviceId, jellyfin.deviceInfo.id);
		// The SDK keeps the token for the calls that follow.
		assert.equal(api.accessToken, auth.AccessToken);
		me = auth.User;
	});

	it('getCurrentUser and getUsers return the same user', async () => {
		const current = await ok('UserDto', getUserApi(api).getCurrentUser());
		assert.equal(current.Id, me.Id);
		const all = await ok('UserDto[]', getUserApi(api).getUsers());
		assert.deepEqual(all.map((u) => u.Id), [me.Id]);
		const byId = await ok('UserDto', getUserApi(api).getUserById({ userId: me.Id }));
		assert.equal(byId.Name, ADMIN);
	});
});

describe('home screen', () => {
	it('user views are the three demo libraries', async () => {
		const res = await ok('BaseItemDtoQueryResult', getUserViewsApi(api).getUserViews({ userId: me.Id }));
		assert.equal(res.TotalRecordCount, 3);
		assert.deepEqual(names(res).sort(), ['Demo Movies', 'Demo Music', 'Demo Shows']);
		for (const v of res.Items) {
			assert.equal(v.Type, BaseItemKind.CollectionFolder);
			assert.equal(v.IsFolder, true);
			views[v.CollectionType] = v;
		}
		assert.deepEqual(Object.keys(views).sort(), ['movies', 'music', 'tvshows']);
	});

	it('latest in the movie library lists the three films', async () => {
		const latest = await ok('BaseItemDto[]', getUserLibraryApi(api).getLatestMedia({
			userId: me.Id, parentId: views.movies.Id, limit: 16,
		}));
		assert.deepEqual(names(latest).sort(), ['Colour Bars', 'Test Pattern', 'The Mandelbrot Set']);
		for (const m of latest) assert.equal(m.Type, BaseItemKind.Movie);
	});

	it('latest in the shows library has the demo series', async () => {
		const latest = await ok('BaseItemDto[]', getUserLibraryApi(api).getLatestMedia({
			userId: me.Id, parentId: views.tvshows.Id, groupItems: true, limit: 16,
		}));
		assert.ok(latest.length > 0);
		for (const i of latest) {
			assert.ok(i.Name === 'Demo Show' || i.SeriesName === 'Demo Show', `${i.Type} ${i.Name} belongs to the demo series`);
		}
	});

	it('next up is empty before anything is watched', async () => {
		const res = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getNextUp({ userId: me.Id }));
		assert.equal(res.Items.length, 0);
	});
});

describe('browsing', () => {
	const items = getItemsApi;
	const fetchItems = (params) => ok('BaseItemDtoQueryResult', items(api).getItems({ userId: me.Id, ...params }));

	it('IncludeItemTypes with Recursive finds each kind of item', async () => {
		const want = {
			[BaseItemKind.Movie]: ['Colour Bars', 'Test Pattern', 'The Mandelbrot Set'],
			[BaseItemKind.Series]: ['Demo Show'],
			[BaseItemKind.MusicAlbum]: ['Pure Tones'],
			[BaseItemKind.Audio]: ['220 Hertz', '330 Hertz', '440 Hertz', '550 Hertz'],
		};
		for (const [kind, expected] of Object.entries(want)) {
			const res = await fetchItems({ includeItemTypes: [kind], recursive: true });
			assert.deepEqual(names(res).sort(), expected, kind);
			assert.equal(res.TotalRecordCount, expected.length, `${kind} TotalRecordCount`);
			for (const i of res.Items) {
				assert.equal(i.Type, kind);
				byName[i.Name] = i;
			}
		}
		const episodes = await fetchItems({ includeItemTypes: [BaseItemKind.Episode], recursive: true });
		assert.equal(episodes.TotalRecordCount, 4);
		for (const e of episodes.Items) {
			assert.equal(e.SeriesId, byName['Demo Show'].Id);
			byName[e.Name] = e;
		}
	});

	it('ParentId lists a library\'s children, and Recursive its descendants', async () => {
		const movies = await fetchItems({ parentId: views.movies.Id });
		assert.deepEqual(names(movies).sort(), ['Colour Bars', 'Test Pattern', 'The Mandelbrot Set']);
		const shows = await fetchItems({ parentId: views.tvshows.Id });
		assert.deepEqual(names(shows), ['Demo Show']);
		const tracks = await fetchItems({ parentId: views.music.Id, recursive: true, includeItemTypes: [BaseItemKind.Audio] });
		assert.equal(tracks.TotalRecordCount, 4);
		const inShows = await fetchItems({ parentId: views.tvshows.Id, recursive: true, includeItemTypes: [BaseItemKind.Movie] });
		assert.equal(inShows.TotalRecordCount, 0, 'no films in the shows library');
		const album = await fetchItems({ parentId: byName['Pure Tones'].Id, fields: [ItemFields.ParentId] });
		assert.deepEqual(names(album).sort(), ['220 Hertz', '330 Hertz', '440 Hertz', '550 Hertz']);
		for (const t of album.Items) assert.equal(t.ParentId, byName['Pure Tones'].Id, 'fields=ParentId fills ParentId');
	});

	it('SortName sorts ascending and descending', async () => {
		const params = { includeItemTypes: [BaseItemKind.Movie], recursive: true, sortBy: [ItemSortBy.SortName], fields: [ItemFields.SortName] };
		const asc = await fetchItems({ ...params, sortOrder: [SortOrder.Ascending] });
		const sortNames = asc.Items.map((i) => i.SortName);
		assert.ok(sortNames.every(Boolean), 'fields=SortName fills SortName');
		assert.deepEqual(sortNames, [...sortNames].sort(), 'ascending by SortName');
		// Jellyfin sorts "The Mandelbrot Set" under M.
		assert.deepEqual(names(asc), ['Colour Bars', 'The Mandelbrot Set', 'Test Pattern']);
		const desc = await fetchItems({ ...params, sortOrder: [SortOrder.Descending] });
		assert.deepEqual(names(desc), names(asc).reverse());
	});

	it('ProductionYear and DateCreated sort', async () => {
		const byYear = await fetchItems({
			includeItemTypes: [BaseItemKind.Movie], recursive: true, sortBy: [ItemSortBy.ProductionYear], sortOrder: [SortOrder.Ascending],
		});
		assert.deepEqual(byYear.Items.map((i) => i.ProductionYear), [1999, 2001, 2010]);
		const byDate = await fetchItems({
			recursive: true, includeItemTypes: [BaseItemKind.Audio, BaseItemKind.Movie, BaseItemKind.Episode],
			sortBy: [ItemSortBy.DateCreated, ItemSortBy.SortName], sortOrder: [SortOrder.Descending], fields: [ItemFields.DateCreated],
		});
		assert.equal(byDate.TotalRecordCount, 11);
		const dates = byDate.Items.map((i) => Date.parse(i.DateCreated));
		assert.ok(dates.every((d) => !Number.isNaN(d)), 'fields=DateCreated fills DateCreated');
		for (let i = 1; i < dates.length; i++) assert.ok(dates[i - 1] >= dates[i], `newest first at ${i}`);
	});

	it('StartIndex and Limit page through the results', async () => {
		const params = { includeItemTypes: [BaseItemKind.Audio, BaseItemKind.Episode], recursive: true, sortBy: [ItemSortBy.SortName] };
		const all = await fetchItems(params);
		assert.equal(all.TotalRecordCount, 8);
		assert.equal(all.StartIndex, 0);
		const seen = [];
		for (let start = 0; start < 8; start += 3) {
			const page = await fetchItems({ ...params, startIndex: start, limit: 3 });
			assert.equal(page.TotalRecordCount, 8, 'the unpaged total');
			assert.equal(page.StartIndex, start);
			assert.equal(page.Items.length, Math.min(3, 8 - start));
			seen.push(...page.Items.map((i) => i.Id));
		}
		assert.deepEqual(seen, all.Items.map((i) => i.Id), 'the pages are the whole list, in order');
		const past = await fetchItems({ ...params, startIndex: 20, limit: 3 });
		assert.equal(past.TotalRecordCount, 8);
		assert.equal(past.Items.length, 0);
	});

	it('every Fields, SortBy, Filters, IncludeItemTypes and MediaTypes value of the SDK is accepted', async () => {
		// A client sends any of these; none may fail the request, and each
		// reply stays strict.
		const cases = [
			...Object.values(ItemFields).map((f) => ({ fields: [f] })),
			{ fields: Object.values(ItemFields) },
			...Object.values(ItemSortBy).map((s) => ({ sortBy: [s] })),
			...Object.values(ItemFilter).map((f) => ({ filters: [f] })),
			...Object.values(BaseItemKind).map((k) => ({ includeItemTypes: [k] })),
			...Object.values(MediaType).map((m) => ({ mediaTypes: [m] })),
		];
		for (const params of cases) {
			const res = await fetchItems({ recursive: true, limit: 20, ...params });
			assert.ok(res.TotalRecordCount >= res.Items.length, JSON.stringify(params));
		}
	});

	it('SearchTerm finds by name', async () => {
		const found = await fetchItems({ searchTerm: 'mandel', recursive: true });
		assert.deepEqual(names(found), ['The Mandelbrot Set']);
		const tracks = await fetchItems({ searchTerm: 'hertz', recursive: true, includeItemTypes: [BaseItemKind.Audio] });
		assert.equal(tracks.TotalRecordCount, 4);
		const none = await fetchItems({ searchTerm: 'no such thing', recursive: true });
		assert.equal(none.TotalRecordCount, 0);
		assert.deepEqual(none.Items, []);
	});
});

describe('item detail', () => {
	it('a film carries its .nfo metadata, people, studio and runtime', async () => {
		const id = byName['Test Pattern'].Id;
		const film = await ok('BaseItemDto', getUserLibraryApi(api).getItem({ itemId: id, userId: me.Id }));
		assert.equal(film.Id, id);
		assert.equal(film.Type, BaseItemKind.Movie);
		assert.equal(film.MediaType, 'Video');
		assert.equal(film.ProductionYear, 2001);
		assert.match(film.Overview, /test card/);
		assert.ok(film.Genres.includes('Documentary'));
		assert.ok(film.Studios?.some((s) => s.Name === 'jellyha Studios'), 'studio');
		const people = Object.fromEntries((film.People ?? []).map((p) => [p.Name, p]));
		assert.equal(people['Grace Hopper']?.Type, 'Actor');
		assert.equal(people['Grace Hopper']?.Role, 'The Pattern');
		assert.equal(people['Ada Lovelace']?.Type, 'Director');
		assert.ok(Math.abs(film.RunTimeTicks - 4e7) < 1e7, `about 4 s: ${film.RunTimeTicks}`);
		assert.ok(film.ImageTags.Primary, 'a poster');
		assert.equal(film.UserData.Played, false);
		assert.equal(film.UserData.ItemId, id);
	});

	it('an audio track names its album and artist', async () => {
		const track = await ok('BaseItemDto', getUserLibraryApi(api).getItem({ itemId: byName['440 Hertz'].Id, userId: me.Id }));
		assert.equal(track.MediaType, 'Audio');
		assert.equal(track.Album, 'Pure Tones');
		assert.equal(track.IndexNumber, 3);
		assert.deepEqual(track.Artists, ['The Oscillators']);
		assert.equal(track.AlbumArtist, 'The Oscillators');
	});

	it('an album\'s Instant Mix is the songs of its genre, and a song downloads', async () => {
		const mix = await ok('BaseItemDtoQueryResult', getInstantMixApi(api).getInstantMixFromAlbum({ itemId: byName['Pure Tones'].Id, userId: me.Id }));
		assert.deepEqual(names(mix).sort(), ['220 Hertz', '330 Hertz', '440 Hertz', '550 Hertz']);
		assert.equal(mix.TotalRecordCount, 4);
		const file = await getLibraryApi(api).getDownload({ itemId: byName['440 Hertz'].Id }, { responseType: 'arraybuffer' });
		assert.equal(file.status, 200);
		assert.ok(file.data.byteLength > 1000, `${file.data.byteLength} bytes`);
		assert.match(file.headers['content-disposition'], /^attachment; filename=/);
	});

	it('a song with a lyric file has synced lyrics', async () => {
		const song = await ok('BaseItemDto', getUserLibraryApi(api).getItem({ itemId: byName['440 Hertz'].Id, userId: me.Id }));
		assert.equal(song.HasLyrics, true);
		const lyrics = await ok('LyricDto', getLyricsApi(api).getLyrics({ itemId: song.Id }));
		assert.deepEqual(lyrics.Lyrics.map((l) => [l.Text, l.Start]), [['A is four hundred and forty', 0], ['Tune to it', 1e7]]);
		await fails(404, getLyricsApi(api).getLyrics({ itemId: byName['220 Hertz'].Id }));
	});

	it('every item of the library, and each view, reads strictly in detail', async () => {
		const all = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({ userId: me.Id, recursive: true }));
		assert.ok(all.TotalRecordCount >= 16, `${all.TotalRecordCount} items`);
		for (const i of [...all.Items, ...Object.values(views)]) {
			const d = await ok('BaseItemDto', getUserLibraryApi(api).getItem({ itemId: i.Id, userId: me.Id }));
			assert.equal(d.Id, i.Id);
			assert.equal(d.Type, i.Type);
		}
	});

	it('an unknown item is 404', async () => {
		await fails(404, getUserLibraryApi(api).getItem({ itemId: '0123456789abcdef0123456789abcdef', userId: me.Id }));
	});
});

describe('genres, studios, people and artists', () => {
	const fetchItems = (params) => ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({ userId: me.Id, recursive: true, ...params }));
	// Each name's Id, as the matching filter of /Items, finds the items
	// that carry it, and an unknown id finds none.
	async function filters(list, param, expect) {
		for (const v of list.Items) {
			const res = await fetchItems({ [param]: [v.Id] });
			assert.ok(res.TotalRecordCount > 0, `${param}=${v.Id} (${v.Name}) finds nothing`);
			if (expect[v.Name]) assert.deepEqual(names(res).sort(), expect[v.Name], `${param} ${v.Name}`);
		}
		const none = await fetchItems({ [param]: ['0123456789abcdef0123456789abcdef'] });
		assert.equal(none.TotalRecordCount, 0, `${param} of an unknown id`);
	}

	it('genres are those of the library, and name their items', async () => {
		const res = await ok('BaseItemDtoQueryResult', getGenresApi(api).getGenres({ userId: me.Id, sortBy: [ItemSortBy.SortName] }));
		for (const g of ['Animation', 'Documentary']) assert.ok(names(res).includes(g), `${names(res)} lacks ${g}`);
		assert.equal(res.TotalRecordCount, res.Items.length);
		for (const g of res.Items) assert.equal(g.Type, BaseItemKind.Genre);
		await filters(res, 'genreIds', { Documentary: ['Test Pattern'], Animation: ['Demo Show'] });
		const movies = await ok('BaseItemDtoQueryResult', getGenresApi(api).getGenres({ userId: me.Id, parentId: views.movies.Id }));
		assert.ok(names(movies).includes('Documentary') && !names(movies).includes('Animation'), `${names(movies)}`);
		const page = await ok('BaseItemDtoQueryResult', getGenresApi(api).getGenres({ userId: me.Id, startIndex: 1, limit: 1 }));
		assert.deepEqual(names(page), names(res).slice(1, 2));
		assert.equal(page.TotalRecordCount, res.TotalRecordCount);
	});

	it('studios and people', async () => {
		const studios = await ok('BaseItemDtoQueryResult', getStudiosApi(api).getStudios({ userId: me.Id }));
		assert.ok(names(studios).includes('jellyha Studios'), `${names(studios)}`);
		for (const s of studios.Items) assert.equal(s.Type, BaseItemKind.Studio);
		await filters(studios, 'studioIds', { 'jellyha Studios': ['Test Pattern'] });
		const people = await ok('BaseItemDtoQueryResult', getPersonsApi(api).getPersons({ userId: me.Id }));
		for (const p of ['Ada Lovelace', 'Grace Hopper']) assert.ok(names(people).includes(p), `${names(people)} lacks ${p}`);
		for (const p of people.Items) assert.equal(p.Type, BaseItemKind.Person);
		await filters(people, 'personIds', { 'Ada Lovelace': ['Test Pattern'], 'Grace Hopper': ['Test Pattern'] });
		const directors = await ok('BaseItemDtoQueryResult', getPersonsApi(api).getPersons({ userId: me.Id, personTypes: ['Director'] }));
		assert.deepEqual(names(directors), ['Ada Lovelace']);
	});

	it('artists and album artists', async () => {
		const artists = await ok('BaseItemDtoQueryResult', getArtistsApi(api).getArtists({ userId: me.Id }));
		assert.deepEqual(names(artists), ['The Oscillators']);
		assert.equal(artists.Items[0].Type, BaseItemKind.MusicArtist);
		await filters(artists, 'artistIds', {});
		const album = await ok('BaseItemDtoQueryResult', getArtistsApi(api).getAlbumArtists({ userId: me.Id }));
		assert.deepEqual(names(album), ['The Oscillators']);
		await filters(album, 'albumArtistIds', {});
	});

	it('the filter dialog lists the genres and years', async () => {
		const legacy = await ok('QueryFiltersLegacy', getFilterApi(api).getQueryFiltersLegacy({ userId: me.Id, parentId: views.movies.Id }));
		assert.ok(legacy.Genres.includes('Documentary'), `${legacy.Genres}`);
		assert.ok(legacy.Years.includes(2001), `${legacy.Years}`);
		const filters2 = await ok('QueryFilters', getFilterApi(api).getQueryFilters({ userId: me.Id }));
		const genres = await ok('BaseItemDtoQueryResult', getGenresApi(api).getGenres({ userId: me.Id }));
		assert.deepEqual(filters2.Genres.map((g) => `${g.Name}=${g.Id}`).sort(), genres.Items.map((g) => `${g.Name}=${g.Id}`).sort());
	});
});

describe('shows', () => {
	let seasons;

	it('getSeasons lists both seasons of the demo series', async () => {
		const series = byName['Demo Show'];
		const res = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getSeasons({ seriesId: series.Id, userId: me.Id }));
		seasons = res.Items;
		assert.deepEqual(seasons.map((s) => s.IndexNumber), [1, 2]);
		for (const s of seasons) {
			assert.equal(s.Type, BaseItemKind.Season);
			assert.equal(s.SeriesId, series.Id);
			assert.equal(s.IsFolder, true);
		}
	});

	it('getEpisodes lists all four in order, or one season\'s', async () => {
		const series = byName['Demo Show'];
		const all = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getEpisodes({ seriesId: series.Id, userId: me.Id }));
		assert.deepEqual(all.Items.map((e) => [e.ParentIndexNumber, e.IndexNumber]), [[1, 1], [1, 2], [2, 1], [2, 2]]);
		for (const e of all.Items) {
			assert.equal(e.Type, BaseItemKind.Episode);
			assert.equal(e.SeriesId, series.Id);
			assert.equal(e.SeriesName, 'Demo Show');
			assert.equal(e.SeasonId, seasons[e.ParentIndexNumber - 1].Id);
		}
		const second = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getEpisodes({
			seriesId: series.Id, userId: me.Id, seasonId: seasons[1].Id,
		}));
		assert.deepEqual(names(second), ['Demo Show S02E01', 'Demo Show S02E02']);
	});
});

describe('the detail page\'s extras', () => {
	it('the player\'s previous and next: getEpisodes adjacentTo and startItemId', async () => {
		const series = byName['Demo Show'];
		const all = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getEpisodes({ seriesId: series.Id, userId: me.Id }));
		const ids = all.Items.map((e) => e.Id);
		const adj = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getEpisodes({ seriesId: series.Id, userId: me.Id, adjacentTo: ids[1] }));
		assert.deepEqual(adj.Items.map((e) => e.Id), ids.slice(0, 3));
		const from = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getEpisodes({ seriesId: series.Id, userId: me.Id, startItemId: ids[2] }));
		assert.deepEqual(from.Items.map((e) => e.Id), ids.slice(2));
	});

	it('similar items share a genre; ancestors lead up to the library', async () => {
		const film = await ok('BaseItemDto', getUserLibraryApi(api).getItem({ itemId: byName['Test Pattern'].Id, userId: me.Id }));
		assert.ok(film.Genres.length > 0);
		const similar = await ok('BaseItemDtoQueryResult', getLibraryApi(api).getSimilarItems({ itemId: film.Id, userId: me.Id, fields: [ItemFields.Genres] }));
		for (const i of similar.Items) {
			assert.notEqual(i.Id, film.Id);
			assert.equal(i.Type, BaseItemKind.Movie);
			assert.ok(i.Genres.some((g) => film.Genres.includes(g)), `${i.Name} shares no genre`);
		}
		const episode = byName['Demo Show S02E01'];
		const ancestors = await ok('BaseItemDto[]', getLibraryApi(api).getAncestors({ itemId: episode.Id, userId: me.Id }));
		assert.deepEqual(ancestors.map((a) => a.Type), [BaseItemKind.Season, BaseItemKind.Series, BaseItemKind.CollectionFolder]);
		assert.equal(ancestors[2].Id, views.tvshows.Id);
	});

	it('special features, trailers, intros, theme media, parts, segments: empty, in their shapes', async () => {
		const itemId = byName['Test Pattern'].Id;
		assert.deepEqual(await ok('BaseItemDto[]', getUserLibraryApi(api).getSpecialFeatures({ itemId, userId: me.Id })), []);
		assert.deepEqual(await ok('BaseItemDto[]', getUserLibraryApi(api).getLocalTrailers({ itemId, userId: me.Id })), []);
		assert.equal((await ok('BaseItemDtoQueryResult', getUserLibraryApi(api).getIntros({ itemId, userId: me.Id }))).Items.length, 0);
		const theme = await ok('AllThemeMediaResult', getLibraryApi(api).getThemeMedia({ itemId, userId: me.Id }));
		assert.equal(theme.ThemeSongsResult.OwnerId, itemId);
		assert.equal((await ok('BaseItemDtoQueryResult', getVideosApi(api).getAdditionalPart({ itemId, userId: me.Id }))).Items.length, 0);
		assert.equal((await ok('MediaSegmentDtoQueryResult', getMediaSegmentsApi(api).getItemSegments({ itemId }))).Items.length, 0);
		await ok('BaseItemDtoQueryResult', getSuggestionsApi(api).getSuggestions({ userId: me.Id }));
		await ok('RecommendationDto[]', getMoviesApi(api).getMovieRecommendations({ userId: me.Id }));
		await fails(404, getLibraryApi(api).getSimilarItems({ itemId: '0123456789abcdef0123456789abcdef' }));
	});

	it('counts, the root folder and the media folders agree with the views', async () => {
		const counts = await ok('ItemCounts', getLibraryApi(api).getItemCounts({ userId: me.Id }));
		const films = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({ userId: me.Id, recursive: true, includeItemTypes: [BaseItemKind.Movie] }));
		assert.equal(counts.MovieCount, films.TotalRecordCount);
		assert.equal(counts.EpisodeCount, 4);
		assert.equal(counts.SongCount, 4);
		const root = await ok('BaseItemDto', getUserLibraryApi(api).getRootFolder({ userId: me.Id }));
		assert.equal(root.Type, BaseItemKind.UserRootFolder);
		const children = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({ userId: me.Id, parentId: root.Id }));
		assert.deepEqual(children.Items.map((i) => i.Id).sort(), Object.values(views).map((v) => v.Id).sort());
		const folders = await ok('BaseItemDtoQueryResult', getLibraryApi(api).getMediaFolders());
		assert.deepEqual(folders.Items.map((i) => i.Id).sort(), Object.values(views).map((v) => v.Id).sort());
	});

	it('the image list names the poster by the tag the item carries', async () => {
		const film = byName['Colour Bars'];
		const infos = await ok('ImageInfo[]', getImageApi(api).getItemImageInfos({ itemId: film.Id }));
		const primary = infos.find((i) => i.ImageType === ImageType.Primary);
		assert.equal(primary?.ImageTag, film.ImageTags.Primary);
		assert.equal(primary.Width, 200);
		assert.equal(primary.Height, 300);
	});

	it('a thumbs-up is kept, filtered on and taken back', async () => {
		const itemId = byName['Colour Bars'].Id;
		const liked = await ok('UserItemDataDto', getUserLibraryApi(api).updateUserItemRating({ itemId, userId: me.Id, likes: true }));
		assert.equal(liked.Likes, true);
		const likes = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({ userId: me.Id, recursive: true, filters: [ItemFilter.Likes] }));
		assert.deepEqual(likes.Items.map((i) => i.Id), [itemId]);
		const cleared = await ok('UserItemDataDto', getUserLibraryApi(api).deleteUserItemRating({ itemId, userId: me.Id }));
		assert.equal(cleared.Likes, undefined);
		const none = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({ userId: me.Id, recursive: true, filters: [ItemFilter.Likes] }));
		assert.equal(none.Items.length, 0);
	});
});

// imageSize reads an image's codec and size with ffprobe, which fails on
// bytes that are not an image.
function imageSize(bytes) {
	const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', '-i', 'pipe:0'], {
		input: bytes, encoding: 'buffer',
	});
	assert.equal(r.status, 0, `ffprobe: ${r.stderr}`);
	const [s] = JSON.parse(r.stdout.toString()).streams;
	return { codec: s.codec_name, width: s.width, height: s.height };
}

describe('images', () => {
	it('a film\'s poster is a real JPEG of the poster\'s size', async () => {
		const film = byName['Colour Bars'];
		const res = await getImageApi(api).getItemImage({ itemId: film.Id, imageType: ImageType.Primary }, { responseType: 'arraybuffer' });
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^image\/jpeg/);
		const bytes = Buffer.from(res.data);
		assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'JPEG magic');
		assert.deepEqual(imageSize(bytes), { codec: 'mjpeg', width: 200, height: 300 });
	});

	it('maxWidth resizes, through the SDK\'s image URL and no token', async () => {
		const film = byName['Colour Bars'];
		const url = getImageApi(anon).getItemImageUrlById(film.Id, ImageType.Primary, { maxWidth: 100, tag: film.ImageTags.Primary });
		const res = await fetch(url);
		assert.equal(res.status, 200, url);
		const { width, height } = imageSize(Buffer.from(await res.arrayBuffer()));
		assert.ok(width <= 100 && width > 0, `width ${width}`);
		assert.ok(Math.abs(height / width - 1.5) < 0.05, `aspect kept: ${width}x${height}`);
	});

	it('an image type the item lacks is 404', async () => {
		await fails(404, getImageApi(api).getItemImage({ itemId: byName['Colour Bars'].Id, imageType: ImageType.Banner }));
	});

	it('a profile picture uploads in base64, shows as PrimaryImageTag, reads back anonymously and deletes', async () => {
		const images = getImageApi(api);
		await fails(404, getImageApi(anon).getUserImage({ userId: me.Id }));
		const poster = await images.getItemImage({ itemId: byName['Colour Bars'].Id, imageType: ImageType.Primary }, { responseType: 'arraybuffer' });
		const jpeg = Buffer.from(poster.data);
		// Jellyfin 10.11 reads the body as base64 text; the SDK passes a
		// string through as it is.
		await done(images.postUserImage({ userId: me.Id, body: jpeg.toString('base64') }, { headers: { 'Content-Type': 'image/jpeg' } }));
		const user = await ok('UserDto', getUserApi(api).getCurrentUser());
		assert.match(user.PrimaryImageTag ?? '', /^[0-9a-f]{32}$/, 'PrimaryImageTag');
		const res = await getImageApi(anon).getUserImage({ userId: me.Id, tag: user.PrimaryImageTag }, { responseType: 'arraybuffer' });
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^image\/jpeg/);
		assert.ok(Buffer.from(res.data).equals(jpeg), 'the picture reads back as uploaded');
		await fails(400, images.postUserImage({ userId: me.Id, body: 'not an image' }, { headers: { 'Content-Type': 'image/jpeg' } }));
		await done(images.deleteUserImage({ userId: me.Id }));
		await fails(404, getImageApi(anon).getUserImage({ userId: me.Id }));
		assert.equal((await ok('UserDto', getUserApi(api).getCurrentUser())).PrimaryImageTag ?? null, null);
	});
});

describe('play state', () => {
	it('marking an episode played shows in its user data, its season and next up', async () => {
		const ep = byName['Demo Show S01E01'];
		const data = await ok('UserItemDataDto', getPlaystateApi(api).markPlayedItem({ itemId: ep.Id, userId: me.Id }));
		assert.equal(data.Played, true);
		assert.ok(data.PlayCount >= 1);
		assert.ok(data.LastPlayedDate, 'LastPlayedDate set');
		assert.equal(data.ItemId, ep.Id);

		const read = await ok('UserItemDataDto', getItemsApi(api).getItemUserData({ itemId: ep.Id, userId: me.Id }));
		assert.equal(read.Played, true);
		const item = await ok('BaseItemDto', getUserLibraryApi(api).getItem({ itemId: ep.Id, userId: me.Id }));
		assert.equal(item.UserData.Played, true);

		const season = await ok('BaseItemDto', getUserLibraryApi(api).getItem({ itemId: ep.SeasonId, userId: me.Id }));
		assert.equal(season.UserData.UnplayedItemCount, 1);
		assert.equal(season.UserData.Played, false);

		const next = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getNextUp({ userId: me.Id }));
		assert.deepEqual(names(next), ['Demo Show S01E02']);

		const played = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({
			userId: me.Id, recursive: true, includeItemTypes: [BaseItemKind.Episode], filters: [ItemFilter.IsPlayed],
		}));
		assert.deepEqual(names(played), ['Demo Show S01E01']);
		const unplayed = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({
			userId: me.Id, recursive: true, includeItemTypes: [BaseItemKind.Episode], filters: [ItemFilter.IsUnplayed],
		}));
		assert.equal(unplayed.TotalRecordCount, 3);
	});

	it('marking it unplayed undoes it', async () => {
		const ep = byName['Demo Show S01E01'];
		const data = await ok('UserItemDataDto', getPlaystateApi(api).markUnplayedItem({ itemId: ep.Id, userId: me.Id }));
		assert.equal(data.Played, false);
		const read = await ok('UserItemDataDto', getItemsApi(api).getItemUserData({ itemId: ep.Id, userId: me.Id }));
		assert.equal(read.Played, false);
	});

	it('a favourite shows in its user data and the IsFavorite filter, and can be removed', async () => {
		const film = byName['The Mandelbrot Set'];
		const data = await ok('UserItemDataDto', getUserLibraryApi(api).markFavoriteItem({ itemId: film.Id, userId: me.Id }));
		assert.equal(data.IsFavorite, true);
		const favs = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({
			userId: me.Id, recursive: true, filters: [ItemFilter.IsFavorite],
		}));
		assert.deepEqual(names(favs), ['The Mandelbrot Set']);
		const item = await ok('BaseItemDto', getUserLibraryApi(api).getItem({ itemId: film.Id, userId: me.Id }));
		assert.equal(item.UserData.IsFavorite, true);
		const undone = await ok('UserItemDataDto', getUserLibraryApi(api).unmarkFavoriteItem({ itemId: film.Id, userId: me.Id }));
		assert.equal(undone.IsFavorite, false);
		const none = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({
			userId: me.Id, recursive: true, isFavorite: true,
		}));
		assert.equal(none.TotalRecordCount, 0);
	});

	it('a position written through UserData puts the film in Continue Watching', async () => {
		const film = byName['Test Pattern'];
		const data = await ok('UserItemDataDto', getItemsApi(api).updateItemUserData({
			itemId: film.Id, userId: me.Id, updateUserItemDataDto: { PlaybackPositionTicks: 2e7 },
		}));
		assert.equal(data.PlaybackPositionTicks, 2e7);
		const resume = await ok('BaseItemDtoQueryResult', getItemsApi(api).getResumeItems({ userId: me.Id }));
		assert.deepEqual(names(resume), ['Test Pattern']);
		assert.equal(resume.Items[0].UserData.PlaybackPositionTicks, 2e7);
	});
});

// socket opens /socket as jellyfin-web's ApiClient does (token and device
// in the query) and collects its messages, each read strictly.
async function socket(client, deviceId) {
	const url = `${server.url.replace(/^http/, 'ws')}/socket?api_key=${encodeURIComponent(client.accessToken)}&deviceId=${encodeURIComponent(deviceId)}`;
	const ws = new WebSocket(url);
	const queue = [];
	const waiters = [];
	ws.on('message', (raw) => {
		const m = JSON.parse(raw.toString());
		const w = waiters.findIndex((x) => x.type === m.MessageType);
		if (w >= 0) waiters.splice(w, 1)[0].resolve(m);
		else queue.push(m);
	});
	await new Promise((resolve, reject) => {
		ws.once('open', resolve);
		ws.once('error', reject);
	});
	return {
		ws,
		send: (m) => ws.send(JSON.stringify(m)),
		// next resolves with the next message of type (skipping none: a
		// message of another type stays queued), or fails after 30 s.
		next(type, model) {
			const i = queue.findIndex((m) => m.MessageType === type);
			const got = i >= 0 ? Promise.resolve(queue.splice(i, 1)[0]) : new Promise((resolve, reject) => {
				const waiter = { type, resolve };
				waiters.push(waiter);
				setTimeout(() => {
					const k = waiters.indexOf(waiter);
					if (k >= 0) {
						waiters.splice(k, 1);
						reject(new Error(`no ${type} message within 30 s`));
					}
				}, 30_000).unref();
			});
			return got.then((m) => {
				assertStrict(model, m, `WebSocket ${type}`);
				return m;
			});
		},
		close: () => new Promise((resolve) => {
			ws.once('close', resolve);
			ws.close();
		}),
	};
}

describe('the WebSocket', () => {
	it('refuses a bad token before the upgrade', async () => {
		const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/socket?api_key=ffffffffffffffffffffffffffffffff&deviceId=x`);
		const status = await new Promise((resolve) => {
			ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
			ws.once('open', () => resolve('open'));
			ws.once('error', () => {});
		});
		ws.terminate();
		assert.equal(status, 401);
	});

	it('says ForceKeepAlive, answers KeepAlive, and tells of a favourite toggled through the SDK', async () => {
		const s = await socket(api, `sdk-socket-${process.pid}`);
		try {
			const force = await s.next(SessionMessageType.ForceKeepAlive, 'ForceKeepAliveMessage');
			assert.equal(force.Data, 60);
			s.send({ MessageType: SessionMessageType.KeepAlive });
			await s.next(SessionMessageType.KeepAlive, 'OutboundKeepAliveMessage');

			const film = byName['The Mandelbrot Set'];
			await ok('UserItemDataDto', getUserLibraryApi(api).markFavoriteItem({ itemId: film.Id, userId: me.Id }));
			const changed = await s.next(SessionMessageType.UserDataChanged, 'UserDataChangedMessage');
			assert.equal(changed.Data.UserId, me.Id);
			const data = changed.Data.UserDataList.find((d) => d.ItemId === film.Id);
			assert.ok(data, `${film.Id} is not in ${JSON.stringify(changed.Data.UserDataList)}`);
			assert.equal(data.IsFavorite, true);

			await ok('UserItemDataDto', getUserLibraryApi(api).unmarkFavoriteItem({ itemId: film.Id, userId: me.Id }));
			const undone = await s.next(SessionMessageType.UserDataChanged, 'UserDataChangedMessage');
			assert.equal(undone.Data.UserDataList.find((d) => d.ItemId === film.Id)?.IsFavorite, false);
		} finally {
			await s.close();
		}
	});

	it('sends an administrator the sessions after SessionsStart, with playback started through the SDK', async () => {
		const s = await socket(api, `sdk-socket-${process.pid}`);
		try {
			s.send({ MessageType: SessionMessageType.SessionsStart, Data: '0,1000' });
			await s.next(SessionMessageType.Sessions, 'SessionsMessage');
			const film = byName['The Mandelbrot Set'];
			await done(getPlaystateApi(api).reportPlaybackStart({ playbackStartInfo: { ItemId: film.Id, PositionTicks: 0 } }));
			for (;;) {
				const m = await s.next(SessionMessageType.Sessions, 'SessionsMessage');
				const mine = m.Data.find((x) => x.NowPlayingItem?.Id === film.Id);
				if (mine) {
					assert.equal(mine.UserId, me.Id);
					break;
				}
			}
			await done(getPlaystateApi(api).reportPlaybackStopped({ playbackStopInfo: { ItemId: film.Id, PositionTicks: 0 } }));
			s.send({ MessageType: SessionMessageType.SessionsStop });
		} finally {
			await s.close();
		}
	});
});

describe('Quick Connect', () => {
	it('a television logs in with the code a logged-in user enters', async () => {
		const tvClient = new Jellyfin({ clientInfo: { name: 'jellyha SDK tests TV', version: '1.0.0' }, deviceInfo: { name: 'tv', id: `sdk-tv-${process.pid}` } });
		const tv = tvClient.createApi(server.url);
		assert.equal((await getQuickConnectApi(tv).getQuickConnectEnabled()).data, true);
		const start = await ok('QuickConnectResult', getQuickConnectApi(tv).initiateQuickConnect());
		assert.match(start.Code, /^[0-9]{6}$/);
		assert.equal(start.Authenticated, false);
		assert.equal((await getQuickConnectApi(api).authorizeQuickConnect({ code: start.Code, userId: me.Id })).data, true);
		const state = await ok('QuickConnectResult', getQuickConnectApi(tv).getQuickConnectState({ secret: start.Secret }));
		assert.equal(state.Authenticated, true);
		const auth = await ok('AuthenticationResult', getUserApi(tv).authenticateWithQuickConnect({ quickConnectDto: { Secret: start.Secret } }));
		assert.equal(auth.User.Id, me.Id);
		assert.equal(tv.accessToken, auth.AccessToken, 'the SDK keeps the token');
		assert.equal((await ok('UserDto', getUserApi(tv).getCurrentUser())).Id, me.Id);
	});
});

describe('remote control', () => {
	it('a client that takes remote control gets Play, Playstate and messages sent through the SDK', async () => {
		const s = await socket(api, jellyfin.deviceInfo.id);
		try {
			await s.next(SessionMessageType.ForceKeepAlive, 'ForceKeepAliveMessage');
			await done(getSessionApi(api).postFullCapabilities({ clientCapabilitiesDto: {
				PlayableMediaTypes: [MediaType.Video, MediaType.Audio], SupportedCommands: [GeneralCommandType.DisplayMessage],
				SupportsMediaControl: true,
			} }));
			const sessions = await ok('SessionInfoDto[]', getSessionApi(api).getSessions({ controllableByUserId: me.Id }));
			const tv = sessions.find((x) => x.DeviceId === jellyfin.deviceInfo.id);
			assert.ok(tv?.SupportsRemoteControl, `no controllable session in ${JSON.stringify(sessions)}`);
			assert.deepEqual(tv.Capabilities.SupportedCommands, [GeneralCommandType.DisplayMessage]);

			const ids = [byName['The Mandelbrot Set'].Id, byName['Test Pattern'].Id];
			await done(getSessionApi(api).play({ sessionId: tv.Id, playCommand: PlayCommand.PlayNow, itemIds: ids, startPositionTicks: 1e7 }));
			const play = await s.next(SessionMessageType.Play, 'PlayMessage');
			assert.deepEqual(play.Data.ItemIds, ids);
			assert.equal(play.Data.PlayCommand, PlayCommand.PlayNow);
			assert.equal(play.Data.StartPositionTicks, 1e7);

			await done(getSessionApi(api).sendPlaystateCommand({ sessionId: tv.Id, command: PlaystateCommand.Pause }));
			assert.equal((await s.next(SessionMessageType.Playstate, 'PlaystateMessage')).Data.Command, PlaystateCommand.Pause);

			await done(getSessionApi(api).sendMessageCommand({ sessionId: tv.Id, messageCommand: { Header: 'jellyha', Text: 'Dinner is ready' } }));
			const msg = await s.next(SessionMessageType.GeneralCommand, 'GeneralCommandMessage');
			assert.equal(msg.Data.Name, GeneralCommandType.DisplayMessage);
			assert.equal(msg.Data.Arguments.Text, 'Dinner is ready');
		} finally {
			await s.close();
		}
	});
});

function dotnetMD5(s) {
	const h = createHash('md5').update(Buffer.from(s, 'utf16le')).digest();
	const x = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15].map((i) => h[i].toString(16).padStart(2, '0')).join('');
	return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

describe('display preferences', () => {
	it('round-trip CustomPrefs', async () => {
		const dp = getDisplayPreferencesApi(api);
		const first = await ok('DisplayPreferencesDto', dp.getDisplayPreferences({ displayPreferencesId: 'usersettings', client: 'emby', userId: me.Id }));
		// Jellyfin files preferences under the id's GetMD5(): the MD5 of
		// its UTF-16 bytes, read as a .NET Guid and written with dashes.
		assert.equal(first.Id, dotnetMD5('usersettings'));
		assert.equal(first.Client, 'emby');
		await done(dp.updateDisplayPreferences({
			displayPreferencesId: 'usersettings', client: 'emby', userId: me.Id,
			displayPreferencesDto: { ...first, CustomPrefs: { ...first.CustomPrefs, homesection0: 'smalllibrarytiles', chromecastVersion: 'stable' } },
		}));
		const again = await ok('DisplayPreferencesDto', dp.getDisplayPreferences({ displayPreferencesId: 'usersettings', client: 'emby', userId: me.Id }));
		assert.equal(again.CustomPrefs.homesection0, 'smalllibrarytiles');
		assert.equal(again.CustomPrefs.chromecastVersion, 'stable');
	});
});

describe('a second user', () => {
	let viewer;
	let viewerApi;

	it('an administrator creates a user, who logs in without admin rights', async () => {
		const created = await ok('UserDto', getUserApi(api).createUserByName({ createUserByName: { Name: 'viewer', Password: 'pw' } }));
		assert.equal(created.Name, 'viewer');
		assert.equal(created.Policy.IsAdministrator, false);
		const other = new Jellyfin({ clientInfo: { name: 'jellyha SDK tests', version: '1.0.0' }, deviceInfo: { name: 'node', id: `sdk-viewer-${process.pid}` } });
		viewerApi = other.createApi(server.url);
		const auth = await ok('AuthenticationResult', getUserApi(viewerApi).authenticateUserByName({
			authenticateUserByName: { Username: 'viewer', Pw: 'pw' },
		}));
		assert.equal(viewerApi.accessToken, auth.AccessToken);
		viewer = auth.User;
		assert.equal(viewer.Id, created.Id);
	});

	it('sees the libraries and their own play state, and no admin endpoints', async () => {
		const res = await ok('BaseItemDtoQueryResult', getUserViewsApi(viewerApi).getUserViews({ userId: viewer.Id }));
		assert.equal(res.TotalRecordCount, 3);
		const film = await ok('BaseItemDto', getUserLibraryApi(viewerApi).getItem({ itemId: byName['Test Pattern'].Id, userId: viewer.Id }));
		assert.equal(film.UserData.PlaybackPositionTicks, 0, 'the administrator\'s position is not the viewer\'s');
		await fails(403, getUserApi(viewerApi).getUsers());
		await fails(403, getItemsApi(viewerApi).getItems({ userId: me.Id }));
	});

	it('saves their own settings, which order their home screen', async () => {
		const users = getUserApi(viewerApi);
		const configuration = {
			...viewer.Configuration,
			SubtitleLanguagePreference: 'eng', SubtitleMode: SubtitlePlaybackMode.Always, HidePlayedInLatest: false,
			OrderedViews: [views.music.Id], MyMediaExcludes: [views.tvshows.Id],
		};
		await done(users.updateUserConfiguration({ userId: viewer.Id, userConfiguration: configuration }));
		const saved = (await ok('UserDto', users.getCurrentUser())).Configuration;
		assert.equal(saved.SubtitleMode, SubtitlePlaybackMode.Always);
		assert.equal(saved.SubtitleLanguagePreference, 'eng');
		assert.equal(saved.HidePlayedInLatest, false);
		assert.deepEqual(saved.OrderedViews, [views.music.Id]);
		const home = await ok('BaseItemDtoQueryResult', getUserViewsApi(viewerApi).getUserViews({ userId: viewer.Id }));
		assert.deepEqual(names(home), ['Demo Music', 'Demo Movies'], 'ordered, without the excluded library');
		const all = await ok('BaseItemDtoQueryResult', getUserViewsApi(viewerApi).getUserViews({ userId: viewer.Id, includeHidden: true }));
		assert.deepEqual(names(all), ['Demo Music', 'Demo Movies', 'Demo Shows']);
		// The home screen settings page lists the libraries it may group.
		const groups = await ok('SpecialViewOptionDto[]', getUserViewsApi(viewerApi).getGroupingOptions({ userId: viewer.Id }));
		assert.deepEqual(groups.map((g) => g.Name), ['Demo Movies', 'Demo Shows']);
		// Not someone else's.
		await fails(403, users.updateUserConfiguration({ userId: me.Id, userConfiguration: configuration }));
		// The password by the current path.
		await done(users.updateUserPassword({ userId: viewer.Id, updateUserPassword: { CurrentPw: 'pw', NewPw: 'pw' } }));
	});

	it('logging out ends the session', async () => {
		const token = viewerApi.accessToken;
		await done(getSessionApi(viewerApi).reportSessionEnded());
		assert.equal(viewerApi.accessToken, '', 'the SDK forgets the token');
		// The server has revoked it, too.
		const stale = jellyfin.createApi(server.url, token);
		await fails(401, getUserApi(stale).getCurrentUser());
		// The administrator's session is untouched.
		await ok('UserDto', getUserApi(api).getCurrentUser());
	});
});
