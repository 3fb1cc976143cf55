#!/usr/bin/env bash
# Benchmarks "jellyha migrate" against the practical ceiling (psql \copy of the
# same rows) and against pgloader, on generated libraries, in one run:
#
#   bench/migrate.sh [moderate|large|all]
#
# Needs a PostgreSQL server it may create databases on (BENCH_PG, default
# postgres://postgres@127.0.0.1:5432), psql, and for the pgloader comparison
# Debian's pgloader (apt-get install pgloader). Files go to BENCH_DIR
# (default /tmp/jellyha-bench). Results are printed; docs/BENCHMARKS.md
# records them.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
DIR=${BENCH_DIR:-/tmp/jellyha-bench}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
mkdir -p "$DIR"
go build -o "$DIR/jellyha" ./cmd/jellyha
J="$DIR/jellyha"

fresh() { psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" 2>/dev/null; }
now() { date +%s.%N; }
phases() { python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["phase_seconds"]
rows = sum(t["copied"] for t in d["tables"])
print("  phases: " + ", ".join(f"{k} {v:.2f}s" for k, v in p.items()))
print(f"  rows {rows}, verified {d.get('verified')}, copy phase {rows / p['copy']:.0f} rows/s, copy + index rebuild {rows / (p['copy'] + p.get('indexes', 0)):.0f} rows/s")
PY
}

gen() { # size
	[ -f "$DIR/$1.db" ] || "$J" gendb --size "$1" --seed 1 --out "$DIR/$1.db" | tail -3
}

migrate() { # size runs
	local size=$1 runs=$2
	for i in $(seq 1 "$runs"); do
		fresh jhbench_$size
		rm -f "$DIR/$size.bak"*
		local t0 t1
		t0=$(now)
		"$J" migrate --source "$DIR/$size.db" --target "$PG/jhbench_$size" --backup "$DIR/$size.bak" \
			--report "$DIR/$size.json" --log-level warn >/dev/null 2>&1
		t1=$(now)
		echo "jellyha migrate $size, run $i: $(python3 -c "print(f'{$t1-$t0:.2f}')") s end to end"
		phases "$DIR/$size.json"
	done
}

copy_ceiling() { # size: the same rows, already converted, loaded by psql \copy
	local size=$1 tables
	tables=$(python3 -c "import json; print(' '.join(t['table'] for t in json.load(open('$DIR/$size.json'))['tables']))")
	mkdir -p "$DIR/copy-$size"
	for t in $tables; do
		psql "$PG/jhbench_$size" -qc "\\copy \"$t\" TO '$DIR/copy-$size/$t.bin' WITH (FORMAT binary)"
	done
	fresh jhbench_copy
	env "JELLYFIN_DatabaseProvider=Jellyfin-PostgreSQL" "JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL=$PG/jhbench_copy" "$J" db migrate >/dev/null
	psql "$PG/jhbench_copy" -qc 'DELETE FROM "BaseItems"'
	local script="$DIR/copy-$size.sql"
	: >"$script"
	for t in $tables; do echo "\\copy \"$t\" FROM '$DIR/copy-$size/$t.bin' WITH (FORMAT binary)" >>"$script"; done
	local t0 t1 rows
	rows=$(python3 -c "import json; print(sum(t['copied'] for t in json.load(open('$DIR/$size.json'))['tables']))")
	t0=$(now)
	psql "$PG/jhbench_copy" -q -v ON_ERROR_STOP=1 -f "$script"
	t1=$(now)
	python3 -c "s=$t1-$t0; print(f'psql \\\\copy of the same {$rows} rows into the same schema: {s:.2f} s, {$rows/s:.0f} rows/s')"
}

pgloader_run() { # size
	local size=$1
	command -v pgloader >/dev/null || { echo "pgloader: not installed (apt-get install pgloader)"; return; }
	fresh jhbench_pgloader
	local t0 t1 rows
	rows=$(python3 -c "import json; print(sum(t['read'] for t in json.load(open('$DIR/$size.json'))['tables']))")
	t0=$(now)
	# Its defaults: it creates its own (lower-cased, untyped) tables; with
	# "quote identifiers" its sequence reset fails on this schema.
	if pgloader "sqlite://$DIR/$size.db" "$PG/jhbench_pgloader" >"$DIR/pgloader-$size.log" 2>&1; then
		t1=$(now)
		python3 -c "s=$t1-$t0; print(f'pgloader (defaults) of the same {$rows} rows: {s:.2f} s, {$rows/s:.0f} rows/s')"
	else
		echo "pgloader failed, see $DIR/pgloader-$size.log"
	fi
}

pgloader_typed() { # size: pgloader data-only into jellyha's typed schema, as the
	# Jellyfin.Pgsql plugin's README does it (PostgreSQL's input functions
	# then parse GUIDs, 0/1 and dates; it cannot read KeyframeTicks' JSON).
	local size=$1
	command -v pgloader >/dev/null || return 0
	fresh jhbench_pgtyped
	env "JELLYFIN_DatabaseProvider=Jellyfin-PostgreSQL" "JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL=$PG/jhbench_pgtyped" "$J" db migrate >/dev/null
	psql "$PG/jhbench_pgtyped" -qc 'DELETE FROM "BaseItems"'
	cat >"$DIR/typed-$size.load" <<LOAD
LOAD DATABASE
  FROM sqlite://$DIR/$size.db
  INTO $PG/jhbench_pgtyped
  WITH data only, quote identifiers, workers = 2, concurrency = 1, batch rows = 50000, reset no sequences, on error resume next
  EXCLUDING TABLE NAMES LIKE '__EFMigrations%', 'jellyha%';
LOAD
	local t0 t1 rows
	rows=$(python3 -c "import json; print(sum(t['read'] for t in json.load(open('$DIR/$size.json'))['tables']))")
	t0=$(now)
	pgloader "$DIR/typed-$size.load" >"$DIR/pgloader-typed-$size.log" 2>&1 || true
	t1=$(now)
	python3 -c "s=$t1-$t0; print(f'pgloader data-only into the typed schema, the same {$rows} rows: {s:.2f} s, {$rows/s:.0f} rows/s ($(grep -c ERROR "$DIR/pgloader-typed-$size.log") errors logged)')"
}

if [ "$what" = moderate ] || [ "$what" = all ]; then
	gen moderate
	migrate moderate 3
	copy_ceiling moderate
	pgloader_run moderate
	pgloader_typed moderate
fi
if [ "$what" = large ] || [ "$what" = all ]; then
	gen large
	migrate large 1
	copy_ceiling large
	pgloader_run large
	pgloader_typed large
fi
