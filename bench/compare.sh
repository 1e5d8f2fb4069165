#!/usr/bin/env bash
# Side-by-side benchmark of newsidx against tantivy-cli, SQLite FTS5 and Xapian.
#
#   bench/compare.sh [CORPUS.jsonl]          (default: the Reuters-21578 JSONL in /work/shared/data)
#
# Each round: every engine indexes the corpus from scratch (wall clock incl. commit, peak RSS via
# /usr/bin/time -v, du -sb of the index), one after another in an order rotated every round. Then the
# queries of bench/queries.txt are timed on the indexes just built with the engines interleaved: the
# in-process timers take turns pass by pass, and the two servers (newsidx serve, tantivy serve) query by
# query, so that a latency ratio compares moments of the same load. The report gives medians over rounds.
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

# ------------------------------------------------------------------------------ indexing, one engine at a time
index_newsidx() {
  local r=$1 dir=$WORK/idx-newsidx
  rm -rf "$dir"
  # shellcheck disable=SC2086 # NEWSIDX_INDEX_ARGS is a list of flags
  run_index newsidx "$r" "$dir" "$NEWSIDX" index --index "$dir" --json $NEWSIDX_INDEX_ARGS "$CORPUS"
  # The same file again into the same index: every article an upsert of itself (issue 17's
  # "re-indexing an unchanged file at least as fast as the first indexing"); `--rewrite-all` in
  # NEWSIDX_INDEX_ARGS makes it rewrite everything.
  # shellcheck disable=SC2086
  run_index newsidx-reindex "$r" "$dir" "$NEWSIDX" index --index "$dir" --json $NEWSIDX_INDEX_ARGS "$CORPUS"
}

index_tantivy() {
  local r=$1 dir=$WORK/idx-tantivy
  rm -rf "$dir"
  "$PY" "$BENCH/engines.py" tantivy-meta "$dir" # `tantivy new` is interactive: write meta.json instead
  run_index tantivy "$r" "$dir" tantivy index -i "$dir" -f "$CORPUS" -t "$THREADS" -m $((HEAP_MB * 1048576))
  if grep -q "Failed to add document" "$WORK/index-tantivy-$r.log"; then
    log "tantivy-cli rejected $(grep -c 'Failed to add document' "$WORK/index-tantivy-$r.log") documents"
  fi
}

# SQLite FTS5 and Xapian: indexed (and later queried) by engines.py.
index_python() {
  local engine=$1 r=$2 dir=$WORK/idx-$1
  rm -rf "$dir"
  run_index "$engine" "$r" "$dir" "$PY" "$BENCH/engines.py" "$engine-index" "$CORPUS" "$dir"
}
index_fts5() { index_python fts5 "$1"; }
index_xapian() { index_python xapian "$1"; }

# ------------------------------------------------------------------------------ in-process query passes
# pass_ENGINE ROUND PASS: one warm-up and one timed pass over the queries on the engine's kept index, in
# a process of its own; writes $WORK/lat/pass-ENGINE-ROUND-PASS.json. query_round interleaves the passes
# of all engines, so that a ratio does not depend on when each engine happened to run.
pass_newsidx() {
  local r=$1 p=$2 raw=$WORK/lat/newsidx-bench-$1-$2.raw.json
  # newsidx bench --json: {"modes": [{"mode", "p50_ms", ..., "samples_ms"}]}; the raw file (every mode,
  # including a plain tantivy top-10 on the same index) stays in $WORK/lat.
  "$NEWSIDX" bench --index "$WORK/idx-newsidx" --queries "$WORK/queries-newsidx.txt" --repeat 1 --json >"$raw" \
    2>"$WORK/newsidx-bench-$r.log" &&
    "$PY" "$BENCH/engines.py" newsidx-bench-parse "$raw" "$WORK/lat/pass-newsidx-$r-$p.json" 2>/dev/null
}
pass_tantivy() {
  local r=$1 p=$2 txt=$WORK/tantivy-bench-$1-$2.txt
  # `tantivy bench`: search + count of the top 10, no stored-document fetch. Its pass 1 is the warm-up.
  tantivy bench -i "$WORK/idx-tantivy" -q "$WORK/queries-tantivy.txt" -n 2 >"$txt" &&
    "$PY" "$BENCH/engines.py" tantivy-bench-parse --skip-first "$txt" "$QUERIES" "$WORK/lat/pass-tantivy-$r-$p.json"
}
pass_python() {
  local engine=$1 r=$2 p=$3 counts=
  [ "$p" = 1 ] && counts=$(counts_flag "$r")
  # shellcheck disable=SC2086 # counts is one flag or nothing
  "$PY" "$BENCH/engines.py" latency --engine "$engine" --index "$WORK/idx-$engine" --queries "$QUERIES" --reps 1 \
    --limit "$LIMIT" $counts --out "$WORK/lat/pass-$engine-$r-$p.json" 2>/dev/null
}
pass_fts5() { pass_python fts5 "$@"; }
pass_xapian() { pass_python xapian "$@"; }

