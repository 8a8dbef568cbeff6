//! Merges on the real repository, with libgit2's merge machinery: a source commit into a
//! destination commit, as CodeCommit's merge operations and pull requests do them.
//!
//! libgit2 merges the trees line by line (`merge_trees`, "ours" the destination, "theirs"
//! the source). CodeCommit's `FILE_LEVEL` detail then also counts every file both sides
//! changed (differently) as a conflict, unless the `AUTOMERGE` strategy lets the line-level
//! result stand; `ACCEPT_SOURCE`/`ACCEPT_DESTINATION` take that side's version of each
//! conflicting file; `conflictResolution` entries settle single files. A merge is mergeable
//! when every conflict is settled; its tree is then written, and the merge commit (squash:
//! one parent, three-way: destination and source) moves the target branch with a
//! compare-and-swap, so a concurrent push is never lost.

use std::collections::BTreeSet;
use std::path::Path;

use git2::{Commit, FileMode, Index, IndexEntry, IndexTime, ObjectType, Oid, Repository, Tree};
use serde::Serialize;

use crate::codecommit::commits::{self, check_branch_name};
use crate::codecommit::content::{self, normalize_path};
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::repositories::RefsMoved;
use crate::store::RepositoryRow;

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

    /// Applies the caller's `conflictResolution` entries to the conflicts they name.
    pub fn resolve(&mut self, r: &Resolutions) -> Result<(), E> {
        let count = r.replace.len() + r.delete.len() + r.set_mode.len();
        if count > 100 {
            return Err(E::maximum_conflict_resolution_entries_exceeded());
        }
        let mut seen = BTreeSet::new();
        let mut find = |path: &str| -> Result<usize, E> {
            let path = normalize_path(path)?;
            if path.is_empty() {
                return Err(E::path_required());
            }
            if !seen.insert(path.clone()) {
                return Err(E::multiple_conflict_resolution_entries(&path));
            }
            self.conflicts
                .iter()
                .position(|c| c.path == path)
                .ok_or_else(|| E::invalid_conflict_resolution(&path))
        };
        let mut settled: Vec<(usize, Option<Side>)> = Vec::new();
        for rep in &r.replace {
            let i = find(&rep.path)?;
            let c = &self.conflicts[i];
            let side = match rep.kind.as_str() {
                "" => {
                    return Err(E::replacement_type_required());
                }
                "KEEP_BASE" => c.base,
                "KEEP_SOURCE" => c.source,
                "KEEP_DESTINATION" => c.destination,
                "USE_NEW_CONTENT" => {
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
                    Some(Side {
                        id: self.repo.blob(bytes)?,
                        mode,
                    })
                }
                other => {
                    return Err(E::invalid_replacement_type(other));
                }
            };
            let side = match (side, rep.mode, rep.kind.as_str()) {
                (Some(s), Some(m), k) if k != "USE_NEW_CONTENT" => Some(Side {
                    mode: u32::from(m),
                    ..s
                }),
                (s, _, _) => s,
            };
            settled.push((i, side));
        }
        for path in &r.delete {
            let i = find(path)?;
            settled.push((i, None));
        }
        for (path, mode) in &r.set_mode {
            let i = find(path)?;
            let c = &self.conflicts[i];
            let current = c
                .resolution
                .flatten()
                .or(c.automerged)
                .or(c.destination)
                .or(c.source)
                .ok_or_else(|| E::file_does_not_exist(path))?;
            settled.push((
                i,
                Some(Side {
                    mode: u32::from(*mode),
                    ..current
                }),
            ));
        }
        for (i, side) in settled {
            self.conflicts[i].resolution = Some(side);
        }
        Ok(())
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

/// CodeCommit's description of one conflicting file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictMetadata {
    pub file_path: String,
    pub file_sizes: Triple<i64>,
    pub file_modes: Triple<&'static str>,
    pub object_types: Triple<&'static str>,
    pub number_of_conflicts: i64,
    pub is_binary_file: Triple<bool>,
    pub content_conflict: bool,
    pub file_mode_conflict: bool,
    pub object_type_conflict: bool,
    pub merge_operations: MergeOperations,
}

