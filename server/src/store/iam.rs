//! Rows and queries of the IAM tables: accounts, users, service-specific credentials,
//! access keys and SSH public keys.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::secret::Secret;

/// Active or Inactive, as IAM spells it for every kind of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStatus {
    Active,
    Inactive,
}

impl CredentialStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialStatus::Active => "Active",
            CredentialStatus::Inactive => "Inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(CredentialStatus::Active),
            "Inactive" => Some(CredentialStatus::Inactive),
            _ => None,
        }
    }
}

impl rusqlite::types::FromSql for CredentialStatus {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let s = v.as_str()?;
        CredentialStatus::parse(s).ok_or(rusqlite::types::FromSqlError::InvalidType)
    }
}

impl rusqlite::ToSql for CredentialStatus {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub user_id: String,
    pub account_id: String,
    pub user_name: String,
    pub path: String,
    pub created_at: String,
}

impl UserRow {
    /// `arn:aws:iam::123456789012:user/path/name`, as IAM forms it.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:user{}{}",
            self.account_id, self.path, self.user_name
        )
    }

    fn from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Self> {
        Ok(UserRow {
            user_id: r.get(at)?,
            account_id: r.get(at + 1)?,
            user_name: r.get(at + 2)?,
            path: r.get(at + 3)?,
            created_at: r.get(at + 4)?,
        })
    }
}

const USER_COLUMNS: &str = "u.user_id, u.account_id, u.user_name, u.path, u.created_at";

#[derive(Debug, Clone)]
pub struct ServiceCredentialRow {
    pub credential_id: String,
    pub user_id: String,
    pub service_name: String,
    pub service_user_name: String,
    pub password_salt: Vec<u8>,
    pub password_hash: Vec<u8>,
    pub status: CredentialStatus,
    pub created_at: String,
}

impl ServiceCredentialRow {
    fn from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Self> {
        Ok(ServiceCredentialRow {
            credential_id: r.get(at)?,
            user_id: r.get(at + 1)?,
            service_name: r.get(at + 2)?,
            service_user_name: r.get(at + 3)?,
            password_salt: r.get(at + 4)?,
            password_hash: r.get(at + 5)?,
            status: r.get(at + 6)?,
            created_at: r.get(at + 7)?,
        })
    }
}

const CREDENTIAL_COLUMNS: &str = "c.credential_id, c.user_id, c.service_name, \
     c.service_user_name, c.password_salt, c.password_hash, c.status, c.created_at";

#[derive(Debug, Clone)]
pub struct AccessKeyRow {
    pub access_key_id: String,
    pub user_id: String,
    pub secret_access_key: Secret,
    pub status: CredentialStatus,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct SshKeyRow {
    pub ssh_key_id: String,
    pub user_id: String,
    pub body: String,
    pub fingerprint: String,
    pub status: CredentialStatus,
    pub uploaded_at: String,
}

pub fn ensure_account(c: &Connection, account_id: &str, now: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO accounts (account_id, created_at) VALUES (?1, ?2)
         ON CONFLICT (account_id) DO NOTHING",
        params![account_id, now],
    )?;
    Ok(())
}

pub fn insert_user(c: &Connection, u: &UserRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO users (user_id, account_id, user_name, path, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![u.user_id, u.account_id, u.user_name, u.path, u.created_at],
    )?;
    Ok(())
}

pub fn find_user_by_name(
    c: &Connection,
    account_id: &str,
    user_name: &str,
) -> rusqlite::Result<Option<UserRow>> {
    c.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u
         WHERE u.account_id = ?1 AND u.user_name = ?2 COLLATE NOCASE"
    ))?
    .query_row(params![account_id, user_name], |r| UserRow::from_row(r, 0))
    .optional()
}

pub fn insert_service_credential(c: &Connection, s: &ServiceCredentialRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO service_credentials (credential_id, user_id, service_name,
             service_user_name, password_salt, password_hash, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            s.credential_id,
            s.user_id,
            s.service_name,
            s.service_user_name,
            s.password_salt,
            s.password_hash,
            s.status,
            s.created_at
        ],
    )?;
    Ok(())
}

