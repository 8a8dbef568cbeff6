//! What the console shows of a repository beyond the public API: a ref's commit history
//! (optionally of one path), its tags, and one commit's changes as unified-diff hunks. AWS's
//! console reads these through permission-only actions (`codecommit:GetCommitHistory`,
//! `codecommit:GetReferences`); [`crate::codecommit::ops::browse`] declares them.

use git2::{DiffFormat, DiffOptions, Oid, Repository};
use serde::Serialize;

use crate::codecommit::content::{CommitInfo, commit_info};
use crate::codecommit::error::CodeCommitError as E;

/// One page of history: the commits and whether more follow.
#[derive(Debug, Serialize)]
pub struct History {
    pub commits: Vec<CommitInfo>,
    pub more: bool,
}

/// Whether `commit` changed `path` against its first parent (a root commit adds it).
fn touches(commit: &git2::Commit<'_>, path: &std::path::Path) -> bool {
    let entry = |tree: git2::Tree<'_>| tree.get_path(path).ok().map(|e| e.id());
    let here = commit.tree().ok().and_then(entry);
    let before = commit
        .parent(0)
        .ok()
        .and_then(|p| p.tree().ok())
        .and_then(entry);
    here != before
}

/// The commits reachable from `start`, newest first (topological, like `git log`), that
/// change `path` when one is given: `limit` of them after skipping `skip`.
pub fn history(
    repo: &Repository,
    start: Oid,
    path: Option<&str>,
    skip: usize,
    limit: usize,
) -> Result<History, E> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
    walk.push(start)?;
    let path = path.filter(|p| !p.is_empty()).map(std::path::Path::new);
    let mut commits = Vec::new();
    let mut seen = 0usize;
    for id in walk {
        let commit = repo.find_commit(id?)?;
        if let Some(path) = path
            && !touches(&commit, path)
        {
            continue;
        }
        seen += 1;
        if seen <= skip {
            continue;
        }
        if commits.len() == limit {
            return Ok(History {
                commits,
                more: true,
            });
        }
        commits.push(commit_info(&commit));
    }
    Ok(History {
        commits,
        more: false,
    })
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

/// The changes from `base` to `commit`, with three lines of context; `truncated` when lines
/// past [`MAX_PATCH_LINES`] were left out.
pub fn patch(repo: &Repository, base: Base, commit: Oid) -> Result<(Vec<FilePatch>, bool), E> {
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
    let mut files: Vec<FilePatch> = Vec::new();
    let mut lines = 0usize;
    let mut truncated = false;
    diff.print(DiffFormat::Patch, |delta, hunk, line| {
        let path = |f: git2::DiffFile<'_>| f.path().map(|p| p.to_string_lossy().into_owned());
        let key = (path(delta.old_file()), path(delta.new_file()));
        if files
            .last()
            .is_none_or(|f| (f.old_path.clone(), f.new_path.clone()) != key)
        {
            files.push(FilePatch {
                old_path: key.0,
                new_path: key.1,
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
            });
        }
        let file = files.last_mut().expect("pushed above");
        match line.origin() {
            c @ ('+' | '-' | ' ') => {
                if c == '+' {
                    file.added += 1;
                } else if c == '-' {
                    file.removed += 1;
                }
                if lines >= MAX_PATCH_LINES {
                    truncated = true;
                    return true;
                }
                lines += 1;
                if let Some(h) = hunk {
                    let header = String::from_utf8_lossy(h.header()).trim_end().to_owned();
                    if file.hunks.last().is_none_or(|last| last.header != header) {
                        file.hunks.push(Hunk {
                            header,
                            lines: Vec::new(),
                        });
                    }
                }
                if let Some(h) = file.hunks.last_mut() {
                    let text = String::from_utf8_lossy(line.content());
                    h.lines.push(Line {
                        origin: c,
                        old: line.old_lineno(),
                        new: line.new_lineno(),
                        text: text.trim_end_matches(['\n', '\r']).to_owned(),
                    });
                }
            }
            'B' => file.binary = true,
            _ => {}
        }
        true
    })?;
    Ok((files, truncated))
}
