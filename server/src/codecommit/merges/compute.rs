//! A merge computed in memory: libgit2's line-level merge of the trees, the conflicts
//! CodeCommit counts at the requested detail, settled by the strategy or the caller's
//! `conflictResolution` entries, and the merged tree.

use std::collections::BTreeSet;
use std::path::Path;

use git2::{Commit, FileMode, Index, IndexEntry, IndexTime, ObjectType, Oid, Repository, Tree};

use crate::codecommit::content::{self, normalize_path};
use crate::codecommit::error::CodeCommitError as E;

/// FAST_FORWARD_MERGE, SQUASH_MERGE, THREE_WAY_MERGE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeOption {
    FastForward,
    Squash,
    ThreeWay,
}

impl MergeOption {
    pub fn parse(s: Option<&str>) -> Result<MergeOption, E> {
        match s.filter(|s| !s.is_empty()) {
            None => Err(E::merge_option_required()),
            Some("FAST_FORWARD_MERGE") => Ok(MergeOption::FastForward),
            Some("SQUASH_MERGE") => Ok(MergeOption::Squash),
            Some("THREE_WAY_MERGE") => Ok(MergeOption::ThreeWay),
            Some(other) => Err(E::invalid_merge_option(other)),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MergeOption::FastForward => "FAST_FORWARD_MERGE",
            MergeOption::Squash => "SQUASH_MERGE",
            MergeOption::ThreeWay => "THREE_WAY_MERGE",
        }
    }
}

/// `conflictDetailLevel` (default FILE_LEVEL) and `conflictResolutionStrategy` (default NONE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detail {
    pub line_level: bool,
    pub strategy: Strategy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    None,
    AcceptSource,
    AcceptDestination,
    Automerge,
}

impl Detail {
    pub fn parse(level: Option<&str>, strategy: Option<&str>) -> Result<Detail, E> {
        let line_level = match level.filter(|s| !s.is_empty()) {
            None | Some("FILE_LEVEL") => false,
            Some("LINE_LEVEL") => true,
            Some(other) => {
                return Err(E::invalid_conflict_detail_level(other));
            }
        };
        let strategy = match strategy.filter(|s| !s.is_empty()) {
            None | Some("NONE") => Strategy::None,
            Some("ACCEPT_SOURCE") => Strategy::AcceptSource,
            Some("ACCEPT_DESTINATION") => Strategy::AcceptDestination,
            Some("AUTOMERGE") => Strategy::Automerge,
            Some(other) => {
                return Err(E::invalid_conflict_resolution_strategy(other));
            }
        };
        Ok(Detail {
            line_level,
            strategy,
        })
    }
}

/// One side's version of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Side {
    pub id: Oid,
    pub mode: u32,
}

/// A path the two sides changed in ways the merge cannot combine on its own (at the
/// requested detail level).
#[derive(Debug, Clone)]
pub struct Conflict {
    pub path: String,
    pub base: Option<Side>,
    pub destination: Option<Side>,
    pub source: Option<Side>,
    /// What the line-level merge made of it, when it could (FILE_LEVEL conflicts only).
    pub automerged: Option<Side>,
    /// How it is settled: `Some(None)` deletes the path; `None` leaves it unsettled.
    pub resolution: Option<Option<Side>>,
}

/// `conflictResolution`: how the caller settles single files.
#[derive(Debug, Default)]
pub struct Resolutions {
    pub replace: Vec<Replacement>,
    pub delete: Vec<String>,
    pub set_mode: Vec<(String, FileMode)>,
}

#[derive(Debug)]
pub struct Replacement {
    pub path: String,
    /// KEEP_BASE, KEEP_SOURCE, KEEP_DESTINATION or USE_NEW_CONTENT.
    pub kind: String,
    pub content: Option<Vec<u8>>,
    pub mode: Option<FileMode>,
}

