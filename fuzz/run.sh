#!/usr/bin/env bash
# Runs every fuzz target one after another for a bounded time and prints a summary table.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 60 s, every target)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Works on a stable toolchain through RUSTC_BOOTSTRAP=1.
# Set FUZZ_SANITIZER=none (default: address) if the sanitizer does not build on your toolchain, and
# FUZZ_DEBUG_ASSERTIONS=0 to build without debug assertions and overflow checks (default: with them).
# Not part of CI. Corpora grow in fuzz/corpus/<target> (seeded from index-fixtures/), crashes land in
# fuzz/artifacts/<target>, logs and the summary in fuzz/runs/.
set -euo pipefail

cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
all=(ingest_jsonl ingest_csv ingest_json ingest_html ingest_feed ingest_warc extract normalize query)
targets=("${@:-${all[@]}}")
sanitizer="${FUZZ_SANITIZER:-address}"
flags=(-s "$sanitizer")
[ "${FUZZ_DEBUG_ASSERTIONS:-1}" = 0 ] || flags+=(-a)
export RUSTC_BOOTSTRAP=1

# Seed corpora from the fixtures, so the fuzzer starts from real articles.
fixtures=../index-fixtures
seed() {
    local target=$1
    shift
    mkdir -p "corpus/$target"
    for file in "$@"; do
        [ -f "$file" ] && cp -n "$file" "corpus/$target/seed-$(basename "$file")" || true
    done
}
seed ingest_jsonl "$fixtures"/*.jsonl
seed ingest_csv "$fixtures"/*.csv
seed ingest_json "$fixtures"/*.json "$fixtures"/seeds/*.txt
seed ingest_html ../tests/data/pages/*.html
seed ingest_feed ../tests/data/feeds/*.rss ../tests/data/feeds/*.atom ../tests/data/feeds/*.rdf
mkdir -p corpus/ingest_warc
http=$(printf 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><article><p>The text of a crawled page, long enough.</p></article></html>')
printf 'WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\nWARC-Target-URI: https://x.example/a\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n' \
    "${#http}" "$http" >corpus/ingest_warc/seed-one
seed extract "$fixtures"/seeds/*.txt
seed normalize "$fixtures"/seeds/*.txt
mkdir -p corpus/query
for q in 'putin call' '"held a call"~2' 'title:putin^2 OR -storm' 'published:[2017-02-01T00:00:00Z TO *]' \
    'peskov AND (kremlin OR moscow)' 'gra*'; do
    # Three option bytes (limit, offset, collapse), then the query.
    printf '\x0a\x00\x54%s' "$q" >"corpus/query/seed-$(printf '%s' "$q" | cksum | cut -d' ' -f1)"
done

echo "building ${targets[*]} (cargo fuzz build ${flags[*]})" >&2
for target in "${targets[@]}"; do
    cargo fuzz build "${flags[@]}" "$target"
done

mkdir -p runs
summary=runs/summary.md
{
    echo "| target | seconds | executions | exec/s | corpus | crashes |"
    echo "|---|---|---|---|---|---|"
} >"$summary"
status=0
for target in "${targets[@]}"; do
    log="runs/$target.log"
    mkdir -p "artifacts/$target"
    before=$(find "artifacts/$target" -type f | wc -l)
    start=$(date +%s)
    echo "fuzzing $target for ${seconds}s" >&2
    # -fork would keep going past a crash; one process is simpler and stops at the first crash.
    cargo fuzz run "${flags[@]}" "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 -timeout=30 \
        >"$log" 2>&1 || status=1
    took=$(($(date +%s) - start))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    corpus=$(find "corpus/$target" -type f | wc -l)
    after=$(find "artifacts/$target" -type f | wc -l)
    echo "| $target | $took | ${execs:-?} | ${rate:-?} | $corpus | $((after - before)) |" >>"$summary"
    if [ "$after" -gt "$before" ]; then
        echo "  $target: new artifacts in fuzz/artifacts/$target (see $log)" >&2
        grep -m3 -E 'panicked at|ERROR: |SUMMARY: ' "$log" | sed 's/^/    /' >&2 || true
    fi
done
echo
cat "$summary"
exit "$status"
