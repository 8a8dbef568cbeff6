//! Start-up, fixtures, the banner, persistence and shutdown of the real binary.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[test]
fn default_start_prints_a_banner_whose_commands_clone_demo() {
    let scratch = tempfile::tempdir().unwrap();
    let s = Server::start_in(
        scratch,
        Start {
            data_dir: None,
            fixtures: vec![],
            extra_env: vec![],
        },
    )
    .unwrap();
    let banner = s.stdout();
    let line = banner
        .lines()
        .find(|l| l.trim_start().starts_with("GIT_SSL_CAINFO="))
        .unwrap_or_else(|| panic!("no HTTPS clone command in the banner:\n{banner}"));
    let mut words = line.split_whitespace();
    let ca = words
        .next()
        .unwrap()
        .trim_start_matches("GIT_SSL_CAINFO=")
        .to_owned();
    let rest: Vec<&str> = words.collect();
    assert_eq!(&rest[..2], ["git", "clone"], "{line}");
    let dir = s.path("demo-https");
    ok(s.git()
        .env("GIT_SSL_CAINFO", &ca)
        .args(&rest[1..])
        .arg(&dir));
    assert!(dir.join("README.md").exists());

    let line = banner
        .lines()
        .find(|l| l.trim_start().starts_with("git clone http://"))
        .expect("HTTP clone command");
    let dir = s.path("demo-http");
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    ok(s.git().args(&args).arg(&dir));
    assert!(dir.join("README.md").exists());

    // The admin's documented example access key is in the store.
    let key = s
        .store()
        .read(|c| codecommit_local::store::iam::find_access_key(c, "AKIAIOSFODNN7EXAMPLE"))
        .unwrap()
        .expect("example access key");
    assert!(
        key.secret_access_key
            .ct_eq("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    );
    assert!(s.data_dir().join("endpoints.json").exists());
}

#[test]
fn restart_on_the_same_data_dir_keeps_everything() {
    let scratch = tempfile::tempdir().unwrap();
    let fixture = standard_fixture(scratch.path());
    let data = scratch.path().join("data");
    let start = |scratch| {
        Server::start_in(
            scratch,
            Start {
                data_dir: Some(&data),
                fixtures: vec![fixture.clone()],
                extra_env: vec![],
            },
        )
        .unwrap()
    };
    let s = start(scratch);
    let ca_before = std::fs::read(s.ca()).unwrap();
    let cert_before = std::fs::read(s.data_dir().join("tls/server.pem")).unwrap();
    let a = s.path("persist");
    ok(s.git().args(["clone", &s.alice_https("seeded")]).arg(&a));
    std::fs::write(a.join("kept.txt"), "kept").unwrap();
    ok(s.git().current_dir(&a).args(["add", "."]));
    ok(s.git().current_dir(&a).args(["commit", "-qm", "kept"]));
    ok(s.git().current_dir(&a).args(["push", "-q"]));
    let head = stdout_of(&ok(s.git().current_dir(&a).args(["rev-parse", "HEAD"])));
    let scratch = take_scratch(s);

    // Same data dir, same fixture again (idempotent): the push, the CA and cert survive.
    let s = start(scratch);
    assert_eq!(std::fs::read(s.ca()).unwrap(), ca_before);
    assert_eq!(
        std::fs::read(s.data_dir().join("tls/server.pem")).unwrap(),
        cert_before
    );
    let b = s.path("persist-2");
    ok(s.git().args(["clone", &s.alice_https("seeded")]).arg(&b));
    assert_eq!(
        stdout_of(&ok(s.git().current_dir(&b).args(["rev-parse", "HEAD"]))),
        head
    );
    let users: i64 = s
        .store()
        .read(|c| c.query_row("SELECT count(*) FROM users", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(users, 2, "the fixture applied twice created nothing new");
    let creds: i64 = s
        .store()
        .read(|c| c.query_row("SELECT count(*) FROM service_credentials", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(creds, 2);
}

/// Stops the server cleanly and hands back its scratch dir for the next start.
fn take_scratch(s: Server) -> tempfile::TempDir {
    let (status, scratch) = s.stop_keep_scratch();
    assert!(status.success(), "server exit {status}");
    scratch
}

#[test]
fn a_bad_fixture_stops_the_start_with_file_line_and_reason() {
    let scratch = tempfile::tempdir().unwrap();
    let bad = scratch.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[users]]\nname = \"ok\"\n\n[[repositories]]\nname = \"bad name!\"\n",
    )
    .unwrap();
    let err = Server::start_in(
        scratch,
        Start {
            data_dir: None,
            fixtures: vec![bad.clone()],
            extra_env: vec![],
        },
    )
    .err()
    .expect("the start is refused");
    assert!(err.contains(&format!("{}:5:", bad.display())), "{err}");
    assert!(err.contains("repository name"), "{err}");
}

#[test]
fn a_fixture_failing_half_way_leaves_the_store_untouched() {
    let scratch = tempfile::tempdir().unwrap();
    let keep = tempfile::tempdir().unwrap();
    let data = keep.path().join("data");
    let good = standard_fixture(scratch.path());
    let s = Server::start_in(
        scratch,
        Start {
            data_dir: Some(&data),
            fixtures: vec![good.clone()],
            extra_env: vec![],
        },
    )
    .unwrap();
    let scratch = take_scratch(s);
    // Valid on its own, but its access key already belongs to another user: found while
    // applying, after carol, her credential and a repository were written in the transaction.
    let first = scratch.path().join("keys.toml");
    std::fs::write(
        &first,
        "[[users]]\nname = \"dave\"\n  [[users.access_keys]]\n  id = \"AKIAAAAAAAAAAAAAAAAA\"\n  secret = \"0123456789012345678901234567890123456789\"\n",
    )
    .unwrap();
    let second = scratch.path().join("conflict.toml");
    std::fs::write(
        &second,
        "[[users]]\nname = \"carol\"\n  [[users.git_credentials]]\n  password = \"carol-pass\"\n\n[[users]]\nname = \"erin\"\n  [[users.access_keys]]\n  id = \"AKIAAAAAAAAAAAAAAAAA\"\n  secret = \"0123456789012345678901234567890123456789\"\n\n[[repositories]]\nname = \"never\"\n",
    )
    .unwrap();
    let err = Server::start_in(
        scratch,
        Start {
            data_dir: Some(&data),
            fixtures: vec![first, second.clone()],
            extra_env: vec![],
        },
    )
    .err()
    .expect("refused");
    assert!(err.contains(&format!("{}:9:", second.display())), "{err}");
    assert!(err.contains("belongs to another user"), "{err}");
    let store = codecommit_local::store::Store::open(&data.join("store.sqlite3")).unwrap();
    for name in ["carol", "dave", "erin"] {
        assert!(
            store
                .read(|c| codecommit_local::store::iam::find_user_by_name(c, ACCOUNT, name))
                .unwrap()
                .is_none(),
            "{name} was written"
        );
    }
    assert!(
        codecommit_local::codecommit::repositories::find(&store, ACCOUNT, "us-east-1", "never")
            .unwrap()
            .is_none()
    );
    let dirs = std::fs::read_dir(data.join("repositories"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != ".staging")
        .count();
    assert_eq!(
        dirs, 2,
        "only the two repositories of the good fixture are on disk"
    );
}

#[test]
fn sigterm_lets_an_in_flight_push_finish() {
    let scratch = tempfile::tempdir().unwrap();
    let fixture = standard_fixture(scratch.path());
    let data = scratch.path().join("data");
    let s = Server::start_in(
        scratch,
        Start {
            data_dir: Some(&data),
            fixtures: vec![fixture.clone()],
            extra_env: vec![],
        },
    )
    .unwrap();
    let a = s.path("inflight");
    ok(s.git()
        .args(["clone", "-q", &s.alice_http("seeded")])
        .arg(&a));
    // 40 MB of incompressible data keeps the push in flight for a while.
    let mut bytes = vec![0u8; 40 << 20];
    let mut x: u32 = 12345;
    for b in bytes.iter_mut() {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *b = (x >> 24) as u8;
    }
    std::fs::write(a.join("payload.bin"), &bytes).unwrap();
    ok(s.git().current_dir(&a).args(["add", "."]));
    ok(s.git().current_dir(&a).args(["commit", "-qm", "payload"]));
    let head = stdout_of(&ok(s.git().current_dir(&a).args(["rev-parse", "HEAD"])));
    // A post buffer larger than the pack makes git send it in one POST (no probe request
    // first), so the receive-pack request the server logs is the one carrying the pack.
    let mut push = s
        .git()
        .current_dir(&a)
        .args([
            "-c",
            "http.postBuffer=209715200",
            "push",
            "-q",
            "origin",
            "main",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the server has started receive-pack for this push, then SIGTERM it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !s.stderr().contains("/v1/repos/seeded/git-receive-pack") {
        assert!(
            Instant::now() < deadline,
            "push never reached the server: {}",
            s.stderr()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let (status, scratch) = s.stop_keep_scratch();
    let pushed = push.wait().unwrap();
    assert!(status.success(), "server exit {status}");
    assert!(pushed.success(), "the in-flight push failed");
    // After a restart the ref is the pushed commit, and the repository is sound.
    let s = Server::start_in(
        scratch,
        Start {
            data_dir: Some(&data),
            fixtures: vec![],
            extra_env: vec![],
        },
    )
    .unwrap();
    let refs = stdout_of(&ok(s.git().args([
        "ls-remote",
        &s.alice_https("seeded"),
        "refs/heads/main",
    ])));
    assert!(refs.starts_with(&head), "{refs}");
    ok(std::process::Command::new("git")
        .args(["fsck", "--strict"])
        .current_dir(s.repo_dir("seeded")));
}