/// A merge of `source` into `destination`, computed in memory.
pub struct Merge<'r> {
    pub repo: &'r Repository,
    pub source: Commit<'r>,
    pub destination: Commit<'r>,
    pub base: Option<Oid>,
    pub conflicts: Vec<Conflict>,
    index: Index,
}

/// A commit specifier that must be given (CommitRequiredException).
pub fn commit_of<'r>(repo: &'r Repository, spec: Option<&str>) -> Result<Commit<'r>, E> {
    match spec.filter(|s| !s.is_empty()) {
        None => Err(E::commit_required()),
        Some(s) => content::resolve(repo, Some(s)),
    }
}

fn side_of_tree(tree: &Tree<'_>, path: &str) -> Option<Side> {
    tree.get_path(Path::new(path)).ok().map(|e| Side {
        id: e.id(),
        mode: e.filemode() as u32,
    })
}

fn side_of_entry(e: &Option<IndexEntry>) -> Option<Side> {
    e.as_ref().map(|e| Side {
        id: e.id,
        mode: e.mode,
    })
}

fn entry_path(e: &Option<IndexEntry>) -> Option<String> {
    e.as_ref()
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
}

/// The paths a diff from `from` to `to` touches.
fn changed_paths(repo: &Repository, from: &Tree<'_>, to: &Tree<'_>) -> Result<BTreeSet<String>, E> {
    let diff = repo.diff_tree_to_tree(Some(from), Some(to), None)?;
    let mut out = BTreeSet::new();
    for d in diff.deltas() {
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path().and_then(|p| p.to_str()) {
                out.insert(p.to_owned());
            }
        }
    }
    Ok(out)
}

