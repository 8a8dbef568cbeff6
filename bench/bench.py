#!/usr/bin/env python3
"""codecommit-local against the reference Git servers, measured in one run on this machine.

Prints one table of medians and ratios and writes it to bench/results/<date>.md. Run it with
bench/run (which installs nginx, fcgiwrap, openssh-server, hyperfine and wrk). Everything
listens on loopback only. BENCH_QUICK=1 shrinks the workload for a smoke run;
BENCH_ONLY=api,auth (any of clones, pushes, concurrent, api, history, console, upkeep, ready, auth) runs only those
sections, e.g. to compare API throughput and authentication cost between two builds.
"""

import base64
import concurrent.futures
import datetime
import json
import os
import pathlib
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / "target" / "release" / "codecommit-local"
QUICK = os.environ.get("BENCH_QUICK") == "1"
WORK = pathlib.Path(os.environ.get("BENCH_WORK", ROOT / "bench" / "work"))
REF = WORK / ("ref-quick.git" if QUICK else "ref.git")
CLONE = WORK / "clone.git"
SSH_KEY_ID = "APKABENCHBENCHBENCH0"
RUNS = 3 if QUICK else 5
PUSH_MB = 64 if QUICK else 1024
PUSH_RUNS = 1 if QUICK else 3
PUSH_TIMEOUT = 600
CONCURRENT = 16 if QUICK else 64
PASSWORD = "bench-password-0123456789"
CONSOLE_PASSWORD = "Bench-Console-Passw0rd"
USER = "bench-at-123456789012"
ADMIN_KEY = "AKIAIOSFODNN7EXAMPLE"
ADMIN_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

ONLY = {s for s in os.environ.get("BENCH_ONLY", "").split(",") if s}


def want(section):
    return not ONLY or section in ONLY


rows = []  # (measurement, value, unit, reference, ratio, target, met)
clone_runs = {}  # hyperfine name -> every run's seconds, printed under the table


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, **kw)


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def client_env(ca=None):
    env = dict(os.environ)
    home = WORK / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    if ca:
        env["GIT_SSL_CAINFO"] = ca
    return env


def hyperfine(name, command, prepare, env):
    out = WORK / f"hf-{name}.json"
    sh("hyperfine", "--runs", str(RUNS), "--warmup", "1", "--prepare", prepare, "--export-json", str(out),
       "--style", "none", command, env=env, stdout=subprocess.DEVNULL)
    times = json.loads(out.read_text())["results"][0]["times"]
    clone_runs[name] = times
    return statistics.median(times)


def add(name, value, unit, reference=None, ref_value=None, target=None):
    ratio = value / ref_value if ref_value else None
    met = None
    if target is not None:
        met = target(value, ratio)
    rows.append((name, value, unit, reference or "", ratio, met))


class Ours:
    def __init__(self, data_dir, fixture):
        self.data_dir = data_dir
        ready = WORK / "ready.json"
        ready.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--data-dir", str(data_dir), "--https-addr", "127.0.0.1:0",
             "--http-addr", "127.0.0.1:0", "--ssh-addr", "127.0.0.1:0", "--ready-file", str(ready),
             "--fixtures", str(fixture)],
            stdout=subprocess.DEVNULL, stderr=open(WORK / "server.err", "ab"),
            env={**os.environ, "CODECOMMIT_LOCAL_LOG": "warn"})
        while not ready.exists():
            if self.proc.poll() is not None:
                sys.exit((WORK / "server.err").read_text()[-3000:])
            time.sleep(0.01)
        self.ep = json.loads(ready.read_text())

    def url(self, scheme, repo="ref"):
        base = self.ep["https_url" if scheme == "https" else "http_url"]
        s, rest = base.split("://")
        return f"{s}://{USER}:{urllib.parse.quote(PASSWORD)}@{rest}/v1/repos/{repo}"

    def ssh_url(self, repo="ref"):
        port = self.ep["ssh_addr"].rsplit(":", 1)[1]
        return f"ssh://{SSH_KEY_ID}@127.0.0.1:{port}/v1/repos/{repo}"

    def peak_rss_kib(self):
        for line in pathlib.Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

    def reset_peak(self):
        # Writing 5 to clear_refs resets VmHWM to the current RSS.
        pathlib.Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)


def fixture_file(ssh_pub):
    f = WORK / "fixture.toml"
    f.write_text(f"""
[[users]]
name = "admin"
policies = ["AdministratorAccess"]
  [[users.access_keys]]
  id = "{ADMIN_KEY}"
  secret = "{ADMIN_SECRET}"

[[users]]
name = "bench"
policies = ["AWSCodeCommitPowerUser"]
console_password = "{CONSOLE_PASSWORD}"
  [[users.git_credentials]]
  password = "{PASSWORD}"
  [[users.ssh_keys]]
  public_key_file = "{ssh_pub}"
  id = "{SSH_KEY_ID}"

[[repositories]]
name = "ref"

[[repositories]]
name = "push-https"

[[repositories]]
name = "push-ssh"

[[repositories]]
name = "pushed"
""")
    return f


