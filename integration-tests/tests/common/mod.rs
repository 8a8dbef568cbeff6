//! The harness: start the real `codecommit-local` binary on port 0 and drive it with real
//! clients. Nothing here mocks a client.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub const ACCOUNT: &str = "123456789012";
pub const PASSWORD: &str = "alice-test-password-1";
pub const ALICE: &str = "alice-at-123456789012";

/// The binary under test: `CODECOMMIT_LOCAL_BIN`, else the workspace's debug build.
pub fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("CODECOMMIT_LOCAL_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug/codecommit-local");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p codecommit-local` first (./scripts/test does)",
        bin.display()
    );
    bin
}

/// The standard test fixture: alice with a Git credential, a seeded repository and an
/// empty one.
pub fn standard_fixture(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("content")).unwrap();
    std::fs::write(dir.join("content/README.md"), "# seeded\n").unwrap();
    let path = dir.join("fixture.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[[users]]
name = "alice"
policies = ["AWSCodeCommitPowerUser"]
  [[users.git_credentials]]
  password = "{PASSWORD}"

[[users]]
name = "bob"
policies = ["AWSCodeCommitPowerUser"]
  [[users.git_credentials]]
  password = "bob-test-password-1"

[[repositories]]
name = "seeded"
description = "Seeded by the fixture"
default_branch = "main"
content = "content"

[[repositories]]
name = "empty"
"#
        ),
    )
    .unwrap();
    path
}

pub struct Server {
    child: Option<Child>,
    pub endpoints: serde_json::Value,
    pub stdout_file: PathBuf,
    pub stderr_file: PathBuf,
    /// Scratch space for this test: client HOME, clones, fixture.
    pub scratch: TempDir,
}

pub struct Start<'a> {
    pub data_dir: Option<&'a Path>,
    pub fixtures: Vec<PathBuf>,
    pub extra_env: Vec<(&'a str, &'a str)>,
}

impl Server {
    /// An ephemeral server with the standard fixture.
    pub fn standard() -> Server {
        Server::standard_with_env(&[])
    }

    /// An ephemeral server with the standard fixture and these `CODECOMMIT_LOCAL_*` settings.
    pub fn standard_with_env(env: &[(&str, &str)]) -> Server {
        let scratch = tempfile::tempdir().unwrap();
        let fixture = standard_fixture(scratch.path());
        Server::start_in(
            scratch,
            Start {
                data_dir: None,
                fixtures: vec![fixture],
                extra_env: env.to_vec(),
            },
        )
        .expect("server starts")
    }

    /// Starts the binary and waits for its ready file; `Err(stderr)` if it exits instead.
    pub fn start_in(scratch: TempDir, start: Start<'_>) -> Result<Server, String> {
        let n = std::fs::read_dir(scratch.path()).unwrap().count();
        let ready = scratch.path().join(format!("ready-{n}.json"));
        let stdout_file = scratch.path().join(format!("server-{n}.out"));
        let stderr_file = scratch.path().join(format!("server-{n}.err"));
        let mut cmd = Command::new(binary());
        cmd.arg("serve")
            .args(["--https-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"])
            .args(["--ssh-addr", "127.0.0.1:0"])
            .arg("--ready-file")
            .arg(&ready)
            .env("CODECOMMIT_LOCAL_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout_file).unwrap())
            .stderr(std::fs::File::create(&stderr_file).unwrap());
        match start.data_dir {
            Some(d) => cmd.arg("--data-dir").arg(d),
            None => cmd.arg("--ephemeral"),
        };
        for f in &start.fixtures {
            cmd.arg("--fixtures").arg(f);
        }
        for (k, v) in &start.extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn codecommit-local");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(text) = std::fs::read_to_string(&ready) {
                let endpoints = serde_json::from_str(&text).expect("ready file is JSON");
                return Ok(Server {
                    child: Some(child),
                    endpoints,
                    stdout_file,
                    stderr_file,
                    scratch,
                });
            }
            if let Some(status) = child.try_wait().unwrap() {
                let err = std::fs::read_to_string(&stderr_file).unwrap_or_default();
                return Err(format!("exited with {status}: {err}"));
            }
            assert!(Instant::now() < deadline, "server not ready in 60 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn https(&self) -> String {
        self.endpoints["https_url"].as_str().unwrap().to_owned()
    }

    pub fn http(&self) -> String {
        self.endpoints["http_url"].as_str().unwrap().to_owned()
    }

    pub fn http_port(&self) -> u16 {
        self.endpoints["http_addr"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub fn ca(&self) -> PathBuf {
        PathBuf::from(self.endpoints["ca_file"].as_str().unwrap())
    }

    pub fn data_dir(&self) -> PathBuf {
        PathBuf::from(self.endpoints["data_dir"].as_str().unwrap())
    }

    pub fn store(&self) -> codecommit_local::store::Store {
        codecommit_local::store::Store::open(Path::new(
            self.endpoints["store_file"].as_str().unwrap(),
        ))
        .unwrap()
    }

    /// The clone URL of `repo` with a user and password embedded.
    pub fn url(&self, base: &str, user: &str, password: &str, repo: &str) -> String {
        let (scheme, rest) = base.split_once("://").unwrap();
        format!("{scheme}://{user}:{password}@{rest}/v1/repos/{repo}")
    }

    pub fn alice_https(&self, repo: &str) -> String {
        self.url(&self.https(), ALICE, PASSWORD, repo)
    }

    pub fn alice_http(&self, repo: &str) -> String {
        self.url(&self.http(), ALICE, PASSWORD, repo)
    }

    /// A `git` command isolated from the machine's configuration, trusting this server's CA.
    pub fn git(&self) -> Command {
        let home = self.scratch.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut cmd = Command::new("git");
        cmd.env("HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_SSL_CAINFO", self.ca())
            .env("GIT_AUTHOR_NAME", "Test Author")
            .env("GIT_AUTHOR_EMAIL", "author@example.com")
            .env("GIT_COMMITTER_NAME", "Test Author")
            .env("GIT_COMMITTER_EMAIL", "author@example.com")
            .env_remove("GIT_DIR")
            .env_remove("GIT_PROTOCOL")
            .stdin(Stdio::null());
        cmd
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    /// The bare repository on disk for `repo`, found through the store.
    pub fn repo_dir(&self, repo: &str) -> PathBuf {
        let store = self.store();
        let row =
            codecommit_local::codecommit::repositories::find(&store, ACCOUNT, "us-east-1", repo)
                .unwrap()
                .expect("repository exists");
        codecommit_local::codecommit::repositories::repo_dir(
            &self.data_dir().join("repositories"),
            &row.repository_id,
        )
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_file).unwrap_or_default()
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout_file).unwrap_or_default()
    }

    /// The server's own peak resident set (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }

    /// SIGTERM, wait for the exit, and hand back the scratch dir (with any data dir in it).
    pub fn stop_keep_scratch(mut self) -> (std::process::ExitStatus, TempDir) {
        let status = self.terminate();
        let scratch = std::mem::replace(&mut self.scratch, tempfile::tempdir().unwrap());
        (status, scratch)
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        self.terminate()
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A raw HTTP/1.1 request on the plain HTTP port: (status, headers + body text).
    pub fn raw_http(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.http_port())).unwrap();
        let mut req =
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("Content-Length: 0\r\n\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, text)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs a command and returns its output, failing the test with both streams if it fails.
#[track_caller]
pub fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{:?} failed: {}\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a command expected to fail; returns its stderr.
#[track_caller]
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn");
    assert!(!out.status.success(), "{cmd:?} unexpectedly succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `Basic <base64(user:password)>`, an Authorization header value.
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}
