#!/usr/bin/env bash
# Side-by-side benchmark of newsidx against tantivy-cli, SQLite FTS5 and Xapian.
#
#   bench/compare.sh [CORPUS.jsonl]          (default: the Reuters-21578 JSONL in /work/shared/data)
#
# For each engine and round: index the corpus from scratch (wall clock incl. commit, peak RSS via
# /usr/bin/time -v, du -sb of the index), then time the queries of bench/queries.txt. Engines run one
# after another, never in parallel, in an order rotated every round; the report gives medians over rounds.
# Installs missing peers from the package registries (cargo, apt). Not run by CI. See bench/README.md.
#
# Environment knobs (defaults in brackets):
#   ROUNDS [3]  REPS [5] timed passes over the queries per round   ENGINES ["newsidx tantivy fts5 xapian"]
#   WORK [/tmp/newsidx-bench-<corpus>] scratch dir (indexes, logs)  KEEP [0] 1 = keep the last round's indexes
#   THREADS [2] tantivy-cli indexing threads  HEAP_MB [256] tantivy-cli writer memory (newsidx's defaults)
#   NEWSIDX_INDEX_ARGS [] extra `newsidx index` flags, e.g. "--commit-every 100000 --heap-mb 512"
#   NEWSIDX_BIN [] use this binary instead of building /work/main   SKIP_INSTALL [0]  OUT_DIR [bench/]
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
CORPUS=$(realpath "${1:-/work/shared/data/reuters21578.jsonl}")
ROUNDS=${ROUNDS:-3}
REPS=${REPS:-5}
LIMIT=10
ENGINES=${ENGINES:-"newsidx tantivy fts5 xapian"}
THREADS=${THREADS:-2}
HEAP_MB=${HEAP_MB:-256}
NEWSIDX_INDEX_ARGS=${NEWSIDX_INDEX_ARGS:-}
KEEP=${KEEP:-0}
SKIP_INSTALL=${SKIP_INSTALL:-0}
OUT_DIR=${OUT_DIR:-$BENCH}
QUERIES=$BENCH/queries.txt
PY=/usr/bin/python3 # Debian's python: python3-xapian is built for it (python3 may be a pyenv one)
export PATH="$HOME/.cargo/bin:$PATH"

case "$(basename "$CORPUS")" in
reuters21578*) CORPUS_NAME=reuters ;;
*) CORPUS_NAME=$(basename "$CORPUS" | sed 's/\.[^.]*$//') ;;
esac
WORK=${WORK:-${TMPDIR:-/tmp}/newsidx-bench-$CORPUS_NAME}
DATE=$(date +%Y-%m-%d)
COMMAND=""
for v in ROUNDS REPS ENGINES THREADS HEAP_MB NEWSIDX_INDEX_ARGS NEWSIDX_BIN; do # knobs the caller set
  if printenv "$v" >/dev/null; then COMMAND+="$v=$(printf '%q' "$(printenv "$v")") "; fi
done
COMMAND+="$(printf '%q ' "$0" "$@")"
COMMAND="${COMMAND% }"

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

[ -f "$CORPUS" ] || die "no corpus at $CORPUS"
[ -x "$PY" ] || die "$PY not found (Debian's python3 is needed for python3-xapian)"

# ------------------------------------------------------------------------------ peers
apt_install() {
  apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$@"; }
}

install_peers() {
  if ! /usr/bin/time -v true >/dev/null 2>&1; then
    log "installing Debian 'time' (for peak RSS)"
    apt_install time
  fi
  if [[ " $ENGINES " == *" tantivy "* ]] && ! command -v tantivy >/dev/null; then
    log "installing tantivy-cli from crates.io (takes ~6 min on 2 cores)"
    cargo install tantivy-cli --locked || cargo install tantivy-cli
  fi
  if [[ " $ENGINES " == *" xapian "* ]] && ! "$PY" -c 'import xapian' 2>/dev/null; then
    log "installing Debian python3-xapian"
    apt_install python3-xapian
  fi
  if [[ " $ENGINES " == *" fts5 "* ]]; then
    "$PY" -c "import sqlite3; c = sqlite3.connect(':memory:'); c.execute(\"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')\")" ||
      die "$PY's sqlite3 has no FTS5 (pragma compile_options: $("$PY" -c "import sqlite3; print([o for o in sqlite3.connect(':memory:').execute('pragma compile_options')])"))"
  fi
}
[ "$SKIP_INSTALL" = 1 ] || install_peers

