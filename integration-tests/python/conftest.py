"""Starts the real codecommit-local binary and hands tests real AWS clients for it.

The binary is CODECOMMIT_LOCAL_BIN, else the workspace's target/debug build (scripts/test
builds it first). Each test module gets its own server on free ports with an ephemeral
data dir and the embedded default fixture (admin with the AWS docs' example access key).

The shared fixtures, written here only:
- `server`: the module's server. A module whose server needs other flags or a fixture file
  overrides `server_options`, never `server`.
- `start_server`: a factory for servers of one test's own, stopped when the test ends.
- `cc`: the admin's CodeCommit client for the module's server.
- `login`: a Git credential (user name, password) of the admin on the module's server.
"""

import datetime
import hashlib
import hmac
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import boto3
import pytest
import urllib3
from botocore.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[2]
ADMIN_KEY = "AKIAIOSFODNN7EXAMPLE"
ADMIN_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ACCOUNT = "123456789012"
REGION = "us-east-1"
# The embedded default fixture's admin, for test fixtures that replace the default.
ADMIN_FIXTURE = f"""
[[users]]
name = "admin"
policies = ["AdministratorAccess"]
  [[users.access_keys]]
  id = "{ADMIN_KEY}"
  secret = "{ADMIN_SECRET}"
"""

# Never let the machine's own AWS or git configuration leak into a test.
os.environ["AWS_CONFIG_FILE"] = "/dev/null"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION"):
    os.environ.pop(var, None)


def binary():
    if os.environ.get("CODECOMMIT_LOCAL_BIN"):
        return os.environ["CODECOMMIT_LOCAL_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    path = pathlib.Path(target) / "debug" / "codecommit-local"
    assert path.exists(), f"{path} is missing: run `cargo build -p codecommit-local` (scripts/test does)"
    return str(path)


class Server:
    def __init__(self, extra_args=(), ephemeral=True, log="debug", env=None):
        self.scratch = pathlib.Path(tempfile.mkdtemp(prefix="cc-pytest-"))
        ready = self.scratch / "ready.json"
        self.stderr_path = self.scratch / "server.err"
        env = dict(os.environ, CODECOMMIT_LOCAL_LOG=log, **(env or {}))
        self.proc = subprocess.Popen(
            [binary(), "serve", *(["--ephemeral"] if ephemeral else []),
             "--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
             "--ssh-addr", "127.0.0.1:0", "--ready-file", str(ready), *extra_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.stderr_path, "wb"), env=env)
        deadline = time.time() + 60
        while not ready.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.stderr_path.read_text()}")
            if time.time() > deadline:
                raise RuntimeError("server not ready in 60 s")
            time.sleep(0.02)
        self.endpoints = json.loads(ready.read_text())
        self.https = self.endpoints["https_url"]
        self.http = self.endpoints["http_url"]
        self.ca = self.endpoints["ca_file"]
        self.store = self.endpoints["store_file"]
        self.home = self.scratch / "home"
        self.home.mkdir()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def log(self):
        return self.stderr_path.read_text()

    def client(self, service, key=ADMIN_KEY, secret=ADMIN_SECRET, token=None, region=REGION):
        return boto3.client(
            service, endpoint_url=self.https, region_name=region,
            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
            verify=self.ca, config=Config(retries={"max_attempts": 1}))

    def env(self, **extra):
        """Environment for client processes (git, aws, ssh) started by a test."""
        env = dict(os.environ)
        env.update(
            HOME=str(self.home), GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0",
            GIT_SSL_CAINFO=self.ca, AWS_CA_BUNDLE=self.ca, REQUESTS_CA_BUNDLE=self.ca,
            CURL_CA_BUNDLE=self.ca, SSL_CERT_FILE=self.ca, AWS_ENDPOINT_URL=self.https,
            AWS_DEFAULT_REGION=REGION, AWS_ACCESS_KEY_ID=ADMIN_KEY,
            AWS_SECRET_ACCESS_KEY=ADMIN_SECRET)
        env.update(extra)
        return env

    def git(self, *args, check=True, **env):
        return subprocess.run(["git", *args], env=self.env(**env), capture_output=True,
                              text=True, check=check, timeout=120)

    def git_url(self, user, password, repo="demo", https=True):
        base = self.https if https else self.http
        scheme, rest = base.split("://", 1)
        quote = urllib.parse.quote
        return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{rest}/v1/repos/{repo}"

    def raw(self, service, params, key=ADMIN_KEY, secret=ADMIN_SECRET, token=None,
            amz_date=None, region=REGION, sign=True, scope_service=None):
        """A Query API request signed by this test's own SigV4 code (not botocore's)."""
        body = urllib.parse.urlencode(params)
        host = self.https.split("://", 1)[1]
        now = amz_date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8",
                   "host": host, "x-amz-date": now}
        if token:
            headers["x-amz-security-token"] = token
        if sign:
            headers["authorization"] = sigv4_authorization(
                "POST", "/", "", headers, body.encode(), key, secret, now, region,
                scope_service or service)
        pool = urllib3.PoolManager(ca_certs=self.ca)
        resp = pool.request("POST", self.https + "/", body=body, headers=headers, retries=False)
        return resp.status, parse_query_response(resp.data)


