// Playback through the official SDK, as a player does it: PlaybackInfo
// with a device profile, the direct stream fetched with ranges, then the
// start, progress and stopped reports, and what they leave behind in the
// user's data, Continue Watching and Next Up.
//
// The demo's films are seconds long, and Jellyfin never resumes an item
// shorter than 5 minutes (MinResumeDurationSeconds), so this file adds a
// library of its own through the API: a 10-minute film that plays
// directly and an MPEG-4 Part 2 / MP3 AVI that a browser-like profile
// cannot play. It runs on its own server; the administrator is made with
// `jellyha user add`, as an operator would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readSync, closeSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Jellyfin } from '@jellyfin/sdk';
import { BaseItemKind, CollectionType } from '@jellyfin/sdk/lib/generated-client/models/index.js';
import {
	getItemsApi, getLibraryStructureApi, getMediaInfoApi, getPlaystateApi, getSessionApi, getTvShowsApi, getUserApi,
} from '@jellyfin/sdk/lib/utils/api/index.js';

import { startServer } from './harness.mjs';
import { assertStrict } from './strict.mjs';

const ADMIN = 'player';
const PASSWORD = 'press play';
const TICKS = 10_000_000; // per second

let server;
let api;
let me;
const films = {}; // name -> BaseItemDto

// A browser-like profile: MP4 and WebM direct, everything else as HLS
// H.264/AAC.
const browserProfile = {
	MaxStreamingBitrate: 120_000_000,
	DirectPlayProfiles: [
		{ Container: 'mp4,m4v', Type: 'Video', VideoCodec: 'h264', AudioCodec: 'aac,mp3' },
		{ Container: 'webm', Type: 'Video', VideoCodec: 'vp8,vp9', AudioCodec: 'opus,vorbis' },
	],
	TranscodingProfiles: [
		{ Container: 'ts', Type: 'Video', VideoCodec: 'h264', AudioCodec: 'aac', Protocol: 'hls', Context: 'Streaming' },
	],
};
// A desktop player's: Matroska too.
const mkvProfile = {
	...browserProfile,
	DirectPlayProfiles: [{ Container: 'mkv,mp4', Type: 'Video', VideoCodec: 'h264', AudioCodec: 'aac' }],
};

