//! Reading what is in a repository the way the CodeCommit API shows it: branches, commits,
//! files, folders, blobs, differences and file history, through libgit2 on the same bare
//! repository git serves.

use std::path::Path;

use git2::{Commit, ObjectType, Oid, Repository, Tree};
use serde::Serialize;

use crate::codecommit::error::CodeCommitError as E;
use crate::context::Context;
use crate::git::handles::Handle;
use crate::store::RepositoryRow;

/// A path segment git itself refuses: `.git` in any case, and the names case-insensitive or
/// NTFS file systems read as `.git` (trailing dots or spaces, the 8.3 name `git~1`).
pub fn is_git_dir_name(seg: &str) -> bool {
    let trimmed = seg.trim_end_matches(['.', ' ']);
    trimmed.eq_ignore_ascii_case(".git") || seg.eq_ignore_ascii_case("git~1")
}

/// `row`'s repository, opened or kept from an earlier request ([`Handles`](crate::git::handles::Handles)).
pub fn open<'a>(ctx: &'a Context, row: &RepositoryRow) -> Result<Handle<'a>, E> {
    Ok(ctx.handles.open(ctx.repo_dir(&row.repository_id))?)
}

/// A git identity as CodeCommit prints it; `date` is `<unix seconds> <±hhmm>`.
#[derive(Debug, Clone, Serialize)]
pub struct UserInfo {
    pub name: String,
    pub email: String,
    pub date: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitInfo {
    pub commit_id: String,
    pub tree_id: String,
    pub parents: Vec<String>,
    pub message: String,
    pub author: UserInfo,
    pub committer: UserInfo,
    pub additional_data: String,
}

fn user_info(sig: &git2::Signature<'_>) -> UserInfo {
    let offset = sig.when().offset_minutes();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.abs();
    UserInfo {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
        date: format!(
            "{} {sign}{:02}{:02}",
            sig.when().seconds(),
            offset / 60,
            offset % 60
        ),
    }
}

pub fn commit_info(c: &Commit<'_>) -> CommitInfo {
    CommitInfo {
        commit_id: c.id().to_string(),
        tree_id: c.tree_id().to_string(),
        parents: c.parent_ids().map(|p| p.to_string()).collect(),
        message: String::from_utf8_lossy(c.message_bytes()).into_owned(),
        author: user_info(&c.author()),
        committer: user_info(&c.committer()),
        additional_data: String::new(),
    }
}

/// CodeCommit's file modes.
pub fn mode_name(mode: i32) -> &'static str {
    match mode {
        0o100755 => "EXECUTABLE",
        0o120000 => "SYMLINK",
        _ => "NORMAL",
    }
}

pub fn is_object_id(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A repository path from the API: `a/b`, `/a/b`; no `.`/`..`/empty segments. Root is "".
pub fn normalize_path(path: &str) -> Result<String, E> {
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if trimmed
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == ".." || is_git_dir_name(seg))
        || trimmed.contains('\0')
    {
        return Err(E::invalid_path(path));
    }
    Ok(trimmed.to_owned())
}

/// A required file path (non-empty).
pub fn file_path(path: Option<&str>) -> Result<String, E> {
    let path = path.unwrap_or_default();
    if path.is_empty() {
        return Err(E::path_required());
    }
    let p = normalize_path(path)?;
    if p.is_empty() {
        return Err(E::invalid_path("/"));
    }
    Ok(p)
}

/// A commit specifier as the API takes it: a branch, a tag, or a commit ID; none means the
/// default branch.
pub fn resolve<'r>(repo: &'r Repository, spec: Option<&str>) -> Result<Commit<'r>, E> {
    let spec = spec.filter(|s| !s.is_empty());
    let obj = match spec {
        None => repo
            .head()
            .ok()
            .and_then(|h| h.peel(ObjectType::Commit).ok())
            .ok_or_else(|| E::commit_does_not_exist("HEAD"))?,
        Some(s) => {
            let by_ref = repo
                .find_reference(&format!("refs/heads/{s}"))
                .or_else(|_| repo.find_reference(&format!("refs/tags/{s}")))
                .ok()
                .and_then(|r| r.peel(ObjectType::Commit).ok());
            match by_ref {
                Some(o) => o,
                None if s.len() >= 4 && s.bytes().all(|b| b.is_ascii_hexdigit()) => repo
                    .revparse_single(s)
                    .ok()
                    .and_then(|o| o.peel(ObjectType::Commit).ok())
                    .ok_or_else(|| E::commit_does_not_exist(s))?,
                None => return Err(E::commit_does_not_exist(s)),
            }
        }
    };
    obj.into_commit()
        .map_err(|_| E::commit_does_not_exist(spec.unwrap_or("HEAD")))
}