/// The credentials that sign in as `service_user_name` to `service_name`, with their users.
///
/// This runs on every Git request, so it is two single-table lookups and a sort of at most
/// a few rows here: with a join or an `ORDER BY`, SQLite (built with STAT4) marks the bound
/// login as plan-relevant and re-prepares the statement on every execution, which tripled
/// the cost of a sign-in.
pub fn service_credentials_by_login(
    c: &Connection,
    service_name: &str,
    service_user_name: &str,
) -> rusqlite::Result<Vec<(ServiceCredentialRow, UserRow)>> {
    let mut creds: Vec<ServiceCredentialRow> = c
        .prepare_cached(&credentials_by_login_sql())?
        .query_map(params![service_user_name, service_name], |r| {
            ServiceCredentialRow::from_row(r, 0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    creds.sort_by(|a, b| (&a.created_at, &a.credential_id).cmp(&(&b.created_at, &b.credential_id)));
    let mut out = Vec::with_capacity(creds.len());
    for cred in creds {
        // The foreign key guarantees the user exists.
        if let Some(user) = find_user_by_id(c, &cred.user_id)? {
            out.push((cred, user));
        }
    }
    Ok(out)
}

fn credentials_by_login_sql() -> String {
    format!(
        "SELECT {CREDENTIAL_COLUMNS} FROM service_credentials c
         WHERE c.service_user_name = ?1 AND c.service_name = ?2"
    )
}

/// A user's service-specific credentials, for one service or all.
pub fn list_service_credentials(
    c: &Connection,
    user_id: &str,
    service_name: Option<&str>,
) -> rusqlite::Result<Vec<ServiceCredentialRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CREDENTIAL_COLUMNS} FROM service_credentials c
         WHERE c.user_id = ?1 AND (?2 IS NULL OR c.service_name = ?2)
         ORDER BY c.created_at, c.credential_id"
    ))?;
    stmt.query_map(params![user_id, service_name], |r| {
        ServiceCredentialRow::from_row(r, 0)
    })?
    .collect()
}

/// Sets a credential's status; false when no such credential exists.
pub fn set_service_credential_status(
    c: &Connection,
    credential_id: &str,
    status: CredentialStatus,
) -> rusqlite::Result<bool> {
    let n = c.execute(
        "UPDATE service_credentials SET status = ?2 WHERE credential_id = ?1",
        params![credential_id, status],
    )?;
    Ok(n == 1)
}

pub fn find_access_key(
    c: &Connection,
    access_key_id: &str,
) -> rusqlite::Result<Option<AccessKeyRow>> {
    c.prepare_cached(&format!(
        "SELECT {ACCESS_KEY_COLUMNS} FROM access_keys WHERE access_key_id = ?1"
    ))?
    .query_row([access_key_id], access_key_from_row)
    .optional()
}

pub fn upsert_access_key(c: &Connection, k: &AccessKeyRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO access_keys (access_key_id, user_id, secret_access_key, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (access_key_id) DO UPDATE
         SET secret_access_key = excluded.secret_access_key, status = excluded.status",
        params![
            k.access_key_id,
            k.user_id,
            k.secret_access_key.expose(),
            k.status,
            k.created_at
        ],
    )?;
    Ok(())
}

pub fn count_access_keys(c: &Connection, user_id: &str) -> rusqlite::Result<usize> {
    let n: i64 = c
        .prepare_cached("SELECT count(*) FROM access_keys WHERE user_id = ?1")?
        .query_row([user_id], |r| r.get(0))?;
    Ok(n as usize)
}

const SSH_KEY_COLUMNS: &str = "ssh_key_id, user_id, body, fingerprint, status, uploaded_at";

impl SshKeyRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(SshKeyRow {
            ssh_key_id: r.get(0)?,
            user_id: r.get(1)?,
            body: r.get(2)?,
            fingerprint: r.get(3)?,
            status: r.get(4)?,
            uploaded_at: r.get(5)?,
        })
    }
}

pub fn list_ssh_keys(c: &Connection, user_id: &str) -> rusqlite::Result<Vec<SshKeyRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {SSH_KEY_COLUMNS} FROM ssh_keys WHERE user_id = ?1 ORDER BY uploaded_at, ssh_key_id"
    ))?;
    stmt.query_map([user_id], SshKeyRow::from_row)?.collect()
}

