#!/usr/bin/env bash
# Measures "jellyha serve" as a client sees it, on the large generated
# library (100,000 items), on SQLite and on PostgreSQL, in one run:
#
#   bench/api.sh [N]          N measured requests per endpoint (default 200)
#
# It builds jellyha and bench/apiload, prepares the two databases (a copy of
# the large library for SQLite; the same library moved into a fresh
# PostgreSQL database with "jellyha migrate"), starts "jellyha serve" on each
# in turn, logs in as the generated administrator (admin / jellyfin), fires
# the requests one after another, and prints p50/p90/p99 per endpoint and
# the server's resident memory (VmRSS, its peak VmHWM, and RssAnon/RssFile:
# the process's own memory and the mapped database file) from /proc.
#
# Environment:
#   BENCH_DIR    working directory (default /tmp/jellyha-bench-api)
#   BENCH_PG     PostgreSQL server URL it may create databases on
#                (default postgres://postgres@127.0.0.1:5432)
#   BENCH_LARGE  an existing "gendb --size large --seed 1" file to copy
#                (never modified); without it the library is generated
#   BENCH_PGDB   the PostgreSQL database to (re)create (default jhbench_api)
#   BENCH_REUSE  1: keep the PostgreSQL database of a previous run
#   BENCH_ENGINES  which to measure (default "sqlite postgres")
#   BENCH_NAMES  requests per names list (genres, studios, artists tabs,
#                filter dialog); default 0, none
# Results are printed; docs/BENCHMARKS.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
DIR=${BENCH_DIR:-/tmp/jellyha-bench-api}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PGDB=${BENCH_PGDB:-jhbench_api}
mkdir -p "$DIR"
go build -o "$DIR/jellyha" ./cmd/jellyha
go build -o "$DIR/apiload" ./bench/apiload
J="$DIR/jellyha"

# The pristine library: copied or generated once, read only afterwards.
if [ ! -f "$DIR/large.db" ]; then
	if [ -n "${BENCH_LARGE:-}" ]; then
		cp "$BENCH_LARGE" "$DIR/large.db.part"
		mv "$DIR/large.db.part" "$DIR/large.db"
	else
		"$J" gendb --size large --seed 1 --out "$DIR/large.db" | tail -3
	fi
fi

# SQLite: serve a fresh copy each run (serve upgrades jellyha's own tables
# and logging in writes a session).
rm -rf "$DIR/sqlite"
mkdir -p "$DIR/sqlite/data"
cp "$DIR/large.db" "$DIR/sqlite/data/jellyfin.db"

# PostgreSQL: the same library through jellyha migrate.
if [ "${BENCH_REUSE:-}" != 1 ] || ! psql "$PG/$PGDB" -qAtc 'SELECT 1 FROM "BaseItems" LIMIT 1' >/dev/null 2>&1; then
	psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" -c "CREATE DATABASE $PGDB" >/dev/null
	rm -f "$DIR"/large.db.*.jellyha-backup*
	"$J" migrate --source "$DIR/large.db" --target "$PG/$PGDB" --backup "$DIR/pg-source.bak" --log-level warn 2>/dev/null | tail -1
	rm -f "$DIR"/pg-source.bak*
	psql "$PG/$PGDB" -qc 'VACUUM ANALYZE' >/dev/null
fi

SERVE_PID=
trap 'if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null || true; fi' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

bench() { # name, then environment assignments for serve
	local name=$1
	shift
	local port pid
	port=$(free_port)
	env "$@" "$J" serve --addr "127.0.0.1:$port" --log-level warn >"$DIR/serve-$name.log" 2>&1 &
	pid=$!
	SERVE_PID=$pid
	for _ in $(seq 1 600); do
		curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break
		kill -0 "$pid" 2>/dev/null || { echo "serve ($name) exited:"; cat "$DIR/serve-$name.log"; return 1; }
		sleep 0.2
	done
	echo "== $name ($(date -u +%Y-%m-%d), $N requests per endpoint)"
	grep VmRSS "/proc/$pid/status" | sed 's/^/after start: /'
	"$DIR/apiload" -url "http://127.0.0.1:$port" -user admin -password jellyfin -n "$N" -names "${BENCH_NAMES:-0}"
	# RssFile is the mapped database (SQLite reads through mmap): the OS
	# page cache, shared and reclaimable; RssAnon is the process's own.
	grep -E 'VmRSS|VmHWM|RssAnon|RssFile' "/proc/$pid/status" | sed 's/^/after the run: /'
	kill "$pid"
	wait "$pid" || true
	SERVE_PID=
}

for engine in ${BENCH_ENGINES:-sqlite postgres}; do
	case $engine in
	sqlite) bench sqlite "JELLYFIN_DATA_DIR=$DIR/sqlite" ;;
	postgres)
		bench postgres "JELLYFIN_DATA_DIR=$DIR/pgdata" JELLYFIN_DatabaseProvider=Jellyfin-PostgreSQL \
			"JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL=$PG/$PGDB"
		;;
	*) echo "BENCH_ENGINES: unknown engine $engine" >&2; exit 2 ;;
	esac
done