# ------------------------------------------------------------------------------ newsidx binary
mkdir -p "$WORK/bin" "$WORK/lat"
if [ -n "${NEWSIDX_BIN:-}" ]; then
  cp "$NEWSIDX_BIN" "$WORK/bin/newsidx"
elif [[ " $ENGINES " == *" newsidx "* ]]; then
  # The tree may be mid-edit: retry a few times, a minute apart.
  for attempt in 1 2 3 4 5; do
    if (cd "$ROOT" && cargo build --release --quiet); then break; fi
    [ "$attempt" = 5 ] && die "newsidx does not build"
    log "build failed (attempt $attempt); retrying in 60 s"
    sleep 60
  done
  # A snapshot, so that a rebuild during the benchmark cannot swap the binary between rounds.
  cp "$ROOT/target/release/newsidx" "$WORK/bin/newsidx"
fi
NEWSIDX=$WORK/bin/newsidx

# ------------------------------------------------------------------------------ inputs
ARTICLES=$(grep -c . "$CORPUS")
CORPUS_BYTES=$(stat -c %s "$CORPUS")
for e in newsidx tantivy; do "$PY" "$BENCH/engines.py" queries "$QUERIES" "$e" "$WORK/queries-$e.txt"; done
NQUERIES=$(grep -c . "$WORK/queries-newsidx.txt")
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
# Read the corpus once so that no engine pays for the cold page cache alone.
cat "$CORPUS" >/dev/null

# wait_for_port PORT PID LOG: until PORT accepts connections (10 s at most); dies if PID exits first.
wait_for_port() {
  local i
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || die "server exited (see $3)"
    sleep 0.1
  done
  die "server did not listen on port $1 within 10 s (see $3)"
}

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# run_index ENGINE ROUND DIR CMD...: time CMD, record seconds, peak RSS and index size.
run_index() {
  local engine=$1 round=$2 dir=$3
  shift 3
  local tfile=$WORK/time-$engine-$round.txt logf=$WORK/index-$engine-$round.log t0 t1 rss bytes secs cpu load
  load=$(cut -d' ' -f1 /proc/loadavg) # the machine is shared: a high load explains a slow round
  t0=$(date +%s%N)
  # Next to /usr/bin/time (peak RSS: heap and mapped index files together), rss.py samples the
  # engine's anonymous memory (its heap) every 20 ms: what "flat in corpus size" is about.
  local heapf=$WORK/heap-$engine-$round.json tpid spid heap rc=0
  /usr/bin/time -v -o "$tfile" "$@" >"$logf" 2>&1 &
  tpid=$!
  "$PY" "$BENCH/rss.py" --json --interval 0.02 --child-of "$tpid" >"$heapf" 2>/dev/null &
  spid=$!
  wait "$tpid" || rc=$?
  t1=$(date +%s%N)
  wait "$spid" || true
  ((rc == 0)) || {
    # newsidx exits 1 when some records were rejected: still a measurement, but say so.
    if [ "$engine" = newsidx ] && [ "$rc" = 1 ]; then log "newsidx reported rejected records (see $logf)"; else
      tail -5 "$logf" >&2
      die "$engine indexing failed (exit $rc)"
    fi
  }
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$tfile")
  heap=$("$PY" -c 'import json, sys; print(int(json.load(open(sys.argv[1]))["peak_anon_mib"] * 1024))' "$heapf" 2>/dev/null || echo 0)
  bytes=$(du -sb "$dir" | cut -f1)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  printf '{"kind":"index","round":%d,"engine":"%s","articles":%d,"seconds":%s,"cpu_seconds":%s,"rss_kib":%d,"heap_kib":%d,"bytes":%d,"load":%s}\n' \
    "$round" "$engine" "$ARTICLES" "$secs" "$cpu" "$rss" "$heap" "$bytes" "$load" >>"$RESULTS"
  log "$engine round $round: indexed $ARTICLES in ${secs}s (CPU ${cpu}s), peak RSS $((rss / 1024)) MiB (heap $((heap / 1024)) MiB), index $((bytes / 1048576)) MiB"
}

