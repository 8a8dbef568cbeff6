//! Rows and queries of pull requests and their events.

use rusqlite::{Connection, OptionalExtension, Row, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestRow {
    pub account_id: String,
    pub region: String,
    pub pull_request_id: i64,
    pub repository_id: String,
    /// The repository's current name (joined: a rename shows in the pull request).
    pub repository_name: String,
    pub title: String,
    pub description: Option<String>,
    pub status: String,
    pub author_arn: String,
    pub client_request_token: Option<String>,
    pub request_digest: Option<String>,
    pub revision_id: String,
    pub source_reference: String,
    pub destination_reference: String,
    pub source_commit: String,
    pub destination_commit: String,
    pub merge_base: Option<String>,
    pub is_merged: bool,
    pub merged_by: Option<String>,
    pub merge_commit_id: Option<String>,
    pub merge_option: Option<String>,
    pub created_at: String,
    pub last_activity_at: String,
}

const COLUMNS: &str = "p.account_id, p.region, p.pull_request_id, p.repository_id, r.name, \
     p.title, p.description, p.status, p.author_arn, p.client_request_token, p.request_digest, \
     p.revision_id, p.source_reference, p.destination_reference, p.source_commit, \
     p.destination_commit, p.merge_base, p.is_merged, p.merged_by, p.merge_commit_id, \
     p.merge_option, p.created_at, p.last_activity_at";

const FROM: &str = "pull_requests p JOIN repositories r ON r.repository_id = p.repository_id";

impl PullRequestRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(PullRequestRow {
            account_id: r.get(0)?,
            region: r.get(1)?,
            pull_request_id: r.get(2)?,
            repository_id: r.get(3)?,
            repository_name: r.get(4)?,
            title: r.get(5)?,
            description: r.get(6)?,
            status: r.get(7)?,
            author_arn: r.get(8)?,
            client_request_token: r.get(9)?,
            request_digest: r.get(10)?,
            revision_id: r.get(11)?,
            source_reference: r.get(12)?,
            destination_reference: r.get(13)?,
            source_commit: r.get(14)?,
            destination_commit: r.get(15)?,
            merge_base: r.get(16)?,
            is_merged: r.get(17)?,
            merged_by: r.get(18)?,
            merge_commit_id: r.get(19)?,
            merge_option: r.get(20)?,
            created_at: r.get(21)?,
            last_activity_at: r.get(22)?,
        })
    }
}

/// The next pull request ID of the account and region (1, 2, …).
pub fn next_id(c: &Connection, account_id: &str, region: &str) -> rusqlite::Result<i64> {
    c.query_row(
        "INSERT INTO pull_request_counters (account_id, region, last_id) VALUES (?1, ?2, 1)
         ON CONFLICT (account_id, region) DO UPDATE SET last_id = last_id + 1
         RETURNING last_id",
        params![account_id, region],
        |r| r.get(0),
    )
}

pub fn insert(c: &Connection, p: &PullRequestRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO pull_requests (account_id, region, pull_request_id, repository_id, title,
           description, status, author_arn, client_request_token, request_digest, revision_id,
           source_reference, destination_reference, source_commit, destination_commit,
           merge_base, is_merged, merged_by, merge_commit_id, merge_option, created_at,
           last_activity_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
           ?18, ?19, ?20, ?21, ?22)",
        params![
            p.account_id,
            p.region,
            p.pull_request_id,
            p.repository_id,
            p.title,
            p.description,
            p.status,
            p.author_arn,
            p.client_request_token,
            p.request_digest,
            p.revision_id,
            p.source_reference,
            p.destination_reference,
            p.source_commit,
            p.destination_commit,
            p.merge_base,
            p.is_merged,
            p.merged_by,
            p.merge_commit_id,
            p.merge_option,
            p.created_at,
            p.last_activity_at
        ],
    )?;
    Ok(())
}

