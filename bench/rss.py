#!/usr/bin/env python3
"""Runs a command and samples its memory from /proc every 0.2 s, splitting resident memory into
anonymous pages (the heap: what the process allocated) and file pages (mapped index files that the
kernel keeps in memory and may drop at any time). /usr/bin/time's "maximum resident set size" adds
both, which makes an indexer that reads its segments through mmap look larger than it is.

    bench/rss.py [--json] -- newsidx index --index /tmp/idx corpus.jsonl
    bench/rss.py --json --child-of PID     # a process started elsewhere: PID's (first) child

Prints the peaks (MiB) and the wall-clock seconds; exits with the command's status (0 with
--child-of, which cannot know it). bench/compare.sh runs the second form next to `/usr/bin/time
ENGINE ...` to give every engine's anonymous peak beside /usr/bin/time's peak RSS.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def sample(pid):
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                    fields[key] = int(value.split()[0]) / 1024  # kB -> MiB
    except OSError:
        return None
    return fields


def first_child(pid):
    """The first child process of `pid`, if it has one yet."""
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children = f.read().split()
            if children:
                return int(children[0])
    except OSError:
        return None
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the peaks as one JSON object")
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--child-of", type=int, metavar="PID", help="sample PID's child instead of running a command")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command and args.child_of is None:
        parser.error("no command given")
    started = time.monotonic()
    peaks = {}

    def take(pid):
        now = sample(pid)
        if now:
            for key, value in now.items():
                peaks[key] = max(peaks.get(key, 0.0), value)

    if args.child_of is not None:
        returncode = 0
        child = None
        while child is None and sample(args.child_of) is not None:
            child = first_child(args.child_of)
            if child is None:
                time.sleep(0.005)
        while child is not None and sample(child) is not None:
            take(child)
            time.sleep(args.interval)
    else:
        process = subprocess.Popen(command)
        while process.poll() is None:
            take(process.pid)
            time.sleep(args.interval)
        returncode = process.returncode
    result = {
        "seconds": round(time.monotonic() - started, 2),
        "peak_rss_mib": round(peaks.get("VmHWM", peaks.get("VmRSS", 0.0)), 1),
        "peak_anon_mib": round(peaks.get("RssAnon", 0.0), 1),
        "peak_file_mib": round(peaks.get("RssFile", 0.0), 1),
        "exit": returncode,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['seconds']} s; peak RSS {result['peak_rss_mib']} MiB "
            f"(sampled peaks: anonymous {result['peak_anon_mib']} MiB, file-backed {result['peak_file_mib']} MiB)",
            file=sys.stderr,
        )
    sys.exit(returncode)


if __name__ == "__main__":
    main()