# record_query ENGINE ROUND ROW MODE FILE
record_query() {
  printf '{"kind":"query","round":%d,"engine":"%s","row":"%s","mode":"%s","file":"%s"}\n' "$2" "$1" "$3" "$4" "$5" >>"$RESULTS"
}

counts_flag() { [ "$1" = 1 ] && echo --counts || true; }

# ------------------------------------------------------------------------------ engines
bench_newsidx() {
  local r=$1 dir=$WORK/idx-newsidx
  rm -rf "$dir"
  # shellcheck disable=SC2086 # NEWSIDX_INDEX_ARGS is a list of flags
  run_index newsidx "$r" "$dir" "$NEWSIDX" index --index "$dir" --json $NEWSIDX_INDEX_ARGS "$CORPUS"
  # ---- the same file again into the same index: every article an upsert of itself (issue 17's
  # "re-indexing an unchanged file at least as fast as the first indexing"); `--rewrite-all` in
  # NEWSIDX_INDEX_ARGS makes it rewrite everything.
  # shellcheck disable=SC2086
  run_index newsidx-reindex "$r" "$dir" "$NEWSIDX" index --index "$dir" --json $NEWSIDX_INDEX_ARGS "$CORPUS"
  # ---- `newsidx bench`: in-process query latency, its own row above the per-process one -------------
  # newsidx bench --index DIR --queries FILE --repeat N --json -> {"modes": [{"mode", "p50_ms", ...}]};
  # the raw file (every mode, including the plain tantivy top-10 on the same index) stays in $WORK/lat.
  if "$NEWSIDX" bench --help >/dev/null 2>&1; then
    local raw=$WORK/lat/newsidx-bench-$r.raw.json
    if "$NEWSIDX" bench --index "$dir" --queries "$WORK/queries-newsidx.txt" --repeat "$REPS" --json >"$raw" 2>"$WORK/newsidx-bench-$r.log" &&
      "$PY" "$BENCH/engines.py" newsidx-bench-parse "$raw" "$WORK/lat/newsidx-bench-$r.json"; then
      record_query newsidx "$r" bench "\`newsidx bench\`, in-process: collapse + facets + snippets" "$WORK/lat/newsidx-bench-$r.json"
    else
      log "newsidx bench exists but failed or printed an unexpected shape (see $WORK/newsidx-bench-$r.log); skipped"
    fi
  fi
  # ---- `newsidx serve`: GET /api/search with collapse and facets, one kept-alive connection -----------
  local port pid
  port=$(free_port)
  "$NEWSIDX" serve --index "$dir" --addr "127.0.0.1:$port" >"$WORK/newsidx-serve-$r.log" 2>&1 &
  pid=$!
  wait_for_port "$port" "$pid" "$WORK/newsidx-serve-$r.log"
  "$PY" "$BENCH/engines.py" latency --engine http --api newsidx --syntax newsidx --url "http://127.0.0.1:$port" \
    --queries "$QUERIES" --reps "$REPS" --limit "$LIMIT" $(counts_flag "$r") --out "$WORK/lat/newsidx-serve-$r.json" ||
    { kill "$pid"; exit 2; }
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  record_query newsidx "$r" serve "\`newsidx serve\` GET /api/search over loopback HTTP, warm: collapse + facets + snippets" \
    "$WORK/lat/newsidx-serve-$r.json"
  "$PY" "$BENCH/engines.py" latency --engine proc --syntax newsidx --queries "$QUERIES" --reps "$REPS" \
    --limit "$LIMIT" $(counts_flag "$r") --out "$WORK/lat/newsidx-proc-$r.json" -- "$NEWSIDX" search --index "$dir" --json
  record_query newsidx "$r" proc "\`newsidx search --json\`, one process per query (start-up incl.)" "$WORK/lat/newsidx-proc-$r.json"
  [ "$KEEP" = 1 ] && [ "$r" = "$ROUNDS" ] || rm -rf "$dir"
}