/// Writes back every field a pull request's life changes.
pub fn update(c: &Connection, p: &PullRequestRow) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE pull_requests SET title = ?4, description = ?5, status = ?6, revision_id = ?7,
           source_commit = ?8, destination_commit = ?9, merge_base = ?10, is_merged = ?11,
           merged_by = ?12, merge_commit_id = ?13, merge_option = ?14, last_activity_at = ?15
         WHERE account_id = ?1 AND region = ?2 AND pull_request_id = ?3",
        params![
            p.account_id,
            p.region,
            p.pull_request_id,
            p.title,
            p.description,
            p.status,
            p.revision_id,
            p.source_commit,
            p.destination_commit,
            p.merge_base,
            p.is_merged,
            p.merged_by,
            p.merge_commit_id,
            p.merge_option,
            p.last_activity_at
        ],
    )?;
    Ok(())
}

pub fn find(
    c: &Connection,
    account_id: &str,
    region: &str,
    id: i64,
) -> rusqlite::Result<Option<PullRequestRow>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM}
         WHERE p.account_id = ?1 AND p.region = ?2 AND p.pull_request_id = ?3"
    ))?
    .query_row(params![account_id, region, id], PullRequestRow::from_row)
    .optional()
}

pub fn find_by_token(
    c: &Connection,
    account_id: &str,
    region: &str,
    token: &str,
) -> rusqlite::Result<Option<PullRequestRow>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM}
         WHERE p.account_id = ?1 AND p.region = ?2 AND p.client_request_token = ?3"
    ))?
    .query_row(params![account_id, region, token], PullRequestRow::from_row)
    .optional()
}

/// A repository's pull requests, newest first, optionally by author and status.
pub fn list(
    c: &Connection,
    repository_id: &str,
    author_arn: Option<&str>,
    status: Option<&str>,
) -> rusqlite::Result<Vec<PullRequestRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM}
         WHERE p.repository_id = ?1 AND (?2 IS NULL OR p.author_arn = ?2)
           AND (?3 IS NULL OR p.status = ?3)
         ORDER BY p.pull_request_id DESC"
    ))?;
    stmt.query_map(
        params![repository_id, author_arn, status],
        PullRequestRow::from_row,
    )?
    .collect()
}

pub fn count_open(c: &Connection, repository_id: &str) -> rusqlite::Result<i64> {
    c.query_row(
        "SELECT count(*) FROM pull_requests WHERE repository_id = ?1 AND status = 'OPEN'",
        [repository_id],
        |r| r.get(0),
    )
}

/// One pull request event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub pull_request_id: i64,
    pub event_type: String,
    pub actor_arn: String,
    pub event_date: String,
    /// `{"<member>Metadata": {…}}`.
    pub metadata: String,
}

pub fn insert_event(c: &Connection, p: &PullRequestRow, e: &EventRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO pull_request_events (account_id, region, pull_request_id, event_type,
           actor_arn, event_date, metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            p.account_id,
            p.region,
            p.pull_request_id,
            e.event_type,
            e.actor_arn,
            e.event_date,
            e.metadata
        ],
    )?;
    Ok(())
}

/// A pull request's events, oldest first, optionally of one type and actor.
/// The events of `p` (of one type, by one actor), oldest first: `limit` of them from
/// `offset` on, so a page reads only its own rows.
pub fn events(
    c: &Connection,
    p: &PullRequestRow,
    event_type: Option<&str>,
    actor_arn: Option<&str>,
    offset: usize,
    limit: usize,
) -> rusqlite::Result<Vec<EventRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT pull_request_id, event_type, actor_arn, event_date, metadata
         FROM pull_request_events
         WHERE account_id = ?1 AND region = ?2 AND pull_request_id = ?3
           AND (?4 IS NULL OR event_type = ?4) AND (?5 IS NULL OR actor_arn = ?5)
         ORDER BY event_id LIMIT ?6 OFFSET ?7",
    )?;
    let clamp = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    stmt.query_map(
        params![
            p.account_id,
            p.region,
            p.pull_request_id,
            event_type,
            actor_arn,
            clamp(limit),
            clamp(offset)
        ],
        |r| {
            Ok(EventRow {
                pull_request_id: r.get(0)?,
                event_type: r.get(1)?,
                actor_arn: r.get(2)?,
                event_date: r.get(3)?,
                metadata: r.get(4)?,
            })
        },
    )?
    .collect()
}
