//! Comments on compared commits and on pull requests, on the real commits and files: a
//! comment may name a file (and a line, in the BEFORE or AFTER version), whose blob IDs
//! are recorded; replies join their thread; only the author may edit; deleting keeps the
//! comment without its content.

use std::path::Path;

use git2::Repository;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::codecommit::content;
use crate::codecommit::error::CodeCommitError as E;
use crate::context::Context;
use crate::store::comments::{self as rows, CommentRow};
use crate::store::now_timestamp;

/// CodeCommit's limit on a comment's content.
pub const MAX_CONTENT: usize = 10_240;

/// Where a comment is: the compared commits and, optionally, a file position.
#[derive(Debug, Clone, Default)]
pub struct Place<'a> {
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub file_path: Option<&'a str>,
    pub file_position: Option<i64>,
    pub relative_file_version: Option<&'a str>,
}

pub fn check_content(content: Option<&str>) -> Result<&str, E> {
    let content = content
        .filter(|c| !c.is_empty())
        .ok_or_else(E::comment_content_required)?;
    if content.chars().count() > MAX_CONTENT {
        return Err(E::comment_content_size_limit_exceeded(MAX_CONTENT));
    }
    Ok(content)
}

fn commit_id(repo: &Repository, id: Option<&str>) -> Result<Option<String>, E> {
    match id.filter(|i| !i.is_empty()) {
        None => Ok(None),
        Some(i) => Ok(Some(
            content::find_commit(repo, i)
                .map_err(|e| match e.code {
                    E::COMMIT_ID_DOES_NOT_EXIST => E::commit_does_not_exist(i),
                    _ => e,
                })?
                .id()
                .to_string(),
        )),
    }
}

fn blob_at(repo: &Repository, commit: Option<&str>, path: &str) -> Option<String> {
    let commit = repo.find_commit(git2::Oid::from_str(commit?).ok()?).ok()?;
    let entry = commit.tree().ok()?.get_path(Path::new(path)).ok()?;
    (entry.kind() == Some(git2::ObjectType::Blob)).then(|| entry.id().to_string())
}

/// A new top-level comment's row (not stored yet), checked against the repository.
pub fn new_comment(repo: &Repository, place: &Place<'_>, content: &str) -> Result<CommentRow, E> {
    let after = commit_id(repo, place.after)?.ok_or_else(E::commit_id_required)?;
    let before = commit_id(repo, place.before)?;
    if before.as_deref() == Some(after.as_str()) {
        return Err(E::before_commit_id_and_after_commit_id_are_same());
    }
    let mut row = CommentRow {
        comment_id: uuid::Uuid::new_v4().to_string(),
        account_id: String::new(),
        region: String::new(),
        repository_id: String::new(),
        pull_request_id: None,
        before_commit_id: before,
        after_commit_id: after,
        before_blob_id: None,
        after_blob_id: None,
        file_path: None,
        file_position: None,
        relative_file_version: None,
        in_reply_to: None,
        content: Some(content.to_owned()),
        deleted: false,
        author_arn: String::new(),
        client_request_token: None,
        request_digest: None,
        created_at: now_timestamp(),
        last_modified_at: now_timestamp(),
    };
    let located = place.file_path.is_some()
        || place.file_position.is_some()
        || place.relative_file_version.is_some();
    if located {
        let path = content::normalize_path(place.file_path.unwrap_or_default())?;
        if path.is_empty() {
            return Err(E::path_required());
        }
        let version = place.relative_file_version.unwrap_or("AFTER");
        if version != "BEFORE" && version != "AFTER" {
            return Err(E::invalid_relative_file_version_enum());
        }
        if place.file_position.is_some_and(|p| p < 0) {
            return Err(E::invalid_file_position());
        }
        row.before_blob_id = blob_at(repo, row.before_commit_id.as_deref(), &path);
        row.after_blob_id = blob_at(repo, Some(&row.after_commit_id), &path);
        let exists = match version {
            "BEFORE" => row.before_blob_id.is_some(),
            _ => row.after_blob_id.is_some(),
        };
        if !exists {
            return Err(E::path_does_not_exist(&path));
        }
        row.file_path = Some(path);
        row.file_position = place.file_position;
        row.relative_file_version = Some(version.to_owned());
    }
    Ok(row)
}

