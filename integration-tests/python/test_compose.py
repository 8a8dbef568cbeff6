"""The docker-compose set-up without a Docker engine: the real binary started with exactly
the command, environment and ports docker/Dockerfile and docker/docker-compose.yml give it,
in a network namespace of its own, and the example client script run against it with the
real AWS host names mapped to it for the client alone (a private /etc/hosts in a mount
namespace; the machine's resolver is never touched)."""

import json
import os
import pathlib
import shlex
import subprocess
import sys
import tempfile

import pytest
import yaml

from conftest import ROOT, binary

DOCKER = ROOT / "docker"


def compose():
    return yaml.safe_load((DOCKER / "docker-compose.yml").read_text())


def dockerfile_instructions():
    """(instruction, argument) pairs of the final stage, continuation lines joined."""
    text = (DOCKER / "Dockerfile").read_text().replace("\\\n", " ")
    stages = text.split("\nFROM ")
    out = []
    for line in stages[-1].splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_and_compose_agree():
    spec = compose()
    server = spec["services"]["codecommit"]
    instr = dict(dockerfile_instructions())
    exposed = set(instr["EXPOSE"].split())
    assert exposed == {"443", "80", "22"}
    env = server["environment"]
    for var, port in [("CODECOMMIT_LOCAL_HTTPS_ADDR", "443"), ("CODECOMMIT_LOCAL_HTTP_ADDR", "80"),
                      ("CODECOMMIT_LOCAL_SSH_ADDR", "22")]:
        assert env[var].endswith(":" + port) and f"{var}=0.0.0.0:{port}" in instr["ENV"]
    assert json.loads(instr["ENTRYPOINT"]) == ["codecommit-local"]
    assert "healthcheck" in instr["HEALTHCHECK"] and instr["USER"] == "10001:10001"
    aliases = set(server["networks"]["default"]["aliases"])
    assert {"git-codecommit.us-east-1.amazonaws.com", "codecommit.us-east-1.amazonaws.com",
            "iam.amazonaws.com", "sts.amazonaws.com", "sts.us-east-1.amazonaws.com"} <= aliases


@pytest.mark.skipif(os.geteuid() != 0, reason="network and mount namespaces need root (CI runs as root)")
def test_compose_client_reaches_all_three_auth_paths_by_real_host_names(tmp_path):
    spec = compose()
    server = spec["services"]["codecommit"]
    client = spec["services"]["client"]
    entrypoint = json.loads(dict(dockerfile_instructions())["ENTRYPOINT"])
    assert entrypoint == ["codecommit-local"]

    # The container's paths, mapped onto this machine.
    paths = {"/data": str(tmp_path / "data"), "/ca": str(tmp_path / "ca"),
             "/fixtures": str(ROOT / "fixtures")}
    (tmp_path / "ca").mkdir()

    def local(value):
        for container, host in paths.items():
            if value == container or value.startswith(container + "/"):
                return host + value[len(container):]
        return value

    server_env = {k: local(str(v)) for k, v in server["environment"].items()}
    client_env = {k: local(str(v)) for k, v in client["environment"].items()}
    command = [binary(), *server["command"]]
    health = [binary(), *server["healthcheck"]["test"][2:]]
    script = DOCKER / "client" / pathlib.Path(client["command"][0]).name
    aliases = server["networks"]["default"]["aliases"]

    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost " + " ".join(aliases) + "\n")
    home = tmp_path / "home"
    home.mkdir()
    base = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
            "LANG": "C.UTF-8"}
    client_full = {**base, **client_env, "HOME": str(home), "REQUESTS_CA_BUNDLE": client_env["AWS_CA_BUNDLE"],
                   "SSL_CERT_FILE": client_env["AWS_CA_BUNDLE"], "CURL_CA_BUNDLE": client_env["AWS_CA_BUNDLE"],
                   "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                   "GIT_CONFIG_NOSYSTEM": "1"}
    server_full = {**base, **server_env, "HOME": str(tmp_path / "data")}
    env_args = lambda env: " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
    driver = f"""
set -e
ip link set lo up
mount --bind {shlex.quote(str(hosts))} /etc/hosts
env -i {env_args(server_full)} {shlex.join(command)} > {tmp_path}/server.out 2> {tmp_path}/server.err &
server=$!
for i in $(seq 1 300); do
  if env -i {env_args(server_full)} {shlex.join(health)} 2>/dev/null; then break; fi
  sleep 0.1
done
set +e
env -i {env_args(client_full)} {shlex.quote(str(script))}
status=$?
kill -TERM $server
wait $server
exit $status
"""
    out = subprocess.run(["unshare", "--net", "--mount", "bash", "-c", driver],
                         capture_output=True, text=True, timeout=600)
    log = (tmp_path / "server.err").read_text() if (tmp_path / "server.err").exists() else ""
    assert out.returncode == 0, f"{out.stdout}\n{out.stderr}\n--- server ---\n{log[-4000:]}"
    assert "all three auth paths work" in out.stdout
    assert "You have successfully authenticated over SSH" in out.stdout + out.stderr
    assert (tmp_path / "ca" / "ca.pem").exists()