def start_nginx(repos_root):
    sock = WORK / "fcgiwrap.sock"
    sock.unlink(missing_ok=True)
    fcgi = subprocess.Popen(["fcgiwrap", "-c", "4", "-s", f"unix:{sock}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    conf = WORK / "nginx.conf"
    conf.write_text(f"""
daemon off;
user root;
worker_processes 2;
pid {WORK}/nginx.pid;
error_log {WORK}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_max_body_size 0;
  server {{
    listen 127.0.0.1:18099;
    location ~ ^/git(/.*) {{
      fastcgi_pass unix:{sock};
      fastcgi_buffering off;
      fastcgi_read_timeout 600s;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
      fastcgi_param GIT_PROJECT_ROOT {repos_root};
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO $1;
      fastcgi_param GIT_PROTOCOL $http_git_protocol;
    }}
  }}
}}
""")
    nginx = subprocess.Popen(["nginx", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return [fcgi, nginx]


def start_sshd(client_pub):
    d = WORK / "sshd"
    d.mkdir(exist_ok=True)
    key = d / "host_ed25519"
    if not key.exists():
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
    auth = d / "authorized_keys"
    auth.write_text(pathlib.Path(client_pub).read_text())
    os.chmod(auth, 0o600)
    conf = d / "sshd_config"
    conf.write_text(f"""Port 18022
ListenAddress 127.0.0.1
HostKey {key}
AuthorizedKeysFile {auth}
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PidFile {d}/sshd.pid
""")
    pathlib.Path("/run/sshd").mkdir(exist_ok=True)
    p = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", str(conf)], stdout=subprocess.DEVNULL,
                         stderr=open(d / "sshd.err", "wb"))
    time.sleep(0.5)
    return p


def ready_times(fixture, fresh):
    times = []
    for i in range(5 if QUICK else 10):
        d = WORK / ("ready-fresh-%d" % i if fresh else "ready-existing")
        if fresh:
            shutil.rmtree(d, ignore_errors=True)
        t0 = time.perf_counter()
        s = Ours(d, fixture)
        times.append(time.perf_counter() - t0)
        s.stop()
        if fresh:
            shutil.rmtree(d, ignore_errors=True)
    return statistics.median(times[1:] if not fresh else times)


def signed_request(ep, service, target=None, body=b""):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    url = ep["http_url"] + "/"
    headers = {"Content-Type": "application/x-amz-json-1.1" if target else
               "application/x-www-form-urlencoded; charset=utf-8"}
    if target:
        headers["X-Amz-Target"] = target
    req = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials(ADMIN_KEY, ADMIN_SECRET), service, "us-east-1").add_auth(req)
    return url, dict(req.headers.items()), body


def wrk(name, ep, service, target, body):
    url, headers, body = signed_request(ep, service, target, body)
    lua = WORK / f"{name}.lua"
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body.decode())}"]
    for k, v in headers.items():
        if k.lower() != "host":
            lines.append(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}")
    lua.write_text("\n".join(lines) + "\n")
    out = subprocess.run(["wrk", "-t2", "-c32", "-d" + ("5s" if QUICK else "15s"), "--latency", "-s", str(lua), url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(next(l for l in out.splitlines() if l.startswith("Requests/sec")).split()[1])
    p99 = next(l for l in out.splitlines() if l.strip().startswith("99%")).split()[1]
    non2xx = [l for l in out.splitlines() if "Non-2xx" in l]
    assert not non2xx, f"{name}: {non2xx}"
    value, unit = float(p99[:-2]), p99[-2:]
    p99_ms = value / 1000 if unit == "us" else value if unit == "ms" else value * 1000
    return rps, p99_ms


def setup_servers():
    """Starts codecommit-local (reference repository loaded and repacked), nginx and sshd.

    Returns the server, the other processes, the client environment and the clone commands."""
    if not BIN.exists():
        sys.exit(f"{BIN} missing: cargo build --release -p codecommit-local")
    WORK.mkdir(parents=True, exist_ok=True)
    ref = REF
    if not ref.exists():
        log("generating the reference repository")
        args = ["--commits", "500", "--files", "300", "--large-blobs", "2"] if QUICK else []
        sh(sys.executable, str(ROOT / "bench" / "make_repo.py"), str(ref), *args)
    client_key = WORK / "client_rsa"
    if not client_key.exists():
        sh("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-N", "", "-f", str(client_key))
    ssh_opts = f"ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -i {client_key}"

    data = WORK / "data"
    shutil.rmtree(data, ignore_errors=True)
    fixture = fixture_file(str(client_key) + ".pub")
    ours = Ours(data, fixture)
    env = client_env(ours.ep["ca_file"])
    env["GIT_SSH_COMMAND"] = ssh_opts
    log("loading the reference repository into codecommit-local")
    sh("git", "-C", str(ref), "push", "-q", ours.url("http"), "main", env=env)
    # Serve both from equally packed repositories: the reference is fully repacked (with a
    # bitmap index); repack the copy that the push wrote into codecommit-local's data dir.
    import sqlite3
    with sqlite3.connect(ours.ep["store_file"]) as db:
        (rid,) = db.execute("SELECT repository_id FROM repositories WHERE name = 'ref'").fetchone()
    sh("git", "-C", str(data / "repositories" / f"{rid}.git"), "repack", "-a", "-d", "-q", env=env)
    procs = start_nginx(ref.parent)
    procs.append(start_sshd(str(client_key) + ".pub"))
    clone = CLONE
    cmds = {
        "floor": f"git clone -q --bare --no-local {ref} {clone}",
        "nginx": f"git clone -q --bare http://127.0.0.1:18099/git/{ref.name} {clone}",
        "https": f"git clone -q --bare {ours.url('https')} {clone}",
        "http": f"git clone -q --bare {ours.url('http')} {clone}",
        "ssh": f"git clone -q --bare {ours.ssh_url()} {clone}",
        "openssh": f"git clone -q --bare ssh://{os.environ.get('USER', 'root')}@127.0.0.1:18022{ref} {clone}",
    }
    return ours, procs, env, cmds


def main():
    ours, procs, env, cmds = setup_servers()
    size_mb = sum(f.stat().st_size for f in REF.rglob("*") if f.is_file()) / 2**20
    fixture = WORK / "fixture.toml"
    prep = f"rm -rf {CLONE}"
    try:
        if want("clones"):
            clones(ours, env, cmds, size_mb, prep)
        if want("pushes"):
            pushes(ours, env)
        if want("concurrent"):
            concurrent_clones(ours, env)
        if want("api"):
            api(ours)
        if want("history"):
            history(ours, env)
        if want("console"):
            console(ours, env)
        if want("upkeep"):
            upkeep(ours, env, cmds)
    finally:
        for p in procs:
            p.terminate()
        ours.stop()
    if want("ready"):
        ready(fixture)
    if want("auth"):
        auth()
    report(size_mb)


def clones(ours, env, cmds, size_mb, prep):
    log("clones")
    floor = hyperfine("floor", cmds["floor"], prep, env)
    nginx = hyperfine("nginx", cmds["nginx"], prep, env)
    https = hyperfine("https", cmds["https"], prep, env)
    # The same clone with the pack cache emptied first: every clone runs pack-objects.
    cold_prep = f"{prep} {ours.data_dir / 'cache' / 'pack-objects'}/*"
    https_cold = hyperfine("https-cold", cmds["https"], cold_prep, env)
    http = hyperfine("http", cmds["http"], prep, env)
    ssh = hyperfine("ssh", cmds["ssh"], prep, env)
    openssh = hyperfine("openssh", cmds["openssh"], prep, env)
    add(f"clone over HTTPS ({size_mb:.0f} MB repo)", https, "s", "nginx + git-http-backend", nginx,
        lambda v, r: r <= 1.0)
    add("clone over HTTPS vs the local floor", https, "s", "git clone --no-local", floor,
        lambda v, r: r <= 1.15)
    add("clone over HTTPS, pack cache emptied before each clone", https_cold, "s", "nginx + git-http-backend",
        nginx)
    add("clone over HTTPS, pack cache emptied, vs the local floor", https_cold, "s", "git clone --no-local",
        floor)
    add("clone over plain HTTP", http, "s", "nginx + git-http-backend", nginx)
    add("clone over SSH", ssh, "s", "OpenSSH sshd", openssh, lambda v, r: r <= 1.0)
    add("local floor (git clone --no-local)", floor, "s")


def push_source(env):
    """A repository of one PUSH_MB incompressible file, made once."""
    big = WORK / f"big-{PUSH_MB}"
    if not big.exists():
        sh("git", "init", "-q", "-b", "main", str(big))
        with open(big / "big.bin", "wb") as f:
            for _ in range(PUSH_MB):
                f.write(os.urandom(1 << 20))
        sh("git", "-C", str(big), "add", "big.bin", env=env)
        sh("git", "-C", str(big), "-c", "user.name=b", "-c", "user.email=b@e", "-c", "core.compression=0",
           "commit", "-qm", "big", env=env)
    return big


def push_targets(ours):
    """For each server, a function giving the URL of a fresh, empty repository to push to:
    https and ssh (ours, made by CreateRepository), nginx (git-http-backend) and openssh."""
    api = RawApi(ours.ep)
    targets = WORK / "push-targets"
    user = os.environ.get("USER", "root")

    def theirs(i):
        d = targets / f"t-{i}-{time.time_ns()}.git"
        shutil.rmtree(targets, ignore_errors=True)
        sh("git", "init", "-q", "--bare", str(d))
        # git-http-backend refuses anonymous pushes unless the repository allows them.
        sh("git", "-C", str(d), "config", "http.receivepack", "true")
        return d

    def ours_repo(scheme, i):
        name = f"push-{scheme}-{i}-{time.time_ns()}"
        api("CreateRepository")(repositoryName=name)
        return name

    return {
        "https": lambda i: ours.url("https", ours_repo("https", i)),
        "nginx": lambda i: f"http://127.0.0.1:18099/git/push-targets/{theirs(i).name}",
        "ssh": lambda i: ours.ssh_url(ours_repo("ssh", i)),
        "openssh": lambda i: f"ssh://{user}@127.0.0.1:18022{theirs(i)}",
    }


def push_command(big, url):
    return ["git", "-C", str(big), "-c", "http.postBuffer=1048576", "push", "-q", url, "main"]


def pushes(ours, env):
    """The push of push_source() into a fresh, empty repository each run: ours over HTTPS
    against nginx + git-http-backend, ours over SSH against OpenSSH sshd, the medians of
    PUSH_RUNS runs, with the server's peak RSS."""
    log(f"{PUSH_MB} MiB pushes")
    big = push_source(env)
    urls = push_targets(ours)
    walls, peaks = {k: [] for k in urls}, {"https": 0, "ssh": 0}
    hung = {k: 0 for k in urls}
    for i in range(PUSH_RUNS):
        for kind, url_of in urls.items():
            url = url_of(i)
            if kind in peaks:
                ours.reset_peak()
            t0 = time.perf_counter()
            try:
                sh(*push_command(big, url), env=env, timeout=PUSH_TIMEOUT)
            except subprocess.TimeoutExpired:
                # A hung push is reported, not waited for (git's HTTP client has deadlocked
                # here once at the end of a 1 GiB push: remote-https and send-pack each
                # waiting to read from the other, the server waiting for the body's end).
                log(f"{kind} push {i} did not finish in {PUSH_TIMEOUT} s")
                hung[kind] += 1
                continue
            walls[kind].append(time.perf_counter() - t0)
            if kind in peaks:
                peaks[kind] = max(peaks[kind], ours.peak_rss_kib() / 1024)
    shutil.rmtree(WORK / "push-targets", ignore_errors=True)
    med = {k: statistics.median(v) if v else float("nan") for k, v in walls.items()}
    runs = "; ".join(f"{k} " + " ".join(f"{t:.2f}" for t in v) for k, v in walls.items())
    log(f"push runs (s): {runs}")
    def hangs(*kinds):
        return "".join(f" ({hung[k]} {k} push(es) hung)" for k in kinds if hung[k])
    add(f"push {PUSH_MB} MiB over HTTPS{hangs('https', 'nginx')}", med["https"], "s",
        "nginx + git-http-backend", med["nginx"], lambda v, r: r <= 1.0 and not hung["https"])
    add(f"push {PUSH_MB} MiB over SSH{hangs('ssh', 'openssh')}", med["ssh"], "s", "OpenSSH sshd",
        med["openssh"], lambda v, r: r <= 1.0 and not hung["ssh"])
    for scheme in peaks:
        add(f"push {PUSH_MB} MiB over {scheme.upper()}: server peak RSS", peaks[scheme], "MiB",
            "target 64 MiB", 64, lambda v, r: v <= 64)


def concurrent_clones(ours, env):
    log(f"{CONCURRENT} concurrent clones")

    def many(url_of):
        def one(i):
            d = WORK / f"cc-{i}"
            shutil.rmtree(d, ignore_errors=True)
            r = subprocess.run(["git", "clone", "-q", "--bare", "--depth", "1", url_of(i), str(d)], env=env,
                               capture_output=True)
            shutil.rmtree(d, ignore_errors=True)
            return r.returncode == 0
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(CONCURRENT) as pool:
            results = list(pool.map(one, range(CONCURRENT)))
        return time.perf_counter() - t0, all(results)

    ours_cc, ok_ours = many(lambda i: ours.url("https"))
    nginx_cc, ok_nginx = many(lambda i: f"http://127.0.0.1:18099/git/{REF.name}")
    add(f"{CONCURRENT} concurrent shallow clones over HTTPS (all ok: {ok_ours})", ours_cc, "s",
        f"nginx (all ok: {ok_nginx})", nginx_cc, lambda v, r: ok_ours and r <= 1.0)


def api(ours):
    log("API throughput")
    rps, p99 = wrk("getrepository", ours.ep, "codecommit", "CodeCommit_20150413.GetRepository",
                   b'{"repositoryName":"ref"}')
    add("CodeCommit GetRepository", rps, "req/s", "target 5000/s", 5000, lambda v, r: v >= 5000)
    add("CodeCommit GetRepository p99 latency", p99, "ms")
    rps, p99 = wrk("getuser", ours.ep, "iam", None, b"Action=GetUser&Version=2010-05-08&UserName=bench")
    add("IAM GetUser", rps, "req/s")
    add("IAM GetUser p99 latency", p99, "ms")


def upkeep(ours, env, cmds):
    """A repository that arrived by many pushes, cloned cold (pack cache emptied) once the
    server's upkeep has run, against nginx serving the freshly repacked reference (and, for
    scale, the same pushes' packs served as they arrived)."""
    log("a repository built by pushes, after upkeep")
    import sqlite3
    steps = 10 if QUICK else 50
    commits = int(subprocess.run(["git", "-C", str(REF), "rev-list", "--count", "main"], check=True,
                                 capture_output=True, text=True).stdout)
    url = ours.url("http", "pushed")
    for k in range(steps - 1, -1, -1):
        sh("git", "-C", str(REF), "push", "-q", url, f"main~{k * (commits // steps)}:refs/heads/main",
           env=env)
    with sqlite3.connect(ours.ep["store_file"]) as db:
        (rid,) = db.execute("SELECT repository_id FROM repositories WHERE name = 'pushed'").fetchone()
    repo = ours.data_dir / "repositories" / f"{rid}.git"
    as_pushed = WORK / "as-pushed.git"
    shutil.rmtree(as_pushed, ignore_errors=True)
    shutil.copytree(repo, as_pushed, symlinks=True)
    packs_before = len(list((as_pushed / "objects" / "pack").glob("*.pack")))
    pushed_at = time.time()
    bitmap = None
    for _ in range(600):
        bitmaps = list((repo / "objects" / "pack").glob("multi-pack-index-*.bitmap"))
        if bitmaps and bitmaps[0].stat().st_mtime > pushed_at and \
                (repo / "objects" / "info" / "commit-graphs" / "commit-graph-chain").exists():
            bitmap = bitmaps[0]
            break
        time.sleep(0.2)
    if bitmap is None:
        sys.exit("upkeep: no bitmapped multi-pack index after 120 s")
    upkept = time.time() - pushed_at
    time.sleep(1)
    packs_after = len(list((repo / "objects" / "pack").glob("*.pack")))
    clone = CLONE
    prep = f"rm -rf {clone} {ours.data_dir / 'cache' / 'pack-objects'}/*"
    cold = hyperfine("pushed-cold", f"git clone -q --bare {url} {clone}", prep, env)
    nginx = hyperfine("nginx-repacked", cmds["nginx"], f"rm -rf {clone}", env)
    raw = hyperfine("nginx-as-pushed",
                    f"git clone -q --bare http://127.0.0.1:18099/git/{as_pushed.name} {clone}",
                    f"rm -rf {clone}", env)
    add(f"cold first clone of a repository built by {steps} pushes, after upkeep "
        f"({packs_before} packs → {packs_after}, bitmap and commit-graph {upkept:.1f} s after the last push)",
        cold, "s", "nginx serving the repacked reference", nginx, lambda v, r: r <= 1.0)
    add(f"nginx serving those {packs_before} packs as pushed (no upkeep)", raw, "s",
        "nginx serving the repacked reference", nginx)


_history_state = None


def history_setup(ours, env):
    """Made once: the history and console measures share it."""
    global _history_state
    if _history_state is None:
        _history_state = make_history_state(ours, env)
    return _history_state


def make_history_state(ours, env):
    """The repository state the history measures need, in codecommit-local's copy of the
    reference repository: a branch that left main 2,500 commits ago and changed 1,500 files
    since (conflicting with main), a 5 MB file, and a pull request with 1,000 events."""
    import boto3
    from botocore.config import Config
    import sqlite3
    with sqlite3.connect(ours.ep["store_file"]) as db:
        (rid,) = db.execute("SELECT repository_id FROM repositories WHERE name = 'ref'").fetchone()
    repo = ours.data_dir / "repositories" / f"{rid}.git"
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True,  # noqa: E731
                                    env=env).stdout.decode()
    cc = boto3.client("codecommit", endpoint_url=ours.ep["http_url"], region_name="us-east-1",
                      aws_access_key_id=ADMIN_KEY, aws_secret_access_key=ADMIN_SECRET,
                      config=Config(retries={"max_attempts": 1}, max_pool_connections=4))
    commits = int(git("rev-list", "--count", "main"))
    base = git("rev-parse", f"main~{commits // 2}").strip()
    side = WORK / "diverged.git"
    shutil.rmtree(side, ignore_errors=True)
    sh("git", "clone", "-q", "--bare", "--shared", str(repo), str(side), env=env)
    import random
    rng = random.Random(20261202)
    files = git("ls-tree", "-r", "--name-only", base).split()
    stream = []
    for c in range(commits // 10):
        stream.append(b"commit refs/heads/diverged\n")
        stream.append(b"committer Side <side@example.com> %d +0000\n" % (1_800_000_000 + c))
        stream.append(b"data 6\nside %d\n" % (c % 10))
        if c == 0:
            stream.append(f"from {base}\n".encode())
        for path in rng.sample(files, 3):
            data = (f"side {c} {path}\n" * 30).encode()
            stream.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    big = os.urandom(5 << 20)
    stream.append(b"commit refs/heads/big\ncommitter B <b@e> 1800000000 +0000\ndata 3\nbig\n")
    stream.append(f"from {git('rev-parse', 'main').strip()}\n".encode())
    stream.append(f"M 100644 inline assets/five-mb.bin\ndata {len(big)}\n".encode() + big + b"\n")
    subprocess.run(["git", "-C", str(side), "fast-import", "--quiet"], input=b"".join(stream),
                   check=True, env=env)
    sh("git", "-C", str(side), "push", "-q", ours.url("http"), "diverged", "big", env=env)
    import collections
    busy = collections.Counter(git("log", "--format=", "--name-only", "main").split())
    busy_files = sorted(busy, key=lambda f: (-busy[f], f))[:5]
    pr = cc.create_pull_request(title="events", targets=[{
        "repositoryName": "ref", "sourceReference": "diverged",
        "destinationReference": "main"}])["pullRequest"]
    pid = pr["pullRequestId"]
    rule = '{"Version": "2018-11-08", "Statements": [{"Type": "Approvers", "NumberOfApprovalsNeeded": %d}]}'
    cc.create_pull_request_approval_rule(pullRequestId=pid, approvalRuleName="r",
                                         approvalRuleContent=rule % 1)
    for i in range(998):
        cc.update_pull_request_approval_rule_content(pullRequestId=pid, approvalRuleName="r",
                                                     newRuleContent=rule % (2 + i % 2))
    return cc, repo, git, base, busy_files, pid, rid


class LeanSigner:
    """SigV4 for CodeCommit's JSON API in a few hashes (18 µs a request on this machine):
    botocore's signer takes 0.2-0.4 ms, a sixth to a third of a round trip, which the server
    never sees. Checked against botocore's signature of the same request before it is used, so
    the server is asked exactly what an SDK would ask it."""

    HEADERS = "content-type;host;x-amz-date;x-amz-target"

    def __init__(self, host):
        import hashlib
        import hmac
        self.host, self.sha, self.hmac, self.keys = host, hashlib.sha256, hmac, {}

    def key(self, day):
        if day not in self.keys:
            mac = lambda k, m: self.hmac.new(k, m.encode(), self.sha).digest()  # noqa: E731
            k = mac(("AWS4" + ADMIN_SECRET).encode(), day)
            for part in ("us-east-1", "codecommit", "aws4_request"):
                k = mac(k, part)
            self.keys[day] = k
        return self.keys[day]

    def headers(self, target, body, amz_date=None):
        amz_date = amz_date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        day = amz_date[:8]
        canonical = "\n".join([
            "POST", "/", "", "content-type:application/x-amz-json-1.1", f"host:{self.host}",
            f"x-amz-date:{amz_date}", f"x-amz-target:{target}", "", self.HEADERS,
            self.sha(body).hexdigest()])
        scope = f"{day}/us-east-1/codecommit/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{self.sha(canonical.encode()).hexdigest()}"
        signature = self.hmac.new(self.key(day), to_sign.encode(), self.sha).hexdigest()
        return {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Date": amz_date,
                "X-Amz-Target": target,
                "Authorization": f"AWS4-HMAC-SHA256 Credential={ADMIN_KEY}/{scope}, "
                                 f"SignedHeaders={self.HEADERS}, Signature={signature}"}

    def check(self, url):
        target, body = "CodeCommit_20150413.GetRepository", b'{"repositoryName": "ref"}'
        _, theirs, _ = signed_request({"http_url": url}, "codecommit", target, body)
        ours = self.headers(target, body, theirs["X-Amz-Date"])
        assert ours["Authorization"] == theirs["Authorization"], (ours, theirs)


class RawApi:
    """CodeCommit's JSON API over one kept-alive plain HTTP/1.1 connection on a raw socket,
    signed by LeanSigner and answered with json.loads: the server and the round trip, as a
    compiled SDK's client would see them. boto3 costs milliseconds a call in signing and
    parsing, and even http.client costs 0.7 ms a call in Python header parsing, three times
    the server's own time for a small answer; neither is the server's."""

    def __init__(self, ep):
        self.url = ep["http_url"]
        self.host_port = self.url.split("://")[1]
        host, port = self.host_port.rsplit(":", 1)
        self.addr = (host, int(port))
        self.sock, self.buf, self.chunk = None, bytearray(), memoryview(bytearray(1 << 20))
        self.signer = LeanSigner(self.host_port)
        self.signer.check(self.url)

    def connect(self):
        import socket
        if self.sock:
            self.sock.close()
        self.sock = socket.create_connection(self.addr)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def recv_into(self, view):
        n = self.sock.recv_into(view)
        if not n:
            raise ConnectionResetError("the server closed the connection")
        return n

    def fill(self):
        # Into one buffer: recv(n) would allocate (and for 1 MiB, map) n bytes a call.
        self.buf += self.chunk[:self.recv_into(self.chunk)]

    def round_trip(self, target, body):
        """(status, body) of one signed POST; the answer must carry a Content-Length."""
        headers = self.signer.headers(target, body)
        request = (f"POST / HTTP/1.1\r\nHost: {self.host_port}\r\nContent-Length: {len(body)}\r\n" +
                   "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode() + body
        self.sock.sendall(request)
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self.fill()
        lines = bytes(self.buf[:end]).split(b"\r\n")
        del self.buf[:end + 4]
        fields = {k.strip().lower(): v.strip() for k, v in (line.split(b":", 1) for line in lines[1:])}
        if b"content-length" not in fields:
            sys.exit(f"{target}: an answer without Content-Length: {lines}")
        n = int(fields[b"content-length"])
        # The body read straight into its own buffer (a 5 MB GetFile is 6.7 MB of JSON).
        data = bytearray(n)
        have = min(n, len(self.buf))
        data[:have] = self.buf[:have]
        del self.buf[:have]
        view = memoryview(data)
        while have < n:
            have += self.recv_into(view[have:])
        return int(lines[0].split()[1]), data

    def __call__(self, operation, parse=True):
        target = f"CodeCommit_20150413.{operation}"

        def call(**params):
            body = json.dumps(params).encode()
            if self.sock is None:
                self.connect()
            try:
                status, data = self.round_trip(target, body)
            except (BrokenPipeError, ConnectionResetError):
                # The server closed the idle kept-alive connection (during a long push): a
                # new one, once.
                self.connect()
                status, data = self.round_trip(target, body)
            if status != 200:
                sys.exit(f"{operation}: HTTP {status}: {data[:300]!r}")
            return json.loads(data) if parse else data
        return call


def paged(call, key, token_in, token_out, **kw):
    """Every page of a paged operation; returns how many items."""
    n, token = 0, None
    while True:
        page = call(**kw, **({token_in: token} if token else {}))
        n += len(page[key])
        token = page.get(token_out)
        if not token:
            return n


def history(ours, env):
    log("API operations that grow with history")
    cc, repo, git, base, busy_files, pid, rid = history_setup(ours, env)
    api = RawApi(ours.ep)
    runs = 3 if QUICK else 5

    def measure(name, api_fn, git_args, check=None):
        """The median of `runs` runs of each; run i asks question i (api_fn(i) and the git
        command git_args(i) answer the same one), so a listing kept for its next pages
        never answers a later run."""
        ours.reset_peak()
        rss0 = ours.peak_rss_kib()
        api_times, git_times = [], []
        for i in range(runs):
            t0 = time.perf_counter()
            got = api_fn(i)
            api_times.append(time.perf_counter() - t0)
            args = git_args(i)
            t0 = time.perf_counter()
            if args[0] == "sqlite3":
                out = subprocess.run(args, check=True, capture_output=True).stdout
            else:
                r = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=env)
                # git merge-tree exits 1 when the merge has conflicts.
                if r.returncode not in ((0, 1) if args[0] == "merge-tree" else (0,)):
                    sys.exit(f"git {args}: {r.stderr.decode()}")
                out = r.stdout
            git_times.append(time.perf_counter() - t0)
            if check:
                check(got, out)
        peak = (ours.peak_rss_kib() - rss0) / 1024
        args = git_args(0)
        cmd = "sqlite3 …" if args[0] == "sqlite3" else " ".join(["git"] + args[:3])
        api_s, git_s = statistics.median(api_times), statistics.median(git_times)
        add(f"{name} (server RSS +{peak:.0f} MiB)", api_s * 1000, "ms", cmd, git_s * 1000,
            lambda v, r: r <= 1.5)

    def rev(spec):
        return git("rev-parse", spec).strip()

    def same_count(api_n, git_out):
        lines = len(git_out.decode().splitlines())
        assert api_n == lines, (api_n, lines)

    # Each measure its own commit pairs: the whole answer is kept for its next pages whatever
    # their size, so a pair the first measure asked would be answered from memory.
    befores = [rev(f"{base}~{i}") for i in range(2 * runs)]
    afters = [rev(f"main~{i}") for i in range(2 * runs)]
    for first, size in ((0, None), (runs, 1000)):
        measure("GetDifferences of commits 2,500 apart, every page" +
                (f" of {size}" if size else " (100 each)"),
                lambda i, first=first, size=size: paged(
                    api("GetDifferences"), "differences", "NextToken", "NextToken",
                    repositoryName="ref", beforeCommitSpecifier=befores[first + i],
                    afterCommitSpecifier=afters[first + i],
                    **({"MaxResults": size} if size else {})),
                lambda i, first=first: ["diff", "--name-status", "--no-renames",
                                        befores[first + i], afters[first + i]],
                same_count)
    measure("ListFileCommitHistory of a busy file, every page",
            lambda i: paged(api("ListFileCommitHistory"), "revisionDag", "nextToken", "nextToken",
                            repositoryName="ref", commitSpecifier="main", filePath=busy_files[i]),
            lambda i: ["log", "--follow", "--format=%H", "main", "--", busy_files[i]])
    measure("GetFolder of the root",
            lambda i: api("GetFolder")(repositoryName="ref", commitSpecifier="main", folderPath="/"),
            lambda i: ["ls-tree", "main"])
    measure("GetFile of a 5 MB blob",
            # The response read whole, not decoded: `git cat-file` is not decoded either.
            lambda i: api("GetFile", parse=False)(repositoryName="ref", commitSpecifier="big",
                                                  filePath="assets/five-mb.bin"),
            lambda i: ["cat-file", "blob", "big:assets/five-mb.bin"],
            lambda got, out: base64.b64decode(json.loads(got)["fileContent"]) == out or
            sys.exit("GetFile: wrong content"))
    sources = [rev(f"diverged~{i}") for i in range(runs)]
    measure("GetMergeConflicts of long-diverged branches, every page",
            lambda i: paged(api("GetMergeConflicts"), "conflictMetadataList", "nextToken",
                            "nextToken", repositoryName="ref", destinationCommitSpecifier="main",
                            sourceCommitSpecifier=sources[i], mergeOption="THREE_WAY_MERGE"),
            lambda i: ["merge-tree", "--write-tree", "--name-only", "main", sources[i]])
    main_tip = rev("main")

    def three_way(i):
        target = f"merge-{i}-{time.time_ns()}"
        api("CreateBranch")(repositoryName="ref", branchName=target, commitId=main_tip)
        return api("MergeBranchesByThreeWay")(
            repositoryName="ref", sourceCommitSpecifier=sources[i],
            destinationCommitSpecifier="main", conflictResolutionStrategy="ACCEPT_SOURCE",
            targetBranch=target)["commitId"]
    measure("MergeBranchesByThreeWay of long-diverged branches (ACCEPT_SOURCE), with CreateBranch",
            three_way, lambda i: ["merge-tree", "--write-tree", "-X", "theirs", "main", sources[i]])
    store = ours.ep["store_file"]
    events = api("DescribePullRequestEvents")
    query = f"SELECT * FROM pull_request_events WHERE pull_request_id = {pid} ORDER BY event_id"
    measure("DescribePullRequestEvents of a pull request with 1,000 events, every page (100 each)",
            lambda i: paged(events, "pullRequestEvents", "nextToken", "nextToken",
                            pullRequestId=pid),
            lambda i: ["sqlite3", f"file:{store}?mode=ro", query],
            lambda n, out: n >= 1000 or sys.exit(f"DescribePullRequestEvents: {n} events"))
    token = None
    for _ in range(9):
        token = events(pullRequestId=pid, **({"nextToken": token} if token else {}))["nextToken"]
    measure("DescribePullRequestEvents, its last page (events 901-1,000)",
            lambda i: len(events(pullRequestId=pid, nextToken=token)["pullRequestEvents"]),
            lambda i: ["sqlite3", f"file:{store}?mode=ro", query + " LIMIT 100 OFFSET 900"],
            lambda n, out: n == 100 or sys.exit(f"last page: {n} events"))
    measure("GetRepository (one round trip: the floor of every page above)",
            lambda i: api("GetRepository")(repositoryName="ref"),
            lambda i: ["rev-parse", "main"])

def console(ours, env):
    """Every main console page on the bench repository, signed in as a console user over
    one kept-alive connection: the median of its loads against the 100 ms target."""
    import http.client
    import re
    log("console pages")
    cc, repo, git, base, busy_files, pid, rid = history_setup(ours, env)
    host, port = ours.ep["http_url"].split("://")[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port))

    def get(path, cookie=None):
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        r = conn.getresponse()
        return r, r.read()

    r, page = get("/console/signin")
    signin = r.getheader("set-cookie").split(";")[0]
    token = re.search(rb'name="_csrf" value="([0-9a-f]{64})"', page).group(1).decode()
    body = urllib.parse.urlencode({"_csrf": token, "account": "123456789012", "username": "bench",
                                   "password": CONSOLE_PASSWORD})
    conn.request("POST", "/console/signin", body=body, headers={
        "Cookie": signin, "Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    r.read()
    if r.status != 303:
        sys.exit(f"console sign-in: HTTP {r.status}")
    session = r.getheader("set-cookie").split(";")[0]
    folder = next(line.split("\t")[1] for line in git("ls-tree", "main").splitlines()
                  if " tree " in line)
    tip = git("rev-parse", "main").strip()
    q = urllib.parse.quote
    pages = [
        ("repository list", "/console/repositories"),
        ("repository (root folder, README)", "/console/repositories/ref"),
        ("a folder", f"/console/repositories/ref/code?ref=main&path={q(folder)}"),
        ("a busy file", f"/console/repositories/ref/code?ref=main&path={q(busy_files[0])}"),
        ("history of main (50 commits)", "/console/repositories/ref/commits?ref=main"),
        ("history of a busy file (50 commits)",
         f"/console/repositories/ref/commits?ref=main&path={q(busy_files[0])}"),
        ("a commit and its diff", f"/console/repositories/ref/commits/{tip}"),
        ("branches and tags", "/console/repositories/ref/branches"),
        ("pull requests", "/console/repositories/ref/pull-requests?status=all"),
        ("a pull request of long-diverged branches (approvals, merge options, conflicts)",
         f"/console/repositories/ref/pull-requests/{pid}"),
        ("its changes (1,500 files, diff capped)", f"/console/repositories/ref/pull-requests/{pid}?tab=changes"),
        ("its activity (first 100 of 1,000 events)",
         f"/console/repositories/ref/pull-requests/{pid}?tab=activity"),
        ("triggers and event log", "/console/repositories/ref/triggers"),
        ("an IAM user", "/console/iam/users/bench"),
    ]
    for name, path in pages:
        times = []
        for _ in range(RUNS + 1):
            t0 = time.perf_counter()
            r, data = get(path, session)
            times.append(time.perf_counter() - t0)
            if r.status != 200:
                sys.exit(f"console {path}: HTTP {r.status}: {data[:300]!r}")
        # The median of the loads after the first; the first (cold caches, a merge not yet
        # kept) is named with it.
        ms = statistics.median(times[1:]) * 1000
        add(f"console page: {name} ({len(data) // 1024} KiB; first load {times[0] * 1000:.0f} ms)",
            ms, "ms", "target 100 ms", 100, lambda v, r: v < 100)


def ready(fixture):
    log("start-to-ready")
    existing = ready_times(fixture, fresh=False)
    fresh = ready_times(fixture, fresh=True)
    add("ready on an existing data dir", existing * 1000, "ms", "target 100 ms", 100, lambda v, r: v <= 100)
    add("ready on a fresh data dir", fresh * 1000, "ms", "target 100 ms", 100, lambda v, r: v <= 100)
    subprocess.run(["cargo", "bench", "-q", "-p", "codecommit-local", "--bench", "start"], cwd=ROOT,
                   stdout=subprocess.DEVNULL, check=True)
    est = json.loads((criterion_dir() / "start" / "test_server" / "new" / "estimates.json").read_text())
    add("TestServer start in a Rust test (user, credential, key, repository), criterion median",
        est["median"]["point_estimate"] / 1e6, "ms", "target 50 ms", 50, lambda v, r: v <= 50)


def criterion_dir():
    return pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "criterion"


def auth():
    log("authentication micro-benchmark (criterion)")
    subprocess.run(["cargo", "bench", "-q", "-p", "codecommit-local", "--bench", "auth"], cwd=ROOT,
                   stdout=subprocess.DEVNULL, check=True)
    target = criterion_dir().parent
    for name, what in (("git_credential", "Git credential (store lookup + HMAC-SHA256)"),
                       ("sigv4_api", "SigV4 API request (parse, key lookup, signature)"),
                       ("sigv4_git", "SigV4 Git password (key lookup, two hosts tried)")):
        est = json.loads((target / "criterion" / "auth" / name / "new" / "estimates.json").read_text())
        add(f"per-request auth: {what}, criterion median", est["median"]["point_estimate"] / 1000, "µs")
    for name, what in (("decide_cached", "a push to main, 10 attached policies + 2 groups"),
                       ("decide_after_a_write", "the same, policies re-read after a store write")):
        est = json.loads((target / "criterion" / "authz" / name / "new" / "estimates.json").read_text())
        micros = est["median"]["point_estimate"] / 1000
        add(f"authorization: {what}, criterion median", micros, "µs", "target tens of µs", 100,
            lambda v, r: v < 100)


def report(size_mb):
    table = ["| measurement | value | reference | ratio | target met |", "|---|---|---|---|---|"]
    for name, value, unit, ref_name, ratio, met in rows:
        table.append(f"| {name} | {value:,.3f} {unit} | {ref_name} | {'' if ratio is None else f'{ratio:.2f}×'} | "
                     f"{'' if met is None else ('yes' if met else 'NO')} |")
    header = (f"# codecommit-local benchmark, {datetime.date.today()}\n\n"
              f"{os.cpu_count()} cores; {RUNS} runs per clone (median); reference repository {size_mb:.0f} MB"
              f"{' (quick)' if QUICK else ''}{' (only ' + ','.join(sorted(ONLY)) + ')' if ONLY else ''}.\n\n")
    runs = ["", "Every clone run, in seconds (the medians above come from these; the spread is this "
            "machine's noise):", ""]
    runs += [f"- {name}: {' '.join(f'{t:.3f}' for t in times)}" for name, times in clone_runs.items()]
    text = header + "\n".join(table) + "\n" + "\n".join(runs) + "\n"
    print(text)
    suffix = ("-quick" if QUICK else "") + ("-" + "-".join(sorted(ONLY)) if ONLY else "")
    results = ROOT / "bench" / "results" / f"{datetime.date.today()}{suffix}.md"
    results.write_text(text)
    log(f"written to {results}")


if __name__ == "__main__":
    main()
