// A strict reading of Jellyfin DTOs, stricter than the SDK's own decoding
// (which is TypeScript types only, so it accepts anything). Kotlin and Swift
// clients fail on an id that is not a GUID or an enum value they do not
// know; this catches those here.
//
// Everything the check knows about the API comes from the installed
// @jellyfin/sdk, which is generated from Jellyfin's OpenAPI spec:
//   - enum values from the enum objects its generated models export as JS
//     (BaseItemKind, MediaType, CollectionType, ImageType, ...);
//   - each model's members and their types from the generated model
//     declarations (lib/generated-client/models/*.d.ts).
// What the declarations lose (which strings are GUIDs or dates, which
// members are always sent) is stated below, by member name.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AssertionError } from 'node:assert';

import * as models from '@jellyfin/sdk/lib/generated-client/models/index.js';

const require = createRequire(import.meta.url);
const modelsDir = join(
	dirname(require.resolve('@jellyfin/sdk/package.json')),
	'lib', 'generated-client', 'models');

// enums: name -> Set of the values the spec allows.
export const enums = new Map();
for (const [name, value] of Object.entries(models)) {
	if (value && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'string')) {
		enums.set(name, new Set(Object.values(value)));
	}
}

// Types are parsed into { kind: 'string'|'number'|'boolean'|'any'|'null'|
// 'array'|'map'|'ref'|'union', ... }.
function parseType(src, where) {
	let i = 0;
	const ws = () => { while (i < src.length && /\s/.test(src[i])) i++; };
	const eat = (s) => {
		ws();
		if (!src.startsWith(s, i)) throw new Error(`${where}: expected ${JSON.stringify(s)} at ${i} in ${JSON.stringify(src)}`);
		i += s.length;
	};
	function union() {
		const alts = [atom()];
		for (ws(); src[i] === '|'; ws()) {
			i++;
			alts.push(atom());
		}
		return alts.length === 1 ? alts[0] : { kind: 'union', alts };
	}
	function atom() {
		ws();
		if (src.startsWith('Array<', i)) {
			i += 'Array<'.length;
			const of = union();
			eat('>');
			return { kind: 'array', of };
		}
		if (src[i] === '{') {
			i++;
			eat('[key: string]:');
			const of = union();
			eat(';');
			eat('}');
			return { kind: 'map', of };
		}
		const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
		if (!m) throw new Error(`${where}: cannot read the type ${JSON.stringify(src)}`);
		i += m[0].length;
		if (['string', 'number', 'boolean', 'any', 'null'].includes(m[0])) return { kind: m[0] };
		if (m[0] === 'object') return { kind: 'any' };
		return { kind: 'ref', name: m[0] };
	}
	const t = union();
	ws();
	if (i !== src.length) throw new Error(`${where}: trailing text in ${JSON.stringify(src)}`);
	return t;
}

// interfaces: name -> Map(member -> type), from the declarations.
export const interfaces = new Map();
for (const file of readdirSync(modelsDir)) {
	if (!file.endsWith('.d.ts') || file === 'index.d.ts') continue;
	const text = readFileSync(join(modelsDir, file), 'utf8');
	const head = /^export interface (\w+) \{$/m.exec(text);
	if (!head) continue;
	const members = new Map();
	const lines = text.slice(head.index + head[0].length).split('\n');
	for (let n = 0; n < lines.length; n++) {
		const m = /^ {4}'([^']+)'\??: (.*)$/.exec(lines[n]);
		if (!m) continue;
		let decl = m[2];
		// A map type spans lines until its braces close.
		let depth = (decl.match(/\{/g) || []).length - (decl.match(/\}/g) || []).length;
		while (depth > 0) {
			const more = lines[++n];
			decl += ' ' + more.trim();
			depth += (more.match(/\{/g) || []).length - (more.match(/\}/g) || []).length;
		}
		if (!decl.endsWith(';')) throw new Error(`${file}: unterminated member ${m[1]}`);
		members.set(m[1], parseType(decl.slice(0, -1), `${file} ${m[1]}`));
	}
	interfaces.set(head[1], members);
}

