//! The embeddable test server, used from a Rust test the way a Git tool's test suite would.

use std::process::Command;
use std::time::Instant;

use codecommit_local::testing::TestServer;

#[track_caller]
fn ok(cmd: &mut Command) {
    let out = cmd.output().expect("spawn git");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_server_serves_git_with_generated_credentials() {
    let started = Instant::now();
    let server = TestServer::builder()
        .user("alice")
        .policy("AWSCodeCommitPowerUser")
        .git_credential()
        .access_key()
        .repository("tooling")
        .start()
        .await
        .expect("test server starts");
    eprintln!("embedded server ready in {:?}", started.elapsed());
    let login = server
        .git_credential("alice")
        .expect("alice has a Git credential")
        .clone();
    assert_eq!(login.user_name, "alice-at-123456789012");
    let key = server.access_key("alice").expect("alice has an access key");
    assert!(key.access_key_id.starts_with("AKIA") && key.access_key_id.len() == 20);

    let url = server.clone_url_https("tooling").replace(
        "https://",
        &format!("https://{}:{}@", login.user_name, login.password.expose()),
    );
    let scratch = tempfile::tempdir().unwrap();
    let work = scratch.path().join("w");
    let home = scratch.path().to_owned();
    let (url2, work2) = (url.clone(), work.clone());
    let ca = server.ca_file().to_owned();
    tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| {
            let mut cmd = Command::new("git");
            cmd.env("HOME", &home)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_SSL_CAINFO", &ca)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@e")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@e")
                .args(args);
            ok(&mut cmd);
        };
        run(&["clone", &url2, work2.to_str().unwrap()]);
        std::fs::write(work2.join("f.txt"), "f").unwrap();
        run(&["-C", work2.to_str().unwrap(), "add", "."]);
        run(&["-C", work2.to_str().unwrap(), "commit", "-qm", "f"]);
        run(&[
            "-C",
            work2.to_str().unwrap(),
            "push",
            "-q",
            "origin",
            "HEAD:refs/heads/main",
        ]);
    })
    .await
    .unwrap();

    // A wrong password is refused by the same server.
    let wrong = url.replace(login.password.expose(), "wrong-password");
    let out = tokio::task::spawn_blocking({
        let home = scratch.path().to_owned();
        let ca = server.ca_file().to_owned();
        move || {
            Command::new("git")
                .env("HOME", home)
                .env("GIT_SSL_CAINFO", ca)
                .env("GIT_TERMINAL_PROMPT", "0")
                .args(["ls-remote", &wrong])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(!out.status.success());

    // Dropped: the port closes and the data dir is gone.
    let addr = server.endpoints().https_addr;
    let data = server.endpoints().data_dir.clone();
    drop(server);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "listener still open after drop"
    );
    assert!(!data.exists(), "ephemeral data dir left behind");
}
