#!/usr/bin/env python3
"""Checks that the library's layers depend one way (DESIGN.md, "Layers").

Every `crate::NAME` path in src/ (in `use` lines and inline) is read, and a module may name only
modules of earlier layers, its own top-level module, and the shared error type. Prints each
violation as FILE:LINE and exits 1 if there is one.

    python3 tools/layers.py [SRC_DIR]
"""
import pathlib
import re
import sys

# Earlier first. Modules of one row may not use each other.
LAYERS = [
    ["text"],
    ["entities", "fingerprint"],
    ["ingest"],
    ["enrich"],
    ["store"],
    ["writer", "search"],
    ["index"],
    ["serve"],
]
ANYWHERE = {"Error", "Result", "error"}

LAYER_OF = {m: i for i, row in enumerate(LAYERS) for m in row}
CRATE_PATH = re.compile(r"\bcrate::(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def names(group: str):
    if group.startswith("{"):
        for part in group[1:-1].split(","):
            part = part.strip()
            if part:
                yield re.split(r"::|\s", part)[0]
    else:
        yield group


def reexports(src: pathlib.Path) -> dict:
    """The names lib.rs re-exports (`pub use search::{Hit, ...}`), each with its module."""
    found = {}
    for module, items in re.findall(r"pub use (\w+)::(\{[^}]*\}|\w+(?:::\w+)*);", (src / "lib.rs").read_text()):
        for item in names(items) if items.startswith("{") else [items.split("::")[-1]]:
            found[item.split("::")[-1]] = module
    return found


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    roots = reexports(src)
    bad = 0
    for path in sorted(src.rglob("*.rs")):
        rel = path.relative_to(src)
        top = rel.parts[0].removesuffix(".rs")
        # The crate roots, the shared error type, and the binary's own modules (the command line
        # and its allocator), which the library never names.
        if top in ("lib", "main", "error", "cli", "allocator"):
            continue
        if top not in LAYER_OF:
            print(f"{path}: module {top!r} is in no layer of tools/layers.py")
            bad += 1
            continue
        mine = LAYER_OF[top]
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            for group in CRATE_PATH.findall(code):
                for name in names(group):
                    if name in ANYWHERE or name == top:
                        continue
                    # A re-export of the crate root (crate::Article) counts as its module.
                    name = roots.get(name, name)
                    if name in ANYWHERE or name == top:
                        continue
                    other = LAYER_OF.get(name)
                    if other is None:
                        print(f"{path}:{number}: crate::{name} is in no layer of tools/layers.py")
                        bad += 1
                        continue
                    if other >= mine:
                        print(f"{path}:{number}: {top} (layer {mine}) uses {name} (layer {other})")
                        bad += 1
    if bad:
        print(f"{bad} violation(s)")
        return 1
    print(f"layers hold: {', '.join('/'.join(r) for r in LAYERS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
