#!/usr/bin/env python3
"""Re-runs every `$ newsidx ...` (and `$ cat FILE`) line inside the README's ```text blocks and pastes
the real output under it, so the README shows what this build prints.

Usage (from the repository root, after `cargo build --release`):

    python3 tools/refresh_readme.py            # rewrites README.md in place; review with git diff

(There is no check mode: the outputs hold timings, so a fresh run always differs somewhere.)

Commands run in the repository root against ./newsidx-index, which is removed first, so the first
command in the README must be the `newsidx index index-fixtures` that builds it. `article.txt`, used by
the `extract` examples, is written for the run and removed after.
"""
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "newsidx")
ARTICLE = ("Kremlin spokesman Dmitry Peskov said on Friday that Peskov had spoken to German "
           "Chancellor Angela Merkel in Moscow.\n")


def run(command):
    if command.startswith("cat "):
        with open(os.path.join(ROOT, command[4:].strip()), encoding="utf-8") as f:
            return f.read().rstrip("\n")
    argv = subprocess.run(["bash", "-c", f"printf '%s\\0' {command}"], capture_output=True, text=True,
                          cwd=ROOT).stdout.split("\0")[:-1]
    argv[0] = BIN
    env = dict(os.environ, NO_COLOR="1")
    env.pop("NEWSIDX_INDEX", None)
    out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)
    return (out.stderr + out.stdout).rstrip("\n")


def main():
    path = os.path.join(ROOT, "README.md")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    shutil.rmtree(os.path.join(ROOT, "newsidx-index"), ignore_errors=True)
    with open(os.path.join(ROOT, "article.txt"), "w", encoding="utf-8") as f:
        f.write(ARTICLE)
    out, i, in_text = [], 0, False
    try:
        while i < len(lines):
            line = lines[i]
            out.append(line)
            i += 1
            if line.startswith("```"):
                in_text = line == "```text" if not in_text else False
                continue
            if in_text and (line.startswith("$ newsidx ") or line.startswith("$ cat ")):
                out.extend(run(line[2:]).split("\n"))
                while i < len(lines) and not lines[i].startswith("$ ") and not lines[i].startswith("```"):
                    i += 1
    finally:
        os.remove(os.path.join(ROOT, "article.txt"))
    text = "\n".join(out)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