#[derive(Debug, Clone, Serialize)]
pub struct Triple<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<T>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MergeOperations {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<&'static str>,
}

fn object_type(mode: u32) -> &'static str {
    match mode {
        0o040000 => "DIRECTORY",
        0o160000 => "GIT_LINK",
        0o120000 => "SYMBOLIC_LINK",
        _ => "FILE",
    }
}

fn file_mode(mode: u32) -> Option<&'static str> {
    match mode {
        0o100755 => Some("EXECUTABLE"),
        0o100644 => Some("NORMAL"),
        0o120000 => Some("SYMLINK"),
        _ => None,
    }
}

/// A (side's) change against the base: A, M or D (none when unchanged).
fn operation(base: Option<Side>, side: Option<Side>) -> Option<&'static str> {
    match (base, side) {
        (None, Some(_)) => Some("A"),
        (Some(_), None) => Some("D"),
        (Some(b), Some(s)) if b != s => Some("M"),
        _ => None,
    }
}

impl Merge<'_> {
    /// The metadata CodeCommit reports for a conflict.
    pub fn metadata(&self, c: &Conflict) -> ConflictMetadata {
        let blob = |s: Option<Side>| {
            s.filter(|s| object_type(s.mode) == "FILE" || object_type(s.mode) == "SYMBOLIC_LINK")
                .and_then(|s| self.repo.find_blob(s.id).ok())
        };
        let (b, d, s) = (blob(c.base), blob(c.destination), blob(c.source));
        let triple = |f: &dyn Fn(Side) -> Option<&'static str>| Triple {
            source: c.source.and_then(f),
            destination: c.destination.and_then(f),
            base: c.base.and_then(f),
        };
        let sizes = Triple {
            source: s.as_ref().map(|b| b.size() as i64),
            destination: d.as_ref().map(|b| b.size() as i64),
            base: b.as_ref().map(|b| b.size() as i64),
        };
        let binary = Triple {
            source: s.as_ref().map(|b| b.is_binary()),
            destination: d.as_ref().map(|b| b.is_binary()),
            base: b.as_ref().map(|b| b.is_binary()),
        };
        let types = (
            c.source.map(|s| object_type(s.mode)),
            c.destination.map(|d| object_type(d.mode)),
        );
        let object_type_conflict = matches!(types, (Some(a), Some(b)) if a != b);
        let modes_changed = |side: Option<Side>| match (c.base, side) {
            (Some(b), Some(s)) => b.mode != s.mode,
            _ => false,
        };
        let file_mode_conflict = !object_type_conflict
            && matches!((c.source, c.destination), (Some(s), Some(d)) if s.mode != d.mode)
            && modes_changed(c.source)
            && modes_changed(c.destination);
        let content_conflict = match (c.source, c.destination) {
            (Some(s), Some(d)) => s.id != d.id && !object_type_conflict,
            // A change on one side against a deletion on the other.
            (Some(_), None) | (None, Some(_)) => c.base.is_some(),
            (None, None) => false,
        };
        let number_of_conflicts = match (&b, &d, &s) {
            (_, Some(d), Some(s)) if content_conflict && !d.is_binary() && !s.is_binary() => {
                conflict_hunks(b.as_ref().map(|b| b.content()), d.content(), s.content())
            }
            _ => i64::from(content_conflict || file_mode_conflict || object_type_conflict),
        };
        ConflictMetadata {
            file_path: c.path.clone(),
            file_sizes: sizes,
            file_modes: triple(&|s: Side| file_mode(s.mode)),
            object_types: triple(&|s: Side| Some(object_type(s.mode))),
            number_of_conflicts,
            is_binary_file: binary,
            content_conflict,
            file_mode_conflict,
            object_type_conflict,
            merge_operations: MergeOperations {
                source: operation(c.base, c.source),
                destination: operation(c.base, c.destination),
            },
        }
    }
}

