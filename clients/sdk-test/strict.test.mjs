// strict.mjs itself: that it knows the SDK's models and that it rejects
// each kind of mistake, so that a clean run of sdk.test.mjs means something.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BaseItemKind } from '@jellyfin/sdk/lib/generated-client/models/index.js';

import { assertStrict, check, enums, interfaces } from './strict.mjs';

const id = (n) => n.toString(16).padStart(32, '0');
const item = (extra = {}) => ({ Name: 'x', Id: id(1), ServerId: id(2), Type: 'Movie', ...extra });

describe('strict.mjs', () => {
	it('reads the enums and models from the SDK', () => {
		assert.deepEqual([...enums.get('BaseItemKind')].sort(), Object.values(BaseItemKind).sort());
		for (const e of ['MediaType', 'CollectionType', 'ImageType', 'LocationType', 'PlayAccess', 'VideoType', 'PersonKind']) {
			assert.ok(enums.get(e)?.size > 1, e);
		}
		const dto = interfaces.get('BaseItemDto');
		assert.deepEqual(dto.get('Type'), { kind: 'ref', name: 'BaseItemKind' });
		assert.deepEqual(dto.get('UserData'), { kind: 'ref', name: 'UserItemDataDto' });
		assert.equal(dto.get('People').alts[0].kind, 'array');
		assert.ok(interfaces.get('UserPolicy').has('EnabledFolders'));
	});

	it('accepts a well-formed item', () => {
		assert.deepEqual(check('BaseItemDto', item({
			ParentId: id(3), DateCreated: '2024-01-02T03:04:05.1234567Z', ImageTags: { Primary: 'abc' },
			UserData: { PlaybackPositionTicks: 0, PlayCount: 0, IsFavorite: false, Played: false, Key: 'k', ItemId: id(1) },
			People: [{ Name: 'p', Id: id(4), Type: 'Actor' }], CollectionType: 'movies', MediaType: 'Video',
		})), []);
	});

	const bad = {
		'an id that is not 32 lowercase hex': [item({ Id: 'ABCDEF0123456789ABCDEF0123456789' }), /BaseItemDto\.Id: .* not a GUID/],
		'a hyphenated parent id': [item({ ParentId: '01234567-89ab-cdef-0123-456789abcdef' }), /ParentId: .* not a GUID/],
		'the empty GUID': [item({ SeriesId: id(0) }), /SeriesId: the empty GUID/],
		'an unknown item kind': [item({ Type: 'Film' }), /Type: .* not one of BaseItemKind/],
		'an unknown media type': [item({ MediaType: 'Movie' }), /MediaType: .* not one of MediaType/],
		'an unknown collection type': [item({ CollectionType: 'films' }), /CollectionType: .* not one of CollectionType/],
		'an unknown image type key': [item({ ImageTags: { Poster: 'x' } }), /ImageTags: key "Poster" is not one of ImageType/],
		'an unknown person kind': [item({ People: [{ Name: 'p', Id: id(4), Type: 'Star' }] }), /People\[0\]\.Type: .* not one of PersonKind/],
		'a null member': [item({ Overview: null }), /Overview: null/],
		'a missing Type': [{ Name: 'x', Id: id(1), ServerId: id(2) }, /Type: missing/],
		'a misspelt member': [item({ ETag: 'x' }), /ETag: not a member of BaseItemDto/],
		'a date without a zone': [item({ PremiereDate: '2024-01-02T03:04:05' }), /PremiereDate: .* not an ISO 8601 date/],
		'a number as a string': [item({ ProductionYear: '2001' }), /ProductionYear: string "2001" where a number belongs/],
	};
	for (const [what, [value, pattern]] of Object.entries(bad)) {
		it(`rejects ${what}`, () => {
			const problems = check('BaseItemDto', value);
			assert.ok(problems.some((p) => pattern.test(p)), `no problem matching ${pattern} in ${JSON.stringify(problems)}`);
		});
	}

	it('checks query results, logins and users', () => {
		assert.match(check('BaseItemDtoQueryResult', { Items: [] }).join('\n'), /TotalRecordCount: missing/);
		assert.match(check('BaseItemDtoQueryResult', { Items: [item({ Type: 'Film' })], TotalRecordCount: 1, StartIndex: 0 }).join('\n'),
			/Items\[0\]\.Type/);
		assert.match(check('AuthenticationResult', { User: {}, ServerId: id(2) }).join('\n'), /AccessToken: missing/);
		assert.match(check('UserDto', { Name: 'u', Id: id(1), ServerId: id(2), HasPassword: true, HasConfiguredPassword: true,
			Configuration: {}, Policy: { EnabledFolders: ['not-a-guid'] } }).join('\n'), /EnabledFolders\[0\]: .* not a GUID/);
	});

	it('assertStrict throws with every problem listed', () => {
		assert.throws(() => assertStrict('BaseItemDto', item({ Type: 'Film', Overview: null }), 'GET /Items'),
			(err) => err instanceof assert.AssertionError && /GET \/Items/.test(err.message) && /Type/.test(err.message) && /Overview/.test(err.message));
	});
});
