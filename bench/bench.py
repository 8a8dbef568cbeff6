#!/usr/bin/env python3
"""codecommit-local against the reference Git servers, measured in one run on this machine.

Prints one table of medians and ratios and writes it to bench/results/<date>.md. Run it with
bench/run (which installs nginx, fcgiwrap, openssh-server, hyperfine and wrk). Everything
listens on loopback only. BENCH_QUICK=1 shrinks the workload for a smoke run;
BENCH_ONLY=api,auth (any of clones, pushes, concurrent, api, ready, auth) runs only those
sections, e.g. to compare API throughput and authentication cost between two builds.
"""

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
CONCURRENT = 16 if QUICK else 64
PASSWORD = "bench-password-0123456789"
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


def pushes(ours, env):
    log(f"{PUSH_MB} MiB pushes")
    big = WORK / f"big-{PUSH_MB}"
    if not big.exists():
        sh("git", "init", "-q", "-b", "main", str(big))
        with open(big / "big.bin", "wb") as f:
            for _ in range(PUSH_MB):
                f.write(os.urandom(1 << 20))
        sh("git", "-C", str(big), "add", "big.bin", env=env)
        sh("git", "-C", str(big), "-c", "user.name=b", "-c", "user.email=b@e", "-c", "core.compression=0",
           "commit", "-qm", "big", env=env)
    for scheme, repo in (("https", "push-https"), ("ssh", "push-ssh")):
        url = ours.url("https", repo) if scheme == "https" else ours.ssh_url(repo)
        ours.reset_peak()
        t0 = time.perf_counter()
        sh("git", "-C", str(big), "-c", "http.postBuffer=1048576", "push", "-q", url, "main", env=env)
        wall = time.perf_counter() - t0
        peak = ours.peak_rss_kib() / 1024
        add(f"push {PUSH_MB} MiB over {scheme.upper()}: wall", wall, "s")
        add(f"push {PUSH_MB} MiB over {scheme.upper()}: server peak RSS", peak, "MiB", "target 64 MiB", 64,
            lambda v, r: v <= 64)


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


def ready(fixture):
    log("start-to-ready")
    existing = ready_times(fixture, fresh=False)
    fresh = ready_times(fixture, fresh=True)
    add("ready on an existing data dir", existing * 1000, "ms", "target 100 ms", 100, lambda v, r: v <= 100)
    add("ready on a fresh data dir", fresh * 1000, "ms", "target 1000 ms", 1000, lambda v, r: v <= 1000)


def auth():
    log("authentication micro-benchmark (criterion)")
    subprocess.run(["cargo", "bench", "-q", "-p", "codecommit-local", "--bench", "auth"], cwd=ROOT,
                   stdout=subprocess.DEVNULL, check=True)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
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
