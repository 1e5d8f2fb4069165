#!/usr/bin/env python3
"""Load test of `newsidx serve`: concurrent readers and one writer, on loopback, bounded in time.

    python3 bench/loadtest.py --url http://127.0.0.1:7700 --corpus CORPUS.jsonl [--clients 32]
        [--seconds 30] [--max-requests 200000] [--batch 50] [--queries bench/queries.txt]

The server must run with --allow-writes. CLIENTS threads, each on its own kept-alive connection,
send mixed searches (the queries of bench/queries.txt, with and without facets, entity filters,
date ranges, sorts, histograms and pages) for SECONDS or until MAX_REQUESTS, while one writer
thread POSTs batches of BATCH articles taken from CORPUS under new ids (`load-N`). At the end
every posted id is fetched with GET /api/articles/ID and searched by a word unique to it.
Prints one JSON report: requests/s, p50/p95/p99 in ms per kind, errors (must be 0), posted and
found. Not run by CI; loopback only (refuses another host).
"""
import argparse
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse


def pct(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


class Client:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = None

    def request(self, method, path, body=None):
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                headers = {"Content-Type": "application/x-ndjson"} if body is not None else {}
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn = None
                if attempt:
                    raise


def search_paths(queries):
    """Mixed search requests: what a page and a data team send."""
    extras = [
        "",
        "&facets=person,org,place,source",
        "&facets=person,org,place,source&histogram=month",
        "&sort=newest",
        "&offset=10",
        "&since=1987-03-01&until=1987-03-31",
        "&collapse=false&limit=20",
        "&entity=place:usa&facets=",
    ]
    paths = []
    for q in queries:
        for extra in extras:
            paths.append("/api/search?q=" + urllib.parse.quote_plus(q) + extra)
    paths.append("/api/stats")
    paths.append("/api/entities?type=org&limit=20")
    return paths


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--corpus", required=True, help="JSONL articles to post under new ids")
    ap.add_argument("--queries", default="bench/queries.txt")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--max-batches", type=int, default=40)
    args = ap.parse_args()

    u = urllib.parse.urlparse(args.url)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("loadtest.py: loopback only")
    host, port = u.hostname, u.port or 80
    with open(args.queries) as f:
        queries = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    paths = search_paths(queries)
    source = []
    with open(args.corpus) as f:
        for line in f:
            if len(source) >= args.batch * args.max_batches:
                break
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("body"):
                source.append(record)

    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()
    latencies = {"search": [], "post": []}
    errors = []
    budget = [args.max_requests]
    posted = []

    def take():
        with lock:
            if budget[0] <= 0:
                return False
            budget[0] -= 1
            return True

    def timed(client, kind, method, path, body=None):
        """One request, its latency recorded under `kind`: the body of a 200, else None (an error)."""
        t0 = time.perf_counter()
        try:
            status, data = client.request(method, path, body)
        except Exception as e:  # noqa: BLE001 - every failure is an error to report
            with lock:
                errors.append(f"{method} {path}: {e}")
            return None
        ms = (time.perf_counter() - t0) * 1000.0
        with lock:
            latencies[kind].append(ms)
            if status != 200:
                errors.append(f"{method} {path}: HTTP {status} {data[:200]!r}")
                return None
        return data

    def reader(seed):
        rng = random.Random(seed)
        client = Client(host, port)
        while time.monotonic() < deadline and take():
            path = rng.choice(paths)
            timed(client, "search", "GET", path)

    def writer():
        client = Client(host, port)
        n = 0
        while time.monotonic() < deadline and n < len(source):
            batch = []
            for record in source[n:n + args.batch]:
                article = dict(record)
                article["id"] = f"load-{n}"
                # A word no other article has, to find it by search afterwards.
                article["body"] = f"{article['body']} loadmark{n}x"
                batch.append(article)
                n += 1
            body = "\n".join(json.dumps(a) for a in batch).encode()
            data = timed(client, "post", "POST", "/api/articles", body)
            if data is None:
                continue
            with lock:
                answer = json.loads(data)
                if answer.get("rejected"):
                    errors.append(f"POST rejected {answer['rejected']}: {answer.get('rejects', [])[:3]}")
                posted.extend(a["id"] for a in batch)

    started = time.monotonic()
    threads = [threading.Thread(target=reader, args=(i,)) for i in range(args.clients)]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    client = Client(host, port)
    missing = []
    for article_id in posted:
        n = article_id.split("-", 1)[1]
        status, _ = client.request("GET", "/api/articles/" + urllib.parse.quote(article_id, safe=""))
        found_status, data = client.request("GET", f"/api/search?q=loadmark{n}x&limit=1&collapse=false")
        hits = json.loads(data).get("total_hits") if found_status == 200 else None
        if status != 200 or hits != 1:
            missing.append(article_id)

    report = {
        "clients": args.clients,
        "seconds": round(elapsed, 2),
        "requests": len(latencies["search"]) + len(latencies["post"]),
        "requests_per_second": round((len(latencies["search"]) + len(latencies["post"])) / elapsed, 1),
        "errors": len(errors),
        "first_errors": errors[:5],
        "posted": len(posted),
        "posted_found": len(posted) - len(missing),
        "missing": missing[:10],
    }
    for kind, values in latencies.items():
        values.sort()
        report[kind] = {
            "count": len(values),
            "p50_ms": round(pct(values, 50) or 0, 2),
            "p95_ms": round(pct(values, 95) or 0, 2),
            "p99_ms": round(pct(values, 99) or 0, 2),
        }
    print(json.dumps(report, indent=2))
    return 1 if errors or missing or not latencies["search"] else 0


if __name__ == "__main__":
    sys.exit(main())
