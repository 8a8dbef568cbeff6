"""Hostile clients: bodies larger than their signature allows, slow and idle connections,
floods of connections, oversized pushes and requests, repeated wrong passwords, paths that
try to leave the data dir, garbage on every port. Each is refused in its protocol's form and
the server keeps serving everyone else."""

import base64
import gzip
import os
import pathlib
import socket
import sqlite3
import ssl
import subprocess
import time
import uuid

import pytest
import urllib3
from botocore.exceptions import ClientError

from conftest import ADMIN_KEY, Server, error_of

TIMEOUT = 2  # --header-timeout and --ssh-login-grace-time of the module's server


@pytest.fixture(scope="module")
def server_options():
    return {"extra_args": ["--header-timeout", str(TIMEOUT), "--ssh-login-grace-time", str(TIMEOUT),
                           "--max-push-size", "1"]}


def addr(url):
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    return host, int(port)


def ssh_addr(server):
    host, port = server.endpoints["ssh_addr"].rsplit(":", 1)
    return host, int(port)


def closed_within(sock, seconds):
    """Whether the peer closes `sock` within `seconds` (whatever it sends first)."""
    sock.settimeout(0.2)
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def http_request(server, head, body=b"", wait=5):
    """Sends a raw HTTP/1.1 request head (and body) to the plain HTTP port; the answer's
    status line and body, or None when nothing came within `wait` seconds."""
    sock = socket.create_connection(addr(server.http))
    sock.sendall(head.encode() + b"\r\n" + body)
    sock.settimeout(wait)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head_part, _, rest = data.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head_part.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(rest) >= length[0]:
                    break
    except socket.timeout:
        if not data:
            return None
    finally:
        sock.close()
    head_part, _, rest = data.partition(b"\r\n\r\n")
    return head_part.split(b"\r\n")[0].decode(), rest.decode(errors="replace")


def now():
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def signed_looking_header(key):
    """A well-formed SigV4 header whose signature is wrong (the request is never valid)."""
    return (f"AWS4-HMAC-SHA256 Credential={key}/{now()[:8]}/us-east-1/iam/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)


def api_head(length, authorization=None):
    lines = ["POST / HTTP/1.1", "Host: localhost",
             "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
             f"X-Amz-Date: {now()}", f"Content-Length: {length}"]
    if authorization:
        lines.append(f"Authorization: {authorization}")
    return "\r\n".join(lines) + "\r\n"


def test_a_large_body_is_read_only_for_a_key_the_store_knows(server):
    ten_mb = 10 << 20
    # An unknown key is refused at once: the server does not wait for the 10 MB.
    started = time.time()
    answer = http_request(server, api_head(ten_mb, signed_looking_header("AKIAUNKNOWNKEY000000")),
                          b"Action=ListUsers")
    assert answer is not None and time.time() - started < 2
    assert answer[0].startswith("HTTP/1.1 403"), answer
    assert "<Code>InvalidClientTokenId</Code>" in answer[1]
    # Unsigned, a body over 64 KiB is refused at once in the Query protocol's form.
    answer = http_request(server, api_head(ten_mb), b"Action=ListUsers")
    assert answer is not None and answer[0].startswith("HTTP/1.1 413"), answer
    assert "<Code>RequestEntityTooLarge</Code>" in answer[1]
    # A known key's large body is waited for (the signature covers it): no answer yet.
    assert http_request(server, api_head(ten_mb, signed_looking_header(ADMIN_KEY)),
                        b"Action=ListUsers", wait=1.5) is None
    # And over 16 MiB, even a known key is refused before the body is read.
    answer = http_request(server, api_head(17 << 20, signed_looking_header(ADMIN_KEY)))
    assert answer is not None and answer[0].startswith("HTTP/1.1 413"), answer
    assert server.client("iam").list_users()["Users"], "still serving"


def test_slow_and_silent_http_clients_are_cut_off_while_others_are_served(server):
    slow = []
    for _ in range(20):
        s = socket.create_connection(addr(server.http))
        s.sendall(b"GET /_health HTTP/1.1\r\nHost: localhost\r\n")  # never finished
        slow.append(s)
    silent_tls = socket.create_connection(addr(server.https))  # never says hello
    silent_http = socket.create_connection(addr(server.http))
    started = time.time()
    assert server.client("iam").list_users()["Users"], "served meanwhile"
    for s in slow + [silent_tls, silent_http]:
        assert closed_within(s, TIMEOUT + 3 - (time.time() - started)), "cut off"
        s.close()


def test_idle_ssh_before_authentication_is_cut_off_but_a_signed_in_session_is_not(
        server, tmp_path, name):
    sock = socket.create_connection(ssh_addr(server))
    assert sock.recv(256).startswith(b"SSH-2.0-codecommit-local")
    started = time.time()
    assert closed_within(sock, TIMEOUT + 3), "not authenticated in time: closed"
    assert time.time() - started >= TIMEOUT - 0.5
    sock.close()

    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-t", "rsa", "-b", "2048", "-f", str(key)],
                   check=True)
    iam = server.client("iam")
    key_id = iam.upload_ssh_public_key(UserName="admin", SSHPublicKeyBody=(
        tmp_path / "k.pub").read_text())["SSHPublicKey"]["SSHPublicKeyId"]
    server.client("codecommit").create_repository(repositoryName=name)
    host, port = ssh_addr(server)
    ssh = subprocess.Popen(
        ["ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "LogLevel=ERROR", "-i", str(key), "-p", str(port), f"{key_id}@{host}",
         f"git-upload-pack '/v1/repos/{name}'"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(TIMEOUT + 1.5)  # past the grace time, signed in: still open
    out, err = ssh.communicate(b"0000", timeout=30)
    assert ssh.returncode == 0, err
    assert out.endswith(b"0000") and b"capabilities^{}" in out, "the advertisement, then the end"


def test_a_flood_of_connections_is_capped_per_listener_and_others_are_served_after(tmp_path):
    s = Server(["--max-connections", "3"])
    try:
        for listener in (addr(s.http), ssh_addr(s)):
            held = [socket.create_connection(listener) for _ in range(3)]
            time.sleep(0.3)
            extra = socket.create_connection(listener)
            assert closed_within(extra, 2), "over the cap: closed at once"
            extra.close()
            for h in held:
                h.close()
            time.sleep(0.3)
        assert s.client("iam").list_users()["Users"], "served once the flood is gone"
        assert "connection refused: the listener holds its maximum" in s.log()
    finally:
        s.stop()


def test_a_push_over_the_size_limit_is_refused_with_gits_error_and_stores_nothing(
        server, login, tmp_path, name):
    server.client("codecommit").create_repository(repositoryName=name)
    url = server.git_url(*login, repo=name)
    work = tmp_path / "w"
    server.git("init", "-q", "-b", "main", str(work))
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q",
               "--allow-empty", "-m", "small")
    server.git("-C", str(work), "push", "-q", url, "main")
    (work / "big.bin").write_bytes(os.urandom(3 << 20))
    server.git("-C", str(work), "add", "big.bin")
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q",
               "-m", "big")
    out = server.git("-C", str(work), "push", url, "main:big", check=False)
    assert out.returncode != 0
    assert "pack exceeds maximum allowed size" in out.stderr, out.stderr
    refs = server.git("ls-remote", url).stdout
    assert "refs/heads/big" not in refs and "refs/heads/main" in refs


