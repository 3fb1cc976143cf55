// The harness: a real jellyha on loopback with the demo library, for the
// SDK tests.
//
// startServer() builds the binary from this checkout, makes a data
// directory in a temporary directory, runs "jellyha demo" there (ffmpeg
// makes the media tree, the scanner reads it), starts "jellyha serve" on a
// free 127.0.0.1 port and waits for /health. stop() ends the server and
// removes the temporary directory; it is safe to call twice, and it runs at
// process exit too, so a crashed test leaves no server behind.
//
// The database is SQLite unless JELLYHA_SDK_POSTGRES names a PostgreSQL
// server (a postgres:// URL): then a scratch database is created on it
// with psql for the run and dropped afterwards. JELLYHA_SDK_KEEP=1 keeps
// the temporary directory (and the scratch database) for a post-mortem.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const keep = !!process.env.JELLYHA_SDK_KEEP;
const cleanups = [];
let exitHooked = false;

function runOnExit(fn) {
	cleanups.push(fn);
	if (!exitHooked) {
		exitHooked = true;
		// Only synchronous work runs in 'exit': kill and remove, no waiting.
		process.on('exit', () => { for (const f of cleanups.splice(0)) f(); });
		for (const sig of ['SIGINT', 'SIGTERM']) {
			process.once(sig, () => { process.exit(130); });
		}
	}
}

function run(cmd, args, opts) {
	const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
	if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
	if (r.status !== 0) {
		throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
	}
	return r.stdout;
}

function freePort() {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// scratchPostgres makes an empty database on the server base names and
// returns its URL and a function that drops it.
function scratchPostgres(base) {
	const url = new URL(base);
	const name = `jellyha_sdk_${process.pid}_${Date.now().toString(36)}`;
	const psql = (sql) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', base, '-c', sql]);
	psql(`CREATE DATABASE ${name}`);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		drop: () => {
			spawnSync('psql', ['-X', '-q', '-d', base, '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'ignore' });
		},
	};
}

let built;

// build compiles jellyha once per process, into a directory of its own
// that outlives any one server.
function build() {
	if (!built) {
		const dir = mkdtempSync(join(tmpdir(), 'jellyha-sdk-bin-'));
		runOnExit(() => rmSync(dir, { recursive: true, force: true }));
		const bin = join(dir, 'jellyha');
		run('go', ['build', '-o', bin, './cmd/jellyha'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
		built = bin;
	}
	return built;
}

// startServer starts a jellyha for a test file. With demo false the
// database is left empty (no libraries, no users, the wizard not run).
export async function startServer({ demo = true } = {}) {
	const tmp = mkdtempSync(join(tmpdir(), 'jellyha-sdk-'));
	const timings = {};
	const env = { ...process.env, JELLYFIN_DATA_DIR: join(tmp, 'data') };
	delete env.JELLYFIN_CONFIG_DIR;
	delete env.JELLYFIN_CACHE_DIR;
	delete env.JELLYHA_CONFIG;
	delete env.JELLYFIN_DatabaseProvider;
	delete env['JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL'];
	let db = null;
	let child = null;
	let stopped = false;

	const killNow = () => {
		if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		if (!keep) {
			db?.drop();
			rmSync(tmp, { recursive: true, force: true });
		}
	};
	runOnExit(killNow);

	try {
		if (process.env.JELLYHA_SDK_POSTGRES) {
			db = scratchPostgres(process.env.JELLYHA_SDK_POSTGRES);
			env.JELLYFIN_DatabaseProvider = 'Jellyfin-PostgreSQL';
			env['JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL'] = db.url;
		}
		let t = Date.now();
		const bin = build();
		timings.build = Date.now() - t;
		const jellyha = (...args) => run(bin, args, { env, cwd: tmp });
		if (demo) {
			t = Date.now();
			jellyha('demo', '--dir', join(tmp, 'media'));
			timings.demo = Date.now() - t;
		}

		const logPath = join(tmp, 'serve.log');
		t = Date.now();
		let url;
		for (let attempt = 1; ; attempt++) {
			// The port is free when asked for, but another process may take
			// it before serve binds it: then try another.
			const port = await freePort();
			const log = openSync(logPath, 'a');
			child = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--log-level', 'warn'], {
				env, cwd: tmp, stdio: ['ignore', log, log],
			});
			closeSync(log);
			url = `http://127.0.0.1:${port}`;
			if (await healthy(url, child)) break;
			if (child.exitCode === null) child.kill('SIGKILL');
			if (attempt === 3) {
				throw new Error(`jellyha serve did not become healthy:\n${readFileSync(logPath, 'utf8')}`);
			}
		}
		timings.start = Date.now() - t;

		return {
			url,
			tmp,
			env,
			timings,
			provider: db ? 'PostgreSQL' : 'SQLite',
			// jellyha runs a CLI command on the server's database.
			jellyha,
			// log is what serve has written (warnings and errors).
			log: () => readFileSync(logPath, 'utf8'),
			async stop() {
				if (stopped) return;
				stopped = true;
				if (child.exitCode === null && child.signalCode === null) {
					const exited = new Promise((r) => child.once('exit', r));
					child.kill('SIGTERM');
					const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
					await exited;
					clearTimeout(timer);
				}
				const log = readFileSync(logPath, 'utf8').trim();
				if (log) process.stderr.write(`jellyha serve (${url}) logged:\n${log}\n`);
				if (keep) process.stderr.write(`JELLYHA_SDK_KEEP: kept ${tmp}${db ? ` and ${db.url}` : ''}\n`);
				killNow();
				cleanups.splice(cleanups.indexOf(killNow), 1);
			},
		};
	} catch (err) {
		killNow();
		cleanups.splice(cleanups.indexOf(killNow), 1);
		throw err;
	}
}

async function healthy(url, child) {
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) return false;
		try {
			const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
			if (r.ok) return true;
		} catch {
			// not listening yet
		}
		await sleep(50);
	}
	return false;
}