# The report row of each engine's in-process timing: ROW|MODE.
declare -A INPROC_ROW=(
  [newsidx]="bench|\`newsidx bench\`, in-process: collapse + facets + snippets"
  [tantivy]="bench|\`tantivy bench\`, in-process, no doc fetch"
  [fts5]="inproc|python sqlite3, in-process, warm"
  [xapian]="inproc|python xapian, in-process, warm"
)

# query_round ROUND: every engine's queries on this round's indexes, once all of them are built.
query_round() {
  local r=$1 p k e n=${#ENGINE_LIST[@]} port pid files servers=() pids=()
  # ---- in-process: REPS passes per engine, the engines taking turns pass by pass (order rotated)
  for ((p = 1; p <= REPS; p++)); do
    for ((k = 0; k < n; k++)); do
      e=${ENGINE_LIST[$(((k + p - 1) % n))]}
      "pass_$e" "$r" "$p" || {
        [ "$e" = newsidx ] || die "$e: query pass $p of round $r failed"
        log "newsidx bench failed or printed an unexpected shape (see $WORK/newsidx-bench-$r.log); pass skipped"
      }
    done
  done
  for e in "${ENGINE_LIST[@]}"; do
    files=()
    for ((p = 1; p <= REPS; p++)); do
      [ -f "$WORK/lat/pass-$e-$r-$p.json" ] && files+=("$WORK/lat/pass-$e-$r-$p.json")
    done
    ((${#files[@]})) || continue
    "$PY" "$BENCH/engines.py" pool "$WORK/lat/$e-inproc-$r.json" "${files[@]}"
    record_query "$e" "$r" "${INPROC_ROW[$e]%%|*}" "${INPROC_ROW[$e]#*|}" "$WORK/lat/$e-inproc-$r.json"
  done
  # ---- HTTP: `newsidx serve` (GET /api/search with collapse and facets) and `tantivy serve` up at
  # once, one kept-alive connection each; every query goes to both in turn
  for e in newsidx tantivy; do
    [[ " $ENGINES " == *" $e "* ]] || continue
    port=$(free_port)
    if [ "$e" = newsidx ]; then
      "$NEWSIDX" serve --index "$WORK/idx-newsidx" --addr "127.0.0.1:$port" >"$WORK/newsidx-serve-$r.log" 2>&1 &
    else
      tantivy serve -i "$WORK/idx-tantivy" --host 127.0.0.1 -p "$port" >"$WORK/tantivy-serve-$r.log" 2>&1 &
    fi
    pid=$!
    pids+=("$pid")
    wait_for_port "$port" "$pid" "$WORK/$e-serve-$r.log"
    servers+=(--server "$e=http://127.0.0.1:$port")
  done
  if ((${#servers[@]})); then
    "$PY" "$BENCH/engines.py" http-interleaved "${servers[@]}" --queries "$QUERIES" --reps "$REPS" --limit "$LIMIT" \
      $(counts_flag "$r") --out "$WORK/lat/{name}-serve-$r.json" || {
      kill "${pids[@]}"
      exit 2
    }
    kill "${pids[@]}"
    wait "${pids[@]}" 2>/dev/null || true
  fi
  if [[ " $ENGINES " == *" newsidx "* ]]; then
    record_query newsidx "$r" serve "\`newsidx serve\` GET /api/search over loopback HTTP, warm: collapse + facets + snippets" \
      "$WORK/lat/newsidx-serve-$r.json"
    # newsidx alone: one process per query (start-up, opening the index and JSON output included)
    "$PY" "$BENCH/engines.py" latency --engine proc --syntax newsidx --queries "$QUERIES" --reps "$REPS" \
      --limit "$LIMIT" $(counts_flag "$r") --out "$WORK/lat/newsidx-proc-$r.json" -- \
      "$NEWSIDX" search --index "$WORK/idx-newsidx" --json
    record_query newsidx "$r" proc "\`newsidx search --json\`, one process per query (start-up incl.)" "$WORK/lat/newsidx-proc-$r.json"
  fi
  [[ " $ENGINES " != *" tantivy "* ]] ||
    record_query tantivy "$r" serve "\`tantivy serve\` over loopback HTTP, warm" "$WORK/lat/tantivy-serve-$r.json"
  [ "$KEEP" = 1 ] && [ "$r" = "$ROUNDS" ] || for e in "${ENGINE_LIST[@]}"; do rm -rf "$WORK/idx-$e"; done
}

# ------------------------------------------------------------------------------ rounds
read -r -a ENGINE_LIST <<<"$ENGINES"
N=${#ENGINE_LIST[@]}
log "corpus $CORPUS ($ARTICLES articles), engines: $ENGINES, $ROUNDS rounds, work dir $WORK"
for ((r = 1; r <= ROUNDS; r++)); do
  for ((k = 0; k < N; k++)); do
    e=${ENGINE_LIST[$(((k + r - 1) % N))]}
    log "round $r: indexing with $e"
    "index_$e" "$r"
  done
  log "round $r: queries, engines interleaved"
  query_round "$r"
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
    "Query timing starts once every engine of the round has indexed, on the indexes just built. In-process rows: "
    f"{e['REPS']} passes per engine, each a process of its own (one warm-up pass, one timed), the engines taking "
    "turns pass by pass; HTTP rows: both servers up at once, every query sent to each in turn. So a latency ratio "
    "compares moments of the same machine load.",
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