for (const name of ['BaseItemDto', 'BaseItemDtoQueryResult', 'UserDto', 'AuthenticationResult', 'BaseItemKind', 'ImageType']) {
	if (!interfaces.has(name) && !enums.has(name)) {
		throw new Error(`strict.mjs: the SDK's models have no ${name}; has @jellyfin/sdk changed shape?`);
	}
}

// Members every reply of the model carries (value types in Jellyfin's C#,
// or members clients index without checking).
export const required = {
	BaseItemDto: ['Name', 'Id', 'Type', 'ServerId'],
	BaseItemDtoQueryResult: ['Items', 'TotalRecordCount', 'StartIndex'],
	UserDto: ['Name', 'Id', 'ServerId', 'HasPassword', 'HasConfiguredPassword', 'Configuration', 'Policy'],
	AuthenticationResult: ['AccessToken', 'User', 'ServerId', 'SessionInfo'],
	UserItemDataDto: ['PlaybackPositionTicks', 'PlayCount', 'IsFavorite', 'Played', 'Key', 'ItemId'],
	PublicSystemInfo: ['Id', 'ServerName', 'Version', 'ProductName', 'StartupWizardCompleted'],
	NameGuidPair: ['Name', 'Id'],
	BaseItemPerson: ['Name', 'Id', 'Type'],
	DisplayPreferencesDto: ['Id', 'CustomPrefs', 'Client'],
	StartupConfigurationDto: ['UICulture', 'MetadataCountryCode', 'PreferredMetadataLanguage'],
};

// Members named like ids that are not GUIDs in Jellyfin.
const notGuid = new Set([
	'DeviceId', 'PlaySessionId', 'MediaSourceId', 'LiveStreamId', 'PlaylistItemId',
	'AuthenticationProviderId', 'PasswordResetProviderId', 'TimerId', 'SeriesTimerId',
	'ProgramId', 'ExternalId', 'OpenToken', 'SyncPlayGroupId',
	'DisplayPreferencesDto.Id', // the client's own name for the settings, e.g. "usersettings"
]);
// GUID lists whose names do not end in Ids.
const guidLists = new Set(['EnabledFolders', 'EnableContentDeletionFromFolders', 'BlockedMediaFolders', 'BlockedChannels', 'EnabledChannels']);
// Map members whose keys are enum values.
const mapKeys = {
	'BaseItemDto.ImageTags': 'ImageType',
	'SearchHint.ImageTags': 'ImageType',
};
const dateMember = /(^Date|Date$|^LastPlaybackCheckIn$)/;
const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$/;
const guid = /^[0-9a-f]{32}$/;

function isGuidMember(model, member) {
	return (member === 'Id' || member.endsWith('Id')) && !notGuid.has(member) && !notGuid.has(`${model}.${member}`);
}

function describe(v) {
	if (v === null) return 'null';
	if (Array.isArray(v)) return 'an array';
	return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

// check returns the problems of value read as the model named, each a
// string starting with the JSON path.
export function check(model, value, path = model) {
	const problems = [];
	checkRef(model, value, path, problems);
	return problems;
}

function checkRef(name, value, path, problems) {
	if (enums.has(name)) {
		if (typeof value !== 'string' || !enums.get(name).has(value)) {
			problems.push(`${path}: ${describe(value)} is not one of ${name} (allowed: ${[...enums.get(name)].join(', ')})`);
		}
		return;
	}
	const members = interfaces.get(name);
	if (!members) {
		// A type alias or union the parser does not model: only nulls are checked.
		checkNulls(value, path, problems);
		return;
	}
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		problems.push(`${path}: ${describe(value)} where a ${name} object belongs`);
		return;
	}
	for (const member of required[name] || []) {
		if (!(member in value)) problems.push(`${path}.${member}: missing (every ${name} has it)`);
	}
	for (const [member, v] of Object.entries(value)) {
		const p = `${path}.${member}`;
		const type = members.get(member);
		if (!type) {
			problems.push(`${p}: not a member of ${name} in the OpenAPI spec (misspelt?)`);
			continue;
		}
		if (v === null) {
			problems.push(`${p}: null (Jellyfin leaves null members out)`);
			continue;
		}
		checkType(type, v, p, problems, { model: name, member });
	}
}

