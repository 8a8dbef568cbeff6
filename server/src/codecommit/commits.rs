//! Writing to a repository through the API: branches, and commits made of file changes
//! (PutFile, DeleteFile, CreateCommit). A branch moves only from the parent the caller
//! named (compare-and-swap on the ref), so an API commit racing a `git push` never loses
//! either.

use std::collections::HashSet;
use std::path::Path;

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, ObjectType, Oid, Repository, Signature, Tree};
use serde::Serialize;

use crate::codecommit::content::{self, normalize_path};
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::manage;
use crate::codecommit::repositories::RefsMoved;
use crate::context::Context;
use crate::store::RepositoryRow;

pub fn check_branch_name(name: &str) -> Result<(), E> {
    if name.is_empty() {
        return Err(E::branch_name_required());
    }
    if name.len() > 256 || !git2::Reference::is_valid_name(&format!("refs/heads/{name}")) {
        return Err(E::invalid_branch_name(name));
    }
    Ok(())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BranchInfo {
    pub branch_name: String,
    pub commit_id: String,
}

pub fn get_branch(repo: &Repository, name: &str) -> Result<BranchInfo, E> {
    check_branch_name(name)?;
    let tip = content::branch_tip(repo, name).ok_or_else(|| E::branch_does_not_exist(name))?;
    Ok(BranchInfo {
        branch_name: name.to_owned(),
        commit_id: tip.to_string(),
    })
}

/// CreateBranch at an existing commit.
pub fn create_branch(
    ctx: &Context,
    row: &RepositoryRow,
    name: &str,
    commit_id: &str,
    actor: &str,
) -> Result<RefsMoved<()>, E> {
    check_branch_name(name)?;
    let repo = content::open(ctx, row)?;
    if commit_id.is_empty() {
        return Err(E::commit_id_required());
    }
    let commit = content::resolve(&repo, Some(commit_id))
        .map_err(|_| E::commit_does_not_exist(commit_id))?;
    if content::branch_tip(&repo, name).is_some() {
        return Err(E::branch_name_exists(name));
    }
    repo.reference(
        &format!("refs/heads/{name}"),
        commit.id(),
        false,
        "CreateBranch",
    )
    .map_err(|_| E::branch_name_exists(name))?;
    Ok(RefsMoved::new(row, actor, "CreateBranch", ()))
}

/// DeleteBranch: the deleted branch, or `None` if there was none. The default branch stays.
pub fn delete_branch(
    ctx: &Context,
    row: &RepositoryRow,
    name: &str,
    actor: &str,
) -> Result<Option<RefsMoved<BranchInfo>>, E> {
    check_branch_name(name)?;
    if row.default_branch.as_deref() == Some(name) {
        return Err(E::default_branch_cannot_be_deleted(name));
    }
    let repo = content::open(ctx, row)?;
    let Ok(mut reference) = repo.find_reference(&format!("refs/heads/{name}")) else {
        return Ok(None);
    };
    let tip = reference
        .target()
        .map(|t| t.to_string())
        .unwrap_or_default();
    reference.delete()?;
    let deleted = BranchInfo {
        branch_name: name.to_owned(),
        commit_id: tip,
    };
    Ok(Some(RefsMoved::new(row, actor, "DeleteBranch", deleted)))
}

/// UpdateDefaultBranch: the branch must exist; HEAD follows.
pub fn update_default_branch(
    ctx: &Context,
    account: &str,
    row: &RepositoryRow,
    name: &str,
) -> Result<(), E> {
    check_branch_name(name)?;
    let repo = content::open(ctx, row)?;
    if content::branch_tip(&repo, name).is_none() {
        return Err(E::branch_does_not_exist(name));
    }
    manage::update(ctx, account, &row.name, |r| {
        r.default_branch = Some(name.to_owned())
    })?;
    crate::git::repo::set_head(&repo, name)?;
    Ok(())
}

/// One change of a commit.
#[derive(Debug, Clone)]
pub enum Change {
    Put {
        path: String,
        mode: Option<FileMode>,
        content: Option<Vec<u8>>,
        /// Copy (or move) the blob at this path of the parent commit.
        source: Option<(String, bool)>,
    },
    Delete {
        path: String,
    },
    SetMode {
        path: String,
        mode: FileMode,
    },
}

pub fn parse_mode(mode: &str) -> Result<FileMode, E> {
    match mode {
        "NORMAL" => Ok(FileMode::Blob),
        "EXECUTABLE" => Ok(FileMode::BlobExecutable),
        "SYMLINK" => Ok(FileMode::Link),
        other => Err(E::invalid_file_mode(other)),
    }
}

/// The committer email of API commits that name none.
pub const DEFAULT_EMAIL: &str = "noreply@codecommit-local";

/// What a commit is to be: where, on top of what, by whom, with which changes.
pub struct CommitRequest<'a> {
    pub branch: &'a str,
    pub parent: Option<&'a str>,
    pub author_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub message: Option<&'a str>,
    /// The caller, for the default author name.
    pub caller: &'a str,
    /// The caller's ARN, for the pull request events the commit causes.
    pub actor: &'a str,
    pub changes: Vec<Change>,
    /// The refusal of a commit that changes nothing: PutFile's is
    /// [`E::same_file_content`], CreateCommit's and DeleteFile's [`E::no_change`].
    pub unchanged: fn() -> E,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileMetadata {
    pub absolute_path: String,
    pub blob_id: String,
    pub file_mode: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitResult {
    pub commit_id: String,
    pub tree_id: String,
    pub files_added: Vec<FileMetadata>,
    pub files_updated: Vec<FileMetadata>,
    pub files_deleted: Vec<FileMetadata>,
}

fn entry_at(tree: &Tree<'_>, path: &str) -> Option<(Oid, i32, Option<ObjectType>)> {
    tree.get_path(Path::new(path))
        .ok()
        .map(|e| (e.id(), e.filemode(), e.kind()))
}

/// A path for a new or changed file must not run through a file or land on a folder.
fn check_placement(tree: &Tree<'_>, path: &str) -> Result<(), E> {
    if let Some((_, _, Some(ObjectType::Tree))) = entry_at(tree, path) {
        return Err(E::file_name_conflicts_with_directory_name(path));
    }
    let mut prefix = String::new();
    for seg in path.split('/').take(path.split('/').count() - 1) {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(seg);
        if let Some((_, _, Some(ObjectType::Blob))) = entry_at(tree, &prefix) {
            return Err(E::directory_name_conflicts_with_file_name(&prefix));
        }
    }
    Ok(())
}

/// The commit a new commit on `branch` goes on top of: the branch tip, which `parent`
/// must name (None for the first commit of an empty repository).
fn parent_commit<'r>(
    repo: &'r Repository,
    branch: &str,
    parent: Option<&str>,
) -> Result<Option<git2::Commit<'r>>, E> {
    let tip = content::branch_tip(repo, branch);
    let repo_is_empty = content::branches(repo)?.is_empty();
    Ok(match (tip, parent.filter(|p| !p.is_empty())) {
        (None, _) if !repo_is_empty => return Err(E::branch_does_not_exist(branch)),
        (None, _) => None,
        (Some(_), None) => {
            return Err(E::parent_commit_id_required());
        }
        (Some(tip), Some(p)) => {
            if !content::is_object_id(p) {
                return Err(E::invalid_parent_commit_id(p));
            }
            let oid = Oid::from_str(p).map_err(|_| E::invalid_parent_commit_id(p))?;
            if repo.find_commit(oid).is_err() {
                return Err(E::parent_commit_does_not_exist(p));
            }
            if oid != tip {
                return Err(E::parent_commit_id_outdated(branch));
            }
            Some(repo.find_commit(oid)?)
        }
    })
}

