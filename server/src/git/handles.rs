//! Opened repositories kept between API requests. Opening a repository maps its pack
//! indexes, and libgit2's object cache and each pack's cache of delta bases go with the
//! handle when it is freed: every request read the same trees out of the packs again
//! (inflating them and applying their deltas was 58% of a GetDifferences first page, freeing
//! the handle another 7%). A few handles are kept, each only while its repository's pack
//! directory is as it was when the handle was last used: a push's new pack, a repack, a gc
//! or the repository's deletion changes the directory, and the handle is dropped instead of
//! reused. Loose objects and refs are read from disk by every handle, so a kept handle sees
//! every write a fresh one would.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use git2::Repository;

/// How many idle handles are kept, the most recently used; each holds its packs' mappings
/// and their delta-base caches (libgit2's object cache is off: `repo::configure_libgit2`).
const KEPT: usize = 4;
/// How long an idle handle is kept.
const IDLE: Duration = Duration::from_secs(60);
/// A pack directory changed more recently than this is not trusted to show its next change:
/// a directory's modification time moves in clock ticks, and a pack added within the tick
/// of the last look would leave it as it was.
const SETTLED: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Handles {
    idle: Mutex<VecDeque<Idle>>,
}

struct Idle {
    dir: PathBuf,
    packs: SystemTime,
    since: Instant,
    repo: Repository,
}

/// An opened repository, back among the kept ones when dropped.
pub struct Handle<'a> {
    handles: &'a Handles,
    dir: PathBuf,
    repo: Option<Repository>,
}

impl Handles {
    /// The bare repository at `dir`: a kept handle if its packs are unchanged, else a new one.
    pub fn open(&self, dir: PathBuf) -> Result<Handle<'_>, git2::Error> {
        let kept = settled_packs(&dir).and_then(|packs| {
            let mut idle = self.idle();
            let i = idle
                .iter()
                .position(|h| h.dir == dir && h.packs == packs && h.since.elapsed() < IDLE)?;
            idle.remove(i)
        });
        let repo = match kept {
            Some(h) => h.repo,
            None => Repository::open_bare(&dir)?,
        };
        Ok(Handle {
            handles: self,
            dir,
            repo: Some(repo),
        })
    }

    /// Drops the kept handles of the repository at `dir` (being deleted): they would hold
    /// its packs open, and the disk space with them, until they aged out.
    pub fn forget(&self, dir: &Path) {
        self.rearrange(|h| h.dir == dir, None);
    }

    /// Removes the idle handles `stale` picks, puts `fresh` first, keeps the first [`KEPT`],
    /// and frees the rest outside the lock: closing a repository unmaps its packs.
    fn rearrange(&self, stale: impl Fn(&Idle) -> bool, fresh: Option<Idle>) {
        let gone = {
            let mut idle = self.idle();
            let (mut gone, kept): (Vec<Idle>, Vec<Idle>) = idle.drain(..).partition(stale);
            *idle = fresh.into_iter().chain(kept).collect();
            let keep = KEPT.min(idle.len());
            gone.extend(idle.drain(keep..));
            gone
        };
        drop(gone);
    }

    fn idle(&self) -> MutexGuard<'_, VecDeque<Idle>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// When `dir`'s pack directory last changed, if that was long enough ago to compare by.
fn settled_packs(dir: &Path) -> Option<SystemTime> {
    let changed = std::fs::metadata(dir.join("objects").join("pack"))
        .and_then(|m| m.modified())
        .ok()?;
    let age = SystemTime::now().duration_since(changed).ok()?;
    (age >= SETTLED).then_some(changed)
}

impl std::ops::Deref for Handle<'_> {
    type Target = Repository;

    fn deref(&self) -> &Repository {
        self.repo
            .as_ref()
            .expect("a handle holds its repository until dropped")
    }
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        let Some(repo) = self.repo.take() else {
            return;
        };
        let Some(packs) = settled_packs(&self.dir) else {
            return;
        };
        let dir = &self.dir;
        let stale = |h: &Idle| h.since.elapsed() >= IDLE || (h.dir == *dir && h.packs != packs);
        let fresh = Idle {
            dir: dir.clone(),
            packs,
            since: Instant::now(),
            repo,
        };
        self.handles.rearrange(stale, Some(fresh));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(handles: &Handles) -> Vec<SystemTime> {
        handles.idle().iter().map(|h| h.packs).collect()
    }

    #[test]
    fn a_handle_is_kept_only_while_its_packs_are_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.git");
        Repository::init_bare(&path).unwrap();
        let handles = Handles::default();
        // Just made: its pack directory has not settled, so nothing is kept.
        drop(handles.open(path.clone()).unwrap());
        assert!(kept(&handles).is_empty());
        std::thread::sleep(SETTLED);
        drop(handles.open(path.clone()).unwrap());
        let before = kept(&handles);
        assert_eq!(before.len(), 1);
        // Reused: taken out while in use, back when dropped.
        let h = handles.open(path.clone()).unwrap();
        assert!(kept(&handles).is_empty());
        drop(h);
        assert_eq!(kept(&handles), before);
        // A new pack (here a stand-in file) changes the directory: the kept handle is not
        // reused, and once the directory has settled the new handle replaces it.
        std::fs::write(path.join("objects/pack/pack-new.keep"), b"").unwrap();
        std::thread::sleep(SETTLED);
        let h = handles.open(path.clone()).unwrap();
        assert_eq!(kept(&handles), before, "the stale handle was not taken");
        drop(h);
        let after = kept(&handles);
        assert_eq!(after.len(), 1);
        assert_ne!(after, before);
        handles.forget(&path);
        assert!(kept(&handles).is_empty(), "forgotten");
        // A deleted repository: nothing to keep.
        let h = handles.open(path.clone()).unwrap();
        std::fs::remove_dir_all(&path).unwrap();
        drop(h);
        assert!(kept(&handles).is_empty());
    }
}
