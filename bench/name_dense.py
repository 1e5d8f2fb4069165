#!/usr/bin/env python3
"""Writes a name-dense English text of about SIZE bytes to stdout, for timing entity extraction
(issue 16: resolution was quadratic in a record's names). Deterministic (fixed seed).

    python3 bench/name_dense.py 1048576 > /tmp/names-1m.txt
    time ./target/release/newsidx extract /tmp/names-1m.txt > /dev/null
"""
import random
import sys

FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty
Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle
Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie Edward
Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric
Shirley Jonathan Anna Stephen Brenda Larry Pamela Justin Emma Scott Nicole Brandon Helen""".split()
LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez
Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green
Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz
Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan
Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood
James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster""".split()
CITIES = "London Paris Berlin Moscow Tokyo Washington Madrid Rome Beijing Ottawa".split()
VERBS = ["said", "told reporters", "met", "spoke with", "criticised", "praised", "called"]


def main():
    size = int(sys.argv[1])
    rng = random.Random(16)
    out = []
    total = 0
    while total < size:
        a = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        b = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        sentence = (
            f"{a} {rng.choice(VERBS)} {b} in {rng.choice(CITIES)} on Monday. "
            f"{a.split()[1]} added that {b.split()[1]} would visit {rng.choice(CITIES)}.\n"
        )
        out.append(sentence)
        total += len(sentence)
    sys.stdout.write("".join(out))


main()
