#!/usr/bin/env python3
"""Engine adapters for bench/compare.sh: indexing and query-latency loops for the peers of newsidx.

Why one helper: every engine must read the same corpus, answer the same queries with the same meaning
(all words AND, "quoted" phrases) and be timed the same way, so the translation and the timing loop live
in one place instead of four.

Subcommands (all print a short line on stderr; results go to files named by the caller):
  queries FILE ENGINE OUT          translate bench/queries.txt into ENGINE's syntax, one per line
  tantivy-meta DIR                 write an empty tantivy index (meta.json) with an en_stem title/body schema
  fts5-index CORPUS DIR            SQLite FTS5 (porter) index in DIR/fts5.db
  xapian-index CORPUS DIR          Xapian (English stemmer) index in DIR (needs Debian's python3-xapian)
  latency --engine E ...           timed query loop; writes {"samples_ms": [...], "hits": {...}} JSON
  tantivy-bench-parse TXT Q OUT    turn `tantivy bench` output into the same JSON
  newsidx-bench-parse JSON OUT     turn `newsidx bench --json` output into the same JSON
  http-interleaved --server NAME=URL ...   time the same queries on several servers, interleaved
                                   query by query; writes one latency JSON per server
  pool OUT IN...                   one latency JSON from the runs of several (pass by pass timing)

Must run on /usr/bin/python3 for Xapian (Debian's binding); the rest works on any python3 >= 3.8.
"""

import argparse
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse

from report import pct  # bench/report.py: one definition of the percentile

PARTS = re.compile(r'"([^"]+)"|(\S+)')


def read_queries(path):
    """Queries of bench/queries.txt: non-blank lines not starting with '#'."""
    with open(path, encoding="utf-8") as f:
        return [q.strip() for q in f if q.strip() and not q.lstrip().startswith("#")]


def parts(query):
    """[(is_phrase, text)] of a neutral query."""
    return [(bool(m.group(1)), m.group(1) or m.group(2)) for m in PARTS.finditer(query)]


def translate(query, engine):
    """The neutral query (words AND, "phrases") in ENGINE's own syntax."""
    ps = parts(query)
    if engine in ("newsidx", "xapian"):
        # newsidx: conjunction by default; Xapian: QueryParser with default_op=OP_AND.
        return " ".join(f'"{t}"' if ph else t for ph, t in ps)
    if engine == "tantivy":
        # tantivy-cli's QueryParser is OR by default: make every part mandatory.
        return " ".join(f'+"{t}"' if ph else f"+{t}" for ph, t in ps)
    if engine == "fts5":
        # Implicit AND; quoting single words too keeps FTS5 from reading them as operators.
        return " ".join(f'"{t}"' for _, t in ps)
    raise SystemExit(f"engines.py: unknown engine {engine}")


