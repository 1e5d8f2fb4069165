#!/usr/bin/env python3
"""Generate a large synthetic news corpus (newsidx JSONL) by mixing Reuters sentences.

Why: the Reuters-21578 collection has only ~20k stories; a benchmark at 1M articles needs more text
with a realistic vocabulary and term distribution. Copying stories would make every posting list a
multiple of the same documents (and near-duplicate detection would flag them all), so each generated
article instead takes the headline of one story and 5-25 sentences drawn from *different* stories.

The output is deterministic for a given (--seed, --source-file, -n): the same bytes every time.
Articles are streamed one line at a time; only the sentence pool of the source file (~20 MB) is held
in memory, never the generated articles.

Usage:
    python3 bench/gen_corpus.py -n 1000000 -o /tmp/news-1m.jsonl
    python3 bench/gen_corpus.py -n 1000 > small.jsonl
Generation speed is reported on stderr.
"""

import argparse
import datetime as dt
import json
import random
import re
import sys
import time

DEFAULT_SOURCE = "/work/shared/data/reuters21578.jsonl"

# Sources are fictional desk names: the generated text is a mix, not any one outlet's copy.
SOURCES = [
    "Mixed Wire",
    "Markets Desk",
    "Commodities Desk",
    "World Desk",
    "Business Daily",
    "Energy Report",
    "Farm Bulletin",
    "Finance Weekly",
]

# A sentence ends at . ! or ? followed by whitespace and an upper-case letter, digit or quote.
# Good enough for wire copy; abbreviations such as "U.S. Officials" split wrongly now and then,
# which only makes the mix a little noisier.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
SPACES = re.compile(r"\s+")
# Reuters bodies end with a "Reuter" sign-off (sometimes followed by control characters).
SIGNOFF = re.compile(r"\s*\bReuters?\b[\s\x00-\x1f]*$")


# Sentences per generated article.
MIN_SENTENCES, MAX_SENTENCES = 5, 25


def load_pool(path):
    """Return (titles, sentences, story_of_sentence) from a newsidx-style JSONL file."""
    titles = []
    sentences = []
    story = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            title = SPACES.sub(" ", rec.get("title") or "").strip()
            if title:
                titles.append(title)
            body = SIGNOFF.sub("", rec.get("body") or "")
            body = SPACES.sub(" ", body).strip()
            for s in SENTENCE_END.split(body):
                s = s.strip()
                # Drop debris: tables, datelines and one-word fragments.
                if len(s) < 25 or len(s) > 600 or sum(c.isalpha() for c in s) < len(s) // 2:
                    continue
                sentences.append(s)
                story.append(n)
    # An article takes up to MAX_SENTENCES sentences, each from another story.
    stories = len(set(story))
    if not titles or len(sentences) < 100 or stories < MAX_SENTENCES:
        sys.exit(
            f"gen_corpus: {path}: too little text ({len(titles)} titles, {len(sentences)} sentences "
            f"from {stories} stories; at least 100 sentences from {MAX_SENTENCES} stories are needed)"
        )
    return titles, sentences, story


def generate(out, count, seed, titles, sentences, story, start, span_days):
    """Write `count` articles to `out`; return bytes written."""
    rng = random.Random(seed)
    nsent = len(sentences)
    span_s = span_days * 86400
    written = 0
    buf = []
    for i in range(count):
        k = rng.randint(MIN_SENTENCES, MAX_SENTENCES)
        used = set()
        picked = []
        while len(picked) < k:
            j = rng.randrange(nsent)
            if story[j] in used:
                continue  # every sentence from a different story
            used.add(story[j])
            picked.append(sentences[j])
        # Paragraphs of 1-4 sentences, as wire copy is laid out.
        paras = []
        p = 0
        while p < k:
            q = p + rng.randint(1, 4)
            paras.append(" ".join(picked[p:q]))
            p = q
        # Dates increase with i (as an archive would) with some jitter.
        secs = int(span_s * i / max(count, 1)) + rng.randrange(3600)
        published = (start + dt.timedelta(seconds=secs)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rec = {
            "id": f"gen{seed}-{i:08d}",
            "title": rng.choice(titles),
            "body": "\n\n".join(paras),
            "published": published,
            "source": rng.choice(SOURCES),
        }
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        buf.append(line)
        if len(buf) >= 2000:
            chunk = "".join(buf)
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
            buf.clear()
    chunk = "".join(buf)
    out.write(chunk)
    written += len(chunk.encode("utf-8"))
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--count", type=int, default=1_000_000, help="articles to generate (default 1,000,000)")
    ap.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--source-file", default=DEFAULT_SOURCE, help="JSONL with title/body to draw from")
    ap.add_argument("--start", default="2015-01-01", help="date of the first article (YYYY-MM-DD)")
    ap.add_argument("--span-days", type=int, default=3650, help="days the dates spread over")
    args = ap.parse_args()
    if args.count < 0:
        sys.exit("gen_corpus: --count must be >= 0")

    t0 = time.perf_counter()
    titles, sentences, story = load_pool(args.source_file)
    t1 = time.perf_counter()
    start = dt.datetime.strptime(args.start, "%Y-%m-%d")
    if args.output == "-":
        out = sys.stdout
        nbytes = generate(out, args.count, args.seed, titles, sentences, story, start, args.span_days)
        out.flush()
    else:
        with open(args.output, "w", encoding="utf-8", buffering=1 << 20) as out:
            nbytes = generate(out, args.count, args.seed, titles, sentences, story, start, args.span_days)
    t2 = time.perf_counter()
    gen_s = max(t2 - t1, 1e-9)
    print(
        f"gen_corpus: pool {len(titles)} titles, {len(sentences)} sentences (loaded in {t1 - t0:.1f}s); "
        f"wrote {args.count} articles, {nbytes / 1e6:.1f} MB in {gen_s:.1f}s "
        f"({args.count / gen_s:,.0f} articles/s, {nbytes / 1e6 / gen_s:.1f} MB/s)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