/// How many conflicting hunks a line-level merge of the three versions leaves (at least
/// one: a FILE_LEVEL conflict whose lines merge cleanly still counts).
fn conflict_hunks(base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) -> i64 {
    let mut b = git2::MergeFileInput::new();
    b.content(base.unwrap_or_default());
    let mut o = git2::MergeFileInput::new();
    o.content(ours);
    let mut t = git2::MergeFileInput::new();
    t.content(theirs);
    match git2::merge_file(&b, &o, &t, None) {
        Ok(r) if !r.is_automergeable() => {
            let n = r
                .content()
                .split(|&c| c == b'\n')
                .filter(|l| l.starts_with(b"<<<<<<<"))
                .count() as i64;
            n.max(1)
        }
        _ => 1,
    }
}

/// The branch a merge moves: `targetBranch`, else the destination when it names a branch.
pub fn target_branch<'a>(
    repo: &Repository,
    target: Option<&'a str>,
    destination: Option<&'a str>,
) -> Result<&'a str, E> {
    let name = match target.filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => destination
            .filter(|d| content::branch_tip(repo, d).is_some())
            .ok_or_else(E::branch_name_required)?,
    };
    check_branch_name(name)?;
    if content::branch_tip(repo, name).is_none() {
        if repo.find_reference(&format!("refs/tags/{name}")).is_ok() {
            return Err(E::branch_name_is_tag_name(name));
        }
        return Err(E::branch_does_not_exist(name));
    }
    Ok(name)
}

/// Moves `branch` of `row` from `from` to `to` for `actor`, or refuses if it moved meanwhile.
pub fn move_branch(
    repo: &Repository,
    row: &RepositoryRow,
    actor: &str,
    branch: &str,
    (from, to): (Oid, Oid),
) -> Result<RefsMoved<()>, E> {
    repo.reference_matching(
        &format!("refs/heads/{branch}"),
        to,
        true,
        from,
        "codecommit-local: merge",
    )
    .map(|_| RefsMoved::new(row, actor, "merge", ()))
    .map_err(|_| E::concurrent_reference_update())
}

/// Who writes a merge commit, and what it says.
pub struct Authoring<'a> {
    pub caller: &'a str,
    pub author_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub message: Option<&'a str>,
}

/// The commit a merge makes (not referenced by any branch yet): the source itself for a
/// fast-forward, else a squash (parent: the destination) or three-way (parents: the
/// destination, then the source) commit of the merged tree.
pub fn merge_commit(
    merge: &mut Merge<'_>,
    option: MergeOption,
    keep_empty_folders: bool,
    who: &Authoring<'_>,
) -> Result<(Oid, Oid), E> {
    if option == MergeOption::FastForward {
        if !merge.fast_forwardable() {
            return Err(E::manual_merge_required());
        }
        return Ok((merge.source.id(), merge.source.tree_id()));
    }
    let tree_id = merge.write_tree(keep_empty_folders)?;
    let tree = merge.repo.find_tree(tree_id)?;
    let default_message = format!(
        "Merge {} into {}",
        short(merge.source.id()),
        short(merge.destination.id())
    );
    let (sig, message) = commits::author(
        who.caller,
        who.author_name,
        who.email,
        who.message
            .filter(|m| !m.is_empty())
            .or(Some(&default_message)),
    )?;
    let parents: Vec<&Commit<'_>> = match option {
        MergeOption::ThreeWay => vec![&merge.destination, &merge.source],
        _ => vec![&merge.destination],
    };
    let id = merge
        .repo
        .commit(None, &sig, &sig, message, &tree, &parents)?;
    Ok((id, tree_id))
}

fn short(id: Oid) -> String {
    id.to_string()[..7].to_owned()
}

