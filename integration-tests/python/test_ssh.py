"""The SSH endpoint with real OpenSSH and real git: key IDs as user names, RSA keys only."""

import concurrent.futures
import json
import os
import pathlib
import sqlite3
import subprocess
import time
import uuid

import pytest

from conftest import ADMIN_FIXTURE, Server, keygen, write_fixture

POWER_USER = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"

GREETING = ("You have successfully authenticated over SSH. You can use Git to interact with "
            "AWS CodeCommit. Interactive shells are not supported.")

FIXTURE = ADMIN_FIXTURE + """
[[repositories]]
name = "demo"
default_branch = "main"
content = "content"

[[repositories]]
name = "empty"
"""
FIXTURE_FILES = {"content/README.md": "# over ssh\n"}




class Ssh:
    def __init__(self, server):
        self.server = server
        self.port = server.endpoints["ssh_addr"].rsplit(":", 1)[1]
        self.known_hosts = server.scratch / "known_hosts"

    def options(self, key):
        return ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "LogLevel=ERROR", "-i", str(key), "-p", self.port]

    def ssh(self, user, key, *command, **kw):
        return subprocess.run(["ssh", *self.options(key), f"{user}@localhost", *command],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, **kw)

    def git(self, key, *args, check=True):
        command = "ssh " + " ".join(self.options(key))
        return self.server.git(*args, check=check, GIT_SSH_COMMAND=command)

    def url(self, key_id, repo="demo"):
        return f"ssh://{key_id}@localhost:{self.port}/v1/repos/{repo}"


@pytest.fixture(scope="module")
def server_options():
    return {"fixture": FIXTURE, "fixture_files": FIXTURE_FILES}


@pytest.fixture(scope="module")
def alice(server, tmp_path_factory):
    """A user with an RSA 2048 and an RSA 4096 key uploaded through boto3."""
    keys = tmp_path_factory.mktemp("keys")
    iam = server.client("iam")
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=POWER_USER)
    out = {}
    for bits in (2048, 4096):
        key = keygen(keys, f"rsa{bits}", bits=bits)
        body = pathlib.Path(str(key) + ".pub").read_text()
        kid = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=body)["SSHPublicKey"]["SSHPublicKeyId"]
        out[bits] = (kid, key)
    out["dir"] = keys
    return out


def test_greeting_on_a_bare_ssh(server, alice):
    kid, key = alice[2048]
    out = Ssh(server).ssh(kid, key, "-T")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == GREETING


@pytest.mark.parametrize("bits", [2048, 4096])
@pytest.mark.parametrize("protocol", ["0", "2"])
def test_clone_push_fetch(server, alice, tmp_path, bits, protocol):
    kid, key = alice[bits]
    ssh = Ssh(server)
    work = tmp_path / "work"
    cloned = subprocess.run(
        ["git", "-c", f"protocol.version={protocol}", "clone", ssh.url(kid), str(work)],
        env=server.env(GIT_SSH_COMMAND="ssh " + " ".join(ssh.options(key)), GIT_TRACE_PACKET="1"),
        capture_output=True, text=True, timeout=120)
    assert cloned.returncode == 0, cloned.stderr
    assert ("< version 2" in cloned.stderr) == (protocol == "2")
    assert (work / "README.md").read_text() == "# over ssh\n"
    branch = f"b{bits}-{protocol}-{uuid.uuid4().hex[:6]}"
    (work / f"{branch}.txt").write_text(branch)
    server.git("-C", str(work), "add", ".")
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", branch)
    ssh.git(key, "-C", str(work), "push", "origin", f"HEAD:refs/heads/{branch}")
    ssh.git(key, "-C", str(work), "-c", f"protocol.version={protocol}", "fetch", "origin")
    heads = ssh.git(key, "ls-remote", "--heads", ssh.url(kid)).stdout
    assert f"refs/heads/{branch}" in heads


