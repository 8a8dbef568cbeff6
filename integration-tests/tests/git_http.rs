//! Git smart HTTP with Git credentials, driven by the real `git` against the real binary.

mod common;

use std::path::Path;
use std::process::Command;

use codecommit_local::store::CredentialStatus;
use common::*;

fn roundtrip(server: &Server, url: &str, protocol: &str) {
    let tag = format!(
        "{}-{protocol}",
        if url.starts_with("https") {
            "https"
        } else {
            "http"
        }
    );
    let a = server.path(&format!("a-{tag}"));
    ok(server
        .git()
        .args(["-c", &format!("protocol.version={protocol}"), "clone", url])
        .arg(&a));
    assert_eq!(
        std::fs::read_to_string(a.join("README.md")).unwrap(),
        "# seeded\n"
    );
    std::fs::write(a.join(format!("{tag}.txt")), &tag).unwrap();
    ok(server.git().current_dir(&a).args(["add", "."]));
    ok(server.git().current_dir(&a).args(["commit", "-qm", &tag]));
    ok(server.git().current_dir(&a).args([
        "-c",
        &format!("protocol.version={protocol}"),
        "push",
        "origin",
        "main",
    ]));
    let head = stdout_of(&ok(server
        .git()
        .current_dir(&a)
        .args(["rev-parse", "HEAD"])));

    // A fresh clone sees the push.
    let b = server.path(&format!("b-{tag}"));
    ok(server
        .git()
        .args(["-c", &format!("protocol.version={protocol}"), "clone", url])
        .arg(&b));
    assert_eq!(
        stdout_of(&ok(server
            .git()
            .current_dir(&b)
            .args(["rev-parse", "HEAD"]))),
        head
    );

    // A second push from b, fetched by a.
    std::fs::write(b.join("more.txt"), "more").unwrap();
    ok(server.git().current_dir(&b).args(["add", "."]));
    ok(server.git().current_dir(&b).args(["commit", "-qm", "more"]));
    ok(server.git().current_dir(&b).args(["push", "-q"]));
    let new_head = stdout_of(&ok(server
        .git()
        .current_dir(&b)
        .args(["rev-parse", "HEAD"])));
    ok(server.git().current_dir(&a).args([
        "-c",
        &format!("protocol.version={protocol}"),
        "fetch",
        "origin",
    ]));
    assert_eq!(
        stdout_of(&ok(server
            .git()
            .current_dir(&a)
            .args(["rev-parse", "origin/main"]))),
        new_head
    );
}

#[test]
fn clone_push_fetch_https_v2() {
    let s = Server::standard();
    roundtrip(&s, &s.alice_https("seeded"), "2");
}

#[test]
fn clone_push_fetch_https_v0() {
    let s = Server::standard();
    roundtrip(&s, &s.alice_https("seeded"), "0");
}

#[test]
fn clone_push_fetch_http_v2() {
    let s = Server::standard();
    roundtrip(&s, &s.alice_http("seeded"), "2");
}

#[test]
fn clone_push_fetch_http_v0() {
    let s = Server::standard();
    roundtrip(&s, &s.alice_http("seeded"), "0");
}

#[test]
fn protocol_v2_is_really_spoken() {
    let s = Server::standard();
    let out = ok(s.git().env("GIT_TRACE_PACKET", "1").args([
        "-c",
        "protocol.version=2",
        "ls-remote",
        &s.alice_https("seeded"),
    ]));
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(trace.contains("< version 2"), "{trace}");
    let out = ok(s.git().env("GIT_TRACE_PACKET", "1").args([
        "-c",
        "protocol.version=0",
        "ls-remote",
        &s.alice_https("seeded"),
    ]));
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(!trace.contains("< version 2"), "{trace}");
    assert!(trace.contains("# service=git-upload-pack"), "{trace}");
}