/// GetMergeCommit's `mergedCommitId`: the first commit of the destination's first-parent
/// history that contains the source (the merge that brought it in), if it does.
pub fn merged_commit(repo: &Repository, source: Oid, destination: Oid) -> Result<Option<Oid>, E> {
    if source != destination && !repo.graph_descendant_of(destination, source)? {
        return Ok(None);
    }
    let mut found = destination;
    let mut at = repo.find_commit(destination)?;
    while let Ok(parent) = at.parent(0) {
        if parent.id() != source && !repo.graph_descendant_of(parent.id(), source)? {
            break;
        }
        found = parent.id();
        at = parent;
    }
    Ok(Some(found))
}

impl<'r> Merge<'r> {
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

    /// The merge hunks of a text file's three versions (none for binaries, folders, or a
    /// side that does not have it).
    pub fn hunks(&self, c: &Conflict) -> Result<Vec<MergeHunk>, E> {
        let text = |s: Option<Side>| -> Option<Vec<u8>> {
            let s = s.filter(|s| object_type(s.mode) == "FILE")?;
            let blob = self.repo.find_blob(s.id).ok()?;
            (!blob.is_binary()).then(|| blob.content().to_vec())
        };
        let (Some(d), Some(s)) = (text(c.destination), text(c.source)) else {
            return Ok(Vec::new());
        };
        merge_hunks(&text(c.base).unwrap_or_default(), &d, &s)
    }
}

/// One region of a file that either side changed, as CodeCommit reports it: each side's
/// lines there (`startLine` counted from 0, `endLine` exclusive) and content (base64).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeHunk {
    pub is_conflict: bool,
    pub source: HunkDetail,
    pub destination: HunkDetail,
    pub base: HunkDetail,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HunkDetail {
    pub start_line: i64,
    pub end_line: i64,
    pub hunk_content: String,
}

/// A change of one side against the base, as half-open line ranges (base, side).
#[derive(Debug, Clone, Copy)]
struct Change {
    base: (usize, usize),
    side: (usize, usize),
}

fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|&b| b == b'\n').collect()
}

/// The changes from `base` to `side`, from libgit2's diff without context.
fn changes(base: &[u8], side: &[u8]) -> Result<Vec<Change>, E> {
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0);
    let patch = git2::Patch::from_buffers(base, None, side, None, Some(&mut opts))?;
    let mut out = Vec::new();
    for i in 0..patch.num_hunks() {
        let (h, _) = patch.hunk(i)?;
        // libgit2 numbers lines from 1; an empty range starts after the line it names.
        let range = |start: u32, count: u32| {
            let start = start as usize;
            if count == 0 {
                (start, start)
            } else {
                (start - 1, start - 1 + count as usize)
            }
        };
        out.push(Change {
            base: range(h.old_start(), h.old_lines()),
            side: range(h.new_start(), h.new_lines()),
        });
    }
    Ok(out)
}

/// Where the region `[b0, b1)` of the base lies in a side with `changes`: the changes that
/// start before it shift its start, those that start inside it (`b0 ≤ start ≤ b1`, how the
/// regions are built) shift its end too.
fn map_range(changes: &[Change], b0: usize, b1: usize) -> (usize, usize) {
    let shift = |c: &Change| (c.side.1 - c.side.0) as i64 - (c.base.1 - c.base.0) as i64;
    let before: i64 = changes.iter().filter(|c| c.base.0 < b0).map(shift).sum();
    let inside: i64 = changes
        .iter()
        .filter(|c| (b0..=b1).contains(&c.base.0))
        .map(shift)
        .sum();
    (
        (b0 as i64 + before) as usize,
        (b1 as i64 + before + inside) as usize,
    )
}

fn detail(text: &[&[u8]], range: (usize, usize)) -> HunkDetail {
    use base64::Engine;
    let content: Vec<u8> = text[range.0.min(text.len())..range.1.min(text.len())].concat();
    HunkDetail {
        start_line: range.0 as i64,
        end_line: range.1 as i64,
        hunk_content: base64::engine::general_purpose::STANDARD.encode(content),
    }
}