def test_refusals(server, alice, tmp_path):
    ssh = Ssh(server)
    iam = server.client("iam")
    kid, key = alice[2048]
    kid4, key4 = alice[4096]

    def refused(user, k):
        out = ssh.ssh(user, k, "-T")
        assert out.returncode == 255 and "Permission denied (publickey)" in out.stderr, (out.stdout, out.stderr)

    assert ssh.ssh(kid, key, "-T").returncode == 0
    refused(kid, key4)  # the wrong key for this ID
    refused("APKA" + "Z" * 16, key)  # an unknown ID
    refused("alice", key)  # a user name is not a key ID
    ed = keygen(tmp_path, "ed", kind="ed25519")
    refused(kid, ed)  # not RSA
    out = subprocess.run(["ssh", *ssh.options(key), "-o", "PreferredAuthentications=password,keyboard-interactive",
                          f"{kid}@localhost", "-T"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 255  # no password or keyboard-interactive

    # Inactive stops it at once; Active restores it; deleted ends it.
    iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=kid, Status="Inactive")
    refused(kid, key)
    iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=kid, Status="Active")
    assert ssh.ssh(kid, key, "-T").returncode == 0
    extra = keygen(tmp_path, "extra")
    extra_id = iam.upload_ssh_public_key(
        UserName="alice", SSHPublicKeyBody=pathlib.Path(str(extra) + ".pub").read_text())["SSHPublicKey"]["SSHPublicKeyId"]
    assert ssh.ssh(extra_id, extra, "-T").returncode == 0
    iam.delete_ssh_public_key(UserName="alice", SSHPublicKeyId=extra_id)
    refused(extra_id, extra)

    # Commands other than git, and unknown repositories.
    out = ssh.ssh(kid, key, "ls", "-la")
    assert out.returncode != 0 and "not allowed" in out.stderr
    out = ssh.git(key, "clone", ssh.url(kid, "no-such-repo"), str(tmp_path / "x"), check=False)
    assert out.returncode != 0 and "not found" in out.stderr, out.stderr
    log = server.log()
    assert "ssh refused" in log


def repo_dir(server, name):
    with sqlite3.connect(server.store) as db:
        (rid,) = db.execute("SELECT repository_id FROM repositories WHERE name = ?", (name,)).fetchone()
    return pathlib.Path(server.endpoints["data_dir"]) / "repositories" / f"{rid}.git"


def test_first_push_to_an_empty_repository_sets_the_default_branch(server, alice, tmp_path):
    kid, key = alice[2048]
    ssh = Ssh(server)
    work = tmp_path / "e"
    ssh.git(key, "clone", ssh.url(kid, "empty"), str(work))
    server.git("-C", str(work), "checkout", "-qb", "develop")
    (work / "f").write_text("f")
    server.git("-C", str(work), "add", ".")
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "f")
    ssh.git(key, "-C", str(work), "push", "origin", "develop")
    assert (repo_dir(server, "empty") / "HEAD").read_text().strip() == "ref: refs/heads/develop"
    with sqlite3.connect(server.store) as db:
        (branch,) = db.execute("SELECT default_branch FROM repositories WHERE name = 'empty'").fetchone()
    assert branch == "develop"


def test_concurrent_ssh_pushes(server, alice, tmp_path):
    kid, key = alice[2048]
    ssh = Ssh(server)

    def push(i):
        work = tmp_path / f"c{i}"
        ssh.git(key, "clone", "-q", ssh.url(kid), str(work))
        (work / f"p{i}.txt").write_text(str(i))
        server.git("-C", str(work), "add", ".")
        server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", f"p{i}")
        ssh.git(key, "-C", str(work), "push", "-q", "origin", f"HEAD:refs/heads/concurrent-{i}")

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(push, range(8)))
    heads = ssh.git(key, "ls-remote", "--heads", ssh.url(kid)).stdout
    for i in range(8):
        assert f"refs/heads/concurrent-{i}" in heads
    subprocess.run(["git", "fsck", "--strict"], cwd=repo_dir(server, "demo"), check=True,
                   capture_output=True)


def peak_rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_a_200_mb_push_keeps_server_memory_flat(tmp_path):
    server = Server(["--fixtures", str(write_fixture(tmp_path / "fx", FIXTURE, FIXTURE_FILES))])
    try:
        iam = server.client("iam")
        iam.create_user(UserName="big")
        iam.attach_user_policy(UserName="big", PolicyArn=POWER_USER)
        key = keygen(tmp_path, "big")
        kid = iam.upload_ssh_public_key(UserName="big", SSHPublicKeyBody=pathlib.Path(str(key) + ".pub").read_text())[
            "SSHPublicKey"]["SSHPublicKeyId"]
        ssh = Ssh(server)
        work = tmp_path / "w"
        ssh.git(key, "clone", "-q", ssh.url(kid), str(work))
        with open(work / "big.bin", "wb") as f:
            for _ in range(200):
                f.write(os.urandom(1 << 20))
        server.git("-C", str(work), "add", "big.bin")
        server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "big")
        before = peak_rss_kib(server.proc.pid)
        ssh.git(key, "-C", str(work), "push", "-q", "origin", "main")
        peak = peak_rss_kib(server.proc.pid)
        print(f"server peak RSS: {before} KiB before, {peak} KiB after a 200 MB SSH push")
        assert peak < 64 * 1024, peak
        clone = tmp_path / "back"
        ssh.git(key, "clone", "-q", ssh.url(kid), str(clone))
        assert (clone / "big.bin").stat().st_size == 200 << 20
    finally:
        server.stop()


