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