/// The hunks of a three-way merge of text files: every region either side changed (regions
/// that overlap or touch are one), a conflict where both changed it differently.
pub fn merge_hunks(base: &[u8], destination: &[u8], source: &[u8]) -> Result<Vec<MergeHunk>, E> {
    let (dst_changes, src_changes) = (changes(base, destination)?, changes(base, source)?);
    let mut all: Vec<(Change, bool)> = dst_changes
        .iter()
        .map(|c| (*c, false))
        .chain(src_changes.iter().map(|c| (*c, true)))
        .collect();
    all.sort_by_key(|(c, _)| c.base);
    let mut regions: Vec<(usize, usize, bool, bool)> = Vec::new();
    for (c, from_source) in all {
        match regions.last_mut() {
            Some(r) if c.base.0 <= r.1 => {
                r.1 = r.1.max(c.base.1);
                if from_source {
                    r.3 = true;
                } else {
                    r.2 = true;
                }
            }
            _ => regions.push((c.base.0, c.base.1, !from_source, from_source)),
        }
    }
    let (b, d, s) = (lines(base), lines(destination), lines(source));
    let mut out = Vec::new();
    for (b0, b1, dst_changed, src_changed) in regions {
        let dr = map_range(&dst_changes, b0, b1);
        let sr = map_range(&src_changes, b0, b1);
        let dst_text: Vec<u8> = d[dr.0.min(d.len())..dr.1.min(d.len())].concat();
        let src_text: Vec<u8> = s[sr.0.min(s.len())..sr.1.min(s.len())].concat();
        out.push(MergeHunk {
            is_conflict: dst_changed && src_changed && dst_text != src_text,
            source: detail(&s, sr),
            destination: detail(&d, dr),
            base: detail(&b, (b0, b1)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(h: &HunkDetail) -> String {
        use base64::Engine;
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(&h.hunk_content)
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn hunks_map_each_side_and_flag_conflicts() {
        let base = b"a\nb\nc\nd\ne\nf\n";
        // Destination: b changed, a line inserted after e. Source: b changed otherwise,
        // f deleted.
        let dst = b"a\nB-dst\nc\nd\ne\nnew\nf\n";
        let src = b"a\nB-src\nc\nd\ne\n";
        let hunks = merge_hunks(base, dst, src).unwrap();
        assert_eq!(hunks.len(), 2, "{hunks:?}");
        let first = &hunks[0];
        assert!(first.is_conflict);
        assert_eq!((first.base.start_line, first.base.end_line), (1, 2));
        assert_eq!(text(&first.destination), "B-dst\n");
        assert_eq!(text(&first.source), "B-src\n");
        // Inserting after e (destination) touches deleting f (source): one region.
        let second = &hunks[1];
        assert!(second.is_conflict);
        assert_eq!((second.base.start_line, second.base.end_line), (5, 6));
        assert_eq!(text(&second.base), "f\n");
        assert_eq!(text(&second.destination), "new\nf\n");
        assert_eq!((second.source.start_line, second.source.end_line), (5, 5));

        // One side's change alone is a hunk, not a conflict; positions follow earlier shifts.
        let dst = b"x\ny\na\nb\nc\nd\ne\nf\n";
        let src = b"a\nb\nc\nd\nE\nf\n";
        let hunks = merge_hunks(base, dst, src).unwrap();
        assert_eq!(hunks.len(), 2);
        assert!(hunks.iter().all(|h| !h.is_conflict));
        assert_eq!(
            (
                hunks[1].destination.start_line,
                hunks[1].destination.end_line
            ),
            (6, 7)
        );
        assert_eq!(text(&hunks[1].destination), "e\n");
        assert_eq!(text(&hunks[1].source), "E\n");
    }
}
