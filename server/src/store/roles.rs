//! Rows and queries of IAM roles and STS sessions.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRow {
    pub role_id: String,
    pub account_id: String,
    pub role_name: String,
    pub path: String,
    pub assume_role_policy: String,
    pub description: Option<String>,
    pub max_session_duration: i64,
    pub created_at: String,
}

impl RoleRow {
    /// `arn:aws:iam::123456789012:role/path/name`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role{}{}",
            self.account_id, self.path, self.role_name
        )
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RoleRow {
            role_id: r.get(0)?,
            account_id: r.get(1)?,
            role_name: r.get(2)?,
            path: r.get(3)?,
            assume_role_policy: r.get(4)?,
            description: r.get(5)?,
            max_session_duration: r.get(6)?,
            created_at: r.get(7)?,
        })
    }
}

const ROLE_COLUMNS: &str = "role_id, account_id, role_name, path, assume_role_policy, description, \
     max_session_duration, created_at";

pub fn insert_role(c: &Connection, r: &RoleRow) -> rusqlite::Result<()> {
    c.execute(
        &format!("INSERT INTO roles ({ROLE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            r.role_id,
            r.account_id,
            r.role_name,
            r.path,
            r.assume_role_policy,
            r.description,
            r.max_session_duration,
            r.created_at
        ],
    )?;
    Ok(())
}

pub fn find_role_by_name(
    c: &Connection,
    account_id: &str,
    name: &str,
) -> rusqlite::Result<Option<RoleRow>> {
    c.query_row(
        &format!(
            "SELECT {ROLE_COLUMNS} FROM roles WHERE account_id = ?1 AND role_name = ?2 COLLATE NOCASE"
        ),
        params![account_id, name],
        RoleRow::from_row,
    )
    .optional()
}

pub fn find_role_by_id(c: &Connection, role_id: &str) -> rusqlite::Result<Option<RoleRow>> {
    c.prepare_cached(&format!(
        "SELECT {ROLE_COLUMNS} FROM roles WHERE role_id = ?1"
    ))?
    .query_row([role_id], RoleRow::from_row)
    .optional()
}

pub fn list_roles(
    c: &Connection,
    account_id: &str,
    path_prefix: &str,
) -> rusqlite::Result<Vec<RoleRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ROLE_COLUMNS} FROM roles
         WHERE account_id = ?1 AND substr(path, 1, length(?2)) = ?2
         ORDER BY role_name COLLATE NOCASE"
    ))?;
    stmt.query_map(params![account_id, path_prefix], RoleRow::from_row)?
        .collect()
}

pub fn set_trust_policy(c: &Connection, role_id: &str, policy: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE roles SET assume_role_policy = ?2 WHERE role_id = ?1",
        params![role_id, policy],
    )? == 1)
}

pub fn delete_role(c: &Connection, role_id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute("DELETE FROM roles WHERE role_id = ?1", [role_id])? == 1)
}

pub fn role_tags(c: &Connection, role_id: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt =
        c.prepare_cached("SELECT key, value FROM role_tags WHERE role_id = ?1 ORDER BY rowid")?;
    stmt.query_map([role_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

pub fn insert_role_tag(
    c: &Connection,
    role_id: &str,
    key: &str,
    value: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO role_tags (role_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (role_id, key) DO UPDATE SET value = excluded.value",
        params![role_id, key, value],
    )?;
    Ok(())
}

/// Temporary credentials issued by STS.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// SHA-256 of the session token (the token itself is never stored).
    pub token_hash: Vec<u8>,
    pub account_id: String,
    pub user_id: Option<String>,
    pub role_id: Option<String>,
    pub session_name: Option<String>,
    /// The long-term key behind the session; `None` for a workload's session (and sessions
    /// chained from one).
    pub parent_access_key_id: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub source: SessionSource,
}

/// What minted a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSource {
    /// GetSessionToken or AssumeRole.
    Sts,
    /// The instance-metadata listener, for an instance profile's role.
    InstanceProfile,
    /// A container credentials endpoint.
    Container,
    /// AssumeRoleWithWebIdentity.
    WebIdentity,
}

impl SessionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionSource::Sts => "sts",
            SessionSource::InstanceProfile => "instance-profile",
            SessionSource::Container => "container",
            SessionSource::WebIdentity => "web-identity",
        }
    }

    fn parse(s: &str) -> SessionSource {
        match s {
            "instance-profile" => SessionSource::InstanceProfile,
            "container" => SessionSource::Container,
            "web-identity" => SessionSource::WebIdentity,
            _ => SessionSource::Sts,
        }
    }
}

const SESSION_COLUMNS: &str = "access_key_id, secret_access_key, token_hash, account_id, user_id, \
     role_id, session_name, parent_access_key_id, created_at, expires_at, source";

pub fn insert_session(c: &Connection, s: &SessionRow) -> rusqlite::Result<()> {
    c.execute(
        &format!(
            "INSERT INTO sts_sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ),
        params![
            s.access_key_id,
            s.secret_access_key.expose(),
            s.token_hash,
            s.account_id,
            s.user_id,
            s.role_id,
            s.session_name,
            s.parent_access_key_id,
            s.created_at,
            s.expires_at,
            s.source.as_str()
        ],
    )?;
    Ok(())
}

/// Deletes the sessions that expired before `cutoff` (an RFC 3339 timestamp in the form
/// sessions are stored in); how many.
pub fn delete_sessions_expired_before(c: &Connection, cutoff: &str) -> rusqlite::Result<usize> {
    c.execute("DELETE FROM sts_sessions WHERE expires_at < ?1", [cutoff])
}

pub fn find_session(c: &Connection, access_key_id: &str) -> rusqlite::Result<Option<SessionRow>> {
    c.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS} FROM sts_sessions WHERE access_key_id = ?1"
    ))?
    .query_row([access_key_id], |r| {
        Ok(SessionRow {
            access_key_id: r.get(0)?,
            secret_access_key: Secret::new(r.get::<_, String>(1)?),
            token_hash: r.get(2)?,
            account_id: r.get(3)?,
            user_id: r.get(4)?,
            role_id: r.get(5)?,
            session_name: r.get(6)?,
            parent_access_key_id: r.get(7)?,
            created_at: r.get(8)?,
            expires_at: r.get(9)?,
            source: SessionSource::parse(&r.get::<_, String>(10)?),
        })
    })
    .optional()
}
