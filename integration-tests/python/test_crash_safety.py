"""kill -9 at randomised points: during a large push, during a stream of CreateCommits,
merges and credential creations, and during fixture application. After each restart the
store passes `PRAGMA integrity_check`, every repository passes `git fsck --full`, and
everything a client was told succeeded is there and works; nothing is half-made."""

import random
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from conftest import ADMIN_FIXTURE, Server, admin_git_login

POWER_USER = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"
ROUNDS = 3  # kill points per workload


def kill(server):
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=30)


def check_consistent(data):
    """The store and every repository on disk are whole."""
    db = sqlite3.connect(f"file:{data / 'store.sqlite3'}?mode=ro", uri=True)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    ids = {r[0] for r in db.execute("SELECT repository_id FROM repositories")}
    db.close()
    repos = data / "repositories"
    on_disk = {p.name[:-4] for p in repos.glob("*.git")}
    assert ids == on_disk, "every repository has its directory and nothing else is left"
    for repo_id in ids:
        fsck = subprocess.run(["git", "--git-dir", str(repos / f"{repo_id}.git"), "fsck",
                               "--full", "--no-progress"], capture_output=True, text=True)
        assert fsck.returncode == 0, fsck.stderr


def quarantined(repo_dir):
    """Bytes in receive-pack's quarantine directories."""
    total = 0
    for p in repo_dir.glob("objects/tmp_objdir-*/**/*"):
        try:
            total += p.stat().st_size if p.is_file() else 0
        except FileNotFoundError:
            pass
    return total


class Workload(threading.Thread):
    """Repeats `step` until the server dies; what it was told succeeded, in order."""

    def __init__(self, step):
        super().__init__(daemon=True)
        self.step, self.acknowledged, self.n = step, [], 0

    def run(self):
        while True:
            self.n += 1
            try:
                self.acknowledged.append(self.step(self.n))
            except (ClientError, BotoCoreError, OSError, subprocess.CalledProcessError):
                return


def restart(data, fixture=None):
    args = ["--data-dir", str(data)] + (["--fixtures", str(fixture)] if fixture else [])
    return Server(args, ephemeral=False)


def test_kill_during_api_writes_loses_nothing_acknowledged(tmp_path, name):
    data = tmp_path / "data"
    server = restart(data)
    cc = server.client("codecommit")
    cc.create_repository(repositoryName=name)
    first = cc.create_commit(repositoryName=name, branchName="main",
                             putFiles=[{"filePath": "start.txt", "fileContent": b"0"}])
    rng = random.Random(name)
    try:
        for round_ in range(ROUNDS):
            cc, iam = server.client("codecommit"), server.client("iam")
            tip = cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"]
            state = {"main": tip}

            def commit(n):
                out = cc.create_commit(repositoryName=name, branchName="main",
                                       parentCommitId=state["main"],
                                       putFiles=[{"filePath": f"r{round_}/f{n}.txt",
                                                  "fileContent": b"x" * rng.randint(1, 50000)}])
                state["main"] = out["commitId"]
                return out["commitId"]

            def merge(n):
                branch = f"r{round_}-m{n}"
                cc.create_branch(repositoryName=name, branchName=branch,
                                 commitId=first["commitId"])
                cc.create_commit(repositoryName=name, branchName=branch,
                                 parentCommitId=first["commitId"],
                                 putFiles=[{"filePath": f"merge/{branch}.txt",
                                            "fileContent": b"m"}])
                out = cc.merge_branches_by_three_way(
                    repositoryName=name, sourceCommitSpecifier=branch,
                    destinationCommitSpecifier=f"merges-{round_}")
                return out["commitId"]

            def credential(n):
                user = f"{name}-r{round_}-u{n}"
                iam.create_user(UserName=user)
                iam.attach_user_policy(UserName=user, PolicyArn=POWER_USER)
                c = iam.create_service_specific_credential(
                    UserName=user, ServiceName="codecommit.amazonaws.com")
                c = c["ServiceSpecificCredential"]
                return user, c["ServiceUserName"], c["ServicePassword"]

            cc.create_branch(repositoryName=name, branchName=f"merges-{round_}",
                             commitId=first["commitId"])
            workloads = [Workload(commit), Workload(merge), Workload(credential)]
            for w in workloads:
                w.start()
            time.sleep(rng.uniform(0.5, 2.0))
            kill(server)
            for w in workloads:
                w.join(timeout=60)
            check_consistent(data)
            server = restart(data)
            cc, iam = server.client("codecommit"), server.client("iam")
            commits, merges, creds = (w.acknowledged for w in workloads)
            assert commits and creds, "the workloads ran before the kill"
            for commit_id in commits + merges:
                cc.get_commit(repositoryName=name, commitId=commit_id)
            if commits:
                history = server.git("--git-dir", str(data / "repositories" / (
                    cc.get_repository(repositoryName=name)["repositoryMetadata"]["repositoryId"]
                    + ".git")), "rev-list", "main").stdout.split()
                assert commits[-1] in history, "the last acknowledged commit is on main"
            for user, login, password in creds[-2:]:
                assert iam.list_service_specific_credentials(UserName=user)[
                    "ServiceSpecificCredentials"], user
                out = server.git("ls-remote", server.git_url(login, password, repo=name),
                                 check=False)
                assert out.returncode == 0, (user, out.stderr)
            # Users the kill interrupted are whole or absent: each one listed can be read.
            for u in iam.list_users()["Users"]:
                iam.get_user(UserName=u["UserName"])
                iam.list_service_specific_credentials(UserName=u["UserName"])
    finally:
        server.stop()


