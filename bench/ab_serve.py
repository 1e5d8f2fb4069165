#!/usr/bin/env python3
"""Two builds of newsidx compared over HTTP on one index: is B faster than A, and by how much?

    bench/ab_serve.py --a OLD_BINARY --b NEW_BINARY --index DIR [--trials 6] [--reps 6]
    bench/ab_serve.py --a BIN --b BIN --index DIR        # the same build twice: the method's noise

Each trial starts `newsidx serve` of both builds on the index (which one starts first alternates from
trial to trial), warms both up with one pass over bench/queries.txt, then sends every query to both
servers in turn, `--reps` times, the order within a pair alternating per pass. It prints, per trial,
the median over the queries and passes of B's time divided by A's for the same query at the same
moment, the two p50s, and how many answers differed (compared as parsed JSON: the two builds must
answer alike). Both servers are stopped after each trial.

Why restarts: two servers of the *same* build, left running, differed by a steady 2.5 % on the 1M
index (2026-12-06), as much as the changes being measured; a new pair of processes per trial, started
in swapped order, spreads whatever one process's memory placement gives it over both builds.

The requests are what bench/compare.sh sends (`engines.Http`: top 10, collapse, facets of person,
org, place and source).
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

from engines import Http, read_queries

BENCH = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, index):
    """`binary serve` on a free loopback port, once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [binary, "serve", "-q", "--index", index, "--addr", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"ab_serve.py: {binary} serve exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, Http(f"http://127.0.0.1:{port}", "newsidx")
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"ab_serve.py: {binary} serve did not answer within 60 s")


def trial(args, queries, a_first):
    procs = []
    try:
        order = [("a", args.a), ("b", args.b)]
        if not a_first:
            order.reverse()
        servers = {}
        for name, binary in order:
            proc, client = start(binary, args.index)
            procs.append(proc)
            servers[name] = client
        for q in queries:  # warm-up: pages of the index, plain arrays of the facet column
            for client in servers.values():
                client.answer(q, args.limit)
        times = {"a": [], "b": []}
        differing = 0
        for rep in range(args.reps):
            for q in queries:
                answers = {}
                names = ["a", "b"] if rep % 2 == 0 else ["b", "a"]
                for name in names:
                    t0 = time.perf_counter()
                    answers[name] = servers[name].answer(q, args.limit)
                    times[name].append((time.perf_counter() - t0) * 1000.0)
                differing += answers["a"] != answers["b"]
        ratios = [b / a for a, b in zip(times["a"], times["b"]) if a > 0]
        return statistics.median(ratios), statistics.median(times["a"]), statistics.median(times["b"]), differing
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", required=True, help="the build compared against (old)")
    p.add_argument("--b", required=True, help="the build measured (new)")
    p.add_argument("--index", required=True)
    p.add_argument("--trials", type=int, default=6)
    p.add_argument("--reps", type=int, default=6, help="passes over the queries per trial")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--queries", default=os.path.join(BENCH, "queries.txt"))
    args = p.parse_args()
    queries = read_queries(args.queries)
    medians = []
    for t in range(args.trials):
        ratio, a, b, differing = trial(args, queries, a_first=t % 2 == 0)
        medians.append(ratio)
        print(
            f"trial {t + 1}: B/A paired median {ratio:.3f}  (p50 A {a:.3f} ms, B {b:.3f} ms; "
            f"{len(queries) * args.reps} pairs, {differing} answers differing)",
            flush=True,
        )
    print(f"B/A over {args.trials} trials: median {statistics.median(medians):.3f}, "
          f"range {min(medians):.3f}-{max(medians):.3f}")


if __name__ == "__main__":
    sys.exit(main())
