"""Credentials without an IAM user, with the SDKs' own credential providers doing the work
and no access key in the client's environment: an instance role from the IMDSv2 listener,
container credentials, and web identity (AssumeRoleWithWebIdentity) with tokens from the
server's own OIDC issuer and from an external issuer a fixture trusts."""

import base64
import json
import os
import subprocess
import sys
import time

import boto3
import pytest
import rsa
import urllib3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCOUNT, ADMIN_FIXTURE, REGION, ROOT, Server, binary, error_of

VENV_BIN = os.path.dirname(sys.executable)
HELPER = "!aws codecommit credential-helper $@ --ignore-host-check"
CONTAINER_TOKEN = "fixture-container-token"
GHA = "token.actions.githubusercontent.com"
EC2_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ANY_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n):
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


class ExternalIssuer:
    """An RS256 issuer standing in for GitHub Actions: its key pair and JWKS."""

    def __init__(self):
        self.public, self.private = rsa.newkeys(2048)
        self.kid = "gha-test-key"

    def jwks(self):
        return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
                          "n": b64url(int_bytes(self.public.n)),
                          "e": b64url(int_bytes(self.public.e))}]}

    def token(self, **claims):
        now = int(time.time())
        body = {"iss": f"https://{GHA}", "aud": "sts.amazonaws.com", "iat": now, "nbf": now,
                "exp": now + 600, **claims}
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(body).encode())}"
        sig = rsa.sign(signing_input.encode(), self.private, "SHA-256")
        return f"{signing_input}.{b64url(sig)}"


@pytest.fixture(scope="module")
def issuer():
    return ExternalIssuer()


@pytest.fixture(scope="module")
def server_options(issuer):
    fixture = ADMIN_FIXTURE + f"""
[[roles]]
name = "ci"
trust_policy = '''{EC2_TRUST}'''
policies = ["AWSCodeCommitPowerUser"]

[[roles]]
name = "reader"
trust_policy = '''{ANY_TRUST}'''
policies = ["AWSCodeCommitReadOnly"]

[imds]
instance_profile = "ci"
credential_lifetime_seconds = 60

[[container_credentials]]
name = "build"
role = "ci"
token = "{CONTAINER_TOKEN}"

[[container_credentials]]
name = "audit"
role = "reader"
token = "another-container-token"

[[oidc_issuers]]
url = "https://{GHA}"
client_ids = ["sts.amazonaws.com"]
jwks_file = "gha-jwks.json"

[[repositories]]
name = "demo"
content = "{ROOT / 'fixtures' / 'repos' / 'demo'}"
"""
    return {"fixture": fixture, "fixture_files": {"gha-jwks.json": json.dumps(issuer.jwks())},
            "extra_args": ["--imds-addr", "127.0.0.1:0"]}


def keyless_env(server, **extra):
    """The client environment with no access key, no session token, no shared files."""
    env = server.env(PATH=VENV_BIN + os.pathsep + os.environ["PATH"],
                     CODE_COMMIT_ENDPOINT=server.https.split("://", 1)[1])
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(var, None)
    env.update(extra)
    return env


def run(cmd, env, check=True):
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=check, timeout=120)


def caller(env):
    out = run(["aws", "sts", "get-caller-identity", "--output", "json"], env).stdout
    return json.loads(out)["Arn"]


def clone_push_both_helpers(server, tmp_path, env, tag):
    """`aws codecommit credential-helper` and git-remote-codecommit clone and push."""
    git = ["git", "-c", f"credential.helper={HELPER}", "-c", "credential.UseHttpPath=true"]
    work = tmp_path / f"helper-{tag}"
    run([*git, "clone", f"{server.https}/v1/repos/demo", str(work)], env)
    assert (work / "README.md").exists()
    (work / f"{tag}.txt").write_text(tag)
    run(["git", "-C", str(work), "add", "."], env)
    run(["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm",
         tag], env)
    run([*git, "-C", str(work), "push", "origin", f"HEAD:refs/heads/{tag}"], env)

    grc = tmp_path / f"grc-{tag}"
    run(["git", "clone", "codecommit::us-east-1://demo", str(grc)], env)
    run(["git", "-C", str(grc), "fetch", "origin", tag], env)
    run(["git", "-C", str(grc), "checkout", "-q", "FETCH_HEAD"], env)
    assert (grc / f"{tag}.txt").read_text() == tag
    run(["git", "-C", str(grc), "push", "origin", f"HEAD:refs/heads/{tag}-grc"], env)
    heads = run(["git", "ls-remote", "--heads", "codecommit::us-east-1://demo"], env).stdout
    assert f"refs/heads/{tag}-grc" in heads