/// GetCommit's lookup: a full commit ID.
pub fn find_commit<'r>(repo: &'r Repository, id: &str) -> Result<Commit<'r>, E> {
    if id.is_empty() {
        return Err(E::commit_id_required());
    }
    if !is_object_id(id) {
        return Err(E::invalid_commit_id(id));
    }
    let oid = Oid::from_str(id).map_err(|_| E::invalid_commit_id(id))?;
    repo.find_commit(oid)
        .map_err(|_| E::commit_id_does_not_exist(id))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileContent {
    pub commit_id: String,
    pub blob_id: String,
    pub file_path: String,
    pub file_mode: &'static str,
    pub file_size: usize,
    /// The content: a blob member, sent in base64.
    #[serde(serialize_with = "as_blob")]
    pub file_content: Vec<u8>,
}

/// A blob member (GetFile's `fileContent`, GetBlob's `content`): serialised as bytes, which
/// the JSON protocol writes as a base64 string (`transport::aws::protocol::json::encode`).
pub fn as_blob<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bytes(bytes)
}

/// Largest file GetFile and GetBlob return (6 MB).
pub const MAX_FILE_SIZE: usize = 6 * 1024 * 1024;

pub fn get_file(
    repo: &Repository,
    spec: Option<&str>,
    path: Option<&str>,
) -> Result<FileContent, E> {
    let path = file_path(path)?;
    let commit = resolve(repo, spec)?;
    let tree = commit.tree()?;
    let entry = tree
        .get_path(Path::new(&path))
        .map_err(|_| E::file_does_not_exist(&path))?;
    if entry.kind() != Some(ObjectType::Blob) {
        return Err(E::file_does_not_exist(&path));
    }
    let blob = repo.find_blob(entry.id())?;
    if blob.size() > MAX_FILE_SIZE {
        return Err(E::file_too_large());
    }
    Ok(FileContent {
        commit_id: commit.id().to_string(),
        blob_id: entry.id().to_string(),
        file_path: path,
        file_mode: mode_name(entry.filemode()),
        file_size: blob.size(),
        file_content: blob.content().to_vec(),
    })
}