/// Stores `row` as `author`'s, idempotent under `token` (a retry answers the stored comment;
/// the same token for a different request is IdempotencyParameterMismatchException).
pub fn store(
    ctx: &Context,
    mut row: CommentRow,
    author: &str,
    token: Option<&str>,
) -> Result<CommentRow, E> {
    row.author_arn = author.to_owned();
    let digest = hex::encode(Sha256::digest(
        json!([
            row.pull_request_id,
            row.repository_id,
            row.before_commit_id,
            row.after_commit_id,
            row.file_path,
            row.file_position,
            row.relative_file_version,
            row.in_reply_to,
            row.content
        ])
        .to_string(),
    ));
    if let Some(t) = token {
        if t.is_empty() || t.len() > 512 {
            return Err(E::invalid_client_request_token());
        }
        row.client_request_token = Some(t.to_owned());
        row.request_digest = Some(digest.clone());
    }
    ctx.store.write(|c| {
        if let Some(t) = token
            && let Some(existing) = rows::find_by_token(c, &row.account_id, &row.region, author, t)?
        {
            if existing.request_digest.as_deref() != Some(digest.as_str()) {
                return Err(E::idempotency_parameter_mismatch());
            }
            return Ok(existing);
        }
        rows::insert(c, &row)?;
        comment_event(c, &row, true, author)?;
        Ok(row)
    })
}

/// The comment a request names (CommentIdRequired, CommentDoesNotExist), of this account.
pub fn get(ctx: &Context, account: &str, id: Option<&str>) -> Result<CommentRow, E> {
    let id = id
        .filter(|i| !i.is_empty())
        .ok_or_else(E::comment_id_required)?;
    ctx.store
        .read(|c| rows::find(c, id))?
        .filter(|c| c.account_id == account && c.region == ctx.region)
        .ok_or_else(|| E::comment_does_not_exist(id))
}

pub fn not_deleted(c: &CommentRow) -> Result<(), E> {
    if c.deleted {
        return Err(E::comment_deleted());
    }
    Ok(())
}

/// A reply: the parent's place, a new ID and content.
pub fn reply_to(parent: &CommentRow, content: &str) -> CommentRow {
    CommentRow {
        comment_id: uuid::Uuid::new_v4().to_string(),
        in_reply_to: Some(parent.comment_id.clone()),
        content: Some(content.to_owned()),
        deleted: false,
        client_request_token: None,
        request_digest: None,
        created_at: now_timestamp(),
        last_modified_at: now_timestamp(),
        ..parent.clone()
    }
}

/// UpdateComment (the author's only) or DeleteCommentContent (`content` None).
pub fn change(
    ctx: &Context,
    mut comment: CommentRow,
    content: Option<&str>,
    caller: &str,
) -> Result<CommentRow, E> {
    not_deleted(&comment)?;
    if content.is_some() && comment.author_arn != caller {
        return Err(E::comment_not_created_by_caller());
    }
    let now = now_timestamp();
    comment.content = content.map(str::to_owned);
    comment.deleted = content.is_none();
    comment.last_modified_at = now.clone();
    ctx.store.write(|c| {
        rows::set_content(c, &comment.comment_id, content, content.is_none(), &now)?;
        comment_event(c, &comment, false, caller)
    })?;
    Ok(comment)
}

/// Queues the EventBridge event of a new or changed comment.
fn comment_event(
    c: &rusqlite::Connection,
    comment: &CommentRow,
    created: bool,
    actor: &str,
) -> rusqlite::Result<()> {
    let name = crate::store::repositories::repository_name_by_id(c, &comment.repository_id)?
        .unwrap_or_default();
    crate::codecommit::events::comment(c, comment, &name, created, actor)
}

/// Threads of `comments` by place (commits and file position), in order of their first
/// comment; each thread's comments in order.
pub fn threads(comments: Vec<CommentRow>) -> Vec<Vec<CommentRow>> {
    let mut out: Vec<Vec<CommentRow>> = Vec::new();
    for c in comments {
        let key = |x: &CommentRow| {
            (
                x.before_commit_id.clone(),
                x.after_commit_id.clone(),
                x.file_path.clone(),
                x.file_position,
                x.relative_file_version.clone(),
            )
        };
        match out.iter_mut().find(|t| key(&t[0]) == key(&c)) {
            Some(t) => t.push(c),
            None => out.push(vec![c]),
        }
    }
    out
}
