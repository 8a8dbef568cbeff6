//! Rows and queries of comments.

use rusqlite::{Connection, OptionalExtension, Row, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRow {
    pub comment_id: String,
    pub account_id: String,
    pub region: String,
    pub repository_id: String,
    pub pull_request_id: Option<i64>,
    pub before_commit_id: Option<String>,
    pub after_commit_id: String,
    pub before_blob_id: Option<String>,
    pub after_blob_id: Option<String>,
    pub file_path: Option<String>,
    pub file_position: Option<i64>,
    pub relative_file_version: Option<String>,
    pub in_reply_to: Option<String>,
    pub content: Option<String>,
    pub deleted: bool,
    pub author_arn: String,
    pub client_request_token: Option<String>,
    pub request_digest: Option<String>,
    pub created_at: String,
    pub last_modified_at: String,
}

const COLUMNS: &str = "comment_id, account_id, region, repository_id, pull_request_id, \
     before_commit_id, after_commit_id, before_blob_id, after_blob_id, file_path, file_position, \
     relative_file_version, in_reply_to, content, deleted, author_arn, client_request_token, \
     request_digest, created_at, last_modified_at";

impl CommentRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(CommentRow {
            comment_id: r.get(0)?,
            account_id: r.get(1)?,
            region: r.get(2)?,
            repository_id: r.get(3)?,
            pull_request_id: r.get(4)?,
            before_commit_id: r.get(5)?,
            after_commit_id: r.get(6)?,
            before_blob_id: r.get(7)?,
            after_blob_id: r.get(8)?,
            file_path: r.get(9)?,
            file_position: r.get(10)?,
            relative_file_version: r.get(11)?,
            in_reply_to: r.get(12)?,
            content: r.get(13)?,
            deleted: r.get(14)?,
            author_arn: r.get(15)?,
            client_request_token: r.get(16)?,
            request_digest: r.get(17)?,
            created_at: r.get(18)?,
            last_modified_at: r.get(19)?,
        })
    }
}

pub fn insert(c: &Connection, x: &CommentRow) -> rusqlite::Result<()> {
    c.execute(
        &format!(
            "INSERT INTO comments ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
               ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
        ),
        params![
            x.comment_id,
            x.account_id,
            x.region,
            x.repository_id,
            x.pull_request_id,
            x.before_commit_id,
            x.after_commit_id,
            x.before_blob_id,
            x.after_blob_id,
            x.file_path,
            x.file_position,
            x.relative_file_version,
            x.in_reply_to,
            x.content,
            x.deleted,
            x.author_arn,
            x.client_request_token,
            x.request_digest,
            x.created_at,
            x.last_modified_at
        ],
    )?;
    Ok(())
}

pub fn set_content(
    c: &Connection,
    id: &str,
    content: Option<&str>,
    deleted: bool,
    now: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE comments SET content = ?2, deleted = ?3, last_modified_at = ?4
         WHERE comment_id = ?1",
        params![id, content, deleted, now],
    )?;
    Ok(())
}

pub fn find(c: &Connection, id: &str) -> rusqlite::Result<Option<CommentRow>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM comments WHERE comment_id = ?1"
    ))?
    .query_row([id], CommentRow::from_row)
    .optional()
}

pub fn find_by_token(
    c: &Connection,
    account_id: &str,
    region: &str,
    author_arn: &str,
    token: &str,
) -> rusqlite::Result<Option<CommentRow>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM comments WHERE account_id = ?1 AND region = ?2
           AND author_arn = ?3 AND client_request_token = ?4"
    ))?
    .query_row(
        params![account_id, region, author_arn, token],
        CommentRow::from_row,
    )
    .optional()
}

/// Comments on compared commits (not on a pull request), oldest first.
pub fn for_commits(
    c: &Connection,
    repository_id: &str,
    before: Option<&str>,
    after: &str,
) -> rusqlite::Result<Vec<CommentRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM comments
         WHERE repository_id = ?1 AND pull_request_id IS NULL AND after_commit_id = ?3
           AND (?2 IS NULL OR before_commit_id = ?2)
         ORDER BY created_at, rowid"
    ))?;
    stmt.query_map(params![repository_id, before, after], CommentRow::from_row)?
        .collect()
}

/// A pull request's comments, oldest first, optionally on given commits.
pub fn for_pull_request(
    c: &Connection,
    account_id: &str,
    region: &str,
    pull_request_id: i64,
    before: Option<&str>,
    after: Option<&str>,
) -> rusqlite::Result<Vec<CommentRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM comments
         WHERE account_id = ?1 AND region = ?2 AND pull_request_id = ?3
           AND (?4 IS NULL OR before_commit_id = ?4) AND (?5 IS NULL OR after_commit_id = ?5)
         ORDER BY created_at, rowid"
    ))?;
    stmt.query_map(
        params![account_id, region, pull_request_id, before, after],
        CommentRow::from_row,
    )?
    .collect()
}

/// Sets (or with `short_code` None removes) `user`'s one reaction to a comment.
pub fn set_reaction(
    c: &Connection,
    comment_id: &str,
    user: &str,
    short_code: Option<&str>,
    now: &str,
) -> rusqlite::Result<()> {
    match short_code {
        Some(code) => c.execute(
            "INSERT INTO comment_reactions (comment_id, user_arn, short_code, created_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (comment_id, user_arn) DO UPDATE SET short_code = ?3, created_at = ?4",
            params![comment_id, user, code, now],
        )?,
        None => c.execute(
            "DELETE FROM comment_reactions WHERE comment_id = ?1 AND user_arn = ?2",
            params![comment_id, user],
        )?,
    };
    Ok(())
}

/// (comment ID, user ARN, short code) of the reactions to the given comments, oldest first.
pub fn reactions(
    c: &Connection,
    comment_ids: &[&str],
) -> rusqlite::Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    let mut stmt = c.prepare_cached(
        "SELECT comment_id, user_arn, short_code FROM comment_reactions WHERE comment_id = ?1
         ORDER BY created_at, rowid",
    )?;
    for id in comment_ids {
        let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}
