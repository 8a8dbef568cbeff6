#!/usr/bin/env python3
"""Generates the deterministic reference repository for the benchmarks with git fast-import:
COMMITS commits over FILES files, text edits plus a few large incompressible blobs, about
TARGET_MB of packed history by default. Same parameters, same repository, every time."""

import argparse
import random
import subprocess
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("path")
    p.add_argument("--commits", type=int, default=5000)
    p.add_argument("--files", type=int, default=3000)
    p.add_argument("--large-blobs", type=int, default=15, help="blobs of ~8 MiB of random bytes")
    p.add_argument("--large-mb", type=int, default=8)
    args = p.parse_args()

    rng = random.Random(20261126)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", args.path], check=True)
    fi = subprocess.Popen(["git", "-C", args.path, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    out = fi.stdin
    words = [f"w{n:04d}" for n in range(5000)]

    def text(n_lines):
        return ("\n".join(" ".join(rng.choices(words, k=12)) for _ in range(n_lines)) + "\n").encode()

    def blob(data):
        out.write(b"data %d\n" % len(data))
        out.write(data)
        out.write(b"\n")

    large_at = set(rng.sample(range(1, args.commits), min(args.large_blobs, args.commits - 1)))
    t = 1_700_000_000
    for c in range(args.commits):
        out.write(b"commit refs/heads/main\n")
        out.write(b"mark :%d\n" % (c + 1))
        t += 600
        out.write(b"author Bench <bench@example.com> %d +0000\n" % t)
        out.write(b"committer Bench <bench@example.com> %d +0000\n" % t)
        blob(f"commit {c}\n".encode())
        if c > 0:
            out.write(b"from :%d\n" % c)
        if c == 0:
            for f in range(args.files):
                out.write(f"M 100644 inline src/d{f % 60:02d}/file{f:05d}.txt\n".encode())
                blob(text(40))
        else:
            for f in rng.sample(range(args.files), 3):
                out.write(f"M 100644 inline src/d{f % 60:02d}/file{f:05d}.txt\n".encode())
                blob(text(40 + rng.randrange(20)))
        if c in large_at:
            out.write(f"M 100644 inline assets/large-{c:05d}.bin\n".encode())
            blob(rng.randbytes(args.large_mb << 20))
    out.close()
    if fi.wait() != 0:
        sys.exit("fast-import failed")
    subprocess.run(["git", "-C", args.path, "repack", "-a", "-d", "-q"], check=True)


if __name__ == "__main__":
    main()
