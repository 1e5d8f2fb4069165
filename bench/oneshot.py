#!/usr/bin/env python3
"""One-shot search latency of several newsidx builds, alternated.

Runs `BIN search --index INDEX QUERY --json` (and the same with `--facets`) as a process of its own
for every query of the query file, the builds taking turns (their order reversed every round, so
that neither always runs on the other's warm caches), and prints each build's p50 and p95 in
milliseconds, start-up included. For comparing two builds on the same index, as DESIGN.md 1.5 did:

    python3 bench/oneshot.py --index /tmp/idx --rounds 3 OLD_BIN NEW_BIN
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="index directory")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the queries")
    parser.add_argument(
        "--queries",
        default=os.path.join(here, "queries.txt"),
        help="one query a line (blank lines and # comments skipped)",
    )
    parser.add_argument("bins", nargs="+", help="newsidx binaries to compare")
    args = parser.parse_args()

    with open(args.queries, encoding="utf-8") as f:
        queries = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    if not queries:
        print(f"oneshot: no queries in {args.queries}", file=sys.stderr)
        return 2
    samples = {(b, f): [] for b in args.bins for f in (False, True)}
    for round_ in range(max(args.rounds, 1)):
        order = args.bins if round_ % 2 == 0 else args.bins[::-1]
        for query in queries:
            for binary in order:
                for facets in (False, True):
                    cmd = [binary, "search", "--index", args.index, query, "--json"]
                    if facets:
                        cmd.append("--facets")
                    started = time.perf_counter()
                    done = subprocess.run(
                        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    # Exit 1 is "nothing found"; anything else is a failed run, not a sample.
                    if done.returncode not in (0, 1):
                        print(f"oneshot: {' '.join(cmd)} exited {done.returncode}", file=sys.stderr)
                        return 2
                    samples[(binary, facets)].append(elapsed)
    for (binary, facets), values in samples.items():
        values.sort()
        p95 = values[max(int(len(values) * 0.95) - 1, 0)]
        label = "with --facets" if facets else "without facets"
        print(
            f"{binary}  {label:15s}  p50 {statistics.median(values):8.2f} ms"
            f"  p95 {p95:8.2f} ms  n={len(values)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
