//! Rows and queries of the repositories table.

use rusqlite::{Connection, OptionalExtension, Row, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryRow {
    pub repository_id: String,
    pub account_id: String,
    pub region: String,
    pub name: String,
    pub description: Option<String>,
    pub default_branch: Option<String>,
    pub kms_key_id: Option<String>,
    pub created_at: String,
    pub last_modified_at: String,
}

impl RepositoryRow {
    /// `arn:aws:codecommit:us-east-1:123456789012:name`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:codecommit:{}:{}:{}",
            self.region, self.account_id, self.name
        )
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RepositoryRow {
            repository_id: r.get(0)?,
            account_id: r.get(1)?,
            region: r.get(2)?,
            name: r.get(3)?,
            description: r.get(4)?,
            default_branch: r.get(5)?,
            kms_key_id: r.get(6)?,
            created_at: r.get(7)?,
            last_modified_at: r.get(8)?,
        })
    }
}

const COLUMNS: &str = "repository_id, account_id, region, name, description, default_branch, \
     kms_key_id, created_at, last_modified_at";

pub fn insert_repository(c: &Connection, r: &RepositoryRow) -> rusqlite::Result<()> {
    c.execute(
        &format!(
            "INSERT INTO repositories ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ),
        params![
            r.repository_id,
            r.account_id,
            r.region,
            r.name,
            r.description,
            r.default_branch,
            r.kms_key_id,
            r.created_at,
            r.last_modified_at
        ],
    )?;
    Ok(())
}

pub fn find_repository_by_name(
    c: &Connection,
    account_id: &str,
    region: &str,
    name: &str,
) -> rusqlite::Result<Option<RepositoryRow>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM repositories WHERE account_id = ?1 AND region = ?2 AND name = ?3"
    ))?
    .query_row(params![account_id, region, name], RepositoryRow::from_row)
    .optional()
}

/// Sets the default branch only if the repository has none yet; true if this call set it.
pub fn set_default_branch_if_unset(
    c: &Connection,
    repository_id: &str,
    branch: &str,
    now: &str,
) -> rusqlite::Result<bool> {
    let n = c.execute(
        "UPDATE repositories SET default_branch = ?2, last_modified_at = ?3
         WHERE repository_id = ?1 AND default_branch IS NULL",
        params![repository_id, branch, now],
    )?;
    Ok(n == 1)
}

pub fn touch_repository(c: &Connection, repository_id: &str, now: &str) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE repositories SET last_modified_at = ?2 WHERE repository_id = ?1",
        params![repository_id, now],
    )?;
    Ok(())
}

/// Repositories of an account and region, in name order.
pub fn list_repositories(
    c: &Connection,
    account_id: &str,
    region: &str,
) -> rusqlite::Result<Vec<RepositoryRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM repositories WHERE account_id = ?1 AND region = ?2 ORDER BY name"
    ))?;
    stmt.query_map(params![account_id, region], RepositoryRow::from_row)?
        .collect()
}

/// Every repository's ID, in every account and region.
pub fn all_repository_ids(c: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = c.prepare("SELECT repository_id FROM repositories")?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

pub fn count_repositories(c: &Connection, account_id: &str) -> rusqlite::Result<usize> {
    let n: i64 = c.query_row(
        "SELECT count(*) FROM repositories WHERE account_id = ?1",
        [account_id],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

pub fn delete_repository(c: &Connection, repository_id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM repositories WHERE repository_id = ?1",
        [repository_id],
    )? == 1)
}

/// Updates the mutable metadata of a repository (name, description, default branch, key).
pub fn update_repository(c: &Connection, r: &RepositoryRow) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE repositories SET name = ?2, description = ?3, default_branch = ?4,
             kms_key_id = ?5, last_modified_at = ?6
         WHERE repository_id = ?1",
        params![
            r.repository_id,
            r.name,
            r.description,
            r.default_branch,
            r.kms_key_id,
            r.last_modified_at
        ],
    )?;
    Ok(())
}

pub fn repository_tags(
    c: &Connection,
    repository_id: &str,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT key, value FROM repository_tags WHERE repository_id = ?1 ORDER BY key",
    )?;
    stmt.query_map([repository_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// The tags of the repository `name` (none when it does not exist), in one statement.
pub fn repository_tags_by_name(
    c: &Connection,
    account_id: &str,
    region: &str,
    name: &str,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT t.key, t.value FROM repository_tags t
         JOIN repositories r ON r.repository_id = t.repository_id
         WHERE r.account_id = ?1 AND r.region = ?2 AND r.name = ?3 ORDER BY t.key",
    )?;
    stmt.query_map(params![account_id, region, name], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect()
}

pub fn set_repository_tag(
    c: &Connection,
    repository_id: &str,
    key: &str,
    value: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO repository_tags (repository_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (repository_id, key) DO UPDATE SET value = excluded.value",
        params![repository_id, key, value],
    )?;
    Ok(())
}

pub fn remove_repository_tag(
    c: &Connection,
    repository_id: &str,
    key: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM repository_tags WHERE repository_id = ?1 AND key = ?2",
        params![repository_id, key],
    )?;
    Ok(())
}

/// The name of the repository `repository_id`, if it exists.
pub fn repository_name_by_id(
    c: &Connection,
    repository_id: &str,
) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT name FROM repositories WHERE repository_id = ?1")?
        .query_row([repository_id], |r| r.get(0))
        .optional()
}

pub fn find_repository_by_id(
    c: &Connection,
    repository_id: &str,
) -> rusqlite::Result<Option<RepositoryRow>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM repositories WHERE repository_id = ?1"
    ))?
    .query_row([repository_id], RepositoryRow::from_row)
    .optional()
}