def test_host_keys_survive_a_restart(tmp_path):
    data = tmp_path / "data"

    def scan():
        s = Server(["--data-dir", str(data)], ephemeral=False)
        try:
            port = s.endpoints["ssh_addr"].rsplit(":", 1)[1]
            out = subprocess.run(["ssh-keyscan", "-T", "60", "-p", port, "-t", "rsa,ed25519", "127.0.0.1"],
                                 capture_output=True, text=True, timeout=60).stdout
            keys = sorted(line.split(None, 1)[1] for line in out.splitlines() if line and not line.startswith("#"))
            # A first start generates the RSA key while serving (the scan above waited for
            # it); endpoints.json is rewritten to name it.
            for _ in range(100):
                fps = json.loads((data / "endpoints.json").read_text())["ssh_host_key_fingerprints"]
                if len(fps) == 2:
                    break
                time.sleep(0.05)
            return keys, fps, s.endpoints["ssh_host_key_fingerprints"]
        finally:
            s.stop()

    first, fps, announced = scan()
    assert len(first) == 2 and any(k.startswith("ssh-rsa ") for k in first)
    assert [f.split()[1] for f in fps] == ["ssh-ed25519", "ssh-rsa"]
    assert announced in (fps[:1], fps)  # the ready file may come before the RSA key
    second, fps2, announced2 = scan()
    assert first == second and fps == fps2 == announced2


def test_a_push_over_ssh_updates_and_merges_pull_requests(server, alice, tmp_path):
    """Pull requests follow pushes made over SSH too: a push to the source is a new revision,
    a push of the merge into the destination closes the pull request as merged by alice."""
    cc = server.client("codecommit")
    ssh = Ssh(server)
    kid, key = alice[2048]
    base = cc.get_branch(repositoryName="demo", branchName="main")["branch"]["commitId"]
    cc.create_branch(repositoryName="demo", branchName="ssh-topic", commitId=base)
    cc.put_file(repositoryName="demo", branchName="ssh-topic", filePath="ssh.txt",
                fileContent=b"one\n", parentCommitId=base)
    pr = cc.create_pull_request(title="over ssh", targets=[
        {"repositoryName": "demo", "sourceReference": "ssh-topic",
         "destinationReference": "main"}])["pullRequest"]
    work = tmp_path / "pr"
    ssh.git(key, "clone", "-q", "-b", "ssh-topic", ssh.url(kid), str(work))
    (work / "ssh.txt").write_text("two\n")
    server.git("-C", str(work), "-c", "user.name=a", "-c", "user.email=a@e", "commit", "-qam",
               "two")
    ssh.git(key, "-C", str(work), "push", "-q", "origin", "ssh-topic")
    now = cc.get_pull_request(pullRequestId=pr["pullRequestId"])["pullRequest"]
    tip = server.git("-C", str(work), "rev-parse", "HEAD").stdout.strip()
    assert now["pullRequestTargets"][0]["sourceCommit"] == tip
    assert now["revisionId"] != pr["revisionId"]
    ssh.git(key, "-C", str(work), "fetch", "-q", "origin", "main")
    server.git("-C", str(work), "checkout", "-q", "-B", "main", "FETCH_HEAD")
    server.git("-C", str(work), "-c", "user.name=a", "-c", "user.email=a@e", "merge", "-q",
               "--no-ff", "-m", "merge", "ssh-topic")
    ssh.git(key, "-C", str(work), "push", "-q", "origin", "main")
    done = cc.get_pull_request(pullRequestId=pr["pullRequestId"])["pullRequest"]
    meta = done["pullRequestTargets"][0]["mergeMetadata"]
    assert done["pullRequestStatus"] == "CLOSED" and meta["isMerged"]
    assert meta["mergedBy"].endswith(":user/alice")
