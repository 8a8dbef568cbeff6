"""Races: many pushes to one repository (separate branches, and one branch), API writes to
one user and one branch, merges racing pushes. Everything that reported success is there,
nothing is lost or doubled, and IAM's limits (2 Git credentials, 2 access keys, 5 SSH keys
per user) hold however many callers race for them."""

import concurrent.futures
import subprocess

import pytest
from botocore.exceptions import ClientError

from conftest import keygen

N = 32


def commit(server, work, message):
    (work / f"{message}.txt").write_text(message)
    server.git("-C", str(work), "add", ".")
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm",
               message)
    return server.git("-C", str(work), "rev-parse", "HEAD").stdout.strip()


def clones(server, url, tmp_path, n):
    base = tmp_path / "base"
    server.git("clone", "-q", url, str(base))
    out = []
    for i in range(n):
        work = tmp_path / f"w{i}"
        subprocess.run(["cp", "-a", str(base), str(work)], check=True)
        out.append(work)
    return out


def racers(server, login, tmp_path, name):
    """A repository with one commit on main and N clones of it, each one commit ahead."""
    cc = server.client("codecommit")
    cc.create_repository(repositoryName=name)
    cc.create_commit(repositoryName=name, branchName="main",
                     putFiles=[{"filePath": "base.txt", "fileContent": b"base"}])
    url = server.git_url(*login, repo=name)
    works = clones(server, url, tmp_path, N)
    return cc, url, works, [commit(server, w, f"c{i}") for i, w in enumerate(works)]


def pool(n=N):
    return concurrent.futures.ThreadPoolExecutor(max_workers=n)


def test_pushes_to_separate_branches_all_land(server, login, tmp_path, name):
    cc, url, works, tips = racers(server, login, tmp_path, name)
    with pool() as p:
        results = list(p.map(lambda i: server.git("-C", str(works[i]), "push", "-q", url,
                                                  f"HEAD:refs/heads/b{i}", check=False),
                             range(N)))
    assert all(r.returncode == 0 for r in results), (
        [r.stderr for r in results if r.returncode],
        [line for line in server.log().splitlines() if " ERROR " in line])
    refs = dict(line.split("\t")[::-1] for line in server.git("ls-remote", url).stdout.splitlines())
    for i, tip in enumerate(tips):
        assert refs[f"refs/heads/b{i}"] == tip
    branches = cc.list_branches(repositoryName=name)["branches"]
    assert len(branches) == N + 1


def test_pushes_racing_for_one_branch_one_wins_and_the_rest_are_told(server, login, tmp_path,
                                                                      name):
    cc, url, works, tips = racers(server, login, tmp_path, name)
    with pool() as p:
        results = list(p.map(lambda i: server.git("-C", str(works[i]), "push", "-q", url,
                                                  "HEAD:main", check=False), range(N)))
    won = [i for i, r in enumerate(results) if r.returncode == 0]
    assert len(won) == 1, "every push was a fast-forward of the same base: one can win"
    tip = cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"]
    assert tip == tips[won[0]]
    for r in results:
        if r.returncode:
            assert "rejected" in r.stderr or "failed to" in r.stderr, r.stderr


def test_create_commits_racing_on_one_parent_one_wins(server, name):
    cc = server.client("codecommit")
    cc.create_repository(repositoryName=name)
    parent = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
        {"filePath": "base.txt", "fileContent": b"base"}])["commitId"]

    def attempt(i):
        try:
            return cc.create_commit(repositoryName=name, branchName="main",
                                    parentCommitId=parent,
                                    putFiles=[{"filePath": f"f{i}", "fileContent": b"x"}])
        except ClientError as e:
            return error_of_client(e)

    with pool() as p:
        results = list(p.map(attempt, range(N)))
    won = [r for r in results if isinstance(r, dict)]
    assert len(won) == 1
    assert {r for r in results if not isinstance(r, dict)} == {"ParentCommitIdOutdatedException"}
    tip = cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"]
    assert tip == won[0]["commitId"]


def error_of_client(e):
    return e.response["Error"]["Code"]


def test_merges_racing_pushes_lose_no_acknowledged_update(server, login, tmp_path, name):
    cc = server.client("codecommit")
    cc.create_repository(repositoryName=name)
    base = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
        {"filePath": "base.txt", "fileContent": b"base"}])["commitId"]
    for i in range(8):
        cc.create_branch(repositoryName=name, branchName=f"f{i}", commitId=base)
        cc.create_commit(repositoryName=name, branchName=f"f{i}", parentCommitId=base,
                         putFiles=[{"filePath": f"feature{i}.txt", "fileContent": b"f"}])
    url = server.git_url(*login, repo=name)
    works = clones(server, url, tmp_path, 8)

    def push(i):
        work = works[i]
        for attempt in range(20):
            server.git("-C", str(work), "pull", "-q", "--no-rebase", "--no-edit", url, "main",
                       check=False)
            tip = commit(server, work, f"p{i}-{attempt}")
            if server.git("-C", str(work), "push", "-q", url, "HEAD:main",
                          check=False).returncode == 0:
                return tip
        return None

    def merge(i):
        for _ in range(20):
            try:
                return cc.merge_branches_by_three_way(
                    repositoryName=name, sourceCommitSpecifier=f"f{i}",
                    destinationCommitSpecifier="main")["commitId"]
            except ClientError as e:
                if error_of_client(e) not in ("ConcurrentReferenceUpdateException",
                                              "CommitIdRequiredException"):
                    raise
        return None

    with pool(16) as p:
        pushed = list(p.map(push, range(8)))
        merged = list(p.map(merge, range(8)))
    acknowledged = [c for c in pushed + merged if c]
    assert acknowledged
    final = cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"]
    check = server.git("clone", "-q", url, str(tmp_path / "final"))
    assert check.returncode == 0
    for c in acknowledged:
        out = server.git("-C", str(tmp_path / "final"), "merge-base", "--is-ancestor", c, final,
                         check=False)
        assert out.returncode == 0, f"acknowledged {c} is not in main's history"


@pytest.mark.parametrize("kind,limit", [("access_key", 2), ("git_credential", 2),
                                        ("ssh_key", 5)])
def test_iam_limits_hold_under_races(server, tmp_path, name, kind, limit):
    iam = server.client("iam")
    user = f"{name}-{kind}"[:64]
    iam.create_user(UserName=user)
    keys = [keygen(tmp_path, f"k{i}").with_suffix(".pub").read_text() for i in range(8)] \
        if kind == "ssh_key" else []

    def attempt(i):
        try:
            if kind == "access_key":
                iam.create_access_key(UserName=user)
            elif kind == "git_credential":
                iam.create_service_specific_credential(UserName=user,
                                                       ServiceName="codecommit.amazonaws.com")
            else:
                iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=keys[i % len(keys)])
            return "ok"
        except ClientError as e:
            return error_of_client(e)

    with pool(16) as p:
        results = list(p.map(attempt, range(16 if kind != "ssh_key" else 8)))
    assert results.count("ok") == limit, results
    assert set(results) - {"ok"} <= {"LimitExceeded", "LimitExceededException",
                                     "DuplicateSSHPublicKey"}
    if kind == "access_key":
        listed = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    elif kind == "git_credential":
        listed = iam.list_service_specific_credentials(UserName=user)["ServiceSpecificCredentials"]
    else:
        listed = iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]
    assert len(listed) == limit