pub fn ssh_key_owner(c: &Connection, ssh_key_id: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT user_id FROM ssh_keys WHERE ssh_key_id = ?1")?
        .query_row([ssh_key_id], |r| r.get(0))
        .optional()
}

pub fn insert_ssh_key(c: &Connection, k: &SshKeyRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO ssh_keys (ssh_key_id, user_id, body, fingerprint, status, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            k.ssh_key_id,
            k.user_id,
            k.body,
            k.fingerprint,
            k.status,
            k.uploaded_at
        ],
    )?;
    Ok(())
}

/// Deletes a service-specific credential; false if there was none.
pub fn delete_service_credential(c: &Connection, credential_id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM service_credentials WHERE credential_id = ?1",
        [credential_id],
    )? == 1)
}

/// Whether anything that IAM's DeleteUser refuses to orphan is still attached to the user.
pub fn user_has_attachments(c: &Connection, user_id: &str) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM service_credentials WHERE user_id = ?1)
             OR EXISTS (SELECT 1 FROM access_keys WHERE user_id = ?1)
             OR EXISTS (SELECT 1 FROM ssh_keys WHERE user_id = ?1)
",
        [user_id],
        |r| r.get(0),
    )
}

pub fn delete_user(c: &Connection, user_id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute("DELETE FROM users WHERE user_id = ?1", [user_id])? == 1)
}

pub fn find_user_by_id(c: &Connection, user_id: &str) -> rusqlite::Result<Option<UserRow>> {
    c.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.user_id = ?1"
    ))?
    .query_row([user_id], |r| UserRow::from_row(r, 0))
    .optional()
}

/// Users of an account whose path starts with `path_prefix`, by name.
pub fn list_users(
    c: &Connection,
    account_id: &str,
    path_prefix: &str,
) -> rusqlite::Result<Vec<UserRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u
         WHERE u.account_id = ?1 AND substr(u.path, 1, length(?2)) = ?2
         ORDER BY u.user_name COLLATE NOCASE"
    ))?;
    stmt.query_map(params![account_id, path_prefix], |r| {
        UserRow::from_row(r, 0)
    })?
    .collect()
}

pub fn update_user(
    c: &Connection,
    user_id: &str,
    user_name: &str,
    path: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE users SET user_name = ?2, path = ?3 WHERE user_id = ?1",
        params![user_id, user_name, path],
    )?;
    Ok(())
}

pub fn user_tags(c: &Connection, user_id: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt =
        c.prepare_cached("SELECT key, value FROM user_tags WHERE user_id = ?1 ORDER BY rowid")?;
    stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

pub fn insert_user_tag(
    c: &Connection,
    user_id: &str,
    key: &str,
    value: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO user_tags (user_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value",
        params![user_id, key, value],
    )?;
    Ok(())
}

const ACCESS_KEY_COLUMNS: &str = "access_key_id, user_id, secret_access_key, status, created_at";

fn access_key_from_row(r: &Row<'_>) -> rusqlite::Result<AccessKeyRow> {
    Ok(AccessKeyRow {
        access_key_id: r.get(0)?,
        user_id: r.get(1)?,
        secret_access_key: Secret::new(r.get::<_, String>(2)?),
        status: r.get(3)?,
        created_at: r.get(4)?,
    })
}

pub fn insert_access_key(c: &Connection, k: &AccessKeyRow) -> rusqlite::Result<()> {
    c.execute(
        &format!("INSERT INTO access_keys ({ACCESS_KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"),
        params![
            k.access_key_id,
            k.user_id,
            k.secret_access_key.expose(),
            k.status,
            k.created_at
        ],
    )?;
    Ok(())
}

pub fn list_access_keys(c: &Connection, user_id: &str) -> rusqlite::Result<Vec<AccessKeyRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ACCESS_KEY_COLUMNS} FROM access_keys WHERE user_id = ?1
         ORDER BY created_at, access_key_id"
    ))?;
    stmt.query_map([user_id], access_key_from_row)?.collect()
}

pub fn set_access_key_status(
    c: &Connection,
    id: &str,
    status: CredentialStatus,
) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE access_keys SET status = ?2 WHERE access_key_id = ?1",
        params![id, status],
    )? == 1)
}

