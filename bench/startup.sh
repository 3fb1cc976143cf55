#!/usr/bin/env bash
# Time from starting "jellyha serve" on an empty data directory (SQLite) to
# its first successful /health answer, RUNS times.
#   bench/startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/jellyha" ./cmd/jellyha
for i in $(seq 1 "$runs"); do
	data="$dir/data$i"
	start=$(date +%s%N)
	JELLYFIN_DATA_DIR="$data" "$dir/jellyha" serve --addr 127.0.0.1:18197 --log-level warn &
	pid=$!
	until curl -fs http://127.0.0.1:18197/health >/dev/null 2>&1; do sleep 0.005; done
	end=$(date +%s%N)
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "run $i: $(( (end - start) / 1000000 )) ms to the first healthy answer (empty database, schema created)"
done
