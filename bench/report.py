#!/usr/bin/env python3
"""Turn bench/compare.sh's raw results into the markdown report (stdout and a results-*.md file).

Why separate: compare.sh only runs things and appends one JSON line per measurement to results.jsonl;
all arithmetic (percentiles, medians over rounds, ratios against newsidx) happens here, where it can be
re-run on old raw results without re-running the engines.

results.jsonl lines:
  {"kind": "index", "round": r, "engine": e, "articles": n, "seconds": s, "rss_kib": k, "heap_kib": h, "bytes": b}
  {"kind": "query", "round": r, "engine": e, "row": label, "mode": text, "file": latency.json}
meta.json: {"corpus": .., "articles": .., "command": .., "date": .., "settings": {..}, "versions": {..}}
"""

import argparse
import json
import math
import statistics
import sys

ENGINE_NAMES = {
    "newsidx": "newsidx",
    "newsidx-reindex": "newsidx, re-indexing the same file (all upserts)",
    "tantivy": "tantivy-cli",
    "fts5": "SQLite FTS5",
    "xapian": "Xapian",
}


def pct(sorted_vals, p):
    """Nearest-rank percentile (p in 0..100) of an ascending list: the value at rank ceil(p/100 * n),
    as `newsidx bench` computes it (src/timing.rs)."""
    if not sorted_vals:
        return float("nan")
    k = max(1, min(len(sorted_vals), math.ceil(p / 100.0 * len(sorted_vals))))
    return sorted_vals[k - 1]


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, digits=1, thousands=False):
    if v is None:
        return "–"
    if thousands:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def ratio(v, base=1.0):
    """`v / base` as a ratio, or a dash when either is missing."""
    if v is None or not base:
        return "–"
    return f"{v / base:.2f}×"