def imds_env(server):
    return keyless_env(server, AWS_EC2_METADATA_SERVICE_ENDPOINT=server.endpoints["imds_url"] + "/")


def test_instance_role_signs_git_and_api_with_no_key_in_the_environment(server, tmp_path):
    env = imds_env(server)
    arn = caller(env)
    assert arn.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/i-"), arn
    clone_push_both_helpers(server, tmp_path, env, "imds")
    # The role's policies authorise the session: PowerUser may not create IAM users.
    out = run(["aws", "iam", "create-user", "--user-name", "nope"], env, check=False)
    assert out.returncode != 0 and "AccessDenied" in out.stderr, out.stderr


def imds(server, method, path, headers=None):
    pool = urllib3.PoolManager()
    r = pool.request(method, server.endpoints["imds_url"] + path, headers=headers or {},
                     retries=False)
    return r.status, r.data.decode()


def imds_token(server, ttl="60"):
    status, token = imds(server, "PUT", "/latest/api/token",
                         {"X-aws-ec2-metadata-token-ttl-seconds": ttl})
    assert status == 200
    return token


def test_imdsv2_only_tokens_and_the_shapes_ec2_serves(server):
    creds_path = "/latest/meta-data/iam/security-credentials/"
    # IMDSv1 (no token) is refused unless --imds-v1.
    assert imds(server, "GET", creds_path)[0] == 401
    # The token's TTL header is required and bounded; proxied token requests are refused.
    assert imds(server, "PUT", "/latest/api/token")[0] == 400
    assert imds(server, "PUT", "/latest/api/token",
                {"X-aws-ec2-metadata-token-ttl-seconds": "21601"})[0] == 400
    assert imds(server, "PUT", "/latest/api/token",
                {"X-aws-ec2-metadata-token-ttl-seconds": "60",
                 "X-Forwarded-For": "10.0.0.1"})[0] == 403
    token = imds_token(server)
    # A browser's request (a DNS-rebinding page) is refused: Origin, or Sec-Fetch-*.
    assert imds(server, "PUT", "/latest/api/token",
                {"X-aws-ec2-metadata-token-ttl-seconds": "60",
                 "Origin": "http://rebind.example:1338"})[0] == 403
    assert imds(server, "GET", creds_path,
                {"X-aws-ec2-metadata-token": token, "Sec-Fetch-Site": "same-origin",
                 "Sec-Fetch-Mode": "cors"})[0] == 403
    assert imds(server, "GET", creds_path, {"X-aws-ec2-metadata-token": token + "x"})[0] == 401
    auth = {"X-aws-ec2-metadata-token": token}
    assert imds(server, "GET", creds_path, auth) == (200, "ci")
    status, body = imds(server, "GET", creds_path + "ci", auth)
    creds = json.loads(body)
    assert status == 200 and creds["Code"] == "Success" and creds["Type"] == "AWS-HMAC"
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["SecretAccessKey"]) == 40
    assert set(creds) == {"Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey",
                          "Token", "Expiration"}
    assert imds(server, "GET", creds_path + "other", auth)[0] == 404
    info = json.loads(imds(server, "GET", "/latest/meta-data/iam/info", auth)[1])
    assert info["InstanceProfileArn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/ci"
    assert imds(server, "GET", "/latest/meta-data/placement/region", auth) == (200, REGION)
    # The instance profile is a real IAM one.
    profile = server.client("iam").get_instance_profile(InstanceProfileName="ci")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["ci"]
    assert profile["InstanceProfileId"] == info["InstanceProfileId"]


def test_imdsv1_is_answered_only_with_the_flag(tmp_path):
    s = Server(["--imds-addr", "127.0.0.1:0", "--imds-v1"])
    try:
        # The embedded default fixture names no instance profile: nothing to serve, but the
        # read is let in without a token.
        assert imds(s, "GET", "/latest/meta-data/iam/security-credentials/")[0] == 404
        assert "imds_url" in s.endpoints
    finally:
        s.stop()


def test_instance_credentials_rotate_before_expiry_and_old_ones_keep_working(server):
    auth = {"X-aws-ec2-metadata-token": imds_token(server)}
    path = "/latest/meta-data/iam/security-credentials/ci"
    first = json.loads(imds(server, "GET", path, auth)[1])
    # Fixture lifetime 60 s: new credentials after a sixth of it.
    assert json.loads(imds(server, "GET", path, auth)[1])["AccessKeyId"] == first["AccessKeyId"]
    time.sleep(11)
    second = json.loads(imds(server, "GET", path, auth)[1])
    assert second["AccessKeyId"] != first["AccessKeyId"]
    assert second["Expiration"] > first["Expiration"]
    for c in (first, second):
        sts = server.client("sts", key=c["AccessKeyId"], secret=c["SecretAccessKey"],
                            token=c["Token"])
        assert "assumed-role/ci/" in sts.get_caller_identity()["Arn"]


def container_env(server, name="build", token=CONTAINER_TOKEN):
    extra = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{server.http}/container-credentials/{name}"}
    if token is not None:
        extra["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
    return keyless_env(server, **extra)


def test_container_credentials_sign_git_and_api(server, tmp_path):
    env = container_env(server)
    assert caller(env).startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/")
    clone_push_both_helpers(server, tmp_path, env, "container")


def test_container_credentials_need_their_token_and_carry_their_role(server, tmp_path):
    pool = urllib3.PoolManager()
    url = f"{server.http}/container-credentials/build"
    assert pool.request("GET", url, retries=False).status == 401
    assert pool.request("GET", url, headers={"Authorization": "wrong-token"},
                        retries=False).status == 401
    r = pool.request("GET", url, headers={"Authorization": CONTAINER_TOKEN}, retries=False)
    body = json.loads(r.data)
    assert r.status == 200 and body["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/ci"
    assert pool.request("GET", f"{server.http}/container-credentials/none",
                        headers={"Authorization": CONTAINER_TOKEN}, retries=False).status == 404
    # The CLI finds no credentials without the token.
    out = run(["aws", "sts", "get-caller-identity"], container_env(server, token=None),
              check=False)
    assert out.returncode != 0
    # A read-only task role may clone but not push.
    env = container_env(server, name="audit", token="another-container-token")
    work = tmp_path / "audit"
    run(["git", "clone", "codecommit::us-east-1://demo", str(work)], env)
    run(["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit",
         "--allow-empty", "-qm", "x"], env)
    out = run(["git", "-C", str(work), "push", "origin", "HEAD:refs/heads/audit"], env,
              check=False)
    assert out.returncode != 0 and "codecommit:GitPush" in out.stderr, out.stderr


# Web identity.

def own_issuer(server):
    return server.endpoints["oidc_issuer"]


def oidc_token(server, sub, aud="sts.amazonaws.com", claims=(), expires_in=None):
    cmd = [binary(), "oidc-token", "--data-dir", server.endpoints["data_dir"], "--sub", sub,
           "--aud", aud]
    for c in claims:
        cmd += ["--claim", c]
    if expires_in is not None:
        cmd += ["--expires-in", str(expires_in)]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def federated_role(server):
    """The own issuer registered as an IAM OIDC provider, and a role it may assume for
    `repo:octo/app:*` only."""
    iam = server.client("iam")
    host = own_issuer(server).split("://", 1)[1]
    arn = iam.create_open_id_connect_provider(
        Url=own_issuer(server), ClientIDList=["sts.amazonaws.com"])["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com"},
                      "StringLike": {f"{host}:sub": "repo:octo/app:*"}}}]}
    role = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.attach_role_policy(RoleName="deployer",
                           PolicyArn="arn:aws:iam::aws:policy/AWSCodeCommitPowerUser")
    return role["Arn"]