def iter_corpus(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                rec = json.loads(line)
                yield str(rec.get("id", "")), rec.get("title") or "", rec.get("body") or ""


# ---------------------------------------------------------------- indexing


def cmd_tantivy_meta(args):
    def text(name, indexed):
        opts = {"stored": True, "fast": False}
        opts["indexing"] = (
            {"record": "position", "fieldnorms": True, "tokenizer": "en_stem"} if indexed else None
        )
        return {"name": name, "type": "text", "options": opts}

    meta = {
        "segments": [],
        "schema": [text("id", False), text("title", True), text("body", True)],
        "opstamp": 0,
    }
    os.makedirs(args.dir, exist_ok=True)
    with open(os.path.join(args.dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)


def cmd_fts5_index(args):
    os.makedirs(args.dir, exist_ok=True)
    db = sqlite3.connect(os.path.join(args.dir, "fts5.db"))
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='porter unicode61')")
    n = 0

    def rows():
        nonlocal n
        for r in iter_corpus(args.corpus):
            n += 1
            yield r

    with db:  # one transaction, committed on exit
        db.executemany("INSERT INTO docs(id, title, body) VALUES (?, ?, ?)", rows())
    db.close()
    print(f"fts5-index: {n} docs", file=sys.stderr)


def cmd_xapian_index(args):
    import xapian

    db = xapian.WritableDatabase(args.dir, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_stemmer(xapian.Stem("english"))
    tg.set_stemming_strategy(xapian.TermGenerator.STEM_ALL)
    n = 0
    for i, t, b in iter_corpus(args.corpus):
        doc = xapian.Document()
        tg.set_document(doc)
        tg.index_text(t)
        tg.increase_termpos()  # no phrase across the title/body boundary
        tg.index_text(b)
        # Stored like the others: the article can be shown without another lookup.
        doc.set_data(json.dumps({"id": i, "title": t, "body": b}, ensure_ascii=False))
        db.add_document(doc)
        n += 1
    db.commit()
    db.close()
    print(f"xapian-index: {n} docs", file=sys.stderr)


# ---------------------------------------------------------------- querying


class Fts5:
    def __init__(self, index_dir):
        self.db = sqlite3.connect(os.path.join(index_dir, "fts5.db"))

    def search(self, q, limit):
        rows = self.db.execute(
            "SELECT id, title FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?", (q, limit)
        ).fetchall()
        return len(rows)

    def count(self, q):
        return self.db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (q,)).fetchone()[0]


class Xapian:
    def __init__(self, index_dir):
        import xapian

        self.x = xapian
        self.db = xapian.Database(index_dir)
        self.qp = xapian.QueryParser()
        self.qp.set_stemmer(xapian.Stem("english"))
        self.qp.set_stemming_strategy(xapian.QueryParser.STEM_ALL)
        self.qp.set_database(self.db)
        self.qp.set_default_op(xapian.Query.OP_AND)
        self.enq = xapian.Enquire(self.db)

    def _mset(self, q, limit, check=0):
        self.enq.set_query(self.qp.parse_query(q, self.x.QueryParser.FLAG_DEFAULT))
        return self.enq.get_mset(0, limit, check)

    def search(self, q, limit):
        mset = self._mset(q, limit)
        for m in mset:
            m.document.get_data()
        return mset.size()

    def count(self, q):
        return self._mset(q, 0, self.db.get_doccount()).get_matches_estimated()


class Http:
    """tantivy-cli `serve` (GET /api/?q=..&nhits=..) or `newsidx serve` (GET /api/search?q=..&limit=..
    with collapse and facets of person, org, place and source), on one kept-alive connection.

    A hand-rolled HTTP/1.1 client, because the server writes headers and body separately: with Nagle on
    its side and delayed ACKs on ours, http.client waits ~40 ms for most responses. Re-arming
    TCP_QUICKACK after every recv() (it is not sticky on Linux) removes that artificial delay.
    """

    def __init__(self, url, api="tantivy"):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.api = api
        self.sock = None
        self.buf = b""

    def _connect(self):
        self.sock = socket.create_connection((self.host, self.port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _recv(self):
        if hasattr(socket, "TCP_QUICKACK"):
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def answer(self, q, limit):
        """The server's whole answer to `q` (top `limit`), parsed from JSON."""
        if self.api == "newsidx":
            params = {"q": q, "limit": limit, "facets": "person,org,place,source"}
            path = "/api/search?" + urllib.parse.urlencode(params)
        else:
            path = "/api/?" + urllib.parse.urlencode({"q": q, "nhits": limit})
        req = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode()
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self._connect()
                self.sock.sendall(req)
                while b"\r\n\r\n" not in self.buf:
                    self._recv()
                head, self.buf = self.buf.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                status = int(lines[0].split()[1])
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
                if "content-length" not in headers:
                    raise SystemExit(f"engines.py: no Content-Length in the answer to {q!r}")
                n = int(headers["content-length"])
                while len(self.buf) < n:
                    self._recv()
                body, self.buf = self.buf[:n], self.buf[n:]
                if headers.get("connection", "").lower() == "close":
                    self.sock.close()
                    self.sock = None
                if status != 200:
                    raise SystemExit(f"engines.py: HTTP {status} for {q!r}: {body[:200]!r}")
                return json.loads(body)
            except (ConnectionError, socket.timeout):
                self.sock = None
                if attempt:
                    raise

    def search(self, q, limit):
        return len(self.answer(q, limit)["hits"])

    def count(self, q):
        answer = self.answer(q, 1)
        return answer["total_hits"] if self.api == "newsidx" else answer["num_hits"]


class Proc:
    """One process per query (newsidx search --json): start-up and index opening are included."""

    def __init__(self, argv):
        self.argv = argv

    def _run(self, q, limit):
        p = subprocess.run(self.argv + ["--limit", str(limit), q], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode not in (0, 1):  # newsidx: 1 = no results
            raise SystemExit(f"engines.py: {self.argv} {q!r} exited {p.returncode}: {p.stderr[:300]!r}")
        return json.loads(p.stdout) if p.stdout.strip() else {"hits": [], "total_hits": 0}

    def search(self, q, limit):
        return len(self._run(q, limit)["hits"])

    def count(self, q):
        return self._run(q, 1)["total_hits"]


def timed(eng, query, limit):
    t0 = time.perf_counter()
    eng.search(query, limit)
    return (time.perf_counter() - t0) * 1000.0


def counts_and_warm_up(eng, queries, translated, args):
    """Total matches per query when --counts (untimed: to check the engines agree on what matches),
    then one untimed warm-up pass."""
    hits = {}
    if args.counts:
        for q, t in zip(queries, translated):
            hits[q] = eng.count(t)
    for t in translated:
        eng.search(t, args.limit)
    return hits


def write_latency(path, label, samples, hits):
    with open(path, "w") as f:
        json.dump({"samples_ms": samples, "hits": hits}, f)
    print(f"latency {label}: {len(samples)} samples, p50 {pct(sorted(samples), 50):.2f} ms", file=sys.stderr)


def cmd_latency(args):
    queries = read_queries(args.queries)
    translated = [translate(q, args.syntax or args.engine) for q in queries]
    # argparse limits --engine to these.
    eng = {
        "fts5": lambda: Fts5(args.index),
        "xapian": lambda: Xapian(args.index),
        "http": lambda: Http(args.url, args.api),
        "proc": lambda: Proc(args.argv),
    }[args.engine]()
    hits = counts_and_warm_up(eng, queries, translated, args)
    samples = [timed(eng, t, args.limit) for _ in range(args.reps) for t in translated]
    write_latency(args.out, args.engine, samples, hits)


def cmd_http_interleaved(args):
    """Several servers, one kept-alive connection each, timed query by query: every query goes to every
    server before the next query, in an order rotated per query and per pass, so that a slow moment of a
    noisy machine falls on all servers alike instead of on whichever was timed then. NAME is `newsidx`
    (its /api/search with collapse and facets) or `tantivy` (`tantivy serve`'s /api/)."""
    queries = read_queries(args.queries)
    servers = []
    for spec in args.server:
        name, _, url = spec.partition("=")
        if name not in ("newsidx", "tantivy") or not url:
            raise SystemExit(f"engines.py: --server wants newsidx=URL or tantivy=URL, not {spec!r}")
        eng = Http(url, name)
        translated = [translate(q, name) for q in queries]
        servers.append((name, eng, translated, counts_and_warm_up(eng, queries, translated, args), []))
    n = len(servers)
    for rep in range(args.reps):
        for i in range(len(queries)):
            for k in range(n):
                name, eng, translated, _, samples = servers[(k + rep + i) % n]
                samples.append(timed(eng, translated[i], args.limit))
    for name, _, _, hits, samples in servers:
        write_latency(args.out.replace("{name}", name), f"http {name}", samples, hits)


def cmd_pool(args):
    samples, hits = [], {}
    for path in args.inputs:
        with open(path) as f:
            d = json.load(f)
        samples += d["samples_ms"]
        hits = hits or d.get("hits", {})
    write_latency(args.out, f"pooled from {len(args.inputs)} runs", samples, hits)


def cmd_tantivy_bench_parse(args):
    """`tantivy bench` prints 'query<TAB>hits<TAB>micros' lines under SEARCH (search + count, no fetch)."""
    queries = read_queries(args.queries)
    translated = {translate(q, "tantivy"): q for q in queries}
    samples, hits = [], {}
    section = None
    with open(args.txt) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("SEARCH"):
                section = "search"
                continue
            if line.startswith("FETCH STORE"):
                section = None
                continue
            cols = line.split("\t")
            if section == "search" and len(cols) == 3 and cols[0] in translated:
                q = translated[cols[0]]
                hits[q] = int(cols[1])
                samples.append(int(cols[2]) / 1000.0)
    if not samples:
        raise SystemExit(f"engines.py: no timings found in {args.txt}")
    if args.skip_first:  # the first pass is the warm-up
        n = len(queries)
        samples = samples[n:]
    with open(args.out, "w") as f:
        json.dump({"samples_ms": samples, "hits": hits}, f)


def cmd_queries(args):
    with open(args.out, "w") as f:
        for q in read_queries(args.file):
            f.write(translate(q, args.engine) + "\n")


def cmd_newsidx_bench_parse(args):
    """`newsidx bench --json` ({"queries", "repeat", "modes": [{"mode", "p50_ms", "p95_ms", ...}]}): the
    row reports the full newsidx search (collapse + facets, snippets, hits built).
    """
    with open(args.json_in) as f:
        raw = json.load(f)
    full = [m for m in raw.get("modes", []) if m.get("mode") == "newsidx collapse + facets"]
    if not full:
        raise SystemExit(f"engines.py: {args.json_in}: no 'newsidx collapse + facets' mode in newsidx bench output")
    if "samples_ms" in full[0]:  # every timed run (newsidx since 2026-12-06): poolable across passes
        write_latency(args.out, "newsidx bench", [float(v) for v in full[0]["samples_ms"]], {})
        return
    # Older builds give only the summary; `newsidx bench` times every query `repeat` times in each mode.
    summary = {"p50_ms": float(full[0]["p50_ms"]), "p95_ms": float(full[0]["p95_ms"]),
               "samples": raw["queries"] * raw["repeat"]}
    with open(args.out, "w") as f:
        json.dump({"samples_ms": [], "hits": {}, "summary": summary}, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("queries")
    p.add_argument("file")
    p.add_argument("engine")
    p.add_argument("out")
    p = sub.add_parser("tantivy-meta")
    p.add_argument("dir")
    for name in ("fts5-index", "xapian-index"):
        p = sub.add_parser(name)
        p.add_argument("corpus")
        p.add_argument("dir")
    p = sub.add_parser("latency")
    p.add_argument("--engine", required=True, choices=["fts5", "xapian", "http", "proc"])
    p.add_argument("--syntax", help="query syntax to translate to (default: the engine's)")
    p.add_argument("--index")
    p.add_argument("--url")
    p.add_argument("--api", choices=["tantivy", "newsidx"], default="tantivy", help="for --engine http: whose API")
    p.add_argument("--queries", required=True)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--counts", action="store_true", help="also record total hits per query (untimed)")
    p.add_argument("--out", required=True)
    p.add_argument("argv", nargs="*", help="for --engine proc (after --): the command; --limit N QUERY are appended")
    p = sub.add_parser("tantivy-bench-parse")
    p.add_argument("txt")
    p.add_argument("queries")
    p.add_argument("out")
    p.add_argument("--skip-first", action="store_true")
    p = sub.add_parser("newsidx-bench-parse")
    p.add_argument("json_in")
    p.add_argument("out")
    p = sub.add_parser("http-interleaved")
    p.add_argument("--server", action="append", required=True, help="NAME=URL, NAME newsidx or tantivy; repeatable")
    p.add_argument("--queries", required=True)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--counts", action="store_true", help="also record total hits per query (untimed)")
    p.add_argument("--out", required=True, help="output path with {name} standing for the server's name")
    p = sub.add_parser("pool")
    p.add_argument("out")
    p.add_argument("inputs", nargs="+")
    args = ap.parse_args()

    commands = {
        "queries": cmd_queries,
        "tantivy-meta": cmd_tantivy_meta,
        "fts5-index": cmd_fts5_index,
        "xapian-index": cmd_xapian_index,
        "latency": cmd_latency,
        "tantivy-bench-parse": cmd_tantivy_bench_parse,
        "newsidx-bench-parse": cmd_newsidx_bench_parse,
        "http-interleaved": cmd_http_interleaved,
        "pool": cmd_pool,
    }
    commands[args.cmd](args)

if __name__ == "__main__":
    main()
