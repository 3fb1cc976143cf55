// Subtitles through the official SDK, as jellyfin-web gets them: a
// PlaybackInfo with a browser-like DeviceProfile for the demo's Colour Bars
// (an English subrip stream inside the mkv, Colour Bars (1999).fr.srt
// beside it), then each subtitle's DeliveryUrl fetched as a player would,
// with no headers, and read as WebVTT.
//
// The file runs its own server (the wizard, then an administrator).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Jellyfin } from '@jellyfin/sdk';
import { BaseItemKind, SubtitleDeliveryMethod } from '@jellyfin/sdk/lib/generated-client/models/index.js';
import { getItemsApi, getMediaInfoApi, getStartupApi, getUserApi } from '@jellyfin/sdk/lib/utils/api/index.js';

import { startServer } from './harness.mjs';
import { assertStrict } from './strict.mjs';

let server;
let api;
let film;

// What jellyfin-web in a browser declares, cut to what matters here.
const browserProfile = {
	MaxStreamingBitrate: 120000000,
	DirectPlayProfiles: [
		{ Container: 'mkv,webm', Type: 'Video', VideoCodec: 'h264,vp9', AudioCodec: 'aac,opus' },
		{ Container: 'mp4,m4v', Type: 'Video', VideoCodec: 'h264', AudioCodec: 'aac,mp3' },
	],
	TranscodingProfiles: [
		{ Container: 'ts', Type: 'Video', VideoCodec: 'h264', AudioCodec: 'aac', Protocol: 'hls', Context: 'Streaming' },
	],
	CodecProfiles: [
		{ Type: 'Video', Codec: 'h264', Conditions: [
			{ Condition: 'EqualsAny', Property: 'VideoProfile', Value: 'high|main|baseline|constrained baseline', IsRequired: false },
			{ Condition: 'LessThanEqual', Property: 'VideoLevel', Value: '52', IsRequired: false },
		] },
	],
	SubtitleProfiles: [
		{ Format: 'vtt', Method: 'External' },
		{ Format: 'ass', Method: 'External' },
		{ Format: 'ssa', Method: 'External' },
	],
};

before(async () => {
	server = await startServer();
	const jellyfin = new Jellyfin({
		clientInfo: { name: 'jellyha SDK subtitle tests', version: '1.0.0' },
		deviceInfo: { name: 'node', id: `sdk-subs-${process.pid}` },
	});
	api = jellyfin.createApi(server.url);
	const startup = getStartupApi(api);
	await startup.updateStartupUser({ startupUserDto: { Name: 'subs', Password: 'pw' } });
	await startup.completeWizard();
	await getUserApi(api).authenticateUserByName({ authenticateUserByName: { Username: 'subs', Pw: 'pw' } });
	const res = await getItemsApi(api).getItems({ recursive: true, includeItemTypes: [BaseItemKind.Movie], searchTerm: 'Colour' });
	film = res.data.Items[0];
	assert.equal(film?.Name, 'Colour Bars');
});

after(async () => {
	await server?.stop();
});

// vttCues reads the cue texts of a WebVTT file.
function vttCues(text) {
	assert.match(text, /^WEBVTT\n/);
	return text.split(/\n\n+/).slice(1).filter((b) => b.includes('-->')).map((b) => {
		const [timing, ...lines] = b.trim().split('\n');
		assert.match(timing, /^(\d{2,}:)?\d{2}:\d{2}\.\d{3} --> (\d{2,}:)?\d{2}:\d{2}\.\d{3}/); // hours are optional in WebVTT
		return lines.join('\n');
	});
}

describe('subtitles', () => {
	let streams;

	it('PlaybackInfo plays the film directly and offers both subtitles as WebVTT files', async () => {
		const res = await getMediaInfoApi(api).getPostedPlaybackInfo({
			itemId: film.Id,
			playbackInfoDto: { DeviceProfile: browserProfile },
		});
		assert.equal(res.status, 200);
		assertStrict('PlaybackInfoResponse', res.data, 'PlaybackInfo');
		const [src] = res.data.MediaSources;
		assert.equal(src.SupportsDirectPlay, true);
		streams = src.MediaStreams.filter((s) => s.Type === 'Subtitle');
		assert.deepEqual(streams.map((s) => [s.Codec, s.Language, s.IsExternal]), [['subrip', 'eng', false], ['subrip', 'fra', true]]);
		for (const s of streams) {
			assert.equal(s.DeliveryMethod, SubtitleDeliveryMethod.External);
			assert.equal(s.IsExternalUrl, false);
			assert.equal(s.IsTextSubtitleStream, true);
			assert.match(s.DeliveryUrl, new RegExp(`^/Videos/${film.Id}/${src.Id}/Subtitles/${s.Index}/0/Stream\\.vtt\\?ApiKey=${api.accessToken}$`));
		}
		assert.equal(streams[1].DisplayTitle, 'French - SUBRIP - External');
	});

	it('the external .srt\'s DeliveryUrl is WebVTT with its cues', async () => {
		const r = await fetch(server.url + streams[1].DeliveryUrl);
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('content-type'), 'text/vtt; charset=utf-8');
		assert.deepEqual(vttCues(await r.text()), ['Ce sont des barres de couleur.', 'Elles testent un écran.']);
	});

	it('the embedded stream\'s DeliveryUrl is WebVTT extracted by ffmpeg', async () => {
		const r = await fetch(server.url + streams[0].DeliveryUrl);
		assert.equal(r.status, 200);
		assert.deepEqual(vttCues(await r.text()), ['These are colour bars.', 'They test a screen.']);
	});

	it('a client limited to h264 level 1.0 gets a transcode instead', async () => {
		const limited = structuredClone(browserProfile);
		limited.CodecProfiles[0].Conditions[1].Value = '10';
		const res = await getMediaInfoApi(api).getPostedPlaybackInfo({ itemId: film.Id, playbackInfoDto: { DeviceProfile: limited } });
		const [src] = res.data.MediaSources;
		assert.equal(src.SupportsDirectPlay, false);
		assert.match(src.TranscodingUrl, /master\.m3u8/);
	});
});