def web_identity_env(server, tmp_path, role_arn, token):
    token_file = tmp_path / "web-identity-token"
    token_file.write_text(token)
    return keyless_env(server, AWS_ROLE_ARN=role_arn, AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file),
                       AWS_ROLE_SESSION_NAME="gha-run-1")


def test_web_identity_token_from_the_own_issuer_signs_git_and_api(server, tmp_path,
                                                                  federated_role):
    token = oidc_token(server, "repo:octo/app:ref:refs/heads/main")
    env = web_identity_env(server, tmp_path, federated_role, token)
    assert caller(env) == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/gha-run-1"
    clone_push_both_helpers(server, tmp_path, env, "oidc")
    # boto3 calls AssumeRoleWithWebIdentity itself from the same environment.
    provider_env = ("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
                    "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")
    os.environ.update({k: env[k] for k in provider_env})
    try:
        session = boto3.Session(region_name=REGION)
        assert session.get_credentials().method == "assume-role-with-web-identity"
        sts = session.client("sts")
        assert sts.get_caller_identity()["Arn"].endswith("assumed-role/deployer/gha-run-1")
    finally:
        for k in provider_env:
            os.environ.pop(k, None)


def test_own_issuer_publishes_discovery_and_keys(server):
    pool = urllib3.PoolManager(ca_certs=server.ca)
    issuer = own_issuer(server)
    r = pool.request("GET", issuer + "/.well-known/openid-configuration", retries=False)
    discovery = json.loads(r.data)
    assert r.status == 200 and discovery["issuer"] == issuer
    assert discovery["id_token_signing_alg_values_supported"] == ["ES256"]
    keys = json.loads(pool.request("GET", discovery["jwks_uri"], retries=False).data)["keys"]
    assert [(k["kty"], k["crv"], k["alg"]) for k in keys] == [("EC", "P-256", "ES256")]
    # Tokens name the key they were signed with.
    header = json.loads(base64.urlsafe_b64decode(
        oidc_token(server, "s").split(".")[0] + "=="))
    assert header == {"alg": "ES256", "typ": "JWT", "kid": keys[0]["kid"]}


