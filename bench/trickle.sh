#!/usr/bin/env bash
# Trickle updates: a bulk index of BIG.jsonl, then RUNS runs of `newsidx index` with BATCH new
# articles each (the last RUNS*BATCH records of BIG.jsonl under new ids), with segment counts and
# `newsidx bench` (bench/queries.txt) after every third of the runs. Shows whether the merge policy
# keeps the segment count, and so query time, bounded while small batches keep arriving.
#
#   bench/trickle.sh ../shared/data/reuters21578.jsonl        # RUNS=60 BATCH=20 by default
#
# Builds the release binary unless NEWSIDX_BIN names one.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIG=${1:?usage: bench/trickle.sh BIG.jsonl}
RUNS=${RUNS:-60}
BATCH=${BATCH:-20}
WORK=${WORK:-/tmp/newsidx-trickle-bench}
if [[ -z "${NEWSIDX_BIN:-}" ]]; then
  (cd "$ROOT" && cargo build --release --locked --quiet)
  NEWSIDX_BIN="$ROOT/target/release/newsidx"
fi
rm -rf "$WORK" && mkdir -p "$WORK/batches"
python3 - "$BIG" "$WORK/batches" "$RUNS" "$BATCH" <<'PY'
import json, sys
big, out, runs, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = [l for l in open(big, encoding="utf-8") if l.strip()][-runs * batch:]
for r in range(runs):
    with open(f"{out}/{r:04d}.jsonl", "w", encoding="utf-8") as f:
        for line in lines[r * batch:(r + 1) * batch]:
            d = json.loads(line)
            d["id"] = f"trickle-{r}-{d.get('id', '')}"
            f.write(json.dumps(d) + "\n")
PY
"$NEWSIDX_BIN" index -q --index "$WORK/idx" "$BIG"
bench() {
  "$NEWSIDX_BIN" bench --index "$WORK/idx" --queries "$ROOT/bench/queries.txt" --repeat 10 |
    awk '/^tantivy top-10  / {t=$3} /collapse \+ facets/ {c=$(NF-3)} END {printf "tantivy top-10 p50 %s ms, collapse + facets p50 %s ms", t, c}'
}
echo "bulk: $(ls "$WORK"/idx/*.idx | wc -l) segments; $(bench)"
start=$(date +%s.%N)
spent=0
n=0
for f in "$WORK"/batches/*.jsonl; do
  t0=$(date +%s.%N)
  "$NEWSIDX_BIN" index -q --index "$WORK/idx" "$f"
  spent=$(echo "$spent + $(date +%s.%N) - $t0" | bc)
  n=$((n + 1))
  if (( n % (RUNS / 3 > 0 ? RUNS / 3 : 1) == 0 )); then
    echo "after $n runs: $(ls "$WORK"/idx/*.idx | wc -l) segments; $(bench)"
  fi
done
echo "$RUNS runs of $BATCH articles: $(echo "scale=3; $spent / $RUNS" | bc) s a run"