pub fn delete_access_key(c: &Connection, id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute("DELETE FROM access_keys WHERE access_key_id = ?1", [id])? == 1)
}

/// Records that a long-term key signed a request (GetAccessKeyLastUsed).
pub fn record_access_key_use(
    c: &Connection,
    id: &str,
    when: &str,
    service: &str,
    region: &str,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE access_keys SET last_used_at = ?2, last_used_service = ?3, last_used_region = ?4
         WHERE access_key_id = ?1",
    )?
    .execute(params![id, when, service, region])?;
    Ok(())
}

/// When, against which service and in which region an access key last signed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastUsed {
    pub date: String,
    pub service: String,
    pub region: String,
}

/// The last use of an access key, if it has been used.
pub fn access_key_last_used(c: &Connection, id: &str) -> rusqlite::Result<Option<LastUsed>> {
    c.prepare_cached(
        "SELECT last_used_at, last_used_service, last_used_region FROM access_keys
         WHERE access_key_id = ?1 AND last_used_at IS NOT NULL",
    )?
    .query_row([id], |r| {
        Ok(LastUsed {
            date: r.get(0)?,
            service: r.get(1)?,
            region: r.get(2)?,
        })
    })
    .optional()
}

pub fn find_service_credential(
    c: &Connection,
    id: &str,
) -> rusqlite::Result<Option<ServiceCredentialRow>> {
    c.prepare_cached(&format!(
        "SELECT {CREDENTIAL_COLUMNS} FROM service_credentials c WHERE c.credential_id = ?1"
    ))?
    .query_row([id], |r| ServiceCredentialRow::from_row(r, 0))
    .optional()
}

pub fn set_service_credential_password(
    c: &Connection,
    id: &str,
    salt: &[u8],
    hash: &[u8],
) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE service_credentials SET password_salt = ?2, password_hash = ?3
         WHERE credential_id = ?1",
        params![id, salt, hash],
    )? == 1)
}

pub fn find_ssh_key(c: &Connection, id: &str) -> rusqlite::Result<Option<SshKeyRow>> {
    c.prepare_cached(&format!(
        "SELECT {SSH_KEY_COLUMNS} FROM ssh_keys WHERE ssh_key_id = ?1"
    ))?
    .query_row([id], SshKeyRow::from_row)
    .optional()
}

pub fn set_ssh_key_status(
    c: &Connection,
    id: &str,
    status: CredentialStatus,
) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE ssh_keys SET status = ?2 WHERE ssh_key_id = ?1",
        params![id, status],
    )? == 1)
}

pub fn delete_ssh_key(c: &Connection, id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute("DELETE FROM ssh_keys WHERE ssh_key_id = ?1", [id])? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn the_sign_in_lookup_is_prepared_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        store
            .write(|tx| {
                tx.execute_batch(
                    "INSERT INTO accounts VALUES ('123456789012', '2020-01-01T00:00:00Z');
                     INSERT INTO users VALUES ('u1', '123456789012', 'demo', '/', '2020-01-01T00:00:00Z');
                     INSERT INTO service_credentials VALUES ('c2', 'u1', 'codecommit.amazonaws.com',
                       'demo-at-123456789012', x'00', x'00', 'Active', '2020-01-02T00:00:00Z');
                     INSERT INTO service_credentials VALUES ('c1', 'u1', 'codecommit.amazonaws.com',
                       'demo-at-123456789012', x'00', x'00', 'Active', '2020-01-01T00:00:00Z');",
                )
            })
            .unwrap();
        for _ in 0..5 {
            let found = store
                .read(|c| {
                    service_credentials_by_login(
                        c,
                        "codecommit.amazonaws.com",
                        "demo-at-123456789012",
                    )
                })
                .unwrap();
            let ids: Vec<&str> = found
                .iter()
                .map(|(cred, _)| cred.credential_id.as_str())
                .collect();
            assert_eq!(ids, ["c1", "c2"], "oldest first");
            assert_eq!(found[0].1.user_name, "demo");
        }
        let reprepared = store
            .read(|c| {
                Ok::<_, rusqlite::Error>(
                    c.prepare_cached(&credentials_by_login_sql())?
                        .get_status(rusqlite::StatementStatus::RePrepare),
                )
            })
            .unwrap();
        assert_eq!(reprepared, 0);
    }
}
