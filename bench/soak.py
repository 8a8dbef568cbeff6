"""The soak: the release binary under a steady mix of HTTPS clones, SSH clones, pushes and
API calls for MINUTES (default 10), sampling the server's resident memory, open file
descriptors and threads every 10 s. Prints the curve and writes
bench/results/<date>-soak.md. Flat means the last two minutes' median of anonymous memory
(RssAnon: what the server allocated) within 10 % of the fifth minute's (after the warm-up
in which SQLite's capped page caches fill), and descriptors within 16. File-backed pages (the binary, mmapped packs of a repository that grows by
every push) are reported beside it.

    bench/run --soak [MINUTES]
"""

import concurrent.futures
import datetime
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import boto3
from botocore.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / "target" / "release" / "codecommit-local"
# SOAK_HEAPTRACK=FILE.zst records the server's heap with heaptrack (heaptrack_print FILE.zst).
HEAPTRACK = os.environ.get("SOAK_HEAPTRACK")
KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def sample(pid):
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    mib = lambda k: int(fields[k].split()[0]) / 1024  # noqa: E731
    # RssAnon is what the process allocated (heap, stacks); RssFile is mapped files' pages in
    # memory (the binary, and libgit2's mmapped packs), which the kernel can drop at will.
    return {"rss_mib": mib("VmRSS"), "anon_mib": mib("RssAnon"), "file_mib": mib("RssFile"),
            "fds": len(os.listdir(f"/proc/{pid}/fd")), "threads": int(fields["Threads"])}


