#!/usr/bin/env bash
# Load test of `newsidx serve` (issue 14): index the corpus, serve it with --allow-writes on a free
# loopback port, run bench/loadtest.py (32 readers for 30 s of mixed searches while a writer posts
# batches), print its JSON report and stop the server. Not run by CI.
#
#   bench/loadtest.sh [CORPUS.jsonl]     (default: the Reuters-21578 JSONL in /work/shared/data)
#
# Knobs: CLIENTS [32] DURATION [30] (seconds) BATCH [50] WORK [/tmp/newsidx-loadtest] NEWSIDX_BIN [build release]
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
CORPUS=$(realpath "${1:-/work/shared/data/reuters21578.jsonl}")
WORK=${WORK:-${TMPDIR:-/tmp}/newsidx-loadtest}
CLIENTS=${CLIENTS:-32}
DURATION=${DURATION:-30}
BATCH=${BATCH:-50}
if [ -n "${NEWSIDX_BIN:-}" ]; then NEWSIDX=$NEWSIDX_BIN; else
  (cd "$ROOT" && cargo build --release --locked -q)
  NEWSIDX=$ROOT/target/release/newsidx
fi
rm -rf "$WORK" && mkdir -p "$WORK"
"$NEWSIDX" index --index "$WORK/index" -q "$CORPUS" || [ $? = 1 ] # 1: some records rejected
"$NEWSIDX" serve --index "$WORK/index" --addr 127.0.0.1:0 --allow-writes >"$WORK/serve.out" 2>"$WORK/serve.err" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q http "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[^ ]*' "$WORK/serve.out" | head -1)
URL=${URL%/}
[ -n "$URL" ] || { cat "$WORK/serve.err" >&2; exit 2; }
python3 "$BENCH/loadtest.py" --url "$URL" --corpus "$CORPUS" --queries "$BENCH/queries.txt" \
  --clients "$CLIENTS" --seconds "$DURATION" --batch "$BATCH"