function checkType(type, v, path, problems, ctx) {
	if (v === null) {
		problems.push(`${path}: null (Jellyfin leaves null members out)`);
		return;
	}
	switch (type.kind) {
	case 'union': {
		const alts = type.alts.filter((t) => t.kind !== 'null');
		if (alts.length !== 1) throw new Error(`strict.mjs: union of ${alts.length} types at ${path}`);
		checkType(alts[0], v, path, problems, ctx);
		return;
	}
	case 'any':
		checkNulls(v, path, problems);
		return;
	case 'string':
		if (typeof v !== 'string') {
			problems.push(`${path}: ${describe(v)} where a string belongs`);
			return;
		}
		if (ctx.member && isGuidMember(ctx.model, ctx.member)) checkGuid(v, path, problems);
		if (ctx.list && guidLists.has(ctx.member)) checkGuid(v, path, problems);
		if (ctx.list && ctx.member?.endsWith('Ids') && ctx.member !== 'ProviderIds') checkGuid(v, path, problems);
		if (ctx.member && dateMember.test(ctx.member) && !ctx.list) checkDate(v, path, problems);
		return;
	case 'number':
		if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${path}: ${describe(v)} where a number belongs`);
		return;
	case 'boolean':
		if (typeof v !== 'boolean') problems.push(`${path}: ${describe(v)} where a boolean belongs`);
		return;
	case 'array':
		if (!Array.isArray(v)) {
			problems.push(`${path}: ${describe(v)} where an array belongs`);
			return;
		}
		v.forEach((e, i) => checkType(type.of, e, `${path}[${i}]`, problems, { ...ctx, list: true }));
		return;
	case 'map': {
		if (typeof v !== 'object' || Array.isArray(v)) {
			problems.push(`${path}: ${describe(v)} where an object (map) belongs`);
			return;
		}
		const keyEnum = mapKeys[`${ctx.model}.${ctx.member}`];
		for (const [k, e] of Object.entries(v)) {
			if (keyEnum && !enums.get(keyEnum).has(k)) {
				problems.push(`${path}: key ${JSON.stringify(k)} is not one of ${keyEnum}`);
			}
			checkType(type.of, e, `${path}.${k}`, problems, { model: ctx.model, member: undefined });
		}
		return;
	}
	case 'ref':
		checkRef(type.name, v, path, problems);
		return;
	default:
		throw new Error(`strict.mjs: type ${type.kind} at ${path}`);
	}
}

function checkNulls(v, path, problems) {
	if (v === null) {
		problems.push(`${path}: null (Jellyfin leaves null members out)`);
	} else if (Array.isArray(v)) {
		v.forEach((e, i) => checkNulls(e, `${path}[${i}]`, problems));
	} else if (typeof v === 'object') {
		for (const [k, e] of Object.entries(v)) checkNulls(e, `${path}.${k}`, problems);
	}
}

function checkGuid(v, path, problems) {
	if (!guid.test(v)) {
		problems.push(`${path}: ${JSON.stringify(v)} is not a GUID as Jellyfin writes them (32 lowercase hex digits)`);
	} else if (/^0+$/.test(v)) {
		problems.push(`${path}: the empty GUID (Jellyfin leaves it out)`);
	}
}

function checkDate(v, path, problems) {
	if (!isoDate.test(v) || Number.isNaN(Date.parse(v))) {
		problems.push(`${path}: ${JSON.stringify(v)} is not an ISO 8601 date with a zone`);
	}
}

// stats counts the replies assertStrict has read.
export const stats = { checked: 0 };

// assertStrict throws an AssertionError listing every problem of value read
// as model; it returns value so calls can wrap a response's data.
export function assertStrict(model, value, label = model) {
	stats.checked++;
	const problems = check(model, value, label);
	if (problems.length > 0) {
		throw new AssertionError({
			message: `${label} is not a strict ${model}:\n  ${problems.slice(0, 40).join('\n  ')}` +
				(problems.length > 40 ? `\n  ... and ${problems.length - 40} more` : ''),
		});
	}
	return value;
}