function ffmpeg(...args) {
	const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr}`);
}

async function ok(model, call) {
	const res = await call;
	assert.equal(res.status, 200, `${res.config.url}: status`);
	assertStrict(model, res.data, res.config.url);
	return res.data;
}

async function done(call) {
	const res = await call;
	assert.ok(res.status === 204 || res.status === 200, `${res.config.url}: status ${res.status}`);
}

async function eventually(what, fn, ms = 60_000) {
	const deadline = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

before(async () => {
	server = await startServer();
	const lib = join(server.tmp, 'home-videos');
	const walk = join(lib, 'Long Walk (2024)');
	const tape = join(lib, 'Old Tape (1999)');
	mkdirSync(walk, { recursive: true });
	mkdirSync(tape, { recursive: true });
	// Ten minutes at 1 frame per second and 64x48: a second to make.
	ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=1:duration=600', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=600',
		'-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '32k',
		join(walk, 'Long Walk (2024).mkv'));
	ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=8', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=8',
		'-c:v', 'mpeg4', '-c:a', 'libmp3lame', join(tape, 'Old Tape (1999).avi'));
	server.jellyha('user', 'add', ADMIN, '--admin', '--password', PASSWORD);

	const jellyfin = new Jellyfin({
		clientInfo: { name: 'jellyha playback tests', version: '1.0.0' },
		deviceInfo: { name: 'node', id: `sdk-playback-${process.pid}` },
	});
	api = jellyfin.createApi(server.url);
	const auth = await getUserApi(api).authenticateUserByName({ authenticateUserByName: { Username: ADMIN, Pw: PASSWORD } });
	api.accessToken = auth.data.AccessToken;
	me = auth.data.User;

	await done(getLibraryStructureApi(api).addVirtualFolder({
		name: 'Home Videos', collectionType: CollectionType.Movies, paths: [lib], refreshLibrary: true,
	}));
	await eventually('the scan of Home Videos', async () => {
		const res = await getItemsApi(api).getItems({
			userId: me.Id, recursive: true, includeItemTypes: [BaseItemKind.Movie], searchTerm: 'o',
		});
		for (const i of res.data.Items) films[i.Name] = i;
		return films['Long Walk'] && films['Old Tape'];
	});
});

after(async () => {
	await server?.stop();
});

// playbackInfo asks as a player does, with its device profile.
async function playbackInfo(item, profile, extra = {}) {
	return ok('PlaybackInfoResponse', getMediaInfoApi(api).getPostedPlaybackInfo({
		itemId: item.Id, userId: me.Id, playbackInfoDto: { UserId: me.Id, DeviceProfile: profile, ...extra },
	}));
}

// fileBytes reads [start, end] of a file.
function fileBytes(path, start, end) {
	const fd = openSync(path, 'r');
	try {
		const buf = Buffer.alloc(end - start + 1);
		const n = readSync(fd, buf, 0, buf.length, start);
		return buf.subarray(0, n);
	} finally {
		closeSync(fd);
	}
}

describe('PlaybackInfo', () => {
	it('a player that takes Matroska plays the film directly', async () => {
		const info = await playbackInfo(films['Long Walk'], mkvProfile);
		assert.match(info.PlaySessionId, /^[0-9a-f]{32}$/);
		const [src] = info.MediaSources;
		assert.equal(src.Container, 'mkv');
		assert.equal(src.SupportsDirectPlay, true);
		assert.equal(src.TranscodingUrl, undefined);
		assert.equal(src.RunTimeTicks, films['Long Walk'].RunTimeTicks);
		assert.ok(Math.abs(src.RunTimeTicks - 600 * TICKS) < TICKS, `RunTimeTicks ${src.RunTimeTicks}`);
		const kinds = src.MediaStreams.map((s) => `${s.Type}:${s.Codec}`);
		assert.deepEqual(kinds, ['Video:h264', 'Audio:aac']);
		assert.equal(src.DefaultAudioStreamIndex, 1);
	});

	it('a browser profile gets an HLS transcode for the AVI, and for the Matroska film', async () => {
		for (const name of ['Old Tape', 'Long Walk']) {
			const info = await playbackInfo(films[name], browserProfile);
			const [src] = info.MediaSources;
			assert.equal(src.SupportsDirectPlay, false, name);
			assert.equal(src.SupportsTranscoding, true, name);
			assert.equal(src.TranscodingSubProtocol, 'hls', name);
			const url = new URL(src.TranscodingUrl, server.url);
			assert.match(url.pathname, new RegExp(`^/videos/${films[name].Id}/master\\.m3u8$`, 'i'), name);
			assert.equal(url.searchParams.get('PlaySessionId'), info.PlaySessionId);
			assert.equal(url.searchParams.get('VideoCodec'), 'h264');
			assert.equal(url.searchParams.get('AudioCodec'), 'aac');
		}
		const tape = (await playbackInfo(films['Old Tape'], browserProfile)).MediaSources[0];
		assert.deepEqual(tape.MediaStreams.map((s) => `${s.Type}:${s.Codec}`), ['Video:mpeg4', 'Audio:mp3']);
	});

	it('a bitrate cap below the file\'s turns direct play into a transcode with that cap', async () => {
		const [src] = (await playbackInfo(films['Long Walk'], { ...mkvProfile, MaxStreamingBitrate: 1000 })).MediaSources;
		assert.equal(src.SupportsDirectPlay, false);
		assert.ok(src.TranscodingUrl, 'a transcoding URL');
	});

	it('a profile that can neither play nor take a transcode says NoCompatibleStream', async () => {
		const info = await playbackInfo(films['Old Tape'], { ...browserProfile, TranscodingProfiles: [] });
		assert.equal(info.ErrorCode, 'NoCompatibleStream');
	});
});

describe('direct stream', () => {
	let url;
	let path;
	let size;
	before(async () => {
		const [src] = (await playbackInfo(films['Long Walk'], mkvProfile)).MediaSources;
		path = src.Path;
		size = statSync(path).size;
		assert.equal(src.Size, size);
		// What jellyfin-web builds for a direct-played source.
		url = `${server.url}/Videos/${films['Long Walk'].Id}/stream.mkv?Static=true&mediaSourceId=${src.Id}&api_key=${api.accessToken}`;
	});

	it('the whole file, byte for byte, as video/x-matroska', async () => {
		const res = await fetch(url);
		assert.equal(res.status, 200);
		assert.equal(res.headers.get('content-type'), 'video/x-matroska');
		assert.equal(res.headers.get('accept-ranges'), 'bytes');
		const body = Buffer.from(await res.arrayBuffer());
		assert.equal(body.length, size);
		assert.ok(body.equals(fileBytes(path, 0, size - 1)));
	});

	it('ranges: a middle slice, an open end and a suffix, each byte for byte', async () => {
		const mid = Math.floor(size / 2);
		for (const [range, start, end] of [
			[`bytes=1000-1999`, 1000, 1999],
			[`bytes=${mid}-`, mid, size - 1],
			[`bytes=-500`, size - 500, size - 1],
		]) {
			const res = await fetch(url, { headers: { Range: range } });
			assert.equal(res.status, 206, range);
			assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
			const body = Buffer.from(await res.arrayBuffer());
			assert.ok(body.equals(fileBytes(path, start, end)), `${range}: body differs`);
		}
	});

	it('a range past the end is 416 with the size', async () => {
		const res = await fetch(url, { headers: { Range: `bytes=${size}-` } });
		assert.equal(res.status, 416);
		assert.equal(res.headers.get('content-range'), `bytes */${size}`);
		await res.arrayBuffer();
	});

	it('without a token it is refused', async () => {
		const res = await fetch(url.replace(/api_key=[^&]+/, 'api_key=0000'));
		assert.equal(res.status, 401);
		await res.arrayBuffer();
	});
});

// ffprobe reads a file's streams.
function probe(path) {
	const r = spawnSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`ffprobe ${path}: ${r.stderr}`);
	return JSON.parse(r.stdout);
}

describe('HLS transcode', () => {
	let info;
	let master;
	let segments;
	before(async () => {
		info = await playbackInfo(films['Old Tape'], browserProfile);
		master = new URL(info.MediaSources[0].TranscodingUrl, server.url);
	});

	it('master.m3u8 names one H.264/AAC variant, main.m3u8 lists every segment', async () => {
		const res = await fetch(master);
		assert.equal(res.status, 200);
		assert.match(res.headers.get('content-type'), /mpegurl/i);
		const text = await res.text();
		assert.match(text, /^#EXTM3U/);
		const variant = text.split('\n').find((l) => l && !l.startsWith('#'));
		assert.match(text, /#EXT-X-STREAM-INF:.*BANDWIDTH=\d+/);
		assert.match(text, /CODECS="avc1\.[0-9a-fA-F]+,mp4a\.40\.2"/);
		const main = new URL(variant, master);
		assert.match(main.pathname, /\/main\.m3u8$/);
		const playlist = await (await fetch(main)).text();
		assert.match(playlist, /#EXT-X-PLAYLIST-TYPE:VOD/);
		assert.match(playlist, /#EXT-X-ENDLIST/);
		segments = playlist.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => new URL(l, main));
		const durations = [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
		assert.equal(durations.length, segments.length);
		const total = durations.reduce((a, b) => a + b, 0);
		assert.ok(Math.abs(total - films['Old Tape'].RunTimeTicks / TICKS) < 0.5, `playlist lasts ${total} s`);
	});

	it('every segment is MPEG-TS with H.264 video and AAC audio', async () => {
		for (const [i, url] of segments.entries()) {
			const res = await fetch(url);
			assert.equal(res.status, 200, `segment ${i}`);
			const file = join(server.tmp, `segment-${i}.ts`);
			writeFileSync(file, Buffer.from(await res.arrayBuffer()));
			const p = probe(file);
			assert.equal(p.format.format_name, 'mpegts', `segment ${i}`);
			const codecs = p.streams.map((st) => st.codec_name).sort();
			assert.deepEqual(codecs, ['aac', 'h264'], `segment ${i}`);
			assert.ok(Number(p.format.duration) > 0, `segment ${i} has a duration`);
		}
	});

	it('the stop report ends the transcode; a segment asked for after it starts a new one', async () => {
		const ps = getPlaystateApi(api);
		await done(ps.reportPlaybackStart({ playbackStartInfo: { ItemId: films['Old Tape'].Id, PlaySessionId: info.PlaySessionId, PlayMethod: 'Transcode' } }));
		await done(ps.reportPlaybackStopped({ playbackStopInfo: { ItemId: films['Old Tape'].Id, PlaySessionId: info.PlaySessionId, PositionTicks: 4 * TICKS } }));
		const res = await fetch(segments[0]);
		assert.equal(res.status, 200);
		await res.arrayBuffer();
		const del = await fetch(`${server.url}/Videos/ActiveEncodings?DeviceId=${encodeURIComponent(`sdk-playback-${process.pid}`)}&PlaySessionId=${info.PlaySessionId}&api_key=${api.accessToken}`, { method: 'DELETE' });
		assert.equal(del.status, 204);
	});
});

describe('play state', () => {
	const film = () => films['Long Walk'];

	it('start and progress show the session playing the film', async () => {
		const { PlaySessionId } = await playbackInfo(film(), mkvProfile);
		const ps = getPlaystateApi(api);
		await done(ps.reportPlaybackStart({
			playbackStartInfo: { ItemId: film().Id, PlaySessionId, MediaSourceId: film().Id, PositionTicks: 0, PlayMethod: 'DirectPlay', AudioStreamIndex: 1 },
		}));
		await done(ps.reportPlaybackProgress({
			playbackProgressInfo: { ItemId: film().Id, PlaySessionId, MediaSourceId: film().Id, PositionTicks: 120 * TICKS, IsPaused: false, PlayMethod: 'DirectPlay' },
		}));
		const sessions = (await getSessionApi(api).getSessions({})).data;
		sessions.forEach((s) => assertStrict('SessionInfoDto', s, 'GET /Sessions'));
		const mine = sessions.find((s) => s.DeviceId === `sdk-playback-${process.pid}`);
		assert.ok(mine, 'my session is listed');
		assert.equal(mine.NowPlayingItem?.Id, film().Id);
		assert.equal(mine.PlayState.PositionTicks, 120 * TICKS);
		// Clients send PlayMethod with every report, as Jellyfin takes it
		// from each.
		assert.equal(mine.PlayState.PlayMethod, 'DirectPlay');

		// Stopped at 3 minutes: 30%, a resume point.
		await done(ps.reportPlaybackStopped({
			playbackStopInfo: { ItemId: film().Id, PlaySessionId, MediaSourceId: film().Id, PositionTicks: 180 * TICKS },
		}));
		const after = (await getSessionApi(api).getSessions({})).data.find((s) => s.DeviceId === `sdk-playback-${process.pid}`);
		assert.equal(after?.NowPlayingItem, undefined, 'nothing playing after the stop');
	});

	it('the stopped position is the resume point, exactly, and the film is not played', async () => {
		const data = await ok('UserItemDataDto', getItemsApi(api).getItemUserData({ itemId: film().Id, userId: me.Id }));
		assert.equal(data.PlaybackPositionTicks, 180 * TICKS);
		assert.equal(data.Played, false);
		// Jellyfin counts a play when it starts (SessionManager.OnPlaybackStart).
		assert.equal(data.PlayCount, 1);
		assert.ok(Date.now() - Date.parse(data.LastPlayedDate) < 5 * 60_000, `LastPlayedDate ${data.LastPlayedDate}`);
		assert.equal(Math.round(data.PlayedPercentage), 30);
		const resume = await ok('BaseItemDtoQueryResult', getItemsApi(api).getResumeItems({ userId: me.Id }));
		assert.deepEqual(resume.Items.map((i) => i.Name), ['Long Walk']);
		assert.equal(resume.Items[0].UserData.PlaybackPositionTicks, 180 * TICKS);
	});

	it('watched past 90% it is played, its position cleared, and leaves Continue Watching', async () => {
		const { PlaySessionId } = await playbackInfo(film(), mkvProfile);
		const ps = getPlaystateApi(api);
		await done(ps.reportPlaybackStart({ playbackStartInfo: { ItemId: film().Id, PlaySessionId, PositionTicks: 180 * TICKS } }));
		await done(ps.reportPlaybackStopped({ playbackStopInfo: { ItemId: film().Id, PlaySessionId, PositionTicks: 590 * TICKS } }));
		const data = await ok('UserItemDataDto', getItemsApi(api).getItemUserData({ itemId: film().Id, userId: me.Id }));
		assert.equal(data.Played, true);
		assert.equal(data.PlayCount, 2, 'two starts');
		assert.equal(data.PlaybackPositionTicks, 0);
		const resume = await ok('BaseItemDtoQueryResult', getItemsApi(api).getResumeItems({ userId: me.Id }));
		assert.equal(resume.TotalRecordCount, 0);
	});

	it('an episode played to its end moves Next Up to the following one', async () => {
		const eps = await ok('BaseItemDtoQueryResult', getItemsApi(api).getItems({
			userId: me.Id, recursive: true, includeItemTypes: [BaseItemKind.Episode], sortBy: ['SortName'],
		}));
		const [first, second] = eps.Items;
		assert.equal(first.Name, 'Demo Show S01E01');
		const before = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getNextUp({ userId: me.Id }));
		assert.equal(before.TotalRecordCount, 0, 'nothing watched yet');
		const ps = getPlaystateApi(api);
		const PlaySessionId = 'a'.repeat(32);
		await done(ps.reportPlaybackStart({ playbackStartInfo: { ItemId: first.Id, PlaySessionId, PositionTicks: 0 } }));
		await done(ps.reportPlaybackStopped({ playbackStopInfo: { ItemId: first.Id, PlaySessionId, PositionTicks: first.RunTimeTicks } }));
		const next = await ok('BaseItemDtoQueryResult', getTvShowsApi(api).getNextUp({ userId: me.Id }));
		assert.deepEqual(next.Items.map((i) => i.Id), [second.Id]);
		const data = await ok('UserItemDataDto', getItemsApi(api).getItemUserData({ itemId: first.Id, userId: me.Id }));
		assert.equal(data.Played, true);
		assert.equal(data.PlayCount, 1);
	});
});
