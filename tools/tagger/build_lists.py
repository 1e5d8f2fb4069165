#!/usr/bin/env python3
"""Builds the word lists the entity tagger reads as features (see schemas/DATA-SOURCES.md).

    apt-get install wamerican                      # SCOWL word list -> /usr/share/dict/american-english
    pip download --no-deps names==0.3.0 -d DIR     # US Census 1990 surnames, public domain
    tar xzf DIR/names-0.3.0.tar.gz -C DIR
    python3 tools/tagger/build_lists.py --census DIR/names-0.3.0/names

Writes schemas/dictionary.txt (SCOWL words made of letters only, as written: "stock", "Chrysler")
and schemas/surnames.txt (the 20,000 most frequent census surnames, capitalised).
"""
import argparse
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
SURNAMES = 20_000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dict", default="/usr/share/dict/american-english")
    ap.add_argument("--census", required=True, help="folder with dist.all.last")
    args = ap.parse_args()
    words = sorted(
        {w.strip() for w in open(args.dict, encoding="utf-8") if re.fullmatch(r"[A-Za-z]+", w.strip())}
    )
    (ROOT / "schemas/dictionary.txt").write_text(
        "# SCOWL via Debian wamerican; licence in schemas/dictionary-LICENSE.txt\n" + "\n".join(words) + "\n"
    )
    surnames = []
    for line in open(pathlib.Path(args.census) / "dist.all.last", encoding="ascii"):
        name = line.split()[0]
        surnames.append(name[:1] + name[1:].lower())
        if len(surnames) == SURNAMES:
            break
    (ROOT / "schemas/surnames.txt").write_text(
        "# US Census 1990 surnames (public domain), most frequent first\n" + "\n".join(surnames) + "\n"
    )
    print(f"{len(words)} dictionary words, {len(surnames)} surnames")


if __name__ == "__main__":
    main()