def unsigned_sts(server):
    return boto3.client("sts", endpoint_url=server.https, region_name=REGION, verify=server.ca,
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def assume(server, role_arn, token):
    return unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=token)


def test_web_identity_answers_as_sts_does(server, federated_role):
    out = assume(server, federated_role, oidc_token(server, "repo:octo/app:pull_request"))
    host = own_issuer(server).split("://", 1)[1]
    assert out["SubjectFromWebIdentityToken"] == "repo:octo/app:pull_request"
    assert out["Audience"] == "sts.amazonaws.com"
    assert out["Provider"] == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/s1"
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")


@pytest.mark.parametrize("case", ["sub", "expired", "not-yet", "audience", "other-key",
                                  "garbage", "no-provider"])
def test_web_identity_refusals(server, federated_role, issuer, case):
    good_sub = "repo:octo/app:ref:refs/heads/main"
    if case == "sub":
        token, want = oidc_token(server, "repo:evil/app:ref:refs/heads/main"), (
            "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    elif case == "expired":
        past = int(time.time()) - 60
        token, want = oidc_token(server, good_sub, claims=[f"exp={past}"]), (
            "ExpiredTokenException", 400, "Token expired: current date/time ")
    elif case == "not-yet":
        future = int(time.time()) + 600
        token, want = oidc_token(server, good_sub, claims=[f"nbf={future}"]), (
            "IDPRejectedClaim", 403, "not valid yet")
    elif case == "audience":
        token, want = oidc_token(server, good_sub, aud="someone-else"), (
            "InvalidIdentityToken", 400, "Incorrect token audience")
    elif case == "other-key":
        # Signed by a key that is not the own issuer's, claiming to be it.
        token = issuer.token(iss=own_issuer(server), sub=good_sub)
        want = ("InvalidIdentityToken", 400, "could not be validated")
    elif case == "garbage":
        token, want = "not.a.jwt", ("InvalidIdentityToken", 400, "not a valid JWT")
    else:
        token = issuer.token(iss="https://issuer.example.com", sub=good_sub)
        want = ("InvalidIdentityToken", 400,
                "No OpenIDConnect provider found in your account for https://issuer.example.com")
    with pytest.raises(ClientError) as e:
        assume(server, federated_role, token)
    code, status, message = error_of(e)
    assert (code, status) == want[:2] and want[2] in message, message


def test_external_issuer_from_a_fixture_with_rs256(server, issuer, tmp_path):
    """A GitHub Actions-shaped token (RS256, the fixture's JWKS) for a role whose trust
    policy pins the repository and branch."""
    iam = server.client("iam")
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GHA}"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider)
    assert got["Url"] == GHA and got["ClientIDList"] == ["sts.amazonaws.com"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{GHA}:aud": "sts.amazonaws.com",
                                       f"{GHA}:sub": "repo:octo/app:ref:refs/heads/main"}}}]}
    role = iam.create_role(RoleName="gha-main", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.attach_role_policy(RoleName="gha-main",
                           PolicyArn="arn:aws:iam::aws:policy/AWSCodeCommitReadOnly")
    token = issuer.token(sub="repo:octo/app:ref:refs/heads/main")
    env = web_identity_env(server, tmp_path, role["Arn"], token)
    assert caller(env) == f"arn:aws:sts::{ACCOUNT}:assumed-role/gha-main/gha-run-1"
    work = tmp_path / "gha"
    run(["git", "clone", "codecommit::us-east-1://demo", str(work)], env)
    assert (work / "README.md").exists()
    with pytest.raises(ClientError) as e:
        assume(server, role["Arn"], issuer.token(sub="repo:octo/app:ref:refs/heads/dev"))
    assert error_of(e)[0] == "AccessDenied"


def test_oidc_providers_and_instance_profiles_in_the_iam_api(server, name):
    iam = server.client("iam")
    url = f"https://{name}.example.com/id/abc"
    arn = iam.create_open_id_connect_provider(
        Url=url, ClientIDList=["a"], ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
        Tags=[{"Key": "team", "Value": "ci"}])["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{name}.example.com/id/abc"
    with pytest.raises(ClientError) as e:
        iam.create_open_id_connect_provider(Url=url, ClientIDList=["a"])
    assert error_of(e)[:2] == ("EntityAlreadyExists", 409)
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="b")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="a")
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=["a" * 40])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == ["b"] and got["ThumbprintList"] == ["a" * 40]
    assert got["Tags"] == [{"Key": "team", "Value": "ci"}]
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["team"])
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == []
    assert arn in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with pytest.raises(ClientError) as e:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error_of(e)[:2] == ("NoSuchEntity", 404)

    iam.create_role(RoleName=name, AssumeRolePolicyDocument=EC2_TRUST)
    profile = iam.create_instance_profile(InstanceProfileName=name, Path="/ci/")["InstanceProfile"]
    assert profile["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/ci/{name}"
    assert profile["InstanceProfileId"].startswith("AIPA") and profile["Roles"] == []
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    with pytest.raises(ClientError) as e:
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    assert error_of(e)[:2] == ("LimitExceeded", 409)
    listed = iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in listed] == [name]
    assert name in [p["InstanceProfileName"]
                    for p in iam.list_instance_profiles(PathPrefix="/ci/")["InstanceProfiles"]]
    for delete in (lambda: iam.delete_role(RoleName=name),
                   lambda: iam.delete_instance_profile(InstanceProfileName=name)):
        with pytest.raises(ClientError) as e:
            delete()
        assert error_of(e)[:2] == ("DeleteConflict", 409)
    iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=name)
    iam.delete_instance_profile(InstanceProfileName=name)
    with pytest.raises(ClientError) as e:
        iam.get_instance_profile(InstanceProfileName=name)
    assert error_of(e) == ("NoSuchEntity", 404, f"Instance Profile {name} cannot be found.")
    iam.delete_role(RoleName=name)