/// The author and committer (the author name, else the caller; the email, else a
/// placeholder) and the message, within CodeCommit's limits.
fn signature<'a>(req: &CommitRequest<'a>) -> Result<(Signature<'static>, &'a str), E> {
    author(req.caller, req.author_name, req.email, req.message)
}

/// A commit's author (and committer) and message as CodeCommit takes them: the name
/// defaults to the caller's, the email to a placeholder; both and the message are bounded.
pub fn author<'a>(
    caller: &'a str,
    author_name: Option<&'a str>,
    email: Option<&'a str>,
    message: Option<&'a str>,
) -> Result<(Signature<'static>, &'a str), E> {
    let name = author_name.filter(|n| !n.is_empty()).unwrap_or(caller);
    if name.len() > 1024 {
        return Err(E::name_length_exceeded());
    }
    // libgit2 needs an email; CodeCommit leaves it to the caller.
    let email = email.filter(|e| !e.is_empty()).unwrap_or(DEFAULT_EMAIL);
    if !email.contains('@') {
        return Err(E::invalid_email(email));
    }
    let message = message.unwrap_or_default();
    if message.len() > 100 * 1024 {
        return Err(E::commit_message_length_exceeded());
    }
    Ok((Signature::now(name, email)?, message))
}

/// A commit's tree edits, built change by change, and what each did to which file.
struct Edits<'r> {
    repo: &'r Repository,
    base: &'r Tree<'r>,
    seen: HashSet<String>,
    update: TreeUpdateBuilder,
    added: Vec<FileMetadata>,
    updated: Vec<FileMetadata>,
    deleted: Vec<FileMetadata>,
}

fn meta(path: &str, id: Oid, mode: i32) -> FileMetadata {
    FileMetadata {
        absolute_path: path.to_owned(),
        blob_id: id.to_string(),
        file_mode: content::mode_name(mode),
    }
}

impl<'r> Edits<'r> {
    fn new(repo: &'r Repository, base: &'r Tree<'r>) -> Self {
        Edits {
            repo,
            base,
            seen: HashSet::new(),
            update: TreeUpdateBuilder::new(),
            added: Vec::new(),
            updated: Vec::new(),
            deleted: Vec::new(),
        }
    }