def test_kill_during_a_large_push_leaves_no_ref_and_a_whole_repository(tmp_path, name):
    data = tmp_path / "data"
    server = restart(data)
    try:
        login = admin_git_login(server)
        repo_id = server.client("codecommit").create_repository(
            repositoryName=name)["repositoryMetadata"]["repositoryId"]
        repo_dir = data / "repositories" / f"{repo_id}.git"
        work = tmp_path / "work"
        server.git("init", "-q", "-b", "main", str(work))
        with open(work / "big.bin", "wb") as f:
            for _ in range(500):
                f.write(random.randbytes(1 << 20))
        server.git("-C", str(work), "add", "big.bin")
        server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e",
                   "-c", "core.compression=0", "commit", "-q", "-m", "500 MB")
        push = subprocess.Popen(["git", "-C", str(work), "push", server.git_url(*login, repo=name),
                                 "main"], env=server.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        # Killed once the server has written a random part of what it receives (into
        # receive-pack's quarantine, objects/tmp_objdir-incoming-*, as it arrives).
        cut = random.randint(10 << 20, 400 << 20)
        deadline = time.time() + 300
        received = 0
        while received < cut and push.poll() is None and time.time() < deadline:
            received = quarantined(repo_dir)
            time.sleep(0.05)
        assert push.poll() is None, "the push was still running"
        kill(server)
        _, err = push.communicate(timeout=120)
        assert push.returncode != 0, "the client saw the push fail"
        check_consistent(data)
        server = restart(data)
        assert not list(repo_dir.glob("objects/tmp_objdir-*")), "the dead push's quarantine went"
        refs = server.git("ls-remote", server.git_url(*login, repo=name)).stdout
        assert "refs/heads/main" not in refs, "no ref for a pack that never finished"
        # The repository still takes a push.
        (work / "small.txt").write_text("small")
        server.git("-C", str(work), "rm", "-q", "--cached", "big.bin")
        server.git("-C", str(work), "add", "small.txt")
        server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit",
                   "-q", "--amend", "-m", "small")
        server.git("-C", str(work), "push", "-q", server.git_url(*login, repo=name), "main")
        check_consistent(data)
    finally:
        server.stop()


def test_kill_during_fixture_application_then_a_restart_applies_it_whole(tmp_path):
    users = 150
    fixture = tmp_path / "fixture.toml"
    parts = [ADMIN_FIXTURE]
    for i in range(users):
        parts.append(f'[[users]]\nname = "fx{i}"\npolicies = ["AWSCodeCommitPowerUser"]\n'
                     f'  [[users.git_credentials]]\n  password = "fx{i}-Passw0rd-long-enough"\n')
    for i in range(20):
        parts.append(f'[[repositories]]\nname = "fx-repo-{i}"\n')
    fixture.write_text("\n".join(parts))
    data = tmp_path / "data"
    rng = random.Random(7)
    for _ in range(ROUNDS):
        args = ["--data-dir", str(data), "--fixtures", str(fixture), "--https-addr",
                "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--ssh-addr", "127.0.0.1:0"]
        from conftest import binary
        proc = subprocess.Popen([binary(), "serve", *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if (data / "store.sqlite3").exists():
            check_consistent(data)
    server = restart(data, fixture)
    try:
        check_consistent(data)
        iam = server.client("iam")
        names = {u["UserName"] for page in iam.get_paginator("list_users").paginate()
                 for u in page["Users"]}
        assert {f"fx{i}" for i in range(users)} <= names
        for i in rng.sample(range(users), 5):
            creds = iam.list_service_specific_credentials(UserName=f"fx{i}")[
                "ServiceSpecificCredentials"]
            assert len(creds) == 1, "applied once, whatever the kills interrupted"
            out = server.git("ls-remote", server.git_url(
                creds[0]["ServiceUserName"], f"fx{i}-Passw0rd-long-enough", repo="fx-repo-3"),
                check=False)
            assert out.returncode == 0, out.stderr
        repos = server.client("codecommit").list_repositories()["repositories"]
        assert len([r for r in repos if r["repositoryName"].startswith("fx-repo-")]) == 20
    finally:
        server.stop()


@pytest.fixture
def name(name):
    return name[:20]
