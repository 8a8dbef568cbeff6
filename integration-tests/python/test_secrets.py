"""No secret leaves the server's memory except where AWS hands it out once: every flow that
uses a password, a secret key or a session token runs against a server logging at trace
level (its own lines and rustls's and russh's; hyper's HTTP/1 logs nothing, and h2 logs only
for a client that starts HTTP/2 itself, since HTTPS offers only HTTP/1.1), and neither the
log nor any error a client got contains one of them, in the clear, base64'd (Basic) or
URL-encoded."""

import base64
import os
import sys
import urllib.parse

import pytest
from botocore.exceptions import ClientError

from conftest import ADMIN_KEY, ADMIN_SECRET

POWER_USER = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
         '"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}')
DEMO_PASSWORD = "demo-Passw0rd-for-codecommit-local"
EVENTS_SECRET = "events-secret-Zq8vN2kL5mR7tY1wX3cB"
VENV_BIN = os.path.dirname(sys.executable)
HELPER = "!aws codecommit credential-helper $@ --ignore-host-check"


def forms(secret):
    """The ways a secret could show up in text."""
    return {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}


def altered(secret):
    """`secret` with its last character changed."""
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


def basic_forms(user, password):
    return {base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def server(start_server):
    # Per test, not the shared module-scoped `server`: each test reads a trace log of its own.
    return start_server(extra_args=["--events-endpoint", "http://127.0.0.1:9"], log="trace",
                        env={"CODECOMMIT_LOCAL_EVENTS_SECRET_ACCESS_KEY": EVENTS_SECRET})


def test_no_secret_reaches_a_log_line_or_an_error(server, tmp_path):
    secrets, seen = set(), []  # seen: every text a client got back from a refusal
    secrets |= forms(ADMIN_SECRET) | forms(DEMO_PASSWORD) | forms(EVENTS_SECRET)
    iam = server.client("iam")
    iam.create_user(UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn=POWER_USER)
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    secrets |= forms(key["SecretAccessKey"])
    first = iam.create_service_specific_credential(
        UserName="bob", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    second = iam.reset_service_specific_credential(
        UserName="bob", ServiceSpecificCredentialId=first["ServiceSpecificCredentialId"]
    )["ServiceSpecificCredential"]
    user = first["ServiceUserName"]
    for c in (first, second):
        secrets |= forms(c["ServicePassword"]) | basic_forms(user, c["ServicePassword"])
    secrets |= basic_forms("demo-at-123456789012", DEMO_PASSWORD)

    # Git credentials: the current password clones and pushes; the old and a wrong one fail.
    work = tmp_path / "work"
    server.git("clone", server.git_url(user, second["ServicePassword"]), str(work))
    (work / "f.txt").write_text("x")
    server.git("-C", str(work), "add", ".")
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x")
    server.git("-C", str(work), "push", "-q", "origin", "HEAD:refs/heads/secrets")
    server.git("ls-remote", server.git_url("demo-at-123456789012", DEMO_PASSWORD))
    for password in (first["ServicePassword"], second["ServicePassword"] + "x"):
        out = server.git("ls-remote", server.git_url(user, password), check=False)
        assert out.returncode != 0
        seen.append(out.stderr)

    # SigV4 with bob's key, a wrong secret, and STS sessions (good and tampered tokens).
    bob = server.client("codecommit", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    bob.list_repositories()
    wrong = server.client("codecommit", key=key["AccessKeyId"],
                          secret=altered(key["SecretAccessKey"]))
    with pytest.raises(ClientError) as e:
        wrong.list_repositories()
    seen.append(str(e.value.response))
    sts = server.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    session = sts.get_session_token()["Credentials"]
    role = iam.create_role(RoleName="secrets", AssumeRolePolicyDocument=TRUST)["Role"]
    iam.attach_role_policy(RoleName="secrets", PolicyArn=POWER_USER)
    assumed = server.client("sts").assume_role(RoleArn=role["Arn"],
                                               RoleSessionName="secrets")["Credentials"]
    for c in (session, assumed):
        secrets |= forms(c["SecretAccessKey"]) | forms(c["SessionToken"])
        server.client("codecommit", key=c["AccessKeyId"], secret=c["SecretAccessKey"],
                      token=c["SessionToken"]).list_repositories()
        tampered = server.client("codecommit", key=c["AccessKeyId"],
                                 secret=c["SecretAccessKey"], token=altered(c["SessionToken"]))
        with pytest.raises(ClientError) as e:
            tampered.list_repositories()
        seen.append(str(e.value.response))
    # The SigV4 Git helpers with the assumed role's session, and a wrong secret.
    helper = {"AWS_ACCESS_KEY_ID": assumed["AccessKeyId"],
              "AWS_SECRET_ACCESS_KEY": assumed["SecretAccessKey"],
              "AWS_SESSION_TOKEN": assumed["SessionToken"],
              "PATH": VENV_BIN + os.pathsep + os.environ["PATH"]}
    url = f"{server.https}/v1/repos/demo"
    git_helper = ["-c", f"credential.helper={HELPER}", "-c", "credential.UseHttpPath=true"]
    server.git(*git_helper, "ls-remote", url, **helper)
    bad = server.git(*git_helper, "ls-remote", url, check=False,
                     **dict(helper, AWS_SECRET_ACCESS_KEY=assumed["SecretAccessKey"] + "x"))
    assert bad.returncode != 0
    seen.append(bad.stderr)
    grc = server.git("ls-remote", "codecommit::us-east-1://demo",
                     **dict(helper, CODE_COMMIT_ENDPOINT=server.https.split("://", 1)[1]))
    assert "refs/heads/main" in grc.stdout

    # An event delivery (signed with the events secret) fails against a closed port.
    server.client("codecommit").put_repository_triggers(repositoryName="demo", triggers=[
        {"name": "t", "destinationArn": "arn:aws:sns:us-east-1:123456789012:topic",
         "branches": [], "events": ["all"]}])
    server.git("-C", str(work), "push", "-q", "origin", "HEAD:refs/heads/secrets-2")
    tested = server.client("codecommit").test_repository_triggers(repositoryName="demo", triggers=[
        {"name": "t", "destinationArn": "arn:aws:sns:us-east-1:123456789012:topic",
         "branches": [], "events": ["all"]}])
    assert tested["failedExecutions"], "the receiver is down"
    seen.append(str(tested))

    log = server.log()
    assert "TRACE" in log, "the server logged at trace level"
    assert "panicked" not in log
    # The flows were logged (by their non-secret names), so a secret beside them would show.
    assert user in log and "ListRepositories" in log
    assert "rustls::" in log, "the TLS stack's own trace lines too"
    for secret in sorted(secrets):
        assert secret not in log, f"a secret is in the server log: {secret[:4]}…"
    for text in seen:
        for secret in sorted(secrets):
            assert secret not in text, f"a secret is in an error a client got: {secret[:4]}…"