    /// Checks one change against the parent's tree and the changes before it, and stages it.
    fn apply(&mut self, change: &Change) -> Result<(), E> {
        let path = match change {
            Change::Put { path, .. } | Change::Delete { path } | Change::SetMode { path, .. } => {
                path
            }
        };
        let path = normalize_path(path)?;
        if path.is_empty() {
            return Err(E::path_required());
        }
        if !self.seen.insert(path.clone()) {
            return Err(E::same_path_request(&path));
        }
        let existing = entry_at(self.base, &path).filter(|(_, _, k)| *k == Some(ObjectType::Blob));
        match change {
            Change::Put {
                mode,
                content,
                source,
                ..
            } => {
                check_placement(self.base, &path)?;
                let blob = self.put_blob(content.as_deref(), source.as_ref())?;
                let mode = mode.unwrap_or(FileMode::Blob);
                self.update.upsert(path.as_str(), blob, mode);
                match existing {
                    Some((old, old_mode, _)) if old == blob && old_mode == i32::from(mode) => {}
                    Some(_) => self.updated.push(meta(&path, blob, mode.into())),
                    None => self.added.push(meta(&path, blob, mode.into())),
                }
            }
            Change::Delete { .. } => {
                let (id, mode, _) = existing.ok_or_else(|| E::file_does_not_exist(&path))?;
                self.update.remove(path.as_str());
                self.deleted.push(meta(&path, id, mode));
            }
            Change::SetMode { mode, .. } => {
                let (id, _, _) = existing.ok_or_else(|| E::file_does_not_exist(&path))?;
                self.update.upsert(path.as_str(), id, *mode);
                self.updated.push(meta(&path, id, (*mode).into()));
            }
        }
        Ok(())
    }

    /// The blob a put writes: its content, or the parent's blob at a source path (which a
    /// move also deletes).
    fn put_blob(
        &mut self,
        content: Option<&[u8]>,
        source: Option<&(String, bool)>,
    ) -> Result<Oid, E> {
        match (content, source) {
            (Some(_), Some(_)) => Err(E::file_content_and_source_file_specified()),
            (None, None) => Err(E::source_file_or_content_required()),
            (Some(bytes), None) => {
                if bytes.len() > content::MAX_FILE_SIZE {
                    return Err(E::file_content_size_limit_exceeded());
                }
                Ok(self.repo.blob(bytes)?)
            }
            (None, Some((src, is_move))) => {
                let src = normalize_path(src)?;
                let (id, src_mode, _) = entry_at(self.base, &src)
                    .filter(|(_, _, k)| *k == Some(ObjectType::Blob))
                    .ok_or_else(|| E::file_does_not_exist(&src))?;
                if *is_move {
                    if !self.seen.insert(src.clone()) {
                        return Err(E::same_path_request(&src));
                    }
                    self.update.remove(src.as_str());
                    self.deleted.push(meta(&src, id, src_mode));
                }
                Ok(id)
            }
        }
    }
}

/// CodeCommit's limits on a commit's changes: at least one, at most 100.
fn check_change_count(changes: &[Change]) -> Result<(), E> {
    if changes.is_empty() {
        return Err(E::file_entry_required());
    }
    if changes.len() > 100 {
        return Err(E::maximum_file_entries_exceeded());
    }
    Ok(())
}

/// Makes the commit and moves the branch, or changes nothing.
pub fn commit(
    ctx: &Context,
    row: &RepositoryRow,
    req: CommitRequest<'_>,
) -> Result<RefsMoved<CommitResult>, E> {
    check_branch_name(req.branch)?;
    check_change_count(&req.changes)?;
    let repo = content::open(ctx, row)?;
    let parent = parent_commit(&repo, req.branch, req.parent)?;
    let base = match &parent {
        Some(c) => c.tree()?,
        None => {
            let empty = repo.treebuilder(None)?.write()?;
            repo.find_tree(empty)?
        }
    };
    let mut edits = Edits::new(&repo, &base);
    for change in &req.changes {
        edits.apply(change)?;
    }
    let Edits {
        mut update,
        added,
        updated,
        deleted,
        ..
    } = edits;
    let tree_id = update.create_updated(&repo, &base)?;
    if parent.is_some() && tree_id == base.id() {
        return Err((req.unchanged)());
    }
    let tree = repo.find_tree(tree_id)?;
    let (sig, message) = signature(&req)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let commit_id = repo.commit(None, &sig, &sig, message, &tree, &parents)?;
    let refname = format!("refs/heads/{}", req.branch);
    let moved = match parent.as_ref().map(|p| p.id()) {
        Some(old) => {
            repo.reference_matching(&refname, commit_id, true, old, "codecommit-local: commit")
        }
        None => repo.reference(&refname, commit_id, false, "codecommit-local: commit"),
    };
    moved.map_err(|_| E::parent_commit_id_outdated(req.branch))?;
    let result = CommitResult {
        commit_id: commit_id.to_string(),
        tree_id: tree_id.to_string(),
        files_added: added,
        files_updated: updated,
        files_deleted: deleted,
    };
    Ok(RefsMoved::new(row, req.actor, "commit", result))
}
