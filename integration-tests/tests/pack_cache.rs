//! The `git pack-objects` hook behind upload-pack (cache and limit), seen through real clones.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::*;

fn cache_dir(s: &Server) -> PathBuf {
    s.data_dir().join("cache").join("pack-objects")
}

/// The cached packs: (file name, inode).
fn cached_packs(s: &Server) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(cache_dir(s)) else {
        return Vec::new();
    };
    let mut packs: Vec<(String, u64)> = entries
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().ino(),
            )
        })
        .collect();
    packs.sort();
    packs
}

fn head_of(s: &Server, dir: &std::path::Path) -> String {
    stdout_of(&ok(s.git().current_dir(dir).args(["rev-parse", "HEAD"])))
}

#[test]
fn identical_clones_are_served_one_cached_pack() {
    let s = Server::standard();
    let url = s.alice_https("seeded");
    let first = s.path("first");
    ok(s.git().args(["clone", "-q", &url]).arg(&first));
    let packs = cached_packs(&s);
    assert_eq!(packs.len(), 1, "the first clone fills the cache: {packs:?}");

    // Clones of the same commit (over both HTTP listeners, at once) read that same file:
    // a regenerated pack would be a new file under the same name, so a new inode.
    std::thread::scope(|scope| {
        for i in 0..8 {
            let s = &s;
            let url = if i % 2 == 0 {
                s.alice_https("seeded")
            } else {
                s.alice_http("seeded")
            };
            scope.spawn(move || {
                let dir = s.path(&format!("again-{i}"));
                ok(s.git().args(["clone", "-q", &url]).arg(&dir));
                ok(s.git().current_dir(&dir).args(["fsck", "--strict"]));
                assert_eq!(head_of(s, &dir), head_of(s, &s.path("first")));
            });
        }
    });
    assert_eq!(cached_packs(&s), packs);

    // A new commit is a new request: a second entry, and the clone has the commit.
    std::fs::write(first.join("new.txt"), "new").unwrap();
    ok(s.git().current_dir(&first).args(["add", "."]));
    ok(s.git().current_dir(&first).args(["commit", "-qm", "new"]));
    ok(s.git().current_dir(&first).args(["push", "-q"]));
    let after = s.path("after-push");
    ok(s.git().args(["clone", "-q", &url]).arg(&after));
    assert_eq!(head_of(&s, &after), head_of(&s, &first));
    assert_eq!(cached_packs(&s).len(), 2);
}

#[test]
fn a_new_annotated_tag_is_not_hidden_by_a_cached_pack() {
    // `--single-branch` wants only main, so the request is the same before and after the
    // tag; the tag object reaches the client only through `--include-tag`.
    let s = Server::standard();
    let url = s.alice_https("seeded");
    let a = s.path("a");
    ok(s.git()
        .args(["clone", "-q", "--single-branch", &url])
        .arg(&a));
    assert_eq!(cached_packs(&s).len(), 1);
    ok(s.git()
        .current_dir(&a)
        .args(["tag", "-a", "v1", "-m", "one"]));
    ok(s.git().current_dir(&a).args(["push", "-q", "origin", "v1"]));

    let b = s.path("b");
    ok(s.git()
        .args(["clone", "-q", "--single-branch", &url])
        .arg(&b));
    let kind = stdout_of(&ok(s.git().current_dir(&b).args(["cat-file", "-t", "v1"])));
    assert_eq!(kind, "tag");
    assert_eq!(cached_packs(&s).len(), 2);
}

fn server_with_max_age(secs: &str) -> Server {
    Server::standard_with_env(&[("CODECOMMIT_LOCAL_PACK_CACHE_MAX_AGE", secs)])
}

#[test]
fn max_age_zero_turns_the_cache_off() {
    let s = server_with_max_age("0");
    let dir = s.path("c");
    ok(s.git()
        .args(["clone", "-q", &s.alice_https("seeded")])
        .arg(&dir));
    assert!(dir.join("README.md").exists());
    assert!(!cache_dir(&s).exists());
}

#[test]
fn entries_expire_after_max_age() {
    let s = server_with_max_age("1");
    ok(s.git()
        .args(["clone", "-q", &s.alice_https("seeded")])
        .arg(s.path("c")));
    assert_eq!(cached_packs(&s).len(), 1);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cached_packs(&s).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the sweeper removes expired packs"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn packs_beyond_the_limit_queue_for_a_slot() {
    let s = Server::standard_with_env(&[("CODECOMMIT_LOCAL_PACK_LIMIT", "1")]);
    // Hold the only slot, as a clone streaming its pack would.
    let slot = std::fs::File::create(s.data_dir().join("cache/pack-slots/0")).unwrap();
    slot.lock().unwrap();
    let dir = s.path("queued");
    let mut clone = s
        .git()
        .args(["clone", "-q", &s.alice_https("seeded")])
        .arg(&dir)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        clone.try_wait().unwrap().is_none(),
        "the clone waits while every slot is taken"
    );
    drop(slot);
    assert!(clone.wait().unwrap().success());
    assert!(dir.join("README.md").exists());
}
