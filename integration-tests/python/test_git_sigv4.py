"""CodeCommit's SigV4 Git path with the real helpers: `aws codecommit credential-helper`
and git-remote-codecommit, long-term and temporary credentials, and every refusal."""

import datetime
import hashlib
import hmac
import os
import sqlite3
import sys

import pytest
import urllib3

from conftest import ADMIN_KEY, ADMIN_SECRET

POWER_USER = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"

VENV_BIN = os.path.dirname(sys.executable)
HELPER = "!aws codecommit credential-helper $@ --ignore-host-check"
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'


def helper_env(server, key=ADMIN_KEY, secret=ADMIN_SECRET, token=None):
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
           "PATH": VENV_BIN + os.pathsep + os.environ["PATH"]}
    if token:
        env["AWS_SESSION_TOKEN"] = token
    return env


def helper_git(server, *args, check=True, **creds):
    return server.git("-c", f"credential.helper={HELPER}", "-c", "credential.UseHttpPath=true",
                      *args, check=check, **helper_env(server, **creds))


def roundtrip_with_helper(server, tmp_path, protocol, tag, **creds):
    url = f"{server.https}/v1/repos/demo"
    work = tmp_path / f"clone-{tag}"
    helper_git(server, "-c", f"protocol.version={protocol}", "clone", url, str(work), **creds)
    assert (work / "README.md").exists()
    (work / f"{tag}.txt").write_text(tag)
    server.git("-C", str(work), "add", ".")
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", tag)
    helper_git(server, "-C", str(work), "push", "origin", "HEAD:refs/heads/" + tag, **creds)
    helper_git(server, "-C", str(work), "-c", f"protocol.version={protocol}", "fetch", "origin", **creds)
    heads = helper_git(server, "ls-remote", "--heads", url, **creds).stdout
    assert f"refs/heads/{tag}" in heads


@pytest.mark.parametrize("protocol", ["0", "2"])
def test_credential_helper_clone_push_fetch(server, tmp_path, protocol, name):
    roundtrip_with_helper(server, tmp_path, protocol, name)
    # The key's last use is recorded against codecommit.
    used = server.client("iam").get_access_key_last_used(AccessKeyId=ADMIN_KEY)["AccessKeyLastUsed"]
    assert used["ServiceName"] in ("codecommit", "iam", "sts")


def test_credential_helper_with_real_codecommit_hostname(server, tmp_path, name):
    """The documented helper line, without --ignore-host-check, on CodeCommit's host name
    resolved to this server for git alone."""
    port = server.https.rsplit(":", 1)[1]
    host = "git-codecommit.us-east-1.amazonaws.com"
    url = f"https://{host}:{port}/v1/repos/demo"
    work = tmp_path / "real-host"
    server.git("-c", "credential.helper=!aws codecommit credential-helper $@",
               "-c", "credential.UseHttpPath=true",
               "-c", f"http.curloptResolve={host}:{port}:127.0.0.1",
               "clone", url, str(work), **helper_env(server))
    assert (work / "README.md").exists()


def test_credential_helper_with_get_session_token(server, tmp_path, name):
    creds = server.client("sts").get_session_token(DurationSeconds=900)["Credentials"]
    roundtrip_with_helper(server, tmp_path, "2", name, key=creds["AccessKeyId"],
                          secret=creds["SecretAccessKey"], token=creds["SessionToken"])


def test_credential_helper_with_assume_role(server, tmp_path, name):
    role = server.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    server.client("iam").attach_role_policy(RoleName=name, PolicyArn=POWER_USER)
    creds = server.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="ci")["Credentials"]
    roundtrip_with_helper(server, tmp_path, "0", name, key=creds["AccessKeyId"],
                          secret=creds["SecretAccessKey"], token=creds["SessionToken"])


def grc_git(server, *args, check=True, **creds):
    endpoint = server.https.split("://", 1)[1]
    env = helper_env(server, **creds)
    env["CODE_COMMIT_ENDPOINT"] = endpoint
    return server.git(*args, check=check, **env)


@pytest.mark.parametrize("temporary", [False, True])
def test_git_remote_codecommit_clone_and_push(server, tmp_path, temporary, name):
    creds = {}
    if temporary:
        c = server.client("sts").get_session_token()["Credentials"]
        creds = {"key": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"]}
    work = tmp_path / "grc"
    grc_git(server, "clone", "codecommit::us-east-1://demo", str(work), **creds)
    assert (work / "README.md").exists()
    (work / "grc.txt").write_text(name)
    server.git("-C", str(work), "add", ".")
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "grc")
    grc_git(server, "-C", str(work), "push", "origin", f"HEAD:refs/heads/{name}", **creds)
    grc_git(server, "-C", str(work), "fetch", "origin", **creds)
    out = grc_git(server, "ls-remote", "codecommit::us-east-1://demo", **creds).stdout
    assert f"refs/heads/{name}" in out


