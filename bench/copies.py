#!/usr/bin/env python3
"""A batch of N articles for bench/stories_update.sh: half new articles (the last lines of FRESH, which
the big index does not hold) and half edited copies of articles the big index holds (random lines of
INDEXED with a new id, the last paragraph or sentence cut and the headline kept), so that adding the
batch both starts stories and joins existing ones. Deterministic.

    python3 bench/copies.py INDEXED.jsonl FRESH.jsonl N > batch.jsonl
"""
import json
import random
import sys


def main():
    indexed, fresh, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(fresh) as f:
        tail = f.readlines()[-(n - n // 2):]
    rng = random.Random(12)
    with open(indexed) as f:
        lines = f.readlines()
    for line in rng.sample(lines, n // 2):
        article = json.loads(line)
        article["id"] = "copy-" + str(article.get("id"))
        body = article["body"]
        cut = body.rfind(". ", 0, int(len(body) * 0.85))
        article["body"] = body[: cut + 1] if cut > 0 else body
        sys.stdout.write(json.dumps(article) + "\n")
    for line in tail:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")


if __name__ == "__main__":
    main()