impl<'r> Merge<'r> {
    /// Merges `source` into `destination` and finds the conflicts `detail` counts, settled
    /// as its strategy says.
    pub fn compute(
        repo: &'r Repository,
        source: Commit<'r>,
        destination: Commit<'r>,
        detail: Detail,
    ) -> Result<Merge<'r>, E> {
        let base = repo.merge_base(source.id(), destination.id()).ok();
        let base_tree = match base {
            Some(b) => repo.find_commit(b)?.tree()?,
            None => repo.find_tree(repo.treebuilder(None)?.write()?)?,
        };
        let (src_tree, dst_tree) = (source.tree()?, destination.tree()?);
        let index = repo.merge_trees(&base_tree, &dst_tree, &src_tree, None)?;
        let mut conflicts = Vec::new();
        for c in index.conflicts()? {
            let c = c?;
            let path = entry_path(&c.our)
                .or_else(|| entry_path(&c.their))
                .or_else(|| entry_path(&c.ancestor))
                .unwrap_or_default();
            conflicts.push(Conflict {
                path,
                base: side_of_entry(&c.ancestor),
                destination: side_of_entry(&c.our),
                source: side_of_entry(&c.their),
                automerged: None,
                resolution: None,
            });
        }
        if !detail.line_level && detail.strategy != Strategy::Automerge {
            let theirs = changed_paths(repo, &base_tree, &src_tree)?;
            let ours = changed_paths(repo, &base_tree, &dst_tree)?;
            for path in theirs.intersection(&ours) {
                if conflicts.iter().any(|c| c.path == *path) {
                    continue;
                }
                let (s, d) = (side_of_tree(&src_tree, path), side_of_tree(&dst_tree, path));
                if s == d {
                    continue;
                }
                let automerged = index.get_path(Path::new(path), 0).map(|e| Side {
                    id: e.id,
                    mode: e.mode,
                });
                conflicts.push(Conflict {
                    path: path.clone(),
                    base: side_of_tree(&base_tree, path),
                    destination: d,
                    source: s,
                    automerged,
                    resolution: None,
                });
            }
        }
        conflicts.sort_by(|a, b| a.path.cmp(&b.path));
        for c in &mut conflicts {
            c.resolution = match detail.strategy {
                Strategy::None => None,
                Strategy::AcceptSource => Some(c.source),
                Strategy::AcceptDestination => Some(c.destination),
                Strategy::Automerge => c.automerged.map(Some),
            };
        }
        Ok(Merge {
            repo,
            source,
            destination,
            base,
            conflicts,
            index,
        })
    }

    /// Whether the destination is an ancestor of the source (or the same commit).
    pub fn fast_forwardable(&self) -> bool {
        self.base == Some(self.destination.id())
    }

    /// Whether every conflict is settled.
    pub fn mergeable(&self) -> bool {
        self.conflicts.iter().all(|c| c.resolution.is_some())
    }

    /// The conflict at `path`, or the path's three versions when it has none
    /// (FileDoesNotExistException when neither side nor the base has it).
    pub fn at(&self, path: &str) -> Result<Conflict, E> {
        let path = normalize_path(path)?;
        if path.is_empty() {
            return Err(E::path_required());
        }
        if let Some(c) = self.conflicts.iter().find(|c| c.path == path) {
            return Ok(c.clone());
        }
        let tree_of = |id: Option<Oid>| -> Result<Option<Tree<'r>>, E> {
            Ok(match id {
                Some(id) => Some(self.repo.find_commit(id)?.tree()?),
                None => None,
            })
        };
        let base = tree_of(self.base)?;
        let (src, dst) = (self.source.tree()?, self.destination.tree()?);
        let c = Conflict {
            base: base.as_ref().and_then(|t| side_of_tree(t, &path)),
            destination: side_of_tree(&dst, &path),
            source: side_of_tree(&src, &path),
            automerged: None,
            resolution: None,
            path: path.clone(),
        };
        if c.base.is_none() && c.destination.is_none() && c.source.is_none() {
            return Err(E::file_does_not_exist(&path));
        }
        Ok(c)
    }

    /// Applies the caller's `conflictResolution` entries to the conflicts they name.
    pub fn resolve(&mut self, r: &Resolutions) -> Result<(), E> {
        let count = r.replace.len() + r.delete.len() + r.set_mode.len();
        if count > 100 {
            return Err(E::maximum_conflict_resolution_entries_exceeded());
        }
        let mut seen = BTreeSet::new();
        let mut find = |path: &str| conflict_named(&self.conflicts, &mut seen, path);
        let mut settled: Vec<(usize, Option<Side>)> = Vec::new();
        for rep in &r.replace {
            let i = find(&rep.path)?;
            settled.push((i, self.replacement(&self.conflicts[i], rep)?));
        }
        for path in &r.delete {
            settled.push((find(path)?, None));
        }
        for (path, mode) in &r.set_mode {
            let i = find(path)?;
            settled.push((i, Some(with_mode(&self.conflicts[i], path, *mode)?)));
        }
        for (i, side) in settled {
            self.conflicts[i].resolution = Some(side);
        }
        Ok(())
    }

    /// The version a `replaceContents` entry settles conflict `c` with (`None` deletes it):
    /// a side's (with the entry's file mode, if it gives one) or the entry's new content.
    fn replacement(&self, c: &Conflict, rep: &Replacement) -> Result<Option<Side>, E> {
        let side = match rep.kind.as_str() {
            "" => return Err(E::replacement_type_required()),
            "KEEP_BASE" => c.base,
            "KEEP_SOURCE" => c.source,
            "KEEP_DESTINATION" => c.destination,
            "USE_NEW_CONTENT" => return self.new_content(c, rep).map(Some),
            other => return Err(E::invalid_replacement_type(other)),
        };
        Ok(match (side, rep.mode) {
            (Some(s), Some(m)) => Some(Side {
                mode: u32::from(m),
                ..s
            }),
            (s, _) => s,
        })
    }

    /// USE_NEW_CONTENT: the entry's content as a blob, with its mode, else the mode of the
    /// destination's (or the source's) version, else a plain file's.
    fn new_content(&self, c: &Conflict, rep: &Replacement) -> Result<Side, E> {
        let bytes = rep
            .content
            .as_deref()
            .ok_or_else(E::replacement_content_required)?;
        if bytes.len() > content::MAX_FILE_SIZE {
            return Err(E::file_content_size_limit_exceeded());
        }
        let mode = rep
            .mode
            .map(u32::from)
            .or(c.destination.map(|d| d.mode))
            .or(c.source.map(|s| s.mode))
            .unwrap_or(u32::from(FileMode::Blob));
        Ok(Side {
            id: self.repo.blob(bytes)?,
            mode,
        })
    }

    /// The merged tree (every conflict must be settled), with `.gitkeep` files in folders the
    /// merge emptied when `keep_empty_folders`.
    pub fn write_tree(&mut self, keep_empty_folders: bool) -> Result<Oid, E> {
        if !self.mergeable() {
            return Err(E::manual_merge_required());
        }
        for c in &self.conflicts {
            let path = Path::new(&c.path);
            if self.index.get_path(path, 1).is_some()
                || self.index.get_path(path, 2).is_some()
                || self.index.get_path(path, 3).is_some()
            {
                self.index.conflict_remove(path)?;
            } else {
                let _ = self.index.remove_path(path);
            }
            if let Some(Some(side)) = c.resolution {
                self.index.add(&index_entry(&c.path, side))?;
            }
        }
        let tree = self.index.write_tree_to(self.repo)?;
        if !keep_empty_folders {
            return Ok(tree);
        }
        let merged = self.repo.find_tree(tree)?;
        let emptied = emptied_folders(&self.destination.tree()?, &merged)?;
        if emptied.is_empty() {
            return Ok(tree);
        }
        let keep = self.repo.blob(b"")?;
        for dir in emptied {
            self.index.add(&index_entry(
                &format!("{dir}/.gitkeep"),
                Side {
                    id: keep,
                    mode: u32::from(FileMode::Blob),
                },
            ))?;
        }
        Ok(self.index.write_tree_to(self.repo)?)
    }
}