def test_oversized_and_inflating_upload_pack_requests_are_cut_off(server, login, name):
    server.client("codecommit").create_repository(repositoryName=name)
    basic = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
    head = (f"POST /v1/repos/{name}/git-upload-pack HTTP/1.1\r\nHost: localhost\r\n"
            f"Authorization: Basic {basic}\r\n"
            "Content-Type: application/x-git-upload-pack-request\r\n")
    answer = http_request(server, head + f"Content-Length: {11 << 20}\r\n")
    assert answer is not None and answer[0].startswith("HTTP/1.1 413"), answer
    url = server.git_url(*login, repo=name)
    work = pathlib.Path(server.scratch) / f"{name}-work"
    server.git("init", "-q", "-b", "main", str(work))
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q",
               "--allow-empty", "-m", "one")
    server.git("-C", str(work), "push", "-q", url, "main")
    tip = server.git("-C", str(work), "rev-parse", "HEAD").stdout.strip().encode()
    # A want, then 40 MiB of have lines, gzipped to well under 1 MiB: inflated only up
    # to 10 MiB, then git sees the request end.
    have = b"0032have " + tip + b"\n"
    bomb = gzip.compress(b"0032want " + tip + b"\n0000" + have * ((40 << 20) // len(have)),
                         compresslevel=9)
    assert len(bomb) < 1 << 20
    pool = urllib3.PoolManager()
    resp = pool.request("POST", f"{server.http}/v1/repos/{name}/git-upload-pack", body=bomb,
                        headers={"authorization": f"Basic {basic}",
                                 "content-type": "application/x-git-upload-pack-request",
                                 "content-encoding": "gzip"}, retries=False, timeout=60)
    assert len(resp.data) < 12 << 20, "git answered (ACKs) only what it was given"
    deadline = time.time() + 10
    while "request body exceeds 10485760 bytes" not in server.log() and time.time() < deadline:
        time.sleep(0.1)
    assert "request body exceeds 10485760 bytes" in server.log()
    out = server.git("ls-remote", server.git_url(*login, repo=name), check=False)
    assert out.returncode == 0, "still serving"


def test_repeated_wrong_passwords_slow_that_source_and_no_other(server, login, name):
    server.client("codecommit").create_repository(repositoryName=name)
    path = f"/v1/repos/{name}/info/refs?service=git-upload-pack"

    def attempt(user, password, source):
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        pool = urllib3.HTTPConnectionPool(*addr(server.http), source_address=(source, 0),
                                          retries=False)
        started = time.time()
        status = pool.request("GET", path, headers={"authorization": f"Basic {basic}"}).status
        return status, time.time() - started

    fast = [attempt(login[0], "wrong", "127.0.0.3") for _ in range(5)]
    assert all(status == 403 for status, _ in fast)
    slowed = [attempt(login[0], "wrong", "127.0.0.3") for _ in range(4)]
    assert all(status == 403 for status, _ in slowed)
    assert slowed[-1][1] >= 0.7, "the ninth failure waits for the three before it past five"
    # Another source is not slowed; the right password from the slowed one still works.
    status, elapsed = attempt(*login, "127.0.0.4")
    assert status == 200 and elapsed < slowed[-1][1]
    status, elapsed = attempt(*login, "127.0.0.3")
    assert status == 200 and elapsed >= 1.0, "not locked out, only slowed"


@pytest.mark.parametrize("path", [
    "/v1/repos/..%2F..%2F..%2Fetc/info/refs?service=git-upload-pack",
    "/v1/repos/%2Fetc%2Fpasswd/info/refs?service=git-upload-pack",
    "/v1/repos/..%00/info/refs?service=git-upload-pack",
    "/v1/repos/%2e%2e/info/refs?service=git-upload-pack",
    "/v1/repos/" + "a" * 5000 + "/info/refs?service=git-upload-pack",
    "/v1/repos/../../etc/git-upload-pack",
])
def test_paths_that_leave_the_data_dir_reach_nothing(server, login, path):
    basic = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
    resp = urllib3.PoolManager().request(
        "GET" if "info/refs" in path else "POST", server.http + path,
        headers={"authorization": f"Basic {basic}"}, retries=False, redirect=False)
    assert resp.status in (400, 404, 405), (resp.status, resp.data[:200])


@pytest.mark.parametrize("repo_name", ["../evil", "/etc", "a/../../b", "..", "x\x00y", "a" * 101])
def test_repository_names_that_leave_the_data_dir_are_refused(server, repo_name):
    with pytest.raises(ClientError) as e:
        server.client("codecommit").create_repository(repositoryName=repo_name)
    assert error_of(e)[0] in ("InvalidRepositoryNameException", "ValidationException")


def test_garbage_on_every_port_gets_a_clean_refusal_and_serving_goes_on(server):
    garbage = [os.urandom(4096), b"\x16\x03\x01" + os.urandom(2000), b"GET\r\n\r\n",
               b"SSH-2.0-x\r\n" + os.urandom(3000), b"\x00" * 70000]
    for port in (addr(server.https), addr(server.http), ssh_addr(server)):
        for junk in garbage:
            s = socket.create_connection(port)
            try:
                s.sendall(junk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert closed_within(s, TIMEOUT + 3), (port, junk[:10])
            s.close()
    answer = http_request(server, "GET /_health HTTP/1.1\r\nHost: localhost\r\n"
                                  "Connection: close\r\n")
    assert answer is not None and answer[0] == "HTTP/1.1 200 OK"
    assert server.client("iam").list_users()["Users"]
    assert server.proc.poll() is None


def test_the_local_ca_signs_only_the_servers_names(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    data = tmp_path / "data"
    s = Server(["--data-dir", str(data)], ephemeral=False)
    try:
        ca = x509.load_pem_x509_certificate((data / "tls" / "ca.pem").read_bytes())
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
        permitted = ca.extensions.get_extension_for_class(
            x509.NameConstraints).value.permitted_subtrees
        dns = {n.value for n in permitted if isinstance(n, x509.DNSName)}
        assert {"localhost", "codecommit.us-east-1.amazonaws.com"} <= dns
        assert "amazonaws.com" not in dns
        # A certificate the CA's key signs for another name does not verify.
        ca_key = serialization.load_pem_private_key((data / "tls" / "ca-key.pem").read_bytes(),
                                                    None)
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        now = __import__("datetime").datetime.now(__import__("datetime").timezone.utc)
        leaf = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "evil")]))
                .issuer_name(ca.subject).public_key(leaf_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + __import__("datetime").timedelta(1))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName("s3.amazonaws.com")]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        bad = subprocess.run(["openssl", "verify", "-CAfile", str(data / "tls" / "ca.pem"),
                              str(tmp_path / "leaf.pem")], capture_output=True, text=True)
        assert bad.returncode != 0 and "subtree" in (bad.stdout + bad.stderr), bad
        good = subprocess.run(["openssl", "verify", "-CAfile", str(data / "tls" / "ca.pem"),
                               str(data / "tls" / "server.pem")], capture_output=True, text=True)
        assert good.returncode == 0, good
        ctx = ssl.create_default_context(cafile=str(data / "tls" / "ca.pem"))
        with socket.create_connection(addr(s.https)) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                assert tls.version()
    finally:
        s.stop()


