//! Repository upkeep: what hosting services do to repositories as pushes leave them. Each
//! push adds a pack (or loose objects) and nothing else; after a while a clone or fetch has
//! to search dozens of packs with no reachability bitmap and walk commits without a
//! commit-graph. So after a repository changes, once it has been quiet for a moment (or a
//! minute after its first change, if the pushes do not pause), a background worker runs,
//! one repository at a time and never in a push's or clone's path:
//!
//! - `git repack -d --geometric=2 --write-midx --write-bitmap-index`: rolls the small packs
//!   (and loose objects) into geometrically growing ones, so the work stays proportional to
//!   what was pushed since, and writes a multi-pack index with a reachability bitmap;
//! - `git commit-graph write --reachable --split --changed-paths`: the commit-graph, extended
//!   incrementally, with the Bloom filters that let a file's history skip commits that did
//!   not touch it.
//!
//! Both are safe against pushes running at the same time: a geometric repack only combines
//! the packs it chose when it started (a push lands in a new pack or quarantine it does not
//! touch) and deletes only objects it has just written elsewhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a repository must go without changes before it is maintained: a burst of pushes
/// is maintained once, after the burst.
const QUIET: Duration = Duration::from_secs(2);
/// The longest a changed repository waits: one that is pushed to without pause is
/// maintained this often, or its packs would pile up for as long as the pushes go on.
const AT_MOST: Duration = Duration::from_secs(60);

/// Repositories waiting for upkeep, and the worker's wake-up call.
#[derive(Default)]
pub struct Upkeep {
    /// Repository dir → when it first changed since its last upkeep, and when it last did.
    pending: Mutex<HashMap<PathBuf, (Instant, Instant)>>,
    wake: tokio::sync::Notify,
}

impl Upkeep {
    /// `dir`'s objects changed (a push, a commit made through the API).
    pub fn changed(&self, dir: &Path) {
        let now = Instant::now();
        self.pending()
            .entry(dir.to_owned())
            .and_modify(|(_, last)| *last = now)
            .or_insert((now, now));
        self.wake.notify_one();
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, (Instant, Instant)>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The repository due first, if one is due now; else how long until the next is.
    fn next_due(&self) -> Result<PathBuf, Option<Duration>> {
        let mut pending = self.pending();
        let due = |(first, last): &(Instant, Instant)| (*last + QUIET).min(*first + AT_MOST);
        let Some((dir, when)) = pending
            .iter()
            .map(|(dir, times)| (dir, due(times)))
            .min_by_key(|(_, when)| *when)
        else {
            return Err(None);
        };
        let now = Instant::now();
        if when > now {
            return Err(Some(when - now));
        }
        let dir = dir.clone();
        pending.remove(&dir);
        Ok(dir)
    }
}

/// Runs the worker until aborted.
pub fn start(upkeep: Arc<Upkeep>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match upkeep.next_due() {
                Ok(dir) => {
                    let started = Instant::now();
                    let shown = dir.clone();
                    match tokio::task::spawn_blocking(move || maintain(&dir)).await {
                        Ok(Ok(())) => {
                            tracing::debug!(repository = %shown.display(), ms = started.elapsed().as_millis() as u64, "repository maintained")
                        }
                        // A repository deleted meanwhile fails here too.
                        Ok(Err(e)) => {
                            tracing::info!(repository = %shown.display(), "repository upkeep: {e}")
                        }
                        Err(e) => tracing::warn!("repository upkeep: {e}"),
                    }
                }
                Err(wait) => {
                    let sleep = tokio::time::sleep(wait.unwrap_or(Duration::from_secs(3600)));
                    tokio::select! {
                        () = sleep => {}
                        () = upkeep.wake.notified() => {}
                    }
                }
            }
        }
    })
}

/// Repacks `dir` geometrically with a bitmapped multi-pack index and updates its
/// commit-graph (see the module's text).
pub fn maintain(dir: &Path) -> Result<(), String> {
    if !dir.join("objects").is_dir() {
        return Err("no longer there".into());
    }
    git(
        dir,
        &[
            "repack",
            "-d",
            "-q",
            "--geometric=2",
            "--write-midx",
            "--write-bitmap-index",
        ],
    )?;
    git(
        dir,
        &[
            "commit-graph",
            "write",
            "--reachable",
            "--split",
            "--changed-paths",
            "--no-progress",
        ],
    )
}

fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_clear()
        .envs(super::service::isolated_env(dir))
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("git {}: {e}", args[0]))?;
    if !out.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args[0],
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_changes_is_one_job_after_it_is_quiet() {
        let upkeep = Upkeep::default();
        upkeep.changed(Path::new("/r/a.git"));
        upkeep.changed(Path::new("/r/a.git"));
        assert!(matches!(upkeep.next_due(), Err(Some(w)) if w <= QUIET));
        let now = Instant::now();
        upkeep
            .pending()
            .insert("/r/a.git".into(), (now - QUIET, now - QUIET));
        assert_eq!(upkeep.next_due(), Ok(PathBuf::from("/r/a.git")));
        assert_eq!(upkeep.next_due(), Err(None));
        // Changed a moment ago, but waiting since long ago: due all the same.
        upkeep
            .pending()
            .insert("/r/b.git".into(), (now - AT_MOST, now));
        assert_eq!(upkeep.next_due(), Ok(PathBuf::from("/r/b.git")));
    }

    #[test]
    fn maintenance_leaves_one_bitmapped_index_and_a_commit_graph() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("r.git");
        let run = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(args)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "{args:?}");
        };
        run(&["init", "-q", "-b", "main", "--bare", repo.to_str().unwrap()]);
        let work = dir.path().join("w");
        run(&["init", "-q", work.to_str().unwrap()]);
        for i in 0..3 {
            std::fs::write(work.join("f"), format!("{i}\n")).unwrap();
            let w = work.to_str().unwrap();
            run(&["-C", w, "add", "f"]);
            run(&[
                "-C",
                w,
                "-c",
                "user.name=a",
                "-c",
                "user.email=a@e",
                "commit",
                "-qm",
                "c",
            ]);
            // Each push of a few objects is unpacked loose or lands as its own pack.
            run(&[
                "-C",
                w,
                "-c",
                "transfer.unpackLimit=1",
                "push",
                "-q",
                repo.to_str().unwrap(),
                "HEAD:refs/heads/main",
            ]);
        }
        maintain(&repo).unwrap();
        let pack = repo.join("objects/pack");
        let names: Vec<String> = std::fs::read_dir(&pack)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().any(|n| n == "multi-pack-index"), "{names:?}");
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("multi-pack-index-") && n.ends_with(".bitmap")),
            "{names:?}"
        );
        assert!(
            repo.join("objects/info/commit-graphs/commit-graph-chain")
                .exists()
        );
        run(&[
            "-C",
            repo.to_str().unwrap(),
            "fsck",
            "--full",
            "--no-progress",
        ]);
        // Already in shape: a second run succeeds too.
        maintain(&repo).unwrap();
    }
}