# --- refusals, checked on the raw HTTP status -------------------------------------------

def signed_password(secret, region, path, host, when):
    ts = when.strftime("%Y%m%dT%H%M%S")
    canonical = f"GIT\n{path}\n\nhost:{host}\n\nhost\n"
    scope = f"{ts[:8]}/{region}/codecommit/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", ts, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (ts[:8], region, "codecommit", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return ts + "Z" + hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()


def info_refs_status(server, user, password):
    pool = urllib3.PoolManager(ca_certs=server.ca)
    headers = urllib3.make_headers(basic_auth=f"{user}:{password}")
    resp = pool.request("GET", f"{server.https}/v1/repos/demo/info/refs?service=git-upload-pack",
                        headers=headers, retries=False)
    return resp.status


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def host(server):
    return server.https.split("://", 1)[1]


def test_a_correct_signature_passes_with_and_without_port(server):
    for signed_host in (host(server), host(server).rsplit(":", 1)[0]):
        pw = signed_password(ADMIN_SECRET, "us-east-1", "/v1/repos/demo", signed_host, now())
        assert info_refs_status(server, ADMIN_KEY, pw) == 200


def test_refusals(server, name):
    path = "/v1/repos/demo"
    ok = lambda **kw: signed_password(kw.get("secret", ADMIN_SECRET), kw.get("region", "us-east-1"),
                                      path, host(server), kw.get("when", now()))
    assert info_refs_status(server, ADMIN_KEY, ok()) == 200
    assert info_refs_status(server, ADMIN_KEY, ok(secret=ADMIN_SECRET + "x")) == 403
    assert info_refs_status(server, ADMIN_KEY, ok(when=now() - datetime.timedelta(minutes=16))) == 403
    assert info_refs_status(server, ADMIN_KEY, ok(when=now() + datetime.timedelta(minutes=16))) == 403
    assert info_refs_status(server, ADMIN_KEY, ok(region="us-west-2")) == 403
    assert info_refs_status(server, "AKIAAAAAAAAAAAAAAAAA", ok()) == 403
    assert info_refs_status(server, ADMIN_KEY, "not-a-signature") == 403

    # Inactive, re-activated, deleted keys.
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=POWER_USER)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    kid, secret = key["AccessKeyId"], key["SecretAccessKey"]
    assert info_refs_status(server, kid, ok(secret=secret)) == 200
    iam.update_access_key(UserName=name, AccessKeyId=kid, Status="Inactive")
    assert info_refs_status(server, kid, ok(secret=secret)) == 403
    iam.update_access_key(UserName=name, AccessKeyId=kid, Status="Active")
    assert info_refs_status(server, kid, ok(secret=secret)) == 200

    # Sessions: the token is required and checked; expired or orphaned sessions are refused.
    c = server.client("sts", kid, secret).get_session_token(DurationSeconds=900)["Credentials"]
    tid, tsecret, token = c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]
    assert info_refs_status(server, f"{tid}%{token}", ok(secret=tsecret)) == 200
    assert info_refs_status(server, tid, ok(secret=tsecret)) == 403
    assert info_refs_status(server, f"{tid}%{token[:-4]}AAAA", ok(secret=tsecret)) == 403
    past = (now() - datetime.timedelta(seconds=1)).isoformat()
    with sqlite3.connect(server.store) as db:
        db.execute("UPDATE sts_sessions SET expires_at = ? WHERE access_key_id = ?", (past, tid))
    assert info_refs_status(server, f"{tid}%{token}", ok(secret=tsecret)) == 403
    c = server.client("sts", kid, secret).get_session_token()["Credentials"]
    live = (f"{c['AccessKeyId']}%{c['SessionToken']}", c["SecretAccessKey"])
    assert info_refs_status(server, live[0], ok(secret=live[1])) == 200
    iam.delete_access_key(UserName=name, AccessKeyId=kid)
    assert info_refs_status(server, kid, ok(secret=secret)) == 403
    assert info_refs_status(server, live[0], ok(secret=live[1])) == 403

    log = server.log()
    assert "SigV4 Git password refused" in log
    assert secret not in log and token not in log


def test_real_helper_with_a_wrong_secret_is_refused(server, tmp_path):
    out = helper_git(server, "ls-remote", f"{server.https}/v1/repos/demo", check=False,
                     secret=ADMIN_SECRET[:-1] + "Q")
    assert out.returncode != 0 and "403" in out.stderr, out.stderr
