//! What the console shows of a repository beyond the public API: a ref's commit history
//! (optionally of one path), its tags, and one commit's changes as unified-diff hunks. AWS's
//! console reads these through permission-only actions (`codecommit:GetCommitHistory`,
//! `codecommit:GetReferences`); [`crate::codecommit::ops::browse`] declares them.

use git2::{DiffOptions, Oid, Repository};
use serde::Serialize;

use crate::codecommit::content::{CommitInfo, commit_info};
use crate::codecommit::error::CodeCommitError as E;

/// One page of history: the commits and whether more follow.
#[derive(Debug, Serialize)]
pub struct History {
    pub commits: Vec<CommitInfo>,
    pub more: bool,
}

/// The commits reachable from `start`, newest first (as `git log` lists them), that change
/// `path` when one is given: `limit` of them after skipping `skip`. git lists them: with the
/// commit-graph upkeep writes (its changed-path filters), a file's history does not read
/// every commit's trees.
pub fn history(
    repo: &Repository,
    start: Oid,
    path: Option<&str>,
    skip: usize,
    limit: usize,
) -> Result<History, E> {
    let path = path.filter(|p| !p.is_empty());
    let mut ids = crate::git::repo::rev_list(repo.path(), start, path, skip, limit + 1)
        .map_err(E::internal)?;
    let more = ids.len() > limit;
    ids.truncate(limit);
    let commits = ids
        .into_iter()
        .map(|id| repo.find_commit(id).map(|c| commit_info(&c)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(History { commits, more })
}

/// A repository's tags and the commits they name (annotated tags peeled).
pub fn tags(repo: &Repository) -> Result<Vec<(String, String)>, E> {
    let mut tags = Vec::new();
    for r in repo.references_glob("refs/tags/*")? {
        let r = r?;
        let (Ok(name), Ok(commit)) = (r.shorthand(), r.peel_to_commit()) else {
            continue;
        };
        tags.push((name.to_owned(), commit.id().to_string()));
    }
    tags.sort();
    Ok(tags)
}

/// One line of a hunk: `+`, `-` or ` `, with the old and new line numbers.
#[derive(Debug, Serialize)]
pub struct Line {
    pub origin: char,
    pub old: Option<u32>,
    pub new: Option<u32>,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct Hunk {
    pub header: String,
    pub lines: Vec<Line>,
}

/// One file a commit changed.
#[derive(Debug, Serialize)]
pub struct FilePatch {
    pub old_path: Option<String>,
    pub new_path: Option<String>,
    /// `A`, `D`, `M`, `R` (renamed), as `git diff --name-status` prints.
    pub change: char,
    pub binary: bool,
    pub hunks: Vec<Hunk>,
    pub added: usize,
    pub removed: usize,
}

/// At most this many diff lines are returned for one commit; the rest is counted only.
pub const MAX_PATCH_LINES: usize = 20_000;

/// What a patch compares a commit with.
#[derive(Debug, Clone, Copy)]
pub enum Base {
    /// Its first parent (nothing, for a root commit).
    FirstParent,
    Commit(Oid),
    /// Nothing: every file is added.
    Empty,
}

/// Files a patch shows at once.
pub const PATCH_FILES: usize = 100;

/// A page of a patch: its files from `first` (at most [`PATCH_FILES`], and at most
/// [`MAX_PATCH_LINES`] lines, `truncated` when that cut one short), and how many files the
/// whole change has.
#[derive(Debug, Serialize)]
pub struct PatchPage {
    pub files: Vec<FilePatch>,
    pub first: usize,
    pub total_files: usize,
    pub truncated: bool,
}

/// The changes from `base` to `commit`, with three lines of context, the files from
/// `first` on: only those files' contents are diffed, so a change of thousands of files
/// costs a page's worth.
pub fn patch(repo: &Repository, base: Base, commit: Oid, first: usize) -> Result<PatchPage, E> {
    let commit = repo.find_commit(commit)?;
    let new_tree = commit.tree()?;
    let old_tree = match base {
        Base::Commit(b) => Some(repo.find_commit(b)?.tree()?),
        Base::FirstParent => match commit.parent(0) {
            Ok(p) => Some(p.tree()?),
            Err(_) => None,
        },
        Base::Empty => None,
    };
    let mut opts = DiffOptions::new();
    opts.context_lines(3);
    let mut diff = repo.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut opts))?;
    diff.find_similar(None)?;
    let total_files = diff.deltas().len();
    let mut files = Vec::new();
    let mut lines = 0usize;
    let mut truncated = false;
    for index in first..total_files.min(first + PATCH_FILES) {
        if lines >= MAX_PATCH_LINES {
            truncated = true;
            break;
        }
        let Some(delta) = diff.get_delta(index) else {
            break;
        };
        let path = |f: git2::DiffFile<'_>| f.path().map(|p| p.to_string_lossy().into_owned());
        let mut file = FilePatch {
            old_path: path(delta.old_file()),
            new_path: path(delta.new_file()),
            change: match delta.status() {
                git2::Delta::Added => 'A',
                git2::Delta::Deleted => 'D',
                git2::Delta::Renamed => 'R',
                _ => 'M',
            },
            binary: delta.flags().is_binary(),
            hunks: Vec::new(),
            added: 0,
            removed: 0,
        };
        if let Some(patch) = git2::Patch::from_diff(&diff, index)? {
            file.binary |= patch.delta().flags().is_binary();
            for h in 0..patch.num_hunks() {
                let (hunk, count) = patch.hunk(h)?;
                let mut shown = Hunk {
                    header: String::from_utf8_lossy(hunk.header()).trim_end().to_owned(),
                    lines: Vec::new(),
                };
                for l in 0..count {
                    let line = patch.line_in_hunk(h, l)?;
                    let origin = line.origin();
                    match origin {
                        '+' => file.added += 1,
                        '-' => file.removed += 1,
                        ' ' => {}
                        _ => continue,
                    }
                    if lines >= MAX_PATCH_LINES {
                        truncated = true;
                        continue;
                    }
                    lines += 1;
                    shown.lines.push(Line {
                        origin,
                        old: line.old_lineno(),
                        new: line.new_lineno(),
                        text: String::from_utf8_lossy(line.content())
                            .trim_end_matches(['\n', '\r'])
                            .to_owned(),
                    });
                }
                file.hunks.push(shown);
            }
        }
        files.push(file);
    }
    Ok(PatchPage {
        files,
        first,
        total_files,
        truncated,
    })
}
