#!/usr/bin/env python3
"""Runs a command and prints, every interval, how many cores each group of its threads used: where
a run leaves a core idle, and which threads are busy then.

    bench/threads.py [--interval 0.05] -- newsidx index -q --index /tmp/idx corpus.jsonl

One line per interval: the time since the start, the CPU used over the interval (2.0 = two cores
busy) and its split by thread group. Threads are grouped by name with their numbers dropped
(`thrd-tantivy-index0` and `thrd-tantivy-index1` are one group); unnamed threads carry the
program's name. /proc counts CPU time in clock ticks (10 ms), so an interval shorter than about
50 ms is mostly rounding.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def threads(pid):
    """{(thread id, name): CPU ticks so far} of every thread of `pid`."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[(tid, name)] = int(fields[11]) + int(fields[12])  # utime + stime
    return out


def group(name):
    return re.sub(r"[\d:]+$", "", name) or name


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    started = time.monotonic()
    process = subprocess.Popen(command)
    last, last_at = {}, started
    while process.poll() is None:
        time.sleep(args.interval)
        now, now_at = threads(process.pid), time.monotonic()
        busy = collections.Counter()
        for key, ticks in now.items():
            busy[group(key[1])] += (ticks - last.get(key, 0)) / TICK / (now_at - last_at)
        if busy:
            split = " ".join(f"{name}:{cores:.1f}" for name, cores in sorted(busy.items()) if cores >= 0.05)
            print(f"{now_at - started:7.2f} s  {sum(busy.values()):4.1f}  {split}", flush=True)
        last, last_at = now, now_at
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