def main():
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="cc-soak-"))
    ready = scratch / "ready.json"
    server_env, recorder = dict(os.environ), None
    if HEAPTRACK:
        # Every allocation the server makes goes through heaptrack's recorder; the server is
        # killed at the end, so what it still holds then is reported as not freed.
        fifo = scratch / "heaptrack.fifo"
        os.mkfifo(fifo)
        recorder = subprocess.Popen(
            f"/usr/lib/heaptrack/libexec/heaptrack_interpret < {fifo} | zstd -q -c > {HEAPTRACK}",
            shell=True)
        # MALLOC_ARENA_MAX set: the server does not replace itself to set it, which would
        # leave heaptrack's recorder (it drops LD_PRELOAD once loaded) behind.
        server_env.update(LD_PRELOAD="/usr/lib/heaptrack/libheaptrack_preload.so",
                          DUMP_HEAPTRACK_OUTPUT=str(fifo),
                          MALLOC_ARENA_MAX=server_env.get("MALLOC_ARENA_MAX", "2"))
    server = subprocess.Popen(
        [str(BIN), "serve", "--data-dir", str(scratch / "data"), "--https-addr", "127.0.0.1:0",
         "--http-addr", "127.0.0.1:0", "--ssh-addr", "127.0.0.1:0", "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL, stderr=open(scratch / "server.log", "wb"), env=server_env)
    while not ready.exists():
        time.sleep(0.05)
    ep = json.loads(ready.read_text())
    env = dict(os.environ, HOME=str(scratch), GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0",
               GIT_SSL_CAINFO=ep["ca_file"])
    client = lambda svc: boto3.client(  # noqa: E731
        svc, endpoint_url=ep["https_url"], region_name="us-east-1", aws_access_key_id=KEY,
        aws_secret_access_key=SECRET, verify=ep["ca_file"], config=Config(retries={"max_attempts": 1}))
    iam, cc = client("iam"), client("codecommit")
    cred = iam.create_service_specific_credential(
        UserName="admin", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-t", "rsa", "-b", "2048", "-f",
                    str(scratch / "key")], check=True)
    key_id = iam.upload_ssh_public_key(UserName="admin", SSHPublicKeyBody=(
        scratch / "key.pub").read_text())["SSHPublicKey"]["SSHPublicKeyId"]
    cc.create_repository(repositoryName="soak")
    tip = first = None
    for i in range(50):
        tip = cc.create_commit(repositoryName="soak", branchName="main",
                               **({"parentCommitId": tip} if tip else {}),
                               putFiles=[{"filePath": f"d{i % 7}/f{i}.txt",
                                          "fileContent": os.urandom(20000)}])["commitId"]
        first = first or tip
    login = urllib.parse.quote(cred["ServiceUserName"], safe="") + ":" + urllib.parse.quote(
        cred["ServicePassword"], safe="")
    https = ep["https_url"].replace("https://", f"https://{login}@") + "/v1/repos/soak"
    ssh_port = ep["ssh_addr"].rsplit(":", 1)[1]
    ssh_env = dict(env, GIT_SSH_COMMAND=(
        f"ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no "
        f"-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -i {scratch / 'key'} -p {ssh_port}"))
    ssh_url = f"ssh://{key_id}@localhost:{ssh_port}/v1/repos/soak"
    stop = time.time() + minutes * 60
    counts = {"https_clone": 0, "ssh_clone": 0, "push": 0, "api": 0, "errors": 0}
    lock = threading.Lock()

    def count(kind, ok=True):
        with lock:
            counts[kind if ok else "errors"] += 1

    def cloner(n, url, run_env, kind):
        while time.time() < stop:
            d = scratch / f"{kind}-{n}"
            r = subprocess.run(["git", "clone", "-q", url, str(d)], env=run_env,
                               capture_output=True)
            subprocess.run(["rm", "-rf", str(d)])
            count(kind, r.returncode == 0)

    def pusher(n):
        work = scratch / f"push-{n}"
        subprocess.run(["git", "clone", "-q", https, str(work)], env=env, check=True)
        i = 0
        while time.time() < stop:
            i += 1
            (work / f"p{n}.txt").write_text(f"{i}\n")
            subprocess.run(["git", "-C", str(work), "add", "."], env=env, check=True)
            subprocess.run(["git", "-C", str(work), "-c", "user.name=s", "-c", "user.email=s@e",
                            "commit", "-qm", f"p{n}-{i}"], env=env, check=True)
            r = subprocess.run(["git", "-C", str(work), "push", "-q", "origin",
                                f"HEAD:refs/heads/p{n}"], env=env, capture_output=True)
            count("push", r.returncode == 0)

    def caller(n):
        c, i = client("codecommit"), 0
        while time.time() < stop:
            i += 1
            try:
                c.get_repository(repositoryName="soak")
                c.get_differences(repositoryName="soak", afterCommitSpecifier="main",
                                  beforeCommitSpecifier=first)
                c.get_folder(repositoryName="soak", folderPath="/")
                c.list_branches(repositoryName="soak")
                pr = c.create_pull_request(title=f"soak {n}-{i}", targets=[{
                    "repositoryName": "soak", "sourceReference": f"p{n % 2}",
                    "destinationReference": "main"}])["pullRequest"]
                c.update_pull_request_status(pullRequestId=pr["pullRequestId"],
                                             pullRequestStatus="CLOSED")
                count("api")
            except Exception as e:  # noqa: BLE001 (a failure is counted, the soak goes on)
                count("api", False)
                if n == 0 and counts["errors"] < 3:
                    print(f"API round failed: {e}", flush=True)
                time.sleep(0.1)

    samples = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        jobs = [pool.submit(cloner, i, https, env, "https_clone") for i in range(3)]
        jobs += [pool.submit(cloner, i, ssh_url, ssh_env, "ssh_clone") for i in range(2)]
        jobs += [pool.submit(pusher, i) for i in range(2)]
        time.sleep(5)  # the pushers' branches exist before pull requests name them
        jobs += [pool.submit(caller, i) for i in range(3)]
        started = time.time()
        while time.time() < stop:
            s = sample(server.pid)
            s["store_mib"] = sum(f.stat().st_size for f in (scratch / "data").glob(
                "store.sqlite3*")) / 2**20
            s["t"] = round(time.time() - started)
            with lock:
                s.update(counts)
            samples.append(s)
            print(f"{s['t']:5d}s rss {s['rss_mib']:7.1f} MiB (anon {s['anon_mib']:6.1f})  fds {s['fds']:4d}  threads "
                  f"{s['threads']:3d}  {counts}", flush=True)
            time.sleep(10)
        for j in jobs:
            j.result()
    time.sleep(3)
    idle = sample(server.pid)
    if recorder:
        server.kill()
        server.wait()
        recorder.wait()
    else:
        server.terminate()
        server.wait(timeout=60)

    def window(lo, hi):
        return [s for s in samples if lo <= s["t"] < hi]
    end = samples[-1]["t"]
    # Warm-up: SQLite's page caches (2,000 KiB per connection, five connections) fill as the
    # store grows, about 10 MiB in all; the reference is the minute before the fifth.
    warm = min(300, end // 2)
    early, late = window(warm - 60, warm), window(end - 120, end + 1)
    rss_early = statistics.median(s["anon_mib"] for s in early)
    rss_late = statistics.median(s["anon_mib"] for s in late)
    file_early = statistics.median(s["file_mib"] for s in early)
    file_late = statistics.median(s["file_mib"] for s in late)
    fd_early = statistics.median(s["fds"] for s in early)
    fd_late = statistics.median(s["fds"] for s in late)
    flat = rss_late <= rss_early * 1.10 and fd_late <= fd_early + 16
    lines = [f"# Soak, {datetime.date.today()}: {minutes:g} minutes",
             "",
             "Three HTTPS cloners, two SSH cloners, two pushers and three API callers "
             "(GetRepository, GetDifferences, GetFolder, ListBranches, CreatePullRequest, "
             "UpdatePullRequestStatus) against the release binary, at once; sampled every 10 s.",
             "",
             "| t (s) | RSS (MiB) | anonymous | file-backed | open fds | threads | store (MiB) | HTTPS clones | SSH clones | pushes | API rounds | errors |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in samples[::3] + [samples[-1]]:
        lines.append(f"| {s['t']} | {s['rss_mib']:.1f} | {s['anon_mib']:.1f} | {s['file_mib']:.1f} | "
                     f"{s['fds']} | {s['threads']} | "
                     f"{s['store_mib']:.1f} | "
                     f"{s['https_clone']} | {s['ssh_clone']} | {s['push']} | {s['api']} | "
                     f"{s['errors']} |")
    lines += ["",
              f"Anonymous memory, median of the minute before {warm} s: {rss_early:.1f} MiB, {fd_early:g} fds; "
              f"last two minutes': {rss_late:.1f} MiB, {fd_late:g} fds (file-backed "
              f"{file_early:.1f} → {file_late:.1f} MiB); 3 s after the load stopped: "
              f"{idle['rss_mib']:.1f} MiB RSS ({idle['anon_mib']:.1f} anonymous), "
              f"{idle['fds']} fds, {idle['threads']} threads. "
              f"**{'Flat' if flat else 'NOT flat'}.**"]
    out = ROOT / "bench" / "results" / f"{datetime.date.today()}-soak.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"written to {out}")
    sys.exit(0 if flat else 1)


if __name__ == "__main__":
    main()