def sigv4_authorization(method, path, query, headers, body, key, secret, amz_date, region, service):
    signed = sorted(headers)
    canonical = "\n".join([
        method, path, query,
        "".join(f"{h}:{' '.join(str(headers[h]).split())}\n" for h in signed),
        ";".join(signed), hashlib.sha256(body).hexdigest()])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
            f"SignedHeaders={';'.join(signed)}, Signature={sig}")


def parse_query_response(data):
    """{'code', 'message', 'type'} for an ErrorResponse, else {'xml': root}."""
    root = ET.fromstring(data)
    ns = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
    if root.tag == f"{ns}ErrorResponse":
        err = root.find(f"{ns}Error")
        return {"code": err.findtext(f"{ns}Code"), "message": err.findtext(f"{ns}Message"),
                "type": err.findtext(f"{ns}Type")}
    return {"xml": root}


def write_fixture(directory, toml, files=None):
    """`directory`/fixture.toml holding `toml`, with `files` (path relative to it -> text)
    beside it for the fixture to name; the fixture file's path."""
    directory = pathlib.Path(directory)
    for rel, text in (files or {}).items():
        (directory / rel).parent.mkdir(parents=True, exist_ok=True)
        (directory / rel).write_text(text)
    path = directory / "fixture.toml"
    path.write_text(toml)
    return path


def start(directory, fixture=None, fixture_files=None, extra_args=(), **kwargs):
    """A Server; with `fixture` (a fixture file's text), that file and its `fixture_files`
    are written into `directory` and passed as `--fixtures` ahead of `extra_args`. Other
    keyword arguments are Server's (ephemeral, log, env)."""
    args = list(extra_args)
    if fixture is not None:
        args = ["--fixtures", str(write_fixture(directory, fixture, fixture_files))] + args
    return Server(args, **kwargs)


@pytest.fixture(scope="module")
def server_options():
    """How the module's `server` starts: keyword arguments of `start` (fixture,
    fixture_files, extra_args, and Server's log, env, ephemeral). By default none: the
    embedded default fixture and no extra flags. A test module overrides this fixture to
    change them."""
    return {}


@pytest.fixture(scope="module")
def server(server_options, tmp_path_factory):
    """The module's server, started as `server_options` says."""
    options = dict(server_options)
    directory = tmp_path_factory.mktemp("fixture") if "fixture" in options else None
    s = start(directory, **options)
    yield s
    s.stop()


@pytest.fixture
def start_server(tmp_path_factory):
    """A factory: start_server(**options) starts a server of this test's own with the same
    options as `server_options` takes; each is stopped when the test ends."""
    started = []

    def factory(**options):
        directory = tmp_path_factory.mktemp("fixture") if "fixture" in options else None
        started.append(start(directory, **options))
        return started[-1]

    yield factory
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def cc(server):
    """The admin's CodeCommit client for the module's server."""
    return server.client("codecommit")


@pytest.fixture(scope="module")
def login(server):
    """A Git credential of the admin on the module's server: (user name, password)."""
    return admin_git_login(server)


@pytest.fixture
def name():
    """A unique name for whatever a test creates."""
    return "t" + uuid.uuid4().hex[:10]


def error_of(excinfo):
    """(code, HTTP status, message) of a botocore ClientError."""
    r = excinfo.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


def admin_git_login(server):
    """A new Git credential for the admin user: (user name, password)."""
    cred = server.client("iam").create_service_specific_credential(
        UserName="admin", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    return cred["ServiceUserName"], cred["ServicePassword"]


def user_client(server, user, service, policy=None):
    """A new IAM user (with the managed `policy` attached, if any) and an access key of its
    own: a boto3 `service` client of the server signed as that user."""
    iam = server.client("iam")
    iam.create_user(UserName=user)
    if policy:
        iam.attach_user_policy(UserName=user, PolicyArn=policy)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return server.client(service, key=key["AccessKeyId"], secret=key["SecretAccessKey"])


def keygen(directory, tag="k", kind="rsa", bits=2048):
    """A new OpenSSH key pair `<directory>/<tag>` (and `.pub`), with ssh-keygen."""
    path = pathlib.Path(directory) / tag
    args = ["ssh-keygen", "-q", "-N", "", "-t", kind, "-f", str(path), "-C", f"{tag}@test"]
    if kind == "rsa":
        args += ["-b", str(bits)]
    subprocess.run(args, check=True)
    return path