def load(results_path):
    index, query = [], []
    with open(results_path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                (index if r["kind"] == "index" else query).append(r)
    return index, query


def latency_of(path):
    with open(path) as f:
        d = json.load(f)
    if d.get("summary"):
        return d["summary"]["p50_ms"], d["summary"]["p95_ms"], d
    s = sorted(d["samples_ms"])
    return pct(s, 50), pct(s, 95), d


def build(index, query):
    engines = []
    for r in index + query:
        if r["engine"] not in engines:
            engines.append(r["engine"])
    idx = {}
    for e in engines:
        rs = [r for r in index if r["engine"] == e]
        idx[e] = {
            "aps": med([r["articles"] / r["seconds"] for r in rs if r["seconds"] > 0]),
            "rss": med([r["rss_kib"] / 1024.0 for r in rs if r.get("rss_kib")]),
            "heap": med([r["heap_kib"] / 1024.0 for r in rs if r.get("heap_kib")]),
            "size": med([r["bytes"] / 1048576.0 for r in rs if r.get("bytes")]),
            "cpu": med([r.get("cpu_seconds") for r in rs]),
            "rounds": rs,
        }
    # Ratios against newsidx are taken round by round (both ran minutes apart under the same load),
    # then the median of those: steadier on a shared machine than a ratio of medians.
    base = {r["round"]: r for r in index if r["engine"] == "newsidx"}
    for e in engines:
        per = {"aps": [], "rss": [], "heap": [], "size": []}
        for r in idx[e]["rounds"]:
            b = base.get(r["round"])
            if not b:
                continue
            per["aps"].append((r["articles"] / r["seconds"]) / (b["articles"] / b["seconds"]))
            per["rss"].append(r["rss_kib"] / b["rss_kib"] if b.get("rss_kib") else None)
            per["heap"].append(r["heap_kib"] / b["heap_kib"] if b.get("heap_kib") and r.get("heap_kib") else None)
            per["size"].append(r["bytes"] / b["bytes"] if b.get("bytes") else None)
        idx[e]["ratio"] = {k: med(v) for k, v in per.items()}
    rows = []  # (engine, row label, mode, p50, p95, per-round list, hits)
    for e in engines:
        labels = []
        for r in query:
            if r["engine"] == e and r["row"] not in labels:
                labels.append(r["row"])
        if not labels:
            rows.append((e, e, "(not measured)", None, None, [], {}))
        for label in labels:
            rs = [r for r in query if r["engine"] == e and r["row"] == label]
            per_round, hits = [], {}
            for r in rs:
                p50, p95, d = latency_of(r["file"])
                samples = len(d.get("samples_ms", [])) or d.get("summary", {}).get("samples", 0)
                per_round.append((r["round"], p50, p95, samples))
                hits = hits or d.get("hits", {})
            rows.append((e, label, rs[0]["mode"], med([x[1] for x in per_round]), med([x[2] for x in per_round]), per_round, hits))
    return engines, idx, rows


def per_round(idx, rows, num, den):
    """Median over rounds of num / den, both measured in the same round. Each side is
    ("index", engine, field) with field "aps" (articles per second) or "heap_kib", or
    ("latency", engine, row) for a latency row's p50; None when a side was not measured."""
    def values(side):
        kind, engine, what = side
        if kind == "index":
            out = {}
            for r in idx.get(engine, {}).get("rounds", []):
                v = r["articles"] / r["seconds"] if what == "aps" and r["seconds"] > 0 else r.get(what)
                if v:
                    out[r["round"]] = v
            return out
        row = next((x for x in rows if x[0] == engine and x[1] == what), None)
        return {rnd: p50 for rnd, p50, _, _ in row[5]} if row else {}

    a, b = values(num), values(den)
    return med([a[r] / b[r] for r in a if r in b and b[r]])


SYMBOL = {">=": "≥", ">": ">", "<=": "≤"}


def targets(idx, rows, meta):
    """Issue 17's targets, each as a ratio measured within a round (median over rounds) and met or
    missed, so that a run says where the product stands without arithmetic on the tables."""
    big = meta.get("articles", 0) >= 1_000_000
    inproc_limit = 2.0 if big else 1.5
    checks = [
        ("indexing throughput, newsidx ÷ tantivy-cli", ("index", "newsidx", "aps"), ("index", "tantivy", "aps"),
         ">=", 0.8),
        ("indexing throughput, newsidx ÷ SQLite FTS5", ("index", "newsidx", "aps"), ("index", "fts5", "aps"), ">", 1.0),
        ("indexing heap, newsidx ÷ tantivy-cli", ("index", "newsidx", "heap_kib"), ("index", "tantivy", "heap_kib"),
         "<=", 1.3),
        ("in-process collapse + facets p50, `newsidx bench` ÷ `tantivy bench`", ("latency", "newsidx", "bench"),
         ("latency", "tantivy", "bench"), "<=", inproc_limit),
        ("`GET /api/search` p50, `newsidx serve` ÷ `tantivy serve`", ("latency", "newsidx", "serve"),
         ("latency", "tantivy", "serve"), "<=", 1.2),
        ("re-indexing an unchanged file ÷ first indexing, throughput", ("index", "newsidx-reindex", "aps"),
         ("index", "newsidx", "aps"), ">=", 1.0),
    ]
    out = ["## Targets (issue 17)", "",
           "Each ratio is taken within a round, then the median over rounds. The in-process goal is 1.5× below "
           "1,000,000 articles and 2× from there (the issue names Reuters and the 1M corpus). Whether the heap stays "
           "flat in corpus size takes two corpora: compare this report's heap with the other corpus's.",
           "", "| target | ratio | goal | status |", "| --- | ---: | ---: | --- |"]
    for label, num, den, op, goal in checks:
        r = per_round(idx, rows, num, den)
        if r is None:
            out.append(f"| {label} | – | {SYMBOL[op]} {goal:g}× | not measured |")
            continue
        met = {">=": r >= goal, ">": r > goal, "<=": r <= goal}[op]
        out.append(f"| {label} | {r:.2f}× | {SYMBOL[op]} {goal:g}× | {'met' if met else '**missed**'} |")
    return out


def render(engines, idx, rows, meta):
    out = []
    w = out.append
    settings = meta.get("settings", {})
    w(f"# {' vs '.join(ENGINE_NAMES.get(e, e) for e in engines)}: {meta.get('corpus_name', '?')}")
    w("")
    w(f"- date: {meta.get('date', '?')}; machine: {meta.get('machine', '?')}")
    w(f"- corpus: `{meta.get('corpus', '?')}` ({meta.get('articles', 0):,} articles, {meta.get('corpus_bytes', 0) / 1e6:,.1f} MB)")
    w(f"- command: `{meta.get('command', '?')}`")
    w(
        f"- rounds: {settings.get('rounds', '?')}, engine order rotated each round; medians over rounds. "
        f"Queries: {settings.get('queries', '?')} ({settings.get('nqueries', '?')} queries), "
        f"1 warm-up pass then {settings.get('reps', '?')} timed passes per round; top {settings.get('limit', 10)} hits."
    )
    vers = meta.get("versions", {})
    if vers:
        w("- versions: " + "; ".join(f"{k} {v}" for k, v in vers.items()))
    w("")
    base_row = next((r for r in rows if r[0] == "newsidx" and r[3] is not None), None)
    w("| engine | query timing | articles/s | ×newsidx | CPU s | peak RSS MiB | ×newsidx | heap MiB | ×newsidx | index MiB | ×newsidx | p50 ms | ×newsidx | p95 ms | ×newsidx |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    seen = set()
    for e, label, mode, p50, p95, _, _ in rows:
        i = idx.get(e, {})
        if e in seen:  # a second latency row for the same index: don't repeat the indexing figures
            a = ("″", "", "″", "″", "", "″", "", "″", "")
        elif not i.get("rounds"):
            a = ("–",) * 9
        else:
            rr = i.get("ratio", {})
            a = (
                fmt(i.get("aps"), thousands=True),
                ratio(rr.get("aps")),
                fmt(i.get("cpu")),
                fmt(i.get("rss")),
                ratio(rr.get("rss")),
                fmt(i.get("heap")),
                ratio(rr.get("heap")),
                fmt(i.get("size")),
                ratio(rr.get("size")),
            )
        seen.add(e)
        b50 = base_row[3] if base_row else None
        b95 = base_row[4] if base_row else None
        w(
            f"| {ENGINE_NAMES.get(e, e)} | {mode} | {a[0]} | {a[1]} | {a[2]} | {a[3]} | {a[4]} | {a[5]} | {a[6]} | {a[7]} | {a[8]} | "
            f"{fmt(p50, 2)} | {ratio(p50, b50)} | {fmt(p95, 2)} | {ratio(p95, b95)} |"
        )
    w("")
    w("articles/s, CPU s (user+sys of the indexing process), RSS, heap, size: medians over rounds. Peak RSS is "
      "/usr/bin/time's (heap and mapped index files together); heap is the anonymous memory sampled every 20 ms "
      "(bench/rss.py), what the engine allocated (a peak shorter than that can be missed). ×newsidx: the "
      "engine's figure divided by newsidx's in the same round, median over rounds (latency: ratio of the medians, "
      "against the first newsidx row). articles/s above 1× is faster than newsidx; RSS, size and latency above 1× "
      "are larger/slower.")
    w("")
    out.extend(targets(idx, rows, meta))
    w("")
    w("## Per round")
    w("")
    w("| round | engine | load before | seconds | CPU s | articles/s | peak RSS MiB | heap MiB | index MiB |")
    w("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for e in engines:
        for r in idx.get(e, {}).get("rounds", []):
            w(
                f"| {r['round']} | {ENGINE_NAMES.get(e, e)} | {fmt(r.get('load'), 2)} | {r['seconds']:.2f} | "
                f"{fmt(r.get('cpu_seconds'), 2)} | {r['articles'] / r['seconds']:,.0f} | "
                f"{r['rss_kib'] / 1024.0:.1f} | {fmt(r['heap_kib'] / 1024.0 if r.get('heap_kib') else None)} | "
                f"{r['bytes'] / 1048576.0:.1f} |"
            )
    w("")
    w("| round | engine | query timing | samples | p50 ms | p95 ms |")
    w("| ---: | --- | --- | ---: | ---: | ---: |")
    for e, label, mode, _, _, per_round, _ in rows:
        for rnd, p50, p95, n in per_round:
            w(f"| {rnd} | {ENGINE_NAMES.get(e, e)} | {mode} | {n} | {p50:.3f} | {p95:.3f} |")
    # Hit counts: the engines should agree on what matches (same text, same stemming family).
    with_hits = [r for r in rows if r[6]]
    if with_hits:
        w("")
        w("## Matching articles per query (sanity check, round 1, untimed)")
        w("")
        w("Equal counts mean the engines read the query the same way; small differences come from the stemmers "
          "(Porter in FTS5, Snowball English elsewhere) and tokenizers.")
        w("")
        heads = [f"{ENGINE_NAMES.get(r[0], r[0])} ({r[1]})" for r in with_hits]
        w("| query | " + " | ".join(heads) + " |")
        w("| --- |" + " ---: |" * len(heads))
        queries = list(with_hits[0][6].keys())
        for q in queries:
            w(f"| `{q}` | " + " | ".join(str(r[6].get(q, "–")) for r in with_hits) + " |")
    notes = meta.get("notes", [])
    if notes:
        w("")
        w("## Notes")
        w("")
        for n in notes:
            w(f"- {n}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out", help="also write the report here")
    args = ap.parse_args()
    with open(args.meta) as f:
        meta = json.load(f)
    index, query = load(args.results)
    if not index and not query:
        sys.exit("report.py: no results")
    text = render(*build(index, query), meta)
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