/// git's libcurl offers h2 first; the server picks HTTP/1.1, where a streamed push cannot
/// meet libcurl's read-after-end bug (7.84.0 to 8.1.2) that hangs large HTTP/2 pushes.
#[test]
fn git_over_tls_speaks_http_1_1() {
    let s = Server::standard();
    let a = s.path("streamed");
    ok(s.git()
        .args(["clone", "-q", &s.alice_https("seeded")])
        .arg(&a));
    pseudo_random_file(&a.join("two-mib.bin"), 2 << 20);
    ok(s.git().current_dir(&a).args(["add", "two-mib.bin"]));
    ok(s.git().current_dir(&a).args(["commit", "-qm", "streamed"]));
    // A post buffer smaller than the pack makes git stream the body, as large pushes do.
    let out = ok(s
        .git()
        .current_dir(&a)
        .env("GIT_TRACE_CURL", "1")
        .env("GIT_TRACE_CURL_NO_DATA", "1")
        .args([
            "-c",
            "http.postBuffer=65536",
            "push",
            "-q",
            "origin",
            "main",
        ]));
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(trace.contains("ALPN: offers h2"), "git offered h2: {trace}");
    assert!(trace.contains("ALPN: server accepted http/1.1"), "{trace}");
    assert!(
        trace.contains("Transfer-Encoding: chunked"),
        "the pack was streamed: {trace}"
    );
    assert!(!trace.contains("HTTP/2 200"), "{trace}");
}

#[test]
fn status_codes_and_headers() {
    let s = Server::standard();
    let refs = "/v1/repos/seeded/info/refs?service=git-upload-pack";
    // No credentials: 401 with a Basic challenge, so git asks its credential helper.
    let (status, text) = s.raw_http("GET", refs, &[]);
    assert_eq!(status, 401, "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("www-authenticate: basic realm=\"codecommit-local\""),
        "{text}"
    );
    // Good credentials: 200 with git's content type and no-cache headers.
    let good = basic(ALICE, PASSWORD);
    let (status, text) = s.raw_http("GET", refs, &[("Authorization", &good)]);
    assert_eq!(status, 200, "{text}");
    let lower = text.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/x-git-upload-pack-advertisement"));
    assert!(lower.contains("cache-control: no-cache"));
    assert!(
        text.contains("001e# service=git-upload-pack\n0000"),
        "{text}"
    );
    // Wrong password, unknown user, malformed: 403.
    for auth in [
        basic(ALICE, "Wr0ng-Secret-Value"),
        basic("nobody-at-123456789012", PASSWORD),
        "Basic !!!".to_owned(),
    ] {
        let (status, text) = s.raw_http("GET", refs, &[("Authorization", &auth)]);
        assert_eq!(status, 403, "{auth}: {text}");
        assert!(!text.contains(PASSWORD));
    }
    // Unknown repository after successful auth: 404; never a path.
    for path in [
        "/v1/repos/nope/info/refs?service=git-upload-pack",
        "/v1/repos/..%2F..%2Fetc/info/refs?service=git-upload-pack",
        "/v1/repos/x.git/info/refs?service=git-upload-pack",
    ] {
        let (status, text) = s.raw_http("GET", path, &[("Authorization", &good)]);
        assert_eq!(status, 404, "{path}: {text}");
    }
    // Dumb HTTP is refused.
    let (status, _) = s.raw_http(
        "GET",
        "/v1/repos/seeded/info/refs",
        &[("Authorization", &good)],
    );
    assert_eq!(status, 403);
    // The secret never reaches the log.
    assert!(!s.stderr().contains(PASSWORD));
    assert!(!s.stderr().contains("Wr0ng-Secret-Value"));

    // What git itself reports.
    let err = fails(
        s.git()
            .args(["ls-remote", &s.url(&s.https(), ALICE, "wrong", "seeded")]),
    );
    assert!(err.contains("403"), "{err}");
    let err = fails(s.git().args(["ls-remote", &s.alice_https("missing")]));
    assert!(err.contains("not found"), "{err}");
    let err = fails(
        s.git()
            .args(["ls-remote", &format!("{}/v1/repos/seeded", s.https())]),
    );
    assert!(
        err.contains("could not read Username") || err.contains("401"),
        "{err}"
    );
}

