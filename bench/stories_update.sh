#!/usr/bin/env bash
# Times adding a small batch of new articles to a large index, which keeps the story column up to
# date (each new article is compared with the story leaders published near its date), next to the same
# batch added to an empty index (the cost of indexing the batch alone), and checks the stories of the
# large index before and after.
#
#   bench/stories_update.sh BIG.jsonl BATCH.jsonl
#   python3 bench/gen_corpus.py -n 1001000 -o /tmp/news.jsonl
#   head -n 1000000 /tmp/news.jsonl > /tmp/news-1m.jsonl
#   python3 bench/copies.py /tmp/news-1m.jsonl /tmp/news.jsonl 1000 > /tmp/news-1k.jsonl
#   bench/stories_update.sh /tmp/news-1m.jsonl /tmp/news-1k.jsonl
#
# (bench/copies.py makes a batch half of new articles, half of edited copies of indexed ones, so that
# the batch both starts stories and joins them.)
#
# The big index is built once in $WORK/big (delete it to rebuild) and copied for each round, so every
# round adds the batch as new articles. Builds the release binary unless NEWSIDX_BIN names one.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIG=${1:?usage: bench/stories_update.sh BIG.jsonl BATCH.jsonl}
BATCH=${2:?usage: bench/stories_update.sh BIG.jsonl BATCH.jsonl}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-/tmp/newsidx-stories-bench}
if [[ -z "${NEWSIDX_BIN:-}" ]]; then
  (cd "$ROOT" && cargo build --release --locked --quiet)
  NEWSIDX_BIN="$ROOT/target/release/newsidx"
fi
mkdir -p "$WORK"
if [[ ! -f "$WORK/big/newsidx.json" ]]; then
  "$NEWSIDX_BIN" -q index --index "$WORK/big" "$BIG"
fi
stories() { "$NEWSIDX_BIN" stats --index "$1" --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["articles"], s["stories"])'; }
echo "big index: $(stories "$WORK/big")  (articles, stories)"

# wall seconds and peak anonymous memory (MiB; bench/rss.py) of adding the batch to index $1
add() {
  python3 "$ROOT/bench/rss.py" --json -- "$NEWSIDX_BIN" -q index --index "$1" "$BATCH" |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.1f s, %.0f MiB anon" % (r["seconds"], r["peak_anon_mib"]))'
}

for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$WORK/copy" "$WORK/empty"
  cp -rL "$WORK/big" "$WORK/copy"
  sync
  into_big=$(add "$WORK/copy")
  into_empty=$(add "$WORK/empty")
  echo "round $round: into the big index $into_big; into an empty index $into_empty"
done
echo "after: $(stories "$WORK/copy")"