def test_a_restart_sweeps_what_a_crash_left_and_long_expired_sessions(tmp_path, name):
    data = tmp_path / "data"
    s = Server(["--data-dir", str(data)], ephemeral=False)
    try:
        s.client("codecommit").create_repository(repositoryName=name)
        creds = s.client("sts").get_session_token(DurationSeconds=900)["Credentials"]
    finally:
        s.stop()
    repos = data / "repositories"
    orphans = [repos / f"{uuid.uuid4()}.git", repos / ".staging" / "repo-crashed",
               repos / ".trash" / f"{uuid.uuid4()}-x"]
    for o in orphans:
        (o / "objects").mkdir(parents=True)
    db = sqlite3.connect(data / "store.sqlite3")
    db.execute("UPDATE sts_sessions SET expires_at = '2020-01-01T00:00:00.000Z' "
               "WHERE access_key_id = ?", (creds["AccessKeyId"],))
    db.commit()
    db.close()
    s = Server(["--data-dir", str(data)], ephemeral=False)
    try:
        for o in orphans:
            assert not o.exists(), o
        assert s.client("codecommit").get_repository(repositoryName=name)["repositoryMetadata"]
        repo_id = s.client("codecommit").get_repository(
            repositoryName=name)["repositoryMetadata"]["repositoryId"]
        assert (repos / f"{repo_id}.git").is_dir(), "a repository with a row stays"
        deadline = time.time() + 10
        while time.time() < deadline:
            db = sqlite3.connect(f"file:{data / 'store.sqlite3'}?mode=ro", uri=True)
            left = db.execute("SELECT count(*) FROM sts_sessions WHERE access_key_id = ?",
                              (creds["AccessKeyId"],)).fetchone()[0]
            db.close()
            if left == 0:
                break
            time.sleep(0.1)
        assert left == 0, "the long-expired session was deleted"
    finally:
        s.stop()


