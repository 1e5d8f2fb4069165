#!/usr/bin/env bash
# Times `newsidx search --format jsonl|csv` exporting every article of a corpus (default: Reuters-21578,
# 19,779 articles), with and without collapse, ROUNDS times each; prints the best and the median wall
# time and checks that the export has one line per match (or per story).
#
#   bench/export.sh                        # /work/shared/data/reuters21578.jsonl
#   bench/export.sh /path/to/corpus.jsonl  # any newsidx input
#
# Builds the release binary unless NEWSIDX_BIN names one; the index lives in $WORK (default
# /tmp/newsidx-export-bench) and is built once (delete it to rebuild).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:-/work/shared/data/reuters21578.jsonl}
ROUNDS=${ROUNDS:-5}
WORK=${WORK:-/tmp/newsidx-export-bench}
if [[ -z "${NEWSIDX_BIN:-}" ]]; then
  (cd "$ROOT" && cargo build --release --locked --quiet)
  NEWSIDX_BIN="$ROOT/target/release/newsidx"
fi
INDEX="$WORK/index"
mkdir -p "$WORK"
if [[ ! -f "$INDEX/newsidx.json" ]]; then
  "$NEWSIDX_BIN" index --index "$INDEX" "$CORPUS" >/dev/null
fi

# seconds of one run of "$@" with stdout to $WORK/out
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$WORK/out"
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

measure() {
  local label=$1; shift
  local times=()
  "$@" >/dev/null # warm the page cache
  for _ in $(seq "$ROUNDS"); do
    times+=("$(seconds "$@")")
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -g)
  local best median lines
  best=$(echo "$sorted" | head -1)
  median=$(echo "$sorted" | sed -n "$(( (ROUNDS + 1) / 2 ))p")
  if [[ "$label" == csv* ]]; then # quoted fields hold newlines: count records
    lines=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$WORK/out")
  else
    lines=$(wc -l <"$WORK/out")
  fi
  printf '%-34s lines %7d   best %6.3f s   median %6.3f s\n' "$label" "$lines" "$best" "$median"
}

total=$("$NEWSIDX_BIN" search --index "$INDEX" '*' --json -n 0 | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["total_hits"], r["total_stories"])')
echo "index: $INDEX ($total: articles, stories); $ROUNDS rounds; $(nproc) cores"
measure "jsonl, every article" "$NEWSIDX_BIN" search --index "$INDEX" '*' --format jsonl --no-collapse
measure "jsonl, every story" "$NEWSIDX_BIN" search --index "$INDEX" '*' --format jsonl
measure "jsonl, every article + body" "$NEWSIDX_BIN" search --index "$INDEX" '*' --format jsonl --no-collapse --fields body
measure "csv, every article + body" "$NEWSIDX_BIN" search --index "$INDEX" '*' --format csv --no-collapse --fields body
measure "jsonl, 'oil' by relevance" "$NEWSIDX_BIN" search --index "$INDEX" oil --format jsonl --no-collapse