bench_tantivy() {
  local r=$1 dir=$WORK/idx-tantivy port pid
  rm -rf "$dir"
  "$PY" "$BENCH/engines.py" tantivy-meta "$dir" # `tantivy new` is interactive: write meta.json instead
  run_index tantivy "$r" "$dir" tantivy index -i "$dir" -f "$CORPUS" -t "$THREADS" -m $((HEAP_MB * 1048576))
  if grep -q "Failed to add document" "$WORK/index-tantivy-$r.log"; then
    log "tantivy-cli rejected $(grep -c 'Failed to add document' "$WORK/index-tantivy-$r.log") documents"
  fi
  # In-process: `tantivy bench` (search + count of top 10, no stored-document fetch). Pass 1 = warm-up.
  tantivy bench -i "$dir" -q "$WORK/queries-tantivy.txt" -n $((REPS + 1)) >"$WORK/tantivy-bench-$r.txt"
  "$PY" "$BENCH/engines.py" tantivy-bench-parse --skip-first "$WORK/tantivy-bench-$r.txt" "$QUERIES" "$WORK/lat/tantivy-bench-$r.json"
  # Server: `tantivy serve` on loopback, one kept-alive connection (returns the top 10 stored documents).
  port=$(free_port)
  tantivy serve -i "$dir" --host 127.0.0.1 -p "$port" >"$WORK/tantivy-serve-$r.log" 2>&1 &
  pid=$!
  wait_for_port "$port" "$pid" "$WORK/tantivy-serve-$r.log"
  "$PY" "$BENCH/engines.py" latency --engine http --syntax tantivy --url "http://127.0.0.1:$port" --queries "$QUERIES" \
    --reps "$REPS" --limit "$LIMIT" $(counts_flag "$r") --out "$WORK/lat/tantivy-serve-$r.json" || { kill "$pid"; exit 2; }
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  record_query tantivy "$r" serve "\`tantivy serve\` over loopback HTTP, warm" "$WORK/lat/tantivy-serve-$r.json"
  record_query tantivy "$r" bench "\`tantivy bench\`, in-process, no doc fetch" "$WORK/lat/tantivy-bench-$r.json"
  [ "$KEEP" = 1 ] && [ "$r" = "$ROUNDS" ] || rm -rf "$dir"
}

# SQLite FTS5 and Xapian: indexed and queried by engines.py in one warm Python process each.
bench_python() {
  local engine=$1 label=$2 r=$3 dir=$WORK/idx-$1
  rm -rf "$dir"
  run_index "$engine" "$r" "$dir" "$PY" "$BENCH/engines.py" "$engine-index" "$CORPUS" "$dir"
  "$PY" "$BENCH/engines.py" latency --engine "$engine" --index "$dir" --queries "$QUERIES" --reps "$REPS" \
    --limit "$LIMIT" $(counts_flag "$r") --out "$WORK/lat/$engine-$r.json"
  record_query "$engine" "$r" inproc "$label" "$WORK/lat/$engine-$r.json"
  [ "$KEEP" = 1 ] && [ "$r" = "$ROUNDS" ] || rm -rf "$dir"
}
bench_fts5() { bench_python fts5 "python sqlite3, in-process, warm" "$1"; }
bench_xapian() { bench_python xapian "python xapian, in-process, warm" "$1"; }