pub fn get_blob(repo: &Repository, blob_id: &str) -> Result<Vec<u8>, E> {
    if blob_id.is_empty() {
        return Err(E::blob_id_required());
    }
    if !is_object_id(blob_id) {
        return Err(E::invalid_blob_id(blob_id));
    }
    let oid = Oid::from_str(blob_id).map_err(|_| E::invalid_blob_id(blob_id))?;
    let blob = repo
        .find_blob(oid)
        .map_err(|_| E::blob_id_does_not_exist(blob_id))?;
    if blob.size() > MAX_FILE_SIZE {
        return Err(E::file_too_large());
    }
    Ok(blob.content().to_vec())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_id: Option<String>,
    pub absolute_path: String,
    pub relative_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_mode: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Folder {
    pub commit_id: String,
    pub folder_path: String,
    pub tree_id: String,
    pub sub_folders: Vec<FolderEntry>,
    pub files: Vec<FolderEntry>,
    pub symbolic_links: Vec<FolderEntry>,
    pub sub_modules: Vec<FolderEntry>,
}

pub fn get_folder(
    repo: &Repository,
    spec: Option<&str>,
    folder: Option<&str>,
) -> Result<Folder, E> {
    let Some(folder) = folder else {
        return Err(E::path_required());
    };
    let path = normalize_path(folder)?;
    let commit = resolve(repo, spec)?;
    let root = commit.tree()?;
    let not_found = || E::folder_does_not_exist(folder);
    let tree: Tree<'_> = if path.is_empty() {
        root
    } else {
        let entry = root.get_path(Path::new(&path)).map_err(|_| not_found())?;
        repo.find_tree(entry.id()).map_err(|_| not_found())?
    };
    let mut out = Folder {
        commit_id: commit.id().to_string(),
        folder_path: if path.is_empty() {
            "/".into()
        } else {
            path.clone()
        },
        tree_id: tree.id().to_string(),
        sub_folders: vec![],
        files: vec![],
        symbolic_links: vec![],
        sub_modules: vec![],
    };
    for entry in tree.iter() {
        let name = String::from_utf8_lossy(entry.name_bytes()).into_owned();
        let absolute = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}/{name}")
        };
        let id = Some(entry.id().to_string());
        let mut item = FolderEntry {
            tree_id: None,
            blob_id: None,
            commit_id: None,
            absolute_path: absolute,
            relative_path: name,
            file_mode: None,
        };
        match (entry.kind(), entry.filemode()) {
            (Some(ObjectType::Tree), _) => {
                item.tree_id = id;
                out.sub_folders.push(item);
            }
            (Some(ObjectType::Commit), _) => {
                item.commit_id = id;
                out.sub_modules.push(item);
            }
            (_, 0o120000) => {
                item.blob_id = id;
                item.file_mode = Some("SYMLINK");
                out.symbolic_links.push(item);
            }
            (_, mode) => {
                item.blob_id = id;
                item.file_mode = Some(mode_name(mode));
                out.files.push(item);
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobMetadata {
    pub blob_id: String,
    pub path: String,
    pub mode: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_blob: Option<BlobMetadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_blob: Option<BlobMetadata>,
    pub change_type: &'static str,
}

/// GetDifferences: the changed files between two commits (or everything in `after` when
/// there is no `before`), optionally under a path.
pub fn differences(
    repo: &Repository,
    before: Option<&str>,
    after: Option<&str>,
    before_path: Option<&str>,
    after_path: Option<&str>,
) -> Result<Vec<Difference>, E> {
    let Some(after) = after.filter(|s| !s.is_empty()) else {
        return Err(E::commit_required());
    };
    let after_tree = resolve(repo, Some(after))?.tree()?;
    let before_tree = match before.filter(|s| !s.is_empty()) {
        Some(b) => Some(resolve(repo, Some(b))?.tree()?),
        None => None,
    };
    let mut opts = git2::DiffOptions::new();
    for p in [before_path, after_path].into_iter().flatten() {
        let p = normalize_path(p)?;
        if !p.is_empty() {
            let exists = after_tree.get_path(Path::new(&p)).is_ok()
                || before_tree
                    .as_ref()
                    .is_some_and(|t| t.get_path(Path::new(&p)).is_ok());
            if !exists {
                return Err(E::path_does_not_exist(&p));
            }
            opts.pathspec(p);
        }
    }
    let diff = repo.diff_tree_to_tree(before_tree.as_ref(), Some(&after_tree), Some(&mut opts))?;
    let mut out = Vec::new();
    for delta in diff.deltas() {
        let blob = |f: git2::DiffFile<'_>| BlobMetadata {
            blob_id: f.id().to_string(),
            path: f
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default(),
            mode: format!("{:o}", u32::from(f.mode())),
        };
        let (change_type, before_blob, after_blob) = match delta.status() {
            git2::Delta::Added => ("A", None, Some(blob(delta.new_file()))),
            git2::Delta::Deleted => ("D", Some(blob(delta.old_file())), None),
            _ => (
                "M",
                Some(blob(delta.old_file())),
                Some(blob(delta.new_file())),
            ),
        };
        out.push(Difference {
            before_blob,
            after_blob,
            change_type,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileVersion {
    pub commit: CommitInfo,
    pub blob_id: String,
    pub path: String,
    pub revision_children: Vec<String>,
}

/// ListFileCommitHistory: the commits, newest first, that changed the file at `path`: those
/// that have it with a blob none of their parents has there. git names the candidates (the
/// commits that differ from a parent at the path, found with the commit-graph's
/// changed-path filters), so only their trees and their parents' are read, not every
/// commit's.
pub fn file_history(
    repo: &Repository,
    spec: Option<&str>,
    path: Option<&str>,
) -> Result<Vec<FileVersion>, E> {
    let path = file_path(path)?;
    let start = resolve(repo, spec)?;
    let candidates =
        crate::git::repo::commits_touching(repo.path(), start.id(), &path).map_err(E::internal)?;
    let mut blobs: std::collections::HashMap<Oid, Option<Oid>> = Default::default();
    let mut blob_at = |c: &Commit<'_>| {
        *blobs.entry(c.id()).or_insert_with(|| {
            c.tree()
                .ok()
                .and_then(|t| t.get_path(Path::new(&path)).ok())
                .map(|e| e.id())
        })
    };
    let mut out: Vec<FileVersion> = Vec::new();
    for oid in candidates {
        let commit = repo.find_commit(oid)?;
        let Some(blob) = blob_at(&commit) else {
            continue;
        };
        // A merge that kept one parent's version, or a change of mode only, is no new version.
        if commit.parents().any(|p| blob_at(&p) == Some(blob)) {
            continue;
        }
        let children = out
            .last()
            .map(|v| vec![v.commit.commit_id.clone()])
            .unwrap_or_default();
        out.push(FileVersion {
            commit: commit_info(&commit),
            blob_id: blob.to_string(),
            path: path.clone(),
            revision_children: children,
        });
    }
    Ok(out)
}

/// Branch names, sorted.
pub fn branches(repo: &Repository) -> Result<Vec<String>, E> {
    Ok(crate::git::repo::branch_names(repo)?)
}

/// The tip of `branch`, if it exists.
pub fn branch_tip(repo: &Repository, branch: &str) -> Option<Oid> {
    repo.find_reference(&format!("refs/heads/{branch}"))
        .ok()
        .and_then(|r| r.target())
}
