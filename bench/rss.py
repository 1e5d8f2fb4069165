#!/usr/bin/env python3
"""Runs a command and samples its memory from /proc every 0.2 s, splitting resident memory into
anonymous pages (the heap: what the process allocated) and file pages (mapped index files that the
kernel keeps in memory and may drop at any time). /usr/bin/time's "maximum resident set size" adds
both, which makes an indexer that reads its segments through mmap look larger than it is.

    bench/rss.py [--json] -- newsidx index --index /tmp/idx corpus.jsonl

Prints the peaks (MiB) and the wall-clock seconds; exits with the command's status.
"""
import argparse
import json
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the peaks as one JSON object")
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    started = time.monotonic()
    process = subprocess.Popen(command)
    peaks = {}
    while process.poll() is None:
        now = sample(process.pid)
        if now:
            for key, value in now.items():
                peaks[key] = max(peaks.get(key, 0.0), value)
        time.sleep(args.interval)
    result = {
        "seconds": round(time.monotonic() - started, 2),
        "peak_rss_mib": round(peaks.get("VmHWM", peaks.get("VmRSS", 0.0)), 1),
        "peak_anon_mib": round(peaks.get("RssAnon", 0.0), 1),
        "peak_file_mib": round(peaks.get("RssFile", 0.0), 1),
        "exit": process.returncode,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['seconds']} s; peak RSS {result['peak_rss_mib']} MiB "
            f"(sampled peaks: anonymous {result['peak_anon_mib']} MiB, file-backed {result['peak_file_mib']} MiB)",
            file=sys.stderr,
        )
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