# ------------------------------------------------------------------------------ rounds
read -r -a ENGINE_LIST <<<"$ENGINES"
N=${#ENGINE_LIST[@]}
log "corpus $CORPUS ($ARTICLES articles), engines: $ENGINES, $ROUNDS rounds, work dir $WORK"
for ((r = 1; r <= ROUNDS; r++)); do
  for ((k = 0; k < N; k++)); do
    e=${ENGINE_LIST[$(((k + r - 1) % N))]}
    log "round $r: $e"
    "bench_$e" "$r"
  done
done

# ------------------------------------------------------------------------------ report
export CORPUS CORPUS_NAME ARTICLES CORPUS_BYTES COMMAND DATE ROUNDS REPS LIMIT NQUERIES QUERIES THREADS HEAP_MB \
  NEWSIDX_INDEX_ARGS ENGINES NEWSIDX ROOT
"$PY" - >"$WORK/meta.json" <<'EOF'
import json, os, platform, sqlite3, subprocess
e = os.environ
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""
cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
mem = sh("awk '/MemTotal/ {printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")
engines = e["ENGINES"].split()
versions = {}
if "newsidx" in engines:
    rev = sh(f"git -C {e['ROOT']} rev-parse --short HEAD")
    dirty = sh(f"git -C {e['ROOT']} status --porcelain -- src Cargo.toml Cargo.lock")
    versions["newsidx"] = f"{rev}{' + uncommitted changes' if dirty else ''}"
if "tantivy" in engines:
    versions["tantivy-cli"] = sh("tantivy --version").replace("Tantivy ", "")
if "fts5" in engines:
    versions["SQLite"] = sqlite3.sqlite_version
if "xapian" in engines:
    versions["Xapian"] = sh("/usr/bin/python3 -c 'import xapian; print(xapian.version_string())'")
versions["python"] = platform.python_version()
extra = e["NEWSIDX_INDEX_ARGS"]
notes = [
    "Indexing: wall clock of the whole indexing process, from start to exit (JSON parsing, analysis, final commit and "
    "segment merges it waits for); peak RSS of that process (/usr/bin/time -v); index size = du -sb of the index folder.",
    f"newsidx: `newsidx index --json {extra + ' ' if extra else ''}CORPUS` with its defaults; it also stores every field, "
    "extracts entities and fingerprints near-duplicates (when built with them), which the peers do not.",
    f"tantivy-cli: schema id (stored), title and body (stored, positions, `en_stem`); "
    f"`tantivy index -t {e['THREADS']} -m {int(e['HEAP_MB']) * 1048576}` reading the same JSONL (unknown fields ignored).",
    "SQLite FTS5: `fts5(id UNINDEXED, title, body, tokenize='porter unicode61')`, one transaction, no 'optimize'; "
    "Python's JSON parsing is included in its indexing time.",
    "Xapian: TermGenerator with the English stemmer (STEM_ALL, positions), title then body, document data = JSON of "
    "id/title/body; one commit at the end; Python's JSON parsing included.",
    "Queries: all words must match; quoted text is a phrase. Each engine returns its top 10 by BM25 with stored fields "
    "(tantivy `bench` excepted: it does not fetch documents).",
    "Latency rows differ in what they include: `newsidx search` per process includes process start-up, opening the "
    "index and snippet generation; `tantivy serve` includes the loopback HTTP round trip and JSON of 10 documents; "
    "the Python rows include the Python call overhead. Compare like with like.",
]
meta = {
    "corpus": e["CORPUS"], "corpus_name": e["CORPUS_NAME"], "articles": int(e["ARTICLES"]),
    "corpus_bytes": int(e["CORPUS_BYTES"]), "command": e["COMMAND"], "date": e["DATE"],
    "machine": f"{cpu}, {os.cpu_count()} cores, {mem}",
    "settings": {"rounds": int(e["ROUNDS"]), "reps": int(e["REPS"]), "limit": int(e["LIMIT"]),
                 "queries": os.path.relpath(e["QUERIES"], e["ROOT"]), "nqueries": int(e["NQUERIES"])},
    "versions": versions, "notes": notes,
}
print(json.dumps(meta, indent=2))
EOF
mkdir -p "$OUT_DIR"
OUT=$OUT_DIR/results-$CORPUS_NAME-$DATE.md
"$PY" "$BENCH/report.py" --results "$RESULTS" --meta "$WORK/meta.json" --out "$OUT"
log "report written to $OUT (raw results in $WORK)"
