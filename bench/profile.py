#!/usr/bin/env python3
"""Where the CPU goes during one clone: codecommit-local HTTPS / HTTP / SSH vs nginx + git-http-backend.
Names push-https, push-nginx, push-ssh and push-openssh record one push of bench.push_source()
into each server instead.

Starts the same servers as bench.py on loopback, records every process on the machine with
`perf record -a -e cpu-clock` (software clock: this machine has no hardware counters) during one
clone of the reference repository each, and prints CPU seconds per command and the top symbols.
Run with bench/run --profile.
"""

import os
import shutil
import subprocess
import sys
import time

import bench

OUT = bench.WORK / "profile"


def record(name, command, env):
    data = OUT / f"{name}.perf"
    clone = bench.CLONE
    # One unrecorded run first, as the benchmark's warm-up: page cache and pack cache warm.
    for _ in range(2):
        shutil.rmtree(clone, ignore_errors=True)
        if _ == 0:
            bench.sh("sh", "-c", command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.perf_counter()
    bench.sh("perf", "record", "-q", "-a", "-g", "-e", "cpu-clock", "-F", "1000", "-o", str(data), "--",
             "sh", "-c", command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    shutil.rmtree(clone, ignore_errors=True)
    return data, wall


def record_push(name, big, url_of, env):
    """One push into a fresh repository of the server `name` (https, nginx, ssh, openssh),
    after an unrecorded one."""
    data = OUT / f"push-{name}.perf"
    bench.sh(*bench.push_command(big, url_of(0)), env=env, stdout=subprocess.DEVNULL,
             stderr=subprocess.DEVNULL)
    t0 = time.perf_counter()
    bench.sh("perf", "record", "-q", "-a", "-g", "-e", "cpu-clock", "-F", "1000", "-o", str(data), "--",
             *bench.push_command(big, url_of(1)), env=env, stdout=subprocess.DEVNULL,
             stderr=subprocess.DEVNULL)
    return data, time.perf_counter() - t0


def by_comm(data):
    out = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", "comm",
                          "-g", "none", "--percentage", "relative"], capture_output=True, text=True).stdout
    total = None
    rows = []
    for line in out.splitlines():
        if line.startswith("# Event count"):
            total = int(line.split(":")[1]) / 1e9  # cpu-clock counts nanoseconds
        elif line.strip() and not line.startswith("#"):
            pct, comm = line.split(None, 1)
            rows.append((comm.strip(), float(pct.rstrip("%"))))
    return total, rows


def top_symbols(data, n=25):
    out = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort",
                          "comm,dso,symbol", "-g", "none"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if l.strip() and not l.startswith("#")][:n]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    ours, procs, env, clone_cmds = bench.setup_servers()
    try:
        pushes = bench.push_targets(ours)
        for name in sys.argv[1:] or ["nginx", "https", "http", "floor"]:
            if name.startswith("push-"):
                data, wall = record_push(name, bench.push_source(env), pushes[name[5:]], env)
            else:
                data, wall = record(name, clone_cmds[name], env)
            total, rows = by_comm(data)
            busy = [(c, p) for c, p in rows if c != "swapper"]
            print(f"\n## {name}: wall {wall:.2f} s, {total:.2f} CPU-s sampled on {os.cpu_count()} cores")
            for comm, pct in busy[:12]:
                print(f"  {comm:<20} {pct * total / 100:6.2f} s")
            print("\n".join("    " + l for l in top_symbols(data)))
    finally:
        for p in procs:
            p.terminate()
        ours.stop()


if __name__ == "__main__":
    main()