/// The index of the conflict a `conflictResolution` entry names by `path`, which must be a
/// conflict's and named by no other entry (`seen` holds the paths named so far).
fn conflict_named(
    conflicts: &[Conflict],
    seen: &mut BTreeSet<String>,
    path: &str,
) -> Result<usize, E> {
    let path = normalize_path(path)?;
    if path.is_empty() {
        return Err(E::path_required());
    }
    if !seen.insert(path.clone()) {
        return Err(E::multiple_conflict_resolution_entries(&path));
    }
    conflicts
        .iter()
        .position(|c| c.path == path)
        .ok_or_else(|| E::invalid_conflict_resolution(&path))
}

/// A `setFileModes` entry: conflict `c`'s current version (settled, automerged, else a
/// side's) with `mode`.
fn with_mode(c: &Conflict, path: &str, mode: FileMode) -> Result<Side, E> {
    let current = c
        .resolution
        .flatten()
        .or(c.automerged)
        .or(c.destination)
        .or(c.source)
        .ok_or_else(|| E::file_does_not_exist(path))?;
    Ok(Side {
        mode: u32::from(mode),
        ..current
    })
}

/// The folders of `before` that `after` no longer has, deepest only (a `.gitkeep` there
/// brings their parents back too).
fn emptied_folders(before: &Tree<'_>, after: &Tree<'_>) -> Result<Vec<String>, E> {
    let mut gone = Vec::new();
    before.walk(git2::TreeWalkMode::PreOrder, |root, entry| {
        if entry.kind() == Some(ObjectType::Tree) {
            let path = format!("{root}{}", entry.name().unwrap_or_default());
            if after.get_path(Path::new(&path)).is_err() {
                gone.push(path);
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    let deepest = gone
        .iter()
        .filter(|p| !gone.iter().any(|q| q.starts_with(&format!("{p}/"))))
        .cloned()
        .collect();
    Ok(deepest)
}

fn index_entry(path: &str, side: Side) -> IndexEntry {
    IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: side.mode,
        uid: 0,
        gid: 0,
        file_size: 0,
        id: side.id,
        flags: path.len().min(0xfff) as u16,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}