def test_oversized_headers_are_refused_with_http_status(server):
    answer = http_request(server, "GET /_health HTTP/1.1\r\nHost: localhost\r\n"
                                  f"X-Big: {'a' * (1 << 20)}\r\n")
    assert answer is None or answer[0].startswith("HTTP/1.1 431"), answer
    assert server.client("iam").list_users()["Users"], "still serving"


def test_control_characters_a_client_sent_come_back_as_readable_xml(server):
    # botocore parses the error body: a raw U+0001 in it would be a parse failure instead.
    with pytest.raises(ClientError) as e:
        server.client("iam").get_user(UserName="bad\x01name\x1b[31m")
    code, _, message = error_of(e)
    assert code == "ValidationError", (code, message)
    assert "\x01" not in message and "\ufffd" in message


def test_api_requests_in_flight_are_capped_and_the_rest_throttled():
    s = Server(["--max-api-requests", "1"])
    try:
        # A signed request whose 10 MB body never finishes holds the one place.
        held = socket.create_connection(addr(s.http))
        held.sendall((api_head(10 << 20, signed_looking_header(ADMIN_KEY)) + "\r\n").encode()
                     + b"Action=ListUsers")
        time.sleep(0.3)
        started = time.time()
        with pytest.raises(ClientError) as e:
            s.client("iam").list_users()
        assert error_of(e)[:2] == ("Throttling", 400)
        assert time.time() - started >= 9, "it waited for a place first"
        held.close()
        time.sleep(0.3)
        assert s.client("iam").list_users()["Users"], "served once the place is free"
    finally:
        s.stop()


@pytest.mark.parametrize("body", [b"ffff" + b"x" * 70000, b"zzzz", b"0004", b"00" * 40000])
def test_malformed_pkt_lines_end_in_gits_error_and_serving_goes_on(server, login, name, body):
    server.client("codecommit").create_repository(repositoryName=name)
    basic = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
    for service in ("git-upload-pack", "git-receive-pack"):
        resp = urllib3.PoolManager().request(
            "POST", f"{server.http}/v1/repos/{name}/{service}", body=body, retries=False,
            headers={"authorization": f"Basic {basic}",
                     "content-type": f"application/x-{service}-request"}, timeout=30)
        assert resp.status in (200, 400), resp.status
        assert b"refs/heads" not in resp.data
    assert server.client("codecommit").get_repository(repositoryName=name)
    out = server.git("ls-remote", server.git_url(*login, repo=name), check=False)
    assert out.returncode == 0 and out.stdout == "", "still serving; nothing was pushed"
