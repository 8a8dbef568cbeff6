"""Repository upkeep: once pushes leave a repository quiet, the server repacks it into a
bitmapped multi-pack index with a commit-graph, in the background. Pushes that land while
it runs lose nothing, and clones serve the same history before and after."""

import os
import pathlib
import sqlite3
import subprocess
import time

from conftest import admin_git_login

QUIET = 2.0  # the server's quiet time before upkeep (git/upkeep.rs)


def repository_dir(server, name):
    with sqlite3.connect(server.store) as db:
        (rid,) = db.execute("SELECT repository_id FROM repositories WHERE name = ?",
                            (name,)).fetchone()
    return pathlib.Path(server.endpoints["data_dir"]) / "repositories" / f"{rid}.git"


def packs(repo):
    return sorted(p.name for p in (repo / "objects" / "pack").iterdir())


def test_pushes_are_repacked_in_the_background_and_pushes_meanwhile_land(server, name, tmp_path):
    cc = server.client("codecommit")
    cc.create_repository(repositoryName=name)
    url = server.git_url(*admin_git_login(server), repo=name)
    work = tmp_path / "w"
    server.git("init", "-q", "-b", "main", str(work))
    git = lambda *a: server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", *a)  # noqa: E731
    repo = None
    pushed = []
    # Each round: a commit with 4 MB of fresh content (so a repack takes a while), pushed,
    # then a pause just past the quiet time, so that the next push lands while upkeep runs.
    for i in range(6):
        (work / f"f{i}.bin").write_bytes(os.urandom(4 << 20))
        git("add", ".")
        git("commit", "-qm", f"c{i}")
        git("push", "-q", url, "HEAD:refs/heads/main")
        pushed.append(git("rev-parse", "HEAD").stdout.strip())
        repo = repo or repository_dir(server, name)
        time.sleep(QUIET + 0.2)
    # Quiet now: the last push gets its upkeep too.
    deadline = time.time() + 60
    while time.time() < deadline:
        names = packs(repo)
        if any(n.startswith("multi-pack-index-") and n.endswith(".bitmap") for n in names) and \
                (repo / "objects" / "info" / "commit-graphs" / "commit-graph-chain").exists():
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"no bitmapped multi-pack index: {packs(repo)}")
    time.sleep(QUIET + 1)  # any job still running ends
    assert "repository upkeep" not in server.log(), server.log()[-2000:]
    assert len([n for n in packs(repo) if n.endswith(".pack")]) < 6, packs(repo)
    fsck = subprocess.run(["git", "-C", str(repo), "fsck", "--full", "--no-progress"],
                          capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stderr
    # Every push is there, and a clone serves the whole history.
    assert cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == pushed[-1]
    back = tmp_path / "back"
    server.git("clone", "-q", url, str(back))
    log = server.git("-C", str(back), "log", "--format=%H").stdout.split()
    assert log == pushed[::-1]
    assert all((back / f"f{i}.bin").stat().st_size == 4 << 20 for i in range(6))