#[test]
fn inactive_credential_is_refused_and_reactivation_restores_access() {
    let s = Server::standard();
    let url = s.alice_https("seeded");
    ok(s.git().args(["ls-remote", &url]));
    let store = s.store();
    let user = store
        .read(|c| codecommit_local::store::iam::find_user_by_name(c, ACCOUNT, "alice"))
        .unwrap()
        .unwrap();
    let creds = store
        .read(|c| codecommit_local::iam::credentials::list_for_user(c, &user.user_id))
        .unwrap();
    let id = creds[0].credential_id.clone();
    let set = |status| {
        store
            .write(|c| codecommit_local::iam::credentials::set_status(c, &id, status))
            .unwrap()
    };
    assert!(set(CredentialStatus::Inactive));
    let err = fails(s.git().args(["ls-remote", &url]));
    assert!(err.contains("403"), "{err}");
    let (status, _) = s.raw_http(
        "GET",
        "/v1/repos/seeded/info/refs?service=git-upload-pack",
        &[("Authorization", &basic(ALICE, PASSWORD))],
    );
    assert_eq!(status, 403);
    assert!(s.stderr().contains("is inactive"));
    assert!(set(CredentialStatus::Active));
    ok(s.git().args(["ls-remote", &url]));

    // Deleting the credential and the user: refused at once.
    store
        .write(|c| codecommit_local::iam::credentials::delete(c, &id))
        .unwrap();
    store
        .write(|c| {
            codecommit_local::iam::policies::detach(
                c,
                codecommit_local::store::policies::OwnerKind::User,
                &user.user_id,
                "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser",
            )
        })
        .unwrap();
    store
        .write(|c| codecommit_local::iam::users::delete(c, ACCOUNT, "alice"))
        .unwrap();
    let err = fails(s.git().args(["ls-remote", &url]));
    assert!(err.contains("403"), "{err}");
}

#[test]
fn first_push_to_an_empty_repository_sets_the_default_branch() {
    let s = Server::standard();
    let url = s.alice_https("empty");
    let a = s.path("empty-clone");
    let out = ok(s.git().args(["clone", &url]).arg(&a));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty repository"));
    std::fs::write(a.join("f.txt"), "x").unwrap();
    ok(s.git().current_dir(&a).args(["checkout", "-qb", "trunk"]));
    ok(s.git().current_dir(&a).args(["add", "."]));
    ok(s.git().current_dir(&a).args(["commit", "-qm", "first"]));
    ok(s.git().current_dir(&a).args(["push", "origin", "trunk"]));
    // HEAD of the bare repository and the store both name the pushed branch.
    let head = std::fs::read_to_string(s.repo_dir("empty").join("HEAD")).unwrap();
    assert_eq!(head.trim(), "ref: refs/heads/trunk");
    let row =
        codecommit_local::codecommit::repositories::find(&s.store(), ACCOUNT, "us-east-1", "empty")
            .unwrap()
            .unwrap();
    assert_eq!(row.default_branch.as_deref(), Some("trunk"));
    // A fresh clone checks out that branch.
    let b = s.path("empty-clone-2");
    ok(s.git().args(["clone", &url]).arg(&b));
    let branch = stdout_of(&ok(s
        .git()
        .current_dir(&b)
        .args(["branch", "--show-current"])));
    assert_eq!(branch, "trunk");
    // A later push of another branch does not move it.
    ok(s.git()
        .current_dir(&a)
        .args(["push", "origin", "trunk:other"]));
    let head = std::fs::read_to_string(s.repo_dir("empty").join("HEAD")).unwrap();
    assert_eq!(head.trim(), "ref: refs/heads/trunk");
}

