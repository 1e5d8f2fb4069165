#!/usr/bin/env python3
"""Generate a large synthetic news corpus (newsidx JSONL) by mixing Reuters sentences.

Why: the Reuters-21578 collection has only ~20k stories; a benchmark at 1M articles needs more text
with a realistic vocabulary and term distribution. Copying stories would make every posting list a
multiple of the same documents (and near-duplicate detection would flag them all), so each generated
article instead takes the headline of one story and 5-25 sentences drawn from *different* stories.

With --copies F, a share F of the articles are instead near-duplicate copies of a recent original (one
of the last 500 originals, dated up to a day and a half after it, under another desk's name), each
edited as reprints are: the ending cut, a new headline, the paragraphs laid out again, scraping debris
added, straight quotes made curly (each edit drawn on its own). Without it (the default, 0) no article
is a copy, and the output is the same as before the option existed.

The output is deterministic for a given (--seed, --source-file, -n, --copies): the same bytes every
time.
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

# Originals a copy may be made of: the most recent ones (a reprint follows its story by hours).
RECENT_ORIGINALS = 500
# Lines a scraper leaves in a page's text.
DEBRIS = ["Advertisement", "Share this article", "Read more:", "Sign up for our newsletter",
          "Click here to subscribe", "Related coverage"]


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


def copy_of(rng, original, titles, n):
    """A near-duplicate of `original` (a record), as the `n`-th article: see the module docs."""
    body = original["body"]
    if rng.random() < 0.5:
        # The ending cut at a sentence end between 85 % and 95 % of the text.
        cut = body.rfind(". ", 0, int(len(body) * rng.uniform(0.85, 0.95)))
        if cut > len(body) // 2:
            body = body[: cut + 1]
    if rng.random() < 0.5:
        # Paragraphs laid out again: 1-4 sentences each.
        words = SENTENCE_END.split(SPACES.sub(" ", body).strip())
        paras, p = [], 0
        while p < len(words):
            q = p + rng.randint(1, 4)
            paras.append(" ".join(words[p:q]))
            p = q
        body = "\n\n".join(paras)
    if rng.random() < 0.3:
        paras = body.split("\n\n")
        paras.insert(rng.randint(0, len(paras)), rng.choice(DEBRIS))
        body = "\n\n".join(paras)
    if rng.random() < 0.3:
        body = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", body)
    published = dt.datetime.strptime(original["published"], "%Y-%m-%dT%H:%M:%SZ")
    published += dt.timedelta(seconds=rng.randrange(36 * 3600))
    return {
        "id": f"{original['id']}-copy{n}",
        "title": rng.choice(titles) if rng.random() < 0.4 else original["title"],
        "body": body,
        "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": rng.choice([s for s in SOURCES if s != original["source"]]),
    }


def generate(out, count, seed, titles, sentences, story, start, span_days, copies=0.0):
    """Write `count` articles to `out`, a share `copies` of them near-duplicates; return bytes written."""
    rng = random.Random(seed)
    # A generator of its own for the copies, so that the originals are those of a run without them.
    copy_rng = random.Random(seed + 1)
    recent = []
    nsent = len(sentences)
    span_s = span_days * 86400
    written = 0
    buf = []
    for i in range(count):
        if copies > 0 and recent and copy_rng.random() < copies:
            rec = copy_of(copy_rng, copy_rng.choice(recent), titles, i)
            buf.append(json.dumps(rec, ensure_ascii=False) + "\n")
            continue
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
        if copies > 0:
            recent.append(rec)
            if len(recent) > RECENT_ORIGINALS:
                recent.pop(0)
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
    ap.add_argument("--copies", type=float, default=0.0,
                    help="share of the articles that are edited copies of a recent one (default 0)")
    args = ap.parse_args()
    if args.count < 0:
        sys.exit("gen_corpus: --count must be >= 0")
    if not 0.0 <= args.copies < 1.0:
        sys.exit("gen_corpus: --copies must be at least 0 and below 1")

    t0 = time.perf_counter()
    titles, sentences, story = load_pool(args.source_file)
    t1 = time.perf_counter()
    start = dt.datetime.strptime(args.start, "%Y-%m-%d")
    if args.output == "-":
        out = sys.stdout
        nbytes = generate(out, args.count, args.seed, titles, sentences, story, start, args.span_days,
                          args.copies)
        out.flush()
    else:
        with open(args.output, "w", encoding="utf-8", buffering=1 << 20) as out:
            nbytes = generate(out, args.count, args.seed, titles, sentences, story, start, args.span_days,
                              args.copies)
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
