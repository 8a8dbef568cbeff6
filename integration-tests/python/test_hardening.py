"""Hardening against what a review found: secrets at rest only for the server's user, the
password pepper outside the store, names git refuses refused by the API too, and client
strings that cannot forge log lines."""

import base64
import os
import sqlite3
import stat
import subprocess

import pytest
import urllib3
from botocore.exceptions import ClientError

from conftest import Server, admin_git_login, error_of


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_secret_files_are_private_and_the_pepper_is_not_in_the_store(tmp_path, name):
    data = tmp_path / "data"
    server = Server(["--data-dir", str(data)], ephemeral=False)
    try:
        login = admin_git_login(server)
        server.client("codecommit").create_repository(repositoryName=name)
        assert mode(data) == 0o700
        for f in ["store.sqlite3", "store.sqlite3-wal", "store.sqlite3-shm", "pepper"]:
            assert mode(data / f) == 0o600, f
        assert os.path.getsize(data / "pepper") == 32
        keys = [p for p in data.rglob("*") if p.is_file() and
                ("key" in p.name or p.parent.name == "ssh") and not p.name.endswith(".pub")]
        assert keys, "the TLS, SSH and OIDC keys"
        for k in keys:
            assert mode(k) == 0o600, k
        db = sqlite3.connect(f"file:{data / 'store.sqlite3'}?mode=ro", uri=True)
        assert db.execute("SELECT count(*) FROM settings WHERE key LIKE '%pepper%'").fetchone() \
            == (0,)
        db.close()
    finally:
        server.stop()
    # The pepper is read back: the Git credential still signs in after a restart.
    server = Server(["--data-dir", str(data)], ephemeral=False)
    try:
        out = server.git("ls-remote", server.git_url(*login, repo=name), check=False)
        assert out.returncode == 0, out.stderr
    finally:
        server.stop()


@pytest.mark.parametrize("path", [".GIT/config", ".Git/hooks/post-update", "a/.gIt/config",
                                  ".git./config", ".git /config", "GIT~1/config"])
def test_paths_git_treats_as_its_own_are_refused(server, name, path):
    cc = server.client("codecommit")
    cc.create_repository(repositoryName=name)
    with pytest.raises(ClientError) as e:
        cc.create_commit(repositoryName=name, branchName="main", putFiles=[
            {"filePath": path, "fileContent": b"[core]\n\tfsmonitor = evil\n"}])
    assert error_of(e)[0] == "InvalidPathException"
    with pytest.raises(ClientError) as e:
        cc.get_branch(repositoryName=name, branchName="main")
    assert error_of(e)[0] == "BranchDoesNotExistException", "nothing was committed"


def test_client_strings_cannot_forge_log_lines(server, name):
    server.client("codecommit").create_repository(repositoryName=name)
    forged = "FORGED-LINE level=INFO"
    # git itself refuses a user name with a newline; an HTTP client can send one.
    basic = base64.b64encode(f"mallory\n{forged}:pw".encode()).decode()
    resp = urllib3.PoolManager(ca_certs=server.ca).request(
        "GET", f"{server.https}/v1/repos/{name}/info/refs?service=git-upload-pack",
        headers={"authorization": f"Basic {basic}"}, retries=False)
    assert resp.status == 403
    lines = server.log().splitlines()
    assert not any(line.startswith(forged) for line in lines)
    assert any("mallory\\n" + forged in line for line in lines), "logged, escaped"