#[test]
fn gzipped_upload_pack_requests_are_accepted() {
    let s = Server::standard();
    let a = s.path("many");
    ok(s.git().args(["clone", &s.alice_https("seeded")]).arg(&a));
    // 64 branches with distinct tips: the wants of a v0 clone exceed 1 KiB, so git gzips.
    for i in 0..64 {
        std::fs::write(a.join("n.txt"), i.to_string()).unwrap();
        ok(s.git()
            .current_dir(&a)
            .args(["commit", "-qam", &format!("c{i}"), "--allow-empty"]));
        ok(s.git().current_dir(&a).args(["add", "."]));
        ok(s.git()
            .current_dir(&a)
            .args(["commit", "-qm", &format!("b{i}"), "--allow-empty"]));
        ok(s.git()
            .current_dir(&a)
            .args(["branch", &format!("b{i:02}")]));
    }
    ok(s.git()
        .current_dir(&a)
        .args(["push", "-q", "origin", "--all"]));
    let b = s.path("many-clone");
    ok(s.git()
        .args([
            "-c",
            "protocol.version=0",
            "clone",
            "--mirror",
            &s.alice_https("seeded"),
        ])
        .arg(&b));
    let refs = stdout_of(&ok(s
        .git()
        .current_dir(&b)
        .args(["for-each-ref", "refs/heads"])));
    assert_eq!(refs.lines().count(), 65);
    assert!(
        s.stderr().contains("gzip request body"),
        "git did not gzip: the test proves nothing"
    );
}

fn pseudo_random_file(path: &Path, bytes: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = bytes;
    while left > 0 {
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        let n = left.min(buf.len());
        f.write_all(&buf[..n]).unwrap();
        left -= n;
    }
}

#[test]
fn push_of_a_100_mb_file_streams_with_flat_memory() {
    let s = Server::standard();
    let a = s.path("big");
    ok(s.git().args(["clone", &s.alice_https("seeded")]).arg(&a));
    pseudo_random_file(&a.join("big.bin"), 100 << 20);
    ok(s.git().current_dir(&a).args(["add", "big.bin"]));
    ok(s.git().current_dir(&a).args(["commit", "-qm", "big"]));
    let before = s.peak_rss_kib();
    ok(s.git()
        .current_dir(&a)
        .args(["push", "-q", "origin", "main"]));
    let peak = s.peak_rss_kib();
    eprintln!("server peak RSS: {before} KiB before the push, {peak} KiB after");
    assert!(
        peak < 64 * 1024,
        "server peak RSS {peak} KiB while receiving 100 MB"
    );
    let b = s.path("big-clone");
    ok(s.git()
        .args(["clone", "-q", &s.alice_http("seeded")])
        .arg(&b));
    assert!(
        std::fs::read(a.join("big.bin")).unwrap() == std::fs::read(b.join("big.bin")).unwrap(),
        "the cloned file differs"
    );
    ok(Command::new("git")
        .args(["fsck", "--strict"])
        .current_dir(s.repo_dir("seeded")));
}

#[test]
fn concurrent_clones_and_pushes() {
    let s = Server::standard();
    let url = s.alice_https("seeded");
    std::thread::scope(|scope| {
        for i in 0..16 {
            let (s, url) = (&s, &url);
            scope.spawn(move || {
                let dir = s.path(&format!("cc-{i}"));
                ok(s.git().args(["clone", "-q", url]).arg(&dir));
                assert!(dir.join("README.md").exists());
            });
        }
    });
    std::thread::scope(|scope| {
        for i in 0..8 {
            let s = &s;
            scope.spawn(move || {
                let dir = s.path(&format!("cc-{i}"));
                std::fs::write(dir.join(format!("p{i}.txt")), i.to_string()).unwrap();
                ok(s.git().current_dir(&dir).args(["add", "."]));
                ok(s.git()
                    .current_dir(&dir)
                    .args(["commit", "-qm", &format!("push {i}")]));
                ok(s.git().current_dir(&dir).args([
                    "push",
                    "-q",
                    "origin",
                    &format!("HEAD:refs/heads/branch-{i}"),
                ]));
            });
        }
    });
    let refs = stdout_of(&ok(s.git().args(["ls-remote", "--heads", &url])));
    for i in 0..8 {
        assert!(refs.contains(&format!("refs/heads/branch-{i}")), "{refs}");
    }
    ok(Command::new("git")
        .args(["fsck", "--strict"])
        .current_dir(s.repo_dir("seeded")));
}
